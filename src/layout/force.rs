//! Force-directed layout of the service map: services are circles, calls
//! between them are springs. The UI calls [`Layout::step`] once per animation
//! frame and draws [`Layout::positions`], so the map visibly settles; tests and
//! benchmarks call [`Layout::run`].
//!
//! The model is d3-force's (velocity Verlet with damping and a cooling
//! `alpha`). Every tick applies, scaled by `alpha`:
//! - a spring per edge toward rest length `r_a + r_b + gap`;
//! - repulsion between all nodes, Barnes–Hut approximated (O(n log n));
//! - linear gravity toward the origin. With 1/d repulsion in 2D this packs
//!   nodes at a constant density, so disconnected components stay in view and
//!   the map's area grows with the number of services, not faster. Gravity
//!   may pull harder along one axis ([`Params::aspect`]): the packed disc
//!   then becomes an ellipse as wide as the canvas it will fill (for a 2D
//!   Coulomb gas in a harmonic well the axes' ratio is the ratio of the
//!   pulls);
//!
//! and, not scaled by alpha, a collision force that keeps circles apart.
//! Alpha decays geometrically, so a layout settles in at most ~300 ticks; a
//! final pass then removes any overlap that is left, exactly.
//!
//! Deterministic: same graph and seed give bit-identical positions. Nothing
//! depends on hash order, time or a global RNG, and coordinates only see
//! `+ - * /` and `sqrt`, which IEEE 754 rounds exactly (no `sin`/`ln` from the
//! platform's libm), so native tests and the wasm build agree as well.

use fastrand::Rng;

/// Pins are clamped to this magnitude so squared distances stay finite.
const MAX_COORD: f64 = 1e12;
/// Quadtree leaves hold up to this many nodes: a few direct sums cost less
/// than the extra tree levels they save.
const LEAF: usize = 4;
/// Depth cap, so coincident nodes (which never split) still end recursion.
const MAX_DEPTH: u32 = 32;
/// Consecutive near-still ticks after which the layout counts as settled
/// before alpha runs out, so a finished map stops asking for frames.
const QUIET_TICKS: u32 = 5;
/// "Near-still": no free node moves more than this fraction of the typical
/// rest length in a tick (well under a pixel at any sensible zoom).
const QUIET_SPEED: f64 = 1e-3;
/// Cap on the final overlap-removal passes (each O(n)); a few suffice.
const RESOLVE_PASSES: usize = 1000;
/// cos and sin of the golden angle π(3 − √5), for the phyllotaxis spiral
/// (literals, so no platform trigonometry is involved).
const GOLDEN_COS: f64 = -0.7373688780783197;
const GOLDEN_SIN: f64 = 0.6754902942615238;
/// Initial-position jitter, as a fraction of the spiral step: enough for
/// seeds to give different layouts, small enough to keep the spiral's order.
const JITTER: f64 = 0.5;

/// The service map as the layout sees it: one circle per service and the
/// calls between them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    /// Radius of each node; its length is the number of nodes. Non-finite
    /// or negative radii count as 0.
    pub radius: Vec<f64>,
    /// Calls between nodes. Self-edges and out-of-range ends are ignored;
    /// duplicates are merged (weights added).
    pub edges: Vec<Edge>,
}

impl Graph {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.radius.len()
    }

    /// True when the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.radius.is_empty()
    }
}

/// A call relation between services `a` and `b` (direction does not matter
/// for the layout).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    /// Call count or similar. Heavier edges get stiffer springs, on a log
    /// scale and only mildly (half to full strength), so one hot path does
    /// not crush the map. Non-finite or negative weights count as 0.
    pub weight: f64,
}

/// Tuning knobs. The defaults are d3-force's, rescaled to node sizes so
/// the same constants work whatever unit the radii are in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Barnes–Hut opening criterion: a cell of side `s` at distance `d` acts
    /// as one body when `s / d < theta`. Higher is faster and coarser.
    pub theta: f64,
    /// Fraction of velocity lost per tick (friction); keeps it from ringing.
    pub velocity_decay: f64,
    /// Settled once alpha falls below this.
    pub alpha_min: f64,
    /// Alpha shrinks by this fraction per tick; the default takes alpha from
    /// 1 to `alpha_min` in 300 ticks, which bounds the work.
    pub alpha_decay: f64,
    /// Pull toward the origin per unit of distance.
    pub gravity: f64,
    /// Width over height the settled layout should have (the canvas's):
    /// gravity is `gravity / aspect^0.75` along x and `gravity *
    /// aspect^0.75` along y. Clamped to 1/4..4; 1 is round.
    pub aspect: f64,
    /// Repulsion of a node, relative to `(2 r + gap)^2`: bigger services
    /// claim more room. 1/30 is d3's -30 at link distance 30.
    pub charge: f64,
    /// Empty space a spring wants between two circles, in mean radii.
    pub link_gap: f64,
    /// Minimum clearance between circles once settled, in mean radii.
    pub margin: f64,
    /// Fraction of an overlap the collision force removes per tick; below 1
    /// so packed clusters do not jitter.
    pub collide: f64,
    /// Alpha a moved pin (or a change of edge weights only) raises the
    /// simulation to, so neighbours follow without reshuffling the map.
    pub reheat_pin: f64,
    /// Alpha a changed graph (nodes, radii or edge ends) raises it to; a
    /// change of weights only re-heats like a pin.
    pub reheat_graph: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            theta: 0.9,
            velocity_decay: 0.4,
            alpha_min: 0.001,
            // 1 - 0.001^(1/300), written out to avoid libm's powf.
            alpha_decay: 0.02276277904418933,
            gravity: 0.1,
            aspect: 1.0,
            charge: 1.0 / 30.0,
            link_gap: 2.0,
            margin: 0.25,
            collide: 0.7,
            reheat_pin: 0.1,
            reheat_graph: 0.3,
        }
    }
}

impl Params {
    /// The service map's tuning: springs long enough, and a clearance wide
    /// enough, to leave room for labels between nodes (with less room, the
    /// demo's 23 services in a 774 x 275 canvas kept 20 labels, not 22), and
    /// the canvas's `aspect`.
    pub fn service_map(aspect: f64) -> Params {
        Params {
            link_gap: 6.0,
            margin: 2.5,
            aspect,
            ..Params::default()
        }
    }
}

/// A merged, validated edge with its spring constants.
#[derive(Clone, Copy, Debug)]
struct Spring {
    a: usize,
    b: usize,
    /// Rest length: both radii plus the gap.
    rest: f64,
    /// d3's `1 / min(degree)`, so hubs are not torn apart, times the weight
    /// factor.
    strength: f64,
    /// Share of the correction `b` takes: the end with fewer edges moves
    /// more.
    bias: f64,
}

