//! Requests the server sends to the client while it serves a tools/call (roots/list,
//! elicitation/create, sampling/createMessage) and what becomes of them: the table of those
//! awaiting an answer, the answer that completes the waiting call, and the client's cancellation
//! of that call, which abandons the request with a notifications/cancelled of the server's own.

#[cfg(test)]
pub(super) mod tests;

use super::jsonrpc::RpcError;
use super::tools::error_result;
use super::{Fault, Output, Server};
use crate::protocol::codes;
use crate::protocol::frame::same_id;
use serde_json::{json, Value};

/// The requests sent to the client so far, those still awaiting its answer, and the state the
/// answers leave behind.
#[derive(Default)]
pub(super) struct ClientRequests {
    sent: u64,
    pending: Vec<Pending>,
    /// URL-mode elicitation ids handed out so far (they are unique within the session).
    pub(super) url_elicitations: u64,
    /// Whether connect_account's pretend Example account is connected.
    pub(super) account_connected: bool,
}

struct Pending {
    request_id: Value,
    /// The tools/call that is answered once the client's answer arrives.
    call_id: Value,
    purpose: Purpose,
    /// The stateless request the call was (only the stateless-server-requests fault sends
    /// requests then), resumed when the answer arrives.
    stateless: Option<super::stateless::Request>,
}

/// What a request to the client is for, which says how its answer completes the call.
pub(super) enum Purpose {
    Roots,
    /// ask_user's form: the accepted content must conform to `requested_schema`.
    Form {
        requested_schema: Value,
    },
    /// connect_account's URL-mode elicitation.
    Url {
        elicitation_id: String,
    },
    /// The sample tool's sampling/createMessage with these `params`; `follow_up` when it already
    /// carries tool results.
    Sampling {
        params: Value,
        follow_up: bool,
    },
}

impl Server {
    /// Whether the client declared the capability at the dotted `path` (e.g. `sampling.tools`).
    pub(super) fn client_declares(&self, path: &str) -> bool {
        let declared = match (&self.stateless, &self.session) {
            (Some(request), _) => &request.client_capabilities,
            (None, Some(session)) => &session.client_capabilities,
            (None, None) => return false,
        };
        (path.split('.'))
            .try_fold(declared, |value, key| value.get(key))
            .is_some()
    }

    /// Sends `method` to the client on behalf of tools/call `call_id`, which is answered when
    /// the client's answer arrives. Ids are `<area>-<n>`, e.g. `roots-1`.
    pub(super) fn ask_client(
        &mut self,
        call_id: &Value,
        method: &str,
        params: Option<Value>,
        purpose: Purpose,
    ) -> Vec<Output> {
        // The stateless era sends no requests: it asks in the call's result (MRTR).
        if self.stateless.is_some() && !self.has(Fault::StatelessServerRequests) {
            return self.ask_in_result(call_id, method, params, purpose);
        }
        self.client_requests.sent += 1;
        let request_id = if self.has(Fault::ServerRequestNullId) {
            Value::Null
        } else {
            let area = method.split('/').next().unwrap_or(method);
            json!(format!("{area}-{}", self.client_requests.sent))
        };
        self.client_requests.pending.push(Pending {
            request_id: request_id.clone(),
            call_id: call_id.clone(),
            purpose,
            stateless: self.stateless.clone(),
        });
        let mut request = json!({ "jsonrpc": "2.0", "id": request_id, "method": method });
        if let Some(params) = params {
            request["params"] = params;
        }
        vec![Output::Message(request)]
    }

    /// A response from the client: if it answers a pending request, the waiting tool call goes
    /// on; any other response is dropped.
    pub(super) fn receive_client_response(
        &mut self,
        id: &Value,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let pending = &mut self.client_requests.pending;
        let Some(index) = pending.iter().position(|p| same_id(&p.request_id, id)) else {
            return Vec::new();
        };
        let Pending {
            call_id,
            purpose,
            stateless,
            ..
        } = pending.remove(index);
        self.stateless = stateless;
        let outputs = self.answered(&call_id, purpose, body);
        self.stateless = None;
        outputs
    }

    /// Goes on with tools/call `call_id` now that the client answered (`body`: its result, or
    /// its error) what the call asked for `purpose`.
    pub(super) fn answered(
        &mut self,
        call_id: &Value,
        purpose: Purpose,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let call_id = call_id.clone();
        match purpose {
            Purpose::Roots => self.roots_answered(&call_id, body),
            Purpose::Form { requested_schema } => {
                self.form_answered(&call_id, &requested_schema, body)
            }
            Purpose::Url { elicitation_id } => self.url_answered(&call_id, elicitation_id, body),
            Purpose::Sampling { params, follow_up } => {
                self.sampled(&call_id, params, follow_up, body)
            }
        }
    }

    /// A tool call that needs a capability the client did not declare (`required`, as
    /// `requiredCapabilities` spells it): in the stateless era, -32021 (BASE-21); before, a
    /// tool error saying so.
    pub(super) fn lacks_capability(
        &mut self,
        call_id: &Value,
        required: Value,
        message: &str,
    ) -> Vec<Output> {
        if self.stateless.is_some() && !self.has(Fault::CapabilityErrorAsResult) {
            let error = RpcError::new(
                codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
                format!("Missing required client capability: {message}"),
            )
            .with_data(json!({ "requiredCapabilities": required }));
            return self.respond(call_id, Err(error));
        }
        self.respond(call_id, Ok(error_result(message)))
    }

    /// The client cancelled tools/call `params.requestId`. If that call waits on a request of
    /// the server's, the request is abandoned and cancelled in turn (the server issued it and it
    /// is still in progress), and the call goes unanswered. None when no call waits under that id.
    pub(super) fn abandon_client_request(&mut self, params: &Value) -> Option<Vec<Output>> {
        let call_id = params.get("requestId")?;
        let pending = &mut self.client_requests.pending;
        let index = pending.iter().position(|p| same_id(&p.call_id, call_id))?;
        let abandoned = pending.remove(index);
        let request_id = if self.has(Fault::ServerCancelWrongId) {
            call_id.clone()
        } else {
            abandoned.request_id
        };
        let params = json!({
            "requestId": request_id,
            "reason": "the tools/call it was for was cancelled",
        });
        Some(vec![self.notify("notifications/cancelled", params)])
    }
}

/// The message of a JSON-RPC error object the client answered with.
pub(super) fn error_message(error: &Value) -> &str {
    (error.get("message").and_then(Value::as_str)).unwrap_or("the client answered with an error")
}
