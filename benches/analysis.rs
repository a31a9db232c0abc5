//! The answers' analyses on the generated trace at `BENCH_SIZES` spans (see
//! `common`), then their budgets (issue "Answers"): at 100k spans the trace
//! summary (everything computed when a trace opens) within 50 ms, the
//! critical path within 20 ms, the statistics table within 50 ms; at any
//! size no step may block the page for more than 100 ms: larger traces
//! compute them in slices between frames (`answers::Job`,
//! `BaselineBuilder`, `stats::TableJob`). After criterion's own report, one
//! line per budget, `budget <name> <spans>: <median> ms (<= <limit> ms)
//! ok|OVER`, then the longest slice of each sliced computation.
//!
//! Clock skew and network time (issue 19) run on the same trace with every
//! service's clock off by its own few milliseconds (see [`skewed`]), so
//! nearly every span below the root is moved: the corrections on raw times
//! (`skew_corrections`, within 20 ms at 100k spans), the whole correction as
//! import runs it, rebuild included (`skew_correct`), switching to raw times
//! and back (`skew_toggle`), the calls' network gaps (`network_calls`,
//! within 20 ms) and their sum per service edge (`network_by_edge`); and the
//! corrections of the unskewed trace (`skew_corrections_none`), what most
//! traces cost.
//!
//! Comparing two traces (issue 19, `compare`): the generated trace against
//! itself with other durations and 2% of its leaves left out ([`compared`]),
//! each in its own store; within 100 ms at 10k spans.
//!
//! Span links (issue 19): the back-link index of the store, built again at
//! every store change (`back_links`, within 20 ms at 100k spans), on the
//! generated trace with every tenth span linking to a span 1,000 before it
//! ([`linked`]), and on the trace without links (`back_links_none`).
//!
//! Anomalies (issue 19): every span's standing among its operation's spans
//! across the loaded traces (`anomaly_build`, within 300 ms at 1M spans),
//! on `generate_many` traces of 1,000 spans each.
//!
//! The Logs view (issue 19, `logs_first_paint`): ordering every event of
//! the generated trace with each span's events written five times over
//! ([`with_more_events`]: 333,890 events at 100k spans), the
//! unfiltered row list and the text of a first screen of 40 rows; within
//! 100 ms at 100k spans. `logs_filter` filters those rows by a word.
//!
//! Slow vs the rest (issue 19, `contrast`): the slowest tenth of
//! `generate_many` traces of 1,000 spans each against the others, and the
//! demo's traces slower than 1.5 s against its others (`contrast_demo`).

#[allow(dead_code)]
mod common;

use criterion::{BenchmarkId, Criterion};
use strata::analysis::patterns::{self, Baseline, BaselineBuilder, Thresholds};
use strata::analysis::stats::{self, GroupBy, TableJob};
use strata::analysis::{
    anomaly, answers, contrast, critical_path, errors, links, network, selftime, skew, Facts,
};
use strata::demo::{big, synth};
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

/// The generated trace of `spans` spans as Jaeger JSON, each service's
/// clock off by its own whole number of ms between -9 and +9
/// (the first service, the gateway holding the root, is right), its spans'
/// starts and events moved by it.
fn skewed(spans: usize) -> Vec<u8> {
    let (mut s, r) = big::generate(spans, 1);
    let offset = |service: &str| {
        let k = r.iter().position(|x| x.service == service).unwrap_or(0) as i64;
        (k % 19 - 9) * 1_000_000 * i64::from(k != 0)
    };
    for span in &mut s {
        let d = offset(&span.service);
        span.start_ns += d;
        for e in &mut span.events {
            e.time_ns += d;
        }
    }
    let mut out = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut out).unwrap();
    out
}

fn skew_and_network(c: &mut Criterion) {
    for spans in common::sizes() {
        let plain = load(&common::jaeger(spans));
        let mut store = load(&skewed(spans));
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 20);
        println!(
            "skewed {spans}: {} spans adjusted, {} calls",
            store.traces[0].skew.adjusted(),
            network::calls(&store, 0).len()
        );
        g.bench_function(BenchmarkId::new("skew_corrections_none", spans), |b| {
            b.iter(|| skew::corrections(&plain, 0))
        });
        g.bench_function(BenchmarkId::new("network_calls", spans), |b| {
            b.iter(|| network::calls(&store, 0))
        });
        g.bench_function(BenchmarkId::new("network_by_edge", spans), |b| {
            b.iter(|| network::by_edge(&store, &[0]))
        });
        g.bench_function(BenchmarkId::new("skew_toggle", spans), |b| {
            b.iter(|| {
                store.set_skew_corrected(false);
                store.set_skew_corrected(true);
            })
        });
        g.bench_function(BenchmarkId::new("skew_correct", spans), |b| {
            b.iter(|| skew::correct(&mut store, 0))
        });
        store.set_skew_corrected(false);
        g.bench_function(BenchmarkId::new("skew_corrections", spans), |b| {
            b.iter(|| skew::corrections(&store, 0))
        });
        g.finish();
    }
}

