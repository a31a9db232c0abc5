//! Where the service map's labels go, and the view that fits the map, labels
//! included, into its canvas.
//!
//! Labels are placed greedily, most important node first (the biggest): each
//! tries sixteen places around its circle (below, right, above, left, the
//! diagonals, then the four sides slid along the rim) and takes the one that
//! touches no circle and no label already placed and crosses the fewest
//! edges; last frame's place wins near ties, so labels do not jump while the
//! layout moves. A label that finds no room tries a shorter text (the name
//! without the span count, then the name cut to 14 characters), and is
//! hidden when even that does not fit: smaller nodes lose their labels
//! first, and the map names a hidden one on hover. Nothing is ever drawn
//! over something else. A uniform grid keeps each test local, so a frame of
//! a 1,200-service map places its labels in a few milliseconds; edge
//! crossings are only counted while that stays cheap.
//!
//! Text is a constant size on screen while the map scales, so placement works
//! in CSS pixels after the view transform, and [`fit`] searches the
//! transform whose nodes and placed labels together fill the canvas.

use super::map_edges::{Curve, P};
use crate::model::units::{clip, counted, visible};

/// View transform: `screen = layout * scale + offset`, as
/// `(scale, offset_x, offset_y)`.
pub type Xf = (f64, f64, f64);

/// Height of a label's text line, px (11 px text).
pub const LINE_H: f64 = 13.0;
/// Padding around a label's text, px.
pub const PAD: f64 = 2.0;
/// Room between a node's rim and its own label: the error arc (to r + 5) and
/// the selection ring (to r + 8) fit in it.
pub const NODE_GAP: f64 = 9.0;
/// Clearance every label keeps from every circle (past the error arc).
pub const CLEAR: f64 = 6.0;
/// Clearance between two labels.
pub const LABEL_GAP: f64 = 2.0;
/// A service name longer than this is cut with an ellipsis (the full name is
/// in the tooltip and the side panel), and to the second length when even
/// the cut name finds no room.
pub const NAME_CHARS: usize = 28;
pub const SHORT_CHARS: usize = 14;
/// The fitted view never magnifies past this (a two-service map would fill
/// the screen with two discs); node circles grow only with the square root
/// of the scale above 1 (see [`node_scale`]).
pub const MAX_FIT_SCALE: f64 = 3.0;

/// Cost of a place per edge it crosses; preference order adds 0..15, so one
/// crossing outweighs the centred sides' order, not a slid place's.
const CROSS_COST: f64 = 10.0;
/// Bonus for last frame's place: kept while no other place crosses fewer
/// edges or comes more than five places earlier in the order, so labels
/// hold still while the layout moves yet end where they read best.
const STAY_BONUS: f64 = 5.0;
/// Cost of a place that reaches out of the canvas (taken only when nothing
/// inside is free).
const OUTSIDE_COST: f64 = 1000.0;
/// Candidate x edge tests per placement above which crossings are not
/// counted (about 2 ms of work).
const CROSS_BUDGET: usize = 2_000_000;
/// Grid cell, px (at least), cells a side (at most), room around the
/// circles it covers (px), and the most cells one item may cover before it
/// goes in the list checked every time (a circle zoomed to fill the screen).
const CELL: f64 = 32.0;
const GRID_SIDE: usize = 128;
const GRID_ROOM: f64 = 200.0;
const MAX_CELLS: usize = 1024;
/// Rounds of [`fit`] (each places every label once).
const FIT_ROUNDS: usize = 6;
/// Smallest scale [`fit`] gives, so a huge map in a tiny canvas stays finite.
const MIN_SCALE: f64 = 1e-3;

/// A node on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Circle {
    pub x: f64,
    pub y: f64,
    pub r: f64,
}

/// An axis-aligned box on screen: `x`, `y` its top left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    fn finite(&self) -> bool {
        self.x.is_finite() && self.y.is_finite() && self.w.is_finite() && self.h.is_finite()
    }

    /// Grown by `d` on every side.
    pub fn grow(&self, d: f64) -> Rect {
        Rect {
            x: self.x - d,
            y: self.y - d,
            w: self.w + 2.0 * d,
            h: self.h + 2.0 * d,
        }
    }

    /// The smallest box holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        let (x, y) = (self.x.min(o.x), self.y.min(o.y));
        Rect {
            x,
            y,
            w: self.right().max(o.right()) - x,
            h: self.bottom().max(o.bottom()) - y,
        }
    }

    /// True when the two come closer than `gap`.
    pub fn overlaps(&self, o: &Rect, gap: f64) -> bool {
        self.x < o.right() + gap
            && o.x < self.right() + gap
            && self.y < o.bottom() + gap
            && o.y < self.bottom() + gap
    }

    /// True when the box comes closer than `clear` to the circle.
    pub fn hits_circle(&self, c: &Circle, clear: f64) -> bool {
        // max/min, not clamp: clamp panics on NaN bounds.
        let nx = c.x.max(self.x).min(self.right());
        let ny = c.y.max(self.y).min(self.bottom());
        let rr = c.r + clear;
        (nx - c.x) * (nx - c.x) + (ny - c.y) * (ny - c.y) < rr * rr
    }

    /// True when the segment a-b passes through the box (Liang–Barsky).
    pub fn crossed_by(&self, a: P, b: P) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.x),
            (dx, self.right() - a.0),
            (-dy, a.1 - self.y),
            (dy, self.bottom() - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
                if t0 > t1 {
                    return false;
                }
            }
        }
        true
    }

    /// True when `o` lies inside this box.
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }
}

/// Where a label sits around its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Below,
    Right,
    Above,
    Left,
    BelowRight,
    AboveRight,
    BelowLeft,
    AboveLeft,
}

/// How a label's lines align in its box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Start,
    Center,
    End,
}

