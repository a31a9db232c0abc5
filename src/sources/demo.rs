//! The built-in demo: the online shop's traces, generated and written as
//! OTLP/JSON, then loaded through the importer like any dropped file.

use crate::demo::{shop, synth};

pub const NAME: &str = "demo: online shop";
pub const SEED: u64 = 42;

/// The demo as OTLP/JSON bytes.
pub fn bytes() -> Vec<u8> {
    let (spans, resources) = shop::generate(SEED);
    let mut out = Vec::with_capacity(spans.len() * 700);
    synth::write_otlp_json(&spans, &resources, &mut out).expect("writing to a Vec cannot fail");
    out
}