/// The generated trace of `spans` spans as B for the comparison: every
/// span of A's trace (seed 1) 0-40% longer by its position (`i % 5` tenths),
/// the last of each 50 leaves left out, so most nodes align and some are
/// removed.
fn compared(spans: usize) -> Vec<u8> {
    let (mut s, r) = big::generate(spans, 1);
    let parents: rustc_hash::FxHashSet<u64> = s.iter().filter_map(|x| x.parent_id).collect();
    let mut leaf = 0;
    let mut i = 0;
    s.retain_mut(|x| {
        i += 1;
        x.duration_ns += x.duration_ns * (i % 5) / 10;
        if parents.contains(&x.span_id) {
            return true;
        }
        leaf += 1;
        leaf % 50 != 0
    });
    let mut out = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut out).unwrap();
    out
}

fn compare(c: &mut Criterion) {
    for spans in common::sizes() {
        let a = load(&common::jaeger(spans));
        let b = load(&compared(spans));
        let cmp = strata::analysis::compare::compare(&a, 0, &b, 0);
        let both = cmp
            .nodes
            .iter()
            .filter(|n| n.a.present() && n.b.present())
            .count();
        println!(
            "compare {spans}: {} nodes, {both} in both traces",
            cmp.nodes.len()
        );
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 20);
        g.bench_function(BenchmarkId::new("compare", spans), |x| {
            x.iter(|| strata::analysis::compare::compare(&a, 0, &b, 0))
        });
        g.finish();
    }
}

/// The generated trace with every tenth span linking to the span 1,000
/// before it (10% of the spans link; their links can be followed back).
fn linked(spans: usize) -> Vec<u8> {
    let (mut s, r) = big::generate(spans, 1);
    for i in (1_000..s.len()).step_by(10) {
        let (t, id) = (s[i - 1_000].trace_id, s[i - 1_000].span_id);
        s[i].links.push((t, id));
    }
    let mut out = Vec::new();
    synth::write_jaeger_json(&s, &r, &mut out).unwrap();
    out
}

fn back_links(c: &mut Criterion) {
    for spans in common::sizes() {
        let plain = load(&common::jaeger(spans));
        let store = load(&linked(spans));
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 20);
        println!(
            "linked {spans}: {} back-links",
            links::BackLinks::build(&store).len()
        );
        g.bench_function(BenchmarkId::new("back_links", spans), |b| {
            b.iter(|| links::BackLinks::build(&store))
        });
        g.bench_function(BenchmarkId::new("back_links_none", spans), |b| {
            b.iter(|| links::BackLinks::build(&plain))
        });
        g.finish();
    }
}

/// Every span's standing among its operation's spans across `spans` spans'
/// worth of generated traces of 1,000 spans each (`anomaly::Anomalies`).
fn anomalies(c: &mut Criterion) {
    for spans in common::sizes() {
        let (all, resources) = big::generate_many(spans.div_ceil(1000), 1000, 1);
        let mut bytes = Vec::new();
        synth::write_jaeger_json(&all, &resources, &mut bytes).unwrap();
        drop(all);
        let store = load(&bytes);
        drop(bytes);
        let traces: Vec<u32> = (0..store.traces.len() as u32).collect();
        println!(
            "anomalies {spans}: {} flagged in {} traces",
            anomaly::Anomalies::build(&store, &traces).count(),
            traces.len()
        );
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 10);
        g.bench_function(BenchmarkId::new("anomaly_build", spans), |b| {
            b.iter(|| anomaly::Anomalies::build(&store, &traces))
        });
        g.finish();
    }
}

/// The slowest tenth of `spans` spans' worth of generated traces of 1,000
/// spans each against the rest (`analysis::contrast`); and the demo's
/// traces slower than 1.5 s against its others.
fn contrasts(c: &mut Criterion) {
    let demo = load(&strata::sources::demo::bytes());
    let all: Vec<u32> = (0..demo.traces.len() as u32).collect();
    let slow = contrast::slower_than(&demo, &all, 1_500_000_000);
    let rest = contrast::rest_of(&all, &slow);
    let mut g = c.benchmark_group("answers");
    g.bench_function(BenchmarkId::new("contrast_demo", demo.spans.len()), |b| {
        b.iter(|| contrast::contrast(&demo, &slow, &rest))
    });
    g.finish();
    for spans in common::sizes() {
        let (all, resources) = big::generate_many(spans.div_ceil(1000), 1000, 1);
        let mut bytes = Vec::new();
        synth::write_jaeger_json(&all, &resources, &mut bytes).unwrap();
        drop(all);
        let store = load(&bytes);
        drop(bytes);
        let mut traces: Vec<u32> = (0..store.traces.len() as u32).collect();
        traces.sort_by_key(|&t| std::cmp::Reverse(store.response_time(t)));
        let sel = traces[..traces.len().div_ceil(10)].to_vec();
        let rest = contrast::rest_of(&traces, &sel);
        let r = contrast::contrast(&store, &sel, &rest);
        println!(
            "contrast {spans}: {} vs {} traces, {} operations, {} attribute values",
            r.selected,
            r.rest,
            r.ops.len(),
            r.attrs.len()
        );
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 10);
        g.bench_function(BenchmarkId::new("contrast", spans), |b| {
            b.iter(|| contrast::contrast(&store, &sel, &rest))
        });
        g.finish();
    }
}

