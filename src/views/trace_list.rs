//! The trace list: every loaded trace with its root service and operation,
//! start, response time (the root span's duration: what the caller waited)
//! and extent (first start to last end, async work included), span and
//! error counts, verdict, services and source; filtered with the find box's
//! language (`Query::traces`: `service=cart failed response>500ms`), sortable
//! by column; a click or Enter opens the trace. An ARIA grid, virtualized
//! like the waterfall.

use leptos::prelude::*;

use super::platform;
use super::state::{AppState, SortKey};
use super::trace_view::trace_name;
use super::virtual_list::Viewport;
use crate::layout::colors::service_css;
use crate::layout::waterfall::visible_range;
use crate::model::time::{format_duration, format_timestamp};

const ROW_H: f64 = 40.0;

#[derive(Clone, PartialEq)]
struct TraceRow {
    /// The loaded trace, or NONE for a remote one.
    t: u32,
    /// Index into `app.remote` for a trace a search listed but not loaded.
    remote: Option<usize>,
    service: String,
    op: String,
    id: String,
    start: i64,
    started: String,
    /// The root span's duration.
    response: i64,
    /// First start to last end.
    extent: i64,
    spans: usize,
    errors: u32,
    services: Vec<String>,
    file: String,
    warnings: usize,
    verdict: crate::analysis::answers::Verdict,
}

/// The rows of `traces` (and the remote ones), sorted by `key`.
fn rows(
    app: AppState,
    traces: &[u32],
    with_remote: bool,
    key: SortKey,
    desc: bool,
) -> Vec<TraceRow> {
    let tz = platform::tz_offset_minutes();
    let verdicts = app.derived().verdicts.get();
    let mut rows: Vec<TraceRow> = app.with_store(|s| {
        traces
            .iter()
            .map(|&t| {
                let tr = &s.traces[t as usize];
                let (service, op) = trace_name(s, t);
                TraceRow {
                    t,
                    remote: None,
                    service,
                    op,
                    id: tr.id.to_text(&s.strings),
                    start: tr.summary.start,
                    started: format_timestamp(tr.summary.start, tz),
                    response: s.response_time(t),
                    extent: tr.duration(),
                    spans: tr.span_count(),
                    errors: tr.summary.errors,
                    services: tr
                        .summary
                        .services
                        .iter()
                        .map(|x| s.str(*x).to_owned())
                        .collect(),
                    file: s.files[tr.file as usize].name.clone(),
                    warnings: tr.problems(),
                    verdict: verdicts.get(t as usize).cloned().unwrap_or_default(),
                }
            })
            .collect()
    });
    // Traces a backend search listed (Tempo) but that are not loaded yet.
    if with_remote {
        app.remote.with(|remote| {
            for (i, r) in remote.iter().enumerate() {
                let s = &r.summary;
                rows.push(TraceRow {
                    t: crate::model::NONE,
                    remote: Some(i),
                    service: s.root_service.clone(),
                    op: s.root_name.clone(),
                    id: s.trace_id.clone(),
                    start: s.start_ns,
                    started: format_timestamp(s.start_ns, tz),
                    response: s.duration_ns,
                    extent: s.duration_ns,
                    spans: s.matched as usize,
                    errors: 0,
                    services: Vec::new(),
                    file: format!("{} (not loaded)", r.backend.kind.label()),
                    warnings: 0,
                    verdict: Default::default(),
                });
            }
        });
    }
    rows.sort_by(|a, b| {
        let o = match key {
            SortKey::Start => a.start.cmp(&b.start),
            SortKey::Response => a.response.cmp(&b.response),
            SortKey::Extent => a.extent.cmp(&b.extent),
            SortKey::Spans => a.spans.cmp(&b.spans),
            SortKey::Errors => a.errors.cmp(&b.errors),
            SortKey::Services => a.services.len().cmp(&b.services.len()),
            SortKey::Name => (&a.service, &a.op).cmp(&(&b.service, &b.op)),
            // Failed requests first, then errors inside requests that
            // succeeded, then by where the time went.
            SortKey::Verdict => verdict_key(&b.verdict).cmp(&verdict_key(&a.verdict)),
        };
        let o = o.then(a.t.cmp(&b.t)).then(a.remote.cmp(&b.remote));
        if desc {
            o.reverse()
        } else {
            o
        }
    });
    rows
}

