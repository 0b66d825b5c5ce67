//! One client session: sends what the scenario's steps say, answers server-initiated requests
//! from the scenario's handlers, records every event, and records each expectation (resolved)
//! for the judge. Every wait is bounded.

use super::{roles, RunConfig, ScenarioRun, Target as RunTarget};
use crate::protocol::frame::{answerable_id, same_id};
use crate::protocol::{stateless, Frame, MessageKind, Revision};
use crate::scenario::vars::{lookup, Vars};
use crate::scenario::{matcher, Action, ExpectSpec, Expectation, ListKind, Scenario, Step, Target};
use crate::trace::{EventKind, Trace};
use crate::transport::{Connection, Incoming};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long the session waits for the server to exit after its input is closed at the end.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long to wait for a killed server's exit to be observed (it is then reaped).
const REAP_WAIT: Duration = Duration::from_secs(2);
/// Pages followed at most when listing tools, resources or prompts.
const MAX_PAGES: usize = 100;
/// The requests a 2026-07-28 server may answer with input_required (MRTR-02).
const MULTI_ROUND: &[&str] = &["tools/call", "prompts/get", "resources/read"];
/// Retries of one multi round-trip request at most.
const MAX_ROUNDS: usize = 8;

/// Why the session stopped before the scenario's end.
struct Stop(String);

pub struct Session<'a> {
    conn: Connection,
    trace: Trace,
    scenario: &'a Scenario,
    target: &'a RunTarget,
    config: &'a RunConfig,
    vars: Vars,
    next_id: i64,
    negotiated: Option<String>,
    ended: bool,
    exited: bool,
    server_requests: u64,
    applicable: bool,
}

/// What one pump of the event channel produced.
enum Pumped {
    Frame(u64),
    Ended,
    TimedOut,
    Other,
}

impl<'a> Session<'a> {
    pub fn new(
        conn: Connection,
        scenario: &'a Scenario,
        target: &'a RunTarget,
        config: &'a RunConfig,
    ) -> Self {
        Session {
            conn,
            trace: Trace::new(),
            scenario,
            target,
            config,
            vars: Vars::default(),
            next_id: 1,
            negotiated: None,
            ended: false,
            exited: false,
            server_requests: 0,
            applicable: true,
        }
    }

    pub async fn run(mut self) -> ScenarioRun {
        self.trace.record(EventKind::Spawned {
            command: self.conn.description.clone(),
            transport: self.conn.kind,
            pid: self.conn.pid,
        });
        let scenario = self.scenario;
        let kind = self.conn.kind;
        let outcome = if !scenario.requires_transports.is_empty()
            && !scenario.requires_transports.contains(&kind)
        {
            let names: Vec<&str> = scenario
                .requires_transports
                .iter()
                .map(|k| k.name())
                .collect();
            self.skip_rest(format!(
                "the target is reached over {}; the scenario applies to {}",
                kind.name(),
                names.join(", ")
            ))
        } else if let Some(reason) = self.other_era() {
            self.skip_rest(reason)
        } else {
            self.run_steps(&scenario.steps, "").await
        };
        if let Err(Stop(reason)) = outcome {
            let unreached = self.unreached_checks();
            if !unreached.is_empty() {
                self.trace.record(EventKind::Unperformed {
                    checks: unreached,
                    subject: None,
                    reason,
                });
            }
        }
        self.shut_down().await;
        self.trace.finish();
        ScenarioRun {
            trace: self.trace,
            revision: self.negotiated,
            error: None,
            applicable: self.applicable,
        }
    }

