//! Golden snapshots: what a server sent in a scenario, normalised so that only behaviour is
//! compared, written (`--bless`), read back, compared and diffed.
//!
//! Normalisation: canonical JSON (object keys sorted, integral numbers written as integers),
//! volatile values replaced by placeholders numbered in order of first appearance (request ids,
//! session ids, task ids, cursors, request states, timestamps, the server's version), and a
//! scenario's own `redact` paths. Responses and server requests keep their order, and so do the
//! raw HTTP exchanges of scenario steps; notifications, which the spec lets interleave, and the
//! HTTP answers of concurrent requests (a GET stream beside POSTs) are compared as sorted sets.

use crate::protocol::MessageKind;
use crate::scenario::vars::lookup;
use crate::trace::{Event, EventKind};
use crate::transport::{Kind, Note};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The golden document of one session: what the server sent, normalised.
pub fn snapshot(events: &[Event], redact: &[String]) -> Value {
    let mut ordered = Vec::new();
    let mut notifications = Vec::new();
    let mut http = Vec::new();
    let mut exchanges = Vec::new();
    // What each HTTP request of the current connection carried, by exchange number.
    let mut requests: HashMap<u32, String> = HashMap::new();
    for e in events {
        match &e.kind {
            EventKind::Spawned { .. } => requests.clear(),
            EventKind::Transport(Note::HttpRequest {
                exchange,
                method,
                carries,
                ..
            }) => {
                let what = match carries {
                    Some(c) => format!("{method} {c}"),
                    None => method.clone(),
                };
                requests.insert(*exchange, what);
            }
            EventKind::Received { frame } => {
                let mut message = match &frame.json {
                    Some(v) => v.clone(),
                    None => Value::String(frame.text()),
                };
                for path in redact {
                    redact_path(&mut message, path);
                }
                match MessageKind::of(&message) {
                    MessageKind::Notification { .. } => notifications.push(message),
                    _ => ordered.push(message),
                }
            }
            EventKind::Transport(Note::HttpResponse {
                exchange,
                status,
                headers,
            }) => {
                let header = |name: &str| {
                    headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                let mut answer = json!({ "status": status });
                if let Some(request) = requests.get(exchange) {
                    answer["request"] = Value::from(request.as_str());
                }
                if let Some(ct) = header("content-type") {
                    answer["content-type"] =
                        Value::from(ct.split(';').next().unwrap_or_default().trim());
                }
                if let Some(session) = header("mcp-session-id") {
                    answer["sessionId"] = Value::String(session);
                }
                http.push(answer);
            }
            EventKind::HttpExchange { view, .. } => {
                exchanges.push(json!({ "status": view["status"], "body": view["body"] }))
            }
            _ => {}
        }
    }
    let mut doc = json!({ "messages": ordered, "notifications": notifications });
    if !http.is_empty() {
        doc["http"] = Value::Array(http);
    }
    if !exchanges.is_empty() {
        doc["exchanges"] = Value::Array(exchanges);
    }
    canonicalize(&doc)
}

/// The part of a snapshot every transport must agree on: the messages, not the HTTP answers.
pub fn behaviour(doc: &Value) -> Value {
    json!({ "messages": doc["messages"], "notifications": doc["notifications"] })
}

/// Canonical form of a golden document: placeholders renumbered by first appearance,
/// notifications sorted, keys sorted. Idempotent; applied to snapshots and to files read back,
/// so key order and id numbering in a file never matter.
pub fn canonicalize(doc: &Value) -> Value {
    let mut doc = sorted(doc);
    // Notifications are ordered by their text with volatile values masked, which is the same
    // before and after renumbering, so a second pass keeps the order and the numbers.
    for unordered in ["notifications", "http"] {
        if let Some(Value::Array(items)) = doc.get_mut(unordered) {
            items.sort_by_cached_key(|n| {
                let masked = Renumber::masking().walk(n, None);
                serde_json::to_string(&masked).unwrap_or_default()
            });
        }
    }
    Renumber::default().walk(&doc, None)
}

/// Placeholders for volatile values, numbered by kind in order of first appearance (or, when
/// masking, all the same).
#[derive(Default)]
struct Renumber {
    seen: HashMap<(&'static str, String), usize>,
    counts: HashMap<&'static str, usize>,
    mask: bool,
}

impl Renumber {
    fn masking() -> Self {
        Renumber {
            mask: true,
            ..Renumber::default()
        }
    }

    fn placeholder(&mut self, kind: &'static str, value: &Value) -> Value {
        if self.mask {
            return Value::String(format!("<{kind}>"));
        }
        let key = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let n = match self.seen.get(&(kind, key.clone())) {
            Some(n) => *n,
            None => {
                let n = self.counts.entry(kind).or_default();
                *n += 1;
                self.seen.insert((kind, key), *n);
                *n
            }
        };
        Value::String(format!("<{kind}:{n}>"))
    }

    fn walk(&mut self, value: &Value, key: Option<&str>) -> Value {
        let kind = match key {
            Some("id" | "requestId") => Some("id"),
            Some("sessionId") => Some("session"),
            Some("taskId" | "taskIds") => Some("task"),
            Some("nextCursor" | "cursor") => Some("cursor"),
            // A multi round-trip request's opaque state (2026-07-28) seals with a key of the
            // server's own.
            Some("requestState") => Some("state"),
            _ => None,
        };
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let server_info =
                        key.is_some_and(|k| k == "serverInfo" || k.ends_with("/serverInfo"));
                    let is_version = k == "version" && server_info;
                    let walked = if is_version {
                        Value::String("<version>".into())
                    } else {
                        self.walk(v, Some(k))
                    };
                    out.insert(k.clone(), walked);
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.walk(v, key)).collect()),
            Value::Null => Value::Null,
            v => match kind {
                Some(kind) => self.placeholder(kind, v),
                // Which of two instants a clock gave is not behaviour (two may fall in the same
                // millisecond), so timestamps are not numbered.
                None if v.as_str().is_some_and(is_timestamp) => Value::String("<timestamp>".into()),
                None => v.clone(),
            },
        }
    }
}