/// `store` with each span's events written five times (the copies 1 µs
/// apart), as a trace with many log lines would have.
fn with_more_events(mut store: strata::model::Store) -> strata::model::Store {
    let old = std::mem::take(&mut store.events);
    let mut events = Vec::with_capacity(old.len() * 5);
    for r in store.spans.events.iter_mut() {
        let start = events.len();
        for copy in 0..5i64 {
            for e in &old[r.range()] {
                let mut e = e.clone();
                e.time += copy * 1_000;
                events.push(e);
            }
        }
        *r = strata::model::Range32::new(start, events.len());
    }
    store.events = events;
    store
}

fn logs(c: &mut Criterion) {
    use strata::layout::logs::{self, Filter, Logs};
    for spans in common::sizes() {
        let store = with_more_events(load(&common::jaeger(spans)));
        println!("logs {spans}: {} events", store.events.len());
        let mut g = c.benchmark_group("answers");
        tune(&mut g, spans, 20);
        g.bench_function(BenchmarkId::new("logs_first_paint", spans), |b| {
            b.iter(|| {
                let l = Logs::build(&store, 0);
                let shown = logs::filter(&store, &l, &Filter::default());
                let first: Vec<_> = shown[..40.min(shown.len())]
                    .iter()
                    .map(|&p| logs::row_text(&store, &l, l.rows[p as usize]))
                    .collect();
                (l.len(), first.len())
            })
        });
        let l = Logs::build(&store, 0);
        let f = Filter {
            text: "timeout".into(),
            hidden: vec![],
        };
        println!(
            "logs {spans}: {} rows match 'timeout'",
            logs::filter(&store, &l, &f).len()
        );
        g.bench_function(BenchmarkId::new("logs_filter", spans), |b| {
            b.iter(|| logs::filter(&store, &l, &f))
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
    ("skew_corrections", 100_000, 20.0),
    ("network_calls", 100_000, 20.0),
    ("compare", 10_000, 100.0),
    ("back_links", 100_000, 20.0),
    ("anomaly_build", 1_000_000, 300.0),
    ("logs_first_paint", 100_000, 100.0),
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

/// Spans a slice reads on the page (`views::derived::SLICE`).
const SLICE: usize = 200_000;
/// The longest step allowed natively: the page's 100 ms, with wasm taking
/// about twice the native time.
const STEP_MS: f64 = 50.0;

/// The longest step of each sliced computation, as the page runs them for a
/// big trace (the baseline, the answers, the statistics table grouped by
/// operation then by service), each timed once.
fn steps() {
    fn longest<R>(mut step: impl FnMut() -> Option<R>) -> (f64, f64, usize) {
        let (mut max, mut total, mut n) = (0.0f64, 0.0, 0);
        loop {
            let t = std::time::Instant::now();
            let done = step();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if std::env::var("STEPS").is_ok() {
                eprintln!("step {n}: {ms:.1} ms");
            }
            max = max.max(ms);
            total += ms;
            n += 1;
            if done.is_some() {
                return (max, total, n);
            }
        }
    }
    println!("\nSliced steps (native, one run each; the page allows {STEP_MS} ms natively):");
    for spans in common::sizes() {
        let store = load(&common::jaeger(spans));
        let th = Thresholds::default();
        let mut b = BaselineBuilder::default();
        let (m1, t1, n1) = longest(|| b.step(&store, SLICE).then_some(()));
        let baseline = std::mem::take(&mut b).finish();
        let mut job = answers::Job::new(&store, 0);
        let (m2, t2, n2) = longest(|| job.step(&store, &th, &baseline, SLICE));
        let f = Facts::timing(&store, 0);
        let mut table = TableJob::new(GroupBy::Operation, Some(GroupBy::Service));
        let (m3, t3, n3) = longest(|| table.step(&store, &[&f], SLICE));
        for (name, max, total, n) in [
            ("baseline", m1, t1, n1),
            ("answers", m2, t2, n2),
            ("stats_operation_by_service", m3, t3, n3),
        ] {
            let verdict = if max <= STEP_MS { "ok" } else { "OVER" };
            println!(
                "budget step {name} {spans}: longest {max:.1} ms of {n} steps ({total:.0} ms in all) (<= {STEP_MS} ms) {verdict}"
            );
        }
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    analysis(&mut c);
    skew_and_network(&mut c);
    compare(&mut c);
    back_links(&mut c);
    anomalies(&mut c);
    contrasts(&mut c);
    logs(&mut c);
    c.final_summary();
    budgets();
    steps();
}
