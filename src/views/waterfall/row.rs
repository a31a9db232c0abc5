//! One row of the waterfall: an element recycled as the view scrolls, showing
//! whichever span its slot holds (name, toggle, badges); bars are drawn on
//! the timeline canvas, not here.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::{fade, INDENT, MAX_INDENT_LEVELS, ROW_H};
use crate::analysis::anomaly::Anomalies;
use crate::analysis::answers::Answers;
use crate::analysis::links::BackLinks;
use crate::analysis::pattern_bits;
use crate::layout::colors::service_css;
use crate::layout::waterfall::{self as wl, Fold};
use crate::model::time::format_duration;
use crate::model::{SpanFlags, SpanKind, Store};
use crate::views::derived::{Matches, Shared};
use crate::views::state::AppState;

/// What a row shows that never changes for a span.
#[derive(Clone, PartialEq)]
pub(super) struct RowData {
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
    /// Its clock-skew shift ("+1.2ms"), when applied.
    skew: Option<String>,
    /// Its links, and the back-links to it (whether one failed).
    links: usize,
    back: (usize, bool),
    /// Unusually slow for its operation across the loaded traces: the
    /// flag's label and title (`views::anomaly::flag`).
    anomaly: Option<(String, String)>,
}

pub(super) fn row_data(
    s: &Store,
    i: u32,
    a: Option<&Answers>,
    fold: Option<&Fold>,
    back: &BackLinks,
    anomalies: &Anomalies,
) -> RowData {
    let iu = i as usize;
    let tr = s.trace_of(i);
    let shift = tr.skew.shift_of(i - tr.spans.start);
    let back = back.of(i);
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
            crate::model::units::visible(&service, false).into_owned()
        },
        op: crate::model::units::visible(s.str(s.spans.name[iu]), false).into_owned(),
        kind: s.spans.kind[iu],
        error: s.is_error(i),
        depth: s.spans.depth[iu],
        children: s.children(i).len(),
        flags: s.spans.flags[iu],
        duration: format_duration(s.spans.duration[iu]),
        skew: (shift != 0 && tr.skew.applied).then(|| crate::analysis::skew::signed(shift)),
        links: s.span_links(i).len(),
        back: (back.len(), back.iter().any(|b| s.is_error(b.from))),
        anomaly: anomalies
            .of(s, i)
            .map(|a| crate::views::anomaly::flag(&a, s, i)),
    }
}

#[component]
pub(super) fn Row(
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
            data.with(|d| d.as_ref().map(|d| (d.skew.clone(), d.links, d.back))),
            data.with(|d| d.as_ref().and_then(|d| d.anomaly.clone())),
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
                    let (error, kind, note, origin, patterns, unfolded, extra, anomaly) = badges.get();
                    let (skew, links, back) = extra.unwrap_or_default();
                    view! {
                        {origin.then(|| view! { <span class="origin-badge" title="Error origin: the failure started here (x goes to the primary one)">"origin"</span> })}
                        {(error && !origin).then(|| view! { <span class="err-badge" title="Error status (passed on from below, or handled)">"!"</span> })}
                        {(!kind.is_empty()).then(|| view! { <span class="kind">{kind}</span> })}
                        {pattern_badges(patterns).into_iter().map(|(text, why)| view! { <span class="pattern-badge" title=why>{text}</span> }).collect_view()}
                        {note.map(|(text, why)| view! { <span class="note" title=why>{text}</span> })}
                        {anomaly.map(|(text, why)| view! { <span class="anomaly-badge" title=why>{text}</span> })}
                        {skew.map(|shift| view! { <span class="skew-badge" title=format!("Moved {shift} to correct clock skew: its host's clock disagrees with its caller's")>{format!("⇄ {shift}")}</span> })}
                        {(links > 0).then(|| view! { <span class="link-badge" title=format!("{links} span link(s): see Links in the details")>{format!("↗ {links}")}</span> })}
                        {(back.0 > 0).then(|| view! { <span class="link-badge back" class:bad=back.1 title=if back.1 { format!("{} span(s) link here; one failed: see Back-links in the details", back.0) } else { format!("{} span(s) link here: see Back-links in the details", back.0) }>{format!("↩ {}", back.0)}</span> })}
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
