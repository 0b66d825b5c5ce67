//! Structure-aware JSON-RPC frames: mostly-valid envelopes with real MCP method names, ids of
//! every JSON type, params that are either plausible for the method or arbitrary JSON, and a
//! raw-bytes variant. A [`Line`] is what a client writes as one line of the stdio transport.

use crate::json::{self, Json};
use crate::vocabulary::{METHODS, PROMPTS, TOOLS, URIS, VERSIONS};
use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{json, Map, Value};
use zcpspec::protocol::LOG_LEVELS;

/// Marks a string the reference target replaces with the n-th task id the server handed out
/// (task ids are random, so a generator cannot know them).
pub const TASK_REF_PREFIX: &str = "<task-ref:";

/// One line a client sends.
#[derive(Debug, Clone)]
pub enum Line {
    Message(Box<Envelope>),
    /// A JSON array of messages.
    Batch(Vec<Envelope>),
    /// Any bytes at all (a newline inside splits it on a real transport).
    Raw(Vec<u8>),
}

impl<'a> Arbitrary<'a> for Line {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=19)? {
            0..=15 => Line::Message(u.arbitrary()?),
            16 | 17 => {
                let len = u.int_in_range(0..=4)?;
                Line::Batch((0..len).map(|_| u.arbitrary()).collect::<Result<_>>()?)
            }
            _ => Line::Raw(u.arbitrary()?),
        })
    }
}

impl Line {
    /// The bytes of the line, without a newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Line::Raw(bytes) => bytes.clone(),
            other => serde_json::to_vec(&other.to_value().expect("not raw")).expect("serialises"),
        }
    }

    /// The line as a JSON value; None for raw bytes.
    pub fn to_value(&self) -> Option<Value> {
        match self {
            Line::Message(envelope) => Some(envelope.to_value()),
            Line::Batch(items) => {
                Some(Value::Array(items.iter().map(Envelope::to_value).collect()))
            }
            Line::Raw(_) => None,
        }
    }
}

/// A JSON-RPC envelope, valid unless the generator chose to break a part of it.
#[derive(Debug, Clone, Arbitrary)]
pub struct Envelope {
    pub jsonrpc: Version,
    pub id: Id,
    pub method: Method,
    pub params: Params,
    pub body: Body,
    /// One more member, possibly overriding one of the above.
    pub extra: Option<(Key, Json)>,
}

impl Envelope {
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        if let Some(version) = self.jsonrpc.to_value() {
            map.insert("jsonrpc".into(), version);
        }
        if let Some(id) = self.id.to_value() {
            map.insert("id".into(), id);
        }
        let method = self.method.to_value();
        if let Some(method) = &method {
            map.insert("method".into(), method.clone());
        }
        let name = method.as_ref().and_then(Value::as_str).unwrap_or("");
        if let Some(params) = self.params.to_value(name) {
            map.insert("params".into(), params);
        }
        match &self.body {
            Body::None => {}
            Body::Result(result) => {
                map.insert("result".into(), result.0.clone());
            }
            Body::Error(error) => {
                map.insert("error".into(), error.to_value());
            }
            Body::Both(result, error) => {
                map.insert("result".into(), result.0.clone());
                map.insert("error".into(), error.to_value());
            }
        }
        if let Some((key, value)) = &self.extra {
            map.insert(key.0.clone(), value.0.clone());
        }
        Value::Object(map)
    }
}

/// The `jsonrpc` member: mostly "2.0".
#[derive(Debug, Clone)]
pub enum Version {
    Correct,
    Absent,
    Wrong(Json),
}

impl<'a> Arbitrary<'a> for Version {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=15)? {
            0 => Version::Absent,
            1 => Version::Wrong(u.arbitrary()?),
            _ => Version::Correct,
        })
    }
}

impl Version {
    fn to_value(&self) -> Option<Value> {
        match self {
            Version::Correct => Some(json!("2.0")),
            Version::Absent => None,
            Version::Wrong(value) => Some(value.0.clone()),
        }
    }
}

/// An id of every JSON type, or none. Small integers and the server's own request ids recur so
/// that duplicates, cancellations and answers to server requests happen.
#[derive(Debug, Clone)]
pub enum Id {
    Absent,
    Null,
    Small(u8),
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Object(Json),
    Array(Json),
}

