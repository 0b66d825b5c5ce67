//! The tasks extension (`io.modelcontextprotocol/tasks`, with 2026-07-28). Task creation is
//! the server's decision: a call of a task tool whose request declared the extension is
//! answered with a CreateTaskResult (`resultType: "task"`, TASKX-03) once the task can be got
//! (TASKX-04); without the extension, sleep runs inline and approve, which needs a task, is
//! -32021 (TASKX-01, TASKX-02). `tasks/get` shows the whole task, its outstanding input, its
//! result or its error (TASKX-05); `tasks/update` answers the input, `tasks/cancel` asks it to
//! stop, both acknowledged with an empty result (TASKX-08). A declined approval ends
//! `completed` with a tool error, not `failed` (TASKX-06). `subscriptions/listen` with
//! `taskIds` carries `notifications/tasks` (TASKX-10).

use super::jsonrpc::{Outcome, RpcError};
use super::later::{Due, Job};
use super::tasks::iso8601;
use super::tools::{error_result, text_result};
use super::{Fault, Output, Server};
use crate::protocol::codes;
use crate::protocol::stateless::TASKS_EXTENSION;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// How long a task is kept, and how often the server suggests polling.
const TTL_MS: u64 = 300_000;
const POLL_INTERVAL_MS: u64 = 50;
/// How long an approval task works before it asks for input, and after it got it.
const APPROVAL_STEP_MS: u64 = 20;

/// What a task does.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Work {
    /// The sleep tool: `ms`, then its result.
    Sleep { ms: u64 },
    /// The approve tool: asks the client to approve `subject`, then reports the answer (a tool
    /// error when not approved).
    Approve { subject: String },
    /// The fail tool: its tool error.
    Fail { text: &'static str },
}

struct Task {
    id: String,
    status: &'static str,
    created: SystemTime,
    updated: SystemTime,
    work: Work,
    /// The question outstanding: its key and the request.
    asking: Option<(String, Value)>,
    /// Questions asked so far (keys are numbered by it, so never reused).
    asked: u64,
    /// The answer the input brought, once it did.
    answer: Option<Value>,
    /// The tool result (completed) or JSON-RPC error (failed).
    result: Option<Value>,
    error: Option<Value>,
    /// tasks/get requests so far (only the task-not-yet-gettable fault cares).
    gets: u64,
}

/// Puts the task in input_required, asking `message` under `key`.
fn ask(task: &mut Task, key: String, message: String) {
    let request = json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": message,
            "requestedSchema": {
                "type": "object",
                "properties": { "approved": { "type": "boolean", "title": "Approved" } },
                "required": ["approved"],
            },
        },
    });
    task.asking = Some((key, request));
    task.status = "input_required";
}

/// The tasks created in the stateless era, oldest first.
#[derive(Default)]
pub(super) struct ExtTasks {
    list: Vec<Task>,
}

impl ExtTasks {
    fn get(&mut self, task_id: &str) -> Option<&mut Task> {
        self.list.iter_mut().find(|task| task.id == task_id)
    }
}

impl Server {
    /// Whether the stateless request being served declared the tasks extension.
    pub(super) fn declares_tasks_extension(&self) -> bool {
        (self.stateless.as_ref()).is_some_and(|request| {
            let extensions = request.client_capabilities.get("extensions");
            extensions.and_then(|e| e.get(TASKS_EXTENSION)).is_some()
        })
    }

    /// The -32021 for a request that needs the tasks extension its client did not declare.
    pub(super) fn needs_tasks_extension(&mut self, id: &Value, what: &str) -> Vec<Output> {
        let required = json!({ "extensions": { TASKS_EXTENSION: {} } });
        let error = RpcError::new(
            codes::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!(
                "Missing required client capability: {what} needs the {TASKS_EXTENSION} extension"
            ),
        )
        .with_data(json!({ "requiredCapabilities": required }));
        self.respond(id, Err(error))
    }

