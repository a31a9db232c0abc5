//! Flame graph geometry, in two modes that share one box representation so that
//! one renderer draws both:
//!
//! - [`time_ordered`]: a flame *chart*. x is wall time (ns from the trace start),
//!   one box per span, exactly as the trace happened; async children that
//!   outlive their parent stay at their real time. Spans at depth d sit in band
//!   d; spans of one depth that overlap in time (concurrent siblings, cousins)
//!   get separate lanes inside the band, so no box hides another.
//! - [`merged`]: a left-heavy flame *graph* (speedscope's "left heavy"): spans
//!   merged by their path of (service, operation) from the root, across one or
//!   several traces. x is accumulated duration, not time.
//!
//! Then the draw list ([`draw_list`]): per visible row, only the boxes in the
//! visible x range (two binary searches), boxes narrower than [`MIN_BOX_PX`]
//! merged into slivers. Its length is bounded by about 2 × rows × width in
//! pixels, and so is its cost (times a log), whatever the span count: that is
//! what keeps a zoom step on a 100k-span trace cheap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use crate::model::{Store, Sym, NONE};

/// Boxes at least this wide on screen are drawn one by one; narrower ones
/// merge into slivers with their narrow neighbours.
pub const MIN_BOX_PX: f64 = 1.0;

/// Example spans kept per merged node (the UI jumps to them).
pub const MAX_EXAMPLES: usize = 8;

/// How far (px) from a box a pointer still hits it, for boxes too thin to aim at.
pub const HIT_SLOP_PX: f64 = 1.0;

/// Margin on each side when framing a box ([`zoom_to`]), as a fraction of its width.
pub const ZOOM_MARGIN: f64 = 0.05;

/// One box of a flame graph, in box units (ns) and rows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlameBox {
    pub x0: f64,
    pub x1: f64,
    pub row: u32,
    /// The span (time-ordered mode), or [`NONE`] for merged nodes.
    pub span: u32,
    /// The merged node index ([`Merged::nodes`]), or `u32::MAX` in time-ordered mode.
    pub node: u32,
    pub service: Sym,
    pub name: Sym,
    /// The span failed (time-ordered), or any merged span failed (merged).
    pub error: bool,
}

/// Boxes by row. Within a row boxes never overlap (touching is allowed) and
/// are sorted by `x0`, so `x1` is sorted too: what the binary searches of
/// [`draw_list`] and [`hit`] rely on.
#[derive(Clone, Debug, PartialEq)]
pub struct Flame {
    /// Sorted by (row, x0).
    pub boxes: Vec<FlameBox>,
    /// Boxes of row r: `row_start[r]..row_start[r + 1]`; `rows() + 1` entries.
    pub row_start: Vec<u32>,
    /// Depth of each row (time-ordered: several lanes share a depth; merged:
    /// the row is the depth).
    pub row_depth: Vec<u32>,
    /// Max `x1` (0 when empty): the full-view x range is `0..extent`.
    pub extent: f64,
}

impl Default for Flame {
    fn default() -> Self {
        Flame {
            boxes: Vec::new(),
            row_start: vec![0],
            row_depth: Vec::new(),
            extent: 0.0,
        }
    }
}

impl Flame {
    pub fn rows(&self) -> usize {
        self.row_depth.len()
    }

    /// Boxes of row `r` (empty past the last row).
    pub fn row(&self, r: usize) -> &[FlameBox] {
        match (self.row_start.get(r), self.row_start.get(r + 1)) {
            (Some(&a), Some(&b)) => &self.boxes[a as usize..b as usize],
            _ => &[],
        }
    }

    /// The box of `span` (time-ordered mode), by a linear scan.
    pub fn box_of_span(&self, span: u32) -> Option<u32> {
        self.boxes
            .iter()
            .position(|b| b.span == span)
            .map(|i| i as u32)
    }

    /// The box of merged node `node` (merged mode), by a linear scan.
    pub fn box_of_node(&self, node: u32) -> Option<u32> {
        self.boxes
            .iter()
            .position(|b| b.node == node)
            .map(|i| i as u32)
    }

    /// Builds the row index from boxes whose rows are known, keeping the
    /// order of `boxes` within a row (a stable counting sort by row).
    fn from_boxes(boxes: Vec<FlameBox>, row_depth: Vec<u32>) -> Flame {
        let rows = row_depth.len();
        let mut row_start = vec![0u32; rows + 1];
        for b in &boxes {
            row_start[b.row as usize + 1] += 1;
        }
        for r in 0..rows {
            row_start[r + 1] += row_start[r];
        }
        let mut fill: Vec<u32> = row_start[..rows].to_vec();
        let mut sorted = boxes.clone();
        for b in boxes {
            let at = &mut fill[b.row as usize];
            sorted[*at as usize] = b;
            *at += 1;
        }
        let extent = sorted.iter().fold(0.0f64, |m, b| m.max(b.x1));
        let flame = Flame {
            boxes: sorted,
            row_start,
            row_depth,
            extent,
        };
        debug_assert!(flame.is_well_formed());
        flame
    }

    /// Rows sorted by x0 with no overlaps (the invariant of the searches).
    fn is_well_formed(&self) -> bool {
        (0..self.rows()).all(|r| {
            self.row(r)
                .iter()
                .all(|b| b.row as usize == r && b.x0 <= b.x1)
                && self.row(r).windows(2).all(|w| w[0].x1 <= w[1].x0)
        })
    }
}

