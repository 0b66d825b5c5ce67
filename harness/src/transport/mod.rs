//! Transports: how frames reach a server and come back. A connection has an outbound `Link`
//! (lines to a pipe, a POST per message, a WebSocket text frame) and delivers everything it
//! observes as `Incoming` events on one channel, so the runner drives every target the same way.

pub mod http;
pub mod in_process;
pub mod lines;
pub mod sse;
pub mod stdio;
pub mod ws;

use crate::protocol::Frame;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Default maximum size of one frame (16 MiB); a longer server line or body is discarded.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Events buffered between the transport's readers and the runner. When the runner falls behind,
/// readers wait, so a flooding server is slowed down instead of filling memory.
const EVENT_BUFFER: usize = 1024;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The ways the harness reaches a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A spawned command, or the in-process reference server: newline-delimited JSON.
    Stdio,
    StreamableHttp,
    /// Legacy HTTP+SSE (2024-11-05).
    Sse,
    Ws,
    /// ZCP native `POST /zcp`.
    Zcp,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Stdio,
        Kind::StreamableHttp,
        Kind::Sse,
        Kind::Ws,
        Kind::Zcp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Stdio => "stdio",
            Kind::StreamableHttp => "streamable-http",
            Kind::Sse => "sse",
            Kind::Ws => "ws",
            Kind::Zcp => "zcp",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// What a transport observed.
#[derive(Debug)]
pub enum Incoming {
    Frame(Frame),
    /// A line or body longer than the maximum frame size, discarded.
    Oversize {
        bytes: u64,
    },
    Stderr(String),
    /// Transport-level facts: HTTP exchanges, SSE fields, WebSocket frames, errors.
    Transport(Note),
    /// The server's output ended.
    Closed,
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
}

/// A transport-level fact recorded in the trace. Header values that may carry secrets are
/// redacted before a note is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Note {
    /// An HTTP request the harness made; `exchange` numbers it within the session.
    HttpRequest {
        exchange: u32,
        method: String,
        path: String,
        /// What the body carries: `request`, `notification`, `response`, or none.
        #[serde(skip_serializing_if = "Option::is_none")]
        carries: Option<String>,
        /// The id of the request it carries, if it carries one.
        #[serde(skip_serializing_if = "Option::is_none")]
        request_id: Option<serde_json::Value>,
        headers: Vec<(String, String)>,
    },
    HttpResponse {
        exchange: u32,
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// The fields of one SSE event on the stream that answered `exchange`; its data, when it
    /// is a message, is the very next event (a frame), so the trace shows each message's stream.
    Sse {
        exchange: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        event: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retry: Option<u64>,
        data_bytes: usize,
    },
    /// A WebSocket binary frame (MCP messages travel as text).
    WsBinary {
        bytes: usize,
    },
    WsClose {
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<u16>,
        reason: String,
    },
    /// The harness closed the stream answering `exchange` (streamable HTTP's cancellation in
    /// 2026-07-28).
    StreamClosed {
        exchange: u32,
    },
    Error {
        message: String,
    },
}

/// Options for network targets.
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    /// Extra request headers (`--header`).
    pub headers: Vec<(String, String)>,
    /// A bearer token sent as `Authorization: Bearer …` (`--bearer-env`); never recorded.
    pub bearer: Option<String>,
    pub max_frame: usize,
    /// How long to wait for a connection or an endpoint event.
    pub timeout: Duration,
}

/// Whether `name` may be sent as a request header name (`--header`, a targets file's
/// `headers`): letters, digits, `-` and `_`.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty() && (name.bytes()).all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

impl NetOptions {
    /// Secret values: never written to a trace or report.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = self.bearer.iter().cloned().collect();
        secrets.extend(
            self.headers
                .iter()
                .filter(|(name, _)| is_secret_header(name))
                .map(|(_, v)| v.clone()),
        );
        secrets
    }
}

fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "authorization",
        "cookie",
        "token",
        "secret",
        "key",
        "password",
        "session",
    ]
    .iter()
    .any(|w| name.contains(w))
        && name != "mcp-session-id"
}

/// Headers as recorded: credentials replaced by `[redacted]`.
pub fn redact_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    secrets: &[String],
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| {
            let hidden = is_secret_header(name)
                || secrets
                    .iter()
                    .any(|s| !s.is_empty() && value.contains(s.as_str()));
            let value = if hidden { "[redacted]" } else { value };
            (name.to_ascii_lowercase(), value.to_string())
        })
        .collect()
}

/// A URL as it may be shown: query values (which may carry tokens) and user info hidden.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            let _ = u.set_username("");
            if u.query().is_some() {
                let keys: Vec<String> = u
                    .query_pairs()
                    .map(|(k, _)| format!("{k}=[redacted]"))
                    .collect();
                u.set_query(Some(&keys.join("&")));
            }
            u.to_string()
        }
        Err(_) => "[unparseable URL]".into(),
    }
}

