//! The service map: services as nodes (size by span count, a red arc for the
//! error share), calls as edges (dashed for queue hops), laid out by the
//! force simulation in `layout::force`, which animates as it settles. Labels
//! are placed by `layout::map_labels` so that none covers a node or another
//! label, and the view fits nodes and labels into the canvas until the user
//! zooms, pans or drags. Hovering a node or an edge shows its numbers (and
//! dims what is not connected to it); a crowded map hides its quiet edges
//! behind a call threshold (`layout::map_edges`). Nodes can be dragged (and
//! stay pinned). Clicking a node selects the service (the waterfall filters
//! to it); clicking an edge lists the calls behind it.

use std::f64::consts::PI;
use std::sync::Arc;

use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::CanvasRenderingContext2d;

use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::use_size;
use crate::analysis::services::{self, ServiceEdge, ServiceGraph};
use crate::layout::colors::service_rgb;
use crate::layout::map_edges::{self, Curve};
use crate::layout::map_labels::{Align, Placed, Rect, Scene, Xf};
use crate::layout::map_labels::{LINE_H, PAD};
use crate::layout::map_model::{self, MapModel};
use crate::model::time::format_duration;
use crate::render::canvas;
use crate::sources::link::{MapScope, View};

const FONT: &str = "11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
/// Average width of a character of [`FONT`], for when nothing can measure.
const CHAR_PX: f64 = 6.2;
/// How near (px) the pointer must come to an edge to hover or click it.
const HIT_PX: f64 = 6.0;
/// The edge threshold control shows from this many edges on.
const FILTER_FROM_EDGES: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pick {
    Node(usize),
    Edge(usize),
}

/// The map's state, shared by its parts (all handles: Copy).
#[derive(Clone, Copy)]
struct Map {
    app: AppState,
    graph: Memo<Option<Arc<ServiceGraph>>>,
    model: StoredValue<Option<MapModel>, LocalStorage>,
    canvas: NodeRef<Canvas>,
    wrap: NodeRef<Div>,
    size: RwSignal<(f64, f64)>,
    xf: RwSignal<Xf>,
    /// Fit the view as the layout moves, until the user zooms, pans or drags.
    auto_fit: RwSignal<bool>,
    /// Bumped whenever the layout moves, so the canvas repaints.
    frame: RwSignal<u64>,
    pick: RwSignal<Option<Pick>>,
    hover: RwSignal<Option<Pick>>,
    tip_at: RwSignal<(f64, f64)>,
    /// The user's edge threshold; None: the graph's default.
    min_user: RwSignal<Option<u32>>,
    default_min: Memo<u32>,
    alive: StoredValue<bool>,
}

impl Map {
    fn min_calls(&self) -> u32 {
        self.min_user
            .get()
            .unwrap_or_else(|| self.default_min.get())
    }

    fn min_calls_untracked(&self) -> u32 {
        self.min_user
            .get_untracked()
            .unwrap_or_else(|| self.default_min.get_untracked())
    }

    /// The node whose edges stand out: hovered, else picked, else the
    /// selected service.
    fn focus_node(&self) -> Option<usize> {
        match self.hover.get().or(self.pick.get()) {
            Some(Pick::Node(n)) => Some(n),
            Some(Pick::Edge(_)) => None,
            None => {
                let chosen = self.app.service.get()?;
                self.graph.with(|g| g.as_ref()?.node(&chosen))
            }
        }
    }

    fn fit_now(&self) {
        let size = self.size.get_untracked();
        if size.0 <= 0.0 || size.1 <= 0.0 {
            return;
        }
        let min = self.min_calls_untracked();
        let xf = self
            .model
            .try_update_value(|s| s.as_mut().map(|m| m.fit(size, min)))
            .flatten();
        if let Some(xf) = xf {
            self.xf.set(xf);
        }
    }

    fn kick(self) {
        request_animation_frame(move || animate(self));
    }

    fn to_world(self, p: (f64, f64)) -> (f64, f64) {
        let (k, ox, oy) = self.xf.get_untracked();
        ((p.0 - ox) / k, (p.1 - oy) / k)
    }

    /// The node or drawn edge under `p` (px in the canvas). Edges count as
    /// drawn as they are without a hover: shown, or of the picked service.
    fn pick_at(&self, p: (f64, f64)) -> Option<Pick> {
        let focus = match self.pick.get_untracked() {
            Some(Pick::Node(n)) => Some(n),
            Some(Pick::Edge(_)) => None,
            None => self.app.service.get_untracked().and_then(|chosen| {
                self.graph
                    .with_untracked(|g| g.as_ref().and_then(|g| g.node(&chosen)))
            }),
        };
        self.model
            .try_with_value(|s| {
                let s = s.as_ref()?;
                if let Some(n) = s.scene.node_at(p) {
                    return Some(Pick::Node(n));
                }
                let drawn = map_edges::drawn(&s.ends, &s.shown, focus);
                map_edges::edge_at(&s.scene.curves, &drawn, p, HIT_PX).map(Pick::Edge)
            })
            .flatten()
    }

