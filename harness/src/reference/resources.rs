//! Resources: a text and a binary resource, one resource template, and reading all three.

use super::jsonrpc::{Outcome, RpcError};
use super::{Fault, Server};
use crate::protocol::codes;
use serde_json::{json, Value};

const README_URI: &str = "ref://text/readme";
const PIXEL_URI: &str = "ref://binary/pixel";
pub(super) const ITEM_TEMPLATE: &str = "ref://items/{id}";
const ITEM_PREFIX: &str = "ref://items/";
const README_TEXT: &str = "This is the zcpspec reference server's readme.";
/// A 1x1 PNG.
const PIXEL_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const NOT_BASE64: &str = "this is not base64!";

impl Server {
    pub(super) fn list_resources(&self, params: &Value) -> Outcome {
        let resources = vec![
            json!({ "uri": README_URI, "name": "readme", "mimeType": "text/plain" }),
            json!({ "uri": PIXEL_URI, "name": "pixel", "mimeType": "image/png" }),
        ];
        self.page("resources", resources, params)
    }

    pub(super) fn list_resource_templates(&self, params: &Value) -> Outcome {
        let templates =
            vec![json!({ "uriTemplate": ITEM_TEMPLATE, "name": "item", "mimeType": "text/plain" })];
        self.page("resourceTemplates", templates, params)
    }

    pub(super) fn read_resource(&self, params: &Value) -> Outcome {
        let Some(uri) = params.get("uri").and_then(Value::as_str) else {
            return Err(RpcError::invalid_params("resources/read needs a uri"));
        };
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
                return Err(
                    RpcError::new(codes::RESOURCE_NOT_FOUND, "Resource not found")
                        .with_data(json!({ "uri": uri })),
                )
            }
        };
        Ok(json!({ "contents": [content] }))
    }
}
