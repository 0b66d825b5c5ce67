//! Streamable HTTP rules judged over a session's transport notes (2025-03-26 … 2025-11-25):
//! each server message travels on one stream only (§Multiple Connections), and session ids are
//! visible ASCII (§Session Management).
//!
//! Which stream carried a message: the transport records an SSE event's note and the message
//! it carries back to back, so a frame right after an SSE message note came on that note's
//! stream; any other frame came in a JSON answer. A stream resumed with Last-Event-ID is the
//! stream whose event it names, whatever exchange resumed it.

use super::{header, Finding, Rule, View};
use crate::protocol::frame::same_id;
use crate::protocol::{MessageKind, Revision};
use crate::transport::{Kind, Note};
use serde_json::Value;
use std::collections::HashMap;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("http/one-stream-per-message", one_stream_per_message),
    ("http/session-id-visible-ascii", session_id_visible_ascii),
];

/// A stream of one connection: the exchange that opened it.
pub(super) type Stream = (usize, u32);

fn applies(v: &View) -> bool {
    v.transport == Some(Kind::StreamableHttp)
        && v.revision.is_none_or(|r| r >= Revision::V2025_03_26)
}

fn one_stream_per_message(v: &View) -> Finding {
    let mut f = Finding::new();
    if !applies(v) {
        return f;
    }
    let streams = streams_of_frames(v);
    // Each server request and each response seen so far: its connection, whether it is a
    // request, its id, its stream (None: a JSON answer), the event it came in.
    let mut seen: Vec<(usize, bool, &Value, Option<Stream>, u64)> = Vec::new();
    for m in &v.received {
        let (is_request, id) = match m.kind {
            MessageKind::Request { id, method } if !method.starts_with("notifications/") => {
                (true, id)
            }
            MessageKind::Response { id } if !id.is_null() => (false, id),
            _ => continue,
        };
        let stream = streams.get(&m.seq).copied();
        let conn = connection_of(v, m.seq);
        let clash = seen.iter().find(|(c, request, other, s, _)| {
            *c == conn && *request == is_request && same_id(other, id) && *s != stream
        });
        let kind = if is_request { "request" } else { "response" };
        f.judge(
            m.seq,
            clash.is_none(),
            || "each message on one stream only".into(),
            || {
                let (_, _, _, earlier, at) = clash.copied().unwrap_or((0, false, id, None, 0));
                format!(
                    "{kind} with id {id} on {}, already received on {} (event #{at})",
                    stream_name(stream),
                    stream_name(earlier)
                )
            },
        );
        seen.push((conn, is_request, id, stream, m.seq));
    }
    f
}

fn stream_name(stream: Option<Stream>) -> String {
    match stream {
        Some((_, exchange)) => format!("the SSE stream of exchange #{exchange}"),
        None => "a JSON answer".into(),
    }
}

/// The connection (count of `spawned` events) an event belongs to: that of the last note before it.
fn connection_of(v: &View, seq: u64) -> usize {
    v.notes
        .iter()
        .take_while(|(s, _, _)| *s < seq)
        .last()
        .map_or(0, |(_, conn, _)| *conn)
}