fn is_timestamp(s: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
            .unwrap()
    })
    .is_match(s)
}

/// Keys sorted at every level; integral floats written as integers.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

fn redact_path(message: &mut Value, path: &str) {
    if lookup(message, path).is_none() {
        return;
    }
    let mut target = message;
    for seg in path.split('.') {
        target = match target {
            Value::Object(map) => map.get_mut(seg).expect("looked up"),
            Value::Array(items) => &mut items[seg.parse::<usize>().expect("looked up")],
            _ => return,
        };
    }
    *target = Value::String("<redacted>".into());
}

/// Where a scenario's golden lives: `DIR/<transport>/<id>.json` when that transport has its
/// own, else `DIR/<id>.json`.
pub fn path_for(dir: &Path, scenario: &str, kind: Kind) -> PathBuf {
    let own = dir.join(kind.name()).join(format!("{scenario}.json"));
    if kind != Kind::Stdio && own.exists() {
        own
    } else {
        dir.join(format!("{scenario}.json"))
    }
}

/// Reads a golden file; a file that is not JSON is an error naming its line and column.
pub fn read(path: &Path) -> Result<Option<Value>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    serde_json::from_str(&text)
        .map(|v: Value| Some(canonicalize(&v)))
        .map_err(|e| {
            // serde_json appends " at line L column C"; the position leads instead.
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            let (line, column) = (e.line(), e.column());
            format!(
                "{}:{line}:{column}: not a golden snapshot: {message}",
                path.display()
            )
        })
}

/// Writes a snapshot. Over a transport other than stdio it goes to `DIR/<transport>/` only
/// when it differs from the stdio golden; otherwise any per-transport copy is removed.
pub fn bless(dir: &Path, scenario: &str, kind: Kind, doc: &Value) -> std::io::Result<()> {
    let shared = dir.join(format!("{scenario}.json"));
    let own = dir.join(kind.name()).join(format!("{scenario}.json"));
    let target = if kind == Kind::Stdio {
        shared
    } else if read(&shared).ok().flatten().as_ref() == Some(doc) {
        if own.exists() {
            std::fs::remove_file(&own)?;
        }
        return Ok(());
    } else {
        own
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(target, render(doc))
}

/// The text of a golden file: pretty, canonical JSON with a final newline.
pub fn render(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// A unified diff from the golden to what was observed; None when they are equal.
pub fn diff(golden: &Value, observed: &Value) -> Option<String> {
    if golden == observed {
        return None;
    }
    let (a, b) = (render(golden), render(observed));
    let diff = similar::TextDiff::from_lines(&a, &b);
    Some(
        diff.unified_diff()
            .context_radius(3)
            .header("golden", "observed")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_values_become_numbered_placeholders() {
        let doc = json!({"messages": [
            {"jsonrpc": "2.0", "id": 7, "result": {"nextCursor": "abc", "at": "2026-11-21T10:00:00Z",
                "serverInfo": {"name": "s", "version": "1.2.3"}}},
            {"jsonrpc": "2.0", "id": 9, "result": {"taskId": "t-1", "n": 2.0}},
            {"jsonrpc": "2.0", "id": 7, "error": {"code": -1}}
        ], "notifications": []});
        let c = canonicalize(&doc);
        assert_eq!(c["messages"][0]["id"], "<id:1>");
        assert_eq!(c["messages"][1]["id"], "<id:2>");
        assert_eq!(c["messages"][2]["id"], "<id:1>");
        assert_eq!(c["messages"][0]["result"]["nextCursor"], "<cursor:1>");
        assert_eq!(c["messages"][0]["result"]["at"], "<timestamp>");
        assert_eq!(
            c["messages"][0]["result"]["serverInfo"]["version"],
            "<version>"
        );
        assert_eq!(c["messages"][1]["result"]["taskId"], "<task:1>");
        assert_eq!(c["messages"][1]["result"]["n"], json!(2));
        assert_eq!(canonicalize(&c), c);
    }

    #[test]
    fn diffs_are_unified() {
        let a = json!({"messages": [{"id": "<id:1>", "result": {"x": 1}}]});
        let b = json!({"messages": [{"id": "<id:1>", "result": {"x": 2}}]});
        let d = diff(&a, &b).unwrap();
        assert!(
            d.contains("--- golden") && d.contains("+++ observed"),
            "{d}"
        );
        assert!(
            d.contains("-        \"x\": 1") && d.contains("+        \"x\": 2"),
            "{d}"
        );
        assert_eq!(diff(&a, &a), None);
    }
}
