//! Span links seen from both ends: the back-link index of the loaded spans
//! (`analysis::links`, built once per store change and shared by the rows,
//! the summary and the details), the details panel's Back-links section and
//! the summary's line about a trace's links. Following a link or back-link
//! selects the other span, opening its trace in a tab; the page's history
//! (`hash`) brings the previous trace back with its selection, and
//! [`remember_top`] / [`recall_top`] with its scroll.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use rustc_hash::FxHashMap;

use super::state::AppState;
use crate::analysis::links::{self, BackLinks};
use crate::model::units::{counted, visible};
use crate::model::TraceId;

thread_local! {
    static INDEX: RefCell<Option<(u64, Rc<BackLinks>)>> = const { RefCell::new(None) };
    static TOPS: RefCell<FxHashMap<TraceId, f64>> = RefCell::new(FxHashMap::default());
}

/// The back-links of every loaded span (tracked: recomputed after the store
/// changes, once for all callers).
pub fn index(app: AppState) -> Rc<BackLinks> {
    let rev = app.rev.get();
    INDEX.with(|c| {
        let mut c = c.borrow_mut();
        match &*c {
            Some((r, ix)) if *r == rev => ix.clone(),
            _ => {
                let ix = Rc::new(app.store.with_value(BackLinks::build));
                *c = Some((rev, ix.clone()));
                ix
            }
        }
    })
}

/// Remembers the waterfall's scroll of trace `t` as it is left.
pub fn remember_top(app: AppState, t: u32, top: f64) {
    if let Some(id) = app
        .store
        .with_value(|s| s.traces.get(t as usize).map(|tr| tr.id))
    {
        TOPS.with(|m| m.borrow_mut().insert(id, top));
    }
}

/// The scroll trace `t` had when it was last left, if any.
pub fn recall_top(app: AppState, t: u32) -> Option<f64> {
    let id = app
        .store
        .with_value(|s| s.traces.get(t as usize).map(|tr| tr.id))?;
    TOPS.with(|m| m.borrow().get(&id).copied())
}

/// The details panel's Back-links: the spans whose links point at `span`,
/// each with what it did and how it ended; a click goes to it.
#[component]
pub fn BackLinksSection(span: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let items = Memo::new(move |_| {
        let ix = index(app);
        app.with_store(|s| {
            let here = s.spans.trace[span as usize];
            ix.of(span)
                .iter()
                .map(|b| {
                    let other = s.spans.trace[b.from as usize] != here;
                    (
                        b.from,
                        visible(&links::describe(s, b), false).into_owned(),
                        s.is_error(b.from),
                        other,
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    move || {
        let items = items.get();
        (!items.is_empty()).then(|| {
            view! {
                <section class="back-links">
                    <h3 title="Spans whose links point at this one (in any loaded trace)">{format!("Back-links ({})", items.len())}</h3>
                    <ul class="links">
                        {items.into_iter().map(|(from, text, failed, other)| view! {
                            <li>
                                <button class="link back-link" class:bad=failed title="Go to the linking span" on:click=move |_| app.select_span(from)>{text}</button>
                                {other.then(|| view! { <span class="muted small">" (another trace)"</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// The summary's line about the open trace's links, when it has any: the
/// back-links whose linking span failed (a click goes to it) and how many
/// links lead out of and into the trace.
#[component]
pub fn TraceLinksLine() -> impl IntoView {
    let app = expect_context::<AppState>();
    let data = Memo::new(move |_| {
        let t = app.trace.get()?;
        let ix = index(app);
        app.with_store(|s| {
            let sum = links::of_trace(s, &ix, t);
            if sum.linking_spans == 0 && sum.from_other_traces == 0 && sum.failed.is_empty() {
                return None;
            }
            let failed: Vec<(u32, String)> = sum
                .failed
                .iter()
                .take(4)
                .map(|b| {
                    let target = s.str(s.spans.name[b.target as usize]);
                    let text = format!("{target}: {}", links::describe(s, b));
                    (b.from, visible(&text, false).into_owned())
                })
                .collect();
            let mut counts = Vec::new();
            if sum.linking_spans > 0 {
                counts.push(format!(
                    "{} with {}",
                    counted(sum.linking_spans as u64, "span"),
                    counted(sum.links as u64, "link")
                ));
            }
            if sum.from_other_traces > 0 {
                counts.push(format!(
                    "{} from other traces",
                    counted(sum.from_other_traces as u64, "back-link")
                ));
            }
            Some((failed, counts.join(" · ")))
        })
    });
    move || {
        data.get().map(|(failed, counts)| {
            view! {
                <div class="sum-line sum-links">
                    <span class="sum-tag" class:bad=!failed.is_empty() title="Span links: a consumer or follower that refers to a span by a link">
                        {if failed.is_empty() { "Links" } else { "Linked span failed" }}
                    </span>
                    {failed.into_iter().map(|(from, text)| view! {
                        <button class="link sum-item back-link bad" title=text.clone() on:click=move |_| app.select_span(from)>{text.clone()}</button>
                    }).collect_view()}
                    <span class="muted">{counts}</span>
                </div>
            }
        })
    }
}
