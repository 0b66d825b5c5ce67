//! Streamable HTTP in the stateless era (2026-07-28): a POST of a request that carries the
//! era's `_meta`, naming no session, is served on its own by the app's stateless server. Its
//! headers must agree with its body (HTTP-30, HTTP-34: `MCP-Protocol-Version`, `Mcp-Method`,
//! `Mcp-Name`, else 400 with -32020; the `Mcp-Param-{Name}` headers of a tools/call, HTTP-35),
//! and the era's errors get their statuses: 400 for a
//! missing `_meta`, an unsupported version or a missing client capability (HTTP-31, HTTP-39),
//! 404 for an unknown method (HTTP-32).

use super::gate::{self, JSON};
use super::message::{until_exit, Posted};
use super::registry::lock;
use super::session::{Reply, SseWhen};
use super::App;
use crate::protocol::codes;
use crate::protocol::param_headers;
use crate::protocol::stateless::{self, CLIENT_CAPABILITIES, PROTOCOL_VERSION};
use crate::reference::{Fault, Output};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

const MCP_METHOD: &str = "mcp-method";
const MCP_NAME: &str = "mcp-name";
const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";

/// Serves a sessionless POST: `request` is its (id, method, params) when it is one 2026-07-28
/// request; anything else posted (malformed input, notifications) is the server's to answer.
pub(super) fn post(
    app: &App,
    headers: &HeaderMap,
    bytes: &[u8],
    posted: &Posted,
    request: Option<(&Value, &str, &Value)>,
) -> Response {
    let Some((id, method, params)) = request else {
        let mut state = lock(&app.stateless);
        let (outputs, _) = until_exit(state.server.handle_line(bytes));
        let reply = match posted.needs_no_answer() {
            false => state.answer(None, outputs, SseWhen::Never),
            true => {
                state.route(outputs);
                Reply::Accepted
            }
        };
        drop(state);
        return super::mcp::respond(app, reply, false);
    };
    let meta = params.get("_meta");
    let complete_meta = [PROTOCOL_VERSION, CLIENT_CAPABILITIES]
        .iter()
        .all(|key| meta.and_then(|m| m.get(key)).is_some());
    if complete_meta {
        if let Err(mismatch) = check_headers(app, headers, method, params) {
            let body = json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": { "code": codes::HEADER_MISMATCH, "message": mismatch },
            });
            return (
                StatusCode::BAD_REQUEST,
                [(CONTENT_TYPE, JSON)],
                body.to_string(),
            )
                .into_response();
        }
    }
    let sse = match gate::accepts_sse(headers) {
        true => SseWhen::Needed,
        false => SseWhen::Never,
    };
    let mut state = lock(&app.stateless);
    let (outputs, _) = until_exit(state.server.handle_line(bytes));
    let status = status_of(&outputs, id, complete_meta);
    let reply = state.answer(Some(id), outputs, sse);
    drop(state);
    let mut response = super::mcp::respond(app, reply, false);
    if !app.has(Fault::StatelessErrors200) {
        *response.status_mut() = status;
    }
    response
}

/// The answer to a sessionless request with neither a session nor the era's `_meta`: 400, as
/// both eras want it, with -32602 for its id, as 2026-07-28 wants it (BASE-20).
pub(super) fn lacks_session_and_meta(id: &Value) -> Response {
    let message = format!(
        "Bad Request: no Mcp-Session-Id, and no {PROTOCOL_VERSION} and {CLIENT_CAPABILITIES} in _meta"
    );
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": { "code": codes::INVALID_PARAMS, "message": message },
    });
    (
        StatusCode::BAD_REQUEST,
        [(CONTENT_TYPE, JSON)],
        body.to_string(),
    )
        .into_response()
}

/// What the request's headers say that its body does not, if anything: the standard headers,
/// then a tools/call's `Mcp-Param` headers.
fn check_headers(
    app: &App,
    headers: &HeaderMap,
    method: &str,
    params: &Value,
) -> Result<(), String> {
    if !app.has(Fault::IgnoreHeaderMismatch) {
        check_standard_headers(app, headers, method, params)?;
    }
    match method {
        "tools/call" if !app.has(Fault::IgnoreParamHeaders) => {
            check_param_headers(app, headers, params)
        }
        _ => Ok(()),
    }
}

