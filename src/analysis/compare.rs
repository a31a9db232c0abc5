//! Compare two traces (issue 19): which parts of one request got slower or
//! faster than in another, and by how much of the difference.
//!
//! Rule. Spans are aligned by their chain of (service, operation) from the
//! root: the children of two aligned spans pair up by (service, operation),
//! and repeated siblings of one key pair in order (the third
//! `GET /products/{id}` under a cart with the third under the other cart);
//! whatever has no partner is *removed* (only in A, the baseline) or *added*
//! (only in B), with its whole subtree. The roots (orphans included) pair up
//! the same way. When no root of one trace shares its key with a root of the
//! other (one product view was started in the browser, web-frontend ->
//! api-gateway, the other at the gateway), the other trace's first root is
//! aligned with the shallowest, earliest span of this trace with its key, and
//! the spans above it are removed (or added); failing that, nothing aligns.
//!
//! Each aligned node has, per side, its span, its subtree's span count, its
//! duration, its self time ([`super::selftime`]) and its time on the critical
//! path ([`super::critical_path`]), and the deltas B - A (and % of A). A node
//! is *changed* when its duration moved by at least [`CHANGED_SHARE`] of the
//! larger of its two durations, else *same*. Nodes are ranked by their
//! **contribution**: the change of their own time on the critical path. The
//! critical path of a root covers all of its duration, one span at a time,
//! so the contributions of all nodes add up exactly to the difference of the
//! roots' durations (of the sum over all roots): a span that got 2 s slower
//! off the path (async, concurrent with something longer) contributes nothing,
//! and a parent whose own work moved is told apart from its slow child.
//!
//! Where it differs from Jaeger's trace comparison (TraceDiff): Jaeger
//! merges every span of one chain into one node and compares span counts
//! only, with no durations (jaeger-ui#296, #513, #638; asked of Grafana in
//! grafana#35531); here repeated siblings stay apart (matched in order),
//! every node carries duration, self-time and critical-path deltas, and the
//! nodes are ranked by their share of the difference. Zipkin and Sentry have
//! no trace comparison.
//!
//! Total on any trees `analysis::tree` builds; iterative (no recursion on
//! deep traces); the two traces may live in different stores.

use rustc_hash::FxHashMap;
use serde_json::{json, Value};

use super::{critical_path, selftime};
use crate::model::{Store, NONE};

/// A node whose duration moved by at least this share of the larger of its
/// two durations is [`Status::Changed`].
pub const CHANGED_SHARE: f64 = 0.05;

/// What happened to a node from A to B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Same,
    Changed,
    /// Only in B.
    Added,
    /// Only in A.
    Removed,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Same => "same",
            Status::Changed => "changed",
            Status::Added => "added",
            Status::Removed => "removed",
        }
    }
}

/// One side of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Side {
    /// The span, or [`NONE`] when the node is not in this trace.
    pub span: u32,
    /// Spans of the node's subtree in this trace (itself included).
    pub subtree: u32,
    pub duration_ns: i64,
    pub self_ns: i64,
    /// Its own time on the critical path.
    pub critical_ns: i64,
}

impl Side {
    const ABSENT: Side = Side {
        span: NONE,
        subtree: 0,
        duration_ns: 0,
        self_ns: 0,
        critical_ns: 0,
    };

    pub fn present(&self) -> bool {
        self.span != NONE
    }

    /// Spans of the node in this trace: 0 or 1 (repeated siblings are
    /// nodes of their own).
    pub fn count(&self) -> u32 {
        u32::from(self.present())
    }
}

/// A measure of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Duration,
    SelfTime,
    Critical,
}

impl Measure {
    pub fn of(self, s: &Side) -> i64 {
        match self {
            Measure::Duration => s.duration_ns,
            Measure::SelfTime => s.self_ns,
            Measure::Critical => s.critical_ns,
        }
    }
}

/// An aligned node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Parent node, or [`NONE`] for a root.
    pub parent: u32,
    pub depth: u32,
    /// Which repeat of its (service, operation) among its siblings (0: the
    /// first), counted on the side it comes from (A when in both).
    pub ordinal: u32,
    /// One past the last node of its subtree (nodes are in preorder).
    pub end: u32,
    pub a: Side,
    pub b: Side,
    pub status: Status,
    /// 1 for the node contributing most to the difference.
    pub rank: u32,
}

