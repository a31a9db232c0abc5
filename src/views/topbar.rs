//! The top bar: the app's name, the two pages, and ways to get traces in.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{AppState, Dialog, Page, Theme};

#[component]
pub fn TopBar() -> impl IntoView {
    let app = expect_context::<AppState>();
    let trace_count = move || app.with_store(|s| s.traces.len());
    let labels = Memo::new(move |_| {
        let tabs = app.tabs.get();
        app.with_store(|s| {
            crate::layout::names::tab_labels(s, &tabs, super::platform::tz_offset_minutes())
        })
    });
    // The open trace's tab scrolls into the strip's view when tabs overflow it.
    Effect::new(move |_| {
        app.trace.track();
        app.tabs.track();
        request_animation_frame(|| {
            if let Some(el) = document()
                .query_selector(".trace-tab.active")
                .ok()
                .flatten()
            {
                let o = web_sys::ScrollIntoViewOptions::new();
                o.set_block(web_sys::ScrollLogicalPosition::Nearest);
                o.set_inline(web_sys::ScrollLogicalPosition::Nearest);
                el.scroll_into_view_with_scroll_into_view_options(&o);
            }
        });
    });
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
                        let label = move || labels.with(|l| l.iter().find(|x| x.trace == t).map(|x| x.label.clone()).unwrap_or_default());
                        let title = move || labels.with(|l| l.iter().find(|x| x.trace == t).map(|x| x.title.clone()).unwrap_or_default());
                        view! {
                            <span
                                class="tab trace-tab"
                                class:active=move || app.page.get() == Page::Trace && app.trace.get() == Some(t)
                                title=title
                                data-trace=t
                            >
                                <button class="tab-open" on:click=move |_| app.open_trace(t)>{label}</button>
                                <button class="tab-close" title="Close this tab" on:click=move |_| app.close_tab(t)>"×"</button>
                            </span>
                        }
                    }
                />
                <super::compare::CompareTab />
            </nav>
            <div class="actions">
                <label class="btn primary" title="Open trace files (o)">
                    "Open files…"
                    <input id="file-input" type="file" multiple accept=".json,.jsonl,.ndjson,.gz,.pb,.binpb,.bin,application/json,application/gzip,application/x-protobuf" on:click=move |_| app.prepare_workers() on:change=on_pick />
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
