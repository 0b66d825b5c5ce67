//! One JSON-RPC frame: the exact bytes seen on the wire plus, when they parse, the JSON value,
//! and a classification of what kind of message the value is.

use serde_json::Value;

/// A frame as it crossed the wire. The bytes are kept verbatim so that a trace shows exactly what
/// a server sent, even when it is not UTF-8 or not JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub raw: Vec<u8>,
    pub json: Option<Value>,
}

impl Frame {
    /// Parses `raw` once; a frame that is not valid JSON keeps `json: None`. Invalid UTF-8 is
    /// read with replacement characters, so that the message is still understood while the
    /// encoding itself is judged separately.
    pub fn from_bytes(raw: Vec<u8>) -> Self {
        let json = match std::str::from_utf8(&raw) {
            Ok(text) => serde_json::from_str(text).ok(),
            Err(_) => serde_json::from_str(&String::from_utf8_lossy(&raw)).ok(),
        };
        Frame { raw, json }
    }

    pub fn from_value(value: Value) -> Self {
        let raw = serde_json::to_vec(&value).expect("a serde_json::Value always serialises");
        Frame {
            raw,
            json: Some(value),
        }
    }

    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(&self.raw).is_ok()
    }

    /// The frame's text, with invalid UTF-8 replaced (for display and traces).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    pub fn kind(&self) -> MessageKind<'_> {
        match &self.json {
            None => MessageKind::NotJson,
            Some(v) => MessageKind::of(v),
        }
    }
}

/// What a JSON value is, as a JSON-RPC 2.0 message.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageKind<'a> {
    Request {
        id: &'a Value,
        method: &'a str,
    },
    Notification {
        method: &'a str,
    },
    /// A response: `result` or `error` (or both, which is itself a violation) with an id member,
    /// possibly null.
    Response {
        id: &'a Value,
    },
    Batch(&'a [Value]),
    /// Valid JSON that is no JSON-RPC message at all.
    Invalid,
    NotJson,
}

impl<'a> MessageKind<'a> {
    pub fn of(value: &'a Value) -> Self {
        match value {
            Value::Array(items) => MessageKind::Batch(items),
            Value::Object(map) => {
                if let Some(method) = map.get("method").and_then(Value::as_str) {
                    match map.get("id") {
                        Some(id) => MessageKind::Request { id, method },
                        None => MessageKind::Notification { method },
                    }
                } else if map.contains_key("result") || map.contains_key("error") {
                    MessageKind::Response {
                        id: map.get("id").unwrap_or(&Value::Null),
                    }
                } else {
                    MessageKind::Invalid
                }
            }
            _ => MessageKind::Invalid,
        }
    }

    pub fn method(&self) -> Option<&'a str> {
        match self {
            MessageKind::Request { method, .. } | MessageKind::Notification { method } => {
                Some(method)
            }
            _ => None,
        }
    }
}

/// The id of a well-formed request (`"jsonrpc": "2.0"`, a string method, a string or integer
/// id): one a server must answer with a response carrying that id.
pub fn answerable_id(value: &Value) -> Option<&Value> {
    let object = value.as_object()?;
    let id = object.get("id")?;
    let well_formed = object.get("jsonrpc") == Some(&Value::from("2.0"))
        && object.get("method").is_some_and(Value::is_string)
        && (id.is_string() || id.is_i64() || id.is_u64());
    well_formed.then_some(id)
}

/// Whether two JSON-RPC ids are the same id: same type and value (`1` and `"1"` differ; `1` and
/// `1.0` are the same number).
pub fn same_id(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}
