//! Compare two traces (issue 19): Ctrl+click two traces in the trace list
//! (or *Compare with…* on an open trace, then Ctrl+click the other), and the
//! comparison opens as a page of its own: a header with both traces and the
//! difference of their response times, a table of the aligned spans (ranked
//! by their contribution to the difference, or as a tree), and a delta flame
//! graph coloured by change. `analysis::compare` aligns, `layout::compare`
//! orders the rows and places the boxes; this only draws. The pair is in the
//! link (`cmp=<a>,<b>`).

use std::sync::Arc;

use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::flame_nav::FlameNav;
use super::platform;
use super::state::{AppState, Page, Theme};
use super::trace_view::trace_name;
use super::virtual_list::{use_size, Viewport};
use crate::analysis::compare::{self, Comparison, Measure, Status};
use crate::layout::compare::{self as lc, Order};
use crate::layout::flame::{self, Flame};
use crate::layout::waterfall::visible_range;
use crate::model::ids::parse_trace_id_text;
use crate::model::time::format_duration;
use crate::model::units::clip;
use crate::render::canvas;
use crate::render::flame::{clear, paint_draws, BoxLook, Marks};

/// The comparison on screen, computed once per pair and store change
/// (compared by identity).
#[derive(Clone)]
struct Shared {
    ta: u32,
    tb: u32,
    c: Arc<Comparison>,
    flame: Arc<Flame>,
}

impl PartialEq for Shared {
    fn eq(&self, o: &Shared) -> bool {
        Arc::ptr_eq(&self.c, &o.c)
    }
}

/// Opens the comparison of traces `a` (the baseline) and `b`.
pub fn open(app: AppState, a: u32, b: u32) {
    let ids = app
        .store
        .with_value(|s| (s.traces[a as usize].id, s.traces[b as usize].id));
    app.compare.set(Some(ids));
    app.compare_pick.set(Vec::new());
    app.show(Page::Compare);
}

/// Opens the comparison a link names (trace ids as text); Err says why not.
pub fn open_ids(app: AppState, a: &str, b: &str) -> Result<(), String> {
    let find = |id: &str| {
        app.store
            .with_value(|s| parse_trace_id_text(id, &s.strings).and_then(|t| s.find_trace(t)))
    };
    match (find(a), find(b)) {
        (Some(x), Some(y)) => {
            open(app, x, y);
            Ok(())
        }
        _ => Err(format!(
            "The link compares traces {} and {}, which are not both loaded here.",
            clip(a, 80),
            clip(b, 80)
        )),
    }
}

/// The compared pair for the link: A's and B's ids, and A's trace (whose
/// source the link names).
pub fn link_ids(app: AppState) -> Option<(String, String, u32)> {
    let (a, b) = app.compare.get()?;
    app.with_store(|s| {
        let ta = s.find_trace(a)?;
        s.find_trace(b)?;
        Some((a.to_text(&s.strings), b.to_text(&s.strings), ta))
    })
}

/// Ctrl+click on a trace of the list: picks it to compare (or unpicks it);
/// the second pick opens the comparison, the first picked as A.
pub fn toggle_pick(app: AppState, t: u32) {
    let id = app.store.with_value(|s| s.traces[t as usize].id);
    let mut picks = app.compare_pick.get_untracked();
    match picks.iter().position(|x| *x == id) {
        Some(k) => {
            picks.remove(k);
        }
        None => picks.push(id),
    }
    let first = picks
        .first()
        .and_then(|&x| app.store.with_value(|s| s.find_trace(x)));
    match (picks.len(), first) {
        (2.., Some(a)) => open(app, a, t),
        _ => app.compare_pick.set(picks),
    }
}

/// Whether trace `t` is picked to compare.
pub fn is_picked(app: AppState, t: u32) -> bool {
    let id = app.with_store(|s| s.traces.get(t as usize).map(|x| x.id));
    id.is_some_and(|id| app.compare_pick.with(|p| p.contains(&id)))
}

