//! What the analyses say about the selected span, in the details panel: its
//! self time, its time on the critical path, the patterns it is part of, and
//! where its error came from or went.

use leptos::prelude::*;

use super::state::AppState;
use crate::analysis::answers::{self, Answers};
use crate::model::time::format_duration;
use crate::model::Store;

#[derive(Clone, Debug, PartialEq)]
struct SpanFacts {
    self_ns: String,
    critical: String,
    /// (pattern label, detail, first span) of the patterns the span is in.
    patterns: Vec<(String, String)>,
    /// "Error origin: …" with its chain, or the origin this error passes on.
    error: Option<(String, Vec<(u32, String)>)>,
    has_children: bool,
}

fn facts(a: &Answers, s: &Store, span: u32) -> SpanFacts {
    let f = &a.facts;
    let cp = f.critical_of(span);
    let critical = if cp > 0 {
        format!(
            "{} ({:.0}% of the path)",
            format_duration(cp),
            a.share(cp) * 100.0
        )
    } else {
        "not on it".to_owned()
    };
    let patterns = a
        .patterns
        .iter()
        .filter(|p| p.spans.contains(&span) || p.parent == span)
        .map(|p| (format!("{}: {}", p.kind.label(), p.title), p.detail.clone()))
        .collect();
    let error = if let Some(o) = a.origins.iter().find(|o| o.span == span) {
        let head = if o.reaches_root {
            "Error origin: the request failed because of this span"
        } else {
            "Error origin: this failure did not reach the root"
        };
        Some((
            format!("{head} ({})", crate::analysis::errors::message(s, span)),
            answers::chain_steps(s, o),
        ))
    } else if s.is_error(span) {
        // An error passed on: name the origins below it.
        a.origins.iter().find(|o| o.chain.contains(&span)).map(|o| {
            (
                "Passed on from".to_owned(),
                vec![(o.span, answers::origin_label(s, o))],
            )
        })
    } else {
        None
    };
    SpanFacts {
        self_ns: format_duration(f.self_of(span)),
        critical,
        patterns,
        error,
        has_children: !s.children(span).is_empty(),
    }
}

#[component]
pub fn SpanAnswers(span: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let data = Memo::new(move |_| {
        d.answers.with(|a| {
            let a = a.as_ref()?;
            app.with_store(|s| {
                (s.spans.trace.get(span as usize) == Some(&a.trace)).then(|| facts(a, s, span))
            })
        })
    });
    move || {
        let f = data.get()?;
        Some(view! {
            <dl class="facts span-answers">
                <dt title="Its duration minus the time its children covered">"Self time"</dt>
                <dd class="self-time">{f.self_ns}</dd>
                <dt title="The chain of work the end of the request waited for">"Critical path"</dt>
                <dd class="critical-time">{f.critical}</dd>
                {f.error.map(|(head, chain)| view! {
                    <dt>"Error"</dt>
                    <dd class="bad origin-chain">
                        {head}
                        {chain.into_iter().map(|(s, text)| view! {
                            <span class="arrow">" → "</span>
                            <button class="link" on:click=move |_| app.select_span(s)>{text}</button>
                        }).collect_view()}
                    </dd>
                })}
                {(!f.patterns.is_empty()).then(|| view! {
                    <dt>"Pattern"</dt>
                    <dd class="span-patterns">
                        {f.patterns.into_iter().map(|(title, detail)| view! {
                            <p><b>{title}</b><br/><span class="muted">{detail}</span></p>
                        }).collect_view()}
                    </dd>
                })}
            </dl>
            {f.has_children.then(|| view! {
                <button class="btn small" title="Show only this span's subtree in the waterfall (z)" on:click=move |_| {
                    app.focus.set(Some(span));
                    app.show_view(crate::sources::link::View::Waterfall);
                }>"Focus subtree"</button>
            })}
        })
    }
}
