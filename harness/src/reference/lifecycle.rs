//! The lifecycle: initialize (version negotiation, capabilities, the client's capabilities
//! remembered for the session) and ping.

use super::hostile::{huge_line, notification_flood};
use super::jsonrpc::RpcError;
use super::{Fault, Output, Server};
use crate::protocol::Revision;
use serde_json::{json, Value};

pub(super) const SERVER_NAME: &str = "zcpspec-reference";
pub(super) const INSTRUCTIONS: &str =
    "The zcpspec reference server: tools that echo, compute, fail, \
                            report progress, log, sleep, run as tasks and ask the client; \
                            resources (one that changes when subscribed to), a template and \
                            prompts; toggle_extras changes all three lists.";
const STARTUP_BANNER: &[u8] = b"zcpspec-reference starting up\n";

/// What initialize settled for the rest of the session.
pub(super) struct Session {
    /// The revision the server behaves as.
    pub(super) revision: Revision,
    pub(super) client_capabilities: Value,
}

impl Server {
    pub(super) fn initialize(&mut self, id: &Value, params: &Value) -> Vec<Output> {
        if self.session.is_some() {
            let error = RpcError::invalid_request("the server is already initialized");
            return self.respond(id, Err(error));
        }
        let Some(requested) = params.get("protocolVersion").and_then(Value::as_str) else {
            let error = RpcError::invalid_params("initialize needs a protocolVersion string");
            return self.respond(id, Err(error));
        };
        let (revision, offered) = self.negotiate(requested);
        let client_capabilities = params.get("capabilities").cloned().unwrap_or(json!({}));
        self.session = Some(Session {
            revision,
            client_capabilities,
        });
        let mut result = json!({
            "protocolVersion": offered,
            "capabilities": self.capabilities(revision),
            "serverInfo": { "name": SERVER_NAME, "version": env!("CARGO_PKG_VERSION") },
            "instructions": INSTRUCTIONS,
        });
        if self.has(Fault::NoServerInfo) {
            if let Value::Object(result) = &mut result {
                result.remove("serverInfo");
            }
        }

        let mut outputs = Vec::new();
        if self.has(Fault::StdoutNoise) {
            outputs.push(Output::Raw(STARTUP_BANNER.to_vec()));
        }
        if self.has(Fault::HugeLine) {
            outputs.extend(huge_line());
        } else {
            outputs.extend(self.respond(id, Ok(result)));
        }
        if self.has(Fault::ExitMidSession) {
            outputs.push(Output::Exit(3));
        }
        if self.has(Fault::NotificationFlood) {
            outputs.extend(notification_flood());
        }
        outputs
    }

    /// The revision to behave as, and the version string to offer the client.
    fn negotiate(&self, requested: &str) -> (Revision, String) {
        let era = Revision::HANDSHAKE_ERA;
        let oldest = era[0];
        // 2026-07-28 has no initialize: asked for in one, it is an unsupported version.
        let requested_revision = (requested.parse::<Revision>().ok()).filter(|r| era.contains(r));
        let chosen = match (requested_revision, self.fault) {
            (Some(requested), Some(Fault::IgnoreVersion)) => {
                era[era
                    .iter()
                    .position(|r| *r == requested)
                    .unwrap_or(0)
                    .saturating_sub(1)]
            }
            (Some(supported), _) => supported,
            (None, Some(Fault::EchoUnsupportedVersion)) => {
                return (Revision::LATEST, requested.to_string());
            }
            (None, Some(Fault::FallbackOldest)) => oldest,
            (None, _) => Revision::LATEST,
        };
        (chosen, chosen.as_str().to_string())
    }

    pub(super) fn capabilities(&self, revision: Revision) -> Value {
        let mut capabilities = json!({
            "tools": { "listChanged": true },
            "resources": { "subscribe": true, "listChanged": true },
            "prompts": { "listChanged": true },
            "logging": {},
        });
        if revision >= Revision::V2025_03_26 {
            capabilities["completions"] = json!({});
        }
        if revision.is_stateless() {
            let tasks = crate::protocol::stateless::TASKS_EXTENSION;
            capabilities["extensions"] = json!({ tasks: {} });
            if self.has(Fault::ExtensionKeyUnprefixed) {
                capabilities["extensions"]["tasks"] = json!({});
            }
        }
        if self.has_tasks() && !self.has(Fault::TaskCapabilityUndeclared) {
            capabilities["tasks"] = json!({
                "list": {},
                "cancel": {},
                "requests": { "tools": { "call": {} } },
            });
        }
        if self.has(Fault::UndeclaredTools) {
            if let Value::Object(capabilities) = &mut capabilities {
                capabilities.remove("tools");
            }
        }
        capabilities
    }

    /// Whether the session has tasks: from 2025-11-25 (declared unless a fault hides them).
    pub(super) fn has_tasks(&self) -> bool {
        self.session.is_some() && self.revision() >= Revision::V2025_11_25
    }

    pub(super) fn ping(&mut self, id: &Value) -> Vec<Output> {
        let result = if self.has(Fault::PingNonEmpty) {
            json!({ "pong": true })
        } else {
            json!({})
        };
        let mut outputs = self.respond(id, Ok(result.clone()));
        if self.has(Fault::DuplicateResponse) {
            outputs.extend(self.respond(id, Ok(result)));
        }
        outputs
    }
}
