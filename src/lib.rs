//! Strata: a distributed-trace visualizer that runs in the browser.
//!
//! Data flows one way: bytes -> [`import`] -> [`model`] -> [`analysis`] /
//! [`layout`] -> [`views`]. Everything but `views` (and `render`) is pure Rust
//! that compiles and tests natively.

pub mod analysis;
pub mod demo;
pub mod export;
pub mod import;
pub mod layout;
pub mod model;
pub mod render;
pub mod sources;
pub mod views;
// The fuzz targets' checks (fuzz/, tests/fuzz_regressions.rs).
pub mod fuzzing;
