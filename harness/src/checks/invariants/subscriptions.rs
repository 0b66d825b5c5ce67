//! Subscriptions (2026-07-28 `subscriptions/listen`) and what cancelling a request ends. A
//! message belongs to a subscription when its `_meta` names the listen request's id, or, on
//! streamable HTTP, when it came on the listen request's stream. The first message of a
//! subscription is its acknowledgement (SUB-02), which claims only what was asked for and the
//! server supports (SUB-03); every message on it names it (SUB-04), is of a type asked for
//! (SUB-01), and is neither progress nor a log message (SUB-06). After the client cancels a
//! 2026-07-28 request, nothing more comes for it (CANC-07, CANC-08).

use super::http::{streams_of_frames, Stream};
use super::{speaks_stateless, Finding, Msg, Rule, View};
use crate::protocol::frame::same_id;
use crate::protocol::stateless::{
    LISTEN, LISTEN_FILTERS, SUBSCRIPTIONS_ACKNOWLEDGED, SUBSCRIPTION_ID,
};
use crate::protocol::{MessageKind, Revision};
use crate::transport::{Kind, Note};
use serde_json::Value;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("subscriptions/acknowledged", acknowledged_first),
    ("subscriptions/ack-honoured-subset", ack_subset),
    ("subscriptions/only-requested", only_requested),
    ("subscriptions/id-on-notifications", id_on_notifications),
    ("subscriptions/no-progress-or-log", no_progress_or_log),
    ("cancellation/nothing-after-cancel", nothing_after_cancel),
    (
        "http/stream-carries-its-request",
        stream_carries_its_request,
    ),
];

/// The notifications a subscription carries by type (stdio has no stream to tell them by).
const SUBSCRIPTION_METHODS: &[&str] = &[
    SUBSCRIPTIONS_ACKNOWLEDGED,
    "notifications/tools/list_changed",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
    "notifications/resources/updated",
    "notifications/tasks",
];

/// A `subscriptions/listen` the client sent: its id, what it asked for, and its stream.
struct Listen<'a> {
    id: &'a Value,
    requested: &'a Value,
    stream: Option<Stream>,
}

fn listens<'a>(v: &View<'a>) -> Vec<Listen<'a>> {
    v.client_requests()
        .filter(|(_, _, method)| *method == LISTEN)
        .map(|(m, id, _)| Listen {
            id,
            requested: m
                .value
                .pointer("/params/notifications")
                .unwrap_or(&Value::Null),
            stream: stream_of_request(v, id),
        })
        .collect()
}

/// The SSE stream answering the POST that carried request `id`, on streamable HTTP.
fn stream_of_request(v: &View, id: &Value) -> Option<Stream> {
    v.notes.iter().rev().find_map(|(_, conn, note)| match note {
        Note::HttpRequest {
            exchange,
            request_id: Some(request_id),
            ..
        } if same_id(request_id, id) => Some((*conn, *exchange)),
        _ => None,
    })
}

/// The subscription id a message names in its `_meta`.
fn named_subscription<'a>(m: &Msg<'a>) -> Option<&'a Value> {
    m.value.pointer(&format!(
        "/params/_meta/{}",
        SUBSCRIPTION_ID.replace('/', "~1")
    ))
}

/// Each server notification with the subscription it belongs to, if any: the one it names, else
/// the one whose stream carried it.
fn attributed<'v, 'a>(
    v: &'v View<'a>,
    listens: &'v [Listen<'a>],
) -> Vec<(&'v Msg<'a>, Option<&'v Listen<'a>>)> {
    let streams = streams_of_frames(v);
    (v.received.iter())
        .filter(|m| matches!(m.kind, MessageKind::Notification { .. }))
        .map(|m| {
            let named =
                named_subscription(m).and_then(|id| listens.iter().find(|l| same_id(l.id, id)));
            let on_stream = streams
                .get(&m.seq)
                .and_then(|s| listens.iter().find(|l| l.stream == Some(*s)));
            (m, named.or(on_stream))
        })
        .collect()
}

