//! Trace invariants: rules every session must keep, whatever the scenario did. Each rule looks
//! at the whole trace and yields a result only when the trace holds something it applies to:
//! a rule with nothing to judge is silent, never a pass.

mod changes;
mod client_requests;
mod http;
mod meta;
mod prompts;
mod schemas;
mod secrets;
mod stateless;
mod subscriptions;
mod tasks;
mod tasks_ext;

use super::{find, CheckResult, Verdict};
use crate::protocol::frame::{answerable_id, same_id};
use crate::protocol::stateless::{
    is_stateless_version, meta_version, CLIENT_CAPABILITIES, PROTOCOL_VERSION,
};
use crate::protocol::{shapes, Frame, MessageKind, Revision};
use crate::scenario::matcher::{compact, describe};
use crate::trace::{Event, EventKind};
use crate::transport::{Kind, Note};
use serde_json::Value;

/// What one rule concluded, before it becomes a CheckResult.
struct Finding {
    /// The first violation (seq, expected, actual), if any.
    violation: Option<(u64, String, String)>,
    /// How many messages the rule judged.
    judged: usize,
}

impl Finding {
    fn new() -> Self {
        Finding {
            violation: None,
            judged: 0,
        }
    }

    fn judge(
        &mut self,
        seq: u64,
        ok: bool,
        expected: impl FnOnce() -> String,
        actual: impl FnOnce() -> String,
    ) {
        self.judged += 1;
        if !ok && self.violation.is_none() {
            self.violation = Some((seq, expected(), actual()));
        }
    }
}

/// Messages as the rules see them: one entry per JSON-RPC message (batch elements unpacked).
struct Msg<'a> {
    seq: u64,
    value: &'a Value,
    kind: MessageKind<'a>,
}

struct View<'a> {
    sent: Vec<Msg<'a>>,
    received: Vec<Msg<'a>>,
    frames: Vec<(u64, &'a Frame)>,
    /// Sent frames that a server may answer without a readable id (not JSON, not a message, a
    /// batch, a request whose id is neither a string nor a number).
    unreadable_sent: Vec<u64>,
    revision: Option<Revision>,
    server_caps: Option<&'a Value>,
    client_caps: Option<&'a Value>,
    transport: Option<Kind>,
    /// Transport notes with the connection they belong to (a `reconnect` starts a new one,
    /// whose exchange numbers and event ids start afresh).
    notes: Vec<(u64, usize, &'a Note)>,
}

fn unpack<'a>(seq: u64, value: &'a Value, out: &mut Vec<Msg<'a>>) {
    match MessageKind::of(value) {
        MessageKind::Batch(items) => {
            for item in items {
                out.push(Msg {
                    seq,
                    value: item,
                    kind: MessageKind::of(item),
                })
            }
        }
        kind => out.push(Msg { seq, value, kind }),
    }
}

