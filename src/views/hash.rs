//! Keeps the URL hash in step with what is on screen: where the trace comes
//! from (demo, backend, URL, or the trace itself), the trace, view, selected
//! span, service, search, zoom, collapsed spans and modes. A reload or a
//! copied URL returns to it (fetching the trace again when needed), and
//! back/forward move between traces and views.

use leptos::prelude::*;

use super::remote;
use super::state::{AppState, ConfirmFetch, Dialog, FindMode, Origin, Page};
use crate::analysis::stats::StatsSpec;
use crate::layout::waterfall::Window;
use crate::model::ids::{parse_span_id_text, parse_trace_id_text};
use crate::sources::backend::Backend;
use crate::sources::link::{self, LinkState, Source, View};
use crate::sources::share;

pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The source the page's link names, if any (read before anything loads).
pub fn initial_source() -> Option<Source> {
    link::parse(&location_hash()).0.source
}

fn source_of(origin: Origin) -> Option<Source> {
    match origin {
        Origin::Demo => Some(Source::Demo),
        Origin::Backend(b) | Origin::Search(b) => Some(Source::Backend(b.to_link())),
        Origin::Url(u) => Some(Source::Url(u)),
        Origin::Embedded(d) => Some(Source::Data(d)),
        Origin::Local => None,
    }
}

/// The state on screen, as a link.
pub fn on_screen(app: AppState) -> LinkState {
    let list_query = Some(app.list_query.get()).filter(|q| !q.is_empty());
    let raw_times = super::timing::raw(app);
    if app.page.get() == Page::Compare {
        if let Some((a, b, t)) = super::compare::link_ids(app) {
            return LinkState {
                source: source_of(app.origin_of(t)),
                compare: Some((a, b)),
                list_query,
                raw_times,
                ..LinkState::default()
            };
        }
    }
    let Some(t) = app.trace.get() else {
        return LinkState {
            view: (app.page.get() == Page::Traces).then_some(View::Traces),
            list_query,
            raw_times,
            ..LinkState::default()
        };
    };
    let source = source_of(app.origin_of(t));
    app.with_store(|s| {
        let range = s.traces[t as usize].spans;
        LinkState {
            source,
            collapsed: app.collapsed.with(|c| {
                let mut ids: Vec<String> = c
                    .iter()
                    .filter(|&&i| range.contains(i))
                    .map(|&i| s.spans.id[i as usize].to_text(&s.strings))
                    .collect();
                ids.sort();
                ids
            }),
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
            find: Some(app.find_mode.get().key().to_owned()),
            critical: app.critical_only.get(),
            focus: app
                .focus
                .get()
                .filter(|&f| range.contains(f))
                .map(|f| s.spans.id[f as usize].to_text(&s.strings)),
            unfolded: app.expanded_runs.with(|e| {
                let mut ids: Vec<String> = e
                    .iter()
                    .filter(|&&i| range.contains(i))
                    .map(|&i| s.spans.id[i as usize].to_text(&s.strings))
                    .collect();
                ids.sort();
                ids
            }),
            stats: Some(app.stats.get())
                .filter(|x| *x != StatsSpec::default())
                .map(|x| x.format()),
            list_query,
            raw_times,
            compare: None,
        }
    })
}

fn loaded_trace(app: AppState, id: &str) -> Option<u32> {
    app.store
        .with_value(|s| parse_trace_id_text(id, &s.strings).and_then(|tid| s.find_trace(tid)))
}

/// How a link came to be applied, which decides whether its fetch asks first
/// (see [`crate::sources::trust`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The page opened with it.
    Opening,
    /// The address bar's link changed (typed, pasted, back/forward).
    Changed,
    /// The user agreed to its fetch.
    Confirmed,
}

