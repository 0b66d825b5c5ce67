//! Trace invariants (placeholder until written).
