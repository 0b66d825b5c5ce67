//! Generators shared by zcpspec's fuzz targets: bounded arbitrary JSON, structure-aware JSON-RPC
//! frames with MCP vocabulary, and client sessions against the reference server (frames, when
//! time passes, and how the client answers the server's own requests).

pub mod frames;
pub mod json;
pub mod session;
pub mod vocabulary;