/// Whether the fetch of `url` may start now; if not, asks the user (or says
/// why it never will) and returns false.
fn may_fetch(app: AppState, url: &str, hash: &str, arrival: Arrival) -> bool {
    let origin = match crate::sources::trust::origin(url) {
        Ok(o) => o,
        Err(e) => {
            app.notice
                .set(Some(format!("The link's source was not fetched: {e}")));
            return false;
        }
    };
    let trusted = super::platform::trusted_origins();
    let opening = arrival == Arrival::Opening;
    if arrival == Arrival::Confirmed
        || crate::sources::trust::may_fetch(url, opening, &super::platform::page_origin(), &trusted)
    {
        return true;
    }
    app.confirm.set(Some(ConfirmFetch {
        url: url.to_owned(),
        known: trusted.contains(&origin),
        origin,
        hash: hash.to_owned(),
    }));
    app.dialog.set(Dialog::ConfirmFetch);
    false
}

/// Applies a link: loads its source when the trace is not here yet (a
/// backend or URL is fetched, embedded data inflated), then opens the trace,
/// its view and its selection.
pub fn apply(app: AppState, hash: &str, arrival: Arrival) {
    let (st, problems) = link::parse(hash);
    let mut notes: Vec<String> = problems
        .into_iter()
        .map(|p| format!("Ignored in the link: {p}"))
        .collect();
    let have = st
        .trace
        .as_deref()
        .and_then(|id| loaded_trace(app, id))
        .is_some();
    if !have {
        match st.source.clone() {
            Some(Source::Backend(b)) => match (Backend::from_link(&b), st.trace.clone()) {
                (Some(backend), Some(id)) => {
                    let url = backend
                        .trace_urls(&id)
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    if !may_fetch(app, &url, hash, arrival) {
                        return;
                    }
                    app.backend.set(Some(backend.clone()));
                    let rest = st.clone();
                    remote::open_remote(
                        app,
                        backend,
                        id,
                        Some(Box::new(move || apply_view(app, &rest, Vec::new()))),
                    );
                    return;
                }
                (None, _) => notes.push(format!(
                    "The link's source {b:?} is not a backend Strata knows."
                )),
                (Some(_), None) => {}
            },
            Some(Source::Url(u)) => {
                if !may_fetch(app, &u, hash, arrival) {
                    return;
                }
                let rest = st.clone();
                remote::open_url(
                    app,
                    u,
                    Some(Box::new(move || apply_view(app, &rest, Vec::new()))),
                );
                return;
            }
            Some(Source::Data(d)) => match share::unembed(&d) {
                Ok(bytes) => {
                    app.load_bytes_from("shared link", &bytes, Origin::Embedded(d));
                }
                Err(e) => notes.push(e),
            },
            Some(Source::Demo) | None => {}
        }
    }
    apply_view(app, &st, notes);
}

