//! Waterfall geometry: which spans are rows (a depth-first walk that skips
//! collapsed subtrees), where a span sits in a time window, and the time axis.
//!
//! Times become f64 only here, as offsets from the trace start: a Unix epoch in
//! nanoseconds (~1.8e18) would lose sub-microsecond precision as f64, an offset
//! of up to a day keeps nanoseconds.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::layout::colors::service_rgb;
use crate::model::time::{format_duration, format_tick, tick_step};
use crate::model::Store;

/// How a row is faded: not a match while a search has matches (`Dim`), or
/// outside the spans a service filter keeps in view (`Context`). One rule for
/// the row's name column (class and opacity) and its bar on the canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fade {
    None,
    Dim,
    Context,
}

impl Fade {
    pub fn of(span: u32, matches: &FxHashSet<u32>, keep: Option<&FxHashSet<u32>>) -> Fade {
        if !matches.is_empty() && !matches.contains(&span) {
            Fade::Dim
        } else if keep.is_some_and(|k| !k.contains(&span)) {
            Fade::Context
        } else {
            Fade::None
        }
    }

    pub fn alpha(self) -> f64 {
        match self {
            Fade::None => 1.0,
            Fade::Dim => 0.45,
            Fade::Context => 0.5,
        }
    }

    /// The row's class (a hook for styles and tests).
    pub fn class(self) -> Option<&'static str> {
        match self {
            Fade::None => None,
            Fade::Dim => Some("dim"),
            Fade::Context => Some("context"),
        }
    }
}

/// The rows of a trace's waterfall, in display order (span indices).
pub fn rows(store: &Store, trace: u32, collapsed: &FxHashSet<u32>) -> Vec<u32> {
    layout_rows(
        store,
        trace,
        &RowSpec {
            collapsed: Some(collapsed),
            ..RowSpec::default()
        },
    )
    .spans
}

/// The rows that show the spans in `keep`, with their ancestors for context
/// (a filtered waterfall: one service's spans where they sit in the tree).
pub fn rows_keeping(
    store: &Store,
    trace: u32,
    collapsed: &FxHashSet<u32>,
    keep: &FxHashSet<u32>,
) -> Vec<u32> {
    layout_rows(
        store,
        trace,
        &RowSpec {
            collapsed: Some(collapsed),
            keep: Some(keep),
            ..RowSpec::default()
        },
    )
    .spans
}

/// A run of repeated sibling calls (an N+1) shown as one row until it is
/// expanded: its first span stands for all of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Fold {
    /// The siblings, by start time; `spans[0]` is the row.
    pub spans: Vec<u32>,
    /// "GET /products/{id} ×30, 330ms total, avg 11ms".
    pub label: String,
    /// First start and last end (Unix ns).
    pub start: i64,
    pub end: i64,
}

impl Fold {
    /// A fold of `spans` (siblings, by start) called `name`.
    pub fn new(store: &Store, name: &str, spans: Vec<u32>) -> Fold {
        let total: i64 = spans
            .iter()
            .map(|&s| store.spans.duration[s as usize])
            .sum();
        let n = spans.len().max(1) as i64;
        Fold {
            label: format!(
                "{name} ×{}, {} total, avg {}",
                spans.len(),
                format_duration(total),
                format_duration(total / n)
            ),
            start: spans
                .iter()
                .map(|&s| store.spans.start[s as usize])
                .min()
                .unwrap_or(0),
            end: spans.iter().map(|&s| store.span_end(s)).max().unwrap_or(0),
            spans,
        }
    }
}

/// What the waterfall shows of a trace. Every filter keeps the tree's
/// order; the defaults show every span.
#[derive(Clone, Copy, Default)]
pub struct RowSpec<'a> {
    /// Spans whose children are hidden.
    pub collapsed: Option<&'a FxHashSet<u32>>,
    /// Only these spans, with their ancestors as context (a service chosen
    /// on the map, "matches and their ancestors", "critical path only").
    pub keep: Option<&'a FxHashSet<u32>>,
    /// Only these spans, without their ancestors ("matches only"); their
    /// indentation still says where they sit.
    pub only: Option<&'a FxHashSet<u32>>,
    /// Rows start at this span (a focused subtree).
    pub focus: Option<u32>,
    /// Spans shorter than this (ns) are hidden with what they called,
    /// unless they are errors ("collapse below").
    pub shorter_than: Option<i64>,
    /// Runs folded into one row (not expanded).
    pub folds: &'a [Fold],
}

