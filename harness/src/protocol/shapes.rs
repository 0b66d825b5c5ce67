//! Message shapes: our own JSON Schemas for what each server result, notification and request
//! must look like, written from the spec (tests cross-check them against the official schema files).
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

/// A form-mode elicitation's requestedSchema: a flat object of primitive properties (strings,
/// numbers, booleans, and single- or multi-select enums).
fn requested_schema() -> Value {
    let primitive = json!({
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["string", "number", "integer", "boolean", "array"]}},
        "if": {"properties": {"type": {"const": "array"}}},
        "then": {"required": ["items"], "properties": {"items": {"type": "object", "anyOf": [{"required": ["enum"]}, {"required": ["anyOf"]}]}}}
    });
    json!({
        "type": "object",
        "required": ["type", "properties"],
        "properties": {
            "type": {"const": "object"},
            "properties": {"type": "object", "additionalProperties": primitive},
            "required": {"type": "array", "items": {"type": "string"}}
        }
    })
}

/// A Task as CreateTaskResult, tasks/get, tasks/cancel, tasks/list and the status
/// notifications show it, with its time to live and suggested poll interval under the names
/// its revision gives them.
fn task_with(ttl: &str, poll_interval: &str) -> Value {
    json!({
        "type": "object",
        "required": ["taskId", "status", "createdAt", "lastUpdatedAt", ttl],
        "properties": {
            "taskId": {"type": "string"},
            "status": {"enum": ["working", "input_required", "completed", "failed", "cancelled"]},
            "statusMessage": {"type": "string"},
            "createdAt": {"type": "string"},
            "lastUpdatedAt": {"type": "string"},
            ttl: {"type": ["integer", "null"]},
            poll_interval: {"type": "integer"}
        }
    })
}

/// A Task (2025-11-25): `ttl` and `pollInterval`.
fn task() -> Value {
    task_with("ttl", "pollInterval")
}

/// A Task of the tasks extension (2026-07-28): `ttlMs` and `pollIntervalMs`, and what its
/// status promises (outstanding inputRequests, the result, the error).
fn ext_task() -> Value {
    let mut task = task_with("ttlMs", "pollIntervalMs");
    let properties = &mut task["properties"];
    properties["inputRequests"] = json!({
        "type": "object",
        "additionalProperties": {"type": "object", "required": ["method"]}
    });
    properties["result"] = json!({"type": "object"});
    properties["error"] = json!({"type": "object", "required": ["code", "message"]});
    task
}

/// The shape key of a task-augmented call's result (a CreateTaskResult).
pub const CREATE_TASK_RESULT: &str = "tools/call:task";

/// The shape key of a multi round-trip request's interim result (2026-07-28).
pub const INPUT_REQUIRED_RESULT: &str = "input_required";

/// The shape keys of the tasks extension (with 2026-07-28): a tools/call answered with a task,
/// and a task as tasks/get shows it (as `notifications/tasks` does).
pub const EXT_CREATE_TASK_RESULT: &str = "tools/call:ext-task";
pub const EXT_TASK: &str = "tasks/get:ext";

/// The shape key for the result of `method`, given the request's params and the result: a
/// task-augmented tools/call answered with a task is a CreateTaskResult, and a result whose
/// resultType is input_required an InputRequiredResult, whatever it answers.
pub fn result_key<'a>(method: &'a str, params: Option<&Value>, result: &Value) -> &'a str {
    let augmented = params.and_then(|p| p.get("task")).is_some();
    let meta = params.and_then(|p| p.get("_meta"));
    let stateless = meta
        .and_then(|m| m.get(super::stateless::PROTOCOL_VERSION))
        .is_some();
    let result_type = result.get("resultType").and_then(Value::as_str);
    match method {
        _ if result_type == Some("input_required") => INPUT_REQUIRED_RESULT,
        "tools/call" if result_type == Some("task") => EXT_CREATE_TASK_RESULT,
        "tools/call" if augmented && result.get("task").is_some() => CREATE_TASK_RESULT,
        "tasks/get" if stateless => EXT_TASK,
        "tasks/update" | "tasks/cancel" if stateless => "tasks/update",
        _ => method,
    }
}

fn schemas() -> HashMap<&'static str, Value> {
    HashMap::from([
        (
            CREATE_TASK_RESULT,
            json!({"type": "object", "required": ["task"], "properties": {"task": task()}}),
        ),
        (
            INPUT_REQUIRED_RESULT,
            json!({
                "type": "object",
                "required": ["resultType"],
                "properties": {
                    "resultType": {"const": "input_required"},
                    "inputRequests": {
                        "type": "object",
                        "additionalProperties": {"type": "object", "required": ["method"]}
                    },
                    "requestState": {"type": "string"}
                }
            }),
        ),
        ("tasks/get", task()),
        (EXT_TASK, ext_task()),
        (EXT_CREATE_TASK_RESULT, ext_task()),
        ("notifications/tasks", ext_task()),
        ("tasks/update", json!({"type": "object"})),
        ("tasks/cancel", task()),
        ("tasks/list", paginated("tasks", task())),
        ("notifications/tasks/status", task()),
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
        (
            "notifications/resources/updated",
            json!({
                "type": "object", "required": ["uri"],
                "properties": {"uri": {"type": "string"}}
            }),
        ),
        (
            super::stateless::SUBSCRIPTIONS_ACKNOWLEDGED,
            json!({
                "type": "object", "required": ["notifications"],
                "properties": {"notifications": {"type": "object", "properties": {
                    "toolsListChanged": {"type": "boolean"},
                    "promptsListChanged": {"type": "boolean"},
                    "resourcesListChanged": {"type": "boolean"},
                    "resourceSubscriptions": {"type": "array", "items": {"type": "string"}}
                }}}
            }),
        ),
        (
            "notifications/elicitation/complete",
            json!({
                "type": "object", "required": ["elicitationId"],
                "properties": {"elicitationId": {"type": "string"}}
            }),
        ),
        (
            "elicitation/create",
            json!({
                "type": "object", "required": ["message"],
                "properties": {"message": {"type": "string"}, "mode": {"enum": ["form", "url"]}},
                "if": {"required": ["mode"], "properties": {"mode": {"const": "url"}}},
                "then": {"required": ["url", "elicitationId"], "properties": {"url": {"type": "string"}, "elicitationId": {"type": "string"}}},
                "else": {"required": ["requestedSchema"], "properties": {"requestedSchema": requested_schema()}}
            }),
        ),
        (
            "sampling/createMessage",
            json!({
                "type": "object", "required": ["messages", "maxTokens"],
                "properties": {
                    "messages": {"type": "array", "items": {"type": "object", "required": ["role", "content"], "properties": {
                        "role": {"enum": ["user", "assistant"]}, "content": {"type": ["object", "array"]}
                    }}},
                    "maxTokens": {"type": "integer"},
                    "systemPrompt": {"type": "string"},
                    "includeContext": {"enum": ["none", "thisServer", "allServers"]},
                    "temperature": {"type": "number"},
                    "stopSequences": {"type": "array", "items": {"type": "string"}},
                    "tools": {"type": "array", "items": {"type": "object", "required": ["name", "inputSchema"], "properties": {"name": {"type": "string"}}}},
                    "toolChoice": {"type": "object", "properties": {"mode": {"enum": ["auto", "required", "none"]}}}
                }
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

/// Validates a result (for client requests) or params (for notifications and server requests) of
/// `method`. Returns the first few problems, empty when it conforms or when the method has no
/// known shape.
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
