//! HTTP transports. Streamable HTTP: a POST per message, answered with JSON or an SSE stream,
//! with `Mcp-Session-Id` and `MCP-Protocol-Version` once known, and optionally a GET stream for
//! server-initiated messages. Legacy HTTP+SSE: a GET stream whose `endpoint` event names where
//! to POST. ZCP native: `POST /zcp`, JSON in and out, results in the native dialect, mapped to
//! MCP for judging. Every status, header and SSE field becomes a `Note` in the trace; bodies are
//! read in pieces and never beyond the maximum frame size.

use super::sse::{self, Parser};
use super::{
    redact_headers, BoxFuture, Connection, Incoming, Kind, Link, NetOptions, Note, Process,
};
use crate::protocol::param_headers::{self, Annotation};
use crate::protocol::{stateless, zcp, Frame, MessageKind};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, Notify};

const SESSION: &str = "mcp-session-id";
const ZCP_SESSION: &str = "x-zcp-session";
const PROTOCOL_VERSION: &str = "mcp-protocol-version";
const MCP_METHOD: &str = "mcp-method";
const MCP_NAME: &str = "mcp-name";
const LAST_EVENT_ID: &str = "last-event-id";
const EVENT_STREAM: &str = "text/event-stream";

/// State shared by the link and the tasks reading its responses.
#[derive(Default)]
struct Shared {
    session: Mutex<Option<String>>,
    protocol_version: Mutex<Option<String>>,
    initialize_id: Mutex<Option<Value>>,
    /// Legacy HTTP+SSE: where to POST, from the `endpoint` event.
    post_url: Mutex<Option<Url>>,
    endpoint_known: Notify,
    exchanges: AtomicU32,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    /// The POSTed requests whose answers are being read: id, method, exchange, reader.
    answering: Mutex<Vec<(Value, String, u32, tokio::task::AbortHandle)>>,
    /// 2026-07-28: the ids of tools/list requests not yet answered, and what the answers said
    /// each tool mirrors into `Mcp-Param-{Name}` headers (tools whose annotations break the
    /// rules mirror nothing).
    tools_list_ids: Mutex<Vec<Value>>,
    mirrored: Mutex<HashMap<String, Vec<Annotation>>>,
}

/// A session's HTTP endpoint: what raw `http` steps use to make exchanges of their own.
pub struct Endpoint {
    client: reqwest::Client,
    url: Url,
    kind: Kind,
    shared: Arc<Shared>,
    opts: NetOptions,
}

/// A raw HTTP exchange a scenario asks for.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Send the session's `Mcp-Session-Id` (unless `headers` names it).
    pub session: bool,
    /// Send the negotiated `MCP-Protocol-Version` (unless `headers` names it).
    pub protocol_version: bool,
    /// For SSE answers: stop after this many events.
    pub events: usize,
    /// How long to read an SSE answer at most.
    pub read_ms: u64,
}

