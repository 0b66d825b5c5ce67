//! The protocol model: JSON-RPC 2.0 frames as they cross the wire, and the MCP spec revisions
//! with the methods and capabilities each one defines.

pub mod codes;
pub mod frame;
pub mod param_headers;
pub mod revision;
pub mod shapes;
pub mod stateless;
pub mod zcp;

pub use frame::{Frame, MessageKind};
pub use revision::Revision;

/// The syslog levels of `logging/setLevel` and `notifications/message`, least severe first.
pub const LOG_LEVELS: [&str; 8] = [
    "debug",
    "info",
    "notice",
    "warning",
    "error",
    "critical",
    "alert",
    "emergency",
];
