//! Tool parameters mirrored into HTTP headers (2026-07-28, `x-mcp-header`): which properties of
//! a tool's inputSchema are annotated and whether each annotation is valid (TOOL-15), how a
//! client turns an argument into its `Mcp-Param-{Name}` header value, and how a server reads
//! one back to compare it with the body (HTTP-35). The client side (the HTTP transport), the
//! server side (the reference server) and the check share these rules.

use base64::Engine;
use serde_json::Value;

/// The schema keyword that marks a property as mirrored.
pub const KEYWORD: &str = "x-mcp-header";
/// The header a mirrored property travels in is this prefix plus the annotation's name.
pub const HEADER_PREFIX: &str = "Mcp-Param-";

const SENTINEL_START: &str = "=?base64?";
const SENTINEL_END: &str = "?=";
/// The largest integer a header may carry: JavaScript's safe range.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// One valid annotation: the chain of `properties` keys leading to the annotated property, and
/// the name its header takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub path: Vec<String>,
    pub name: String,
}

impl Annotation {
    /// The header's full name, `Mcp-Param-{name}`.
    pub fn header(&self) -> String {
        format!("{HEADER_PREFIX}{}", self.name)
    }

    /// The argument at the annotated path, if the arguments hold a non-null one.
    pub fn argument<'a>(&self, arguments: &'a Value) -> Option<&'a Value> {
        let value = self.path.iter().try_fold(arguments, |v, key| v.get(key))?;
        (!value.is_null()).then_some(value)
    }
}

/// The annotations of an inputSchema, or every way one of them breaks the rules: a name that is
/// not a non-empty RFC 9110 token, a name repeated (ignoring case), a property that is not an
/// integer, string or boolean, or one not reachable from the root through `properties` alone.
pub fn annotations(schema: &Value) -> Result<Vec<Annotation>, Vec<String>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    walk(schema, &mut Vec::new(), true, &mut found, &mut problems);
    for (i, a) in found.iter().enumerate() {
        let earlier = found[..i]
            .iter()
            .find(|b| b.name.eq_ignore_ascii_case(&a.name));
        if let Some(b) = earlier {
            problems.push(format!(
                "{KEYWORD} {:?} at {} repeats {:?} at {}",
                a.name,
                pointer(&a.path),
                b.name,
                pointer(&b.path)
            ));
        }
    }
    match problems.is_empty() {
        true => Ok(found),
        false => Err(problems),
    }
}

/// Visits every subschema; `reachable` says whether `path` (property names) got here through
/// `properties` keys alone.
fn walk(
    schema: &Value,
    path: &mut Vec<String>,
    reachable: bool,
    found: &mut Vec<Annotation>,
    problems: &mut Vec<String>,
) {
    let Value::Object(map) = schema else { return };
    if let Some(name) = map.get(KEYWORD) {
        let at = pointer(path);
        let types = declared_types(schema);
        let problem = match name.as_str() {
            None => Some(format!("{KEYWORD} at {at} is {name}, not a string")),
            Some("") => Some(format!("{KEYWORD} at {at} is empty")),
            Some(n) if !n.bytes().all(is_tchar) => {
                Some(format!("{KEYWORD} {n:?} at {at} is not an RFC 9110 token"))
            }
            Some(_) if !reachable || path.is_empty() => Some(format!(
                "{KEYWORD} at {at} is not reached from the root through properties alone"
            )),
            Some(n) if types.is_empty() || types.iter().any(|t| !PRIMITIVE.contains(t)) => {
                Some(format!(
                    "{KEYWORD} {n:?} at {at} is on a property of type {}, not integer, string or boolean",
                    schema.get("type").map_or("(none)".to_string(), Value::to_string)
                ))
            }
            Some(_) => None,
        };
        match (problem, name.as_str()) {
            (Some(problem), _) => problems.push(problem),
            (None, Some(n)) => found.push(Annotation {
                path: path.clone(),
                name: n.to_string(),
            }),
            (None, None) => {}
        }
    }
    for (key, value) in map {
        match key.as_str() {
            // Values, not schemas: an x-mcp-header key inside them annotates nothing.
            KEYWORD | "const" | "default" | "enum" | "examples" => {}
            "properties" => {
                for (name, sub) in value.as_object().into_iter().flatten() {
                    path.push(name.clone());
                    walk(sub, path, reachable, found, problems);
                    path.pop();
                }
            }
            _ => match value {
                Value::Array(items) => {
                    for item in items {
                        walk(item, path, false, found, problems);
                    }
                }
                // A subschema, or a map of them (`$defs`): walked on, each out of reach.
                Value::Object(_) => walk(value, path, false, found, problems),
                _ => {}
            },
        }
    }
}

