//! Matchers: how a scenario says what a message must look like. A matcher is a JSON value that
//! matches as a subset (every key it names must match; other keys are free), with operators
//! spelled `$name` so they never collide with MCP's own fields (a content block's `type`).
//!
//! Operators: `$type`, `$one_of`, `$regex`, `$absent`, `$any_of`, `$not`, `$each`, `$contains`,
//! `$len`, `$exact`, `$ne`, `$disjoint`, `$schema`, `$base64`, `$json_of`, `$selection`.

use serde_json::Value;
use std::fmt;

/// One way an actual value failed a matcher.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Dotted path from the message root, e.g. `result.tools[0].name`.
    pub path: String,
    pub expected: String,
    pub actual: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.path, self.expected, self.actual
        )
    }
}

const OPERATORS: &[&str] = &[
    "$type",
    "$one_of",
    "$regex",
    "$absent",
    "$any_of",
    "$not",
    "$each",
    "$contains",
    "$len",
    "$exact",
    "$ne",
    "$disjoint",
    "$schema",
    "$base64",
    "$json_of",
    "$selection",
];

/// Checks a matcher's syntax: operators known, operands of the right type. Used by the loader.
pub fn validate(spec: &Value) -> Result<(), String> {
    match spec {
        Value::Object(map) => {
            for (key, operand) in map {
                if let Some(op) = key.strip_prefix('$') {
                    if !OPERATORS.contains(&key.as_str()) {
                        return Err(format!(
                            "unknown matcher operator ${op} (known: {})",
                            OPERATORS.join(", ")
                        ));
                    }
                    match key.as_str() {
                        "$any_of" => match operand {
                            Value::Array(items) => items.iter().try_for_each(validate)?,
                            _ => return Err("$any_of takes a list of matchers".into()),
                        },
                        "$one_of" | "$disjoint" if !operand.is_array() && !is_var(operand) => {
                            return Err(format!("{key} takes a list"))
                        }
                        "$regex" => {
                            let pattern = operand.as_str().ok_or("$regex takes a string")?;
                            regex::Regex::new(pattern).map_err(|e| format!("$regex: {e}"))?;
                        }
                        "$type" => {
                            let t = operand.as_str().ok_or("$type takes a string")?;
                            if !TYPES.contains(&t) {
                                return Err(format!("$type {t:?} is not one of {TYPES:?}"));
                            }
                        }
                        "$not" | "$each" | "$contains" => validate(operand)?,
                        "$json_of" if !operand.as_str().is_some_and(|p| p.starts_with('/')) => {
                            return Err("$json_of takes a JSON pointer such as /result/x".into())
                        }
                        "$selection" => validate_selection(operand)?,
                        _ => {}
                    }
                } else {
                    validate(operand)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(validate),
        _ => Ok(()),
    }
}

fn is_var(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("${"))
}

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// Matches `actual` (the whole message is `root`) against `spec`; empty means it matched.
pub fn check(spec: &Value, actual: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    eval(spec, Some(actual), actual, "", &mut out);
    out
}

fn eval(spec: &Value, actual: Option<&Value>, root: &Value, path: &str, out: &mut Vec<Mismatch>) {
    let fail = |out: &mut Vec<Mismatch>, expected: String| {
        out.push(Mismatch {
            path: display_path(path),
            expected,
            actual: describe(actual),
        })
    };
    match spec {
        Value::Object(map) if map.keys().any(|k| k.starts_with('$')) => {
            for (op, operand) in map {
                eval_operator(op, operand, actual, root, path, out);
            }
            // Plain keys beside operators match as a subset too.
            let plain: serde_json::Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !plain.is_empty() {
                eval(&Value::Object(plain), actual, root, path, out);
            }
        }
        Value::Object(map) => match actual {
            Some(Value::Object(obj)) => {
                for (key, sub) in map {
                    eval(sub, obj.get(key), root, &join(path, key), out);
                }
            }
            _ => fail(out, "an object".into()),
        },
        Value::Array(items) => match actual {
            Some(Value::Array(values)) => {
                if values.len() < items.len() {
                    fail(out, format!("at least {} items", items.len()));
                    return;
                }
                for (i, sub) in items.iter().enumerate() {
                    eval(sub, values.get(i), root, &format!("{path}[{i}]"), out);
                }
            }
            _ => fail(out, "an array".into()),
        },
        scalar => match actual {
            Some(a) if json_eq(a, scalar) => {}
            _ => fail(out, compact(scalar)),
        },
    }
}

fn eval_operator(
    op: &str,
    operand: &Value,
    actual: Option<&Value>,
    root: &Value,
    path: &str,
    out: &mut Vec<Mismatch>,
) {
    let mut fail = |expected: String| {
        out.push(Mismatch {
            path: display_path(path),
            expected,
            actual: describe(actual),
        })
    };
    match op {
        "$absent" => {
            let want_absent = operand.as_bool().unwrap_or(true);
            if want_absent != actual.is_none() {
                fail(if want_absent { "absent" } else { "present" }.into());
            }
        }
        "$type" => {
            let t = operand.as_str().unwrap_or_default();
            if !actual.is_some_and(|a| type_matches(t, a)) {
                fail(format!("a value of type {t}"));
            }
        }
        "$one_of" => {
            let options = operand.as_array().map(Vec::as_slice).unwrap_or_default();
            if !actual.is_some_and(|a| options.iter().any(|o| json_eq(a, o))) {
                fail(format!("one of {}", compact(operand)));
            }
        }
        "$regex" => {
            let pattern = operand.as_str().unwrap_or_default();
            let ok = match (regex::Regex::new(pattern), actual.and_then(Value::as_str)) {
                (Ok(re), Some(s)) => re.is_match(s),
                _ => false,
            };
            if !ok {
                fail(format!("a string matching /{pattern}/"));
            }
        }
        "$exact" => {
            if !actual.is_some_and(|a| json_eq(a, operand)) {
                fail(format!("exactly {}", compact(operand)));
            }
        }
        "$ne" => {
            if actual.is_some_and(|a| json_eq(a, operand)) {
                fail(format!("anything but {}", compact(operand)));
            }
        }
        "$any_of" => {
            let options = operand.as_array().map(Vec::as_slice).unwrap_or_default();
            let matched = options.iter().any(|o| {
                let mut sub = Vec::new();
                eval(o, actual, root, path, &mut sub);
                sub.is_empty()
            });
            if !matched {
                let alternatives: Vec<String> = options.iter().map(compact).collect();
                fail(format!("any of {}", alternatives.join(" | ")));
            }
        }
        "$not" => {
            let mut sub = Vec::new();
            eval(operand, actual, root, path, &mut sub);
            if sub.is_empty() {
                fail(format!("not {}", compact(operand)));
            }
        }
        "$each" => match actual {
            Some(Value::Array(values)) => {
                for (i, v) in values.iter().enumerate() {
                    eval(operand, Some(v), root, &format!("{path}[{i}]"), out);
                }
            }
            _ => fail("an array".into()),
        },
        "$contains" => {
            let found = actual.and_then(Value::as_array).is_some_and(|values| {
                values.iter().any(|v| {
                    let mut sub = Vec::new();
                    eval(operand, Some(v), root, path, &mut sub);
                    sub.is_empty()
                })
            });
            if !found {
                fail(format!("an array containing {}", compact(operand)));
            }
        }
        "$len" => {
            let len = match actual {
                Some(Value::Array(a)) => Some(a.len()),
                Some(Value::String(s)) => Some(s.chars().count()),
                Some(Value::Object(o)) => Some(o.len()),
                _ => None,
            };
            let (min, max) = match operand {
                Value::Number(n) => (n.as_u64(), n.as_u64()),
                Value::Object(o) => (
                    o.get("min").and_then(Value::as_u64),
                    o.get("max").and_then(Value::as_u64),
                ),
                _ => (None, None),
            };
            let ok = len.is_some_and(|l| {
                min.is_none_or(|m| l as u64 >= m) && max.is_none_or(|m| l as u64 <= m)
            });
            if !ok {
                fail(format!("length {}", compact(operand)));
            }
        }
        "$disjoint" => {
            let others = operand.as_array().map(Vec::as_slice).unwrap_or_default();
            match actual.and_then(Value::as_array) {
                Some(values) => {
                    if let Some(dup) = values.iter().find(|v| others.iter().any(|o| json_eq(v, o)))
                    {
                        fail(format!(
                            "no item also in {} items seen before",
                            others.len()
                        ));
                        out.last_mut().expect("just pushed").actual =
                            format!("repeated item {}", truncate(&compact(dup)));
                    }
                }
                None => fail("an array".into()),
            }
        }
        "$schema" => match actual {
            Some(a) => match jsonschema::validator_for(operand) {
                Ok(validator) => {
                    let errors: Vec<String> = validator
                        .iter_errors(a)
                        .take(3)
                        .map(|e| format!("{} at {}", e, e.instance_path()))
                        .collect();
                    if !errors.is_empty() {
                        fail(format!("conforms to the schema ({})", errors.join("; ")));
                    }
                }
                Err(e) => fail(format!("a valid schema to check against ({e})")),
            },
            None => fail("a value conforming to the schema".into()),
        },
        "$base64" => {
            let want = operand.as_bool().unwrap_or(true);
            let is = actual.and_then(Value::as_str).is_some_and(is_base64);
            if is != want {
                fail(if want { "base64 text" } else { "not base64" }.into());
            }
        }
        "$json_of" => {
            let pointer = operand.as_str().unwrap_or_default();
            let target = root.pointer(pointer);
            let parsed: Option<Value> = actual
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok());
            if target.is_none() || parsed.as_ref() != target {
                fail(format!(
                    "text holding the JSON of {pointer} ({})",
                    describe(target)
                ));
            }
        }
        "$selection" => {
            if let Some((expected, actual)) = selection_mismatch(operand, actual) {
                fail(expected);
                out.last_mut().expect("just pushed").actual = actual;
            }
        }
        _ => fail(format!("a known operator (not {op})")),
    }
}

/// `$selection: {from, where, by?}`: a list `from` (or a variable holding one), a matcher
/// `where`, and an optional dotted path `by` that names an item (the whole item without it).
fn validate_selection(operand: &Value) -> Result<(), String> {
    const USAGE: &str = "$selection takes {from: <list>, where: <matcher>, by: <path>}";
    let map = operand.as_object().ok_or(USAGE)?;
    if let Some(key) = map
        .keys()
        .find(|k| !["from", "where", "by"].contains(&k.as_str()))
    {
        return Err(format!("{USAGE}; unknown key {key:?}"));
    }
    match map.get("from") {
        Some(from) if from.is_array() || is_var(from) => {}
        _ => return Err(format!("{USAGE}; `from` is missing or not a list")),
    }
    validate(map.get("where").ok_or(USAGE)?)?;
    match map.get("by") {
        None | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(format!("{USAGE}; `by` is a dotted path")),
    }
}

/// Whether `actual` lists exactly the items of `from` that match `where`, each once, in any
/// order (items compared by `by`). None if it does; else (expected, actual) for the mismatch.
fn selection_mismatch(operand: &Value, actual: Option<&Value>) -> Option<(String, String)> {
    let from = operand.get("from").and_then(Value::as_array);
    let filter = operand.get("where").unwrap_or(&Value::Null);
    let by = operand.get("by").and_then(Value::as_str);
    let key = |item: &Value| {
        let named = by.map_or(Some(item), |path| crate::scenario::vars::lookup(item, path));
        match named {
            Some(Value::String(s)) => s.clone(),
            other => describe(other),
        }
    };
    let Some(from) = from else {
        return Some(("a list to select from".into(), describe(actual)));
    };
    let wanted: Vec<String> = (from.iter())
        .filter(|item| check(filter, item).is_empty())
        .map(key)
        .collect();
    let expected = format!(
        "exactly the {} of {} items matching {}: [{}]",
        wanted.len(),
        from.len(),
        truncate(&compact(filter)),
        truncate(&wanted.join(", "))
    );
    let Some(items) = actual.and_then(Value::as_array) else {
        return Some((expected, describe(actual)));
    };
    let listed: Vec<String> = items.iter().map(key).collect();
    let missing: Vec<&str> = (wanted.iter())
        .filter(|w| !listed.contains(w))
        .map(String::as_str)
        .collect();
    let unexpected: Vec<&str> = (listed.iter())
        .filter(|l| !wanted.contains(l))
        .map(String::as_str)
        .collect();
    let repeated: Vec<&str> = (listed.iter().enumerate())
        .filter(|(i, l)| listed[..*i].contains(l))
        .map(|(_, l)| l.as_str())
        .collect();
    let problems: Vec<String> = [
        ("missing", missing),
        ("unexpected", unexpected),
        ("repeated", repeated),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(what, names)| format!("{what} {}", names.join(", ")))
    .collect();
    (!problems.is_empty()).then(|| {
        let actual = format!("{} in [{}]", problems.join("; "), listed.join(", "));
        (expected, truncate(&actual))
    })
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "null" => v.is_null(),
        _ => false,
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Whether `s` is standard base64 (RFC 4648 §4: its alphabet, padded to a multiple of 4).
pub fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let body = s.trim_end_matches('=');
    s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "message".into()
    } else {
        path.to_string()
    }
}

