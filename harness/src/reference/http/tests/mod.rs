//! Tests of the HTTP surfaces over real sockets on 127.0.0.1 (reqwest for HTTP,
//! tokio-tungstenite for `/ws`), and the helpers they share. Every wait is bounded by [`WAIT`].

mod faults;
mod mcp;
mod surfaces;

use super::serve_http;
use crate::reference::Fault;
use crate::transport::sse::{Event, Item, Parser};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

const WAIT: Duration = Duration::from_secs(10);
const ACCEPT_BOTH: &str = "application/json, text/event-stream";
const MAX_BODY: usize = 1024 * 1024;

/// Awaits `future`, failing the test if it takes longer than [`WAIT`].
async fn within<F: Future>(future: F) -> F::Output {
    tokio::time::timeout(WAIT, future).await.expect("timed out")
}

/// Starts a server on a free port; its base URL (`http://127.0.0.1:<port>`).
async fn start(fault: Option<Fault>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_http(listener, fault, MAX_BODY));
    base
}

/// A client for plain http (reqwest still needs a TLS crypto provider installed to build one).
fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn initialize_request(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"roots": {}},
        "clientInfo": {"name": "test", "version": "0"}}})
}

fn notification(method: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": method})
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    (response.headers().get(name))
        .map(|value| value.to_str().unwrap())
        .unwrap_or_default()
}

async fn json_body(response: Response) -> Value {
    serde_json::from_slice(&within(response.bytes()).await.unwrap()).unwrap()
}

/// A streamable-HTTP client of `/mcp` that remembers its session.
struct Mcp {
    http: reqwest::Client,
    url: String,
    session: Option<String>,
}

impl Mcp {
    async fn start(fault: Option<Fault>) -> Mcp {
        Mcp {
            http: http_client(),
            url: format!("{}/mcp", start(fault).await),
            session: None,
        }
    }

    /// Starts a server and initializes a session on it.
    async fn initialized(fault: Option<Fault>) -> Mcp {
        let mut mcp = Mcp::start(fault).await;
        let response = mcp.send(&initialize_request(1)).await;
        assert_eq!(response.status(), 200);
        mcp.session = Some(header(&response, "mcp-session-id").to_string());
        assert_eq!(json_body(response).await["id"], 1);
        mcp
    }

    fn with_session(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.session {
            Some(id) => request.header("mcp-session-id", id),
            None => request,
        }
    }

    /// A POST of `body`, accepting JSON and SSE, with the session id once known.
    fn post(&self, body: &Value) -> RequestBuilder {
        let request = (self.http.post(&self.url))
            .header(ACCEPT, ACCEPT_BOTH)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.with_session(request)
    }

    async fn send(&self, body: &Value) -> Response {
        within(self.post(body).send()).await.unwrap()
    }

    /// A GET of the session's stream.
    fn get(&self) -> RequestBuilder {
        let request = self.http.get(&self.url).header(ACCEPT, "text/event-stream");
        self.with_session(request)
    }

    /// Opens the GET stream and reads its priming event.
    async fn open_stream(&self, last_event_id: Option<&str>) -> Events {
        let mut request = self.get();
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = within(request.send()).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "content-type"), "text/event-stream");
        let mut events = Events::new(response);
        let priming = events.next().await.expect("a priming event");
        assert!(priming.id.is_some() && priming.data.is_empty());
        events
    }

    /// POSTs the ping-stream notification: one log message on the GET stream.
    async fn ping_stream(&self) {
        let response = self
            .send(&notification("notifications/zcpspec/ping-stream"))
            .await;
        assert_eq!(response.status(), 202);
    }
}

/// The SSE events of a response body, parsed as they arrive.
struct Events {
    response: Response,
    parser: Parser,
    ready: VecDeque<Event>,
}

impl Events {
    fn new(response: Response) -> Events {
        Events {
            response,
            parser: Parser::new(MAX_BODY),
            ready: VecDeque::new(),
        }
    }

    /// The next event; None at the end of the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let chunk = within(self.response.chunk()).await.unwrap()?;
            for item in self.parser.feed(&chunk) {
                match item {
                    Item::Event(event) => self.ready.push_back(event),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }

    /// The next event's id and JSON data.
    async fn message(&mut self) -> (Option<String>, Value) {
        let event = self.next().await.expect("another event");
        (event.id, serde_json::from_str(&event.data).unwrap())
    }
}
