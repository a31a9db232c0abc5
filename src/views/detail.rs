//! The span detail panel: every field of the selected span, its attributes
//! (searchable, typed), resource, events and links. All trace text is
//! rendered as text nodes, never as HTML, with control and bidi-override
//! characters shown rather than obeyed ([`visible`]).
//!
//! Long lists are paged: a span may carry 100,000 attributes or events (a
//! hostile or broken exporter), and one DOM row each would freeze the page
//! for seconds. Each list shows its first rows and a "Show more" button, and
//! rows are formatted from the store only as they are shown.

use leptos::prelude::*;

use super::platform;
use super::state::AppState;
use crate::layout::attr_table::{attr_lists, matching_rows, Attrs, Row};
use crate::layout::colors::service_css;
use crate::model::time::{format_duration, format_timestamp};
use crate::model::units::{format_count, visible};
use crate::model::{LinkKind, SpanFlags, Store, NONE};

/// Rows a list shows at first, and adds per "Show more".
const PAGE_ATTRS: usize = 200;
/// Events and links shown at first (each may have its own attributes).
const PAGE_ITEMS: usize = 100;
/// Attributes shown at first under one event or link.
const PAGE_NESTED: usize = 20;

#[derive(Clone, PartialEq)]
struct Detail {
    service: String,
    op: String,
    kind: &'static str,
    status: &'static str,
    status_message: String,
    error: bool,
    offset: String,
    start: String,
    duration: String,
    span_id: String,
    parent: Option<(u32, String)>,
    parent_id_missing: Option<String>,
    trace_id: String,
    scope: String,
    flags: Vec<(&'static str, &'static str)>,
    dropped: Vec<String>,
    n_attrs: usize,
    n_resource: usize,
    n_events: usize,
    n_links: usize,
}

const FLAG_TEXT: &[(SpanFlags, &str, &str)] = &[
    (
        SpanFlags::ORPHAN,
        "orphan",
        "Its parent span is not in the trace (dropped or not sampled)",
    ),
    (
        SpanFlags::DUPLICATE_ID,
        "duplicate id",
        "Another span in this trace has the same span id",
    ),
    (
        SpanFlags::CYCLE,
        "cycle cut",
        "Its parent link closed a cycle and was ignored",
    ),
    (
        SpanFlags::SHARED,
        "shared (Zipkin)",
        "Server half of an RPC that shares its id with the client half",
    ),
    (
        SpanFlags::FOLLOWS_FROM,
        "follows from",
        "Linked to its parent by FOLLOWS_FROM (asynchronous)",
    ),
    (
        SpanFlags::NO_START,
        "no start time",
        "The file gave no start time; drawn at the parent's start",
    ),
    (
        SpanFlags::NO_DURATION,
        "no duration",
        "The file gave no duration or end time",
    ),
    (
        SpanFlags::BAD_TIME,
        "invalid time",
        "A time outside any real date (an unset time written as uint64, a negative time, or an end past the year 2262); drawn at the parent's start",
    ),
    (
        SpanFlags::STARTS_BEFORE_PARENT,
        "starts before parent",
        "Clock skew between hosts, or a bug",
    ),
    (
        SpanFlags::ENDS_AFTER_PARENT,
        "ends after parent",
        "Async work the parent did not wait for, or clock skew",
    ),
];

