//! The oracle: what no server may do whatever it is sent. It watches the frames the campaign
//! sends and everything the server does, and flags: an exit or dropped connection, a request
//! not answered by its deadline, an HTTP 5xx, a reply that is not JSON-RPC, a response with an
//! id never sent or answered twice, a reply to a notification, an error code in JSON-RPC's
//! reserved range that nobody defined, and a panic or traceback on stderr.

use crate::protocol::frame::answerable_id;
use crate::protocol::{codes, Frame};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// One thing the server did wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Flaw {
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    Dropped {
        detail: String,
    },
    NoAnswer {
        method: String,
    },
    Http5xx {
        status: u16,
    },
    NotJsonRpc {
        excerpt: String,
    },
    WrongId {
        id: String,
    },
    DuplicateResponse {
        id: String,
    },
    ReplyToNotification,
    UndefinedErrorCode {
        code: i64,
    },
    CrashReport {
        line: String,
    },
}

impl Flaw {
    /// What findings are deduplicated by: the kind, and what it happened to.
    pub fn signature(&self) -> String {
        match self {
            Flaw::Exited { .. } => "exit".into(),
            Flaw::Dropped { .. } => "dropped-connection".into(),
            Flaw::NoAnswer { method } => format!("no-answer {method}"),
            Flaw::Http5xx { status } => format!("http-{status}"),
            Flaw::NotJsonRpc { .. } => "not-json-rpc".into(),
            Flaw::WrongId { .. } => "wrong-id".into(),
            Flaw::DuplicateResponse { .. } => "duplicate-response".into(),
            Flaw::ReplyToNotification => "reply-to-notification".into(),
            Flaw::UndefinedErrorCode { code } => format!("undefined-error-code {code}"),
            Flaw::CrashReport { .. } => "crash-report".into(),
        }
    }

    /// Whether the server cannot go on after it: it exited, the connection dropped, or it
    /// answers not even a ping (or initialize).
    pub fn is_fatal(&self) -> bool {
        match self {
            Flaw::Exited { .. } | Flaw::Dropped { .. } => true,
            Flaw::NoAnswer { method } => method == "ping" || method == "initialize",
            _ => false,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Flaw::Exited { code, signal } => match (code, signal) {
                (_, Some(signal)) => format!("the server was killed by signal {signal}"),
                (Some(code), _) => format!("the server exited with status {code}"),
                _ => "the server exited".into(),
            },
            Flaw::Dropped { detail } => format!("the connection dropped: {detail}"),
            Flaw::NoAnswer { method } => format!("a {method} request got no answer in time"),
            Flaw::Http5xx { status } => format!("the server answered HTTP {status}"),
            Flaw::NotJsonRpc { excerpt } => {
                format!("the server sent a non-JSON-RPC frame: {excerpt}")
            }
            Flaw::WrongId { id } => format!("a response carried id {id}, which was never sent"),
            Flaw::DuplicateResponse { id } => format!("request {id} was answered twice"),
            Flaw::ReplyToNotification => "a notification was answered (null id, a result)".into(),
            Flaw::UndefinedErrorCode { code } => {
                format!("error code {code} is reserved by JSON-RPC and defined by nobody")
            }
            Flaw::CrashReport { line } => format!("the server reported a crash: {line}"),
        }
    }
}

/// The flaws worth a finding each: when the server left a ping or initialize unanswered, it
/// answers nothing at all, and the other requests it left unanswered say nothing more.
pub fn root_causes(flaws: Vec<Flaw>) -> Vec<Flaw> {
    let silent = |f: &Flaw| matches!(f, Flaw::NoAnswer { method } if method == "ping" || method == "initialize");
    let Some(first) = flaws.iter().position(silent) else {
        return flaws;
    };
    (flaws.into_iter().enumerate())
        .filter(|(i, f)| *i == first || !matches!(f, Flaw::NoAnswer { .. }))
        .map(|(_, f)| f)
        .collect()
}

/// A request waiting for its answer.
struct Pending {
    method: String,
    deadline: Instant,
}

/// What one session sent and what came back so far.
pub struct Watch {
    timeout: Duration,
    pending: HashMap<String, Pending>,
    /// Every id the campaign put in a frame, readable or not.
    sent: HashSet<String>,
    /// Ids sent more than once, or cancelled: what comes back for them is not judged.
    unjudged: HashSet<String>,
    answered: HashSet<String>,
    /// Whether some frame carried `"id": null` (a server may answer it with a null id).
    sent_null_id: bool,
}

/// Ids compared as JSON-RPC compares them: `1` and `1.0` are one id, `1` and `"1"` two.
fn key(id: &Value) -> String {
    match id.as_f64() {
        Some(number) => format!("n{number}"),
        None => format!("v{id}"),
    }
}

impl Watch {
    pub fn new(timeout: Duration) -> Self {
        Watch {
            timeout,
            pending: HashMap::new(),
            sent: HashSet::new(),
            unjudged: HashSet::new(),
            answered: HashSet::new(),
            sent_null_id: false,
        }
    }

