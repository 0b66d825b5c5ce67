//! Argument completion (completion/complete) for the greeting prompt's `name` and the item
//! template's `id`.

use super::jsonrpc::{Outcome, RpcError};
use super::resources::ITEM_TEMPLATE;
use super::{Fault, Server};
use serde_json::{json, Value};

const NAMES: &[&str] = &["alice", "bob", "carol", "dave"];
const ITEM_IDS: &[&str] = &["1", "2", "42"];
const OVER_LIMIT_VALUES: usize = 150;

impl Server {
    pub(super) fn complete(&self, params: &Value) -> Outcome {
        let argument = params.pointer("/argument/name").and_then(Value::as_str);
        let prefix = params.pointer("/argument/value").and_then(Value::as_str);
        let (Some(argument), Some(prefix)) = (argument, prefix) else {
            return Err(RpcError::invalid_params(
                "completion/complete needs argument.name and argument.value",
            ));
        };
        let reference = |key: &str| {
            params
                .pointer(&format!("/ref/{key}"))
                .and_then(Value::as_str)
        };
        let candidates: &[&str] = match (reference("type"), reference("name"), reference("uri")) {
            (Some("ref/prompt"), Some("greeting"), _) if argument == "name" => NAMES,
            (Some("ref/prompt"), Some("greeting" | "summary"), _) => &[],
            (Some("ref/prompt"), _, _) if self.has(Fault::CompletionUnknownRefOk) => &[],
            (Some("ref/prompt"), name, _) => {
                let name = name.unwrap_or_default();
                return Err(RpcError::invalid_params(format!("Unknown prompt: {name}")));
            }
            (Some("ref/resource"), _, Some(ITEM_TEMPLATE)) if argument == "id" => ITEM_IDS,
            (Some("ref/resource"), _, Some(ITEM_TEMPLATE)) => &[],
            (Some("ref/resource"), _, uri) => {
                let uri = uri.unwrap_or_default();
                return Err(RpcError::invalid_params(format!("Unknown resource: {uri}")));
            }
            _ => return Err(RpcError::invalid_params("Unknown reference type")),
        };
        let values: Vec<String> = if self.has(Fault::CompletionOverLimit) {
            (0..OVER_LIMIT_VALUES)
                .map(|i| format!("{prefix}{i}"))
                .collect()
        } else {
            candidates
                .iter()
                .filter(|candidate| candidate.starts_with(prefix))
                .map(|candidate| candidate.to_string())
                .collect()
        };
        Ok(json!({
            "completion": { "total": values.len(), "values": values, "hasMore": false },
        }))
    }
}
