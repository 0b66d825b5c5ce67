//! Streamable HTTP on `/mcp` (2025-03-26 … 2025-11-25): POST a message, answered 202, JSON or
//! an SSE stream; GET the session's standalone SSE stream (resumable with Last-Event-ID);
//! DELETE the session. An initialize request creates a session (`Mcp-Session-Id`); every other
//! request must name one. The hostile faults act on requests after initialize.

use super::clock;
use super::conn::Conn;
use super::gate::{self, refuse, Refusal, JSON};
use super::hostile;
use super::message::{finishes, until_exit, Posted};
use super::registry::{self, lock, Shared};
use super::session::{Reply, Session, SseWhen};
use super::{body, App};
use crate::reference::Fault;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

const SESSION_ID: &str = "mcp-session-id";
/// A notification that makes the server push one log message onto the session's GET stream.
const PING_STREAM: &str = "notifications/zcpspec/ping-stream";

pub(super) async fn post(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    request_body: Body,
) -> Response {
    if let Err(refusal) = gate::check_origin(&app, &headers) {
        return refusal.into_response();
    }
    let bytes = match gate::read_body(&headers, request_body, app.max_body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal.into_response(),
    };
    let posted = Posted::parse(&bytes);
    let initialize = posted.is_initialize();
    // Without a session: a 2026-07-28 request, or anything that is not a request (malformed
    // input, notifications), is the stateless era's; a request without the era's _meta is a
    // handshake-era request that lacks its session.
    if headers.get(SESSION_ID).is_none() && !initialize {
        let request = posted.stateless_request();
        if request.is_some() || !posted.is_valid_request() {
            return super::stateless::post(&app, &headers, &bytes, &posted, request);
        }
        if let Some(id) = posted
            .request_id()
            .filter(|_| !app.has(Fault::NoSessionCheck))
        {
            return super::stateless::lacks_session_and_meta(id);
        }
    }
    if let Err(refusal) = gate::check_protocol_version(&app, &headers) {
        return refusal.into_response();
    }
    if !initialize && app.has(Fault::HttpReset) {
        return reset(&conn);
    }
    let (session_id, session) = match initialize {
        true => {
            let session = Session::new(app.fault);
            let (id, session) = match app.has(Fault::SessionIdWithSpace) {
                true => app
                    .mcp
                    .create_as(format!("zcp {}", registry::new_id()), session),
                false => app.mcp.create(session),
            };
            clock::start(&session);
            (Some(id), session)
        }
        false => match resolve(&app, &headers) {
            Ok(found) => found,
            Err(refusal) => return refusal.into_response(),
        },
    };
    let answered = !posted.needs_no_answer();
    if answered && !initialize && app.has(Fault::EndlessStream) {
        return body::sse_response(hostile::endless());
    }
    let sse = match app.fault {
        Some(Fault::InvalidSse) if !initialize => SseWhen::Always,
        Some(Fault::StallMidBody) if !initialize => SseWhen::Never,
        _ if gate::accepts_sse(&headers) => SseWhen::Needed,
        _ => SseWhen::Never,
    };
    let handled = handle(&session, &bytes, &posted, sse);
    if let (Some(id), false) = (&session_id, matches!(handled, Handled::Served(_))) {
        app.mcp.remove(id);
    }
    let reply = match handled {
        Handled::Served(reply) | Handled::Exited(reply) => reply,
        Handled::Died => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "the server exited"),
    };
    let mut response = match (initialize, posted.request_id()) {
        (true, Some(id)) if app.has(Fault::HugeBody) => hostile::huge_body(id),
        _ => respond(&app, reply, initialize),
    };
    if let Some(id) = session_id.filter(|_| initialize) {
        let id = HeaderValue::from_str(&id)
            .expect("session ids are hex, or with SessionIdWithSpace, text");
        response.headers_mut().insert(SESSION_ID, id);
    }
    response
}

/// How the session's server took a POSTed body.
enum Handled {
    Served(Reply),
    /// The server exited after answering: the session is over.
    Exited(Reply),
    /// The server exited before answering: the session is over, the request gets 500.
    Died,
}