    /// Notes a frame the campaign sent; returns the id of the answer it is now owed, if any.
    pub fn sent(&mut self, bytes: &[u8]) -> Option<Value> {
        match serde_json::from_slice::<Value>(bytes) {
            // A server may refuse a batch as a whole (every revision but 2025-03-26 has none),
            // so what is in one is never owed an answer of its own.
            Ok(Value::Array(items)) => {
                for item in &items {
                    self.sent_message(item, false);
                }
                None
            }
            Ok(message) => self.sent_message(&message, true),
            // A server with a more lenient parser may still read an id out of it.
            Err(_) => {
                self.sent.extend(ids_in_text(bytes).iter().map(key));
                None
            }
        }
    }

    /// Notes that the transport refused the request with this id (an HTTP 4xx, say, to a
    /// request sent before initialize): it is answered, and what may still come for it is not
    /// judged.
    pub fn refused(&mut self, id: &Value) {
        if self.pending.remove(&key(id)).is_some() {
            self.unjudged.insert(key(id));
        }
    }

    fn sent_message(&mut self, message: &Value, owed_answer: bool) -> Option<Value> {
        if message.get("method") == Some(&Value::from("notifications/cancelled")) {
            if let Some(id) = message.pointer("/params/requestId") {
                self.pending.remove(&key(id));
                self.unjudged.insert(key(id));
            }
        }
        let id = message.get("id")?;
        self.sent_null_id |= id.is_null();
        if !self.sent.insert(key(id)) {
            self.unjudged.insert(key(id));
            self.pending.remove(&key(id));
            return None;
        }
        // An id cancelled before it was ever sent is as ambiguous as a reused one.
        let cancelled = self.unjudged.contains(&key(id));
        let id = answerable_id(message).filter(|_| owed_answer && !cancelled)?;
        let method = message["method"].as_str().unwrap_or_default().to_string();
        let deadline = Instant::now() + self.timeout;
        self.pending.insert(key(id), Pending { method, deadline });
        Some(id.clone())
    }

    /// Judges a frame the server sent.
    pub fn received(&mut self, frame: &Frame) -> Vec<Flaw> {
        let bytes = &frame.raw;
        let Some(value) = &frame.json else {
            return vec![not_json_rpc(bytes)];
        };
        match value {
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .flat_map(|item| self.received_message(item, bytes))
                .collect(),
            other => self.received_message(other, bytes),
        }
    }

    fn received_message(&mut self, message: &Value, bytes: &[u8]) -> Vec<Flaw> {
        let Some(object) = message.as_object() else {
            return vec![not_json_rpc(bytes)];
        };
        let well_formed = object.get("jsonrpc") == Some(&Value::from("2.0"));
        if object.get("method").is_some_and(Value::is_string) {
            // A request or notification of the server's: the session answers requests.
            return if well_formed {
                Vec::new()
            } else {
                vec![not_json_rpc(bytes)]
            };
        }
        let (result, error) = (object.get("result"), object.get("error"));
        let error_ok = error.is_none_or(|e| {
            e.get("code").is_some_and(|c| c.is_i64())
                && e.get("message").is_some_and(Value::is_string)
        });
        if !well_formed
            || result.is_some() == error.is_some()
            || !error_ok
            || !object.contains_key("id")
        {
            return vec![not_json_rpc(bytes)];
        }
        let mut flaws = Vec::new();
        if let Some(code) = error.and_then(|e| e.get("code")).and_then(Value::as_i64) {
            if !is_defined(code) {
                flaws.push(Flaw::UndefinedErrorCode { code });
            }
        }
        let id = &object["id"];
        if id.is_null() {
            if result.is_some() && !self.sent_null_id {
                flaws.push(Flaw::ReplyToNotification);
            }
            return flaws;
        }
        let key = key(id);
        if self.unjudged.contains(&key) {
            self.pending.remove(&key);
            return flaws;
        }
        if self.pending.remove(&key).is_some() {
            self.answered.insert(key);
        } else if self.answered.contains(&key) {
            flaws.push(Flaw::DuplicateResponse { id: id.to_string() });
        } else if !self.sent.contains(&key) {
            flaws.push(Flaw::WrongId { id: id.to_string() });
        } else {
            // An id sent in a malformed frame, answered once: as it should be.
            self.answered.insert(key);
        }
        flaws
    }

    /// Judges a line the server wrote to stderr.
    pub fn stderr(&self, line: &str) -> Option<Flaw> {
        let crash = [
            "panicked at",
            "Traceback (most recent call last)",
            "Segmentation fault",
        ];
        crash
            .iter()
            .any(|c| line.contains(c))
            .then(|| Flaw::CrashReport {
                line: line.chars().take(200).collect(),
            })
    }

    /// The requests past their deadline, which are judged unanswered and forgotten.
    pub fn overdue(&mut self, now: Instant) -> Vec<Flaw> {
        let late: Vec<String> = (self.pending.iter())
            .filter(|(_, p)| p.deadline <= now)
            .map(|(k, _)| k.clone())
            .collect();
        late.into_iter()
            .filter_map(|k| self.pending.remove(&k))
            .map(|p| Flaw::NoAnswer { method: p.method })
            .collect()
    }

