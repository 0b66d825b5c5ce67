//! Message shapes: our own JSON Schemas for what each server result and notification must look
//! like, written from the spec (tests cross-check them against the official schema files).
//! They state the structure every revision shares; revision-specific fields are left open.

use super::LOG_LEVELS;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

fn content_block() -> Value {
    json!({
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["text", "image", "audio", "resource_link", "resource"]}},
        "allOf": [
            {"if": {"properties": {"type": {"const": "text"}}}, "then": {"required": ["text"], "properties": {"text": {"type": "string"}}}},
            {"if": {"properties": {"type": {"enum": ["image", "audio"]}}}, "then": {"required": ["data", "mimeType"], "properties": {"data": {"type": "string"}, "mimeType": {"type": "string"}}}},
            {"if": {"properties": {"type": {"const": "resource_link"}}}, "then": {"required": ["uri", "name"]}},
            {"if": {"properties": {"type": {"const": "resource"}}}, "then": {"required": ["resource"], "properties": {"resource": resource_contents()}}}
        ]
    })
}

fn resource_contents() -> Value {
    json!({
        "type": "object",
        "required": ["uri"],
        "properties": {"uri": {"type": "string"}, "mimeType": {"type": "string"}, "text": {"type": "string"}, "blob": {"type": "string"}},
        "oneOf": [{"required": ["text"]}, {"required": ["blob"]}]
    })
}

fn paginated(field: &str, item: Value) -> Value {
    json!({
        "type": "object",
        "required": [field],
        "properties": {field: {"type": "array", "items": item}, "nextCursor": {"type": "string"}}
    })
}

/// The schema for the result of `method`, or for the params of notification `method`.
fn schemas() -> HashMap<&'static str, Value> {
    HashMap::from([
        (
            "initialize",
            json!({
                "type": "object",
                "required": ["protocolVersion", "capabilities", "serverInfo"],
                "properties": {
                    "protocolVersion": {"type": "string"},
                    "capabilities": {"type": "object"},
                    "serverInfo": {"type": "object", "required": ["name", "version"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
                    "instructions": {"type": "string"}
                }
            }),
        ),
        ("ping", json!({"type": "object"})),
        ("logging/setLevel", json!({"type": "object"})),
        (
            "tools/list",
            paginated(
                "tools",
                json!({
                    "type": "object",
                    "required": ["name", "inputSchema"],
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "inputSchema": {"type": "object", "required": ["type"], "properties": {"type": {"const": "object"}}},
                        "outputSchema": {"type": "object", "required": ["type"], "properties": {"type": {"const": "object"}}},
                        "annotations": {"type": "object"}
                    }
                }),
            ),
        ),
        (
            "tools/call",
            json!({
                "type": "object",
                "required": ["content"],
                "properties": {"content": {"type": "array", "items": content_block()}, "isError": {"type": "boolean"}, "structuredContent": {"type": "object"}}
            }),
        ),
        (
            "resources/list",
            paginated(
                "resources",
                json!({
                    "type": "object", "required": ["uri", "name"],
                    "properties": {"uri": {"type": "string"}, "name": {"type": "string"}, "mimeType": {"type": "string"}}
                }),
            ),
        ),
        (
            "resources/templates/list",
            paginated(
                "resourceTemplates",
                json!({
                    "type": "object", "required": ["uriTemplate", "name"],
                    "properties": {"uriTemplate": {"type": "string"}, "name": {"type": "string"}}
                }),
            ),
        ),
        (
            "resources/read",
            json!({
                "type": "object", "required": ["contents"],
                "properties": {"contents": {"type": "array", "items": resource_contents()}}
            }),
        ),
        (
            "prompts/list",
            paginated(
                "prompts",
                json!({
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "arguments": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "required": {"type": "boolean"}}}}}
                }),
            ),
        ),
        (
            "prompts/get",
            json!({
                "type": "object", "required": ["messages"],
                "properties": {"messages": {"type": "array", "items": {"type": "object", "required": ["role", "content"], "properties": {"role": {"enum": ["user", "assistant"]}, "content": content_block()}}}}
            }),
        ),
        (
            "completion/complete",
            json!({
                "type": "object", "required": ["completion"],
                "properties": {"completion": {"type": "object", "required": ["values"], "properties": {
                    "values": {"type": "array", "maxItems": 100, "items": {"type": "string"}},
                    "total": {"type": "integer"}, "hasMore": {"type": "boolean"}
                }}}
            }),
        ),
        (
            "notifications/progress",
            json!({
                "type": "object", "required": ["progressToken", "progress"],
                "properties": {"progressToken": {"type": ["string", "integer"]}, "progress": {"type": "number"}, "total": {"type": "number"}, "message": {"type": "string"}}
            }),
        ),
        (
            "notifications/message",
            json!({
                "type": "object", "required": ["level", "data"],
                "properties": {"level": {"enum": LOG_LEVELS}, "logger": {"type": "string"}}
            }),
        ),
    ])
}

fn validators() -> &'static HashMap<&'static str, jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        schemas()
            .into_iter()
            .map(|(m, s)| {
                let v = jsonschema::validator_for(&s)
                    .expect("the harness's own shapes are valid schemas");
                (m, v)
            })
            .collect()
    })
}

/// Whether the harness knows the shape for `method`.
pub fn knows(method: &str) -> bool {
    validators().contains_key(method)
}

/// Validates a result (for requests) or params (for notifications) of `method`. Returns the
/// first few problems, empty when it conforms or when the method has no known shape.
pub fn violations(method: &str, value: &Value) -> Vec<String> {
    match validators().get(method) {
        Some(v) => v
            .iter_errors(value)
            .take(3)
            .map(|e| {
                let at = e.instance_path().to_string();
                format!("{}: {e}", if at.is_empty() { "/" } else { &at })
            })
            .collect(),
        None => Vec::new(),
    }
}

/// The JSON Schema the harness uses for `method` (exposed for the cross-check tests).
pub fn schema_for(method: &str) -> Option<Value> {
    schemas().remove(method)
}
