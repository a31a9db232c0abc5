//! The service map: services as nodes (size by span count, a red arc for the
//! error share), calls as edges (dashed for queue hops), laid out by the
//! force simulation in `layout::force`, which animates as it settles. Nodes can
//! be dragged (and stay pinned), the view zoomed and panned. Clicking a node
//! selects the service (the waterfall filters to it); clicking an edge lists
//! the calls behind it.

use std::f64::consts::PI;

use leptos::html::{Canvas, Div};
use leptos::prelude::*;

use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::use_size;
use crate::analysis::services::{self, ServiceGraph};
use crate::layout::colors::service_rgb;
use crate::layout::force::{self, Edge, Graph, Layout, Params};
use crate::model::time::format_duration;
use crate::render::canvas;
use crate::sources::link::{MapScope, View};

const SEED: u64 = 7;

/// Node radius from its span count (external nodes are small and fixed).
fn radius(spans: u32, external: bool) -> f64 {
    if external {
        10.0
    } else {
        12.0 + 5.0 * (1.0 + spans as f64).log2()
    }
}

fn force_graph(g: &ServiceGraph) -> Graph {
    Graph {
        radius: g
            .nodes
            .iter()
            .map(|n| radius(n.spans, n.external))
            .collect(),
        edges: g
            .edges
            .iter()
            .map(|e| Edge {
                a: e.from,
                b: e.to,
                weight: e.calls as f64,
            })
            .collect(),
    }
}

/// Room for the labels under nodes and on edges.
fn map_params() -> Params {
    Params {
        link_gap: 4.5,
        margin: 1.6,
        ..Params::default()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Pick {
    Node(usize),
    Edge(usize),
}

/// Distance from p to the segment a-b.
fn seg_dist(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - x).powi(2) + (p.1 - y).powi(2)).sqrt()
}

