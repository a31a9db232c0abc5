//! The waterfall: an indented span tree beside a timeline. Virtualized: only
//! the rows in view (plus a few) exist in the DOM, so 100k spans scroll like 10.
//! Past `wl::MAX_SCROLL_PX` of rows (a million spans and more) the scrolling
//! is scaled (`wl::ScrollMap`): the spacer stays under the browsers' element
//! height limits and every row stays reachable.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::derived::{Matches, Shared};
use super::find::{CriticalToggle, FindBox};
use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::Viewport;
use crate::analysis::answers::Answers;
use crate::analysis::pattern_bits;
use crate::layout::colors::service_css;
use crate::layout::waterfall::{self as wl, Fold, ScrollMap, Window};
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
    /// The row stands for a folded run of repeated calls ("GET /x ×30, …").
    fold: Option<String>,
    /// Head of an N+1 run that is shown unfolded (it can fold again).
    unfolded_run: bool,
    origin: bool,
    critical: bool,
    /// [`pattern_bits`] of the patterns the span is in.
    patterns: u8,
}

fn row_data(s: &Store, i: u32, a: Option<&Answers>, fold: Option<&Fold>) -> RowData {
    let iu = i as usize;
    let service = s.str(s.spans.service[iu]).to_owned();
    let facts = a.map(|a| &a.facts).filter(|f| f.trace == s.spans.trace[iu]);
    let unfolded_run = fold.is_none()
        && a.is_some_and(|a| {
            a.patterns.iter().any(|p| {
                p.kind == crate::analysis::patterns::PatternKind::NPlusOne
                    && p.spans.first() == Some(&i)
            })
        });
    RowData {
        fold: fold.map(|f| f.label.clone()),
        unfolded_run,
        origin: facts.is_some_and(|f| f.is_origin(i)),
        critical: facts.is_some_and(|f| f.is_critical(i)),
        patterns: facts.map_or(0, |f| f.patterns_of(i)),
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
    let d = app.derived();
    let vp = Viewport::new();
    let name_w = RwSignal::new(super::platform::saved_number("strata.nameWidth").unwrap_or(380.0));
    let rows = d.rows;
    let matches = d.matches;
    let keep = d.service_spans;
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
        rows.with(|r| range.map(|p| (p, r.spans[p])).collect::<Vec<_>>())
    });
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
            rows.with_untracked(|r| r.position(sel))
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
        let (first, drawn) = visible.with(|v| {
            let first = v.first().map_or(0, |&(p, _)| p);
            let drawn = matches.with(|m| {
                keep.with(|k| {
                    d.answers.with(|a| {
                        rows.with(|r| {
                            d.folds.with(|folds| {
                                app.with_store(|s| {
                                    v.iter()
                                        .map(|&(_, span)| {
                                            let look = Look {
                                                selected: selected == Some(span),
                                                alpha: fade(span, m, k).alpha(),
                                            };
                                            let fold = r.folded.get(&span).map(|&f| &folds[f]);
                                            (analysed(s, span, start, &w, a.as_deref(), fold), look)
                                        })
                                        .collect::<Vec<_>>()
                                })
                            })
                        })
                    })
                })
            });
            (first, drawn)
        });
        // As tall as the row pool (not the rows drawn, which vary by one as
        // the view scrolls): resizing a canvas clears its state and memory.
        let height = pool.get().max(drawn.len()) as f64 * ROW_H;
        let style = web_sys::HtmlElement::style(&el);
        let _ = style.set_property("top", &format!("{}px", first as f64 * ROW_H - top));
        let _ = style.set_property("width", &format!("{width}px"));
        let _ = style.set_property("height", &format!("{height}px"));
        if let Some(ctx) = canvas::context(&el, width, height, platform::device_pixel_ratio()) {
            timeline::draw(&ctx, &drawn, width, ROW_H, &palette);
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
            move |_| platform::save_number("strata.nameWidth", name_w.get_untracked()),
        );
    };
    // Rows are indented from the focused span's depth.
    let base_depth = Memo::new(move |_| {
        app.focus
            .get()
            .map_or(0, |f| app.store.with_value(|s| s.spans.depth[f as usize]))
    });

    view! {
        <div class="wf">
            <Toolbar rows=rows />
            <FocusBar />
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
                                d.answers.with(|a| {
                                    rows.with(|r| {
                                        d.folds.with(|folds| {
                                            let fold = r.folded.get(&span).map(|&f| &folds[f]);
                                            Some(app.store.with_value(|s| row_data(s, span, a.as_deref(), fold)))
                                        })
                                    })
                                })
                            });
                            view! { <Row item=item data=data shift=shift grid=grid matches=matches keep=keep base_depth=base_depth /> }
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

