//! Prompt content encoding (server/prompts §Data Types): in every prompts/get result, image and
//! audio content is base64 data with a valid MIME type, and an embedded resource carries a
//! valid URI, a MIME type, and text or a base64 blob. Text content is not judged here.

use super::{Finding, Rule, View};
use crate::protocol::frame::same_id;
use crate::scenario::matcher::{compact, is_base64};
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

pub(super) const RULES: &[(&str, Rule)] = &[("prompts/content-encoding", content_encoding)];

/// `type/subtype` with RFC 6838's restricted-name characters, parameters allowed.
static MIME_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    let name = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
    Regex::new(&format!(r"^{name}/{name}\s*(;.*)?$")).expect("the pattern is valid")
});

/// An absolute URI: a scheme, then no whitespace or control characters.
static URI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$").expect("the pattern is valid")
});

fn content_encoding(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, id) in v.responses() {
        let is_prompt = v
            .client_requests()
            .any(|(_, sid, method)| method == "prompts/get" && same_id(sid, id));
        let messages = m
            .value
            .pointer("/result/messages")
            .and_then(Value::as_array);
        for message in messages.into_iter().flatten().filter(|_| is_prompt) {
            // One content block per message; a list of them is read the same way.
            let blocks = match message.get("content") {
                Some(Value::Array(blocks)) => blocks.iter().collect(),
                Some(block) => vec![block],
                None => Vec::new(),
            };
            for block in blocks {
                if let Some(verdict) = encoding(block) {
                    f.judge(
                        m.seq,
                        verdict.is_ok(),
                        || "base64 data with a MIME type; resources with uri, mimeType, text or blob".into(),
                        || format!("{} in {}", verdict.err().unwrap_or_default(), truncated(block)),
                    );
                }
            }
        }
    }
    f
}

/// Whether a content block is encoded as required, and if not, what is wrong; None when the
/// block is not judged (text and the like).
fn encoding(block: &Value) -> Option<Result<(), String>> {
    let text = |key: &str, of: &Value| of.get(key).and_then(Value::as_str).map(str::to_string);
    let mime_problem = |of: &Value| match text("mimeType", of) {
        None => Some("no mimeType".to_string()),
        Some(mime) if !MIME_TYPE.is_match(&mime) => {
            Some(format!("mimeType {mime:?} is no MIME type"))
        }
        Some(_) => None,
    };
    let problem = match block.get("type").and_then(Value::as_str)? {
        kind @ ("image" | "audio") => match text("data", block) {
            Some(data) if !is_base64(&data) => Some(format!("{kind} data that is not base64")),
            None => Some(format!("{kind} content without data")),
            Some(_) => mime_problem(block),
        },
        "resource" => {
            let resource = block.get("resource").unwrap_or(&Value::Null);
            let uri = text("uri", resource);
            let blob = text("blob", resource);
            match () {
                _ if !uri.as_deref().is_some_and(|u| URI.is_match(u)) => {
                    Some(format!("embedded resource uri {uri:?} is no URI"))
                }
                _ if text("text", resource).is_none() && blob.is_none() => {
                    Some("embedded resource with neither text nor blob".into())
                }
                _ if blob.as_deref().is_some_and(|b| !is_base64(b)) => {
                    Some("embedded resource blob that is not base64".into())
                }
                _ => mime_problem(resource).map(|p| format!("embedded resource with {p}")),
            }
        }
        _ => return None,
    };
    Some(problem.map_or(Ok(()), Err))
}

fn truncated(block: &Value) -> String {
    let text = compact(block);
    match text.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn well_encoded_content_passes() {
        for block in [
            json!({"type": "image", "data": "iVBORw0K", "mimeType": "image/png"}),
            json!({"type": "audio", "data": "UklGRg==", "mimeType": "audio/wav"}),
            json!({"type": "resource", "resource": {"uri": "file:///a.txt", "mimeType": "text/plain; charset=utf-8", "text": "a"}}),
            json!({"type": "resource", "resource": {"uri": "ref://b", "mimeType": "image/png", "blob": "AAAA"}}),
        ] {
            assert_eq!(encoding(&block), Some(Ok(())), "{block}");
        }
        assert_eq!(encoding(&json!({"type": "text", "text": "hi"})), None);
    }

    #[test]
    fn badly_encoded_content_fails() {
        for block in [
            json!({"type": "image", "data": "/srv/images/pixel.png", "mimeType": "image/png"}),
            json!({"type": "image", "data": "iVBORw0K"}),
            json!({"type": "audio", "data": "UklGRg==", "mimeType": "wav"}),
            json!({"type": "resource", "resource": {"uri": "not a uri", "mimeType": "text/plain", "text": "a"}}),
            json!({"type": "resource", "resource": {"uri": "ref://b", "text": "a"}}),
            json!({"type": "resource", "resource": {"uri": "ref://b", "mimeType": "image/png"}}),
            json!({"type": "resource", "resource": {"uri": "ref://b", "mimeType": "image/png", "blob": "not base64"}}),
        ] {
            assert!(matches!(encoding(&block), Some(Err(_))), "{block}");
        }
    }
}
