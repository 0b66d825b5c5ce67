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
type Stream = (usize, u32);

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
fn streams_of_frames(v: &View) -> HashMap<u64, Stream> {
    let mut roots: HashMap<Stream, u32> = HashMap::new();
    let mut event_streams: HashMap<(usize, &str), u32> = HashMap::new();
    let mut pending: Option<(u64, Stream)> = None;
    let mut streams = HashMap::new();
    let mut frames = v.frames.iter().map(|(seq, _)| *seq).peekable();
    for (seq, conn, note) in &v.notes {
        while let Some(frame) = frames.next_if(|frame| frame < seq) {
            if let Some((_, stream)) = pending.take().filter(|(at, _)| *at < frame) {
                streams.insert(frame, stream);
            }
        }
        pending = None;
        match note {
            Note::HttpRequest {
                exchange, headers, ..
            } => {
                let resumed = header(headers, "last-event-id")
                    .and_then(|id| event_streams.get(&(*conn, id)))
                    .map(|origin| *roots.get(&(*conn, *origin)).unwrap_or(origin));
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
                    pending = Some((*seq, (*conn, root)));
                }
            }
            _ => {}
        }
    }
    if let (Some((at, stream)), Some(frame)) = (pending, frames.next()) {
        if at < frame {
            streams.insert(frame, stream);
        }
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
