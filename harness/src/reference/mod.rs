//! The embedded reference MCP server: a correct server for every supported revision that can be
//! told to break one requirement on purpose (a [`Fault`]), so that every check can be seen to fail.
//!
//! [`Server`] holds the protocol logic and answers one input line at a time, without I/O;
//! [`serve_lines`] runs it over any byte stream (stdio for `zcpspec serve`, a pipe in process).

mod client_requests;
mod completion;
mod discovery;
mod elicitation;
mod extras;
pub mod faults;
mod hostile;
pub mod http;
mod jsonrpc;
mod later;
mod lifecycle;
mod listen;
mod logging;
mod pagination;
mod prompts;
mod resources;
mod roots;
mod router;
mod sampling;
mod serve;
mod sleep;
pub(crate) mod stateless;
mod subscriptions;
mod tasks;
mod tasks_ext;
#[cfg(test)]
mod tests;
mod tools;

pub use faults::Fault;
pub use http::serve_http;
pub use later::Due;
pub(crate) use listen::subscription_of;
pub use serve::serve_lines;

use crate::protocol::Revision;
use serde_json::Value;

/// What the server writes in answer to one input line.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A JSON-RPC message, written as one compact JSON line.
    Message(Value),
    /// Bytes written verbatim (no newline added): for faults that write garbage, invalid UTF-8 or
    /// huge lines.
    Raw(Vec<u8>),
    /// `count` copies of `byte`, written in pieces so that nobody holds them all at once.
    Repeat { byte: u8, count: usize },
    /// The server process exits with this status (in-process: the serving task ends).
    Exit(i32),
}

/// The reference server's protocol state: transport-independent and synchronous.
pub struct Server {
    fault: Option<Fault>,
    /// Set by a successful initialize.
    session: Option<lifecycle::Session>,
    /// Index of the least severe log level the log tool sends (0: debug).
    log_threshold: usize,
    /// Requests sent to the client (roots, sampling, elicitation) and what they left behind.
    client_requests: client_requests::ClientRequests,
    /// Notifications numbered so far (only for the notification-with-id fault).
    notifications_numbered: u64,
    /// Garbage lines written so far (only for the garbage-lines fault).
    garbage_lines_written: u64,
    /// Work scheduled for later (slow calls, tasks).
    later: later::Later,
    tasks: tasks::Tasks,
    /// The tasks of the tasks extension (2026-07-28).
    ext_tasks: tasks_ext::ExtTasks,
    /// Whether toggle_extras has switched the extra tool, resource and prompt on.
    extras_on: bool,
    subscriptions: subscriptions::Subscriptions,
    /// The open `subscriptions/listen` subscriptions (2026-07-28), oldest first.
    listeners: Vec<listen::Listener>,
    /// The stateless (2026-07-28) request being handled, if that is what is being handled.
    stateless: Option<stateless::Request>,
    /// Whether server/discover was called on this connection (only the needs-discover-first
    /// fault cares).
    discovered: bool,
    /// The key of the hash that makes a requestState tamper-evident.
    state_key: u64,
    /// Stateless tools/list calls so far (only the tools-list-unstable fault cares).
    listings: u64,
    /// Whether a result asked the client for input yet (only the assumes-retry fault cares).
    asked_in_result: bool,
}

impl Server {
    pub fn new(fault: Option<Fault>) -> Self {
        Server {
            fault,
            session: None,
            log_threshold: 0,
            client_requests: client_requests::ClientRequests::default(),
            notifications_numbered: 0,
            garbage_lines_written: 0,
            later: later::Later::default(),
            tasks: tasks::Tasks::default(),
            ext_tasks: tasks_ext::ExtTasks::default(),
            extras_on: false,
            subscriptions: subscriptions::Subscriptions::default(),
            listeners: Vec::new(),
            stateless: None,
            discovered: false,
            state_key: {
                let mut key = [0u8; 8];
                // Without randomness the key is fixed: states still verify, only predictably.
                let _ = getrandom::fill(&mut key);
                u64::from_le_bytes(key)
            },
            listings: 0,
            asked_in_result: false,
        }
    }

    /// Handles one input line (without its newline) and returns what to write, in order.
    pub fn handle_line(&mut self, line: &[u8]) -> Vec<Output> {
        if self.has(Fault::Silent) {
            return Vec::new();
        }
        match serde_json::from_slice(line) {
            Ok(Value::Array(items)) => self.handle_batch(items),
            Ok(message) => self.handle_message(message),
            Err(_) => self.answer_unparseable(),
        }
    }

    /// Handles a line that was longer than the transport accepts: it is answered as unparseable.
    fn handle_oversized_line(&mut self) -> Vec<Output> {
        if self.has(Fault::Silent) {
            return Vec::new();
        }
        self.answer_unparseable()
    }

    /// Called when the input stream ends; returns true if the server should keep running
    /// (IgnoreStdinClose).
    pub fn keeps_running_after_input_closes(&self) -> bool {
        self.has(Fault::IgnoreStdinClose)
    }

    fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }

    /// The revision of what is being handled: 2026-07-28 for a stateless request, else the
    /// negotiated one (the latest before initialize).
    fn revision(&self) -> Revision {
        if self.stateless.is_some() {
            return Revision::STATELESS;
        }
        self.session
            .as_ref()
            .map_or(Revision::LATEST, |session| session.revision)
    }
}
