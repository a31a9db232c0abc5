//! The find box of the waterfall and the flame graph: the filter language of
//! `analysis::query`, its mode (highlight, matches only, matches and their
//! ancestors), the match count with next/previous, and what is wrong with a
//! malformed query.

use leptos::prelude::*;

use super::state::{AppState, FindMode};

/// Selects the next (or previous) match in row order.
pub fn step_match(app: AppState, forward: bool) {
    let next = app.derived().matches.with_untracked(|m| {
        let o = &m.ordered;
        if o.is_empty() {
            return None;
        }
        let cur = app
            .span
            .get_untracked()
            .and_then(|s| o.iter().position(|&m| m == s));
        let k = match (cur, forward) {
            (Some(k), true) => (k + 1) % o.len(),
            (Some(k), false) => (k + o.len() - 1) % o.len(),
            (None, true) => 0,
            (None, false) => o.len() - 1,
        };
        Some(o[k])
    });
    if let Some(m) = next {
        app.select_span(m);
    }
}

#[component]
pub fn FindBox(
    /// Offer the modes that change the rows (the waterfall's).
    #[prop(optional)]
    modes: bool,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let error = Memo::new(move |_| d.query.with(|q| q.as_ref().err().cloned()));
    let count = move || {
        let n = d.matches.with(|m| m.ordered.len());
        let at = app
            .span
            .get()
            .and_then(|s| d.matches.with(|m| m.ordered.iter().position(|&x| x == s)));
        match at {
            Some(k) => format!("{} of {n}", k + 1),
            None if n == 1 => "1 match".to_owned(),
            None => format!("{n} matches"),
        }
    };
    let filtering = move || d.query.with(|q| q.as_ref().is_ok_and(|q| q.is_filter()));
    view! {
        <div class="find">
            <input
                id="span-find"
                type="search"
                placeholder="Find spans (/): text, service=…, duration>100ms, status=error…"
                title="Filter language: free text, field=value, duration>100ms, self>10ms, status=error, kind=client, critical, origin, AND / OR / NOT / ( ). Enter: next match, Shift+Enter: previous. ? lists it all."
                class:invalid=move || error.with(|e| e.is_some())
                aria-invalid=move || error.with(|e| e.is_some()).to_string()
                prop:value=move || app.query.get()
                on:input=move |e| app.query.set(event_target_value(&e))
                on:keydown=move |e: web_sys::KeyboardEvent| {
                    if e.key() == "Enter" {
                        e.prevent_default();
                        step_match(app, !e.shift_key());
                    } else if e.key() == "Escape" {
                        app.query.set(String::new());
                    }
                }
            />
            {modes.then(|| view! {
                <select
                    id="find-mode"
                    title="What the matches do to the rows"
                    on:change=move |e| {
                        if let Some(m) = FindMode::from_key(&event_target_value(&e)) {
                            app.find_mode.set(m);
                        }
                    }
                >
                    {FindMode::ALL.into_iter().map(|m| view! {
                        <option value=m.key() selected=move || app.find_mode.get() == m>{m.label()}</option>
                    }).collect_view()}
                </select>
            })}
            {move || error.get().map(|e| view! {
                <span class="find-error" role="alert" title=e.message.clone()>{e.message.clone()}</span>
            })}
            <Show when=move || filtering() && error.with(|e| e.is_none())>
                <span class="find-count" aria-live="polite">{count}</span>
                <button class="btn small" title="Previous match (Shift+Enter)" on:click=move |_| step_match(app, false)>"↑"</button>
                <button class="btn small" title="Next match (Enter)" on:click=move |_| step_match(app, true)>"↓"</button>
            </Show>
        </div>
    }
}

/// The "critical path only" toggle.
#[component]
pub fn CriticalToggle() -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <label class="toggle" title="Show only the spans on the critical path: the chain of work the end of the request waited for">
            <input
                id="critical-only"
                type="checkbox"
                prop:checked=move || app.critical_only.get()
                on:change=move |e| app.critical_only.set(event_target_checked(&e))
            />
            "Critical path only"
        </label>
    }
}