    /// A press: dragging from a node pins it where it is dropped, from
    /// anywhere else pans; either ends the fitting. `moved` is set once the
    /// pointer has gone 3 px.
    fn press(self, e: &web_sys::MouseEvent, moved: StoredValue<bool>) {
        if e.button() != 0 {
            return;
        }
        let start = self.point(e);
        let (sx, sy) = (e.client_x() as f64, e.client_y() as f64);
        moved.set_value(false);
        let grabbed = match self.pick_at(start) {
            Some(Pick::Node(n)) => Some(n),
            _ => None,
        };
        let xf0 = self.xf.get_untracked();
        platform::drag(
            move |m| {
                let (dx, dy) = (m.client_x() as f64 - sx, m.client_y() as f64 - sy);
                if dx.abs() + dy.abs() <= 3.0 && !moved.get_value() {
                    return;
                }
                moved.set_value(true);
                self.auto_fit.set(false);
                self.hover.set(None);
                match grabbed {
                    Some(n) => {
                        let w = self.to_world((start.0 + dx, start.1 + dy));
                        self.model.update_value(|m| {
                            if let Some(m) = m {
                                m.pin(n, w.0, w.1);
                            }
                        });
                        self.kick();
                    }
                    None => self.xf.set((xf0.0, xf0.1 + dx, xf0.2 + dy)),
                }
            },
            |_| {},
        );
    }

    /// The pointer moved (no button down): what is under it is hovered.
    fn hover_at(self, e: &web_sys::MouseEvent) {
        if e.buttons() != 0 {
            return;
        }
        let p = self.point(e);
        self.tip_at.set(p);
        let h = self.pick_at(p);
        if h != self.hover.get_untracked() {
            self.hover.set(h);
        }
    }

    /// A click at `p`: picks the node or edge there (a node also selects
    /// its service), or nothing.
    fn click(self, p: (f64, f64)) {
        let picked = self.pick_at(p);
        self.pick.set(picked);
        let name = match picked {
            Some(Pick::Node(n)) => self.graph.with_untracked(|g| {
                g.as_ref()
                    .and_then(|g| g.nodes.get(n))
                    .map(|n| n.name.clone())
            }),
            _ => None,
        };
        self.app.select_service(name);
    }

    /// Wheel: zoom around the pointer (pinch, reported with Ctrl, faster).
    fn zoom(self, e: &web_sys::WheelEvent) {
        e.prevent_default();
        let p = self.point(e);
        let (k, ox, oy) = self.xf.get_untracked();
        let f = (-e.delta_y() * if e.ctrl_key() { 0.01 } else { 0.0015 }).exp();
        let k2 = (k * f).clamp(0.05, 20.0);
        let r = k2 / k;
        self.auto_fit.set(false);
        self.xf
            .set((k2, p.0 - (p.0 - ox) * r, p.1 - (p.1 - oy) * r));
    }

    /// The pointer's position in the canvas.
    fn point(&self, e: &web_sys::MouseEvent) -> (f64, f64) {
        self.wrap
            .get_untracked()
            .map(|el| {
                let r = el.get_bounding_client_rect();
                (
                    e.client_x() as f64 - r.left(),
                    e.client_y() as f64 - r.top(),
                )
            })
            .unwrap_or((0.0, 0.0))
    }
}

/// Animation: a few simulation steps per frame until the layout settles. A
/// frame already requested may run after the map is gone (its values
/// disposed): it then finds `alive` unreadable and stops.
fn animate(map: Map) {
    if map.alive.try_get_value() != Some(true) {
        return;
    }
    // As many ticks as fit in a few milliseconds (at most 30): a small map
    // settles in a few frames, a 500-service one in well under a second, and
    // either way the frame rate holds while it moves.
    let t0 = platform::now_ms();
    let moving = map
        .model
        .try_update_value(|s| match s {
            Some(m) => {
                let mut moving = true;
                for _ in 0..30 {
                    moving = m.step();
                    if !moving || platform::now_ms() - t0 > 6.0 {
                        break;
                    }
                }
                moving
            }
            None => false,
        })
        .unwrap_or(false);
    if map.auto_fit.try_get_untracked() == Some(true) {
        map.fit_now();
    }
    map.frame.try_update(|f| *f += 1);
    if moving {
        map.kick();
    }
}