/// The first message of each subscription is its acknowledgement (SUB-02).
fn acknowledged_first(v: &View) -> Finding {
    let mut f = Finding::new();
    let listens = listens(v);
    let attributed = attributed(v, &listens);
    for listen in &listens {
        let first = (attributed.iter()).find(|(_, l)| l.is_some_and(|l| same_id(l.id, listen.id)));
        let Some((m, _)) = first else { continue };
        let method = m.kind.method().unwrap_or_default();
        f.judge(
            m.seq,
            method == SUBSCRIPTIONS_ACKNOWLEDGED,
            || {
                format!(
                    "{SUBSCRIPTIONS_ACKNOWLEDGED} first on subscription {}",
                    listen.id
                )
            },
            || format!("{method} before any acknowledgement"),
        );
    }
    f
}

/// An acknowledgement claims only what its listen asked for, and list changes only of lists
/// the server said change, resource updates only where it said resources can be subscribed
/// to (SUB-03).
fn ack_subset(v: &View) -> Finding {
    let mut f = Finding::new();
    let listens = listens(v);
    for (m, listen) in attributed(v, &listens) {
        let Some(listen) = listen else { continue };
        if m.kind.method() != Some(SUBSCRIPTIONS_ACKNOWLEDGED) {
            continue;
        }
        let honoured = m.value.pointer("/params/notifications");
        let overclaim = match honoured {
            Some(Value::Object(honoured)) => honoured
                .iter()
                .find(|(field, value)| !claim_allowed(v, listen.requested, field, value))
                .map(|(field, value)| format!("{field}: {value}")),
            _ => Some("no notifications object".into()),
        };
        f.judge(
            m.seq,
            overclaim.is_none(),
            || "an acknowledgement claiming a subset of what was asked for and is supported".into(),
            || match &overclaim {
                Some(claim) => format!("it claims {claim}; asked for {}", listen.requested),
                None => String::new(),
            },
        );
    }
    f
}

/// Whether an acknowledgement may claim `field: value` for a listen that asked for `requested`.
fn claim_allowed(v: &View, requested: &Value, field: &str, value: &Value) -> bool {
    let declared = |path: &str| {
        v.server_caps
            .is_none_or(|caps| caps.pointer(path).is_some_and(|d| d == true))
    };
    match field {
        "taskIds" => {
            let asked = requested.get(field).and_then(Value::as_array);
            (value.as_array()).is_some_and(|claimed| {
                claimed
                    .iter()
                    .all(|id| asked.is_some_and(|a| a.contains(id)))
            })
        }
        "resourceSubscriptions" => {
            let asked = requested.get(field).and_then(Value::as_array);
            let claimed = value.as_array();
            let subset = claimed.is_some_and(|claimed| {
                claimed
                    .iter()
                    .all(|uri| asked.is_some_and(|a| a.contains(uri)))
            });
            subset && (claimed.is_some_and(Vec::is_empty) || declared("/resources/subscribe"))
        }
        _ => match field.strip_suffix("ListChanged") {
            Some(feature) => {
                *value == false
                    || (*value == true
                        && requested.get(field) == Some(&Value::Bool(true))
                        && declared(&format!("/{feature}/listChanged")))
            }
            // A field the filter does not define: only as the listen asked for it.
            None => requested.get(field) == Some(value),
        },
    }
}

/// A subscription carries only the notification types its listen asked for; a list change or
/// resource update that no subscription asked for is not sent in the era at all (SUB-01).
fn only_requested(v: &View) -> Finding {
    let mut f = Finding::new();
    let listens = listens(v);
    if listens.is_empty() && !v.revision.is_some_and(Revision::is_stateless) {
        return f;
    }
    for (m, listen) in attributed(v, &listens) {
        let method = m.kind.method().unwrap_or_default();
        if method == SUBSCRIPTIONS_ACKNOWLEDGED || !SUBSCRIPTION_METHODS.contains(&method) {
            continue;
        }
        // A change naming no subscription while one is open is judged as a missing id.
        if listen.is_none() && !listens.is_empty() {
            continue;
        }
        let asked = listen.is_some_and(|l| asks_for(l.requested, m));
        f.judge(
            m.seq,
            asked,
            || "only the notification types the subscription asked for".into(),
            || match listen {
                Some(l) => format!(
                    "{method} on subscription {}, which asked for {}",
                    l.id, l.requested
                ),
                None => format!("{method} with no subscription asking for it"),
            },
        );
    }
    f
}