impl Endpoint {
    /// A 2026-07-28 request's other headers: a tools/list is remembered, so its answer can say
    /// which arguments each tool mirrors; a tools/call gets an `Mcp-Param-{Name}` header for
    /// each argument its tool mirrors and the call gives (HTTP-35's client side).
    fn mirror_arguments(&self, message: &Value, headers: &mut HeaderMap) {
        let method = message.get("method").and_then(Value::as_str);
        let id = message.get("id");
        if let (Some("tools/list"), Some(id)) = (method, id) {
            self.shared.tools_list_ids.lock().unwrap().push(id.clone());
        }
        let tool = message.pointer("/params/name").and_then(Value::as_str);
        let (Some("tools/call"), Some(tool)) = (method, tool) else {
            return;
        };
        let arguments = message.pointer("/params/arguments").unwrap_or(&Value::Null);
        let mirrored = self.shared.mirrored.lock().unwrap();
        for annotation in mirrored.get(tool).into_iter().flatten() {
            let value = annotation
                .argument(arguments)
                .and_then(param_headers::header_value);
            let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(annotation.header()),
                value.map(HeaderValue::try_from),
            ) else {
                continue;
            };
            headers.insert(name, value);
        }
    }

    pub fn session_id(&self) -> Option<String> {
        self.shared.session.lock().unwrap().clone()
    }

    /// Makes one exchange: the notes for the trace, and a view `{status, headers, body}` for
    /// matchers (body is JSON when it parses, text otherwise, `{events: [...]}` for SSE).
    pub async fn exchange(&self, raw: &RawRequest) -> (Vec<Note>, Value) {
        let exchange = self.shared.exchanges.fetch_add(1, Ordering::SeqCst);
        let method = Method::from_bytes(raw.method.as_bytes()).unwrap_or(Method::GET);
        let mut headers = self.base_headers(raw.session, raw.protocol_version);
        for (name, value) in &raw.headers {
            // Bytes beyond ASCII go as they are: a scenario may send what a header must not hold.
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.insert(n, v);
            }
        }
        let url = self.url_for(&method);
        let request_note = self.request_note(exchange, &method, &url, &headers, None, None);
        let mut request = self.client.request(method, url).headers(headers);
        if let Some(body) = &raw.body {
            request = request.body(body.clone());
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(raw.read_ms);
        let response = match tokio::time::timeout_at(deadline, request.send()).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return (vec![request_note], json!({"error": e.to_string()})),
            Err(_) => return (vec![request_note], json!({"error": "no answer in time"})),
        };
        let response_note = self.response_note(exchange, &response);
        let status = response.status().as_u16();
        let header_map: serde_json::Map<String, Value> = self
            .response_headers(response.headers())
            .into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect();
        let is_sse = content_type(response.headers()).starts_with(EVENT_STREAM);
        let body = if is_sse {
            let mut events = Vec::new();
            let mut parser = Parser::new(self.opts.max_frame);
            let mut response = response;
            while events.len() < raw.events {
                match tokio::time::timeout_at(deadline, response.chunk()).await {
                    Ok(Ok(Some(chunk))) => {
                        for item in parser.feed(&chunk) {
                            if let sse::Item::Event(e) = item {
                                let data =
                                    serde_json::from_str(&e.data).unwrap_or(Value::String(e.data));
                                events.push(json!({"id": e.id, "event": e.event, "data": data}));
                            }
                        }
                    }
                    _ => break,
                }
            }
            json!({ "events": events })
        } else {
            let bytes = read_body(response, self.opts.max_frame, deadline).await;
            match bytes {
                Ok(b) => serde_json::from_slice(&b)
                    .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&b).into_owned())),
                Err(e) => json!({"error": e}),
            }
        };
        (
            vec![request_note, response_note],
            json!({"status": status, "headers": header_map, "body": body}),
        )
    }

    /// Where a raw exchange goes: the endpoint, except that a legacy HTTP+SSE POST goes to the
    /// message endpoint the `endpoint` event named (once it has).
    fn url_for(&self, method: &Method) -> Url {
        let post_url = self.shared.post_url.lock().unwrap().clone();
        match (self.kind, post_url) {
            (Kind::Sse, Some(url)) if method == Method::POST => url,
            _ => self.url.clone(),
        }
    }

    fn base_headers(&self, session: bool, protocol_version: bool) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in &self.opts.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_str(value),
            ) {
                h.insert(n, v);
            }
        }
        if let Some(token) = &self.opts.bearer {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                h.insert(reqwest::header::AUTHORIZATION, v);
            }
        }
        if session {
            if let Some(id) = self.session_id() {
                if let Ok(v) = HeaderValue::from_str(&id) {
                    h.insert(SESSION, v.clone());
                    if self.kind == Kind::Zcp {
                        h.insert(ZCP_SESSION, v);
                    }
                }
            }
        }
        if protocol_version && self.kind == Kind::StreamableHttp {
            if let Some(v) = self.shared.protocol_version.lock().unwrap().clone() {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(PROTOCOL_VERSION, v);
                }
            }
        }
        h
    }

    fn request_note(
        &self,
        exchange: u32,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        carries: Option<&str>,
        request_id: Option<&Value>,
    ) -> Note {
        Note::HttpRequest {
            exchange,
            method: method.to_string(),
            path: url.path().to_string(),
            carries: carries.map(String::from),
            request_id: request_id.cloned(),
            headers: redact_headers(
                headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("[binary]"))),
                &self.opts.secrets(),
            ),
        }
    }

    fn response_note(&self, exchange: u32, response: &reqwest::Response) -> Note {
        Note::HttpResponse {
            exchange,
            status: response.status().as_u16(),
            headers: self.response_headers(response.headers()),
        }
    }

    /// Response headers as recorded: bytes outside visible ASCII are kept (read lossily as
    /// UTF-8), since they may be the evidence (a session id must be visible ASCII, HTTP-16).
    fn response_headers(&self, headers: &HeaderMap) -> Vec<(String, String)> {
        let text: Vec<(&str, std::borrow::Cow<str>)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), String::from_utf8_lossy(v.as_bytes())))
            .collect();
        redact_headers(
            text.iter().map(|(k, v)| (*k, v.as_ref())),
            &self.opts.secrets(),
        )
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Reads a body in pieces; fails (with the size seen) once it exceeds `max`.
async fn read_body(
    mut response: reqwest::Response,
    max: usize,
    deadline: tokio::time::Instant,
) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                if body.len() + chunk.len() > max {
                    return Err(format!("body over {max} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Ok(None)) => return Ok(body),
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) => return Err("the body stalled".into()),
        }
    }
}

