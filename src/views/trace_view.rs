//! One trace: its header (name, id, start, duration, counts, warnings), the
//! minimap, the waterfall and, when a span is selected, its details.

use leptos::prelude::*;

use super::detail::DetailPanel;
use super::flame::FlameGraph;
use super::minimap::Minimap;
use super::platform;
use super::service_map::ServiceMap;
use super::state::{AppState, Dialog, Page};
use super::waterfall::Waterfall;
use crate::layout::colors::service_css;
use crate::model::time::{format_duration, format_timestamp};
use crate::sources::link::View;

pub use crate::layout::names::trace_name;

#[derive(Clone, PartialEq)]
struct Header {
    service: String,
    op: String,
    id: String,
    start: String,
    duration: String,
    spans: usize,
    services: usize,
    depth: u32,
    errors: u32,
    warnings: usize,
    notes: usize,
    /// The files its spans came from, and all of them for the tooltip.
    file: (String, String),
}

#[component]
pub fn TraceView() -> impl IntoView {
    let app = expect_context::<AppState>();
    let header = Memo::new(move |_| {
        let t = app.trace.get()?;
        Some(app.with_store(|s| {
            let tr = &s.traces[t as usize];
            let (service, op) = trace_name(s, t);
            let health = crate::analysis::health::check(s, t);
            Header {
                service,
                op,
                id: tr.id.to_text(&s.strings),
                start: format_timestamp(tr.summary.start, platform::tz_offset_minutes()),
                duration: format_duration(tr.duration()),
                spans: tr.span_count(),
                services: tr.summary.services.len(),
                depth: tr.summary.max_depth + 1,
                errors: tr.summary.errors,
                warnings: health.iter().filter(|c| c.problem).count(),
                notes: health.iter().filter(|c| !c.problem).count() + tr.notes(),
                file: crate::layout::names::trace_sources(s, t),
            }
        }))
    });

    move || {
        match header.get() {
        None => view! {
            <div class="empty">
                <h2>"No trace open"</h2>
                <p>"Pick one from the " <a href="#" on:click=move |e| { e.prevent_default(); app.show(Page::Traces); }>"trace list"</a>
                   ", or drop a trace file anywhere on the page."</p>
            </div>
        }
        .into_any(),
        Some(h) => {
            let id = h.id.clone();
            let copied = RwSignal::new(false);
            view! {
                <div class="trace-view">
                    <header class="tv-header">
                        <div class="tv-title">
                            <span class="svc-dot big" style:background=service_css(&h.service)></span>
                            <h1>
                                <span class="svc">{h.service.clone()}</span>
                                ": "
                                <span class="op">{h.op.clone()}</span>
                            </h1>
                            <div class="tv-share">
                                <super::compare::CompareWithButton />
                                <super::share::ShareMenu />
                            </div>
                        </div>
                        <div class="tv-id">
                            <span class="label">"Trace ID"</span>
                            <code class="trace-id">{h.id.clone()}</code>
                            <button
                                class="btn small"
                                title="Copy the trace id"
                                on:click=move |_| {
                                    platform::copy_text(&id);
                                    copied.set(true);
                                    set_timeout(move || copied.set(false), std::time::Duration::from_millis(1500));
                                }
                            >
                                {move || if copied.get() { "Copied" } else { "Copy" }}
                            </button>
                            <span class="tv-file" title=h.file.1.clone()>{h.file.0.clone()}</span>
                        </div>
                        <dl class="tv-stats">
                            <div><dt>"Started"</dt><dd>{h.start.clone()}</dd></div>
                            <div><dt>"Duration"</dt><dd>{h.duration.clone()}</dd></div>
                            <div><dt>"Spans"</dt><dd class="n-spans">{h.spans}</dd></div>
                            <div><dt>"Services"</dt><dd>{h.services}</dd></div>
                            <div><dt>"Depth"</dt><dd>{h.depth}</dd></div>
                            <div class:bad={h.errors > 0}><dt>"Errors"</dt><dd class="n-errors">{h.errors}</dd></div>
                            <super::timing::SkewHeader />
                            {(h.warnings > 0)
                                .then(|| {
                                    view! {
                                        <div class="warn">
                                            <dt>"Health"</dt>
                                            <dd>
                                                <button class="link health-badge" title="Missing root or parents, duplicate ids, cycles, bad times, dropped data: the trace health panel" on:click=move |_| app.dialog.set(Dialog::Warnings)>
                                                    {format!("{} — show", crate::model::units::counted(h.warnings as u64, "problem"))}
                                                </button>
                                            </dd>
                                        </div>
                                    }
                                })}
                            {(h.notes > 0)
                                .then(|| {
                                    view! {
                                        <div class="notes">
                                            <dt>"Notes"</dt>
                                            <dd>
                                                <button class="link" title="Several roots, async work outliving its caller, clock skew corrected: the trace health panel" on:click=move |_| app.dialog.set(Dialog::Warnings)>
                                                    {format!("{} — show", h.notes)}
                                                </button>
                                            </dd>
                                        </div>
                                    }
                                })}
                        </dl>
                    </header>
                    <super::summary::TraceSummary />
                    <nav class="view-tabs" aria-label="Views">
                        {[(View::Waterfall, "Waterfall", "w"), (View::Flame, "Flame graph", "f"), (View::Map, "Service map", "m"), (View::Stats, "Statistics", "s"), (View::Logs, "Logs", "L")]
                            .into_iter()
                            .map(|(v, label, key)| view! {
                                <button
                                    class="view-tab"
                                    class:active=move || app.view.get() == v
                                    title=format!("{label} ({key})")
                                    data-view=v.key()
                                    on:click=move |_| app.show_view(v)
                                >
                                    {label}
                                </button>
                            })
                            .collect_view()}
                    </nav>
                    <div class="tv-body">
                        <div class="tv-main">
                            {move || match app.view.get() {
                                View::Flame => view! { <FlameGraph /> }.into_any(),
                                View::Map => view! { <ServiceMap /> }.into_any(),
                                View::Stats => view! { <super::stats::StatsTable /> }.into_any(),
                                View::Logs => view! { <super::logs::LogsView /> }.into_any(),
                                _ => view! { <Minimap /> <Waterfall /> }.into_any(),
                            }}
                        </div>
                        <Show when=move || app.span.get().is_some()>
                            <DetailPanel />
                        </Show>
                    </div>
                </div>
            }
            .into_any()
        }
    }
    }
}
