//! The trace list: every loaded trace with its root service and operation,
//! start, duration, span and error counts, services and source; sortable by
//! column; a click opens the trace. Virtualized like the waterfall.

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
    duration: i64,
    spans: usize,
    errors: u32,
    services: Vec<String>,
    file: String,
    warnings: usize,
    verdict: crate::analysis::answers::Verdict,
}

#[component]
pub fn TraceList() -> impl IntoView {
    let app = expect_context::<AppState>();
    let vp = Viewport::new();
    let verdicts = app.derived().verdicts;
    let all = Memo::new(move |_| {
        let tz = platform::tz_offset_minutes();
        let verdicts = verdicts.get();
        let (key, desc) = app.sort.get();
        let mut rows: Vec<TraceRow> = app.with_store(|s| {
            (0..s.traces.len() as u32)
                .map(|t| {
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
                        duration: tr.duration(),
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
                    duration: s.duration_ns,
                    spans: s.matched as usize,
                    errors: 0,
                    services: Vec::new(),
                    file: format!("{} (not loaded)", r.backend.kind.label()),
                    warnings: 0,
                    verdict: Default::default(),
                });
            }
        });
        rows.sort_by(|a, b| {
            let o = match key {
                SortKey::Start => a.start.cmp(&b.start),
                SortKey::Duration => a.duration.cmp(&b.duration),
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
    });
    let longest =
        Memo::new(move |_| all.with(|r| r.iter().map(|x| x.duration).max().unwrap_or(1).max(1)));
    let visible = Memo::new(move |_| {
        all.with(|r| {
            let range = visible_range(vp.top.get(), vp.height.get() - ROW_H, ROW_H, r.len(), 6);
            range.map(|p| (p, r[p].clone())).collect::<Vec<_>>()
        })
    });
    let header = move |label: &'static str, key: SortKey, class: &'static str| {
        view! {
            <button
                class=format!("th {class}")
                class:sorted=move || app.sort.get().0 == key
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
                {move || {
                    let (k, d) = app.sort.get();
                    if k == key { if d { " ▼" } else { " ▲" } } else { "" }
                }}
            </button>
        }
    };
    view! {
        <div class="trace-list">
            <Show
                when=move || all.with(|r| !r.is_empty())
                fallback=|| view! {
                    <div class="empty">
                        <h2>"No traces loaded"</h2>
                        <p>"Drop trace files anywhere on this page, pick them with " <b>"Open files…"</b>
                           ", or paste JSON with Ctrl+V."</p>
                    </div>
                }
            >
                <super::charts::TraceScatter />
                <div class="tl-scroll" node_ref=vp.el on:scroll=move |_| vp.measure()>
                    <div class="tl-head">
                        {header("Trace", SortKey::Name, "c-name")}
                        {header("Started", SortKey::Start, "c-start")}
                        {header("Duration", SortKey::Duration, "c-dur")}
                        {header("Spans", SortKey::Spans, "c-num")}
                        {header("Errors", SortKey::Errors, "c-num")}
                        {header("Verdict", SortKey::Verdict, "c-verdict")}
                        {header("Services", SortKey::Services, "c-svcs")}
                        <span class="th c-file">"Source"</span>
                    </div>
                    <div class="tl-body" style:height=move || format!("{}px", all.with(|r| r.len()) as f64 * ROW_H)>
                        <For
                            each=move || visible.get()
                            key=|(p, r)| (*p, r.t, r.remote)
                            children=move |(p, r)| {
                                let t = r.t;
                                let remote = r.remote;
                                let open = move |_| match remote {
                                    None => app.open_trace(t),
                                    Some(i) => {
                                        if let Some(rt) = app.remote.with_untracked(|l| l.get(i).cloned()) {
                                            super::remote::open_remote(app, rt.backend, rt.summary.trace_id, None);
                                        }
                                    }
                                };
                                let frac = r.duration as f64 / longest.get_untracked() as f64;
                                let more = r.services.len().saturating_sub(4);
                                view! {
                                    <div
                                        class="tl-row"
                                        class:current=move || remote.is_none() && app.trace.get() == Some(t)
                                        class:remote=remote.is_some()
                                        class:has-errors={r.errors > 0}
                                        style:top=format!("{}px", p as f64 * ROW_H)
                                        on:click=open
                                        data-trace=t
                                    >
                                        <div class="c-name">
                                            <div class="tl-title">
                                                <span class="svc-dot" style:background=service_css(&r.service)></span>
                                                <span class="svc">{format!("{}:", r.service)}</span>
                                                <span class="op">{r.op.clone()}</span>
                                            </div>
                                            <code class="tl-id">{r.id.clone()}</code>
                                            {(r.warnings > 0).then(|| view! { <span class="note" title="This trace has data warnings: open it and see its header">"warnings"</span> })}
                                            {remote.is_some().then(|| view! { <span class="note remote-note" title="Listed by the search; click to fetch it">"remote"</span> })}
                                        </div>
                                        <div class="c-start">{r.started.clone()}</div>
                                        <div class="c-dur">
                                            <span class="dur-bar" style:width=format!("{:.1}%", frac * 100.0)></span>
                                            <span>{format_duration(r.duration)}</span>
                                        </div>
                                        <div class="c-num">{r.spans}</div>
                                        <div class="c-num" class:bad={r.errors > 0}>{r.errors}</div>
                                        <Verdict v=r.verdict.clone() />
                                        <div class="c-svcs">
                                            {r.services.iter().take(4).map(|sv| view! {
                                                <span class="chip" title=sv.clone()>
                                                    <span class="svc-dot" style:background=service_css(sv)></span>
                                                    {sv.clone()}
                                                </span>
                                            }).collect_view()}
                                            {(more > 0).then(|| view! { <span class="chip more">{format!("+{more}")}</span> })}
                                        </div>
                                        <div class="c-file" title=r.file.clone()>{r.file.clone()}</div>
                                    </div>
                                }
                            }
                        />
                    </div>
                </div>
            </Show>
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
        <div class="c-verdict" title=v.text()>
            {v.failed_in.clone().map(|s| view! {
                <span class="verdict-failed" class:soft=!v.request_failed title=if v.request_failed { "The request failed: its error started here" } else { "An error inside a request that succeeded" }>
                    {format!("✗ {s}")}
                </span>
            })}
            {v.time_in.clone().map(|(s, share)| view! {
                <span class="verdict-time" title="Most time on the critical path">{format!("⏱ {s} {:.0}%", share * 100.0)}</span>
            })}
        </div>
    }
}
