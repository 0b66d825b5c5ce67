//! The list_roots tool: the server's own roots/list request to the client, and the tool call's
//! answer once the client's response arrives.

use super::tools::{error_result, text_result};
use super::{Fault, Output, Server};
use crate::protocol::frame::same_id;
use serde_json::{json, Value};

/// The roots/list requests sent so far, and those still waiting for the client's answer.
#[derive(Default)]
pub(super) struct RootsRequests {
    sent: u64,
    pending: Vec<PendingRoots>,
}

struct PendingRoots {
    request_id: Value,
    /// The id of the tools/call that is answered once the roots arrive.
    call_id: Value,
}

impl Server {
    pub(super) fn list_roots(&mut self, call_id: &Value) -> Vec<Output> {
        let client_declared_roots = self
            .session
            .as_ref()
            .is_some_and(|session| session.client_capabilities.get("roots").is_some());
        if !client_declared_roots && !self.has(Fault::RootsWithoutCapability) {
            let result = error_result("the client declared no roots capability");
            return self.respond(call_id, Ok(result));
        }
        self.roots.sent += 1;
        let request_id = if self.has(Fault::ServerRequestNullId) {
            Value::Null
        } else {
            json!(format!("roots-{}", self.roots.sent))
        };
        self.roots.pending.push(PendingRoots {
            request_id: request_id.clone(),
            call_id: call_id.clone(),
        });
        vec![Output::Message(
            json!({ "jsonrpc": "2.0", "id": request_id, "method": "roots/list" }),
        )]
    }

    /// A response from the client: if it answers a pending roots/list, the waiting tool call is
    /// answered; any other response is dropped.
    pub(super) fn receive_client_response(
        &mut self,
        id: &Value,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let Some(index) = (self.roots.pending.iter()).position(|p| same_id(&p.request_id, id))
        else {
            return Vec::new();
        };
        let call_id = self.roots.pending.remove(index).call_id;
        let result = match body {
            Ok(result) => match root_uris(&result) {
                Some(uris) => text_result(uris.join("\n")),
                None => error_result("the client's roots/list result has no valid roots array"),
            },
            Err(error) => error_result(
                error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("the client answered roots/list with an error"),
            ),
        };
        self.respond(&call_id, Ok(result))
    }
}

fn root_uris(result: &Value) -> Option<Vec<&str>> {
    let roots = result.get("roots")?.as_array()?;
    roots.iter().map(|root| root.get("uri")?.as_str()).collect()
}