impl Side {
    /// In order of preference.
    pub const ALL: [Side; 8] = [
        Side::Below,
        Side::Right,
        Side::Above,
        Side::Left,
        Side::BelowRight,
        Side::AboveRight,
        Side::BelowLeft,
        Side::AboveLeft,
    ];

    /// Lines align toward the node.
    pub fn align(self) -> Align {
        match self {
            Side::Below | Side::Above => Align::Center,
            Side::Right | Side::BelowRight | Side::AboveRight => Align::Start,
            Side::Left | Side::BelowLeft | Side::AboveLeft => Align::End,
        }
    }

    /// The box of a `w` x `h` label on this side of `c`, [`NODE_GAP`] from
    /// its rim (diagonals touch the gap circle with their near corner).
    pub fn rect(self, c: &Circle, w: f64, h: f64) -> Rect {
        let d = c.r + NODE_GAP;
        let q = d * std::f64::consts::FRAC_1_SQRT_2;
        let (x, y) = match self {
            Side::Below => (c.x - w / 2.0, c.y + d),
            Side::Above => (c.x - w / 2.0, c.y - d - h),
            Side::Right => (c.x + d, c.y - h / 2.0),
            Side::Left => (c.x - d - w, c.y - h / 2.0),
            Side::BelowRight => (c.x + q, c.y + q),
            Side::AboveRight => (c.x + q, c.y - q - h),
            Side::BelowLeft => (c.x - q - w, c.y + q),
            Side::AboveLeft => (c.x - q - w, c.y - q - h),
        };
        Rect { x, y, w, h }
    }
}

/// The places a `w` x `h` label may take around `c`, in order of
/// preference: the eight sides, then the four main sides slid along the rim
/// (below and above by a third of the label's width each way, right and left
/// by half its height), still touching the gap. The slid places let a label
/// squeeze past a neighbour that blocks the centred one.
pub fn candidates(c: &Circle, w: f64, h: f64) -> Vec<(Side, Rect)> {
    let mut out: Vec<(Side, Rect)> = Side::ALL.iter().map(|&s| (s, s.rect(c, w, h))).collect();
    for s in [Side::Below, Side::Right, Side::Above, Side::Left] {
        let r = s.rect(c, w, h);
        let (dx, dy) = match s {
            Side::Below | Side::Above => (w / 3.0, 0.0),
            _ => (0.0, h / 2.0),
        };
        for sign in [1.0, -1.0] {
            out.push((
                s,
                Rect {
                    x: r.x + sign * dx,
                    y: r.y + sign * dy,
                    ..r
                },
            ));
        }
    }
    out
}

/// How many places [`candidates`] gives.
const CANDIDATES: usize = 16;

/// A placed node label: which text variant, where (`slot`: its index in
/// [`candidates`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placed {
    pub variant: usize,
    pub slot: usize,
    pub side: Side,
    pub rect: Rect,
}

/// The second line of a node's label: "120 spans · 8% err" (none for a
/// service that was not instrumented).
pub fn node_sub(spans: u32, errors: u32, external: bool) -> Option<String> {
    if external {
        return None;
    }
    let n = counted(spans as u64, "span");
    Some(if errors > 0 {
        format!(
            "{n} · {:.0}% err",
            errors as f64 / spans.max(1) as f64 * 100.0
        )
    } else {
        n
    })
}

/// A node label's texts, fullest first: name (cut at [`NAME_CHARS`]) and
/// `sub`, the name alone, the name cut at [`SHORT_CHARS`]. Control and bidi
/// characters are made visible (canvas text would obey them).
pub fn variants(name: &str, sub: Option<&str>) -> Vec<Vec<String>> {
    let name = visible(name, false);
    let full = clip(&name, NAME_CHARS);
    let mut out = Vec::new();
    if let Some(sub) = sub {
        out.push(vec![full.clone(), sub.to_owned()]);
    }
    out.push(vec![full]);
    out.push(vec![clip(&name, SHORT_CHARS)]);
    out.dedup();
    out
}

/// The box of a label whose lines measure `widths` px.
pub fn label_size(widths: &[f64]) -> (f64, f64) {
    let w = widths.iter().copied().fold(0.0, f64::max);
    (w + 2.0 * PAD, widths.len() as f64 * LINE_H + PAD)
}

/// The order labels are placed in: biggest node first (ties: first node).
pub fn label_order(radius: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..radius.len()).collect();
    let key = |r: f64| if r.is_finite() { r } else { 0.0 };
    order.sort_by(|&a, &b| key(radius[b]).total_cmp(&key(radius[a])).then(a.cmp(&b)));
    order
}

/// A node's on-screen radius factor at view scale `k`: `k^1.5` when zoomed
/// out, `sqrt(k)` when zoomed in. Discs change size more slowly than the
/// distances between them when magnified (a small map spreads out instead
/// of filling with discs) and faster when shrunk (a big map in a small
/// canvas keeps room between its discs for labels). Radii stay in
/// proportion, and since a disc never grows faster than the distances, the
/// layout's clearance between discs only widens.
pub fn node_scale(k: f64) -> f64 {
    if k > 1.0 {
        k.sqrt()
    } else {
        k * k.max(0.0).sqrt()
    }
}

/// Smallest on-screen radius a node shrinks to, px, while the layout's own
/// scale leaves it that much room.
pub const MIN_NODE_PX: f64 = 4.0;

/// On-screen radius of a node of layout radius `r` at view scale `k`:
/// [`node_scale`], but not below [`MIN_NODE_PX`] (or `r * k`, what the
/// layout keeps clear, if smaller), so the smallest services stay visible
/// dots.
pub fn screen_radius(r: f64, k: f64) -> f64 {
    if !(r.is_finite() && r > 0.0 && k.is_finite() && k > 0.0) {
        return 0.0;
    }
    (r * node_scale(k)).max((r * k).min(MIN_NODE_PX))
}

