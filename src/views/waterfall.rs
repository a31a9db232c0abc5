//! The waterfall: an indented span tree beside a timeline. Virtualized: only
//! the rows in view (plus a few) exist in the DOM, so 100k spans scroll like 10.
//! Past `wl::MAX_SCROLL_PX` of rows (a million spans and more) the scrolling
//! is scaled (`wl::ScrollMap`): the spacer stays under the browsers' element
//! height limits and every row stays reachable.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::Viewport;
use crate::analysis::{search, services};
use crate::layout::colors::service_css;
use crate::layout::waterfall::{self as wl, ScrollMap, Window};
use crate::model::time::format_duration;
use crate::model::{SpanFlags, SpanKind, Store};
use crate::render::canvas::{self, Palette};
use crate::render::timeline::{self, Look};

pub const ROW_H: f64 = 24.0;
/// Height of the sticky column header (`.wf-head` in style/waterfall.css),
/// which covers the top of the scroll container: rows show below it.
const HEAD_H: f64 = 26.0;
const INDENT: f64 = 14.0;
const MAX_INDENT_LEVELS: u32 = 30;
/// Rows drawn above and below the view.
const OVERSCAN: usize = 8;
/// Room right of the timeline (`.wf-time`'s margin in style/waterfall.css).
const TIME_MARGIN: f64 = 40.0;

/// What a row shows that never changes for a span.
#[derive(Clone, PartialEq)]
struct RowData {
    service: String,
    op: String,
    color: String,
    kind: SpanKind,
    error: bool,
    depth: u32,
    children: usize,
    flags: SpanFlags,
    duration: String,
}

fn row_data(s: &Store, i: u32) -> RowData {
    let iu = i as usize;
    let service = s.str(s.spans.service[iu]).to_owned();
    RowData {
        color: service_css(&service),
        service: if service.is_empty() {
            "(no service)".into()
        } else {
            service
        },
        op: s.str(s.spans.name[iu]).to_owned(),
        kind: s.spans.kind[iu],
        error: s.is_error(i),
        depth: s.spans.depth[iu],
        children: s.children(i).len(),
        flags: s.spans.flags[iu],
        duration: format_duration(s.spans.duration[iu]),
    }
}