/// The client link of an HTTP transport.
pub struct HttpLink {
    endpoint: Arc<Endpoint>,
    events: Option<mpsc::Sender<Incoming>>,
    /// Streamable HTTP: open a GET stream once `notifications/initialized` is sent.
    get_stream: bool,
    /// The open GET stream (streamable HTTP's, or legacy HTTP+SSE's only stream), ended with
    /// the session.
    listening: Option<tokio::task::AbortHandle>,
    closed: bool,
}

/// Connects to `url` over an HTTP transport (`StreamableHttp`, `Sse` or `Zcp`).
pub async fn connect(
    url: &str,
    kind: Kind,
    opts: NetOptions,
    get_stream: bool,
) -> std::io::Result<Connection> {
    super::install_crypto();
    let url = Url::parse(url).map_err(|e| std::io::Error::other(format!("bad URL {url}: {e}")))?;
    // Idle connections are dropped before common server keep-alive limits (uvicorn's is 5 s),
    // so a request never rides a connection the server is closing.
    let client = reqwest::Client::builder()
        .connect_timeout(opts.timeout)
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .map_err(std::io::Error::other)?;
    let (tx, rx) = mpsc::channel(super::EVENT_BUFFER);
    let endpoint = Arc::new(Endpoint {
        client,
        url: url.clone(),
        kind,
        shared: Arc::new(Shared::default()),
        opts,
    });
    // Legacy HTTP+SSE: the stream is the session's only channel, opened before anything else.
    let mut listening = None;
    if kind == Kind::Sse {
        let task = tokio::spawn(listen(endpoint.clone(), tx.clone(), None, None));
        listening = Some(task.abort_handle());
        endpoint
            .shared
            .tasks
            .lock()
            .unwrap()
            .push(task.abort_handle());
        let wait = endpoint.shared.endpoint_known.notified();
        if tokio::time::timeout(endpoint.opts.timeout, wait)
            .await
            .is_err()
        {
            let _ = tx
                .send(Incoming::Transport(Note::Error {
                    message: "the SSE stream sent no endpoint event in time".into(),
                }))
                .await;
        }
    }
    Ok(Connection {
        link: Box::new(HttpLink {
            endpoint,
            events: Some(tx),
            get_stream,
            listening,
            closed: false,
        }),
        events: rx,
        process: Process::None,
        kind,
        description: super::redact_url(url.as_str()),
        pid: None,
    })
}

