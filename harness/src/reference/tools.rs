//! The tools: their definitions per revision, argument validation against their input
//! schemas, and what each call does.

use super::extras::{EXTRA_NAME, EXTRA_TEXT};
use super::jsonrpc::{Outcome, RpcError};
use super::tasks::Work;
use super::tasks_ext::Work as ExtWork;
use super::{Fault, Output, Server};
use crate::protocol::codes;
use crate::protocol::Revision;
use crate::runner::roles::ROLES_META_KEY;
use serde_json::{json, Number, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Echo,
    Add,
    Fail,
    Count,
    Log,
    ListRoots,
    Reverse,
    Uppercase,
    Sleep,
    Approve,
    AskUser,
    Sample,
    ConnectAccount,
    ToggleExtras,
    Extra,
    Route,
}

const DEFAULT_COUNT: u64 = 3;
/// How long the sleep tool sleeps when not told.
const DEFAULT_SLEEP_MS: u64 = 250;
const FAILURE_TEXT: &str = "the tool failed on purpose";
/// Stands in the echo text for the bytes 0xFF 0xFE until the response is serialised.
const INVALID_UTF8_MARKER: &str = "<<invalid-utf8>>";

impl Tool {
    /// In listing order.
    const ALL: [Tool; 16] = [
        Tool::Echo,
        Tool::Add,
        Tool::Fail,
        Tool::Count,
        Tool::Log,
        Tool::ListRoots,
        Tool::Reverse,
        Tool::Uppercase,
        Tool::Sleep,
        Tool::Approve,
        Tool::AskUser,
        Tool::Sample,
        Tool::ConnectAccount,
        Tool::ToggleExtras,
        Tool::Extra,
        Tool::Route,
    ];