/// The rows, and which of them stand for a folded run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub spans: Vec<u32>,
    /// Row span -> index into the spec's folds, for rows that stand for a run.
    pub folded: FxHashMap<u32, usize>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn position(&self, span: u32) -> Option<usize> {
        self.spans.iter().position(|&s| s == span)
    }
}

/// The rows of trace `trace` under `spec`, depth first in start order.
pub fn layout_rows(store: &Store, trace: u32, spec: &RowSpec) -> Rows {
    let t = &store.traces[trace as usize];
    // Spans needed to show the kept ones: them and their ancestors.
    let needed: Option<FxHashSet<u32>> = spec.keep.map(|keep| {
        let mut needed = FxHashSet::default();
        for &k in keep {
            let mut cur = k;
            while cur != crate::model::NONE && needed.insert(cur) {
                cur = store.spans.parent[cur as usize];
            }
        }
        needed
    });
    // Members of folded runs: the head stands for the run, the rest hide.
    let mut member: FxHashMap<u32, usize> = FxHashMap::default();
    for (k, f) in spec.folds.iter().enumerate() {
        for &s in &f.spans {
            member.insert(s, k);
        }
    }
    let shows = |i: u32| {
        needed.as_ref().is_none_or(|n| n.contains(&i))
            && spec
                .shorter_than
                .is_none_or(|min| store.spans.duration[i as usize] >= min || store.is_error(i))
    };
    let mut out = Rows {
        spans: Vec::with_capacity(if spec.keep.is_none() {
            t.span_count()
        } else {
            64
        }),
        folded: FxHashMap::default(),
    };
    let mut stack: Vec<u32> = match spec.focus {
        Some(f) if t.spans.contains(f) => vec![f],
        _ => t.tree.roots.iter().rev().copied().collect(),
    };
    stack.retain(|&r| shows(r));
    while let Some(i) = stack.pop() {
        let fold = member.get(&i).copied();
        if let Some(k) = fold {
            if spec.folds[k].spans[0] != i {
                continue;
            }
            out.folded.insert(i, k);
        }
        if spec.only.is_none_or(|o| o.contains(&i)) {
            out.spans.push(i);
        }
        if fold.is_none() && !spec.collapsed.is_some_and(|c| c.contains(&i)) {
            stack.extend(store.children(i).iter().rev().filter(|&&c| shows(c)));
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
    Bar::between(s, s + store.spans.duration[span as usize] as f64, w)
}

impl Bar {
    /// The bar of `start..end` (ns from the trace start) in the window.
    pub fn between(start: f64, end: f64, w: &Window) -> Bar {
        let l = w.frac(start).clamp(0.0, 1.0);
        let r = w.frac(end).clamp(0.0, 1.0);
        Bar {
            left: l,
            width: r - l,
        }
    }

    /// Where the duration label goes: right of the bar when it ends before
    /// 80% of the view, else left of it when it starts after 15%, else (a bar
    /// spanning the view) inside it.
    pub fn label_side(&self) -> LabelSide {
        if self.left + self.width <= 0.8 {
            LabelSide::After
        } else if self.left >= 0.15 {
            LabelSide::Before
        } else {
            LabelSide::Inside
        }
    }
}

/// Where a bar's duration label goes (see [`Bar::label_side`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelSide {
    After,
    Before,
    Inside,
}

/// Event ticks drawn per bar at most.
pub const MAX_EVENT_TICKS: usize = 40;

/// What the timeline column shows of one row: its bar, its events (as
/// fractions of the window, only those in view) and its duration label; its
/// stretches on the critical path; whether it is an error origin.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineRow {
    pub bar: Bar,
    pub events: Vec<f64>,
    pub duration: String,
    /// The service's color.
    pub rgb: (u8, u8, u8),
    pub error: bool,
    /// Where the span was on the critical path.
    pub critical: Vec<Bar>,
    /// The span is where an error started.
    pub origin: bool,
    /// The row stands for a folded run of this many calls.
    pub folded: Option<usize>,
    /// Network time of the calls the span made (`analysis::network`): the
    /// request and response gaps on its bar.
    pub network: Vec<NetSegment>,
}

