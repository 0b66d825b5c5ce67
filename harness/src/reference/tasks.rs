//! Tasks (2025-11-25): a task-augmented `tools/call` answered with a CreateTaskResult while the
//! work goes on; `tasks/get`, a blocking `tasks/result`, paginated `tasks/list`, `tasks/cancel`,
//! `notifications/tasks/status` on every change, a task that needs input (`input_required`,
//! answered through an elicitation), and expiry after the task's ttl.

use super::jsonrpc::{Outcome, RpcError};
use super::later::{Due, Job};
use super::tools::text_result;
use super::{Fault, Output, Server};
use crate::protocol::frame::same_id;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `_meta` key that ties a message to a task.
pub(super) const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// The ttl a task gets when the request names none, and the bounds a requested one is held to.
const DEFAULT_TTL_MS: u64 = 300_000;
const MIN_TTL_MS: u64 = 100;
const MAX_TTL_MS: u64 = 3_600_000;
/// How often the server suggests polling.
const POLL_INTERVAL_MS: u64 = 50;
/// Progress steps of a sleeping task.
const SLEEP_STEPS: u64 = 4;
/// How long an approval task works before it asks for input, and after it got it.
const APPROVAL_STEP_MS: u64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Working,
    InputRequired,
    Completed,
    Failed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Working => "working",
            Status::InputRequired => "input_required",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Cancelled)
    }
}

/// What a task does.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Work {
    /// The sleep tool: `ms` in equal steps, with progress, then its result.
    Sleep { ms: u64 },
    /// The approve tool: asks the client to approve `subject`, then reports the answer.
    Approve { subject: String },
}

struct Task {
    id: String,
    status: Status,
    status_message: Option<String>,
    created: SystemTime,
    updated: SystemTime,
    ttl: u64,
    work: Work,
    step: u64,
    /// The originating request's progress token, used until the task is terminal.
    token: Option<Value>,
    /// The underlying request's outcome, once terminal.
    outcome: Option<Outcome>,
    /// tasks/result requests waiting for the outcome.
    waiting: Vec<Value>,
    /// The id of the elicitation request the task is waiting on.
    asked: Option<Value>,
}

/// The session's tasks, oldest first.
#[derive(Default)]
pub(super) struct Tasks {
    list: Vec<Task>,
    elicitations_sent: u64,
}

impl Tasks {
    pub(super) fn forget(&mut self, task_id: &str) {
        self.list.retain(|task| task.id != task_id);
    }

    fn get(&mut self, task_id: &str) -> Option<&mut Task> {
        self.list.iter_mut().find(|task| task.id == task_id)
    }
}

impl Server {
    /// Accepts a task-augmented tools/call: the CreateTaskResult now, the work later.
    pub(super) fn create_task(
        &mut self,
        call_id: &Value,
        work: Work,
        task: &Value,
        token: Option<Value>,
    ) -> Vec<Output> {
        let ttl = match task.get("ttl").and_then(Value::as_u64) {
            Some(requested) => requested.clamp(MIN_TTL_MS, MAX_TTL_MS),
            None => DEFAULT_TTL_MS,
        };
        let now = SystemTime::now();
        let id = self.new_task_id();
        let first_step = match &work {
            Work::Sleep { ms } => ms / SLEEP_STEPS,
            Work::Approve { .. } => APPROVAL_STEP_MS,
        };
        self.tasks.list.push(Task {
            id: id.clone(),
            status: Status::Working,
            status_message: None,
            created: now,
            updated: now,
            ttl,
            work,
            step: 0,
            token,
            outcome: None,
            waiting: Vec::new(),
            asked: None,
        });
        let work_job = Job::TaskWork {
            task_id: id.clone(),
        };
        self.later
            .after(Duration::from_millis(first_step), work_job);
        let expiry = Job::TaskExpiry {
            task_id: id.clone(),
        };
        self.later.after(Duration::from_millis(ttl), expiry);
        let mut task = self.task_json(&id);
        if self.has(Fault::TaskStartsCompleted) {
            task["status"] = json!("completed");
        }
        self.respond(call_id, Ok(json!({ "task": task })))
    }

