//! The waterfall's toolbar and the breadcrumb of a focused subtree.

use leptos::prelude::*;

use super::{CriticalToggle, FindBox};
use crate::layout::waterfall as wl;
use crate::views::derived::Shared;
use crate::views::state::AppState;

/// The waterfall's toolbar: expand/collapse, zoom, the find box and its
/// modes, the critical path toggle, the service filter and the row count.
#[component]
pub(super) fn Toolbar(rows: Memo<Shared<wl::Rows>>) -> impl IntoView {
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
                        {format!("{name}: {}", crate::model::units::counted(n as u64, "span"))}
                        <button class="icon" title="Show all spans" on:click=move |_| app.select_service(None)>"×"</button>
                    </span>
                })
            }}
            {move || {
                let f = app.span_filter.get()?;
                Some(view! {
                    <span class="filter-chip" title="Chosen in the trace health panel">
                        {f.label}
                        <button class="icon" title="Show all spans" on:click=move |_| app.span_filter.set(None)>"×"</button>
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
                        crate::model::units::counted(total as u64, "span")
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
pub(super) fn FocusBar() -> impl IntoView {
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
