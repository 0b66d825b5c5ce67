//! Fixture roles: a scenario that needs a particular kind of tool names a role, and the runner
//! fills it from what the server lists. A tool takes a role if its `_meta["dev.zcpspec/roles"]`
//! names it, or if its schemas show it (a tool with an outputSchema has structured output).
//! A target profile (`profile`) can name the player instead. A role nobody fills makes the
//! scenario not applicable, never a failure.

use super::profile::{Player, Profile};
use crate::protocol::param_headers::{self, Annotation};
use serde_json::{json, Map, Value};

/// The `_meta` key under which a server may name the roles its tools play.
pub const ROLES_META_KEY: &str = "dev.zcpspec/roles";

/// Every role a scenario may require. Tool roles bind `${tool}`; `subscribable` is a resource
/// role and binds `${resource}`.
pub const ROLES: &[&str] = &[
    "structured_output",
    "required_arguments",
    "errors",
    "emits_progress",
    "logs",
    "uses_roots",
    // Tasks (2025-11-25): by `execution.taskSupport`, or named.
    "task_capable",
    "task_optional",
    "task_required",
    "task_forbidden",
    "task_input_required",
    // Named only: what a tool does over time or asks of the client is not visible in its schema.
    "long_running",
    "elicits_input",
    "elicits_url",
    "samples",
    // A tool whose call changes the server's list of tools, resources or prompts.
    "changes_tools",
    "changes_resources",
    "changes_prompts",
    // 2026-07-28: a tool whose inputSchema mirrors arguments into headers (x-mcp-header).
    "mirrors_parameters",
    "subscribable",
    // ZCP tool discovery: by the tags the tool publishes (`_meta.groups`, `_meta.stages`).
    "grouped",
    "staged",
    "workflow",
];

pub fn is_known(role: &str) -> bool {
    ROLES.contains(&role)
}

/// Whether `role` is played by a resource (bound to `${resource}`) rather than a tool.
pub fn is_resource_role(role: &str) -> bool {
    role == "subscribable"
}

/// The tool object `${tool}` is bound to for `role`: the one the profile names (it must be
/// listed), called with the profile's arguments when it gives them, else the first listed tool
/// that plays the role. The error is the reason the scenario does not apply.
pub fn choose_tool(tools: &[Value], role: &str, profile: &Profile) -> Result<Value, String> {
    match profile.player(role) {
        Some(Player::Tool { name, arguments }) => {
            let tool = tools
                .iter()
                .find(|t| t.get("name").and_then(Value::as_str) == Some(name))
                .ok_or_else(|| {
                    format!(
                        "the profile names tool {name} for role {role}, but the server does not list it"
                    )
                })?;
            let mut bound = bind_tool(tool);
            if let (Some(arguments), Value::Object(map)) = (arguments, &mut bound) {
                map.insert("arguments".into(), arguments.clone());
            }
            Ok(bound)
        }
        _ => tools
            .iter()
            .find(|t| plays(t, role))
            .map(bind_tool)
            .ok_or_else(|| format!("no listed tool plays the {role} role")),
    }
}

/// The resource object `${resource}` is bound to for a resource role: the one whose URI the
/// profile names (it must be listed), else the first listed resource that plays the role.
pub fn choose_resource(
    resources: &[Value],
    role: &str,
    profile: &Profile,
) -> Result<Value, String> {
    match profile.player(role) {
        Some(Player::Resource { uri }) => resources
            .iter()
            .find(|r| r.get("uri").and_then(Value::as_str) == Some(uri))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the profile names resource {uri} for role {role}, but the server does not list it"
                )
            }),
        _ => resources
            .iter()
            .find(|r| plays(r, role))
            .cloned()
            .ok_or_else(|| format!("no listed resource plays the {role} role")),
    }
}

/// Whether `tool` (a Tool object from tools/list, or a Resource for a resource role) plays
/// `role`.
pub fn plays(tool: &Value, role: &str) -> bool {
    let declared = tool
        .pointer("/_meta")
        .and_then(|m| m.get(ROLES_META_KEY))
        .and_then(Value::as_array)
        .is_some_and(|roles| roles.iter().any(|r| r == role));
    declared
        || match role {
            "structured_output" => tool.get("outputSchema").is_some_and(Value::is_object),
            "required_arguments" => invalid_arguments(tool.get("inputSchema")).is_some(),
            "task_capable" => matches!(task_support(tool), "optional" | "required"),
            "task_optional" => task_support(tool) == "optional",
            "task_required" => task_support(tool) == "required",
            "task_forbidden" => task_support(tool) == "forbidden",
            "grouped" => !zcp_tags(tool, "groups").is_empty(),
            "staged" => !zcp_tags(tool, "stages").is_empty(),
            "workflow" => zcp_tags(tool, "groups").contains(&"workflow"),
            "mirrors_parameters" => tool
                .get("inputSchema")
                .map(param_headers::annotations)
                .is_some_and(|found| found.is_ok_and(|a| !a.is_empty())),
            _ => false,
        }
}

