//! Where a comparison of two traces ([`crate::analysis::compare`]) goes on
//! screen: the rows of its table (ranked, or as a tree with each node's
//! children by rank), the boxes of its delta flame graph, and each node's
//! colour by its change (red slower, blue faster, green added, grey removed).

use rustc_hash::FxHashSet;

use super::flame::{Flame, FlameBox};
use crate::analysis::compare::{Comparison, Measure, Status};
use crate::model::{Store, NONE};

/// How the table lists the nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// Every node by rank: the biggest contribution to the difference first.
    #[default]
    Ranked,
    /// The aligned tree, each node's children by rank.
    Tree,
}

/// Whether a node shows a change of its own: not the same, or a part of the
/// difference on the critical path.
pub fn differs(c: &Comparison, i: u32) -> bool {
    let n = &c.nodes[i as usize];
    n.status != Status::Same || n.contribution_ns() != 0
}

/// The table's rows (node indices). `Tree`: preorder with children by rank,
/// the subtrees of `collapsed` nodes left out. `changes_only`: nodes that
/// [`differ`](differs), and in a tree their ancestors.
pub fn rows(
    c: &Comparison,
    order: Order,
    collapsed: &FxHashSet<u32>,
    changes_only: bool,
) -> Vec<u32> {
    let n = c.nodes.len();
    // Whether a node's subtree holds a change (children come after parents).
    let mut keep = vec![!changes_only; n];
    if changes_only {
        for i in (0..n).rev() {
            if differs(c, i as u32) {
                keep[i] = true;
            }
            let p = c.nodes[i].parent;
            if keep[i] && p != NONE {
                keep[p as usize] = true;
            }
        }
    }
    match order {
        Order::Ranked => c
            .ranked
            .iter()
            .copied()
            .filter(|&i| !changes_only || differs(c, i))
            .collect(),
        Order::Tree => {
            let by_rank = |mut v: Vec<u32>| {
                v.retain(|&i| keep[i as usize]);
                v.sort_by_key(|&i| c.nodes[i as usize].rank);
                v
            };
            let mut out = Vec::new();
            let mut stack: Vec<u32> = by_rank(c.roots().collect());
            stack.reverse();
            while let Some(i) = stack.pop() {
                out.push(i);
                if !collapsed.contains(&i) {
                    let mut kids = by_rank(c.children(i).collect());
                    kids.reverse();
                    stack.extend(kids);
                }
            }
            out
        }
    }
}

/// Whether node `i` has children (an expand/collapse toggle in the tree).
pub fn has_children(c: &Comparison, i: u32) -> bool {
    c.nodes[i as usize].end > i + 1
}

