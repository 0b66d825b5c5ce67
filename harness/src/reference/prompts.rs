//! Prompts: `greeting` (a required and an optional argument) and `summary` (no arguments).

use super::jsonrpc::{Outcome, RpcError};
use super::{Fault, Server};
use serde_json::{json, Value};

const GREETING_DESCRIPTION: &str = "Asks the model to greet someone.";
const SUMMARY_DESCRIPTION: &str = "Asks the model to summarise the conversation.";

impl Server {
    pub(super) fn list_prompts(&self, params: &Value) -> Outcome {
        let prompts = vec![
            json!({
                "name": "greeting",
                "description": GREETING_DESCRIPTION,
                "arguments": [
                    { "name": "name", "description": "Who to greet.", "required": true },
                    { "name": "style", "description": "How to greet them.", "required": false },
                ],
            }),
            json!({ "name": "summary", "description": SUMMARY_DESCRIPTION }),
        ];
        self.page("prompts", prompts, params)
    }

    pub(super) fn get_prompt(&self, params: &Value) -> Outcome {
        let argument = |name: &str| {
            params
                .get("arguments")
                .and_then(|arguments| arguments.get(name))
                .and_then(Value::as_str)
        };
        let (description, text) = match params.get("name").and_then(Value::as_str) {
            Some("greeting") => {
                let name = match argument("name") {
                    Some(name) => name,
                    None if self.has(Fault::PromptIgnoresRequiredArgs) => "",
                    None => {
                        return Err(RpcError::invalid_params("Missing required argument: name"))
                    }
                };
                let text = match argument("style") {
                    Some(style) => format!("Say hello to {name} in a {style} style"),
                    None => format!("Say hello to {name}"),
                };
                (GREETING_DESCRIPTION, text)
            }
            Some("summary") => (SUMMARY_DESCRIPTION, "Summarise the conversation.".into()),
            Some(unknown) if self.has(Fault::UnknownPromptInternalError) => {
                return Err(RpcError::internal(format!("Internal error: {unknown}")))
            }
            Some(unknown) => {
                return Err(RpcError::invalid_params(format!(
                    "Unknown prompt: {unknown}"
                )))
            }
            None => return Err(RpcError::invalid_params("prompts/get needs a prompt name")),
        };
        Ok(json!({
            "description": description,
            "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
        }))
    }
}