#[component]
pub fn Waterfall() -> impl IntoView {
    let app = expect_context::<AppState>();
    let vp = Viewport::new();
    let name_w = RwSignal::new(380.0f64);

    // A service chosen on the map filters the rows to its spans (with their
    // ancestors as context).
    let keep = Memo::new(move |_| {
        let name = app.service.get()?;
        let t = app.trace.get()?;
        Some(app.with_store(|s| {
            services::spans_of(s, t, &name)
                .into_iter()
                .collect::<FxHashSet<u32>>()
        }))
    });
    let rows = Memo::new(move |_| {
        let Some(t) = app.trace.get() else {
            return Vec::new();
        };
        keep.with(|k| {
            app.collapsed.with(|c| {
                app.with_store(|s| match k {
                    Some(k) => wl::rows_keeping(s, t, c, k),
                    None => wl::rows(s, t, c),
                })
            })
        })
    });
    let trace_start = Memo::new(move |_| {
        app.trace
            .get()
            .map(|t| app.with_store(|s| s.traces[t as usize].summary.start))
            .unwrap_or(0)
    });
    let window = Memo::new(move |_| {
        app.window_or_whole().unwrap_or(Window {
            start: 0.0,
            end: 1.0,
        })
    });
    // scrollTop <-> rows: 1:1, or scaled for very many rows.
    let map =
        Memo::new(move |_| ScrollMap::new(rows.with(|r| r.len()), ROW_H, vp.height.get() - HEAD_H));
    // How far up rows are drawn from `pos * ROW_H` (0 unless scaled).
    let shift = Memo::new(move |_| map.get().shift(vp.top.get()));
    let canvas = NodeRef::<leptos::html::Div>::new();
    let pool = Memo::new(move |_| map.with(|m| m.pool_size(OVERSCAN)));
    let visible = Memo::new(move |_| {
        let range = map.get().visible(vp.top.get(), OVERSCAN);
        rows.with(|r| range.map(|p| (p, r[p])).collect::<Vec<_>>())
    });
    // Span search: the matches (for highlighting) and their order top to bottom.
    let matches = Memo::new(move |_| {
        let q = app.query.get();
        let Some(t) = app.trace.get() else {
            return (FxHashSet::default(), Vec::new());
        };
        app.with_store(|s| {
            let found: FxHashSet<u32> = search::find(s, t, &q).into_iter().collect();
            let ordered: Vec<u32> = if found.is_empty() {
                Vec::new()
            } else {
                wl::rows(s, t, &FxHashSet::default())
                    .into_iter()
                    .filter(|i| found.contains(i))
                    .collect()
            };
            (found, ordered)
        })
    });
    let match_at = move || {
        let sel = app.span.get()?;
        matches.with(|(_, o)| o.iter().position(|&m| m == sel))
    };
    let step_match = move |forward: bool| {
        let next = matches.with_untracked(|(_, o)| {
            if o.is_empty() {
                return None;
            }
            let cur = app
                .span
                .get_untracked()
                .and_then(|s| o.iter().position(|&m| m == s));
            let k = match (cur, forward) {
                (Some(k), true) => (k + 1) % o.len(),
                (Some(k), false) => (k + o.len() - 1) % o.len(),
                (None, true) => 0,
                (None, false) => o.len() - 1,
            };
            Some(o[k])
        });
        if let Some(m) = next {
            app.select_span(m);
        }
    };
    let timeline_w = Memo::new(move |_| (vp.width.get() - name_w.get()).max(50.0));
    // Drag across the axis to zoom into that range of the current window.
    let axis = NodeRef::<leptos::html::Div>::new();
    let axis_sel = RwSignal::new(None::<(f64, f64)>);
    let axis_frac = move |x: i32| {
        axis.get_untracked()
            .map(|el| {
                let r = el.get_bounding_client_rect();
                ((x as f64 - r.left()) / r.width().max(1.0)).clamp(0.0, 1.0)
            })
            .unwrap_or(0.0)
    };
    let on_axis_down = move |e: web_sys::MouseEvent| {
        e.prevent_default();
        let a = axis_frac(e.client_x());
        axis_sel.set(Some((a, a)));
        platform::drag(
            move |m| axis_sel.set(Some((a, axis_frac(m.client_x())))),
            move |m| {
                axis_sel.set(None);
                let b = axis_frac(m.client_x());
                if (b - a).abs() * timeline_w.get_untracked() >= 4.0 {
                    app.window
                        .set(Some(window.get_untracked().sub(a, b, 1000.0)));
                }
            },
        );
    };
    let ticks =
        Memo::new(move |_| wl::ticks(&window.get(), (timeline_w.get() / 110.0).clamp(2.0, 12.0)));

    // Performance mark once the first frame of a freshly loaded trace painted.
    Effect::new(move |_| {
        rows.track();
        if app.mark_pending.get_untracked() && !rows.with(|r| r.is_empty()) {
            app.mark_pending.set(false);
            platform::after_paint(|| platform::mark("strata:trace-rendered"));
        }
    });

    // The scroll position, in one place (so that the cases cannot undo each
    // other): a new trace starts at the top; a span chosen from elsewhere
    // (search, links, flame graph, map, keys) is scrolled into view, also
    // when the waterfall opens with it selected; when the rows change under a
    // scaled mapping, the same rows stay at the top.
    Effect::new(move |prev: Option<(Option<u32>, u64, ScrollMap)>| {
        let trace = app.trace.get();
        let reveal = app.reveal.get();
        let m = map.get();
        let top = vp.top.get_untracked();
        let selected_pos = || {
            let sel = app.span.get_untracked()?;
            rows.with_untracked(|r| r.iter().position(|&x| x == sel))
        };
        let to = match prev {
            Some((t, n, old)) if t == trace => {
                if n != reveal {
                    selected_pos().and_then(|p| m.reveal(p, top))
                } else {
                    m.keep_top(&old, top)
                }
            }
            _ => Some(selected_pos().and_then(|p| m.reveal(p, 0.0)).unwrap_or(0.0)),
        };
        if let Some(to) = to {
            // The spacer's own effect may not have run yet: size it first, or
            // the browser clamps the scroll to its old height.
            if let Some(c) = canvas.get_untracked() {
                let _ = web_sys::HtmlElement::style(&c)
                    .set_property("height", &format!("{}px", m.spacer_h()));
            }
            vp.scroll_to(to);
        }
        (trace, reveal, m)
    });
    // The timeline column of the rows in `visible`, on one canvas that sits
    // where they do (so it scrolls with them) and is redrawn when they, the
    // window, the selection, the search or the theme change.
    let timeline = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        app.rev.track();
        let palette = Palette::of(app.theme.get() == Theme::Dark);
        let width = (timeline_w.get() - TIME_MARGIN).max(1.0);
        let w = window.get();
        let selected = app.span.get();
        let top = shift.get();
        let Some(el) = timeline.get() else {
            return;
        };
        let start = trace_start.get_untracked();
        let (first, rows) = visible.with(|v| {
            let first = v.first().map_or(0, |&(p, _)| p);
            let rows = matches.with(|(m, _)| {
                keep.with(|k| {
                    app.with_store(|s| {
                        v.iter()
                            .map(|&(_, span)| {
                                let look = Look {
                                    selected: selected == Some(span),
                                    alpha: wl::Fade::of(span, m, k.as_ref()).alpha(),
                                };
                                (wl::timeline_row(s, span, start, &w), look)
                            })
                            .collect::<Vec<_>>()
                    })
                })
            });
            (first, rows)
        });
        // As tall as the row pool (not the rows drawn, which vary by one as
        // the view scrolls): resizing a canvas clears its state and memory.
        let height = pool.get().max(rows.len()) as f64 * ROW_H;
        let style = web_sys::HtmlElement::style(&el);
        let _ = style.set_property("top", &format!("{}px", first as f64 * ROW_H - top));
        let _ = style.set_property("width", &format!("{width}px"));
        let _ = style.set_property("height", &format!("{height}px"));
        if let Some(ctx) = canvas::context(&el, width, height, platform::device_pixel_ratio()) {
            timeline::draw(&ctx, &rows, width, ROW_H, &palette);
        }
    });
    super::probe::install_synthetic_loader(app);

    let grid = move || format!("grid-template-columns: {}px 1fr", name_w.get());
    let drag_split = move |e: web_sys::MouseEvent| {
        e.prevent_default();
        let x0 = e.client_x() as f64;
        let w0 = name_w.get_untracked();
        platform::drag(
            move |m| name_w.set((w0 + m.client_x() as f64 - x0).clamp(160.0, 900.0)),
            |_| {},
        );
    };

    view! {
        <div class="wf">
            <div class="wf-toolbar">
                <button class="btn small" title="Expand all (e)" on:click=move |_| app.expand_all()>"Expand all"</button>
                <button class="btn small" title="Collapse all (c)" on:click=move |_| app.collapse_all()>"Collapse all"</button>
                <button
                    class="btn small"
                    title="Reset zoom (0)"
                    disabled=move || app.window.get().is_none()
                    on:click=move |_| app.window.set(None)
                >
                    "Reset zoom"
                </button>
                <div class="find">
                    <input
                        id="span-find"
                        type="search"
                        placeholder="Find spans (/)"
                        title="Service, operation, span id, attribute or key=value; Enter: next match, Shift+Enter: previous"
                        prop:value=move || app.query.get()
                        on:input=move |e| app.query.set(event_target_value(&e))
                        on:keydown=move |e: web_sys::KeyboardEvent| {
                            if e.key() == "Enter" {
                                e.prevent_default();
                                step_match(!e.shift_key());
                            } else if e.key() == "Escape" {
                                app.query.set(String::new());
                            }
                        }
                    />
                    <Show when=move || !app.query.get().trim().is_empty()>
                        <span class="find-count">
                            {move || {
                                let n = matches.with(|(_, o)| o.len());
                                match match_at() {
                                    Some(k) => format!("{} of {n}", k + 1),
                                    None if n == 1 => "1 match".to_owned(),
                                    None => format!("{n} matches"),
                                }
                            }}
                        </span>
                        <button class="btn small" title="Previous match (Shift+Enter)" on:click=move |_| step_match(false)>"↑"</button>
                        <button class="btn small" title="Next match (Enter)" on:click=move |_| step_match(true)>"↓"</button>
                    </Show>
                </div>
                {move || {
                    let name = app.service.get()?;
                    let n = keep.with(|k| k.as_ref().map_or(0, |k| k.len()));
                    Some(view! {
                        <span class="filter-chip" title="Chosen on the service map">
                            {format!("{name}: {n} spans")}
                            <button class="icon" title="Show all spans" on:click=move |_| app.select_service(None)>"×"</button>
                        </span>
                    })
                }}
                <span class="wf-count">
                    {move || {
                        let shown = rows.with(|r| r.len());
                        let total = app
                            .trace
                            .get()
                            .map(|t| app.with_store(|s| s.traces[t as usize].span_count()))
                            .unwrap_or(0);
                        if shown == total {
                            format!("{total} spans")
                        } else {
                            format!("{shown} of {total} spans shown")
                        }
                    }}
                </span>
            </div>
            // No scroll anchoring: scaled rows move as the view scrolls, and the
            // browser must not scroll back to keep one of them in place.
            <div class="wf-scroll" style:overflow-anchor="none" node_ref=vp.el on:scroll=move |_| vp.measure()>
                <div class="wf-head" style=grid>
                    <div class="wf-head-name">
                        "Service · operation"
                        <span class="wf-split" title="Drag to resize" on:mousedown=drag_split></span>
                    </div>
                    <div class="wf-head-axis" node_ref=axis on:mousedown=on_axis_down title="Drag to zoom into a time range">
                        {move || {
                            axis_sel.get().map(|(a, b)| {
                                let (a, b) = if a <= b { (a, b) } else { (b, a) };
                                view! {
                                    <span class="axis-sel" style:left=format!("{:.4}%", a * 100.0) style:width=format!("{:.4}%", (b - a) * 100.0)></span>
                                }
                            })
                        }}
                        {move || {
                            ticks
                                .get()
                                .into_iter()
                                .map(|(f, label)| {
                                    view! {
                                        <span class="tick" style:left=format!("{:.4}%", f * 100.0)>
                                            {label}
                                        </span>
                                    }
                                })
                                .collect_view()
                        }}
                    </div>
                </div>
                <div class="wf-canvas" node_ref=canvas style:height=move || format!("{}px", map.with(|m| m.spacer_h()))>
                    <div class="wf-gridlines" style:left=move || format!("{}px", name_w.get())>
                        {move || {
                            ticks
                                .get()
                                .into_iter()
                                .map(|(f, _)| view! { <span style:left=format!("{:.4}%", f * 100.0)></span> })
                                .collect_view()
                        }}
                    </div>
                    // Row elements are recycled: row `pos` always lives in
                    // element `pos % pool`, so scrolling rewrites the few rows
                    // that came into view instead of building new ones.
                    <For
                        each=move || {
                            // In slot order, so that scrolling never moves elements.
                            let pool = pool.get();
                            let mut slots: Vec<usize> = visible.with(|v| v.iter().map(|(p, _)| p % pool).collect());
                            slots.sort_unstable();
                            slots
                        }
                        key=|slot| *slot
                        children=move |slot| {
                            let item = Memo::new(move |_| {
                                let pool = pool.get();
                                visible.with(|v| v.iter().copied().find(|(p, _)| p % pool == slot))
                            });
                            let data = Memo::new(move |_| {
                                app.rev.track();
                                let (_, span) = item.get()?;
                                Some(app.store.with_value(|s| row_data(s, span)))
                            });
                            view! { <Row item=item data=data shift=shift grid=grid matches=matches keep=keep /> }
                        }
                    />
                    // Bars, event ticks and durations of the rows above: one
                    // canvas over them (see the drawing effect).
                    <canvas class="wf-timeline" node_ref=timeline style:left=move || format!("{}px", name_w.get())></canvas>
                </div>
            </div>
        </div>
    }
}