impl<'a> View<'a> {
    fn new(events: &'a [Event]) -> Self {
        let mut view = View {
            sent: Vec::new(),
            received: Vec::new(),
            frames: Vec::new(),
            unreadable_sent: Vec::new(),
            revision: None,
            server_caps: None,
            client_caps: None,
            transport: None,
            notes: Vec::new(),
        };
        let mut connections = 0;
        for e in events {
            match &e.kind {
                EventKind::Sent { frame, .. } => match &frame.json {
                    Some(v) => {
                        // Not a well-formed message (a wrong jsonrpc version, say): a
                        // server may answer it without an id.
                        let unreadable = match MessageKind::of(v) {
                            MessageKind::Batch(_) | MessageKind::Invalid => true,
                            MessageKind::Request { .. } => answerable_id(v).is_none(),
                            MessageKind::Notification { .. } => v["jsonrpc"] != "2.0",
                            _ => false,
                        };
                        if unreadable {
                            view.unreadable_sent.push(e.seq);
                        }
                        unpack(e.seq, v, &mut view.sent);
                    }
                    None => view.unreadable_sent.push(e.seq),
                },
                EventKind::Spawned { transport, .. } => {
                    view.transport = Some(*transport);
                    connections += 1;
                }
                EventKind::Transport(note) => view.notes.push((e.seq, connections, note)),
                EventKind::Received { frame } => {
                    view.frames.push((e.seq, frame));
                    if let Some(v) = &frame.json {
                        unpack(e.seq, v, &mut view.received);
                    }
                }
                _ => {}
            }
        }
        let init_id = view.sent.iter().find_map(|m| match m.kind {
            MessageKind::Request {
                id,
                method: "initialize",
            } => {
                view.client_caps = m.value.pointer("/params/capabilities");
                Some(id)
            }
            _ => None,
        });
        if init_id.is_none() {
            view.read_discover();
        }
        if let Some(init_id) = init_id {
            if let Some(result) = view
                .response_to(init_id)
                .and_then(|m| m.value.get("result"))
            {
                view.server_caps = result.get("capabilities");
                view.revision = result
                    .get("protocolVersion")
                    .and_then(Value::as_str)
                    .and_then(|v| v.parse().ok());
            }
        }
        view
    }

    /// A stateless session's revision and capabilities: those of its first `server/discover`,
    /// when the server listed the version the request was written in.
    fn read_discover(&mut self) {
        let key = format!("/params/_meta/{}", PROTOCOL_VERSION.replace('/', "~1"));
        let discover = self.sent.iter().find_map(|m| match m.kind {
            MessageKind::Request {
                id,
                method: "server/discover",
            } => Some((m.value, id)),
            _ => None,
        });
        let Some((request, id)) = discover else {
            return;
        };
        let caps_key = format!("/params/_meta/{}", CLIENT_CAPABILITIES.replace('/', "~1"));
        self.client_caps = request.pointer(&caps_key);
        let Some(result) = self.response_to(id).and_then(|m| m.value.get("result")) else {
            return;
        };
        let version = request.pointer(&key);
        let listed = (result.get("supportedVersions").and_then(Value::as_array))
            .zip(version)
            .is_some_and(|(versions, version)| versions.contains(version));
        if listed {
            self.server_caps = result.get("capabilities");
            self.revision = version.and_then(Value::as_str).and_then(|v| v.parse().ok());
        }
    }

