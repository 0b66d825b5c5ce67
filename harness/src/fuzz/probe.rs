//! One fuzzing session: the connection to the target, the valid prefix (initialize, then
//! discovery), the exchange of an iteration's frames ended by a sentinel ping, the answers to
//! the server's own requests, and the oracle's flaws for everything that happened meanwhile.

use super::generate::Discovered;
use super::oracle::{root_causes, Flaw, Watch};
use super::to_bytes;
use crate::protocol::frame::same_id;
use crate::protocol::Revision;
use crate::runner::Target;
use crate::transport::{Connection, Incoming, Kind, Note};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The most pages of one list discovery reads.
const MAX_PAGES: usize = 10;

pub struct Probe {
    conn: Connection,
    watch: Watch,
    timeout: Duration,
    /// Numbers the harness's own requests (prefix, discovery, sentinels).
    own_requests: u64,
    /// The id of the last exchange's sentinel ping, waited for by the next exchange.
    sentinel: Option<Value>,
    /// Whether each frame travels in a POST of its own (HTTP transports), whose status may
    /// refuse the request it carries.
    posts: bool,
    /// The ids owed an answer of the frames sent but not yet POSTed, in order.
    posted: VecDeque<Option<Value>>,
    /// The request each POST carries, by exchange number, until its status arrives.
    exchanges: HashMap<u32, Value>,
    /// The frames sent after the prefix, in order: what a finding is minimised from.
    pub history: Vec<Vec<u8>>,
    /// The server exited or the connection dropped.
    pub ended: bool,
    /// Where every frame sent is also written, a line each (`fuzz --save-frames`).
    record: Option<Recorder>,
}

/// The file `--save-frames` names, shared by every session of a campaign.
pub type Recorder = std::sync::Arc<std::sync::Mutex<std::io::BufWriter<std::fs::File>>>;

impl Probe {
    pub async fn open(
        target: &Target,
        timeout: Duration,
        max_frame: usize,
        record: Option<Recorder>,
    ) -> std::io::Result<Probe> {
        let conn = target.connect(max_frame, true).await?;
        let posts = matches!(conn.kind, Kind::StreamableHttp | Kind::Sse | Kind::Zcp);
        Ok(Probe {
            conn,
            watch: Watch::new(timeout),
            timeout,
            own_requests: 0,
            sentinel: None,
            posts,
            posted: VecDeque::new(),
            exchanges: HashMap::new(),
            history: Vec::new(),
            ended: false,
            record,
        })
    }

    /// initialize, then notifications/initialized: the session's valid prefix.
    pub async fn initialize(&mut self, revision: Revision) -> Vec<Flaw> {
        let params = json!({
            "protocolVersion": revision.as_str(),
            "capabilities": {},
            "clientInfo": { "name": "zcpspec-fuzz", "version": env!("CARGO_PKG_VERSION") },
        });
        let (_, mut flaws) = self.request("initialize", params).await;
        let initialized = json!({ "jsonrpc": "2.0", "method": "notifications/initialized" });
        flaws.extend(self.send(&[&to_bytes(&initialized)]).await);
        flaws
    }

    /// Lists the server's tools, resources and prompts, for the generator to aim at.
    pub async fn discover(&mut self) -> (Discovered, Vec<Flaw>) {
        let mut flaws = Vec::new();
        let mut lists = Vec::new();
        for (method, key) in [
            ("tools/list", "tools"),
            ("resources/list", "resources"),
            ("prompts/list", "prompts"),
        ] {
            let mut items = Vec::new();
            let mut params = json!({});
            for _ in 0..MAX_PAGES {
                let (result, found) = self.request(method, params.clone()).await;
                flaws.extend(found);
                let Some(result) = result else { break };
                items.extend(result[key].as_array().cloned().unwrap_or_default());
                match result.get("nextCursor") {
                    Some(cursor) if !cursor.is_null() => params = json!({ "cursor": cursor }),
                    _ => break,
                }
            }
            lists.push(items);
        }
        let names = |items: &[Value], field: &str| -> Vec<String> {
            items
                .iter()
                .filter_map(|i| i.get(field)?.as_str().map(String::from))
                .collect()
        };
        let discovered = Discovered {
            resource_uris: names(&lists[1], "uri"),
            prompt_names: names(&lists[2], "name"),
            tools: std::mem::take(&mut lists[0]),
        };
        (discovered, flaws)
    }

