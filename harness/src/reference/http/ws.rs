//! WebSocket on `/ws`: one [`Server`] per connection, one JSON-RPC message per text frame, the
//! `mcp` subprotocol selected when the client offers it. Binary frames are ignored. Raw output
//! bytes go out as one text frame per line (decoded lossily); repeated bytes as text frames of
//! at most [`REPEAT_FRAME`] bytes each; an Exit closes the connection with code 1011.

use super::gate;
use super::App;
use crate::reference::serve::sleep_until;
use crate::reference::{Due, Fault, Output, Server};
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// The largest text frame built for repeated bytes.
const REPEAT_FRAME: usize = 1024 * 1024;

pub(super) async fn upgrade(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if let Err(refusal) = gate::check_origin(&app, &headers) {
        return refusal.into_response();
    }
    let mut upgrade = upgrade.max_message_size(app.max_body);
    if !app.has(Fault::WsNoSubprotocol) {
        upgrade = upgrade.protocols(["mcp"]);
    }
    let fault = app.fault;
    upgrade.on_upgrade(move |socket| serve(socket, fault))
}

async fn serve(mut socket: WebSocket, fault: Option<Fault>) {
    let mut server = Server::new(fault);
    loop {
        // Receiving a message is cancel-safe, so scheduled work can interleave with it.
        let outputs = tokio::select! {
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => server.handle_line(text.as_bytes()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
            _ = sleep_until(server.next_due()) => Due::merged(server.run_due(Instant::now())),
        };
        for output in outputs {
            if !send(&mut socket, output).await {
                return;
            }
        }
    }
}

/// Sends one output; false once the connection is over (closed after an Exit, or gone).
async fn send(socket: &mut WebSocket, output: Output) -> bool {
    let frame = |bytes: &[u8]| Message::text(String::from_utf8_lossy(bytes).into_owned());
    match output {
        Output::Message(message) => socket
            .send(Message::text(message.to_string()))
            .await
            .is_ok(),
        Output::Raw(bytes) => {
            for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                if socket.send(frame(line)).await.is_err() {
                    return false;
                }
            }
            true
        }
        Output::Repeat { byte, count } => {
            let mut left = count;
            while left > 0 {
                let n = left.min(REPEAT_FRAME);
                if socket.send(frame(&vec![byte; n])).await.is_err() {
                    return false;
                }
                left -= n;
            }
            true
        }
        Output::Exit(status) => {
            let close = CloseFrame {
                code: close_code::ERROR,
                reason: format!("the server exited with status {status}").into(),
            };
            let _ = socket.send(Message::Close(Some(close))).await;
            false
        }
    }
}
