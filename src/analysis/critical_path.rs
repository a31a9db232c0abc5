//! The critical path: the chain of work the request's end waited for.
//!
//! Rule, per root (true roots and orphans alike; each separately): start at
//! the root's end and walk back. At each span, take the child that ends last
//! *at or before* the current bound; the parent's own segment runs from that
//! child's end to the bound; recurse into the child (its window is its own
//! time clipped to the parent's window), then continue with the bound at the
//! child's start. When no child qualifies, the parent's segment runs down to
//! its start. Children wholly outside their parent's window are ignored;
//! children that overflow it are clipped to it, recursively. Consumers of a
//! producer (a CONSUMER span under a PRODUCER span: a message that was
//! sent, not a call) and FOLLOWS_FROM-only children that start after their
//! parent ended are not on their caller's path: nobody waited for them.
//!
//! Where it differs from Jaeger UI (`TracePage/CriticalPath`): a child that
//! ends exactly at the bound qualifies (Jaeger's strict `<` drops back-to-back
//! children, jaeger#9173); among children ending at the same instant the one
//! that started first (the longest) is taken; the walk is iterative (no stack
//! overflow on 20k-deep traces) and total on any tree `analysis::tree` builds
//! (cycles are already cut there, orphans are roots). Grafana ports Jaeger's
//! algorithm unchanged.

use crate::model::{SpanFlags, SpanKind, Store, Sym};

/// A stretch of time the path spent in one span's own work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub span: u32,
    /// Unix ns, `start < end`.
    pub start: i64,
    pub end: i64,
}

impl Segment {
    pub fn len(&self) -> i64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// The critical path of one trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CriticalPath {
    /// Segments of every root's path, each root's in time order, roots in
    /// the tree's root order. Never empty-length.
    pub segments: Vec<Segment>,
    /// Time on the path per span of the trace (index: span - first span).
    pub span_ns: Vec<i64>,
    /// The first span of the trace (to index `span_ns`).
    pub base: u32,
    /// Total time on the path (the sum of every root's path).
    pub total_ns: i64,
    /// `segments[by_span[seg_start[k]..seg_start[k + 1]]]` are span k's
    /// segments, in time order.
    seg_start: Vec<u32>,
    by_span: Vec<u32>,
}

impl CriticalPath {
    /// The segments of `span`, in time order.
    pub fn segments_of(&self, span: u32) -> impl Iterator<Item = &Segment> + '_ {
        let k = span.wrapping_sub(self.base) as usize;
        let r = match (self.seg_start.get(k), self.seg_start.get(k + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        };
        self.by_span[r].iter().map(|&g| &self.segments[g as usize])
    }

    pub fn of_span(&self, span: u32) -> i64 {
        self.span_ns
            .get(span.wrapping_sub(self.base) as usize)
            .copied()
            .unwrap_or(0)
    }

    /// `ns` as a share of the path (0..=1).
    pub fn share(&self, ns: i64) -> f64 {
        if self.total_ns <= 0 {
            0.0
        } else {
            (ns as f64 / self.total_ns as f64).clamp(0.0, 1.0)
        }
    }

    /// Spans on the path with their time on it, in path order: by the
    /// start of their first segment (a parent before the child it waits for).
    pub fn spans_in_order(&self) -> Vec<(u32, i64)> {
        let mut seen = vec![false; self.span_ns.len()];
        let mut out = Vec::new();
        let mut first: Vec<(i64, usize, u32)> = Vec::new();
        for (k, s) in self.segments.iter().enumerate() {
            let at = (s.span - self.base) as usize;
            if !seen[at] {
                seen[at] = true;
                first.push((s.start, k, s.span));
            }
        }
        first.sort_unstable();
        for (_, _, span) in first {
            out.push((span, self.of_span(span)));
        }
        out
    }

