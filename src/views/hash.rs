//! Keeps the URL hash in step with what is on screen (trace, view, selected
//! span, service, search, zoom, flame mode, map scope), so a reload or a copied
//! URL returns to it, and back/forward move between traces and views.

use leptos::prelude::*;

use super::state::{AppState, Page};
use crate::layout::waterfall::Window;
use crate::model::ids::{parse_span_id_text, parse_trace_id_text};
use crate::sources::link::{self, LinkState, View};

fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The state on screen, as a link.
fn on_screen(app: AppState) -> LinkState {
    let Some(t) = app.trace.get() else {
        return LinkState {
            view: (app.page.get() == Page::Traces).then_some(View::Traces),
            ..LinkState::default()
        };
    };
    app.with_store(|s| LinkState {
        view: Some(if app.page.get() == Page::Traces {
            View::Traces
        } else {
            app.view.get()
        }),
        trace: Some(s.traces[t as usize].id.to_text(&s.strings)),
        span: app
            .span
            .get()
            .map(|i| s.spans.id[i as usize].to_text(&s.strings)),
        service: app.service.get(),
        query: Some(app.query.get()).filter(|q| !q.is_empty()),
        window: app.window.get().map(|w| (w.start, w.end)),
        flame: Some(app.flame_mode.get()),
        map: Some(app.map_scope.get()),
    })
}

/// Applies a link: opens its trace if loaded, then its view and selection.
pub fn apply(app: AppState, hash: &str) {
    let (st, problems) = link::parse(hash);
    let mut notes: Vec<String> = problems
        .into_iter()
        .map(|p| format!("Ignored in the link: {p}"))
        .collect();
    if let Some(id) = &st.trace {
        let found = app
            .store
            .with_value(|s| parse_trace_id_text(id, &s.strings).and_then(|tid| s.find_trace(tid)));
        match found {
            Some(t) => app.open_trace(t),
            None => notes.push(format!(
                "The link names trace {id}, which is not loaded here: open the file that holds it (or its backend)."
            )),
        }
    }
    if let Some(f) = st.flame {
        app.flame_mode.set(f);
    }
    if let Some(m) = st.map {
        app.map_scope.set(m);
    }
    if app.trace.get_untracked().is_some() {
        if let Some(v) = st.view {
            app.show_view(v);
        }
        app.select_service(st.service.clone());
        if let Some(q) = &st.query {
            app.query.set(q.clone());
        }
        if let Some((a, b)) = st.window {
            app.window.set(Some(Window { start: a, end: b }));
        }
        if let (Some(id), Some(t)) = (&st.span, app.trace.get_untracked()) {
            let span = app.store.with_value(|s| {
                let sid = parse_span_id_text(id, &s.strings)?;
                s.traces[t as usize]
                    .spans
                    .range()
                    .map(|i| i as u32)
                    .find(|&i| s.spans.id[i as usize] == sid)
            });
            match span {
                Some(sp) => app.select_span(sp),
                None => notes.push(format!(
                    "The link names span {id}, which is not in this trace."
                )),
            }
        }
    } else if st.view == Some(View::Traces) {
        app.show(Page::Traces);
    }
    app.notice.set(if notes.is_empty() {
        None
    } else {
        Some(notes.join(" "))
    });
}

/// Starts syncing: applies the current hash once, then writes every change.
pub fn install(app: AppState) {
    let initial = location_hash();
    if !initial.trim_start_matches('#').is_empty() {
        apply(app, &initial);
    }
    Effect::new(move |prev: Option<(Option<String>, Option<View>)>| {
        let st = on_screen(app);
        let hash = link::format(&st);
        let key = (st.trace.clone(), st.view);
        if location_hash().trim_start_matches('#') != hash {
            if let Some(w) = web_sys::window() {
                let url = format!("#{hash}");
                let history = w.history().ok();
                // A new trace or view is a step back/forward can return to;
                // selection and zoom changes just update the current entry.
                let push = prev.as_ref().is_some_and(|p| *p != key);
                if let Some(h) = history {
                    let _ = if push {
                        h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                    } else {
                        h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                    };
                }
            }
        }
        key
    });
    let pop = window_event_listener(leptos::ev::popstate, move |_| apply(app, &location_hash()));
    on_cleanup(move || pop.remove());
}
