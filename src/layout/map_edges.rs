//! The service map's edges on screen: their curves (two calls between the same
//! pair of services bow apart instead of being drawn on top of each other),
//! hit testing by distance to the curve, which edges a crowded map hides
//! behind a call threshold, and the lines of an edge's or a node's tooltip.
//!
//! Coordinates are CSS pixels, as the canvas draws them.

use crate::analysis::network;
use crate::analysis::services::{ServiceEdge, ServiceGraph, ServiceNode};
use crate::model::time::format_duration;
use crate::model::units::{counted, format_count};
use crate::model::Store;

/// A point in CSS pixels.
pub type P = (f64, f64);

/// Sideways offset, in px, between edges that join the same two services.
pub const BEND_PX: f64 = 26.0;

/// A map with more services or edges than this is crowded: edges under a
/// call threshold are hidden by default (see [`default_min_calls`]).
pub const CROWDED_SERVICES: usize = 40;
pub const CROWDED_EDGES: usize = 120;

/// A crowded map shows about this many edges per service by default (and at
/// least [`MIN_SHOWN`]): a tree needs one per service, a little more shows
/// the main cross links.
const SHOWN_PER_SERVICE: f64 = 1.5;
const MIN_SHOWN: usize = 60;

/// Line segments a curve is cut into for hit testing: at the bends drawn
/// here (a sagitta of [`BEND_PX`] at most) the chords stay within a fraction
/// of a pixel of the curve.
const HIT_SEGMENTS: usize = 16;

/// Distance from `p` to the segment `a`-`b`.
pub fn seg_dist(p: P, a: P, b: P) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - x) * (p.0 - x) + (p.1 - y) * (p.1 - y)).sqrt()
}

/// An edge as drawn: a quadratic Bézier from the rim of the caller's circle
/// (`s`) through control point `c` to just outside the callee's rim (`e`,
/// where the arrowhead's tip is). A straight edge has `c` at the midpoint.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Curve {
    pub s: P,
    pub c: P,
    pub e: P,
}

impl Curve {
    /// The edge from the circle at `a` (radius `ra`) to the one at `b`,
    /// its middle `bend` px off the chord along the normal `(-uy, ux)` of
    /// the direction `u` = a -> b (negative: the other way), ending `gap` px
    /// outside `b`'s rim. Coincident centres get a direction
    /// (+x) so the result stays finite.
    pub fn between(a: P, ra: f64, b: P, rb: f64, bend: f64, gap: f64) -> Curve {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let d = (dx * dx + dy * dy).sqrt();
        let (ux, uy) = if d > 0.0 && d.is_finite() {
            (dx / d, dy / d)
        } else {
            (1.0, 0.0)
        };
        let bend = if bend.is_finite() { bend } else { 0.0 };
        // The curve's midpoint B(0.5) lies halfway between the chord's
        // midpoint and the control point, so the control sits at twice the
        // bend.
        let c = (
            (a.0 + b.0) / 2.0 - uy * 2.0 * bend,
            (a.1 + b.1) / 2.0 + ux * 2.0 * bend,
        );
        let toward = |from: P, to: P, r: f64| -> P {
            let (x, y) = (to.0 - from.0, to.1 - from.1);
            let l = (x * x + y * y).sqrt();
            if l > 0.0 && l.is_finite() {
                (from.0 + x / l * r, from.1 + y / l * r)
            } else {
                from
            }
        };
        let (s, e) = (toward(a, c, ra), toward(b, c, rb + gap));
        // Unbent, the control point sits on the chord between the rims (the
        // centres' midpoint is off it when the radii differ).
        let c = if bend == 0.0 {
            ((s.0 + e.0) / 2.0, (s.1 + e.1) / 2.0)
        } else {
            c
        };
        Curve { s, c, e }
    }

    /// The point at `t` in 0..=1.
    pub fn at(&self, t: f64) -> P {
        let u = 1.0 - t;
        (
            u * u * self.s.0 + 2.0 * u * t * self.c.0 + t * t * self.e.0,
            u * u * self.s.1 + 2.0 * u * t * self.c.1 + t * t * self.e.1,
        )
    }