fn handle(session: &Shared<Session>, bytes: &[u8], posted: &Posted, sse: SseWhen) -> Handled {
    let mut state = lock(session);
    let (outputs, exit) = until_exit(state.server.handle_line(bytes));
    let finished = finishes(&outputs);
    let reply = match posted.needs_no_answer() {
        false => state.answer(posted.request_id(), outputs, sse),
        true => {
            state.route(outputs);
            Reply::Accepted
        }
    };
    for _ in 0..posted.notifications(PING_STREAM) {
        state.ping_stream();
    }
    if exit.is_none() {
        return Handled::Served(reply);
    }
    state.end();
    match finished {
        true => Handled::Exited(reply),
        false => Handled::Died,
    }
}

pub(super) async fn get(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = screen(&app, &headers) {
        return refusal.into_response();
    }
    if app.has(Fault::HttpReset) {
        return reset(&conn);
    }
    let session = match resolve(&app, &headers) {
        Ok((_, session)) => session,
        Err(refusal) => return refusal.into_response(),
    };
    if app.has(Fault::GetReturnsJson) {
        return ([(CONTENT_TYPE, JSON)], "{}").into_response();
    }
    if !gate::accepts_sse(&headers) {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed: GET needs Accept: text/event-stream",
        );
    }
    let last_event_id = match headers.get("last-event-id") {
        None => None,
        Some(value) => match value.to_str().ok().and_then(|v| v.trim().parse().ok()) {
            Some(id) => Some(id),
            None => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: unknown Last-Event-ID",
                )
            }
        },
    };
    let drain = lock(&session).open_get(last_event_id, app.has(Fault::ReplayAllEvents));
    body::sse_response(body::sse(drain))
}

pub(super) async fn delete(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = screen(&app, &headers) {
        return refusal.into_response();
    }
    if app.has(Fault::HttpReset) {
        return reset(&conn);
    }
    let named = headers.get(SESSION_ID).and_then(|id| id.to_str().ok());
    if let Some(session) = named.and_then(|id| app.mcp.remove(id)) {
        lock(&session).end();
        return StatusCode::OK.into_response();
    }
    // Only the faults that serve a request without a valid session get here without an error;
    // they delete nothing.
    match resolve(&app, &headers) {
        Ok(_) => StatusCode::OK.into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

fn screen(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    gate::check_origin(app, headers)?;
    gate::check_protocol_version(app, headers)
}

/// The session a request names: 400 without a session id, 404 for an unknown one. With
/// NoSessionCheck or UnknownSessionAccepted such a request is served by the latest session (a
/// fresh, unregistered one if there is none).
fn resolve(app: &App, headers: &HeaderMap) -> Result<(Option<String>, Shared<Session>), Refusal> {
    let fallback = || match app.mcp.latest() {
        Some((id, session)) => (Some(id), session),
        None => (None, Arc::new(Mutex::new(Session::new(app.fault)))),
    };
    match headers
        .get(SESSION_ID)
        .map(|id| id.to_str().unwrap_or_default())
    {
        None if app.has(Fault::NoSessionCheck) => Ok(fallback()),
        None => Err(Refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: Mcp-Session-Id header is required",
        )),
        Some(id) => match app.mcp.get(id) {
            Some(session) => Ok((Some(id.to_string()), session)),
            None if app.has(Fault::UnknownSessionAccepted) => Ok(fallback()),
            None => Err(Refusal(StatusCode::NOT_FOUND, "Not Found: unknown session")),
        },
    }
}

/// Makes the connection fail, so the response returned with it is never written.
fn reset(conn: &Conn) -> Response {
    conn.reset();
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

pub(super) fn respond(app: &App, reply: Reply, initialize: bool) -> Response {
    let hostile = !initialize;
    match reply {
        Reply::Accepted if app.has(Fault::Notification200) => {
            ([(CONTENT_TYPE, JSON)], "{}").into_response()
        }
        Reply::Accepted => StatusCode::ACCEPTED.into_response(),
        Reply::Json(drain) if hostile && app.has(Fault::StallMidBody) => hostile::stalled(drain),
        Reply::Json(drain) => {
            let content_type = match app.has(Fault::WrongContentType) {
                true => "text/plain",
                false => JSON,
            };
            ([(CONTENT_TYPE, content_type)], body::json(drain)).into_response()
        }
        Reply::Sse(drain) if hostile && app.has(Fault::InvalidSse) => {
            body::sse_response(hostile::invalid_sse(drain))
        }
        Reply::Sse(drain) => body::sse_response(body::sse(drain)),
    }
}
