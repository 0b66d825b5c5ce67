//! Message shapes (placeholder until written).
