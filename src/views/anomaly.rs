//! Anomalies in the page (issue 19): the trace summary's "Unusually slow"
//! line and the details panel's standing of a span among its operation's
//! spans across the loaded traces. The rule is `analysis::anomaly`; the
//! memo (`Derived::anomalies`) is built once per store or shown-files
//! change.

use leptos::prelude::*;

use super::state::AppState;
use crate::analysis::anomaly::Anomaly;
use crate::model::units::visible;

/// The waterfall row's flag of an anomalous span: its label ("▲ p97") and
/// title ("slower than 97% of 44 … spans (median 12ms)").
pub fn flag(a: &Anomaly, store: &crate::model::Store, span: u32) -> (String, String) {
    (
        format!("▲ p{}", a.percentile.floor() as u32),
        visible(&a.describe(store, span), false).into_owned(),
    )
}

/// The trace summary's line: the open trace's spans unusually slow for
/// their operation, furthest out first (up to three); a click selects one.
#[component]
pub fn AnomalyLine() -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let items = Memo::new(move |_| {
        let t = app.trace.get()?;
        d.anomalies.with(|a| {
            let flagged = a.flagged_in(t);
            if flagged.is_empty() {
                return None;
            }
            let items: Vec<(u32, String)> = app.with_store(|s| {
                flagged
                    .iter()
                    .take(3)
                    .map(|(span, x)| (*span, visible(&x.sentence(s, *span), false).into_owned()))
                    .collect()
            });
            Some((items, flagged.len()))
        })
    });
    move || {
        items.get().map(|(items, n)| {
            let more = (n > items.len()).then(|| format!("and {} more", n - items.len()));
            view! {
                <div class="sum-line sum-anomaly">
                    <span class="sum-tag warn" title="Slower than 99% of the spans of the same service and operation across the loaded traces, or a robust z-score above 3 (operations with at least 20 spans)">
                        "Unusually slow"
                    </span>
                    {items.into_iter().map(|(span, text)| view! {
                        <button class="link sum-item anomaly" title=text.clone() on:click=move |_| app.select_span(span)>{text.clone()}</button>
                    }).collect_view()}
                    {more.map(|m| view! { <span class="muted">{m}</span> })}
                </div>
            }
        })
    }
}

/// The details panel's line above the operation's histogram: where the span
/// stands among its operation's spans ("Unusually slow: slower than 97% of
/// 44 … spans (median 12ms), robust z 335").
#[component]
pub fn SpanStanding(span: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let text = Memo::new(move |_| {
        d.anomalies.with(|a| {
            app.with_store(|s| {
                let x = a.rank(s, span)?;
                let z =
                    x.z.map(|z| format!(", robust z {z:.1}"))
                        .unwrap_or_default();
                Some((
                    x.flagged,
                    visible(&format!("{}{z}", x.describe(s, span)), false).into_owned(),
                ))
            })
        })
    });
    move || {
        text.get().map(|(flagged, text)| {
            view! {
                <p class="anomaly-standing small" class:flagged=flagged>
                    {flagged.then(|| view! { <span class="anomaly-badge">"▲ Unusually slow"</span> })}
                    {text}
                </p>
            }
        })
    }
}
