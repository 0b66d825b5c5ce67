//! The extras: a tool, a resource and a prompt listed only while they are switched on. The
//! toggle_extras tool switches them, which changes all three lists, and says so with
//! notifications/tools/list_changed, notifications/resources/list_changed and
//! notifications/prompts/list_changed, as the `listChanged` capabilities promise.

use super::tools::text_result;
use super::{Fault, Output, Server};
use serde_json::{json, Value};

pub(super) const EXTRA_NAME: &str = "extra";
pub(super) const EXTRA_URI: &str = "ref://text/extra";
pub(super) const EXTRA_TEXT: &str = "An extra, listed while the extras are on.";

impl Server {
    /// Switches the extras on or off; the tool result and the notifications announcing the
    /// changed lists, before the response.
    pub(super) fn toggle_extras(&mut self, id: &Value) -> Vec<Output> {
        self.extras_on = !self.extras_on;
        let announced = [
            (
                "notifications/tools/list_changed",
                Fault::ToolsListChangedSilent,
            ),
            (
                "notifications/resources/list_changed",
                Fault::ResourcesListChangedSilent,
            ),
            (
                "notifications/prompts/list_changed",
                Fault::PromptsListChangedSilent,
            ),
        ];
        let mut outputs = Vec::new();
        // In the stateless era, list changes are announced only on subscriptions/listen streams.
        for (method, silencing) in announced {
            match self.stateless {
                _ if self.has(silencing) => {}
                None => outputs.push(self.notify(method, json!({}))),
                Some(_) => {
                    let prompts = method == "notifications/prompts/list_changed";
                    if prompts && self.has(Fault::ListChangedOnCallStream) {
                        outputs.push(self.notify(method, json!({})));
                    }
                    outputs.extend(self.announce_list_change(method));
                }
            }
        }
        let state = if self.extras_on { "on" } else { "off" };
        let result = text_result(format!("the extras are {state}"));
        outputs.extend(self.respond(id, Ok(result)));
        outputs
    }

    /// The extra resource's listing, while the extras are on.
    pub(super) fn extra_resource(&self) -> Option<Value> {
        let listing = json!({ "uri": EXTRA_URI, "name": EXTRA_NAME, "mimeType": "text/plain" });
        self.extras_on.then_some(listing)
    }

    /// The extra prompt's listing, while the extras are on.
    pub(super) fn extra_prompt(&self) -> Option<Value> {
        let listing =
            json!({ "name": EXTRA_NAME, "description": "Listed while the extras are on." });
        self.extras_on.then_some(listing)
    }
}