impl<'a> Arbitrary<'a> for Id {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=19)? {
            0..=3 => Id::Absent,
            4..=9 => Id::Small(u.int_in_range(0..=7)?),
            10 => Id::Int(u.arbitrary()?),
            11 => Id::Float(u.arbitrary()?),
            12..=14 => Id::Str(json::string(u)?),
            15 => Id::Null,
            16 => Id::Bool(u.arbitrary()?),
            17 => Id::Object(Json(Value::Object(json::object(u, 1)?))),
            _ => Id::Array(Json(json::value(u, 1)?)),
        })
    }
}

impl Id {
    pub fn to_value(&self) -> Option<Value> {
        Some(match self {
            Id::Absent => return None,
            Id::Null => Value::Null,
            Id::Small(n) => json!(n),
            Id::Int(n) => json!(n),
            Id::Float(f) => serde_json::Number::from_f64(*f).map_or(json!(0.5), Value::Number),
            Id::Str(s) => json!(s),
            Id::Bool(b) => json!(b),
            Id::Object(value) => value.0.clone(),
            Id::Array(value) => Value::Array(vec![value.0.clone()]),
        })
    }
}

/// The `method` member: mostly a real MCP method.
#[derive(Debug, Clone)]
pub enum Method {
    Known(&'static str),
    Other(String),
    NotString(Json),
    Absent,
}

impl<'a> Arbitrary<'a> for Method {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=19)? {
            0..=14 => Method::Known(u.choose(METHODS)?),
            15 => Method::Other(u.arbitrary()?),
            16 => Method::NotString(u.arbitrary()?),
            _ => Method::Absent,
        })
    }
}

impl Method {
    fn to_value(&self) -> Option<Value> {
        match self {
            Method::Known(name) => Some(json!(name)),
            Method::Other(name) => Some(json!(name)),
            Method::NotString(value) => Some(value.0.clone()),
            Method::Absent => None,
        }
    }
}

/// The `params` member: plausible for the method (built from `Knobs`), arbitrary, or absent.
#[derive(Debug, Clone)]
pub enum Params {
    Absent,
    Plausible(Knobs),
    Json(Json),
}

impl<'a> Arbitrary<'a> for Params {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=9)? {
            0 | 1 => Params::Absent,
            2 => Params::Json(u.arbitrary()?),
            _ => Params::Plausible(u.arbitrary()?),
        })
    }
}

/// The choices plausible params are made of.
#[derive(Debug, Clone, Arbitrary)]
pub struct Knobs {
    pub pick: u8,
    pub flag: bool,
    pub other_flag: bool,
    pub number: u16,
    pub text: String,
    pub progress_token: Option<Id>,
    /// Tools: call as a task, with this ttl (if any).
    pub task: Option<Option<u16>>,
    /// Extra members (arbitrary values of MCP keys).
    pub extra: Option<Json>,
}

impl Params {
    fn to_value(&self, method: &str) -> Option<Value> {
        match self {
            Params::Absent => None,
            Params::Json(value) => Some(value.0.clone()),
            Params::Plausible(knobs) => Some(knobs.params_for(method)),
        }
    }
}