/// The width of `text` in the context's font. Called through JavaScript:
/// web-sys's `measure_text` needs a crate feature (`TextMetrics`) for one
/// call.
fn text_width(ctx: &CanvasRenderingContext2d, text: &str) -> Option<f64> {
    let f = js_sys::Reflect::get(ctx, &"measureText".into()).ok()?;
    let m = f
        .dyn_ref::<js_sys::Function>()?
        .call1(ctx, &text.into())
        .ok()?;
    js_sys::Reflect::get(&m, &"width".into())
        .ok()?
        .as_f64()
        .filter(|w| w.is_finite())
}

/// A context to measure label text with (the canvas's own).
fn measurer(el: Option<web_sys::HtmlCanvasElement>) -> impl Fn(&str) -> f64 {
    let ctx = el.and_then(|el| {
        el.get_context("2d")
            .ok()
            .flatten()?
            .dyn_into::<CanvasRenderingContext2d>()
            .ok()
    });
    if let Some(ctx) = &ctx {
        canvas::set_font(ctx, FONT);
    }
    move |s: &str| {
        ctx.as_ref()
            .and_then(|c| text_width(c, s))
            .unwrap_or(s.chars().count() as f64 * CHAR_PX)
    }
}

#[component]
pub fn ServiceMap() -> impl IntoView {
    let app = expect_context::<AppState>();
    let wrap = NodeRef::<Div>::new();
    let graph = Memo::new(move |_| {
        let t = app.trace.get()?;
        // All traces: those of the files not hidden.
        let traces: Vec<u32> = match app.map_scope.get() {
            MapScope::Trace => vec![t],
            MapScope::All => app.derived().shown.get().to_vec(),
        };
        Some(Arc::new(app.with_store(|s| services::graph(s, &traces))))
    });
    let default_min = Memo::new(move |_| {
        graph.with(|g| {
            g.as_ref().map_or(0, |g| {
                let calls: Vec<u32> = g.edges.iter().map(|e| e.calls).collect();
                map_edges::default_min_calls(&calls, g.nodes.len())
            })
        })
    });
    let map = Map {
        app,
        graph,
        model: StoredValue::new_local(None),
        canvas: NodeRef::new(),
        wrap,
        size: use_size(wrap),
        xf: RwSignal::new((1.0, 0.0, 0.0)),
        auto_fit: RwSignal::new(true),
        frame: RwSignal::new(0),
        pick: RwSignal::new(None),
        hover: RwSignal::new(None),
        tip_at: RwSignal::new((0.0, 0.0)),
        min_user: RwSignal::new(None),
        default_min,
        alive: StoredValue::new(true),
    };
    on_cleanup(move || map.alive.set_value(false));

    // A new graph: a new simulation, animated from the start.
    Effect::new(move |_| {
        let Some(g) = graph.get() else {
            return;
        };
        let (w, h) = map.size.get_untracked();
        let aspect = if w > 0.0 && h > 0.0 { w / h } else { 1.0 };
        let model = MapModel::new(&g, aspect, measurer(map.canvas.get_untracked()));
        map.model.set_value(Some(model));
        map.pick.set(None);
        map.hover.set(None);
        map.min_user.set(None);
        map.auto_fit.set(true);
        if let Some(el) = wrap.get_untracked() {
            let _ = el.remove_attribute("data-settled-at");
            let _ = el.set_attribute("data-started", &format!("{:.1}", platform::now_ms()));
        }
        map.kick();
    });
    // The canvas changed size (the window, the side panel): fit again.
    Effect::new(move |_| {
        map.size.track();
        map.min_user.track();
        if map.auto_fit.get_untracked() {
            map.fit_now();
        }
    });
    Effect::new(move |_| paint(map));
    expose_probes(map);

    view! {
        <div class="map">
            <MapToolbar map />
            <div class="map-body">
                <MapCanvas map />
                <MapPanel map />
            </div>
        </div>
    }
}

