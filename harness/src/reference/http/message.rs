//! What a POSTed body holds, as far as the transports care (an initialize request, something
//! that needs an answer, or only notifications and responses), and what the server's outputs
//! are (server messages, responses, the end of a request).

use crate::protocol::frame::same_id;
use crate::reference::Output;
use serde_json::Value;

/// A POSTed body, parsed once to see what it holds (the server parses it again).
pub(super) struct Posted {
    /// The messages of the body (the items of a batch); None if the body is not JSON.
    messages: Option<Vec<Value>>,
    batch: bool,
}

impl Posted {
    pub(super) fn parse(body: &[u8]) -> Self {
        match serde_json::from_slice(body) {
            Ok(Value::Array(items)) => Posted {
                messages: Some(items),
                batch: true,
            },
            Ok(message) => Posted {
                messages: Some(vec![message]),
                batch: false,
            },
            Err(_) => Posted {
                messages: None,
                batch: false,
            },
        }
    }

    /// The id of the body's request, if the body is a single request.
    pub(super) fn request_id(&self) -> Option<&Value> {
        self.single().and_then(request).map(|(id, _)| id)
    }

    /// The body's request (id, method, params) when it is a single 2026-07-28 request:
    /// `server/discover`, or one whose `_meta` carries either of the era's required keys.
    pub(super) fn stateless_request(&self) -> Option<(&Value, &str, &Value)> {
        let message = self.single()?;
        let (id, method) = request(message)?;
        let params = message.get("params").unwrap_or(&Value::Null);
        crate::reference::stateless::is_stateless(method, params).then_some((id, method, params))
    }

    /// Whether the body is one well-formed JSON-RPC 2.0 request.
    pub(super) fn is_valid_request(&self) -> bool {
        self.single()
            .is_some_and(|m| is_jsonrpc(m) && request(m).is_some())
    }

    pub(super) fn is_initialize(&self) -> bool {
        self.single()
            .and_then(request)
            .is_some_and(|(_, method)| method == "initialize")
    }

    /// Only notifications and responses (so the POST is answered 202); anything else, even
    /// invalid JSON, gets an answer from the server.
    pub(super) fn needs_no_answer(&self) -> bool {
        self.messages.as_ref().is_some_and(|messages| {
            !messages.is_empty()
                && messages
                    .iter()
                    .all(|m| is_notification(m) || is_response(m))
        })
    }

    /// How many notifications of `method` the body holds.
    pub(super) fn notifications(&self, method: &str) -> usize {
        (self.messages.iter().flatten())
            .filter(|m| is_notification(m) && m["method"] == method)
            .count()
    }

    /// The method of the body's request with this id.
    pub(super) fn method_of(&self, id: &Value) -> Option<&str> {
        (self.messages.iter().flatten())
            .filter_map(request)
            .find(|(request_id, _)| same_id(request_id, id))
            .map(|(_, method)| method)
    }

    /// The params of the body's request with this id.
    pub(super) fn params_of(&self, id: &Value) -> Option<&Value> {
        (self.messages.iter().flatten())
            .find(|m| request(m).is_some_and(|(request_id, _)| same_id(request_id, id)))
            .and_then(|m| m.get("params"))
    }

    fn single(&self) -> Option<&Value> {
        match &self.messages {
            Some(messages) if !self.batch => messages.first(),
            _ => None,
        }
    }
}

fn is_jsonrpc(message: &Value) -> bool {
    message.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
}

fn request(message: &Value) -> Option<(&Value, &str)> {
    let id = message
        .get("id")
        .filter(|id| id.is_string() || id.is_number())?;
    let method = message.get("method")?.as_str()?;
    Some((id, method))
}

fn is_notification(message: &Value) -> bool {
    is_jsonrpc(message)
        && message.get("method").is_some_and(Value::is_string)
        && message.get("id").is_none()
}

fn is_response(message: &Value) -> bool {
    is_jsonrpc(message)
        && message.get("method").is_none()
        && message.get("id").is_some()
        && (message.get("result").is_some() != message.get("error").is_some())
}

/// A notification or request of the server's (it has a method), as opposed to a response or
/// raw bytes.
pub(super) fn is_server_message(output: &Output) -> bool {
    matches!(output, Output::Message(message) if message.get("method").is_some())
}

/// Whether the outputs end the request they answer: anything but server messages does (a
/// response, or the raw bytes some faults write in its place).
pub(super) fn finishes(outputs: &[Output]) -> bool {
    outputs.iter().any(|output| !is_server_message(output))
}

/// Whether the outputs are nothing but JSON-RPC responses, which a JSON body can carry.
pub(super) fn only_responses(outputs: &[Output]) -> bool {
    outputs
        .iter()
        .all(|output| matches!(output, Output::Message(_)) && !is_server_message(output))
}

/// Whether the output is the response to request `id`.
pub(super) fn answers(output: &Output, id: &Value) -> bool {
    matches!(output, Output::Message(message)
        if message.get("method").is_none() && message.get("id").is_some_and(|i| same_id(i, id)))
}

/// The outputs before an Exit, and the Exit's status (what would follow it is never written).
pub(super) fn until_exit(outputs: Vec<Output>) -> (Vec<Output>, Option<i32>) {
    let mut before = Vec::new();
    for output in outputs {
        match output {
            Output::Exit(status) => return (before, Some(status)),
            other => before.push(other),
        }
    }
    (before, None)
}