/// What `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` say that the body does not.
fn check_standard_headers(
    app: &App,
    headers: &HeaderMap,
    method: &str,
    params: &Value,
) -> Result<(), String> {
    let expected = [
        (MCP_PROTOCOL_VERSION, stateless::meta_version(params)),
        (MCP_METHOD, Some(method)),
        (MCP_NAME, stateless::mcp_name(method, params)),
    ];
    for (header, wanted) in expected {
        let Some(wanted) = wanted else { continue };
        let sent = headers
            .get(header)
            .map(|v| decoded(v.to_str().unwrap_or_default()));
        let served_anyway =
            header == MCP_PROTOCOL_VERSION && app.has(Fault::MissingVersionHeaderServed);
        let same = match app.has(Fault::HeaderValuesCaseInsensitive) {
            true => |a: &str, b: &str| a.eq_ignore_ascii_case(b),
            false => |a: &str, b: &str| a == b,
        };
        match sent {
            None if served_anyway => {}
            None => return Err(format!("Header mismatch: {header} is required")),
            Some(sent) if !same(&sent, wanted) => {
                return Err(format!(
                    "Header mismatch: {header} says {sent:?}, the body {wanted:?}"
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// What a tools/call's `Mcp-Param-{Name}` headers say that its arguments do not: each argument
/// the tool's schema mirrors needs its header when the call gives it (not null), and the
/// header, decoded, must say the same; a header for an argument not given is a mismatch too.
fn check_param_headers(app: &App, headers: &HeaderMap, params: &Value) -> Result<(), String> {
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let schema = crate::reference::tools::stateless_input_schema(name);
    // A tool whose annotations break the rules is one clients drop: nothing to mirror.
    let Some(Ok(annotations)) = schema.as_ref().map(param_headers::annotations) else {
        return Ok(());
    };
    let arguments = params.get("arguments").unwrap_or(&Value::Null);
    let always = app.has(Fault::ParamHeaderAlwaysExpected);
    for annotation in annotations {
        let header = annotation.header();
        let sent = headers.get(&header).map(|v| v.as_bytes());
        let argument = annotation.argument(arguments);
        match (sent, argument) {
            (None, None) if always => return Err(format!("Header mismatch: {header} is required")),
            (None, None) => {}
            (None, Some(_)) => {
                return Err(format!(
                    "Header mismatch: {header} is required by the arguments"
                ))
            }
            (Some(_), None) => {
                return Err(format!(
                    "Header mismatch: {header} names an argument not given"
                ))
            }
            (Some(sent), Some(argument)) => {
                let text = match app.has(Fault::ParamHeaderNotDecoded) {
                    true => Ok(String::from_utf8_lossy(sent).into_owned()),
                    false => param_headers::decode(sent),
                };
                let text = text.map_err(|e| format!("Header mismatch: {header} holds {e}"))?;
                if !param_headers::agrees(&text, argument) {
                    return Err(format!(
                        "Header mismatch: {header} says {text:?}, the arguments {argument}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A header value, decoded from `=?base64?…?=` when so encoded (left as it is when it cannot be).
fn decoded(value: &str) -> String {
    param_headers::decode(value.as_bytes()).unwrap_or_else(|_| value.to_string())
}

/// The status the response to `id` among `outputs` gets: 400 for the era's request errors, 404
/// for an unknown method, 200 otherwise.
fn status_of(outputs: &[Output], id: &Value, complete_meta: bool) -> StatusCode {
    let code = outputs.iter().find_map(|output| match output {
        Output::Message(m) if m.get("id") == Some(id) && m.get("method").is_none() => {
            m.pointer("/error/code").and_then(Value::as_i64)
        }
        _ => None,
    });
    match code {
        Some(codes::METHOD_NOT_FOUND) => StatusCode::NOT_FOUND,
        Some(codes::UNSUPPORTED_PROTOCOL_VERSION | codes::MISSING_REQUIRED_CLIENT_CAPABILITY) => {
            StatusCode::BAD_REQUEST
        }
        Some(codes::INVALID_PARAMS) if !complete_meta => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}
