//! Response bodies built from the server's outputs: JSON bodies and SSE events, fed through a
//! channel so that a response can stay open for outputs that come later, with `: keepalive`
//! comments on idle SSE streams. Repeated bytes are expanded piece by piece, never all at once.

use super::gate::EVENT_STREAM;
use crate::reference::Output;
use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::mpsc;

/// A piece of a response body.
#[derive(Debug, Clone)]
pub(super) enum Chunk {
    Bytes(Bytes),
    /// `count` copies of `byte`, expanded only as the body is written.
    Repeat {
        byte: u8,
        count: usize,
    },
}

/// The sending end of a streamed body.
pub(super) type Feed = mpsc::UnboundedSender<Chunk>;
pub(super) type Drain = mpsc::UnboundedReceiver<Chunk>;

/// How long an SSE stream stays silent before it sends a keep-alive comment.
pub(super) const KEEPALIVE_EVERY: Duration = Duration::from_secs(15);
pub(super) const KEEPALIVE: &[u8] = b": keepalive\n\n";
/// The most bytes of a [`Chunk::Repeat`] held at once.
const PIECE: usize = 64 * 1024;

pub(super) fn channel() -> (Feed, Drain) {
    mpsc::unbounded_channel()
}

impl Chunk {
    pub(super) fn text(text: impl Into<String>) -> Chunk {
        Chunk::Bytes(Bytes::from(text.into()))
    }
}

/// The body of a JSON answer: what `drain` receives, until every feed is gone.
pub(super) fn json(drain: Drain) -> Body {
    Body::from_stream(pieces(drain, None))
}

/// The body of an SSE stream: what `drain` receives, with a keep-alive comment after every
/// [`KEEPALIVE_EVERY`] of silence, until every feed is gone.
pub(super) fn sse(drain: Drain) -> Body {
    Body::from_stream(pieces(drain, Some(KEEPALIVE_EVERY)))
}

/// A `text/event-stream` response.
pub(super) fn sse_response(body: Body) -> Response {
    let headers = [(CONTENT_TYPE, EVENT_STREAM), (CACHE_CONTROL, "no-cache")];
    (headers, body).into_response()
}

/// The bytes of what `drain` receives, in pieces of at most [`PIECE`] bytes for repeats.
pub(super) fn pieces(
    drain: Drain,
    keepalive: Option<Duration>,
) -> impl Stream<Item = Result<Bytes, Infallible>> + Send {
    let state = (drain, None::<(u8, usize)>);
    stream::unfold(state, move |(mut drain, rest)| async move {
        let (byte, count) = match rest {
            Some(rest) => rest,
            None => {
                let received = match keepalive {
                    Some(period) => match tokio::time::timeout(period, drain.recv()).await {
                        Ok(received) => received,
                        Err(_) => {
                            return Some((Ok(Bytes::from_static(KEEPALIVE)), (drain, None)));
                        }
                    },
                    None => drain.recv().await,
                };
                match received? {
                    Chunk::Bytes(bytes) => return Some((Ok(bytes), (drain, None))),
                    Chunk::Repeat { byte, count } => (byte, count),
                }
            }
        };
        let n = count.min(PIECE);
        let rest = (count > n).then_some((byte, count - n));
        Some((Ok(Bytes::from(vec![byte; n])), (drain, rest)))
    })
}

/// What one output adds to a JSON body: a message as compact JSON, bytes as they are.
pub(super) fn json_chunk(output: Output) -> Option<Chunk> {
    match output {
        Output::Message(message) => Some(Chunk::Bytes(Bytes::from(
            serde_json::to_vec(&message).expect("a JSON value always serialises"),
        ))),
        Output::Raw(bytes) => Some(Chunk::Bytes(Bytes::from(bytes))),
        Output::Repeat { byte, count } => Some(Chunk::Repeat { byte, count }),
        Output::Exit(_) => None,
    }
}

/// The data of the SSE events that carry one output: a message's JSON; each non-empty line of
/// raw bytes (as on stdio, one message per line); repeated bytes as one event.
pub(super) fn event_data(output: Output) -> Vec<Chunk> {
    match output {
        Output::Raw(bytes) => bytes
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| Chunk::Bytes(Bytes::copy_from_slice(line)))
            .collect(),
        other => json_chunk(other).into_iter().collect(),
    }
}

/// One SSE event: its `id` and `event` fields if given, one `data` field, and the blank line.
pub(super) fn event(id: Option<u64>, kind: Option<&str>, data: Chunk) -> [Chunk; 3] {
    let mut head = String::new();
    if let Some(id) = id {
        head.push_str(&format!("id: {id}\n"));
    }
    if let Some(kind) = kind {
        head.push_str(&format!("event: {kind}\n"));
    }
    head.push_str("data: ");
    [
        Chunk::text(head),
        data,
        Chunk::Bytes(Bytes::from_static(b"\n\n")),
    ]
}

/// The event that starts a stream so that it can be resumed from there: an id, empty data.
pub(super) fn priming(id: u64) -> Chunk {
    Chunk::text(format!("id: {id}\ndata:\n\n"))
}

/// Sends the chunks in order; false if the body is gone.
pub(super) fn send(feed: &Feed, chunks: impl IntoIterator<Item = Chunk>) -> bool {
    chunks.into_iter().all(|chunk| feed.send(chunk).is_ok())
}
