//! The statistics tab: `analysis::stats` as a sortable table, grouped by
//! service, operation or any attribute (plus a sub-group), for the open trace
//! or every loaded one. A click on a row shows its spans in the waterfall
//! (the row's filter goes in the find box).

use leptos::prelude::*;

use super::derived::Shared;
use super::state::AppState;
use crate::analysis::stats::{self, Column, GroupBy, Row, StatsSpec};
use crate::analysis::Facts;
use crate::sources::link::View;

/// Rows drawn at most (a high-cardinality attribute can make many more).
const MAX_ROWS: usize = 500;

type Table = Vec<(Row, Vec<Row>)>;
type Raw = stats::Tables;

/// The traces a table covers: the open one, or every loaded one.
enum Scope {
    One(Shared<crate::analysis::answers::Answers>),
    All(Shared<Vec<Facts>>),
}

impl Scope {
    fn facts(&self) -> Vec<&Facts> {
        match self {
            Scope::One(a) => vec![&a.facts],
            Scope::All(all) => all.iter().collect(),
        }
    }

    fn spans(&self) -> usize {
        self.facts().iter().map(|f| f.self_ns.len()).sum()
    }
}

#[component]
pub fn StatsTable() -> impl IntoView {
    let app = expect_context::<AppState>();
    let d = app.derived();
    let sort = RwSignal::new((Column::Critical, true));
    // Every loaded trace's timing, only while the "all traces" scope is on.
    let all_facts = Memo::new(move |_| {
        app.stats.with(|s| s.all).then(|| {
            d.shown.with(|shown| {
                app.with_store(|s| {
                    Shared::new(
                        shown
                            .iter()
                            .map(|&t| Facts::timing(s, t))
                            .collect::<Vec<Facts>>(),
                    )
                })
            })
        })
    });
    // The grouped rows (and the sub-grouped ones), computed at once or, for
    // many spans, in slices between frames; sorting only reorders them.
    let raw = RwSignal::new(None::<Shared<Raw>>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let spec = app.stats.get();
        let scope = match all_facts.get() {
            Some(all) => Scope::All(all),
            None => match d.answers.get() {
                Some(a) => Scope::One(a),
                None => {
                    raw.set(None);
                    return;
                }
            },
        };
        app.rev.track();
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        let mut job = stats::SpecJob::new(spec);
        super::derived::run_job(
            scope.spans(),
            super::derived::SLICE,
            raw,
            move || generation.get_value() == g,
            move |n| {
                app.store
                    .with_value(|s| job.step(s, &scope.facts(), n))
                    .map(Shared::new)
            },
        );
    });
    let table = Memo::new(move |_| {
        let (col, desc) = sort.get();
        let t: Table = raw.with(|r| {
            r.as_ref()
                .map(|r| stats::nest(r.0 .0.clone(), r.0 .1.clone(), col, desc))
                .unwrap_or_default()
        });
        Shared::new(t)
    });
    view! {
        <div class="stats">
            <StatsToolbar table=table busy=Signal::derive(move || raw.with(|r| r.is_none())) />
            <div class="stats-scroll">
                <table role="grid" aria-label="Statistics">
                    <StatsHead sort=sort />
                    <StatsBody table=table />
                </table>
            </div>
        </div>
    }
}