    /// Unit direction of travel at the end (for the arrowhead).
    pub fn end_direction(&self) -> P {
        let unit = |x: f64, y: f64| {
            let l = (x * x + y * y).sqrt();
            (l > 0.0 && l.is_finite()).then(|| (x / l, y / l))
        };
        unit(self.e.0 - self.c.0, self.e.1 - self.c.1)
            .or_else(|| unit(self.e.0 - self.s.0, self.e.1 - self.s.1))
            .unwrap_or((1.0, 0.0))
    }

    /// True when drawn as a straight line.
    pub fn is_straight(&self) -> bool {
        let mid = ((self.s.0 + self.e.0) / 2.0, (self.s.1 + self.e.1) / 2.0);
        (self.c.0 - mid.0).abs() + (self.c.1 - mid.1).abs() < 0.5
    }

    /// Distance from `p` to the curve.
    pub fn distance(&self, p: P) -> f64 {
        if self.is_straight() {
            return seg_dist(p, self.s, self.e);
        }
        let mut best = f64::INFINITY;
        let mut a = self.s;
        for k in 1..=HIT_SEGMENTS {
            let b = self.at(k as f64 / HIT_SEGMENTS as f64);
            best = best.min(seg_dist(p, a, b));
            a = b;
        }
        best
    }

    /// The curve as two chords (start - middle - end), for cheap crossing
    /// tests.
    pub fn chords(&self) -> [(P, P); 2] {
        let m = self.at(0.5);
        [(self.s, m), (m, self.e)]
    }
}

/// The bend of each edge (px, see [`Curve::between`]): 0 when it is the only
/// edge between its two services, else the edges of that pair spread
/// [`BEND_PX`] apart, so a call and its reverse (or a call and a queue hop)
/// stay apart. Self-edges get 0 (they are not drawn).
pub fn bends(ends: &[(usize, usize)]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ends.len()).collect();
    let key = |i: usize| {
        let (a, b) = ends[i];
        (a.min(b), a.max(b))
    };
    order.sort_by_key(|&i| (key(i), i));
    let mut out = vec![0.0; ends.len()];
    let mut at = 0;
    while at < order.len() {
        let k = key(order[at]);
        let n = order[at..].iter().take_while(|&&i| key(i) == k).count();
        if n > 1 {
            for (j, &i) in order[at..at + n].iter().enumerate() {
                let off = (j as f64 - (n - 1) as f64 / 2.0) * BEND_PX;
                // Offsets are in the frame of the pair's lower index: an edge
                // running the other way has its left on the other side.
                out[i] = if ends[i].0 <= ends[i].1 { off } else { -off };
            }
        }
        at += n;
    }
    out
}

/// The edge nearest to `p` among those `shown`, if within `tolerance` px.
pub fn edge_at(curves: &[Curve], shown: &[bool], p: P, tolerance: f64) -> Option<usize> {
    curves
        .iter()
        .enumerate()
        .filter(|(i, _)| shown.get(*i).copied().unwrap_or(false))
        .map(|(i, c)| (i, c.distance(p)))
        .filter(|(_, d)| *d <= tolerance)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// True when a map of this size hides its quiet edges by default.
pub fn crowded(services: usize, edges: usize) -> bool {
    services > CROWDED_SERVICES || edges > CROWDED_EDGES
}

/// The thresholds a slider steps through: the distinct call counts,
/// ascending (each step hides at least one more edge).
pub fn steps(calls: &[u32]) -> Vec<u32> {
    let mut s = calls.to_vec();
    s.sort_unstable();
    s.dedup();
    s
}

/// The default "at least this many calls" of a map: 0 (all edges) unless it
/// is [`crowded`]; then the lowest step that leaves about 1.5 edges per
/// service (at least 60) above it.
pub fn default_min_calls(calls: &[u32], services: usize) -> u32 {
    if !crowded(services, calls.len()) {
        return 0;
    }
    let target = ((services as f64 * SHOWN_PER_SERVICE) as usize).max(MIN_SHOWN);
    steps(calls)
        .into_iter()
        .find(|&t| calls.iter().filter(|&&c| c >= t).count() <= target)
        .unwrap_or(u32::MAX)
}

/// Which edges are drawn at threshold `min_calls`: those with at least that
/// many calls, and each service's busiest edge (ties: the first), so no
/// service is left floating without a line to the rest.
pub fn shown(ends: &[(usize, usize)], calls: &[u32], nodes: usize, min_calls: u32) -> Vec<bool> {
    let mut busiest: Vec<Option<usize>> = vec![None; nodes];
    for (i, &(a, b)) in ends.iter().enumerate() {
        let c = calls.get(i).copied().unwrap_or(0);
        for n in [a, b] {
            if let Some(slot) = busiest.get_mut(n) {
                if slot.is_none_or(|j| calls.get(j).copied().unwrap_or(0) < c) {
                    *slot = Some(i);
                }
            }
        }
    }
    ends.iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            calls.get(i).copied().unwrap_or(0) >= min_calls
                || busiest.get(a).copied().flatten() == Some(i)
                || busiest.get(b).copied().flatten() == Some(i)
        })
        .collect()
}