/// The time-ordered flame chart of one trace: x0/x1 are ns from the trace
/// start (`summary.start`), one box per span.
///
/// Rows: depth first, then lane. Per depth, spans are taken in (start, index)
/// order and each goes to the lowest-numbered lane that is free at its start
/// (greedy interval partitioning: as many lanes as the most spans of that depth
/// running at once). A zero-length span occupies its nanosecond, so two
/// instantaneous spans at one time, or one at the start of another span, get
/// different lanes; spans that merely touch share a lane.
pub fn time_ordered(store: &Store, trace: u32) -> Flame {
    let t = &store.traces[trace as usize];
    let spans = &store.spans;
    let origin = t.summary.start;
    // (depth, start, span), sorted: by depth, then start time.
    let mut order: Vec<(u32, i64, u32)> = t
        .spans
        .range()
        .map(|i| (spans.depth[i], spans.start[i], i as u32))
        .collect();
    order.sort_unstable();

    let mut boxes: Vec<FlameBox> = Vec::with_capacity(order.len());
    let mut row_depth: Vec<u32> = Vec::new();
    // (end of occupation, lane) of lanes in use, and free lanes, lowest first.
    let mut busy: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
    let mut free: BinaryHeap<Reverse<u32>> = BinaryHeap::new();
    let mut depth = NONE;
    let mut lanes = 0u32;
    for &(d, s, i) in &order {
        if d != depth {
            row_depth.extend(std::iter::repeat_n(depth, lanes as usize));
            depth = d;
            lanes = 0;
            busy.clear();
            free.clear();
        }
        let iu = i as usize;
        let duration = spans.duration[iu].max(0);
        let e = s.saturating_add(duration);
        while let Some(&Reverse((busy_until, lane))) = busy.peek() {
            if busy_until > s {
                break;
            }
            busy.pop();
            free.push(Reverse(lane));
        }
        let lane = match free.pop() {
            Some(Reverse(lane)) => lane,
            None => {
                lanes += 1;
                lanes - 1
            }
        };
        busy.push(Reverse((e.max(s.saturating_add(1)), lane)));
        boxes.push(FlameBox {
            x0: (s - origin) as f64,
            x1: (e - origin) as f64,
            row: row_depth.len() as u32 + lane,
            span: i,
            node: u32::MAX,
            service: spans.service[iu],
            name: spans.name[iu],
            error: store.is_error(i),
        });
    }
    row_depth.extend(std::iter::repeat_n(depth, lanes as usize));
    // Within a depth spans were taken by start, so the stable counting sort by
    // row leaves each row sorted by x0.
    Flame::from_boxes(boxes, row_depth)
}

/// A node of the merged (left-heavy) graph: all spans with one path of
/// (service, operation) from the root.
#[derive(Clone, Debug, PartialEq)]
pub struct MergedNode {
    pub service: Sym,
    pub name: Sym,
    /// Parent node, or [`NONE`] for node 0.
    pub parent: u32,
    /// The row of its box.
    pub depth: u32,
    /// Sum of the durations (ns) of its spans.
    pub total: i64,
    /// Sum over its spans of the time not covered by any of their children
    /// (the union of the children's intervals, clipped to the span).
    pub self_time: i64,
    pub count: u32,
    /// How many of its spans failed.
    pub errors: u32,
    /// Up to [`MAX_EXAMPLES`] of its spans, in visiting order (the root of the
    /// virtual root: the first trace roots).
    pub examples: Vec<u32>,
}

/// The merged graph: nodes in preorder with left-heavy children (node 0 is the
/// root, a parent comes before its children), and their boxes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Merged {
    pub nodes: Vec<MergedNode>,
    pub flame: Flame,
    /// Node 0 is the virtual root "all traces" (empty service and name, the UI
    /// labels it): there were several roots (several traces, or one trace with
    /// several roots). Its total is the sum of its children's totals, its
    /// self time 0, its count the number of traces, its examples the roots.
    pub virtual_root: bool,
}

/// Merges the spans of `traces` (each listed once) by path of (service,
/// operation) from their root, left-heavy.
///
/// Layout: node 0 spans `0..total`; a node's children sit side by side from
/// its left edge, biggest total first (ties: first seen first), each as wide
/// as its total. When children add up to more than their parent (async work
/// outliving it, concurrent children), they are scaled down together to fit
/// inside the parent: a box is then narrower than its total, but boxes stay
/// nested, which is what a flame graph reads as. Widths are in ns of
/// (accumulated) duration, not wall time.
///
/// No spans (or no traces): no nodes and an empty flame.
pub fn merged(store: &Store, traces: &[u32]) -> Merged {
    let spans = &store.spans;
    let root_count: usize = traces
        .iter()
        .map(|&t| store.traces[t as usize].tree.roots.len())
        .sum();
    if root_count == 0 {
        return Merged::default();
    }
    let virtual_root = root_count > 1;
    let empty = store.strings.empty();
    let new_node = |service: Sym, name: Sym, parent: u32, depth: u32| MergedNode {
        service,
        name,
        parent,
        depth,
        total: 0,
        self_time: 0,
        count: 0,
        errors: 0,
        examples: Vec::new(),
    };

    // 1. Accumulate, in creation order.
    let mut nodes: Vec<MergedNode> = Vec::new();
    let mut index: FxHashMap<(u32, Sym, Sym), u32> = FxHashMap::default();
    if virtual_root {
        let mut root = new_node(empty, empty, NONE, 0);
        root.count = traces.len() as u32;
        nodes.push(root);
    }
    let top = if virtual_root { 0 } else { NONE };
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let mut cover: Vec<(i64, i64)> = Vec::new();
    for &t in traces {
        let roots = &store.traces[t as usize].tree.roots;
        if virtual_root {
            for &r in roots {
                if nodes[0].examples.len() < MAX_EXAMPLES {
                    nodes[0].examples.push(r);
                }
            }
        }
        stack.extend(roots.iter().rev().map(|&r| (r, top)));
        while let Some((i, parent)) = stack.pop() {
            let iu = i as usize;
            let key = (parent, spans.service[iu], spans.name[iu]);
            let node = *index.entry(key).or_insert_with(|| {
                let depth = if parent == NONE {
                    0
                } else {
                    nodes[parent as usize].depth + 1
                };
                nodes.push(new_node(key.1, key.2, parent, depth));
                nodes.len() as u32 - 1
            });
            let children = store.children(i);
            let s = spans.start[iu];
            let duration = spans.duration[iu].max(0);
            let e = s.saturating_add(duration);
            let covered = covered(store, children, s, e, &mut cover);
            let n = &mut nodes[node as usize];
            n.total = n.total.saturating_add(duration);
            n.self_time = n.self_time.saturating_add(duration - covered);
            n.count += 1;
            n.errors += store.is_error(i) as u32;
            if n.examples.len() < MAX_EXAMPLES {
                n.examples.push(i);
            }
            stack.extend(children.iter().rev().map(|&c| (c, node)));
        }
    }
    if virtual_root {
        let sum = nodes
            .iter()
            .filter(|n| n.parent == 0)
            .fold(0i64, |a, n| a.saturating_add(n.total));
        nodes[0].total = sum;
    }

    // 2. Children lists, left-heavy.
    let n = nodes.len();
    let mut child_start = vec![0u32; n + 1];
    for node in &nodes[1..] {
        child_start[node.parent as usize + 1] += 1;
    }
    for k in 0..n {
        child_start[k + 1] += child_start[k];
    }
    let mut fill = child_start.clone();
    let mut children = vec![0u32; n.saturating_sub(1)];
    for (k, node) in nodes.iter().enumerate().skip(1) {
        let at = &mut fill[node.parent as usize];
        children[*at as usize] = k as u32;
        *at += 1;
    }
    for k in 0..n {
        children[child_start[k] as usize..child_start[k + 1] as usize]
            .sort_unstable_by_key(|&c| (Reverse(nodes[c as usize].total), c));
    }

    // 3. Preorder walk: renumber, place.
    let mut new_id = vec![NONE; n];
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut boxes: Vec<FlameBox> = Vec::with_capacity(n);
    let mut walk: Vec<(u32, f64, f64)> = vec![(0, 0.0, nodes[0].total as f64)];
    let mut placed: Vec<(u32, f64, f64)> = Vec::new();
    while let Some((k, x0, x1)) = walk.pop() {
        new_id[k as usize] = order.len() as u32;
        order.push(k);
        let node = &nodes[k as usize];
        boxes.push(FlameBox {
            x0,
            x1,
            row: node.depth,
            span: NONE,
            node: new_id[k as usize],
            service: node.service,
            name: node.name,
            error: node.errors > 0,
        });
        let cs = &children[child_start[k as usize] as usize..child_start[k as usize + 1] as usize];
        let sum = cs
            .iter()
            .fold(0i64, |a, &c| a.saturating_add(nodes[c as usize].total));
        let denom = node.total.max(sum);
        let scale = if denom > 0 {
            (x1 - x0) / denom as f64
        } else {
            0.0
        };
        placed.clear();
        let mut x = x0;
        for &c in cs {
            let w = nodes[c as usize].total as f64 * scale;
            let end = (x + w).min(x1);
            placed.push((c, x, end));
            x = end;
        }
        walk.extend(placed.iter().rev());
    }
    let max_depth = nodes.iter().map(|n| n.depth).max().unwrap_or(0);
    let mut slots: Vec<Option<MergedNode>> = nodes.into_iter().map(Some).collect();
    let mut out: Vec<MergedNode> = Vec::with_capacity(n);
    for &k in &order {
        let Some(mut node) = slots[k as usize].take() else {
            continue;
        };
        if node.parent != NONE {
            node.parent = new_id[node.parent as usize];
        }
        out.push(node);
    }
    // Preorder with children left to right visits each depth left to right,
    // so the counting sort by row leaves each row sorted by x0.
    let flame = Flame::from_boxes(boxes, (0..=max_depth).collect());
    Merged {
        nodes: out,
        flame,
        virtual_root,
    }
}

