//! The stateless era (2026-07-28), beside the handshake era on the same connection (a
//! dual-era server, LIFE-16): a request that carries the era's `_meta` keys, and
//! `server/discover`, is served on its own, whatever came before it. Its `_meta` is checked
//! (BASE-20, LIFE-12), the methods the era removed are refused (LIFE-18), and its result is
//! marked with `resultType`, the server's identity and, for lists and reads, caching hints
//! (BASE-19, BASE-23, CACHE-01).

use super::client_requests::Purpose;
use super::jsonrpc::RpcError;
use super::lifecycle::{INSTRUCTIONS, SERVER_NAME};
use super::{Fault, Output, Server};
use crate::protocol::stateless::{
    CACHEABLE_METHODS, CLIENT_CAPABILITIES, LOG_LEVEL, PROTOCOL_VERSION, REMOVED_METHODS,
    SERVER_INFO, TASKS_EXTENSION_METHODS,
};
use crate::protocol::{codes, Revision, LOG_LEVELS};
use serde_json::{json, Map, Value};

/// How long a client may cache what the server lists and reads: its lists change only when
/// toggle_extras is called.
const TTL_MS: u64 = 60_000;

/// What a stateless request says of itself.
#[derive(Clone)]
pub(super) struct Request {
    pub(super) method: String,
    pub(super) client_capabilities: Value,
    /// The index in `LOG_LEVELS` of the least severe level the request wants logged, if any.
    pub(super) log_level: Option<usize>,
    /// The client's answers so far (multi round-trip): those its requestState carries back,
    /// and its inputResponses, by key.
    answers: Map<String, Value>,
    /// How many times the call asked the client so far while being served (keys are numbered
    /// in that order, which is the same on every retry).
    asked: usize,
}

/// Whether a request belongs to the stateless era: `server/discover`, or one whose `_meta`
/// carries either of the era's required keys.
pub(crate) fn is_stateless(method: &str, params: &Value) -> bool {
    let meta = params.get("_meta");
    method == "server/discover"
        || [PROTOCOL_VERSION, CLIENT_CAPABILITIES]
            .iter()
            .any(|key| meta.and_then(|m| m.get(key)).is_some())
}

impl Server {
    pub(super) fn handle_stateless(
        &mut self,
        id: &Value,
        method: &str,
        params: Value,
    ) -> Vec<Output> {
        let meta = params.get("_meta");
        let version = meta.and_then(|m| m.get(PROTOCOL_VERSION));
        let capabilities = meta.and_then(|m| m.get(CLIENT_CAPABILITIES));
        let (version, capabilities) = match (version, capabilities) {
            (Some(Value::String(version)), Some(capabilities @ Value::Object(_))) => {
                (version.clone(), capabilities.clone())
            }
            _ if self.has(Fault::IgnoreMissingMeta) => {
                (Revision::STATELESS.as_str().to_string(), json!({}))
            }
            _ => {
                let error = RpcError::invalid_params(format!(
                    "the request's _meta needs {PROTOCOL_VERSION} (a string) and \
                     {CLIENT_CAPABILITIES} (an object)"
                ));
                return self.respond(id, Err(error));
            }
        };
        if version != Revision::STATELESS.as_str() && !self.has(Fault::AnyProtocolVersion) {
            let error = RpcError::new(
                codes::UNSUPPORTED_PROTOCOL_VERSION,
                format!("Unsupported protocol version {version}"),
            )
            .with_data(
                json!({ "supported": [Revision::STATELESS.as_str()], "requested": version }),
            );
            return self.respond(id, Err(error));
        }
        if self.has(Fault::NeedsDiscoverFirst) && !self.discovered && method != "server/discover" {
            let error = RpcError::invalid_request("call server/discover first");
            return self.respond(id, Err(error));
        }
        let removed = REMOVED_METHODS.contains(&method)
            && !TASKS_EXTENSION_METHODS.contains(&method)
            && !(method == "ping" && self.has(Fault::ServesRemovedMethods));
        if removed {
            let error = RpcError::new(
                codes::METHOD_NOT_FOUND,
                format!("Method not found: {method} (removed in 2026-07-28)"),
            );
            return self.respond(id, Err(error));
        }
        let log_level = (meta.and_then(|m| m.get(LOG_LEVEL)).and_then(Value::as_str))
            .and_then(|level| LOG_LEVELS.iter().position(|l| *l == level));
        let mut answers = match params.get("requestState").map(|state| self.unseal(state)) {
            None => Map::new(),
            Some(Ok(answers)) => answers,
            Some(Err(())) => {
                let error = RpcError::invalid_params("requestState was not issued by this server");
                return self.respond(id, Err(error));
            }
        };
        if let Some(Value::Object(responses)) = params.get("inputResponses") {
            answers.extend(responses.clone());
        }
        self.stateless = Some(Request {
            method: method.to_string(),
            client_capabilities: capabilities,
            log_level,
            answers,
            asked: 0,
        });
        let outputs = match method {
            "server/discover" => {
                self.discovered = true;
                let result = self.discover();
                self.respond(id, Ok(result))
            }
            _ => self.dispatch(id, method, params),
        };
        self.stateless = None;
        outputs
    }

