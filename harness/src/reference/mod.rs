//! The embedded reference server (placeholder until written).
pub mod faults;
pub use faults::Fault;