/// Positions and simulation state for one graph. Keep one per service map
/// and feed it the same (or an updated) graph every step.
#[derive(Clone, Debug)]
pub struct Layout {
    params: Params,
    seed: u64,
    pos: Vec<(f64, f64)>,
    vel: Vec<(f64, f64)>,
    pinned: Vec<bool>,
    alpha: f64,
    settled: bool,
    ticks: usize,
    /// Consecutive near-still ticks (see [`QUIET_TICKS`]).
    quiet: u32,
    /// The graph last seen, to notice changes (compared bitwise, so a NaN
    /// radius does not look like a change every frame).
    seen_radius: Vec<f64>,
    seen_edges: Vec<Edge>,
    /// Sanitized radii and what derives from them.
    r: Vec<f64>,
    scale: Scale,
    springs: Vec<Spring>,
    /// Buffers reused across ticks, so stepping does not allocate.
    tree: QuadTree,
    grid: Grid,
    charge: Vec<f64>,
    predicted: Vec<(f64, f64)>,
}

/// Lengths derived from the radii, so forces scale with node size.
#[derive(Clone, Copy, Debug, Default)]
struct Scale {
    /// Rest length between two mean-sized nodes.
    unit: f64,
    /// Spring gap between circles.
    gap: f64,
    /// Settled clearance between circles.
    margin: f64,
    /// Largest radius (sizes the collision grid).
    max_r: f64,
    /// Squared distance below which repulsion stops growing (d3's
    /// distanceMin), so near-coincident nodes are not flung away.
    dmin2: f64,
}

impl Layout {
    /// A layout with default [`Params`]; nodes start on a seeded
    /// phyllotaxis spiral around the origin.
    pub fn new(graph: &Graph, seed: u64) -> Layout {
        Layout::with_params(graph, seed, Params::default())
    }

    /// A layout with custom tuning.
    pub fn with_params(graph: &Graph, seed: u64, params: Params) -> Layout {
        let mut l = Layout {
            params,
            seed,
            pos: Vec::new(),
            vel: Vec::new(),
            pinned: Vec::new(),
            alpha: 1.0,
            settled: false,
            ticks: 0,
            quiet: 0,
            seen_radius: Vec::new(),
            seen_edges: Vec::new(),
            r: Vec::new(),
            scale: Scale::default(),
            springs: Vec::new(),
            tree: QuadTree::default(),
            grid: Grid::default(),
            charge: Vec::new(),
            predicted: Vec::new(),
        };
        l.sync(graph, true);
        l.alpha = 1.0;
        l.settled = l.pos.is_empty();
        l
    }

    /// One tick of the simulation; call once per animation frame and redraw.
    /// Returns true while the layout is still moving. A settled layout costs
    /// only a comparison with the last graph; a changed graph re-heats it.
    pub fn step(&mut self, graph: &Graph) -> bool {
        self.sync(graph, false);
        if self.settled {
            return false;
        }
        let alpha = self.alpha;
        self.spring_force(alpha);
        self.charge_force(alpha);
        self.gravity_force(alpha);
        self.collide_force();

        let keep = 1.0 - self.params.velocity_decay;
        let mut max_v2: f64 = 0.0;
        for i in 0..self.pos.len() {
            if self.pinned[i] {
                self.vel[i] = (0.0, 0.0);
                continue;
            }
            let (vx, vy) = (self.vel[i].0 * keep, self.vel[i].1 * keep);
            self.vel[i] = (vx, vy);
            self.pos[i].0 += vx;
            self.pos[i].1 += vy;
            max_v2 = max_v2.max(vx * vx + vy * vy);
        }
        self.ticks += 1;
        let decay = self.params.alpha_decay;
        // An unusable decay would never cool down: fall back to the default.
        let decay = if decay > 0.0 && decay <= 1.0 {
            decay
        } else {
            Params::default().alpha_decay
        };
        self.alpha *= 1.0 - decay;
        let quiet = QUIET_SPEED * self.scale.unit;
        if max_v2 < quiet * quiet {
            self.quiet += 1;
        } else {
            self.quiet = 0;
        }
        if self.alpha.is_nan() || self.alpha < self.params.alpha_min || self.quiet >= QUIET_TICKS {
            self.finish();
        }
        !self.settled
    }

    /// Steps until settled or `max_steps` ticks; returns the ticks taken (0
    /// if it was already settled). For tests, benchmarks and layouts that do
    /// not animate.
    pub fn run(&mut self, graph: &Graph, max_steps: usize) -> usize {
        let mut taken = 0;
        self.sync(graph, false);
        while !self.settled && taken < max_steps {
            self.step(graph);
            taken += 1;
        }
        taken
    }

    /// True once cooled down and overlap-free: the UI can stop animating.
    pub fn settled(&self) -> bool {
        self.settled
    }

    /// Centre of node `i`. Panics if `i` is out of range.
    pub fn position(&self, i: usize) -> (f64, f64) {
        self.pos[i]
    }

    /// Centres of all nodes, by node index.
    pub fn positions(&self) -> &[(f64, f64)] {
        &self.pos
    }

    /// Current temperature: forces are scaled by it.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Ticks simulated so far (including re-heats).
    pub fn ticks(&self) -> usize {
        self.ticks
    }

    /// Raises the temperature to at least `alpha` and resumes animating,
    /// for a caller that changed something the layout cannot see.
    pub fn reheat(&mut self, alpha: f64) {
        if self.pos.is_empty() || !alpha.is_finite() {
            return;
        }
        self.alpha = self.alpha.max(alpha);
        self.settled = false;
        self.quiet = 0;
    }

    /// Fixes node `i` at `(x, y)` (a drag). It keeps that position exactly
    /// while others move; if it moved, the layout re-heats a little so its
    /// neighbours follow. Non-finite coordinates pin it where it is; an
    /// out-of-range `i` is ignored.
    pub fn pin(&mut self, i: usize, x: f64, y: f64) {
        let Some(p) = self.pos.get(i).copied() else {
            return;
        };
        let (x, y) = if x.is_finite() && y.is_finite() {
            (
                x.clamp(-MAX_COORD, MAX_COORD),
                y.clamp(-MAX_COORD, MAX_COORD),
            )
        } else {
            p
        };
        self.pinned[i] = true;
        self.vel[i] = (0.0, 0.0);
        if (x, y) != p {
            self.pos[i] = (x, y);
            self.reheat(self.params.reheat_pin);
        }
    }

    /// Releases node `i` (drag end). It stays where it is until forces move
    /// it; no re-heat, so letting go does not shake the map.
    pub fn unpin(&mut self, i: usize) {
        if let Some(p) = self.pinned.get_mut(i) {
            *p = false;
        }
    }

    /// True if node `i` is pinned (false when out of range).
    pub fn is_pinned(&self, i: usize) -> bool {
        self.pinned.get(i).copied().unwrap_or(false)
    }

    /// `(min_x, min_y, max_x, max_y)` of all circles, radii included, for
    /// [`fit`]. All zero for an empty layout.
    pub fn bounds(&self, graph: &Graph) -> (f64, f64, f64, f64) {
        if self.pos.is_empty() {
            return (0.0, 0.0, 0.0, 0.0);
        }
        let mut b = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for (i, &(x, y)) in self.pos.iter().enumerate() {
            let r = radius_of(graph, i);
            b.0 = b.0.min(x - r);
            b.1 = b.1.min(y - r);
            b.2 = b.2.max(x + r);
            b.3 = b.3.max(y + r);
        }
        b
    }