impl Node {
    /// B - A of a measure.
    pub fn delta(&self, m: Measure) -> i64 {
        m.of(&self.b) - m.of(&self.a)
    }

    /// B - A as a percentage of A (None when A is 0: added, or instantaneous).
    pub fn pct(&self, m: Measure) -> Option<f64> {
        pct(m.of(&self.a), m.of(&self.b))
    }

    /// The change of its time on the critical path: its part of the change
    /// of the roots' durations.
    pub fn contribution_ns(&self) -> i64 {
        self.delta(Measure::Critical)
    }

    /// A span of the node (A's when in both) and the store it lives in.
    pub fn span<'s>(&self, a: &'s Store, b: &'s Store) -> (&'s Store, u32) {
        if self.a.present() {
            (a, self.a.span)
        } else {
            (b, self.b.span)
        }
    }
}

/// `b - a` as a percentage of `a` (None when `a` is not positive).
pub fn pct(a: i64, b: i64) -> Option<f64> {
    (a > 0).then(|| (b - a) as f64 / a as f64 * 100.0)
}

/// Where the roots were aligned when no root keys matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The anchored span is in A (B's first root aligned with it), else in B.
    pub in_a: bool,
    pub span: u32,
}

/// Two traces aligned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// In preorder: a parent before its children, siblings by their start
    /// within the parent (A's when in both).
    pub nodes: Vec<Node>,
    /// Node indices by rank (`ranked[0]` has rank 1).
    pub ranked: Vec<u32>,
    /// The root span's duration of each trace (what the caller waited).
    pub response_a_ns: i64,
    pub response_b_ns: i64,
    /// Total time on the critical path (the sum of every root's duration):
    /// what the contributions add up to.
    pub critical_a_ns: i64,
    pub critical_b_ns: i64,
    pub anchor: Option<Anchor>,
}

impl Comparison {
    /// The change the contributions add up to.
    pub fn delta_ns(&self) -> i64 {
        self.critical_b_ns - self.critical_a_ns
    }

    /// A node's contribution as a share (%) of the change (None when the
    /// totals are equal).
    pub fn contribution_pct(&self, node: u32) -> Option<f64> {
        let d = self.delta_ns();
        (d != 0).then(|| self.nodes[node as usize].contribution_ns() as f64 / d as f64 * 100.0)
    }

    /// Children of node `i`, in order.
    pub fn children(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        let end = self.nodes.get(i as usize).map_or(i + 1, |n| n.end);
        let mut k = i + 1;
        std::iter::from_fn(move || {
            if k >= end {
                return None;
            }
            let c = k;
            k = self.nodes[k as usize].end;
            Some(c)
        })
    }

    /// The roots, in order.
    pub fn roots(&self) -> impl Iterator<Item = u32> + '_ {
        let mut k = 0u32;
        std::iter::from_fn(move || {
            let n = self.nodes.get(k as usize)?;
            let c = k;
            k = n.end;
            Some(c)
        })
    }
}

/// Per-span facts of one side.
struct SideFacts<'s> {
    store: &'s Store,
    base: u32,
    self_ns: Vec<i64>,
    critical_ns: Vec<i64>,
}