#[component]
pub fn TraceList() -> impl IntoView {
    let app = expect_context::<AppState>();
    let any =
        move || app.with_store(|s| !s.traces.is_empty()) || app.remote.with(|r| !r.is_empty());
    view! {
        <div class="trace-list">
            <Show
                when=any
                fallback=|| view! {
                    <div class="empty">
                        <h2>"No traces loaded"</h2>
                        <p>"Drop trace files anywhere on this page, pick them with " <b>"Open files…"</b>
                           ", or paste JSON with Ctrl+V."</p>
                    </div>
                }
            >
                <super::charts::TraceScatter />
                <ListFilter />
                <super::compare::CompareBar />
                <ListTable />
            </Show>
        </div>
    }
}

/// The trace list's filter: the find box's language, with trace terms.
#[component]
fn ListFilter() -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    // "40 traces"; "3 of 40 traces" when a filter, a pick on the chart or
    // a hidden source leaves some out (saying how many are hidden).
    let count = move || {
        let (listed, shown, all) = (
            d.listed.with(|l| l.len()),
            d.shown.with(|l| l.len()),
            app.with_store(|s| s.traces.len()),
        );
        let hidden = match all - shown {
            0 => String::new(),
            n => format!(" · {n} hidden"),
        };
        if listed == all {
            crate::model::units::counted(all as u64, "trace")
        } else {
            format!("{listed} of {all} traces{hidden}")
        }
    };
    view! {
        <div class="tl-filter">
            <input
                type="search"
                class="filter"
                aria-label="Filter traces"
                placeholder="Filter traces: service=cart failed response>500ms status=error -failed source~zipkin http.route=/cart"
                prop:value=move || app.list_query.get()
                on:input=move |e| app.list_query.set(event_target_value(&e))
            />
            <super::charts::PickedChip />
            <super::contrast::ContrastControls />
            <span class="tl-count" role="status">{count}</span>
            {move || d.list_query.with(|q| q.as_ref().err().map(|e| view! {
                <span class="query-error" role="alert">{e.message.clone()}</span>
            }))}
        </div>
    }
}

/// The sortable, virtualized table.
#[component]
fn ListTable() -> impl IntoView {
    let app = expect_context::<AppState>();
    let vp = Viewport::new();
    let listed = app.derived().listed;
    let all = Memo::new(move |_| {
        let (key, desc) = app.sort.get();
        let traces = listed.get();
        let unfiltered = app.list_query.with(|q| q.trim().is_empty());
        rows(app, &traces, unfiltered, key, desc)
    });
    let longest =
        Memo::new(move |_| all.with(|r| r.iter().map(|x| x.response).max().unwrap_or(1).max(1)));
    let visible = Memo::new(move |_| {
        all.with(|r| {
            let range = visible_range(vp.top.get(), vp.height.get() - ROW_H, ROW_H, r.len(), 6);
            range.map(|p| (p, r[p].clone())).collect::<Vec<_>>()
        })
    });
    let n = move || all.with(|r| r.len());
    view! {
        <div class="tl-scroll" node_ref=vp.el on:scroll=move |_| vp.measure() role="grid" aria-label="Traces" aria-rowcount=move || n() + 1>
            <div class="tl-head" role="row" aria-rowindex="1">
                <Header label="Trace" key=SortKey::Name class="c-name" />
                <Header label="Started" key=SortKey::Start class="c-start" />
                <Header label="Response" key=SortKey::Response class="c-dur" title="The root span's duration: how long the caller waited" />
                <Header label="Extent" key=SortKey::Extent class="c-ext" title="First start to last end, including async work after the response" />
                <Header label="Spans" key=SortKey::Spans class="c-num" />
                <Header label="Errors" key=SortKey::Errors class="c-num" />
                <Header label="Verdict" key=SortKey::Verdict class="c-verdict" />
                <Header label="Services" key=SortKey::Services class="c-svcs" />
                <span class="th c-file" role="columnheader">"Source"</span>
            </div>
            <div class="tl-body" role="rowgroup" style:height=move || format!("{}px", n() as f64 * ROW_H)>
                <For
                    each=move || visible.get()
                    key=|(p, r)| (*p, r.t, r.remote)
                    children=move |(p, r)| view! { <ListRow pos=p row=r longest=longest.get_untracked() /> }
                />
            </div>
        </div>
    }
}

/// A column header that sorts by `key` (again: the other way).
#[component]
fn Header(
    label: &'static str,
    key: SortKey,
    class: &'static str,
    #[prop(optional)] title: &'static str,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let sort = move || match app.sort.get() {
        (k, true) if k == key => "descending",
        (k, false) if k == key => "ascending",
        _ => "none",
    };
    view! {
        <button
            class=format!("th {class}")
            class:sorted=move || app.sort.get().0 == key
            role="columnheader"
            aria-sort=sort
            title=title
            on:click=move |_| app.sort.update(|(k, d)| {
                if *k == key {
                    *d = !*d;
                } else {
                    *k = key;
                    *d = key != SortKey::Name;
                }
            })
        >
            {label}
            {move || match sort() {
                "descending" => " ▼",
                "ascending" => " ▲",
                _ => "",
            }}
        </button>
    }
}