#[component]
fn Row(
    /// (position in the rows, span) shown by this element, if any.
    item: Memo<Option<(usize, u32)>>,
    data: Memo<Option<RowData>>,
    /// Rows sit at `pos * ROW_H - shift` (see `ScrollMap::row_top`).
    shift: Memo<f64>,
    grid: impl Fn() -> String + Send + Sync + 'static,
    matches: Memo<(FxHashSet<u32>, Vec<u32>)>,
    keep: Memo<Option<FxHashSet<u32>>>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let span = move || item.get().map(|(_, s)| s);
    // One field of the row's data (its default while the element is empty).
    let field = move |f: fn(&RowData) -> String| {
        move || data.with(|d| d.as_ref().map(f).unwrap_or_default())
    };
    let flag = move |f: fn(&RowData) -> bool| move || data.with(|d| d.as_ref().is_some_and(f));
    let children = move || data.with(|d| d.as_ref().map_or(0, |d| d.children));
    let has_children = Memo::new(move |_| children() > 0);
    let collapsed = move || span().is_some_and(|s| app.collapsed.with(|c| c.contains(&s)));
    let indent = move || {
        data.with(|d| d.as_ref().map_or(0, |d| d.depth.min(MAX_INDENT_LEVELS))) as f64 * INDENT
    };
    // Internal is the default kind: not worth a badge on every row.
    let kind_label = move || {
        data.with(|d| match d.as_ref().map(|d| d.kind) {
            Some(SpanKind::Internal) | None => "",
            Some(k) => k.label(),
        })
    };
    let note = move || {
        data.with(|d| {
            let flags = d.as_ref()?.flags;
            if flags.contains(SpanFlags::ORPHAN) {
                Some(("orphan", "Parent span is missing from the trace"))
            } else if flags.contains(SpanFlags::CYCLE) {
                Some(("cycle", "Its parent link formed a cycle and was cut"))
            } else if flags.contains(SpanFlags::DUPLICATE_ID) {
                Some(("dup id", "Another span has the same id"))
            } else {
                None
            }
        })
    };
    let badges = Memo::new(move |_| (flag(|d| d.error)(), kind_label(), note()));
    let title = field(|d| format!("{}: {} ({})", d.service, d.op, d.duration));
    let color = field(|d| d.color.clone());
    let in_set = move |set: &FxHashSet<u32>| span().is_some_and(|s| set.contains(&s));
    let fade = move || {
        span().map_or(wl::Fade::None, |s| {
            matches.with(|(m, _)| keep.with(|k| wl::Fade::of(s, m, k.as_ref())))
        })
    };
    view! {
        <div
            // One class string (not one effect per class): a recycled row
            // rewrites it once when it shows another span.
            class=move || {
                let mut c = String::from("wf-row");
                let mut add = |on: bool, name: &str| {
                    if on {
                        c.push(' ');
                        c.push_str(name);
                    }
                };
                add(span().is_some() && app.span.get() == span(), "selected");
                add(flag(|d| d.error)(), "error");
                matches.with(|(m, _)| add(in_set(m), "match"));
                if let Some(name) = fade().class() {
                    add(true, name);
                }
                c
            }
            style=move || {
                let pos = item.get().map_or(0, |(p, _)| p);
                let alpha = fade().alpha();
                let opacity = if alpha < 1.0 { format!("opacity:{alpha};") } else { String::new() };
                format!("top:{}px;{opacity}{}", pos as f64 * ROW_H - shift.get(), grid())
            }
            data-span=move || span().map(|s| s.to_string()).unwrap_or_default()
            on:click=move |_| {
                if let Some(s) = item.get_untracked().map(|(_, s)| s) {
                    app.span.set(Some(s));
                }
            }
        >
            <div class="wf-name" style:padding-left=move || format!("{}px", indent() + 4.0) title=title>
                <span class="wf-guides" style:width=move || format!("{}px", indent())></span>
                {move || {
                    // Rebuilt only when the slot switches between a leaf and
                    // a parent: a leaf has no button.
                    if !has_children.get() {
                        return view! { <span class="wf-toggle leaf"></span> }.into_any();
                    }
                    view! {
                        <button
                            class="wf-toggle"
                            title=move || if collapsed() { format!("Expand ({} children)", children()) } else { "Collapse".to_owned() }
                            on:click=move |e| {
                                e.stop_propagation();
                                if let Some(s) = item.get_untracked().map(|(_, s)| s) {
                                    app.toggle_collapsed(s);
                                }
                            }
                        >
                            {move || if collapsed() { "▸" } else { "▾" }}
                        </button>
                    }
                    .into_any()
                }}
                <span class="svc-dot" style:background=color></span>
                <span class="svc">{field(|d| d.service.clone())}</span>
                <span class="op">{field(|d| d.op.clone())}</span>
                // Badges: rebuilt together, only when they change.
                {move || {
                    let (error, kind, note) = badges.get();
                    view! {
                        {error.then(|| view! { <span class="err-badge" title="Error status">"!"</span> })}
                        {(!kind.is_empty()).then(|| view! { <span class="kind">{kind}</span> })}
                        {note.map(|(text, why)| view! { <span class="note" title=why>{text}</span> })}
                    }
                }}
                <span class="hidden-count" hidden=move || !collapsed()>{move || format!("+{}", children())}</span>
            </div>
            // The timeline column is drawn on the canvas over the rows.
            <div class="wf-time"></div>
        </div>
    }
}