/// A stretch of a client's bar spent on the network: before its server
/// started (request) or after it ended (response).
#[derive(Clone, Debug, PartialEq)]
pub struct NetSegment {
    pub bar: Bar,
    pub request: bool,
    /// "req 480µs", "resp 480µs".
    pub label: String,
}

/// The network segments of the calls `span` made, in the window.
pub fn net_segments(store: &Store, span: u32, trace_start: i64, w: &Window) -> Vec<NetSegment> {
    let mut out = Vec::new();
    for c in crate::analysis::network::calls_of(store, span) {
        if c.client != span {
            continue;
        }
        let cs = (store.spans.start[span as usize] - trace_start) as f64;
        let ce = cs + store.spans.duration[span as usize] as f64;
        for (request, ns, a, b) in [
            (true, c.request_ns, cs, cs + c.request_ns as f64),
            (false, c.response_ns, ce - c.response_ns as f64, ce),
        ] {
            let bar = Bar::between(a, b, w);
            if ns > 0 && bar.width > 0.0 {
                let what = if request { "req" } else { "resp" };
                out.push(NetSegment {
                    bar,
                    request,
                    label: format!("{what} {}", format_duration(ns)),
                });
            }
        }
    }
    out
}

pub fn timeline_row(store: &Store, span: u32, trace_start: i64, w: &Window) -> TimelineRow {
    let iu = span as usize;
    let mut events: Vec<f64> = store
        .span_events(span)
        .iter()
        .map(|e| w.frac((e.time - trace_start) as f64))
        .filter(|f| (0.0..=1.0).contains(f))
        .collect();
    events.dedup();
    events.truncate(MAX_EVENT_TICKS);
    TimelineRow {
        bar: bar(store, span, trace_start, w),
        events,
        duration: format_duration(store.spans.duration[iu]),
        rgb: service_rgb(store.str(store.spans.service[iu])),
        error: store.is_error(span),
        critical: Vec::new(),
        origin: false,
        folded: None,
        network: net_segments(store, span, trace_start, w),
    }
}

/// The row of a span with what the analyses say about it: its critical
/// path `segments` (Unix ns) and whether it is an error origin; or, when
/// the row stands for a folded run, the run's extent and total.
pub fn analysed_row(
    store: &Store,
    span: u32,
    trace_start: i64,
    w: &Window,
    segments: impl Iterator<Item = (i64, i64)>,
    origin: bool,
    fold: Option<&Fold>,
) -> TimelineRow {
    let mut r = timeline_row(store, span, trace_start, w);
    let off = |t: i64| (t - trace_start) as f64;
    r.critical = segments
        .map(|(a, b)| Bar::between(off(a), off(b), w))
        .filter(|b| b.width > 0.0)
        .collect();
    r.origin = origin;
    if let Some(f) = fold {
        r.bar = Bar::between(off(f.start), off(f.end), w);
        r.events.clear();
        let total: i64 = f
            .spans
            .iter()
            .map(|&s| store.spans.duration[s as usize])
            .sum();
        r.duration = format!("×{} · {}", f.spans.len(), format_duration(total));
        r.error = f.spans.iter().any(|&s| store.is_error(s));
        r.folded = Some(f.spans.len());
        r.critical.clear();
        r.network.clear();
    }
    r
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

/// The tallest a virtualized list's spacer gets, in CSS px. Browsers cap an
/// element's height (Chrome and Safari near 33.5M px, Firefox near 17.9M px)
/// and cut off whatever lies beyond, so a 1.5M-row waterfall (36M px at 24 px
/// a row) would lose its last rows. 8M px stays well under both caps, with
/// room for page zoom (which scales layout px in some browsers), and still
/// maps 1:1 up to 333k rows of 24 px.
pub const MAX_SCROLL_PX: f64 = 8_000_000.0;

/// Scaled scrolling for a virtualized list taller than [`MAX_SCROLL_PX`]: the
/// spacer is capped, and scrollTop maps proportionally onto the rows'
/// unscaled height ("content"), so the scrollbar thumb still spans every row
/// and the top and bottom ends meet exactly. Rows are drawn at
/// `row_top(pos, scroll_top)` in the spacer's coordinates: `pos * row_h`
/// shifted by a whole number of px, so they stay contiguous and pixel-exact
/// at any scroll position. At or under the cap the mapping is 1:1 and every
/// function here reduces to the plain `pos * row_h` arithmetic.
///
/// Pixel values are whole numbers (the DOM reports scrollTop and sizes as
/// integers); the scaled mapping rounds exact integer ratios up one way and
/// down the other, so that scrollTop -> content -> scrollTop and row ->
/// scrollTop -> row round-trip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScrollMap {
    pub count: usize,
    pub row_h: f64,
    /// Height of the part of the scroll container the rows show in.
    pub view_h: f64,
}