    fn response_to(&self, id: &Value) -> Option<&Msg<'a>> {
        self.received
            .iter()
            .find(|m| matches!(m.kind, MessageKind::Response { id: got } if same_id(got, id)))
    }

    fn client_requests(&self) -> impl Iterator<Item = (&Msg<'a>, &'a Value, &'a str)> + '_ {
        self.sent.iter().filter_map(|m| match m.kind {
            MessageKind::Request { id, method } => Some((m, id, method)),
            _ => None,
        })
    }

    /// The client's requests written in the stateless era, by their own `_meta`.
    fn stateless_requests(&self) -> impl Iterator<Item = (&Msg<'a>, &'a Value, &'a str)> + '_ {
        self.client_requests()
            .filter(|(m, _, _)| speaks_stateless(m))
    }

    fn responses(&self) -> impl Iterator<Item = (&Msg<'a>, &'a Value)> + '_ {
        self.received.iter().filter_map(|m| match m.kind {
            MessageKind::Response { id } => Some((m, id)),
            _ => None,
        })
    }

    fn server_requests(&self) -> impl Iterator<Item = (&Msg<'a>, &'a Value, &'a str)> + '_ {
        self.received.iter().filter_map(|m| match m.kind {
            MessageKind::Request { id, method } if !method.starts_with("notifications/") => {
                Some((m, id, method))
            }
            _ => None,
        })
    }

    fn notifications(&self, method: &'a str) -> impl Iterator<Item = &Msg<'a>> + '_ {
        self.received
            .iter()
            .filter(move |m| m.kind.method() == Some(method) && !is_server_request(&m.kind))
    }
}

/// Whether a request was written in the stateless era (its `_meta` names 2026-07-28 or later).
fn speaks_stateless(request: &Msg) -> bool {
    (request.value.get("params"))
        .and_then(meta_version)
        .is_some_and(is_stateless_version)
}

fn is_server_request(kind: &MessageKind) -> bool {
    matches!(kind, MessageKind::Request { method, .. } if !method.starts_with("notifications/"))
}

/// A rule over one session's trace.
type Rule = fn(&View) -> Finding;

/// The rules of this module, by check id. Rules about one area live in submodules with their own
/// `RULES`, chained in [`evaluate`].
const RULES: &[(&str, Rule)] = &[
    ("base/jsonrpc-version", jsonrpc_version),
    ("base/utf8", utf8),
    ("base/only-messages", only_messages),
    ("base/response-id-matches-request", response_ids),
    ("base/one-response-per-request", one_response),
    ("base/result-xor-error", result_xor_error),
    ("base/error-object", error_object),
    (
        "base/no-response-to-notification",
        no_response_to_notification,
    ),
    ("base/notification-without-id", notification_without_id),
    ("base/server-request-id", server_request_id),
    ("base/message-shape", message_shape),
    ("lifecycle/features-declared", features_declared),
    (
        "lifecycle/client-capabilities-respected",
        client_capabilities_respected,
    ),
    ("progress/token-known", progress_token_known),
    ("progress/increasing", progress_increasing),
    ("progress/none-after-response", progress_none_after_response),
    ("http/notification-accepted", http_notification_accepted),
    ("http/response-content-type", http_response_content_type),
    ("http/sse-event-ids-unique", http_sse_event_ids_unique),
    ("sse/endpoint-first", sse_endpoint_first),
    ("ws/subprotocol", ws_subprotocol),
];

/// Evaluates every invariant over a session's events.
pub fn evaluate(events: &[Event]) -> Vec<CheckResult> {
    let view = View::new(events);
    (RULES.iter())
        .chain(tasks::RULES)
        .chain(meta::RULES)
        .chain(schemas::RULES)
        .chain(secrets::RULES)
        .chain(prompts::RULES)
        .chain(http::RULES)
        .chain(client_requests::RULES)
        .chain(changes::RULES)
        .chain(stateless::RULES)
        .chain(subscriptions::RULES)
        .chain(tasks_ext::RULES)
        .filter_map(|(id, rule)| to_result(id, rule(&view)))
        .collect()
}

fn to_result(id: &str, f: Finding) -> Option<CheckResult> {
    if f.judged == 0 {
        return None;
    }
    let def = find(id).expect("invariants are registered checks");
    let mut r = CheckResult {
        check: def.id,
        scenario: String::new(),
        verdict: Verdict::Pass,
        subject: None,
        message: format!("held for {} message(s)", f.judged),
        expected: None,
        actual: None,
        frames: Vec::new(),
    };
    if let Some((seq, expected, actual)) = f.violation {
        r.verdict = Verdict::broken(def.level);
        r.message = format!("broken at event #{seq}: {actual}");
        r.expected = Some(expected);
        r.actual = Some(actual);
        r.frames = vec![seq];
    }
    Some(r)
}

fn jsonrpc_version(v: &View) -> Finding {
    let mut f = Finding::new();
    for m in &v.received {
        let got = m.value.get("jsonrpc");
        f.judge(
            m.seq,
            got == Some(&Value::from("2.0")),
            || "\"jsonrpc\": \"2.0\"".into(),
            || format!("jsonrpc: {}", describe(got)),
        );
    }
    f
}

fn utf8(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, frame) in &v.frames {
        f.judge(
            *seq,
            frame.is_utf8(),
            || "UTF-8 text".into(),
            || format!("invalid UTF-8 in {}", frame.text()),
        );
    }
    f
}

