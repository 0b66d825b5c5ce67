//! What every HTTP surface checks before serving a request (the Origin rule, the
//! MCP-Protocol-Version header, the body size limit, what the client accepts) and the error
//! responses that refuse one: the status with an id-less JSON-RPC error as body.

use super::App;
use crate::protocol::Revision;
use crate::reference::Fault;
use axum::body::{Body, Bytes};
use axum::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) const JSON: &str = "application/json";
pub(super) const EVENT_STREAM: &str = "text/event-stream";
const LOCAL_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// A refused request: the status, and the message of the JSON-RPC error in the body.
pub(super) struct Refusal(pub(super) StatusCode, pub(super) &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status, message) = self;
        let body = json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": -32000, "message": message },
        });
        (status, [(CONTENT_TYPE, JSON)], body.to_string()).into_response()
    }
}

/// The error response for a refused request.
pub(super) fn refuse(status: StatusCode, message: &'static str) -> Response {
    Refusal(status, message).into_response()
}

/// 403 if an Origin header names a site other than this machine (unless IgnoreOrigin).
pub(super) fn check_origin(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let local = origin.to_str().is_ok_and(|origin| {
        let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
        let authority = authority.split('/').next().unwrap_or_default();
        let host = match authority.find(']') {
            Some(end) if authority.starts_with('[') => &authority[..=end],
            _ => authority.split(':').next().unwrap_or_default(),
        };
        LOCAL_HOSTS.contains(&host.to_ascii_lowercase().as_str())
    });
    if local || app.has(Fault::IgnoreOrigin) {
        return Ok(());
    }
    Err(Refusal(
        StatusCode::FORBIDDEN,
        "Forbidden: the Origin is not allowed",
    ))
}

/// 400 if an MCP-Protocol-Version header names no supported revision (unless
/// IgnoreProtocolVersionHeader).
pub(super) fn check_protocol_version(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    let Some(version) = headers.get("mcp-protocol-version") else {
        return Ok(());
    };
    let supported = Revision::ALL
        .iter()
        .any(|revision| version.as_bytes() == revision.as_str().as_bytes());
    if supported || app.has(Fault::IgnoreProtocolVersionHeader) {
        return Ok(());
    }
    Err(Refusal(
        StatusCode::BAD_REQUEST,
        "Bad Request: unsupported MCP-Protocol-Version",
    ))
}

/// Whether the Accept header lists `text/event-stream`.
pub(super) fn accepts_sse(headers: &HeaderMap) -> bool {
    (headers.get_all(ACCEPT).iter())
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.to_ascii_lowercase().contains(EVENT_STREAM))
}

/// The whole body, or 413 if it is longer than `max` bytes (or cannot be read).
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<Bytes, Refusal> {
    let too_large = || Refusal(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large");
    let declared =
        (headers.get(CONTENT_LENGTH)).and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large())
}