impl Link for HttpLink {
    fn send<'a>(&'a mut self, frame: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let events = self
                .events
                .clone()
                .ok_or_else(|| std::io::Error::other("the connection is closed"))?;
            let parsed: Option<Value> = serde_json::from_slice(frame).ok();
            let (carries, method) = match parsed.as_ref().map(MessageKind::of) {
                Some(MessageKind::Request { method, id }) => {
                    if method == "initialize" {
                        *self.endpoint.shared.initialize_id.lock().unwrap() = Some(id.clone());
                    }
                    (Some("request"), Some(method.to_string()))
                }
                Some(MessageKind::Notification { method }) => {
                    (Some("notification"), Some(method.to_string()))
                }
                Some(MessageKind::Response { .. }) => (Some("response"), None),
                _ => (None, None),
            };
            let e = &self.endpoint;
            let url = match e.kind {
                Kind::Sse => e.shared.post_url.lock().unwrap().clone().ok_or_else(|| {
                    std::io::Error::other("the SSE stream named no endpoint to POST to")
                })?,
                _ => e.url.clone(),
            };
            let exchange = e.shared.exchanges.fetch_add(1, Ordering::SeqCst);
            let era = parsed.as_ref().and_then(stateless_version);
            if let (Kind::StreamableHttp, Some(version)) = (e.kind, era) {
                // Every later POST of the session says it too: a notification or raw frame
                // without the era's `_meta` is still the era's.
                *e.shared.protocol_version.lock().unwrap() = Some(version.to_string());
            }
            let mut headers = e.base_headers(true, true);
            if let (Kind::StreamableHttp, Some(message)) = (e.kind, &parsed) {
                let known = e.shared.protocol_version.lock().unwrap().clone();
                stateless_headers(message, known.as_deref(), &mut headers);
                if era.is_some() {
                    e.mirror_arguments(message, &mut headers);
                }
            }
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let accept = match e.kind {
                Kind::StreamableHttp => "application/json, text/event-stream",
                _ => "application/json",
            };
            headers.insert(ACCEPT, HeaderValue::from_static(accept));
            let request_id = (parsed.as_ref())
                .filter(|_| carries == Some("request"))
                .and_then(|m| m.get("id"));
            let request_note =
                e.request_note(exchange, &Method::POST, &url, &headers, carries, request_id);
            let _ = events.send(Incoming::Transport(request_note)).await;
            // The answer's headers are awaited here, so messages reach the server in the
            // order they were sent; bodies and streams are read in the background.
            let request = e.client.post(url).headers(headers).body(frame.to_vec());
            let response = match request.send().await {
                Ok(r) => r,
                Err(err) => {
                    note(
                        &events,
                        Note::Error {
                            message: format!("POST failed: {err}"),
                        },
                    )
                    .await;
                    return Ok(());
                }
            };
            let task = tokio::spawn(answer(
                self.endpoint.clone(),
                events.clone(),
                response,
                exchange,
                method.clone(),
                carries.map(String::from),
            ));
            e.shared.tasks.lock().unwrap().push(task.abort_handle());
            if let (Some(message), Some(method)) = (&parsed, &method) {
                if let (Some(id), Some("request")) = (message.get("id"), carries) {
                    let entry = (id.clone(), method.clone(), exchange, task.abort_handle());
                    let mut answering = e.shared.answering.lock().unwrap();
                    answering.retain(|(_, _, _, reader)| !reader.is_finished());
                    answering.push(entry);
                }
            }
            if self.get_stream
                && e.kind == Kind::StreamableHttp
                && method.as_deref() == Some("notifications/initialized")
            {
                let (answered, heard) = tokio::sync::oneshot::channel();
                let task =
                    tokio::spawn(listen(self.endpoint.clone(), events, None, Some(answered)));
                self.listening = Some(task.abort_handle());
                // The stream is answered before anything else is sent, so what follows never
                // overtakes it (a bounded wait: a server may hold the answer back).
                let _ = tokio::time::timeout(e.opts.timeout, heard).await;
            }
            Ok(())
        })
    }

    fn close(&mut self) {
        if std::mem::replace(&mut self.closed, true) {
            return;
        }
        let Some(events) = self.events.take() else {
            return;
        };
        let e = &self.endpoint;
        // Subscriptions end with the session, like the GET stream.
        for (_, method, _, reader) in e.shared.answering.lock().unwrap().iter() {
            if method == stateless::LISTEN {
                reader.abort();
            }
        }
        // Long-lived streams end with the session; answers still in flight may finish.
        if e.kind == Kind::Sse {
            e.shared
                .tasks
                .lock()
                .unwrap()
                .iter()
                .for_each(|t| t.abort());
        }
        if e.kind == Kind::StreamableHttp && e.session_id().is_some() {
            let endpoint = self.endpoint.clone();
            let task = tokio::spawn(async move {
                let raw = RawRequest {
                    method: "DELETE".into(),
                    headers: Vec::new(),
                    body: None,
                    session: true,
                    protocol_version: true,
                    events: 0,
                    read_ms: endpoint.opts.timeout.as_millis() as u64,
                };
                let (notes, _) = endpoint.exchange(&raw).await;
                for n in notes {
                    let _ = events.send(Incoming::Transport(n)).await;
                }
            });
            e.shared.tasks.lock().unwrap().push(task.abort_handle());
        }
    }

    fn abort(&mut self) {
        self.close();
        self.endpoint
            .shared
            .tasks
            .lock()
            .unwrap()
            .drain(..)
            .for_each(|t| t.abort());
    }

    fn http(&self) -> Option<&Endpoint> {
        matches!(self.endpoint.kind, Kind::StreamableHttp | Kind::Sse).then_some(&*self.endpoint)
    }

    fn close_stream(&mut self, request_id: &Value) -> Option<u32> {
        let answering = self.endpoint.shared.answering.lock().unwrap();
        let (_, _, exchange, reader) = (answering.iter())
            .find(|(id, _, _, reader)| id == request_id && !reader.is_finished())?;
        reader.abort();
        Some(*exchange)
    }
}