fn detail(s: &Store, i: u32) -> Detail {
    let iu = i as usize;
    let tr = s.trace_of(i);
    let trace_start = tr.summary.start;
    let start = s.spans.start[iu];
    let parent = s.spans.parent[iu];
    let flags = s.spans.flags[iu];
    let scope = s
        .scope_of(i)
        .map(|sc| {
            let name = s.str(sc.name);
            let version = s.str(sc.version);
            if version.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {version}")
            }
        })
        .unwrap_or_default();
    let d = s.spans.dropped[iu];
    let mut dropped = Vec::new();
    for (n, what) in [
        (d.attrs, "attributes"),
        (d.events, "events"),
        (d.links, "links"),
    ] {
        if n > 0 {
            dropped.push(format!("{n} {what}"));
        }
    }
    let text = |t: &str| visible(t, false).into_owned();
    Detail {
        service: text(s.str(s.spans.service[iu])),
        op: text(s.str(s.spans.name[iu])),
        kind: match s.spans.kind[iu].label() {
            "" => "unspecified",
            k => k,
        },
        status: s.spans.status[iu].label(),
        status_message: visible(s.text(s.spans.status_message[iu]), true).into_owned(),
        error: s.is_error(i),
        offset: format!("+{}", format_duration(start - trace_start)),
        start: format_timestamp(start, platform::tz_offset_minutes()),
        duration: format_duration(s.spans.duration[iu]),
        span_id: s.spans.id[iu].to_text(&s.strings),
        parent: (parent != NONE).then(|| (parent, s.spans.id[parent as usize].to_text(&s.strings))),
        parent_id_missing: if parent == NONE {
            s.spans.parent_id[iu].map(|p| p.to_text(&s.strings))
        } else {
            None
        },
        trace_id: tr.id.to_text(&s.strings),
        scope: text(&scope),
        flags: FLAG_TEXT
            .iter()
            .filter(|(f, _, _)| flags.contains(*f))
            .map(|(_, t, why)| (*t, *why))
            .collect(),
        dropped,
        n_attrs: s.span_attrs(i).len(),
        n_resource: attr_lists(s, i, Attrs::Resource)
            .iter()
            .map(|(a, _)| a.len())
            .sum(),
        n_events: s.span_events(i).len(),
        n_links: s.span_links(i).len(),
    }
}

#[component]
pub fn DetailPanel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let data = Memo::new(move |_| {
        let i = app.span.get()?;
        Some((i, app.with_store(|s| detail(s, i))))
    });
    move || {
        data.get().map(|(span, d)| {
            let (service, op) = (d.service.clone(), d.op.clone());
            let (n_attrs, n_events, n_links, n_resource) = (d.n_attrs, d.n_events, d.n_links, d.n_resource);
            view! {
                <aside class="detail" aria-label="Span details">
                    <header>
                        <span class="svc-dot" style:background=service_css(&service)></span>
                        <h2>
                            <span class="svc">{service}</span>
                            <span class="op">{op}</span>
                        </h2>
                        <button class="icon" title="Close (Esc)" on:click=move |_| app.span.set(None)>"×"</button>
                    </header>
                    <div class="detail-scroll">
                        <Facts d=d.clone() />
                        <super::timing::SpanTimingFacts span=span />
                        // Links both ways near the top: following them is
                        // how async work is read (issue 19).
                        {(n_links > 0).then(|| view! { <LinksSection span=span count=n_links /> })}
                        <super::backlinks::BackLinksSection span=span />
                        <super::span_answers::SpanAnswers span=span />
                        {(!d.flags.is_empty()).then(|| view! {
                            <div class="flags">
                                {d.flags.into_iter().map(|(t, why)| view! { <span class="flag" title=why>{t}</span> }).collect_view()}
                            </div>
                        })}
                        <section>
                            <h3>"Latency of this operation (all loaded traces)"</h3>
                            <super::anomaly::SpanStanding span=span />
                            <super::charts::LatencyHistogram span=span />
                        </section>
                        <AttributesSection span=span count=n_attrs />
                        {(n_events > 0).then(|| view! { <EventsSection span=span count=n_events /> })}
                        {(n_resource > 0).then(|| view! {
                            <section>
                                <h3>{format!("Resource ({})", format_count(n_resource as u64))}</h3>
                                <AttrList span=span which=Attrs::Resource page=PAGE_ATTRS />
                            </section>
                        })}
                    </div>
                </aside>
            }
        })
    }
}