/// Items by grid cell; ids below `circles` are circles, the rest labels.
/// The grid covers the circles (plus room for labels around them); items and
/// queries beyond it fall in its border cells, so a test there still sees
/// everything it must.
#[derive(Default)]
struct Grid {
    x0: f64,
    y0: f64,
    cell: f64,
    gw: usize,
    gh: usize,
    cells: Vec<Vec<u32>>,
    /// Items covering too many cells: checked every time.
    big: Vec<u32>,
}

impl Grid {
    /// A grid over `b` (None: one cell), at most [`GRID_SIDE`] cells a side.
    fn over(b: Option<Rect>) -> Grid {
        let b = b.filter(Rect::finite).unwrap_or(Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        });
        let cell = CELL.max(b.w.max(b.h) / GRID_SIDE as f64);
        let side = |len: f64| ((len / cell).ceil() as usize).clamp(1, GRID_SIDE);
        let (gw, gh) = (side(b.w), side(b.h));
        Grid {
            x0: b.x,
            y0: b.y,
            cell,
            gw,
            gh,
            cells: vec![Vec::new(); gw * gh],
            big: Vec::new(),
        }
    }

    /// The cells `r` covers (clamped to the grid), or None when not finite.
    fn span(&self, r: &Rect) -> Option<(usize, usize, usize, usize)> {
        if !r.finite() {
            return None;
        }
        let at = |v: f64, o: f64, n: usize| {
            ((v - o) / self.cell).floor().clamp(0.0, (n - 1) as f64) as usize
        };
        Some((
            at(r.x, self.x0, self.gw),
            at(r.y, self.y0, self.gh),
            at(r.right(), self.x0, self.gw),
            at(r.bottom(), self.y0, self.gh),
        ))
    }

    fn insert(&mut self, id: u32, r: &Rect) {
        let Some((x0, y0, x1, y1)) = self.span(r) else {
            return;
        };
        if (x1 - x0 + 1) * (y1 - y0 + 1) > MAX_CELLS {
            self.big.push(id);
            return;
        }
        for gy in y0..=y1 {
            for gx in x0..=x1 {
                self.cells[gy * self.gw + gx].push(id);
            }
        }
    }

    /// True when `hit` is true for an item near `r` (not finite: true).
    fn any(&self, r: &Rect, mut hit: impl FnMut(u32) -> bool) -> bool {
        let Some((x0, y0, x1, y1)) = self.span(r) else {
            return true;
        };
        self.big.iter().any(|&id| hit(id))
            || (y0..=y1).any(|gy| {
                self.cells[gy * self.gw + x0..=gy * self.gw + x1]
                    .iter()
                    .any(|ids| ids.iter().any(|&id| hit(id)))
            })
    }
}

/// Places boxes among circles and each other, never overlapping them.
pub struct Placer<'a> {
    circles: &'a [Circle],
    segments: Vec<(P, P)>,
    area: Option<Rect>,
    grid: Grid,
    placed: Vec<Rect>,
    crossings: bool,
}

impl<'a> Placer<'a> {
    /// A placer among `circles`, counting crossings of `segments` when about
    /// `candidates` boxes will be tried, keeping boxes inside `area` when it
    /// can.
    pub fn new(
        circles: &'a [Circle],
        segments: Vec<(P, P)>,
        area: Option<Rect>,
        candidates: usize,
    ) -> Placer<'a> {
        let boxes: Vec<Rect> = circles
            .iter()
            .map(|c| {
                Rect {
                    x: c.x - c.r,
                    y: c.y - c.r,
                    w: 2.0 * c.r,
                    h: 2.0 * c.r,
                }
                .grow(CLEAR)
            })
            .collect();
        let extent = boxes
            .iter()
            .filter(|b| b.finite())
            .copied()
            .reduce(|a, b| a.union(&b));
        let mut grid = Grid::over(extent.map(|e| e.grow(GRID_ROOM)));
        for (i, b) in boxes.iter().enumerate() {
            grid.insert(i as u32, b);
        }
        let crossings = candidates.saturating_mul(segments.len()) <= CROSS_BUDGET;
        Placer {
            circles,
            segments,
            area,
            grid,
            placed: Vec::new(),
            crossings,
        }
    }

    /// True when `r` keeps clear of every circle and placed box.
    pub fn free(&self, r: &Rect) -> bool {
        if !r.finite() {
            return false;
        }
        let n = self.circles.len() as u32;
        !self.grid.any(&r.grow(CLEAR.max(LABEL_GAP)), |id| {
            if id < n {
                r.hits_circle(&self.circles[id as usize], CLEAR)
            } else {
                r.overlaps(&self.placed[(id - n) as usize], LABEL_GAP)
            }
        })
    }

    fn cost(&self, r: &Rect) -> f64 {
        let mut cost = 0.0;
        if self.area.is_some_and(|a| !a.contains(r)) {
            cost += OUTSIDE_COST;
        }
        if self.crossings {
            let crossed = self
                .segments
                .iter()
                .filter(|&&(a, b)| {
                    a.0.max(b.0) >= r.x
                        && a.0.min(b.0) <= r.right()
                        && a.1.max(b.1) >= r.y
                        && a.1.min(b.1) <= r.bottom()
                        && r.crossed_by(a, b)
                })
                .count();
            cost += crossed as f64 * CROSS_COST;
        }
        cost
    }

    /// Takes the cheapest free candidate (index into `candidates`; `stay`,
    /// last frame's choice, gets a bonus) and claims its space; None when
    /// none is free.
    pub fn place(&mut self, candidates: &[Rect], stay: Option<usize>) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, r) in candidates.iter().enumerate() {
            if !self.free(r) {
                continue;
            }
            let mut cost = self.cost(r) + i as f64;
            if stay == Some(i) {
                cost -= STAY_BONUS;
            }
            if best.is_none_or(|(_, b)| cost < b) {
                best = Some((i, cost));
            }
        }
        let (i, _) = best?;
        self.claim(candidates[i]);
        Some(i)
    }

    /// Marks `r` as taken.
    pub fn claim(&mut self, r: Rect) {
        let id = (self.circles.len() + self.placed.len()) as u32;
        self.grid.insert(id, &r);
        self.placed.push(r);
    }
}

