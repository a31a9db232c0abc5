//! The top bar: the app's name, the two pages, and ways to get traces in.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{AppState, Dialog, Page, Theme};
use super::trace_view::trace_name;

#[component]
pub fn TopBar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let trace_count = move || app.with_store(|s| s.traces.len());
    let on_pick = move |e: web_sys::Event| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files = input
            .files()
            .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect::<Vec<_>>())
            .unwrap_or_default();
        // Reset so that picking the same file again loads it again.
        input.set_value("");
        if !files.is_empty() {
            app.load_files(files);
        }
    };
    view! {
        <header class="topbar">
            <div class="brand" title="Strata: traces, in your browser">
                <span class="logo" aria-hidden="true">
                    <i></i><i></i><i></i>
                </span>
                "Strata"
            </div>
            <nav class="tabs">
                <button class="tab" class:active=move || app.page.get() == Page::Traces on:click=move |_| app.show(Page::Traces)>
                    "Traces "
                    <span class="count">{trace_count}</span>
                </button>
                <For
                    each=move || app.tabs.get()
                    key=|t| *t
                    children=move |t| {
                        let label = move || {
                            let (svc, op) = app.with_store(|s| trace_name(s, t));
                            format!("{svc}: {op}")
                        };
                        view! {
                            <span
                                class="tab trace-tab"
                                class:active=move || app.page.get() == Page::Trace && app.trace.get() == Some(t)
                                title=label
                                data-trace=t
                            >
                                <button class="tab-open" on:click=move |_| app.open_trace(t)>{label}</button>
                                <button class="tab-close" title="Close this tab" on:click=move |_| app.close_tab(t)>"×"</button>
                            </span>
                        }
                    }
                />
            </nav>
            <div class="actions">
                <label class="btn primary" title="Open trace files (o)">
                    "Open files…"
                    <input id="file-input" type="file" multiple accept=".json,.jsonl,.ndjson,application/json" on:click=move |_| app.prepare_workers() on:change=on_pick />
                </label>
                <button class="btn" title="Paste trace JSON (p, or Ctrl+V anywhere)" on:click=move |_| app.dialog.set(Dialog::Paste)>
                    "Paste JSON"
                </button>
                <button class="btn" title="Load the built-in online-shop demo again" on:click=move |_| app.load_demo()>
                    "Demo"
                </button>
                <button
                    class="btn icon"
                    title="Light / dark theme"
                    on:click=move |_| app.toggle_theme()
                >
                    {move || if app.theme.get() == Theme::Dark { "☀" } else { "☾" }}
                </button>
                <button class="btn icon" title="Keyboard shortcuts (?)" on:click=move |_| app.dialog.set(Dialog::Help)>
                    "?"
                </button>
            </div>
        </header>
    }
}