/// Draws the map; runs whenever anything it shows changes.
fn paint(map: Map) {
    map.frame.track();
    let size = map.size.get();
    let xf = map.xf.get();
    let dark = map.app.theme.get() == Theme::Dark;
    let focus = map.focus_node();
    let hover = map.hover.get();
    let picked = map.pick.get();
    let min_calls = map.min_calls();
    let span_service = map.app.span.get().map(|sp| {
        map.app
            .with_store(|s| services::service_name(s, s.spans.service[sp as usize]))
    });
    let (Some(el), Some(g)) = (map.canvas.get(), map.graph.get()) else {
        return;
    };
    if size.0 <= 0.0 || size.1 <= 0.0 {
        return;
    }
    let Some(ctx) = canvas::context(&el, size.0, size.1, platform::device_pixel_ratio()) else {
        return;
    };
    let palette = canvas::Palette::of(dark);
    ctx.set_fill_style_str(palette.bg);
    ctx.fill_rect(0.0, 0.0, size.0, size.1);
    canvas::set_font(&ctx, FONT);
    let hot_edge = match (hover, picked) {
        (Some(Pick::Edge(i)), _) | (None, Some(Pick::Edge(i))) => Some(i),
        _ => None,
    };
    let near = map_model::near(&g, focus);
    let dimmed: Vec<bool> = if focus.is_some() {
        near.iter().map(|&b| !b).collect()
    } else {
        Vec::new()
    };
    let look = Look {
        palette: &palette,
        dark,
        focus,
        hot_edge,
        ringed: span_service,
        near,
    };
    let settled = map
        .model
        .try_update_value(|s| {
            let s = s.as_mut()?;
            s.set_min_calls(min_calls);
            let drawn = map_edges::drawn(&s.ends, &s.shown, focus);
            let edge_req = map_model::labelled_edges(&g, &drawn, focus, hot_edge)
                .into_iter()
                .filter_map(|i| Some((i, edge_label_size(&ctx, g.edges.get(i)?))))
                .collect();
            s.scene_at(xf, size, min_calls, edge_req, dimmed);
            paint_edges(&ctx, &g, &s.scene.curves, &drawn, &look);
            paint_nodes(&ctx, &g, &s.scene, &look);
            paint_labels(&ctx, &s.texts, &s.scene.labels, &look);
            paint_edge_labels(&ctx, &g, &s.scene.edge_labels, &look);
            let shown = s.scene.labels.iter().flatten().count();
            Some((s.layout.settled(), shown))
        })
        .flatten();
    ctx.set_global_alpha(1.0);
    let Some(el) = map.wrap.get_untracked() else {
        return;
    };
    let Some((settled, labels)) = settled else {
        return;
    };
    let _ = el.set_attribute("data-settled", if settled { "true" } else { "false" });
    let _ = el.set_attribute("data-nodes", &g.nodes.len().to_string());
    let _ = el.set_attribute("data-labels", &labels.to_string());
    if settled && el.get_attribute("data-settled-at").is_none() {
        let _ = el.set_attribute("data-settled-at", &format!("{:.1}", platform::now_ms()));
        platform::mark("strata:map-settled");
    }
}

/// What the paint functions need to know besides geometry.
struct Look<'a> {
    palette: &'a canvas::Palette,
    dark: bool,
    /// The node whose edges stand out (others dim).
    focus: Option<usize>,
    /// The hovered or picked edge.
    hot_edge: Option<usize>,
    /// The service of the selected span (ringed).
    ringed: Option<String>,
    /// Per node: the focus or one of its neighbours (all true without a
    /// focus).
    near: Vec<bool>,
}

impl Look<'_> {
    /// Opacity of node `n`: dim unless it is the focus or a neighbour.
    fn node_alpha(&self, n: usize) -> f64 {
        if self.near.get(n).copied().unwrap_or(true) {
            1.0
        } else {
            0.25
        }
    }
}

/// The box of an edge's label, px.
fn edge_label_size(ctx: &CanvasRenderingContext2d, e: &ServiceEdge) -> (f64, f64) {
    let text = map_edges::edge_label(e);
    let w = text_width(ctx, &text).unwrap_or(text.chars().count() as f64 * CHAR_PX);
    (w + 8.0, 16.0)
}

fn set_dash(ctx: &CanvasRenderingContext2d, dash: &[f64]) {
    let a = js_sys::Array::new();
    for d in dash {
        a.push(&(*d).into());
    }
    let _ = ctx.set_line_dash(&a);
}

fn paint_edges(
    ctx: &CanvasRenderingContext2d,
    g: &ServiceGraph,
    curves: &[Curve],
    drawn: &[bool],
    look: &Look,
) {
    let grey = if look.dark { "#6e7681" } else { "#8c959f" };
    // The hot edge last, on top.
    let order = (0..g.edges.len())
        .filter(|&i| Some(i) != look.hot_edge)
        .chain(look.hot_edge);
    for i in order {
        let (Some(e), Some(c)) = (g.edges.get(i), curves.get(i)) else {
            continue;
        };
        if !drawn.get(i).copied().unwrap_or(false) || e.from == e.to {
            continue;
        }
        let hot = look.hot_edge == Some(i);
        let on = match (look.focus, look.hot_edge) {
            (Some(f), _) => e.from == f || e.to == f,
            (None, Some(_)) => hot,
            (None, None) => true,
        };
        ctx.set_global_alpha(if on || hot {
            1.0
        } else if look.focus.is_some() {
            0.12
        } else {
            0.35
        });
        let color = if e.errors > 0 {
            look.palette.error_mark
        } else {
            grey
        };
        ctx.set_stroke_style_str(color);
        ctx.set_fill_style_str(color);
        ctx.set_line_width(if hot {
            4.0
        } else {
            1.0 + (e.calls as f64).log10().max(0.0)
        });
        set_dash(ctx, if e.asynchronous { &[6.0, 4.0] } else { &[] });
        ctx.begin_path();
        ctx.move_to(c.s.0, c.s.1);
        ctx.quadratic_curve_to(c.c.0, c.c.1, c.e.0, c.e.1);
        ctx.stroke();
        set_dash(ctx, &[]);
        let (ux, uy) = c.end_direction();
        let (tx, ty) = c.e;
        let (len, half) = if hot { (12.0, 6.0) } else { (9.0, 4.5) };
        ctx.begin_path();
        ctx.move_to(tx, ty);
        ctx.line_to(tx - ux * len - uy * half, ty - uy * len + ux * half);
        ctx.line_to(tx - ux * len + uy * half, ty - uy * len - ux * half);
        ctx.close_path();
        ctx.fill();
    }
}