impl ScrollMap {
    pub fn new(count: usize, row_h: f64, view_h: f64) -> ScrollMap {
        ScrollMap {
            count,
            row_h,
            view_h: view_h.round().max(1.0),
        }
    }

    /// The rows' unscaled height.
    pub fn content_h(&self) -> f64 {
        self.count as f64 * self.row_h
    }

    /// The height to give the spacer: the rows' height, capped.
    pub fn spacer_h(&self) -> f64 {
        self.content_h().min(MAX_SCROLL_PX)
    }

    /// Whether scrollTop maps onto the rows proportionally (the rows are
    /// taller than the cap) rather than 1:1.
    pub fn scaled(&self) -> bool {
        self.content_h() > MAX_SCROLL_PX
    }

    /// The largest scrollTop.
    fn scroll_max(&self) -> f64 {
        (self.spacer_h() - self.view_h).max(1.0)
    }

    /// The largest content offset at the top of the view.
    fn content_max(&self) -> f64 {
        (self.content_h() - self.view_h).max(0.0)
    }

    /// The content offset (px into the unscaled rows) at the top of the view.
    pub fn content_top(&self, scroll_top: f64) -> f64 {
        if !self.scaled() {
            return scroll_top.max(0.0);
        }
        let s = scroll_top.round().clamp(0.0, self.scroll_max());
        // Both factors are whole and below 2^53, so the product is exact and
        // the quotient correctly rounded: a non-integer quotient is at least
        // 1/scroll_max from a whole number, far more than its rounding error,
        // so its ceiling is the exact one.
        (s * self.content_max() / self.scroll_max()).ceil()
    }

    /// The largest scrollTop whose content offset is at most `y`: the inverse
    /// of [`content_top`](Self::content_top); content offset `y` then shows
    /// less than a scroll px's worth of content below the top of the view.
    pub fn scroll_top_for(&self, y: f64) -> f64 {
        if !self.scaled() {
            return y.max(0.0);
        }
        let y = y.floor().clamp(0.0, self.content_max());
        (y * self.scroll_max() / self.content_max()).floor()
    }

    /// How far up from `pos * row_h` rows are drawn at this scrollTop (0
    /// unless scaled); a whole number of px.
    pub fn shift(&self, scroll_top: f64) -> f64 {
        if !self.scaled() {
            return 0.0;
        }
        let s = scroll_top.round().clamp(0.0, self.scroll_max());
        self.content_top(s) - s
    }

    /// Top of row `pos` in the spacer's coordinates.
    pub fn row_top(&self, pos: usize, scroll_top: f64) -> f64 {
        pos as f64 * self.row_h - self.shift(scroll_top)
    }

