//! Roots: the list_roots tool asks the client for its roots (roots/list) and answers with their
//! URIs; the client's notifications/roots/list_changed needs nothing of a server that keeps no
//! roots between calls, and gets no reply.

use super::client_requests::{error_message, Purpose};
use super::tools::{error_result, text_result};
use super::{Fault, Output, Server};
use serde_json::{json, Value};

impl Server {
    pub(super) fn list_roots(&mut self, call_id: &Value) -> Vec<Output> {
        let asks_anyway =
            self.has(Fault::RootsWithoutCapability) || self.has(Fault::AsksUndeclared);
        if !self.client_declares("roots") && !asks_anyway {
            let required = json!({ "roots": {} });
            let message = "the client declared no roots capability";
            return self.lacks_capability(call_id, required, message);
        }
        self.ask_client(call_id, "roots/list", None, Purpose::Roots)
    }

    pub(super) fn roots_answered(
        &mut self,
        call_id: &Value,
        body: Result<Value, Value>,
    ) -> Vec<Output> {
        let result = match body {
            Ok(result) => match root_uris(&result) {
                Some(uris) => text_result(uris.join("\n")),
                None => error_result("the client's roots/list result has no valid roots array"),
            },
            Err(error) => error_result(error_message(&error)),
        };
        self.respond(call_id, Ok(result))
    }

    /// notifications/roots/list_changed: list_roots asks afresh on every call, so there is
    /// nothing to refresh.
    pub(super) fn roots_changed(&mut self) -> Vec<Output> {
        if self.has(Fault::RootsListChangedCrash) {
            return vec![Output::Exit(1)];
        }
        Vec::new()
    }
}

fn root_uris(result: &Value) -> Option<Vec<&str>> {
    let roots = result.get("roots")?.as_array()?;
    roots.iter().map(|root| root.get("uri")?.as_str()).collect()
}