    pub(super) fn new_task_id(&mut self) -> String {
        if self.has(Fault::TaskIdReused) {
            return "task-1".into();
        }
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!("task-{hex}")
    }

    /// The Task object as tasks/get, tasks/cancel and status notifications show it.
    fn task_json(&self, task_id: &str) -> Value {
        let task = (self.tasks.list.iter())
            .find(|task| task.id == task_id)
            .expect("task_json is only asked about known tasks");
        let mut value = json!({
            "taskId": task.id,
            "status": task.status.as_str(),
            "createdAt": iso8601(task.created),
            "lastUpdatedAt": iso8601(task.updated),
            "ttl": task.ttl,
            "pollInterval": POLL_INTERVAL_MS,
        });
        if let Some(message) = &task.status_message {
            value["statusMessage"] = json!(message);
        }
        if self.has(Fault::TaskWithoutTimestamps) {
            if let Value::Object(map) = &mut value {
                map.remove("createdAt");
                map.remove("lastUpdatedAt");
            }
        }
        value
    }

    /// The next step of a task's work.
    pub(super) fn task_work_done(&mut self, task_id: &str) -> Vec<Due> {
        let Some(task) = self.tasks.get(task_id) else {
            return Vec::new();
        };
        if task.status.is_terminal() {
            return Vec::new();
        }
        task.step += 1;
        let step = task.step;
        match task.work.clone() {
            Work::Sleep { ms } => {
                let mut dues = Vec::new();
                let token = task.token.clone();
                if let Some(token) = token {
                    let token = match self.has(Fault::TaskProgressNewToken) {
                        true => json!(format!("{task_id}-progress")),
                        false => token,
                    };
                    let progress = self.progress(&token, step, Some(SLEEP_STEPS));
                    dues.push(Due {
                        request: None,
                        outputs: vec![progress],
                    });
                }
                if step < SLEEP_STEPS {
                    let next = Job::TaskWork {
                        task_id: task_id.to_string(),
                    };
                    self.later
                        .after(Duration::from_millis(ms / SLEEP_STEPS), next);
                    return dues;
                }
                let result = Ok(text_result(format!("slept {ms} ms")));
                dues.extend(self.finish_task(task_id, Status::Completed, None, result));
                dues
            }
            Work::Approve { subject } if step == 1 => self.ask_for_approval(task_id, &subject),
            Work::Approve { .. } => {
                let answer = (self.tasks.get(task_id))
                    .and_then(|task| task.status_message.take())
                    .unwrap_or_default();
                let result = Ok(text_result(answer));
                self.finish_task(task_id, Status::Completed, None, result)
            }
        }
    }

    /// Moves the task to input_required and asks the client through an elicitation tied to it.
    fn ask_for_approval(&mut self, task_id: &str, subject: &str) -> Vec<Due> {
        let declared = (self.session.as_ref())
            .is_some_and(|session| session.client_capabilities.get("elicitation").is_some());
        if !declared {
            let message = "the client declared no elicitation capability".to_string();
            let result = Ok(super::tools::error_result(&message));
            return self.finish_task(task_id, Status::Failed, Some(message), result);
        }
        self.tasks.elicitations_sent += 1;
        let request_id = json!(format!("task-elicitation-{}", self.tasks.elicitations_sent));
        let mut dues = self.set_status(task_id, Status::InputRequired, None);
        let task = self.tasks.get(task_id).expect("the task was just seen");
        task.asked = Some(request_id.clone());
        let mut params = json!({
            "message": format!("Approve {subject}?"),
            "requestedSchema": {
                "type": "object",
                "properties": { "approved": { "type": "boolean", "title": "Approved" } },
                "required": ["approved"],
            },
        });
        if !self.has(Fault::TaskElicitationUnrelated) {
            params["_meta"] = json!({ RELATED_TASK: { "taskId": task_id } });
        }
        let request = json!({
            "jsonrpc": "2.0", "id": request_id, "method": "elicitation/create", "params": params,
        });
        dues.push(Due {
            request: None,
            outputs: vec![Output::Message(request)],
        });
        dues
    }