async fn note(events: &mpsc::Sender<Incoming>, note: Note) {
    let _ = events.send(Incoming::Transport(note)).await;
}

/// Delivers what answers one POST. A body answering a POST of notifications or responses is
/// an HTTP answer (HTTP-04: 202 with no body, or an error with an id-less JSON-RPC error), and
/// so is an error status with an id-less body answering a readable request (HTTP-17): such
/// bodies are recorded as notes, never delivered as JSON-RPC responses. Answers to unreadable
/// input (a parse error, say) are delivered whatever their status.
async fn answer(
    endpoint: Arc<Endpoint>,
    events: mpsc::Sender<Incoming>,
    response: reqwest::Response,
    exchange: u32,
    method: Option<String>,
    carries: Option<String>,
) {
    note(&events, endpoint.response_note(exchange, &response)).await;
    // The session is the one the initialize answer names; other answers (a 400 to a request
    // sent before initialize, say) may carry ids of their own.
    if method.as_deref() == Some("initialize") {
        for name in [SESSION, ZCP_SESSION] {
            if let Some(id) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
                let mut session = endpoint.shared.session.lock().unwrap();
                if session.is_none() {
                    *session = Some(id.to_string());
                }
            }
        }
    }
    if endpoint.kind == Kind::Sse {
        return; // Legacy answers travel on the GET stream.
    }
    if content_type(response.headers()).starts_with(EVENT_STREAM) {
        let end = read_stream(&endpoint, &events, response, exchange).await;
        // A server may close a POST stream before the response and ask the client to resume
        // it with GET and Last-Event-ID (2025-11-25 §Resumability); the harness does.
        if let (false, Some(_), Some(id)) = (end.responded, end.retry, &end.last_id) {
            listen(endpoint.clone(), events.clone(), Some(id.clone()), None).await;
        }
        return;
    }
    let no_reply_due = matches!(carries.as_deref(), Some("notification" | "response"));
    let failed = !response.status().is_success();
    let refused = failed && carries.is_some();
    let deadline = tokio::time::Instant::now() + endpoint.opts.timeout * 4;
    match read_body(response, endpoint.opts.max_frame, deadline).await {
        Ok(body) if body.iter().all(u8::is_ascii_whitespace) => {}
        // An error status's body that is not JSON (a plain-text 415, say) is no message.
        Ok(body) if no_reply_due || (refused && !has_id(&body)) || (failed && !is_json(&body)) => {
            let body = String::from_utf8_lossy(&body)
                .chars()
                .take(500)
                .collect::<String>();
            note(
                &events,
                Note::Error {
                    message: format!("error answer to exchange #{exchange}: {body}"),
                },
            )
            .await;
        }
        Ok(body) => {
            let frame = match (endpoint.kind, method) {
                (Kind::Zcp, Some(method)) => native_frame(body, &method),
                _ => Frame::from_bytes(body),
            };
            deliver(&endpoint, &events, frame).await;
        }
        Err(problem) if problem.starts_with("body over") => {
            let _ = events
                .send(Incoming::Oversize {
                    bytes: endpoint.opts.max_frame as u64 + 1,
                })
                .await;
        }
        Err(problem) => {
            note(
                &events,
                Note::Error {
                    message: format!("reading the answer: {problem}"),
                },
            )
            .await
        }
    }
}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// Whether a body is a JSON-RPC message with a non-null id.
fn has_id(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .is_some_and(|id| !id.is_null())
}