fn signed(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", format_duration(ns))
    } else if ns == 0 {
        "±0".into()
    } else {
        format_duration(ns)
    }
}

/// A share of the difference, one decimal ("0.0%", never "-0.0%").
fn share_text(p: f64) -> String {
    if p.abs() < 0.05 {
        "0.0%".into()
    } else {
        format!("{p:.1}%")
    }
}

fn signed_pct(p: Option<f64>) -> String {
    match p {
        Some(p) if p.abs() >= 0.5 => format!("{p:+.0}%"),
        Some(_) => "0%".into(),
        None => String::new(),
    }
}

/// The trace list's line about comparing: how to pick, what is picked.
#[component]
pub fn CompareBar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let picked = move || {
        let first = app.compare_pick.get().first().copied()?;
        app.with_store(|s| {
            let t = s.find_trace(first)?;
            let (svc, op) = trace_name(s, t);
            Some(format!(
                "{svc}: {op} ({})",
                clip(&first.to_text(&s.strings), 12)
            ))
        })
    };
    view! {
        <div class="cmp-bar" role="status">
            {move || match picked() {
                None => view! {
                    <span class="cmp-hint">"Ctrl+click two traces to compare them"</span>
                }.into_any(),
                Some(p) => view! {
                    <span class="cmp-picked">
                        "Compare " <b>{p}</b> " with… Ctrl+click the other trace"
                        <button class="icon" title="Cancel the comparison" on:click=move |_| app.compare_pick.set(Vec::new())>"×"</button>
                    </span>
                }.into_any(),
            }}
        </div>
    }
}

/// *Compare with…* on an open trace: picks it and shows the trace list.
#[component]
pub fn CompareWithButton() -> impl IntoView {
    let app = expect_context::<AppState>();
    let start = move |_| {
        if let Some(t) = app.trace.get_untracked() {
            let id = app.store.with_value(|s| s.traces[t as usize].id);
            app.compare_pick.set(vec![id]);
            app.show(Page::Traces);
        }
    };
    view! {
        <button class="btn small cmp-with" title="Compare this trace with another: pick it in the trace list" on:click=start>
            "Compare with…"
        </button>
    }
}