/// Makes rustls use the ring provider (reqwest and tungstenite are built without one).
fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The outbound half of a connection.
pub trait Link: Send {
    /// Delivers one JSON-RPC frame to the server.
    fn send<'a>(&'a mut self, frame: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
    /// Delivers frames in order, by default one at a time, each within `timeout`.
    fn send_all<'a>(
        &'a mut self,
        frames: &'a [&'a [u8]],
        timeout: Duration,
    ) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            for frame in frames {
                accepted_within(timeout, self.send(frame)).await?;
            }
            Ok(())
        })
    }
    /// Ends the client's side: closes stdin, deletes the HTTP session, closes the WebSocket.
    /// The event channel closes once the transport's readers have finished.
    fn close(&mut self);
    /// Ends everything at once: the client side and every task still reading answers.
    fn abort(&mut self) {
        self.close();
    }
    /// The raw-HTTP endpoint of a streamable HTTP or legacy HTTP+SSE session, for transport
    /// scenarios.
    fn http(&self) -> Option<&http::Endpoint> {
        None
    }
    /// Streamable HTTP: closes the stream answering the request with this id, and returns the
    /// exchange that carried it; None where there is no such stream.
    fn close_stream(&mut self, _request_id: &serde_json::Value) -> Option<u32> {
        None
    }
}

/// Writes newline-delimited frames to a pipe (stdio and in-process).
struct LineLink(Option<Box<dyn AsyncWrite + Send + Unpin>>);

impl LineLink {
    /// Writes the frames as lines in one write: a pipe write is a system call, and a server
    /// reads whole lines anyway.
    async fn write_lines(&mut self, frames: &[&[u8]]) -> std::io::Result<()> {
        let input = self
            .0
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the server's input is closed"))?;
        let mut lines = Vec::with_capacity(frames.iter().map(|f| f.len() + 1).sum());
        for frame in frames {
            lines.extend_from_slice(frame);
            lines.push(b'\n');
        }
        input.write_all(&lines).await?;
        input.flush().await
    }
}

impl Link for LineLink {
    fn send<'a>(&'a mut self, frame: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move { self.write_lines(&[frame]).await })
    }

    /// The frames in one write, which the server must keep reading within `timeout`.
    fn send_all<'a>(
        &'a mut self,
        frames: &'a [&'a [u8]],
        timeout: Duration,
    ) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move { accepted_within(timeout, self.write_lines(frames)).await })
    }

    fn close(&mut self) {
        self.0 = None;
    }
}

/// Reads newline-delimited frames from a server's output and forwards them as events, then
/// `Closed` at end of stream. Stops early if nobody listens any more.
async fn forward_frames(
    output: impl tokio::io::AsyncRead + Unpin,
    max_frame: usize,
    events: &mpsc::Sender<Incoming>,
) {
    let mut lines = lines::LineReader::new(tokio::io::BufReader::new(output), max_frame);
    loop {
        let event = match lines.next().await {
            Ok(Some(lines::Line::Frame(bytes))) => Incoming::Frame(Frame::from_bytes(bytes)),
            Ok(Some(lines::Line::Oversize(bytes))) => Incoming::Oversize { bytes },
            Ok(None) | Err(_) => break,
        };
        if events.send(event).await.is_err() {
            return;
        }
    }
    let _ = events.send(Incoming::Closed).await;
}

/// An open connection to a server under test.
pub struct Connection {
    link: Box<dyn Link>,
    events: mpsc::Receiver<Incoming>,
    process: Process,
    pub kind: Kind,
    /// Human-readable description for the trace's `spawned` event.
    pub description: String,
    pub pid: Option<u32>,
}

/// A send that must complete within `timeout`, or the server stopped accepting input.
async fn accepted_within(
    timeout: Duration,
    send: impl std::future::Future<Output = std::io::Result<()>>,
) -> std::io::Result<()> {
    match tokio::time::timeout(timeout, send).await {
        Ok(result) => result,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the server stopped accepting input",
        )),
    }
}

/// What must be stopped when the connection ends.
enum Process {
    Child(stdio::ChildGuard),
    Tasks(Vec<tokio::task::AbortHandle>),
    /// Network links stop their own tasks.
    None,
}

impl Connection {
    /// Delivers one frame. Fails if the server stopped reading for longer than `timeout` or
    /// the connection is closed.
    pub async fn send(&mut self, bytes: &[u8], timeout: Duration) -> std::io::Result<()> {
        accepted_within(timeout, self.link.send(bytes)).await
    }

    /// Delivers frames in order: over a pipe in one write, elsewhere one at a time. Fails if
    /// the server stopped reading for longer than `timeout`.
    pub async fn send_all(&mut self, frames: &[&[u8]], timeout: Duration) -> std::io::Result<()> {
        self.link.send_all(frames, timeout).await
    }

    /// Ends the client's side (stdin EOF, DELETE, WebSocket close).
    pub fn close_input(&mut self) {
        self.link.close();
    }

    pub fn http(&self) -> Option<&http::Endpoint> {
        self.link.http()
    }

    /// Closes the stream answering a request (streamable HTTP), returning its exchange.
    pub fn close_stream(&mut self, request_id: &serde_json::Value) -> Option<u32> {
        self.link.close_stream(request_id)
    }

    /// The next event, or None once nothing more can arrive.
    pub async fn recv(&mut self) -> Option<Incoming> {
        self.events.recv().await
    }

    /// Asks a spawned server to terminate (SIGTERM to its process group); other targets have
    /// nothing to terminate.
    pub fn terminate(&mut self) {
        if let Process::Child(child) = &mut self.process {
            child.terminate();
        }
    }

    /// Stops the server side: kills the process group (stdio), the serving task (in-process),
    /// or every network task. Remaining events stay readable until the channel drains.
    pub fn stop(&mut self) {
        self.link.abort();
        match &mut self.process {
            Process::Child(child) => child.kill(),
            Process::Tasks(tasks) => tasks.iter().for_each(|t| t.abort()),
            Process::None => {}
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.stop();
    }
}