/// Whether a listen that asked for `requested` asked for the notification `m`.
fn asks_for(requested: &Value, m: &Msg) -> bool {
    let method = m.kind.method().unwrap_or_default();
    if method == "notifications/resources/updated" {
        let uri = m.value.pointer("/params/uri").and_then(Value::as_str);
        let uris = requested
            .get("resourceSubscriptions")
            .and_then(Value::as_array);
        // The updated resource may be a sub-resource of the one subscribed to.
        return (uri.zip(uris)).is_some_and(|(uri, uris)| {
            uris.iter()
                .filter_map(Value::as_str)
                .any(|s| uri.starts_with(s))
        });
    }
    if method == "notifications/tasks" {
        let task = m.value.pointer("/params/taskId");
        let tasks = requested.get("taskIds").and_then(Value::as_array);
        return (task.zip(tasks)).is_some_and(|(task, tasks)| tasks.contains(task));
    }
    (LISTEN_FILTERS.iter())
        .find(|(_, m)| *m == method)
        .is_some_and(|(field, _)| requested.get(*field) == Some(&Value::Bool(true)))
}

/// Every notification on a subscription names it in `_meta` (SUB-04): on stdio, the types a
/// subscription carries; on HTTP, whatever came on a listen's stream.
fn id_on_notifications(v: &View) -> Finding {
    let mut f = Finding::new();
    let listens = listens(v);
    if listens.is_empty() {
        return f;
    }
    let streams = streams_of_frames(v);
    let http = v.transport == Some(Kind::StreamableHttp);
    for m in v.received.iter() {
        if !matches!(m.kind, MessageKind::Notification { .. }) {
            continue;
        }
        let on_stream =
            (streams.get(&m.seq)).and_then(|s| listens.iter().find(|l| l.stream == Some(*s)));
        let method = m.kind.method().unwrap_or_default();
        let expected = match on_stream {
            Some(listen) => Some(listen.id),
            None if SUBSCRIPTION_METHODS.contains(&method) && !http => None,
            None => continue,
        };
        let named = named_subscription(m);
        let ok = match (expected, named) {
            (Some(expected), Some(named)) => same_id(expected, named),
            (None, Some(named)) => listens.iter().any(|l| same_id(l.id, named)),
            (_, None) => false,
        };
        f.judge(
            m.seq,
            ok,
            || match expected {
                Some(id) => format!("_meta[\"{SUBSCRIPTION_ID}\"] = {id}"),
                None => {
                    format!("_meta[\"{SUBSCRIPTION_ID}\"] naming a subscriptions/listen request")
                }
            },
            || match named {
                Some(named) => format!("{method} naming {named}"),
                None => format!("{method} naming no subscription"),
            },
        );
    }
    f
}

/// No progress and no log message on a subscription (SUB-06).
fn no_progress_or_log(v: &View) -> Finding {
    let mut f = Finding::new();
    let listens = listens(v);
    for (m, listen) in attributed(v, &listens) {
        let Some(listen) = listen else { continue };
        let method = m.kind.method().unwrap_or_default();
        let barred = matches!(method, "notifications/progress" | "notifications/message");
        f.judge(
            m.seq,
            !barred,
            || "neither notifications/progress nor notifications/message on a subscription".into(),
            || format!("{method} on subscription {}", listen.id),
        );
    }
    own_stream_progress(v, &mut f);
    f
}

/// Over streamable HTTP, the progress of a 2026-07-28 request travels on that request's own
/// stream, and nowhere else (PROG-07).
fn own_stream_progress(v: &View, f: &mut Finding) {
    if v.transport != Some(Kind::StreamableHttp) {
        return;
    }
    let streams = streams_of_frames(v);
    for m in v.notifications("notifications/progress") {
        let token = m.value.pointer("/params/progressToken");
        let request = v.stateless_requests().find(|(r, _, _)| {
            token.is_some() && r.value.pointer("/params/_meta/progressToken") == token
        });
        let Some((_, id, _)) = request else { continue };
        let own = stream_of_request(v, id);
        let came_on = streams.get(&m.seq).copied();
        f.judge(
            m.seq,
            own.is_some() && came_on == own,
            || format!("the progress of request {id} on the stream answering it"),
            || match came_on {
                Some((_, exchange)) => format!("on the stream of exchange #{exchange}"),
                None => "outside any request's stream".into(),
            },
        );
    }
}