fn paint_nodes(ctx: &CanvasRenderingContext2d, g: &ServiceGraph, scene: &Scene, look: &Look) {
    for (i, n) in g.nodes.iter().enumerate() {
        let Some(c) = scene.circles.get(i) else {
            continue;
        };
        let (x, y, r) = (c.x, c.y, c.r);
        ctx.set_global_alpha(look.node_alpha(i));
        let rgb = if n.external {
            (0x9c, 0xa3, 0xaf)
        } else {
            service_rgb(&n.name)
        };
        ctx.begin_path();
        let _ = ctx.arc(x, y, r, 0.0, 2.0 * PI);
        ctx.set_fill_style_str(&canvas::css(rgb));
        ctx.fill();
        if n.external {
            set_dash(ctx, &[3.0, 3.0]);
            ctx.set_stroke_style_str(look.palette.muted);
            ctx.set_line_width(1.5);
            ctx.stroke();
            set_dash(ctx, &[]);
        }
        if n.errors > 0 {
            // The error share as a red arc around the node.
            ctx.begin_path();
            let _ = ctx.arc(
                x,
                y,
                r + 3.0,
                -PI / 2.0,
                -PI / 2.0 + 2.0 * PI * n.error_rate().max(0.03),
            );
            ctx.set_stroke_style_str(look.palette.error_mark);
            ctx.set_line_width(4.0);
            ctx.stroke();
        }
        if look.focus == Some(i) || look.ringed.as_deref() == Some(n.name.as_str()) {
            ctx.begin_path();
            let _ = ctx.arc(x, y, r + 7.0, 0.0, 2.0 * PI);
            ctx.set_stroke_style_str(look.palette.text);
            ctx.set_line_width(2.0);
            ctx.stroke();
        }
    }
}

/// Lines of text in `rect`, aligned as `align`, with a halo of the
/// background so an edge passing behind does not cut through them.
fn paint_text(
    ctx: &CanvasRenderingContext2d,
    lines: &[(String, &str)],
    rect: Rect,
    align: Align,
    bg: &str,
) {
    let (x, how) = match align {
        Align::Start => (rect.x + PAD, "left"),
        Align::Center => (rect.x + rect.w / 2.0, "center"),
        Align::End => (rect.right() - PAD, "right"),
    };
    ctx.set_text_align(how);
    ctx.set_text_baseline("middle");
    ctx.set_line_width(3.0);
    ctx.set_line_join("round");
    ctx.set_stroke_style_str(bg);
    for (j, (text, color)) in lines.iter().enumerate() {
        let y = rect.y + PAD / 2.0 + LINE_H * (j as f64 + 0.5);
        let _ = ctx.stroke_text(text, x, y);
        ctx.set_fill_style_str(color);
        let _ = ctx.fill_text(text, x, y);
    }
}

fn paint_labels(
    ctx: &CanvasRenderingContext2d,
    texts: &[Vec<Vec<String>>],
    labels: &[Option<Placed>],
    look: &Look,
) {
    for (i, p) in labels.iter().enumerate() {
        let Some(p) = p else {
            continue;
        };
        let Some(lines) = texts.get(i).and_then(|v| v.get(p.variant)) else {
            continue;
        };
        ctx.set_global_alpha(look.node_alpha(i));
        let colored: Vec<(String, &str)> = lines
            .iter()
            .enumerate()
            .map(|(j, l)| {
                let color = if j == 0 {
                    look.palette.text
                } else {
                    look.palette.muted
                };
                (l.clone(), color)
            })
            .collect();
        paint_text(ctx, &colored, p.rect, p.side.align(), look.palette.bg);
    }
}

