//! Modal dialogs: paste JSON, keyboard shortcuts, a trace's warnings, and
//! the question before a link fetches from a server.

use leptos::html::Textarea;
use leptos::prelude::*;

use super::state::{AppState, Dialog};

/// Keyboard shortcuts, as the help dialog and the README list them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("?", "Show this help"),
    ("o", "Open trace files"),
    ("p / Ctrl+V", "Paste trace JSON"),
    ("t", "Trace list"),
    (
        "w / f / m / s",
        "Waterfall / flame graph / service map / statistics",
    ),
    (
        "x",
        "Go to where the trace failed (its primary error origin)",
    ),
    (
        "z",
        "Focus the selected span's subtree (Backspace: one level out)",
    ),
    ("r", "Raw times / clock skew corrected"),
    (
        "L (Shift+L)",
        "Logs: every event of the trace in time order",
    ),
    ("↓ / j, ↑ / k", "Next / previous span"),
    ("← / h", "Collapse the span, or go to its parent"),
    ("→ / l", "Expand the span"),
    ("Enter / Space", "Collapse or expand the span"),
    ("Home / End", "First / last span"),
    ("e / c", "Expand all / collapse all"),
    ("0", "Reset zoom (waterfall, flame graph)"),
    (
        "+ / − / ← →",
        "Flame graph: zoom / pan (click the graph first)",
    ),
    ("/", "Find spans (Enter: next match, Shift+Enter: previous)"),
    ("Esc", "Close the details or the dialog"),
];

#[component]
pub fn Dialogs() -> impl IntoView {
    let app = expect_context::<AppState>();
    move || match app.dialog.get() {
        Dialog::None => None,
        Dialog::Paste => Some(view! { <PasteDialog /> }.into_any()),
        Dialog::Help => Some(view! { <HelpDialog /> }.into_any()),
        Dialog::Warnings => Some(view! { <WarningsDialog /> }.into_any()),
        Dialog::ConfirmFetch => Some(view! { <ConfirmFetchDialog /> }.into_any()),
        Dialog::Contrast => Some(view! { <super::contrast::ContrastDialog /> }.into_any()),
    }
}

#[component]
fn Modal(title: &'static str, children: Children) -> impl IntoView {
    let app = expect_context::<AppState>();
    view! {
        <div class="modal-backdrop" on:click=move |_| app.dialog.set(Dialog::None)>
            <div class="modal" role="dialog" aria-label=title on:click=|e| e.stop_propagation()>
                <header>
                    <h2>{title}</h2>
                    <button class="icon" title="Close (Esc)" on:click=move |_| app.dialog.set(Dialog::None)>"×"</button>
                </header>
                {children()}
            </div>
        </div>
    }
}

#[component]
fn PasteDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    let area = NodeRef::<Textarea>::new();
    Effect::new(move |_| {
        if let Some(a) = area.get() {
            let _ = a.focus();
        }
    });
    let load = move |_| {
        let text = area.get_untracked().map(|a| a.value()).unwrap_or_default();
        if app.load_pasted(text) {
            app.dialog.set(Dialog::None);
        }
    };
    view! {
        <Modal title="Paste trace JSON">
            <p class="muted">"Any format Strata reads: OTLP/JSON, Jaeger JSON, Zipkin v2, Tempo or Jaeger v3 responses."</p>
            <textarea node_ref=area class="paste-box" spellcheck="false" placeholder="{\"resourceSpans\": [...]}"></textarea>
            <div class="modal-actions">
                <button class="btn" on:click=move |_| app.dialog.set(Dialog::None)>"Cancel"</button>
                <button class="btn primary" on:click=load>"Load"</button>
            </div>
        </Modal>
    }
}

/// Shows the exact URL a link wants fetched and waits for a yes; a yes
/// remembers the origin (see [`crate::sources::trust`]).
#[component]
fn ConfirmFetchDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    let c = app.confirm.get_untracked()?;
    let url = c.url.clone();
    let hash = c.hash.clone();
    let fetch = move |_| {
        app.confirm.set(None);
        app.dialog.set(Dialog::None);
        super::platform::trust_origin_of(&url);
        super::hash::apply(app, &hash, super::hash::Arrival::Confirmed);
    };
    let skip = {
        let url = c.url.clone();
        move |_| {
            app.confirm.set(None);
            app.dialog.set(Dialog::None);
            app.notice.set(Some(format!(
                "Not fetched: {}",
                crate::model::units::clip(&url, 300)
            )));
        }
    };
    let why = if c.known {
        "The link in the address bar changed and now asks for a fetch."
    } else {
        "You have not fetched from this server in Strata in this browser. A link can point at any server your browser can reach, including ones on your own network: fetch only if you expected this link to open a trace from there."
    };
    Some(view! {
        <Modal title="Fetch a trace from another server?">
            <p>"This link asks Strata to fetch"</p>
            <p class="confirm-url"><code>{c.url.clone()}</code></p>
            <p>"from " <strong>{c.origin.clone()}</strong> "."</p>
            <p class="muted">{why}</p>
            <div class="modal-actions">
                <button class="btn" on:click=skip>"Don't fetch"</button>
                <button class="btn primary" on:click=fetch>{format!("Fetch from {}", c.origin)}</button>
            </div>
        </Modal>
    })
}