/// The delta flame graph: one box per node in its depth's row, as wide as the
/// longer of its two durations (a removed node keeps A's width, an added one
/// gets B's), children side by side from their parent's left edge in time
/// order; children that add up to more than their parent (concurrent, async)
/// are scaled down together to fit it. `FlameBox::node` is the node,
/// `span` is [`NONE`], `error` whether either span failed; names are the
/// node's span's (A's when in both; `sa` and `sb` are the traces' stores).
pub fn flame(c: &Comparison, sa: &Store, sb: &Store) -> Flame {
    let n = c.nodes.len();
    let width = |i: usize| {
        let x = &c.nodes[i];
        x.a.duration_ns.max(x.b.duration_ns).max(0) as f64
    };
    // Box left edge, and the scale the node's subtree is drawn at.
    let mut x0 = vec![0.0f64; n];
    let mut scale = vec![1.0f64; n];
    let mut next = 0.0;
    for r in c.roots() {
        x0[r as usize] = next;
        next += width(r as usize);
    }
    for i in 0..n as u32 {
        let kids: Vec<u32> = c.children(i).collect();
        if kids.is_empty() {
            continue;
        }
        let sum: f64 = kids.iter().map(|&k| width(k as usize)).sum();
        let w = width(i as usize);
        let f = scale[i as usize] * if sum > w && sum > 0.0 { w / sum } else { 1.0 };
        let mut x = x0[i as usize];
        for k in kids {
            x0[k as usize] = x;
            scale[k as usize] = f;
            x += width(k as usize) * f;
        }
    }
    let rows = c.nodes.iter().map(|x| x.depth + 1).max().unwrap_or(0) as usize;
    let mut by_row: Vec<Vec<FlameBox>> = vec![Vec::new(); rows];
    for (i, node) in c.nodes.iter().enumerate() {
        let (s, span) = node.span(sa, sb);
        let error = (node.a.present() && sa.is_error(node.a.span))
            || (node.b.present() && sb.is_error(node.b.span));
        by_row[node.depth as usize].push(FlameBox {
            x0: x0[i],
            x1: x0[i] + width(i) * scale[i],
            row: node.depth,
            span: NONE,
            node: i as u32,
            service: s.spans.service[span as usize],
            name: s.spans.name[span as usize],
            error,
        });
    }
    let mut out = Flame::default();
    for (r, row) in by_row.into_iter().enumerate() {
        out.boxes.extend(row);
        out.row_start.push(out.boxes.len() as u32);
        out.row_depth.push(r as u32);
    }
    out.extent = out.boxes.iter().map(|b| b.x1).fold(0.0, f64::max);
    out
}

/// The largest change of duration among the nodes in both traces: the delta
/// that gets the full colour.
pub fn color_scale(c: &Comparison) -> i64 {
    c.nodes
        .iter()
        .filter(|n| n.a.present() && n.b.present())
        .map(|n| n.delta(Measure::Duration).unsigned_abs() as i64)
        .max()
        .unwrap_or(0)
}

pub const SLOWER: (u8, u8, u8) = (0xd6, 0x3a, 0x3a);
pub const FASTER: (u8, u8, u8) = (0x2f, 0x6f, 0xd6);
pub const ADDED: (u8, u8, u8) = (0x3f, 0xa3, 0x4d);
pub const REMOVED: (u8, u8, u8) = (0x9a, 0x9e, 0xa6);

