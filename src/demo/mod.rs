//! Generated traces: the built-in online-shop demo and large synthetic traces
//! for benchmarks. Deterministic: the same seed gives the same bytes.

pub mod big;
pub mod shop;
pub mod synth;