/// How a row is faded: not a match, or context around a service filter.
fn fade(span: u32, m: &Matches, keep: &Option<Shared<rustc_hash::FxHashSet<u32>>>) -> wl::Fade {
    wl::Fade::of(span, &m.set, keep.as_deref())
}

/// A row's timeline with what the analyses say about its span.
fn analysed(
    s: &Store,
    span: u32,
    start: i64,
    w: &Window,
    a: Option<&Answers>,
    fold: Option<&Fold>,
) -> wl::TimelineRow {
    let a = a.filter(|a| a.trace == s.spans.trace[span as usize]);
    let segs: Vec<(i64, i64)> = a
        .map(|a| {
            a.critical
                .segments_of(span)
                .map(|g| (g.start, g.end))
                .collect()
        })
        .unwrap_or_default();
    let origin = a.is_some_and(|a| a.facts.is_origin(span));
    wl::analysed_row(s, span, start, w, segs.into_iter(), origin, fold)
}

/// The waterfall's toolbar: expand/collapse, zoom, the find box and its
/// modes, the critical path toggle, the service filter and the row count.
#[component]
fn Toolbar(rows: Memo<Shared<wl::Rows>>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    view! {
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
            <FindBox modes=true />
            <CriticalToggle />
            {move || {
                let name = app.service.get()?;
                let n = d.service_spans.with(|k| k.as_ref().map_or(0, |k| k.len()));
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
                    let folded: usize = rows.with(|r| r.folded.len());
                    let total = app
                        .trace
                        .get()
                        .map(|t| app.with_store(|s| s.traces[t as usize].span_count()))
                        .unwrap_or(0);
                    if shown == total {
                        format!("{total} spans")
                    } else if folded > 0 && shown > 0 {
                        format!("{shown} rows of {total} spans ({folded} folded runs)")
                    } else {
                        format!("{shown} of {total} spans shown")
                    }
                }}
            </span>
        </div>
    }
}

/// Above a focused subtree: the way back, one ancestor at a time.
#[component]
fn FocusBar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let crumbs = Memo::new(move |_| {
        let f = app.focus.get()?;
        Some(app.with_store(|s| {
            let mut chain = wl::ancestors(s, f);
            chain.reverse();
            chain.push(f);
            chain
                .into_iter()
                .map(|i| (i, crate::analysis::answers::span_label(s, i)))
                .collect::<Vec<_>>()
        }))
    });
    move || {
        let crumbs = crumbs.get()?;
        let last = crumbs.len() - 1;
        Some(view! {
            <nav class="wf-focus" aria-label="Focused subtree">
                <button class="link" title="Show the whole trace (Backspace)" on:click=move |_| app.focus.set(None)>"Whole trace"</button>
                {crumbs.into_iter().enumerate().map(|(k, (span, label))| view! {
                    <span class="arrow">"›"</span>
                    {if k == last {
                        view! { <b>{label}</b> }.into_any()
                    } else {
                        view! { <button class="link" on:click=move |_| app.focus.set(Some(span))>{label}</button> }.into_any()
                    }}
                }).collect_view()}
            </nav>
        })
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
    matches: Memo<Shared<Matches>>,
    keep: Memo<Option<Shared<FxHashSet<u32>>>>,
    /// Depth of the focused span (rows indent from it).
    base_depth: Memo<u32>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let span = move || item.get().map(|(_, s)| s);
    // One field of the row's data (its default while the element is empty).
    let field = move |f: fn(&RowData) -> String| {
        move || data.with(|d| d.as_ref().map(f).unwrap_or_default())
    };
    let flag = move |f: fn(&RowData) -> bool| move || data.with(|d| d.as_ref().is_some_and(f));
    let children = move || data.with(|d| d.as_ref().map_or(0, |d| d.children));
    // A folded run's row toggles the run, not the span's children.
    let folded = Memo::new(move |_| flag(|d| d.fold.is_some())());
    let has_children = Memo::new(move |_| children() > 0 || folded.get());
    let collapsed = move || span().is_some_and(|s| app.collapsed.with(|c| c.contains(&s)));
    let indent = move || {
        let base = base_depth.get();
        data.with(|d| {
            d.as_ref()
                .map_or(0, |d| d.depth.saturating_sub(base).min(MAX_INDENT_LEVELS))
        }) as f64
            * INDENT
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
    let badges = Memo::new(move |_| {
        (
            flag(|d| d.error)(),
            kind_label(),
            note(),
            flag(|d| d.origin)(),
            data.with(|d| d.as_ref().map_or(0, |d| d.patterns)),
            flag(|d| d.unfolded_run)(),
        )
    });
    let title = field(|d| match &d.fold {
        Some(label) => format!("{}: {label} (folded: click ▸ to show each call)", d.service),
        None => format!("{}: {} ({})", d.service, d.op, d.duration),
    });
    let color = field(|d| d.color.clone());
    let in_set = move |set: &FxHashSet<u32>| span().is_some_and(|s| set.contains(&s));
    let fade = move || {
        span().map_or(wl::Fade::None, |s| {
            matches.with(|m| keep.with(|k| fade(s, m, k)))
        })
    };
    let toggle = move || {
        if let Some(s) = item.get_untracked().map(|(_, s)| s) {
            if folded.get_untracked() {
                app.expanded_runs.update(|e| {
                    e.insert(s);
                });
            } else {
                app.toggle_collapsed(s);
            }
        }
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
                add(flag(|d| d.critical)(), "critical");
                add(folded.get(), "folded");
                matches.with(|m| add(in_set(&m.set), "match"));
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
                            title=move || if folded.get() { "Show each call of the run".to_owned() } else if collapsed() { format!("Expand ({} children)", children()) } else { "Collapse".to_owned() }
                            on:click=move |e| {
                                e.stop_propagation();
                                toggle();
                            }
                        >
                            {move || if collapsed() || folded.get() { "▸" } else { "▾" }}
                        </button>
                    }
                    .into_any()
                }}
                <span class="svc-dot" style:background=color></span>
                <span class="svc">{field(|d| d.service.clone())}</span>
                <span class="op">{field(|d| d.fold.clone().unwrap_or_else(|| d.op.clone()))}</span>
                // Badges: rebuilt together, only when they change.
                {move || {
                    let (error, kind, note, origin, patterns, unfolded) = badges.get();
                    view! {
                        {origin.then(|| view! { <span class="origin-badge" title="Error origin: the failure started here (x goes to the primary one)">"origin"</span> })}
                        {(error && !origin).then(|| view! { <span class="err-badge" title="Error status (passed on from below, or handled)">"!"</span> })}
                        {(!kind.is_empty()).then(|| view! { <span class="kind">{kind}</span> })}
                        {pattern_badges(patterns).into_iter().map(|(text, why)| view! { <span class="pattern-badge" title=why>{text}</span> }).collect_view()}
                        {note.map(|(text, why)| view! { <span class="note" title=why>{text}</span> })}
                        {unfolded.then(|| view! {
                            <button class="link fold-again" title="Fold the run of repeated calls into one row" on:click=move |e| {
                                e.stop_propagation();
                                if let Some(s) = item.get_untracked().map(|(_, s)| s) {
                                    app.expanded_runs.update(|x| { x.remove(&s); });
                                }
                            }>"fold run"</button>
                        })}
                    }
                }}
                <span class="hidden-count" hidden=move || !collapsed()>{move || format!("+{}", children())}</span>
            </div>
            // The timeline column is drawn on the canvas over the rows.
            <div class="wf-time"></div>
        </div>
    }
}