    /// A client response to a task's elicitation: the task works again and then completes.
    /// Returns None if the response answers no task's request.
    pub(super) fn task_input_received(
        &mut self,
        id: &Value,
        body: &Result<Value, Value>,
    ) -> Option<Vec<Output>> {
        let task = (self.tasks.list.iter_mut())
            .find(|task| task.asked.as_ref().is_some_and(|asked| same_id(asked, id)))?;
        task.asked = None;
        let answer = match body {
            Ok(result) => match result.get("action").and_then(Value::as_str) {
                Some("accept") => match result.pointer("/content/approved") {
                    Some(Value::Bool(true)) => "approved",
                    _ => "not approved",
                },
                Some("decline") => "declined",
                _ => "cancelled by the user",
            },
            Err(_) => "the elicitation failed",
        };
        task.status_message = Some(answer.to_string());
        let task_id = task.id.clone();
        if self.has(Fault::TaskInputLost) {
            let message = "the input was lost".to_string();
            let result = Ok(super::tools::error_result(&message));
            let dues = self.finish_task(&task_id, Status::Failed, Some(message), result);
            return Some(Due::merged(dues));
        }
        let next = Job::TaskWork {
            task_id: task_id.clone(),
        };
        self.later
            .after(Duration::from_millis(APPROVAL_STEP_MS), next);
        let dues = self.set_status(&task_id, Status::Working, None);
        Some(Due::merged(dues))
    }

    /// A task's ttl ran out: the server forgets it, answering every tasks/result still waiting
    /// for it with an error rather than leaving it unanswered.
    pub(super) fn task_expired(&mut self, task_id: &str) -> Vec<Due> {
        let waiting = (self.tasks.get(task_id))
            .map(|task| std::mem::take(&mut task.waiting))
            .unwrap_or_default();
        self.tasks.forget(task_id);
        let message = format!("the task {task_id} expired before it finished");
        (waiting.into_iter())
            .map(|request| Due {
                outputs: self.respond(&request, Err(RpcError::invalid_params(message.clone()))),
                request: Some(request),
            })
            .collect()
    }

    /// Changes a task's status and announces it with notifications/tasks/status.
    fn set_status(&mut self, task_id: &str, status: Status, message: Option<String>) -> Vec<Due> {
        let Some(task) = self.tasks.get(task_id) else {
            return Vec::new();
        };
        task.status = status;
        task.updated = SystemTime::now();
        if message.is_some() {
            task.status_message = message;
        }
        let params = self.task_json(task_id);
        vec![Due {
            request: None,
            outputs: vec![self.notify("notifications/tasks/status", params)],
        }]
    }

    /// The task reaches a terminal status: its outcome is kept and every waiting tasks/result
    /// is answered.
    fn finish_task(
        &mut self,
        task_id: &str,
        status: Status,
        message: Option<String>,
        outcome: Outcome,
    ) -> Vec<Due> {
        let mut dues = self.set_status(task_id, status, message);
        let Some(task) = self.tasks.get(task_id) else {
            return dues;
        };
        task.outcome = Some(outcome);
        let waiting = std::mem::take(&mut task.waiting);
        for request in waiting {
            let outputs = self.task_result_response(task_id, &request);
            dues.push(Due {
                request: Some(request),
                outputs,
            });
        }
        dues
    }

    fn task_result_response(&mut self, task_id: &str, request: &Value) -> Vec<Output> {
        let task = (self.tasks.list.iter())
            .find(|task| task.id == task_id)
            .expect("only known tasks have results");
        let outcome = task
            .outcome
            .clone()
            .expect("terminal tasks have an outcome");
        let outcome = outcome.map(|mut result| {
            if !self.has(Fault::TaskResultUnrelated) {
                result["_meta"] = json!({ RELATED_TASK: { "taskId": task_id } });
            }
            result
        });
        self.respond(request, outcome)
    }