    /// Sends frames and a sentinel ping after them, then waits for the previous exchange's
    /// ping: one batch is always in flight, so that the server works while the harness makes
    /// the next. Returns the flaws seen meanwhile.
    pub async fn exchange(&mut self, frames: &[Vec<u8>]) -> Vec<Flaw> {
        self.history.extend_from_slice(frames);
        let (id, ping) = self.own_request("ping", json!({}));
        let batch: Vec<&[u8]> = (frames.iter().map(Vec::as_slice))
            .chain([ping.as_slice()])
            .collect();
        let mut flaws = self.send(&batch).await;
        if let Some(previous) = self.sentinel.replace(id) {
            if !self.ended {
                flaws.extend(
                    self.pump(Instant::now() + self.timeout, Some(&previous))
                        .await
                        .1,
                );
            }
        }
        flaws
    }

    /// The flaws worth a finding each. A request left unanswered raises the question whether
    /// it was that request or the whole server; a ping settles it, and a server that answers
    /// nothing is one finding, not one per request.
    pub async fn diagnose(&mut self, mut flaws: Vec<Flaw>) -> Vec<Flaw> {
        let unanswered = flaws.iter().any(|f| matches!(f, Flaw::NoAnswer { .. }));
        if unanswered && !flaws.iter().any(Flaw::is_fatal) && !self.ended {
            flaws.extend(self.request("ping", json!({})).await.1);
        }
        root_causes(flaws)
    }

    /// Waits for the requests still unanswered (each to its deadline), then closes.
    pub async fn finish(mut self) -> Vec<Flaw> {
        let mut flaws = Vec::new();
        while let (Some(deadline), false) = (self.watch.next_deadline(), self.ended) {
            flaws.extend(self.pump(deadline, None).await.1);
        }
        let flaws = self.diagnose(flaws).await;
        self.conn.close_input();
        flaws
    }

    /// One of the harness's own requests: the result, if it came in time, and the flaws.
    async fn request(&mut self, method: &str, params: Value) -> (Option<Value>, Vec<Flaw>) {
        let (id, request) = self.own_request(method, params);
        let mut flaws = self.send(&[&request]).await;
        if self.ended {
            return (None, flaws);
        }
        let (response, found) = self.pump(Instant::now() + self.timeout, Some(&id)).await;
        flaws.extend(found);
        (response.and_then(|r| r.get("result").cloned()), flaws)
    }

    /// A request of the harness's own, with an id of its own: the id and the frame.
    fn own_request(&mut self, method: &str, params: Value) -> (Value, Vec<u8>) {
        self.own_requests += 1;
        let id = json!(format!("zcpspec-fuzz-{}", self.own_requests));
        let request = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        (id, to_bytes(&request))
    }