/// Which edges are drawn: those `shown`, and every edge of the `focus` node
/// (hovering or selecting a service shows all its calls, quiet ones too).
pub fn drawn(ends: &[(usize, usize)], shown: &[bool], focus: Option<usize>) -> Vec<bool> {
    ends.iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            shown.get(i).copied().unwrap_or(false) || focus.is_some_and(|f| f == a || f == b)
        })
        .collect()
}

/// The label drawn on an edge: "12 calls · 2 err · p95 31ms".
pub fn edge_label(e: &ServiceEdge) -> String {
    let mut s = counted(e.calls as u64, "call");
    if e.errors > 0 {
        s.push_str(&format!(" · {} err", e.errors));
    }
    s.push_str(&format!(" · p95 {}", format_duration(e.percentile(95.0))));
    s
}

/// The tooltip of an edge: what went through it.
pub fn edge_tip(e: &ServiceEdge) -> Vec<String> {
    let mut lines = Vec::new();
    let errors = if e.errors == 0 {
        "no errors".to_owned()
    } else {
        format!(
            "{} ({:.1}%)",
            counted(e.errors as u64, "error"),
            e.errors as f64 / e.calls.max(1) as f64 * 100.0
        )
    };
    lines.push(format!("{} · {errors}", counted(e.calls as u64, "call")));
    let total: i64 = e.latencies.iter().fold(0i64, |a, &d| a.saturating_add(d));
    if !e.latencies.is_empty() {
        lines.push(format!(
            "total {} · avg {}",
            format_duration(total),
            format_duration(total / e.latencies.len() as i64)
        ));
        lines.push(format!(
            "p50 {} · p95 {} · p99 {}",
            format_duration(e.percentile(50.0)),
            format_duration(e.percentile(95.0)),
            format_duration(e.percentile(99.0))
        ));
    }
    if e.asynchronous {
        lines.push("asynchronous: a queue hop or a link".to_owned());
    }
    lines
}

/// The network time of an edge's calls (`analysis::network`: each call's
/// request and response gaps, on the times shown), summed, with the share
/// of the calls' time (the client spans'): "network 1.2ms over 40 calls,
/// 3% of their time". None when none of its calls has both sides measured
/// (queue hops, calls to services that were not instrumented).
pub fn network_line(store: &Store, e: &ServiceEdge) -> Option<String> {
    network_of(store, e.spans.iter().copied())
}

/// [`network_line`] of the calls into service `n` (its synchronous
/// incoming edges).
pub fn node_network_line(store: &Store, g: &ServiceGraph, n: usize) -> Option<String> {
    let calls = g.edges.iter().filter(|e| e.to == n && !e.asynchronous);
    network_of(store, calls.flat_map(|e| e.spans.iter().copied()))
}