impl<'s> SideFacts<'s> {
    fn new(store: &'s Store, t: u32) -> SideFacts<'s> {
        SideFacts {
            store,
            base: store.traces[t as usize].spans.start,
            self_ns: selftime::all(store, t),
            critical_ns: critical_path::compute(store, t).span_ns,
        }
    }

    fn key(&self, span: u32) -> (&'s str, &'s str) {
        let s = self.store;
        (
            s.str(s.spans.service[span as usize]),
            s.str(s.spans.name[span as usize]),
        )
    }

    fn side(&self, span: u32) -> Side {
        if span == NONE {
            return Side::ABSENT;
        }
        let k = (span - self.base) as usize;
        Side {
            span,
            subtree: 1,
            duration_ns: self.store.spans.duration[span as usize],
            self_ns: self.self_ns[k],
            critical_ns: self.critical_ns[k],
        }
    }

    fn start(&self, span: u32) -> i64 {
        self.store.spans.start[span as usize]
    }
}

/// A pair to align: (A span, B span, ordinal), either span may be NONE.
type Pair = (u32, u32, u32);

/// Pairs `ka` with `kb` (children of two aligned spans, or roots): by key,
/// repeats in order; the unpaired of either side alone. Sorted by start
/// offset from `pa` / `pb` (A's when in both).
fn pair(
    fa: &SideFacts,
    ka: &[u32],
    pa: i64,
    fb: &SideFacts,
    kb: &[u32],
    pb: i64,
    out: &mut Vec<Pair>,
) {
    out.clear();
    // Per key: B's children of that key (indices into `kb`), in order, and
    // how many of A's children of that key came so far.
    let mut bykey: FxHashMap<(&str, &str), (Vec<usize>, u32)> = FxHashMap::default();
    for (i, &b) in kb.iter().enumerate() {
        bykey.entry(fb.key(b)).or_default().0.push(i);
    }
    let mut used = vec![false; kb.len()];
    let mut order: Vec<(i64, usize, Pair)> = Vec::with_capacity(ka.len() + kb.len());
    for &a in ka {
        let e = bykey.entry(fa.key(a)).or_default();
        let k = e.1;
        e.1 += 1;
        let b = match e.0.get(k as usize) {
            Some(&i) => {
                used[i] = true;
                kb[i]
            }
            None => NONE,
        };
        order.push((fa.start(a) - pa, order.len(), (a, b, k)));
    }
    for (_, (idx, _)) in bykey {
        for (ord, i) in idx.into_iter().enumerate() {
            if !used[i] {
                let b = kb[i];
                order.push((fb.start(b) - pb, ka.len() + i, (NONE, b, ord as u32)));
            }
        }
    }
    order.sort_unstable_by_key(|&(off, seq, _)| (off, seq));
    out.extend(order.into_iter().map(|(_, _, p)| p));
}

/// The shallowest, earliest span of trace `t` with `key` (None when none).
fn find_key(f: &SideFacts, t: u32, key: (&str, &str)) -> Option<u32> {
    let s = f.store;
    s.traces[t as usize]
        .spans
        .range()
        .map(|i| i as u32)
        .filter(|&i| f.key(i) == key)
        .min_by_key(|&i| (s.spans.depth[i as usize], s.spans.start[i as usize], i))
}

/// Aligns trace `ta` of `sa` (A, the baseline) with trace `tb` of `sb` (B).
pub fn compare(sa: &Store, ta: u32, sb: &Store, tb: u32) -> Comparison {
    let fa = SideFacts::new(sa, ta);
    let fb = SideFacts::new(sb, tb);
    let roots_a = &sa.traces[ta as usize].tree.roots;
    let roots_b = &sb.traces[tb as usize].tree.roots;
    let mut out = Comparison {
        response_a_ns: sa.response_time(ta),
        response_b_ns: sb.response_time(tb),
        critical_a_ns: fa.critical_ns.iter().sum(),
        critical_b_ns: fb.critical_ns.iter().sum(),
        ..Comparison::default()
    };

    // Roots that share no key: anchor the other trace's first root inside
    // this one (A first), else leave them apart.
    let shared = roots_a.iter().any(|&a| {
        let k = fa.key(a);
        roots_b.iter().any(|&b| fb.key(b) == k)
    });
    let mut anchor: Option<(u32, u32)> = None; // (A span, B span) forced together
    let mut skip_b = NONE;
    let mut skip_a = NONE;
    if !shared {
        if let Some(&rb) = roots_b.first() {
            if let Some(x) = find_key(&fa, ta, fb.key(rb)) {
                anchor = Some((x, rb));
                skip_b = rb;
                out.anchor = Some(Anchor {
                    in_a: true,
                    span: x,
                });
            }
        }
        if anchor.is_none() {
            if let Some(&ra) = roots_a.first() {
                if let Some(x) = find_key(&fb, tb, fa.key(ra)) {
                    anchor = Some((ra, x));
                    skip_a = ra;
                    out.anchor = Some(Anchor {
                        in_a: false,
                        span: x,
                    });
                }
            }
        }
    }

    let mut pairs: Vec<Pair> = Vec::new();
    let top_a: Vec<u32> = roots_a.iter().copied().filter(|&r| r != skip_a).collect();
    let top_b: Vec<u32> = roots_b.iter().copied().filter(|&r| r != skip_b).collect();
    let origin = |f: &SideFacts, roots: &[u32]| roots.first().map_or(0, |&r| f.start(r));
    let (oa, ob) = (origin(&fa, roots_a), origin(&fb, roots_b));
    if shared {
        pair(&fa, &top_a, oa, &fb, &top_b, ob, &mut pairs);
    } else {
        // Apart: A's roots, then B's (the anchored one goes inside).
        pair(&fa, &top_a, oa, &fb, &[], ob, &mut pairs);
        let mut more = Vec::new();
        pair(&fa, &[], oa, &fb, &top_b, ob, &mut more);
        pairs.extend(more);
    }

    // Preorder by an explicit stack: (pair, parent node, depth).
    let mut stack: Vec<(Pair, u32, u32)> = pairs.iter().rev().map(|&p| (p, NONE, 0)).collect();
    let mut kids: Vec<Pair> = Vec::new();
    while let Some(((a, b, ordinal), parent, depth)) = stack.pop() {
        let me = out.nodes.len() as u32;
        out.nodes.push(Node {
            parent,
            depth,
            ordinal,
            end: me + 1,
            a: fa.side(a),
            b: fb.side(b),
            status: Status::Same,
            rank: 0,
        });
        let ka: &[u32] = if a != NONE { sa.children(a) } else { &[] };
        let kb: &[u32] = if b != NONE { sb.children(b) } else { &[] };
        let (pa, pb) = (
            if a != NONE { fa.start(a) } else { 0 },
            if b != NONE { fb.start(b) } else { 0 },
        );
        pair(&fa, ka, pa, &fb, kb, pb, &mut kids);
        if let Some((x, y)) = anchor {
            // The anchored span meets the other trace's root.
            for p in kids.iter_mut() {
                if p.0 == x && p.1 == NONE && b == NONE {
                    p.1 = y;
                } else if p.1 == y && p.0 == NONE && a == NONE {
                    p.0 = x;
                }
            }
        }
        stack.extend(kids.iter().rev().map(|&p| (p, me, depth + 1)));
    }

    // Subtree ends and span counts, children before parents.
    for i in (0..out.nodes.len()).rev() {
        let n = &out.nodes[i];
        let (p, end, sa_, sb_) = (n.parent, n.end, n.a.subtree, n.b.subtree);
        if p != NONE {
            let pn = &mut out.nodes[p as usize];
            pn.end = pn.end.max(end);
            pn.a.subtree += sa_;
            pn.b.subtree += sb_;
        }
    }
    for n in &mut out.nodes {
        n.status = status(&n.a, &n.b);
    }

    let mut ranked: Vec<u32> = (0..out.nodes.len() as u32).collect();
    ranked.sort_by_key(|&i| {
        let n = &out.nodes[i as usize];
        (
            std::cmp::Reverse(n.contribution_ns().unsigned_abs()),
            std::cmp::Reverse(n.delta(Measure::Duration).unsigned_abs()),
            i,
        )
    });
    for (r, &i) in ranked.iter().enumerate() {
        out.nodes[i as usize].rank = r as u32 + 1;
    }
    out.ranked = ranked;
    out
}

fn status(a: &Side, b: &Side) -> Status {
    match (a.present(), b.present()) {
        (true, false) => Status::Removed,
        (false, _) => Status::Added,
        (true, true) => {
            let d = (b.duration_ns - a.duration_ns).unsigned_abs() as f64;
            let big = a.duration_ns.max(b.duration_ns).max(0) as f64;
            if d > 0.0 && d >= CHANGED_SHARE * big {
                Status::Changed
            } else {
                Status::Same
            }
        }
    }
}

/// "service: operation", with " #k" for the k-th repeat (k >= 2).
pub fn label(store: &Store, span: u32, ordinal: u32) -> String {
    let service = super::services::service_name(store, store.spans.service[span as usize]);
    let name = store.str(store.spans.name[span as usize]);
    if ordinal > 0 {
        format!("{service}: {name} #{}", ordinal + 1)
    } else {
        format!("{service}: {name}")
    }
}

/// The labels from the root down to node `i`.
pub fn path(c: &Comparison, sa: &Store, sb: &Store, i: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut k = i;
    while k != NONE {
        let n = &c.nodes[k as usize];
        let (s, span) = n.span(sa, sb);
        out.push(label(s, span, n.ordinal));
        k = n.parent;
    }
    out.reverse();
    out
}

/// The comparison as one JSON document (what `inspect --compare` prints):
/// `{"a": {"trace_id", "root", "response_ns", "critical_ns", "spans"}, "b":
/// {...}, "delta_ns", "delta_pct", "anchor": null | {"in", "span_id"},
/// "nodes": [...]}`, nodes in rank order, each `{"rank", "path": ["service:
/// operation", ...], "service", "operation", "depth", "status", "span_id_a",
/// "span_id_b", "spans": {"a", "b"}, "duration" | "self" | "critical": {"a",
/// "b", "delta", "pct"}, "contribution_pct"}`; times in ns, a missing span
/// id or percentage is null, `spans` counts the node's subtree.
pub fn to_json(c: &Comparison, sa: &Store, ta: u32, sb: &Store, tb: u32) -> Value {
    let head = |s: &Store, t: u32, response: i64, critical: i64| {
        let tr = &s.traces[t as usize];
        let root = tr
            .tree
            .roots
            .first()
            .map(|&r| label(s, r, 0))
            .unwrap_or_default();
        json!({
            "trace_id": tr.id.to_text(&s.strings),
            "root": root,
            "response_ns": response,
            "critical_ns": critical,
            "spans": tr.span_count(),
        })
    };
    let id = |s: &Store, span: u32| {
        (span != NONE).then(|| s.spans.id[span as usize].to_text(&s.strings))
    };
    let measure = |n: &Node, m: Measure| {
        json!({
            "a": m.of(&n.a),
            "b": m.of(&n.b),
            "delta": n.delta(m),
            "pct": n.pct(m),
        })
    };
    let nodes: Vec<Value> = c
        .ranked
        .iter()
        .map(|&i| {
            let n = &c.nodes[i as usize];
            let (s, span) = n.span(sa, sb);
            json!({
                "rank": n.rank,
                "path": path(c, sa, sb, i),
                "service": super::services::service_name(s, s.spans.service[span as usize]),
                "operation": s.str(s.spans.name[span as usize]),
                "depth": n.depth,
                "status": n.status.key(),
                "span_id_a": id(sa, n.a.span),
                "span_id_b": id(sb, n.b.span),
                "spans": {"a": n.a.subtree, "b": n.b.subtree},
                "duration": measure(n, Measure::Duration),
                "self": measure(n, Measure::SelfTime),
                "critical": measure(n, Measure::Critical),
                "contribution_pct": c.contribution_pct(i),
            })
        })
        .collect();
    let anchor = c.anchor.map(|x| {
        let s = if x.in_a { sa } else { sb };
        json!({"in": if x.in_a { "a" } else { "b" }, "span_id": id(s, x.span)})
    });
    json!({
        "a": head(sa, ta, c.response_a_ns, c.critical_a_ns),
        "b": head(sb, tb, c.response_b_ns, c.critical_b_ns),
        "delta_ns": c.delta_ns(),
        "delta_pct": pct(c.critical_a_ns, c.critical_b_ns),
        "anchor": anchor,
        "nodes": nodes,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::testing::zipkin_store;

    /// A Zipkin span (µs) of trace `trace`.
    fn span(
        trace: &str,
        id: &str,
        parent: &str,
        service: &str,
        name: &str,
        ts: i64,
        d: i64,
    ) -> String {
        let parent = if parent.is_empty() {
            String::new()
        } else {
            format!(r#""parentId":"{parent}","#)
        };
        format!(
            r#"{{"traceId":"{trace}","id":"{id}",{parent}"name":"{name}","timestamp":{ts},"duration":{d},"localEndpoint":{{"serviceName":"{service}"}}}}"#
        )
    }

    pub(crate) fn trace_of(s: &Store, id: &str) -> u32 {
        (0..s.traces.len() as u32)
            .find(|&t| {
                s.traces[t as usize]
                    .id
                    .to_text(&s.strings)
                    .trim_start_matches('0')
                    == id
            })
            .unwrap()
    }

    /// Node summary: (label, status, dur a, dur b, crit a, crit b, rank), µs.
    fn table(c: &Comparison, s: &Store) -> Vec<(String, &'static str, i64, i64, i64, i64, u32)> {
        (0..c.nodes.len() as u32)
            .map(|i| {
                let n = &c.nodes[i as usize];
                let (st, sp) = n.span(s, s);
                (
                    format!(
                        "{}{}",
                        "  ".repeat(n.depth as usize),
                        label(st, sp, n.ordinal)
                    ),
                    n.status.key(),
                    n.a.duration_ns / 1000,
                    n.b.duration_ns / 1000,
                    n.a.critical_ns / 1000,
                    n.b.critical_ns / 1000,
                    n.rank,
                )
            })
            .collect()
    }

    /// A: gw 0..100 { cart 10..30, cart 30..50, db SELECT 50..90 { db fetch 60..70 } }
    /// B: gw 0..200 { cart 10..20, cart 20..40, cart 40..60, db SELECT 60..190 { cache GET 70..80 } }
    pub(crate) fn shop() -> Store {
        zipkin_store(&[
            span("a", "1", "", "gw", "GET /p", 1000, 100),
            span("a", "2", "1", "cart", "GET /item", 1010, 20),
            span("a", "3", "1", "cart", "GET /item", 1030, 20),
            span("a", "4", "1", "db", "SELECT", 1050, 40),
            span("a", "5", "4", "db", "fetch", 1060, 10),
            span("b", "11", "", "gw", "GET /p", 5000, 200),
            span("b", "12", "11", "cart", "GET /item", 5010, 10),
            span("b", "13", "11", "cart", "GET /item", 5020, 20),
            span("b", "14", "11", "cart", "GET /item", 5040, 20),
            span("b", "15", "11", "db", "SELECT", 5060, 130),
            span("b", "16", "15", "cache", "GET", 5070, 10),
        ])
    }

    #[test]
    fn repeated_siblings_in_order_added_and_removed_subtrees() {
        let s = shop();
        let (a, b) = (trace_of(&s, "a"), trace_of(&s, "b"));
        let c = compare(&s, a, &s, b);
        // Critical path A: gw 10+10, cart 20, cart 20, SELECT 10+20, fetch 10 (= 100).
        // B: gw 10+10, carts 10, 20, 20, SELECT 10+110, cache 10 (= 200).
        assert_eq!(
            table(&c, &s),
            [
                ("gw: GET /p".into(), "changed", 100, 200, 20, 20, 6),
                ("  cart: GET /item".into(), "changed", 20, 10, 20, 10, 3),
                ("  cart: GET /item #2".into(), "same", 20, 20, 20, 20, 7),
                ("  cart: GET /item #3".into(), "added", 0, 20, 0, 20, 2),
                ("  db: SELECT".into(), "changed", 40, 130, 30, 120, 1),
                ("    db: fetch".into(), "removed", 10, 0, 10, 0, 4),
                ("    cache: GET".into(), "added", 0, 10, 0, 10, 5),
            ]
        );
        // The contributions add up to the roots' difference.
        let sum: i64 = c.nodes.iter().map(|n| n.contribution_ns()).sum();
        assert_eq!(sum, 100_000);
        assert_eq!(c.delta_ns(), 100_000);
        assert_eq!((c.response_a_ns, c.response_b_ns), (100_000, 200_000));
        assert_eq!(c.ranked[0], 4);
        let db = &c.nodes[4];
        assert_eq!((db.a.self_ns, db.b.self_ns), (30_000, 120_000));
        assert_eq!(db.pct(Measure::Duration), Some(225.0));
        assert_eq!(db.pct(Measure::SelfTime), Some(300.0));
        assert_eq!(c.contribution_pct(4), Some(90.0));
        assert_eq!(c.nodes[1].pct(Measure::Duration), Some(-50.0));
        assert_eq!(c.nodes[3].pct(Measure::Duration), None);
        // Subtree span counts, ends, children.
        assert_eq!((c.nodes[0].a.subtree, c.nodes[0].b.subtree), (5, 6));
        assert_eq!((c.nodes[4].a.subtree, c.nodes[4].b.subtree), (2, 2));
        assert_eq!(c.nodes[0].end, 7);
        assert_eq!(c.children(0).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(c.children(4).collect::<Vec<_>>(), [5, 6]);
        assert_eq!(c.roots().collect::<Vec<_>>(), [0]);
        assert_eq!(c.anchor, None);
        assert_eq!(
            path(&c, &s, &s, 6),
            ["gw: GET /p", "db: SELECT", "cache: GET"]
        );
    }

    #[test]
    fn the_other_way_round_negates_the_deltas() {
        let s = shop();
        let (a, b) = (trace_of(&s, "a"), trace_of(&s, "b"));
        let c = compare(&s, b, &s, a);
        assert_eq!(c.delta_ns(), -100_000);
        let statuses: Vec<&str> = c.nodes.iter().map(|n| n.status.key()).collect();
        // B's order now leads: its third cart call (offset 40) before the SELECT.
        assert_eq!(
            statuses,
            ["changed", "changed", "same", "removed", "changed", "removed", "added"]
        );
        assert_eq!(c.nodes[4].contribution_ns(), -90_000);
        assert_eq!(c.nodes[c.ranked[0] as usize].a.span, c.nodes[4].a.span);
    }

    /// A starts in the browser (web-frontend -> gw -> db), B at the gateway.
    fn browser_and_gateway() -> Store {
        zipkin_store(&[
            span("a", "1", "", "web-frontend", "GET /p", 1000, 120),
            span("a", "2", "1", "gw", "GET /p", 1010, 100),
            span("a", "3", "2", "db", "SELECT", 1020, 80),
            span("b", "11", "", "gw", "GET /p", 5000, 50),
            span("b", "12", "11", "db", "SELECT", 5010, 30),
        ])
    }

    #[test]
    fn different_roots_anchor_the_other_root_inside() {
        let s = browser_and_gateway();
        let (a, b) = (trace_of(&s, "a"), trace_of(&s, "b"));
        let c = compare(&s, a, &s, b);
        // web-frontend's own time on the path 10 + 10, gw's 10 + 10 in both,
        // the SELECT 80 then 30: -20 + 0 - 50 = 50 - 120.
        assert_eq!(
            table(&c, &s),
            [
                ("web-frontend: GET /p".into(), "removed", 120, 0, 20, 0, 2),
                ("  gw: GET /p".into(), "changed", 100, 50, 20, 20, 3),
                ("    db: SELECT".into(), "changed", 80, 30, 80, 30, 1),
            ]
        );
        assert_eq!(
            c.anchor,
            Some(Anchor {
                in_a: true,
                span: c.nodes[1].a.span
            })
        );
        assert_eq!(c.delta_ns(), -70_000);
        let sum: i64 = c.nodes.iter().map(|n| n.contribution_ns()).sum();
        assert_eq!(sum, -70_000);

        // B's root inside A's tree, the other way round.
        let c = compare(&s, b, &s, a);
        assert_eq!(
            table(&c, &s),
            [
                ("web-frontend: GET /p".into(), "added", 0, 120, 0, 20, 2),
                ("  gw: GET /p".into(), "changed", 50, 100, 20, 20, 3),
                ("    db: SELECT".into(), "changed", 30, 80, 30, 80, 1),
            ]
        );
        assert_eq!(c.anchor.map(|x| x.in_a), Some(false));
    }

    #[test]
    fn nothing_in_common_is_removed_and_added() {
        let s = zipkin_store(&[
            span("a", "1", "", "x", "one", 1000, 40),
            span("a", "2", "1", "x", "child", 1010, 10),
            span("b", "11", "", "y", "two", 5000, 30),
        ]);
        let (a, b) = (trace_of(&s, "a"), trace_of(&s, "b"));
        let c = compare(&s, a, &s, b);
        assert_eq!(
            table(&c, &s),
            [
                ("x: one".into(), "removed", 40, 0, 30, 0, 1),
                ("  x: child".into(), "removed", 10, 0, 10, 0, 3),
                ("y: two".into(), "added", 0, 30, 0, 30, 2),
            ]
        );
        assert_eq!(c.anchor, None);
        assert_eq!(c.roots().collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn a_trace_with_itself_is_all_same() {
        let s = shop();
        let a = trace_of(&s, "a");
        let c = compare(&s, a, &s, a);
        assert!(c.nodes.iter().all(|n| n.status == Status::Same));
        assert_eq!(c.nodes.len(), 5);
        assert_eq!(c.delta_ns(), 0);
        assert_eq!(c.contribution_pct(0), None);
    }

    #[test]
    fn json_lists_nodes_by_rank_with_their_deltas() {
        let s = shop();
        let (a, b) = (trace_of(&s, "a"), trace_of(&s, "b"));
        let c = compare(&s, a, &s, b);
        let j = to_json(&c, &s, a, &s, b);
        assert_eq!(j["a"]["root"], "gw: GET /p");
        assert_eq!(j["a"]["response_ns"], 100_000);
        assert_eq!(j["b"]["critical_ns"], 200_000);
        assert_eq!(j["b"]["spans"], 6);
        assert_eq!(j["delta_ns"], 100_000);
        assert_eq!(j["delta_pct"], 100.0);
        assert_eq!(j["anchor"], Value::Null);
        let nodes = j["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), 7);
        assert_eq!(
            nodes[0],
            json!({
                "rank": 1,
                "path": ["gw: GET /p", "db: SELECT"],
                "service": "db",
                "operation": "SELECT",
                "depth": 1,
                "status": "changed",
                "span_id_a": "0000000000000004",
                "span_id_b": "0000000000000015",
                "spans": {"a": 2, "b": 2},
                "duration": {"a": 40_000, "b": 130_000, "delta": 90_000, "pct": 225.0},
                "self": {"a": 30_000, "b": 120_000, "delta": 90_000, "pct": 300.0},
                "critical": {"a": 30_000, "b": 120_000, "delta": 90_000, "pct": 300.0},
                "contribution_pct": 90.0,
            })
        );
        assert_eq!(nodes[1]["path"][1], "cart: GET /item #3");
        assert_eq!(nodes[1]["span_id_a"], Value::Null);
        assert_eq!(nodes[1]["duration"]["pct"], Value::Null);
        assert_eq!(nodes[3]["status"], "removed");
        assert_eq!(nodes[3]["contribution_pct"], -10.0);
    }

    /// The demo's story: a fast and a slow product view (both at the
    /// gateway); the stock query ranks first with about +2 s.
    #[test]
    fn the_demo_slow_product_view_blames_the_stock_query() {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let stock = |t: u32| {
            s.traces[t as usize]
                .spans
                .range()
                .find(|&i| s.str(s.spans.name[i]) == "SELECT shop.stock")
                .map(|i| s.spans.duration[i])
        };
        let root = |t: u32| {
            let r = s.traces[t as usize].tree.roots[0];
            (
                s.str(s.spans.service[r as usize]),
                s.str(s.spans.name[r as usize]),
            )
        };
        let views: Vec<u32> = (0..s.traces.len() as u32)
            .filter(|&t| root(t) == ("api-gateway", "GET /api/products/{id}"))
            .filter(|&t| stock(t).is_some())
            .collect();
        let slow = *views
            .iter()
            .find(|&&t| stock(t) > Some(1_000_000_000))
            .unwrap();
        let fast = *views
            .iter()
            .find(|&&t| stock(t) < Some(20_000_001))
            .unwrap();
        let c = compare(&s, fast, &s, slow);
        let first = &c.nodes[c.ranked[0] as usize];
        let (st, sp) = first.span(&s, &s);
        assert_eq!(
            label(st, sp, first.ordinal),
            "inventory-service: SELECT shop.stock"
        );
        assert_eq!(first.status, Status::Changed);
        let d = first.delta(Measure::Duration);
        assert_eq!(d, stock(slow).unwrap() - stock(fast).unwrap());
        assert!(d > 1_500_000_000, "{d}");
        assert!(first.contribution_ns() > 1_500_000_000);
        let sum: i64 = c.nodes.iter().map(|n| n.contribution_ns()).sum();
        assert_eq!(sum, c.delta_ns());
    }
}
