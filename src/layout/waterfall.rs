//! Waterfall geometry: which spans are rows (a depth-first walk that skips
//! collapsed subtrees), where a span sits in a time window, and the time axis.
//!
//! Times become f64 only here, as offsets from the trace start: a Unix epoch in
//! nanoseconds (~1.8e18) would lose sub-microsecond precision as f64, an offset
//! of up to a day keeps nanoseconds.

use rustc_hash::FxHashSet;

use crate::model::time::{format_tick, tick_step};
use crate::model::Store;

/// The rows of a trace's waterfall, in display order (span indices).
pub fn rows(store: &Store, trace: u32, collapsed: &FxHashSet<u32>) -> Vec<u32> {
    let t = &store.traces[trace as usize];
    let mut out = Vec::with_capacity(t.span_count());
    let mut stack: Vec<u32> = t.tree.roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        out.push(i);
        if !collapsed.contains(&i) {
            stack.extend(store.children(i).iter().rev());
        }
    }
    out
}

/// The rows that show the spans in `keep`, with their ancestors for context
/// (a filtered waterfall: one service's spans where they sit in the tree).
pub fn rows_keeping(
    store: &Store,
    trace: u32,
    collapsed: &FxHashSet<u32>,
    keep: &FxHashSet<u32>,
) -> Vec<u32> {
    let mut needed: FxHashSet<u32> = FxHashSet::default();
    for &k in keep {
        let mut cur = k;
        while cur != crate::model::NONE && needed.insert(cur) {
            cur = store.spans.parent[cur as usize];
        }
    }
    let t = &store.traces[trace as usize];
    let mut out = Vec::new();
    let mut stack: Vec<u32> = t
        .tree
        .roots
        .iter()
        .rev()
        .copied()
        .filter(|r| needed.contains(r))
        .collect();
    while let Some(i) = stack.pop() {
        out.push(i);
        if !collapsed.contains(&i) {
            stack.extend(
                store
                    .children(i)
                    .iter()
                    .rev()
                    .filter(|c| needed.contains(c)),
            );
        }
    }
    out
}

/// Every span that has children (for "collapse all").
pub fn parents(store: &Store, trace: u32) -> FxHashSet<u32> {
    let t = &store.traces[trace as usize];
    t.spans
        .range()
        .map(|i| i as u32)
        .filter(|&i| !store.children(i).is_empty())
        .collect()
}

/// Collapses the subtrees of every span at `depth` and deeper, keeping the
/// top of the tree open: the first view of a big trace.
pub fn collapse_below(store: &Store, trace: u32, depth: u32) -> FxHashSet<u32> {
    parents(store, trace)
        .into_iter()
        .filter(|&i| store.spans.depth[i as usize] >= depth)
        .collect()
}

/// Ancestors of `span`, nearest first (to expand them when a span is revealed).
pub fn ancestors(store: &Store, span: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut p = store.spans.parent[span as usize];
    while p != crate::model::NONE && out.len() < 1_000_000 {
        out.push(p);
        p = store.spans.parent[p as usize];
    }
    out
}

/// A visible time range, in ns from the trace start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start: f64,
    pub end: f64,
}

impl Window {
    pub fn whole(store: &Store, trace: u32) -> Window {
        let d = store.traces[trace as usize].duration().max(1) as f64;
        Window { start: 0.0, end: d }
    }

    pub fn len(&self) -> f64 {
        (self.end - self.start).max(1e-9)
    }

    /// Fraction of the window (0..1, unclamped) at offset `t` ns.
    pub fn frac(&self, t: f64) -> f64 {
        (t - self.start) / self.len()
    }

    /// The window between fractions `a` and `b` of this one (zooming in), at
    /// least `min_ns` long.
    pub fn sub(&self, a: f64, b: f64, min_ns: f64) -> Window {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        let mut start = self.start + a * self.len();
        let mut end = self.start + b * self.len();
        if end - start < min_ns {
            let mid = (start + end) / 2.0;
            start = mid - min_ns / 2.0;
            end = mid + min_ns / 2.0;
        }
        Window { start, end }
    }
}

/// Where a span's bar sits in the window, as fractions (clamped to 0..1; a
/// bar outside the window has zero width at an edge).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    pub left: f64,
    pub width: f64,
}

pub fn bar(store: &Store, span: u32, trace_start: i64, w: &Window) -> Bar {
    let s = (store.spans.start[span as usize] - trace_start) as f64;
    let e = s + store.spans.duration[span as usize] as f64;
    let l = w.frac(s).clamp(0.0, 1.0);
    let r = w.frac(e).clamp(0.0, 1.0);
    Bar {
        left: l,
        width: r - l,
    }
}