    /// Hit test in layout coordinates: the node whose circle contains
    /// `(x, y)` with the nearest centre; on a tie the higher index, which is
    /// drawn last and so on top.
    pub fn node_at(&self, graph: &Graph, x: f64, y: f64) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, &(px, py)) in self.pos.iter().enumerate() {
            let r = radius_of(graph, i);
            let d2 = (px - x) * (px - x) + (py - y) * (py - y);
            if d2 <= r * r && best.is_none_or(|(_, b)| d2 <= b) {
                best = Some((i, d2));
            }
        }
        best.map(|(i, _)| i)
    }

    /// Brings the cached graph data up to date; re-heats on a change (unless
    /// `initial`). New nodes continue the spiral; removed ones are dropped.
    fn sync(&mut self, graph: &Graph, initial: bool) {
        let same_radius = graph.radius.len() == self.seen_radius.len()
            && graph
                .radius
                .iter()
                .zip(&self.seen_radius)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        let same_ends = graph.edges.len() == self.seen_edges.len()
            && graph
                .edges
                .iter()
                .zip(&self.seen_edges)
                .all(|(e, f)| e.a == f.a && e.b == f.b);
        let same_weights = same_ends
            && graph
                .edges
                .iter()
                .zip(&self.seen_edges)
                .all(|(e, f)| e.weight.to_bits() == f.weight.to_bits());
        if same_radius && same_weights && !initial {
            return;
        }
        let n = graph.radius.len();
        let old = self.pos.len();
        if n != old {
            self.pos.truncate(n);
            if n > old {
                let unit = if old > 0 {
                    self.scale.unit
                } else {
                    unit_of(&self.params, &graph.radius)
                };
                self.pos
                    .extend_from_slice(&spiral(self.seed, n, unit / 3.0)[old..]);
            }
            self.vel.resize(n, (0.0, 0.0));
            self.pinned.resize(n, false);
        }
        self.seen_radius.clone_from(&graph.radius);
        self.seen_edges.clone_from(&graph.edges);
        self.r = graph.radius.iter().map(|&r| sane(r)).collect();
        self.scale = scale_of(&self.params, &self.r);
        self.charge = self
            .r
            .iter()
            .map(|&r| {
                let s = 2.0 * r + self.scale.gap;
                self.params.charge * s * s
            })
            .collect();
        self.springs = springs(&graph.edges, &self.r, self.scale.gap);
        if !initial {
            // Only call counts changed (live data): springs stiffen or relax
            // a little, so a small nudge is enough and the map stays calm.
            let weights_only = same_radius && same_ends;
            self.reheat(if weights_only {
                self.params.reheat_pin
            } else {
                self.params.reheat_graph
            });
        }
    }

    /// Springs pull (or push) each edge toward its rest length, acting on
    /// predicted positions (position + velocity) like d3's link force.
    fn spring_force(&mut self, alpha: f64) {
        for s in &self.springs {
            let (wa, wb) = match (self.pinned[s.a], self.pinned[s.b]) {
                (false, false) => (1.0 - s.bias, s.bias),
                (true, false) => (0.0, 1.0),
                (false, true) => (1.0, 0.0),
                (true, true) => continue,
            };
            let (pa, va) = (self.pos[s.a], self.vel[s.a]);
            let (pb, vb) = (self.pos[s.b], self.vel[s.b]);
            let dx = (pb.0 + vb.0) - (pa.0 + va.0);
            let dy = (pb.1 + vb.1) - (pa.1 + va.1);
            let l2 = dx * dx + dy * dy;
            if l2 <= 0.0 {
                // No direction to pull in; repulsion separates them first.
                continue;
            }
            let l = l2.sqrt();
            let k = (l - s.rest) / l * alpha * s.strength;
            let (fx, fy) = (dx * k, dy * k);
            self.vel[s.b].0 -= fx * wb;
            self.vel[s.b].1 -= fy * wb;
            self.vel[s.a].0 += fx * wa;
            self.vel[s.a].1 += fy * wa;
        }
    }

    /// All-pairs repulsion, Barnes–Hut approximated.
    fn charge_force(&mut self, alpha: f64) {
        if self.pos.len() < 2 || self.params.charge <= 0.0 {
            return;
        }
        self.tree.build(&self.pos, &self.charge);
        let theta2 = self.params.theta * self.params.theta;
        for i in 0..self.pos.len() {
            if self.pinned[i] {
                continue;
            }
            let (fx, fy) = self
                .tree
                .force(i, &self.pos, &self.charge, theta2, self.scale.dmin2);
            self.vel[i].0 += fx * alpha;
            self.vel[i].1 += fy * alpha;
        }
    }

    /// Linear pull toward the origin.
    fn gravity_force(&mut self, alpha: f64) {
        let k = self.params.gravity * alpha;
        let a = self.params.aspect;
        // The pulls' ratio is aspect^1.5, not aspect: springs and collisions
        // round the ellipse off (aspect 2.5 gave 1.7 with the plain ratio).
        let root = if a.is_finite() && a > 0.0 {
            let r = a.clamp(0.25, 4.0).sqrt();
            r * r.sqrt()
        } else {
            1.0
        };
        let (kx, ky) = (k / root, k * root);
        for i in 0..self.pos.len() {
            if !self.pinned[i] {
                self.vel[i].0 -= self.pos[i].0 * kx;
                self.vel[i].1 -= self.pos[i].1 * ky;
            }
        }
    }

    /// Pushes overlapping circles (clearance included) apart on predicted
    /// positions. Not scaled by alpha: it is a constraint, not a preference.
    fn collide_force(&mut self) {
        let strength = self.params.collide;
        if self.pos.len() < 2 || strength <= 0.0 {
            return;
        }
        self.predicted.clear();
        self.predicted.extend(
            self.pos
                .iter()
                .zip(&self.vel)
                .map(|(p, v)| (p.0 + v.0, p.1 + v.1)),
        );
        self.grid
            .build(&self.predicted, 2.0 * self.scale.max_r + self.scale.margin);
        let margin = self.scale.margin;
        let Layout {
            grid,
            pos,
            vel,
            r,
            pinned,
            ..
        } = self;
        grid.pairs(|i, j| {
            let rr = r[i] + r[j] + margin;
            let dx = (pos[i].0 + vel[i].0) - (pos[j].0 + vel[j].0);
            let dy = (pos[i].1 + vel[i].1) - (pos[j].1 + vel[j].1);
            let l2 = dx * dx + dy * dy;
            if l2 >= rr * rr {
                return;
            }
            let Some((wi, wj)) = shares(r[i], r[j], pinned[i], pinned[j]) else {
                return;
            };
            let (dx, dy, k) = if l2 > 0.0 {
                let l = l2.sqrt();
                (dx, dy, (rr - l) / l * strength)
            } else {
                let (ux, uy) = jiggle(i, j);
                (ux, uy, rr * strength)
            };
            vel[i].0 += dx * k * wi;
            vel[i].1 += dy * k * wi;
            vel[j].0 -= dx * k * wj;
            vel[j].1 -= dy * k * wj;
        });
    }

    /// Ends the simulation: removes every remaining overlap by moving
    /// circles directly (Gauss–Seidel passes until one finds nothing), and
    /// stops all motion.
    fn finish(&mut self) {
        let margin = self.scale.margin;
        // Push pairs to the full clearance, but only when closer than half of
        // it: the slack lets the passes stop instead of chasing rounding.
        let tol = if margin > 0.0 {
            0.5 * margin
        } else {
            1e-9 * self.scale.unit
        };
        let cell = 2.0 * self.scale.max_r + margin;
        for _ in 0..RESOLVE_PASSES {
            self.grid.build(&self.pos, cell);
            let mut moved = false;
            let Layout {
                grid,
                pos,
                r,
                pinned,
                ..
            } = self;
            grid.pairs(|i, j| {
                let rr = r[i] + r[j] + margin;
                let dx = pos[i].0 - pos[j].0;
                let dy = pos[i].1 - pos[j].1;
                let l2 = dx * dx + dy * dy;
                let need = rr - tol;
                if need <= 0.0 || l2 >= need * need {
                    return;
                }
                let Some((wi, wj)) = shares(r[i], r[j], pinned[i], pinned[j]) else {
                    return;
                };
                let (ux, uy, push) = if l2 > 0.0 {
                    let l = l2.sqrt();
                    (dx / l, dy / l, rr - l)
                } else {
                    let (ux, uy) = jiggle(i, j);
                    (ux, uy, rr)
                };
                pos[i].0 += ux * push * wi;
                pos[i].1 += uy * push * wi;
                pos[j].0 -= ux * push * wj;
                pos[j].1 -= uy * push * wj;
                moved = true;
            });
            if !moved {
                break;
            }
        }
        self.vel.iter_mut().for_each(|v| *v = (0.0, 0.0));
        self.settled = true;
        self.quiet = 0;
    }
}