    /// The first row wholly in view.
    pub fn top_row(&self, scroll_top: f64) -> usize {
        if self.count == 0 || self.row_h <= 0.0 {
            return 0;
        }
        ((self.content_top(scroll_top) / self.row_h).ceil() as usize).min(self.count - 1)
    }

    /// The scrollTop that shows row `pos` at the top of the view (within a
    /// scroll px's worth of content, when scaled; as near as the end allows).
    pub fn scroll_top_for_row(&self, pos: usize) -> f64 {
        self.scroll_top_for(pos.min(self.count) as f64 * self.row_h)
    }

    /// Rows to render: those in view plus `overscan` on each side.
    pub fn visible(&self, scroll_top: f64, overscan: usize) -> std::ops::Range<usize> {
        visible_range(
            self.content_top(scroll_top),
            self.view_h,
            self.row_h,
            self.count,
            overscan,
        )
    }

    /// The most rows [`visible`](Self::visible) returns with this
    /// `overscan`: a view recycles this many row elements, row `pos` always
    /// in element `pos % pool_size` (distinct for any visible range).
    pub fn pool_size(&self, overscan: usize) -> usize {
        (self.view_h.max(0.0) / self.row_h).ceil() as usize + 1 + 2 * overscan
    }

    /// The scrollTop that brings row `pos` into view, a third of the way
    /// down, or None if it is in full view already.
    pub fn reveal(&self, pos: usize, scroll_top: f64) -> Option<f64> {
        let y = pos as f64 * self.row_h;
        let top = self.content_top(scroll_top);
        if y >= top && y + self.row_h <= top + self.view_h {
            return None;
        }
        Some(self.scroll_top_for(y - self.view_h / 3.0))
    }