fn only_messages(v: &View) -> Finding {
    let mut f = Finding::new();
    for (seq, frame) in &v.frames {
        let ok = match frame.kind() {
            MessageKind::NotJson | MessageKind::Invalid => false,
            MessageKind::Batch(items) => items.iter().all(|i| {
                !matches!(
                    MessageKind::of(i),
                    MessageKind::Invalid | MessageKind::Batch(_)
                )
            }),
            _ => true,
        };
        f.judge(
            *seq,
            ok,
            || "one JSON-RPC message per line".into(),
            || format!("stdout line {:?}", truncate(&frame.text())),
        );
    }
    f
}

/// Every id the harness sent, in any frame: an invalid request still has a readable id, and its
/// error response must carry it.
fn response_ids(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, id) in v.responses().filter(|(_, id)| !id.is_null()) {
        let known = v.sent.iter().any(|sent| {
            sent.seq < m.seq && sent.value.get("id").is_some_and(|sid| same_id(sid, id))
        });
        f.judge(
            m.seq,
            known,
            || "the id of a request the harness sent".into(),
            || format!("response with id {}", compact(id)),
        );
    }
    f
}

fn one_response(v: &View) -> Finding {
    let mut f = Finding::new();
    let responses: Vec<_> = v.responses().filter(|(_, id)| !id.is_null()).collect();
    for (i, (m, id)) in responses.iter().enumerate() {
        let earlier = responses[..i].iter().any(|(_, other)| same_id(other, id));
        f.judge(
            m.seq,
            !earlier,
            || "one response per request".into(),
            || format!("a second response with id {}", compact(id)),
        );
    }
    f
}

fn result_xor_error(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, _) in v.responses() {
        let both = m.value.get("result").is_some() && m.value.get("error").is_some();
        f.judge(
            m.seq,
            !both,
            || "either result or error".into(),
            || format!("both in {}", truncate(&compact(m.value))),
        );
    }
    f
}

fn error_object(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, _) in v.responses() {
        if let Some(error) = m.value.get("error") {
            let ok = error.get("code").is_some_and(|c| c.is_i64())
                && error.get("message").is_some_and(Value::is_string);
            f.judge(
                m.seq,
                ok,
                || "error {code: integer, message: string}".into(),
                || format!("error {}", truncate(&compact(error))),
            );
        }
    }
    f
}

/// A response with a null or missing id is acceptable only as an error for a frame whose id the
/// server could not read; any other one answers a notification.
fn no_response_to_notification(v: &View) -> Finding {
    let mut f = Finding::new();
    let notifications: Vec<u64> = v
        .sent
        .iter()
        .filter(|m| matches!(m.kind, MessageKind::Notification { .. }))
        .map(|m| m.seq)
        .collect();
    if notifications.is_empty() {
        return f;
    }
    let mut excused = 0;
    for (m, id) in v.responses() {
        if !id.is_null() {
            continue;
        }
        let unreadable_before = v.unreadable_sent.iter().filter(|s| **s < m.seq).count();
        let ok = m.value.get("error").is_some() && excused < unreadable_before;
        if ok {
            excused += 1;
        }
        f.judge(
            m.seq,
            ok,
            || "no response to a notification".into(),
            || {
                format!(
                    "an id-less response {} after a notification",
                    truncate(&compact(m.value))
                )
            },
        );
    }
    // Every notification sent is judged: the rule held for it unless a stray response appeared.
    f.judged += notifications.len();
    f
}

fn notification_without_id(v: &View) -> Finding {
    let mut f = Finding::new();
    for m in &v.received {
        if let Some(method) = m.kind.method().filter(|m| m.starts_with("notifications/")) {
            let has_id = m.value.get("id").is_some();
            f.judge(
                m.seq,
                !has_id,
                || format!("{method} without an id"),
                || format!("{method} with id {}", describe(m.value.get("id"))),
            );
        }
    }
    f
}

