//! The WebSocket transport: offers the `mcp` subprotocol, sends one JSON-RPC message per text
//! frame, and records the handshake, binary frames and the close code. Frames larger than the
//! maximum are refused by the WebSocket layer itself.

use super::{
    redact_headers, BoxFuture, Connection, Incoming, Kind, Link, NetOptions, Note, Process,
};
use crate::protocol::Frame;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;

struct WsLink {
    sink: Option<Sink>,
    reader: tokio::task::AbortHandle,
}

/// Connects offering the `mcp` subprotocol. A server that ignores the offer fails the client
/// handshake; that handshake is recorded (it is the evidence for `ws/subprotocol`) and the
/// connection is made again without the offer, so the session is still judged.
pub async fn connect(url: &str, opts: NetOptions) -> std::io::Result<Connection> {
    super::install_crypto();
    match handshake(url, &opts, true).await {
        Err(HandshakeError::NoSubprotocol(request_note)) => {
            let refused = vec![
                request_note,
                Note::HttpResponse { exchange: 0, status: 101, headers: Vec::new() },
                Note::Error { message: "the server selected no subprotocol though mcp was offered; connecting again without the offer".into() },
            ];
            match handshake(url, &opts, false).await {
                Ok(connected) => Ok(connected.into_connection(url, refused).await),
                Err(e) => Err(e.into()),
            }
        }
        Ok(connected) => Ok(connected.into_connection(url, Vec::new()).await),
        Err(e) => Err(e.into()),
    }
}

enum HandshakeError {
    /// The server ignored the offered subprotocol; the request note is kept as evidence.
    NoSubprotocol(Note),
    Io(std::io::Error),
}

impl From<HandshakeError> for std::io::Error {
    fn from(e: HandshakeError) -> Self {
        match e {
            HandshakeError::Io(e) => e,
            HandshakeError::NoSubprotocol(_) => std::io::Error::other("no subprotocol selected"),
        }
    }
}

struct Connected {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    notes: Vec<Note>,
}

async fn handshake(url: &str, opts: &NetOptions, offer: bool) -> Result<Connected, HandshakeError> {
    let io = |e: std::io::Error| HandshakeError::Io(e);
    let mut request = url
        .into_client_request()
        .map_err(|e| io(std::io::Error::other(e)))?;
    let headers = request.headers_mut();
    if offer {
        headers.insert("sec-websocket-protocol", HeaderValue::from_static("mcp"));
    }
    for (name, value) in &opts.headers {
        if let (Ok(n), Ok(v)) = (
            tokio_tungstenite::tungstenite::http::HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(n, v);
        }
    }
    if let Some(token) = &opts.bearer {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
            headers.insert("authorization", v);
        }
    }
    let secrets = opts.secrets();
    let request_note = Note::HttpRequest {
        exchange: 0,
        method: "GET".into(),
        path: request.uri().path().to_string(),
        carries: None,
        request_id: None,
        headers: redact_headers(
            request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("[binary]"))),
            &secrets,
        ),
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(opts.max_frame))
        .max_frame_size(Some(opts.max_frame));
    use tokio_tungstenite::tungstenite::error::{ProtocolError, SubProtocolError};
    use tokio_tungstenite::tungstenite::Error as WsError;
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
    let (stream, response) = match tokio::time::timeout(opts.timeout, connecting).await {
        Err(_) => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the WebSocket handshake timed out",
            )))
        }
        Ok(Err(WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(
            SubProtocolError::NoSubProtocol,
        )))) => return Err(HandshakeError::NoSubprotocol(request_note)),
        Ok(Err(e)) => return Err(io(std::io::Error::other(e))),
        Ok(Ok(connected)) => connected,
    };
    let response_note = Note::HttpResponse {
        exchange: 0,
        status: response.status().as_u16(),
        headers: redact_headers(
            response
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("[binary]"))),
            &secrets,
        ),
    };
    Ok(Connected {
        stream,
        notes: vec![request_note, response_note],
    })
}

impl Connected {
    /// Starts reading; `earlier` notes (a refused handshake) come first in the trace.
    async fn into_connection(self, url: &str, earlier: Vec<Note>) -> Connection {
        let (tx, rx) = mpsc::channel(super::EVENT_BUFFER);
        for note in earlier.into_iter().chain(self.notes) {
            let _ = tx.send(Incoming::Transport(note)).await;
        }
        let (sink, mut stream) = self.stream.split();
        let reader = tokio::spawn(async move {
            while let Some(message) = stream.next().await {
                let event = match message {
                    Ok(Message::Text(text)) => {
                        Incoming::Frame(Frame::from_bytes(text.as_bytes().to_vec()))
                    }
                    Ok(Message::Binary(bytes)) => {
                        Incoming::Transport(Note::WsBinary { bytes: bytes.len() })
                    }
                    Ok(Message::Close(frame)) => Incoming::Transport(Note::WsClose {
                        code: frame.as_ref().map(|f| u16::from(f.code)),
                        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    }),
                    Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => continue,
                    Err(e) => Incoming::Transport(Note::Error {
                        message: format!("WebSocket: {e}"),
                    }),
                };
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(Incoming::Closed).await;
        });
        Connection {
            link: Box::new(WsLink {
                sink: Some(sink),
                reader: reader.abort_handle(),
            }),
            events: rx,
            process: Process::None,
            kind: Kind::Ws,
            description: super::redact_url(url),
            pid: None,
        }
    }
}

impl Link for WsLink {
    fn send<'a>(&'a mut self, frame: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let sink = self
                .sink
                .as_mut()
                .ok_or_else(|| std::io::Error::other("the WebSocket is closed"))?;
            let text = String::from_utf8_lossy(frame).into_owned();
            sink.send(Message::text(text))
                .await
                .map_err(std::io::Error::other)
        })
    }

    fn close(&mut self) {
        if let Some(mut sink) = self.sink.take() {
            tokio::spawn(async move {
                let _ = sink.close().await;
            });
        }
    }

    fn abort(&mut self) {
        self.sink = None;
        self.reader.abort();
    }
}
