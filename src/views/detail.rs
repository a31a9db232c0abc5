//! The span detail panel: every field of the selected span, its attributes
//! (searchable, typed), resource, events and links. All trace text is
//! rendered as text nodes, never as HTML.

use leptos::prelude::*;

use super::platform;
use super::state::AppState;
use crate::layout::colors::service_css;
use crate::model::time::{format_duration, format_timestamp};
use crate::model::{Attr, LinkKind, SpanFlags, Store, NONE};

#[derive(Clone, PartialEq)]
struct Row {
    key: String,
    value: String,
    ty: &'static str,
}

#[derive(Clone, PartialEq)]
struct EventRow {
    offset: String,
    name: String,
    attrs: Vec<Row>,
}

#[derive(Clone, PartialEq)]
struct LinkRow {
    kind: &'static str,
    trace_id: String,
    span_id: String,
    target: Option<(u32, String)>,
    attrs: Vec<Row>,
}

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
    attrs: Vec<Row>,
    resource: Vec<Row>,
    events: Vec<EventRow>,
    links: Vec<LinkRow>,
}

fn rows(s: &Store, attrs: &[Attr]) -> Vec<Row> {
    attrs
        .iter()
        .map(|a| Row {
            key: s.str(a.key).to_owned(),
            value: s.format_value(&a.value),
            ty: a.value.type_name(),
        })
        .collect()
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
        "A time outside any real date (an unset time written as uint64?)",
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
    let mut resource = s
        .resource_of(i)
        .map(|r| rows(s, s.attrs_of(r.attrs)))
        .unwrap_or_default();
    if let Some(sc) = s.scope_of(i) {
        resource.extend(rows(s, s.attrs_of(sc.attrs)).into_iter().map(|mut r| {
            r.key = format!("scope: {}", r.key);
            r
        }));
    }
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
    let span_name = |j: u32| {
        format!(
            "{}: {}",
            s.str(s.spans.service[j as usize]),
            s.str(s.spans.name[j as usize])
        )
    };
    Detail {
        service: s.str(s.spans.service[iu]).to_owned(),
        op: s.str(s.spans.name[iu]).to_owned(),
        kind: match s.spans.kind[iu].label() {
            "" => "unspecified",
            k => k,
        },
        status: s.spans.status[iu].label(),
        status_message: s.text(s.spans.status_message[iu]).to_owned(),
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
        scope,
        flags: FLAG_TEXT
            .iter()
            .filter(|(f, _, _)| flags.contains(*f))
            .map(|(_, t, why)| (*t, *why))
            .collect(),
        dropped,
        attrs: rows(s, s.span_attrs(i)),
        resource,
        events: s
            .span_events(i)
            .iter()
            .map(|e| EventRow {
                offset: format!("+{}", format_duration(e.time - start)),
                name: s.str(e.name).to_owned(),
                attrs: rows(s, s.attrs_of(e.attrs)),
            })
            .collect(),
        links: s
            .span_links(i)
            .iter()
            .map(|l| LinkRow {
                kind: match l.kind {
                    LinkKind::Link => "link",
                    LinkKind::FollowsFrom => "follows from",
                    LinkKind::ChildOf => "child of",
                },
                trace_id: l.trace_id.to_text(&s.strings),
                span_id: l.span_id.to_text(&s.strings),
                target: s
                    .find_span(l.trace_id, l.span_id)
                    .map(|j| (j, span_name(j))),
                attrs: rows(s, s.attrs_of(l.attrs)),
            })
            .collect(),
    }
}

