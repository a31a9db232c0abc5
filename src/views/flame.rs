//! The flame graph, drawn on a canvas. Two modes: time-ordered (a flame
//! chart: one box per span where and when it ran) and merged (left-heavy:
//! spans merged by their service/operation path, widths are total time).
//! `layout::flame` decides what to draw (culling sub-pixel boxes into
//! slivers); this component only paints it and turns input into view changes.

use leptos::html::{Canvas, Div};
use leptos::prelude::*;

use super::derived::Matches;
use super::flame_nav::FlameNav;
use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::use_size;
use crate::analysis::answers::Answers;
use crate::layout::colors::service_rgb;
use crate::layout::flame::{self, Draw, Flame, Merged};
use crate::model::time::format_duration;
use crate::model::{Store, NONE};
use crate::render::canvas;
use crate::render::flame::{clear, paint_draws, BoxLook, Marks};
use crate::sources::link::{FlameMode, MapScope};

const ROW_PX: f64 = 20.0;

/// What the flame graph shows: the boxes, plus the merged tree in merged mode.
struct Data {
    flame: Flame,
    merged: Option<Merged>,
    /// ns that 100% stands for (the trace duration, or the merged root total).
    total: f64,
    /// The trace's start: x = 0 (time order).
    origin_ns: i64,
}

/// `all`: the traces the all-traces scope merges (those not hidden).
fn build(s: &Store, trace: u32, mode: FlameMode, scope: MapScope, all: &[u32]) -> Data {
    match mode {
        FlameMode::Time => {
            let flame = flame::time_ordered(s, trace);
            let total = s.traces[trace as usize].duration().max(1) as f64;
            Data {
                flame,
                merged: None,
                total,
                origin_ns: s.traces[trace as usize].summary.start,
            }
        }
        FlameMode::Merged => {
            let traces: Vec<u32> = match scope {
                MapScope::Trace => vec![trace],
                MapScope::All => all.to_vec(),
            };
            let merged = flame::merged(s, &traces);
            let total = merged.flame.extent.max(1.0);
            Data {
                flame: merged.flame.clone(),
                merged: Some(merged),
                total,
                origin_ns: 0,
            }
        }
    }
}

/// What decides a box's marks besides the box.
struct Look<'a> {
    answers: Option<&'a Answers>,
    highlight: Option<&'a Matches>,
    service: Option<&'a str>,
    critical_only: bool,
    selected: Option<u32>,
    /// Time of x = 0, and px per ns, to place critical-path segments.
    origin_ns: i64,
    x0: f64,
    scale: f64,
}

/// A box's marks: its span's error, origin, patterns and critical-path
/// segments (time order; merged boxes only carry errors), and whether it is
/// faded.
fn marks_of(s: &Store, b: &flame::FlameBox, l: &Look) -> Marks {
    let span = (b.span != NONE).then_some(b.span);
    let facts = l
        .answers
        .filter(|a| span.is_some_and(|i| s.spans.trace[i as usize] == a.trace));
    let critical: Vec<(f64, f64)> = match (span, facts) {
        (Some(i), Some(a)) => a
            .critical
            .segments_of(i)
            .map(|seg| {
                let x = ((seg.start - l.origin_ns) as f64 - l.x0) * l.scale;
                (x, seg.len() as f64 * l.scale)
            })
            .collect(),
        _ => Vec::new(),
    };
    let dim = match (l.highlight, l.service) {
        (Some(m), _) => span.is_none_or(|i| !m.set.contains(&i)),
        (None, Some(svc)) => crate::analysis::services::service_name(s, b.service) != svc,
        _ => false,
    } || (l.critical_only && span.is_some() && critical.is_empty());
    Marks {
        error: b.error,
        origin: span.zip(facts).is_some_and(|(i, a)| a.facts.is_origin(i)),
        pattern: span
            .zip(facts)
            .is_some_and(|(i, a)| a.facts.patterns_of(i) != 0),
        selected: span.is_some() && span == l.selected,
        critical,
        dim,
    }
}

/// The tooltip's lines from the trace's answers: critical path, origin,
/// patterns.
fn span_facts(app: AppState, span: u32) -> Vec<String> {
    app.derived().answers.with_untracked(|a| {
        let Some(a) = a
            .as_ref()
            .filter(|a| a.facts.trace == app.with_store(|s| s.spans.trace[span as usize]))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let cp = a.facts.critical_of(span);
        if cp > 0 {
            out.push(format!("critical path {}", format_duration(cp)));
        }
        if a.facts.is_origin(span) {
            out.push("error origin: the failure started here".to_owned());
        }
        for p in a.patterns.iter().filter(|p| p.spans.contains(&span)) {
            out.push(format!("{}: {}", p.kind.label(), p.title));
        }
        out
    })
}