    /// Asks the client in the call's result (MRTR): the answer the retried call brings, if it
    /// brings one for this question, lets the call go on; otherwise the call ends, for now, with
    /// an InputRequiredResult asking for it, and a requestState carrying the answers so far.
    pub(super) fn ask_in_result(
        &mut self,
        call_id: &Value,
        method: &str,
        params: Option<Value>,
        purpose: Purpose,
    ) -> Vec<Output> {
        let request = self
            .stateless
            .as_mut()
            .expect("asked while serving a stateless request");
        request.asked += 1;
        let area = method.split('/').next().unwrap_or(method);
        let key = format!("{area}-{}", request.asked);
        if let Some(answer) = request.answers.get(&key).cloned() {
            return self.answered(call_id, purpose, Ok(answer));
        }
        let answers = request.answers.clone();
        if self.has(Fault::AssumesRetry) && answers.is_empty() && self.asked_in_result {
            let error = RpcError::invalid_params("answer the input asked for before first");
            return self.respond(call_id, Err(error));
        }
        self.asked_in_result = true;
        let state = self.seal(&answers);
        let mut input = json!({ "method": method });
        if let Some(params) = params {
            input["params"] = params;
        }
        let result = match self.has(Fault::InputRequiredBare) {
            true => json!({ "resultType": "input_required" }),
            false => json!({
                "resultType": "input_required",
                "inputRequests": { key: input },
                "requestState": state,
            }),
        };
        self.respond(call_id, Ok(result))
    }

    /// The answers as an opaque, tamper-evident requestState: their JSON in base64, a `.`, and
    /// a keyed hash of it in hex.
    fn seal(&self, answers: &Map<String, Value>) -> String {
        use base64::Engine;
        let payload = base64::engine::general_purpose::STANDARD_NO_PAD
            .encode(Value::Object(answers.clone()).to_string());
        format!("{payload}.{:016x}", self.state_mac(&payload))
    }

    /// The answers a requestState carries, if this server sealed it.
    fn unseal(&self, state: &Value) -> Result<Map<String, Value>, ()> {
        use base64::Engine;
        let (payload, mac) = state.as_str().and_then(|s| s.split_once('.')).ok_or(())?;
        let trusting = self.has(Fault::AcceptsTamperedState);
        if u64::from_str_radix(mac, 16) != Ok(self.state_mac(payload)) && !trusting {
            return Err(());
        }
        let json = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(payload)
            .map_err(drop)?;
        match serde_json::from_slice(&json) {
            Ok(Value::Object(answers)) => Ok(answers),
            _ => Err(()),
        }
    }

    fn state_mac(&self, payload: &str) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (self.state_key, payload).hash(&mut hasher);
        hasher.finish()
    }

    /// `server/discover`: the versions, capabilities and instructions.
    fn discover(&self) -> Value {
        let mut result = json!({
            "supportedVersions": [Revision::STATELESS.as_str()],
            "capabilities": self.capabilities(Revision::STATELESS),
            "instructions": INSTRUCTIONS,
        });
        if self.has(Fault::DiscoverNoVersions) {
            if let Value::Object(result) = &mut result {
                result.remove("supportedVersions");
            }
        }
        result
    }

    /// A stateless request's result, marked: `resultType`, the server's identity in `_meta`,
    /// and caching hints on what may be cached.
    pub(super) fn mark_stateless_result(&self, method: &str, mut result: Value) -> Value {
        let Value::Object(fields) = &mut result else {
            return result;
        };
        if !self.has(Fault::NoResultType) {
            fields
                .entry("resultType")
                .or_insert_with(|| json!("complete"));
        }
        if !self.has(Fault::NoServerInfoMeta) {
            let meta = fields.entry("_meta").or_insert_with(|| json!({}));
            meta[SERVER_INFO] =
                json!({ "name": SERVER_NAME, "version": env!("CARGO_PKG_VERSION") });
        }
        let complete = fields.get("resultType").is_none_or(|t| t == "complete");
        if CACHEABLE_METHODS.contains(&method) && complete && !self.has(Fault::NoCacheHints) {
            // CacheScopeVaries: a later page of a list is private, its first page public.
            let later_page = fields.get("nextCursor").is_none() && method.ends_with("/list");
            let scope = match self.has(Fault::CacheScopeVaries) && later_page {
                true => "private",
                false => "public",
            };
            fields.insert("ttlMs".into(), json!(TTL_MS));
            fields.insert("cacheScope".into(), json!(scope));
        }
        result
    }
}