/// A short rendering of an actual value for failure messages.
pub fn describe(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(v) => truncate(&compact(v)),
    }
}

pub fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn truncate(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        s.to_string()
    } else {
        let cut = (0..=MAX)
            .rev()
            .find(|i| s.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}… ({} bytes)", &s[..cut], s.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_and_operators() {
        let msg = json!({"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":"c"}});
        assert!(check(
            &json!({"result":{"tools":{"$each":{"name":{"$type":"string"}}}}}),
            &msg
        )
        .is_empty());
        assert!(check(
            &json!({"result":{"tools":[{"inputSchema":{"type":"object"}}]}}),
            &msg
        )
        .is_empty());
        assert!(check(&json!({"error":{"$absent":true}}), &msg).is_empty());
        let miss = check(&json!({"error":{"code":-32602}}), &msg);
        assert_eq!(miss.len(), 1);
        assert_eq!(miss[0].path, "error");
        assert_eq!(miss[0].actual, "absent");
        assert!(check(&json!({"id":{"$any_of":[{"$type":"string"},1]}}), &msg).is_empty());
        assert!(!check(&json!({"result":{"nextCursor":{"$ne":"c"}}}), &msg).is_empty());
    }

    #[test]
    fn schema_base64_and_json_of() {
        let msg = json!({"result":{"structuredContent":{"sum":3},"content":[{"type":"text","text":"{\"sum\":3}"}],"blob":"aGk="}});
        let schema =
            json!({"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]});
        assert!(check(
            &json!({"result":{"structuredContent":{"$schema":schema}}}),
            &msg
        )
        .is_empty());
        assert!(check(&json!({"result":{"blob":{"$base64":true}}}), &msg).is_empty());
        assert!(check(&json!({"result":{"content":{"$contains":{"type":"text","text":{"$json_of":"/result/structuredContent"}}}}}), &msg).is_empty());
        let bad = json!({"result":{"structuredContent":{"sum":"3"}}});
        assert!(!check(
            &json!({"result":{"structuredContent":{"$schema":schema}}}),
            &bad
        )
        .is_empty());
    }

    #[test]
    fn selection_is_exactly_the_matching_items_of_a_list() {
        let from = json!([
            {"name": "a", "_meta": {"groups": ["x"]}},
            {"name": "b", "_meta": {"groups": ["y", "x"]}},
            {"name": "c"},
        ]);
        let spec = |filter: Value| {
            let selection = json!({"from": from, "where": filter, "by": "name"});
            json!({"tools": {"$selection": selection}})
        };
        let in_x = json!({"_meta": {"groups": {"$contains": "x"}}});
        let listed = |names: &[&str]| {
            let tools: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
            json!({"tools": tools})
        };
        assert!(check(&spec(in_x.clone()), &listed(&["b", "a"])).is_empty());
        assert!(check(&spec(json!({"$not": in_x})), &listed(&["c"])).is_empty());
        let miss = check(&spec(in_x.clone()), &listed(&["a", "c", "a"]));
        assert_eq!(miss.len(), 1);
        assert_eq!(miss[0].path, "tools");
        assert!(miss[0].expected.contains("exactly the 2 of 3 items"));
        assert!(miss[0].expected.ends_with("[a, b]"));
        assert_eq!(
            miss[0].actual,
            "missing b; unexpected c; repeated a in [a, c, a]"
        );
        assert!(!check(&spec(in_x), &json!({"tools": "a"})).is_empty());
        let whole = json!({"$selection": {"from": [1, 2, 3], "where": {"$ne": 2}}});
        assert!(check(&whole, &json!([3, 1])).is_empty());
        assert!(!check(&whole, &json!([1])).is_empty());
    }

    #[test]
    fn validation_rejects_unknown_operators() {
        assert!(validate(&json!({"a":{"$typo":1}})).is_err());
        assert!(validate(&json!({"a":{"$regex":"("}})).is_err());
        assert!(validate(&json!({"a":{"$any_of":[{"$type":"string"}]}})).is_ok());
        assert!(validate(&json!({"$selection":{"from":"${t}","where":{},"by":"name"}})).is_ok());
        assert!(validate(&json!({"$selection":{"from":[],"where":{"$typo":1}}})).is_err());
        assert!(validate(&json!({"$selection":{"from":{},"where":{}}})).is_err());
        assert!(validate(&json!({"$selection":{"from":[],"where":{},"key":"name"}})).is_err());
    }
}
