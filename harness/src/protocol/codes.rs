//! JSON-RPC and MCP error codes, named as the spec names them.

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP (≤ 2025-11-25): the requested resource does not exist.
pub const RESOURCE_NOT_FOUND: i64 = -32002;
/// MCP (2025-11-25): the request needs a URL-mode elicitation completed first.
pub const URL_ELICITATION_REQUIRED: i64 = -32042;
/// MCP (2026-07-28): an HTTP header disagrees with the body, or a required one is missing.
pub const HEADER_MISMATCH: i64 = -32020;
/// MCP (2026-07-28): serving the request needs a client capability its `_meta` lacks.
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
/// MCP (2026-07-28): the request's protocol version is not one the server implements.
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