/// The top bar's tab of the comparison, while there is one.
#[component]
pub fn CompareTab() -> impl IntoView {
    let app = expect_context::<AppState>();
    let label =
        move || link_ids(app).map(|(a, b, _)| format!("Compare {} ⇄ {}", clip(&a, 8), clip(&b, 8)));
    move || {
        label().map(|l| {
            view! {
                <span class="tab trace-tab cmp-tab" class:active=move || app.page.get() == Page::Compare>
                    <button class="tab-open" title="The comparison of two traces" on:click=move |_| app.show(Page::Compare)>{l}</button>
                    <button class="tab-close" title="Close the comparison" on:click=move |_| {
                        app.compare.set(None);
                        if app.page.get_untracked() == Page::Compare {
                            app.show(Page::Traces);
                        }
                    }>"×"</button>
                </span>
            }
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Table,
    Flame,
}

/// The comparison page.
#[component]
pub fn CompareView() -> impl IntoView {
    let app = expect_context::<AppState>();
    let shared = Memo::new(move |_| {
        let (a, b) = app.compare.get()?;
        app.with_store(|s| {
            let (ta, tb) = (s.find_trace(a)?, s.find_trace(b)?);
            let c = compare::compare(s, ta, s, tb);
            let flame = lc::flame(&c, s, s);
            Some(Shared {
                ta,
                tb,
                c: Arc::new(c),
                flame: Arc::new(flame),
            })
        })
    });
    let tab = RwSignal::new(Tab::Table);
    let order = RwSignal::new(Order::Ranked);
    let changes = RwSignal::new(true);
    move || {
        match shared.get() {
        None => view! {
            <div class="empty">
                <h2>"Nothing to compare"</h2>
                <p>"Ctrl+click two traces in the " <a href="#" on:click=move |e| { e.prevent_default(); app.show(Page::Traces); }>"trace list"</a>
                   " to compare them (the first is the baseline)."</p>
            </div>
        }
        .into_any(),
        Some(sh) => {
            let body = sh.clone();
            view! {
                <div class="compare-view">
                    <CompareHeader sh=sh.clone() />
                    <CompareToolbar tab order changes />
                    {move || match tab.get() {
                        Tab::Table => view! { <CompareTable sh=body.clone() order changes /> }.into_any(),
                        Tab::Flame => view! { <DeltaFlame sh=body.clone() /> }.into_any(),
                    }}
                </div>
            }
            .into_any()
        }
    }
    }
}

/// Both traces and the difference of their response times.
#[component]
fn CompareHeader(sh: Shared) -> impl IntoView {
    let app = expect_context::<AppState>();
    let (ta, tb) = (sh.ta, sh.tb);
    let c = sh.c.clone();
    let side = move |t: u32, ns: i64, which: &'static str| {
        let (name, id) = app.store.with_value(|s| {
            let (svc, op) = trace_name(s, t);
            (
                format!("{svc}: {op}"),
                s.traces[t as usize].id.to_text(&s.strings),
            )
        });
        view! {
            <div class="cmp-side">
                <span class="cmp-letter">{which}</span>
                <button class="link cmp-open" title="Open this trace" on:click=move |_| app.open_trace(t)>{name}</button>
                <code class="cmp-id" title=id.clone()>{clip(&id, 16)}</code>
                <span class="cmp-dur">{format_duration(ns)}</span>
            </div>
        }
    };
    let delta = c.response_b_ns - c.response_a_ns;
    let anchor = c.anchor.map(|x| {
        let s = if x.in_a { "A" } else { "B" };
        let name = app
            .store
            .with_value(|st| compare::label(st, x.span, 0));
        format!(
            "The roots differ: {}'s root is aligned with {s}'s {name}; the spans above it count as {}.",
            if x.in_a { "B" } else { "A" },
            if x.in_a { "removed" } else { "added" }
        )
    });
    view! {
        <header class="cmp-header">
            <div class="cmp-sides">
                {side(ta, c.response_a_ns, "A")}
                <span class="cmp-arrow" aria-hidden="true">"→"</span>
                {side(tb, c.response_b_ns, "B")}
                <span class="cmp-delta" class:slower={delta > 0} class:faster={delta < 0} title="B's response time minus A's">
                    {format!("{} ({})", signed(delta), signed_pct(compare::pct(c.response_a_ns, c.response_b_ns)))}
                </span>
                <button class="btn small" title="Swap A and B" on:click=move |_| open(app, tb, ta)>"⇄ Swap"</button>
            </div>
            <p class="cmp-rule">
                "Spans aligned by their chain of service: operation from the root (repeats in order); ranked by their change of time on the critical path, which adds up to the difference."
            </p>
            {anchor.map(|a| view! { <p class="cmp-note">{a}</p> })}
        </header>
    }
}

/// Table or flame graph, ranked or tree, changes only; and the legend.
#[component]
fn CompareToolbar(
    tab: RwSignal<Tab>,
    order: RwSignal<Order>,
    changes: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="cmp-toolbar">
            <nav class="view-tabs" aria-label="Comparison views">
                <button class="view-tab" class:active=move || tab.get() == Tab::Table data-cmp-view="table" on:click=move |_| tab.set(Tab::Table)>"Table"</button>
                <button class="view-tab" class:active=move || tab.get() == Tab::Flame data-cmp-view="flame" on:click=move |_| tab.set(Tab::Flame)>"Delta flame graph"</button>
            </nav>
            <Show when=move || tab.get() == Tab::Table>
                <div class="seg" role="group" aria-label="Order">
                    <button class:active=move || order.get() == Order::Ranked title="Every span by its contribution to the difference" on:click=move |_| order.set(Order::Ranked)>"Ranked"</button>
                    <button class:active=move || order.get() == Order::Tree title="The aligned tree, children by contribution" on:click=move |_| order.set(Order::Tree)>"Tree"</button>
                </div>
                <label class="cmp-check">
                    <input type="checkbox" prop:checked=move || changes.get() on:change=move |e| changes.set(event_target_checked(&e)) />
                    "Changes only"
                </label>
            </Show>
            <Legend />
        </div>
    }
}

#[component]
fn Legend() -> impl IntoView {
    let sw = |rgb: (u8, u8, u8)| format!("background:{}", canvas::css(rgb));
    view! {
        <div class="cmp-legend" aria-label="Colours">
            <span><i style=sw(lc::SLOWER)></i>"slower"</span>
            <span><i style=sw(lc::FASTER)></i>"faster"</span>
            <span><i style=sw(lc::ADDED)></i>"added"</span>
            <span><i style=sw(lc::REMOVED)></i>"removed"</span>
            <span><i class="same"></i>"same"</span>
        </div>
    }
}

const ROW_H: f64 = 30.0;

/// The aligned spans, virtualized.
#[component]
fn CompareTable(sh: Shared, order: RwSignal<Order>, changes: RwSignal<bool>) -> impl IntoView {
    let vp = Viewport::new();
    let collapsed = RwSignal::new(FxHashSet::<u32>::default());
    let c = sh.c.clone();
    let rows = Memo::new(move |_| collapsed.with(|f| lc::rows(&c, order.get(), f, changes.get())));
    let visible = Memo::new(move |_| {
        rows.with(|r| {
            let range = visible_range(vp.top.get(), vp.height.get() - ROW_H, ROW_H, r.len(), 8);
            let o = order.get();
            range.map(|p| (p, r[p], o)).collect::<Vec<_>>()
        })
    });
    let n = move || rows.with(|r| r.len());
    let c = sh.c.clone();
    view! {
        <div class="cmp-scroll" node_ref=vp.el on:scroll=move |_| vp.measure() role="grid" aria-label="Aligned spans" aria-rowcount=move || n() + 1>
            <div class="cmp-head" role="row">
                <span role="columnheader" class="c-rank" title="Rank by contribution to the difference">"#"</span>
                <span role="columnheader">"Span"</span>
                <span role="columnheader">"Status"</span>
                <span role="columnheader" class="c-num">"A"</span>
                <span role="columnheader" class="c-num">"B"</span>
                <span role="columnheader" class="c-num" title="Duration, B - A">"Δ duration"</span>
                <span role="columnheader" class="c-num c-self" title="Self time (not covered by children), B - A">"Δ self"</span>
                <span role="columnheader" class="c-num" title="Time on the critical path, B - A: the span's part of the difference">"Δ critical path"</span>
                <span role="columnheader" class="c-num" title="Share of the difference of the roots' durations">"Share"</span>
            </div>
            <div class="cmp-body" role="rowgroup" style:height=move || format!("{}px", n() as f64 * ROW_H)>
                <For
                    each=move || visible.get()
                    key=|&x| x
                    children={
                        let c = c.clone();
                        move |(p, i, o)| view! { <CompareRow c=c.clone() pos=p node=i order=o collapsed /> }
                    }
                />
            </div>
            {move || (n() == 0).then(|| view! { <p class="cmp-none">"No differences: the two traces have the same spans and times."</p> })}
        </div>
    }
}

/// One aligned span.
#[component]
fn CompareRow(
    c: Arc<Comparison>,
    pos: usize,
    node: u32,
    order: Order,
    collapsed: RwSignal<FxHashSet<u32>>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let n = c.nodes[node as usize].clone();
    let (name, path) = app.store.with_value(|s| {
        let (st, span) = n.span(s, s);
        let mut path = compare::path(&c, s, s, node);
        let name = compare::label(st, span, n.ordinal);
        path.pop();
        (name, path.join(" › "))
    });
    let title = if path.is_empty() {
        name.clone()
    } else {
        format!("{path} › {name}")
    };
    let tree = order == Order::Tree;
    let kids = tree && lc::has_children(&c, node);
    let indent = if tree { n.depth as f64 * 14.0 } else { 0.0 };
    let share = c.contribution_pct(node);
    let d = n.delta(Measure::Duration);
    let dur = |s: &compare::Side| {
        if s.present() {
            format_duration(s.duration_ns)
        } else {
            "—".into()
        }
    };
    let nn = n.clone();
    let cell = move |m: Measure, class: &'static str| {
        let v = nn.delta(m);
        view! {
            <span class=format!("c-num {class}") role="gridcell" class:slower={v > 0} class:faster={v < 0}>
                {signed(v)}
                <small>{signed_pct(nn.pct(m))}</small>
            </span>
        }
    };
    view! {
        <div
            class=format!("cmp-row st-{}", n.status.key())
            style:top=format!("{}px", pos as f64 * ROW_H)
            role="row"
            data-rank=n.rank
            data-node=node
        >
            <span class="c-rank" role="gridcell">{n.rank}</span>
            <span class="c-span" role="gridcell" title=title style:padding-left=format!("{indent}px")>
                {kids.then(|| view! {
                    <button class="cmp-toggle" aria-label="Expand or collapse" on:click=move |_| collapsed.update(|f| {
                        if !f.remove(&node) {
                            f.insert(node);
                        }
                    })>
                        {move || if collapsed.with(|f| f.contains(&node)) { "▸" } else { "▾" }}
                    </button>
                })}
                <span class="cmp-name">{name}</span>
                {(!tree && !path.is_empty()).then(|| view! { <span class="cmp-path">{format!("in {path}")}</span> })}
            </span>
            <span role="gridcell"><span class=format!("cmp-status {}", n.status.key())>{n.status.key()}</span></span>
            <span class="c-num" role="gridcell">{dur(&n.a)}</span>
            <span class="c-num" role="gridcell">{dur(&n.b)}</span>
            <span class="c-num cmp-dd" role="gridcell" class:slower={d > 0} class:faster={d < 0}>
                {signed(d)}
                <small>{signed_pct(n.pct(Measure::Duration))}</small>
            </span>
            {cell(Measure::SelfTime, "c-self")}
            {cell(Measure::Critical, "c-crit")}
            <span class="c-num cmp-share" role="gridcell">{share.map(share_text).unwrap_or_default()}</span>
        </div>
    }
}

