//! Leptos components. They read the store through [`state::AppState`], ask
//! `layout` where things go, and draw; nothing here decides what a trace means.

pub mod anomaly;
pub mod backlinks;
pub mod charts;
pub mod compare;
pub mod contrast;
pub mod derived;
pub mod detail;
pub mod dialogs;
pub mod drop;
pub mod find;
pub mod flame;
pub mod flame_nav;
pub mod grid;
pub mod hash;
pub mod join;
pub mod logs;
pub mod minimap;
pub mod platform;
pub mod probe;
pub mod remote;
pub mod search;
pub mod service_map;
pub mod share;
pub mod sources;
pub mod span_answers;
pub mod state;
pub mod stats;
pub mod summary;
pub mod timing;
pub mod topbar;
pub mod trace_list;
pub mod trace_view;
pub mod unload;
pub mod virtual_list;
pub mod waterfall;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::sources::link::View;
use state::{AppState, Dialog, Page, Theme};

#[component]
pub fn App() -> impl IntoView {
    let app = AppState::new();
    provide_context(app);
    app.start_worker();
    probe::install_panic_trigger(app);

    // The theme lives on <html> so the page background follows it too.
    Effect::new(move |_| {
        let theme = if app.theme.get() == Theme::Dark {
            "dark"
        } else {
            "light"
        };
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("data-theme", theme);
        }
    });

    // First visit: the built-in demo, its featured trace open; then whatever
    // the URL hash names.
    // A link to a backend, URL or embedded trace opens just that.
    if matches!(
        hash::initial_source(),
        None | Some(crate::sources::link::Source::Demo)
    ) {
        app.load_demo();
    }
    hash::install(app);

    install_global_handlers(app);

    view! {
        <div class="app">
            <topbar::TopBar />
            <div class="body">
                <sources::Sidebar />
                <main class="content">
                    <search::FetchStatus />
                    {move || app.notice.get().map(|n| view! {
                        <div class="notice" role="status">
                            <span>{n}</span>
                            <button class="icon" title="Dismiss" on:click=move |_| app.notice.set(None)>"×"</button>
                        </div>
                    })}
                    {move || match app.page.get() {
                        Page::Traces => view! { <trace_list::TraceList /> }.into_any(),
                        Page::Trace => view! { <trace_view::TraceView /> }.into_any(),
                        Page::Compare => view! { <compare::CompareView /> }.into_any(),
                    }}
                </main>
            </div>
            <drop::DropTarget />
            <dialogs::Dialogs />
            {move || app.toast.get().map(|t| view! { <div class="toast" role="status">{t}</div> })}
        </div>
    }
}

/// True when the event comes from a text field (its own keys and paste).
fn from_text_field(target: Option<web_sys::EventTarget>) -> bool {
    target
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
        .unwrap_or(false)
}

fn install_global_handlers(app: AppState) {
    // Ctrl+V of trace JSON anywhere outside a text field loads it.
    let paste = window_event_listener(ev::paste, move |e| {
        if from_text_field(e.target()) {
            return;
        }
        let text = e
            .clipboard_data()
            .and_then(|d| d.get_data("text").ok())
            .unwrap_or_default();
        if app.load_pasted(text) {
            e.prevent_default();
        }
    });
    let keys = window_event_listener(ev::keydown, move |e| {
        let key = e.key();
        if key == "Escape" {
            if app.dialog.get_untracked() != Dialog::None {
                app.dialog.set(Dialog::None);
            } else {
                app.span.set(None);
            }
            return;
        }
        if from_text_field(e.target()) || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        if app.dialog.get_untracked() != Dialog::None {
            return;
        }
        let handled = match key.as_str() {
            "?" => {
                app.dialog.set(Dialog::Help);
                true
            }
            "t" => {
                app.show(Page::Traces);
                true
            }
            "o" => {
                if let Some(input) = document().get_element_by_id("file-input") {
                    if let Ok(input) = input.dyn_into::<web_sys::HtmlElement>() {
                        input.click();
                    }
                }
                true
            }
            "p" => {
                app.dialog.set(Dialog::Paste);
                true
            }
            "w" => {
                app.show_view(View::Waterfall);
                true
            }
            "f" => {
                app.show_view(View::Flame);
                true
            }
            "m" => {
                app.show_view(View::Map);
                true
            }
            "s" => {
                app.show_view(View::Stats);
                true
            }
            "L" => {
                app.show_view(View::Logs);
                true
            }
            "x" if app.trace.get_untracked().is_some() => summary::go_to_origin(app),
            "r" => {
                timing::toggle(app);
                true
            }
            _ if app.page.get_untracked() == Page::Trace
                && app.view.get_untracked() == View::Waterfall =>
            {
                waterfall::handle_key(app, &key)
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
        }
    });
    on_cleanup(move || {
        paste.remove();
        keys.remove();
    });
}
