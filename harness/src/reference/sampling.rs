//! The sample tool: asks the client's model for a message (sampling/createMessage) and answers
//! with the text it got. When the client declared `sampling.tools` (2025-11-25), the request
//! offers one tool, get_time; if the model uses it, the server runs it and asks once more with
//! the tool results, with toolChoice `none` so that the second answer is the last.

use super::client_requests::{error_message, Purpose};
use super::tools::{error_result, text_result};
use super::{Fault, Output, Server};
use crate::protocol::Revision;
use serde_json::{json, Value};

const DEFAULT_PROMPT: &str = "Say hello to the zcpspec reference server.";
const MAX_TOKENS: u64 = 100;
const TIME_TOOL: &str = "get_time";

impl Server {
    pub(super) fn sample(&mut self, call_id: &Value, arguments: &Value) -> Vec<Output> {
        if !self.client_declares("sampling") && !self.has(Fault::AsksUndeclared) {
            let required = json!({ "sampling": {} });
            let message = "the client declared no sampling capability";
            return self.lacks_capability(call_id, required, message);
        }
        let prompt = (arguments.get("prompt").and_then(Value::as_str)).unwrap_or(DEFAULT_PROMPT);
        let mut params = json!({
            "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
            "maxTokens": MAX_TOKENS,
        });
        if self.has(Fault::SamplingWithoutMaxTokens) {
            if let Value::Object(params) = &mut params {
                params.remove("maxTokens");
            }
        }
        let offers_tools =
            self.client_declares("sampling.tools") || self.has(Fault::SamplingToolsUndeclared);
        if offers_tools && self.revision() >= Revision::V2025_11_25 {
            params["tools"] = json!([{
                "name": TIME_TOOL,
                "description": "The time of day at the reference server.",
                "inputSchema": { "type": "object", "properties": {} },
            }]);
            params["toolChoice"] = json!({ "mode": "auto" });
        }
        let purpose = Purpose::Sampling {
            params: params.clone(),
            follow_up: false,
        };
        self.ask_client(call_id, "sampling/createMessage", Some(params), purpose)
    }

    /// The client's answer to a sampling request made with `params`.
    pub(super) fn sampled(
        &mut self,
        call_id: &Value,
        mut params: Value,
        follow_up: bool,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let answer = match body {
            Ok(answer) => answer,
            Err(error) => {
                let message = format!("sampling failed: {}", error_message(&error));
                return self.respond(call_id, Ok(error_result(&message)));
            }
        };
        let content = answer.get("content").cloned().unwrap_or(Value::Null);
        let blocks = match &content {
            Value::Array(blocks) => blocks.clone(),
            block => vec![block.clone()],
        };
        let uses: Vec<&Value> = (blocks.iter())
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("tool_use"))
            .collect();
        if !uses.is_empty() && !follow_up && params.get("tools").is_some() {
            let results: Vec<Value> = uses.into_iter().map(run_tool).collect();
            if let Some(Value::Array(messages)) = params.get_mut("messages") {
                messages.push(json!({ "role": "assistant", "content": content }));
                messages.push(json!({ "role": "user", "content": results }));
            }
            params["toolChoice"] = json!({ "mode": "none" });
            let purpose = Purpose::Sampling {
                params: params.clone(),
                follow_up: true,
            };
            return self.ask_client(call_id, "sampling/createMessage", Some(params), purpose);
        }
        let texts: Vec<&str> = (blocks.iter())
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|block| block.get("text").and_then(Value::as_str))
            .collect();
        let result = match texts.is_empty() {
            true => error_result("the model answered without text"),
            false => text_result(texts.join("\n")),
        };
        self.respond(call_id, Ok(result))
    }
}

/// The tool_result for one tool_use block of the model's.
fn run_tool(tool_use: &Value) -> Value {
    let id = tool_use.get("id").cloned().unwrap_or(Value::Null);
    let (text, is_error) = match tool_use.get("name").and_then(Value::as_str) {
        Some(TIME_TOOL) => ("It is noon at the reference server.".to_string(), false),
        name => (
            format!("there is no tool {}", name.unwrap_or("without a name")),
            true,
        ),
    };
    let mut result = json!({
        "type": "tool_result",
        "toolUseId": id,
        "content": [{ "type": "text", "text": text }],
    });
    if is_error {
        result["isError"] = json!(true);
    }
    result
}
