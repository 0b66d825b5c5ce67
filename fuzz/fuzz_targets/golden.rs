//! Golden normalisation: `zcpspec::golden::canonicalize`, `snapshot`, `render`, `diff` and
//! `behaviour`.
//!
//! Invariants:
//! - None of them panics, on any JSON document (the input read as JSON) or on a generated one
//!   (the input read as structure: messages, notifications and HTTP answers of MCP frames, with
//!   ids, task ids, session ids, cursors and timestamps).
//! - Normalising is idempotent: `canonicalize(canonicalize(d)) == canonicalize(d)`, and a
//!   snapshot of a session's received frames (with any `redact` paths) is already canonical.
//! - A canonical document survives its golden file: `render` then parsing then `canonicalize`
//!   gives it back, so a blessed golden compares equal to the snapshot it came from.
//! - `diff` finds no difference exactly when the documents are equal.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use zcpspec::golden::{behaviour, canonicalize, diff, render, snapshot};
use zcpspec::protocol::Frame;
use zcpspec::trace::{Event, EventKind};
use zcpspec::transport::Note;
use zcpspec_fuzz::frames::Line;
use zcpspec_fuzz::json::{self, Json};

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<Value>(data) {
        check(&doc);
        return;
    }
    let mut u = Unstructured::new(data);
    if let Ok(session) = Generated::arbitrary(&mut u) {
        check(&session.document());
        let redact: Vec<String> = session.redact.iter().map(|r| r.0.clone()).collect();
        let snap = snapshot(&session.events(), &redact);
        assert_eq!(canonicalize(&snap), snap, "a snapshot is canonical");
        check(&snap);
    }
});

fn check(doc: &Value) {
    let once = canonicalize(doc);
    let twice = canonicalize(&once);
    assert_eq!(twice, once, "canonicalize is not idempotent on {doc}");
    let text = render(&once);
    assert!(text.ends_with('\n'));
    let read: Value = serde_json::from_str(&text).expect("a rendered golden is JSON");
    assert_eq!(
        canonicalize(&read),
        once,
        "the golden file reads back otherwise:\n{text}"
    );
    assert!(diff(&once, &twice).is_none());
    assert_eq!(diff(doc, &once).is_none(), *doc == once);
    behaviour(&once);
}

/// What a server might have sent in a session, built from structure.
#[derive(Debug, Arbitrary)]
struct Generated {
    received: Vec<Received>,
    http: Vec<HttpAnswer>,
    redact: Vec<RedactPath>,
}

/// A frame the server sent, with values the normaliser treats as volatile mixed in.
#[derive(Debug, Arbitrary)]
struct Received {
    line: Line,
    volatile: Option<(Volatile, Json)>,
}

#[derive(Debug, Arbitrary)]
enum Volatile {
    TaskId,
    SessionId,
    NextCursor,
    RequestId,
    Timestamp(u32),
    ServerVersion,
}

#[derive(Debug, Arbitrary)]
struct HttpAnswer {
    exchange: u8,
    status: u16,
    content_type: Option<Json>,
    session: Option<Json>,
}

#[derive(Debug)]
struct RedactPath(String);

impl<'a> Arbitrary<'a> for RedactPath {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        const SEGMENTS: &[&str] = &[
            "result", "params", "id", "content", "0", "1", "text", "_meta",
        ];
        let len = u.int_in_range(1..=4)?;
        let segments: Vec<String> = (0..len)
            .map(|_| match u.ratio(4u8, 5)? {
                true => Ok((*u.choose(SEGMENTS)?).to_string()),
                false => json::string(u),
            })
            .collect::<Result<_>>()?;
        Ok(RedactPath(segments.join(".")))
    }
}

impl Received {
    fn value(&self) -> Value {
        let mut value = self.line.to_value().unwrap_or_else(|| {
            Value::String(String::from_utf8_lossy(&self.line.to_bytes()).into_owned())
        });
        if let (Some((volatile, payload)), Value::Object(map)) = (&self.volatile, &mut value) {
            let payload = payload.0.clone();
            let (key, member) = match volatile {
                Volatile::TaskId => ("result", json!({ "task": { "taskId": payload } })),
                Volatile::SessionId => ("params", json!({ "sessionId": payload })),
                Volatile::NextCursor => ("result", json!({ "nextCursor": payload })),
                Volatile::RequestId => ("params", json!({ "requestId": payload })),
                Volatile::Timestamp(t) => (
                    "result",
                    json!({ "createdAt": format!("2026-{:02}-{:02}T10:00:{:02}.{t}Z",
                        1 + t % 12, 1 + t % 28, t % 60) }),
                ),
                Volatile::ServerVersion => (
                    "result",
                    json!({ "serverInfo": { "name": "s", "version": payload } }),
                ),
            };
            map.insert(key.into(), member);
        }
        value
    }
}

impl Generated {
    /// A golden-shaped document (not yet canonical).
    fn document(&self) -> Value {
        let (notifications, messages): (Vec<Value>, Vec<Value>) = (self.received.iter())
            .map(Received::value)
            .partition(|v| v.get("method").is_some() && v.get("id").is_none());
        let http: Vec<Value> = (self.http.iter())
            .map(|a| json!({ "status": a.status, "sessionId": a.session.as_ref().map(|s| &s.0) }))
            .collect();
        json!({ "messages": messages, "notifications": notifications, "http": http })
    }

    /// A session's events: each frame received, and the HTTP answers.
    fn events(&self) -> Vec<Event> {
        let frames = (self.received.iter()).map(|r| match &r.line {
            Line::Raw(bytes) if r.volatile.is_none() => Frame::from_bytes(bytes.clone()),
            _ => Frame::from_value(r.value()),
        });
        let received = frames.map(|frame| EventKind::Received { frame });
        let answers = self.http.iter().map(|a| {
            let mut headers = Vec::new();
            if let Some(ct) = &a.content_type {
                headers.push(("content-type".to_string(), text_of(&ct.0)));
            }
            if let Some(session) = &a.session {
                headers.push(("mcp-session-id".to_string(), text_of(&session.0)));
            }
            EventKind::Transport(Note::HttpResponse {
                exchange: a.exchange.into(),
                status: a.status,
                headers,
            })
        });
        (received.chain(answers).enumerate())
            .map(|(seq, kind)| Event {
                seq: seq as u64,
                ms: seq as f64,
                kind,
            })
            .collect()
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
