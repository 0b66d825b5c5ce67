//! `_meta` key names (basic/index §General fields, from 2025-06-18): every key of every `_meta`
//! object a server sends is an optional prefix (dot-separated labels and a `/`) and a name, and
//! keeps out of the prefixes MCP reserves for itself unless MCP defines the key.
//!
//! Schemas, structured content, log data and arguments are the server's or the user's own
//! data, where a property may happen to be called `_meta`; they are not looked into.

use super::{Finding, Rule, View};
use crate::protocol::Revision;
use serde_json::Value;

pub(super) const RULES: &[(&str, Rule)] = &[("base/meta-key-names", meta_key_names)];

/// Members whose values are data of their own, not protocol objects.
const OPAQUE: &[&str] = &[
    "inputSchema",
    "outputSchema",
    "requestedSchema",
    "structuredContent",
    "arguments",
    "data",
];

/// Keys under a reserved prefix that MCP defines: 2025-11-25's related-task, and the request
/// and result keys of 2026-07-28, which a server that also speaks it may send.
const DEFINED: &[&str] = &[
    "io.modelcontextprotocol/related-task",
    "io.modelcontextprotocol/protocolVersion",
    "io.modelcontextprotocol/clientInfo",
    "io.modelcontextprotocol/clientCapabilities",
    "io.modelcontextprotocol/logLevel",
    "io.modelcontextprotocol/serverInfo",
    "io.modelcontextprotocol/subscriptionId",
    "io.modelcontextprotocol/tasks",
];

fn meta_key_names(v: &View) -> Finding {
    let mut f = Finding::new();
    let Some(revision) = v.revision.filter(|r| *r >= Revision::V2025_06_18) else {
        return f;
    };
    for m in &v.received {
        let mut keys = Vec::new();
        meta_keys(m.value, &mut keys);
        for key in keys {
            let problem = key_problem(key, revision);
            f.judge(
                m.seq,
                problem.is_none(),
                || "_meta keys named as the spec defines, outside MCP's reserved prefixes".into(),
                || format!("_meta key {key:?} {}", problem.unwrap_or_default()),
            );
        }
    }
    f
}

/// Every key of every `_meta` object in `value`, outside opaque members.
fn meta_keys<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (name, member) in map {
                match (name.as_str(), member) {
                    ("_meta", Value::Object(meta)) => out.extend(meta.keys().map(String::as_str)),
                    (name, _) if OPAQUE.contains(&name) => {}
                    _ => meta_keys(member, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| meta_keys(item, out)),
        _ => {}
    }
}

/// What is wrong with a `_meta` key under `revision`'s rules, if anything.
fn key_problem(key: &str, revision: Revision) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let labels: Vec<&str> = prefix.map_or(Vec::new(), |p| p.split('.').collect());
    if let Some(label) = labels.iter().find(|l| !is_label(l)) {
        return Some(format!(
            "has prefix label {label:?}: labels start with a letter, end with a letter or digit, and hold only letters, digits and hyphens"
        ));
    }
    if !is_name(name) {
        return Some(format!(
            "has name {name:?}: a name begins and ends with a letter or digit, with only letters, digits, '-', '_' and '.' between"
        ));
    }
    if is_reserved(&labels, revision) && !DEFINED.contains(&key) {
        return Some(format!(
            "uses the prefix {}/, which is reserved for MCP, for a key MCP does not define",
            labels.join(".")
        ));
    }
    None
}

fn is_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.is_empty()
        || (bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
}

/// Whether a prefix is MCP's: from 2025-11-25 its second label is `modelcontextprotocol` or
/// `mcp` (reverse DNS); in 2025-06-18 such a label followed by any other label (forward DNS).
fn is_reserved(labels: &[&str], revision: Revision) -> bool {
    let mcp = |label: &&str| {
        label.eq_ignore_ascii_case("modelcontextprotocol") || label.eq_ignore_ascii_case("mcp")
    };
    if revision >= Revision::V2025_11_25 {
        labels.get(1).is_some_and(mcp)
    } else {
        labels.iter().rev().skip(1).any(mcp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LATEST: Revision = Revision::V2025_11_25;

    #[test]
    fn well_formed_keys_pass() {
        for key in [
            "progressToken",
            "dev.zcpspec/roles",
            "com.example/a.b_c-d",
            "com.example/",
            "io.modelcontextprotocol/related-task",
            "com.example.mcp/x",
            "x",
        ] {
            assert_eq!(key_problem(key, LATEST), None, "{key}");
        }
    }

    #[test]
    fn malformed_keys_fail() {
        for key in [
            "-x",
            "x-",
            "has space",
            "1abc.example/x",
            "com.example-/x",
            "com..example/x",
            "/x",
            "com.example/a/b",
            "com.example/_x",
        ] {
            assert!(key_problem(key, LATEST).is_some(), "{key}");
        }
    }

    #[test]
    fn reserved_prefixes_follow_the_revision() {
        for key in ["io.modelcontextprotocol/x", "dev.mcp/x", "com.mcp.tools/x"] {
            assert!(key_problem(key, LATEST).is_some(), "{key}");
        }
        let june = Revision::V2025_06_18;
        for key in [
            "modelcontextprotocol.io/x",
            "tools.mcp.com/x",
            "dev.mcp.x/y",
        ] {
            assert!(key_problem(key, june).is_some(), "{key}");
        }
        assert_eq!(key_problem("io.modelcontextprotocol/x", june), None);
    }

    #[test]
    fn meta_objects_are_found_outside_opaque_members() {
        let message = json!({"result": {"_meta": {"a/b": 1}, "tools": [
            {"_meta": {"c": 1}, "inputSchema": {"properties": {"_meta": {"type": "object"}}}}
        ], "structuredContent": {"_meta": {"bad key": 1}}}});
        let mut keys = Vec::new();
        meta_keys(&message, &mut keys);
        assert_eq!(keys, ["a/b", "c"]);
    }
}