/// One trace: a click (or Enter) opens it, or fetches it when a search only
/// listed it.
#[component]
fn ListRow(pos: usize, row: TraceRow, longest: i64) -> impl IntoView {
    let app = expect_context::<AppState>();
    let r = row;
    let (t, remote) = (r.t, r.remote);
    let open = move || match remote {
        None => app.open_trace(t),
        Some(i) => {
            if let Some(rt) = app.remote.with_untracked(|l| l.get(i).cloned()) {
                super::remote::open_remote(app, rt.backend, rt.summary.trace_id, None);
            }
        }
    };
    let frac = r.response as f64 / longest as f64;
    let more = r.services.len().saturating_sub(4);
    view! {
        <div
            class="tl-row"
            class:current=move || remote.is_none() && app.trace.get() == Some(t)
            class:remote=remote.is_some()
            class:has-errors={r.errors > 0}
            style:top=format!("{}px", pos as f64 * ROW_H)
            role="row"
            aria-rowindex=pos + 2
            tabindex="-1"
            class:cmp-picked=move || remote.is_none() && super::compare::is_picked(app, t)
            on:click=move |e| if remote.is_none() && (e.ctrl_key() || e.meta_key()) {
                super::compare::toggle_pick(app, t)
            } else {
                open()
            }
            on:keydown=move |e| super::grid::row_key(&e, open)
            data-trace=t
        >
            <div class="c-name" role="gridcell">
                <div class="tl-title">
                    <span class="svc-dot" style:background=service_css(&r.service)></span>
                    <span class="svc">{format!("{}:", r.service)}</span>
                    <span class="op">{r.op.clone()}</span>
                </div>
                <code class="tl-id">{r.id.clone()}</code>
                {(r.warnings > 0).then(|| view! { <span class="note" title="This trace has data warnings: open it and see its header">"warnings"</span> })}
                {remote.is_some().then(|| view! { <span class="note remote-note" title="Listed by the search; click to fetch it">"remote"</span> })}
            </div>
            <div class="c-start" role="gridcell">{r.started.clone()}</div>
            <div class="c-dur" role="gridcell">
                <span class="dur-bar" style:width=format!("{:.1}%", frac.min(1.0) * 100.0)></span>
                <span>{format_duration(r.response)}</span>
            </div>
            <div class="c-ext" role="gridcell" class:longer={r.extent > r.response}>{format_duration(r.extent)}</div>
            <div class="c-num" role="gridcell">{r.spans}</div>
            <div class="c-num" role="gridcell" class:bad={r.errors > 0}>{r.errors}</div>
            <Verdict v=r.verdict.clone() />
            <div class="c-svcs" role="gridcell">
                {r.services.iter().take(4).map(|sv| view! {
                    <span class="chip" title=sv.clone()>
                        <span class="svc-dot" style:background=service_css(sv)></span>
                        {sv.clone()}
                    </span>
                }).collect_view()}
                {(more > 0).then(|| view! { <span class="chip more">{format!("+{more}")}</span> })}
            </div>
            <div class="c-file" role="gridcell" title=r.file.clone()>{r.file.clone()}</div>
        </div>
    }
}

/// Sorts verdicts: failed requests, then errors that did not fail the
/// request, then healthy traces; within each by the service named.
fn verdict_key(v: &crate::analysis::answers::Verdict) -> (u8, String, String) {
    let rank = match (&v.failed_in, v.request_failed) {
        (Some(_), true) => 2,
        (Some(_), false) => 1,
        (None, _) => 0,
    };
    (
        rank,
        v.failed_in.clone().unwrap_or_default(),
        v.time_in.as_ref().map(|t| t.0.clone()).unwrap_or_default(),
    )
}

/// The verdict cell: where the trace failed and where its time went.
#[component]
fn Verdict(v: crate::analysis::answers::Verdict) -> impl IntoView {
    view! {
        <div class="c-verdict" role="gridcell" title=v.text()>
            {v.failed_in.clone().map(|s| view! {
                <span class="verdict-failed" class:soft=!v.request_failed title=if v.request_failed { "The request failed: its error started here" } else { "An error inside a request that succeeded" }>
                    {format!("✗ {s}")}
                </span>
            })}
            {v.time_in.clone().map(|(s, share)| view! {
                <span class="verdict-time" title="Most time on the critical path">{format!("◔ {s} {:.0}%", share * 100.0)}</span>
            })}
        </div>
    }
}