/// A ZCP native answer: the raw bytes as sent, the JSON mapped to MCP's shapes.
fn native_frame(body: Vec<u8>, method: &str) -> Frame {
    let mut frame = Frame::from_bytes(body);
    if let Some(Value::Object(msg)) = &mut frame.json {
        if let Some(result) = msg.get_mut("result") {
            *result = zcp::to_mcp(method, result);
        }
    }
    frame
}

/// Opens a GET stream: the legacy transport's only stream, or streamable HTTP's stream for
/// server-initiated messages (resuming from `last_event_id` when given). When the server ends
/// a stream it asked to be resumed (`retry` with an event id), the stream is resumed after that
/// delay, until resumptions stop bringing events.
async fn listen(
    endpoint: Arc<Endpoint>,
    events: mpsc::Sender<Incoming>,
    mut last_event_id: Option<String>,
    mut answered: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut fruitless = 0;
    loop {
        let exchange = endpoint.shared.exchanges.fetch_add(1, Ordering::SeqCst);
        let mut headers = endpoint.base_headers(true, true);
        headers.insert(ACCEPT, HeaderValue::from_static(EVENT_STREAM));
        if let Some(id) = last_event_id
            .as_deref()
            .and_then(|id| HeaderValue::from_str(id).ok())
        {
            headers.insert(LAST_EVENT_ID, id);
        }
        let request =
            endpoint.request_note(exchange, &Method::GET, &endpoint.url, &headers, None, None);
        note(&events, request).await;
        let response = match endpoint
            .client
            .get(endpoint.url.clone())
            .headers(headers)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                let message = format!("GET failed: {e}");
                return note(&events, Note::Error { message }).await;
            }
        };
        note(&events, endpoint.response_note(exchange, &response)).await;
        if let Some(answered) = answered.take() {
            let _ = answered.send(());
        }
        if !response.status().is_success()
            || !content_type(response.headers()).starts_with(EVENT_STREAM)
        {
            return;
        }
        let end = read_stream(&endpoint, &events, response, exchange).await;
        fruitless = if end.events > 0 { 0 } else { fruitless + 1 };
        match (end.retry, end.last_id.or(last_event_id)) {
            (Some(retry), Some(id)) if fruitless < MAX_FRUITLESS_RESUMES => {
                // The server's reconnection delay is the protocol's pacing, not synchronisation.
                tokio::time::sleep(std::time::Duration::from_millis(retry.min(MAX_RETRY_MS))).await;
                last_event_id = Some(id);
            }
            _ => return,
        }
    }
}

