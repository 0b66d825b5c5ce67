//! Credentials in log messages (server/utilities/logging §Security): no notifications/message
//! may carry one. A black-box client cannot know every secret, so the rule looks for the forms
//! credentials take in practice, and only those that rarely occur otherwise:
//!
//! - an HTTP `Bearer` credential (at least 16 token characters);
//! - an assignment to a credential-named key (`password=…`, `"api_key": "…"`, `client_secret=…`,
//!   access, refresh or auth tokens, private keys) of a value of 4 or more characters that is not
//!   a placeholder (`***`, `[redacted]`, `<hidden>`, `${VAR}`, `null`, …);
//! - well-known key formats: AWS access key ids, OpenAI/Anthropic-style `sk-…` keys, GitHub and
//!   Slack tokens, Google API keys, JSON Web Tokens;
//! - PEM private key blocks;
//! - user information with a password in a URL (`https://user:pass@host`).
//!
//! Personal data is not judged: telling it from ordinary text needs more than patterns.

use super::{Finding, Rule, View};
use crate::scenario::matcher::compact;
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULES: &[(&str, Rule)] = &[("logging/no-secrets", no_secrets)];

/// What each pattern finds, and the pattern. A pattern with a capture group judges the group:
/// a placeholder there is no credential.
static PATTERNS: LazyLock<Vec<(&str, Regex)>> = LazyLock::new(|| {
    [
        ("a bearer token", r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]{16,}=*"),
        (
            "a credential assignment",
            r#"(?i)(?:password|passwd|secret|api[_-]?key|access[_-]?token|refresh[_-]?token|auth[_-]?token|private[_-]?key)(?:\s*=\s*|\\?"\s*:\s*\\?")([^\s"'&,;\\]{4,})"#,
        ),
        ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("an API secret key", r"\bsk-[A-Za-z0-9_-]{20,}"),
        ("a GitHub token", r"\b(?:gh[pousr]|github_pat)_[A-Za-z0-9_]{20,}"),
        ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        (
            "a JSON Web Token",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        ),
        ("a private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
        (
            "a password in a URL",
            r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\x22]+:[^/\s:@\x22]+@",
        ),
    ]
    .into_iter()
    .map(|(what, pattern)| (what, Regex::new(pattern).expect("the patterns are valid")))
    .collect()
});

/// Values of a credential-named key that stand for no credential.
const PLACEHOLDERS: &[&str] = &[
    "null",
    "none",
    "true",
    "false",
    "undefined",
    "redacted",
    "hidden",
    "masked",
    "required",
    "missing",
];

fn no_secrets(v: &View) -> Finding {
    let mut f = Finding::new();
    for m in v.notifications("notifications/message") {
        let Some(params) = m.value.get("params") else {
            continue;
        };
        let text = compact(params);
        let found = credential_in(&text);
        f.judge(
            m.seq,
            found.is_none(),
            || "a log message without credentials".into(),
            || {
                let (what, at) = found.unwrap_or_default();
                format!("a log message with {what}: {at}")
            },
        );
    }
    f
}

/// The first credential-looking text in `text`: what it looks like, and its first characters
/// (the rest masked, so that the report does not spread it further).
fn credential_in(text: &str) -> Option<(&'static str, String)> {
    PATTERNS.iter().find_map(|(what, pattern)| {
        pattern.captures_iter(text).find_map(|found| {
            let value = found.get(1).map_or("", |v| v.as_str());
            let placeholder = value.starts_with(['*', '[', '<', '$', '{', '(', '%'])
                || PLACEHOLDERS.contains(&value.to_ascii_lowercase().as_str());
            let whole = found.get(0)?.as_str();
            (!placeholder).then(|| (*what, masked(whole)))
        })
    })
}

fn masked(found: &str) -> String {
    let shown: String = found.chars().take(10).collect();
    format!("{shown}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_found() {
        for text in [
            r#"{"data":"calling upstream with Authorization: Bearer abcdef0123456789xyz"}"#,
            r#"{"data":"connect db password=hunter22"}"#,
            r#"{"data":{"api_key":"0123abcd"}}"#,
            r#"{"data":"config {\"client_secret\": \"s3cr3tvalue\"}"}"#,
            r#"{"data":"key AKIAIOSFODNN7EXAMPLE used"}"#,
            r#"{"data":"sk-proj-abcdefghijklmnopqrstuvwx"}"#,
            r#"{"data":"ghp_abcdefghijklmnopqrstuvwxyz0123456789"}"#,
            r#"{"data":"-----BEGIN RSA PRIVATE KEY-----\nMIIB"}"#,
            r#"{"data":"fetching https://admin:pa55word@example.com/x"}"#,
            r#"{"data":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N"}"#,
        ] {
            assert!(credential_in(text).is_some(), "{text}");
        }
    }

    #[test]
    fn ordinary_log_text_and_placeholders_pass() {
        for text in [
            r#"{"data":"a debug message","level":"debug","logger":"reference"}"#,
            r#"{"data":"password=*** (redacted)"}"#,
            r#"{"data":{"password":"[redacted]","api_key":null}}"#,
            r#"{"data":"secret=${SECRET}"}"#,
            r#"{"data":"the password is required"}"#,
            r#"{"data":"task-abcdefghijklmnopqrstuvwxyz done"}"#,
            r#"{"data":"secretary=bob; token count 12"}"#,
            r#"{"data":"see https://example.com/a:b@c"}"#,
            r#"{"data":{"progressToken":"abc-123","message":"bearer of news"}}"#,
        ] {
            assert_eq!(credential_in(text), None, "{text}");
        }
    }
}
