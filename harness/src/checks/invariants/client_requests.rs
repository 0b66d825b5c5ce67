//! Rules over what the server asks of the client and what it says about those requests
//! (client/elicitation, client/sampling, basic/utilities/cancellation): the shape of
//! elicitation/create and sampling/createMessage requests, what a form may ask for, URL-mode
//! elicitation URLs and ids, URLElicitationRequiredError, tools offered in sampling, and the
//! cancellations the server sends of its own requests.
//!
//! A black-box client cannot tell whether the server still believed a request in progress when
//! it cancelled it (the client's answer and the cancellation may cross on the wire), so
//! `cancellation/server-cancel-known` judges what the trace can show: the id is one of the
//! server's own requests, not cancelled before and not task-augmented.

use super::{Finding, Rule, View};
use crate::protocol::frame::same_id;
use crate::protocol::{codes, shapes, Revision};
use crate::scenario::matcher::{compact, describe};
use crate::transport::redact_url;
use reqwest::Url;
use serde_json::Value;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("elicitation/request-shape", elicitation_request_shape),
    ("elicitation/no-sensitive-form", no_sensitive_form),
    ("elicitation/url-required-error", url_required_error),
    ("elicitation/complete-known-id", complete_known_id),
    ("elicitation/url-no-credentials", url_no_credentials),
    ("sampling/request-shape", sampling_request_shape),
    ("sampling/tools-declared", sampling_tools_declared),
    ("cancellation/server-cancel-known", server_cancel_known),
];

/// Words that name a secret in a form field; a trailing number is ignored (`password2`).
const SENSITIVE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "apikey",
    "cvv",
    "cvc",
    "iban",
    "ssn",
];

/// Word pairs that name a secret or a payment credential.
const SENSITIVE_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("access", "key"),
    ("private", "key"),
    ("secret", "key"),
    ("credit", "card"),
    ("card", "number"),
    ("security", "code"),
    ("social", "security"),
    ("bank", "account"),
    ("routing", "number"),
];

/// URL parameter names (lower case, letters and digits only) that carry a credential or
/// personal data when they are the whole name...
const SENSITIVE_PARAMETERS: &[&str] = &[
    "key",
    "sig",
    "pwd",
    "pass",
    "auth",
    "session",
    "sessionid",
    "sid",
    "jwt",
    "email",
    "mail",
    "phone",
    "ssn",
    "otp",
];

/// ...or when they are part of it (`access_token`, `client_secret`, `X-Amz-Signature`).
const SENSITIVE_PARAMETER_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "signature",
    "apikey",
    "credential",
];

/// The params of every request for `method` the server sent, with the seq of its frame.
fn requests<'a>(v: &View<'a>, method: &str) -> Vec<(u64, Option<&'a Value>)> {
    (v.server_requests())
        .filter(|(_, _, m)| *m == method)
        .map(|(m, _, _)| (m.seq, m.value.get("params")))
        .collect()
}

/// The error object of every URLElicitationRequiredError, from 2025-11-25 (earlier, the code
/// means whatever the server makes it mean).
fn url_required_errors<'a>(v: &View<'a>) -> Vec<(u64, &'a Value)> {
    if v.revision.is_none_or(|r| r < Revision::V2025_11_25) {
        return Vec::new();
    }
    (v.responses())
        .filter_map(|(m, _)| {
            let error = m.value.get("error")?;
            let code = error.get("code")?.as_i64()?;
            (code == codes::URL_ELICITATION_REQUIRED).then_some((m.seq, error))
        })
        .collect()
}

/// Every URL-mode elicitation the server handed out, in elicitation/create requests and in
/// URLElicitationRequiredErrors, in trace order.
fn url_elicitations<'a>(v: &View<'a>) -> Vec<(u64, &'a Value)> {
    let mut out: Vec<(u64, &'a Value)> = (requests(v, "elicitation/create").into_iter())
        .filter_map(|(seq, params)| Some((seq, params?)))
        .filter(|(_, params)| params.get("mode").and_then(Value::as_str) == Some("url"))
        .collect();
    // An error that lists elicitations hands them out even when its code is malformed: that is
    // for url-required-error to judge.
    let errors = (v.responses()).filter_map(|(m, _)| Some((m.seq, m.value.get("error")?)));
    for (seq, error) in errors.filter(|_| v.revision >= Some(Revision::V2025_11_25)) {
        let listed = error.pointer("/data/elicitations");
        out.extend(
            listed
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|e| (seq, e)),
        );
    }
    out.sort_by_key(|(seq, _)| *seq);
    out
}