    /// Sends frames (over a pipe, in one write), noting each for the oracle and the recording.
    async fn send(&mut self, frames: &[&[u8]]) -> Vec<Flaw> {
        if self.ended {
            return Vec::new();
        }
        for frame in frames {
            let owed = self.watch.sent(frame);
            if self.posts {
                self.posted.push_back(owed);
            }
        }
        if let Some(record) = &self.record {
            use std::io::Write;
            let mut file = record.lock().unwrap_or_else(|e| e.into_inner());
            // Frames never hold a newline; a failed write only loses the recording.
            for frame in frames {
                let _ = file.write_all(frame).and_then(|_| file.write_all(b"\n"));
            }
        }
        match self.conn.send_all(frames, self.timeout).await {
            Ok(()) => Vec::new(),
            Err(e) => {
                // A process that died says how; give it a moment to.
                let until = Instant::now() + Duration::from_millis(200);
                let mut flaws = Vec::new();
                while !self.ended && Instant::now() < until {
                    flaws.extend(self.pump(until, None).await.1);
                }
                self.ended = true;
                if !flaws
                    .iter()
                    .any(|f| matches!(f, Flaw::Exited { .. } | Flaw::Dropped { .. }))
                {
                    flaws.push(Flaw::Dropped {
                        detail: e.to_string(),
                    });
                }
                flaws
            }
        }
    }

    /// Handles what arrives until `deadline`, or until the response to `want` (returned), or,
    /// wanting nothing, until no request is waiting.
    async fn pump(
        &mut self,
        deadline: Instant,
        want: Option<&Value>,
    ) -> (Option<Value>, Vec<Flaw>) {
        let mut flaws = Vec::new();
        loop {
            // Refused by the transport, or past its deadline: it will not be answered.
            if want.is_some_and(|id| !self.watch.is_pending(id)) {
                return (None, flaws);
            }
            let wake = self
                .watch
                .next_deadline()
                .map_or(deadline, |d| d.min(deadline));
            let event = tokio::time::timeout_at(wake.into(), self.conn.recv()).await;
            let event = match event {
                Err(_) => {
                    flaws.extend(self.watch.overdue(Instant::now()));
                    if Instant::now() >= deadline {
                        return (None, flaws);
                    }
                    continue;
                }
                Ok(None) => {
                    if !self.ended {
                        flaws.push(Flaw::Dropped {
                            detail: "the connection closed".into(),
                        });
                    }
                    self.ended = true;
                    return (None, flaws);
                }
                Ok(Some(event)) => event,
            };
            match event {
                Incoming::Frame(frame) => {
                    flaws.extend(self.watch.received(&frame));
                    let Some(message) = frame.json else { continue };
                    if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                        let refusal = json!({ "jsonrpc": "2.0", "id": id,
                            "error": { "code": -32601, "message": "the fuzzer serves no requests" } });
                        let bytes = to_bytes(&refusal);
                        if self.posts {
                            self.posted.push_back(None);
                        }
                        let _ = self.conn.send(&bytes, self.timeout).await;
                        continue;
                    }
                    let answers =
                        |id: &Value| message.get("id").is_some_and(|got| same_id(got, id));
                    if want.is_some_and(answers) {
                        return (Some(message), flaws);
                    }
                    if want.is_none() && self.watch.next_deadline().is_none() {
                        return (None, flaws);
                    }
                }
                Incoming::Stderr(line) => flaws.extend(self.watch.stderr(&line)),
                Incoming::Transport(Note::HttpRequest {
                    exchange, method, ..
                }) if method == "POST" => {
                    if let Some(Some(id)) = self.posted.pop_front() {
                        self.exchanges.insert(exchange, id);
                    }
                }
                Incoming::Transport(Note::HttpResponse {
                    exchange, status, ..
                }) => {
                    // A request refused by its POST's status is answered by it; one that
                    // failed the server (5xx) is a flaw of its own, not also a hang.
                    if let Some(id) = self.exchanges.remove(&exchange) {
                        if status >= 400 {
                            self.watch.refused(&id);
                        }
                    }
                    if status >= 500 {
                        flaws.push(Flaw::Http5xx { status });
                    }
                    if want.is_none() && self.watch.next_deadline().is_none() {
                        return (None, flaws);
                    }
                }
                Incoming::Exited { code, signal } => {
                    flaws.push(Flaw::Exited { code, signal });
                    self.ended = true;
                    return (None, flaws);
                }
                Incoming::Oversize { .. } | Incoming::Transport(_) | Incoming::Closed => {}
            }
        }
    }
}
