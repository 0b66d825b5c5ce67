//! Elicitation. `ask_user` (2025-06-18 on) asks for a name in form mode and greets it.
//! `connect_account` (2025-11-25) connects a pretend Example account through a page the user
//! visits (URL mode). Both need the client to have declared the mode they use; otherwise the
//! call ends with a tool error and nothing is asked. A declined, cancelled or failed elicitation
//! ends the call with a result saying so.
//!
//! connect_account works two ways, chosen by its `flow` argument. With `request` (the default)
//! it sends elicitation/create in URL mode and waits; once the client accepts, the server acts
//! as if the user had finished the page at once: it sends notifications/elicitation/complete and
//! answers the call. With `error` it answers the call with URLElicitationRequiredError (-32042)
//! listing that same elicitation, then sends the completion notification; a retried call finds
//! the account connected. Once connected, calls answer at once.

use super::client_requests::{error_message, Purpose};
use super::jsonrpc::RpcError;
use super::tools::{error_result, text_result};
use super::{Fault, Output, Server};
use crate::protocol::{codes, Revision};
use serde_json::{json, Value};

const FORM_MESSAGE: &str = "What name should the reference server greet?";
const URL_MESSAGE: &str = "Connect your Example account on the page this link opens.";
const CONNECT_PAGE: &str = "https://example.com/connect";

impl Server {
    pub(super) fn ask_user(&mut self, call_id: &Value) -> Vec<Output> {
        if !self.client_takes_forms() && !self.has(Fault::AsksUndeclared) {
            let required = json!({ "elicitation": { "form": {} } });
            let message = "the client declared no form-mode elicitation capability";
            return self.lacks_capability(call_id, required, message);
        }
        let requested_schema = self.name_schema();
        let mut params = json!({});
        if self.revision() >= Revision::V2025_11_25 {
            params["mode"] = json!("form");
        }
        params["message"] = json!(FORM_MESSAGE);
        params["requestedSchema"] = requested_schema.clone();
        let purpose = Purpose::Form { requested_schema };
        self.ask_client(call_id, "elicitation/create", Some(params), purpose)
    }

    /// `elicitation: {}` means form mode only; from 2025-11-25 the modes may be listed.
    pub(super) fn client_takes_forms(&self) -> bool {
        self.client_declares("elicitation.form")
            || (self.client_declares("elicitation") && !self.client_declares("elicitation.url"))
    }

    /// A flat schema with one string property (and, under faults, a password or a nested object).
    fn name_schema(&self) -> Value {
        let mut properties = json!({
            "name": { "type": "string", "title": "Name", "description": "The name to greet" },
        });
        if self.has(Fault::ElicitationAsksPassword) {
            properties["password"] = json!({ "type": "string", "title": "Password" });
        }
        if self.has(Fault::ElicitationNestedSchema) {
            properties["address"] = json!({
                "type": "object",
                "properties": { "city": { "type": "string" } },
            });
        }
        json!({ "type": "object", "properties": properties, "required": ["name"] })
    }

    /// The client's answer to an elicitation, or (when it answered with an error) the tool
    /// call's response saying the elicitation failed.
    fn elicitation_answer(
        &mut self,
        call_id: &Value,
        body: Result<Value, Value>,
    ) -> Result<Value, Vec<Output>> {
        body.map_err(|error| {
            let message = format!("the elicitation failed: {}", error_message(&error));
            self.respond(call_id, Ok(error_result(&message)))
        })
    }