/// The tooltip of box `i` at (`px`, `py`): its time, self time, share, and
/// for a span its answers; for a merged box its totals.
fn tip_of(app: AppState, d: &Data, i: u32, px: f64, py: f64) -> Tip {
    let b = &d.flame.boxes[i as usize];
    app.store.with_value(|s| {
        let dur = b.x1 - b.x0;
        let mut lines = Vec::new();
        match d.merged.as_ref().and_then(|m| m.nodes.get(b.node as usize)) {
            Some(n) => {
                lines.push(format!(
                    "total {} in {} spans",
                    format_duration(n.total),
                    n.count
                ));
                lines.push(format!("self {}", format_duration(n.self_time)));
                if n.errors > 0 {
                    lines.push(format!("{} errors", n.errors));
                }
            }
            None => {
                lines.push(format!("duration {}", format_duration(dur as i64)));
                if b.span != NONE {
                    let own = crate::analysis::selftime::self_time(s, b.span);
                    lines.push(format!("self {}", format_duration(own)));
                    lines.extend(span_facts(app, b.span));
                }
            }
        }
        let of = if d.merged.is_some() {
            "the total"
        } else {
            "the trace"
        };
        lines.push(format!("{:.1}% of {of}", dur / d.total * 100.0));
        Tip {
            x: px,
            y: py,
            title: box_label(s.str(b.service), s.str(b.name)),
            lines,
        }
    })
}

/// The span a click on box `i` selects: its own, or for a merged box the
/// first of its examples.
fn span_of_box(d: &Data, i: u32) -> Option<u32> {
    let b = &d.flame.boxes[i as usize];
    if b.span != NONE {
        return Some(b.span);
    }
    d.merged
        .as_ref()?
        .nodes
        .get(b.node as usize)?
        .examples
        .first()
        .copied()
}

#[derive(Clone, PartialEq)]
struct Tip {
    x: f64,
    y: f64,
    title: String,
    lines: Vec<String>,
}

/// What the parts of the graph share: the boxes (rebuilt when the trace,
/// mode or scope changes; `rev` counts the rebuilds), the navigation and
/// the canvas's element and size.
#[derive(Clone, Copy)]
struct Graph {
    data: StoredValue<Option<Data>, LocalStorage>,
    rev: RwSignal<u64>,
    nav: FlameNav,
    wrap: NodeRef<Div>,
    size: RwSignal<(f64, f64)>,
}

impl Graph {
    /// The box under (`px`, `py`).
    fn box_at(&self, px: f64, py: f64) -> Option<u32> {
        self.data
            .with_value(|d| self.nav.hit(&d.as_ref()?.flame, px, py))
    }
}

#[component]
pub fn FlameGraph() -> impl IntoView {
    let app = expect_context::<AppState>();
    let wrap = NodeRef::<Div>::new();
    let size = use_size(wrap);
    let data: StoredValue<Option<Data>, LocalStorage> = StoredValue::new_local(None);
    let rev = RwSignal::new(0u64);
    let extent = move || data.with_value(|d| d.as_ref().map_or(1.0, |d| d.flame.extent.max(1.0)));
    let rows_total = move || {
        data.with_value(|d| {
            d.as_ref()
                .map_or(0, |d| d.flame.row_start.len().saturating_sub(1))
        })
    };
    let nav = FlameNav::new(
        wrap,
        size,
        Signal::derive(extent),
        Signal::derive(move || rows_total() as f64),
        ROW_PX,
    );
    let g = Graph {
        data,
        rev,
        nav,
        wrap,
        size,
    };

    // (Re)build the boxes when the trace, mode or scope changes.
    Effect::new(move |_| {
        let (Some(t), mode, scope) = (app.trace.get(), app.flame_mode.get(), app.map_scope.get())
        else {
            return;
        };
        let shown = app.derived().shown.get();
        let d = app.with_store(|s| build(s, t, mode, scope, &shown));
        nav.view.set((0.0, d.flame.extent.max(1.0)));
        nav.row0.set(0.0);
        data.set_value(Some(d));
        rev.update(|r| *r += 1);
    });
    let total = Signal::derive(move || {
        rev.track();
        data.with_value(|d| d.as_ref().map_or(1.0, |d| d.total))
    });

    view! {
        <div class="flame">
            <FlameToolbar nav total />
            <Show when=move || app.flame_mode.get() == FlameMode::Time>
                <FlameAxis view=nav.view />
            </Show>
            <FlameCanvas g />
        </div>
    }
}

