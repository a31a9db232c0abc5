//! The Logs tab: every event of the open trace in time order
//! (`layout::logs`), one virtualized table (only the rows in view are in the
//! page), with a text filter and a service picker. A click on a row selects
//! its span, as the waterfall does, and the details panel shows it; an
//! exception row reads "type: message" and opens its stack trace below the
//! table.

use leptos::prelude::*;

use super::derived::Shared;
use super::state::AppState;
use super::virtual_list::Viewport;
use crate::layout::colors::service_css;
use crate::layout::logs::{self, Filter, Logs, Row};
use crate::layout::waterfall::ScrollMap;

const ROW_H: f64 = 28.0;
const HEAD_H: f64 = 30.0;
const OVERSCAN: usize = 8;

/// The open trace's events and the positions the filter lets through.
#[derive(Clone, Copy)]
struct LogsState {
    logs: Memo<Option<Shared<Logs>>>,
    shown: Memo<Shared<Vec<u32>>>,
    filter: RwSignal<Filter>,
    /// The exception row whose stack trace is open.
    stack: RwSignal<Option<Row>>,
}

#[component]
pub fn LogsView() -> impl IntoView {
    let app = expect_context::<AppState>();
    let logs = Memo::new(move |_| {
        let t = app.trace.get()?;
        Some(app.with_store(|s| Shared::new(Logs::build(s, t))))
    });
    let filter = RwSignal::new(Filter::default());
    let shown = Memo::new(move |_| {
        let f = filter.get();
        Shared::new(match logs.get() {
            Some(l) => app.store.with_value(|s| logs::filter(s, &l, &f)),
            None => Vec::new(),
        })
    });
    let st = LogsState {
        logs,
        shown,
        filter,
        stack: RwSignal::new(None),
    };
    view! {
        <div class="logs">
            <LogsToolbar st=st />
            <LogsTable st=st />
            <StackPane st=st />
        </div>
    }
}

/// The filter box, the service picker and the count.
#[component]
fn LogsToolbar(st: LogsState) -> impl IntoView {
    let count = move || {
        let total = st.logs.with(|l| l.as_ref().map_or(0, |l| l.len()));
        let n = st.shown.with(|s| s.len());
        let fmt = |n: usize| crate::model::units::format_count(n as u64);
        if total == 0 {
            "No events in this trace".to_owned()
        } else if n == total {
            crate::model::units::counted(total as u64, "event")
        } else {
            format!("{} of {} events", fmt(n), fmt(total))
        }
    };
    view! {
        <div class="logs-toolbar">
            <input
                class="filter logs-filter"
                type="search"
                placeholder="Filter events: name, span, service, attributes"
                aria-label="Filter events"
                prop:value=move || st.filter.with(|f| f.text.clone())
                on:input=move |e| {
                    let v = event_target_value(&e);
                    st.filter.update(|f| f.text = v);
                }
            />
            <ServicePicker st=st />
            <span class="muted logs-count" aria-live="polite">{count}</span>
        </div>
    }
}

