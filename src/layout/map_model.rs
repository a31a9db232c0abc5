//! The service map's model: the force layout of a service graph, its labels'
//! texts and sizes, the edges a threshold leaves, and the scene (circles,
//! curves, placed labels) at the current view, rebuilt only when something
//! it depends on changes. The view keeps one per map, steps it once per
//! animation frame and draws its scene; everything here is plain data, so it
//! is tested natively.

use super::force::{Edge, Graph, Layout, Params};
use super::map_edges;
use super::map_labels::{self, Rect, Scene, SceneInput, Xf};
use crate::analysis::services::ServiceGraph;

/// Seed of the layout: the same graph always gets the same map.
const SEED: u64 = 7;
/// Room kept free around the fitted map, px.
pub const FIT_MARGIN: f64 = 20.0;
/// A map drawing at most this many edges labels them all.
pub const FEW_EDGES: usize = 10;

/// Node radius (layout units) from its span count: log-scaled, so a service
/// with a thousand times the spans is about three times as wide. External
/// nodes (no spans of their own) are small and fixed.
pub fn node_radius(spans: u32, external: bool) -> f64 {
    if external {
        10.0
    } else {
        12.0 + 5.0 * (1.0 + spans as f64).log2()
    }
}

/// The graph the force layout sees: a circle per service, a spring per edge
/// (stiffer with more calls).
pub fn force_graph(g: &ServiceGraph) -> Graph {
    Graph {
        radius: g
            .nodes
            .iter()
            .map(|n| node_radius(n.spans, n.external))
            .collect(),
        edges: g
            .edges
            .iter()
            .map(|e| Edge {
                a: e.from,
                b: e.to,
                weight: e.calls as f64,
            })
            .collect(),
    }
}

/// Per node: `focus` itself or one of its neighbours (all true without a
/// focus). What is not stays faded while a service is in focus.
pub fn near(g: &ServiceGraph, focus: Option<usize>) -> Vec<bool> {
    let mut near = vec![focus.is_none(); g.nodes.len()];
    if let Some(f) = focus {
        for e in g.edges.iter().filter(|e| e.from == f || e.to == f) {
            for n in [e.from, e.to] {
                if let Some(x) = near.get_mut(n) {
                    *x = true;
                }
            }
        }
        if let Some(x) = near.get_mut(f) {
            *x = true;
        }
    }
    near
}

/// The edges that get a label: every drawn edge of a small map at rest,
/// else the `hot` (hovered or picked) edge and those of the `focus` node.
pub fn labelled_edges(
    g: &ServiceGraph,
    drawn: &[bool],
    focus: Option<usize>,
    hot: Option<usize>,
) -> Vec<usize> {
    let few = focus.is_none() && hot.is_none() && drawn.iter().filter(|&&d| d).count() <= FEW_EDGES;
    g.edges
        .iter()
        .enumerate()
        .filter(|(i, e)| {
            drawn.get(*i).copied().unwrap_or(false)
                && (few || Some(*i) == hot || focus.is_some_and(|f| e.from == f || e.to == f))
        })
        .map(|(i, _)| i)
        .collect()
}

/// What a scene was built for: it is rebuilt when any of this changes.
#[derive(Clone, Debug, PartialEq)]
struct Built {
    xf: Xf,
    size: (f64, f64),
    rev: u64,
    min_calls: u32,
    edge_labels: Vec<(usize, (f64, f64))>,
    dimmed: Vec<bool>,
}

/// One service map's layout and scene.
pub struct MapModel {
    pub graph: Graph,
    pub layout: Layout,
    /// Edges as (caller, callee), their call counts and bends.
    pub ends: Vec<(usize, usize)>,
    pub calls: Vec<u32>,
    bends: Vec<f64>,
    /// Label priority (biggest node first).
    order: Vec<usize>,
    /// Each node's label texts and their sizes, fullest first.
    pub texts: Vec<Vec<Vec<String>>>,
    sizes: Vec<Vec<(f64, f64)>>,
    /// Bumped whenever positions change.
    rev: u64,
    /// The edges drawn at `shown_for` calls.
    pub shown: Vec<bool>,
    shown_for: Option<u32>,
    pub scene: Scene,
    built: Option<Built>,
    /// Scenes built so far (the tests check that unchanged views reuse
    /// theirs).
    pub builds: usize,
}