/// The ZCP discovery tags a tool publishes under `_meta.<kind>` (`groups` or `stages`).
fn zcp_tags<'a>(tool: &'a Value, kind: &str) -> Vec<&'a str> {
    (tool.pointer("/_meta").and_then(|m| m.get(kind)))
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A tool's `execution.taskSupport`; absent means "forbidden".
fn task_support(tool: &Value) -> &str {
    tool.pointer("/execution/taskSupport")
        .and_then(Value::as_str)
        .unwrap_or("forbidden")
}

/// The tool object as scenarios see it: the listed tool plus generated `arguments` (valid
/// against its inputSchema), when one can be made `invalid_arguments`, and for a tool that
/// mirrors arguments into headers, `mirror`.
pub fn bind_tool(tool: &Value) -> Value {
    let mut bound = tool.clone();
    let schema = tool.get("inputSchema");
    if let Value::Object(map) = &mut bound {
        map.insert("arguments".into(), valid_arguments(schema));
        if let Some(bad) = invalid_arguments(schema) {
            map.insert("invalid_arguments".into(), bad);
        }
        if let Some(mirror) = schema.and_then(mirror) {
            map.insert("mirror".into(), mirror);
        }
    }
    bound
}

/// What scenarios need to probe a server's checks of `Mcp-Param-{Name}` headers, from the
/// first mirrored argument (a string one if there is one): its `header`; `arguments` giving
/// it, with the header `value` that says so and an `other` value that does not;
/// `encoded_arguments`, giving it a text that needs base64 in a header (a string argument;
/// another keeps its value), with `encoded`, the base64 header value that says so, and `raw`,
/// that text unencoded (bytes no header may hold); `others`, the headers the other mirrored arguments
/// given need. `absent` and `null` hold `arguments` that leave an optional mirrored argument
/// out, or give it as null where its type allows. None without annotations.
fn mirror(schema: &Value) -> Option<Value> {
    let annotations = param_headers::annotations(schema).ok()?;
    let types = |a: &Annotation| -> Vec<Value> {
        match leaf(schema, a).and_then(|p| p.get("type")) {
            Some(Value::Array(ts)) => ts.clone(),
            Some(t) => vec![t.clone()],
            None => Vec::new(),
        }
    };
    let is_string = |a: &Annotation| types(a).contains(&json!("string"));
    let chosen = (annotations.iter().find(|a| is_string(a))).or(annotations.first())?;
    let string = is_string(chosen);
    let with = |value: Value| {
        let mut arguments = valid_arguments(Some(schema));
        set(&mut arguments, &chosen.path, value);
        arguments
    };
    let (value, unsafe_text, encoded) = match string {
        true => {
            let text = "zcpspec-ü";
            (
                json!("zcpspec"),
                text.to_string(),
                param_headers::encoded(text),
            )
        }
        false => {
            let value = sample(leaf(schema, chosen)?);
            let text = param_headers::header_value(&value)?;
            (value, format!("{text}ü"), param_headers::encoded(&text))
        }
    };
    let other = match &value {
        Value::Bool(b) => json!(!b),
        Value::Number(n) => json!(n.as_i64().unwrap_or(0) + 1),
        _ => json!("zcpspec-other"),
    };
    let arguments = with(value.clone());
    let others: Map<String, Value> = (annotations.iter())
        .filter(|a| *a != chosen)
        .filter_map(|a| {
            let value = param_headers::header_value(a.argument(&arguments)?)?;
            Some((a.header(), Value::String(value)))
        })
        .collect();
    let mut bound = json!({
        "header": chosen.header(),
        "value": param_headers::header_value(&value)?,
        "other": param_headers::header_value(&other)?,
        "encoded_arguments": match string {
            true => with(json!(unsafe_text)),
            false => arguments.clone(),
        },
        "encoded": encoded,
        "raw": unsafe_text,
        "arguments": arguments,
        "others": others,
    });
    let required = required(schema);
    let optional: Vec<&Annotation> = (annotations.iter())
        .filter(|a| (a.path.first()).is_some_and(|top| !required.contains(&top.as_str())))
        .collect();
    if !optional.is_empty() {
        bound["absent"] = json!({ "arguments": valid_arguments(Some(schema)) });
    }
    if let Some(nulled) = optional.iter().find(|a| types(a).contains(&json!("null"))) {
        let mut arguments = valid_arguments(Some(schema));
        set(&mut arguments, &nulled.path, Value::Null);
        bound["null"] = json!({ "arguments": arguments });
    }
    Some(bound)
}