/// The types a mirrored property may have; `null` may join them (the argument is then absent
/// from the headers).
const PRIMITIVE: &[&str] = &["integer", "string", "boolean", "null"];

/// The types a schema declares, without `null` counted as one on its own.
fn declared_types(schema: &Value) -> Vec<&str> {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    match types.iter().all(|t| *t == "null") {
        true => Vec::new(),
        false => types,
    }
}

/// RFC 9110 `tchar`: what a field name (a token) is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn pointer(path: &[String]) -> String {
    match path.is_empty() {
        true => "the root".to_string(),
        false => format!("/{}", path.join("/")),
    }
}

/// The header value a client sends for an argument: strings as they are, integers in decimal,
/// booleans as `true`/`false`, base64-wrapped when not plain header-safe ASCII. None for what
/// cannot travel in a header (null, numbers with fractions, objects, arrays).
pub fn header_value(argument: &Value) -> Option<String> {
    match argument {
        Value::String(s) => Some(encode(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => n.as_i64().map(|i| i.to_string()),
        _ => None,
    }
}

/// A text as a header value: itself when it is visible ASCII and spaces, with no space at
/// either end and not itself looking like an encoded value; else `=?base64?…?=`.
pub fn encode(text: &str) -> String {
    let unsafe_bytes = text.bytes().any(|b| !(b' '..=b'~').contains(&b));
    let padded = text.starts_with(' ') || text.ends_with(' ');
    let looks_encoded = text.starts_with(SENTINEL_START) && text.ends_with(SENTINEL_END);
    match unsafe_bytes || padded || looks_encoded {
        true => encoded(text),
        false => text.to_string(),
    }
}

/// A text base64-wrapped, whatever it holds.
pub fn encoded(text: &str) -> String {
    let base64 = base64::engine::general_purpose::STANDARD.encode(text);
    format!("{SENTINEL_START}{base64}{SENTINEL_END}")
}

/// The text a header value carries, decoded from `=?base64?…?=`; an error for bytes a header
/// value may not hold (anything but visible ASCII, space and tab) or a broken encoding.
pub fn decode(value: &[u8]) -> Result<String, String> {
    if let Some(bad) = (value.iter()).find(|b| !(b' '..=b'~').contains(*b) && **b != b'\t') {
        return Err(format!(
            "the byte 0x{bad:02x}, which a header value may not hold"
        ));
    }
    let text = String::from_utf8_lossy(value);
    let Some(inner) =
        (text.strip_prefix(SENTINEL_START)).and_then(|t| t.strip_suffix(SENTINEL_END))
    else {
        return Ok(text.into_owned());
    };
    let bytes = (base64::engine::general_purpose::STANDARD.decode(inner))
        .map_err(|e| format!("{text:?} is not valid base64 ({e})"))?;
    String::from_utf8(bytes).map_err(|_| format!("{text:?} does not decode to UTF-8"))
}

/// Whether a decoded header value says what the body's argument says: strings exactly,
/// booleans as `true`/`false`, integers compared as numbers (`42.0` is `42`).
pub fn agrees(decoded: &str, argument: &Value) -> bool {
    match argument {
        Value::String(s) => decoded == s,
        Value::Bool(b) => decoded == b.to_string(),
        Value::Number(n) => match (decoded.trim().parse::<f64>(), n.as_i64()) {
            (Ok(h), Some(i)) => i.abs() <= MAX_SAFE_INTEGER && h == i as f64,
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_annotations_properties_chains_reach() {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": { "type": "string", "x-mcp-header": "Region" },
                "query": { "type": "string" },
                "target": { "type": "object", "properties": {
                    "zone": { "type": ["string", "null"], "x-mcp-header": "Zone" }
                } }
            }
        });
        let found = annotations(&schema).unwrap();
        let paths: Vec<_> = found
            .iter()
            .map(|a| (a.path.join("."), a.header()))
            .collect();
        assert_eq!(
            paths,
            [
                ("region".to_string(), "Mcp-Param-Region".to_string()),
                ("target.zone".to_string(), "Mcp-Param-Zone".to_string())
            ]
        );
        let arguments = json!({ "target": { "zone": "b" }, "region": null });
        assert_eq!(found[0].argument(&arguments), None);
        assert_eq!(found[1].argument(&arguments), Some(&json!("b")));
    }

    #[test]
    fn refuses_each_broken_annotation() {
        let broken = [
            json!({ "properties": { "a": { "type": "string", "x-mcp-header": "" } } }),
            json!({ "properties": { "a": { "type": "string", "x-mcp-header": "A B" } } }),
            json!({ "properties": { "a": { "type": "string", "x-mcp-header": "A\r\nB" } } }),
            json!({ "properties": { "a": { "type": "number", "x-mcp-header": "A" } } }),
            json!({ "properties": { "a": { "type": "object", "x-mcp-header": "A" } } }),
            json!({ "properties": { "a": { "x-mcp-header": "A" } } }),
            json!({ "properties": {
                "a": { "type": "string", "x-mcp-header": "Same" },
                "b": { "type": "string", "x-mcp-header": "same" } } }),
            json!({ "properties": { "a": { "type": "array",
                "items": { "type": "string", "x-mcp-header": "A" } } } }),
            json!({ "anyOf": [{ "properties": {
                "a": { "type": "string", "x-mcp-header": "A" } } }] }),
            json!({ "type": "string", "x-mcp-header": "Root" }),
        ];
        for schema in broken {
            assert!(annotations(&schema).is_err(), "{schema}");
        }
        let values_only = json!({ "properties": { "a": { "type": "object",
            "default": { "x-mcp-header": "NotAnAnnotation" } } } });
        assert_eq!(annotations(&values_only), Ok(Vec::new()));
    }

    #[test]
    fn encodes_and_decodes_values_as_the_spec_shows() {
        assert_eq!(header_value(&json!("us-west1")).unwrap(), "us-west1");
        assert_eq!(header_value(&json!(-7)).unwrap(), "-7");
        assert_eq!(header_value(&json!(true)).unwrap(), "true");
        assert_eq!(header_value(&json!(1.5)), None);
        let cases = [
            ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            (" padded ", "=?base64?IHBhZGRlZCA=?="),
            ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
            ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
        ];
        for (text, wire) in cases {
            assert_eq!(encode(text), wire);
            assert_eq!(decode(wire.as_bytes()).unwrap(), text);
        }
        assert!(decode("zcpspec-ü".as_bytes()).is_err());
        assert!(decode(b"=?base64?not base64!?=").is_err());
    }

    #[test]
    fn integers_agree_as_numbers() {
        assert!(agrees("42", &json!(42)));
        assert!(agrees("42.0", &json!(42)));
        assert!(!agrees("43", &json!(42)));
        assert!(agrees("false", &json!(false)));
        assert!(!agrees("False", &json!(false)));
        assert!(!agrees("us-west1 ", &json!("us-west1")));
    }
}
