//! Native benchmarks of the service-map force layout: time to settle
//! (`Layout::new` + `run`) at 50 services / 80 edges and 500 services / 1000
//! edges, and one animation-frame `step` at 500. Graphs are generated
//! deterministically (a random tree plus random extra edges), so runs compare.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use strata::layout::force::{Edge, Graph, Layout};

/// `n` services with `edges` calls: a random spanning tree (every service
/// calls or is called) plus random extra edges, radii 6..24.
fn service_map(n: usize, edges: usize, seed: u64) -> Graph {
    let mut rng = fastrand::Rng::with_seed(seed);
    let radius = (0..n).map(|_| 6.0 + 18.0 * rng.f64()).collect();
    let mut e = Vec::with_capacity(edges);
    for b in 1..n {
        e.push(Edge {
            a: rng.usize(..b),
            b,
            weight: rng.u32(1..10_000) as f64,
        });
    }
    while e.len() < edges {
        let (a, b) = (rng.usize(..n), rng.usize(..n));
        if a != b {
            e.push(Edge {
                a,
                b,
                weight: rng.u32(1..100) as f64,
            });
        }
    }
    Graph { radius, edges: e }
}

fn settle(c: &mut Criterion) {
    let mut g = c.benchmark_group("force");
    g.sample_size(10);
    for (n, edges) in [(50usize, 80usize), (500, 1000)] {
        let graph = service_map(n, edges, 1);
        g.bench_with_input(BenchmarkId::new("settle", n), &graph, |b, graph| {
            b.iter(|| {
                let mut l = Layout::new(graph, 7);
                l.run(graph, 1000);
                l
            })
        });
    }
    // One frame in mid-flight (after 30 ticks, still hot), on a fresh copy
    // each time so it never measures an already-settled no-op.
    let graph = service_map(500, 1000, 1);
    let mut hot = Layout::new(&graph, 7);
    for _ in 0..30 {
        hot.step(&graph);
    }
    g.bench_function(BenchmarkId::new("step", 500), |b| {
        b.iter_batched_ref(|| hot.clone(), |l| l.step(&graph), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, settle);
criterion_main!(benches);