/// The transform that fits `bounds` into a `w` x `h` viewport with `margin`
/// pixels on every side: `screen = layout * scale + offset`, returned as
/// `(scale, offset_x, offset_y)`, the layout centred. Degenerate bounds or
/// viewports give a finite, positive scale.
pub fn fit(bounds: (f64, f64, f64, f64), w: f64, h: f64, margin: f64) -> (f64, f64, f64) {
    fit_max(bounds, w, h, margin, f64::INFINITY)
}

/// [`fit`], but never zooming in beyond `max_scale`, so a map of one or two
/// services is not drawn with giant circles.
pub fn fit_max(
    bounds: (f64, f64, f64, f64),
    w: f64,
    h: f64,
    margin: f64,
    max_scale: f64,
) -> (f64, f64, f64) {
    let (x0, y0, x1, y1) = bounds;
    let finite = |v: f64, d: f64| if v.is_finite() { v } else { d };
    let (w, h, margin) = (
        finite(w, 0.0).max(0.0),
        finite(h, 0.0).max(0.0),
        finite(margin, 0.0).max(0.0),
    );
    let (bw, bh) = (finite(x1 - x0, 0.0), finite(y1 - y0, 0.0));
    let aw = (w - 2.0 * margin).max(0.0);
    let ah = (h - 2.0 * margin).max(0.0);
    let mut scale = f64::INFINITY;
    if bw > 0.0 {
        scale = scale.min(aw / bw);
    }
    if bh > 0.0 {
        scale = scale.min(ah / bh);
    }
    scale = scale.min(max_scale);
    if !(scale.is_finite() && scale > 0.0) {
        scale = if max_scale.is_finite() && max_scale > 0.0 {
            max_scale.min(1.0)
        } else {
            1.0
        };
    }
    let cx = finite((x0 + x1) / 2.0, 0.0);
    let cy = finite((y0 + y1) / 2.0, 0.0);
    (scale, w / 2.0 - cx * scale, h / 2.0 - cy * scale)
}

/// A usable radius: finite and non-negative.
fn sane(r: f64) -> f64 {
    if r.is_finite() && r > 0.0 {
        r
    } else {
        0.0
    }
}

fn radius_of(graph: &Graph, i: usize) -> f64 {
    graph.radius.get(i).copied().map_or(0.0, sane)
}

/// Mean radius, or 1 if all are zero (so lengths never collapse to 0).
fn mean_radius(r: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for r in r {
        sum += r;
        n += 1;
    }
    let m = if n > 0 { sum / n as f64 } else { 0.0 };
    if m > 0.0 && m.is_finite() {
        m
    } else {
        1.0
    }
}

fn unit_of(params: &Params, radius: &[f64]) -> f64 {
    let m = mean_radius(radius.iter().map(|&r| sane(r)));
    (2.0 + params.link_gap.max(0.0)) * m
}

fn scale_of(params: &Params, r: &[f64]) -> Scale {
    let m = mean_radius(r.iter().copied());
    let gap = params.link_gap.max(0.0) * m;
    let unit = 2.0 * m + gap;
    let dmin = 0.05 * unit;
    Scale {
        unit,
        gap,
        margin: params.margin.max(0.0) * m,
        max_r: r.iter().copied().fold(0.0, f64::max),
        dmin2: dmin * dmin,
    }
}

/// Validated, merged springs: self-edges and out-of-range ends dropped,
/// duplicates (either direction) merged with weights added, in a stable
/// order so the result does not depend on sort internals.
fn springs(edges: &[Edge], r: &[f64], gap: f64) -> Vec<Spring> {
    let n = r.len();
    let mut pairs: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter(|e| e.a != e.b && e.a < n && e.b < n)
        .map(|e| (e.a.min(e.b), e.a.max(e.b), sane(e.weight)))
        .collect();
    pairs.sort_by_key(|p| (p.0, p.1));
    let mut merged: Vec<(usize, usize, f64)> = Vec::with_capacity(pairs.len());
    for p in pairs {
        match merged.last_mut() {
            Some(m) if m.0 == p.0 && m.1 == p.1 => m.2 += p.2,
            _ => merged.push(p),
        }
    }
    let mut degree = vec![0usize; n];
    let mut wmax: f64 = 0.0;
    for &(a, b, w) in &merged {
        degree[a] += 1;
        degree[b] += 1;
        wmax = wmax.max(w);
    }
    let lmax = if wmax.is_finite() {
        ln(1.0 + wmax)
    } else {
        0.0
    };
    merged
        .iter()
        .map(|&(a, b, w)| {
            let f = if lmax > 0.0 {
                0.5 + 0.5 * (ln(1.0 + w) / lmax).min(1.0)
            } else {
                1.0
            };
            let (da, db) = (degree[a] as f64, degree[b] as f64);
            Spring {
                a,
                b,
                rest: r[a] + r[b] + gap,
                strength: f / da.min(db),
                bias: da / (da + db),
            }
        })
        .collect()
}

