//! The answers' analyses on the generated trace at `BENCH_SIZES` spans (see
//! `common`), then their budgets (issue "Answers"): at 100k spans the trace
//! summary (everything computed when a trace opens) within 50 ms, the
//! critical path within 20 ms, the statistics table within 50 ms; at any
//! size no step may block the page for more than 100 ms: larger traces
//! compute them in the parsing worker's idle time or in slices (README,
//! Limits). After criterion's own report, one line per budget:
//! `budget <name> <spans>: <median> ms (<= <limit> ms) ok|OVER`.

#[allow(dead_code)]
mod common;

use criterion::{BenchmarkId, Criterion};
use strata::analysis::patterns::{self, Baseline, Thresholds};
use strata::analysis::stats::{self, GroupBy};
use strata::analysis::{answers, critical_path, errors, selftime, Facts};
use strata::layout::waterfall::{self, RowSpec};

use common::{load, tune};

fn analysis(c: &mut Criterion) {
    for spans in common::sizes() {
        let store = load(&common::jaeger(spans));
        let th = Thresholds::default();
        let baseline = Baseline::build(&store);
        let timing = Facts::timing(&store, 0);
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 20);
        g.bench_function(BenchmarkId::new("critical_path", spans), |b| {
            b.iter(|| critical_path::compute(&store, 0))
        });
        g.bench_function(BenchmarkId::new("self_time", spans), |b| {
            b.iter(|| selftime::all(&store, 0))
        });
        g.bench_function(BenchmarkId::new("error_origins", spans), |b| {
            b.iter(|| errors::origins(&store, 0))
        });
        g.bench_function(BenchmarkId::new("patterns", spans), |b| {
            b.iter(|| {
                let mut f = timing.clone();
                patterns::detect(&store, &mut f, &th, &baseline)
            })
        });
        g.bench_function(BenchmarkId::new("baseline", spans), |b| {
            b.iter(|| Baseline::build(&store))
        });
        g.bench_function(BenchmarkId::new("summary", spans), |b| {
            b.iter(|| answers::analyze(&store, 0, &th, &baseline))
        });
        g.bench_function(BenchmarkId::new("stats_operation", spans), |b| {
            b.iter(|| stats::table(&store, &[&timing], &GroupBy::Operation, None))
        });
        let attr = GroupBy::Attribute("http.status_code".into());
        g.bench_function(BenchmarkId::new("stats_attribute_by_service", spans), |b| {
            b.iter(|| stats::table(&store, &[&timing], &attr, Some(&GroupBy::Service)))
        });
        let a = answers::analyze(&store, 0, &th, &baseline);
        let cp: rustc_hash::FxHashSet<u32> = a
            .critical
            .spans_in_order()
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        g.bench_function(BenchmarkId::new("rows_critical_only", spans), |b| {
            b.iter(|| {
                let spec = RowSpec {
                    keep: Some(&cp),
                    ..RowSpec::default()
                };
                waterfall::layout_rows(&store, 0, &spec)
            })
        });
        g.finish();
    }
}

/// (benchmark, spans it applies to (0: every size), limit in ms).
const BUDGETS: &[(&str, usize, f64)] = &[
    ("summary", 100_000, 50.0),
    ("critical_path", 100_000, 20.0),
    ("stats_operation", 100_000, 50.0),
    ("stats_attribute_by_service", 100_000, 50.0),
];

/// Prints each budget against criterion's median of this run.
fn budgets() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion/answers");
    println!("\nAnswers budgets (native medians):");
    for spans in common::sizes() {
        for &(name, at, limit) in BUDGETS {
            if at != 0 && at != spans {
                continue;
            }
            let file = dir
                .join(name)
                .join(spans.to_string())
                .join("new/estimates.json");
            let median = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v["median"]["point_estimate"].as_f64());
            match median {
                Some(ns) => {
                    let ms = ns / 1e6;
                    let verdict = if ms <= limit { "ok" } else { "OVER" };
                    println!("budget {name} {spans}: {ms:.1} ms (<= {limit} ms) {verdict}");
                }
                None => println!("budget {name} {spans}: no measurement"),
            }
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    analysis(&mut c);
    c.final_summary();
    budgets();
}
