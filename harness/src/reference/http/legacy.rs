//! The legacy HTTP+SSE transport of 2024-11-05: `GET /sse` opens a session whose stream starts
//! with an `endpoint` event naming `/messages?sessionId=<id>`; every POST there is answered
//! `202 Accepted` and whatever the server writes goes to the stream as `message` events
//! (without ids). The session ends with its stream, or when the server exits.

use super::body::{self, Chunk, Feed};
use super::clock::{self, Clock, Clocked};
use super::gate::{self, refuse, Refusal};
use super::message::until_exit;
use super::registry::lock;
use super::App;
use crate::reference::{Due, Fault, Server};
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub(super) struct Session {
    server: Server,
    feed: Feed,
    clock: Clock,
}

impl Clocked for Session {
    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn server(&mut self) -> &mut Server {
        &mut self.server
    }

    fn deliver(&mut self, due: Due) {
        for data in due.outputs.into_iter().flat_map(body::event_data) {
            body::send(&self.feed, body::event(None, Some("message"), data));
        }
    }
}

#[derive(Deserialize)]
pub(super) struct Target {
    #[serde(rename = "sessionId")]
    session_id: String,
}

/// The Origin rule, which LegacyIgnoreOrigin skips on this surface.
fn screen(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    match app.has(Fault::LegacyIgnoreOrigin) {
        true => Ok(()),
        false => gate::check_origin(app, headers),
    }
}

pub(super) async fn open(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = screen(&app, &headers) {
        return refusal.into_response();
    }
    let (feed, drain) = body::channel();
    if app.has(Fault::EndpointNotFirst) {
        let early = json!({
            "jsonrpc": "2.0",
            "method": "notifications/message",
            "params": { "level": "info", "logger": "http", "data": "before the endpoint" },
        });
        body::send(
            &feed,
            body::event(None, Some("message"), Chunk::text(early.to_string())),
        );
    }
    let session = Session {
        server: Server::new(app.fault),
        feed: feed.clone(),
        clock: Clock::default(),
    };
    let (id, session) = app.legacy.create(session);
    clock::start(&session);
    let endpoint = Chunk::text(format!("/messages?sessionId={id}"));
    body::send(&feed, body::event(None, Some("endpoint"), endpoint));
    body::sse_response(body::sse(drain))
}

pub(super) async fn post(
    State(app): State<Arc<App>>,
    Query(target): Query<Target>,
    headers: HeaderMap,
    request_body: Body,
) -> Response {
    if let Err(refusal) = screen(&app, &headers) {
        return refusal.into_response();
    }
    let unknown = || refuse(StatusCode::NOT_FOUND, "Not Found: unknown session");
    let Some(session) = app.legacy.get(&target.session_id) else {
        return unknown();
    };
    let bytes = match gate::read_body(&headers, request_body, app.max_body).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal.into_response(),
    };
    let mut session = lock(&session);
    if session.feed.is_closed() {
        app.legacy.remove(&target.session_id);
        return unknown();
    }
    let (outputs, exit) = until_exit(session.server.handle_line(&bytes));
    session.clock.tick();
    for data in outputs.into_iter().flat_map(body::event_data) {
        body::send(&session.feed, body::event(None, Some("message"), data));
    }
    if exit.is_some() {
        // The stream ends once the session (holding its feed) is gone.
        app.legacy.remove(&target.session_id);
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}
