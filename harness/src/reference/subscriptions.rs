//! Resource subscriptions (resources/subscribe, resources/unsubscribe). The ticker resource
//! changes once per subscription, shortly after the subscriber first reads it (so that what it
//! read before and after differs), and the change is announced with
//! notifications/resources/updated; the other resources never change, so a subscription to them
//! announces nothing.

use super::jsonrpc::{Outcome, RpcError};
use super::later::{Due, Job};
use super::resources::README_URI;
use super::{Fault, Output, Server};
use crate::protocol::codes;
use crate::runner::roles::ROLES_META_KEY;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

pub(super) const TICKER_URI: &str = "ref://clock/ticker";
/// How long after the subscriber's first read the ticker changes.
const TICK_AFTER: Duration = Duration::from_millis(50);

/// The session's subscriptions and the ticker's state.
#[derive(Default)]
pub(super) struct Subscriptions {
    uris: BTreeSet<String>,
    ticks: u64,
    /// Subscribed to the ticker and not read it since: the next read sets it ticking.
    pub(super) armed: bool,
}

impl Server {
    /// The ticker's listing; from 2025-06-18 (where resources have `_meta`) it names its role.
    pub(super) fn ticker_listing(&self) -> Value {
        let mut listing = json!({ "uri": TICKER_URI, "name": "ticker", "mimeType": "text/plain" });
        if self.revision() >= crate::protocol::Revision::V2025_06_18 {
            listing["_meta"] = json!({ ROLES_META_KEY: ["subscribable"] });
        }
        listing
    }

    pub(super) fn ticker_text(&self) -> String {
        format!("ticks: {}", self.subscriptions.ticks)
    }

    /// resources/subscribe, for a resource that can be read.
    pub(super) fn subscribe(&mut self, params: &Value) -> Outcome {
        if self.has(Fault::SubscribeUnsupported) {
            return Err(RpcError::new(
                codes::METHOD_NOT_FOUND,
                "Method not found: resources/subscribe",
            ));
        }
        self.read_resource(params)?;
        let uri = params["uri"].as_str().unwrap_or_default().to_string();
        self.subscriptions.armed |= uri == TICKER_URI;
        self.subscriptions.uris.insert(uri);
        Ok(json!({}))
    }

    /// resources/read; the first read of the ticker after a subscribe to it sets it ticking.
    pub(super) fn read_watched(&mut self, params: &Value) -> Outcome {
        let outcome = self.read_resource(params);
        let ticker = params.get("uri").and_then(Value::as_str) == Some(TICKER_URI);
        if outcome.is_ok() && ticker && std::mem::take(&mut self.subscriptions.armed) {
            self.later.after(TICK_AFTER, Job::ResourceTick);
        }
        outcome
    }

    /// resources/unsubscribe: forgets the subscription (if any); a pending tick is dropped.
    pub(super) fn unsubscribe(&mut self, params: &Value) -> Outcome {
        let Some(uri) = params.get("uri").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params(
                "resources/unsubscribe needs a uri",
            ));
        };
        if uri == TICKER_URI {
            self.subscriptions.armed = false;
            self.later.cancel(|job| *job == Job::ResourceTick);
        }
        self.subscriptions.uris.remove(uri);
        Ok(json!({}))
    }

    /// The ticker changes; its subscriber hears of it.
    pub(super) fn tick(&mut self) -> Vec<Due> {
        self.subscriptions.ticks += 1;
        let mut updated = Vec::new();
        if self.subscriptions.uris.contains(TICKER_URI) && !self.has(Fault::SubscribeNoUpdates) {
            updated.push(TICKER_URI);
        }
        if self.has(Fault::UpdatedUnsubscribed) {
            updated.push(README_URI);
        }
        let mut outputs: Vec<Output> = updated
            .into_iter()
            .map(|uri| self.notify("notifications/resources/updated", json!({ "uri": uri })))
            .collect();
        outputs.extend(self.announce_update(TICKER_URI));
        vec![Due {
            request: None,
            outputs,
        }]
    }
}
