//! The waterfall: an indented span tree beside a timeline. Virtualized: only
//! the rows in view (plus a few) exist in the DOM, so 100k spans scroll like 10.
//! Past `wl::MAX_SCROLL_PX` of rows (a million spans and more) the scrolling
//! is scaled (`wl::ScrollMap`): the spacer stays under the browsers' element
//! height limits and every row stays reachable.
//!
//! `mod.rs` lays the view out (scrolling, the header's axis, the timeline
//! canvas); `toolbar.rs` holds the toolbar and the focus breadcrumb,
//! `row.rs` one recycled row, `keys.rs` the keyboard.

mod keys;
mod row;
mod toolbar;

pub use keys::handle_key;
use row::{row_data, Row};
use toolbar::{FocusBar, Toolbar};

use leptos::prelude::*;

use super::derived::{Matches, Shared};
use super::find::{CriticalToggle, FindBox};
use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::Viewport;
use crate::analysis::answers::Answers;
use crate::layout::waterfall::{self as wl, Fold, ScrollMap, Window};
use crate::model::Store;
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
            _ => {
                // Another trace: it keeps the scroll it was left with (a
                // link followed and Back) while its selection is in view.
                if let Some(t) = prev.and_then(|p| p.0) {
                    super::backlinks::remember_top(app, t, top);
                }
                let back = trace.and_then(|t| super::backlinks::recall_top(app, t));
                let pos = selected_pos();
                let kept = back.filter(|&b| pos.is_none_or(|p| m.reveal(p, b).is_none()));
                Some(kept.unwrap_or_else(|| pos.and_then(|p| m.reveal(p, 0.0)).unwrap_or(0.0)))
            }
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
    // Each trace's scroll, for when it is opened again (not the first
    // measure of a view just built: that is no scroll of the user's).
    Effect::new(move |prev: Option<()>| {
        let top = vp.top.get();
        if let (Some(()), Some(t)) = (prev, app.trace.get_untracked()) {
            super::backlinks::remember_top(app, t, top);
        }
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
        // The network segments drawn, for tests: "row label x width; …".
        let net = timeline::network_scene(&drawn, width);
        let _ = web_sys::Element::set_attribute(&el, "data-net", &net);
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
                                let back = super::backlinks::index(app);
                                d.anomalies.with(|anomalies| d.answers.with(|a| {
                                    rows.with(|r| {
                                        d.folds.with(|folds| {
                                            let fold = r.folded.get(&span).map(|&f| &folds[f]);
                                            Some(app.store.with_value(|s| row_data(s, span, a.as_deref(), fold, &back, anomalies)))
                                        })
                                    })
                                }))
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
