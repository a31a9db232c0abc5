//! Native benchmarks of the flame graph geometry at the sizes of
//! `BENCH_SIZES` (generated, deterministic traces; see `common`): building the
//! time-ordered chart and the merged graph, and the per-frame draw list at
//! full view and after one 2x zoom step (what a redraw costs while zooming:
//! it must stay far below 16 ms).

#[allow(dead_code)]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use strata::layout::flame::{self, Draw, Flame, View};

const WIDTH_PX: f64 = 1500.0;
/// Rows that fit a ~700 px tall canvas at 18 px per row.
const ROWS: f64 = 40.0;

/// The full view, and the view after one 2x zoom step at 40% of the width
/// (for the time-ordered chart, scrolled to the deepest band, where the
/// spans are many and small).
fn views(f: &Flame) -> [(&'static str, View); 2] {
    let all = View::whole(f, ROWS, WIDTH_PX);
    let (x0, x1) = flame::zoom_at(all.x0, all.x1, 0.4, 2.0, 1.0, f.extent);
    let row0 = (f.rows() as f64 - ROWS).max(0.0) / 2.0;
    [
        ("full", all),
        (
            "zoom2x",
            View {
                x0,
                x1,
                row0,
                ..all
            },
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("flame");
    for spans in common::sizes() {
        let store = common::load(&common::jaeger(spans));
        common::tune(&mut g, spans, 20);
        g.bench_function(BenchmarkId::new("time_ordered", spans), |b| {
            b.iter(|| flame::time_ordered(&store, 0))
        });
        g.bench_function(BenchmarkId::new("merged", spans), |b| {
            b.iter(|| flame::merged(&store, &[0]))
        });
        let chart = flame::time_ordered(&store, 0);
        let graph = flame::merged(&store, &[0]).flame;
        eprintln!(
            "{spans} spans: time-ordered {} rows, merged {} rows / {} nodes",
            chart.rows(),
            graph.rows(),
            graph.boxes.len()
        );
        let mut out: Vec<Draw> = Vec::new();
        common::tune_fast(&mut g);
        for (mode, f) in [("time", &chart), ("merged", &graph)] {
            for (name, view) in views(f) {
                // All rows at once too: the worst case, every row visible.
                let all_rows = View {
                    row0: 0.0,
                    rows: f.rows() as f64,
                    ..view
                };
                for (rows, v) in [("40rows", view), ("allrows", all_rows)] {
                    flame::draw_list(f, &v, &mut out);
                    eprintln!(
                        "  draw_list {mode}/{name}/{rows} {spans}: {} items",
                        out.len()
                    );
                    let id = format!("draw_list_{mode}_{name}_{rows}");
                    g.bench_function(BenchmarkId::new(id, spans), |b| {
                        b.iter(|| flame::draw_list(f, &v, &mut out))
                    });
                }
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
