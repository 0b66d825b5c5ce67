//! Routing of what arrived: parse errors, batches, invalid messages, notifications, the client's
//! responses, and requests (gated on initialize, then dispatched by method).

use super::jsonrpc::{classify, Incoming, Outcome, Problem, RpcError};
use super::{Fault, Output, Server};
use crate::protocol::codes;
use crate::protocol::stateless::TASKS_EXTENSION_METHODS;
use serde_json::{json, Value};

impl Server {
    pub(super) fn answer_unparseable(&mut self) -> Vec<Output> {
        if self.has(Fault::CrashOnMalformedJson) {
            return vec![Output::Exit(1)];
        }
        let code = if self.has(Fault::NoParseError) {
            codes::INVALID_REQUEST
        } else {
            codes::PARSE_ERROR
        };
        let error = RpcError::new(code, "Parse error: the line is not valid JSON");
        self.respond(&Value::Null, Err(error))
    }

    /// A JSON array: answered element by element, with all responses in one array, where the
    /// negotiated revision has batches; otherwise refused as a whole.
    pub(super) fn handle_batch(&mut self, items: Vec<Value>) -> Vec<Output> {
        if items.is_empty() {
            let error = RpcError::invalid_request("an empty batch is not a valid request");
            return self.respond(&Value::Null, Err(error));
        }
        let batches_allowed =
            self.session.is_some() && self.revision().has_batches() && !self.has(Fault::NoBatch);
        if !batches_allowed {
            let when = match &self.session {
                Some(session) => format!("in protocol revision {}", session.revision),
                None => "before initialize".to_string(),
            };
            let error = RpcError::invalid_request(format!("batches are not supported {when}"));
            return self.respond(&Value::Null, Err(error));
        }
        let mut outputs = Vec::new();
        let mut responses = Vec::new();
        for item in items {
            for output in self.handle_message(item) {
                match output {
                    Output::Message(message) if message.get("method").is_none() => {
                        responses.push(message)
                    }
                    other => outputs.push(other),
                }
            }
        }
        if !responses.is_empty() {
            outputs.push(Output::Message(Value::Array(responses)));
        }
        outputs
    }

    pub(super) fn handle_message(&mut self, message: Value) -> Vec<Output> {
        match classify(message) {
            Incoming::Request { id, method, params } => self.handle_request(&id, &method, params),
            Incoming::Notification { .. } if self.has(Fault::RespondToNotification) => {
                vec![Output::Message(
                    json!({ "jsonrpc": "2.0", "id": null, "result": {} }),
                )]
            }
            Incoming::Notification { method, params } if method == "notifications/cancelled" => {
                (self.abandon_client_request(&params)).unwrap_or_else(|| self.cancelled(&params))
            }
            Incoming::Notification { method, .. }
                if method == "notifications/roots/list_changed" =>
            {
                self.roots_changed()
            }
            Incoming::Notification { .. } => Vec::new(),
            Incoming::Response { id, body } => match self.task_input_received(&id, &body) {
                Some(outputs) => outputs,
                None => self.receive_client_response(&id, body),
            },
            Incoming::Invalid { id, problem } => {
                let error = if problem == Problem::MethodNotString
                    && self.has(Fault::AcceptInvalidRequest)
                {
                    RpcError::new(codes::METHOD_NOT_FOUND, "Method not found")
                } else {
                    RpcError::invalid_request(problem.message())
                };
                self.respond(&id, Err(error))
            }
        }
    }

    fn handle_request(&mut self, id: &Value, method: &str, params: Value) -> Vec<Output> {
        if super::stateless::is_stateless(method, &params) {
            return self.handle_stateless(id, method, params);
        }
        if self.session.is_none() && method != "initialize" {
            if self.has(Fault::CrashBeforeInitialize) {
                return vec![Output::Exit(1)];
            }
            if method != "ping" {
                let error = RpcError::invalid_request("server not initialized");
                return self.respond(id, Err(error));
            }
        }
        self.dispatch(id, method, params)
    }

    /// Serves a request the era allows, by method.
    pub(super) fn dispatch(&mut self, id: &Value, method: &str, params: Value) -> Vec<Output> {
        if !params.is_object() {
            let error = RpcError::invalid_params("params must be an object");
            return self.respond(id, Err(error));
        }
        if self.has(Fault::TaskAugmentsAnything) && method != "tools/call" {
            if let Some(task) = params.get("task") {
                let work = super::tasks::Work::Sleep { ms: 0 };
                return self.create_task(id, work, &task.clone(), None);
            }
        }
        let uses_something = ["tools/call", "resources/read", "prompts/get"].contains(&method);
        if uses_something && self.stateless.is_some() && self.has(Fault::ListsRememberRequests) {
            self.extras_on = true; // silently: the lists now depend on what was asked before
        }
        let outcome: Outcome = match method {
            m if self.stateless.is_some() && TASKS_EXTENSION_METHODS.contains(&m) => {
                return self.ext_task_request(id, m, &params)
            }
            "initialize" => return self.initialize(id, &params),
            "ping" => return self.ping(id),
            "tools/call" => return self.call_tool(id, &params),
            "tools/list" => self.list_tools(&params),
            "resources/list" => self.list_resources(&params),
            "resources/templates/list" => self.list_resource_templates(&params),
            "resources/read" => self.read_watched(&params),
            "resources/subscribe" => self.subscribe(&params),
            "resources/unsubscribe" => self.unsubscribe(&params),
            "prompts/list" => self.list_prompts(&params),
            "prompts/get" => self.get_prompt(&params),
            "completion/complete" => self.complete(&params),
            crate::protocol::stateless::LISTEN if self.stateless.is_some() => {
                return self.listen(id, &params)
            }
            "logging/setLevel" => self.set_log_level(&params),
            "tasks/get" if self.has_tasks() => self.get_task(&params),
            "tasks/result" if self.has_tasks() => return self.task_result(id, &params),
            "tasks/list" if self.has_tasks() => self.list_tasks(&params),
            "tasks/cancel" if self.has_tasks() => return self.cancel_task(id, &params),
            _ if self.has(Fault::WrongErrorCode) => Err(RpcError::internal("Internal error")),
            _ => Err(RpcError::new(
                codes::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            )),
        };
        self.respond(id, outcome)
    }
}