fn elicitation_request_shape(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut ids: Vec<&str> = Vec::new();
    for (seq, params) in requests(v, "elicitation/create") {
        let problems = match params {
            Some(params) => elicitation_problems(v.revision, params, &mut ids),
            None => vec!["it has no params".into()],
        };
        f.judge(
            seq,
            problems.is_empty(),
            || {
                "a message, and a flat requestedSchema of primitive properties (form mode) or a \
                 valid url and a fresh elicitationId (URL mode)"
                    .into()
            },
            || format!("elicitation/create: {}", problems.join("; ")),
        );
    }
    f
}

fn elicitation_problems<'a>(
    revision: Option<Revision>,
    params: &'a Value,
    ids: &mut Vec<&'a str>,
) -> Vec<String> {
    let mut problems = shapes::violations("elicitation/create", params);
    if params.get("mode").and_then(Value::as_str) != Some("url") {
        return problems;
    }
    if let Some(revision) = revision.filter(|r| *r < Revision::V2025_11_25) {
        problems.push(format!(
            "URL mode in a {revision} session (it exists from 2025-11-25)"
        ));
    }
    if let Some(url) = params.get("url").and_then(Value::as_str) {
        if Url::parse(url).is_err() {
            problems.push(format!("url {url:?} is not a valid URL"));
        }
    }
    if let Some(id) = params.get("elicitationId").and_then(Value::as_str) {
        if ids.contains(&id) {
            problems.push(format!("elicitationId {id:?} was used before"));
        }
        ids.push(id);
    }
    problems
}

fn no_sensitive_form(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, params) in requests(v, "elicitation/create") {
        let Some(params) = params else { continue };
        if params.get("mode").is_some_and(|mode| mode != "form") {
            continue;
        }
        let properties = params.pointer("/requestedSchema/properties");
        let Some(properties) = properties.and_then(Value::as_object) else {
            continue;
        };
        let found = (properties.iter()).find_map(|(name, schema)| sensitive_field(name, schema));
        f.judge(
            seq,
            found.is_none(),
            || {
                "a form that asks for nothing sensitive (passwords, API keys, tokens and \
                 payment credentials go through URL mode)"
                    .into()
            },
            || format!("form field {}", found.unwrap_or_default()),
        );
    }
    f
}

/// What a form field asks for, if its name, title or description names a secret.
fn sensitive_field(name: &str, schema: &Value) -> Option<String> {
    let title = schema.get("title").and_then(Value::as_str);
    let description = schema.get("description").and_then(Value::as_str);
    let texts = [Some(name), title, description];
    (texts.into_iter().flatten()).find_map(|text| {
        sensitive_term(text).map(|term| format!("{name:?} asks for {term}: {text:?}"))
    })
}

/// The sensitive word or pair of words in `text`, if any.
fn sensitive_term(text: &str) -> Option<String> {
    let words = words(text);
    let single = (words.iter())
        .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()))
        .find(|w| SENSITIVE_WORDS.contains(w));
    if let Some(word) = single {
        return Some(word.to_string());
    }
    (words.windows(2))
        .find(|pair| SENSITIVE_PAIRS.contains(&(pair[0].as_str(), pair[1].as_str())))
        .map(|pair| pair.join(" "))
}

/// The lower-case words of `text`, split at anything not alphanumeric and at camelCase humps.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut after_lower = false;
    for c in text.chars() {
        let boundary = !c.is_alphanumeric() || (c.is_uppercase() && after_lower);
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        }
        after_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn url_required_error(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, error) in url_required_errors(v) {
        let problems = url_required_problems(error);
        f.judge(
            seq,
            problems.is_empty(),
            || {
                "error.data.elicitations: a non-empty list of URL-mode elicitations, each with \
                 an elicitationId, a url and a message"
                    .into()
            },
            || format!("URLElicitationRequiredError: {}", problems.join("; ")),
        );
    }
    f
}

fn url_required_problems(error: &Value) -> Vec<String> {
    let list = match error.pointer("/data/elicitations") {
        None => return vec![format!("no data.elicitations in {}", compact(error))],
        Some(Value::Array(list)) if list.is_empty() => {
            return vec!["data.elicitations is empty".into()]
        }
        Some(Value::Array(list)) => list,
        Some(other) => return vec![format!("data.elicitations is {}", compact(other))],
    };
    let mut problems = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        if entry.get("mode").and_then(Value::as_str) != Some("url") {
            let mode = describe(entry.get("mode"));
            problems.push(format!(
                "elicitations[{i}] is not in URL mode (mode: {mode})"
            ));
        }
        for field in ["elicitationId", "url", "message"] {
            if !entry.get(field).is_some_and(Value::is_string) {
                problems.push(format!("elicitations[{i}] has no string {field}"));
            }
        }
    }
    problems
}

