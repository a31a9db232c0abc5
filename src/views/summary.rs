//! The trace summary above every view of a trace: where it failed, where its
//! time went, what looks wrong (or, for a healthy trace, one line saying
//! so). Every item is a click to its spans. The answers come from
//! `analysis::answers`; this only lays them out.

use leptos::prelude::*;

use super::state::{AppState, Dialog};
use crate::analysis::answers::{self, Answers};
use crate::analysis::patterns::Pattern;
use crate::model::time::format_duration;
use crate::model::Store;

/// A line of the summary that leads to a span.
#[derive(Clone, Debug, PartialEq)]
struct Item {
    span: u32,
    text: String,
    /// What the find box is set to when the item is clicked (its spans).
    query: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct FailedView {
    origin: Item,
    reaches_root: bool,
    chain: Vec<Item>,
    others: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
struct Summary {
    failed: Option<FailedView>,
    path_ns: i64,
    top_spans: Vec<Item>,
    top_services: Vec<String>,
    patterns: Vec<(Item, String)>,
    warnings: Vec<String>,
    healthy: Option<String>,
}

fn failed(a: &Answers, s: &Store) -> Option<FailedView> {
    let o = a.primary()?;
    Some(FailedView {
        origin: Item {
            span: o.span,
            text: answers::origin_label(s, o),
            query: Some("origin".into()),
        },
        reaches_root: o.reaches_root,
        chain: answers::chain_steps(s, o)
            .into_iter()
            .map(|(span, text)| Item {
                span,
                text,
                query: None,
            })
            .collect(),
        others: a.origins[1..]
            .iter()
            .take(4)
            .map(|o| Item {
                span: o.span,
                text: answers::origin_label(s, o),
                query: Some("origin".into()),
            })
            .collect(),
    })
}

fn pattern_item(p: &Pattern) -> (Item, String) {
    let cost = if p.saved_ns > 0 {
        format!("could save ~{}", format_duration(p.saved_ns))
    } else {
        format_duration(p.total_ns)
    };
    let on = if p.on_critical_path {
        "on the critical path"
    } else {
        "off the critical path"
    };
    (
        Item {
            span: p.spans.first().copied().unwrap_or(p.parent),
            text: format!("{}: {}", p.kind.label(), p.title),
            query: Some(format!("pattern={}", p.kind.key())),
        },
        format!("{cost}, {on} — {}", p.detail),
    )
}

fn summarize(a: &Answers, s: &Store) -> Summary {
    let tr = &s.traces[a.trace as usize];
    Summary {
        failed: failed(a, s),
        path_ns: a.critical.total_ns,
        top_spans: a
            .top_spans
            .iter()
            .take(3)
            .map(|&(span, ns)| Item {
                span,
                text: answers::contributor_label(a, s, span, ns),
                query: Some("critical".into()),
            })
            .collect(),
        top_services: a
            .top_services
            .iter()
            .take(4)
            .map(|&(svc, ns)| {
                format!(
                    "{} {} ({:.0}%)",
                    crate::analysis::services::service_name(s, svc),
                    format_duration(ns),
                    a.share(ns) * 100.0
                )
            })
            .collect(),
        patterns: a.patterns.iter().take(6).map(pattern_item).collect(),
        warnings: tr
            .warnings
            .iter()
            .filter(|w| w.kind.is_problem())
            .map(|w| w.message.clone())
            .collect(),
        healthy: a.healthy(s).then(|| answers::healthy_line(a, s)),
    }
}

/// Selects the item's span (expanding its ancestors, scrolling to it) and
/// marks its kind of spans in the find box.
fn go(app: AppState, item: &Item) {
    if let Some(q) = &item.query {
        app.query.set(q.clone());
    }
    app.select_span(item.span);
}

fn item_button(app: AppState, item: Item, class: &'static str) -> impl IntoView {
    let title = item.text.clone();
    view! {
        <button class=format!("link sum-item {class}") title=title on:click=move |_| go(app, &item)>
            {item.text.clone()}
        </button>
    }
}

#[component]
pub fn TraceSummary() -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let summary = Memo::new(move |_| {
        d.answers
            .with(|a| a.as_ref().map(|a| app.with_store(|s| summarize(a, s))))
    });
    move || {
        if d.analysing.get() {
            let spans = app
                .trace
                .get()
                .map_or(0, |t| app.with_store(|s| s.traces[t as usize].span_count()));
            return Some(view! {
                <section class="summary" aria-label="Trace summary">
                    <p class="sum-line sum-pending muted" role="status">
                        {format!("Analysing {spans} spans: where it failed, where the time went, what looks wrong…")}
                    </p>
                </section>
            }.into_any());
        }
        let s = summary.get()?;
        Some(view! {
            <section class="summary" aria-label="Trace summary">
                {match s.healthy.clone() {
                    Some(line) => view! { <p class="sum-line sum-healthy"><span class="sum-tag ok">"OK"</span>{line}</p> }.into_any(),
                    None => view! {
                        {s.failed.clone().map(|f| view! { <Failed f=f /> })}
                        <TimeWent s=s.clone() />
                        <LooksWrong s=s.clone() />
                    }.into_any(),
                }}
                <super::anomaly::AnomalyLine />
                <super::backlinks::TraceLinksLine />
            </section>
        }.into_any())
    }
}

#[component]
fn Failed(f: FailedView) -> impl IntoView {
    let app = expect_context::<AppState>();
    let verdict = if f.reaches_root {
        "Failed in"
    } else {
        "Error in"
    };
    let title = if f.reaches_root {
        "Where the request failed: the deepest error span whose failure reached the root (x)"
    } else {
        "An error that did not fail the request (x)"
    };
    view! {
        <div class="sum-line sum-failed" data-origin=f.origin.span>
            <span class="sum-tag bad" title=title>{verdict}</span>
            {item_button(app, f.origin.clone(), "origin")}
            <kbd title="Go to the error origin">"x"</kbd>
            {(!f.chain.is_empty()).then(|| view! {
                <span class="sum-chain">
                    {f.chain.into_iter().map(|c| view! { <span class="arrow">"→"</span>{item_button(app, c, "chain")} }).collect_view()}
                </span>
            })}
            {(!f.others.is_empty()).then(|| view! {
                <span class="sum-more">
                    <span class="muted">{format!("also {}:", if f.others.len() == 1 { "1 more error" } else { "errors" })}</span>
                    {f.others.into_iter().map(|c| item_button(app, c, "other")).collect_view()}
                </span>
            })}
        </div>
    }
}

#[component]
fn TimeWent(s: Summary) -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div class="sum-line sum-time">
            <span class="sum-tag" title="Time on the critical path: the chain of work the end of the request waited for">
                {format!("Critical path {}", format_duration(s.path_ns))}
            </span>
            {s.top_spans.into_iter().map(|i| item_button(app, i, "contrib")).collect_view()}
            {(!s.top_services.is_empty()).then(|| view! {
                <span class="sum-services muted">{format!("by service: {}", s.top_services.join(" · "))}</span>
            })}
        </div>
    }
}

#[component]
fn LooksWrong(s: Summary) -> impl IntoView {
    let app = expect_context::<AppState>();
    (!s.patterns.is_empty() || !s.warnings.is_empty()).then(|| {
        view! {
            <div class="sum-line sum-wrong">
                <span class="sum-tag warn">"Looks wrong"</span>
                <ul>
                    {s.patterns.into_iter().map(|(item, detail)| view! {
                        <li>{item_button(app, item, "pattern")}<span class="muted" title=detail.clone()>{detail.clone()}</span></li>
                    }).collect_view()}
                    {s.warnings.into_iter().map(|w| view! {
                        <li><button class="link sum-item warning" on:click=move |_| app.dialog.set(Dialog::Warnings)>{w}</button></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

/// The `x` key: select the primary error origin.
pub fn go_to_origin(app: AppState) -> bool {
    let origin = app
        .derived()
        .answers
        .with_untracked(|a| a.as_ref().and_then(|a| a.primary().map(|o| o.span)));
    match origin {
        Some(span) => {
            app.select_span(span);
            true
        }
        None => {
            app.say("This trace has no errors");
            true
        }
    }
}