/// Length of the union of the children's intervals clipped to `s..e`.
fn covered(store: &Store, children: &[u32], s: i64, e: i64, scratch: &mut Vec<(i64, i64)>) -> i64 {
    scratch.clear();
    for &c in children {
        let cs = store.spans.start[c as usize];
        let ce = cs.saturating_add(store.spans.duration[c as usize].max(0));
        let (a, b) = (cs.max(s), ce.min(e));
        if a < b {
            scratch.push((a, b));
        }
    }
    // Children come by start time; sort anyway, cheaply, if they do not.
    if !scratch.windows(2).all(|w| w[0].0 <= w[1].0) {
        scratch.sort_unstable();
    }
    let mut total = 0i64;
    let mut cur: Option<(i64, i64)> = None;
    for &(a, b) in scratch.iter() {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = cur {
        total += cb - ca;
    }
    total
}

/// What is visible: an x range in box units, rows (fractional when scrolled
/// mid-row) and the canvas width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    /// Visible x range in box units (ns).
    pub x0: f64,
    pub x1: f64,
    /// First visible row (fractional scroll).
    pub row0: f64,
    /// Rows that fit.
    pub rows: f64,
    pub width_px: f64,
}

impl View {
    /// The whole flame, `rows` rows from the top, `width_px` wide.
    pub fn whole(flame: &Flame, rows: f64, width_px: f64) -> View {
        View {
            x0: 0.0,
            x1: flame.extent.max(1.0),
            row0: 0.0,
            rows,
            width_px,
        }
    }

    /// Pixels per box unit (0 for an empty range or canvas).
    pub fn scale(&self) -> f64 {
        let span = self.x1 - self.x0;
        if span > 0.0 && self.width_px > 0.0 && span.is_finite() {
            self.width_px / span
        } else {
            0.0
        }
    }

    /// Rows that intersect the view, clamped to `0..rows`.
    pub fn row_range(&self, rows: usize) -> std::ops::Range<usize> {
        let first = self.row0.max(0.0).floor();
        let last = (self.row0 + self.rows.max(0.0)).ceil().max(0.0);
        if !first.is_finite() || !last.is_finite() {
            return 0..0;
        }
        let first = (first as usize).min(rows);
        let last = (last as usize).clamp(first, rows);
        first..last
    }
}

/// One item to draw; x and w in pixels from the canvas's left edge, clipped
/// to `0..width_px`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Draw {
    /// A box at least [`MIN_BOX_PX`] wide (before clipping): `index` into
    /// `Flame::boxes`, for its color, label and hit.
    Box {
        index: u32,
        x: f64,
        w: f64,
        row: u32,
    },
    /// `count` adjacent boxes each narrower than [`MIN_BOX_PX`], gaps under a
    /// pixel between them. `w` can be under a pixel (even 0, for instantaneous
    /// spans): draw at least one pixel.
    Sliver {
        x: f64,
        w: f64,
        row: u32,
        count: u32,
    },
}

