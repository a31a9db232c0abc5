//! The search panel: connect to a backend, search it with a form that adapts
//! to it, open a trace by id or any URL that returns trace JSON.

use leptos::prelude::*;

use super::remote;
use super::state::AppState;
use crate::sources::backend::{parse_duration, Kind, Query};

/// Time ranges offered, in minutes (0: custom).
const RANGES: &[(&str, i64)] = &[
    ("Last 15 minutes", 15),
    ("Last hour", 60),
    ("Last 6 hours", 360),
    ("Last 24 hours", 1440),
    ("Last 2 days", 2880),
    ("Last 7 days", 10080),
    ("Custom…", 0),
];

/// `datetime-local` value (local time) -> Unix ns.
fn parse_local(s: &str) -> Option<i64> {
    let ms = js_sys::Date::parse(s);
    ms.is_finite().then_some((ms * 1e6) as i64)
}

#[component]
pub fn SearchPanel() -> impl IntoView {
    let app = expect_context::<AppState>();
    let address = RwSignal::new(String::from("http://localhost:16686"));
    let kind = RwSignal::new(String::from("auto"));
    let service = RwSignal::new(String::new());
    let operation = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let range = RwSignal::new(60i64);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let min_d = RwSignal::new(String::new());
    let max_d = RwSignal::new(String::new());
    let limit = RwSignal::new(String::from("20"));
    let trace_id = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());

    let connect = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        let k = Kind::from_key(&kind.get_untracked());
        remote::connect(app, address.get_untracked(), k);
    };
    let run = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        let now = (js_sys::Date::now() * 1e6) as i64;
        let (start, end) = match range.get_untracked() {
            0 => match (
                parse_local(&from.get_untracked()),
                parse_local(&to.get_untracked()),
            ) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    app.fetch_error
                        .set(Some("Give the custom range a start and an end.".into()));
                    return;
                }
            },
            m => (now - m * 60_000_000_000, now),
        };
        let (min, max) = match (
            parse_duration(&min_d.get_untracked()),
            parse_duration(&max_d.get_untracked()),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                app.fetch_error.set(Some(e));
                return;
            }
        };
        let q = Query {
            service: service.get_untracked(),
            operation: operation.get_untracked(),
            tags: tags.get_untracked(),
            start_ns: start,
            end_ns: end,
            min_duration_ns: min,
            max_duration_ns: max,
            limit: limit.get_untracked().trim().parse().unwrap_or(20),
        };
        remote::search(app, q);
    };
    let open_id = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        if let Some(b) = app.backend.get_untracked() {
            remote::open_remote(app, b, trace_id.get_untracked().trim().to_owned(), None);
        }
    };
    let open_url = move |e: web_sys::SubmitEvent| {
        e.prevent_default();
        remote::open_url(app, url.get_untracked(), None);
    };
    let backend = move || app.backend.get();
    let tags_hint = move || match backend().map(|b| b.kind) {
        Some(Kind::Tempo) => "TraceQL, e.g. { status = error } — or key=value pairs",
        Some(Kind::Zipkin) => "key=value pairs (annotationQuery), e.g. error=true",
        _ => "key=value pairs, e.g. http.status_code=500 error=true",
    };

    view! {
        <div class="search-panel">
            <h2>"Backend"</h2>
            <form class="stack" on:submit=connect>
                <input id="backend-url" type="text" placeholder="http://localhost:16686" prop:value=move || address.get()
                    on:input=move |e| address.set(event_target_value(&e)) spellcheck="false" />
                <div class="row">
                    <select id="backend-kind" title="Backend kind (auto: probe)" on:change=move |e| kind.set(event_target_value(&e))>
                        <option value="auto" selected>"Detect"</option>
                        {Kind::ALL.iter().map(|k| view! { <option value=k.key()>{k.label()}</option> }).collect_view()}
                    </select>
                    <button class="btn primary" type="submit">"Connect"</button>
                </div>
            </form>
            {move || backend().map(|b| view! {
                <p class="connected">
                    <span class="ok">"●"</span>
                    {format!(" {} at {}", b.kind.label(), b.base)}
                    <span class="muted">{move || format!(" · {} services", app.services.get().len())}</span>
                </p>
            })}
            <Show when=move || backend().is_some()>
                <form class="stack search-form" on:submit=run>
                    <label>"Service"
                        <select id="search-service" on:change=move |e| {
                            let s = event_target_value(&e);
                            service.set(s.clone());
                            operation.set(String::new());
                            remote::load_operations(app, s);
                        }>
                            <option value="">{move || if backend().is_some_and(|b| b.needs_service()) { "— choose —" } else { "all services" }}</option>
                            {move || app.services.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Operation"
                        <input id="search-operation" list="search-operations" type="text" placeholder="all operations" prop:value=move || operation.get()
                            on:input=move |e| operation.set(event_target_value(&e)) />
                        <datalist id="search-operations">
                            {move || app.operations.get().into_iter().map(|o| view! { <option value=o></option> }).collect_view()}
                        </datalist>
                    </label>
                    <label>{move || if backend().is_some_and(|b| b.kind == Kind::Tempo) { "TraceQL or tags" } else { "Tags" }}
                        <input id="search-tags" type="text" placeholder=tags_hint prop:value=move || tags.get()
                            on:input=move |e| tags.set(event_target_value(&e)) spellcheck="false" />
                    </label>
                    <label>"Time range"
                        <select id="search-range" on:change=move |e| range.set(event_target_value(&e).parse().unwrap_or(60))>
                            {RANGES.iter().map(|(label, m)| view! { <option value=m.to_string() selected=*m == 60>{*label}</option> }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || range.get() == 0>
                        <div class="row">
                            <input id="search-from" type="datetime-local" step="1" on:input=move |e| from.set(event_target_value(&e)) />
                            <input id="search-to" type="datetime-local" step="1" on:input=move |e| to.set(event_target_value(&e)) />
                        </div>
                    </Show>
                    <div class="row">
                        <label>"Min duration" <input id="search-min" type="text" placeholder="e.g. 100ms" on:input=move |e| min_d.set(event_target_value(&e)) /></label>
                        <label>"Max duration" <input id="search-max" type="text" placeholder="e.g. 2s" on:input=move |e| max_d.set(event_target_value(&e)) /></label>
                    </div>
                    <label>"Limit" <input id="search-limit" type="number" min="1" max="1500" prop:value=move || limit.get() on:input=move |e| limit.set(event_target_value(&e)) /></label>
                    <button class="btn primary" type="submit">"Find traces"</button>
                </form>
                <form class="stack" on:submit=open_id>
                    <label>"Trace by id"
                        <div class="row">
                            <input id="trace-id" type="text" placeholder="trace id" spellcheck="false" on:input=move |e| trace_id.set(event_target_value(&e)) />
                            <button class="btn" type="submit">"Open"</button>
                        </div>
                    </label>
                </form>
            </Show>
            <h2>"Open a URL"</h2>
            <form class="stack" on:submit=open_url>
                <div class="row">
                    <input id="open-url" type="text" placeholder="https://…/trace.json" spellcheck="false" on:input=move |e| url.set(event_target_value(&e)) />
                    <button class="btn" type="submit">"Open"</button>
                </div>
                <p class="hint">"Any URL that returns trace JSON (the server must allow CORS). A link with #url=… opens it directly."</p>
            </form>
        </div>
    }
}

/// The progress bar of a fetch in flight, with its Cancel button, and the
/// last fetch error.
#[component]
pub fn FetchStatus() -> impl IntoView {
    let app = expect_context::<AppState>();
    let human = crate::model::units::format_bytes;
    view! {
        {move || app.busy.get().map(|b| {
            let pct = b.total.filter(|t| *t > 0).map(|t| (b.received as f64 / t as f64 * 100.0).min(100.0));
            view! {
                <div class="fetch-status" role="status">
                    <span class="label">{b.label.clone()}</span>
                    <span class="bytes">{match b.total {
                        Some(t) => format!("{} of {}", human(b.received), human(t)),
                        None => format!("{} received", human(b.received)),
                    }}</span>
                    <div class="bar"><div class="fill" class:indeterminate=pct.is_none() style:width=format!("{}%", pct.unwrap_or(30.0))></div></div>
                    <button class="btn small" on:click=move |_| remote::cancel(app)>"Cancel"</button>
                </div>
            }
        })}
        {move || app.fetch_error.get().map(|e| view! {
            <div class="fetch-error" role="alert">
                <span>{e}</span>
                <button class="icon" title="Dismiss" on:click=move |_| app.fetch_error.set(None)>"×"</button>
            </div>
        })}
    }
}
