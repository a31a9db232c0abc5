//! Shared by the native benches: which sizes to run, the generated traces,
//! and criterion settings that keep the big sizes short.
//!
//! Sizes come from `BENCH_SIZES` (span counts separated by spaces or commas,
//! as `make bench` passes them; default `10000 100000`). The Jaeger bytes are
//! exactly what `cargo run --release --example gen -- --spans N` writes (seed
//! 1), so the browser benchmark drops the same file and can compare its wasm
//! import time with the native one.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, SamplingMode};
use strata::demo::{big, synth};
use strata::model::Store;

/// The largest trace parsed into a `serde_json::Value` for comparison: a
/// Value takes about 15 times the file's size in memory (a 1M-span file of
/// 1.2 GB peaks at 17 GB), and 300k spans already show the ratio.
pub const SERDE_VALUE_MAX_SPANS: usize = 300_000;

/// Span counts to benchmark, from `BENCH_SIZES`.
pub fn sizes() -> Vec<usize> {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_default()
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("BENCH_SIZES: {s:?} is not a span count"))
        })
        .collect();
    if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    }
}

/// The generated trace of `spans` spans as Jaeger JSON and as OTLP JSON.
pub fn files(spans: usize) -> (Vec<u8>, Vec<u8>) {
    let (s, r) = big::generate(spans, 1);
    let mut jaeger = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut jaeger).unwrap();
    let mut otlp = Vec::new();
    synth::write_otlp_json(&s, &r, &mut otlp).unwrap();
    (jaeger, otlp)
}

/// OTLP/JSON bytes as OTLP protobuf: the store they import to, each trace
/// exported (`strata::export::otlp_proto`) and the messages written one
/// after another (which protobuf reads as one `TracesData`).
pub fn otlp_proto(otlp_json: &[u8]) -> Vec<u8> {
    let store = load(otlp_json);
    (0..store.traces.len() as u32)
        .flat_map(|t| strata::export::otlp_proto(&store, t))
        .collect()
}

/// The generated trace of `spans` spans as Jaeger JSON.
pub fn jaeger(spans: usize) -> Vec<u8> {
    let (s, r) = big::generate(spans, 1);
    let mut jaeger = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut jaeger).unwrap();
    jaeger
}

/// Imports `bytes` (any supported format) into a fresh store.
pub fn load(bytes: &[u8]) -> Store {
    let mut store = Store::default();
    strata::import::load(&mut store, "bench", bytes).unwrap();
    store
}

/// How long a benchmark of an operation on `spans` spans may take.
/// Criterion's defaults (3 s warm-up, 5 s of samples) are fine up to 100k
/// spans; from 300k on, whole-trace operations take seconds each, so the
/// group takes criterion's minimum of 10 samples of one iteration each
/// (`Flat`), after a one-iteration warm-up: 11 runs per benchmark.
pub fn tune(g: &mut BenchmarkGroup<'_, WallTime>, spans: usize, samples: usize) {
    if spans >= 300_000 {
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_millis(1));
    } else {
        g.sample_size(samples)
            .sampling_mode(SamplingMode::Auto)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
    }
}

/// Settings for operations that take well under a millisecond at any size
/// (per-frame work such as a draw list): short, many samples.
pub fn tune_fast(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(50)
        .sampling_mode(SamplingMode::Auto)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
}
