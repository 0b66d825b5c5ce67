//! Prompts: `greeting` (a required and an optional argument), `summary` (no arguments) and
//! `describe_image` (an image and an embedded resource in its messages), and `extra` while the
//! extras are on.

use super::extras::{EXTRA_NAME, EXTRA_TEXT};
use super::jsonrpc::{Outcome, RpcError};
use super::resources::{PIXEL_BASE64, README_TEXT, README_URI};
use super::{Fault, Server};
use serde_json::{json, Value};

const GREETING_DESCRIPTION: &str = "Asks the model to greet someone.";
const SUMMARY_DESCRIPTION: &str = "Asks the model to summarise the conversation.";
const DESCRIBE_IMAGE_DESCRIPTION: &str = "Asks the model to describe an image, with the readme.";
/// What the prompt-image-not-base64 fault sends in place of the image's base64 data.
const IMAGE_PATH: &str = "/srv/images/pixel.png";
/// A `_meta` key under a prefix MCP reserves (its second label is `mcp`) and never defined.
const RESERVED_META_KEY: &str = "dev.mcp.zcpspec/note";

impl Server {
    pub(super) fn list_prompts(&self, params: &Value) -> Outcome {
        let mut prompts = vec![
            json!({
                "name": "greeting",
                "description": GREETING_DESCRIPTION,
                "arguments": [
                    { "name": "name", "description": "Who to greet.", "required": true },
                    { "name": "style", "description": "How to greet them.", "required": false },
                ],
            }),
            json!({ "name": "summary", "description": SUMMARY_DESCRIPTION }),
            json!({ "name": "describe_image", "description": DESCRIBE_IMAGE_DESCRIPTION }),
        ];
        prompts.extend(self.extra_prompt());
        let mut page = self.page("prompts", prompts, params)?;
        if self.has(Fault::ReservedMetaKey) {
            page["_meta"] = json!({ RESERVED_META_KEY: "not MCP's" });
        }
        Ok(page)
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
            Some("describe_image") => return Ok(self.describe_image()),
            Some(EXTRA_NAME) if self.extras_on => ("An extra prompt.", EXTRA_TEXT.into()),
            Some(unknown) if self.has(Fault::UnknownPromptInternalError) => {
                return Err(RpcError::internal(format!("Internal error: {unknown}")))
            }
            Some(unknown) => {
                return Err(RpcError::invalid_params(format!(
                    "Unknown prompt: {unknown}"
                )))
            }
            None if self.has(Fault::MissingParamsInternalError) => {
                return Err(RpcError::internal("Internal error: no prompt name"))
            }
            None => return Err(RpcError::invalid_params("prompts/get needs a prompt name")),
        };
        Ok(json!({
            "description": description,
            "messages": [{ "role": "user", "content": { "type": "text", "text": text } }],
        }))
    }

    /// The describe_image prompt: the pixel as image content, then the readme as an embedded
    /// resource, then the question.
    fn describe_image(&self) -> Value {
        let data = match self.has(Fault::PromptImageNotBase64) {
            true => IMAGE_PATH,
            false => PIXEL_BASE64,
        };
        json!({
            "description": DESCRIBE_IMAGE_DESCRIPTION,
            "messages": [
                { "role": "user", "content": { "type": "image", "data": data, "mimeType": "image/png" } },
                { "role": "user", "content": { "type": "resource", "resource": {
                    "uri": README_URI, "mimeType": "text/plain", "text": README_TEXT,
                } } },
                { "role": "user", "content": { "type": "text", "text": "Describe the image." } },
            ],
        })
    }
}
