//! The sources panel: every file, paste or demo loaded (or that failed to
//! load), with what was detected, what was read and any warnings or error.

use leptos::prelude::*;

use super::state::{AppState, Load, LoadState, Page, Progress, Side};
use crate::model::units::{format_bytes, format_count};
use crate::model::Range32;

#[derive(Clone, PartialEq)]
struct Loaded {
    name: String,
    format: String,
    traces: Range32,
    spans: u32,
    notes: Vec<String>,
    parts: Vec<String>,
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
                    key=|l: &Load| (l.id, item_key(&l.state))
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

/// An item re-renders when its kind of state changes, and when its file
/// moves (a file before it was removed).
fn item_key(state: &LoadState) -> (u8, u32) {
    match state {
        LoadState::Reading(_) => (0, 0),
        LoadState::Failed(_) => (1, 0),
        LoadState::Loaded { file, .. } => (2, *file),
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
    let size = format_bytes(bytes as u64);
    match state {
        LoadState::Reading(_) => {
            // The list re-renders an item only when its kind of state changes
            // (see the key above): progress is read here, per update.
            let progress = Memo::new(move |_| {
                app.loads.with(|l| {
                    l.iter()
                        .find(|x| x.id == id)
                        .and_then(|x| match x.state {
                            LoadState::Reading(p) => Some(p),
                            _ => None,
                        })
                        .unwrap_or_default()
                })
            });
            let size_text = size.clone();
            view! {
            <li class="source reading" role="status">
                <div class="src-name" title=name.clone()>
                    {name.clone()}
                    <button
                        class="btn small cancel-load"
                        title="Stop loading this file (traces loaded before stay)"
                        on:click=move |_| app.cancel_load(id)
                    >
                        "Cancel"
                    </button>
                </div>
                <div class="src-meta">{move || progress_text(&progress.get(), &size_text)}</div>
                <div class="bar">
                    <div
                        class="fill"
                        class:indeterminate=move || progress.get().total == 0
                        style:width=move || progress_width(&progress.get())
                    ></div>
                </div>
            </li>
            }
            .into_any()
        }
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
                    name: f.name.clone(),
                    format: f.format.clone(),
                    traces: f.traces,
                    spans: f.spans,
                    notes,
                    parts: f
                        .parts
                        .iter()
                        .map(|p| format!("{} · {}", p.name, crate::model::units::counted(p.spans as u64, "span")))
                        .collect(),
                }
            });
            // A joined file has the name of all its parts.
            let name = info.name.clone();
            let open = move |_| {
                if info.traces.len == 1 {
                    app.open_trace(info.traces.start);
                } else {
                    app.show(Page::Traces);
                }
            };
            let traces = info.traces.len;
            let hidden = move || app.hidden.with(|h| h.contains(&file));
            view! {
                <li class="source loaded" class:hidden=hidden>
                    <div class="src-head">
                        <button class="src-name link" title=name.clone() on:click=open>
                            <span class="status-icon">"✓"</span>
                            {name.clone()}
                        </button>
                        <SourceActions file=file name=name.clone() />
                    </div>
                    <div class="src-format">{info.format.clone()}</div>
                    {(!info.parts.is_empty()).then(|| view! { <JoinedParts parts=info.parts.clone() /> })}
                    <div class="src-meta">
                        {format!(
                            "{} · {} · {size} · {:.0} ms",
                            crate::model::units::counted(traces as u64, "trace"),
                            crate::model::units::counted(info.spans as u64, "span"),
                            ms
                        )}
                        {move || hidden().then_some(" · hidden")}
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

/// The files a joined source was made of (`import::join`).
#[component]
fn JoinedParts(parts: Vec<String>) -> impl IntoView {
    view! {
        <div class="src-parts">
            <span>{format!("Joined from {} files (they share traces):", parts.len())}</span>
            <ul>{parts.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
        </div>
    }
}

/// Hide/show a loaded file's traces, or remove the file.
#[component]
fn SourceActions(file: u32, name: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let hidden = move || app.hidden.with(|h| h.contains(&file));
    view! {
        <span class="src-actions">
            <button
                class="btn small hide-source"
                aria-pressed=move || hidden().to_string()
                title=move || if hidden() {
                    "Show this file's traces in the trace list and the all-traces views"
                } else {
                    "Hide this file's traces from the trace list and the all-traces views"
                }
                on:click=move |_| app.toggle_hidden(file)
            >
                {move || if hidden() { "Show" } else { "Hide" }}
            </button>
            <button
                class="icon remove-source"
                title="Remove this file and its traces"
                aria-label=format!("Remove {name}")
                on:click=move |_| app.remove_source(file)
            >
                "×"
            </button>
        </span>
    }
}

/// "412 MB of 1.2 GB read" while reading, then "310,000 spans parsed".
fn progress_text(p: &Progress, size: &str) -> String {
    if p.spans > 0 {
        format!("{} spans parsed…", format_count(p.spans))
    } else if p.total > 0 && p.read >= p.total {
        format!("{size} read · parsing…")
    } else if p.total > 0 {
        format!(
            "{} of {} read…",
            format_bytes(p.read),
            format_bytes(p.total)
        )
    } else {
        format!("{size} · reading…")
    }
}

/// Reading is the first third of the bar, parsing the rest (parsing takes
/// about twice as long; the span total is estimated from the bytes).
fn progress_width(p: &Progress) -> String {
    let pct = if p.total == 0 {
        30.0
    } else {
        let read = p.read as f64 / p.total as f64;
        // ~1 KB of JSON per span in typical files.
        let parsed = (p.spans as f64 * 1000.0 / p.total as f64).min(0.95);
        (read / 3.0 + parsed * 2.0 / 3.0) * 100.0
    };
    format!("{pct:.1}%")
}