/// Places node labels (`sizes[i]`: node i's text variants, fullest first;
/// none: no label) in `order`; `prev` is last frame's result (may be empty).
pub fn place_labels(
    placer: &mut Placer,
    circles: &[Circle],
    sizes: &[Vec<(f64, f64)>],
    order: &[usize],
    prev: &[Option<Placed>],
) -> Vec<Option<Placed>> {
    let mut out = vec![None; circles.len()];
    for &i in order {
        let (Some(c), Some(variants)) = (circles.get(i), sizes.get(i)) else {
            continue;
        };
        // Each variant's box lies inside the one before at every slot, so a
        // slot the shortest text cannot take no longer one can: test those
        // first, and skip the node (most of a big map's) when none is free.
        let Some(&(sw, sh)) = variants.last() else {
            continue;
        };
        let open: Vec<usize> = candidates(c, sw, sh)
            .iter()
            .enumerate()
            .filter(|(_, p)| placer.free(&p.1))
            .map(|(k, _)| k)
            .collect();
        if open.is_empty() {
            continue;
        }
        let was = prev.get(i).copied().flatten();
        for (v, &(w, h)) in variants.iter().enumerate() {
            let places = candidates(c, w, h);
            let rects: Vec<Rect> = open.iter().map(|&k| places[k].1).collect();
            let stay = was
                .filter(|p| p.variant == v)
                .and_then(|p| open.iter().position(|&k| k == p.slot));
            if let Some(j) = placer.place(&rects, stay) {
                let k = open[j];
                out[i] = Some(Placed {
                    variant: v,
                    slot: k,
                    side: places[k].0,
                    rect: places[k].1,
                });
                break;
            }
        }
    }
    out
}

/// What the map draws, in layout terms, for [`Scene::build`] and [`fit`].
pub struct SceneInput<'a> {
    /// Node centres and radii, layout units.
    pub world: &'a [(f64, f64)],
    pub radius: &'a [f64],
    /// Edges (caller, callee), their bends (px, see `map_edges::bends`) and
    /// whether each is drawn.
    pub ends: &'a [(usize, usize)],
    pub bends: &'a [f64],
    pub shown: &'a [bool],
    /// Each node's label variants' sizes, px, fullest first.
    pub sizes: &'a [Vec<(f64, f64)>],
    /// Label priority (see [`label_order`]).
    pub order: &'a [usize],
    /// Edge labels to place after the node labels: (edge, size px).
    pub edge_labels: &'a [(usize, (f64, f64))],
    /// Nodes drawn faded (while another is in focus): edge labels may cover
    /// their labels, which are then hard to read anyway.
    pub dimmed: &'a [bool],
}

/// The map on screen at one view transform.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    pub xf: Xf,
    pub circles: Vec<Circle>,
    /// One per edge, drawn or not.
    pub curves: Vec<Curve>,
    pub labels: Vec<Option<Placed>>,
    /// Edge labels that found room: (edge, box).
    pub edge_labels: Vec<(usize, Rect)>,
}

/// Gap between an edge's arrow tip and the callee's rim, px.
pub const ARROW_GAP: f64 = 2.0;
/// Where along its edge an edge label may sit, in order of preference.
const EDGE_LABEL_AT: [f64; 5] = [0.5, 0.38, 0.62, 0.28, 0.72];

