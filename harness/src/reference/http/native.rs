//! The ZCP native dialect on `POST /zcp`: JSON-RPC in, `application/json` out, results mapped
//! with [`to_native`]. An initialize creates a session; every other request names it in
//! `x-zcp-session` or `mcp-session-id` (either is read, both are returned): 400 without one,
//! 404 for an unknown one. Notifications and responses are answered 202. A tools/list result
//! names the discovery profile it applied (`profile`), as the ZCP SDK's native path does.
//!
//! There is no stream: the notifications and requests the server sends are dropped, so a
//! request the server answers only after hearing from the client (list_roots, when the client
//! declared roots) or never (the faults that hang) gets no answer at all. A request answered
//! later (a sleep, a blocking tasks/result) holds its POST while the server's schedule runs.

use super::body;
use super::gate::{self, refuse, JSON};
use super::message::{answers, finishes, is_server_message, until_exit, Posted};
use super::registry::{lock, Shared};
use super::App;
use crate::protocol::zcp::to_native;
use crate::reference::discovery::requested_profile;
use crate::reference::serve::sleep_until;
use crate::reference::{Due, Fault, Output, Server};
use axum::body::Body;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

const SESSION_HEADERS: [&str; 2] = ["x-zcp-session", "mcp-session-id"];

pub(super) async fn post(
    State(app): State<Arc<App>>,
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
    let (session_id, server) = if posted.is_initialize() {
        app.native.create(Server::new(app.fault))
    } else {
        let named = (SESSION_HEADERS.iter())
            .find_map(|name| headers.get(*name))
            .map(|id| id.to_str().unwrap_or_default());
        let Some(id) = named else {
            return refuse(StatusCode::BAD_REQUEST, "Bad Request: no session header");
        };
        match app.native.get(id) {
            Some(server) => (id.to_string(), server),
            None => return refuse(StatusCode::NOT_FOUND, "Not Found: unknown session"),
        }
    };
    let (mut outputs, exit) = {
        let mut server = lock(&server);
        // Scheduled work (a task's progress) catches up first; its notifications have no
        // channel on this surface.
        server.run_due(Instant::now());
        until_exit(server.handle_line(&bytes))
    };
    if let (Some(id), None, false) = (posted.request_id(), &exit, finishes(&outputs)) {
        outputs.extend(answer_when_due(&server, id).await);
    }
    if exit.is_some() {
        app.native.remove(&session_id);
    }
    let mut response = if posted.needs_no_answer() {
        StatusCode::ACCEPTED.into_response()
    } else if finishes(&outputs) {
        let (feed, drain) = body::channel();
        for output in outputs.into_iter().filter(|o| !is_server_message(o)) {
            let output = match output {
                Output::Message(response) => Output::Message(native(response, &posted, &app)),
                other => other,
            };
            body::send(&feed, body::json_chunk(output));
        }
        ([(CONTENT_TYPE, JSON)], body::json(drain)).into_response()
    } else if exit.is_some() {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "the server exited");
    } else {
        return std::future::pending().await;
    };
    let id = HeaderValue::from_str(&session_id).expect("session ids are hex");
    for name in SESSION_HEADERS {
        response.headers_mut().insert(name, id.clone());
    }
    response
}

/// A slow answer (a sleep, a tasks/result): runs the session server's schedule until the
/// response to request `id` is among what comes due. With nothing scheduled it never comes.
async fn answer_when_due(server: &Shared<Server>, id: &Value) -> Vec<Output> {
    loop {
        let due = lock(server).next_due();
        sleep_until(due).await;
        let outputs = Due::merged(lock(server).run_due(Instant::now()));
        if outputs.iter().any(|output| answers(output, id)) {
            return outputs;
        }
    }
}

/// A response (or a batch of them) with its result in the native dialect: a tools/list result
/// names the profile the request asked for (tools are listed in reverse order under the fault
/// that makes this surface drift from the others).
fn native(response: Value, posted: &Posted, app: &App) -> Value {
    match response {
        Value::Array(items) => items.into_iter().map(|r| native(r, posted, app)).collect(),
        mut response => {
            let id = response.get("id").cloned().unwrap_or(Value::Null);
            let method = posted.method_of(&id).map(str::to_string);
            if let (Some(method), Some(result)) = (method, response.get_mut("result")) {
                *result = to_native(&method, result);
                let reversed = app.has(Fault::ZcpReversedTools);
                if let (true, Some(Value::Array(tools))) = (reversed, result.get_mut("tools")) {
                    tools.reverse();
                }
                let profile = (posted.params_of(&id))
                    .and_then(requested_profile)
                    .filter(|_| method == "tools/list" && !app.has(Fault::ZcpProfileUnreported));
                if let (Some(profile), Value::Object(result)) = (profile, result) {
                    result.insert("profile".into(), profile.into());
                }
            }
            response
        }
    }
}