/// The schema of the property an annotation marks.
fn leaf<'a>(schema: &'a Value, annotation: &Annotation) -> Option<&'a Value> {
    (annotation.path.iter()).try_fold(schema, |s, key| s.get("properties")?.get(key))
}

/// Sets the value at a chain of object keys, making the objects on the way.
fn set(arguments: &mut Value, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = arguments;
    for key in parents {
        if !at.get(key).is_some_and(Value::is_object) {
            at[key] = json!({});
        }
        at = &mut at[key];
    }
    at[last] = value;
}

/// The prompt object as scenarios see it: the listed prompt plus `argument_values` (a value for
/// every required argument) and `required_argument` (the name of the first required one, if any).
pub fn bind_prompt(prompt: &Value) -> Value {
    let mut bound = prompt.clone();
    let required: Vec<&str> = prompt
        .get("arguments")
        .and_then(Value::as_array)
        .map(|args| {
            args.iter()
                .filter(|a| a.get("required").and_then(Value::as_bool) == Some(true))
                .filter_map(|a| a.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let arguments: Map<String, Value> = required
        .iter()
        .map(|name| (name.to_string(), json!("zcpspec")))
        .collect();
    if let Value::Object(map) = &mut bound {
        map.insert("argument_values".into(), Value::Object(arguments));
        if let Some(first) = required.first() {
            map.insert("required_argument".into(), json!(first));
        }
    }
    bound
}

/// Minimal arguments valid against an object schema: every required property gets a value of
/// its type that respects `enum`, `const`, `minimum` and `maximum`.
pub fn valid_arguments(schema: Option<&Value>) -> Value {
    let mut args = Map::new();
    let Some(schema) = schema else {
        return Value::Object(args);
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for name in required(schema) {
        let prop = properties.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
        args.insert(name.to_string(), sample(prop));
    }
    Value::Object(args)
}

/// Arguments that break the schema: the first required property with a declared type gets a
/// value of another type. None when no such property exists.
pub fn invalid_arguments(schema: Option<&Value>) -> Option<Value> {
    let schema = schema?;
    let properties = schema.get("properties").and_then(Value::as_object)?;
    let (name, wrong) = required(schema).into_iter().find_map(|name| {
        let t = properties.get(name)?.get("type")?.as_str()?;
        let wrong = match t {
            "string" => json!(12345),
            "number" | "integer" => json!("not a number"),
            "boolean" => json!("not a boolean"),
            "array" | "object" => json!(false),
            _ => return None,
        };
        Some((name, wrong))
    })?;
    let mut args = valid_arguments(Some(schema));
    args.as_object_mut()?.insert(name.to_string(), wrong);
    Some(args)
}

fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn sample(prop: &Value) -> Value {
    if let Some(c) = prop.get("const") {
        return c.clone();
    }
    if let Some(first) = prop
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let number = || {
        let min = prop.get("minimum").and_then(Value::as_f64);
        let max = prop.get("maximum").and_then(Value::as_f64);
        let v = min.unwrap_or(1.0).max(1.0);
        max.map_or(v, |m| v.min(m))
    };
    match prop.get("type").and_then(Value::as_str) {
        Some("string") => json!("zcpspec"),
        Some("integer") => json!(number() as i64),
        Some("number") => json!(number()),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        Some("null") => Value::Null,
        Some("object") => valid_arguments(Some(prop)),
        _ => json!("zcpspec"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_what_probes_of_mirrored_parameters_need() {
        let schema = json!({
            "type": "object",
            "properties": {
                "shard": { "type": "integer", "x-mcp-header": "Shard" },
                "region": { "type": "string", "x-mcp-header": "Region" },
                "target": { "type": "object", "properties": {
                    "zone": { "type": ["string", "null"], "x-mcp-header": "Zone" } } },
            },
            "required": ["region", "shard"],
        });
        let bound = mirror(&schema).unwrap();
        assert_eq!(bound["header"], "Mcp-Param-Region");
        assert_eq!(
            bound["arguments"],
            json!({ "region": "zcpspec", "shard": 1 })
        );
        assert_eq!(bound["others"], json!({ "Mcp-Param-Shard": "1" }));
        assert_eq!(bound["value"], "zcpspec");
        assert_eq!(bound["other"], "zcpspec-other");
        assert_eq!(bound["encoded_arguments"]["region"], "zcpspec-ü");
        assert_eq!(bound["encoded"], param_headers::encoded("zcpspec-ü"));
        assert_eq!(bound["raw"], "zcpspec-ü");
        assert_eq!(
            bound["absent"]["arguments"],
            json!({ "region": "zcpspec", "shard": 1 })
        );
        let nulled = json!({ "region": "zcpspec", "shard": 1, "target": { "zone": null } });
        assert_eq!(bound["null"]["arguments"], nulled);
        assert_eq!(
            mirror(&json!({ "properties": { "a": { "type": "string" } } })),
            None
        );
    }

    #[test]
    fn generates_valid_and_invalid_arguments() {
        let schema = json!({"type":"object","properties":{"a":{"type":"number"},"n":{"type":"integer","minimum":2,"maximum":5},"s":{"enum":["x","y"]}},"required":["a","n","s"]});
        assert_eq!(
            valid_arguments(Some(&schema)),
            json!({"a": 1.0, "n": 2, "s": "x"})
        );
        assert_eq!(
            invalid_arguments(Some(&schema)),
            Some(json!({"a": "not a number", "n": 2, "s": "x"}))
        );
        let tool =
            json!({"name":"t","inputSchema":schema,"_meta":{"dev.zcpspec/roles":["errors"]}});
        assert!(plays(&tool, "errors") && plays(&tool, "required_arguments"));
        assert!(!plays(&tool, "structured_output"));
    }

    #[test]
    fn zcp_roles_come_from_discovery_tags() {
        let tool = json!({"name":"t","_meta":{"groups":["text","workflow"],"stages":[]}});
        assert!(plays(&tool, "grouped") && plays(&tool, "workflow"));
        assert!(!plays(&tool, "staged"));
        let untagged = json!({"name":"u","_meta":{"groups":"text"}});
        assert!(!plays(&untagged, "grouped") && !plays(&untagged, "workflow"));
    }

    #[test]
    fn a_profile_chooses_the_player_before_discovery() {
        let tools = [
            json!({"name":"count","inputSchema":{"type":"object","properties":{"to":{"type":"integer"}},"required":["to"]},"_meta":{"dev.zcpspec/roles":["emits_progress"]}}),
            json!({"name":"echo","inputSchema":{"type":"object"}}),
        ];
        let none = Profile::default();
        let found = choose_tool(&tools, "emits_progress", &none).unwrap();
        assert_eq!(
            (&found["name"], &found["arguments"]),
            (&json!("count"), &json!({"to": 1}))
        );
        assert_eq!(
            choose_tool(&tools, "long_running", &none).unwrap_err(),
            "no listed tool plays the long_running role"
        );
        let profile = crate::runner::profile::parse(
            std::path::Path::new("p.yaml"),
            "roles:\n  emits_progress: { tool: echo, arguments: { text: hi } }\n  long_running: { tool: sleep }\n  subscribable: { resource: \"ref://b\" }\n",
        )
        .unwrap();
        let chosen = choose_tool(&tools, "emits_progress", &profile).unwrap();
        assert_eq!(
            (&chosen["name"], &chosen["arguments"]),
            (&json!("echo"), &json!({"text": "hi"}))
        );
        assert_eq!(
            choose_tool(&tools, "long_running", &profile).unwrap_err(),
            "the profile names tool sleep for role long_running, but the server does not list it"
        );

        let resources = [
            json!({"uri":"ref://a","name":"a","_meta":{"dev.zcpspec/roles":["subscribable"]}}),
            json!({"uri":"ref://b","name":"b"}),
        ];
        assert_eq!(
            choose_resource(&resources, "subscribable", &none).unwrap()["uri"],
            "ref://a"
        );
        assert_eq!(
            choose_resource(&resources, "subscribable", &profile).unwrap()["uri"],
            "ref://b"
        );
        assert_eq!(
            choose_resource(&resources[..1], "subscribable", &profile).unwrap_err(),
            "the profile names resource ref://b for role subscribable, but the server does not list it"
        );
        assert_eq!(
            choose_resource(&resources[1..], "subscribable", &none).unwrap_err(),
            "no listed resource plays the subscribable role"
        );
    }
}