    /// Time on the path per service, most first (ties by name).
    pub fn by_service(&self, store: &Store) -> Vec<(Sym, i64)> {
        let mut acc: rustc_hash::FxHashMap<Sym, i64> = rustc_hash::FxHashMap::default();
        for (k, &ns) in self.span_ns.iter().enumerate() {
            if ns > 0 {
                *acc.entry(store.spans.service[self.base as usize + k])
                    .or_default() += ns;
            }
        }
        let mut v: Vec<(Sym, i64)> = acc.into_iter().collect();
        v.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| store.str(a.0).cmp(store.str(b.0)))
        });
        v
    }
}

/// Whether nobody waited for `child` under `parent`: a consumer of a
/// producer's message, or work that follows from a parent that had ended.
pub fn is_async_child(store: &Store, parent: u32, child: u32) -> bool {
    let (p, c) = (parent as usize, child as usize);
    (store.spans.kind[c] == SpanKind::Consumer && store.spans.kind[p] == SpanKind::Producer)
        || (store.spans.flags[c].contains(SpanFlags::FOLLOWS_FROM)
            && store.spans.start[c] >= store.span_end(parent))
}

/// One span being walked: its clipped window, the bound walking back, and
/// its candidate children (clipped, latest end first) with the next to look at.
struct Frame {
    span: u32,
    lo: i64,
    bound: i64,
    kids: Vec<(i64, i64, u32)>,
    next: usize,
}

fn frame(store: &Store, span: u32, lo: i64, hi: i64) -> Frame {
    let mut kids: Vec<(i64, i64, u32)> = store
        .children(span)
        .iter()
        .filter(|&&c| !is_async_child(store, span, c))
        .filter_map(|&c| {
            let s = store.spans.start[c as usize].max(lo);
            let e = store.span_end(c).min(hi);
            // Children wholly outside the window (or of no length in it)
            // add no time to any path.
            (s < e).then_some((s, e, c))
        })
        .collect();
    // Latest end first; among equal ends the earliest start (the longest).
    kids.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)).then(a.2.cmp(&b.2)));
    Frame {
        span,
        lo,
        bound: hi,
        kids,
        next: 0,
    }
}

