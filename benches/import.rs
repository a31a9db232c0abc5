//! Native benchmarks of everything a dropped trace goes through before and
//! while it is on screen, at the sizes of `BENCH_SIZES` (generated,
//! deterministic traces; see `common`): import (Jaeger and OTLP JSON; the
//! OTLP spans as OTLP protobuf, which should take at most half the OTLP/JSON
//! time, and decoding those bytes into `prost` structs alone for comparison;
//! each half of a Jaeger file parsed in two parts as the two workers do, the
//! hand-over of the parts to the page (snapshots encoded, appended), and
//! `serde_json::Value` on the same Jaeger bytes for comparison, up to 300k
//! spans: the importer should stay within 2x of it), tree building, the
//! waterfall rows and the minimap, and the analyses (span search, self time,
//! service graph). `make bench` runs them; criterion prints the times and
//! keeps them under target/criterion (benches/browser.mjs reads the import
//! medians from there).

#[allow(dead_code)]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rustc_hash::FxHashSet;
use strata::analysis::{search, selftime, services};
use strata::import::{self, Part};
use strata::layout::{minimap, waterfall};

use common::{load, tune};

fn bench(c: &mut Criterion) {
    for spans in common::sizes() {
        let (jaeger, otlp) = common::files(spans);

        let mut g = c.benchmark_group("import");
        tune(&mut g, spans, 10);
        g.throughput(Throughput::Bytes(jaeger.len() as u64));
        g.bench_with_input(BenchmarkId::new("jaeger", spans), &jaeger, |b, bytes| {
            b.iter(|| load(bytes))
        });
        // What each of the two workers does with a file parsed in parts:
        // blank the other half's spans in its own copy of the bytes, keep
        // the spans of its half.
        let mut parts = Vec::new();
        for k in 0..2 {
            let id = BenchmarkId::new(format!("jaeger_part_{k}_of_2"), spans);
            g.bench_with_input(id, &jaeger, |b, bytes| {
                b.iter_batched_ref(
                    || bytes.clone(),
                    |copy| part(copy, k),
                    criterion::BatchSize::LargeInput,
                )
            });
            parts.push(part(&mut jaeger.clone(), k));
        }
        // The hand-over: each worker encodes its part's store, the page
        // appends the parts to its store (the demo loaded) and joins them.
        for (k, p) in parts.iter().enumerate() {
            let id = BenchmarkId::new(format!("snapshot_part_{k}_of_2"), spans);
            g.bench_function(id, |b| b.iter(|| p.to_snapshot()));
        }
        let snapshots: Vec<Vec<u8>> = parts.iter().map(|p| p.to_snapshot()).collect();
        drop(parts);
        let demo = strata::sources::demo::bytes();
        g.bench_function(BenchmarkId::new("append_parts", spans), |b| {
            b.iter_batched_ref(
                || load(&demo),
                |store| import::parts::append(store, &snapshots).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
        drop(snapshots);
        // A Value takes ~15x the file's size in memory (17 GB at 1M spans).
        if spans <= common::SERDE_VALUE_MAX_SPANS {
            g.bench_with_input(
                BenchmarkId::new("serde_json_value(jaeger)", spans),
                &jaeger,
                |b, bytes| b.iter(|| serde_json::from_slice::<serde_json::Value>(bytes).unwrap()),
            );
        }
        g.throughput(Throughput::Bytes(otlp.len() as u64));
        g.bench_with_input(BenchmarkId::new("otlp", spans), &otlp, |b, bytes| {
            b.iter(|| load(bytes))
        });
        // The same spans as OTLP protobuf (what the OTLP/JSON import makes,
        // exported): the budget is at most half the OTLP/JSON time.
        let proto = common::otlp_proto(&otlp);
        drop(otlp);
        g.throughput(Throughput::Bytes(proto.len() as u64));
        g.bench_with_input(BenchmarkId::new("otlp_proto", spans), &proto, |b, bytes| {
            b.iter(|| load(bytes))
        });
        // Decoding the same bytes into prost's structs alone (no store): what
        // the importer would pay before copying into the store, had it used them.
        g.bench_with_input(
            BenchmarkId::new("prost_structs(otlp_proto)", spans),
            &proto,
            |b, bytes| {
                b.iter(|| {
                    <strata::import::proto::TracesData as prost::Message>::decode(&bytes[..])
                        .unwrap()
                })
            },
        );
        g.finish();
        drop(proto);

        let mut store = load(&jaeger);
        drop(jaeger);
        let mut g = c.benchmark_group("layout");
        tune(&mut g, spans, 20);
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
        g.finish();

        let mut g = c.benchmark_group("analysis");
        tune(&mut g, spans, 20);
        // A word in some attribute values: every span is searched through.
        g.bench_function(BenchmarkId::new("search_text", spans), |b| {
            b.iter(|| search::find(&store, 0, "timeout"))
        });
        g.bench_function(BenchmarkId::new("search_key_value", spans), |b| {
            b.iter(|| search::find(&store, 0, "http.status_code=503"))
        });
        let range = store.traces[0].spans.range();
        g.bench_function(BenchmarkId::new("self_time_all", spans), |b| {
            b.iter(|| {
                range
                    .clone()
                    .map(|i| selftime::self_time(&store, i as u32))
                    .sum::<i64>()
            })
        });
        g.bench_function(BenchmarkId::new("service_graph", spans), |b| {
            b.iter(|| services::graph(&store, &[0]))
        });
        g.finish();
    }
}

/// Part `k` of 2 of a Jaeger file, as a worker parses it (blanking the
/// other part's spans in `bytes`).
fn part(bytes: &mut [u8], k: u32) -> strata::model::Store {
    let mut s = strata::model::Store::default();
    import::load_part(&mut s, "bench", bytes, Part::new(k, 2), &mut |_| {}).unwrap();
    s
}

/// The find box's query language (`analysis::query`) on the generated
/// trace: free text (every span's text is searched through), an attribute
/// comparison, and field tests, each compiled once and run over the trace.
fn query(c: &mut Criterion) {
    use strata::analysis::query::Query;
    use strata::analysis::Facts;
    for spans in common::sizes() {
        let store = load(&common::jaeger(spans));
        let facts = Facts::empty(&store, 0);
        let mut g = c.benchmark_group("query");
        tune(&mut g, spans, 20);
        for (label, text) in [
            ("text", "timeout"),
            ("attr_number", "http.status_code>=500"),
            ("fields", "duration>10ms -kind=client service=payments"),
        ] {
            let q = Query::parse(text).expect("a valid query");
            g.bench_function(BenchmarkId::new(label, spans), |b| {
                b.iter(|| q.find(&store, &facts))
            });
        }
        g.finish();
    }
}

/// Joining a trace's spans from two files (`import::join`): the spans of
/// `spans` spans' worth of generated traces (1,000 spans each) split by
/// service into two OTLP/JSON files, as per-service exporters write them;
/// every trace is in both. "load_halves" is what loading them costs (each
/// file imported into a store of its own, as the workers do), "join" what
/// joining the second with the first costs once both are in the page's
/// store. The budget: join <= ~10% of load_halves (issue 22, at 600k spans:
/// two 300k-span halves).
fn join(c: &mut Criterion) {
    for spans in common::sizes() {
        let (all, resources) = strata::demo::big::generate_many(spans.div_ceil(1000), 1000, 1);
        let mut services: Vec<&str> = all.iter().map(|s| s.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        let (a, b): (Vec<_>, Vec<_>) = all
            .iter()
            .cloned()
            .partition(|s| services.binary_search(&s.service.as_str()).unwrap_or(0) % 2 == 0);
        drop(all);
        let halves: Vec<Vec<u8>> = [a, b]
            .iter()
            .map(|h| {
                let mut out = Vec::new();
                strata::demo::synth::write_otlp_json(h, &resources, &mut out).unwrap();
                out
            })
            .collect();
        let mut g = c.benchmark_group("join");
        tune(&mut g, spans, 10);
        g.bench_function(BenchmarkId::new("load_halves", spans), |b| {
            b.iter(|| halves.iter().map(|h| load(h)).collect::<Vec<_>>())
        });
        g.bench_function(BenchmarkId::new("join", spans), |b| {
            b.iter_batched_ref(
                || {
                    let mut store = load(&halves[0]);
                    store.append(load(&halves[1]));
                    store
                },
                |store| import::join::join_new(store, 1).unwrap(),
                criterion::BatchSize::LargeInput,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, bench, query, join);
criterion_main!(benches);