    fn named(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|tool| tool.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Tool::Echo => "echo",
            Tool::Add => "add",
            Tool::Fail => "fail",
            Tool::Count => "count",
            Tool::Log => "log",
            Tool::ListRoots => "list_roots",
            Tool::Reverse => "reverse",
            Tool::Uppercase => "uppercase",
            Tool::Sleep => "sleep",
            Tool::Approve => "approve",
            Tool::AskUser => "ask_user",
            Tool::Sample => "sample",
            Tool::ConnectAccount => "connect_account",
            Tool::ToggleExtras => "toggle_extras",
            Tool::Extra => EXTRA_NAME,
            Tool::Route => "route",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Tool::Echo => "Returns the text it is given.",
            Tool::Add => "Adds two numbers.",
            Tool::Fail => "Always fails, reporting the failure as a tool error.",
            Tool::Count => "Counts from 1, reporting progress for each step.",
            Tool::Log => "Sends one log message per level at or above the current log level.",
            Tool::ListRoots => "Asks the client for its roots and lists their URIs.",
            Tool::Reverse => "Returns the text it is given, reversed.",
            Tool::Uppercase => "Returns the text it is given, in upper case.",
            Tool::Sleep => "Sleeps for ms milliseconds, reporting progress, then says so.",
            Tool::Approve => "Asks the user to approve a subject (a task: it needs input).",
            Tool::AskUser => "Asks the user for a name (form elicitation) and greets it.",
            Tool::Sample => "Asks the client's model for a message (sampling) and returns it.",
            Tool::ConnectAccount => {
                "Connects a pretend Example account through a page the user visits (URL \
                 elicitation): flow \"request\" asks and waits, \"error\" answers -32042."
            }
            Tool::ToggleExtras => {
                "Switches the extra tool, resource and prompt on or off, changing all three lists."
            }
            Tool::Extra => "Listed while the extras are on; says so.",
            Tool::Route => {
                "Says where a call would be routed. HTTP clients mirror its region, shard, \
                 dry_run and target.zone into Mcp-Param headers (x-mcp-header)."
            }
        }
    }

    /// The fixture roles the tool plays, published in `_meta` so scenarios find it by discovery
    /// the way they would on any server that names its roles.
    fn roles(self) -> &'static [&'static str] {
        match self {
            Tool::Fail => &["errors"],
            Tool::Count => &["emits_progress"],
            Tool::Log => &["logs"],
            Tool::ListRoots => &["uses_roots"],
            Tool::Sleep => &["long_running"],
            Tool::Approve => &["task_input_required"],
            Tool::AskUser => &["elicits_input"],
            Tool::Sample => &["samples"],
            Tool::ConnectAccount => &["elicits_url"],
            Tool::ToggleExtras => &["changes_tools", "changes_resources", "changes_prompts"],
            Tool::Route => &["mirrors_parameters"],
            _ => &[],
        }
    }

    /// The ZCP discovery tags (`_meta.groups`, `_meta.stages`) that `discovery` filters on:
    /// primitives apart from workflow tools, and the stage of a workflow that uses the tool.
    fn discovery_tags(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Tool::Echo => (&["text", "primitive"], &["prepare"]),
            Tool::Add => (&["math", "workflow"], &["execute"]),
            Tool::Fail => (&["diagnostics", "primitive"], &["verify"]),
            Tool::Count => (&["math", "primitive"], &["execute"]),
            Tool::Log => (&["diagnostics", "primitive"], &["verify"]),
            Tool::ListRoots => (&["client", "primitive"], &["prepare"]),
            Tool::Reverse => (&["text", "workflow"], &["execute"]),
            Tool::Uppercase => (&["text", "primitive"], &["execute", "verify"]),
            Tool::Sleep => (&["tasks", "primitive"], &["execute"]),
            Tool::Approve => (&["tasks", "workflow"], &["verify"]),
            Tool::AskUser => (&["client", "primitive"], &["prepare"]),
            Tool::Sample => (&["client", "primitive"], &["execute"]),
            Tool::ConnectAccount => (&["client", "primitive"], &["prepare"]),
            Tool::ToggleExtras => (&["diagnostics", "primitive"], &["prepare"]),
            Tool::Extra => (&["text", "primitive"], &["execute"]),
            Tool::Route => (&["diagnostics", "primitive"], &["prepare"]),
        }
    }

    /// How the tool takes task augmentation (2025-11-25), when it is not "forbidden".
    fn task_support(self) -> Option<&'static str> {
        match self {
            Tool::Sleep => Some("optional"),
            Tool::Approve => Some("required"),
            _ => None,
        }
    }

    /// How the tool runs as a task of the tasks extension (2026-07-28), when it can.
    fn ext_task_support(self) -> Option<&'static str> {
        match self {
            Tool::Sleep | Tool::Fail => Some("optional"),
            Tool::Approve => Some("required"),
            _ => None,
        }
    }

    /// The first revision that lists the tool.
    fn since(self) -> Revision {
        match self {
            Tool::Approve | Tool::ConnectAccount => Revision::V2025_11_25,
            Tool::AskUser => Revision::V2025_06_18,
            Tool::Route => Revision::V2026_07_28,
            _ => Revision::V2024_11_05,
        }
    }

    fn input_schema(self) -> Value {
        let (properties, required) = match self {
            Tool::Echo | Tool::Reverse | Tool::Uppercase => {
                (json!({ "text": { "type": "string" } }), json!(["text"]))
            }
            Tool::Add => (
                json!({ "a": { "type": "number" }, "b": { "type": "number" } }),
                json!(["a", "b"]),
            ),
            Tool::Count => (
                json!({ "to": { "type": "integer", "minimum": 1, "maximum": 10,
                                "default": DEFAULT_COUNT } }),
                json!([]),
            ),
            Tool::Sleep => (
                json!({ "ms": { "type": "integer", "minimum": 0, "maximum": 2_000,
                                "default": DEFAULT_SLEEP_MS } }),
                json!([]),
            ),
            Tool::Approve => (json!({ "subject": { "type": "string" } }), json!([])),
            Tool::Sample => (json!({ "prompt": { "type": "string" } }), json!([])),
            Tool::ConnectAccount => (
                json!({ "flow": { "type": "string", "enum": ["request", "error"],
                                  "default": "request" } }),
                json!([]),
            ),
            Tool::Route => (
                json!({
                    "region": { "type": "string", "x-mcp-header": "Region" },
                    "shard": { "type": "integer", "x-mcp-header": "Shard" },
                    "dry_run": { "type": "boolean", "x-mcp-header": "Dry-Run" },
                    "target": { "type": "object", "properties": {
                        "zone": { "type": ["string", "null"], "x-mcp-header": "Zone" },
                    } },
                }),
                json!(["region"]),
            ),
            Tool::Fail
            | Tool::Log
            | Tool::ListRoots
            | Tool::AskUser
            | Tool::ToggleExtras
            | Tool::Extra => (json!({}), json!([])),
        };
        json!({
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": false,
        })
    }

    fn definition(self, revision: Revision) -> Value {
        let mut definition = json!({
            "name": self.name(),
            "description": self.description(),
            "inputSchema": self.input_schema(),
        });
        if self == Tool::Echo && revision >= Revision::V2025_03_26 {
            definition["annotations"] = json!({ "readOnlyHint": true });
        }
        // 2026-07-28 moved tasks to an extension, and `execution` with them.
        if let Some(support) = (self.task_support()).filter(|_| revision == Revision::V2025_11_25) {
            definition["execution"] = json!({ "taskSupport": support });
        }
        if !self.roles().is_empty() && revision >= Revision::V2025_06_18 {
            definition["_meta"] = json!({ ROLES_META_KEY: self.roles() });
        }
        if revision >= Revision::V2025_06_18 {
            let (groups, stages) = self.discovery_tags();
            definition["_meta"]["groups"] = json!(groups);
            definition["_meta"]["stages"] = json!(stages);
        }
        if self == Tool::Add && revision >= Revision::V2025_06_18 {
            definition["outputSchema"] = json!({
                "type": "object",
                "properties": { "sum": { "type": "number" } },
                "required": ["sum"],
            });
        }
        definition
    }
}