#[component]
fn HelpDialog() -> impl IntoView {
    view! {
        <Modal title="Keyboard shortcuts and the find language">
            <table class="shortcuts">
                <tbody>
                    {SHORTCUTS
                        .iter()
                        .map(|(k, what)| view! { <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
            <p class="muted">"Drag on the minimap or the time axis to zoom into a time range. Drop files anywhere to open them."</p>
            <h3>"Find spans"</h3>
            <table class="shortcuts query-help">
                <tbody>
                    {crate::analysis::query::HELP
                        .iter()
                        .map(|(q, what)| view! { <tr><th><code>{*q}</code></th><td>{*what}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
            <h3>"Patterns flagged"</h3>
            <ThresholdsForm />
        </Modal>
    }
}

/// The pattern thresholds, each editable (times with a unit: 300ms, 2s);
/// changes apply at once and are remembered in this browser.
#[component]
fn ThresholdsForm() -> impl IntoView {
    use crate::analysis::patterns::Thresholds;
    let app = expect_context::<AppState>();
    let error = RwSignal::new(None::<String>);
    let apply = move |key: &'static str, text: String| {
        let mut th = app.thresholds.get_untracked();
        match th.set(key, &text) {
            Ok(()) => {
                super::platform::save_text(super::state::THRESHOLDS_KEY, &th.changes());
                app.thresholds.set(th);
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let reset = move |_| {
        super::platform::save_text(super::state::THRESHOLDS_KEY, "");
        app.thresholds.set(Thresholds::default());
        error.set(None);
    };
    view! {
        <table class="shortcuts thresholds">
            <tbody>
                {Thresholds::DOC
                    .iter()
                    .map(|&(key, meaning)| {
                        let value = move || {
                            app.thresholds.with(|t| {
                                t.values().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v).unwrap_or_default()
                            })
                        };
                        view! {
                            <tr>
                                <th>
                                    <input class="threshold" data-key=key prop:value=value
                                        on:change=move |e| apply(key, event_target_value(&e)) />
                                </th>
                                <td>{meaning}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {move || error.get().map(|e| view! { <p class="find-error" role="alert">{e}</p> })}
        <p class="muted">
            <button class="btn small" on:click=reset>"Defaults"</button>
            " Changes apply at once and are remembered in this browser."
        </p>
    }
}

/// The open trace's health: each check with its count, what it means, a
/// button that filters the waterfall to its spans, and the first spans.
#[component]
fn WarningsDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    // The checks are the open trace's: when another trace opens (Back,
    // a tab, a link), they no longer apply and the dialog closes.
    Effect::new(move |opened: Option<Option<u32>>| {
        let t = app.trace.get();
        if opened.is_some_and(|o| o != t) {
            app.dialog.set(Dialog::None);
        }
        opened.unwrap_or(t)
    });
    let checks = Memo::new(move |_| {
        let t = app.trace.get()?;
        Some(app.with_store(|s| crate::analysis::health::check(s, t)))
    });
    let notes = move || {
        let t = app.trace.get()?;
        Some(app.with_store(|s| {
            s.traces[t as usize]
                .warnings
                .iter()
                .filter(|w| !w.kind.is_problem() && w.kind != crate::model::WarningKind::ClockSkew)
                .map(|w| w.message.clone())
                .collect::<Vec<_>>()
        }))
    };
    view! {
        <Modal title="Trace health">
            {move || checks.with(|c| c.as_ref().is_some_and(|c| c.is_empty())).then(|| view! {
                <p class="muted">"Nothing wrong with this trace's data: one root, every parent present, no duplicate ids, real times, nothing dropped."</p>
            })}
            <ul class="warnings health">
                {move || checks.get().unwrap_or_default().into_iter().map(|c| view! { <HealthCheck check=c /> }).collect_view()}
            </ul>
            {move || notes().filter(|n| !n.is_empty()).map(|n| view! {
                <ul class="warnings">
                    {n.into_iter().map(|m| view! { <li><p><span class="warn-kind">"note"</span>{m}</p></li> }).collect_view()}
                </ul>
            })}
        </Modal>
    }
}

/// One health check: count, meaning, "Show in waterfall", the first spans.
#[component]
fn HealthCheck(check: crate::analysis::health::Check) -> impl IntoView {
    let app = expect_context::<AppState>();
    let names: Vec<(u32, String)> = app.with_store(|s| {
        check
            .spans
            .iter()
            .take(20)
            .map(|&i| (i, crate::analysis::answers::span_label(s, i)))
            .collect()
    });
    let more = check.spans.len().saturating_sub(names.len());
    let label = check.title.clone();
    let spans = std::sync::Arc::new(check.spans.iter().copied().collect());
    let show = move |_| {
        app.dialog.set(Dialog::None);
        app.span_filter.set(Some(super::state::SpanFilter {
            label: label.clone(),
            spans: std::sync::Arc::clone(&spans),
        }));
        app.show_view(crate::sources::link::View::Waterfall);
    };
    view! {
        <li class:problem=check.problem>
            <p>
                <span class="warn-kind">{if check.problem { "problem" } else { "note" }}</span>
                <b>{check.title.clone()}</b>": "{check.detail.clone()}
            </p>
            <div class="warn-spans">
                <button class="btn small show-spans" on:click=show>"Show in waterfall"</button>
                {names.into_iter().map(|(i, name)| view! {
                    <button class="chip link" title=name.clone() on:click=move |_| {
                        app.dialog.set(Dialog::None);
                        app.select_span(i);
                    }>{name.clone()}</button>
                }).collect_view()}
                {(more > 0).then(|| view! { <span class="muted">{format!("and {more} more")}</span> })}
            </div>
        </li>
    }
}