    pub(super) fn form_answered(
        &mut self,
        call_id: &Value,
        requested_schema: &Value,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let answer = match self.elicitation_answer(call_id, body) {
            Ok(answer) => answer,
            Err(outputs) => return outputs,
        };
        let action = answer.get("action").and_then(Value::as_str);
        if matches!(action, Some("decline" | "cancel")) && self.has(Fault::ElicitationDeclineError)
        {
            let error = RpcError::internal("the user did not answer the elicitation");
            return self.respond(call_id, Err(error));
        }
        let result = match action {
            Some("accept") => {
                let content = answer.get("content").cloned().unwrap_or(json!({}));
                let conforms = jsonschema::validator_for(requested_schema)
                    .is_ok_and(|validator| validator.is_valid(&content));
                match content.get("name").and_then(Value::as_str) {
                    Some(name) if conforms => text_result(format!("Hello, {name}!")),
                    _ => error_result("the accepted content does not match the requested schema"),
                }
            }
            Some("decline") => text_result("The user declined to give a name.".into()),
            Some("cancel") => text_result("The user dismissed the question.".into()),
            _ => error_result("the client's elicitation result has no valid action"),
        };
        self.respond(call_id, Ok(result))
    }

    pub(super) fn connect_account(&mut self, call_id: &Value, arguments: &Value) -> Vec<Output> {
        if self.client_requests.account_connected {
            let result = text_result("The Example account is connected.".into());
            return self.respond(call_id, Ok(result));
        }
        if !self.client_declares("elicitation.url") {
            let message =
                "the client declared no URL-mode elicitation capability (elicitation.url)";
            return self.respond(call_id, Ok(error_result(message)));
        }
        self.client_requests.url_elicitations += 1;
        let elicitation_id = format!("connect-{}", self.client_requests.url_elicitations);
        let mut url = format!("{CONNECT_PAGE}?elicitationId={elicitation_id}");
        if self.has(Fault::ElicitationUrlWithToken) {
            url.push_str("&access_token=ya29.the-users-own-token");
        }
        let elicitation = json!({
            "mode": "url",
            "message": URL_MESSAGE,
            "url": url,
            "elicitationId": elicitation_id,
        });
        if arguments.get("flow").and_then(Value::as_str) != Some("error") {
            let purpose = Purpose::Url { elicitation_id };
            return self.ask_client(call_id, "elicitation/create", Some(elicitation), purpose);
        }
        let mut elicitation = elicitation;
        if self.has(Fault::UrlRequiredWithoutMode) {
            if let Value::Object(elicitation) = &mut elicitation {
                elicitation.remove("mode");
            }
        }
        let data = json!({ "elicitations": [elicitation] });
        let message = "Connecting the Example account needs a visit to a page first.";
        let error = RpcError::new(codes::URL_ELICITATION_REQUIRED, message).with_data(data);
        let mut outputs = self.respond(call_id, Err(error));
        outputs.push(self.elicitation_complete(&elicitation_id));
        outputs
    }

    pub(super) fn url_answered(
        &mut self,
        call_id: &Value,
        elicitation_id: String,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let answer = match self.elicitation_answer(call_id, body) {
            Ok(answer) => answer,
            Err(outputs) => return outputs,
        };
        match answer.get("action").and_then(Value::as_str) {
            Some("accept") => {
                let mut outputs = vec![self.elicitation_complete(&elicitation_id)];
                let result = text_result("Connected the Example account.".into());
                outputs.extend(self.respond(call_id, Ok(result)));
                outputs
            }
            Some("decline" | "cancel") => {
                let result = text_result("The Example account was not connected.".into());
                self.respond(call_id, Ok(result))
            }
            _ => {
                let result = error_result("the client's elicitation result has no valid action");
                self.respond(call_id, Ok(result))
            }
        }
    }

    /// The user finished the page of `elicitation_id`: the account is connected, and the client
    /// is told.
    fn elicitation_complete(&mut self, elicitation_id: &str) -> Output {
        self.client_requests.account_connected = true;
        let elicitation_id = if self.has(Fault::ElicitationCompleteUnknownId) {
            "connect-unknown"
        } else {
            elicitation_id
        };
        let params = json!({ "elicitationId": elicitation_id });
        self.notify("notifications/elicitation/complete", params)
    }
}