/// What an SSE stream left when it ended: the last event id and the `retry` the server asked
/// for (together, an invitation to resume), whether it carried a response, how many events.
#[derive(Default)]
struct StreamEnd {
    last_id: Option<String>,
    retry: Option<u64>,
    responded: bool,
    events: usize,
}

/// Consecutive resumptions that bring no event before the harness stops resuming.
const MAX_FRUITLESS_RESUMES: u32 = 5;
/// The longest reconnection delay honoured, whatever `retry` says.
const MAX_RETRY_MS: u64 = 5_000;

/// Reads an SSE stream to its end: each event's fields as a note, each message as a frame.
async fn read_stream(
    endpoint: &Endpoint,
    events: &mpsc::Sender<Incoming>,
    mut response: reqwest::Response,
    exchange: u32,
) -> StreamEnd {
    let mut parser = Parser::new(endpoint.opts.max_frame);
    let mut end = StreamEnd::default();
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return end,
            Err(e) => {
                let message = format!("the SSE stream broke: {e}");
                note(events, Note::Error { message }).await;
                return end;
            }
        };
        for item in parser.feed(&chunk) {
            match item {
                sse::Item::Event(e) => {
                    end.events += 1;
                    if e.id.is_some() {
                        end.last_id = e.id.clone();
                    }
                    if e.retry.is_some() {
                        end.retry = e.retry;
                    }
                    let fields = Note::Sse {
                        exchange,
                        id: e.id.clone(),
                        event: e.event.clone(),
                        retry: e.retry,
                        data_bytes: e.data.len(),
                    };
                    let is_message = matches!(e.event.as_deref(), None | Some("message"));
                    if is_message && !e.data.is_empty() {
                        let frame = Frame::from_bytes(e.data.into_bytes());
                        end.responded |= matches!(frame.kind(), MessageKind::Response { .. });
                        deliver_event(endpoint, events, fields, frame).await;
                        continue;
                    }
                    note(events, fields).await;
                    if e.event.as_deref() == Some("endpoint") && endpoint.kind == Kind::Sse {
                        if let Ok(url) = endpoint.url.join(e.data.trim()) {
                            *endpoint.shared.post_url.lock().unwrap() = Some(url);
                            endpoint.shared.endpoint_known.notify_waiters();
                            endpoint.shared.endpoint_known.notify_one();
                        }
                    }
                }
                sse::Item::Oversize(bytes) => {
                    let _ = events
                        .send(Incoming::Oversize {
                            bytes: bytes as u64,
                        })
                        .await;
                }
                sse::Item::InvalidUtf8 => {
                    note(
                        events,
                        Note::Error {
                            message: "an SSE line that is not UTF-8".into(),
                        },
                    )
                    .await
                }
            }
        }
    }
}

/// The protocol version a message's `_meta` names, if it names one.
fn meta_version(message: &Value) -> Option<&str> {
    message.get("params").and_then(stateless::meta_version)
}

/// The stateless-era version a message's `_meta` names, if it names one.
fn stateless_version(message: &Value) -> Option<&str> {
    meta_version(message).filter(|v| stateless::is_stateless_version(v))
}

/// The headers a 2026-07-28 message carries beside its body: `MCP-Protocol-Version` (the
/// version its `_meta` names, else the one the session's messages have named, `known`),
/// `Mcp-Method`, and `Mcp-Name` (the tool, prompt, resource or task it is about;
/// base64-encoded when not plain visible ASCII). Other messages get none.
fn stateless_headers(message: &Value, known: Option<&str>, headers: &mut HeaderMap) {
    let known = known.filter(|v| stateless::is_stateless_version(v));
    let version = meta_version(message).or(known);
    let (Some(version), Some(method)) = (version, message.get("method").and_then(Value::as_str))
    else {
        return;
    };
    let name = (message.get("params")).and_then(|params| stateless::mcp_name(method, params));
    let values = [
        (PROTOCOL_VERSION, Some(version)),
        (MCP_METHOD, Some(method)),
        (MCP_NAME, name),
    ];
    for (header, value) in values {
        let Some(value) = value else { continue };
        let value = match header {
            MCP_NAME => param_headers::encode(value),
            _ => value.to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(header, value);
        }
    }
}

