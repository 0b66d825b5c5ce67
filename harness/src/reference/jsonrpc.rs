//! JSON-RPC 2.0 for the reference server: classifying what arrived, and building the responses
//! and notifications it sends. The faults that corrupt every response or notification live here.

use super::{Fault, Output, Server};
use crate::protocol::codes;
use serde_json::{json, Map, Value};

/// A JSON-RPC error the server answers with.
#[derive(Debug, Clone)]
pub(super) struct RpcError {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl RpcError {
    pub(super) fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub(super) fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_REQUEST, message)
    }

    pub(super) fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    pub(super) fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    pub(super) fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// The result of a request, or the error to answer it with.
pub(super) type Outcome = Result<Value, RpcError>;

/// One parsed (non-batch) message, as JSON-RPC classifies it.
pub(super) enum Incoming {
    Request {
        id: Value,
        method: String,
        /// `{}` when the request had no params.
        params: Value,
    },
    Notification {
        method: String,
        /// `{}` when the notification had no params.
        params: Value,
    },
    /// A response from the client to one of the server's own requests: its result or error.
    Response {
        id: Value,
        body: Result<Value, Value>,
    },
    /// Not a JSON-RPC message; `id` is the message's id if it could be read, else null.
    Invalid { id: Value, problem: Problem },
}

/// Why a JSON value is not a valid JSON-RPC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    NotAnObject,
    WrongVersion,
    MethodNotString,
    BadId,
    NeitherRequestNorResponse,
}

impl Problem {
    pub(super) fn message(self) -> &'static str {
        match self {
            Problem::NotAnObject => "a JSON-RPC message must be a JSON object",
            Problem::WrongVersion => "\"jsonrpc\" must be \"2.0\"",
            Problem::MethodNotString => "\"method\" must be a string",
            Problem::BadId => "a request id must be a string or a number",
            Problem::NeitherRequestNorResponse => {
                "the message is neither a request, a notification nor a response"
            }
        }
    }
}

pub(super) fn classify(message: Value) -> Incoming {
    let Value::Object(mut map) = message else {
        return Incoming::Invalid {
            id: Value::Null,
            problem: Problem::NotAnObject,
        };
    };
    let id = map.remove("id");
    let readable_id = match &id {
        Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
        _ => Value::Null,
    };
    let invalid = |problem| Incoming::Invalid {
        id: readable_id.clone(),
        problem,
    };
    if map.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid(Problem::WrongVersion);
    }
    match map.remove("method") {
        Some(Value::String(method)) => match id {
            None => Incoming::Notification {
                method,
                params: map.remove("params").unwrap_or_else(|| json!({})),
            },
            Some(Value::String(_) | Value::Number(_)) => Incoming::Request {
                id: readable_id,
                method,
                params: map.remove("params").unwrap_or_else(|| json!({})),
            },
            Some(_) => invalid(Problem::BadId),
        },
        Some(_) => invalid(Problem::MethodNotString),
        None => match (map.remove("result"), map.remove("error"), id) {
            (Some(result), None, Some(id)) => Incoming::Response {
                id,
                body: Ok(result),
            },
            (None, Some(error), Some(id)) => Incoming::Response {
                id,
                body: Err(error),
            },
            _ => invalid(Problem::NeitherRequestNorResponse),
        },
    }
}

impl Server {
    /// The response to request `id`, followed by a garbage line under that fault; the result of
    /// the stateless request being served gets the era's marks.
    pub(super) fn respond(&mut self, id: &Value, outcome: Outcome) -> Vec<Output> {
        let method = self
            .stateless
            .as_ref()
            .map(|request| request.method.clone());
        self.respond_marked(id, outcome, method)
    }

    /// The response to request `id`; a result gets the era's marks for `stateless_method`, the
    /// method of the stateless request it answers (None: the handshake era).
    pub(super) fn respond_marked(
        &mut self,
        id: &Value,
        outcome: Outcome,
        stateless_method: Option<String>,
    ) -> Vec<Output> {
        let method = stateless_method;
        let mut response = Map::new();
        if !self.has(Fault::MissingJsonrpc) {
            response.insert("jsonrpc".into(), json!("2.0"));
        }
        let id = if self.has(Fault::WrongId) {
            wrong_id(id)
        } else {
            id.clone()
        };
        response.insert("id".into(), id);
        match outcome {
            Ok(result) => {
                let result = match method {
                    Some(method) => self.mark_stateless_result(&method, result),
                    None => result,
                };
                response.insert("result".into(), result);
            }
            Err(error) => {
                if self.has(Fault::ResultAndError) {
                    response.insert("result".into(), json!({}));
                }
                response.insert("error".into(), self.error_object(error));
            }
        }
        let mut outputs = vec![Output::Message(Value::Object(response))];
        if self.has(Fault::GarbageLines) {
            outputs.push(self.garbage_line());
        }
        outputs
    }

    fn error_object(&self, error: RpcError) -> Value {
        let code = if self.has(Fault::ErrorCodeString) {
            json!(error.code.to_string())
        } else {
            json!(error.code)
        };
        let mut object = json!({ "code": code, "message": error.message });
        if let Some(data) = error.data {
            object["data"] = data;
        }
        object
    }

    /// A notification the server sends (progress or log message).
    pub(super) fn notify(&mut self, method: &str, params: Value) -> Output {
        let mut notification = Map::new();
        notification.insert("jsonrpc".into(), json!("2.0"));
        if self.has(Fault::NotificationWithId) {
            self.notifications_numbered += 1;
            let id = format!("n-{}", self.notifications_numbered);
            notification.insert("id".into(), json!(id));
        }
        notification.insert("method".into(), json!(method));
        notification.insert("params".into(), params);
        Output::Message(Value::Object(notification))
    }
}

/// A different id of the same type: numbers plus one, strings with "x" appended.
fn wrong_id(id: &Value) -> Value {
    match id {
        Value::String(s) => json!(format!("{s}x")),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => json!(i.wrapping_add(1)),
            (None, Some(f)) => json!(f + 1.0),
            _ => id.clone(),
        },
        _ => id.clone(),
    }
}
