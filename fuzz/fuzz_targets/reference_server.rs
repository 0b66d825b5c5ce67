//! The in-process reference server (`zcpspec::reference::Server::new(None)`, `handle_line`,
//! `next_due`/`run_due`) fed arbitrary sequences of lines by a client that also answers the
//! server's own requests and lets the server's scheduled work run.
//!
//! Invariants:
//! - The server never panics, and without a fault it writes only JSON-RPC messages.
//! - Every request (an object with `"jsonrpc": "2.0"`, a string `method` and a string or
//!   number `id`) is answered exactly once, once all scheduled work has run and the server's
//!   requests are answered; so is every line that is no valid message (with its id when it
//!   has a string or number one, else with null): unparseable JSON, an empty batch, a batch
//!   the negotiated revision does not allow, an invalid message. A request the client
//!   cancelled with `notifications/cancelled` is answered at most once: the spec lets the
//!   server drop it.
//! - A notification, or a client's response to a server request, is never answered: no
//!   response arrives for an id more often than one is owed, at any moment.
//! - Every response is valid JSON-RPC: `"jsonrpc": "2.0"`, the id, exactly one of `result` (an
//!   object) and `error` (an object with an integer `code` and a string `message`).
//! - Every notification and request of the server's is `"jsonrpc": "2.0"` with a string method;
//!   its requests have string or number ids, never one used before.
//! - In 2025-03-26, where batches exist, a batch is answered with one array of responses and
//!   no response outside it.
//!
//! The server's requests (roots/list, sampling/createMessage, elicitation/create) are answered
//! by the client with generated replies (plausible results, errors or any result), now or
//! later as the input says, and always before the end, so that every tool call can finish.
//!
//! Input: text starting with `{` or `[` is a transcript of lines (seeds are real sessions);
//! anything else is read as structure (a generated session).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use zcpspec::reference::{Due, Output, Server};
use zcpspec_fuzz::frames::{Line, TASK_REF_PREFIX};
use zcpspec_fuzz::session::{Reply, Session, Step};

/// More rounds of scheduled work than any session of this size needs.
const MAX_ROUNDS: usize = 20_000;

fuzz_target!(|data: &[u8]| {
    let session = if data.first().is_some_and(|b| matches!(b, b'{' | b'[')) {
        transcript(data)
    } else {
        match Session::arbitrary_take_rest(Unstructured::new(data)) {
            Ok(session) => session,
            Err(_) => return,
        }
    };
    let mut client = Client::new(session.replies);
    for step in &session.steps {
        client.send(step.line.to_bytes());
        if step.answer_now {
            client.answer_server_requests();
        }
        for _ in 0..step.advance % 4 {
            client.run_next_job();
        }
    }
    client.drain();
    client.check_every_request_answered();
});

/// Lines of text, each answered (server requests too) before the next.
fn transcript(data: &[u8]) -> Session {
    let steps = (data.split(|&b| b == b'\n'))
        .filter(|line| !line.is_empty())
        .map(|line| Step {
            line: Line::Raw(line.to_vec()),
            answer_now: true,
            advance: 0,
        });
    Session {
        steps: steps.collect(),
        replies: Vec::new(),
    }
}

/// An id as the key answers are counted under: equal ids (1 and 1.0 too) share a key.
fn key(id: &Value) -> String {
    match id {
        Value::Number(n) => format!("n:{}", n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => format!("s:{s}"),
        other => other.to_string(),
    }
}

/// The client side of the session and what it has counted.
struct Client {
    server: Server,
    replies: Vec<Reply>,
    replies_used: usize,
    /// Answers owed, by id key.
    owed: HashMap<String, usize>,
    answered: HashMap<String, usize>,
    /// Ids the client named in notifications/cancelled.
    cancelled: HashSet<String>,
    initialize_ids: HashSet<String>,
    /// Whether the negotiated revision (2025-03-26) has batches.
    batches: bool,
    /// Requests of the server's awaiting the client's answer.
    server_requests: Vec<Value>,
    server_request_ids: HashSet<String>,
    task_ids: Vec<String>,
    /// What crossed, for failure messages.
    transcript: Vec<String>,
}

macro_rules! ensure {
    ($client:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            $client.fail(format!($($msg)+));
        }
    };
}

impl Client {
    fn new(replies: Vec<Reply>) -> Self {
        Client {
            server: Server::new(None),
            replies,
            replies_used: 0,
            owed: HashMap::new(),
            answered: HashMap::new(),
            cancelled: HashSet::new(),
            initialize_ids: HashSet::new(),
            batches: false,
            server_requests: Vec::new(),
            server_request_ids: HashSet::new(),
            task_ids: Vec::new(),
            transcript: Vec::new(),
        }
    }

