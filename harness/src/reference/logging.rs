//! Logging: logging/setLevel, and the log tool's notifications/message, one per level at or
//! above the level set.

use super::jsonrpc::{Outcome, RpcError};
use super::tools::text_result;
use super::{Fault, Output, Server};
use crate::protocol::LOG_LEVELS;
use serde_json::{json, Value};

/// What the log-leaks-credentials fault writes into a log message: a credential.
const LEAKED_HEADER: &str = "Authorization: Bearer zcpspec-4f1c9e2a7b3d8e6f0a5c";

impl Server {
    pub(super) fn set_log_level(&mut self, params: &Value) -> Outcome {
        let level = params.get("level").and_then(Value::as_str);
        match level.and_then(|level| LOG_LEVELS.iter().position(|known| *known == level)) {
            Some(threshold) => {
                self.log_threshold = threshold;
                Ok(json!({}))
            }
            None if level.is_some() && self.has(Fault::SetLevelAcceptsInvalid) => Ok(json!({})),
            None => Err(RpcError::invalid_params(format!(
                "Invalid log level; expected one of {}",
                LOG_LEVELS.join(", ")
            ))),
        }
    }

    /// The log tool: its log messages, then its result.
    pub(super) fn log_messages(&mut self, id: &Value) -> Vec<Output> {
        // A stateless request asks for its own level, and for no messages without one.
        let asked = match &self.stateless {
            Some(request) => request.log_level,
            None => Some(self.log_threshold),
        };
        let threshold = match asked {
            _ if self.has(Fault::LogIgnoresLevel) => 0,
            Some(threshold) => threshold,
            None if self.has(Fault::LogsWithoutLevel) => 0,
            None => LOG_LEVELS.len(),
        };
        let mut outputs = Vec::new();
        for (index, level) in LOG_LEVELS[threshold..].iter().enumerate() {
            let sent_level = if index == 0 && self.has(Fault::LogBadLevel) {
                "verbose"
            } else {
                level
            };
            let data = match index == 0 && self.has(Fault::LogLeaksCredentials) {
                true => format!("a {level} message; upstream call sent {LEAKED_HEADER}"),
                false => format!("a {level} message"),
            };
            let params = json!({ "level": sent_level, "logger": "reference", "data": data });
            outputs.push(self.notify("notifications/message", params));
        }
        outputs.extend(self.respond(id, Ok(text_result("logged".to_string()))));
        outputs
    }
}
