//! Variables: values captured from responses or bound by the runner (`${tool.name}`), and their
//! substitution into requests and matchers.

use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Default, Clone)]
pub struct Vars(HashMap<String, Value>);

impl Vars {
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_string(), value);
    }

    /// Looks up `name.path.0.more`: the first segment names a variable, the rest walk into it.
    pub fn get(&self, reference: &str) -> Option<&Value> {
        let (name, rest) = match reference.split_once('.') {
            Some((n, r)) => (n, Some(r)),
            None => (reference, None),
        };
        let root = self.0.get(name)?;
        match rest {
            Some(path) => lookup(root, path),
            None => Some(root),
        }
    }

    /// Replaces every `${ref}` in `value`. A string that is exactly one `${ref}` becomes the
    /// referenced value with its JSON type; references inside longer strings are spliced in as
    /// text. Returns the first unresolved reference as the error.
    pub fn substitute(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(s) => self.substitute_str(s)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.substitute(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.substitute(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn substitute_str(&self, s: &str) -> Result<Value, String> {
        if let Some(inner) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
            if !inner.contains("${") && !inner.contains('}') {
                return self.get(inner).cloned().ok_or_else(|| inner.to_string());
            }
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .ok_or_else(|| rest[start..].to_string())?;
            out.push_str(&rest[..start]);
            let reference = &rest[start + 2..end];
            match self.get(reference) {
                Some(Value::String(v)) => out.push_str(v),
                Some(v) => out.push_str(&v.to_string()),
                None => return Err(reference.to_string()),
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}

/// Walks a dotted path (`result.tools.0.name`) into a value.
pub fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(root, |v, seg| match v {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitutes_whole_values_and_text() {
        let mut vars = Vars::default();
        vars.set("tool", json!({"name": "echo", "arguments": {"text": "hi"}}));
        let out = vars
            .substitute(&json!({"name": "${tool.name}", "arguments": "${tool.arguments}", "note": "call ${tool.name} now"}))
            .unwrap();
        assert_eq!(
            out,
            json!({"name": "echo", "arguments": {"text": "hi"}, "note": "call echo now"})
        );
        assert_eq!(vars.substitute(&json!("${missing}")), Err("missing".into()));
    }
}