    fn fail(&self, message: String) -> ! {
        let start = self.transcript.len().saturating_sub(60);
        let shown = self.transcript[start..].join("\n");
        panic!("{message}\n--- the session (last lines; > client, < server):\n{shown}");
    }

    /// Sends one line, with task references replaced by the server's task ids.
    fn send(&mut self, line: Vec<u8>) {
        let line = self.with_task_ids(line);
        self.transcript
            .push(format!("> {}", String::from_utf8_lossy(&line)));
        let batch = self.owe_answers(&line);
        let outputs = self.server.handle_line(&line);
        self.observe(outputs, batch);
    }

    fn with_task_ids(&self, line: Vec<u8>) -> Vec<u8> {
        let prefix = TASK_REF_PREFIX.as_bytes();
        if !line.windows(prefix.len()).any(|w| w == prefix) {
            return line;
        }
        let Ok(mut value) = serde_json::from_slice::<Value>(&line) else {
            return line;
        };
        self.replace_task_refs(&mut value);
        serde_json::to_vec(&value).expect("a JSON value serialises")
    }

    fn replace_task_refs(&self, value: &mut Value) {
        match value {
            Value::String(s) if s.starts_with(TASK_REF_PREFIX) && !self.task_ids.is_empty() => {
                let n: usize = (s[TASK_REF_PREFIX.len()..].trim_end_matches('>'))
                    .parse()
                    .unwrap_or(0);
                *s = self.task_ids[n % self.task_ids.len()].clone();
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.replace_task_refs(v)),
            Value::Object(map) => map.values_mut().for_each(|v| self.replace_task_refs(v)),
            _ => {}
        }
    }

    /// Counts the answers `line` is owed; returns whether it is a batch the server answers
    /// element by element.
    fn owe_answers(&mut self, line: &[u8]) -> bool {
        match serde_json::from_slice::<Value>(line) {
            Err(_) => self.owe(&Value::Null),
            Ok(Value::Array(items)) if !items.is_empty() && self.batches => {
                items.iter().for_each(|item| self.owe_message(item));
                return true;
            }
            Ok(Value::Array(_)) => self.owe(&Value::Null),
            Ok(message) => self.owe_message(&message),
        }
        false
    }

