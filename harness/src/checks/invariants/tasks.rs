//! Rules over the tasks (2025-11-25) a session saw: every Task object the server showed, from
//! CreateTaskResults, tasks/get, tasks/cancel and tasks/list results and
//! notifications/tasks/status, in the order they arrived.

use super::{speaks_stateless, Finding, Msg, Rule, View};
use crate::protocol::MessageKind;
use crate::scenario::matcher::{compact, describe};
use regex::Regex;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::LazyLock;

pub(super) const RULES: &[(&str, Rule)] = &[
    ("tasks/capability-declared", capability_declared),
    ("tasks/id-unique", id_unique),
    ("tasks/status-transitions", status_transitions),
    ("tasks/timestamps", timestamps),
    ("tasks/related-task-meta", related_task_meta),
    ("progress/task-keeps-token", task_keeps_token),
];

const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
const STATUSES: [&str; 5] = [
    "working",
    "input_required",
    "completed",
    "failed",
    "cancelled",
];

static ISO_8601: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
        .expect("a valid pattern")
});

/// Where a Task object was seen.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Created,
    Get,
    Cancel,
    List,
    Status,
}

pub(super) struct Seen<'a> {
    pub(super) seq: u64,
    pub(super) source: Source,
    pub(super) task: &'a Value,
}

impl<'a> Seen<'a> {
    fn id(&self) -> Option<&'a str> {
        self.task.get("taskId").and_then(Value::as_str)
    }

    fn status(&self) -> Option<&'a str> {
        self.task.get("status").and_then(Value::as_str)
    }
}

/// Every Task object the server showed, in order.
pub(super) fn seen<'a>(v: &View<'a>) -> Vec<Seen<'a>> {
    let mut seen = Vec::new();
    for (m, id, method) in v.client_requests() {
        // The tasks extension's tasks (2026-07-28) are judged in `tasks_ext`.
        if speaks_stateless(m) {
            continue;
        }
        let Some(response) = v.response_to(id) else {
            continue;
        };
        let Some(result) = response.value.get("result") else {
            continue;
        };
        let seq = response.seq;
        let mut push = |source, task: &'a Value| seen.push(Seen { seq, source, task });
        match method {
            "tasks/get" => push(Source::Get, result),
            "tasks/cancel" => push(Source::Cancel, result),
            "tasks/list" => {
                for task in result
                    .get("tasks")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    push(Source::List, task);
                }
            }
            _ => {
                if let Some(task) = result.get("task").filter(|t| t.is_object()) {
                    push(Source::Created, task);
                }
            }
        }
    }
    for m in v.notifications("notifications/tasks/status") {
        if let Some(params) = m.value.get("params") {
            seen.push(Seen {
                seq: m.seq,
                source: Source::Status,
                task: params,
            });
        }
    }
    seen.sort_by_key(|s| s.seq);
    seen
}

/// For every task seen terminal, the first event at which it was (a terminal status, or its
/// tasks/result answered).
pub(super) fn terminal_at<'a>(v: &View<'a>) -> HashMap<&'a str, u64> {
    let mut at: HashMap<&'a str, u64> = HashMap::new();
    let mut note = |task_id: &'a str, seq: u64| {
        let first = at.entry(task_id).or_insert(seq);
        *first = (*first).min(seq);
    };
    for s in seen(v) {
        if let (Some(id), Some("completed" | "failed" | "cancelled")) = (s.id(), s.status()) {
            note(id, s.seq);
        }
    }
    for (m, id, method) in v.client_requests() {
        let task_id = m.value.pointer("/params/taskId").and_then(Value::as_str);
        if let (Some(task_id), "tasks/result", Some(r)) = (task_id, method, v.response_to(id)) {
            note(task_id, r.seq);
        }
    }
    at
}

fn capability_declared(v: &View) -> Finding {
    let mut f = Finding::new();
    let declared = v
        .server_caps
        .is_some_and(|c| c.pointer("/tasks/requests/tools/call").is_some());
    for (_, id, method) in v.client_requests() {
        let Some(response) = v.response_to(id) else {
            continue;
        };
        let offered = match method {
            "tools/list" => (response
                .value
                .pointer("/result/tools")
                .and_then(Value::as_array))
            .into_iter()
            .flatten()
            .find(|tool| {
                matches!(
                    tool.pointer("/execution/taskSupport")
                        .and_then(Value::as_str),
                    Some("optional" | "required")
                )
            })
            .and_then(|tool| tool.get("name"))
            .map(|name| format!("tool {} takes tasks", compact(name))),
            "tools/call" => (response.value.pointer("/result/task/taskId"))
                .map(|task| format!("tools/call created task {}", compact(task))),
            _ => None,
        };
        if let Some(offered) = offered {
            f.judge(
                response.seq,
                declared,
                || "capabilities.tasks.requests.tools.call declared".into(),
                || format!("{offered}, but the server declared no tasks.requests.tools.call"),
            );
        }
    }
    f
}

fn id_unique(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut ids: Vec<&str> = Vec::new();
    for s in seen(v).iter().filter(|s| s.source == Source::Created) {
        let id = s.id();
        let fresh = id.is_some_and(|id| !ids.contains(&id));
        f.judge(
            s.seq,
            fresh,
            || "a string taskId not used by another task".into(),
            || format!("taskId {}", describe(s.task.get("taskId"))),
        );
        ids.extend(id);
    }
    f
}