/// Delivers a frame, first noting what the answer tells later requests: the protocol version
/// an initialize result negotiated (for MCP-Protocol-Version), the tools' mirrored parameters.
async fn deliver(endpoint: &Endpoint, events: &mpsc::Sender<Incoming>, frame: Frame) {
    note_answer(endpoint, &frame);
    let _ = events.send(Incoming::Frame(frame)).await;
}

/// Delivers the message an SSE event carried right after the event's note, with nothing from
/// another stream between them: the trace shows which stream carried each message (HTTP-14).
async fn deliver_event(
    endpoint: &Endpoint,
    events: &mpsc::Sender<Incoming>,
    fields: Note,
    frame: Frame,
) {
    note_answer(endpoint, &frame);
    if let Ok(mut permits) = events.reserve_many(2).await {
        if let (Some(first), Some(second)) = (permits.next(), permits.next()) {
            first.send(Incoming::Transport(fields));
            second.send(Incoming::Frame(frame));
        }
    }
}

/// Remembers the protocol version an initialize result negotiated, and which arguments the
/// tools a tools/list result lists mirror into headers.
fn note_answer(endpoint: &Endpoint, frame: &Frame) {
    if let (Some(msg), MessageKind::Response { id }) = (&frame.json, frame.kind()) {
        let mut lists = endpoint.shared.tools_list_ids.lock().unwrap();
        if let Some(at) = lists.iter().position(|listing| listing == id) {
            lists.swap_remove(at);
            let tools = msg.pointer("/result/tools").and_then(Value::as_array);
            let mut mirrored = endpoint.shared.mirrored.lock().unwrap();
            for tool in tools.into_iter().flatten() {
                let (Some(name), Some(schema)) = (
                    tool.get("name").and_then(Value::as_str),
                    tool.get("inputSchema"),
                ) else {
                    continue;
                };
                let annotations = param_headers::annotations(schema).unwrap_or_default();
                mirrored.insert(name.to_string(), annotations);
            }
        }
        drop(lists);
        let is_init = endpoint.shared.initialize_id.lock().unwrap().as_ref() == Some(id);
        if let (true, Some(v)) = (
            is_init,
            msg.pointer("/result/protocolVersion")
                .and_then(Value::as_str),
        ) {
            *endpoint.shared.protocol_version.lock().unwrap() = Some(v.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_for(message: Value, known: Option<&str>) -> Vec<(String, String)> {
        let mut headers = HeaderMap::new();
        stateless_headers(&message, known, &mut headers);
        let mut out: Vec<(String, String)> = (headers.iter())
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_notification_of_a_stateless_session_says_the_era_like_its_requests() {
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
        assert_eq!(
            headers_for(cancel.clone(), Some("2026-07-28")),
            [
                (
                    "mcp-method".to_string(),
                    "notifications/cancelled".to_string()
                ),
                ("mcp-protocol-version".to_string(), "2026-07-28".to_string()),
            ]
        );
        // A handshake-era session's notifications carry none of the era's headers.
        assert!(headers_for(cancel, Some("2025-11-25")).is_empty());
    }

    #[test]
    fn a_request_says_the_version_its_meta_names_even_one_the_session_does_not_speak() {
        let meta = json!({ stateless::PROTOCOL_VERSION: "2099-01-01" });
        let discover = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}});
        let headers = headers_for(discover, Some("2026-07-28"));
        assert!(headers.contains(&("mcp-protocol-version".to_string(), "2099-01-01".to_string())));
    }
}