    /// The task a tasks/* request names by `params.taskId` (related-task `_meta` is ignored).
    fn named_task(&self, params: &Value) -> Result<String, RpcError> {
        let named = match self.has(Fault::TaskIdFromMeta) {
            true => params.pointer(&format!(
                "/_meta/{}/taskId",
                RELATED_TASK.replace('/', "~1")
            )),
            false => None,
        };
        let Some(task_id) = named.or(params.get("taskId")).and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "tasks requests need a taskId string",
            ));
        };
        match self.tasks.list.iter().any(|task| task.id == task_id) {
            true => Ok(task_id.to_string()),
            false => Err(RpcError::invalid_params(format!("Unknown task: {task_id}"))),
        }
    }

    pub(super) fn get_task(&self, params: &Value) -> Outcome {
        let task_id = self.unknown_task_fault(self.named_task(params))?;
        Ok(self.task_json(&task_id))
    }

    /// tasks/result: the outcome of a terminal task now, of any other when it ends.
    pub(super) fn task_result(&mut self, id: &Value, params: &Value) -> Vec<Output> {
        let task_id = match self.unknown_task_fault(self.named_task(params)) {
            Ok(task_id) => task_id,
            Err(error) => return self.respond(id, Err(error)),
        };
        let early = self.has(Fault::TaskResultEarly);
        let task = self.tasks.get(&task_id).expect("named_task found it");
        if task.status.is_terminal() {
            return self.task_result_response(&task_id, id);
        }
        if early {
            let mut result = json!({ "content": [] });
            result["_meta"] = json!({ RELATED_TASK: { "taskId": task_id } });
            return self.respond(id, Ok(result));
        }
        task.waiting.push(id.clone());
        Vec::new()
    }

    pub(super) fn list_tasks(&self, params: &Value) -> Outcome {
        let mut tasks: Vec<Value> = (self.tasks.list.iter())
            .map(|task| self.task_json(&task.id))
            .collect();
        if self.has(Fault::TaskListIncomplete) {
            tasks.truncate(1);
        }
        self.page("tasks", tasks, params)
    }

    /// tasks/cancel: a working task becomes cancelled before the answer (waiting tasks/result
    /// requests are answered after it); a terminal one is an error.
    pub(super) fn cancel_task(&mut self, id: &Value, params: &Value) -> Vec<Output> {
        let task_id = match self.unknown_task_fault(self.named_task(params)) {
            Ok(task_id) => task_id,
            Err(error) => return self.respond(id, Err(error)),
        };
        let status = self
            .tasks
            .get(&task_id)
            .expect("named_task found it")
            .status;
        if status.is_terminal() && !self.has(Fault::TaskCancelTerminal) {
            let message = format!("the task is already {}", status.as_str());
            return self.respond(id, Err(RpcError::invalid_params(message)));
        }
        if self.has(Fault::TaskCancelIgnored) {
            let task = self.task_json(&task_id);
            return self.respond(id, Ok(task));
        }
        self.later
            .cancel(|job| matches!(job, Job::TaskWork { task_id: t } if *t == task_id));
        let outcome = Err(RpcError::invalid_request("the task was cancelled"));
        let message = Some("cancelled by the client".to_string());
        let dues = self.finish_task(&task_id, Status::Cancelled, message, outcome);
        let task = self.task_json(&task_id);
        let mut outputs = self.respond(id, Ok(task));
        outputs.extend(Due::merged(dues));
        outputs
    }

    /// Under the task-unknown-id-accepted fault, an unknown task id is answered as if it named
    /// the newest task.
    fn unknown_task_fault(&self, found: Result<String, RpcError>) -> Result<String, RpcError> {
        match (found, self.tasks.list.last()) {
            (Err(_), Some(newest)) if self.has(Fault::TaskUnknownIdAccepted) => {
                Ok(newest.id.clone())
            }
            (found, _) => found,
        }
    }
}