/// The network time of the calls whose callee spans are `spans`, summed,
/// with their share of the calls' time.
fn network_of(store: &Store, spans: impl Iterator<Item = u32>) -> Option<String> {
    let (mut calls, mut net, mut total) = (0u64, 0i64, 0i64);
    for c in spans.filter_map(|sp| network::call(store, sp)) {
        calls += 1;
        net = net.saturating_add(c.network_ns());
        total = total.saturating_add(store.spans.duration[c.client as usize]);
    }
    if calls == 0 {
        return None;
    }
    let pct = if total > 0 {
        net as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let share = if pct > 0.0 && pct < 0.5 {
        "<1%".to_owned()
    } else {
        format!("{pct:.0}%")
    };
    Some(format!(
        "network {} over {}, {share} of their time",
        format_duration(net),
        counted(calls, "call")
    ))
}

/// A service's own numbers: spans and errors, requests (how many failed)
/// and their p50/p95/p99 (the node panel's lines).
pub fn node_stats(node: &ServiceNode) -> Vec<String> {
    if node.external {
        return vec!["not instrumented: seen only as the target of calls".to_owned()];
    }
    let mut lines = vec![format!(
        "{} · {} ({:.1}%)",
        counted(node.spans as u64, "span"),
        counted(node.errors as u64, "error"),
        node.error_rate() * 100.0
    )];
    if !node.requests.is_empty() {
        let n = node.requests.len();
        lines.push(format!(
            "{} · {} failed ({:.1}%)",
            counted(n as u64, "request"),
            format_count(node.failed_requests as u64),
            node.failed_requests as f64 * 100.0 / n as f64
        ));
        lines.push(format!(
            "p50 {} · p95 {} · p99 {}",
            format_duration(node.percentile(50.0)),
            format_duration(node.percentile(95.0)),
            format_duration(node.percentile(99.0))
        ));
    }
    lines
}

/// The tooltip of a node: its numbers ([`node_stats`]) and its traffic.
pub fn node_tip(g: &ServiceGraph, n: usize) -> Vec<String> {
    let Some(node) = g.nodes.get(n) else {
        return Vec::new();
    };
    let mut lines = node_stats(node);
    let sum = |pick: &dyn Fn(&ServiceEdge) -> bool| -> (usize, u64) {
        g.edges
            .iter()
            .filter(|e| pick(e))
            .fold((0, 0), |(k, c), e| (k + 1, c + e.calls as u64))
    };
    let (callers, calls_in) = sum(&|e| e.to == n);
    let (callees, calls_out) = sum(&|e| e.from == n);
    if callers > 0 {
        lines.push(format!(
            "called by {}: {}",
            counted(callers as u64, "service"),
            counted(calls_in, "call")
        ));
    }
    if callees > 0 {
        lines.push(format!(
            "calls {}: {}",
            counted(callees as u64, "service"),
            counted(calls_out, "call")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two traces' calls from front to back: 480 + 480 µs of a 96 ms call
    /// and 100 + 200 µs of a 2 ms one; a root server (no client) makes
    /// no call.
    #[test]
    fn network_summed_per_edge() {
        use crate::analysis::services::graph;
        use crate::analysis::testing::zipkin_store;
        let span = |t: &str,
                    id: &str,
                    parent: &str,
                    kind: &str,
                    service: &str,
                    ts: u64,
                    dur: u64| {
            let parent = if parent.is_empty() {
                String::new()
            } else {
                format!(r#""parentId":"{parent}","#)
            };
            format!(
                r#"{{"traceId":"{t}","id":"{id}",{parent}"kind":"{kind}","name":"op{id}","timestamp":{ts},"duration":{dur},"localEndpoint":{{"serviceName":"{service}"}}}}"#
            )
        };
        let s = zipkin_store(&[
            span("1", "1", "", "SERVER", "front", 0, 100_000),
            span("1", "2", "1", "CLIENT", "front", 1_000, 96_000),
            span("1", "3", "2", "SERVER", "back", 1_480, 95_040),
            span("1", "4", "3", "CLIENT", "back", 2_000, 1_000),
            span("2", "5", "", "CLIENT", "front", 0, 2_000),
            span("2", "6", "5", "SERVER", "back", 100, 1_700),
        ]);
        let g = graph(&s, &[0, 1]);
        let edge = |a: &str, b: &str| {
            g.edges
                .iter()
                .find(|e| g.nodes[e.from].name == a && g.nodes[e.to].name == b)
                .unwrap()
        };
        // 960 + 300 µs of 98 ms: 1.3%.
        assert_eq!(
            network_line(&s, edge("front", "back")).as_deref(),
            Some("network 1.26ms over 2 calls, 1% of their time")
        );
        // Span 1 is a root server: no client side, no call.
        let mut lone = edge("front", "back").clone();
        lone.spans = vec![0];
        assert_eq!(network_line(&s, &lone), None);
    }
    use crate::analysis::services::ServiceNode;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn segment_distance() {
        assert!(close(seg_dist((5.0, 3.0), (0.0, 0.0), (10.0, 0.0)), 3.0));
        assert!(close(seg_dist((-3.0, 4.0), (0.0, 0.0), (10.0, 0.0)), 5.0));
        assert!(close(seg_dist((13.0, 4.0), (0.0, 0.0), (10.0, 0.0)), 5.0));
        assert!(close(seg_dist((3.0, 4.0), (0.0, 0.0), (0.0, 0.0)), 5.0));
    }

    #[test]
    fn straight_and_bent_curves() {
        let c = Curve::between((0.0, 0.0), 10.0, (100.0, 0.0), 20.0, 0.0, 2.0);
        assert!(c.is_straight());
        assert_eq!(c.s, (10.0, 0.0));
        assert_eq!(c.e, (78.0, 0.0));
        assert_eq!(c.end_direction(), (1.0, 0.0));
        assert!(close(c.distance((50.0, 7.0)), 7.0));
        assert!(close(c.distance((0.0, 0.0)), 10.0));

        // Bent 20 px along the normal of +x, which is +y: the midpoint is
        // 20 px off the chord.
        let b = Curve::between((0.0, 0.0), 10.0, (100.0, 0.0), 10.0, 20.0, 0.0);
        assert!(!b.is_straight());
        let m = b.at(0.5);
        // (a little more: the ends sit on the rims toward the control point)
        assert!(close(m.0, 50.0) && (20.0..25.0).contains(&m.1), "{m:?}");
        assert!(b.distance(m) < 1e-9);
        assert!(b.distance((50.0, 0.0)) > 19.0);
        // The ends sit on the rims, toward the control point.
        for (p, centre) in [(b.s, (0.0, 0.0)), (b.e, (100.0, 0.0))] {
            let r = ((p.0 - centre.0).powi(2) + (p.1 - centre.1).powi(2)).sqrt();
            assert!(close(r, 10.0));
        }
        // The reverse edge with the opposite bend lies on the same side.
        let r = Curve::between((100.0, 0.0), 10.0, (0.0, 0.0), 10.0, -20.0, 0.0);
        assert!((r.at(0.5).1 - m.1).abs() < 1e-9);

        // Coincident or non-finite input stays finite.
        let z = Curve::between((5.0, 5.0), 3.0, (5.0, 5.0), 3.0, f64::NAN, 1.0);
        for p in [z.s, z.c, z.e, z.at(0.3)] {
            assert!(p.0.is_finite() && p.1.is_finite());
        }
        assert!(z.distance((5.0, 5.0)).is_finite());
    }

    #[test]
    fn bends_spread_parallel_edges() {
        let b = bends(&[(0, 1), (1, 0), (2, 3), (0, 1), (4, 4)]);
        assert_eq!(b[2], 0.0);
        assert_eq!(b[4], 0.0);
        // Three edges between 0 and 1: -26, 0 and +26 in the frame 0 -> 1;
        // the reverse edge's own bend is negated.
        assert_eq!((b[0], b[1], b[3]), (-BEND_PX, 0.0, BEND_PX));
        // A call and its reverse: the same bend each in its own direction,
        // which puts them on opposite sides.
        let b = bends(&[(1, 0), (0, 1)]);
        assert_eq!(b, vec![BEND_PX / 2.0, BEND_PX / 2.0]);
        // Drawn, the two bow to opposite sides of the chord.
        let (p0, p1) = ((0.0, 0.0), (100.0, 0.0));
        let c0 = Curve::between(p1, 5.0, p0, 5.0, b[0], 0.0);
        let c1 = Curve::between(p0, 5.0, p1, 5.0, b[1], 0.0);
        assert!(c0.at(0.5).1 * c1.at(0.5).1 < 0.0);
    }

    #[test]
    fn hit_test_picks_the_nearest_shown_edge() {
        let curves = [
            Curve::between((0.0, 0.0), 5.0, (100.0, 0.0), 5.0, 0.0, 0.0),
            Curve::between((0.0, 10.0), 5.0, (100.0, 10.0), 5.0, 0.0, 0.0),
        ];
        assert_eq!(edge_at(&curves, &[true, true], (50.0, 3.0), 6.0), Some(0));
        assert_eq!(edge_at(&curves, &[true, true], (50.0, 7.0), 6.0), Some(1));
        assert_eq!(edge_at(&curves, &[false, true], (50.0, 3.0), 8.0), Some(1));
        assert_eq!(edge_at(&curves, &[true, true], (50.0, 30.0), 6.0), None);
        assert_eq!(edge_at(&curves, &[], (50.0, 3.0), 6.0), None);
    }

    #[test]
    fn thresholds() {
        assert!(!crowded(40, 120));
        assert!(crowded(41, 10) && crowded(5, 121));
        assert_eq!(steps(&[5, 1, 5, 3]), vec![1, 3, 5]);
        assert_eq!(default_min_calls(&[1, 2, 3], 10), 0);
        // 60 services, 214 edges with calls 1..=214: at most 90 edges stay.
        let calls: Vec<u32> = (1..=214).collect();
        let t = default_min_calls(&calls, 60);
        assert_eq!(calls.iter().filter(|&&c| c >= t).count(), 90);
        // Every edge alike: none can go, the threshold passes them all.
        assert_eq!(default_min_calls(&[1; 200], 60), u32::MAX);
    }

    #[test]
    fn quiet_edges_hide_but_every_service_keeps_its_busiest() {
        // 0 -> 1 (100), 1 -> 2 (3), 0 -> 2 (50), 2 -> 3 (1), 3 -> 4 (2)
        let ends = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)];
        let calls = [100, 3, 50, 1, 2];
        assert_eq!(shown(&ends, &calls, 5, 0), vec![true; 5]);
        // At 10: 1 -> 2 and 2 -> 3 go; 3 -> 4 stays as the busiest of 3 and 4.
        assert_eq!(
            shown(&ends, &calls, 5, 10),
            vec![true, false, true, false, true]
        );
        // Out-of-range ends and missing counts do not panic.
        assert_eq!(shown(&[(0, 9)], &[], 2, 1), vec![true]);
    }

    #[test]
    fn a_focused_node_draws_all_its_edges() {
        let ends = [(0, 1), (1, 2), (2, 3)];
        let shown = [true, false, false];
        assert_eq!(drawn(&ends, &shown, None), vec![true, false, false]);
        assert_eq!(drawn(&ends, &shown, Some(2)), vec![true, true, true]);
        assert_eq!(drawn(&ends, &[], Some(0)), vec![true, false, false]);
    }

    #[test]
    fn tips() {
        let e = ServiceEdge {
            from: 0,
            to: 1,
            asynchronous: true,
            calls: 4,
            errors: 1,
            latencies: vec![1_000_000, 2_000_000, 3_000_000, 10_000_000],
            spans: vec![1, 2, 3, 4],
        };
        assert_eq!(edge_label(&e), "4 calls · 1 err · p95 10ms");
        assert_eq!(
            edge_tip(&e),
            vec![
                "4 calls · 1 error (25.0%)",
                "total 16ms · avg 4ms",
                "p50 2ms · p95 10ms · p99 10ms",
                "asynchronous: a queue hop or a link",
            ]
        );
        let g = ServiceGraph {
            nodes: vec![
                ServiceNode {
                    name: "a".into(),
                    spans: 10,
                    requests: vec![1_000_000, 2_000_000, 8_000_000],
                    failed_requests: 1,
                    ..Default::default()
                },
                ServiceNode {
                    name: "db".into(),
                    external: true,
                    ..Default::default()
                },
            ],
            edges: vec![e],
        };
        assert_eq!(
            node_tip(&g, 0),
            vec![
                "10 spans · 0 errors (0.0%)",
                "3 requests · 1 failed (33.3%)",
                "p50 2ms · p95 8ms · p99 8ms",
                "calls 1 service: 4 calls"
            ]
        );
        assert_eq!(
            node_tip(&g, 1),
            vec![
                "not instrumented: seen only as the target of calls",
                "called by 1 service: 4 calls"
            ]
        );
        assert!(node_tip(&g, 7).is_empty());
    }
}