/// Axis ticks for a window: (fraction of the window, label).
pub fn ticks(w: &Window, target: f64) -> Vec<(f64, String)> {
    let step = tick_step(w.len(), target) as f64;
    let first = (w.start / step).ceil() * step;
    let mut out = Vec::new();
    let mut t = first;
    while t <= w.end + step * 1e-6 && out.len() < 64 {
        out.push((
            w.frac(t),
            format_tick(t.round() as i64, w.end.round() as i64),
        ));
        t += step;
    }
    out
}

/// Rows to render in a virtualized list: the ones in view plus `overscan` on
/// each side. Only these exist in the DOM, whatever the row count.
pub fn visible_range(
    scroll_top: f64,
    viewport: f64,
    row_h: f64,
    count: usize,
    overscan: usize,
) -> std::ops::Range<usize> {
    if count == 0 || row_h <= 0.0 {
        return 0..0;
    }
    let first = (scroll_top.max(0.0) / row_h).floor() as usize;
    let shown = (viewport.max(0.0) / row_h).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(count);
    let end = (first + shown + overscan).min(count);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    fn store() -> Store {
        // root(0..100) -> a(10..40) -> a1(20..30); root -> b(50..90)
        let json = r#"[
          {"traceId":"1","id":"1","name":"root","timestamp":1000,"duration":100},
          {"traceId":"1","id":"2","parentId":"1","name":"a","timestamp":1010,"duration":30},
          {"traceId":"1","id":"3","parentId":"2","name":"a1","timestamp":1020,"duration":10},
          {"traceId":"1","id":"4","parentId":"1","name":"b","timestamp":1050,"duration":40}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        s
    }

    fn names(s: &Store, rows: &[u32]) -> Vec<String> {
        rows.iter()
            .map(|&i| s.str(s.spans.name[i as usize]).to_owned())
            .collect()
    }

    #[test]
    fn rows_are_depth_first_and_skip_collapsed() {
        let s = store();
        let all = rows(&s, 0, &FxHashSet::default());
        assert_eq!(names(&s, &all), ["root", "a", "a1", "b"]);
        let mut c = FxHashSet::default();
        c.insert(all[1]);
        assert_eq!(names(&s, &rows(&s, 0, &c)), ["root", "a", "b"]);
        let c = parents(&s, 0);
        assert_eq!(names(&s, &rows(&s, 0, &c)), ["root"]);
        let c = collapse_below(&s, 0, 1);
        assert_eq!(names(&s, &rows(&s, 0, &c)), ["root", "a", "b"]);
        assert_eq!(ancestors(&s, all[2]), vec![all[1], all[0]]);
    }

    #[test]
    fn filtered_rows_keep_ancestors() {
        let s = store();
        let all = rows(&s, 0, &FxHashSet::default());
        let keep: FxHashSet<u32> = [all[2]].into_iter().collect();
        assert_eq!(
            names(&s, &rows_keeping(&s, 0, &FxHashSet::default(), &keep)),
            ["root", "a", "a1"]
        );
        let keep: FxHashSet<u32> = [all[3]].into_iter().collect();
        assert_eq!(
            names(&s, &rows_keeping(&s, 0, &FxHashSet::default(), &keep)),
            ["root", "b"]
        );
        assert!(rows_keeping(&s, 0, &FxHashSet::default(), &FxHashSet::default()).is_empty());
    }

    #[test]
    fn bars_in_windows() {
        let s = store();
        let all = rows(&s, 0, &FxHashSet::default());
        let start = s.traces[0].summary.start;
        let w = Window::whole(&s, 0);
        assert_eq!(
            bar(&s, all[1], start, &w),
            Bar {
                left: 0.1,
                width: 0.30000000000000004
            }
        );
        let zoom = w.sub(0.5, 1.0, 1.0);
        let b = bar(&s, all[1], start, &zoom);
        assert_eq!(b.width, 0.0);
        let b = bar(&s, all[3], start, &zoom);
        assert!((b.left - 0.0).abs() < 1e-9 && (b.width - 0.8).abs() < 1e-9);
    }

    #[test]
    fn virtual_range() {
        assert_eq!(visible_range(0.0, 100.0, 20.0, 1000, 5), 0..11);
        assert_eq!(visible_range(2000.0, 100.0, 20.0, 1000, 5), 95..111);
        assert_eq!(visible_range(19_990.0, 100.0, 20.0, 1000, 5), 994..1000);
        assert_eq!(visible_range(0.0, 100.0, 20.0, 0, 5), 0..0);
    }

    #[test]
    fn ticks_cover_the_window() {
        let w = Window {
            start: 0.0,
            end: 100_000.0,
        };
        let t = ticks(&w, 5.0);
        assert_eq!(t.first().unwrap(), &(0.0, "0".to_owned()));
        assert_eq!(t.last().unwrap().1, "100µs");
        assert_eq!(t.len(), 6);
    }
}