const FLAME_ROW: f64 = 22.0;

/// The delta flame graph: boxes as wide as the longer side, coloured by
/// change; wheel zooms, drag pans, a click zooms to a box.
#[component]
fn DeltaFlame(sh: Shared) -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let size = use_size(wrap);
    let nav = FlameNav::new(
        wrap,
        size,
        Signal::stored(sh.flame.extent.max(1.0)),
        Signal::stored(sh.flame.rows() as f64),
        FLAME_ROW,
    );
    let view = nav.view;
    let hover = RwSignal::new(None::<(u32, f64, f64)>);
    let scale = lc::color_scale(&sh.c);
    let shared = sh.clone();
    Effect::new(move |_| {
        let fv = nav.flame_view();
        let (w, h) = size.get();
        let dark = app.theme.get() == Theme::Dark;
        let (Some(el), true) = (canvas_ref.get(), w > 0.0 && h > 0.0) else {
            return;
        };
        let Some(ctx) = canvas::context(&el, w, h, platform::device_pixel_ratio()) else {
            return;
        };
        let palette = canvas::Palette::of(dark);
        clear(&ctx, &palette, w, h);
        let mut list = Vec::new();
        flame::draw_list(&shared.flame, &fv, &mut list);
        let hovered = hover.get().map(|x| x.0);
        let (c, fl) = (&shared.c, &shared.flame);
        app.store.with_value(|s| {
            paint_draws(&ctx, &palette, &list, fv.row0, FLAME_ROW, |i| {
                let b = &fl.boxes[i as usize];
                let n = &c.nodes[b.node as usize];
                let change = match n.status {
                    Status::Added => "added".into(),
                    Status::Removed => "removed".into(),
                    _ => signed(n.delta(Measure::Duration)),
                };
                BoxLook {
                    rgb: lc::node_rgb(c, b.node, scale, dark),
                    label: format!("{}: {}  {change}", s.str(b.service), s.str(b.name)),
                    marks: Marks {
                        error: b.error,
                        selected: hovered == Some(b.node),
                        ..Marks::default()
                    },
                }
            })
        });
        if let Some(el) = wrap.get_untracked() {
            let _ = el.set_attribute("data-items", &list.len().to_string());
        }
    });
    let point = move |e: &web_sys::MouseEvent| nav.point(e);
    let boxes = StoredValue::new(sh.flame.clone());
    let hit = move |px: f64, py: f64| boxes.with_value(|fl| nav.hit(fl, px, py));
    let on_click = move |e: web_sys::MouseEvent| {
        if nav.was_drag() {
            return;
        }
        let (px, py) = point(&e);
        if let Some(i) = hit(px, py) {
            view.set(boxes.with_value(|fl| flame::zoom_to(fl, i)));
        }
    };
    let on_move = move |e: web_sys::MouseEvent| {
        let (px, py) = point(&e);
        let h = hit(px, py).map(|i| (boxes.with_value(|fl| fl.boxes[i as usize].node), px, py));
        if h != hover.get_untracked() {
            hover.set(h);
        }
    };
    view! {
        <div class="cmp-flame-bar">
            <span class="muted">"Width: the longer of the two durations; colour: the change of duration. Wheel zooms, drag pans, a click zooms to a box; keys + − 0 ← → ↑ ↓."</span>
            <button class="btn small" title="Show the whole comparison (0)" on:click=move |_| nav.reset()>"Reset zoom"</button>
        </div>
        <div
            class="cmp-flame"
            node_ref=wrap
            tabindex="0"
            on:wheel=move |e| nav.on_wheel(e)
            on:mousedown=move |e| nav.on_down(e)
            on:keydown=move |e| {
                if nav.on_key(&e) {
                    e.prevent_default();
                    e.stop_propagation();
                }
            }
            on:click=on_click
            on:mousemove=on_move
            on:mouseleave=move |_| hover.set(None)
        >
            <canvas node_ref=canvas_ref></canvas>
            <FlameTip c=sh.c.clone() hover size />
        </div>
    }
}