impl Scene {
    /// Places everything at view transform `xf`; `area` (the canvas) is
    /// where labels should stay; `prev` is last frame's labels.
    pub fn build(input: &SceneInput, xf: Xf, area: Option<Rect>, prev: &[Option<Placed>]) -> Scene {
        let (k, ox, oy) = xf;
        let circles: Vec<Circle> = input
            .world
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| {
                let r = input.radius.get(i).copied().unwrap_or(0.0);
                Circle {
                    x: x * k + ox,
                    y: y * k + oy,
                    r: screen_radius(r, k),
                }
            })
            .collect();
        let none = Circle {
            x: 0.0,
            y: 0.0,
            r: 0.0,
        };
        let curves: Vec<Curve> = input
            .ends
            .iter()
            .enumerate()
            .map(|(i, &(a, b))| {
                let (ca, cb) = (
                    circles.get(a).copied().unwrap_or(none),
                    circles.get(b).copied().unwrap_or(none),
                );
                let bend = input.bends.get(i).copied().unwrap_or(0.0);
                Curve::between((ca.x, ca.y), ca.r, (cb.x, cb.y), cb.r, bend, ARROW_GAP)
            })
            .collect();
        let segments: Vec<(P, P)> = curves
            .iter()
            .enumerate()
            .filter(|(i, _)| input.shown.get(*i).copied().unwrap_or(false))
            .flat_map(|(_, c)| c.chords())
            .collect();
        let tries = input
            .sizes
            .iter()
            .map(|v| v.len() * CANDIDATES)
            .sum::<usize>()
            + input.edge_labels.len() * EDGE_LABEL_AT.len();
        let mut placer = Placer::new(&circles, segments.clone(), area, tries);
        let labels = place_labels(&mut placer, &circles, input.sizes, input.order, prev);
        let dim = |i: usize| input.dimmed.get(i).copied().unwrap_or(false);
        if !input.edge_labels.is_empty()
            && labels
                .iter()
                .enumerate()
                .any(|(i, l)| l.is_some() && dim(i))
        {
            // Start again with the circles and the labels in full view only.
            placer = Placer::new(&circles, segments, area, tries);
            for (i, l) in labels.iter().enumerate() {
                if let (Some(l), false) = (l, dim(i)) {
                    placer.claim(l.rect);
                }
            }
        }
        let mut edge_labels = Vec::new();
        for &(e, (w, h)) in input.edge_labels {
            let Some(c) = curves.get(e) else {
                continue;
            };
            let rects: Vec<Rect> = EDGE_LABEL_AT
                .iter()
                .map(|&t| {
                    let (x, y) = c.at(t);
                    Rect {
                        x: x - w / 2.0,
                        y: y - h / 2.0,
                        w,
                        h,
                    }
                })
                .collect();
            if let Some(j) = placer.place(&rects, None) {
                edge_labels.push((e, rects[j]));
            }
        }
        Scene {
            xf,
            circles,
            curves,
            labels,
            edge_labels,
        }
    }

    /// The box holding every circle (with its rings) and every label.
    pub fn bounds(&self) -> Option<Rect> {
        let rings = self.circles.iter().map(|c| {
            let r = c.r + NODE_GAP;
            Rect {
                x: c.x - r,
                y: c.y - r,
                w: 2.0 * r,
                h: 2.0 * r,
            }
        });
        let labels = self.labels.iter().flatten().map(|p| p.rect);
        rings
            .chain(labels)
            .filter(Rect::finite)
            .reduce(|a, b| a.union(&b))
    }

    /// The node under `p`: the nearest centre among circles holding it (on a
    /// tie the later node, drawn on top).
    pub fn node_at(&self, p: P) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, c) in self.circles.iter().enumerate() {
            let d2 = (c.x - p.0) * (c.x - p.0) + (c.y - p.1) * (c.y - p.1);
            if d2 <= c.r * c.r && best.is_none_or(|(_, b)| d2 <= b) {
                best = Some((i, d2));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The view transform at which the nodes and their labels fill `w` x `h`
/// with `margin` px on every side, centred, at most [`MAX_FIT_SCALE`], and
/// the scene there. Labels do not scale with the map, so the room they need
/// beyond the node centres is measured, the scale solved for what is left,
/// and the labels placed again, a few rounds; `warm` (the last fit's result)
/// starts from where the last frame ended.
pub fn fit(
    input: &SceneInput,
    w: f64,
    h: f64,
    margin: f64,
    prev: &[Option<Placed>],
    warm: Option<Xf>,
) -> Scene {
    let area = Rect {
        x: 0.0,
        y: 0.0,
        w,
        h,
    };
    let finite: Vec<(f64, f64)> = input
        .world
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    let Some(&(fx, fy)) = finite.first() else {
        return Scene::build(input, (1.0, w / 2.0, h / 2.0), Some(area), prev);
    };
    let (mut x0, mut y0, mut x1, mut y1) = (fx, fy, fx, fy);
    for &(x, y) in &finite {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let (bw, bh) = (x1 - x0, y1 - y0);
    // Room needed beyond the centres' box, px: left, right, top, bottom.
    let mut over = match warm {
        Some((k, ox, oy)) if k > 0.0 && k.is_finite() => {
            let s = Scene::build(input, (k, ox, oy), Some(area), prev);
            overhang(&s, (x0, y0, x1, y1))
        }
        _ => [60.0; 4],
    };
    let mut scene = Scene::default();
    for round in 0..FIT_ROUNDS {
        let aw = w - 2.0 * margin - over[0] - over[1];
        let ah = h - 2.0 * margin - over[2] - over[3];
        let mut k = MAX_FIT_SCALE;
        if bw > 0.0 {
            k = k.min(aw / bw);
        }
        if bh > 0.0 {
            k = k.min(ah / bh);
        }
        let k = if k.is_finite() { k.max(MIN_SCALE) } else { 1.0 };
        let ox = margin + over[0] + (aw - bw * k) / 2.0 - x0 * k;
        let oy = margin + over[2] + (ah - bh * k) / 2.0 - y0 * k;
        scene = Scene::build(input, (k, ox, oy), Some(area), prev);
        let now = overhang(&scene, (x0, y0, x1, y1));
        let settled = now.iter().zip(&over).all(|(a, b)| (a - b).abs() < 1.0);
        let fits = scene
            .bounds()
            .is_none_or(|b| area.grow(0.5 - margin).contains(&b));
        if settled && fits {
            break;
        }
        // Later rounds only grow the room, so the rounds cannot oscillate
        // between two placements.
        for (o, n) in over.iter_mut().zip(now) {
            *o = if round < 2 { n } else { o.max(n) };
        }
    }
    scene
}

/// How far a scene's drawing reaches beyond the centres' box `c` (layout
/// units), px, per side: left, right, top, bottom.
fn overhang(s: &Scene, c: (f64, f64, f64, f64)) -> [f64; 4] {
    let Some(b) = s.bounds() else {
        return [0.0; 4];
    };
    let (k, ox, oy) = s.xf;
    [
        (c.0 * k + ox) - b.x,
        b.right() - (c.2 * k + ox),
        (c.1 * k + oy) - b.y,
        b.bottom() - (c.3 * k + oy),
    ]
    .map(|v| if v.is_finite() { v.max(0.0) } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::force::{Edge, Graph, Layout, Params};
    use crate::layout::map_edges;

    /// Asserts that no placed label comes near a circle or another label.
    fn assert_clear(s: &Scene) {
        let labels: Vec<Rect> = s.labels.iter().flatten().map(|p| p.rect).collect();
        for (i, r) in labels.iter().enumerate() {
            for (j, c) in s.circles.iter().enumerate() {
                assert!(!r.hits_circle(c, CLEAR - 1e-9), "label {i} on node {j}");
            }
            for (j, o) in labels.iter().enumerate().skip(i + 1) {
                assert!(!r.overlaps(o, 0.0), "labels {i} and {j} overlap");
            }
        }
        for (e, r) in &s.edge_labels {
            for c in &s.circles {
                assert!(!r.hits_circle(c, CLEAR - 1e-9), "edge label {e} on a node");
            }
            for o in &labels {
                assert!(!r.overlaps(o, 0.0), "edge label {e} on a label");
            }
        }
    }

    /// Label sizes as the map measures them (about 6.2 px per character of
    /// 11 px text).
    fn sizes_of(names: &[String], spans: &[u32]) -> Vec<Vec<(f64, f64)>> {
        names
            .iter()
            .zip(spans)
            .map(|(n, &s)| {
                let sub = node_sub(s, s / 10, false);
                variants(n, sub.as_deref())
                    .iter()
                    .map(|lines| {
                        let w: Vec<f64> = lines
                            .iter()
                            .map(|l| l.chars().count() as f64 * 6.2)
                            .collect();
                        label_size(&w)
                    })
                    .collect()
            })
            .collect()
    }

    struct Map {
        g: Graph,
        l: Layout,
        names: Vec<String>,
        spans: Vec<u32>,
        ends: Vec<(usize, usize)>,
        calls: Vec<u32>,
    }

    /// `n` services with realistic names: a tree of calls plus `extra`
    /// cross calls, call counts spread over three orders of magnitude, laid
    /// out by the force simulation as the map does.
    fn services(n: usize, extra: usize, seed: u64, aspect: f64) -> Map {
        let mut rng = fastrand::Rng::with_seed(seed);
        const WORDS: [&str; 12] = [
            "order",
            "payment",
            "inventory",
            "recommendation",
            "shipping",
            "auth",
            "catalog",
            "pricing",
            "notification",
            "search",
            "fraud-check",
            "loyalty",
        ];
        let names: Vec<String> = (0..n)
            .map(|i| format!("{}-service-{i}", WORDS[i % WORDS.len()]))
            .collect();
        let spans: Vec<u32> = (0..n).map(|_| rng.u32(1..5000)).collect();
        let mut ends = Vec::new();
        for i in 1..n {
            ends.push((rng.usize(..i), i));
        }
        for _ in 0..extra {
            let (a, b) = (rng.usize(..n), rng.usize(..n));
            if a != b {
                ends.push((a, b));
            }
        }
        let calls: Vec<u32> = ends.iter().map(|_| 1 + rng.u32(0..30).pow(2)).collect();
        let radius: Vec<f64> = spans
            .iter()
            .map(|&s| 12.0 + 5.0 * (1.0 + s as f64).log2())
            .collect();
        let g = Graph {
            radius,
            edges: ends
                .iter()
                .zip(&calls)
                .map(|(&(a, b), &c)| Edge {
                    a,
                    b,
                    weight: c as f64,
                })
                .collect(),
        };
        let mut l = Layout::with_params(&g, 7, Params::service_map(aspect));
        l.run(&g, 1000);
        Map {
            g,
            l,
            names,
            spans,
            ends,
            calls,
        }
    }

    /// What a scene of `m` needs besides positions, at threshold
    /// `min_calls`.
    struct Parts {
        sizes: Vec<Vec<(f64, f64)>>,
        order: Vec<usize>,
        bends: Vec<f64>,
        shown: Vec<bool>,
    }

    impl Map {
        fn parts(&self, min_calls: u32) -> Parts {
            Parts {
                sizes: sizes_of(&self.names, &self.spans),
                order: label_order(&self.g.radius),
                bends: map_edges::bends(&self.ends),
                shown: map_edges::shown(&self.ends, &self.calls, self.names.len(), min_calls),
            }
        }

        fn input<'a>(
            &'a self,
            p: &'a Parts,
            edge_labels: &'a [(usize, (f64, f64))],
        ) -> SceneInput<'a> {
            SceneInput {
                world: self.l.positions(),
                radius: &self.g.radius,
                ends: &self.ends,
                bends: &p.bends,
                shown: &p.shown,
                sizes: &p.sizes,
                order: &p.order,
                edge_labels,
                dimmed: &[],
            }
        }
    }

    fn fit_map(m: &Map, w: f64, h: f64, min_calls: u32) -> (Scene, usize) {
        let s = fit(&m.input(&m.parts(min_calls), &[]), w, h, 24.0, &[], None);
        let n = s.labels.iter().flatten().count();
        (s, n)
    }

    #[test]
    fn rect_geometry() {
        let r = Rect {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let c = |x, y, r| Circle { x, y, r };
        assert!(r.hits_circle(&c(5.0, 5.0, 1.0), 0.0));
        assert!(r.hits_circle(&c(14.0, 5.0, 5.0), 0.0));
        assert!(!r.hits_circle(&c(16.0, 5.0, 5.0), 0.0));
        assert!(r.hits_circle(&c(16.0, 5.0, 5.0), 2.0));
        // Corner: distance sqrt(2) * 4 = 5.66.
        assert!(!r.hits_circle(&c(14.0, 14.0, 5.5), 0.0));
        assert!(r.hits_circle(&c(14.0, 14.0, 5.7), 0.0));
        let o = Rect { x: 11.0, ..r };
        assert!(!r.overlaps(&o, 0.0) && r.overlaps(&o, 2.0));
        assert!(r.crossed_by((-5.0, 5.0), (15.0, 5.0)));
        assert!(r.crossed_by((5.0, 5.0), (6.0, 6.0)));
        assert!(!r.crossed_by((-5.0, -1.0), (15.0, -1.0)));
        assert!(!r.crossed_by((-5.0, 5.0), (-1.0, 5.0)));
        assert!(r.crossed_by((-5.0, 20.0), (20.0, -5.0)));
        assert!(!r.crossed_by((-5.0, 30.0), (30.0, -5.0)));
        assert!(r.contains(&Rect { x: 1.0, ..r }.grow(-1.0)));
        assert_eq!(
            r.union(&Rect { x: 20.0, ..r }),
            Rect {
                x: 0.0,
                y: 0.0,
                w: 30.0,
                h: 10.0
            }
        );
    }

    #[test]
    fn sides_keep_the_gap() {
        let c = Circle {
            x: 100.0,
            y: 100.0,
            r: 20.0,
        };
        let places = candidates(&c, 60.0, 26.0);
        assert_eq!(places.len(), CANDIDATES);
        for (s, r) in places {
            assert!(!r.hits_circle(&c, NODE_GAP - 1e-6), "{s:?}");
            assert!(r.hits_circle(&c, NODE_GAP + 1e-6), "{s:?} too far");
        }
        assert_eq!(Side::Left.align(), Align::End);
        assert_eq!(Side::Below.align(), Align::Center);
    }

    #[test]
    fn texts_and_sizes() {
        assert_eq!(node_sub(1, 0, false).as_deref(), Some("1 span"));
        assert_eq!(
            node_sub(96, 10, false).as_deref(),
            Some("96 spans · 10% err")
        );
        assert_eq!(node_sub(0, 0, true), None);
        assert_eq!(
            variants("redis", None),
            vec![vec!["redis".to_owned()]],
            "one variant when nothing can be cut"
        );
        let long = "recommendation-engine-canary-eu-west-1";
        let v = variants(long, Some("3 spans"));
        assert_eq!(v.len(), 3);
        assert_eq!(v[0], vec!["recommendation-engine-canary…", "3 spans"]);
        assert_eq!(v[2], vec!["recommendation…"]);
        assert_eq!(variants("\u{202E}evil", None)[0][0], "[U+202E]evil");
        assert_eq!(label_size(&[50.0, 80.0]), (84.0, 28.0));
        assert_eq!(label_order(&[5.0, 20.0, f64::NAN, 20.0]), vec![1, 3, 0, 2]);
        assert_eq!(node_scale(0.25), 0.125);
        assert_eq!(node_scale(1.0), 1.0);
        assert_eq!(node_scale(4.0), 2.0);
        assert_eq!(screen_radius(10.0, 4.0), 20.0);
        assert_eq!(screen_radius(40.0, 0.25), 5.0);
        // Small nodes stay 4 px dots while the layout has the room...
        assert_eq!(screen_radius(20.0, 0.25), MIN_NODE_PX);
        // ...and no bigger than it has.
        assert_eq!(screen_radius(10.0, 0.1), 1.0);
        assert_eq!(screen_radius(f64::NAN, 1.0), 0.0);
        assert_eq!(screen_radius(10.0, 0.0), 0.0);
    }

    #[test]
    fn ring_of_twelve_shows_every_label_clear() {
        let circles: Vec<Circle> = (0..12)
            .map(|i| {
                let a = i as f64 / 12.0 * std::f64::consts::TAU;
                Circle {
                    x: 400.0 + 200.0 * a.cos(),
                    y: 300.0 + 200.0 * a.sin(),
                    r: 18.0 + i as f64,
                }
            })
            .collect();
        // Every node calls the next: the ring's edges.
        let segments: Vec<(P, P)> = (0..12)
            .map(|i| {
                let (a, b) = (circles[i], circles[(i + 1) % 12]);
                ((a.x, a.y), (b.x, b.y))
            })
            .collect();
        let names: Vec<String> = (0..12).map(|i| format!("checkout-service-{i}")).collect();
        let sizes = sizes_of(&names, &[120; 12]);
        let radius: Vec<f64> = circles.iter().map(|c| c.r).collect();
        let mut p = Placer::new(&circles, segments.clone(), None, 12 * 8);
        let labels = place_labels(&mut p, &circles, &sizes, &label_order(&radius), &[]);
        let s = Scene {
            circles: circles.clone(),
            labels: labels.clone(),
            ..Scene::default()
        };
        assert_clear(&s);
        assert!(labels.iter().all(|l| l.is_some_and(|p| p.variant == 0)));
        // Nothing forces a label onto an edge here: none crosses one.
        for l in labels.iter().flatten() {
            assert!(
                !segments.iter().any(|&(a, b)| l.rect.crossed_by(a, b)),
                "{l:?} crosses an edge"
            );
        }
        // Placing again with these as last frame's keeps every one in place.
        let mut p = Placer::new(&circles, segments, None, 12 * 8);
        let again = place_labels(&mut p, &circles, &sizes, &label_order(&radius), &labels);
        assert_eq!(again, labels);
    }

    #[test]
    fn crowded_labels_shorten_then_hide_smallest_first() {
        // Twelve nodes packed in a row: no room for full labels all round.
        let circles: Vec<Circle> = (0..12)
            .map(|i| Circle {
                x: 30.0 + i as f64 * 30.0,
                y: 50.0,
                r: if i == 5 { 14.0 } else { 10.0 },
            })
            .collect();
        let names: Vec<String> = (0..12).map(|i| format!("inventory-service-{i}")).collect();
        let sizes = sizes_of(&names, &[50; 12]);
        let radius: Vec<f64> = circles.iter().map(|c| c.r).collect();
        let mut p = Placer::new(&circles, Vec::new(), None, 0);
        let labels = place_labels(&mut p, &circles, &sizes, &label_order(&radius), &[]);
        assert_clear(&Scene {
            circles,
            labels: labels.clone(),
            ..Scene::default()
        });
        // The biggest node gets its full label; some are cut or hidden.
        assert_eq!(labels[5].map(|p| p.variant), Some(0));
        assert!(labels.iter().any(|l| l.is_none_or(|p| p.variant > 0)));
    }

    #[test]
    fn sixty_services_fit_with_clear_labels() {
        for (w, h) in [(1670.0, 800.0), (774.0, 300.0)] {
            let m = services(60, 154, 3, w / h);
            let (s, shown) = fit_map(&m, w, h, 0);
            assert_clear(&s);
            // Everything drawn is inside the canvas, margin included.
            let b = s.bounds().unwrap();
            let area = Rect {
                x: 0.0,
                y: 0.0,
                w,
                h,
            }
            .grow(-23.0);
            assert!(area.contains(&b), "{b:?} outside {w}x{h}");
            // and fills it along one axis (no small graph in a big box).
            assert!(
                b.w >= 0.9 * (w - 48.0) || b.h >= 0.9 * (h - 48.0),
                "{b:?} in {w}x{h}"
            );
            if w > 1000.0 {
                assert!(shown >= 50, "{shown} of 60 labels on a big screen");
            } else {
                assert!(shown >= 10, "{shown} of 60 labels on a small screen");
            }
        }
    }

    #[test]
    fn fit_of_tiny_and_degenerate_maps() {
        let sizes = vec![vec![(60.0, 28.0)]];
        let input = |world: &'static [(f64, f64)], radius: &'static [f64]| SceneInput {
            world,
            radius,
            ends: &[],
            bends: &[],
            shown: &[],
            sizes: &[],
            order: &[0],
            edge_labels: &[],
            dimmed: &[],
        };
        // One node: centred, at most MAX_FIT_SCALE.
        let mut one = input(&[(5.0, 5.0)], &[10.0]);
        one.sizes = &sizes;
        let s = fit(&one, 800.0, 600.0, 20.0, &[], None);
        assert!(s.xf.0 <= MAX_FIT_SCALE);
        assert!((s.circles[0].x - 400.0).abs() < 40.0);
        assert!(s.labels[0].is_some());
        assert_clear(&s);
        // Empty, non-finite, a canvas of nothing: finite and no panic.
        let s = fit(&input(&[], &[]), 800.0, 600.0, 20.0, &[], None);
        assert!(s.circles.is_empty() && s.xf.0.is_finite());
        let s = fit(
            &input(&[(f64::NAN, 0.0), (1.0, 1.0)], &[f64::INFINITY, -1.0]),
            0.0,
            0.0,
            20.0,
            &[],
            None,
        );
        assert!(s.xf.0.is_finite() && s.xf.1.is_finite() && s.xf.2.is_finite());
        assert!(s.xf.0 > 0.0);
    }

    #[test]
    fn edge_labels_avoid_node_labels() {
        let m = services(12, 4, 1, 1400.0 / 800.0);
        let parts = m.parts(0);
        let edge_labels: Vec<(usize, (f64, f64))> =
            (0..m.ends.len()).map(|e| (e, (130.0, 16.0))).collect();
        let input = m.input(&parts, &edge_labels);
        let s = fit(&input, 1400.0, 800.0, 24.0, &[], None);
        assert_clear(&s);
        assert!(!s.edge_labels.is_empty());

        // A service in focus, the rest faded: its edges' labels may cover
        // faded labels, never a circle or a label in full view.
        let hub = (0..12)
            .max_by_key(|&n| m.ends.iter().filter(|e| e.0 == n || e.1 == n).count())
            .unwrap();
        let near: Vec<bool> = (0..12)
            .map(|n| n == hub || m.ends.iter().any(|&e| e == (hub, n) || e == (n, hub)))
            .collect();
        let dimmed: Vec<bool> = near.iter().map(|&b| !b).collect();
        let mine: Vec<(usize, (f64, f64))> = edge_labels
            .iter()
            .copied()
            .filter(|&(e, _)| m.ends[e].0 == hub || m.ends[e].1 == hub)
            .collect();
        let focused = Scene::build(
            &SceneInput {
                edge_labels: &mine,
                dimmed: &dimmed,
                ..input
            },
            s.xf,
            Some(Rect {
                x: 0.0,
                y: 0.0,
                w: 1400.0,
                h: 800.0,
            }),
            &s.labels,
        );
        assert_eq!(focused.labels, s.labels, "node labels stay put");
        assert_eq!(
            focused.edge_labels.len(),
            mine.len(),
            "every edge of the hub labelled"
        );
        for (e, r) in &focused.edge_labels {
            for c in &focused.circles {
                assert!(!r.hits_circle(c, CLEAR - 1e-9), "edge label {e} on a node");
            }
            for (n, l) in focused.labels.iter().enumerate() {
                if let (Some(l), true) = (l, near[n]) {
                    assert!(
                        !r.overlaps(&l.rect, 0.0),
                        "edge label {e} on a label in view"
                    );
                }
            }
        }
    }

    /// Layout and label time for 60 and 200 services (run with
    /// `cargo test --release map_timing -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn map_timing() {
        for (n, extra) in [(60, 154), (200, 400), (1200, 0)] {
            let t0 = std::time::Instant::now();
            let m = services(n, extra, 5, 1670.0 / 800.0);
            let layout = t0.elapsed();
            let t1 = std::time::Instant::now();
            let min = map_edges::default_min_calls(&m.calls, n);
            let (s, shown) = fit_map(&m, 1670.0, 800.0, min);
            let fitting = t1.elapsed();
            let parts = m.parts(min);
            let t2 = std::time::Instant::now();
            let again = Scene::build(&m.input(&parts, &[]), s.xf, None, &s.labels);
            let frame = t2.elapsed();
            assert_clear(&again);
            println!(
                "{n} services, {} edges ({} shown): layout {layout:?}, fit {fitting:?}, one frame's labels {frame:?}, {shown} labels shown",
                m.ends.len(),
                parts.shown.iter().filter(|&&b| b).count()
            );
        }
    }
}