/// The stream of every frame that came in an SSE event, by the frame's event number.
pub(super) fn streams_of_frames(v: &View) -> HashMap<u64, Stream> {
    let mut roots: HashMap<Stream, u32> = HashMap::new();
    let mut event_streams: HashMap<(usize, &str), u32> = HashMap::new();
    // The stream of an SSE message note just seen, until the next event shows its frame.
    let mut pending: Option<Stream> = None;
    let mut streams = HashMap::new();
    let mut frames = v.frames.iter().map(|(seq, _)| *seq).peekable();
    for (seq, conn, note) in &v.notes {
        // The frames before this note; only the first can be the pending event's message.
        while let Some(frame) = frames.next_if(|frame| frame < seq) {
            if let Some(stream) = pending.take() {
                streams.insert(frame, stream);
            }
        }
        pending = None;
        match note {
            Note::HttpRequest {
                exchange, headers, ..
            } => {
                let resumed = header(headers, "last-event-id")
                    .and_then(|id| event_streams.get(&(*conn, id)).copied());
                roots.insert((*conn, *exchange), resumed.unwrap_or(*exchange));
            }
            Note::Sse {
                exchange,
                id,
                event,
                data_bytes,
                ..
            } => {
                let root = *roots.get(&(*conn, *exchange)).unwrap_or(exchange);
                if let Some(id) = id {
                    event_streams.insert((*conn, id.as_str()), root);
                }
                let carries = *data_bytes > 0 && matches!(event.as_deref(), None | Some("message"));
                if carries {
                    pending = Some((*conn, root));
                }
            }
            _ => {}
        }
    }
    if let (Some(stream), Some(frame)) = (pending, frames.next()) {
        streams.insert(frame, stream);
    }
    streams
}

fn session_id_visible_ascii(v: &View) -> Finding {
    let mut f = Finding::new();
    if !applies(v) {
        return f;
    }
    for (seq, _, note) in &v.notes {
        let Note::HttpResponse { headers, .. } = note else {
            continue;
        };
        if let Some(id) = header(headers, "mcp-session-id") {
            let visible = !id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b));
            f.judge(
                *seq,
                visible,
                || "an Mcp-Session-Id of visible ASCII characters (0x21 to 0x7E)".into(),
                || format!("Mcp-Session-Id {id:?}"),
            );
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Frame;
    use crate::trace::{Event, EventKind};
    use serde_json::json;

    fn request(exchange: u32, last_event_id: Option<&str>) -> EventKind {
        let headers = last_event_id
            .map(|id| vec![("last-event-id".to_string(), id.to_string())])
            .unwrap_or_default();
        EventKind::Transport(Note::HttpRequest {
            exchange,
            method: "GET".into(),
            path: "/mcp".into(),
            carries: None,
            request_id: None,
            headers,
        })
    }

    fn event(exchange: u32, id: &str) -> EventKind {
        EventKind::Transport(Note::Sse {
            exchange,
            id: Some(id.into()),
            event: Some("message".into()),
            retry: None,
            data_bytes: 40,
        })
    }

    fn roots_request() -> EventKind {
        let message = json!({"jsonrpc": "2.0", "id": "r1", "method": "roots/list"});
        EventKind::Received {
            frame: Frame::from_value(message),
        }
    }

    fn judged(kinds: Vec<EventKind>) -> Finding {
        let mut events = vec![Event {
            seq: 0,
            ms: 0.0,
            kind: EventKind::Spawned {
                command: "test".into(),
                transport: Kind::StreamableHttp,
                pid: None,
            },
        }];
        for kind in kinds {
            let seq = events.len() as u64;
            events.push(Event { seq, ms: 0.0, kind });
        }
        one_stream_per_message(&View::new(&events))
    }

    #[test]
    fn a_message_on_two_streams_is_a_broadcast() {
        let f = judged(vec![
            request(1, None),
            request(2, None),
            event(1, "1"),
            roots_request(),
            event(2, "2"),
            roots_request(),
        ]);
        assert_eq!(f.judged, 2);
        assert_eq!(f.violation.map(|(seq, ..)| seq), Some(6));
    }

    #[test]
    fn a_json_answer_and_an_sse_stream_are_two_streams() {
        let f = judged(vec![
            request(1, None),
            roots_request(),
            event(1, "1"),
            roots_request(),
        ]);
        assert!(f.violation.is_some());
    }

    #[test]
    fn a_replay_on_the_resumed_stream_is_the_same_stream() {
        let f = judged(vec![
            request(1, None),
            event(1, "1"),
            roots_request(),
            request(2, Some("1")),
            request(3, Some("1")),
            event(3, "1"),
            roots_request(),
        ]);
        assert_eq!(f.judged, 2);
        assert!(f.violation.is_none());
    }
}