impl MapModel {
    /// The model of `g` for a canvas of `aspect` (width / height), label
    /// text measured by `measure` (px).
    pub fn new(g: &ServiceGraph, aspect: f64, measure: impl Fn(&str) -> f64) -> MapModel {
        let graph = force_graph(g);
        let layout = Layout::with_params(&graph, SEED, Params::service_map(aspect));
        let ends: Vec<(usize, usize)> = g.edges.iter().map(|e| (e.from, e.to)).collect();
        let texts: Vec<Vec<Vec<String>>> = g
            .nodes
            .iter()
            .map(|n| {
                let sub = map_labels::node_sub(n.spans, n.errors, n.external);
                map_labels::variants(&n.name, sub.as_deref())
            })
            .collect();
        let sizes = texts
            .iter()
            .map(|vs| {
                vs.iter()
                    .map(|lines| {
                        let w: Vec<f64> = lines.iter().map(|l| measure(l)).collect();
                        map_labels::label_size(&w)
                    })
                    .collect()
            })
            .collect();
        MapModel {
            order: map_labels::label_order(&graph.radius),
            bends: map_edges::bends(&ends),
            calls: g.edges.iter().map(|e| e.calls).collect(),
            graph,
            layout,
            ends,
            texts,
            sizes,
            rev: 0,
            shown: Vec::new(),
            shown_for: None,
            scene: Scene::default(),
            built: None,
            builds: 0,
        }
    }

    /// One tick of the layout; true while it moves.
    pub fn step(&mut self) -> bool {
        let moving = self.layout.step(&self.graph);
        self.rev += 1;
        moving
    }

    /// Pins node `n` at layout position `(x, y)` (a drag).
    pub fn pin(&mut self, n: usize, x: f64, y: f64) {
        self.layout.pin(n, x, y);
        self.rev += 1;
    }

    /// Sets the edges drawn at threshold `min_calls` (see
    /// `map_edges::shown`).
    pub fn set_min_calls(&mut self, min_calls: u32) {
        if self.shown_for != Some(min_calls) {
            self.shown = map_edges::shown(&self.ends, &self.calls, self.graph.len(), min_calls);
            self.shown_for = Some(min_calls);
        }
    }

