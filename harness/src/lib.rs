//! zcpspec: a conformance test harness and fuzzer for MCP and ZCP servers.
//!
//! Data flows one way: scenarios are loaded, the runner drives a session over a transport and
//! records a trace, the judge turns trace plus expectations into check results, and the report
//! model renders them. See ARCHITECTURE.md.

pub mod checks;
pub mod fuzz;
pub mod golden;
pub mod judge;
pub mod protocol;
pub mod reference;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod suite;
pub mod targets;
pub mod trace;
pub mod transport;