/// Service, operation, kind, status, times and ids.
#[component]
fn Facts(d: Detail) -> impl IntoView {
    let app = expect_context::<AppState>();
    let copy_id = d.span_id.clone();
    view! {
        <dl class="facts">
            <dt>"Service"</dt><dd>{d.service}</dd>
            <dt>"Operation"</dt><dd>{d.op}</dd>
            <dt>"Kind"</dt><dd>{d.kind}</dd>
            <dt>"Status"</dt>
            <dd class:bad=d.error>
                {d.status}
                {(!d.status_message.is_empty()).then(|| view! { <span class="status-msg">{format!(" — {}", d.status_message)}</span> })}
            </dd>
            <dt>"Start"</dt><dd>{d.offset}<span class="muted">{format!("  ({})", d.start)}</span></dd>
            <dt>"Duration"</dt><dd class="dur">{d.duration}</dd>
            <dt>"Span ID"</dt>
            <dd>
                <code>{d.span_id}</code>
                <button class="btn tiny" on:click=move |_| platform::copy_text(&copy_id)>"Copy"</button>
            </dd>
            <dt>"Parent"</dt>
            <dd>
                {match (d.parent, d.parent_id_missing) {
                    (Some((p, id)), _) => view! {
                        <button class="link mono" on:click=move |_| app.select_span(p)>{id}</button>
                    }.into_any(),
                    (None, Some(id)) => view! {
                        <code>{id}</code><span class="muted">" (not in this trace)"</span>
                    }.into_any(),
                    (None, None) => view! { <span class="muted">"none (root)"</span> }.into_any(),
                }}
            </dd>
            <dt>"Trace ID"</dt><dd><code>{d.trace_id}</code></dd>
            {(!d.scope.is_empty()).then(|| view! { <dt>"Scope"</dt><dd>{d.scope}</dd> })}
            {(!d.dropped.is_empty()).then(|| view! { <dt>"Dropped"</dt><dd class="warn-text">{d.dropped.join(", ")}</dd> })}
        </dl>
    }
}

/// The span's own attributes, with a filter over all of them.
#[component]
fn AttributesSection(span: u32, count: usize) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    view! {
        <section class="attributes">
            <h3>{format!("Attributes ({})", format_count(count as u64))}</h3>
            <input
                class="filter"
                type="search"
                placeholder="Filter attributes"
                prop:value=move || filter.get()
                on:input=move |e| filter.set(event_target_value(&e))
            />
            <AttrList span=span which=Attrs::Span page=PAGE_ATTRS filter=filter />
        </section>
    }
}

