//! The trace: every event of a session in order, with its time, as the runner observed it.
//! The judge reads nothing else, so a trace is the whole evidence for every verdict.

use crate::protocol::{Frame, MessageKind};
use crate::scenario::Expectation;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::time::Instant;

/// Notification frames recorded per session before further ones are only counted: a server
/// that floods notifications must not exhaust the harness's memory.
pub const MAX_RECORDED_NOTIFICATIONS: usize = 20_000;

#[derive(Debug, Serialize)]
pub struct Event {
    pub seq: u64,
    /// Milliseconds since the session started.
    pub ms: f64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. `dir` in the JSONL form says who it came from: `out` (harness to server),
/// `in` (server to harness) or `meta` (the runner's own record).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A frame the harness sent, and the scenario step that sent it.
    Sent {
        step: String,
        #[serde(serialize_with = "frame_record")]
        frame: Frame,
    },
    /// A frame the server sent.
    Received {
        #[serde(serialize_with = "frame_record")]
        frame: Frame,
    },
    /// A line the server wrote to stderr.
    Stderr { line: String },
    /// A server line longer than the maximum frame size: discarded, only its length kept.
    Oversize { bytes: u64 },
    /// A transport-level fact: an HTTP request or response, SSE fields, a WebSocket close.
    Transport(crate::transport::Note),
    /// A raw HTTP exchange a scenario step made, as matchers see it.
    HttpExchange { step: String, view: Value },
    Spawned {
        command: String,
        transport: crate::transport::Kind,
        #[serde(skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
    },
    /// The server's output stream ended.
    Closed,
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// The harness closed the server's input.
    InputClosed { step: String },
    /// A wait ended without what it waited for.
    Timeout {
        step: String,
        waited_ms: u64,
        waiting_for: String,
    },
    /// What the scenario expects; the judge evaluates it against the events around it.
    Expect(Box<Expectation>),
    /// Checks that do not apply to this session, with the reason.
    Skip { checks: Vec<String>, reason: String },
    /// Checks whose step could not be performed, with the reason; `subject` names the foreach
    /// item they were for.
    Unperformed {
        checks: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
        reason: String,
    },
    /// Frames that were received but not recorded (see MAX_RECORDED_NOTIFICATIONS).
    Dropped { notifications: u64 },
}

impl EventKind {
    pub fn direction(&self) -> &'static str {
        match self {
            EventKind::Sent { .. }
            | EventKind::InputClosed { .. }
            | EventKind::Transport(crate::transport::Note::HttpRequest { .. })
            | EventKind::Transport(crate::transport::Note::StreamClosed { .. }) => "out",
            EventKind::Received { .. }
            | EventKind::Stderr { .. }
            | EventKind::Oversize { .. }
            | EventKind::Transport(_)
            | EventKind::HttpExchange { .. }
            | EventKind::Closed
            | EventKind::Exited { .. } => "in",
            _ => "meta",
        }
    }
}

fn frame_record<S: serde::Serializer>(frame: &Frame, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(None)?;
    match &frame.json {
        Some(json) => map.serialize_entry("json", json)?,
        None => map.serialize_entry("text", &frame.text())?,
    }
    if !frame.is_utf8() {
        map.serialize_entry("utf8", &false)?;
    }
    map.end()
}

/// The events of one session.
#[derive(Debug)]
pub struct Trace {
    started: Instant,
    events: Vec<Event>,
    notifications: usize,
    dropped: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Self::new()
    }
}

impl Trace {
    pub fn new() -> Self {
        Trace {
            started: Instant::now(),
            events: Vec::new(),
            notifications: 0,
            dropped: 0,
        }
    }

    /// Records an event and returns its sequence number.
    pub fn record(&mut self, kind: EventKind) -> u64 {
        let seq = self.next_seq();
        let ms = (self.started.elapsed().as_micros() as f64) / 1000.0;
        self.events.push(Event { seq, ms, kind });
        seq
    }

    /// Records a frame the server sent; None when it is a notification past
    /// [`MAX_RECORDED_NOTIFICATIONS`], which is only counted.
    pub fn record_received(&mut self, frame: Frame) -> Option<u64> {
        if matches!(frame.kind(), MessageKind::Notification { .. }) {
            if self.notifications >= MAX_RECORDED_NOTIFICATIONS {
                self.dropped += 1;
                return None;
            }
            self.notifications += 1;
        }
        Some(self.record(EventKind::Received { frame }))
    }

    /// Ends recording: notes how many notifications were dropped, if any.
    pub fn finish(&mut self) {
        if self.dropped > 0 {
            let notifications = self.dropped;
            self.dropped = 0;
            self.record(EventKind::Dropped { notifications });
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.events.len() as u64
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn elapsed_ms(&self) -> f64 {
        (self.started.elapsed().as_micros() as f64) / 1000.0
    }

    /// Writes the trace as JSON Lines, one event per line.
    pub fn write_jsonl(&self, mut out: impl Write) -> std::io::Result<()> {
        for e in &self.events {
            let mut line = serde_json::to_value(e).map_err(std::io::Error::other)?;
            if let Value::Object(map) = &mut line {
                map.insert("dir".into(), Value::from(e.kind.direction()));
            }
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