fn paint_edge_labels(
    ctx: &CanvasRenderingContext2d,
    g: &ServiceGraph,
    placed: &[(usize, Rect)],
    look: &Look,
) {
    ctx.set_global_alpha(1.0);
    for &(i, r) in placed {
        let Some(e) = g.edges.get(i) else {
            continue;
        };
        ctx.set_global_alpha(0.9);
        ctx.set_fill_style_str(look.palette.bg);
        ctx.fill_rect(r.x, r.y, r.w, r.h);
        ctx.set_global_alpha(1.0);
        let color = if e.errors > 0 {
            look.palette.error_mark
        } else {
            look.palette.muted
        };
        let text = vec![(map_edges::edge_label(e), color)];
        let inner = Rect {
            y: r.y + (r.h - LINE_H - PAD) / 2.0,
            ..r
        };
        paint_text(ctx, &text, inner, Align::Center, look.palette.bg);
    }
}

/// Hooks for the end-to-end tests: where nodes, edges and labels are.
fn expose_probes(map: Map) {
    let circle = move |n: usize| {
        map.model
            .try_with_value(|s| s.as_ref()?.scene.circles.get(n).map(|c| (c.x, c.y)))
            .flatten()
    };
    super::probe::expose("__strataMapNode", move |name| {
        let name = name.as_string()?;
        let n = map
            .graph
            .try_with_untracked(|g| g.as_ref()?.node(&name))??;
        circle(n)
    });
    // A point where a click picks edge `i`: its middle, or the nearest
    // point along it clear of nodes and nearer edges.
    super::probe::expose("__strataMapEdge", move |i| {
        let i = i.as_f64()? as usize;
        let c = map
            .model
            .try_with_value(|s| s.as_ref()?.scene.curves.get(i).copied())
            .flatten()?;
        [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75]
            .into_iter()
            .map(|t| c.at(t))
            .find(|&p| map.pick_at(p) == Some(Pick::Edge(i)))
            .or(Some(c.at(0.5)))
    });
    // `__strataMapScene()`: the whole scene as JSON (nodes with their label
    // boxes, edges drawn, edge labels).
    let Some(w) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn Fn() -> JsValue>::new(move || {
        scene_json(map).map_or(JsValue::NULL, |s| JsValue::from_str(&s))
    });
    let _ = js_sys::Reflect::set(&w, &"__strataMapScene".into(), cb.as_ref());
    cb.forget();
}

fn scene_json(map: Map) -> Option<String> {
    let g = map.graph.try_get_untracked()??;
    let min = map.min_user.try_get_untracked()?;
    let min = min.or_else(|| map.default_min.try_get_untracked())?;
    map.model
        .try_with_value(|s| {
            let s = s.as_ref()?;
            let rect = |r: &Rect| serde_json::json!([r.x, r.y, r.w, r.h]);
            let nodes: Vec<serde_json::Value> = g
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let c = s.scene.circles.get(i);
                    let label = s.scene.labels.get(i).copied().flatten();
                    serde_json::json!({
                        "name": n.name,
                        "circle": c.map(|c| [c.x, c.y, c.r]),
                        "label": label.map(|p| rect(&p.rect)),
                        "text": label.and_then(|p| s.texts.get(i)?.get(p.variant).cloned()),
                    })
                })
                .collect();
            let edge_labels: Vec<serde_json::Value> = s
                .scene
                .edge_labels
                .iter()
                .map(|(i, r)| serde_json::json!({"edge": i, "box": rect(r)}))
                .collect();
            let json = serde_json::json!({
                "size": map.size.try_get_untracked(),
                "scale": s.scene.xf.0,
                "nodes": nodes,
                "edges": s.ends.len(),
                "shown": s.shown.iter().filter(|&&b| b).count(),
                "minCalls": min,
                "edgeLabels": edge_labels,
            });
            Some(json.to_string())
        })
        .flatten()
}

#[component]
fn MapToolbar(map: Map) -> impl IntoView {
    let app = map.app;
    let fit = move |_| {
        map.auto_fit.set(true);
        map.fit_now();
    };
    view! {
        <div class="map-toolbar">
            <div class="seg" role="group" aria-label="Scope">
                <button class:active=move || app.map_scope.get() == MapScope::Trace on:click=move |_| app.map_scope.set(MapScope::Trace)>"This trace"</button>
                <button class:active=move || app.map_scope.get() == MapScope::All on:click=move |_| app.map_scope.set(MapScope::All)>"All traces"</button>
            </div>
            <button class="btn small" on:click=fit>"Fit"</button>
            <span class="muted small">
                {move || map.graph.with(|g| g.as_ref().map(|g| format!("{} services · {} edges", g.nodes.len(), g.edges.len())))}
            </span>
            <EdgeFilter map />
            <span class="muted small hint">"hover: numbers · click: select · drag a node: pin it (double-click: release) · wheel: zoom · drag: pan · dashed: async"</span>
        </div>
    }
}

