//! Scenarios: declarative session scripts loaded from YAML. This module holds the model the
//! runner executes; `load` turns files into it, `matcher` and `vars` evaluate what it says.

pub mod load;
pub mod matcher;
pub mod vars;

use crate::protocol::revision::RevisionRange;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

pub use load::{load_dir, load_file, LoadError};

/// The tags a scenario may carry (`tags:`), for `--filter tag:NAME`, with what each means.
/// Each says something about a scenario its id does not.
pub const TAGS: &[(&str, &str)] = &[
    (
        "slow",
        "waits on purpose (a silence window, a long-running tool, every tool called): seconds even against a prompt server",
    ),
    ("malformed", "sends invalid JSON-RPC on purpose"),
    (
        "server-requests",
        "the server sends requests (sampling, elicitation, roots) that zcpspec answers",
    ),
    (
        "side-effects",
        "calls tools that may change the server's state: every tool listed, or ones that change its lists",
    ),
    (
        "stable-state",
        "compares what the server says across requests: runs while no side-effects scenario does",
    ),
    ("tasks", "the tasks extension (2025-11-25)"),
];

#[derive(Debug, Clone)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub file: PathBuf,
    /// The revisions the scenario applies to; judged against the negotiated one.
    pub revisions: RevisionRange,
    /// Server capabilities (dotted paths) the scenario needs; absent ones make it not applicable.
    pub requires_capabilities: Vec<String>,
    /// A fixture role the scenario needs (see `runner::roles`), bound to `${role}`.
    pub requires_role: Option<String>,
    /// The transports the scenario applies to; empty means every one.
    pub requires_transports: Vec<crate::transport::Kind>,
    /// The capabilities the harness declares in `initialize`.
    pub client_capabilities: Value,
    /// Streamable HTTP: open the GET stream for server-initiated messages after initialize
    /// (`client: {get_stream: false}` turns it off).
    pub get_stream: bool,
    /// Dotted paths into server messages whose values golden snapshots do not compare.
    pub golden_redact: Vec<String>,
    /// False when the spec lets transports answer this scenario differently, so `--parity`
    /// does not compare it.
    pub parity: bool,
    /// Its tags, from `TAGS`.
    pub tags: Vec<&'static str>,
    /// Scripted answers to server-initiated requests, by method.
    pub handlers: Vec<(String, Value)>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Every check id the scenario's steps name, in order of first appearance.
    pub fn check_ids(&self) -> Vec<&'static str> {
        fn walk(steps: &[Step], out: &mut Vec<&'static str>) {
            for step in steps {
                for e in &step.expect {
                    if !out.contains(&e.check) {
                        out.push(e.check);
                    }
                }
                if let Action::Foreach { steps, .. } = &step.action {
                    walk(steps, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.steps, &mut out);
        out
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub action: Action,
    pub expect: Vec<ExpectSpec>,
    /// Variables to capture from the response: name → dotted path into the response message.
    pub capture: Vec<(String, String)>,
    /// A condition on a variable: `${cursor}` (has a non-null value) or `${status} == 200`;
    /// when it does not hold, the step is skipped and its checks are not applicable.
    pub when: Option<When>,
}

#[derive(Debug, Clone)]
pub struct When {
    pub reference: String,
    /// The value the variable must equal; None asks only for a value.
    pub equals: Option<Value>,
    /// The condition as written, for skip reasons.
    pub text: String,
}

#[derive(Debug, Clone)]
pub enum Action {
    /// `initialize` then `notifications/initialized` (unless `initialized: false`).
    Initialize {
        protocol_version: Option<String>,
        initialized: bool,
    },
    Request {
        method: String,
        params: Option<Value>,
        /// An explicit JSON-RPC id; otherwise the runner allocates one.
        id: Option<Value>,
        /// Wait for the response before the next step (`wait: false` sends it and goes on, for
        /// a request to cancel while it is in flight).
        wait: bool,
    },
    /// A request every server answers, to see that it still does: `ping`, or `server/discover`
    /// in the stateless era (which has no ping).
    Probe {
        id: Option<Value>,
    },
    /// Request every page of a list (following nextCursor); expectations see one response
    /// whose result arrays are the pages' arrays joined.
    Pages {
        method: String,
        params: Option<Value>,
    },
    /// No response to request `id` may arrive for `within_ms` after the last frame sent.
    ExpectNoResponse {
        id: Value,
        within_ms: u64,
    },
    Notify {
        method: String,
        params: Option<Value>,
    },
    /// Cancel request `id` the way the session's transport and era do it: on streamable HTTP
    /// in 2026-07-28, close the stream that answers it; otherwise `notifications/cancelled`.
    Cancel {
        id: Value,
    },
    /// Exact bytes sent as one frame (for malformed input). When they are a valid request,
    /// its expectations are about the response to its id.
    Raw(Vec<u8>),
    ExpectNotification {
        method: String,
        within_ms: u64,
    },
    /// Nothing may arrive for `ms` milliseconds.
    ExpectSilence {
        ms: u64,
    },
    /// Close the server's input and wait for it to exit.
    CloseInput {
        within_ms: u64,
    },
    /// End this session and start a new one with the same target; variables are kept.
    Reconnect,
    /// A raw HTTP exchange with the session's streamable HTTP endpoint (legacy HTTP+SSE: a GET
    /// of the SSE endpoint, a POST to the message endpoint its `endpoint` event named).
    Http(HttpSpec),
    /// Repeat `steps` for every discovered item of a list (`tools`, `resources`, `prompts`).
    Foreach {
        list: ListKind,
        bind: String,
        steps: Vec<Step>,
    },
    /// Send a request repeatedly until its response matches `until`.
    Poll {
        method: String,
        params: Option<Value>,
        until: Value,
        interval_ms: u64,
        timeout_ms: u64,
    },
}

/// A raw HTTP exchange, as a scenario writes it.
#[derive(Debug, Clone)]
pub struct HttpSpec {
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// A JSON body, or text sent as it is.
    pub body: Option<Value>,
    /// Send the session's Mcp-Session-Id.
    pub session: bool,
    /// Send the negotiated MCP-Protocol-Version.
    pub protocol_version: bool,
    /// For an SSE answer: the events to read at most.
    pub events: usize,
    /// How long to wait for the answer (and read an SSE one) at most.
    pub within_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Tools,
    Resources,
    Prompts,
}

impl ListKind {
    pub fn method(self) -> &'static str {
        match self {
            ListKind::Tools => "tools/list",
            ListKind::Resources => "resources/list",
            ListKind::Prompts => "prompts/list",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            ListKind::Tools => "tools",
            ListKind::Resources => "resources",
            ListKind::Prompts => "prompts",
        }
    }
}

/// An expectation as written in a scenario, before variables are resolved.
#[derive(Debug, Clone)]
pub struct ExpectSpec {
    pub check: &'static str,
    pub subject: Option<String>,
    /// Matcher over the response (or notification) message.
    pub matcher: Option<Value>,
    /// For requests: notifications received while the request was in flight.
    pub notifications: Option<NotificationScope>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotificationScope {
    pub method: String,
    /// No notification of that method may match this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub none: Option<Value>,
    /// At least one notification of that method must match this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub some: Option<Value>,
}

/// A resolved expectation, recorded in the trace for the judge.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Expectation {
    pub check: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub step: String,
    pub target: Target,
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<NotificationScope>,
}

/// Which observed event an expectation is about.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Target {
    /// The response to the request the harness sent with this id (sent at trace seq `sent`).
    Response { id: Value, sent: u64 },
    /// The first response of any id after trace seq `sent` (for raw frames, whose id may be
    /// unreadable).
    NextResponse { sent: u64 },
    /// The first notification of `method` after `after` (the last frame the harness sent) and
    /// within `within_ms` of it.
    Notification {
        method: String,
        after: u64,
        within_ms: u64,
    },
    /// No server message in the window after `after`.
    Silence { after: u64, ms: u64 },
    /// The server process exits within `within_ms` after `after`.
    Exit { after: u64, within_ms: u64 },
    /// The raw HTTP exchange recorded at `seq`.
    Exchange { seq: u64 },
    /// The responses to these requests (id, sent at seq), pages of one list, joined.
    Pages { requests: Vec<(Value, u64)> },
    /// No response to request `id` within `within_ms` after trace seq `after`.
    NoResponse {
        id: Value,
        after: u64,
        within_ms: u64,
    },
}
