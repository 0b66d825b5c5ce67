//! Cursor pagination shared by the list methods: pages of five items, opaque cursors "page-<n>".

use super::jsonrpc::{Outcome, RpcError};
use super::{Fault, Server};
use serde_json::{Map, Value};

const PAGE_SIZE: usize = 5;

impl Server {
    /// The page of `items` that the request's cursor points at, as `{<key>: [...], nextCursor?}`.
    pub(super) fn page(&self, key: &str, items: Vec<Value>, params: &Value) -> Outcome {
        let page = match params.get("cursor") {
            None | Some(Value::Null) => 0,
            Some(_) if self.has(Fault::CursorIgnored) => 0,
            Some(cursor) => match page_of_cursor(cursor, items.len()) {
                Some(page) => page,
                None if self.has(Fault::InvalidCursorAccepted) => 0,
                None => return Err(RpcError::invalid_params("Invalid cursor")),
            },
        };
        let start = page * PAGE_SIZE;
        let end = items.len().min(start + PAGE_SIZE);
        let mut result = Map::new();
        result.insert(key.into(), Value::from(items[start..end].to_vec()));
        if end < items.len() {
            result.insert("nextCursor".into(), format!("page-{}", page + 1).into());
        }
        Ok(Value::Object(result))
    }
}

/// The page a cursor names, if it is one this server handed out for a list of `len` items.
fn page_of_cursor(cursor: &Value, len: usize) -> Option<usize> {
    let page: usize = cursor.as_str()?.strip_prefix("page-")?.parse().ok()?;
    let starts_within = page.checked_mul(PAGE_SIZE).is_some_and(|start| start < len);
    (page >= 1 && starts_within).then_some(page)
}