/// The colour of node `i`: added green, removed grey; else from the neutral
/// colour of the theme toward red (slower) or blue (faster) by the square
/// root of its change over `scale` ([`color_scale`]), so a change a quarter
/// of the largest is half coloured.
pub fn node_rgb(c: &Comparison, i: u32, scale: i64, dark: bool) -> (u8, u8, u8) {
    let n = &c.nodes[i as usize];
    match n.status {
        Status::Added => return ADDED,
        Status::Removed => return REMOVED,
        _ => {}
    }
    let neutral = if dark {
        (0x3a, 0x40, 0x4a)
    } else {
        (0xe3, 0xe6, 0xea)
    };
    let d = n.delta(Measure::Duration);
    if d == 0 || scale <= 0 {
        return neutral;
    }
    let t = (d.unsigned_abs() as f64 / scale as f64)
        .clamp(0.0, 1.0)
        .sqrt();
    let to = if d > 0 { SLOWER } else { FASTER };
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    (
        mix(neutral.0, to.0),
        mix(neutral.1, to.1),
        mix(neutral.2, to.2),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::compare::compare;
    use crate::analysis::compare::tests::{shop, trace_of};

    fn shop_comparison() -> (Store, Comparison) {
        let s = shop();
        let c = compare(&s, trace_of(&s, "a"), &s, trace_of(&s, "b"));
        (s, c)
    }

    #[test]
    fn ranked_and_tree_rows() {
        let (_, c) = shop_comparison();
        // Nodes: 0 gw, 1 cart, 2 cart #2, 3 cart #3 (added), 4 SELECT,
        // 5 fetch (removed), 6 cache (added); ranks 6 3 7 2 1 4 5.
        let none = FxHashSet::default();
        assert_eq!(rows(&c, Order::Ranked, &none, false), [4, 3, 1, 5, 6, 0, 2]);
        assert_eq!(rows(&c, Order::Ranked, &none, true), [4, 3, 1, 5, 6, 0]);
        assert_eq!(rows(&c, Order::Tree, &none, false), [0, 4, 5, 6, 3, 1, 2]);
        assert_eq!(rows(&c, Order::Tree, &none, true), [0, 4, 5, 6, 3, 1]);
        let folded: FxHashSet<u32> = [4].into_iter().collect();
        assert_eq!(rows(&c, Order::Tree, &folded, false), [0, 4, 3, 1, 2]);
        assert!(has_children(&c, 4) && !has_children(&c, 5) && has_children(&c, 0));
    }

    #[test]
    fn flame_boxes_are_as_wide_as_the_longer_side() {
        let (s, c) = shop_comparison();
        let f = flame(&c, &s, &s);
        let boxes: Vec<(u32, u32, f64, f64)> = f
            .boxes
            .iter()
            .map(|b| (b.row, b.node, b.x0 / 1000.0, b.x1 / 1000.0))
            .collect();
        // gw 200 wide; its children 20 + 20 + 20 + 130 = 190 fit; under the
        // SELECT (130), fetch 10 and cache 10.
        assert_eq!(
            boxes,
            [
                (0, 0, 0.0, 200.0),
                (1, 1, 0.0, 20.0),
                (1, 2, 20.0, 40.0),
                (1, 3, 40.0, 60.0),
                (1, 4, 60.0, 190.0),
                (2, 5, 60.0, 70.0),
                (2, 6, 70.0, 80.0),
            ]
        );
        assert_eq!(f.row_start, [0, 1, 5, 7]);
        assert_eq!(f.extent, 200_000.0);
        assert_eq!(s.str(f.boxes[4].name), "SELECT");
    }

    #[test]
    fn children_wider_than_their_parent_are_scaled_to_fit() {
        // A: p 0..100 { x 0..100, y 0..100 } (concurrent); B: the same.
        let s = crate::analysis::testing::zipkin_store(&[
            r#"{"traceId":"a","id":"1","name":"p","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"s"}}"#.into(),
            r#"{"traceId":"a","id":"2","parentId":"1","name":"x","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"s"}}"#.into(),
            r#"{"traceId":"a","id":"3","parentId":"1","name":"y","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"s"}}"#.into(),
            r#"{"traceId":"a","id":"4","parentId":"3","name":"z","timestamp":1000,"duration":50,"localEndpoint":{"serviceName":"s"}}"#.into(),
        ]);
        let c = compare(&s, 0, &s, 0);
        let f = flame(&c, &s, &s);
        let xs: Vec<(f64, f64)> = f
            .boxes
            .iter()
            .map(|b| (b.x0 / 1000.0, b.x1 / 1000.0))
            .collect();
        assert_eq!(xs, [(0.0, 100.0), (0.0, 50.0), (50.0, 100.0), (50.0, 75.0)]);
    }

    #[test]
    fn colours_by_change() {
        let (_, c) = shop_comparison();
        let scale = color_scale(&c);
        assert_eq!(scale, 100_000); // gw: 100 -> 200
        assert_eq!(node_rgb(&c, 3, scale, false), ADDED);
        assert_eq!(node_rgb(&c, 5, scale, true), REMOVED);
        assert_eq!(node_rgb(&c, 0, scale, false), SLOWER);
        assert_eq!(node_rgb(&c, 2, scale, false), (0xe3, 0xe6, 0xea));
        // cart: -10 of 100: sqrt(0.1) = 0.316 of the way to blue:
        // 227 - 180 * 0.316 = 170, 230 - 119 * 0.316 = 192, 234 - 20 * 0.316 = 228.
        assert_eq!(node_rgb(&c, 1, scale, false), (170, 192, 228));
    }
}