/// A drop-down of the trace's services with their event counts, each with a
/// checkbox: unchecked services' events are hidden.
#[component]
fn ServicePicker(st: LogsState) -> impl IntoView {
    let app = expect_context::<AppState>();
    let services = Memo::new(move |_| match st.logs.get() {
        Some(l) => app.store.with_value(|s| logs::services(s, &l)),
        None => Vec::new(),
    });
    let label = move || {
        let hidden = st.filter.with(|f| f.hidden.len());
        let n = services.with(|s| s.len());
        if hidden == 0 {
            "All services".to_owned()
        } else {
            format!("{} of {n} services", n.saturating_sub(hidden))
        }
    };
    let toggle = move |name: String, on: bool| {
        st.filter.update(|f| {
            f.hidden.retain(|h| *h != name);
            if !on {
                f.hidden.push(name);
            }
        })
    };
    view! {
        <details class="logs-services">
            <summary class="btn small">{label}</summary>
            <div class="logs-services-list" role="group" aria-label="Services">
                <button class="link" on:click=move |_| st.filter.update(|f| f.hidden.clear())>"Show all"</button>
                {move || services.get().into_iter().map(|(name, n)| {
                    let checked = {
                        let name = name.clone();
                        move || st.filter.with(|f| !f.hidden.contains(&name))
                    };
                    let n2 = name.clone();
                    view! {
                        <label class="logs-service">
                            <input type="checkbox" prop:checked=checked on:change=move |e| toggle(n2.clone(), event_target_checked(&e)) />
                            <span class="svc-dot" style:background=service_css(&name)></span>
                            <span class="svc">{name.clone()}</span>
                            <span class="muted">{n}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
        </details>
    }
}

/// The virtualized table: a sticky header and the rows in view.
#[component]
fn LogsTable(st: LogsState) -> impl IntoView {
    let app = expect_context::<AppState>();
    let vp = Viewport::new();
    let map = Memo::new(move |_| {
        ScrollMap::new(st.shown.with(|s| s.len()), ROW_H, vp.height.get() - HEAD_H)
    });
    let visible = Memo::new(move |_| {
        let range = map.get().visible(vp.top.get(), OVERSCAN);
        let logs = st.logs.get();
        // Rows are drawn again when the store changes (raw times moved them).
        let rev = app.rev.get();
        st.shown.with(|s| {
            range
                .filter_map(|p| {
                    let row = *logs.as_ref()?.rows.get(*s.get(p)? as usize)?;
                    Some((p, row, rev))
                })
                .collect::<Vec<_>>()
        })
    });
    // How far up rows are drawn from `pos * ROW_H` (0 unless scaled).
    let shift = Memo::new(move |_| map.get().shift(vp.top.get()));
    let n = move || st.shown.with(|s| s.len());
    view! {
        <div class="logs-scroll" node_ref=vp.el on:scroll=move |_| vp.measure()
            role="grid" aria-label="Events" aria-rowcount=move || n() + 1>
            <div class="logs-head" role="row" aria-rowindex="1">
                <span role="columnheader" class="c-time">"Time"</span>
                <span role="columnheader">"Service"</span>
                <span role="columnheader">"Span"</span>
                <span role="columnheader">"Event"</span>
                <span role="columnheader">"Attributes"</span>
            </div>
            <div class="logs-body" role="rowgroup" style:height=move || format!("{}px", map.with(|m| m.spacer_h()))>
                <For
                    each=move || visible.get()
                    key=|(p, r, rev)| (*p, r.span, r.event, *rev)
                    children=move |(p, r, _)| view! { <LogRow st=st pos=p row=r shift=shift /> }
                />
            </div>
        </div>
    }
}

/// One event; a click (or Enter) selects its span.
#[component]
fn LogRow(st: LogsState, pos: usize, row: Row, shift: Memo<f64>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let text = st.logs.with_untracked(|l| {
        l.as_ref()
            .map(|l| app.store.with_value(|s| logs::row_text(s, l, row)))
    });
    let t = text?;
    let select = move || app.select_span(row.span);
    let select_too = select;
    let exception = t.exception.clone();
    let attrs = match exception {
        Some(x) => {
            let has_stack = !x.stack.is_empty();
            view! {
                <span class="logs-exc">
                    {(!x.ty.is_empty()).then(|| view! { <b class="exc-type">{x.ty.clone()}</b> })}
                    {(!x.ty.is_empty() && !x.message.is_empty()).then_some(": ")}
                    <b class="exc-msg">{x.message.clone()}</b>
                </span>
                {has_stack.then(|| view! {
                    <button class="link logs-stack-btn" title="Show the stack trace"
                        on:click=move |e| {
                            e.stop_propagation();
                            st.stack.update(|s| *s = if *s == Some(row) { None } else { Some(row) });
                        }>
                        {move || if st.stack.get() == Some(row) { "stack ▾" } else { "stack ▸" }}
                    </button>
                })}
                <span class="logs-attrs-rest">{t.attrs.clone()}</span>
            }
            .into_any()
        }
        None => view! { <span class="logs-attrs-rest">{t.attrs.clone()}</span> }.into_any(),
    };
    let title = format!("{}  {}", t.name, t.attrs);
    Some(view! {
        <div class="logs-row" role="row" aria-rowindex=pos + 2 tabindex="-1"
            class:exception=t.exception.is_some()
            class:selected=move || app.span.get() == Some(row.span)
            style:top=move || format!("{}px", pos as f64 * ROW_H - shift.get())
            data-span=row.span
            on:click=move |_| select()
            on:keydown=move |e| super::grid::row_key(&e, select_too)>
            <span role="gridcell" class="c-time">{t.offset.clone()}</span>
            <span role="gridcell" class="c-svc" title=t.service.clone()>
                <span class="svc-dot" style:background=service_css(&t.service)></span>
                <span class="svc">{t.service.clone()}</span>
            </span>
            <span role="gridcell" class="c-span" title=t.span.clone()>{t.span.clone()}</span>
            <span role="gridcell" class="c-name" title=t.name.clone()>{t.name.clone()}</span>
            <span role="gridcell" class="c-attrs" title=title>{attrs}</span>
        </div>
    })
}

/// The open exception's stack trace, one preformatted line each.
#[component]
fn StackPane(st: LogsState) -> impl IntoView {
    let app = expect_context::<AppState>();
    let exc = Memo::new(move |_| {
        let row = st.stack.get()?;
        let l = st.logs.get()?;
        app.with_store(|s| logs::row_text(s, &l, row))
            .exception
            .map(|x| (x.heading(), x.stack.join("\n")))
    });
    move || {
        exc.get().map(|(heading, stack)| {
            view! {
                <section class="logs-stack" aria-label="Stack trace">
                    <header>
                        <b class="exc-msg">{heading}</b>
                        <button class="icon" title="Close the stack trace" on:click=move |_| st.stack.set(None)>"×"</button>
                    </header>
                    <pre>{stack}</pre>
                </section>
            }
        })
    }
}