    /// Why the scenario cannot apply in the era the run speaks, known before anything is
    /// sent: a stateless run judges exactly its revision, and a handshake-era run cannot reach
    /// a scenario that applies only to the stateless era.
    fn other_era(&self) -> Option<String> {
        let run = self.config.revision;
        let revisions = self.scenario.revisions.revisions();
        let names = || {
            revisions
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if run.is_stateless() && !revisions.contains(&run) {
            Some(format!(
                "the run speaks {run}; the scenario applies to {}",
                names()
            ))
        } else if !run.is_stateless() && revisions.iter().all(|r| r.is_stateless()) {
            Some(format!(
                "the scenario applies to {} (--revision {} runs it); the run speaks the handshake era",
                names(),
                Revision::STATELESS
            ))
        } else {
            None
        }
    }

    /// Check ids of the scenario that no expectation, skip or unperformed record mentions yet.
    fn unreached_checks(&self) -> Vec<String> {
        let mut seen: Vec<&str> = Vec::new();
        for e in self.trace.events() {
            match &e.kind {
                EventKind::Expect(x) => seen.push(x.check),
                EventKind::Skip { checks, .. } | EventKind::Unperformed { checks, .. } => {
                    seen.extend(checks.iter().map(String::as_str))
                }
                _ => {}
            }
        }
        self.scenario
            .check_ids()
            .into_iter()
            .filter(|c| !seen.contains(c))
            .map(String::from)
            .collect()
    }

    async fn run_steps(&mut self, steps: &[Step], prefix: &str) -> Result<(), Stop> {
        for (i, step) in steps.iter().enumerate() {
            let path = format!("{prefix}{i}");
            Box::pin(self.run_step(step, &path)).await?;
        }
        Ok(())
    }

    async fn run_step(&mut self, step: &Step, path: &str) -> Result<(), Stop> {
        if let Some(when) = &step.when {
            let value = self.vars.get(&when.reference).filter(|v| !v.is_null());
            let holds = match (&when.equals, value) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(expected), Some(v)) => crate::scenario::matcher::json_eq(expected, v),
            };
            if !holds {
                let checks = nested_checks(std::slice::from_ref(step));
                if !checks.is_empty() {
                    let reason = match value {
                        None => format!("${{{}}} has no value in this session", when.reference),
                        Some(v) => format!("`{}` does not hold (it is {v})", when.text),
                    };
                    self.trace.record(EventKind::Skip { checks, reason });
                }
                return Ok(());
            }
        }
        match &step.action {
            Action::Initialize {
                protocol_version,
                initialized,
            } => {
                self.initialize(step, path, protocol_version.as_deref(), *initialized)
                    .await
            }
            Action::Request {
                method,
                params,
                id,
                wait: true,
            } => {
                let params = self.resolve_params(params.as_ref())?;
                let params = self.with_task_answers(method, params);
                let response = self
                    .request(&step.expect, path, method, params, id.clone())
                    .await?;
                self.capture(step, &response);
                Ok(())
            }
            Action::Request {
                method,
                params,
                id,
                wait: false,
            } => {
                let params = self.resolve_params(params.as_ref())?;
                self.send_request(&step.expect, path, method, params, id.clone())
                    .await
                    .map(drop)
            }
            Action::Probe { id } => {
                let method = match self.config.revision.is_stateless() {
                    true => "server/discover",
                    false => "ping",
                };
                let response = (self.request(&step.expect, path, method, None, id.clone())).await?;
                self.capture(step, &response);
                Ok(())
            }
            Action::Pages { method, params } => {
                let params = self.resolve_params(params.as_ref())?.unwrap_or(json!({}));
                let mut requests = Vec::new();
                let mut page_params = params.clone();
                let mut joined = None;
                loop {
                    let id = self
                        .send_request(&[], path, method, Some(page_params.clone()), None)
                        .await?;
                    requests.push((id.clone(), self.trace.next_seq() - 1));
                    let response = self.await_response(path, method, &id).await?;
                    let cursor = lookup(&response, "result.nextCursor").cloned();
                    crate::judge::join_page(&mut joined, response);
                    match cursor {
                        Some(cursor) if !cursor.is_null() && requests.len() < MAX_PAGES => {
                            page_params["cursor"] = cursor;
                        }
                        _ => break,
                    }
                }
                self.expect_all(step, path, Target::Pages { requests });
                self.capture(step, &joined.unwrap_or(Value::Null));
                Ok(())
            }
            Action::ExpectNoResponse { id, within_ms } => {
                let id = self.vars.substitute(id).map_err(unresolved)?;
                let after = self.last_sent_seq();
                let target = Target::NoResponse {
                    id: id.clone(),
                    after,
                    within_ms: *within_ms,
                };
                self.expect_all(step, path, target);
                let deadline = Instant::now() + Duration::from_millis(*within_ms);
                let is_it = |f: &Frame| matches!(f.kind(), MessageKind::Response { id: got } if same_id(got, &id));
                self.wait_until(deadline, is_it).await;
                Ok(())
            }
            Action::Cancel { id } => {
                let id = self.vars.substitute(id).map_err(unresolved)?;
                let closes_stream = self.config.revision.is_stateless()
                    && self.conn.kind == crate::transport::Kind::StreamableHttp;
                if !closes_stream {
                    let params = json!({ "requestId": id });
                    let msg = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": params});
                    return self.send(path, Frame::from_value(msg)).await;
                }
                if let Some(exchange) = self.conn.close_stream(&id) {
                    let note = crate::transport::Note::StreamClosed { exchange };
                    self.trace.record(EventKind::Transport(note));
                }
                Ok(())
            }
            Action::Notify { method, params } => {
                let params = self.resolve_params(params.as_ref())?;
                let mut msg = json!({"jsonrpc": "2.0", "method": method});
                if let Some(p) = params {
                    msg["params"] = p;
                }
                self.send(path, Frame::from_value(msg)).await
            }
            Action::Raw(bytes) => {
                let frame = Frame::from_bytes(bytes.clone());
                let request_id = frame.json.as_ref().and_then(answerable_id).cloned();
                let sent = self
                    .send(path, frame)
                    .await
                    .map(|_| self.trace.next_seq() - 1)?;
                if step.expect.is_empty() {
                    return Ok(());
                }
                if let Some(id) = request_id {
                    self.expect_all(
                        step,
                        path,
                        Target::Response {
                            id: id.clone(),
                            sent,
                        },
                    );
                    let is_it = |f: &Frame| matches!(f.kind(), MessageKind::Response { id: got } if same_id(got, &id));
                    let deadline = Instant::now() + self.config.timeout;
                    let found = self.wait_until(deadline, is_it).await;
                    match found {
                        Some(seq) => {
                            let response = self.frame_json(seq);
                            self.capture(step, &response);
                        }
                        None => {
                            let waited_ms = self.config.timeout.as_millis() as u64;
                            self.timed_out(path, "the response to the raw request", waited_ms);
                        }
                    }
                    return Ok(());
                }
                self.expect_all(step, path, Target::NextResponse { sent });
                let started = Instant::now();
                let deadline = started + self.config.timeout;
                let found = self
                    .wait_until(deadline, |frame| {
                        matches!(
                            frame.kind(),
                            MessageKind::Response { .. } | MessageKind::Batch(_)
                        )
                    })
                    .await;
                if let Some(seq) = found {
                    let response = self.frame_json(seq);
                    self.capture(step, &response);
                } else {
                    let waited_ms = started.elapsed().as_millis() as u64;
                    self.timed_out(path, "a response to the raw frame", waited_ms);
                }
                Ok(())
            }
            Action::ExpectNotification { method, within_ms } => {
                // Notifications a request causes arrive while it is in flight, so the window
                // opens when the harness last sent something, not when this step starts.
                let after = self.last_sent_seq();
                self.expect_all(
                    step,
                    path,
                    Target::Notification {
                        method: method.clone(),
                        after,
                        within_ms: *within_ms,
                    },
                );
                let is_wanted = |f: &Frame| {
                    f.kind().method() == Some(method.as_str())
                        && matches!(f.kind(), MessageKind::Notification { .. })
                };
                let already =
                    self.trace.events()[after as usize..]
                        .iter()
                        .find_map(|e| match &e.kind {
                            EventKind::Received { frame } if is_wanted(frame) => Some(e.seq),
                            _ => None,
                        });
                let opened_ms = self.trace.events()[after as usize].ms;
                let left_ms = (opened_ms + *within_ms as f64 - self.trace.elapsed_ms()).max(0.0);
                let deadline = Instant::now() + Duration::from_micros((left_ms * 1000.0) as u64);
                let found = match already {
                    Some(seq) => Some(seq),
                    None => self.wait_until(deadline, is_wanted).await,
                };
                match found {
                    Some(seq) => {
                        let message = self.frame_json(seq);
                        self.capture(step, &message);
                    }
                    None => {
                        let waited_ms = (self.trace.elapsed_ms() - opened_ms) as u64;
                        self.timed_out(path, &format!("a {method} notification"), waited_ms)
                    }
                }
                Ok(())
            }
            Action::ExpectSilence { ms } => {
                let after = self.trace.next_seq();
                self.expect_all(step, path, Target::Silence { after, ms: *ms });
                let deadline = Instant::now() + Duration::from_millis(*ms);
                self.wait_until(deadline, |_| false).await;
                Ok(())
            }
            Action::CloseInput { within_ms } => {
                let after = self.trace.next_seq();
                self.expect_all(
                    step,
                    path,
                    Target::Exit {
                        after,
                        within_ms: *within_ms,
                    },
                );
                self.conn.close_input();
                self.trace.record(EventKind::InputClosed {
                    step: path.to_string(),
                });
                let started = Instant::now();
                self.wait_exit(started + Duration::from_millis(*within_ms))
                    .await;
                if !self.exited {
                    let waited_ms = started.elapsed().as_millis() as u64;
                    self.timed_out(path, "the server to exit", waited_ms);
                }
                Err(Stop("the server's input was closed".into()))
            }
            Action::Reconnect => {
                self.shut_down().await;
                self.conn = self
                    .target
                    .connect(self.config.max_frame, self.scenario.get_stream)
                    .await
                    .map_err(|e| Stop(format!("cannot reconnect: {e}")))?;
                self.ended = false;
                self.exited = false;
                self.trace.record(EventKind::Spawned {
                    command: self.conn.description.clone(),
                    transport: self.conn.kind,
                    pid: self.conn.pid,
                });
                Ok(())
            }
            Action::Http(spec) => {
                let text = |v: Value| {
                    v.as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string())
                };
                let mut headers = Vec::new();
                for (name, value) in &spec.headers {
                    // A header named by a variable that holds an object sends its entries.
                    let name = self.vars.substitute(&Value::from(name.as_str()));
                    match name.map_err(unresolved)? {
                        Value::Object(entries) => {
                            headers.extend(entries.into_iter().map(|(k, v)| (k, text(v))))
                        }
                        name => {
                            let value = self.vars.substitute(&Value::from(value.as_str()));
                            headers.push((text(name), text(value.map_err(unresolved)?)));
                        }
                    }
                }
                let body = match &spec.body {
                    Some(b) => match self.vars.substitute(b).map_err(unresolved)? {
                        Value::String(text) => Some(text.into_bytes()),
                        json => Some(json.to_string().into_bytes()),
                    },
                    None => None,
                };
                let raw = crate::transport::http::RawRequest {
                    method: spec.method.clone(),
                    headers,
                    body,
                    session: spec.session,
                    protocol_version: spec.protocol_version,
                    events: spec.events,
                    read_ms: spec.within_ms,
                };
                let Some(endpoint) = self.conn.http() else {
                    let checks = nested_checks(std::slice::from_ref(step));
                    self.trace.record(EventKind::Skip {
                        checks,
                        reason: format!(
                            "{} has no HTTP endpoint for raw exchanges",
                            self.conn.kind.name()
                        ),
                    });
                    return Ok(());
                };
                let (notes, view) = endpoint.exchange(&raw).await;
                for note in notes {
                    self.trace.record(EventKind::Transport(note));
                }
                let seq = self.trace.record(EventKind::HttpExchange {
                    step: path.to_string(),
                    view: view.clone(),
                });
                self.expect_all(step, path, Target::Exchange { seq });
                self.capture(step, &view);
                Ok(())
            }
            Action::Foreach { list, bind, steps } => {
                let items = self.list_all(*list, path).await?;
                if items.is_empty() {
                    let checks = nested_checks(steps);
                    self.trace.record(EventKind::Skip {
                        checks,
                        reason: format!("the server lists no {}", list.field()),
                    });
                    return Ok(());
                }
                let label = |item: &Value| {
                    item.get("name")
                        .or_else(|| item.get("uri"))
                        .and_then(Value::as_str)
                        .unwrap_or("?")
                        .to_string()
                };
                for (i, item) in items.iter().enumerate() {
                    let bound = match list {
                        ListKind::Tools => roles::bind_tool(item),
                        ListKind::Prompts => roles::bind_prompt(item),
                        ListKind::Resources => item.clone(),
                    };
                    self.vars.set(bind, bound);
                    self.vars.set("subject", Value::String(label(item)));
                    let iteration = format!("{path}.{i}@{}/", label(item));
                    if let Err(Stop(reason)) = self.run_steps(steps, &iteration).await {
                        // The items never reached are not performed, each under its own name.
                        for rest in &items[i + 1..] {
                            self.trace.record(EventKind::Unperformed {
                                checks: nested_checks(steps),
                                subject: Some(label(rest)),
                                reason: reason.clone(),
                            });
                        }
                        return Err(Stop(reason));
                    }
                }
                Ok(())
            }
            Action::Poll {
                method,
                params,
                until,
                interval_ms,
                timeout_ms,
            } => {
                let params = self.resolve_params(params.as_ref())?;
                let until = self.vars.substitute(until).map_err(unresolved)?;
                let deadline = Instant::now() + Duration::from_millis(*timeout_ms);
                loop {
                    let response = self
                        .request(&[], path, method, params.clone(), None)
                        .await?;
                    let done = matcher::check(&until, &response).is_empty();
                    if done || Instant::now() + Duration::from_millis(*interval_ms) >= deadline {
                        // The step's expectations judge the final response.
                        self.expect_last_response(step, path);
                        self.capture(step, &response);
                        return Ok(());
                    }
                    // The poll interval is the protocol's pacing, not synchronisation: the
                    // server's own pollInterval (pollIntervalMs in the tasks extension) when it
                    // suggests one, never past the deadline.
                    let suggested = (lookup(&response, "result.pollInterval"))
                        .or_else(|| lookup(&response, "result.pollIntervalMs"))
                        .and_then(Value::as_u64);
                    let interval = Duration::from_millis(suggested.unwrap_or(*interval_ms));
                    let left = deadline.saturating_duration_since(Instant::now());
                    tokio::time::sleep(interval.min(left)).await;
                }
            }
        }
    }

    async fn initialize(
        &mut self,
        step: &Step,
        path: &str,
        protocol_version: Option<&str>,
        initialized: bool,
    ) -> Result<(), Stop> {
        let version = match protocol_version {
            Some(v) => self.vars.substitute(&Value::from(v)).map_err(unresolved)?,
            None => Value::from(self.config.revision.as_str()),
        };
        if self.config.revision.is_stateless() {
            return self.discover(step, path, version).await;
        }
        let params = json!({
            "protocolVersion": version,
            "capabilities": self.scenario.client_capabilities,
            "clientInfo": {"name": "zcpspec", "version": env!("CARGO_PKG_VERSION")},
        });
        let response = self
            .request(&step.expect, path, "initialize", Some(params), None)
            .await?;
        let Some(result) = response.get("result").cloned() else {
            return Err(Stop(format!(
                "initialize failed: {}",
                matcher::describe(Some(&response))
            )));
        };
        self.capture(step, &response);
        let negotiated = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.negotiated = negotiated.clone();
        self.vars.set("initialize", result.clone());
        if let Some(id) = self.conn.http().and_then(|e| e.session_id()) {
            self.vars.set("session_id", Value::String(id));
        }
        if initialized {
            let note =
                Frame::from_value(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
            self.send(path, note).await?;
        }
        self.check_applicable(negotiated.as_deref(), &result)?;
        if let Some(role) = &self.scenario.requires_role {
            self.fill_role(role, path).await?;
        }
        Ok(())
    }

    /// The stateless era's start: `server/discover`, written in `version`. The session runs
    /// 2026-07-28 when the server lists it among its supported versions; otherwise the
    /// scenario does not apply (or, when discover fails, cannot run).
    async fn discover(&mut self, step: &Step, path: &str, version: Value) -> Result<(), Stop> {
        let params = json!({ "_meta": { stateless::PROTOCOL_VERSION: version } });
        let response =
            (self.request(&step.expect, path, "server/discover", Some(params), None)).await?;
        let Some(result) = response.get("result").cloned() else {
            return Err(Stop(format!(
                "server/discover failed: {}",
                matcher::describe(Some(&response))
            )));
        };
        self.capture(step, &response);
        let supported = (result.get("supportedVersions").and_then(Value::as_array))
            .is_some_and(|versions| versions.contains(&version));
        if supported {
            self.negotiated = version.as_str().map(str::to_string);
        }
        self.vars.set("discover", result.clone());
        let negotiated = self.negotiated.clone();
        self.check_applicable(negotiated.as_deref(), &result)?;
        if let Some(role) = &self.scenario.requires_role {
            self.fill_role(role, path).await?;
        }
        Ok(())
    }

    /// Stops (with skip records) when the negotiated revision, the server's capabilities or the
    /// transport make the scenario not applicable.
    fn check_applicable(&mut self, negotiated: Option<&str>, result: &Value) -> Result<(), Stop> {
        let revision = negotiated.and_then(|v| v.parse::<Revision>().ok());
        let reason = match revision {
            None => Some(format!(
                "the server negotiated {}, a revision this harness does not judge",
                negotiated.unwrap_or("no protocolVersion")
            )),
            Some(r) if !self.scenario.revisions.contains(r) => Some(format!(
                "the session negotiated {r}; the scenario applies to {}",
                self.scenario
                    .revisions
                    .revisions()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(_) => self
                .scenario
                .requires_capabilities
                .iter()
                .find(|cap| {
                    // A capability flag set to false (`resources.subscribe: false`) declares
                    // that the server does not have it; `extensions/KEY` names an extension.
                    let declared = match cap.strip_prefix("extensions/") {
                        Some(key) => lookup(result, "capabilities.extensions")
                            .and_then(|extensions| extensions.get(key)),
                        None => lookup(result, &format!("capabilities.{cap}")),
                    };
                    declared.is_none_or(|value| *value == Value::Bool(false))
                })
                .map(|cap| format!("the server does not declare the {cap} capability")),
        };
        match reason {
            Some(reason) => self.skip_rest(reason),
            None => Ok(()),
        }
    }

    fn skip_rest(&mut self, reason: String) -> Result<(), Stop> {
        self.applicable = false;
        let checks = self.unreached_checks();
        self.trace.record(EventKind::Skip {
            checks,
            reason: reason.clone(),
        });
        Err(Stop(reason))
    }

    /// Binds `${tool}` (or `${resource}`, for a resource role) to what plays `role`: the
    /// profile's choice if it names one, else discovery; a tool role also binds `${tools}` to
    /// every listed tool. Skips the rest when nothing plays the role.
    async fn fill_role(&mut self, role: &str, path: &str) -> Result<(), Stop> {
        let path = format!("{path}:role");
        let config = self.config;
        let profile = &config.profile;
        let (var, chosen) = if roles::is_resource_role(role) {
            let resources = self.list_all(ListKind::Resources, &path).await?;
            let chosen = roles::choose_resource(&resources, role, profile);
            ("resource", chosen)
        } else {
            let tools = self.list_all(ListKind::Tools, &path).await?;
            let chosen = roles::choose_tool(&tools, role, profile);
            self.vars.set("tools", Value::Array(tools));
            ("tool", chosen)
        };
        match chosen {
            Ok(player) => {
                self.vars.set(var, player);
                Ok(())
            }
            Err(reason) => self.skip_rest(reason),
        }
    }

    /// Lists every item of `kind`, following nextCursor.
    async fn list_all(&mut self, kind: ListKind, path: &str) -> Result<Vec<Value>, Stop> {
        let mut items = Vec::new();
        let mut cursor: Option<Value> = None;
        for _ in 0..MAX_PAGES {
            let params = cursor.take().map(|c| json!({ "cursor": c }));
            let response = self.request(&[], path, kind.method(), params, None).await?;
            if let Some(page) =
                lookup(&response, &format!("result.{}", kind.field())).and_then(Value::as_array)
            {
                items.extend(page.iter().cloned());
            }
            match lookup(&response, "result.nextCursor") {
                Some(c) if !c.is_null() => cursor = Some(c.clone()),
                _ => break,
            }
        }
        Ok(items)
    }

    fn resolve_params(&mut self, params: Option<&Value>) -> Result<Option<Value>, Stop> {
        params
            .map(|p| self.vars.substitute(p))
            .transpose()
            .map_err(unresolved)
    }

    /// Sends a request, records the step's expectations about its response, and waits for it.
    async fn request(
        &mut self,
        expect: &[ExpectSpec],
        path: &str,
        method: &str,
        params: Option<Value>,
        id: Option<Value>,
    ) -> Result<Value, Stop> {
        let multi_round = self.config.revision.is_stateless() && MULTI_ROUND.contains(&method);
        if !multi_round {
            let id = self.send_request(expect, path, method, params, id).await?;
            return self.await_response(path, method, &id).await;
        }
        // A multi round-trip request (2026-07-28): while the server answers input_required, the
        // harness answers its inputRequests from the scenario's handlers and retries with a new
        // id, echoing requestState. The step's expectations are about the final response.
        let mut id = self
            .send_request(&[], path, method, params.clone(), id)
            .await?;
        let mut sent = self.trace.next_seq() - 1;
        let mut response = self.await_response(path, method, &id).await?;
        for _ in 0..MAX_ROUNDS {
            let Some(result) = response
                .get("result")
                .filter(|r| r["resultType"] == "input_required")
            else {
                break;
            };
            let answers = self.input_responses(result);
            // Input asked for that the scenario cannot give: a retry would be asked again.
            let asked = (result.get("inputRequests").and_then(Value::as_object))
                .is_some_and(|requests| !requests.is_empty());
            if asked && answers.as_object().is_some_and(|a| a.is_empty()) {
                break;
            }
            let mut retry = params.clone().unwrap_or_else(|| json!({}));
            retry["inputResponses"] = answers;
            if let Some(state) = result.get("requestState") {
                retry["requestState"] = state.clone();
            }
            id = self
                .send_request(&[], path, method, Some(retry), None)
                .await?;
            sent = self.trace.next_seq() - 1;
            response = self.await_response(path, method, &id).await?;
        }
        for spec in expect {
            let target = Target::Response {
                id: id.clone(),
                sent,
            };
            self.expect(spec, path, target);
        }
        Ok(response)
    }

    /// A `tasks/update` written without `inputResponses`: the answers, from the scenario's
    /// handlers, to the inputRequests its task showed last (in a tasks/get result or a
    /// notifications/tasks).
    fn with_task_answers(&self, method: &str, params: Option<Value>) -> Option<Value> {
        let mut params = params?;
        if method != "tasks/update" || params.get("inputResponses").is_some() {
            return Some(params);
        }
        let task_id = params.get("taskId").cloned();
        let shown = self.trace.events().iter().rev().find_map(|e| {
            let EventKind::Received { frame } = &e.kind else {
                return None;
            };
            let message = frame.json.as_ref()?;
            let task = message.get("result").or_else(|| message.get("params"))?;
            let requests = task.get("inputRequests")?;
            (task.get("taskId") == task_id.as_ref()).then_some(requests)
        });
        let asked = json!({ "inputRequests": shown.cloned().unwrap_or(json!({})) });
        params["inputResponses"] = self.input_responses(&asked);
        Some(params)
    }

    /// The answers to an InputRequiredResult's inputRequests, by key, from the scenario's
    /// handlers (a request without a handler, or whose handler is an `$error`, goes unanswered:
    /// multi round-trip answers carry no errors).
    fn input_responses(&self, result: &Value) -> Value {
        let mut answers = serde_json::Map::new();
        let requests = result.get("inputRequests").and_then(Value::as_object);
        for (key, request) in requests.into_iter().flatten() {
            let method = request
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let handler = (self.scenario.handlers.iter()).find(|(m, _)| m == method);
            if let Some((_, answer)) = handler.filter(|(_, a)| a.get("$error").is_none()) {
                answers.insert(key.clone(), answer.clone());
            }
        }
        Value::Object(answers)
    }

    /// Sends a request and records the step's expectations about its response; returns its id.
    async fn send_request(
        &mut self,
        expect: &[ExpectSpec],
        path: &str,
        method: &str,
        params: Option<Value>,
        id: Option<Value>,
    ) -> Result<Value, Stop> {
        let id = match id {
            Some(id) => self.vars.substitute(&id).map_err(unresolved)?,
            None => {
                self.next_id += 1;
                Value::from(self.next_id - 1)
            }
        };
        let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if self.config.revision.is_stateless() {
            msg["params"] = self.with_request_meta(params);
        } else if let Some(p) = params {
            msg["params"] = p;
        }
        self.send(path, Frame::from_value(msg)).await?;
        let sent = self.trace.next_seq() - 1;
        for spec in expect {
            let target = Target::Response {
                id: id.clone(),
                sent,
            };
            self.expect(spec, path, target);
        }
        Ok(id)
    }

    /// A stateless request's params: `params` with the era's `_meta` keys (the revision, the
    /// scenario's client capabilities, the client) where the scenario did not set them.
    fn with_request_meta(&self, params: Option<Value>) -> Value {
        let mut params = match params {
            Some(Value::Object(params)) => params,
            // Params that are not an object are the scenario's business: sent as they are.
            Some(other) => return other,
            None => serde_json::Map::new(),
        };
        let meta = params.entry("_meta").or_insert_with(|| json!({}));
        if let Value::Object(meta) = meta {
            let defaults = [
                (
                    stateless::PROTOCOL_VERSION,
                    json!(self.config.revision.as_str()),
                ),
                (
                    stateless::CLIENT_CAPABILITIES,
                    self.scenario.client_capabilities.clone(),
                ),
                (
                    stateless::CLIENT_INFO,
                    json!({"name": "zcpspec", "version": env!("CARGO_PKG_VERSION")}),
                ),
            ];
            for (key, value) in defaults {
                meta.entry(key).or_insert(value);
            }
        }
        Value::Object(params)
    }

    /// Waits for the response to request `id`.
    async fn await_response(
        &mut self,
        path: &str,
        method: &str,
        id: &Value,
    ) -> Result<Value, Stop> {
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        let found = self
            .wait_until(deadline, |frame| match (frame.kind(), &frame.json) {
                (MessageKind::Response { id: got }, _) => same_id(got, id),
                _ => false,
            })
            .await;
        match found {
            Some(seq) => Ok(self.frame_json(seq)),
            None if self.ended => Err(Stop(format!(
                "the server ended the session before answering {method}"
            ))),
            None => {
                let waited_ms = started.elapsed().as_millis() as u64;
                self.timed_out(path, &format!("the response to {method}"), waited_ms);
                Err(Stop(format!(
                    "no response to {method} within {} ms",
                    self.config.timeout.as_millis()
                )))
            }
        }
    }

    /// Records the step's expectations against `target`, resolving their variables.
    fn expect_all(&mut self, step: &Step, path: &str, target: Target) {
        for spec in &step.expect {
            self.expect(spec, path, target.clone());
        }
    }

    fn expect(&mut self, spec: &ExpectSpec, path: &str, target: Target) {
        let resolved = (|| -> Result<_, String> {
            let matcher = spec
                .matcher
                .as_ref()
                .map(|m| self.vars.substitute(m))
                .transpose()?;
            let notifications = match &spec.notifications {
                Some(n) => Some(crate::scenario::NotificationScope {
                    method: n.method.clone(),
                    none: n
                        .none
                        .as_ref()
                        .map(|m| self.vars.substitute(m))
                        .transpose()?,
                    some: n
                        .some
                        .as_ref()
                        .map(|m| self.vars.substitute(m))
                        .transpose()?,
                }),
                None => None,
            };
            let subject = match &spec.subject {
                Some(s) => Some(
                    self.vars
                        .substitute(&Value::String(s.clone()))?
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_default(),
                ),
                None => self
                    .vars
                    .get("subject")
                    .and_then(Value::as_str)
                    .map(String::from),
            };
            Ok((matcher, notifications, subject))
        })();
        match resolved {
            Ok((matcher, notifications, subject)) => {
                self.trace.record(EventKind::Expect(Box::new(Expectation {
                    check: spec.check,
                    subject,
                    step: path.to_string(),
                    target,
                    matcher,
                    notifications,
                })));
            }
            Err(missing) => {
                self.trace.record(EventKind::Unperformed {
                    checks: vec![spec.check.to_string()],
                    subject: None,
                    reason: format!("variable ${{{missing}}} was never captured"),
                });
            }
        }
    }

    /// For poll: re-targets the step's expectations at the response just received.
    fn expect_last_response(&mut self, step: &Step, path: &str) {
        let last_sent = self
            .trace
            .events()
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::Sent { frame, .. } => match frame.kind() {
                    MessageKind::Request { id, .. } => Some((id.clone(), e.seq)),
                    _ => None,
                },
                _ => None,
            });
        if let Some((id, sent)) = last_sent {
            self.expect_all(step, path, Target::Response { id, sent });
        }
    }

    fn capture(&mut self, step: &Step, message: &Value) {
        for (name, path) in &step.capture {
            if let Some(v) = lookup(message, path) {
                self.vars.set(name, v.clone());
            }
        }
    }

    /// The trace seq of the last frame the harness sent (0, the spawn, before any).
    fn last_sent_seq(&self) -> u64 {
        self.trace
            .events()
            .iter()
            .rev()
            .find(|e| matches!(e.kind, EventKind::Sent { .. }))
            .map_or(0, |e| e.seq)
    }

    fn frame_json(&self, seq: u64) -> Value {
        match &self.trace.events()[seq as usize].kind {
            EventKind::Received { frame } => frame.json.clone().unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }

    /// Records that a wait of `waited_ms` ended without what it waited for; nothing when the
    /// session ended first, since its end is already recorded and is the real reason.
    fn timed_out(&mut self, path: &str, waiting_for: &str, waited_ms: u64) {
        if self.ended {
            return;
        }
        self.trace.record(EventKind::Timeout {
            step: path.to_string(),
            waited_ms,
            waiting_for: waiting_for.to_string(),
        });
    }

    async fn send(&mut self, path: &str, frame: Frame) -> Result<(), Stop> {
        if self.ended {
            return Err(Stop("the server has ended the session".into()));
        }
        let bytes = frame.raw.clone();
        self.trace.record(EventKind::Sent {
            step: path.to_string(),
            frame,
        });
        self.conn
            .send(&bytes, self.config.timeout)
            .await
            .map_err(|e| Stop(format!("cannot send to the server: {e}")))
    }

    /// Receives events until `want` accepts a received frame (returning its trace seq), the
    /// deadline passes, or the server ends the session.
    async fn wait_until(
        &mut self,
        deadline: Instant,
        want: impl Fn(&Frame) -> bool,
    ) -> Option<u64> {
        loop {
            match self.pump(deadline).await {
                Pumped::Frame(seq) => {
                    if let EventKind::Received { frame } = &self.trace.events()[seq as usize].kind {
                        if want(frame) {
                            return Some(seq);
                        }
                    }
                }
                Pumped::Other => {}
                Pumped::Ended | Pumped::TimedOut => return None,
            }
        }
    }

    async fn wait_exit(&mut self, deadline: Instant) {
        while !self.exited {
            if let Pumped::TimedOut = self.pump(deadline).await {
                return;
            }
        }
    }

    /// Takes one event from the transport and records it; answers server-initiated requests.
    async fn pump(&mut self, deadline: Instant) -> Pumped {
        if self.exited {
            return Pumped::Ended;
        }
        let incoming = match tokio::time::timeout_at(deadline.into(), self.conn.recv()).await {
            Err(_) => return Pumped::TimedOut,
            Ok(None) => {
                self.ended = true;
                self.exited = true;
                return Pumped::Ended;
            }
            Ok(Some(incoming)) => incoming,
        };
        match incoming {
            Incoming::Frame(frame) => {
                let request = match frame.kind() {
                    MessageKind::Request { id, method } => Some((id.clone(), method.to_string())),
                    _ => None,
                };
                let Some(seq) = self.trace.record_received(frame) else {
                    return Pumped::Other;
                };
                if let Some((id, method)) = request {
                    self.answer_server_request(id, &method).await;
                }
                Pumped::Frame(seq)
            }
            Incoming::Oversize { bytes } => {
                self.trace.record(EventKind::Oversize { bytes });
                Pumped::Other
            }
            Incoming::Stderr(line) => {
                self.trace.record(EventKind::Stderr { line });
                Pumped::Other
            }
            Incoming::Transport(note) => {
                self.trace.record(EventKind::Transport(note));
                Pumped::Other
            }
            Incoming::Closed => {
                self.trace.record(EventKind::Closed);
                self.ended = true;
                Pumped::Other
            }
            Incoming::Exited { code, signal } => {
                self.trace.record(EventKind::Exited { code, signal });
                self.ended = true;
                self.exited = true;
                Pumped::Ended
            }
        }
    }

    /// Answers a request the server sent: ping with `{}`, others from the scenario's handlers
    /// (a result, or `{$error: …}` for an error), anything else with -32601.
    async fn answer_server_request(&mut self, id: Value, method: &str) {
        self.server_requests += 1;
        let handler = self
            .scenario
            .handlers
            .iter()
            .find(|(m, _)| m == method)
            .map(|(_, v)| v.clone());
        let reply = match (method, handler) {
            ("ping", _) => json!({"jsonrpc": "2.0", "id": id, "result": {}}),
            // A handler `{$error: {code, message}}` answers with that JSON-RPC error.
            (_, Some(answer)) => match answer.get("$error") {
                Some(error) => json!({"jsonrpc": "2.0", "id": id, "error": error}),
                None => json!({"jsonrpc": "2.0", "id": id, "result": answer}),
            },
            _ => {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("zcpspec has no handler for {method} in this scenario")}})
            }
        };
        let path = format!("handler:{}", self.server_requests);
        // A failed send is recorded by the transport's events; the session goes on.
        let _ = self.send(&path, Frame::from_value(reply)).await;
    }

    /// Ends the session the way the spec describes for stdio: close the input and wait briefly
    /// for the server to exit (recording what it still sends), then SIGTERM and wait, then kill
    /// and wait to reap it.
    async fn shut_down(&mut self) {
        if !self.exited {
            self.conn.close_input();
            self.wait_exit(Instant::now() + SHUTDOWN_GRACE).await;
        }
        if !self.exited {
            self.conn.terminate();
            self.wait_exit(Instant::now() + SHUTDOWN_GRACE).await;
        }
        if !self.exited {
            self.conn.stop();
            self.wait_exit(Instant::now() + REAP_WAIT).await;
        }
    }
}

fn unresolved(missing: String) -> Stop {
    Stop(format!("variable ${{{missing}}} was never captured"))
}

fn nested_checks(steps: &[Step]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in steps {
        for e in &s.expect {
            if !out.iter().any(|c| c == e.check) {
                out.push(e.check.to_string());
            }
        }
        if let Action::Foreach { steps, .. } = &s.action {
            for c in nested_checks(steps) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}
