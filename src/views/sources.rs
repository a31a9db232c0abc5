//! The sources panel: every file, paste or demo loaded (or that failed to
//! load), with what was detected, what was read and any warnings or error.

use leptos::prelude::*;

use super::state::{AppState, Load, LoadState, Page, Side};
use crate::model::Range32;

#[derive(Clone, PartialEq)]
struct Loaded {
    format: String,
    traces: Range32,
    spans: u32,
    notes: Vec<String>,
}

fn human_bytes(n: usize) -> String {
    if n < 1024 {
        format!("{n} B")
    } else if n < 1024 * 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    }
}

#[component]
pub fn SourcesPanel() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div class="sources-list">
            <ul>
                <For
                    each=move || {
                        let mut l = app.loads.get();
                        l.reverse();
                        l
                    }
                    key=|l: &Load| (l.id, format!("{:?}", std::mem::discriminant(&l.state)))
                    children=move |l: Load| view! { <SourceItem load=l /> }
                />
            </ul>
            <p class="hint">
                "Drop files anywhere, or paste JSON with Ctrl+V. OTLP/JSON (also JSON Lines), Jaeger JSON, Zipkin v2, Tempo and Jaeger v3 responses."
            </p>
        </div>
    }
}

/// The left column: loaded sources, or the backend search.
#[component]
pub fn Sidebar() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <aside class="sources" aria-label="Sources and search">
            <nav class="side-tabs">
                <button class:active=move || app.side.get() == Side::Sources on:click=move |_| app.side.set(Side::Sources)>"Sources"</button>
                <button class:active=move || app.side.get() == Side::Search on:click=move |_| app.side.set(Side::Search) title="Connect to Jaeger, Tempo or Zipkin; open a URL">"Search"</button>
            </nav>
            {move || match app.side.get() {
                Side::Sources => view! { <SourcesPanel /> }.into_any(),
                Side::Search => view! { <super::search::SearchPanel /> }.into_any(),
            }}
        </aside>
    }
}

#[component]
fn SourceItem(load: Load) -> impl IntoView {
    let app = expect_context::<AppState>();
    let Load {
        id,
        name,
        bytes,
        state,
    } = load;
    let size = human_bytes(bytes);
    match state {
        LoadState::Reading => view! {
            <li class="source reading">
                <div class="src-name" title=name.clone()>{name.clone()}</div>
                <div class="src-meta">{format!("{size} · reading…")}</div>
            </li>
        }
        .into_any(),
        LoadState::Failed(e) => {
            let loc = e.location();
            view! {
                <li class="source failed" role="alert">
                    <div class="src-name" title=name.clone()>
                        <span class="status-icon">"✕"</span>
                        {name.clone()}
                        <button
                            class="icon dismiss"
                            title="Dismiss"
                            on:click=move |_| app.loads.update(|l| l.retain(|x| x.id != id))
                        >
                            "×"
                        </button>
                    </div>
                    <div class="src-error">{e.message.clone()}</div>
                    {(!loc.is_empty()).then(|| view! { <div class="src-loc">{format!("at {loc}")}</div> })}
                    <div class="src-meta">{size}</div>
                </li>
            }
            .into_any()
        }
        LoadState::Loaded { file, ms } => {
            let info = app.store.with_value(|s| {
                let f = &s.files[file as usize];
                let mut notes = f.warnings.clone();
                let warned = f
                    .traces
                    .range()
                    .filter(|&t| s.traces[t].problems() > 0)
                    .count();
                if warned > 0 {
                    notes.push(format!(
                        "{warned} of {} traces have data warnings (missing parents, duplicate ids, bad times…): see each trace's header",
                        f.traces.len
                    ));
                }
                Loaded {
                    format: f.format.clone(),
                    traces: f.traces,
                    spans: f.spans,
                    notes,
                }
            });
            let open = move |_| {
                if info.traces.len == 1 {
                    app.open_trace(info.traces.start);
                } else {
                    app.show(Page::Traces);
                }
            };
            let traces = info.traces.len;
            view! {
                <li class="source loaded">
                    <button class="src-name link" title=name.clone() on:click=open>
                        <span class="status-icon">"✓"</span>
                        {name.clone()}
                    </button>
                    <div class="src-format">{info.format.clone()}</div>
                    <div class="src-meta">
                        {format!(
                            "{traces} {} · {} spans · {size} · {:.0} ms",
                            if traces == 1 { "trace" } else { "traces" },
                            info.spans,
                            ms
                        )}
                    </div>
                    {(!info.notes.is_empty()).then(|| view! {
                        <ul class="src-notes">
                            {info.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                </li>
            }
            .into_any()
        }
    }
}