    /// A task for a stateless call of a task tool whose request declared the extension (the
    /// server's choice, made for every such call): its CreateTaskResult now, its work later.
    pub(super) fn create_ext_task(&mut self, call_id: &Value, work: Work) -> Vec<Output> {
        let now = SystemTime::now();
        let id = self.new_task_id();
        let first_step = match &work {
            Work::Sleep { ms } => *ms,
            Work::Approve { .. } | Work::Fail { .. } => APPROVAL_STEP_MS,
        };
        self.ext_tasks.list.push(Task {
            id: id.clone(),
            status: "working",
            created: now,
            updated: now,
            work,
            asking: None,
            asked: 0,
            answer: None,
            result: None,
            error: None,
            gets: 0,
        });
        let job = Job::ExtTaskWork {
            task_id: id.clone(),
        };
        self.later.after(Duration::from_millis(first_step), job);
        let mut created = self.ext_task_json(&id);
        let result_type = match self.has(Fault::TaskResultTypeComplete) {
            true => "complete",
            false => "task",
        };
        created["resultType"] = json!(result_type);
        self.respond(call_id, Ok(created))
    }

    /// The task as tasks/get and notifications/tasks show it: with its outstanding input, its
    /// result or its error.
    fn ext_task_json(&self, task_id: &str) -> Value {
        let task = (self.ext_tasks.list.iter())
            .find(|task| task.id == task_id)
            .expect("only known tasks are shown");
        let mut value = json!({
            "taskId": task.id,
            "status": task.status,
            "createdAt": iso8601(task.created),
            "lastUpdatedAt": iso8601(task.updated),
            "ttlMs": TTL_MS,
            "pollIntervalMs": POLL_INTERVAL_MS,
        });
        if let Some((key, request)) = &task.asking {
            value["inputRequests"] = json!({ key: request });
        }
        let completed_without_result = self.has(Fault::TaskCompletedWithoutResult);
        match (&task.result, &task.error) {
            (Some(result), _) if !completed_without_result => value["result"] = result.clone(),
            (_, Some(error)) => value["error"] = error.clone(),
            _ => {}
        }
        value
    }

    /// The next step of a task's work.
    pub(super) fn ext_task_work_done(&mut self, task_id: &str) -> Vec<Due> {
        let reuses_key = self.has(Fault::TaskReusesInputKey);
        let tool_error_fails = self.has(Fault::TaskToolErrorFails);
        let Some(task) = self.ext_tasks.get(task_id) else {
            return Vec::new();
        };
        if matches!(task.status, "completed" | "failed" | "cancelled") {
            return Vec::new();
        }
        match task.work.clone() {
            Work::Sleep { ms } => {
                task.status = "completed";
                task.result = Some(text_result(format!("slept {ms} ms")));
            }
            Work::Fail { .. } if tool_error_fails => {
                task.status = "failed";
                task.error =
                    Some(json!({ "code": codes::INTERNAL_ERROR, "message": "the tool failed" }));
            }
            Work::Fail { text } => {
                task.status = "completed";
                task.result = Some(error_result(text));
            }
            Work::Approve { subject } => match task.answer.take() {
                None => {
                    task.asked += 1;
                    let key = format!("elicitation-{}", task.asked);
                    ask(task, key, format!("Approve {subject}?"));
                }
                // The reuses-input-key fault asks again, under the key it used before.
                Some(_) if reuses_key && task.asked == 1 => {
                    task.asked += 1;
                    ask(
                        task,
                        "elicitation-1".into(),
                        format!("Really approve {subject}?"),
                    );
                }
                Some(answer) => {
                    let approved = answer["action"] == "accept"
                        && answer.pointer("/content/approved") == Some(&json!(true));
                    let verdict = format!(
                        "{subject}: {}",
                        if approved { "approved" } else { "not approved" }
                    );
                    task.status = "completed";
                    task.result = Some(match approved {
                        true => text_result(verdict),
                        false => error_result(&verdict),
                    });
                }
            },
        }
        task.updated = SystemTime::now();
        self.announce_task(task_id)
    }

    /// The task's state on every subscription that asked for it.
    fn announce_task(&mut self, task_id: &str) -> Vec<Due> {
        let task = self.ext_task_json(task_id);
        let outputs = self.announce_to_task_listeners(task_id, task);
        vec![Due {
            request: None,
            outputs,
        }]
    }