/// Paints the graph on every change of what is visible or how it looks.
fn paint_on_change(
    app: AppState,
    g: Graph,
    canvas_ref: NodeRef<Canvas>,
    draws: StoredValue<Vec<Draw>, LocalStorage>,
) {
    // Find matches, the critical path (when only it is shown) and the
    // selected service dim the other boxes.
    let d = app.derived();
    let highlight = Memo::new(move |_| {
        let filtering = d.query.with(|q| q.as_ref().is_ok_and(|q| q.is_filter()));
        filtering.then(|| d.matches.get())
    });
    Effect::new(move |_| {
        g.rev.track();
        let fv = g.nav.flame_view();
        let (w, h) = g.size.get();
        let dark = app.theme.get() == Theme::Dark;
        let selected = app.span.get();
        let service = app.service.get();
        let hl = highlight.get();
        let answers = d.answers.get();
        let critical_only = app.critical_only.get();
        let Some(el) = canvas_ref.get() else {
            return;
        };
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let t0 = platform::now_ms();
        let Some(ctx) = canvas::context(&el, w, h, platform::device_pixel_ratio()) else {
            return;
        };
        let palette = canvas::Palette::of(dark);
        clear(&ctx, &palette, w, h);
        g.data.with_value(|d| {
            let Some(d) = d else {
                return;
            };
            draws.update_value(|list| {
                list.clear();
                flame::draw_list(&d.flame, &fv, list);
            });
            let look = Look {
                answers: answers.as_deref(),
                highlight: hl.as_deref(),
                service: service.as_deref(),
                critical_only,
                selected,
                origin_ns: d.origin_ns,
                x0: fv.x0,
                scale: fv.scale(),
            };
            app.store.with_value(|s| {
                draws.with_value(|list| {
                    paint_draws(&ctx, &palette, list, fv.row0, ROW_PX, |i| {
                        let b = &d.flame.boxes[i as usize];
                        let name = s.str(b.service);
                        BoxLook {
                            rgb: service_rgb(name),
                            label: box_label(name, s.str(b.name)),
                            marks: marks_of(s, b, &look),
                        }
                    })
                });
            });
        });
        if let Some(el) = g.wrap.get_untracked() {
            let rev = g.rev.get_untracked().to_string();
            if el.get_attribute("data-painted").as_deref() != Some(&rev) {
                let _ = el.set_attribute("data-painted", &rev);
                platform::after_paint(|| platform::mark("strata:flame-painted"));
            }
            let _ = el.set_attribute("data-draw-ms", &format!("{:.2}", platform::now_ms() - t0));
            let _ = el.set_attribute("data-items", &draws.with_value(|l| l.len()).to_string());
        }
    });
}

/// The canvas and its input: wheel, drag and keys navigate (`FlameNav`), a
/// click selects a box's span, a double-click zooms to the box, hovering
/// shows its tooltip.
#[component]
fn FlameCanvas(g: Graph) -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let tip = RwSignal::new(None::<Tip>);
    let draws: StoredValue<Vec<Draw>, LocalStorage> = StoredValue::new_local(Vec::new());
    paint_on_change(app, g, canvas_ref, draws);
    let nav = g.nav;
    // The selection waits out the double-click delay: opening the detail
    // panel narrows the canvas, which would move the box from under the
    // second click.
    let clicked = StoredValue::new(None::<u32>);
    let pending = StoredValue::new(0u64);
    let on_click = move |e: web_sys::MouseEvent| {
        if nav.was_drag() {
            return;
        }
        let (px, py) = nav.point(&e);
        if e.detail() >= 2 {
            pending.update_value(|p| *p += 1);
            let target = clicked.get_value().or_else(|| g.box_at(px, py));
            let r = target.and_then(|i| {
                g.data
                    .with_value(|d| d.as_ref().map(|d| flame::zoom_to(&d.flame, i)))
            });
            if let Some(r) = r {
                nav.view.set(r);
            }
            return;
        }
        let hit = g.box_at(px, py);
        clicked.set_value(hit);
        let Some(span) = hit.and_then(|i| g.data.with_value(|d| span_of_box(d.as_ref()?, i)))
        else {
            return;
        };
        pending.update_value(|p| *p += 1);
        let ticket = pending.get_value();
        set_timeout(
            move || {
                // The view may be gone by now (its values disposed).
                if pending.try_get_value() == Some(ticket) {
                    app.span.set(Some(span));
                }
            },
            std::time::Duration::from_millis(220),
        );
    };
    let on_move = move |e: web_sys::MouseEvent| {
        let (px, py) = nav.point(&e);
        let t = g.box_at(px, py).and_then(|i| {
            g.data
                .with_value(|d| Some(tip_of(app, d.as_ref()?, i, px, py)))
        });
        tip.set(t);
    };
    let on_key = move |e: web_sys::KeyboardEvent| {
        if nav.on_key(&e) {
            e.prevent_default();
            e.stop_propagation();
        }
    };
    view! {
        <div
            class="flame-canvas"
            node_ref=g.wrap
            tabindex="0"
            on:wheel=move |e| nav.on_wheel(e)
            on:mousedown=move |e| nav.on_down(e)
            on:click=on_click
            on:mousemove=on_move
            on:mouseleave=move |_| tip.set(None)
            on:keydown=on_key
        >
            <canvas node_ref=canvas_ref></canvas>
            <FlameTip tip size=g.size />
        </div>
    }
}

