//! Files dragged onto the page: the overlay that says what a drop does.
//! With nothing loaded, a drop opens the files; with traces loaded, the
//! overlay splits in two: drop on the left to add the files to what is
//! loaded, on the right to replace it.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Add,
    Replace,
}

/// The drop zone under the pointer (the element's `data-drop`).
fn zone_at(e: &web_sys::DragEvent) -> Mode {
    let replace = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("[data-drop]").ok().flatten())
        .and_then(|el| el.get_attribute("data-drop"))
        .is_some_and(|m| m == "replace");
    if replace {
        Mode::Replace
    } else {
        Mode::Add
    }
}

fn has_files(e: &web_sys::DragEvent) -> bool {
    e.data_transfer()
        .map(|dt| {
            dt.types()
                .iter()
                .any(|t| t.as_string().as_deref() == Some("Files"))
        })
        .unwrap_or(false)
}

fn dropped_files(e: &web_sys::DragEvent) -> Vec<web_sys::File> {
    e.data_transfer()
        .and_then(|dt| dt.files())
        .map(|list| {
            (0..list.length())
                .filter_map(|i| list.get(i))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
}

/// Listens for files dragged over the window and shows the overlay.
#[component]
pub fn DropTarget() -> impl IntoView {
    let app = expect_context::<AppState>();
    let dragging = RwSignal::new(false);
    let mode = RwSignal::new(Mode::Add);
    let depth = StoredValue::new(0i32);
    let enter = window_event_listener(ev::dragenter, move |e| {
        if has_files(&e) {
            app.prepare_workers();
            depth.update_value(|d| *d += 1);
            dragging.set(true);
        }
    });
    let leave = window_event_listener(ev::dragleave, move |_| {
        depth.update_value(|d| *d -= 1);
        if depth.get_value() <= 0 {
            depth.set_value(0);
            dragging.set(false);
        }
    });
    let over = window_event_listener(ev::dragover, move |e| {
        // Without this the browser opens the file instead of dropping it here.
        e.prevent_default();
        let m = zone_at(&e);
        if mode.get_untracked() != m {
            mode.set(m);
        }
    });
    let drop = window_event_listener(ev::drop, move |e| {
        e.prevent_default();
        depth.set_value(0);
        dragging.set(false);
        let files = dropped_files(&e);
        if files.is_empty() {
            return;
        }
        if zone_at(&e) == Mode::Replace && app.file_count() > 0 {
            app.remove_all_sources();
            app.say("Replaced what was loaded");
        }
        app.load_files(files);
    });
    on_cleanup(move || {
        enter.remove();
        leave.remove();
        over.remove();
        drop.remove();
    });
    view! {
        <Show when=move || dragging.get()>
            <DropOverlay mode=mode />
        </Show>
    }
}

#[component]
fn DropOverlay(mode: RwSignal<Mode>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let loaded = app.with_store(|s| s.traces.len());
    let formats = "OTLP/JSON, Jaeger JSON, Zipkin v2 — several at once is fine";
    if loaded == 0 {
        return view! {
            <div class="drop-overlay">
                <div class="drop-box" data-drop="add">"Drop trace files to open them"
                    <small>{formats}</small>
                </div>
            </div>
        }
        .into_any();
    }
    let traces = crate::model::units::counted(loaded as u64, "trace");
    view! {
        <div class="drop-overlay split">
            <div class="drop-box" data-drop="add" class:active=move || mode.get() == Mode::Add>
                "Add to what is loaded"
                <small>{format!("keeps the {traces} open · {formats}")}</small>
            </div>
            <div class="drop-box" data-drop="replace" class:active=move || mode.get() == Mode::Replace>
                "Replace what is loaded"
                <small>{format!("removes the {traces} first")}</small>
            </div>
        </div>
    }
    .into_any()
}
