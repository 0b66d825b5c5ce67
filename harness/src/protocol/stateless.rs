//! The stateless era (2026-07-28): the `_meta` keys every request carries in place of a
//! handshake, and the ones a server puts on its results.

use super::Revision;
use serde_json::Value;

/// Request `_meta`: the protocol version the request is written in (required).
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// Request `_meta`: the client's capabilities for this request (required).
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// Request `_meta`: who the client is (SHOULD).
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// Request `_meta`: the least severe log level the client wants for this request; without it,
/// no `notifications/message`.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// Result `_meta`: who the server is (SHOULD).
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// The methods 2026-07-28 removed: refused with -32601 by a server of that revision.
pub const REMOVED_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
];

/// The results that carry caching hints (`ttlMs`, `cacheScope`) when complete (CACHE-01).
pub const CACHEABLE_METHODS: &[&str] = &[
    "server/discover",
    "tools/list",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
];

/// The request that opens a subscription: the era's only channel for unasked notifications.
pub const LISTEN: &str = "subscriptions/listen";
/// The notification that acknowledges a subscription, first on it.
pub const SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
/// Notification (and teardown result) `_meta`: the id of the `subscriptions/listen` request
/// whose stream it belongs to.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// The list changes a subscription may ask for: its filter field and the notification.
pub const LISTEN_FILTERS: &[(&str, &str)] = &[
    ("toolsListChanged", "notifications/tools/list_changed"),
    ("promptsListChanged", "notifications/prompts/list_changed"),
    (
        "resourcesListChanged",
        "notifications/resources/list_changed",
    ),
];

/// The protocol version a request's params name in `_meta`, if they name one.
pub fn meta_version(params: &Value) -> Option<&str> {
    params.get("_meta")?.get(PROTOCOL_VERSION)?.as_str()
}

/// Whether a protocol version names a revision of the stateless era (2026-07-28 or later).
pub fn is_stateless_version(version: &str) -> bool {
    version
        .parse::<Revision>()
        .is_ok_and(Revision::is_stateless)
}

/// What a request's `Mcp-Name` header mirrors from its params: the tool or prompt name, the
/// resource URI, or the task id; None for the methods that have no `Mcp-Name`.
pub fn mcp_name<'a>(method: &str, params: &'a Value) -> Option<&'a str> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        m if TASKS_EXTENSION_METHODS.contains(&m) => "taskId",
        _ => return None,
    };
    params.get(field)?.as_str()
}

/// The tasks extension (with 2026-07-28): its key in `capabilities.extensions`.
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// The methods the tasks extension adds (each names its task in `params.taskId`).
pub const TASKS_EXTENSION_METHODS: &[&str] = &["tasks/get", "tasks/update", "tasks/cancel"];