fn server_request_id(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut seen: Vec<&Value> = Vec::new();
    for (m, id, method) in v.server_requests() {
        let ok =
            (id.is_string() || id.is_i64() || id.is_u64()) && !seen.iter().any(|s| same_id(s, id));
        seen.push(id);
        f.judge(
            m.seq,
            ok,
            || "a string or integer id not used before".into(),
            || format!("{method} with id {}", compact(id)),
        );
    }
    f
}

fn message_shape(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, id) in v.responses() {
        let Some(result) = m.value.get("result") else {
            continue;
        };
        let method = v
            .client_requests()
            .find(|(_, sid, _)| same_id(sid, id))
            .map(|(request, _, method)| {
                shapes::result_key(method, request.value.get("params"), result)
            });
        if let Some(method) = method.filter(|m| shapes::knows(m)) {
            let problems = shapes::violations(method, result);
            f.judge(
                m.seq,
                problems.is_empty(),
                || format!("a {method} result as the schema defines it"),
                || format!("{method} result: {}", problems.join("; ")),
            );
        }
    }
    for m in &v.received {
        if let (MessageKind::Notification { method }, Some(params)) =
            (&m.kind, m.value.get("params"))
        {
            if shapes::knows(method) {
                let problems = shapes::violations(method, params);
                f.judge(
                    m.seq,
                    problems.is_empty(),
                    || format!("{method} params as the schema defines them"),
                    || format!("{method} params: {}", problems.join("; ")),
                );
            }
        }
    }
    f
}

fn features_declared(v: &View) -> Finding {
    let mut f = Finding::new();
    let (Some(caps), Some(revision)) = (v.server_caps, v.revision) else {
        return f;
    };
    for (m, id) in v.responses() {
        if m.value.get("result").is_none() {
            continue;
        }
        let method = v
            .client_requests()
            .find(|(_, sid, _)| same_id(sid, id))
            .map(|(_, _, method)| method);
        if let Some(cap) = method.and_then(|m| revision.capability_for(m)) {
            let method = method.unwrap_or_default();
            f.judge(
                m.seq,
                caps.get(cap).is_some(),
                || format!("capabilities.{cap} declared, since {method} is served"),
                || {
                    format!(
                        "{method} answered with a result, but capabilities has no {cap}: {}",
                        compact(caps)
                    )
                },
            );
        }
    }
    for m in v.notifications("notifications/message") {
        f.judge(
            m.seq,
            caps.get("logging").is_some(),
            || "capabilities.logging declared, since log messages are sent".into(),
            || {
                format!(
                    "notifications/message sent, but capabilities has no logging: {}",
                    compact(caps)
                )
            },
        );
    }
    f
}

fn client_capabilities_respected(v: &View) -> Finding {
    let mut f = Finding::new();
    for (m, _, method) in v.server_requests() {
        let needed = match method {
            "roots/list" => "roots",
            "sampling/createMessage" => "sampling",
            "elicitation/create" => "elicitation",
            _ => continue,
        };
        let declared = v.client_caps.is_some_and(|c| c.get(needed).is_some());
        f.judge(
            m.seq,
            declared,
            || format!("no {method} unless the client declared {needed}"),
            || format!("{method} sent, but the client declared no {needed} capability"),
        );
    }
    f
}

/// Progress tokens the client gave, with the seq of the request and of its response (if any).
fn progress_tokens<'a>(v: &'a View) -> Vec<(&'a Value, u64, Option<u64>)> {
    v.client_requests()
        .filter_map(|(m, id, _)| {
            let token = m.value.pointer("/params/_meta/progressToken")?;
            Some((token, m.seq, v.response_to(id).map(|r| r.seq)))
        })
        .collect()
}