fn complete_known_id(v: &View) -> Finding {
    let mut f = Finding::new();
    let handed_out = url_elicitations(v);
    for m in v.notifications("notifications/elicitation/complete") {
        let id = m.value.pointer("/params/elicitationId");
        let known = id.and_then(Value::as_str).is_some_and(|id| {
            (handed_out.iter()).any(|(seq, elicitation)| {
                *seq < m.seq && elicitation.get("elicitationId").and_then(Value::as_str) == Some(id)
            })
        });
        f.judge(
            m.seq,
            known,
            || "the elicitationId of a URL-mode elicitation this client was given".into(),
            || {
                format!(
                    "notifications/elicitation/complete for elicitationId {}",
                    describe(id)
                )
            },
        );
    }
    f
}

fn url_no_credentials(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, elicitation) in url_elicitations(v) {
        let Some(url) = elicitation.get("url").and_then(Value::as_str) else {
            continue;
        };
        let Ok(parsed) = Url::parse(url) else {
            continue;
        };
        let problem = url_credentials(&parsed);
        f.judge(
            seq,
            problem.is_none(),
            || "a URL with no user information and no credential or personal data in it".into(),
            || format!("URL {}: {}", redact_url(url), problem.unwrap_or_default()),
        );
    }
    f
}

/// What in the URL looks like a credential or personal data, if anything.
fn url_credentials(url: &Url) -> Option<String> {
    if !url.username().is_empty() || url.password().is_some() {
        return Some("it carries user information (user@ or user:password@)".into());
    }
    let parts = [("query", url.query()), ("fragment", url.fragment())];
    for (part, text) in parts.into_iter().filter_map(|(p, t)| Some((p, t?))) {
        for pair in text.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let normal: String = (name.chars())
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let sensitive = SENSITIVE_PARAMETERS.contains(&normal.as_str())
                || SENSITIVE_PARAMETER_PARTS.iter().any(|p| normal.contains(p));
            if sensitive {
                return Some(format!("its {part} has a {name:?} parameter"));
            }
            if value.contains('@') || value.to_ascii_lowercase().contains("%40") {
                return Some(format!(
                    "its {part} parameter {name:?} holds an email address"
                ));
            }
        }
    }
    None
}

fn sampling_request_shape(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, params) in requests(v, "sampling/createMessage") {
        let problems = match params {
            Some(params) => {
                let mut problems = shapes::violations("sampling/createMessage", params);
                problems.extend(tool_result_problems(params));
                problems
            }
            None => vec!["it has no params".into()],
        };
        f.judge(
            seq,
            problems.is_empty(),
            || {
                "messages and maxTokens; tool results only in user messages of their own, each \
                 answering a tool use of the message before"
                    .into()
            },
            || format!("sampling/createMessage: {}", problems.join("; ")),
        );
    }
    f
}

/// A message's content blocks: one block or an array of them.
fn blocks(message: &Value) -> Vec<&Value> {
    match message.get("content") {
        Some(Value::Array(blocks)) => blocks.iter().collect(),
        Some(block) => vec![block],
        None => Vec::new(),
    }
}

fn of_type<'a>(blocks: &[&'a Value], kind: &str) -> Vec<&'a Value> {
    (blocks.iter().copied())
        .filter(|block| block.get("type").and_then(Value::as_str) == Some(kind))
        .collect()
}

/// The ids of a message's tool_use blocks (or of the tool uses its tool_result blocks answer).
fn ids<'a>(blocks: &[&'a Value], kind: &str, key: &str) -> Vec<&'a str> {
    (of_type(blocks, kind).into_iter())
        .filter_map(|block| block.get(key).and_then(Value::as_str))
        .collect()
}

fn tool_result_problems(params: &Value) -> Vec<String> {
    let Some(messages) = params.get("messages").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let content = blocks(message);
        let results = of_type(&content, "tool_result");
        if !results.is_empty() {
            if message.get("role").and_then(Value::as_str) != Some("user") {
                problems.push(format!(
                    "messages[{i}] holds tool results but is not a user message"
                ));
            }
            if results.len() != content.len() {
                problems.push(format!(
                    "messages[{i}] mixes tool results with other content"
                ));
            }
            let before = match i {
                0 => Vec::new(),
                _ => blocks(&messages[i - 1]),
            };
            let used = ids(&before, "tool_use", "id");
            for result in results {
                let id = result.get("toolUseId");
                if !id
                    .and_then(Value::as_str)
                    .is_some_and(|id| used.contains(&id))
                {
                    problems.push(format!(
                        "messages[{i}] has a tool result for toolUseId {}, which the message \
                         before does not use",
                        describe(id)
                    ));
                }
            }
        }
        let Some(next) = messages.get(i + 1) else {
            continue;
        };
        let answered = ids(&blocks(next), "tool_result", "toolUseId");
        for id in ids(&content, "tool_use", "id") {
            if !answered.contains(&id) {
                problems.push(format!(
                    "messages[{i}] uses tool {id:?}, and the next message has no result for it"
                ));
            }
        }
    }
    problems
}