    /// Where to scroll after the rows or the view changed from `old` to
    /// `self`, to keep the same content at the top of the view (a scaled
    /// mapping changes with the row count); None when neither is scaled (1:1
    /// keeps it by itself) or nothing needs to move.
    pub fn keep_top(&self, old: &ScrollMap, scroll_top: f64) -> Option<f64> {
        if !self.scaled() && !old.scaled() {
            return None;
        }
        let s = self.scroll_top_for(old.content_top(scroll_top));
        (s != scroll_top.round()).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_dims_before_a_filter_fades() {
        let set = |v: &[u32]| v.iter().copied().collect::<FxHashSet<u32>>();
        let none = FxHashSet::default();
        assert_eq!(Fade::of(1, &none, None), Fade::None);
        assert_eq!(Fade::of(1, &set(&[2]), None), Fade::Dim);
        assert_eq!(Fade::of(2, &set(&[2]), Some(&set(&[3]))), Fade::Context);
        assert_eq!(Fade::of(1, &set(&[2]), Some(&set(&[3]))), Fade::Dim);
        assert_eq!(Fade::of(3, &none, Some(&set(&[3]))), Fade::None);
        assert_eq!((Fade::Dim.class(), Fade::None.class()), (Some("dim"), None));
        assert!(Fade::Dim.alpha() < Fade::Context.alpha() && Fade::Context.alpha() < 1.0);
    }
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
    fn labels_go_where_there_is_room() {
        let w = Window {
            start: 0.0,
            end: 100.0,
        };
        assert_eq!(Bar::between(10.0, 50.0, &w).label_side(), LabelSide::After);
        assert_eq!(Bar::between(10.0, 80.0, &w).label_side(), LabelSide::After);
        assert_eq!(Bar::between(60.0, 95.0, &w).label_side(), LabelSide::Before);
        assert_eq!(Bar::between(5.0, 100.0, &w).label_side(), LabelSide::Inside);
        // Clamped to the window: a bar reaching past both edges fills it.
        let b = Bar::between(-50.0, 150.0, &w);
        assert_eq!((b.left, b.width), (0.0, 1.0));
    }

    #[test]
    fn timeline_rows_keep_events_in_view() {
        let json = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[
          {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"r","startTimeUnixNano":"1000","endTimeUnixNano":"2000",
           "events":[{"timeUnixNano":"1100","name":"a"},{"timeUnixNano":"1100","name":"b"},
                     {"timeUnixNano":"1900","name":"c"}],"status":{"code":2}}]}]}]}"#;
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        let start = s.traces[0].summary.start;
        let whole = Window::whole(&s, 0);
        let r = timeline_row(&s, 0, start, &whole);
        assert_eq!(r.events, [0.1, 0.9]);
        assert!(r.error);
        assert_eq!(r.duration, format_duration(1000));
        assert_eq!(r.bar.label_side(), LabelSide::Inside);
        let zoomed = whole.sub(0.5, 1.0, 1.0);
        assert_eq!(timeline_row(&s, 0, start, &zoomed).events.len(), 1);
    }

    /// A client 1000..2000 ns whose server ran 1100..1800: 100 ns of
    /// request and 200 of response on the client's bar, none on the
    /// server's; a zoom keeps only what is in view.
    #[test]
    fn network_segments_on_the_client_bar() {
        let json = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[
          {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00000000000000c1","name":"GET","kind":3,"startTimeUnixNano":"1000","endTimeUnixNano":"2000"},
          {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00000000000000c2","parentSpanId":"00000000000000c1","name":"GET /x","kind":2,"startTimeUnixNano":"1100","endTimeUnixNano":"1800"}]}]}]}"#;
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        let start = s.traces[0].summary.start;
        let whole = Window::whole(&s, 0);
        let r = timeline_row(&s, 0, start, &whole);
        let got: Vec<_> = r
            .network
            .iter()
            .map(|n| {
                (
                    n.request,
                    n.label.clone(),
                    (n.bar.left * 100.0).round(),
                    (n.bar.width * 100.0).round(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (true, format!("req {}", format_duration(100)), 0.0, 10.0),
                (false, format!("resp {}", format_duration(200)), 80.0, 20.0)
            ]
        );
        assert!(timeline_row(&s, 1, start, &whole).network.is_empty());
        let zoomed = whole.sub(0.5, 1.0, 1.0);
        let r = timeline_row(&s, 0, start, &zoomed);
        assert_eq!(r.network.len(), 1);
        assert_eq!((r.network[0].bar.left, r.network[0].bar.width), (0.6, 0.4));
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
    fn rows_only_focus_shorter_and_folds() {
        // root(0..100) -> a(10..40) -> a1(20..30); root -> b(50..90)
        let s = store();
        let all = rows(&s, 0, &FxHashSet::default());
        let set = |v: &[u32]| v.iter().copied().collect::<FxHashSet<u32>>();
        let only = set(&[all[2], all[3]]);
        let spec = RowSpec {
            only: Some(&only),
            ..RowSpec::default()
        };
        assert_eq!(names(&s, &layout_rows(&s, 0, &spec).spans), ["a1", "b"]);
        let spec = RowSpec {
            focus: Some(all[1]),
            ..RowSpec::default()
        };
        assert_eq!(names(&s, &layout_rows(&s, 0, &spec).spans), ["a", "a1"]);
        // Shorter than 35 µs: a (30) goes with a1; b (40) and root stay.
        let spec = RowSpec {
            shorter_than: Some(35_000),
            ..RowSpec::default()
        };
        assert_eq!(names(&s, &layout_rows(&s, 0, &spec).spans), ["root", "b"]);
        // a and b folded into one row standing for both (a's child hides).
        let folds = [Fold::new(&s, "calls", vec![all[1], all[3]])];
        assert_eq!(folds[0].label, "calls ×2, 70µs total, avg 35µs");
        assert_eq!(folds[0].end - folds[0].start, 80_000);
        let spec = RowSpec {
            folds: &folds,
            ..RowSpec::default()
        };
        let r = layout_rows(&s, 0, &spec);
        assert_eq!(names(&s, &r.spans), ["root", "a"]);
        assert_eq!(r.folded.get(&all[1]), Some(&0));
        assert_eq!(r.position(all[1]), Some(1));
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
    fn scroll_map_is_one_to_one_under_the_cap() {
        for count in [0usize, 1, 1000, 333_333] {
            let m = ScrollMap::new(count, 24.0, 600.0);
            assert!(!m.scaled());
            assert_eq!(m.spacer_h(), count as f64 * 24.0);
            for s in [0.0, 1.0, 37.0, 12_345.0] {
                assert_eq!(m.content_top(s), s);
                assert_eq!(m.shift(s), 0.0);
                assert_eq!(m.row_top(7, s), 7.0 * 24.0);
                assert_eq!(m.scroll_top_for(s), s);
                assert_eq!(m.visible(s, 8), visible_range(s, 600.0, 24.0, count, 8));
            }
            assert_eq!(
                m.scroll_top_for_row(5.min(count)),
                5.min(count) as f64 * 24.0
            );
        }
        // Exactly at the cap is still 1:1.
        let m = ScrollMap::new(320_000, 25.0, 600.0);
        assert_eq!(m.spacer_h(), MAX_SCROLL_PX);
        assert!(!m.scaled());
        assert!(ScrollMap::new(320_001, 25.0, 600.0).scaled());
        // 1:1 reveal: nothing to do in view, a third down otherwise.
        let m = ScrollMap::new(1000, 20.0, 300.0);
        assert_eq!(m.reveal(5, 0.0), None);
        assert_eq!(m.reveal(15, 0.0), Some(200.0));
        assert_eq!(m.reveal(14, 0.0), None);
        assert_eq!(m.keep_top(&ScrollMap::new(10, 20.0, 300.0), 40.0), None);
    }

    /// Scaled maps to check: 1.5M rows, just over the cap, and 20M rows (more
    /// rows than scroll px: not every row can be the top one).
    fn scaled_maps() -> Vec<ScrollMap> {
        vec![
            ScrollMap::new(1_500_000, 24.0, 611.0),
            ScrollMap::new(333_334, 24.0, 600.0),
            ScrollMap::new(20_000_000, 24.0, 873.0),
        ]
    }

    fn scroll_samples(m: &ScrollMap) -> Vec<f64> {
        let max = m.spacer_h() - m.view_h;
        let mut s: Vec<f64> = (0..2000).map(f64::from).collect();
        s.extend((0..2000).map(|k| max - f64::from(k)));
        s.extend((0..1000).map(|k| (max * f64::from(k) / 1000.0).round()));
        s.sort_by(f64::total_cmp);
        s.dedup();
        s
    }

    #[test]
    fn scaled_scroll_reaches_both_ends() {
        for m in scaled_maps() {
            assert!(m.scaled());
            assert_eq!(m.spacer_h(), MAX_SCROLL_PX);
            let max = m.spacer_h() - m.view_h;
            // Top: the first row at the top of the view, unshifted.
            assert_eq!(m.content_top(0.0), 0.0);
            assert_eq!(m.row_top(0, 0.0), 0.0);
            assert_eq!(m.visible(0.0, 0).start, 0);
            // Bottom: the last row ends exactly at the spacer's end, in view.
            let last = m.count - 1;
            assert_eq!(m.content_top(max), m.content_h() - m.view_h);
            assert_eq!(m.row_top(last, max) + m.row_h, m.spacer_h());
            assert!(m.visible(max, 0).contains(&last));
            assert_eq!(m.visible(max, 8).end, m.count);
            assert_eq!(m.reveal(last, max), None);
            // Past the end (a stale or overshooting scrollTop) clamps.
            assert_eq!(m.content_top(max + 500.0), m.content_top(max));
            assert_eq!(m.scroll_top_for(m.content_h() * 2.0), max);
            assert_eq!(m.scroll_top_for(-100.0), 0.0);
        }
    }

    #[test]
    fn scaled_scroll_round_trips() {
        for m in scaled_maps() {
            // scrollTop -> content -> scrollTop.
            for s in scroll_samples(&m) {
                assert_eq!(m.scroll_top_for(m.content_top(s)), s, "{m:?} at {s}");
            }
            // row -> scrollTop -> row, wherever a row can be the top one.
            let per_px = (m.content_h() - m.view_h) / (m.spacer_h() - m.view_h);
            let top_rows = m.count - (m.view_h / m.row_h).ceil() as usize;
            let mut rows: Vec<usize> = (0..3000).collect();
            rows.extend(top_rows - 3000..=top_rows);
            rows.extend((0..1000).map(|k| top_rows / 1000 * k + 17));
            for pos in rows {
                let s = m.scroll_top_for_row(pos);
                if per_px <= m.row_h {
                    assert_eq!(m.top_row(s), pos, "{m:?} row {pos}");
                } else {
                    // Coarser than a row per px: the row shows, near the top.
                    let top = m.content_top(s);
                    let y = pos as f64 * m.row_h;
                    assert!(top <= y && top > y - per_px.ceil(), "{m:?} row {pos}");
                }
                assert!(m.visible(s, 0).contains(&pos));
                assert_eq!(m.reveal(pos, s), None, "{m:?} row {pos}");
            }
        }
    }

    #[test]
    fn scaled_scroll_is_monotonic_and_pixel_exact() {
        for m in scaled_maps() {
            let step = ((m.content_h() - m.view_h) / (m.spacer_h() - m.view_h)).ceil();
            let mut prev: Option<(f64, f64)> = None;
            for s in scroll_samples(&m) {
                let top = m.content_top(s);
                let shift = m.shift(s);
                assert_eq!(shift, shift.round(), "whole px");
                assert_eq!(top, s + shift);
                // Rows are contiguous, and the view's rows cover it.
                let r = m.visible(s, 0);
                assert_eq!(m.row_top(r.start + 1, s) - m.row_top(r.start, s), m.row_h);
                assert!(m.row_top(r.start, s) <= s);
                assert!(m.row_top(r.end - 1, s) + m.row_h >= s + m.view_h);
                if let Some((ps, pt)) = prev {
                    assert!(top >= pt, "monotonic at {s}");
                    if s == ps + 1.0 {
                        assert!(top - pt <= step, "a px of scroll moves at most {step} px");
                    }
                }
                prev = Some((s, top));
            }
            let mut prev = -1.0;
            for y in (0..1000).map(|k| m.content_h() * f64::from(k) / 1000.0) {
                let s = m.scroll_top_for(y);
                assert!(s >= prev);
                prev = s;
            }
        }
    }

    #[test]
    fn scaled_reveal_and_keeping_the_top() {
        let m = ScrollMap::new(1_500_000, 24.0, 600.0);
        // A row near the end, from the top: lands a third down the view.
        let pos = 1_499_000;
        let s = m.reveal(pos, 0.0).unwrap();
        let y = m.row_top(pos, s) - s;
        assert!((190.0..=210.0).contains(&y), "{y}");
        assert_eq!(m.reveal(pos, s), None);
        // Expanding rows above keeps the same content at the top.
        let s = 4_000_000.0;
        let bigger = ScrollMap::new(1_600_000, 24.0, 600.0);
        let k = bigger.keep_top(&m, s).unwrap();
        assert!((bigger.content_top(k) - m.content_top(s)).abs() < 24.0 / 4.0);
        // Collapsing under the cap: 1:1 again, same content top.
        let small = ScrollMap::new(300_000, 24.0, 600.0);
        let k = small.keep_top(&m, 100.0).unwrap();
        assert_eq!(k, m.content_top(100.0));
        assert_eq!(m.keep_top(&m, s), None);
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

    #[test]
    fn visible_rows_fit_the_pool_in_distinct_slots() {
        for (count, view_h) in [(10, 600.0), (5000, 617.0), (2_000_000, 617.0), (40, 23.0)] {
            let m = ScrollMap::new(count, 24.0, view_h);
            let pool = m.pool_size(8);
            let mut top = 0.0;
            while top < m.spacer_h() {
                let r = m.visible(top, 8);
                assert!(
                    r.len() <= pool,
                    "{count} rows at {top}: {} > {pool}",
                    r.len()
                );
                let mut slots: Vec<usize> = r.map(|p| p % pool).collect();
                let n = slots.len();
                slots.sort_unstable();
                slots.dedup();
                assert_eq!(slots.len(), n);
                top += 7.3 + m.spacer_h() / 997.0;
            }
        }
    }
}