/// The span's events, a page at a time, each with its attributes.
#[component]
fn EventsSection(span: u32, count: usize) -> impl IntoView {
    let app = expect_context::<AppState>();
    let shown = RwSignal::new(PAGE_ITEMS);
    let events = Memo::new(move |_| {
        app.with_store(|s| {
            let start = s.spans.start[span as usize];
            s.span_events(span)
                .iter()
                .take(shown.get())
                .map(|e| {
                    let name = visible(s.str(e.name), false).into_owned();
                    (
                        format!("+{}", format_duration(e.time - start)),
                        if name.is_empty() {
                            "(unnamed)".to_owned()
                        } else {
                            name
                        },
                        e.attrs.range().len(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section>
            <h3>{format!("Events ({})", format_count(count as u64))}</h3>
            <ol class="events">
                {move || events.get().into_iter().enumerate().map(|(k, (offset, name, n))| view! {
                    <li>
                        <span class="ev-time">{offset}</span>
                        <span class="ev-name">{name}</span>
                        {(n > 0).then(|| view! { <AttrList span=span which=Attrs::Event(k) page=PAGE_NESTED /> })}
                    </li>
                }).collect_view()}
            </ol>
            <ShowMore shown=shown total=Signal::stored(count) page=PAGE_ITEMS what="events" />
        </section>
    }
}

/// The span's links, a page at a time: where each points, and a jump to it
/// when that span is loaded.
#[component]
fn LinksSection(span: u32, count: usize) -> impl IntoView {
    let app = expect_context::<AppState>();
    let shown = RwSignal::new(PAGE_ITEMS);
    let links = Memo::new(move |_| {
        app.with_store(|s| {
            s.span_links(span)
                .iter()
                .take(shown.get())
                .map(|l| {
                    let kind = match l.kind {
                        LinkKind::Link => "link",
                        LinkKind::FollowsFrom => "follows from",
                        LinkKind::ChildOf => "child of",
                    };
                    let target = s.find_span(l.trace_id, l.span_id).map(|j| {
                        let (svc, op) = (s.spans.service[j as usize], s.spans.name[j as usize]);
                        (
                            j,
                            visible(&format!("{}: {}", s.str(svc), s.str(op)), false).into_owned(),
                        )
                    });
                    let ids = format!(
                        "trace {} · span {}",
                        l.trace_id.to_text(&s.strings),
                        l.span_id.to_text(&s.strings)
                    );
                    (kind, target, ids, l.attrs.range().len())
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section>
            <h3>{format!("Links ({})", format_count(count as u64))}</h3>
            <ul class="links">
                {move || links.get().into_iter().enumerate().map(|(k, (kind, target, ids, n))| view! {
                    <li>
                        <span class="link-kind">{kind}</span>
                        {match target {
                            Some((j, name)) => view! {
                                <button class="link" title="Jump to the linked span" on:click=move |_| app.select_span(j)>{name}</button>
                            }.into_any(),
                            None => view! { <span class="muted">"not loaded"</span> }.into_any(),
                        }}
                        <div class="mono small">{ids}</div>
                        {(n > 0).then(|| view! { <AttrList span=span which=Attrs::Link(k) page=PAGE_NESTED /> })}
                    </li>
                }).collect_view()}
            </ul>
            <ShowMore shown=shown total=Signal::stored(count) page=PAGE_ITEMS what="links" />
        </section>
    }
}

/// One attribute list, its first `page` rows (matching `filter`), more on demand.
#[component]
fn AttrList(
    span: u32,
    which: Attrs,
    page: usize,
    #[prop(optional)] filter: Option<RwSignal<String>>,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let shown = RwSignal::new(page);
    let data = Memo::new(move |_| {
        let f = filter.map(|f| f.get().to_lowercase()).unwrap_or_default();
        app.with_store(|s| matching_rows(s, span, which, &f, shown.get()))
    });
    view! {
        <AttrTable rows=Signal::derive(move || data.get().0) />
        <ShowMore shown=shown total=Signal::derive(move || data.get().1) page=page what="attributes" />
    }
}

/// "Show 200 more (of 100,000)", while some are not shown.
#[component]
fn ShowMore(
    shown: RwSignal<usize>,
    total: Signal<usize>,
    page: usize,
    what: &'static str,
) -> impl IntoView {
    move || {
        let (n, total) = (shown.get(), total.get());
        (total > n).then(|| {
            let more = page.min(total - n);
            view! {
                <button class="btn small show-more" on:click=move |_| shown.update(|s| *s += page)>
                    {format!("Show {} more {what} ({} of {} shown)", format_count(more as u64), format_count(n as u64), format_count(total as u64))}
                </button>
            }
        })
    }
}

#[component]
fn AttrTable(rows: Signal<Vec<Row>>) -> impl IntoView {
    view! {
        <table class="attrs">
            <tbody>
                {move || {
                    rows.get()
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <th>{r.key}</th>
                                    <td class=format!("v-{}", r.ty)>
                                        {match crate::sources::trust::http_link(&r.value) {
                                            Some(href) => view! {
                                                <a href=href target="_blank" rel="noopener noreferrer">{r.value}</a>
                                            }.into_any(),
                                            None => r.value.into_any(),
                                        }}
                                    </td>
                                    <td class="ty">{r.ty}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}
