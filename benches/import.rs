//! Native benchmarks of the import path and the waterfall layout, at 10k and
//! 100k spans (generated, deterministic). `make bench` runs them; criterion
//! prints the times. For comparison, `serde_json::Value` parses the same bytes:
//! the importer should stay within 2x of it.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rustc_hash::FxHashSet;
use strata::demo::{big, synth};
use strata::layout::{minimap, waterfall};
use strata::model::Store;

fn files(spans: usize) -> (Vec<u8>, Vec<u8>) {
    let (s, r) = big::generate(spans, 1);
    let mut jaeger = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut jaeger).unwrap();
    let mut otlp = Vec::new();
    synth::write_otlp_json(&s, &r, &mut otlp).unwrap();
    (jaeger, otlp)
}

fn load(bytes: &[u8]) -> Store {
    let mut store = Store::default();
    strata::import::load(&mut store, "bench", bytes).unwrap();
    store
}

fn import(c: &mut Criterion) {
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    for spans in [10_000usize, 100_000] {
        let (jaeger, otlp) = files(spans);
        g.throughput(Throughput::Bytes(jaeger.len() as u64));
        g.bench_with_input(BenchmarkId::new("jaeger", spans), &jaeger, |b, bytes| {
            b.iter(|| load(bytes))
        });
        g.bench_with_input(
            BenchmarkId::new("serde_json_value(jaeger)", spans),
            &jaeger,
            |b, bytes| b.iter(|| serde_json::from_slice::<serde_json::Value>(bytes).unwrap()),
        );
        g.throughput(Throughput::Bytes(otlp.len() as u64));
        g.bench_with_input(BenchmarkId::new("otlp", spans), &otlp, |b, bytes| {
            b.iter(|| load(bytes))
        });
    }
    g.finish();
}

fn layout(c: &mut Criterion) {
    let mut g = c.benchmark_group("layout");
    g.sample_size(20);
    for spans in [10_000usize, 100_000] {
        let (jaeger, _) = files(spans);
        let mut store = load(&jaeger);
        g.bench_function(BenchmarkId::new("tree_build", spans), |b| {
            b.iter(|| strata::analysis::tree::build(&mut store, 0))
        });
        let none = FxHashSet::default();
        g.bench_function(BenchmarkId::new("waterfall_rows", spans), |b| {
            b.iter(|| waterfall::rows(&store, 0, &none))
        });
        let collapsed = waterfall::parents(&store, 0);
        g.bench_function(BenchmarkId::new("collapse_all_rows", spans), |b| {
            b.iter(|| waterfall::rows(&store, 0, &collapsed))
        });
        let rows = waterfall::rows(&store, 0, &none);
        let w = waterfall::Window::whole(&store, 0);
        let start = store.traces[0].summary.start;
        g.bench_function(BenchmarkId::new("minimap_rects", spans), |b| {
            b.iter(|| minimap::rects(&store, &rows, start, &w, 1500.0, 56.0))
        });
    }
    g.finish();
}

criterion_group!(benches, import, layout);
criterion_main!(benches);