/// Fills `out` (cleared first) with what to draw for `view`: per visible row,
/// the boxes intersecting `view.x0..view.x1`, in x order, narrow ones merged.
///
/// Bounded: on a row, boxes are ≥ 1 px and disjoint, a sliver is followed by a
/// gap ≥ 1 px or by a box, so a row yields at most about 2 × `width_px` + 3
/// items; and a sliver's boxes are skipped by galloping search, at least a
/// pixel at a time, so the cost is O(visible pixels × log boxes) at worst,
/// never O(boxes).
pub fn draw_list(flame: &Flame, view: &View, out: &mut Vec<Draw>) {
    out.clear();
    let scale = view.scale();
    if scale <= 0.0 {
        return;
    }
    let width = view.width_px;
    let px = |x: f64| (x - view.x0) * scale;
    for r in view.row_range(flame.rows()) {
        let row = r as u32;
        let boxes = flame.row(r);
        let base = flame.row_start[r] as usize;
        // Boxes intersecting the open range, plus zero-width boxes on its
        // edges (an instantaneous span at the trace start). Both predicates
        // are monotone: rows are sorted by x0 and x1, a zero-width box comes
        // after a box ending where it is and before one starting there.
        let lo = boxes.partition_point(|b| b.x1 < view.x0 || (b.x1 == view.x0 && b.x0 < b.x1));
        let hi = boxes.partition_point(|b| b.x0 < view.x1 || (b.x0 == view.x1 && b.x1 == b.x0));
        if lo >= hi {
            continue;
        }
        let vis = &boxes[lo..hi];
        // Pending sliver: (start px, end px, count).
        let mut sliver: Option<(f64, f64, u32)> = None;
        let flush = |s: Option<(f64, f64, u32)>, out: &mut Vec<Draw>| {
            if let Some((a, z, count)) = s {
                let x = a.clamp(0.0, width);
                out.push(Draw::Sliver {
                    x,
                    w: z.min(width) - x,
                    row,
                    count,
                });
            }
        };
        let mut k = 0;
        while k < vis.len() {
            let b = &vis[k];
            let (a, z) = (px(b.x0), px(b.x1));
            if z - a >= MIN_BOX_PX {
                flush(sliver.take(), out);
                let x = a.max(0.0);
                out.push(Draw::Box {
                    index: (base + lo + k) as u32,
                    x,
                    w: z.min(width) - x,
                    row,
                });
                k += 1;
                continue;
            }
            let (start, mut end, mut count) = match sliver {
                Some((s0, s1, c)) if a < s1 + MIN_BOX_PX => (s0, s1.max(z), c + 1),
                other => {
                    flush(other, out);
                    (a, z, 1)
                }
            };
            // Every following box ending less than a pixel past the sliver is
            // narrow and adjacent (boxes are disjoint and sorted): take them
            // all at once.
            let limit = view.x0 + (end + MIN_BOX_PX) / scale;
            let skip = gallop(&vis[k + 1..], |b| b.x1 < limit);
            if skip > 0 {
                count += skip as u32;
                end = end.max(px(vis[k + skip].x1));
            }
            sliver = Some((start, end, count));
            k += 1 + skip;
        }
        flush(sliver, out);
    }
}

/// The length of the prefix of `s` where `pred` holds (it must hold on a
/// prefix only), probing 1, 2, 4... from the front then bisecting: O(log k)
/// for an answer k, so short skips cost little.
fn gallop<T>(s: &[T], pred: impl Fn(&T) -> bool) -> usize {
    let (mut lo, mut hi) = (0, 1);
    while hi <= s.len() && pred(&s[hi - 1]) {
        lo = hi;
        hi *= 2;
    }
    let hi = hi.min(s.len());
    lo + s[lo..hi].partition_point(pred)
}

/// The box under pixel `x_px` of row `row`: the box containing it (half-open
/// `x0..x1`), else the nearest box within [`HIT_SLOP_PX`] (thin boxes).
pub fn hit(flame: &Flame, view: &View, x_px: f64, row: u32) -> Option<u32> {
    let scale = view.scale();
    if scale <= 0.0 || !x_px.is_finite() {
        return None;
    }
    let boxes = flame.row(row as usize);
    let base = *flame.row_start.get(row as usize)? as usize;
    let x = view.x0 + x_px / scale;
    let k = boxes.partition_point(|b| b.x1 <= x);
    if let Some(b) = boxes.get(k) {
        if b.x0 <= x {
            return Some((base + k) as u32);
        }
    }
    let slop = HIT_SLOP_PX / scale;
    let before = k
        .checked_sub(1)
        .map(|j| (x - boxes[j].x1, j))
        .filter(|&(d, _)| d <= slop);
    let after = boxes
        .get(k)
        .map(|b| (b.x0 - x, k))
        .filter(|&(d, _)| d <= slop);
    match (before, after) {
        (Some(b), Some(a)) => Some(if a.0 < b.0 { a.1 } else { b.1 }),
        (Some(b), None) => Some(b.1),
        (None, Some(a)) => Some(a.1),
        (None, None) => None,
    }
    .map(|j| (base + j) as u32)
}

/// An x range that frames box `index` with [`ZOOM_MARGIN`] on each side,
/// shifted to stay inside `0..extent` when it can. A box narrower than 1e-4
/// of the extent (or than 1 unit), e.g. an instantaneous span, is framed as if
/// it were that wide, centered.
pub fn zoom_to(flame: &Flame, index: u32) -> (f64, f64) {
    let extent = flame.extent.max(1.0);
    let Some(b) = flame.boxes.get(index as usize) else {
        return (0.0, extent);
    };
    let w = (b.x1 - b.x0).max(extent * 1e-4).max(1.0);
    let span = w * (1.0 + 2.0 * ZOOM_MARGIN);
    let mid = (b.x0 + b.x1) / 2.0;
    fit(mid - span / 2.0, span, extent)
}

