//! The in-process transport: runs the embedded reference server as a task, connected through
//! in-memory pipes with the same newline framing as stdio, so it behaves like a spawned server
//! without the cost of a process.

use super::{forward_frames, Connection, Incoming, Kind, LineLink, Process, EVENT_BUFFER};
use crate::reference::{serve_lines, Fault, Server};
use tokio::sync::mpsc;

/// Bytes in flight in each direction before the writer waits.
const PIPE_CAPACITY: usize = 256 * 1024;

pub fn connect(fault: Option<Fault>, max_frame: usize) -> Connection {
    let (client_in, server_in) = tokio::io::duplex(PIPE_CAPACITY);
    let (server_out, client_out) = tokio::io::duplex(PIPE_CAPACITY);
    let (tx, rx) = mpsc::channel(EVENT_BUFFER);

    let server = tokio::spawn(async move {
        let (read_half, _) = tokio::io::split(server_in);
        serve_lines(Server::new(fault), read_half, server_out, max_frame).await
    });

    let server_abort_handle = server.abort_handle();
    let task = tokio::spawn(async move {
        forward_frames(client_out, max_frame, &tx).await;
        let code = server.await.ok();
        let _ = tx.send(Incoming::Exited { code, signal: None }).await;
    });

    let description = match fault {
        Some(f) => format!("embedded reference server (fault {f})"),
        None => "embedded reference server".to_string(),
    };
    Connection {
        link: Box::new(LineLink(Some(Box::new(client_in)))),
        events: rx,
        kind: Kind::Stdio,
        process: Process::Tasks(vec![task.abort_handle(), server_abort_handle]),
        description,
        pid: None,
    }
}