/// A 2026-07-28 request the client cancelled gets nothing more once the server has answered a
/// request sent after the cancellation (which it handled after it): no response, no progress,
/// nothing on its subscription (CANC-07 on stdio, CANC-08 on HTTP, where closing its stream
/// cancels it).
fn nothing_after_cancel(v: &View) -> Finding {
    let mut f = Finding::new();
    for (cancel_seq, id) in cancels(v) {
        let Some((request, _, _)) = v.client_requests().find(|(_, rid, _)| same_id(rid, id)) else {
            continue;
        };
        if !speaks_stateless(request) {
            continue;
        }
        // The first answer to a request sent after the cancellation.
        let fence = (v.client_requests())
            .filter(|(m, _, _)| m.seq > cancel_seq)
            .filter_map(|(_, later, _)| v.response_to(later).map(|r| r.seq))
            .min();
        let Some(fence) = fence else { continue };
        let token = request.value.pointer("/params/_meta/progressToken");
        let late = v.received.iter().find(|m| {
            m.seq > fence
                && match m.kind {
                    MessageKind::Response { id: got } => same_id(got, id),
                    MessageKind::Notification { method } => {
                        named_subscription(m).is_some_and(|s| same_id(s, id))
                            || (method == "notifications/progress"
                                && token.is_some()
                                && m.value.pointer("/params/progressToken") == token)
                    }
                    _ => false,
                }
        });
        f.judge(
            late.map_or(fence, |m| m.seq),
            late.is_none(),
            || format!("nothing more for request {id} after it was cancelled"),
            || match late {
                Some(m) => format!(
                    "{} for it, after the answer to a later request",
                    m.kind.method().unwrap_or("a response")
                ),
                None => String::new(),
            },
        );
    }
    f
}

/// Each cancellation the client made: where, and of which request.
fn cancels<'a>(v: &View<'a>) -> Vec<(u64, &'a Value)> {
    let mut out: Vec<(u64, &Value)> = (v.sent.iter())
        .filter(|m| m.kind.method() == Some("notifications/cancelled"))
        .filter(|m| matches!(m.kind, MessageKind::Notification { .. }))
        .filter_map(|m| Some((m.seq, m.value.pointer("/params/requestId")?)))
        .collect();
    for (seq, conn, note) in &v.notes {
        let Note::StreamClosed { exchange } = note else {
            continue;
        };
        let request = v.notes.iter().find_map(|(_, c, n)| match n {
            Note::HttpRequest {
                exchange: e,
                request_id: Some(id),
                ..
            } if c == conn && e == exchange => Some(id),
            _ => None,
        });
        out.extend(request.map(|id| (*seq, id)));
    }
    out
}

/// Over streamable HTTP, the stream answering a 2026-07-28 request (other than a listen) carries
/// only what relates to that request: no request of the server's, no progress of another
/// request, none of what subscriptions carry (HTTP-37).
fn stream_carries_its_request(v: &View) -> Finding {
    let mut f = Finding::new();
    if v.transport != Some(Kind::StreamableHttp) {
        return f;
    }
    let streams = streams_of_frames(v);
    for (request, id, method) in v.stateless_requests() {
        if method == LISTEN {
            continue;
        }
        let Some(stream) = stream_of_request(v, id) else {
            continue;
        };
        let token = request.value.pointer("/params/_meta/progressToken");
        let on_it = (v.received.iter()).filter(|m| streams.get(&m.seq) == Some(&stream));
        for m in on_it {
            let unrelated = match m.kind {
                MessageKind::Notification {
                    method: "notifications/progress",
                } => token.is_none() || m.value.pointer("/params/progressToken") != token,
                MessageKind::Notification { method } => SUBSCRIPTION_METHODS.contains(&method),
                MessageKind::Request { .. } => true,
                _ => false,
            };
            f.judge(
                m.seq,
                !unrelated,
                || format!("only what relates to request {id} on the stream answering it"),
                || {
                    let what = m.kind.method().unwrap_or("a message");
                    format!("{what} on the stream answering {method} {id}")
                },
            );
        }
    }
    f
}