/// How a push between two circles is shared: the smaller one moves more
/// (by area); a pinned one does not move. `None` when both are pinned.
fn shares(ri: f64, rj: f64, pi: bool, pj: bool) -> Option<(f64, f64)> {
    match (pi, pj) {
        (true, true) => None,
        (true, false) => Some((0.0, 1.0)),
        (false, true) => Some((1.0, 0.0)),
        (false, false) => {
            let (ai, aj) = (ri * ri, rj * rj);
            let wi = if ai + aj > 0.0 { aj / (ai + aj) } else { 0.5 };
            Some((wi, 1.0 - wi))
        }
    }
}

/// A unit vector for separating coincident nodes `i` and `j`, derived from
/// their indices (no RNG state): `j` goes the opposite way, so a pair
/// always splits, and different pairs split in different directions.
fn jiggle(i: usize, j: usize) -> (f64, f64) {
    let (lo, hi) = (i.min(j) as u64, i.max(j) as u64);
    let mut h = lo.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ hi.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 32;
    // Never zero: both components are offset by half a step.
    let x = (h & 0xFFFF) as f64 - 32767.5;
    let y = ((h >> 16) & 0xFFFF) as f64 - 32767.5;
    let l = (x * x + y * y).sqrt();
    let s = if i < j { 1.0 } else { -1.0 };
    (s * x / l, s * y / l)
}

/// Natural log for `x >= 1`, from `+ - * /` only (exponent bits plus an
/// atanh series, ~1e-12 relative), so spring strengths do not depend on the
/// platform's libm.
fn ln(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return 0.0;
    }
    const LN2: f64 = std::f64::consts::LN_2;
    const SQRT2: f64 = std::f64::consts::SQRT_2;
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7FF) as i64 - 1023;
    if e == -1023 {
        // Subnormal: not reachable for 1 + w, but keep it well-defined.
        return ln(x * 4503599627370496.0) - 52.0 * LN2;
    }
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > SQRT2 {
        m /= 2.0;
        e += 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let mut term = z;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 30.0 {
        sum += term / k;
        term *= z2;
        k += 2.0;
    }
    e as f64 * LN2 + 2.0 * sum
}

/// Seeded phyllotaxis spiral (d3's initial layout): even density, no two
/// nodes coincident, and a prefix of a longer spiral is the shorter one, so
/// nodes added later continue it. The seed rotates it and adds jitter.
fn spiral(seed: u64, n: usize, step: f64) -> Vec<(f64, f64)> {
    let mut rng = Rng::with_seed(seed);
    // A random direction by rejection sampling (no trigonometry).
    let (mut c, mut s) = loop {
        let x = rng.f64() * 2.0 - 1.0;
        let y = rng.f64() * 2.0 - 1.0;
        let l2 = x * x + y * y;
        if l2 > 1e-4 && l2 <= 1.0 {
            let l = l2.sqrt();
            break (x / l, y / l);
        }
    };
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let rad = step * (0.5 + i as f64).sqrt();
        let jx = (rng.f64() - 0.5) * step * JITTER;
        let jy = (rng.f64() - 0.5) * step * JITTER;
        out.push((rad * c + jx, rad * s + jy));
        (c, s) = (
            c * GOLDEN_COS - s * GOLDEN_SIN,
            c * GOLDEN_SIN + s * GOLDEN_COS,
        );
    }
    out
}