/// "Hide edges under N calls": a slider over the map's distinct call counts,
/// with how many edges it leaves.
#[component]
fn EdgeFilter(map: Map) -> impl IntoView {
    let steps = Memo::new(move |_| {
        map.graph.with(|g| {
            g.as_ref().map_or_else(Vec::new, |g| {
                map_edges::steps(&g.edges.iter().map(|e| e.calls).collect::<Vec<_>>())
            })
        })
    });
    let visible = move || {
        map.graph.with(|g| {
            g.as_ref().is_some_and(|g| {
                let crowded = map_edges::crowded(g.nodes.len(), g.edges.len());
                (crowded || g.edges.len() >= FILTER_FROM_EDGES) && steps.with(|s| s.len() > 1)
            })
        })
    };
    // Slider position i: at least steps[i] calls; one past the end: only
    // each service's busiest edge.
    let index = move || {
        let min = map.min_calls();
        steps.with(|s| s.partition_point(|&c| c < min))
    };
    let set = move |e: web_sys::Event| {
        let i: usize = event_target_value(&e).parse().unwrap_or(0);
        let min = steps.with(|s| s.get(i).copied().unwrap_or(u32::MAX));
        map.min_user.set(Some(min));
    };
    let shown = move || {
        let min = map.min_calls();
        map.graph.with(|g| {
            let g = g.as_ref()?;
            let ends: Vec<(usize, usize)> = g.edges.iter().map(|e| (e.from, e.to)).collect();
            let calls: Vec<u32> = g.edges.iter().map(|e| e.calls).collect();
            let n = map_edges::shown(&ends, &calls, g.nodes.len(), min)
                .iter()
                .filter(|&&b| b)
                .count();
            Some(format!("showing {n} of {} edges", g.edges.len()))
        })
    };
    let what = move || {
        let min = map.min_calls();
        if min == u32::MAX {
            "all but each service's busiest".to_owned()
        } else if steps.with(|s| s.first().is_none_or(|&f| min <= f)) {
            "none".to_owned()
        } else {
            format!("under {}", crate::model::units::counted(min as u64, "call"))
        }
    };
    view! {
        <Show when=visible>
            <label class="map-filter small" title="Quiet edges are hidden; every service keeps its busiest edge, and hovering or selecting a service shows all of its edges">
                <span>"Hide edges "</span>
                <input type="range" min="0" max=move || steps.with(Vec::len).to_string() step="1" prop:value=move || index().to_string() on:input=set aria-label="Hide edges with fewer calls than" />
                <span class="map-filter-what">{what}</span>
                <span class="muted">{shown}</span>
            </label>
        </Show>
    }
}

#[component]
fn MapCanvas(map: Map) -> impl IntoView {
    // Set once a press has moved: the click that ends it is no click.
    let moved = StoredValue::new(false);
    let on_click = move |e: web_sys::MouseEvent| {
        if !moved.get_value() {
            map.click(map.point(&e));
        }
    };
    let on_dblclick = move |e: web_sys::MouseEvent| {
        if let Some(Pick::Node(n)) = map.pick_at(map.point(&e)) {
            map.model.update_value(|m| {
                if let Some(m) = m {
                    m.layout.unpin(n);
                }
            });
            map.kick();
        }
    };
    view! {
        <div
            class="map-canvas"
            class:hot=move || map.hover.get().is_some()
            node_ref=map.wrap
            on:mousedown=move |e| map.press(&e, moved)
            on:mousemove=move |e| map.hover_at(&e)
            on:mouseleave=move |_| map.hover.set(None)
            on:click=on_click
            on:dblclick=on_dblclick
            on:wheel=move |e| map.zoom(&e)
        >
            <canvas node_ref=map.canvas></canvas>
            <MapTip map />
        </div>
    }
}