#[component]
pub fn ServiceMap() -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let size = use_size(wrap);
    // World -> screen: (scale, offset x, offset y). Auto-fit until the user
    // zooms or pans.
    let xf = RwSignal::new((1.0f64, 0.0f64, 0.0f64));
    let auto_fit = RwSignal::new(true);
    let frame = RwSignal::new(0u64);
    let pick = RwSignal::new(None::<Pick>);
    let graph = Memo::new(move |_| {
        let t = app.trace.get()?;
        let scope = app.map_scope.get();
        Some(app.with_store(|s| {
            let traces: Vec<u32> = match scope {
                MapScope::Trace => vec![t],
                MapScope::All => (0..s.traces.len() as u32).collect(),
            };
            services::graph(s, &traces)
        }))
    });
    let sim: StoredValue<Option<(Graph, Layout)>, LocalStorage> = StoredValue::new_local(None);

    let fit = move || {
        let (w, h) = size.get_untracked();
        sim.with_value(|s| {
            if let Some((g, l)) = s {
                if !g.radius.is_empty() {
                    // Never zoom in past natural size: two services stay small.
                    xf.set(force::fit_max(l.bounds(g), w, h, 48.0, 1.0));
                }
            }
        });
    };

    // Animation: a few simulation steps per frame until the layout settles.
    // A frame already requested may run after the map is gone (its values
    // disposed): it then finds `alive` unreadable and stops.
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    fn animate(
        sim: StoredValue<Option<(Graph, Layout)>, LocalStorage>,
        frame: RwSignal<u64>,
        auto_fit: RwSignal<bool>,
        fit: impl Fn() + Copy + 'static,
        alive: StoredValue<bool>,
    ) {
        if alive.try_get_value() != Some(true) {
            return;
        }
        // As many ticks as fit in a few milliseconds (at most 30): a small map
        // settles in a few frames, a 500-service one in well under a second,
        // and either way the frame rate holds while it moves.
        let t0 = platform::now_ms();
        let moving = sim
            .try_update_value(|s| match s {
                Some((g, l)) => {
                    let mut moving = true;
                    for _ in 0..30 {
                        moving = l.step(g);
                        if !moving || platform::now_ms() - t0 > 6.0 {
                            break;
                        }
                    }
                    moving
                }
                None => false,
            })
            .unwrap_or(false);
        if auto_fit.get_untracked() {
            fit();
        }
        frame.update(|f| *f += 1);
        if moving {
            request_animation_frame(move || animate(sim, frame, auto_fit, fit, alive));
        }
    }
    Effect::new(move |_| {
        let Some(g) = graph.get() else {
            return;
        };
        let fg = force_graph(&g);
        let layout = Layout::with_params(&fg, SEED, map_params());
        sim.set_value(Some((fg, layout)));
        pick.set(None);
        auto_fit.set(true);
        if let Some(el) = wrap.get_untracked() {
            let _ = el.remove_attribute("data-settled-at");
        }
        let t0 = platform::now_ms();
        request_animation_frame(move || animate(sim, frame, auto_fit, fit, alive));
        if let Some(el) = wrap.get_untracked() {
            let _ = el.set_attribute("data-started", &format!("{t0:.1}"));
        }
    });
    let kick = move || request_animation_frame(move || animate(sim, frame, auto_fit, fit, alive));

    let to_screen = move |p: (f64, f64)| {
        let (k, ox, oy) = xf.get_untracked();
        (p.0 * k + ox, p.1 * k + oy)
    };
    let to_world = move |p: (f64, f64)| {
        let (k, ox, oy) = xf.get_untracked();
        ((p.0 - ox) / k, (p.1 - oy) / k)
    };

    // Paint.
    Effect::new(move |_| {
        frame.track();
        let (w, h) = size.get();
        let (k, _, _) = xf.get();
        let dark = app.theme.get() == Theme::Dark;
        let picked = pick.get();
        let span_service = app
            .span
            .get()
            .map(|sp| app.with_store(|s| services::service_name(s, s.spans.service[sp as usize])));
        let chosen = app.service.get();
        let (Some(el), Some(g)) = (canvas_ref.get(), graph.get()) else {
            return;
        };
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let Some(ctx) = canvas::context(&el, w, h, platform::device_pixel_ratio()) else {
            return;
        };
        let palette = canvas::Palette::of(dark);
        ctx.set_fill_style_str(palette.bg);
        ctx.fill_rect(0.0, 0.0, w, h);
        let (text, muted) = (palette.text, palette.muted);
        let focus_node = match picked {
            Some(Pick::Node(n)) => Some(n),
            _ => chosen.as_deref().and_then(|c| g.node(c)),
        };
        sim.with_value(|s| {
            let Some((fg, l)) = s else {
                return;
            };
            let pos: Vec<(f64, f64)> = l.positions().iter().map(|&p| to_screen(p)).collect();
            // Edges, then their labels, then nodes on top.
            for (i, e) in g.edges.iter().enumerate() {
                let (a, b) = (pos[e.from], pos[e.to]);
                let (ra, rb) = (fg.radius[e.from] * k, fg.radius[e.to] * k);
                let d = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt().max(1e-6);
                let (ux, uy) = ((b.0 - a.0) / d, (b.1 - a.1) / d);
                let (sx, sy) = (a.0 + ux * ra, a.1 + uy * ra);
                let (tx, ty) = (b.0 - ux * (rb + 2.0), b.1 - uy * (rb + 2.0));
                let on = focus_node.is_none_or(|n| e.from == n || e.to == n)
                    || picked == Some(Pick::Edge(i));
                let color = if e.errors > 0 {
                    palette.error_mark
                } else if dark {
                    "#6e7681"
                } else {
                    "#8c959f"
                };
                ctx.set_global_alpha(if on { 1.0 } else { 0.15 });
                ctx.set_stroke_style_str(color);
                ctx.set_fill_style_str(color);
                ctx.set_line_width(if picked == Some(Pick::Edge(i)) {
                    4.0
                } else {
                    1.0 + (e.calls as f64).log10().max(0.0)
                });
                let dash = js_sys::Array::new();
                if e.asynchronous {
                    dash.push(&6.into());
                    dash.push(&4.into());
                }
                let _ = ctx.set_line_dash(&dash);
                ctx.begin_path();
                ctx.move_to(sx, sy);
                ctx.line_to(tx, ty);
                ctx.stroke();
                let _ = ctx.set_line_dash(&js_sys::Array::new());
                // arrowhead
                ctx.begin_path();
                ctx.move_to(tx, ty);
                ctx.line_to(tx - ux * 9.0 - uy * 4.5, ty - uy * 9.0 + ux * 4.5);
                ctx.line_to(tx - ux * 9.0 + uy * 4.5, ty - uy * 9.0 - ux * 4.5);
                ctx.close_path();
                ctx.fill();
            }
            ctx.set_font("11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif");
            ctx.set_text_align("center");
            ctx.set_text_baseline("middle");
            // Edge labels: all of them on small maps, else those of the
            // selected node or edge (dozens of labels would hide the graph).
            let few = g.edges.len() <= 10;
            for (i, e) in g.edges.iter().enumerate() {
                let focused = focus_node.is_some_and(|n| e.from == n || e.to == n)
                    || picked == Some(Pick::Edge(i));
                if !(focused || (few && focus_node.is_none())) {
                    continue;
                }
                let (a, b) = (pos[e.from], pos[e.to]);
                let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
                let mut label = format!("{} calls", e.calls);
                if e.errors > 0 {
                    label.push_str(&format!(" · {} err", e.errors));
                }
                label.push_str(&format!(" · p95 {}", format_duration(e.percentile(95.0))));
                ctx.set_global_alpha(0.9);
                ctx.set_fill_style_str(palette.bg);
                let wlabel = label.chars().count() as f64 * 5.9 + 8.0;
                ctx.fill_rect(mx - wlabel / 2.0, my - 8.0, wlabel, 16.0);
                ctx.set_global_alpha(1.0);
                ctx.set_fill_style_str(if e.errors > 0 {
                    palette.error_mark
                } else {
                    muted
                });
                let _ = ctx.fill_text(&label, mx, my);
            }
            for (i, n) in g.nodes.iter().enumerate() {
                let (x, y) = pos[i];
                let r = fg.radius[i] * k;
                let on = focus_node.is_none_or(|f| {
                    f == i
                        || g.edges
                            .iter()
                            .any(|e| (e.from == f && e.to == i) || (e.to == f && e.from == i))
                });
                ctx.set_global_alpha(if on { 1.0 } else { 0.25 });
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
                    let dash = js_sys::Array::new();
                    dash.push(&3.into());
                    dash.push(&3.into());
                    let _ = ctx.set_line_dash(&dash);
                    ctx.set_stroke_style_str(muted);
                    ctx.set_line_width(1.5);
                    ctx.stroke();
                    let _ = ctx.set_line_dash(&js_sys::Array::new());
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
                    ctx.set_stroke_style_str(palette.error_mark);
                    ctx.set_line_width(4.0);
                    ctx.stroke();
                }
                if focus_node == Some(i) || span_service.as_deref() == Some(n.name.as_str()) {
                    ctx.begin_path();
                    let _ = ctx.arc(x, y, r + 7.0, 0.0, 2.0 * PI);
                    ctx.set_stroke_style_str(text);
                    ctx.set_line_width(2.0);
                    ctx.stroke();
                }
                ctx.set_fill_style_str(text);
                let _ = ctx.fill_text(&n.name, x, y + r + 14.0);
                if !n.external {
                    ctx.set_fill_style_str(muted);
                    let sub = if n.errors > 0 {
                        format!(
                            "{} · {:.0}% err",
                            crate::model::units::counted(n.spans as u64, "span"),
                            n.error_rate() * 100.0
                        )
                    } else {
                        crate::model::units::counted(n.spans as u64, "span")
                    };
                    let _ = ctx.fill_text(&sub, x, y + r + 27.0);
                }
            }
            ctx.set_global_alpha(1.0);
        });
        if let Some(el) = wrap.get_untracked() {
            let settled = sim.with_value(|s| s.as_ref().is_some_and(|(_, l)| l.settled()));
            let _ = el.set_attribute("data-settled", if settled { "true" } else { "false" });
            let _ = el.set_attribute("data-nodes", &g.nodes.len().to_string());
            if settled && el.get_attribute("data-settled-at").is_none() {
                let _ = el.set_attribute("data-settled-at", &format!("{:.1}", platform::now_ms()));
                platform::mark("strata:map-settled");
            }
        }
    });

    // Where nodes and edges are on screen, for the end-to-end tests.
    super::probe::expose("__strataMapNode", move |name| {
        let name = name.as_string()?;
        let n = graph.get_untracked()?.node(&name)?;
        sim.with_value(|s| s.as_ref().map(|(_, l)| to_screen(l.position(n))))
    });
    super::probe::expose("__strataMapEdge", move |i| {
        let i = i.as_f64()? as usize;
        let g = graph.get_untracked()?;
        let e = g.edges.get(i)?;
        sim.with_value(|s| {
            let (_, l) = s.as_ref()?;
            let (a, b) = (to_screen(l.position(e.from)), to_screen(l.position(e.to)));
            Some(((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0))
        })
    });

    // Input.
    let point = move |e: &web_sys::MouseEvent| -> (f64, f64) {
        wrap.get_untracked()
            .map(|el| {
                let r = el.get_bounding_client_rect();
                (
                    e.client_x() as f64 - r.left(),
                    e.client_y() as f64 - r.top(),
                )
            })
            .unwrap_or((0.0, 0.0))
    };
    let pick_at = move |p: (f64, f64)| -> Option<Pick> {
        let w = to_world(p);
        let (k, _, _) = xf.get_untracked();
        let node = sim.with_value(|s| s.as_ref().and_then(|(g, l)| l.node_at(g, w.0, w.1)));
        if let Some(n) = node {
            return Some(Pick::Node(n));
        }
        let g = graph.get_untracked()?;
        sim.with_value(|s| {
            let (_, l) = s.as_ref()?;
            g.edges
                .iter()
                .enumerate()
                .map(|(i, e)| (i, seg_dist(w, l.position(e.from), l.position(e.to)) * k))
                .filter(|(_, d)| *d < 6.0)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| Pick::Edge(i))
        })
    };
    let moved = StoredValue::new(false);
    let on_down = move |e: web_sys::MouseEvent| {
        if e.button() != 0 {
            return;
        }
        let start = point(&e);
        let (sx, sy) = (e.client_x() as f64, e.client_y() as f64);
        moved.set_value(false);
        let grabbed = match pick_at(start) {
            Some(Pick::Node(n)) => Some(n),
            _ => None,
        };
        let xf0 = xf.get_untracked();
        platform::drag(
            move |m| {
                let (dx, dy) = (m.client_x() as f64 - sx, m.client_y() as f64 - sy);
                if dx.abs() + dy.abs() > 3.0 {
                    moved.set_value(true);
                }
                match grabbed {
                    Some(n) => {
                        let w = to_world((start.0 + dx, start.1 + dy));
                        sim.update_value(|s| {
                            if let Some((_, l)) = s {
                                l.pin(n, w.0, w.1);
                            }
                        });
                        auto_fit.set(false);
                        kick();
                    }
                    None => {
                        auto_fit.set(false);
                        xf.set((xf0.0, xf0.1 + dx, xf0.2 + dy));
                    }
                }
            },
            |_| {},
        );
    };
    let on_click = move |e: web_sys::MouseEvent| {
        if moved.get_value() {
            return;
        }
        let p = pick_at(point(&e));
        pick.set(p);
        match p {
            Some(Pick::Node(n)) => {
                app.select_service(graph.get_untracked().map(|g| g.nodes[n].name.clone()))
            }
            _ => app.select_service(None),
        }
    };
    let on_dblclick = move |e: web_sys::MouseEvent| {
        if let Some(Pick::Node(n)) = pick_at(point(&e)) {
            sim.update_value(|s| {
                if let Some((_, l)) = s {
                    l.unpin(n);
                }
            });
            kick();
        }
    };
    let on_wheel = move |e: web_sys::WheelEvent| {
        e.prevent_default();
        let p = point(&e);
        let (k, ox, oy) = xf.get_untracked();
        let f = (-e.delta_y() * if e.ctrl_key() { 0.01 } else { 0.0015 }).exp();
        let k2 = (k * f).clamp(0.05, 20.0);
        let r = k2 / k;
        auto_fit.set(false);
        xf.set((k2, p.0 - (p.0 - ox) * r, p.1 - (p.1 - oy) * r));
    };

    // Side panel: the picked node or edge.
    let panel = move || {
        let g = graph.get()?;
        let p = pick
            .get()
            .or_else(|| app.service.get().and_then(|s| g.node(&s)).map(Pick::Node))?;
        Some(match p {
            Pick::Node(n) => {
                let node = g.nodes[n].clone();
                let ins: Vec<(String, u32, u32)> = g
                    .edges
                    .iter()
                    .filter(|e| e.to == n)
                    .map(|e| (g.nodes[e.from].name.clone(), e.calls, e.errors))
                    .collect();
                let outs: Vec<(String, u32, u32)> = g
                    .edges
                    .iter()
                    .filter(|e| e.from == n)
                    .map(|e| (g.nodes[e.to].name.clone(), e.calls, e.errors))
                    .collect();
                let name = node.name.clone();
                view! {
                    <aside class="map-panel">
                        <h3>{node.name.clone()}</h3>
                        <p class="muted">{if node.external { "not instrumented: seen only as the target of calls".to_owned() } else { format!("{} spans · {} errors ({:.1}%)", node.spans, node.errors, node.error_rate() * 100.0) }}</p>
                        <button class="btn small" on:click=move |_| { app.select_service(Some(name.clone())); app.show_view(View::Waterfall); }>"Show its spans in the waterfall"</button>
                        <h4>{format!("Called by ({})", ins.len())}</h4>
                        <ul>{ins.into_iter().map(|(s, c, er)| view! { <li>{format!("{s}: {c} calls{}", if er > 0 { format!(", {er} errors") } else { String::new() })}</li> }).collect_view()}</ul>
                        <h4>{format!("Calls ({})", outs.len())}</h4>
                        <ul>{outs.into_iter().map(|(s, c, er)| view! { <li>{format!("{s}: {c} calls{}", if er > 0 { format!(", {er} errors") } else { String::new() })}</li> }).collect_view()}</ul>
                    </aside>
                }
                .into_any()
            }
            Pick::Edge(i) => {
                let e = g.edges[i].clone();
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
                view! {
                    <aside class="map-panel">
                        <h3>{format!("{} → {}", g.nodes[e.from].name, g.nodes[e.to].name)}</h3>
                        <p class="muted">
                            {format!(
                                "{}{} calls · {} errors · p50 {} · p95 {} · p99 {}",
                                if e.asynchronous { "async · " } else { "" },
                                e.calls,
                                e.errors,
                                format_duration(e.percentile(50.0)),
                                format_duration(e.percentile(95.0)),
                                format_duration(e.percentile(99.0))
                            )}
                        </p>
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
        })
    };

    view! {
        <div class="map">
            <div class="map-toolbar">
                <div class="seg" role="group" aria-label="Scope">
                    <button class:active=move || app.map_scope.get() == MapScope::Trace on:click=move |_| app.map_scope.set(MapScope::Trace)>"This trace"</button>
                    <button class:active=move || app.map_scope.get() == MapScope::All on:click=move |_| app.map_scope.set(MapScope::All)>"All traces"</button>
                </div>
                <button class="btn small" on:click=move |_| { auto_fit.set(true); fit(); frame.update(|f| *f += 1); }>"Fit"</button>
                <span class="muted small">
                    {move || graph.get().map(|g| format!("{} services · {} edges", g.nodes.len(), g.edges.len()))}
                </span>
                <span class="muted small hint">"click: select · drag a node: pin it (double-click: release) · wheel: zoom · drag: pan · dashed: async"</span>
            </div>
            <div class="map-body">
                <div
                    class="map-canvas"
                    node_ref=wrap
                    on:mousedown=on_down
                    on:click=on_click
                    on:dblclick=on_dblclick
                    on:wheel=on_wheel
                >
                    <canvas node_ref=canvas_ref></canvas>
                </div>
                {panel}
            </div>
        </div>
    }
}
