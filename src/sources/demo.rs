//! The built-in demo: the online shop's traces, generated and written as
//! OTLP/JSON, then loaded through the importer like any dropped file.

use crate::demo::shop;
use crate::demo::synth::{self, SynthResource, SynthSpan};

pub const NAME: &str = "demo: online shop";
pub const SEED: u64 = 42;

/// The demo as OTLP/JSON bytes.
pub fn bytes() -> Vec<u8> {
    written(synth::write_otlp_json)
}

/// The demo as Jaeger JSON bytes (the parsing worker warms up on both).
pub fn jaeger_bytes() -> Vec<u8> {
    written(synth::write_jaeger_json)
}

type Writer = fn(&[SynthSpan], &[SynthResource], &mut Vec<u8>) -> std::io::Result<()>;

fn written(write: Writer) -> Vec<u8> {
    let (spans, resources) = shop::generate(SEED);
    let mut out = Vec::with_capacity(spans.len() * 700);
    write(&spans, &resources, &mut out).expect("writing to a Vec cannot fail");
    out
}