fn apply_view(app: AppState, st: &LinkState, mut notes: Vec<String>) {
    // The view state applies only to the trace the link names, never to
    // whatever else is on screen.
    let mut target = None;
    if let Some(id) = &st.trace {
        match loaded_trace(app, id) {
            Some(t) => {
                app.open_trace(t);
                target = Some(t);
            }
            None => notes.push(format!(
                "The link names trace {}, which is not loaded here: open the file that holds it (or its backend).",
                crate::model::units::clip(id, 80)
            )),
        }
    }
    super::timing::set_corrected(app, !st.raw_times);
    if let Some(f) = st.flame {
        app.flame_mode.set(f);
    }
    if let Some(q) = &st.list_query {
        app.list_query.set(q.clone());
    }
    if let Some(m) = st.map {
        app.map_scope.set(m);
    }
    if let Some(spec) = st.stats.as_deref() {
        match StatsSpec::parse(spec) {
            Some(x) => app.stats.set(x),
            None => notes.push(format!(
                "Ignored in the link: stats: {:?} is not a grouping like operation,http.route;all",
                crate::model::units::clip(spec, 80)
            )),
        }
    }
    if let Some(t) = target {
        if let Some(v) = st.view {
            app.show_view(v);
        }
        app.select_service(st.service.clone());
        if let Some(q) = &st.query {
            app.query.set(q.clone());
        }
        if let Some(m) = st.find.as_deref().and_then(FindMode::from_key) {
            app.find_mode.set(m);
        }
        app.critical_only.set(st.critical);
        if let Some((a, b)) = st.window {
            app.window.set(Some(Window { start: a, end: b }));
        }
        let find = |id: &str| {
            app.store.with_value(|s| {
                let sid = parse_span_id_text(id, &s.strings)?;
                s.traces[t as usize]
                    .spans
                    .range()
                    .map(|i| i as u32)
                    .find(|&i| s.spans.id[i as usize] == sid)
            })
        };
        if !st.collapsed.is_empty() {
            let folded = st.collapsed.iter().filter_map(|id| find(id)).collect();
            app.collapsed.set(folded);
        }
        if !st.unfolded.is_empty() {
            let unfolded = st.unfolded.iter().filter_map(|id| find(id)).collect();
            app.expanded_runs.set(unfolded);
        }
        if let Some(id) = &st.focus {
            match find(id) {
                Some(f) => app.focus.set(Some(f)),
                None => notes.push(format!(
                    "The link focuses span {}, which is not in this trace.",
                    crate::model::units::clip(id, 80)
                )),
            }
        }
        if let Some(id) = &st.span {
            match find(id) {
                Some(sp) => app.select_span(sp),
                None => notes.push(format!(
                    "The link names span {id}, which is not in this trace."
                )),
            }
        }
    } else if st.view == Some(View::Traces) {
        app.show(Page::Traces);
    }
    if let Some((a, b)) = &st.compare {
        if let Err(e) = super::compare::open_ids(app, a, b) {
            notes.push(e);
        }
    }
    app.notice.set(if notes.is_empty() {
        None
    } else {
        Some(notes.join(" "))
    });
}

/// How often, at most, the current history entry is rewritten while the view
/// changes (zoom drags, keys held down): browsers throttle history calls, and
/// each one costs part of a frame.
const REPLACE_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Starts syncing: applies the current hash once, then writes every change:
/// a new trace or view at once, as a new history entry (a step back/forward
/// can return to); other changes (selection, zoom, search...) rewrite the
/// current entry, at most every [`REPLACE_EVERY`].
pub fn install(app: AppState) {
    let initial = location_hash();
    if !initial.trim_start_matches('#').is_empty() {
        apply(app, &initial, Arrival::Opening);
    }
    let scheduled = StoredValue::new(false);
    // The link of what was on screen last: written over the current entry
    // before a new one is pushed, so that the step back returns to it even
    // when it changed less than REPLACE_EVERY ago (a span selected, then a
    // link to another trace followed).
    let last = StoredValue::new(String::new());
    Effect::new(move |prev: Option<(Option<String>, Option<View>)>| {
        let st = on_screen(app);
        let key = (st.trace.clone(), st.view);
        let now = link::format(&st);
        let before = last.get_value();
        last.set_value(now.clone());
        if prev.as_ref().is_none_or(|p| *p != key) {
            // Only while the address bar still shows the entry being left
            // (not after back/forward moved to another one).
            let here = link::parse(&location_hash()).0;
            if prev.as_ref() == Some(&(here.trace, here.view)) && !before.is_empty() {
                write_hash(&before, false);
            }
            write_hash(&now, prev.is_some());
        } else if !scheduled.get_value() {
            scheduled.set_value(true);
            set_timeout(
                move || {
                    scheduled.set_value(false);
                    write_hash(&link::format(&untrack(|| on_screen(app))), false);
                },
                REPLACE_EVERY,
            );
        }
        key
    });
    let pop = window_event_listener(leptos::ev::popstate, move |_| {
        apply(app, &location_hash(), Arrival::Changed)
    });
    on_cleanup(move || pop.remove());
}

/// Puts `hash` in the address bar, as a new history entry or in place of the
/// current one; nothing if it is there already.
fn write_hash(hash: &str, push: bool) {
    if location_hash().trim_start_matches('#') == hash {
        return;
    }
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let url = format!("#{hash}");
    let _ = if push {
        history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    } else {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    };
}