#[component]
pub fn DetailPanel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let filter = RwSignal::new(String::new());
    let data = Memo::new(move |_| {
        let i = app.span.get()?;
        Some(app.with_store(|s| detail(s, i)))
    });
    move || {
        let span = app.span.get();
        data.get().map(|d| {
            let Detail {
                service,
                op,
                kind,
                status,
                status_message,
                error,
                offset,
                start,
                duration,
                span_id,
                parent,
                parent_id_missing,
                trace_id,
                scope,
                flags,
                dropped,
                attrs,
                resource,
                events,
                links,
            } = d;
            let n_attrs = attrs.len();
            let filtered = move || {
                let f = filter.get().to_lowercase();
                attrs
                    .iter()
                    .filter(|r| f.is_empty() || r.key.to_lowercase().contains(&f) || r.value.to_lowercase().contains(&f))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            let copy_id = span_id.clone();
            view! {
                <aside class="detail" aria-label="Span details">
                    <header>
                        <span class="svc-dot" style:background=service_css(&service)></span>
                        <h2>
                            <span class="svc">{service.clone()}</span>
                            <span class="op">{op.clone()}</span>
                        </h2>
                        <button class="icon" title="Close (Esc)" on:click=move |_| app.span.set(None)>"×"</button>
                    </header>
                    <div class="detail-scroll">
                        <dl class="facts">
                            <dt>"Service"</dt><dd>{service}</dd>
                            <dt>"Operation"</dt><dd>{op}</dd>
                            <dt>"Kind"</dt><dd>{kind}</dd>
                            <dt>"Status"</dt>
                            <dd class:bad=error>
                                {status}
                                {(!status_message.is_empty()).then(|| view! { <span class="status-msg">{format!(" — {status_message}")}</span> })}
                            </dd>
                            <dt>"Start"</dt><dd>{offset}<span class="muted">{format!("  ({start})")}</span></dd>
                            <dt>"Duration"</dt><dd class="dur">{duration}</dd>
                            <dt>"Span ID"</dt>
                            <dd>
                                <code>{span_id}</code>
                                <button class="btn tiny" on:click=move |_| platform::copy_text(&copy_id)>"Copy"</button>
                            </dd>
                            <dt>"Parent"</dt>
                            <dd>
                                {match (parent, parent_id_missing) {
                                    (Some((p, id)), _) => view! {
                                        <button class="link mono" on:click=move |_| app.select_span(p)>{id}</button>
                                    }.into_any(),
                                    (None, Some(id)) => view! {
                                        <code>{id}</code><span class="muted">" (not in this trace)"</span>
                                    }.into_any(),
                                    (None, None) => view! { <span class="muted">"none (root)"</span> }.into_any(),
                                }}
                            </dd>
                            <dt>"Trace ID"</dt><dd><code>{trace_id}</code></dd>
                            {(!scope.is_empty()).then(|| view! { <dt>"Scope"</dt><dd>{scope}</dd> })}
                            {(!dropped.is_empty()).then(|| view! { <dt>"Dropped"</dt><dd class="warn-text">{dropped.join(", ")}</dd> })}
                        </dl>
                        {span.map(|sp| view! { <super::span_answers::SpanAnswers span=sp /> })}
                        {(!flags.is_empty()).then(|| view! {
                            <div class="flags">
                                {flags.into_iter().map(|(t, why)| view! { <span class="flag" title=why>{t}</span> }).collect_view()}
                            </div>
                        })}
                        <section>
                            <h3>"Latency of this operation (all loaded traces)"</h3>
                            {span.map(|sp| view! { <super::charts::LatencyHistogram span=sp /> })}
                        </section>
                        <section class="attributes">
                            <h3>{format!("Attributes ({n_attrs})")}</h3>
                            <input
                                class="filter"
                                type="search"
                                placeholder="Filter attributes"
                                prop:value=move || filter.get()
                                on:input=move |e| filter.set(event_target_value(&e))
                            />
                            <AttrTable rows=Signal::derive(filtered) />
                        </section>
                        {(!events.is_empty()).then(|| view! {
                            <section>
                                <h3>{format!("Events ({})", events.len())}</h3>
                                <ol class="events">
                                    {events.into_iter().map(|e| view! {
                                        <li>
                                            <span class="ev-time">{e.offset}</span>
                                            <span class="ev-name">{if e.name.is_empty() { "(unnamed)".to_owned() } else { e.name }}</span>
                                            {(!e.attrs.is_empty()).then(|| view! { <AttrTable rows=Signal::stored(e.attrs) /> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                            </section>
                        })}
                        {(!links.is_empty()).then(|| view! {
                            <section>
                                <h3>{format!("Links ({})", links.len())}</h3>
                                <ul class="links">
                                    {links.into_iter().map(|l| view! {
                                        <li>
                                            <span class="link-kind">{l.kind}</span>
                                            {match l.target {
                                                Some((j, name)) => view! {
                                                    <button class="link" title="Jump to the linked span" on:click=move |_| app.select_span(j)>{name}</button>
                                                }.into_any(),
                                                None => view! { <span class="muted">"not loaded"</span> }.into_any(),
                                            }}
                                            <div class="mono small">{format!("trace {} · span {}", l.trace_id, l.span_id)}</div>
                                            {(!l.attrs.is_empty()).then(|| view! { <AttrTable rows=Signal::stored(l.attrs) /> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                        {(!resource.is_empty()).then(|| view! {
                            <section>
                                <h3>{format!("Resource ({})", resource.len())}</h3>
                                <AttrTable rows=Signal::stored(resource) />
                            </section>
                        })}
                    </div>
                </aside>
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
                                    <td class=format!("v-{}", r.ty)>{r.value}</td>
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