fn progress_token_known(v: &View) -> Finding {
    let mut f = Finding::new();
    let tokens = progress_tokens(v);
    for m in v.notifications("notifications/progress") {
        let token = m.value.pointer("/params/progressToken");
        let known = token.is_some_and(|t| {
            tokens
                .iter()
                .any(|(k, sent, _)| same_id(k, t) && *sent < m.seq)
        });
        f.judge(
            m.seq,
            known,
            || "a progressToken from one of the harness's requests".into(),
            || format!("progress for token {}", describe(token)),
        );
    }
    f
}

fn progress_increasing(v: &View) -> Finding {
    let mut f = Finding::new();
    let tokens = progress_tokens(v);
    for (token, _, _) in tokens {
        let values: Vec<(u64, Option<f64>)> = v
            .notifications("notifications/progress")
            .filter(|m| {
                m.value
                    .pointer("/params/progressToken")
                    .is_some_and(|t| same_id(t, token))
            })
            .map(|m| {
                (
                    m.seq,
                    m.value.pointer("/params/progress").and_then(Value::as_f64),
                )
            })
            .collect();
        for pair in values.windows(2) {
            let (seq, now) = pair[1];
            let before = pair[0].1;
            let ok = matches!((before, now), (Some(a), Some(b)) if b > a);
            f.judge(
                seq,
                ok,
                || {
                    format!(
                        "progress above {}",
                        before.map_or("?".into(), |b| b.to_string())
                    )
                },
                || {
                    format!(
                        "progress {} for token {}",
                        now.map_or("?".into(), |n| n.to_string()),
                        compact(token)
                    )
                },
            );
        }
    }
    f
}

fn progress_none_after_response(v: &View) -> Finding {
    let mut f = Finding::new();
    let tokens = progress_tokens(v);
    let task_ends = tasks::terminal_at(v);
    for m in v.notifications("notifications/progress") {
        let Some(token) = m.value.pointer("/params/progressToken") else {
            continue;
        };
        if let Some((_, _, response)) = tokens
            .iter()
            .find(|(k, sent, _)| same_id(k, token) && *sent < m.seq)
        {
            // A task-augmented request's progress goes on until the task is terminal.
            let end = response.map(|r| {
                let task = v
                    .received
                    .iter()
                    .find(|msg| msg.seq == r)
                    .and_then(tasks::created_task);
                match task {
                    Some(task_id) => task_ends.get(task_id).copied().unwrap_or(u64::MAX),
                    None => r,
                }
            });
            let ok = end.is_none_or(|end| m.seq < end);
            f.judge(
                m.seq,
                ok,
                || "progress only before the final response".into(),
                || {
                    format!(
                        "progress for {} after the response (event #{})",
                        compact(token),
                        response.unwrap_or_default()
                    )
                },
            );
        }
    }
    f
}

/// The response note of each request note, for HTTP exchanges the harness made (exchange
/// numbers are per connection).
fn http_pairs<'a>(v: &View<'a>) -> Vec<(u64, &'a Note, &'a Note)> {
    let mut pairs = Vec::new();
    for (_, conn, request) in &v.notes {
        let Note::HttpRequest { exchange, .. } = request else {
            continue;
        };
        let response = v.notes.iter().find(|(_, c, n)| {
            c == conn && matches!(n, Note::HttpResponse { exchange: e, .. } if e == exchange)
        });
        if let Some((seq, _, response)) = response {
            pairs.push((*seq, *request, *response));
        }
    }
    pairs
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A POST of a streamable HTTP session, as its answer saw it.
struct Post<'a> {
    seq: u64,
    carries: &'a str,
    status: u16,
    headers: &'a [(String, String)],
}

/// The answered POSTs of a streamable HTTP session (none on other transports).
fn posts<'a>(v: &View<'a>) -> Vec<Post<'a>> {
    if v.transport != Some(Kind::StreamableHttp) {
        return Vec::new();
    }
    http_pairs(v)
        .into_iter()
        .filter_map(|(seq, request, response)| match (request, response) {
            (
                Note::HttpRequest {
                    method,
                    carries: Some(carries),
                    ..
                },
                Note::HttpResponse {
                    status, headers, ..
                },
            ) if method == "POST" => Some(Post {
                seq,
                carries,
                status: *status,
                headers,
            }),
            _ => None,
        })
        .collect()
}