fn status_transitions(v: &View) -> Finding {
    let mut f = Finding::new();
    let mut last: HashMap<&str, &str> = HashMap::new();
    for s in seen(v) {
        let (Some(id), Some(status)) = (s.id(), s.status()) else {
            continue;
        };
        let before = last.get(id).copied();
        let ok = STATUSES.contains(&status)
            && match before {
                None if s.source == Source::Created => status == "working",
                None => true,
                Some(before) if before == status => true,
                Some("completed" | "failed" | "cancelled") => false,
                Some(_) => true,
            };
        f.judge(
            s.seq,
            ok,
            || match before {
                None => "a new task in status working".into(),
                Some(b) => format!("a status that may follow {b}"),
            },
            || match before {
                None => format!("task {id} created in status {status}"),
                Some(b) => format!("task {id} went from {b} to {status}"),
            },
        );
        last.insert(id, status);
    }
    f
}

fn timestamps(v: &View) -> Finding {
    let mut f = Finding::new();
    for s in seen(v) {
        let stamp = |key: &str| {
            (s.task.get(key).and_then(Value::as_str)).is_some_and(|t| ISO_8601.is_match(t))
        };
        let ttl_ok = s.source != Source::Get
            || matches!(s.task.get("ttl"), Some(Value::Null | Value::Number(_)));
        f.judge(
            s.seq,
            stamp("createdAt") && stamp("lastUpdatedAt") && ttl_ok,
            || "ISO 8601 createdAt and lastUpdatedAt (and, from tasks/get, a ttl)".into(),
            || {
                format!(
                    "task with createdAt {}, lastUpdatedAt {}, ttl {}",
                    describe(s.task.get("createdAt")),
                    describe(s.task.get("lastUpdatedAt")),
                    describe(s.task.get("ttl"))
                )
            },
        );
    }
    f
}

fn related_task_meta(v: &View) -> Finding {
    let mut f = Finding::new();
    let related = |m: &Msg, key: &str| {
        m.value
            .pointer(&format!("/{key}/_meta"))
            .and_then(|meta| meta.get(RELATED_TASK))
            .and_then(|r| r.get("taskId"))
            .and_then(Value::as_str)
            .map(String::from)
    };
    for (m, id, method) in v.client_requests() {
        if method != "tasks/result" {
            continue;
        }
        let Some(task_id) = m.value.pointer("/params/taskId").and_then(Value::as_str) else {
            continue;
        };
        let Some(response) = v
            .response_to(id)
            .filter(|r| r.value.get("result").is_some())
        else {
            continue;
        };
        let got = related(response, "result");
        f.judge(
            response.seq,
            got.as_deref() == Some(task_id),
            || format!("result._meta[\"{RELATED_TASK}\"].taskId = {task_id}"),
            || format!("tasks/result answered with related task {got:?}"),
        );
    }
    // A request the server sends while one of the session's tasks is under way, and no ordinary
    // call is in flight, can only be for a task.
    let ends = terminal_at(v);
    let created: Vec<(u64, &str)> = seen(v)
        .into_iter()
        .filter(|s| s.source == Source::Created)
        .filter_map(|s| Some((s.seq, s.id()?)))
        .collect();
    for (m, _, method) in v.server_requests() {
        let running = created
            .iter()
            .any(|(at, task_id)| *at < m.seq && ends.get(task_id).is_none_or(|end| *end > m.seq));
        let call_in_flight = v.client_requests().any(|(c, id, method)| {
            method == "tools/call"
                && c.seq < m.seq
                && c.value.pointer("/params/task").is_none()
                && v.response_to(id).is_none_or(|r| r.seq > m.seq)
        });
        if !running || call_in_flight {
            continue;
        }
        let got = related(m, "params");
        let known = got
            .as_deref()
            .is_some_and(|id| created.iter().any(|(_, t)| *t == id));
        f.judge(
            m.seq,
            known,
            || format!("params._meta[\"{RELATED_TASK}\"] naming the task it is for"),
            || format!("{method} sent during a task with related task {got:?}"),
        );
    }
    f
}

/// Whether a response answers a request that created a task (CreateTaskResult), and which.
pub(super) fn created_task<'a>(response: &Msg<'a>) -> Option<&'a str> {
    match response.kind {
        MessageKind::Response { .. } => response
            .value
            .pointer("/result/task/taskId")
            .and_then(Value::as_str),
        _ => None,
    }
}

/// Progress while a task created by a request with a progressToken is under way: after the
/// CreateTaskResult and before the task is terminal, progress must use that token (a token
/// the harness never gave, during such a task, is the task's progress under a new name).
fn task_keeps_token(v: &View) -> Finding {
    let mut f = Finding::new();
    let given: Vec<&Value> = (v.client_requests())
        .filter_map(|(m, _, _)| m.value.pointer("/params/_meta/progressToken"))
        .collect();
    let ends = terminal_at(v);
    let tasks: Vec<(&Value, u64, u64, &str)> = (v.client_requests())
        .filter_map(|(m, id, _)| {
            let token = m.value.pointer("/params/_meta/progressToken")?;
            let response = v.response_to(id)?;
            let task_id = created_task(response)?;
            let end = ends.get(task_id).copied().unwrap_or(u64::MAX);
            Some((token, response.seq, end, task_id))
        })
        .collect();
    for m in v.notifications("notifications/progress") {
        let token = m.value.pointer("/params/progressToken");
        let running = tasks
            .iter()
            .find(|(_, from, to, _)| *from < m.seq && m.seq < *to);
        let Some((task_token, _, _, task_id)) = running else {
            continue;
        };
        let known =
            token.is_some_and(|t| given.iter().any(|g| crate::protocol::frame::same_id(g, t)));
        f.judge(
            m.seq,
            known,
            || {
                format!(
                    "progress for task {task_id} under token {}",
                    compact(task_token)
                )
            },
            || {
                format!(
                    "progress under token {} during task {task_id}",
                    describe(token)
                )
            },
        );
    }
    f
}
