//! A client session for the reference-server target: lines to send, when to let the server's
//! scheduled work run, and how the client answers the requests the server sends it
//! (roots/list, sampling/createMessage, elicitation/create).

use crate::frames::Line;
use crate::json::Json;
use arbitrary::Arbitrary;
use serde_json::{json, Value};

#[derive(Debug, Clone, Arbitrary)]
pub struct Session {
    pub steps: Vec<Step>,
    /// Used in turn for the server's requests; plausible answers when empty.
    pub replies: Vec<Reply>,
}

#[derive(Debug, Clone, Arbitrary)]
pub struct Step {
    pub line: Line,
    /// Answer the server's outstanding requests after this line (else they wait).
    pub answer_now: bool,
    /// How many of the server's scheduled jobs to run after this line (0 to 3 used).
    pub advance: u8,
}

/// How the client answers one request of the server's.
#[derive(Debug, Clone, Arbitrary)]
pub enum Reply {
    /// A result a real client could give; the number picks among several.
    Plausible(u8),
    /// A JSON-RPC error.
    Error(i32),
    /// Any result at all.
    Result(Json),
}

impl Reply {
    /// The client's response to the server's request `method` with `params`, for `id`.
    pub fn response(&self, id: &Value, method: &str, params: &Value) -> Value {
        match self {
            Reply::Plausible(variant) => {
                let result = plausible_result(method, params, *variant);
                json!({ "jsonrpc": "2.0", "id": id, "result": result })
            }
            Reply::Error(code) => json!({
                "jsonrpc": "2.0", "id": id,
                "error": { "code": code, "message": "the fuzzing client refuses" },
            }),
            Reply::Result(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result.0 }),
        }
    }
}

fn plausible_result(method: &str, params: &Value, variant: u8) -> Value {
    match method {
        "roots/list" => match variant % 2 {
            0 => json!({ "roots": [{ "uri": "file:///tmp/project", "name": "project" }] }),
            _ => json!({ "roots": [] }),
        },
        "sampling/createMessage" => {
            let offers_tools = params.get("tools").is_some();
            match variant % 3 {
                0 if offers_tools => json!({
                    "role": "assistant", "model": "fuzz", "stopReason": "toolUse",
                    "content": [{ "type": "tool_use", "id": "use-1", "name": "get_time", "input": {} }],
                }),
                1 => json!({
                    "role": "assistant", "model": "fuzz", "stopReason": "endTurn",
                    "content": [{ "type": "image", "data": "", "mimeType": "image/png" }],
                }),
                _ => json!({
                    "role": "assistant", "model": "fuzz", "stopReason": "endTurn",
                    "content": { "type": "text", "text": "hello" },
                }),
            }
        }
        "elicitation/create" => match variant % 4 {
            0 => json!({ "action": "accept", "content": { "name": "Ada", "approved": true } }),
            1 => json!({ "action": "accept", "content": { "approved": false } }),
            2 => json!({ "action": "decline" }),
            _ => json!({ "action": "cancel" }),
        },
        _ => json!({}),
    }
}
