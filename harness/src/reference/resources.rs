//! Resources: a text and a binary resource, the ticker (see `subscriptions`), the extra while it
//! is on (see `extras`), one resource template, and reading them all. A URI that is not one, or
//! that has a `.` or `..` segment, is refused before anything is looked up.

use super::extras::{EXTRA_TEXT, EXTRA_URI};
use super::jsonrpc::{Outcome, RpcError};
use super::subscriptions::TICKER_URI;
use super::{Fault, Server};
use crate::protocol::codes;
use serde_json::{json, Value};

pub(super) const README_URI: &str = "ref://text/readme";
const PIXEL_URI: &str = "ref://binary/pixel";
pub(super) const ITEM_TEMPLATE: &str = "ref://items/{id}";
const ITEM_PREFIX: &str = "ref://items/";
pub(super) const README_TEXT: &str = "This is the zcpspec reference server's readme.";
/// A 1x1 PNG.
pub(super) const PIXEL_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const NOT_BASE64: &str = "this is not base64!";
/// What the resource-path-traversal fault answers for a URI that climbs out of its root.
const PASSWD_TEXT: &str = "root:x:0:0:root:/root:/bin/sh\n";

impl Server {
    pub(super) fn list_resources(&self, params: &Value) -> Outcome {
        let mut resources = vec![
            json!({ "uri": README_URI, "name": "readme", "mimeType": "text/plain" }),
            json!({ "uri": PIXEL_URI, "name": "pixel", "mimeType": "image/png" }),
            self.ticker_listing(),
        ];
        resources.extend(self.extra_resource());
        self.page("resources", resources, params)
    }

    pub(super) fn list_resource_templates(&self, params: &Value) -> Outcome {
        let templates =
            vec![json!({ "uriTemplate": ITEM_TEMPLATE, "name": "item", "mimeType": "text/plain" })];
        self.page("resourceTemplates", templates, params)
    }

    pub(super) fn read_resource(&self, params: &Value) -> Outcome {
        let Some(uri) = params.get("uri").and_then(Value::as_str) else {
            if self.has(Fault::MissingParamsInternalError) {
                return Err(RpcError::internal("Internal error: no uri"));
            }
            return Err(RpcError::invalid_params("resources/read needs a uri"));
        };
        if self.has(Fault::ResourcePathTraversal) && has_dot_segment(uri) {
            return Ok(
                json!({ "contents": [{ "uri": uri, "mimeType": "text/plain", "text": PASSWD_TEXT }] }),
            );
        }
        if !is_uri(uri) || has_dot_segment(uri) {
            return Err(RpcError::invalid_params(format!(
                "Invalid resource URI: {uri:?}"
            )));
        }
        let answered_uri = if self.has(Fault::ReadWrongUri) {
            format!("{uri}#other")
        } else {
            uri.to_string()
        };
        let item_id = uri
            .strip_prefix(ITEM_PREFIX)
            .filter(|id| !id.is_empty() && !id.contains(['/', '?', '#']));
        let content = match (uri, item_id) {
            (README_URI, _) => {
                json!({ "uri": answered_uri, "mimeType": "text/plain", "text": README_TEXT })
            }
            (TICKER_URI, _) => {
                json!({ "uri": answered_uri, "mimeType": "text/plain", "text": self.ticker_text() })
            }
            (EXTRA_URI, _) if self.extras_on => {
                json!({ "uri": answered_uri, "mimeType": "text/plain", "text": EXTRA_TEXT })
            }
            (PIXEL_URI, _) => {
                let blob = if self.has(Fault::BadBase64Blob) {
                    NOT_BASE64
                } else {
                    PIXEL_BASE64
                };
                json!({ "uri": answered_uri, "mimeType": "image/png", "blob": blob })
            }
            (_, Some(id)) => {
                json!({ "uri": answered_uri, "mimeType": "text/plain", "text": format!("item {id}") })
            }
            (_, None) if self.has(Fault::UnknownResourceEmpty) => {
                return Ok(json!({ "contents": [] }));
            }
            (_, None) => {
                // 2026-07-28 answers an unknown resource as invalid params (-32002 is gone).
                let code = if self.revision().is_stateless()
                    && !self.has(Fault::StatelessResourceNotFound)
                {
                    codes::INVALID_PARAMS
                } else {
                    codes::RESOURCE_NOT_FOUND
                };
                return Err(
                    RpcError::new(code, "Resource not found").with_data(json!({ "uri": uri }))
                );
            }
        };
        Ok(json!({ "contents": [content] }))
    }
}

/// Whether `text` looks like an absolute URI: a scheme, then no whitespace or control characters.
fn is_uri(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether the URI's path has a `.` or `..` segment (a way out of the directory it names).
fn has_dot_segment(uri: &str) -> bool {
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    path.split('/')
        .any(|segment| segment == "." || segment == "..")
}
