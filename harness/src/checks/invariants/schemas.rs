//! JSON Schemas the server sends (basic/index §JSON Schema Usage, 2025-11-25): each tool's
//! inputSchema and outputSchema in tools/list results, and the requestedSchema of its
//! elicitation/create requests, is valid against the meta-schema of its `$schema` dialect,
//! 2020-12 when it names none. A dialect the harness does not know is not judged.

use super::{Finding, Msg, Rule, View};
use crate::protocol::frame::same_id;
use crate::protocol::Revision;
use jsonschema::Draft;
use serde_json::Value;

pub(super) const RULES: &[(&str, Rule)] = &[("base/schemas-valid", schemas_valid)];

fn schemas_valid(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.revision.is_none_or(|r| r < Revision::V2025_11_25) {
        return f;
    }
    for (m, id) in v.responses() {
        let listed_tools = v
            .client_requests()
            .any(|(_, sid, method)| method == "tools/list" && same_id(sid, id));
        let tools = m.value.pointer("/result/tools").and_then(Value::as_array);
        for tool in tools.into_iter().flatten().filter(|_| listed_tools) {
            let name = tool.get("name").and_then(Value::as_str).unwrap_or("?");
            for field in ["inputSchema", "outputSchema"] {
                if let Some(schema) = tool.get(field) {
                    judge(&mut f, m, &format!("tool {name:?}'s {field}"), schema);
                }
            }
        }
    }
    for (m, _, method) in v.server_requests() {
        if let Some(schema) = m.value.pointer("/params/requestedSchema") {
            judge(&mut f, m, &format!("{method}'s requestedSchema"), schema);
        }
    }
    f
}

fn judge(f: &mut Finding, m: &Msg, what: &str, schema: &Value) {
    let Some(dialect) = dialect(schema) else {
        return;
    };
    let problem = jsonschema::meta::validate(schema).err();
    f.judge(
        m.seq,
        problem.is_none(),
        || format!("{what}: a valid JSON Schema ({dialect})"),
        || match &problem {
            Some(e) => match e.instance_path().to_string() {
                at if at.is_empty() => format!("{what} is not a valid {dialect} schema: {e}"),
                at => format!("{what} is not a valid {dialect} schema: {e} (at {at})"),
            },
            None => String::new(),
        },
    );
}

/// The schema's dialect, if the harness knows it (2020-12 when `$schema` names none).
fn dialect(schema: &Value) -> Option<&'static str> {
    Some(match Draft::default().detect(schema) {
        Draft::Draft4 => "draft-04",
        Draft::Draft6 => "draft-06",
        Draft::Draft7 => "draft-07",
        Draft::Draft201909 => "2019-09",
        Draft::Draft202012 => "2020-12",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dialects_default_to_2020_12_and_unknown_ones_are_not_judged() {
        assert_eq!(dialect(&json!({"type": "object"})), Some("2020-12"));
        let draft7 = json!({"$schema": "http://json-schema.org/draft-07/schema#"});
        assert_eq!(dialect(&draft7), Some("draft-07"));
        assert_eq!(dialect(&json!({"$schema": "https://example.com/s"})), None);
    }

    #[test]
    fn meta_validation_tells_valid_from_invalid_schemas() {
        let valid = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(jsonschema::meta::validate(&valid).is_ok());
        for invalid in [
            json!({"type": "object", "minProperties": -1}),
            json!({"type": "text"}),
            json!({"type": "object", "required": "a"}),
        ] {
            assert!(jsonschema::meta::validate(&invalid).is_err(), "{invalid}");
        }
    }
}
