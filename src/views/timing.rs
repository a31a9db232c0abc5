//! Clock skew and network time on screen: the trace header's "N spans
//! adjusted" with the raw-times toggle, and the details panel's lines about
//! the selected span (its shift, the network time of its calls). The rules
//! are `analysis::skew` and `analysis::network`; the store holds whichever
//! times are shown, so every view and analysis follows the toggle.

use leptos::prelude::*;

use super::state::AppState;
use crate::analysis::{network, skew};

/// Shows every trace with its clock-skew correction (`on`) or with its
/// files' raw times; files loaded later follow (`Store::raw_times`).
pub fn set_corrected(app: AppState, on: bool) {
    if app.store.with_value(|s| s.raw_times) != on {
        return;
    }
    app.store.update_value(|s| s.set_skew_corrected(on));
    app.rev.update(|r| *r += 1);
}

/// Whether raw times are shown (tracked).
pub fn raw(app: AppState) -> bool {
    app.with_store(|s| s.raw_times)
}

/// The `r` key: switches between corrected and raw times.
pub fn toggle(app: AppState) {
    let raw = app.store.with_value(|s| s.raw_times);
    set_corrected(app, raw);
    app.say(if raw {
        "Clock skew corrected"
    } else {
        "Raw times shown (clock skew not corrected)"
    });
}

/// The trace header's clock-skew item: "6 spans adjusted" and the toggle,
/// for a trace whose correction moved spans.
#[component]
pub fn SkewHeader() -> impl IntoView {
    let app = expect_context::<AppState>();
    let adjusted = Memo::new(move |_| {
        let t = app.trace.get()?;
        let n = app.with_store(|s| s.traces.get(t as usize).map_or(0, |tr| tr.skew.adjusted()));
        (n > 0).then_some(n)
    });
    move || {
        adjusted.get().map(|n| {
            let raw = raw(app);
            let spans = crate::model::units::counted(n as u64, "span");
            let (text, title) = if raw {
                (
                    format!("{spans} not adjusted"),
                    "The files' own times: the clocks of some hosts disagree (r: correct them)",
                )
            } else {
                (
                    format!("{spans} adjusted"),
                    "Spans moved to correct clock skew between hosts (r: show the raw times)",
                )
            };
            view! {
                <div class="skew" class:raw=raw>
                    <dt>"Clock skew"</dt>
                    <dd>
                        <span class="skew-count" title=title>{text}</span>
                        <label class="skew-toggle" title="Correct clock skew between hosts (r)">
                            <input
                                type="checkbox"
                                prop:checked=!raw
                                on:change=move |e| set_corrected(app, event_target_checked(&e))
                            />
                            "corrected"
                        </label>
                    </dd>
                </div>
            }
        })
    }
}

/// What the details panel says of a span's timing: its clock-skew shift
/// and the network time of the calls it made or answered.
#[derive(Clone, Debug, PartialEq)]
struct SpanTiming {
    /// The shift ("+1.2ms") and whether it is applied.
    shift: Option<(String, bool)>,
    /// (role, text) per call: "call" (made) or "answered".
    calls: Vec<(&'static str, String)>,
}

fn span_timing(s: &crate::model::Store, span: u32) -> SpanTiming {
    let tr = s.trace_of(span);
    let ns = tr.skew.shift_of(span - tr.spans.start);
    SpanTiming {
        shift: (ns != 0).then(|| (skew::signed(ns), tr.skew.applied)),
        calls: network::calls_of(s, span)
            .iter()
            .map(|c| {
                let role = if c.client == span { "call" } else { "answered" };
                (role, network::format(s, c))
            })
            .collect(),
    }
}

/// The selected span's clock-skew shift and network time (nothing when it
/// has neither).
#[component]
pub fn SpanTimingFacts(span: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let data = Memo::new(move |_| app.with_store(|s| span_timing(s, span)));
    move || {
        let d = data.get();
        (d.shift.is_some() || !d.calls.is_empty()).then(|| {
            view! {
                <dl class="facts timing">
                    {d.shift.map(|(shift, applied)| view! {
                        <dt>"Clock skew"</dt>
                        <dd class="skew-fact">
                            {if applied {
                                format!("moved {shift}: its host's clock disagrees with its caller's")
                            } else {
                                format!("raw time shown (the correction moves it {shift})")
                            }}
                        </dd>
                    })}
                    {d.calls.into_iter().map(|(role, text)| view! {
                        <dt>"Network"</dt>
                        <dd class="network-fact" class:answered=role != "call">
                            {text}
                            {(role != "call").then_some(" (the call it answered)")}
                        </dd>
                    }).collect_view()}
                </dl>
            }
        })
    }
}