impl Server {
    pub(super) fn list_tools(&mut self, params: &Value) -> Outcome {
        let revision = self.revision();
        let tools = Tool::ALL
            .into_iter()
            .filter(|tool| tool.since() <= revision && self.lists(*tool))
            .map(|tool| {
                let mut definition = tool.definition(revision);
                if tool == Tool::Echo && self.has(Fault::ToolWithoutInputSchema) {
                    if let Value::Object(definition) = &mut definition {
                        definition.remove("inputSchema");
                    }
                }
                if tool == Tool::Fail && self.has(Fault::InvalidInputSchema) {
                    definition["inputSchema"]["minProperties"] = json!(-1);
                }
                if tool == Tool::Route && self.has(Fault::InvalidXMcpHeader) {
                    definition["inputSchema"]["properties"]["weight"] =
                        json!({ "type": "number", "x-mcp-header": "Weight" });
                }
                definition
            })
            .collect();
        let mut page = self.list_discovered(tools, params)?;
        if self.has(Fault::ToolsListUnstable) && self.stateless.is_some() {
            self.listings += 1;
            if let (true, Some(Value::Array(tools))) =
                (self.listings.is_multiple_of(2), page.get_mut("tools"))
            {
                tools.reverse();
            }
        }
        Ok(page)
    }