/// Short badges for the patterns a span is part of.
fn pattern_badges(bits: u8) -> Vec<(&'static str, &'static str)> {
    [
        (
            pattern_bits::N_PLUS_ONE,
            "N+1",
            "Part of a run of repeated calls (N+1)",
        ),
        (
            pattern_bits::SEQUENTIAL,
            "sequential",
            "Part of sequential calls that could run in parallel",
        ),
        (
            pattern_bits::SLOW_QUERY,
            "slow query",
            "A slow database query",
        ),
        (
            pattern_bits::TIMEOUT,
            "timeout",
            "Part of a timeout: a caller gave up while its callee kept working",
        ),
    ]
    .into_iter()
    .filter(|(b, _, _)| bits & b != 0)
    .map(|(_, t, w)| (t, w))
    .collect()
}

/// Keyboard navigation in the waterfall; true if the key was used.
pub fn handle_key(app: AppState, key: &str) -> bool {
    if app.trace.get_untracked().is_none() {
        return false;
    }
    let derived = app.derived().rows.get_untracked();
    let rows = &derived.spans;
    let sel = app.span.get_untracked();
    // A folded run opens like a collapsed span.
    let unfold = |s: u32| {
        let folded = derived.folded.contains_key(&s);
        if folded {
            app.expanded_runs.update(|e| {
                e.insert(s);
            });
        }
        folded
    };
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
                if !unfold(s) && app.collapsed.with_untracked(|c| c.contains(&s)) {
                    app.toggle_collapsed(s);
                }
            }
            true
        }
        "Enter" | " " => {
            if let Some(s) = sel {
                if !unfold(s) {
                    app.toggle_collapsed(s);
                }
            }
            true
        }
        "z" => {
            if let Some(s) = sel {
                app.focus.set(Some(s));
            }
            true
        }
        "Backspace" => {
            // Out of a focused subtree, one level at a time.
            if let Some(f) = app.focus.get_untracked() {
                let p = app.store.with_value(|st| st.spans.parent[f as usize]);
                app.focus.set((p != crate::model::NONE).then_some(p));
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