impl Knobs {
    fn pick<'t>(&self, table: &[&'t str]) -> &'t str {
        table[usize::from(self.pick) % table.len()]
    }

    /// Params a client could well send with `method`.
    pub fn params_for(&self, method: &str) -> Value {
        let mut params = match method {
            "initialize" => {
                let mut capabilities = json!({});
                if self.flag {
                    capabilities["roots"] = json!({ "listChanged": true });
                    capabilities["elicitation"] = json!({ "form": {}, "url": {} });
                }
                if self.other_flag {
                    capabilities["sampling"] = json!({ "tools": {} });
                }
                json!({
                    "protocolVersion": self.pick(VERSIONS),
                    "capabilities": capabilities,
                    "clientInfo": { "name": "fuzz", "version": "0" },
                })
            }
            "tools/call" => {
                let name = self.pick(TOOLS);
                json!({ "name": name, "arguments": self.arguments_for(name) })
            }
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                json!({ "uri": self.pick(URIS) })
            }
            "prompts/get" => json!({
                "name": self.pick(PROMPTS),
                "arguments": { "name": self.text, "style": "brief" },
            }),
            "completion/complete" => {
                let reference = match self.flag {
                    true => json!({ "type": "ref/prompt", "name": self.pick(PROMPTS) }),
                    false => json!({ "type": "ref/resource", "uri": self.pick(URIS) }),
                };
                let argument = if self.other_flag { "name" } else { "id" };
                json!({ "ref": reference, "argument": { "name": argument, "value": self.text } })
            }
            "logging/setLevel" => {
                // One past the last level stands "verbose", which is none.
                let index = usize::from(self.pick) % (LOG_LEVELS.len() + 1);
                json!({ "level": LOG_LEVELS.get(index).copied().unwrap_or("verbose") })
            }
            "tasks/get" | "tasks/result" | "tasks/cancel" => {
                json!({ "taskId": format!("{TASK_REF_PREFIX}{}>", self.pick) })
            }
            "tools/list"
            | "resources/list"
            | "resources/templates/list"
            | "prompts/list"
            | "tasks/list" => match self.flag {
                true => json!({ "cursor": format!("page-{}", self.pick % 4) }),
                false => json!({}),
            },
            "notifications/cancelled" => json!({
                "requestId": Id::Small(self.pick % 8).to_value(),
                "reason": self.text,
            }),
            "notifications/progress" => json!({
                "progressToken": Id::Small(self.pick % 8).to_value(),
                "progress": self.number,
            }),
            _ => json!({}),
        };
        if let Some(token) = self.progress_token.as_ref().and_then(Id::to_value) {
            params["_meta"] = json!({ "progressToken": token });
        }
        if let Some(ttl) = self.task.filter(|_| method == "tools/call") {
            params["task"] = match ttl {
                Some(ttl) => json!({ "ttl": ttl }),
                None => json!({}),
            };
        }
        if let Some(Json(Value::Object(extra))) = &self.extra {
            for (key, value) in extra {
                params[key] = value.clone();
            }
        }
        params
    }

    fn arguments_for(&self, tool: &str) -> Value {
        let n = u64::from(self.number);
        match tool {
            "echo" | "reverse" | "uppercase" => json!({ "text": self.text }),
            "add" => json!({ "a": n, "b": f64::from(self.pick) / 4.0 }),
            "count" => json!({ "to": n % 12 }),
            "sleep" => json!({ "ms": n % 12_000 }),
            "approve" => json!({ "subject": self.text }),
            "sample" => json!({ "prompt": self.text }),
            "connect_account" => json!({ "flow": if self.flag { "error" } else { "request" } }),
            _ => json!({}),
        }
    }
}

/// A member name: mostly an MCP key.
#[derive(Debug, Clone)]
pub struct Key(pub String);

impl<'a> Arbitrary<'a> for Key {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let key = match u.ratio(3u8, 4)? {
            true => (*u.choose(crate::vocabulary::KEYS)?).to_string(),
            false => u.arbitrary()?,
        };
        Ok(Key(key))
    }
}

/// What a response-like envelope carries: mostly nothing (requests and notifications).
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Result(Json),
    Error(ErrorObject),
    Both(Json, ErrorObject),
}

impl<'a> Arbitrary<'a> for Body {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0u8..=15)? {
            0..=10 => Body::None,
            11 | 12 => Body::Result(u.arbitrary()?),
            13 | 14 => Body::Error(u.arbitrary()?),
            _ => Body::Both(u.arbitrary()?, u.arbitrary()?),
        })
    }
}

/// A JSON-RPC error object, or something in its place.
#[derive(Debug, Clone, Arbitrary)]
pub enum ErrorObject {
    Proper {
        code: i32,
        message: String,
        data: Option<Json>,
    },
    Other(Json),
}

impl ErrorObject {
    fn to_value(&self) -> Value {
        match self {
            ErrorObject::Proper {
                code,
                message,
                data,
            } => {
                let mut error = json!({ "code": code, "message": message });
                if let Some(data) = data {
                    error["data"] = data.0.clone();
                }
                error
            }
            ErrorObject::Other(value) => value.0.clone(),
        }
    }
}