/// Group by, then by, scope.
#[component]
fn StatsToolbar(table: Memo<Shared<Table>>, busy: Signal<bool>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let keys = Memo::new(move |_| {
        let all = app.stats.with(|s| s.all);
        let trace = app.trace.get();
        let shown = app.derived().shown;
        app.with_store(|s| {
            let traces: Vec<u32> = if all {
                shown.get().to_vec()
            } else {
                trace.into_iter().collect()
            };
            let mut keys = stats::attribute_keys(s, &traces);
            keys.truncate(200);
            keys
        })
    });
    let set = move |f: &dyn Fn(&mut StatsSpec)| app.stats.update(|s| f(s));
    let options = move |with_none: bool, current: Option<GroupBy>| {
        let current = current.map(|g| g.key().to_owned()).unwrap_or_default();
        let mut all: Vec<(String, String)> = Vec::new();
        if with_none {
            all.push((String::new(), "nothing".into()));
        }
        all.push(("service".into(), "service".into()));
        all.push(("operation".into(), "operation".into()));
        all.extend(keys.get().into_iter().map(|k| (k.clone(), k)));
        if !current.is_empty() && !all.iter().any(|(k, _)| *k == current) {
            all.push((current.clone(), current.clone()));
        }
        all.into_iter()
            .map(|(k, label)| {
                let selected = k == current;
                view! { <option value=k selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let count = move || {
        if busy.get() && app.trace.get().is_some() {
            return "tabling the spans…".to_owned();
        }
        table.with(|t| {
            let n = t.len();
            if n > MAX_ROWS {
                format!("{n} groups (first {MAX_ROWS} shown)")
            } else {
                format!("{n} groups")
            }
        })
    };
    view! {
        <div class="stats-toolbar">
            <label>"Group by "
                <select id="stats-by" on:change=move |e| {
                    let v = event_target_value(&e);
                    set(&|s| if let Some(g) = GroupBy::parse(&v) { s.by = g });
                }>
                    {move || options(false, Some(app.stats.with(|s| s.by.clone())))}
                </select>
            </label>
            <label>"then by "
                <select id="stats-sub" on:change=move |e| {
                    let v = event_target_value(&e);
                    set(&|s| s.sub = GroupBy::parse(&v));
                }>
                    {move || options(true, app.stats.with(|s| s.sub.clone()))}
                </select>
            </label>
            <div class="seg" role="group" aria-label="Scope">
                <button class:active=move || !app.stats.with(|s| s.all) on:click=move |_| set(&|s| s.all = false)>"This trace"</button>
                <button class:active=move || app.stats.with(|s| s.all) on:click=move |_| set(&|s| s.all = true)>
                    {move || format!("All {} traces", app.with_store(|s| s.traces.len()))}
                </button>
            </div>
            <span class="muted">{count}</span>
            <span class="muted hint">"Click a row to see its spans"</span>
        </div>
    }
}

#[component]
fn StatsHead(sort: RwSignal<(Column, bool)>) -> impl IntoView {
    let click = move |c: Column| {
        sort.update(|(col, desc)| {
            if *col == c {
                *desc = !*desc;
            } else {
                *col = c;
                *desc = c != Column::Name;
            }
        })
    };
    view! {
        <thead>
            <tr role="row" aria-rowindex="1">
                {Column::ALL.into_iter().map(|c| {
                    let (label, title) = c.label();
                    let arrow = move || match sort.get() {
                        (col, true) if col == c => " ↓",
                        (col, false) if col == c => " ↑",
                        _ => "",
                    };
                    view! {
                        <th role="columnheader" class:name=c == Column::Name class:sorted=move || sort.get().0 == c title=title
                            aria-sort=move || match sort.get() { (col, d) if col == c => if d { "descending" } else { "ascending" }, _ => "none" }>
                            <button on:click=move |_| click(c)>{label}{arrow}</button>
                        </th>
                    }
                }).collect_view()}
            </tr>
        </thead>
    }
}

#[component]
fn StatsBody(table: Memo<Shared<Table>>) -> impl IntoView {
    let active = RwSignal::new(String::new());
    move || {
        table.with(|t| {
            let mut out = Vec::new();
            // Row 1 is the header.
            let mut index = 1;
            for (g, subs) in t.iter().take(MAX_ROWS) {
                index += 1;
                out.push(view! { <StatsRow row=g.clone() sub=false active=active index=index /> });
                for r in subs.iter().take(MAX_ROWS) {
                    index += 1;
                    out.push(
                        view! { <StatsRow row=r.clone() sub=true active=active index=index /> },
                    );
                }
            }
            view! { <tbody role="rowgroup">{out}</tbody> }
        })
    }
}

/// One row; a click (or Enter) shows the row's spans in the waterfall.
#[component]
fn StatsRow(row: Row, sub: bool, active: RwSignal<String>, index: usize) -> impl IntoView {
    let app = expect_context::<AppState>();
    let filter = row.filter.clone();
    let is_active = {
        let f = filter.clone();
        move || active.with(|a| *a == f)
    };
    let cells = Column::ALL
        .into_iter()
        .map(|c| {
            let text = c.text(&row);
            match c {
                Column::Name => {
                    view! { <td role="gridcell" class="name" title=text.clone()>{text.clone()}</td> }.into_any()
                }
                Column::Errors | Column::ErrorRate if row.errors > 0 => {
                    view! { <td role="gridcell" class="bad">{text}</td> }.into_any()
                }
                Column::CriticalShare | Column::WallShare => {
                    let w = format!("{:.1}%", c.value(&row) * 100.0);
                    view! { <td role="gridcell" class="pct"><i style:width=w></i><span>{text}</span></td> }
                        .into_any()
                }
                _ => view! { <td role="gridcell">{text}</td> }.into_any(),
            }
        })
        .collect_view();
    let open = move || {
        active.set(filter.clone());
        show_spans(app, &row.spans, &filter);
    };
    let open_too = open.clone();
    view! {
        <tr role="row" aria-rowindex=index tabindex="0" class:group=!sub class:sub=sub class:active=is_active
            on:click=move |_| open()
            on:keydown=move |e| super::grid::row_key(&e, &open_too)>{cells}</tr>
    }
}

/// Opens the waterfall with `filter` in the find box, on the open trace if
/// it has some of the spans, else on the trace of the first.
fn show_spans(app: AppState, spans: &[u32], filter: &str) {
    let open = app.trace.get_untracked();
    let here = app.with_store(|s| {
        spans
            .iter()
            .copied()
            .find(|&i| Some(s.spans.trace[i as usize]) == open)
    });
    match here.or(spans.first().copied()) {
        Some(span) => {
            app.select_span(span);
            app.query.set(filter.to_owned());
            app.show_view(View::Waterfall);
        }
        None => app.say("No spans in this group"),
    }
}