    /// Whether a request with this id still waits for its answer.
    pub fn is_pending(&self, id: &Value) -> bool {
        self.pending.contains_key(&key(id))
    }

    /// The earliest deadline of a request still waiting, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.deadline).min()
    }
}

/// Whether an error code is one a server may use: outside JSON-RPC's reserved range, one of
/// its five, or in the implementation-defined server-error range (MCP's own codes are there).
fn is_defined(code: i64) -> bool {
    let standard = [
        codes::PARSE_ERROR,
        codes::INVALID_REQUEST,
        codes::METHOD_NOT_FOUND,
        codes::INVALID_PARAMS,
        codes::INTERNAL_ERROR,
    ];
    !(-32768..=-32000).contains(&code)
        || standard.contains(&code)
        || (-32099..=-32000).contains(&code)
}

fn not_json_rpc(bytes: &[u8]) -> Flaw {
    let text = String::from_utf8_lossy(bytes);
    Flaw::NotJsonRpc {
        excerpt: text.chars().take(120).collect(),
    }
}

/// The ids a frame that is not JSON may still spell: `"id"`, a colon, then a number or string.
fn ids_in_text(bytes: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(bytes);
    let mut ids = Vec::new();
    for (at, _) in text.match_indices("\"id\"") {
        let rest = text[at + 4..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let mut stream = serde_json::Deserializer::from_str(rest.trim_start()).into_iter::<Value>();
        if let Some(Ok(id)) = stream.next() {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn watch() -> Watch {
        Watch::new(Duration::from_secs(5))
    }

    fn bytes(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    fn frame(v: Value) -> Frame {
        Frame::from_value(v)
    }

    #[test]
    fn a_request_answered_once_is_fine_and_twice_is_not() {
        let mut w = watch();
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "ping" }),
        ));
        let answer = frame(json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
        assert_eq!(w.received(&answer), []);
        assert_eq!(
            w.received(&answer),
            [Flaw::DuplicateResponse { id: "1".into() }]
        );
        let stranger = frame(json!({ "jsonrpc": "2.0", "id": 9, "result": {} }));
        assert_eq!(w.received(&stranger), [Flaw::WrongId { id: "9".into() }]);
    }

    #[test]
    fn ids_in_unparseable_frames_and_reused_ids_are_not_judged_wrong() {
        let mut w = watch();
        w.sent(br#"{"jsonrpc":"2.0","id":4,"method":"ping"x"#);
        let answer = frame(
            json!({ "jsonrpc": "2.0", "id": 4, "error": { "code": -32700, "message": "x" } }),
        );
        assert_eq!(w.received(&answer), []);
        let reused = bytes(json!({ "jsonrpc": "2.0", "id": 5, "method": "ping" }));
        w.sent(&reused);
        w.sent(&reused);
        let answer = frame(json!({ "jsonrpc": "2.0", "id": 5, "result": {} }));
        assert_eq!(w.received(&answer), []);
        assert_eq!(w.received(&answer), []);
    }

    #[test]
    fn a_request_past_its_deadline_is_unanswered_unless_cancelled() {
        let mut w = Watch::new(Duration::ZERO);
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call" }),
        ));
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call" }),
        ));
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                              "params": { "requestId": 2 } }),
        ));
        let flaws = w.overdue(Instant::now());
        assert_eq!(
            flaws,
            [Flaw::NoAnswer {
                method: "tools/call".into()
            }]
        );
    }

    #[test]
    fn an_id_cancelled_before_it_is_sent_is_not_owed_an_answer() {
        let mut w = Watch::new(Duration::ZERO);
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "method": "notifications/cancelled",
                              "params": { "requestId": 7 } }),
        ));
        w.sent(&bytes(
            json!({ "jsonrpc": "2.0", "id": 7, "method": "initialize" }),
        ));
        assert_eq!(w.overdue(Instant::now()), []);
    }

    #[test]
    fn broken_replies_are_flagged() {
        let mut w = watch();
        let hello = Frame::from_bytes(b"hello".to_vec());
        assert!(matches!(w.received(&hello)[..], [Flaw::NotJsonRpc { .. }]));
        let both = frame(json!({ "jsonrpc": "2.0", "id": 1, "result": {}, "error": {} }));
        assert!(matches!(w.received(&both)[..], [Flaw::NotJsonRpc { .. }]));
        let null_result = frame(json!({ "jsonrpc": "2.0", "id": null, "result": {} }));
        assert_eq!(w.received(&null_result), [Flaw::ReplyToNotification]);
        let reserved = frame(json!({ "jsonrpc": "2.0", "id": null,
                                     "error": { "code": -32500, "message": "x" } }));
        assert_eq!(
            w.received(&reserved),
            [Flaw::UndefinedErrorCode { code: -32500 }]
        );
        let mcp = frame(json!({ "jsonrpc": "2.0", "id": null,
                                "error": { "code": -32002, "message": "x" } }));
        assert_eq!(w.received(&mcp), []);
        assert!(w
            .stderr("thread 'main' panicked at src/main.rs:3:5")
            .is_some());
        assert!(w.stderr("INFO listening").is_none());
    }
}