/// The critical path of trace `t`.
pub fn compute(store: &Store, t: u32) -> CriticalPath {
    let trace = &store.traces[t as usize];
    let base = trace.spans.start;
    let mut out = CriticalPath {
        base,
        span_ns: vec![0; trace.spans.len as usize],
        ..CriticalPath::default()
    };
    let mut root_segments: Vec<Segment> = Vec::new();
    for &root in &trace.tree.roots {
        root_segments.clear();
        let (s, e) = (store.spans.start[root as usize], store.span_end(root));
        if e < s {
            continue;
        }
        let mut stack = vec![frame(store, root, s, e)];
        fn emit(span: u32, start: i64, end: i64, segs: &mut Vec<Segment>) {
            if end > start {
                segs.push(Segment { span, start, end });
            }
        }
        while let Some(f) = stack.last_mut() {
            // The next child ending at or before the bound; children ending
            // after it overlap the child already taken and never qualify.
            let mut pick = None;
            while f.next < f.kids.len() {
                let k = f.kids[f.next];
                f.next += 1;
                if k.1 <= f.bound {
                    pick = Some(k);
                    break;
                }
            }
            match pick {
                Some((cs, ce, c)) => {
                    emit(f.span, ce, f.bound, &mut root_segments);
                    f.bound = cs;
                    let child = frame(store, c, cs, ce);
                    stack.push(child);
                }
                None => {
                    emit(f.span, f.lo, f.bound, &mut root_segments);
                    stack.pop();
                }
            }
        }
        // Emitted walking back: latest first.
        root_segments.reverse();
        for seg in &root_segments {
            out.span_ns[(seg.span - base) as usize] += seg.len();
            out.total_ns += seg.len();
        }
        out.segments.extend_from_slice(&root_segments);
    }
    // Index the segments by span (counting sort: stable, so each span's
    // stay in time order).
    let n = out.span_ns.len();
    let mut start = vec![0u32; n + 1];
    for g in &out.segments {
        start[(g.span - base) as usize + 1] += 1;
    }
    for k in 0..n {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    out.by_span = vec![0; out.segments.len()];
    for (g, seg) in out.segments.iter().enumerate() {
        let k = (seg.span - base) as usize;
        out.by_span[fill[k] as usize] = g as u32;
        fill[k] += 1;
    }
    out.seg_start = start;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spans as (id, parent, start ms, duration ms[, kind]); one Zipkin trace,
    /// service "svc-<id>".
    fn store(spans: &[(&str, Option<&str>, i64, i64)]) -> Store {
        store_kinds(
            &spans
                .iter()
                .map(|&(a, b, c, d)| (a, b, c, d, ""))
                .collect::<Vec<_>>(),
        )
    }

    fn store_kinds(spans: &[(&str, Option<&str>, i64, i64, &str)]) -> Store {
        let items: Vec<String> = spans
            .iter()
            .map(|(id, parent, start, dur, kind)| {
                let parent = parent
                    .map(|p| format!(r#""parentId":"{p}","#))
                    .unwrap_or_default();
                let kind = if kind.is_empty() {
                    String::new()
                } else {
                    format!(r#""kind":"{kind}","#)
                };
                format!(
                    r#"{{"traceId":"1","id":"{id}",{parent}{kind}"name":"op{id}","timestamp":{},"duration":{},"localEndpoint":{{"serviceName":"svc-{id}"}}}}"#,
                    1_000_000 + start * 1000,
                    dur * 1000
                )
            })
            .collect();
        crate::analysis::testing::zipkin_store(&items)
    }

    fn id(s: &Store, i: u32) -> String {
        crate::analysis::testing::short_id(s, i)
    }

    /// (span id, start ms, end ms) relative to the trace's 1 s epoch offset.
    fn segs(s: &Store) -> Vec<(String, i64, i64)> {
        compute(s, 0)
            .segments
            .iter()
            .map(|g| {
                (
                    id(s, g.span),
                    (g.start - 1_000_000_000) / 1_000_000,
                    (g.end - 1_000_000_000) / 1_000_000,
                )
            })
            .collect()
    }

    fn ms(s: &Store, span: &str) -> i64 {
        let cp = compute(s, 0);
        let i = (0..s.spans.len() as u32)
            .find(|&i| id(s, i) == span)
            .unwrap();
        cp.of_span(i) / 1_000_000
    }

    fn seg(id: &str, a: i64, b: i64) -> (String, i64, i64) {
        (id.to_owned(), a, b)
    }

    #[test]
    fn sequential_children_and_gaps() {
        // root 0..100; a 10..40; b 50..90
        let s = store(&[
            ("1", None, 0, 100),
            ("a", Some("1"), 10, 30),
            ("b", Some("1"), 50, 40),
        ]);
        assert_eq!(
            segs(&s),
            vec![
                seg("1", 0, 10),
                seg("a", 10, 40),
                seg("1", 40, 50),
                seg("b", 50, 90),
                seg("1", 90, 100)
            ]
        );
        assert_eq!(compute(&s, 0).total_ns, 100_000_000);
    }

    #[test]
    fn overlapping_children_the_last_to_end_wins() {
        // a 10..60 and b 20..80 overlap: b ends last; a ends after b starts,
        // so a is not on the path; the root waits 0..20 itself.
        let s = store(&[
            ("1", None, 0, 100),
            ("a", Some("1"), 10, 50),
            ("b", Some("1"), 20, 60),
        ]);
        assert_eq!(
            segs(&s),
            vec![seg("1", 0, 20), seg("b", 20, 80), seg("1", 80, 100)]
        );
        assert_eq!(ms(&s, "a"), 0);
    }

    #[test]
    fn back_to_back_children_are_both_on_the_path() {
        // Jaeger's strict `<` would skip a (its end equals b's start).
        let s = store(&[
            ("1", None, 0, 100),
            ("a", Some("1"), 0, 50),
            ("b", Some("1"), 50, 50),
        ]);
        assert_eq!(segs(&s), vec![seg("a", 0, 50), seg("b", 50, 100)]);
        assert_eq!(ms(&s, "1"), 0);
    }

    #[test]
    fn equal_ends_take_the_longest() {
        let s = store(&[
            ("1", None, 0, 100),
            ("a", Some("1"), 10, 80),
            ("b", Some("1"), 60, 30),
        ]);
        assert_eq!(
            segs(&s),
            vec![seg("1", 0, 10), seg("a", 10, 90), seg("1", 90, 100)]
        );
    }

    #[test]
    fn overflowing_and_outside_children() {
        // c starts before the root and ends inside (clipped to 0..30); d
        // outlives the root (clipped to 70..100, and its child e, 90..120,
        // clipped to 90..100); f lies wholly after the root: ignored.
        let s = store(&[
            ("1", None, 0, 100),
            ("c", Some("1"), -20, 50),
            ("d", Some("1"), 70, 50),
            ("e", Some("d"), 90, 30),
            ("f", Some("1"), 150, 10),
        ]);
        assert_eq!(
            segs(&s),
            vec![
                seg("c", 0, 30),
                seg("1", 30, 70),
                seg("d", 70, 90),
                seg("e", 90, 100)
            ]
        );
        assert_eq!(ms(&s, "f"), 0);
        assert_eq!(compute(&s, 0).total_ns, 100_000_000);
    }

    #[test]
    fn nested_path_and_zero_length_children() {
        // a 10..90 with child b 20..60 and a zero-length child e at 70.
        let s = store(&[
            ("1", None, 0, 100),
            ("a", Some("1"), 10, 80),
            ("b", Some("a"), 20, 40),
            ("e", Some("a"), 70, 0),
        ]);
        assert_eq!(
            segs(&s),
            vec![
                seg("1", 0, 10),
                seg("a", 10, 20),
                seg("b", 20, 60),
                seg("a", 60, 90),
                seg("1", 90, 100)
            ]
        );
        let cp = compute(&s, 0);
        let a: Vec<(i64, i64)> = cp
            .segments_of(1)
            .map(|g| {
                (
                    (g.start - 1_000_000_000) / 1_000_000,
                    (g.end - 1_000_000_000) / 1_000_000,
                )
            })
            .collect();
        assert_eq!(id(&s, 1), "a");
        assert_eq!(a, [(10, 20), (60, 90)]);
        let order: Vec<String> = cp
            .spans_in_order()
            .iter()
            .map(|&(i, _)| id(&s, i))
            .collect();
        assert_eq!(order, ["1", "a", "b"]);
    }

    #[test]
    fn consumers_are_not_on_the_callers_path() {
        // The producer b (10..20) has a consumer c (15..90) inside the root's
        // window: nobody waits for it.
        let s = store_kinds(&[
            ("1", None, 0, 100, "SERVER"),
            ("b", Some("1"), 10, 10, "PRODUCER"),
            ("c", Some("b"), 15, 75, "CONSUMER"),
        ]);
        assert_eq!(
            segs(&s),
            vec![seg("1", 0, 10), seg("b", 10, 20), seg("1", 20, 100)]
        );
        assert_eq!(ms(&s, "c"), 0);
    }

    #[test]
    fn orphans_get_their_own_path() {
        let s = store(&[
            ("1", None, 0, 10),
            ("d", Some("ff"), 50, 20),
            ("e", Some("d"), 55, 5),
        ]);
        assert_eq!(
            segs(&s),
            vec![
                seg("1", 0, 10),
                seg("d", 50, 55),
                seg("e", 55, 60),
                seg("d", 60, 70)
            ]
        );
        assert_eq!(compute(&s, 0).total_ns, 30_000_000);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let ids: Vec<String> = (1..=20_000).map(|i| format!("{i:x}")).collect();
        let spans: Vec<(&str, Option<&str>, i64, i64)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let parent = (i > 0).then(|| ids[i - 1].as_str());
                (id.as_str(), parent, i as i64, 40_000 - 2 * i as i64)
            })
            .collect();
        let s = store(&spans);
        let cp = compute(&s, 0);
        assert_eq!(cp.total_ns, 40_000 * 1_000_000);
        assert_eq!(cp.segments.len(), 2 * 20_000 - 1);
    }
}