/// Keyboard navigation in the waterfall; true if the key was used.
pub fn handle_key(app: AppState, key: &str) -> bool {
    let Some(t) = app.trace.get_untracked() else {
        return false;
    };
    let rows = app
        .collapsed
        .with_untracked(|c| app.store.with_value(|s| wl::rows(s, t, c)));
    let sel = app.span.get_untracked();
    let pos = sel.and_then(|s| rows.iter().position(|&r| r == s));
    let select = |p: usize| {
        if let Some(&s) = rows.get(p) {
            app.span.set(Some(s));
            app.reveal.update(|r| *r += 1);
        }
    };
    match key {
        "ArrowDown" | "j" => {
            select(pos.map_or(0, |p| (p + 1).min(rows.len().saturating_sub(1))));
            true
        }
        "ArrowUp" | "k" => {
            select(pos.map_or(0, |p| p.saturating_sub(1)));
            true
        }
        "ArrowLeft" | "h" => {
            if let Some(s) = sel {
                let has_children = app.store.with_value(|st| !st.children(s).is_empty());
                let is_collapsed = app.collapsed.with_untracked(|c| c.contains(&s));
                if has_children && !is_collapsed {
                    app.toggle_collapsed(s);
                } else {
                    let parent = app.store.with_value(|st| st.spans.parent[s as usize]);
                    if parent != crate::model::NONE {
                        app.span.set(Some(parent));
                        app.reveal.update(|r| *r += 1);
                    }
                }
            }
            true
        }
        "ArrowRight" | "l" => {
            if let Some(s) = sel {
                if app.collapsed.with_untracked(|c| c.contains(&s)) {
                    app.toggle_collapsed(s);
                }
            }
            true
        }
        "Enter" | " " => {
            if let Some(s) = sel {
                app.toggle_collapsed(s);
            }
            true
        }
        "Home" => {
            select(0);
            true
        }
        "End" => {
            select(rows.len().saturating_sub(1));
            true
        }
        "e" => {
            app.expand_all();
            true
        }
        "c" => {
            app.collapse_all();
            true
        }
        "0" => {
            app.window.set(None);
            true
        }
        "/" => {
            if let Some(el) = document().get_element_by_id("span-find") {
                if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = input.focus();
                }
            }
            true
        }
        _ => false,
    }
}