    pub(super) fn call_tool(&mut self, id: &Value, params: &Value) -> Vec<Output> {
        if self.has(Fault::HangOnToolsCall) {
            return Vec::new();
        }
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            let error = RpcError::invalid_params("tools/call needs the name of a tool");
            return self.respond(id, Err(error));
        };
        let listed = |tool: &Tool| tool.since() <= self.revision() && self.lists(*tool);
        let Some(tool) = Tool::named(name).filter(listed) else {
            let message = format!("Unknown tool: {name}");
            let outcome = if self.has(Fault::UnknownToolResult) {
                Ok(error_result(&message))
            } else if self.has(Fault::StatelessLegacyErrorCode) && self.stateless.is_some() {
                Err(RpcError::new(-32001, message))
            } else {
                Err(RpcError::invalid_params(message))
            };
            return self.respond(id, outcome);
        };
        let arguments = params.get("arguments").cloned().unwrap_or(json!({}));
        if !self.has(Fault::SkipArgumentValidation) {
            if let Some(problems) = argument_problems(&tool.input_schema(), &arguments) {
                let message = format!("invalid arguments for {name}: {problems}");
                return self.respond(id, Ok(error_result(&message)));
            }
        }
        let token = params.pointer("/_meta/progressToken").cloned();
        if let Some(support) = tool.ext_task_support().filter(|_| self.stateless.is_some()) {
            let declared = self.declares_tasks_extension()
                || (tool == Tool::Sleep && self.has(Fault::TaskWithoutExtension));
            let work = match tool {
                Tool::Approve => ExtWork::Approve {
                    subject: arguments["subject"].as_str().unwrap_or("it").to_string(),
                },
                Tool::Fail => ExtWork::Fail { text: FAILURE_TEXT },
                _ => ExtWork::Sleep {
                    ms: sleep_ms(&arguments),
                },
            };
            if declared && tool == Tool::Approve && !self.client_takes_forms() {
                let required = json!({ "elicitation": { "form": {} } });
                let message = "the client declared no form-mode elicitation capability";
                return self.lacks_capability(id, required, message);
            }
            if declared {
                return self.create_ext_task(id, work);
            }
            if support == "required" && self.has(Fault::TaskRequiredPlainError) {
                let message = format!("{name} runs only as a task");
                return self.respond(id, Err(RpcError::invalid_params(message)));
            }
            if support == "required" {
                return self
                    .needs_tasks_extension(id, &format!("{name}, which runs only as a task,"));
            }
        }
        if self.has_tasks() && self.stateless.is_none() {
            let task = params.get("task").filter(|task| task.is_object());
            match (tool.task_support(), task) {
                (None, Some(_)) if !self.has(Fault::TaskForbiddenAccepted) => {
                    let message = format!("{name} does not support task-augmented calls");
                    let error = RpcError::new(codes::METHOD_NOT_FOUND, message);
                    return self.respond(id, Err(error));
                }
                (Some("required"), None) if !self.has(Fault::TaskRequiredRunsInline) => {
                    let message = format!("{name} must be called as a task (params.task)");
                    let error = RpcError::new(codes::METHOD_NOT_FOUND, message);
                    return self.respond(id, Err(error));
                }
                (Some(_), Some(task)) => {
                    let work = task_work(tool, &arguments);
                    let task = task.clone();
                    return self.create_task(id, work, &task, token);
                }
                _ => {}
            }
        }
        let text = arguments.get("text").and_then(Value::as_str).unwrap_or("");
        match tool {
            Tool::Echo => self.echo(id, text),
            Tool::Add => {
                let result = self.add(&arguments["a"], &arguments["b"]);
                self.respond(id, Ok(result))
            }
            Tool::Fail if self.has(Fault::ToolErrorAsProtocolError) => {
                self.respond(id, Err(RpcError::internal(FAILURE_TEXT)))
            }
            Tool::Fail => self.respond(id, Ok(error_result(FAILURE_TEXT))),
            Tool::Count => {
                let to = arguments.get("to").and_then(Value::as_u64);
                self.count(id, to.unwrap_or(DEFAULT_COUNT), token)
            }
            Tool::Log => self.log_messages(id),
            Tool::ListRoots => self.list_roots(id),
            Tool::AskUser => self.ask_user(id),
            Tool::Sample => self.sample(id, &arguments),
            Tool::ConnectAccount => self.connect_account(id, &arguments),
            Tool::Reverse => self.respond(id, Ok(text_result(text.chars().rev().collect()))),
            Tool::Uppercase => self.respond(id, Ok(text_result(text.to_uppercase()))),
            Tool::Sleep => self.start_sleep(id, sleep_ms(&arguments), token),
            Tool::ToggleExtras => self.toggle_extras(id),
            Tool::Extra => self.respond(id, Ok(text_result(EXTRA_TEXT.into()))),
            Tool::Route => self.respond(id, Ok(route(&arguments))),
            Tool::Approve => {
                let message = "approve runs only as a task (the task-required-runs-inline fault)";
                self.respond(id, Ok(error_result(message)))
            }
        }
    }

    /// Whether the tool is listed now: the extra only while the extras are on; in the stateless
    /// era, not the URL-mode one.
    fn lists(&self, tool: Tool) -> bool {
        // connect_account's URL mode and its completion notification are not the stateless
        // era's.
        let asks_client = tool == Tool::ConnectAccount;
        (tool != Tool::Extra || self.extras_on) && !(asks_client && self.stateless.is_some())
    }

    fn echo(&mut self, id: &Value, text: &str) -> Vec<Output> {
        if !self.has(Fault::InvalidUtf8) {
            return self.respond(id, Ok(text_result(text.to_string())));
        }
        let marked = text_result(format!("{text}{INVALID_UTF8_MARKER}"));
        let outputs = self.respond(id, Ok(marked));
        outputs.into_iter().map(with_invalid_utf8).collect()
    }

    fn add(&self, a: &Value, b: &Value) -> Value {
        let sum = json!({ "sum": sum(a, b) });
        if self.revision() < Revision::V2025_06_18 {
            return text_result(sum.to_string());
        }
        let structured = if self.has(Fault::StructuredOutputMismatch) {
            json!({ "sum": sum["sum"].to_string() })
        } else {
            sum
        };
        let content = if self.has(Fault::StructuredWithoutText) {
            json!([])
        } else {
            json!([{ "type": "text", "text": structured.to_string() }])
        };
        json!({ "content": content, "structuredContent": structured })
    }

    fn count(&mut self, id: &Value, to: u64, token: Option<Value>) -> Vec<Output> {
        let token = token.map(|token| {
            if self.has(Fault::ProgressUnknownToken) {
                json!("not-yours")
            } else {
                token
            }
        });
        let mut outputs = Vec::new();
        if let Some(token) = &token {
            let steps: Vec<u64> = if self.has(Fault::ProgressDecreasing) {
                (1..=to).rev().collect()
            } else {
                (1..=to).collect()
            };
            for step in steps {
                outputs.push(self.progress(token, step, Some(to)));
            }
        }
        outputs.extend(self.respond(id, Ok(text_result(format!("counted to {to}")))));
        if let Some(token) = token.filter(|_| self.has(Fault::ProgressAfterResponse)) {
            outputs.push(self.progress(&token, to + 1, None));
        }
        outputs
    }

    pub(super) fn progress(&mut self, token: &Value, progress: u64, total: Option<u64>) -> Output {
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(total) = total {
            params["total"] = json!(total);
        }
        if self.revision() >= Revision::V2025_03_26 {
            params["message"] = json!(format!("counted {progress}"));
        }
        self.notify("notifications/progress", params)
    }
}

