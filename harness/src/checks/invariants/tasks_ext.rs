//! The tasks extension (`io.modelcontextprotocol/tasks`, with 2026-07-28), judged on every
//! stateless request: no task for a request that did not declare the extension (TASKX-01); a
//! task is created only by tools/call, marked `resultType: "task"` and shaped as a Task
//! (TASKX-03); tasks/get shows what its status promises (TASKX-05); an input key names one
//! question only (TASKX-07); tasks/update and tasks/cancel are acknowledged with an empty
//! result (TASKX-08).

use super::stateless::stateless_exchanges;
use super::{Finding, Msg, Rule, View};
use crate::protocol::stateless::{CLIENT_CAPABILITIES, TASKS_EXTENSION};
use serde_json::Value;
use std::collections::HashMap;

pub(super) const RULES: &[(&str, Rule)] = &[
    (
        "tasks-ext/no-task-without-extension",
        no_task_without_extension,
    ),
    ("tasks-ext/create-result", create_result),
    ("tasks-ext/get-detailed", get_detailed),
    ("tasks-ext/input-keys-unique", input_keys_unique),
    ("tasks-ext/ack-empty", ack_empty),
];

/// The fields every Task carries.
const TASK_FIELDS: &[&str] = &["taskId", "status", "createdAt", "lastUpdatedAt", "ttlMs"];

/// Each stateless request with its method, whether it declared the extension, and its result.
fn stateless_results<'v, 'a>(
    v: &'v View<'a>,
) -> impl Iterator<Item = (&'a str, bool, &'v Msg<'a>, &'a Value)> + 'v {
    let caps_at = format!("/params/_meta/{}", CLIENT_CAPABILITIES.replace('/', "~1"));
    stateless_exchanges(v).map(move |(m, method, response, result)| {
        let declared = (m.value.pointer(&caps_at))
            .and_then(|caps| caps.get("extensions"))
            .is_some_and(|extensions| extensions.get(TASKS_EXTENSION).is_some());
        (method, declared, response, result)
    })
}

fn is_task_result(result: &Value) -> bool {
    result.get("resultType").is_some_and(|t| t == "task")
}

/// No CreateTaskResult to a request that did not declare the extension (TASKX-01).
fn no_task_without_extension(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, declared, response, result) in stateless_results(v) {
        if declared || method != "tools/call" {
            continue;
        }
        f.judge(
            response.seq,
            !is_task_result(result),
            || format!("no task: the request did not declare {TASKS_EXTENSION}"),
            || format!("a CreateTaskResult (taskId {})", result["taskId"]),
        );
    }
    f
}

/// A result marked `"task"` answers tools/call and is a Task; a tools/call answered with a
/// Task is marked `"task"` (TASKX-03).
fn create_result(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, _, response, result) in stateless_results(v) {
        let marked = is_task_result(result);
        // A tools/call result that is a task in all but its mark.
        let looks_like_task = method == "tools/call"
            && result.get("taskId").is_some()
            && result.get("status").is_some()
            && result.get("content").is_none();
        if !marked && !looks_like_task {
            continue;
        }
        let missing = TASK_FIELDS.iter().find(|k| result.get(**k).is_none());
        let problem = match () {
            _ if method != "tools/call" => Some(format!("resultType \"task\" answering {method}")),
            _ if !marked => Some(format!("a task marked resultType {}", result["resultType"])),
            _ => missing.map(|k| format!("a CreateTaskResult without {k}")),
        };
        f.judge(
            response.seq,
            problem.is_none(),
            || "a CreateTaskResult answers tools/call only, with resultType \"task\" and taskId, status, createdAt, lastUpdatedAt, ttlMs".into(),
            || problem.clone().unwrap_or_default(),
        );
    }
    f
}

/// A tasks/get result is marked `"complete"` and carries what its status promises: all
/// outstanding inputRequests when input_required, the result when completed, the error when
/// failed (TASKX-05).
fn get_detailed(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, _, response, result) in stateless_results(v) {
        if method != "tasks/get" {
            continue;
        }
        let status = result.get("status").and_then(Value::as_str).unwrap_or("");
        let needs = match status {
            "input_required" => Some("inputRequests"),
            "completed" => Some("result"),
            "failed" => Some("error"),
            _ => None,
        };
        let problem = match () {
            _ if result.get("resultType").is_some_and(|t| t != "complete") => {
                Some(format!("resultType {}", result["resultType"]))
            }
            _ => (TASK_FIELDS.iter().copied())
                .find(|k| result.get(*k).is_none())
                .or(needs.filter(|k| !result.get(*k).is_some_and(Value::is_object)))
                .map(|k| format!("a {status} task without {k}")),
        };
        f.judge(
            response.seq,
            problem.is_none(),
            || "the Task with resultType \"complete\", and inputRequests (input_required), result (completed) or error (failed)".into(),
            || problem.clone().unwrap_or_default(),
        );
    }
    f
}

/// A key in a task's inputRequests names one question over the task's lifetime (TASKX-07).
fn input_keys_unique(v: &View) -> Finding {
    let mut f = Finding::new();
    // (task, key) → the question first asked under it.
    let mut asked: HashMap<(String, String), &Value> = HashMap::new();
    for m in &v.received {
        let task = (m.value.get("result")).or_else(|| match m.kind.method() {
            Some("notifications/tasks") => m.value.get("params"),
            _ => None,
        });
        let Some(task) = task else { continue };
        let (Some(task_id), Some(Value::Object(requests))) = (
            task.get("taskId").and_then(Value::as_str),
            task.get("inputRequests"),
        ) else {
            continue;
        };
        for (key, request) in requests {
            let first = *asked
                .entry((task_id.to_string(), key.clone()))
                .or_insert(request);
            f.judge(
                m.seq,
                first == request,
                || format!("inputRequests key {key:?} of task {task_id} naming one request"),
                || format!("{key:?} asked {first} before, now {request}"),
            );
        }
    }
    f
}

/// tasks/update and tasks/cancel succeed with an empty acknowledgement, `resultType:
/// "complete"` (TASKX-08).
fn ack_empty(v: &View) -> Finding {
    let mut f = Finding::new();
    for (method, _, response, result) in stateless_results(v) {
        if !matches!(method, "tasks/update" | "tasks/cancel") {
            continue;
        }
        let extra = (result.as_object().into_iter().flatten())
            .map(|(k, _)| k.as_str())
            .find(|k| !matches!(*k, "resultType" | "_meta"));
        let complete = result.get("resultType").is_some_and(|t| t == "complete");
        f.judge(
            response.seq,
            complete && extra.is_none(),
            || format!("{method}: an empty acknowledgement with resultType \"complete\""),
            || match extra {
                Some(k) => format!("{method}: a result with {k}"),
                None => format!("{method}: resultType {}", result["resultType"]),
            },
        );
    }
    f
}
