//! `subscriptions/listen` (2026-07-28): the stateless era's only channel for what the server
//! announces unasked. A listen request is acknowledged at once with the types it asked for that
//! the server honours (SUB-02, SUB-03), and is never answered while it lasts; every notification
//! it carries names it in `_meta` (SUB-04), and only the types it asked for are sent (SUB-01).
//! The client ends it with notifications/cancelled (stdio) or by closing its stream (HTTP),
//! after which nothing more is sent for it (CANC-07, CANC-08).

use super::jsonrpc::RpcError;
use super::subscriptions::TICKER_URI;
use super::{Fault, Output, Server};
use crate::protocol::frame::same_id;
use crate::protocol::stateless::{LISTEN_FILTERS, SUBSCRIPTIONS_ACKNOWLEDGED, SUBSCRIPTION_ID};
use serde_json::{json, Map, Value};

/// One open subscription: its request's id and what it honours.
pub(super) struct Listener {
    id: Value,
    /// The list-changed filter fields it honours (`toolsListChanged`, …).
    lists: Vec<&'static str>,
    /// The resources whose updates it carries.
    uris: Vec<String>,
    /// The tasks (of the tasks extension) whose status it carries.
    task_ids: Vec<String>,
}

impl Server {
    /// subscriptions/listen: acknowledged with what will be honoured, and left open.
    pub(super) fn listen(&mut self, id: &Value, params: &Value) -> Vec<Output> {
        let Some(Value::Object(requested)) = params.get("notifications") else {
            let error = RpcError::invalid_params("subscriptions/listen needs notifications");
            return self.respond(id, Err(error));
        };
        let lists: Vec<&'static str> = (LISTEN_FILTERS.iter())
            .filter(|(field, _)| requested.get(*field) == Some(&Value::Bool(true)))
            .map(|(field, _)| *field)
            .collect();
        let strings = |field: &str| -> Vec<String> {
            (requested
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten())
            .filter_map(|item| item.as_str().map(String::from))
            .collect()
        };
        let uris = strings("resourceSubscriptions");
        let task_ids = strings("taskIds");
        let serves_tasks =
            self.declares_tasks_extension() || self.has(Fault::TasksServedWithoutExtension);
        if requested.contains_key("taskIds") && !serves_tasks {
            return self.needs_tasks_extension(id, "taskIds on subscriptions/listen");
        }
        let task_ids = self.known_ext_tasks(&task_ids);
        self.subscriptions.armed |= uris.iter().any(|uri| uri == TICKER_URI);
        let mut honoured = Map::new();
        for field in &lists {
            honoured.insert(field.to_string(), json!(true));
        }
        if self.has(Fault::ListenAckUnrequested) {
            for (field, _) in LISTEN_FILTERS {
                honoured.insert(field.to_string(), json!(true));
            }
        }
        if !uris.is_empty() {
            honoured.insert("resourceSubscriptions".into(), json!(uris));
        }
        if !task_ids.is_empty() {
            honoured.insert("taskIds".into(), json!(task_ids));
        }
        // A listen reusing an id replaces the subscription of that id.
        self.listeners.retain(|l| !same_id(&l.id, id));
        self.listeners.push(Listener {
            id: id.clone(),
            lists,
            uris,
            task_ids,
        });
        let mut outputs = Vec::new();
        if !self.has(Fault::ListenNoAck) {
            let params = json!({ "notifications": honoured });
            outputs.push(self.notify_listener(id, SUBSCRIPTIONS_ACKNOWLEDGED, params));
        }
        if self.has(Fault::ListenLogs) {
            let params = json!({ "level": "info", "logger": "listen", "data": "listening" });
            outputs.push(self.notify_listener(id, "notifications/message", params));
        }
        outputs
    }

    /// A notification on the subscription `id`: marked with its id in `_meta`.
    fn notify_listener(&mut self, id: &Value, method: &str, mut params: Value) -> Output {
        if !self.has(Fault::ListenNoSubscriptionId) {
            params["_meta"] = json!({ SUBSCRIPTION_ID: id });
        }
        self.notify(method, params)
    }

    /// The list change `method` announced on every subscription that asked for it, with the
    /// id of the subscription each belongs to.
    pub(super) fn announce_list_change(&mut self, method: &str) -> Vec<Output> {
        let field = (LISTEN_FILTERS.iter())
            .find(|(_, m)| *m == method)
            .map(|(field, _)| *field);
        let ids: Vec<Value> = (self.listeners.iter())
            .filter(|l| {
                self.has(Fault::ListenUnrequested) || field.is_some_and(|f| l.lists.contains(&f))
            })
            .map(|l| l.id.clone())
            .collect();
        self.each_listener(ids, method, json!({}))
    }

    /// The update of `uri` announced on every subscription to it.
    pub(super) fn announce_update(&mut self, uri: &str) -> Vec<Output> {
        let ids: Vec<Value> = (self.listeners.iter())
            .filter(|l| l.uris.iter().any(|u| u == uri))
            .map(|l| l.id.clone())
            .collect();
        self.each_listener(
            ids,
            "notifications/resources/updated",
            json!({ "uri": uri }),
        )
    }

    /// A task's new state announced on every subscription to it.
    pub(super) fn announce_to_task_listeners(&mut self, task_id: &str, task: Value) -> Vec<Output> {
        let ids: Vec<Value> = (self.listeners.iter())
            .filter(|l| l.task_ids.iter().any(|t| t == task_id))
            .map(|l| l.id.clone())
            .collect();
        self.each_listener(ids, "notifications/tasks", task)
    }

    fn each_listener(&mut self, ids: Vec<Value>, method: &str, params: Value) -> Vec<Output> {
        (ids.iter())
            .map(|id| self.notify_listener(id, method, params.clone()))
            .collect()
    }

    /// Ends the subscription `id`, if there is one (the client cancelled it, or closed its
    /// stream); returns whether there was.
    pub(super) fn stop_listening(&mut self, id: &Value) -> bool {
        if self.has(Fault::ListenIgnoresCancel) {
            return false;
        }
        let before = self.listeners.len();
        self.listeners.retain(|l| !same_id(&l.id, id));
        self.listeners.len() < before
    }
}

/// The subscription `output` is a notification on, if it is one.
pub(crate) fn subscription_of(output: &Output) -> Option<&Value> {
    match output {
        Output::Message(m) if m.get("method").is_some() => m.pointer(&subscription_pointer()),
        _ => None,
    }
}

/// Where a notification carries its subscription's id.
fn subscription_pointer() -> String {
    format!("/params/_meta/{}", SUBSCRIPTION_ID.replace('/', "~1"))
}