    fn input<'a>(
        &'a self,
        edge_labels: &'a [(usize, (f64, f64))],
        dimmed: &'a [bool],
    ) -> SceneInput<'a> {
        SceneInput {
            world: self.layout.positions(),
            radius: &self.graph.radius,
            ends: &self.ends,
            bends: &self.bends,
            shown: &self.shown,
            sizes: &self.sizes,
            order: &self.order,
            edge_labels,
            dimmed,
        }
    }

    /// Fits the map, labels included, into a canvas of `size` px (see
    /// `map_labels::fit`) and keeps that scene; returns its transform.
    pub fn fit(&mut self, size: (f64, f64), min_calls: u32) -> Xf {
        self.set_min_calls(min_calls);
        let warm = self.built.as_ref().map(|_| self.scene.xf);
        let scene = map_labels::fit(
            &self.input(&[], &[]),
            size.0,
            size.1,
            FIT_MARGIN,
            &self.scene.labels,
            warm,
        );
        self.builds += 1;
        self.built = Some(Built {
            xf: scene.xf,
            size,
            rev: self.rev,
            min_calls,
            edge_labels: Vec::new(),
            dimmed: Vec::new(),
        });
        self.scene = scene;
        self.scene.xf
    }

    /// The scene at transform `xf` in a canvas of `size`, with labels on
    /// `edge_labels` (edge, size px) that may cover the labels of `dimmed`
    /// nodes; rebuilt only when one of these, the threshold or the
    /// positions changed.
    pub fn scene_at(
        &mut self,
        xf: Xf,
        size: (f64, f64),
        min_calls: u32,
        edge_labels: Vec<(usize, (f64, f64))>,
        dimmed: Vec<bool>,
    ) -> &Scene {
        self.set_min_calls(min_calls);
        let want = Built {
            xf,
            size,
            rev: self.rev,
            min_calls,
            edge_labels,
            dimmed,
        };
        if self.built.as_ref() != Some(&want) {
            let area = Rect {
                x: 0.0,
                y: 0.0,
                w: size.0,
                h: size.1,
            };
            self.scene = Scene::build(
                &self.input(&want.edge_labels, &want.dimmed),
                xf,
                Some(area),
                &self.scene.labels,
            );
            self.builds += 1;
            self.built = Some(want);
        }
        &self.scene
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::services::{ServiceEdge, ServiceNode};

    /// A hub calling `n - 1` services, one of them not instrumented.
    fn star(n: usize) -> ServiceGraph {
        ServiceGraph {
            nodes: (0..n)
                .map(|i| ServiceNode {
                    name: format!("service-{i}"),
                    spans: if i == n - 1 { 0 } else { 10 * (i as u32 + 1) },
                    errors: i as u32 % 2,
                    external: i == n - 1,
                    ..Default::default()
                })
                .collect(),
            edges: (1..n)
                .map(|i| ServiceEdge {
                    from: 0,
                    to: i,
                    asynchronous: false,
                    calls: i as u32,
                    errors: 0,
                    latencies: vec![1000; i],
                    spans: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn radius_grows_with_spans() {
        assert_eq!(node_radius(0, true), 10.0);
        assert_eq!(node_radius(0, false), 12.0);
        assert_eq!(node_radius(1, false), 17.0);
        assert!(node_radius(1000, false) > 2.5 * node_radius(1, false));
        let g = force_graph(&star(4));
        assert_eq!(g.radius.len(), 4);
        assert_eq!(g.edges[2].weight, 3.0);
    }

    #[test]
    fn focus_and_labelled_edges() {
        let g = star(5);
        assert_eq!(near(&g, None), vec![true; 5]);
        assert_eq!(near(&g, Some(2)), vec![true, false, true, false, false]);
        assert_eq!(near(&g, Some(0)), vec![true; 5]);
        let all = vec![true; 4];
        // A small map at rest labels every edge; a focus only its own.
        assert_eq!(labelled_edges(&g, &all, None, None), vec![0, 1, 2, 3]);
        assert_eq!(labelled_edges(&g, &all, Some(3), None), vec![2]);
        assert_eq!(labelled_edges(&g, &all, None, Some(1)), vec![1]);
        assert_eq!(
            labelled_edges(&g, &[true, false, true, true], None, None),
            vec![0, 2, 3]
        );
        let big = star(20);
        assert!(labelled_edges(&big, &[true; 19], None, None).is_empty());
    }

    #[test]
    fn fits_and_reuses_scenes() {
        let g = star(8);
        let mut m = MapModel::new(&g, 2.0, |s| s.chars().count() as f64 * 6.2);
        while m.step() {}
        let size = (900.0, 450.0);
        let xf = m.fit(size, 0);
        assert_eq!(m.builds, 1);
        assert!(m.scene.labels.iter().all(Option::is_some), "room for all");
        assert_eq!(m.shown, vec![true; 7]);
        // The same view again: the fitted scene serves.
        m.scene_at(xf, size, 0, Vec::new(), Vec::new());
        assert_eq!(m.builds, 1);
        // Edge labels, a threshold, a move: each builds anew, once.
        m.scene_at(xf, size, 0, vec![(0, (90.0, 16.0))], Vec::new());
        m.scene_at(xf, size, 0, vec![(0, (90.0, 16.0))], Vec::new());
        assert_eq!(m.builds, 2);
        assert_eq!(m.scene.edge_labels.len(), 1);
        m.scene_at(xf, size, 5, Vec::new(), Vec::new());
        assert_eq!(m.builds, 3);
        // Below 5 calls only the hub's busiest edge (to service 7) and each
        // leaf's only edge are left: all of them here.
        assert_eq!(m.shown, vec![true; 7]);
        let p = m.layout.position(3);
        m.pin(3, p.0 + 50.0, p.1);
        m.scene_at(xf, size, 5, Vec::new(), Vec::new());
        assert_eq!(m.builds, 4);
        // Labels keep their text variants.
        for (i, l) in m.scene.labels.iter().enumerate() {
            if let Some(l) = l {
                assert!(m.texts[i].get(l.variant).is_some());
            }
        }
    }
}