/// Zooms `x0..x1` by `factor` (2 = twice closer, 0.5 = twice farther) keeping
/// the point at fraction `at` (0..1) of the width where it is on screen. The
/// result is at least `min_span` wide (unless that is more than `extent`) and
/// lies within `0..extent`, shifted rather than shrunk at the edges.
pub fn zoom_at(x0: f64, x1: f64, at: f64, factor: f64, min_span: f64, extent: f64) -> (f64, f64) {
    let extent = extent.max(0.0);
    let span = (x1 - x0).max(0.0);
    let factor = if factor.is_finite() && factor > 0.0 {
        factor
    } else {
        1.0
    };
    let at = if at.is_finite() {
        at.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let anchor = x0 + at * span;
    let new = (span / factor).max(min_span.max(0.0)).min(extent);
    fit(anchor - at * new, new, extent)
}

/// Moves `x0..x1` by `dx`, keeping its width, within `0..extent`.
pub fn pan(x0: f64, x1: f64, dx: f64, extent: f64) -> (f64, f64) {
    let dx = if dx.is_finite() { dx } else { 0.0 };
    fit(x0 + dx, (x1 - x0).max(0.0), extent.max(0.0))
}

/// `x0..x0 + span` shifted into `0..extent` (the whole extent if wider).
fn fit(x0: f64, span: f64, extent: f64) -> (f64, f64) {
    if span >= extent || !x0.is_finite() {
        return (0.0, extent);
    }
    let x0 = x0.clamp(0.0, extent - span);
    (x0, x0 + span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    /// Spans as (id, parent, service, op, start µs, duration µs, error), one
    /// Zipkin trace per distinct trace id `tid`.
    type S<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a str,
        u64,
        u64,
        bool,
    );

    fn zipkin(spans: &[S]) -> Store {
        let spans: Vec<String> = spans
            .iter()
            .map(|(tid, id, parent, svc, op, start, dur, err)| {
                let parent = parent
                    .map(|p| format!(r#","parentId":"{p}""#))
                    .unwrap_or_default();
                let tags = if *err {
                    r#","tags":{"error":"boom"}"#
                } else {
                    ""
                };
                format!(
                    r#"{{"traceId":"{tid}","id":"{id}"{parent},"name":"{op}","timestamp":{start},"duration":{dur},"localEndpoint":{{"serviceName":"{svc}"}}{tags}}}"#
                )
            })
            .collect();
        let json = format!("[{}]", spans.join(","));
        let mut store = Store::default();
        import::load(&mut store, "t.json", json.as_bytes()).unwrap();
        store
    }

    fn idx(s: &Store, id: &str) -> u32 {
        (0..s.spans.len() as u32)
            .find(|&i| {
                s.spans.id[i as usize]
                    .to_text(&s.strings)
                    .trim_start_matches('0')
                    == id
            })
            .unwrap()
    }

    fn bx(f: &Flame, s: &Store, id: &str) -> FlameBox {
        f.boxes[f.box_of_span(idx(s, id)).unwrap() as usize]
    }

    fn check_rows(f: &Flame) {
        assert_eq!(f.row_start.len(), f.rows() + 1);
        assert_eq!(*f.row_start.last().unwrap() as usize, f.boxes.len());
        for r in 0..f.rows() {
            let row = f.row(r);
            assert!(!row.is_empty(), "row {r} is empty");
            for b in row {
                assert_eq!(b.row as usize, r);
            }
            for w in row.windows(2) {
                assert!(w[0].x1 <= w[1].x0, "overlap on row {r}: {w:?}");
            }
        }
        assert!(f.row_depth.windows(2).all(|w| w[0] <= w[1]));
    }

    fn name(s: &Store, n: &MergedNode) -> String {
        format!("{}:{}", s.str(n.service), s.str(n.name))
    }

    fn node<'a>(s: &Store, m: &'a Merged, path: &str) -> &'a MergedNode {
        let (k, _) = m
            .nodes
            .iter()
            .enumerate()
            .find(|(k, _)| {
                let mut parts = Vec::new();
                let mut k = *k as u32;
                while k != NONE {
                    let n = &m.nodes[k as usize];
                    if !(m.virtual_root && k == 0) {
                        parts.push(name(s, n));
                    }
                    k = n.parent;
                }
                parts.reverse();
                parts.join("/") == path
            })
            .unwrap_or_else(|| panic!("no node {path}"));
        &m.nodes[k]
    }

    #[test]
    fn nesting_rows_and_depths() {
        // root(0..100) -> a(10..40) -> a1(20..30); root -> b(50..90)
        let s = zipkin(&[
            ("1", "1", None, "fe", "root", 1000, 100, false),
            ("1", "2", Some("1"), "fe", "a", 1010, 30, false),
            ("1", "3", Some("2"), "db", "a1", 1020, 10, true),
            ("1", "4", Some("1"), "fe", "b", 1050, 40, false),
        ]);
        let f = time_ordered(&s, 0);
        check_rows(&f);
        assert_eq!(f.rows(), 3);
        assert_eq!(f.row_depth, vec![0, 1, 2]);
        assert_eq!(f.boxes.len(), 4);
        let root = bx(&f, &s, "1");
        assert_eq!((root.x0, root.x1, root.row), (0.0, 100_000.0, 0));
        let a = bx(&f, &s, "2");
        let b = bx(&f, &s, "4");
        assert_eq!((a.row, b.row), (1, 1));
        assert_eq!((a.x0, a.x1), (10_000.0, 40_000.0));
        assert_eq!((b.x0, b.x1), (50_000.0, 90_000.0));
        let a1 = bx(&f, &s, "3");
        assert_eq!((a1.row, a1.error, a.error), (2, true, false));
        assert_eq!(s.str(a1.service), "db");
        assert_eq!(a1.node, u32::MAX);
        assert_eq!(f.extent, 100_000.0);
        // row 1 sorted by x0
        assert_eq!(f.row(1)[0].span, idx(&s, "2"));
    }

    #[test]
    fn overlapping_spans_get_lanes() {
        // Three concurrent children, then one after the first ends; a
        // grandchild under each of two concurrent children overlaps too
        // (cousins), and two instantaneous spans at the same time.
        let s = zipkin(&[
            ("1", "1", None, "fe", "root", 0, 100, false),
            ("1", "2", Some("1"), "fe", "c", 10, 30, false),
            ("1", "3", Some("1"), "fe", "c", 15, 30, false),
            ("1", "4", Some("1"), "fe", "c", 20, 30, false),
            ("1", "5", Some("1"), "fe", "d", 40, 5, false),
            ("1", "6", Some("2"), "fe", "g", 20, 10, false),
            ("1", "7", Some("3"), "fe", "g", 25, 10, false),
            ("1", "8", Some("4"), "fe", "z", 30, 0, false),
            ("1", "9", Some("4"), "fe", "z", 30, 0, false),
        ]);
        let f = time_ordered(&s, 0);
        check_rows(&f);
        // depth 1: 3 lanes; depth 2: cousins 6 and 7 overlap, 8 and 9 are
        // instantaneous at 30 inside 7's 25..35 -> 3 lanes.
        assert_eq!(f.row_depth, vec![0, 1, 1, 1, 2, 2, 2]);
        let rows: Vec<u32> = ["2", "3", "4", "5"]
            .iter()
            .map(|id| bx(&f, &s, id).row)
            .collect();
        // 5 starts at 40 when lane 0 (10..40) is free again: lowest lane
        assert_eq!(rows, vec![1, 2, 3, 1]);
        let (g6, g7) = (bx(&f, &s, "6"), bx(&f, &s, "7"));
        assert_ne!(g6.row, g7.row);
        let (z8, z9) = (bx(&f, &s, "8"), bx(&f, &s, "9"));
        assert_ne!(z8.row, z9.row);
        assert_eq!((z8.x0, z8.x1), (30_000.0, 30_000.0));
        // deterministic
        assert_eq!(time_ordered(&s, 0), f);
    }

    #[test]
    fn async_child_keeps_its_real_time() {
        let s = zipkin(&[
            ("1", "1", None, "fe", "root", 0, 50, false),
            ("1", "2", Some("1"), "q", "consume", 40, 200, false),
            ("1", "3", Some("2"), "q", "work", 230, 5, false),
        ]);
        let f = time_ordered(&s, 0);
        check_rows(&f);
        let c = bx(&f, &s, "2");
        assert_eq!((c.x0, c.x1, c.row), (40_000.0, 240_000.0, 1));
        assert_eq!(bx(&f, &s, "3").x0, 230_000.0);
        assert_eq!(f.extent, 240_000.0);
    }

    #[test]
    fn merged_n_plus_one() {
        // One request doing 30 identical queries, and a cache lookup.
        let mut spans: Vec<S> = vec![
            ("1", "1", None, "api", "GET /orders", 0, 1000, false),
            ("1", "2", Some("1"), "api", "cache", 0, 10, false),
        ];
        let ids: Vec<String> = (0..30).map(|k| format!("{:x}", 0x100 + k)).collect();
        for (k, id) in ids.iter().enumerate() {
            spans.push((
                "1",
                id.as_str(),
                Some("1"),
                "db",
                "SELECT item",
                10 + k as u64 * 20,
                20,
                k == 3,
            ));
        }
        let s = zipkin(&spans);
        let m = merged(&s, &[0]);
        assert!(!m.virtual_root);
        assert_eq!(m.nodes.len(), 3);
        let q = node(&s, &m, "api:GET /orders/db:SELECT item");
        assert_eq!(
            (q.count, q.total, q.self_time, q.errors),
            (30, 600_000, 600_000, 1)
        );
        assert_eq!(q.examples.len(), MAX_EXAMPLES);
        assert_eq!(q.depth, 1);
        let root = &m.nodes[0];
        assert_eq!(name(&s, root), "api:GET /orders");
        assert_eq!((root.total, root.count, root.parent), (1_000_000, 1, NONE));
        // 0..10 cache and 10..610 queries covered
        assert_eq!(root.self_time, 1_000_000 - 610_000);
        // left heavy: the queries first
        assert_eq!(m.nodes[1].name, q.name);
        assert_eq!(m.nodes[1].parent, 0);
        let f = &m.flame;
        check_rows(f);
        assert_eq!(f.row_depth, vec![0, 1]);
        let r1 = f.row(1);
        assert_eq!(
            (r1[0].x0, r1[0].x1, r1[0].node, r1[0].span, r1[0].error),
            (0.0, 600_000.0, 1, NONE, true)
        );
        assert_eq!((r1[1].x0, r1[1].x1, r1[1].node), (600_000.0, 610_000.0, 2));
        assert_eq!(f.extent, 1_000_000.0);
    }

    #[test]
    fn merged_self_time_uses_the_union_of_children() {
        // parent 0..100; children 10..50 and 30..70 overlap (union 10..70),
        // one starts before the parent (-10..5, clipped 0..5), one outlives it
        // (90..150, clipped 90..100).
        let s = zipkin(&[
            ("1", "1", None, "a", "p", 100, 100, false),
            ("1", "2", Some("1"), "a", "c", 110, 40, false),
            ("1", "3", Some("1"), "a", "c", 130, 40, false),
            ("1", "4", Some("1"), "a", "early", 90, 15, false),
            ("1", "5", Some("1"), "a", "late", 190, 60, false),
        ]);
        let m = merged(&s, &[0]);
        let p = &m.nodes[0];
        assert_eq!(p.total, 100_000);
        assert_eq!(p.self_time, 100_000 - 60_000 - 5_000 - 10_000);
        // children total 80 + 15 + 60 = 155 > 100: scaled to fit the parent
        let f = &m.flame;
        check_rows(f);
        let r1 = f.row(1);
        assert_eq!(r1.len(), 3);
        assert_eq!(r1[0].x0, 0.0);
        let w: Vec<f64> = r1.iter().map(|b| b.x1 - b.x0).collect();
        assert!((w[0] - 80_000.0 * 100.0 / 155.0).abs() < 1e-6, "{w:?}");
        assert!(r1[2].x1 <= 100_000.0);
        assert!((r1[2].x1 - 100_000.0).abs() < 1e-6);
        // left heavy: c (80), late (60), early (15)
        let names: Vec<&str> = r1.iter().map(|b| s.str(b.name)).collect();
        assert_eq!(names, ["c", "late", "early"]);
        let c = node(&s, &m, "a:p/a:c");
        assert_eq!((c.count, c.total, c.self_time), (2, 80_000, 80_000));
    }

    #[test]
    fn merged_across_traces_under_one_root() {
        let s = zipkin(&[
            ("1", "1", None, "api", "GET /a", 0, 100, false),
            ("1", "2", Some("1"), "db", "q", 10, 50, false),
            ("2", "1", None, "api", "GET /a", 1000, 60, true),
            ("2", "2", Some("1"), "db", "q", 1010, 20, false),
            ("2", "3", Some("1"), "cache", "get", 1040, 10, false),
            ("3", "1", None, "api", "GET /b", 5000, 300, false),
        ]);
        assert_eq!(s.traces.len(), 3);
        let m = merged(&s, &[0, 1, 2]);
        assert!(m.virtual_root);
        let root = &m.nodes[0];
        assert_eq!((root.parent, root.depth, root.count), (NONE, 0, 3));
        assert_eq!(root.total, 460_000);
        assert_eq!(root.examples.len(), 3);
        assert_eq!(s.str(root.name), "");
        let a = node(&s, &m, "api:GET /a");
        assert_eq!((a.count, a.total, a.errors, a.depth), (2, 160_000, 1, 1));
        assert_eq!(a.self_time, 160_000 - 50_000 - 30_000);
        let q = node(&s, &m, "api:GET /a/db:q");
        assert_eq!((q.count, q.total, q.depth), (2, 70_000, 2));
        // left heavy: GET /b (300) before GET /a (160)
        assert_eq!(s.str(m.nodes[1].name), "GET /b");
        assert_eq!(m.nodes[1].parent, 0);
        // preorder: parents before children
        for (k, n) in m.nodes.iter().enumerate().skip(1) {
            assert!((n.parent as usize) < k);
            assert_eq!(n.depth, m.nodes[n.parent as usize].depth + 1);
        }
        let f = &m.flame;
        check_rows(f);
        assert_eq!(f.row_depth, vec![0, 1, 2]);
        assert_eq!(f.row(1)[1].x0, 300_000.0);
        assert_eq!(f.row(2)[0].x0, 300_000.0);
        for b in &f.boxes {
            assert_eq!(m.nodes[b.node as usize].depth, b.row);
        }
    }

    #[test]
    fn one_trace_with_several_roots_gets_a_virtual_root() {
        let s = zipkin(&[
            ("1", "1", None, "api", "x", 0, 100, false),
            ("1", "2", Some("99"), "worker", "y", 10, 10, false),
        ]);
        let m = merged(&s, &[0]);
        assert!(m.virtual_root);
        assert_eq!(m.nodes.len(), 3);
        assert_eq!(m.nodes[0].total, 110_000);
        assert_eq!(m.flame.extent, 110_000.0);
        assert_eq!(merged(&s, &[]), Merged::default());
    }

    /// A generated 100k-span trace (demo::big), imported from Jaeger JSON.
    fn big(spans: usize) -> Store {
        let (sp, res) = crate::demo::big::generate(spans, 1);
        let mut json = Vec::new();
        crate::demo::synth::write_jaeger_json(&sp, &res, &mut json).unwrap();
        let mut store = Store::default();
        import::load(&mut store, "big.json", &json).unwrap();
        store
    }

    fn boxes_in(out: &[Draw]) -> usize {
        out.iter().filter(|d| matches!(d, Draw::Box { .. })).count()
    }

    fn drawn_count(out: &[Draw]) -> usize {
        out.iter()
            .map(|d| match d {
                Draw::Box { .. } => 1,
                Draw::Sliver { count, .. } => *count as usize,
            })
            .sum()
    }

    #[test]
    fn draw_list_culls_a_big_trace() {
        let s = big(100_000);
        let f = time_ordered(&s, 0);
        assert_eq!(f.boxes.len(), 100_000);
        check_rows(&f);
        let m = merged(&s, &[0]);
        check_rows(&m.flame);
        assert_eq!(m.nodes[0].count, 1);
        let width = 1200.0;
        let mut out = Vec::new();
        for flame in [&f, &m.flame] {
            // Full zoom-out, all rows.
            let rows = flame.rows() as f64;
            let v = View::whole(flame, rows, width);
            draw_list(flame, &v, &mut out);
            assert!(
                out.len() as f64 <= rows * (2.0 * width + 3.0),
                "{} items",
                out.len()
            );
            // Every box of every row is accounted for, once.
            assert_eq!(drawn_count(&out), flame.boxes.len());
            for d in &out {
                let (x, w) = match *d {
                    Draw::Box { x, w, .. } | Draw::Sliver { x, w, .. } => (x, w),
                };
                assert!(x >= 0.0 && w >= 0.0 && x + w <= width + 1e-9, "{d:?}");
            }
            // 40 rows fit: bounded by those rows.
            let v = View { rows: 40.0, ..v };
            draw_list(flame, &v, &mut out);
            assert!(out.len() as f64 <= 41.0 * (2.0 * width + 3.0));
            assert!(out.iter().all(|d| match *d {
                Draw::Box { row, .. } | Draw::Sliver { row, .. } => row < 40,
            }));
        }
        // A 100k-span trace zoomed out: far fewer items than spans.
        let v = View::whole(&f, f.rows() as f64, width);
        draw_list(&f, &v, &mut out);
        assert!(out.len() < 30_000, "{} items", out.len());

        // Zoomed in around a box in the middle of the chart: exactly the
        // boxes intersecting the view.
        let mid = f.rows() / 2;
        let b = f.row(mid)[f.row(mid).len() / 2];
        let (x0, x1) = (b.x0 - f.extent / 2000.0, b.x0 + f.extent / 1000.0);
        let v = View {
            x0,
            x1,
            row0: mid as f64 - 10.5,
            rows: 40.0,
            width_px: width,
        };
        draw_list(&f, &v, &mut out);
        let rows = mid - 11..mid + 30;
        let expect: Vec<u32> = (0..f.boxes.len() as u32)
            .filter(|&i| {
                let b = &f.boxes[i as usize];
                b.x1 > x0 && b.x0 < x1 && rows.contains(&(b.row as usize))
            })
            .collect();
        eprintln!("zoomed in: {} boxes, {} items", expect.len(), out.len());
        assert!(!expect.is_empty());
        assert_eq!(drawn_count(&out), expect.len());
        let mut got: Vec<u32> = out
            .iter()
            .filter_map(|d| match *d {
                Draw::Box { index, .. } => Some(index),
                _ => None,
            })
            .collect();
        got.sort_unstable();
        assert!(got.iter().all(|i| expect.binary_search(i).is_ok()));
        assert!(boxes_in(&out) > 0);
    }

    fn synthetic(widths: &[(f64, f64)]) -> Flame {
        let sym = Store::default().strings.empty();
        let boxes = widths
            .iter()
            .enumerate()
            .map(|(k, &(x0, x1))| FlameBox {
                x0,
                x1,
                row: 0,
                span: k as u32,
                node: u32::MAX,
                service: sym,
                name: sym,
                error: false,
            })
            .collect();
        Flame::from_boxes(boxes, vec![0])
    }

    #[test]
    fn slivers_merge_narrow_neighbours() {
        // 1000 boxes of 0.1 units side by side over 0..100, a gap, one wide box
        // at 150..250, then 3 thin ones far apart.
        let mut w: Vec<(f64, f64)> = (0..1000)
            .map(|k| (k as f64 / 10.0, (k + 1) as f64 / 10.0))
            .collect();
        w.push((150.0, 250.0));
        w.extend([(300.0, 300.1), (400.0, 400.0), (400.2, 400.3)]);
        let f = synthetic(&w);
        let v = View {
            x0: 0.0,
            x1: 500.0,
            row0: 0.0,
            rows: 1.0,
            width_px: 500.0,
        };
        let mut out = Vec::new();
        draw_list(&f, &v, &mut out);
        assert_eq!(out.len(), 4, "{out:?}");
        let Draw::Sliver {
            x,
            w,
            row: 0,
            count: 1000,
        } = out[0]
        else {
            panic!("{out:?}")
        };
        assert!(x == 0.0 && (w - 100.0).abs() < 1e-9);
        assert_eq!(
            out[1],
            Draw::Box {
                index: 1000,
                x: 150.0,
                w: 100.0,
                row: 0
            }
        );
        let Draw::Sliver { x, w, count: 1, .. } = out[2] else {
            panic!("{out:?}")
        };
        assert!(x == 300.0 && (w - 0.1).abs() < 1e-9);
        // an instantaneous box and one 0.2 px after it
        let Draw::Sliver { x, w, count: 2, .. } = out[3] else {
            panic!("{out:?}")
        };
        assert!(x == 400.0 && (w - 0.3).abs() < 1e-9);
        // Zoomed in on 0.05..50.05 at 100 px per unit: each 0.1-unit box is
        // 10 px, drawn alone; the first and last are cut by the edges.
        let v = View {
            x0: 0.05,
            x1: 50.05,
            width_px: 5000.0,
            ..v
        };
        draw_list(&f, &v, &mut out);
        assert_eq!(out.len(), 501);
        assert!(out.iter().all(|d| matches!(d, Draw::Box { .. })));
        let Draw::Box { index: 0, x, w, .. } = out[0] else {
            panic!("{:?}", out[0])
        };
        assert!(x == 0.0 && (w - 5.0).abs() < 1e-6);
        let Draw::Box {
            index: 500, x, w, ..
        } = out[500]
        else {
            panic!("{:?}", out[500])
        };
        assert!((x - 4995.0).abs() < 1e-6 && (w - 5.0).abs() < 1e-6);
        // Empty view, empty canvas: nothing.
        draw_list(&f, &View { x1: 0.0, ..v }, &mut out);
        assert!(out.is_empty());
        draw_list(&f, &View { width_px: 0.0, ..v }, &mut out);
        assert!(out.is_empty());
        draw_list(&f, &View { row0: 1.0, ..v }, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn gallop_finds_the_end_of_a_prefix() {
        let v: Vec<u32> = (0..100).collect();
        for k in 0..=100 {
            assert_eq!(gallop(&v, |&x| x < k), k as usize);
        }
        assert_eq!(gallop(&[] as &[u32], |_| true), 0);
    }

    #[test]
    fn hit_finds_the_box_under_the_pointer() {
        let s = zipkin(&[
            ("1", "1", None, "fe", "root", 0, 100, false),
            ("1", "2", Some("1"), "fe", "a", 10, 30, false),
            ("1", "3", Some("1"), "fe", "b", 40, 20, false),
            ("1", "4", Some("1"), "fe", "tick", 80, 0, false),
        ]);
        let f = time_ordered(&s, 0);
        let v = View::whole(&f, 3.0, 100.0); // 1 px = 1 µs
        let span_at = |x: f64, row: u32| hit(&f, &v, x, row).map(|i| f.boxes[i as usize].span);
        assert_eq!(span_at(50.0, 0), Some(idx(&s, "1")));
        assert_eq!(span_at(15.0, 1), Some(idx(&s, "2")));
        // touching boxes: the right one owns the boundary
        assert_eq!(span_at(40.0, 1), Some(idx(&s, "3")));
        assert_eq!(span_at(65.0, 1), None);
        // instantaneous span: within the slop
        assert_eq!(span_at(80.5, 1), Some(idx(&s, "4")));
        assert_eq!(span_at(79.2, 1), Some(idx(&s, "4")));
        assert_eq!(span_at(5.0, 7), None);
        // the slop is in pixels: at 100 µs per px, "a" (10 µs away) is hit
        let wide = View {
            x1: 10_000_000.0,
            ..v
        };
        assert_eq!(
            hit(&f, &wide, 0.0, 1).map(|i| f.boxes[i as usize].span),
            Some(idx(&s, "2"))
        );
    }

    #[test]
    fn zoom_helpers_clamp() {
        // zoom in 2x around the middle
        assert_eq!(zoom_at(0.0, 100.0, 0.5, 2.0, 1.0, 100.0), (25.0, 75.0));
        // around the left quarter: the point under the cursor stays put
        let (a, b) = zoom_at(0.0, 100.0, 0.25, 2.0, 1.0, 100.0);
        assert_eq!((a, b), (12.5, 62.5));
        assert_eq!(a + 0.25 * (b - a), 25.0);
        // min span
        assert_eq!(zoom_at(40.0, 42.0, 0.5, 100.0, 1.0, 100.0), (40.5, 41.5));
        // zoom out past the extent: the whole
        assert_eq!(zoom_at(10.0, 60.0, 0.5, 0.1, 1.0, 100.0), (0.0, 100.0));
        // zoom out near an edge: shifted inside
        assert_eq!(zoom_at(0.0, 40.0, 0.0, 0.5, 1.0, 100.0), (0.0, 80.0));
        assert_eq!(zoom_at(60.0, 100.0, 1.0, 0.5, 1.0, 100.0), (20.0, 100.0));
        // bad input
        assert_eq!(
            zoom_at(0.0, 100.0, f64::NAN, f64::NAN, 1.0, 100.0),
            (0.0, 100.0)
        );
        // pan
        assert_eq!(pan(10.0, 20.0, 5.0, 100.0), (15.0, 25.0));
        assert_eq!(pan(10.0, 20.0, -50.0, 100.0), (0.0, 10.0));
        assert_eq!(pan(10.0, 20.0, 500.0, 100.0), (90.0, 100.0));
        assert_eq!(pan(0.0, 200.0, 5.0, 100.0), (0.0, 100.0));
    }

    #[test]
    fn zoom_to_frames_a_box() {
        let s = zipkin(&[
            ("1", "1", None, "fe", "root", 0, 1000, false),
            ("1", "2", Some("1"), "fe", "a", 100, 200, false),
            ("1", "3", Some("1"), "fe", "end", 990, 10, false),
            ("1", "4", Some("1"), "fe", "tick", 500, 0, false),
        ]);
        let f = time_ordered(&s, 0);
        let a = f.box_of_span(idx(&s, "2")).unwrap();
        let (x0, x1) = zoom_to(&f, a);
        assert!((x0 - 90_000.0).abs() < 1e-6 && (x1 - 310_000.0).abs() < 1e-6);
        // at the right edge: shifted inside, still framing the box
        let e = f.box_of_span(idx(&s, "3")).unwrap();
        let (x0, x1) = zoom_to(&f, e);
        assert_eq!(x1, 1_000_000.0);
        assert!(x0 < 990_000.0);
        // an instantaneous span: a small window around it
        let t = f.box_of_span(idx(&s, "4")).unwrap();
        let (x0, x1) = zoom_to(&f, t);
        assert!(x0 < 500_000.0 && x1 > 500_000.0 && x1 - x0 < 1_000.0);
        let root = f.box_of_span(idx(&s, "1")).unwrap();
        assert_eq!(zoom_to(&f, root), (0.0, 1_000_000.0));
    }
}