fn http_notification_accepted(v: &View) -> Finding {
    let mut f = Finding::new();
    for post in posts(v) {
        if post.carries == "notification" || post.carries == "response" {
            f.judge(
                post.seq,
                post.status == 202,
                || "202 Accepted".into(),
                || format!("{} for a POSTed {}", post.status, post.carries),
            );
        }
    }
    f
}

fn http_response_content_type(v: &View) -> Finding {
    let mut f = Finding::new();
    for post in posts(v) {
        if post.carries == "request" && (200..300).contains(&post.status) {
            let ct = header(post.headers, "content-type").unwrap_or("none");
            let ok = ct.starts_with("application/json") || ct.starts_with("text/event-stream");
            f.judge(
                post.seq,
                ok,
                || "Content-Type application/json or text/event-stream".into(),
                || format!("Content-Type {ct}"),
            );
        }
    }
    f
}

/// Ids on streams the harness resumed (opened with Last-Event-ID) repeat by design; ids on
/// every other stream of one connection's session must be unique.
fn http_sse_event_ids_unique(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.transport != Some(Kind::StreamableHttp) {
        return f;
    }
    let resumed: Vec<(usize, u32)> = v
        .notes
        .iter()
        .filter_map(|(_, conn, n)| match n {
            Note::HttpRequest {
                exchange, headers, ..
            } if header(headers, "last-event-id").is_some() => Some((*conn, *exchange)),
            _ => None,
        })
        .collect();
    let mut seen: Vec<(usize, &str, u32)> = Vec::new();
    for (seq, conn, note) in &v.notes {
        let Note::Sse {
            exchange,
            id: Some(id),
            ..
        } = note
        else {
            continue;
        };
        if resumed.contains(&(*conn, *exchange)) {
            continue;
        }
        let clash = seen
            .iter()
            .find(|(c, other, _)| c == conn && *other == id.as_str())
            .map(|(_, _, e)| *e);
        f.judge(
            *seq,
            clash.is_none(),
            || "an event id not used before in the session".into(),
            || {
                format!(
                    "event id {id:?} on stream #{exchange} was already used on stream #{}",
                    clash.unwrap_or_default()
                )
            },
        );
        seen.push((*conn, id, *exchange));
    }
    f
}

fn sse_endpoint_first(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.transport != Some(Kind::Sse) {
        return f;
    }
    // The first event of each connection's stream.
    let mut judged: Vec<usize> = Vec::new();
    for (seq, conn, note) in &v.notes {
        let Note::Sse { event, .. } = note else {
            continue;
        };
        if judged.contains(conn) {
            continue;
        }
        judged.push(*conn);
        f.judge(
            *seq,
            event.as_deref() == Some("endpoint"),
            || "an endpoint event first".into(),
            || format!("first event: {}", event.as_deref().unwrap_or("message")),
        );
    }
    f
}

fn ws_subprotocol(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.transport != Some(Kind::Ws) {
        return f;
    }
    for (seq, request, response) in http_pairs(v) {
        if let (
            Note::HttpRequest {
                headers: offered, ..
            },
            Note::HttpResponse { headers, .. },
        ) = (request, response)
        {
            if header(offered, "sec-websocket-protocol")
                .is_some_and(|p| p.split(',').any(|p| p.trim() == "mcp"))
            {
                let chosen = header(headers, "sec-websocket-protocol");
                f.judge(
                    seq,
                    chosen == Some("mcp"),
                    || "Sec-WebSocket-Protocol: mcp".into(),
                    || format!("Sec-WebSocket-Protocol: {}", chosen.unwrap_or("none")),
                );
            }
        }
    }
    f
}

fn truncate(s: &str) -> String {
    describe(Some(&Value::String(s.to_string())))
}