fn sampling_tools_declared(v: &View) -> Finding {
    let mut f = Finding::new();
    let declared = v
        .client_caps
        .is_some_and(|caps| caps.pointer("/sampling/tools").is_some());
    for (seq, params) in requests(v, "sampling/createMessage") {
        let offered: Vec<&str> = (["tools", "toolChoice"].into_iter())
            .filter(|key| params.is_some_and(|p| p.get(key).is_some()))
            .collect();
        f.judge(
            seq,
            offered.is_empty() || declared,
            || "no tools or toolChoice unless the client declared sampling.tools".into(),
            || {
                format!(
                    "sampling/createMessage with {}, but the client declared no sampling.tools",
                    offered.join(" and ")
                )
            },
        );
    }
    f
}

fn server_cancel_known(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut cancelled: Vec<&Value> = Vec::new();
    for m in v.notifications("notifications/cancelled") {
        let id = m.value.pointer("/params/requestId");
        let issued = id.and_then(|id| {
            (v.server_requests()).find(|(request, rid, _)| request.seq < m.seq && same_id(rid, id))
        });
        let problem = match (id, issued) {
            (None, _) => Some("it names no requestId".to_string()),
            (Some(id), None) => Some(format!(
                "requestId {} is not a request the server sent",
                compact(id)
            )),
            (Some(id), Some(_)) if cancelled.iter().any(|c| same_id(c, id)) => {
                Some(format!("request {} was cancelled before", compact(id)))
            }
            (Some(id), Some((request, _, method)))
                if request.value.pointer("/params/task").is_some() =>
            {
                Some(format!(
                    "{method} {} is task-augmented, so tasks/cancel cancels it",
                    compact(id)
                ))
            }
            _ => None,
        };
        cancelled.extend(id);
        f.judge(
            m.seq,
            problem.is_none(),
            || "the id of a request the server itself sent and has not cancelled yet".into(),
            || format!("notifications/cancelled: {}", problem.unwrap_or_default()),
        );
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_fields_naming_secrets_are_found() {
        for (name, schema) in [
            ("password", json!({"type": "string"})),
            ("apiKey", json!({"type": "string"})),
            ("APIKey", json!({"type": "string"})),
            ("field", json!({"type": "string", "title": "Access token"})),
            (
                "card",
                json!({"type": "string", "description": "Credit card number"}),
            ),
            ("cvv2", json!({"type": "string"})),
        ] {
            assert!(sensitive_field(name, &schema).is_some(), "{name} {schema}");
        }
        for (name, schema) in [
            (
                "name",
                json!({"type": "string", "description": "The name to greet"}),
            ),
            ("maxTokens", json!({"type": "integer"})),
            ("email", json!({"type": "string", "format": "email"})),
        ] {
            assert_eq!(sensitive_field(name, &schema), None, "{name}");
        }
    }

    #[test]
    fn urls_with_credentials_or_personal_data_are_found() {
        for url in [
            "https://user:pass@example.com/connect",
            "https://example.com/connect?access_token=abc",
            "https://example.com/connect?X-Amz-Signature=abc",
            "https://example.com/connect#id_token=abc",
            "https://example.com/connect?user=ada%40example.com",
        ] {
            assert!(
                url_credentials(&Url::parse(url).unwrap()).is_some(),
                "{url}"
            );
        }
        let fine = "https://example.com/connect?elicitationId=550e8400&state=xyz";
        assert_eq!(url_credentials(&Url::parse(fine).unwrap()), None);
    }

    #[test]
    fn tool_results_must_answer_the_tool_uses_before_them() {
        let user = |content: Value| json!({"role": "user", "content": content});
        let assistant = |content: Value| json!({"role": "assistant", "content": content});
        let ask = user(json!({"type": "text", "text": "time?"}));
        let uses = assistant(json!([{"type": "tool_use", "id": "a", "name": "t", "input": {}}]));
        let result = |id: &str| json!({"type": "tool_result", "toolUseId": id, "content": []});
        let good = json!({"messages": [ask, uses, user(json!([result("a")]))]});
        assert!(tool_result_problems(&good).is_empty());
        let mixed = json!({"messages": [ask, uses, user(json!([result("a"), {"type": "text", "text": "x"}]))]});
        assert_eq!(tool_result_problems(&mixed).len(), 1);
        let unknown = json!({"messages": [ask, uses, user(result("b"))]});
        // b answers nothing, and a goes unanswered.
        assert_eq!(tool_result_problems(&unknown).len(), 2);
    }
}