fn sleep_ms(arguments: &Value) -> u64 {
    arguments
        .get("ms")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_SLEEP_MS)
}

/// Where the route tool says a call goes: each mirrored argument, as given.
fn route(arguments: &Value) -> Value {
    let [region, shard, dry_run, zone] =
        ["/region", "/shard", "/dry_run", "/target/zone"].map(|p| {
            arguments
                .pointer(p)
                .map_or("-".to_string(), Value::to_string)
        });
    text_result(format!(
        "region {region}, shard {shard}, dry_run {dry_run}, zone {zone}"
    ))
}

/// The inputSchema of the tool the reference lists as `name` in the stateless era, if it
/// lists one: what its HTTP surface reads the Mcp-Param headers a call needs from.
pub(super) fn stateless_input_schema(name: &str) -> Option<Value> {
    let tool = Tool::named(name)?;
    (tool.since() <= Revision::STATELESS).then(|| tool.input_schema())
}

pub(super) fn text_result(text: String) -> Value {
    json!({ "content": [{ "type": "text", "text": text }] })
}

pub(super) fn error_result(message: &str) -> Value {
    json!({ "content": [{ "type": "text", "text": message }], "isError": true })
}

/// Every way `arguments` breaks `schema`, joined into one message; None if they conform.
fn argument_problems(schema: &Value, arguments: &Value) -> Option<String> {
    let validator =
        jsonschema::validator_for(schema).expect("the reference tools' input schemas are valid");
    let problems: Vec<String> = validator
        .iter_errors(arguments)
        .map(|error| match error.instance_path().to_string() {
            path if path.is_empty() => error.to_string(),
            path => format!("{error} (at {path})"),
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

/// a + b, as an integer when both are integers. Validation guarantees numbers; strings (let
/// through by the skip-argument-validation fault) are read as numbers if they can be, else 0.
fn sum(a: &Value, b: &Value) -> Value {
    let number = |value: &Value| match value {
        Value::Number(n) => n.clone(),
        Value::String(s) => s.trim().parse().unwrap_or(Number::from(0)),
        _ => Number::from(0),
    };
    let (a, b) = (number(a), number(b));
    match (a.as_i64(), b.as_i64()) {
        (Some(a), Some(b)) if a.checked_add(b).is_some() => json!(a + b),
        _ => json!(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
    }
}

/// The response serialised as a line with [`INVALID_UTF8_MARKER`] replaced by 0xFF 0xFE.
fn with_invalid_utf8(output: Output) -> Output {
    let Output::Message(message) = output else {
        return output;
    };
    let json = serde_json::to_vec(&message).expect("a JSON value always serialises");
    let marker = INVALID_UTF8_MARKER.as_bytes();
    let mut bytes = match json.windows(marker.len()).position(|w| w == marker) {
        Some(at) => [&json[..at], &[0xFF, 0xFE], &json[at + marker.len()..]].concat(),
        None => json,
    };
    bytes.push(b'\n');
    Output::Raw(bytes)
}

/// What a task tool's task does.
fn task_work(tool: Tool, arguments: &Value) -> Work {
    match tool {
        Tool::Approve => Work::Approve {
            subject: arguments["subject"].as_str().unwrap_or("it").to_string(),
        },
        _ => Work::Sleep {
            ms: sleep_ms(arguments),
        },
    }
}
