//! The registry of every check, grouped by spec area in the order the spec presents them.
//! A check's id never changes once published: baselines and CI history refer to it.

use super::{CheckDef, Level::*};

pub const CHECKS: &[CheckDef] = &[
    // ── Base protocol (JSON-RPC) ─────────────────────────────────────────────────────────
    CheckDef {
        id: "base/jsonrpc-version",
        level: Must,
        spec: "basic/index §Messages",
        requirement: "Every message the server sends MUST be a JSON-RPC 2.0 object with \"jsonrpc\": \"2.0\".",
        catalogue: &["BASE-01"],
    },
    CheckDef {
        id: "base/utf8",
        level: Must,
        spec: "basic/transports",
        requirement: "JSON-RPC messages MUST be UTF-8 encoded.",
        catalogue: &["BASE-02"],
    },
    CheckDef {
        id: "base/message-shape",
        level: Must,
        spec: "basic/index §Schema",
        requirement: "Every server message MUST conform to the schema of the negotiated revision for its method.",
        catalogue: &["BASE-03", "TOOL-04", "TOOL-08", "RES-03", "RES-07", "COMP-02", "LOG-02", "LOG-03"],
    },
    CheckDef {
        id: "base/response-id-matches-request",
        level: Must,
        spec: "basic/index §Responses",
        requirement: "A response MUST include the same ID as the request it corresponds to.",
        catalogue: &["BASE-04"],
    },
    CheckDef {
        id: "base/one-response-per-request",
        level: Must,
        spec: "basic/index §Responses",
        requirement: "A request MUST receive exactly one response: a result or an error, never two.",
        catalogue: &["BASE-04"],
    },
    CheckDef {
        id: "base/error-object",
        level: Must,
        spec: "basic/index §Responses",
        requirement: "An error response MUST carry an error with an integer code and a string message.",
        catalogue: &["BASE-05"],
    },
    CheckDef {
        id: "base/result-xor-error",
        level: MustNot,
        spec: "basic/messages §Responses (2024-11-05)",
        requirement: "A response MUST NOT set both result and error.",
        catalogue: &["BASE-06"],
    },
    CheckDef {
        id: "base/no-response-to-notification",
        level: MustNot,
        spec: "basic/index §Notifications",
        requirement: "The receiver MUST NOT send a response to a notification.",
        catalogue: &["BASE-08"],
    },
    CheckDef {
        id: "base/notification-without-id",
        level: MustNot,
        spec: "basic/index §Notifications",
        requirement: "Notifications MUST NOT include an ID.",
        catalogue: &["BASE-09"],
    },
    CheckDef {
        id: "base/server-request-id",
        level: Must,
        spec: "basic/index §Requests",
        requirement: "A request the server sends MUST have a string or integer ID, not null, not previously used by the server in the session.",
        catalogue: &["BASE-10"],
    },
    CheckDef {
        id: "base/parse-error",
        level: Must,
        spec: "basic/index §Error codes (JSON-RPC 2.0)",
        requirement: "Input that is not valid JSON MUST be answered with error -32700 (Parse error).",
        catalogue: &["BASE-11"],
    },
    CheckDef {
        id: "base/invalid-request",
        level: Must,
        spec: "basic/index §Error codes (JSON-RPC 2.0)",
        requirement: "JSON that is not a valid request object MUST be answered with error -32600 (Invalid Request).",
        catalogue: &["BASE-12"],
    },
    CheckDef {
        id: "base/method-not-found",
        level: Must,
        spec: "basic/index §Error codes (JSON-RPC 2.0)",
        requirement: "A request for a method the server does not implement MUST be answered with error -32601 (Method not found).",
        catalogue: &["BASE-13"],
    },
    CheckDef {
        id: "base/survives-malformed-input",
        level: Must,
        spec: "server/tools §Security; basic/index",
        requirement: "Malformed input MUST yield an error, never a crash or a hang: the server keeps answering afterwards.",
        catalogue: &["BASE-11", "BASE-12", "TOOL-17"],
    },
    CheckDef {
        id: "base/batch",
        level: Must,
        spec: "2025-03-26 basic/index §Batching",
        requirement: "Servers MUST support receiving JSON-RPC batches, answering with an array of one response per request.",
        catalogue: &["BASE-16"],
    },
    // ── Lifecycle ────────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "lifecycle/initialize-result",
        level: Must,
        spec: "basic/lifecycle §Initialization",
        requirement: "The server MUST respond to initialize with its protocolVersion, capabilities and serverInfo (name, version).",
        catalogue: &["LIFE-01"],
    },
    CheckDef {
        id: "lifecycle/version-echo",
        level: Must,
        spec: "basic/lifecycle §Version Negotiation",
        requirement: "If the server supports the requested protocol version, it MUST respond with the same version.",
        catalogue: &["LIFE-02"],
    },
    CheckDef {
        id: "lifecycle/version-fallback",
        level: Must,
        spec: "basic/lifecycle §Version Negotiation",
        requirement: "Otherwise, the server MUST respond with another protocol version it supports.",
        catalogue: &["LIFE-03"],
    },
    CheckDef {
        id: "lifecycle/version-fallback-latest",
        level: Should,
        spec: "basic/lifecycle §Version Negotiation",
        requirement: "The version offered in place of an unsupported one SHOULD be the latest version the server supports.",
        catalogue: &["LIFE-03"],
    },
    CheckDef {
        id: "lifecycle/features-declared",
        level: Must,
        spec: "basic/lifecycle §Capability Negotiation",
        requirement: "A server MUST declare in its initialize result each feature it serves (tools, resources, prompts, completions, logging).",
        catalogue: &["LIFE-07", "TOOL-01", "RES-01", "PROM-01", "COMP-01", "LOG-01"],
    },
    CheckDef {
        id: "lifecycle/client-capabilities-respected",
        level: Must,
        spec: "basic/lifecycle §Operation",
        requirement: "The server MUST only use capabilities the client declared: no roots/list, sampling or elicitation request without them.",
        catalogue: &["LIFE-06", "ROOT-01", "SAMP-01", "ELIC-01"],
    },
    CheckDef {
        id: "lifecycle/survives-early-request",
        level: Should,
        spec: "basic/lifecycle §Initialization",
        requirement: "A request sent before initialization SHOULD be answered (typically with an error) without harming the session that follows.",
        catalogue: &["LIFE-08"],
    },
    CheckDef {
        id: "lifecycle/ping",
        level: Must,
        spec: "basic/utilities/ping",
        requirement: "The receiver MUST respond promptly to ping with an empty result.",
        catalogue: &["PING-01"],
    },
    CheckDef {
        id: "base/only-messages",
        level: MustNot,
        spec: "basic/transports §stdio, §Streamable HTTP",
        requirement: "The server MUST NOT send anything but valid MCP messages: on stdout one per line, as SSE data, as WebSocket text, as an HTTP body.",
        catalogue: &["STDIO-01", "STDIO-02", "BASE-01"],
    },
    CheckDef {
        id: "stdio/exit-on-stdin-close",
        level: Should,
        spec: "basic/lifecycle §Shutdown (stdio)",
        requirement: "When the client closes the server's input stream, the server SHOULD exit.",
        catalogue: &["STDIO-06", "STDIO-07"],
    },
    // ── Transports ───────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "http/notification-accepted",
        level: Must,
        spec: "basic/transports §Sending Messages to the Server",
        requirement: "If the POSTed input is a notification or response the server accepts, it MUST return HTTP 202 Accepted with no body.",
        catalogue: &["HTTP-04"],
    },
    CheckDef {
        id: "http/response-content-type",
        level: Must,
        spec: "basic/transports §Sending Messages to the Server",
        requirement: "If the POSTed input is a request, the server MUST answer with Content-Type text/event-stream or application/json.",
        catalogue: &["HTTP-05"],
    },
    CheckDef {
        id: "http/sse-event-ids-unique",
        level: Must,
        spec: "basic/transports §Resumability and Redelivery",
        requirement: "SSE event ids MUST be unique across all streams of a session.",
        catalogue: &["HTTP-15"],
    },
    CheckDef {
        id: "http/session-required",
        level: Should,
        spec: "basic/transports §Session Management",
        requirement: "A server that requires a session SHOULD answer 400 Bad Request to requests (other than initialize) without an Mcp-Session-Id.",
        catalogue: &["HTTP-17"],
    },
    CheckDef {
        id: "http/unknown-session",
        level: Must,
        spec: "basic/transports §Session Management",
        requirement: "Requests carrying a session id the server does not know, or has terminated, MUST be answered 404 Not Found.",
        catalogue: &["HTTP-18", "HTTP-19"],
    },
    CheckDef {
        id: "http/origin-validated",
        level: Must,
        spec: "basic/transports §Security Warning",
        requirement: "Servers MUST validate the Origin header; a present and invalid Origin MUST be answered 403 Forbidden.",
        catalogue: &["HTTP-02"],
    },
    CheckDef {
        id: "http/protocol-version-header",
        level: Must,
        spec: "basic/transports §Protocol Version Header",
        requirement: "A request with an invalid or unsupported MCP-Protocol-Version header MUST be answered 400 Bad Request.",
        catalogue: &["HTTP-20"],
    },
    CheckDef {
        id: "http/get-stream",
        level: Must,
        spec: "basic/transports §Listening for Messages from the Server",
        requirement: "A GET on the MCP endpoint MUST return Content-Type text/event-stream or 405 Method Not Allowed, never a JSON body.",
        catalogue: &["HTTP-13"],
    },
    CheckDef {
        id: "http/resumption",
        level: Must,
        spec: "basic/transports §Resumability and Redelivery",
        requirement: "Resuming with Last-Event-ID MAY replay the messages after that event on that stream, and MUST NOT replay the event itself or earlier ones.",
        catalogue: &["HTTP-15"],
    },
    CheckDef {
        id: "sse/endpoint-first",
        level: Must,
        spec: "2024-11-05 basic/transports §HTTP with SSE",
        requirement: "When a client connects, the server MUST send an endpoint event naming the URI for client messages, first.",
        catalogue: &["SSE-01", "SSE-02"],
    },
    CheckDef {
        id: "ws/subprotocol",
        level: Should,
        spec: "ZCP client guide §WebSocket; RFC 6455 §4.2.2",
        requirement: "A WebSocket server SHOULD select the mcp subprotocol when the client offers it.",
        catalogue: &[],
    },
    // ── Utilities ────────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "progress/token-known",
        level: Must,
        spec: "basic/utilities/progress",
        requirement: "Progress notifications MUST only reference a progressToken the client provided in an active request.",
        catalogue: &["PROG-01"],
    },
    CheckDef {
        id: "progress/increasing",
        level: Must,
        spec: "basic/utilities/progress",
        requirement: "The progress value MUST increase with each notification for the same token.",
        catalogue: &["PROG-02"],
    },
    CheckDef {
        id: "progress/none-after-response",
        level: Must,
        spec: "basic/utilities/progress",
        requirement: "Progress notifications MUST stop after the request's final response.",
        catalogue: &["PROG-03"],
    },
    CheckDef {
        id: "pagination/next-cursor",
        level: Should,
        spec: "server/utilities/pagination",
        requirement: "Following nextCursor SHOULD yield the next page: stable cursors, no item repeated.",
        catalogue: &["PAGE-01", "PAGE-03"],
    },
    CheckDef {
        id: "pagination/invalid-cursor",
        level: Should,
        spec: "server/utilities/pagination §Error Handling",
        requirement: "An invalid cursor SHOULD result in error -32602 (Invalid params).",
        catalogue: &["PAGE-02"],
    },
    CheckDef {
        id: "logging/set-level-invalid",
        level: Should,
        spec: "server/utilities/logging §Error Handling",
        requirement: "An invalid log level SHOULD be answered with error -32602 (Invalid params).",
        catalogue: &["LOG-04"],
    },
    CheckDef {
        id: "logging/respects-level",
        level: Should,
        spec: "server/utilities/logging §Setting Log Level",
        requirement: "After logging/setLevel the server SHOULD send only messages at that level and higher.",
        catalogue: &["LOG-03"],
    },
    CheckDef {
        id: "completion/unknown-reference",
        level: Should,
        spec: "server/utilities/completion §Error Handling",
        requirement: "A completion request for an unknown prompt SHOULD be answered with error -32602 (Invalid params).",
        catalogue: &["COMP-03"],
    },
    // ── Tools ────────────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "tools/call-answered",
        level: Must,
        spec: "server/tools §Security",
        requirement: "Every tools/call with arguments valid against the tool's inputSchema MUST be answered, never left hanging.",
        catalogue: &["TOOL-17", "TOOL-08"],
    },
    CheckDef {
        id: "tools/unknown-tool",
        level: Should,
        spec: "server/tools §Error Handling",
        requirement: "A call to an unknown tool SHOULD be answered with a JSON-RPC protocol error, not a tool result.",
        catalogue: &["TOOL-09"],
    },
    CheckDef {
        id: "tools/invalid-arguments",
        level: Must,
        spec: "server/tools §Error Handling; §Security",
        requirement: "Servers MUST validate tool inputs: arguments that break the inputSchema yield an error (isError result or -32602), never a success.",
        catalogue: &["TOOL-11", "TOOL-17"],
    },
    CheckDef {
        id: "tools/execution-error-is-result",
        level: Should,
        spec: "server/tools §Error Handling",
        requirement: "Errors that occur while a tool runs SHOULD be reported in the result with isError: true, not as a protocol error.",
        catalogue: &["TOOL-11"],
    },
    CheckDef {
        id: "tools/structured-content-conforms",
        level: Must,
        spec: "server/tools §Output Schema",
        requirement: "If a tool declares an outputSchema, its structuredContent MUST conform to that schema.",
        catalogue: &["TOOL-06"],
    },
    CheckDef {
        id: "tools/structured-content-text",
        level: Should,
        spec: "server/tools §Structured Content",
        requirement: "A tool that returns structuredContent SHOULD also return the serialized JSON in a TextContent block.",
        catalogue: &["TOOL-07"],
    },
    // ── Resources ────────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "resources/read-listed",
        level: Must,
        spec: "server/resources §Reading Resources",
        requirement: "Reading a listed resource MUST return its contents, each item carrying the resource's uri and text or blob.",
        catalogue: &["RES-03"],
    },
    CheckDef {
        id: "resources/blob-base64",
        level: Must,
        spec: "server/resources §Binary Content",
        requirement: "Binary resource contents MUST be base64-encoded in blob.",
        catalogue: &["RES-12"],
    },
    CheckDef {
        id: "resources/read-unknown",
        level: Should,
        spec: "server/resources §Error Handling",
        requirement: "Reading a resource that does not exist SHOULD return error -32002 (Resource not found).",
        catalogue: &["RES-04"],
    },
    // ── Prompts ──────────────────────────────────────────────────────────────────────────
    CheckDef {
        id: "prompts/get-unknown",
        level: Should,
        spec: "server/prompts §Error Handling",
        requirement: "prompts/get for an unknown prompt SHOULD return error -32602 (Invalid params).",
        catalogue: &["PROM-03"],
    },
    CheckDef {
        id: "prompts/get-missing-arguments",
        level: Should,
        spec: "server/prompts §Error Handling",
        requirement: "prompts/get without a required argument SHOULD return error -32602 (Invalid params).",
        catalogue: &["PROM-03", "PROM-06"],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "duplicate check id {}", c.id);
            assert!(c.id.contains('/'), "{} lacks an area", c.id);
            // WebSocket is ZCP's, not MCP's: the MCP catalogue has no id for it.
            assert!(
                !c.catalogue.is_empty() || c.id.starts_with("ws/"),
                "{} names no catalogue id",
                c.id
            );
        }
    }
}