    /// The task a tasks/* request names, if the request may ask about tasks at all.
    fn named_ext_task(&self, params: &Value) -> Result<String, RpcError> {
        let Some(task_id) = params.get("taskId").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "tasks requests need a taskId string",
            ));
        };
        match self.ext_tasks.list.iter().any(|task| task.id == task_id) {
            true => Ok(task_id.to_string()),
            false if self.has(Fault::TaskUnknownInternalError) => Err(RpcError::internal(format!(
                "Failed to retrieve task {task_id}"
            ))),
            false => Err(RpcError::invalid_params(format!(
                "Failed to retrieve task: Task not found: {task_id}"
            ))),
        }
    }

    /// tasks/get, tasks/update and tasks/cancel: for clients that declared the extension.
    pub(super) fn ext_task_request(
        &mut self,
        id: &Value,
        method: &str,
        params: &Value,
    ) -> Vec<Output> {
        if !self.declares_tasks_extension() && !self.has(Fault::TasksServedWithoutExtension) {
            return self.needs_tasks_extension(id, method);
        }
        let outcome = match self.named_ext_task(params) {
            Ok(task_id) => match method {
                "tasks/get" => self.get_ext_task(&task_id),
                "tasks/update" => self.update_ext_task(&task_id, params),
                _ => self.cancel_ext_task(&task_id),
            },
            Err(error) => Err(error),
        };
        self.respond(id, outcome)
    }

    fn get_ext_task(&mut self, task_id: &str) -> Outcome {
        let not_yet = self.has(Fault::TaskNotYetGettable);
        let task = self
            .ext_tasks
            .get(task_id)
            .expect("named_ext_task found it");
        task.gets += 1;
        if not_yet && task.gets == 1 {
            let message = format!("Failed to retrieve task: Task not found: {task_id}");
            return Err(RpcError::invalid_params(message));
        }
        Ok(self.ext_task_json(task_id))
    }

    /// tasks/update: the answer to the outstanding question (answers to other keys are
    /// ignored); the work goes on shortly after the acknowledgement.
    fn update_ext_task(&mut self, task_id: &str, params: &Value) -> Outcome {
        let task = self
            .ext_tasks
            .get(task_id)
            .expect("named_ext_task found it");
        let answer = (task.asking.as_ref())
            .and_then(|(key, _)| {
                params.pointer(&format!(
                    "/inputResponses/{}",
                    key.replace('~', "~0").replace('/', "~1")
                ))
            })
            .cloned();
        if let Some(answer) = answer {
            task.asking = None;
            task.answer = Some(answer);
            task.status = "working";
            task.updated = SystemTime::now();
            let job = Job::ExtTaskWork {
                task_id: task_id.to_string(),
            };
            self.later
                .after(Duration::from_millis(APPROVAL_STEP_MS), job);
        }
        self.ext_task_ack(task_id)
    }

    /// tasks/cancel: a task not yet terminal is cancelled.
    fn cancel_ext_task(&mut self, task_id: &str) -> Outcome {
        let task = self
            .ext_tasks
            .get(task_id)
            .expect("named_ext_task found it");
        if !matches!(task.status, "completed" | "failed" | "cancelled") {
            task.status = "cancelled";
            task.asking = None;
            task.updated = SystemTime::now();
        }
        self.ext_task_ack(task_id)
    }

    /// The empty acknowledgement of tasks/update and tasks/cancel (the task itself with the
    /// task-ack-carries-task fault).
    fn ext_task_ack(&self, task_id: &str) -> Outcome {
        match self.has(Fault::TaskAckCarriesTask) {
            true => Ok(self.ext_task_json(task_id)),
            false => Ok(json!({})),
        }
    }

    /// The tasks of `task_ids` that exist, for a subscription's acknowledgement.
    pub(super) fn known_ext_tasks(&self, task_ids: &[String]) -> Vec<String> {
        (task_ids.iter())
            .filter(|id| self.ext_tasks.list.iter().any(|task| task.id == **id))
            .cloned()
            .collect()
    }
}