/// `time` as an ISO 8601 UTC timestamp with milliseconds.
pub(super) fn iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_as_iso_8601() {
        let time = UNIX_EPOCH + Duration::from_millis(1_763_683_200_123);
        assert_eq!(iso8601(time), "2025-11-21T00:00:00.123Z");
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
    }
}

#[cfg(test)]
pub(super) mod exercise {
    use super::super::{Due, Fault, Output, Server};
    use serde_json::{json, Value};
    use std::time::{Duration, Instant};

    /// A 2025-11-25 session that touches every task and cancellation edge the faults break, with
    /// time run forward so that scheduled work happens.
    pub(in crate::reference) fn exercise(fault: Option<Fault>) -> Vec<Output> {
        let mut server = Server::new(fault);
        let mut outputs = Vec::new();
        let send = |server: &mut Server, message: Value| {
            let mut out = server.handle_line(message.to_string().as_bytes());
            let later = Instant::now() + Duration::from_secs(30);
            out.extend(Due::merged(server.run_due(later)));
            out
        };
        let initialize = json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": { "elicitation": {} },
            "clientInfo": { "name": "test", "version": "0" } } });
        outputs.extend(send(&mut server, initialize));
        let call = |id: u64, params: Value| json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params });
        let rpc = |id: u64, method: &str, params: Value| json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let task = json!({ "ttl": 60000 });
        // A sleep to cancel in flight (answered only when time runs on), then stale cancels.
        outputs
            .extend(server.handle_line(call(1, json!({ "name": "sleep" })).to_string().as_bytes()));
        let cancel = |id: Value| json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": id } });
        outputs.extend(send(&mut server, cancel(json!(1))));
        outputs.extend(send(&mut server, cancel(json!("never"))));
        outputs.extend(send(
            &mut server,
            rpc(2, "tools/list", json!({ "task": task })),
        ));
        outputs.extend(send(
            &mut server,
            call(
                3,
                json!({ "name": "echo", "arguments": { "text": "x" }, "task": task }),
            ),
        ));
        outputs.extend(send(&mut server, call(4, json!({ "name": "approve" }))));
        // Two sleeping tasks: one whose tasks/result is asked early, one cancelled.
        let sleep = json!({ "name": "sleep", "task": task, "_meta": { "progressToken": "p" } });
        let created = server.handle_line(call(5, sleep.clone()).to_string().as_bytes());
        let first = task_id(&created);
        outputs.extend(created);
        outputs.extend(
            server.handle_line(
                rpc(6, "tasks/result", json!({ "taskId": first }))
                    .to_string()
                    .as_bytes(),
            ),
        );
        let created = server.handle_line(call(7, sleep).to_string().as_bytes());
        let second = task_id(&created);
        outputs.extend(created);
        let related = json!({ "io.modelcontextprotocol/related-task": { "taskId": "other" } });
        outputs.extend(send(
            &mut server,
            rpc(
                8,
                "tasks/get",
                json!({ "taskId": second, "_meta": related }),
            ),
        ));
        outputs.extend(send(
            &mut server,
            rpc(9, "tasks/cancel", json!({ "taskId": second })),
        ));
        outputs.extend(send(&mut server, rpc(10, "tasks/list", json!({}))));
        outputs.extend(send(
            &mut server,
            rpc(11, "tasks/get", json!({ "taskId": "nope" })),
        ));
        // A task that needs input, answered.
        outputs.extend(send(
            &mut server,
            call(12, json!({ "name": "approve", "task": task })),
        ));
        let answer = json!({ "jsonrpc": "2.0", "id": "task-elicitation-1",
            "result": { "action": "accept", "content": { "approved": true } } });
        outputs.extend(send(&mut server, answer));
        outputs
    }

    fn task_id(outputs: &[Output]) -> String {
        outputs
            .iter()
            .find_map(|output| match output {
                Output::Message(m) => m.pointer("/result/task/taskId")?.as_str().map(String::from),
                _ => None,
            })
            .unwrap_or_default()
    }
}
