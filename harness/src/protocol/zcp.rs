//! The ZCP native dialect (`POST /zcp`): where its result shapes differ from MCP's, and the
//! mappings both ways. The reference server maps MCP results to native ones; the harness maps
//! what a native server sends back to MCP, so that every check judges one shape.
//! Differences (ZCP-WIRE.md, and as the ZCP SDK behaves): initialize keys are snake_case, a
//! tool error is `{"isError": true, "error": "<code>", "hint": …}` instead of text content, and
//! the last page of a list says `"nextCursor": null` where MCP leaves the field out.

use serde_json::{json, Map, Value};

const RENAMES: [(&str, &str); 2] = [
    ("protocolVersion", "protocol_version"),
    ("serverInfo", "server_info"),
];

/// MCP result of `method` → ZCP native result.
pub fn to_native(method: &str, result: &Value) -> Value {
    let mut out = result.clone();
    match method {
        "initialize" => rename(&mut out, false),
        "tools/call" if result.get("isError") == Some(&Value::Bool(true)) => {
            let text = result
                .pointer("/content/0/text")
                .and_then(Value::as_str)
                .unwrap_or("the tool failed");
            out = json!({"isError": true, "error": "exec:error", "hint": text});
        }
        _ => {}
    }
    out
}

/// ZCP native result of `method` → MCP result, as checks expect it.
pub fn to_mcp(method: &str, result: &Value) -> Value {
    let mut out = result.clone();
    if let Value::Object(map) = &mut out {
        if map.get("nextCursor").is_some_and(Value::is_null) {
            map.remove("nextCursor");
        }
    }
    match method {
        "initialize" => rename(&mut out, true),
        "tools/call" if result.get("content").is_none() && result.get("error").is_some() => {
            // The hint is what the tool said; the code stays in the frame's raw bytes.
            let code = result.get("error").and_then(Value::as_str);
            let text = result
                .get("hint")
                .and_then(Value::as_str)
                .or(code)
                .unwrap_or("error");
            out = json!({"isError": true, "content": [{"type": "text", "text": text}]});
        }
        _ => {}
    }
    out
}

fn rename(value: &mut Value, to_mcp: bool) {
    let Value::Object(map) = value else { return };
    let mut renamed = Map::new();
    for (k, v) in std::mem::take(map) {
        let key = RENAMES
            .iter()
            .find_map(|(mcp, native)| match to_mcp {
                true if k == *native => Some(mcp.to_string()),
                false if k == *mcp => Some(native.to_string()),
                _ => None,
            })
            .unwrap_or(k);
        renamed.insert(key, v);
    }
    *map = renamed;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_round_trip() {
        let init = json!({"protocolVersion": "2025-11-25", "serverInfo": {"name": "x", "version": "1"}, "capabilities": {}});
        let native = to_native("initialize", &init);
        assert_eq!(native["protocol_version"], "2025-11-25");
        assert_eq!(to_mcp("initialize", &native), init);
        let failed = json!({"isError": true, "content": [{"type": "text", "text": "boom"}]});
        let native = to_native("tools/call", &failed);
        assert_eq!(
            native,
            json!({"isError": true, "error": "exec:error", "hint": "boom"})
        );
        assert_eq!(to_mcp("tools/call", &native), failed);
    }
}
