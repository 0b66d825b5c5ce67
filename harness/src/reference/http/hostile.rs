//! The bodies of the hostile HTTP faults: a JSON body that stops halfway and stalls
//! (StallMidBody), an SSE stream with garbage before its events (InvalidSse), keep-alive
//! comments forever (EndlessStream), and a 100 MB initialize response (HugeBody).

use super::body::{self, Chunk, Drain};
use super::gate::JSON;
use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use std::convert::Infallible;
use std::time::Duration;

/// Lines that are no SSE field, and data that is not JSON, sent before an InvalidSse stream.
const GARBAGE: &[u8] = b"garbage line\ndata: not json\n\n";
/// How often an EndlessStream stream sends its keep-alive comment.
const ENDLESS_KEEPALIVE_EVERY: Duration = Duration::from_millis(250);
/// The length of the HugeBody initialize response's padding string.
const HUGE_PAD_BYTES: usize = 100 * 1024 * 1024;

/// A JSON body that declares its full length, sends the first half of what the drain holds
/// now, and then never sends anything more.
pub(super) fn stalled(mut drain: Drain) -> Response {
    let mut bytes = Vec::new();
    while let Ok(chunk) = drain.try_recv() {
        match chunk {
            Chunk::Bytes(piece) => bytes.extend_from_slice(&piece),
            Chunk::Repeat { byte, count } => bytes.resize(bytes.len() + count, byte),
        }
    }
    let length = bytes.len();
    bytes.truncate(length / 2);
    let half = stream::once(async move { Ok::<_, Infallible>(Bytes::from(bytes)) });
    let body = Body::from_stream(half.chain(stream::pending()));
    let headers = [
        (CONTENT_TYPE, JSON.to_string()),
        (CONTENT_LENGTH, length.to_string()),
    ];
    (headers, body).into_response()
}

/// An SSE body that starts with garbage, then carries what the drain receives.
pub(super) fn invalid_sse(drain: Drain) -> Body {
    let garbage = stream::once(async { Ok(Bytes::from_static(GARBAGE)) });
    Body::from_stream(garbage.chain(body::pieces(drain, Some(body::KEEPALIVE_EVERY))))
}

/// An SSE body of nothing but keep-alive comments, a few a second, forever.
pub(super) fn endless() -> Body {
    let comments = stream::unfold((), |()| async {
        tokio::time::sleep(ENDLESS_KEEPALIVE_EVERY).await;
        Some((Ok::<_, Infallible>(Bytes::from_static(body::KEEPALIVE)), ()))
    });
    Body::from_stream(comments)
}

/// The response to initialize request `id`: `{"jsonrpc":"2.0","id":…,"result":{"pad":"xx…"}}`
/// with a padding string of [`HUGE_PAD_BYTES`], written piece by piece.
pub(super) fn huge_body(id: &Value) -> Response {
    let head = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"pad":""#);
    let tail = r#""}}"#;
    let length = head.len() + HUGE_PAD_BYTES + tail.len();
    let (feed, drain) = body::channel();
    let pad = Chunk::Repeat {
        byte: b'x',
        count: HUGE_PAD_BYTES,
    };
    body::send(&feed, [Chunk::text(head), pad, Chunk::text(tail)]);
    let headers = [
        (CONTENT_TYPE, JSON.to_string()),
        (CONTENT_LENGTH, length.to_string()),
    ];
    (headers, body::json(drain)).into_response()
}