/// The hovered box's numbers.
#[component]
fn FlameTip(
    c: Arc<Comparison>,
    hover: RwSignal<Option<(u32, f64, f64)>>,
    size: RwSignal<(f64, f64)>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    move || {
        let (node, x, y) = hover.get()?;
        let n = c.nodes[node as usize].clone();
        let (w, _) = size.get_untracked();
        let name = app.store.with_value(|s| {
            let (st, span) = n.span(s, s);
            compare::label(st, span, n.ordinal)
        });
        let line = |label: &'static str, m: Measure| {
            let side = |s: &compare::Side| {
                if s.present() {
                    format_duration(m.of(s))
                } else {
                    "—".into()
                }
            };
            format!(
                "{label}: {} → {}  {} {}",
                side(&n.a),
                side(&n.b),
                signed(n.delta(m)),
                signed_pct(n.pct(m))
            )
        };
        let share = c
            .contribution_pct(node)
            .map(|p| format!("{} of the difference", share_text(p)))
            .unwrap_or_default();
        let left = if x > w - 320.0 {
            (x - 330.0).max(0.0)
        } else {
            x + 14.0
        };
        Some(view! {
            <div class="tooltip cmp-tip" style:left=format!("{left}px") style:top=format!("{}px", y + 14.0)>
                <b>{name}</b>
                <div>{format!("{} · rank {}", n.status.key(), n.rank)}</div>
                <div>{line("duration", Measure::Duration)}</div>
                <div>{line("self", Measure::SelfTime)}</div>
                <div>{line("critical path", Measure::Critical)}</div>
                <div>{share}</div>
            </div>
        })
    }
}
