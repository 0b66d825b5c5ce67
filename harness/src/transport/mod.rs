//! Transports: how frames reach a server and come back. Every transport delivers what it
//! observes as `Incoming` events on one channel, so the runner drives every target the same way.

pub mod in_process;
pub mod lines;
pub mod stdio;

use crate::protocol::Frame;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

/// Default maximum size of one frame (16 MiB); a longer server line is discarded.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Events buffered between the transport's readers and the runner. When the runner falls behind,
/// readers wait, so a flooding server is slowed down instead of filling memory.
const EVENT_BUFFER: usize = 1024;

/// What a transport observed.
#[derive(Debug)]
pub enum Incoming {
    Frame(Frame),
    /// A line longer than the maximum frame size, discarded.
    Oversize {
        bytes: u64,
    },
    Stderr(String),
    /// The server's output ended.
    Closed,
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
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
    input: Option<Box<dyn AsyncWrite + Send + Unpin>>,
    events: mpsc::Receiver<Incoming>,
    process: Process,
    /// Human-readable description for the trace's `spawned` event.
    pub description: String,
    pub pid: Option<u32>,
}

/// What must be stopped when the connection ends.
enum Process {
    Child(stdio::ChildGuard),
    Tasks(Vec<tokio::task::AbortHandle>),
}

impl Connection {
    /// Writes one frame followed by a newline. Fails if the server stopped reading for longer
    /// than `timeout` or its input is closed.
    pub async fn send(&mut self, bytes: &[u8], timeout: Duration) -> std::io::Result<()> {
        let input = self
            .input
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the server's input is closed"))?;
        let write = async {
            input.write_all(bytes).await?;
            input.write_all(b"\n").await?;
            input.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
            Ok(result) => result,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the server stopped reading its input",
            )),
        }
    }

    /// Closes the server's input (stdin EOF), the usual way to ask a stdio server to exit.
    pub fn close_input(&mut self) {
        self.input = None;
    }

    /// The next event, or None once nothing more can arrive.
    pub async fn recv(&mut self) -> Option<Incoming> {
        self.events.recv().await
    }

    /// Stops the server: kills the process group (stdio) or the serving task (in-process).
    /// Remaining events stay readable until the channel drains.
    pub fn stop(&mut self) {
        self.input = None;
        match &mut self.process {
            Process::Child(child) => child.kill(),
            Process::Tasks(tasks) => tasks.iter().for_each(|t| t.abort()),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.stop();
    }
}