/// The tooltip of the hovered node or edge, in the flame graph's style.
#[component]
fn MapTip(map: Map) -> impl IntoView {
    move || {
        let hover = map.hover.get()?;
        let (x, y) = map.tip_at.get();
        let (title, lines) = map.graph.with(|g| {
            let g = g.as_ref()?;
            Some(match hover {
                Pick::Node(n) => {
                    let mut lines = map_edges::node_tip(g, n);
                    lines.extend(
                        map.app
                            .with_store(|s| map_edges::node_network_line(s, g, n)),
                    );
                    (g.nodes.get(n)?.name.clone(), lines)
                }
                Pick::Edge(i) => {
                    let e = g.edges.get(i)?;
                    let (a, b) = (g.nodes.get(e.from)?, g.nodes.get(e.to)?);
                    let mut lines = map_edges::edge_tip(e);
                    lines.extend(map.app.with_store(|s| map_edges::network_line(s, e)));
                    (format!("{} → {}", a.name, b.name), lines)
                }
            })
        })?;
        let (w, h) = map.size.get_untracked();
        let left = if x > w - 280.0 {
            (x - 270.0).max(0.0)
        } else {
            x + 14.0
        };
        // Near the bottom, above the pointer (the canvas clips).
        let vertical = if y > h - 120.0 {
            format!("bottom:{}px", h - y + 14.0)
        } else {
            format!("top:{}px", y + 14.0)
        };
        Some(view! {
            <div class="tooltip map-tip" style=format!("left:{left}px;{vertical}")>
                <b>{crate::model::units::visible(&title, false).into_owned()}</b>
                {lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
            </div>
        })
    }
}

/// Side panel: the picked node or edge.
#[component]
fn MapPanel(map: Map) -> impl IntoView {
    move || {
        let g = map.graph.get()?;
        let p = map.pick.get().or_else(|| {
            map.app
                .service
                .get()
                .and_then(|s| g.node(&s))
                .map(Pick::Node)
        })?;
        Some(match p {
            Pick::Node(n) => view! { <NodePanel map g n /> }.into_any(),
            Pick::Edge(i) => view! { <EdgePanel map g i /> }.into_any(),
        })
    }
}

/// A node's callers and callees as "name: 12 calls, 2 errors".
fn neighbours(g: &ServiceGraph, n: usize, incoming: bool) -> Vec<String> {
    g.edges
        .iter()
        .filter(|e| if incoming { e.to == n } else { e.from == n })
        .map(|e| {
            let other = &g.nodes[if incoming { e.from } else { e.to }].name;
            let errors = if e.errors > 0 {
                format!(", {} errors", e.errors)
            } else {
                String::new()
            };
            format!("{other}: {} calls{errors}", e.calls)
        })
        .collect()
}

#[component]
fn NodePanel(map: Map, g: Arc<ServiceGraph>, n: usize) -> impl IntoView {
    let app = map.app;
    let Some(node) = g.nodes.get(n).cloned() else {
        return ().into_any();
    };
    let (ins, outs) = (neighbours(&g, n, true), neighbours(&g, n, false));
    let name = node.name.clone();
    let list = |items: Vec<String>| {
        view! { <ul>{items.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul> }
    };
    view! {
        <aside class="map-panel">
            <h3>{node.name.clone()}</h3>
            {map_edges::node_stats(&node)
                .into_iter()
                .chain(app.with_store(|s| map_edges::node_network_line(s, &g, n)))
                .map(|l| view! { <p class="muted">{l}</p> })
                .collect_view()}
            <button class="btn small" on:click=move |_| { app.select_service(Some(name.clone())); app.show_view(View::Waterfall); }>"Show its spans in the waterfall"</button>
            <h4>{format!("Called by ({})", ins.len())}</h4>
            {list(ins)}
            <h4>{format!("Calls ({})", outs.len())}</h4>
            {list(outs)}
        </aside>
    }
    .into_any()
}

#[component]
fn EdgePanel(map: Map, g: Arc<ServiceGraph>, i: usize) -> impl IntoView {
    let app = map.app;
    let Some(e) = g.edges.get(i).cloned() else {
        return ().into_any();
    };
    let calls: Vec<(u32, String, String, bool)> = app.with_store(|s| {
        e.spans
            .iter()
            .take(200)
            .map(|&sp| {
                (
                    sp,
                    format!(
                        "{}: {}",
                        s.str(s.spans.service[sp as usize]),
                        s.str(s.spans.name[sp as usize])
                    ),
                    format_duration(s.spans.duration[sp as usize]),
                    s.is_error(sp),
                )
            })
            .collect()
    });
    let more = e.spans.len().saturating_sub(calls.len());
    let mut lines = map_edges::edge_tip(&e);
    lines.extend(app.with_store(|s| map_edges::network_line(s, &e)));
    view! {
        <aside class="map-panel">
            <h3>{format!("{} → {}", g.nodes[e.from].name, g.nodes[e.to].name)}</h3>
            {lines.into_iter().map(|l| view! { <p class="muted tight">{l}</p> }).collect_view()}
            <ol class="calls">
                {calls.into_iter().map(|(sp, name, dur, err)| view! {
                    <li>
                        <button class="link" class:bad=err on:click=move |_| { app.select_span(sp); app.show_view(View::Waterfall); }>{name}</button>
                        <span class="muted">{format!(" {dur}")}</span>
                    </li>
                }).collect_view()}
            </ol>
            {(more > 0).then(|| view! { <p class="muted">{format!("and {more} more")}</p> })}
        </aside>
    }
    .into_any()
}