/// Mode, scope, find, the critical-path toggle, where the view is, and
/// reset.
#[component]
fn FlameToolbar(nav: FlameNav, total: Signal<f64>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let crumbs = move || {
        let (x0, x1) = nav.view.get();
        format!(
            "showing {} – {} ({:.1}%)",
            format_duration(x0 as i64),
            format_duration(x1 as i64),
            (x1 - x0) / total.get() * 100.0
        )
    };
    view! {
        <div class="flame-toolbar">
            <div class="seg" role="group" aria-label="Flame graph mode">
                <button class:active=move || app.flame_mode.get() == FlameMode::Time on:click=move |_| app.flame_mode.set(FlameMode::Time)
                    title="One box per span, at the time it ran">"Time order"</button>
                <button class:active=move || app.flame_mode.get() == FlameMode::Merged on:click=move |_| app.flame_mode.set(FlameMode::Merged)
                    title="Spans merged by service/operation path; width is total time (left-heavy)">"Merged"</button>
            </div>
            <Show when=move || app.flame_mode.get() == FlameMode::Merged>
                <div class="seg" role="group" aria-label="Merged scope">
                    <button class:active=move || app.map_scope.get() == MapScope::Trace on:click=move |_| app.map_scope.set(MapScope::Trace)>"This trace"</button>
                    <button class:active=move || app.map_scope.get() == MapScope::All on:click=move |_| app.map_scope.set(MapScope::All)>"All traces"</button>
                </div>
            </Show>
            <super::find::FindBox />
            <Show when=move || app.flame_mode.get() == FlameMode::Time>
                <super::find::CriticalToggle />
            </Show>
            <span class="crumbs">{crumbs}</span>
            <button class="btn small" disabled=move || !nav.zoomed() on:click=move |_| nav.reset()>"Reset zoom"</button>
            <span class="muted small hint">"wheel: zoom · drag: pan · double-click: zoom to box · + − 0 ← →"</span>
        </div>
    }
}

/// The hovered box's tooltip, kept inside the canvas.
#[component]
fn FlameTip(tip: RwSignal<Option<Tip>>, size: RwSignal<(f64, f64)>) -> impl IntoView {
    move || {
        tip.get().map(|t| {
            let (w, _) = size.get_untracked();
            let left = if t.x > w - 260.0 { t.x - 250.0 } else { t.x + 14.0 };
            view! {
                <div class="tooltip" style:left=format!("{left}px") style:top=format!("{}px", t.y + 14.0)>
                    <b>{t.title}</b>
                    {t.lines.into_iter().map(|l| view! { <div>{l}</div> }).collect_view()}
                </div>
            }
        })
    }
}

/// The time-order graph's time axis: ticks for the part in view (ns from
/// the trace start), as the waterfall's header has them.
#[component]
fn FlameAxis(view: RwSignal<(f64, f64)>) -> impl IntoView {
    let wrap = NodeRef::<leptos::html::Div>::new();
    let width = super::virtual_list::use_width(wrap);
    let ticks = Memo::new(move |_| {
        let (start, end) = view.get();
        let target = (width.get() / 110.0).clamp(2.0, 12.0);
        crate::layout::waterfall::ticks(&crate::layout::waterfall::Window { start, end }, target)
    });
    view! {
        <div class="flame-axis wf-head-axis" node_ref=wrap aria-hidden="true">
            {move || ticks.get().into_iter().map(|(f, label)| view! {
                <span class="tick" style:left=format!("{:.4}%", f * 100.0)>{label}</span>
            }).collect_view()}
        </div>
    }
}

/// A box's "service: operation"; the merged graph's virtual root (no service,
/// no name) is "all traces".
fn box_label(service: &str, name: &str) -> String {
    match (service.is_empty(), name.is_empty()) {
        (true, true) => "all traces".to_owned(),
        (true, false) => name.to_owned(),
        _ => format!("{service}: {name}"),
    }
}