    /// JSON-RPC 2.0: a request is owed an answer under its id; an invalid message one under
    /// its id if readable, else null; a notification or response nothing.
    fn owe_message(&mut self, message: &Value) {
        let Value::Object(map) = message else {
            return self.owe(&Value::Null);
        };
        let readable = match map.get("id") {
            Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
            _ => Value::Null,
        };
        if map.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            return self.owe(&readable);
        }
        match (map.get("method"), map.get("id")) {
            (Some(Value::String(method)), None) => {
                let cancels = map.get("params").and_then(|p| p.get("requestId"));
                if let Some(id) = cancels.filter(|_| method == "notifications/cancelled") {
                    self.cancelled.insert(key(id));
                }
            }
            (Some(Value::String(method)), Some(Value::String(_) | Value::Number(_))) => {
                if method == "initialize" {
                    self.initialize_ids.insert(key(&readable));
                }
                self.owe(&readable);
            }
            (Some(Value::String(_)), Some(_)) => self.owe(&Value::Null),
            (Some(_), _) => self.owe(&readable),
            (None, id) => {
                let one_body = map.contains_key("result") != map.contains_key("error");
                if !(one_body && id.is_some()) {
                    self.owe(&readable);
                }
            }
        }
    }

    fn owe(&mut self, id: &Value) {
        *self.owed.entry(key(id)).or_default() += 1;
    }

    fn observe(&mut self, outputs: Vec<Output>, batch: bool) {
        let mut arrays = 0;
        for output in outputs {
            let message = match output {
                Output::Message(message) => message,
                other => self.fail(format!("without a fault the server wrote {other:?}")),
            };
            self.transcript.push(format!("< {message}"));
            match message {
                Value::Array(items) => {
                    arrays += 1;
                    ensure!(self, batch, "an array answered a line that was no batch");
                    ensure!(self, arrays == 1, "a batch answered with several arrays");
                    ensure!(self, !items.is_empty(), "an empty array was written");
                    for item in &items {
                        ensure!(
                            self,
                            item.get("method").is_none(),
                            "{item} inside a batch answer"
                        );
                        self.response(item);
                    }
                }
                message if message.get("method").is_some() => self.server_message(message),
                message => {
                    ensure!(self, !batch, "a response outside the batch answer");
                    self.response(&message);
                }
            }
        }
    }

    fn response(&mut self, message: &Value) {
        let Some(object) = message.as_object() else {
            self.fail(format!("the response {message} is not an object"));
        };
        let version = object.get("jsonrpc").and_then(Value::as_str);
        ensure!(
            self,
            version == Some("2.0"),
            "jsonrpc is not \"2.0\" in {message}"
        );
        let Some(id) = object.get("id") else {
            self.fail(format!("the response {message} has no id"));
        };
        match (object.get("result"), object.get("error")) {
            (Some(result), None) => {
                ensure!(
                    self,
                    result.is_object(),
                    "the result is no object in {message}"
                );
            }
            (None, Some(error)) => {
                let code = error.get("code");
                let integer = code.is_some_and(|c| c.is_i64() || c.is_u64());
                ensure!(self, integer, "the error code is no integer in {message}");
                let text = error.get("message").is_some_and(Value::is_string);
                ensure!(self, text, "the error message is no string in {message}");
            }
            _ => self.fail(format!("not exactly one of result and error in {message}")),
        }
        let id_key = key(id);
        let answered = self.answered.entry(id_key.clone()).or_default();
        *answered += 1;
        let answered = *answered;
        let owed = self.owed.get(&id_key).copied().unwrap_or(0);
        ensure!(
            self,
            answered <= owed,
            "id {id} answered {answered} times, owed {owed} answers (a notification or a \
             response answered, or a request answered twice)"
        );
        let result = object.get("result");
        if self.initialize_ids.contains(&id_key) {
            if let Some(version) = result.and_then(|r| r.get("protocolVersion")) {
                self.batches = version == "2025-03-26";
            }
        }
        let task_id = result.and_then(|r| r.pointer("/task/taskId"));
        self.remember_task(task_id);
    }

    fn server_message(&mut self, message: Value) {
        let version = message.get("jsonrpc").and_then(Value::as_str);
        ensure!(
            self,
            version == Some("2.0"),
            "jsonrpc is not \"2.0\" in {message}"
        );
        let method = message.get("method").and_then(Value::as_str);
        ensure!(
            self,
            method.is_some(),
            "the method is no string in {message}"
        );
        match message.get("id") {
            None => {
                let task_id = message.pointer("/params/taskId");
                self.remember_task(task_id);
            }
            Some(id) => {
                let proper = id.is_string() || id.is_number();
                ensure!(self, proper, "a server request with id {id}");
                let fresh = self.server_request_ids.insert(key(id));
                ensure!(self, fresh, "the server used request id {id} again");
                self.server_requests.push(message);
            }
        }
    }

    fn remember_task(&mut self, task_id: Option<&Value>) {
        if let Some(task_id) = task_id.and_then(Value::as_str) {
            if !self.task_ids.iter().any(|known| known == task_id) {
                self.task_ids.push(task_id.to_string());
            }
        }
    }

    /// Answers every request of the server's awaiting an answer, each with the next reply.
    fn answer_server_requests(&mut self) {
        for request in std::mem::take(&mut self.server_requests) {
            let reply = match self.replies.is_empty() {
                true => Reply::Plausible(0),
                false => self.replies[self.replies_used % self.replies.len()].clone(),
            };
            self.replies_used += 1;
            let method = request["method"].as_str().unwrap_or_default();
            let response = reply.response(&request["id"], method, &request["params"]);
            self.send(serde_json::to_vec(&response).expect("a JSON value serialises"));
        }
    }

    /// Runs the earliest scheduled job (and any due with it), if there is one.
    fn run_next_job(&mut self) -> bool {
        let Some(due) = self.server.next_due() else {
            return false;
        };
        let outputs = Due::merged(self.server.run_due(due));
        self.observe(outputs, false);
        true
    }

    /// Lets every scheduled job run, answering the server's requests as they come.
    fn drain(&mut self) {
        for _ in 0..MAX_ROUNDS {
            if !self.server_requests.is_empty() {
                self.answer_server_requests();
            } else if !self.run_next_job() {
                return;
            }
        }
        self.fail(format!("work still scheduled after {MAX_ROUNDS} rounds"));
    }

    fn check_every_request_answered(&self) {
        let mut owed: Vec<_> = self.owed.iter().collect();
        owed.sort();
        for (id, &owed) in owed {
            let answered = self.answered.get(id).copied().unwrap_or(0);
            if self.cancelled.contains(id) {
                ensure!(
                    self,
                    answered <= owed,
                    "cancelled {id}: answered {answered} > {owed}"
                );
            } else {
                ensure!(
                    self,
                    answered == owed,
                    "id {id} answered {answered} times, owed {owed}"
                );
            }
        }
    }
}