/// Barnes–Hut quadtree over node positions, rebuilt every tick into reused
/// buffers. Cells are stored flat; children of a cell are contiguous.
#[derive(Clone, Debug, Default)]
struct QuadTree {
    cells: Vec<Cell>,
    /// Node indices, permuted so every cell's nodes are a contiguous range.
    order: Vec<u32>,
    scratch: Vec<u32>,
    stack: Vec<u32>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Cell {
    /// Charge-weighted centre.
    x: f64,
    y: f64,
    /// Total charge.
    q: f64,
    /// Side length squared, for the opening test.
    size2: f64,
    /// Range of `order` holding this cell's nodes.
    start: u32,
    end: u32,
    /// First child cell and number of children (0 for a leaf).
    child: u32,
    nchild: u32,
}

impl QuadTree {
    fn build(&mut self, pos: &[(f64, f64)], q: &[f64]) {
        let n = pos.len();
        self.cells.clear();
        self.order.clear();
        self.order.extend(0..n as u32);
        self.scratch.resize(n, 0);
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in pos {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let mut size = (x1 - x0).max(y1 - y0);
        if !(size > 0.0 && size.is_finite()) {
            size = 1.0;
        }
        self.cells.push(Cell::default());
        self.fill(0, pos, q, 0..n, (x0, y0, size), 0);
    }

    /// Fills cell `slot` with nodes `order[range]` inside the square
    /// `(x0, y0, size)`, splitting into quadrants until leaves are small.
    fn fill(
        &mut self,
        slot: usize,
        pos: &[(f64, f64)],
        q: &[f64],
        range: std::ops::Range<usize>,
        sq: (f64, f64, f64),
        depth: u32,
    ) {
        let (s, e) = (range.start, range.end);
        let (x0, y0, size) = sq;
        let mut cell = Cell {
            size2: size * size,
            start: s as u32,
            end: e as u32,
            ..Cell::default()
        };
        if e - s <= LEAF || depth >= MAX_DEPTH {
            let (mut qs, mut qx, mut qy) = (0.0, 0.0, 0.0);
            for &j in &self.order[s..e] {
                let j = j as usize;
                qs += q[j];
                qx += q[j] * pos[j].0;
                qy += q[j] * pos[j].1;
            }
            (cell.x, cell.y) = centre(qs, qx, qy, sq);
            cell.q = qs;
            self.cells[slot] = cell;
            return;
        }
        let h = size / 2.0;
        let (mx, my) = (x0 + h, y0 + h);
        let quad = |j: u32| {
            let p = pos[j as usize];
            (p.0 >= mx) as usize | ((p.1 >= my) as usize) << 1
        };
        // Counting sort of the range by quadrant (deterministic, stable).
        let mut count = [0usize; 4];
        for &j in &self.order[s..e] {
            count[quad(j)] += 1;
        }
        let mut at = [
            s,
            s + count[0],
            s + count[0] + count[1],
            s + count[0] + count[1] + count[2],
        ];
        let bounds = at;
        for k in s..e {
            let j = self.order[k];
            let c = quad(j);
            self.scratch[at[c]] = j;
            at[c] += 1;
        }
        self.order[s..e].copy_from_slice(&self.scratch[s..e]);
        let first = self.cells.len();
        let nonempty = count.iter().filter(|&&c| c > 0).count();
        self.cells
            .extend(std::iter::repeat_n(Cell::default(), nonempty));
        cell.child = first as u32;
        cell.nchild = nonempty as u32;
        let mut c = first;
        for k in 0..4 {
            if count[k] == 0 {
                continue;
            }
            let sub = (x0 + (k & 1) as f64 * h, y0 + (k >> 1) as f64 * h, h);
            self.fill(c, pos, q, bounds[k]..bounds[k] + count[k], sub, depth + 1);
            c += 1;
        }
        let (mut qs, mut qx, mut qy) = (0.0, 0.0, 0.0);
        for ch in &self.cells[first..first + nonempty] {
            qs += ch.q;
            qx += ch.q * ch.x;
            qy += ch.q * ch.y;
        }
        (cell.x, cell.y) = centre(qs, qx, qy, sq);
        cell.q = qs;
        self.cells[slot] = cell;
    }

    /// Repulsion on node `i` (before the alpha factor): each body at squared
    /// distance `l2` pushes with `q / l`, i.e. `d * q / l2` as a vector.
    fn force(
        &mut self,
        i: usize,
        pos: &[(f64, f64)],
        q: &[f64],
        theta2: f64,
        dmin2: f64,
    ) -> (f64, f64) {
        let (xi, yi) = pos[i];
        let (mut fx, mut fy) = (0.0, 0.0);
        // Closer than dmin, the force stops growing (d3's distanceMin).
        let clamp = |l2: f64| if l2 < dmin2 { (dmin2 * l2).sqrt() } else { l2 };
        self.stack.clear();
        self.stack.push(0);
        while let Some(c) = self.stack.pop() {
            let cell = self.cells[c as usize];
            let dx = cell.x - xi;
            let dy = cell.y - yi;
            let l2 = dx * dx + dy * dy;
            if cell.size2 < theta2 * l2 {
                let k = cell.q / clamp(l2);
                fx -= dx * k;
                fy -= dy * k;
            } else if cell.nchild == 0 {
                for &j in &self.order[cell.start as usize..cell.end as usize] {
                    let j = j as usize;
                    if j == i {
                        continue;
                    }
                    let mut dx = pos[j].0 - xi;
                    let mut dy = pos[j].1 - yi;
                    let mut l2 = dx * dx + dy * dy;
                    if l2 <= 0.0 {
                        // Coincident: pretend `j` is dmin away in a fixed
                        // direction (opposite for the other of the pair).
                        let (ux, uy) = jiggle(j, i);
                        let d = dmin2.sqrt();
                        (dx, dy, l2) = (ux * d, uy * d, dmin2);
                        if l2 <= 0.0 {
                            continue;
                        }
                    }
                    let k = q[j] / clamp(l2);
                    fx -= dx * k;
                    fy -= dy * k;
                }
            } else {
                self.stack.extend(cell.child..cell.child + cell.nchild);
            }
        }
        (fx, fy)
    }
}

/// Charge-weighted centre, or the square's centre if there is no charge.
fn centre(qs: f64, qx: f64, qy: f64, sq: (f64, f64, f64)) -> (f64, f64) {
    if qs > 0.0 {
        (qx / qs, qy / qs)
    } else {
        (sq.0 + sq.2 / 2.0, sq.1 + sq.2 / 2.0)
    }
}

/// Uniform grid for collision pairs: cells at least as wide as the largest
/// contact distance, so touching circles are in neighbouring cells. Built by
/// counting sort into reused buffers (no hashing, deterministic order).
#[derive(Clone, Debug, Default)]
struct Grid {
    gx: usize,
    gy: usize,
    /// Cell `c` holds `items[start[c]..start[c + 1]]`.
    start: Vec<u32>,
    items: Vec<u32>,
    cell_of: Vec<u32>,
    /// Fill cursor per cell during the build.
    at: Vec<u32>,
}

impl Grid {
    fn build(&mut self, pts: &[(f64, f64)], min_cell: f64) {
        let n = pts.len();
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in pts {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if n == 0 || !(x1 - x0).is_finite() || !(y1 - y0).is_finite() {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let mut cs = if min_cell > 0.0 && min_cell.is_finite() {
            min_cell
        } else {
            1.0
        };
        // At most ~4 cells per node: a sparse, spread-out layout gets bigger
        // cells rather than a huge mostly-empty grid.
        let cap = (4 * n + 16) as f64;
        let (mut fx, mut fy);
        loop {
            fx = ((x1 - x0) / cs).floor() + 1.0;
            fy = ((y1 - y0) / cs).floor() + 1.0;
            if fx * fy <= cap {
                break;
            }
            cs *= (fx * fy / cap).sqrt().max(1.1);
        }
        self.gx = fx as usize;
        self.gy = fy as usize;
        let cells = self.gx * self.gy;
        self.start.clear();
        self.start.resize(cells + 1, 0);
        self.cell_of.clear();
        for &(x, y) in pts {
            let cx = (((x - x0) / cs) as usize).min(self.gx - 1);
            let cy = (((y - y0) / cs) as usize).min(self.gy - 1);
            let c = cy * self.gx + cx;
            self.cell_of.push(c as u32);
            self.start[c + 1] += 1;
        }
        for c in 0..cells {
            self.start[c + 1] += self.start[c];
        }
        self.items.clear();
        self.items.resize(n, 0);
        self.at.clear();
        self.at.extend_from_slice(&self.start[..cells]);
        for (i, &c) in self.cell_of.iter().enumerate() {
            self.items[self.at[c as usize] as usize] = i as u32;
            self.at[c as usize] += 1;
        }
    }

    /// Calls `f(i, j)` once for every pair `i < j` in the same or adjacent
    /// cells, in a fixed order.
    fn pairs(&self, mut f: impl FnMut(usize, usize)) {
        for (i, &c) in self.cell_of.iter().enumerate() {
            let c = c as usize;
            let (cx, cy) = (c % self.gx, c / self.gx);
            for ny in cy.saturating_sub(1)..=(cy + 1).min(self.gy - 1) {
                for nx in cx.saturating_sub(1)..=(cx + 1).min(self.gx - 1) {
                    let k = ny * self.gx + nx;
                    for &j in &self.items[self.start[k] as usize..self.start[k + 1] as usize] {
                        if (j as usize) > i {
                            f(i, j as usize);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random tree of `n` nodes plus `extra` random edges (self-edges and
    /// duplicates included on purpose), radii 5..25.
    fn random_graph(n: usize, extra: usize, seed: u64) -> Graph {
        let mut rng = Rng::with_seed(seed);
        let radius = (0..n).map(|_| 5.0 + 20.0 * rng.f64()).collect();
        let mut edges = Vec::new();
        for i in 1..n {
            edges.push(Edge {
                a: rng.usize(..i),
                b: i,
                weight: rng.u32(1..1000) as f64,
            });
        }
        for _ in 0..extra {
            if n > 0 {
                edges.push(Edge {
                    a: rng.usize(..n),
                    b: rng.usize(..n),
                    weight: 1.0,
                });
            }
        }
        Graph { radius, edges }
    }

    fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
        ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).sqrt()
    }

    fn assert_finite(l: &Layout) {
        for (i, p) in l.positions().iter().enumerate() {
            assert!(p.0.is_finite() && p.1.is_finite(), "node {i} at {p:?}");
        }
    }

    fn assert_no_overlap(l: &Layout, g: &Graph) {
        let p = l.positions();
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                let d = dist(p[i], p[j]);
                let rr = sane(g.radius[i]) + sane(g.radius[j]);
                assert!(d >= rr, "nodes {i} and {j} overlap: distance {d} < {rr}");
            }
        }
    }

    fn settle(g: &Graph, seed: u64) -> Layout {
        let mut l = Layout::new(g, seed);
        let steps = l.run(g, 1000);
        assert!(l.settled(), "not settled after {steps} steps");
        assert!(steps <= 300, "took {steps} steps");
        assert_finite(&l);
        l
    }

    #[test]
    fn no_overlap_after_settling() {
        for n in [5, 12, 40, 100, 200] {
            for seed in 0..3 {
                let g = random_graph(n, n / 2, seed * 7 + n as u64);
                let l = settle(&g, seed);
                assert_no_overlap(&l, &g);
            }
        }
    }

    #[test]
    fn connected_nodes_are_closer() {
        for seed in 0..3 {
            let g = random_graph(80, 40, seed);
            let l = settle(&g, seed);
            let p = l.positions();
            let mut linked = vec![false; 80 * 80];
            let (mut sum_e, mut n_e) = (0.0, 0);
            for e in g.edges.iter().filter(|e| e.a != e.b) {
                linked[e.a * 80 + e.b] = true;
                linked[e.b * 80 + e.a] = true;
                sum_e += dist(p[e.a], p[e.b]);
                n_e += 1;
            }
            let (mut sum_u, mut n_u) = (0.0, 0);
            for i in 0..80 {
                for j in i + 1..80 {
                    if !linked[i * 80 + j] {
                        sum_u += dist(p[i], p[j]);
                        n_u += 1;
                    }
                }
            }
            let (me, mu) = (sum_e / n_e as f64, sum_u / n_u as f64);
            assert!(me < 0.5 * mu, "edges {me} vs non-edges {mu}");
        }
    }

    #[test]
    fn deterministic_per_seed() {
        let g = random_graph(150, 100, 42);
        let a = settle(&g, 7);
        let b = settle(&g, 7);
        let bits = |l: &Layout| -> Vec<(u64, u64)> {
            l.positions()
                .iter()
                .map(|p| (p.0.to_bits(), p.1.to_bits()))
                .collect()
        };
        assert_eq!(bits(&a), bits(&b));
        let c = settle(&g, 8);
        assert_ne!(bits(&a), bits(&c));
        // Stepping frame by frame gives the same result as `run`.
        let mut d = Layout::new(&g, 7);
        while d.step(&g) {}
        assert_eq!(bits(&a), bits(&d));
    }

    #[test]
    fn components_stay_apart_and_in_view() {
        // Five components of different sizes plus isolated nodes.
        let mut g = Graph::default();
        let mut comp = Vec::new();
        for (c, size) in [30usize, 12, 6, 3, 2, 1, 1, 1].into_iter().enumerate() {
            let base = g.radius.len();
            for k in 0..size {
                g.radius.push(8.0 + ((k * 7 + c * 3) % 11) as f64);
                comp.push(c);
                if k > 0 {
                    g.edges.push(Edge {
                        a: base + (k - 1) / 2,
                        b: base + k,
                        weight: 1.0,
                    });
                }
            }
        }
        for seed in 0..4 {
            let l = settle(&g, seed);
            assert_no_overlap(&l, &g);
            let p = l.positions();
            // Circles of different components keep a clear gap.
            for i in 0..p.len() {
                for j in i + 1..p.len() {
                    if comp[i] != comp[j] {
                        assert!(dist(p[i], p[j]) > g.radius[i] + g.radius[j]);
                    }
                }
            }
            let area: f64 = g.radius.iter().map(|r| std::f64::consts::PI * r * r).sum();
            let (x0, y0, x1, y1) = l.bounds(&g);
            let diag = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
            assert!(
                diag < 6.0 * area.sqrt(),
                "diagonal {diag}, sqrt(area) {}",
                area.sqrt()
            );
            // Centred on the origin.
            assert!(x0 < 0.0 && y0 < 0.0 && x1 > 0.0 && y1 > 0.0);
        }
    }

    #[test]
    fn aspect_widens_the_layout() {
        let g = random_graph(80, 60, 4);
        let shape = |aspect: f64| {
            let mut l = Layout::with_params(
                &g,
                1,
                Params {
                    aspect,
                    ..Params::default()
                },
            );
            l.run(&g, 1000);
            assert!(l.settled());
            assert_no_overlap(&l, &g);
            let (x0, y0, x1, y1) = l.bounds(&g);
            (x1 - x0) / (y1 - y0)
        };
        let round = shape(1.0);
        assert!((0.7..1.4).contains(&round), "round layout {round}");
        let wide = shape(2.5);
        assert!((2.0..3.2).contains(&wide), "aspect 2.5 gave {wide}");
        let tall = shape(0.4);
        assert!((0.3..0.5).contains(&tall), "aspect 0.4 gave {tall}");
        // Unusable values mean round.
        assert_eq!(shape(f64::NAN), round);
    }

    #[test]
    fn pinned_node_stays_and_drags_neighbours() {
        let g = random_graph(60, 20, 3);
        let mut l = Layout::new(&g, 1);
        l.pin(5, 123.25, -77.5);
        assert!(l.is_pinned(5));
        l.run(&g, 1000);
        assert!(l.settled());
        assert_eq!(l.position(5), (123.25, -77.5));
        assert_no_overlap(&l, &g);

        // Dragging it far away re-heats, and its neighbours follow.
        let nb: Vec<usize> = g
            .edges
            .iter()
            .filter_map(|e| match (e.a, e.b) {
                (5, o) | (o, 5) if o != 5 => Some(o),
                _ => None,
            })
            .collect();
        assert!(!nb.is_empty());
        let target = (2000.0, 1500.0);
        let before: f64 = nb.iter().map(|&o| dist(l.position(o), target)).sum();
        l.pin(5, target.0, target.1);
        assert!(!l.settled());
        assert!(l.alpha() >= Params::default().reheat_pin);
        l.run(&g, 1000);
        assert!(l.settled());
        assert_eq!(l.position(5), target);
        let after: f64 = nb.iter().map(|&o| dist(l.position(o), target)).sum();
        assert!(
            after < before,
            "neighbours did not follow: {before} -> {after}"
        );

        // Pinning in place does not re-heat; unpinning neither.
        l.pin(5, target.0, target.1);
        assert!(l.settled());
        l.unpin(5);
        assert!(!l.is_pinned(5) && l.settled());
        assert!(!l.is_pinned(10_000));
        l.pin(10_000, 0.0, 0.0); // ignored
    }

    #[test]
    fn tiny_graphs() {
        let empty = Graph::default();
        let mut l = Layout::new(&empty, 0);
        assert!(l.settled());
        assert!(!l.step(&empty));
        assert_eq!(l.run(&empty, 100), 0);
        assert!(l.positions().is_empty());
        assert_eq!(l.bounds(&empty), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(l.node_at(&empty, 0.0, 0.0), None);

        let one = Graph {
            radius: vec![10.0],
            edges: vec![Edge {
                a: 0,
                b: 0,
                weight: 5.0,
            }],
        };
        let l = settle(&one, 0);
        let p = l.position(0);
        assert!(dist(p, (0.0, 0.0)) < 10.0, "single node at {p:?}");
        assert_eq!(l.node_at(&one, p.0, p.1), Some(0));

        let two = Graph {
            radius: vec![10.0, 20.0],
            edges: vec![Edge {
                a: 0,
                b: 1,
                weight: 1.0,
            }],
        };
        let l = settle(&two, 0);
        assert_no_overlap(&l, &two);
        let d = dist(l.position(0), l.position(1));
        assert!(
            d < 2.0 * (10.0 + 20.0 + 2.0 * 15.0),
            "two linked nodes {d} apart"
        );

        let apart = Graph {
            radius: vec![10.0, 10.0],
            edges: vec![],
        };
        let l = settle(&apart, 0);
        assert_no_overlap(&l, &apart);
    }

    #[test]
    fn degenerate_input_stays_finite() {
        let g = Graph {
            radius: vec![f64::NAN, -3.0, f64::INFINITY, 0.0, 10.0, 10.0],
            edges: vec![
                Edge {
                    a: 0,
                    b: 1,
                    weight: f64::NAN,
                },
                Edge {
                    a: 1,
                    b: 0,
                    weight: f64::INFINITY,
                },
                Edge {
                    a: 2,
                    b: 2,
                    weight: 1.0,
                },
                Edge {
                    a: 4,
                    b: 5,
                    weight: -1.0,
                },
                Edge {
                    a: 4,
                    b: 5,
                    weight: 1e300,
                },
                Edge {
                    a: 3,
                    b: 99,
                    weight: 1.0,
                },
            ],
        };
        let mut l = Layout::new(&g, 0);
        // Coincident pins, then release one: they must split without NaN.
        l.pin(4, 1.0, 1.0);
        l.pin(5, 1.0, 1.0);
        let p3 = l.position(3);
        l.pin(3, f64::NAN, 0.0);
        assert!(l.is_pinned(3) && l.position(3) == p3);
        l.step(&g);
        assert_finite(&l);
        // Two pinned circles cannot be separated; free one (and node 3).
        l.unpin(5);
        l.unpin(3);
        l.run(&g, 1000);
        assert!(l.settled());
        assert_finite(&l);
        assert_no_overlap(&l, &g);
        let b = l.bounds(&g);
        assert!(b.0.is_finite() && b.1.is_finite() && b.2.is_finite() && b.3.is_finite());

        // All radii zero: lengths fall back to unit radius.
        let z = Graph {
            radius: vec![0.0; 20],
            edges: vec![Edge {
                a: 0,
                b: 1,
                weight: 1.0,
            }],
        };
        let l = settle(&z, 1);
        let p = l.positions();
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                assert!(dist(p[i], p[j]) > 0.0);
            }
        }
    }

    #[test]
    fn many_coincident_nodes_split() {
        let g = Graph {
            radius: vec![5.0; 30],
            edges: vec![],
        };
        let mut l = Layout::new(&g, 0);
        for i in 0..30 {
            l.pin(i, 0.0, 0.0);
        }
        for i in 0..30 {
            l.unpin(i);
        }
        l.run(&g, 1000);
        assert!(l.settled());
        assert_finite(&l);
        assert_no_overlap(&l, &g);
    }

    #[test]
    fn large_graph_settles_within_budget() {
        let g = random_graph(500, 500, 9);
        let l = settle(&g, 3);
        assert_no_overlap(&l, &g);
        assert!(l.ticks() <= 300);
    }

    #[test]
    fn graph_changes_reheat() {
        let mut g = random_graph(30, 10, 1);
        let mut l = settle(&g, 0);
        assert!(!l.step(&g));
        g.radius.push(12.0);
        g.edges.push(Edge {
            a: 3,
            b: 30,
            weight: 2.0,
        });
        assert!(l.step(&g));
        assert_eq!(l.positions().len(), 31);
        l.run(&g, 1000);
        assert!(l.settled());
        assert_no_overlap(&l, &g);
        g.radius.truncate(10);
        assert!(l.step(&g));
        assert_eq!(l.positions().len(), 10);
        l.run(&g, 1000);
        assert_no_overlap(&l, &g);
        // New call counts only nudge it.
        l.run(&g, 1000);
        g.edges[0].weight += 100.0;
        assert!(l.step(&g));
        assert!(l.alpha() < Params::default().reheat_graph * 0.99);
        l.run(&g, 1000);
        assert!(l.settled());
        // A NaN radius is not a change every frame.
        g.radius[0] = f64::NAN;
        l.run(&g, 1000);
        assert!(l.settled() && !l.step(&g));
    }

    #[test]
    fn hit_test() {
        let g = random_graph(40, 10, 5);
        let l = settle(&g, 2);
        for i in 0..40 {
            let (x, y) = l.position(i);
            assert_eq!(l.node_at(&g, x, y), Some(i));
            assert_eq!(l.node_at(&g, x + g.radius[i] * 0.9, y), Some(i));
        }
        let (x0, y0, _, _) = l.bounds(&g);
        assert_eq!(l.node_at(&g, x0 - 1.0, y0 - 1.0), None);
    }

    #[test]
    fn fit_centres_and_scales() {
        let (s, ox, oy) = fit((-100.0, -50.0, 100.0, 50.0), 800.0, 600.0, 20.0);
        assert_eq!(s, 3.8);
        assert_eq!((-100.0 * s + ox, 0.0 * s + oy), (20.0, 300.0));
        assert_eq!((100.0 * s + ox, 50.0 * s + oy), (780.0, 490.0));
        let (s, ox, oy) = fit((0.0, 0.0, 0.0, 0.0), 800.0, 600.0, 20.0);
        assert_eq!((s, ox, oy), (1.0, 400.0, 300.0));
        let (s, _, _) = fit((0.0, 0.0, 10.0, 10.0), 10.0, 10.0, 20.0);
        assert_eq!(s, 1.0);
        let (s, ox, _) = fit_max((-10.0, -10.0, 10.0, 10.0), 800.0, 600.0, 0.0, 2.0);
        assert_eq!((s, ox), (2.0, 400.0));
        let (s, ox, oy) = fit((f64::NAN, 0.0, 1.0, f64::INFINITY), f64::NAN, 100.0, 0.0);
        assert!(s > 0.0 && s.is_finite() && ox.is_finite() && oy.is_finite());
    }

    #[test]
    fn ln_matches_std() {
        for x in [1.0, 1.5, 2.0, 3.0, 10.0, 1001.0, 1e10, 1e300] {
            let (a, b) = (ln(x), f64::ln(x));
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "ln({x}) = {a}, std {b}"
            );
        }
    }
}
