//! Slow vs the rest (issue 19): the traces picked on the scatter chart (by
//! dragging across it, or with "Slower than" a response time) against the
//! other shown traces. A dialog ranks the operations by how much more
//! critical-path time the pick spends in them, draws the top ten deltas as
//! bars, and lists the attribute values more common in the pick. The rule
//! is `analysis::contrast`'s; this file only shows it.

use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;

use super::platform;
use super::state::{AppState, Dialog, Theme};
use super::virtual_list::use_width;
use crate::analysis::contrast::{self, AttrRow, Contrast, ContrastJob};
use crate::model::time::format_duration;
use crate::model::Store;
use crate::render::canvas;

/// One operation's row, as shown.
#[derive(Clone, Debug, PartialEq)]
struct Op {
    label: String,
    service: String,
    d_critical: f64,
    d_self: f64,
    d_total: f64,
    sel: f64,
    rest: f64,
    /// Traces with the operation, of each group.
    sel_traces: u32,
    rest_traces: u32,
}

/// The pick against the rest, ready to show.
#[derive(Clone, Debug, Default, PartialEq)]
struct Shown {
    selected: u32,
    rest: u32,
    ops: Vec<Op>,
    attrs: Vec<AttrRow>,
}

/// Rows past these are left out of the tables.
const MAX_OPS: usize = 30;
const MAX_ATTRS: usize = 20;

/// Spans a slice compares (about 35 ms natively: a comparison costs more
/// per span than the statistics' `derived::SLICE`).
const SLICE_SPANS: usize = 50_000;

fn shown_of(s: &Store, c: Contrast) -> Shown {
    Shown {
        selected: c.selected,
        rest: c.rest,
        ops: c
            .ops
            .iter()
            .take(MAX_OPS)
            .map(|o| Op {
                label: o.label(s),
                service: s.str(o.service).to_owned(),
                d_critical: o.d_critical(),
                d_self: o.d_self(),
                d_total: o.d_total(),
                sel: o.sel.critical,
                rest: o.rest.critical,
                sel_traces: o.sel.traces,
                rest_traces: o.rest.traces,
            })
            .collect(),
        attrs: c.attrs.into_iter().take(MAX_ATTRS).collect(),
    }
}

/// The pick against the other shown traces, into `out`: at once, or for
/// many spans in slices (`out` is None meanwhile; a newer pick or a closed
/// dialog stops the old work).
fn compare_into(app: AppState, out: RwSignal<Option<Shown>>, generation: StoredValue<u64>) {
    let picked = app.picked.get().unwrap_or_default();
    let rest = contrast::rest_of(&app.derived().shown.get(), &picked);
    let spans: usize = app.with_store(|s| {
        picked
            .iter()
            .chain(&rest)
            .map(|&t| s.traces[t as usize].spans.len as usize)
            .sum()
    });
    generation.update_value(|g| *g += 1);
    let g = generation.get_value();
    let mut job = ContrastJob::new(picked, rest);
    super::derived::run_job(
        spans,
        SLICE_SPANS,
        out,
        move || generation.try_get_value() == Some(g),
        move |n| {
            app.store
                .with_value(|s| job.step(s, n).map(|c| shown_of(s, c)))
        },
    );
}

/// "+1.87s", "-12.1ms".
fn signed(ns: f64) -> String {
    let s = format_duration(ns.round() as i64);
    if ns >= 0.5 {
        format!("+{s}")
    } else {
        s
    }
}

/// Next to the "N traces picked on the chart" chip: "Slower than [ ]"
/// picks the traces whose response time is above what is typed; "Compare
/// with the rest" opens the dialog once traces are picked.
#[component]
pub fn ContrastControls() -> impl IntoView {
    let app = expect_context::<AppState>();
    let error = RwSignal::new(None::<String>);
    let pick = move |text: String| {
        let ns = match crate::sources::backend::parse_duration(&text) {
            Ok(Some(ns)) => ns,
            Ok(None) => return error.set(None),
            Err(e) => return error.set(Some(e)),
        };
        let shown = app.derived().shown.get_untracked();
        let mut slow = app.with_store(|s| contrast::slower_than(s, &shown, ns));
        slow.sort_unstable();
        if slow.is_empty() {
            error.set(Some(format!(
                "No trace is slower than {}",
                format_duration(ns)
            )));
        } else {
            error.set(None);
            app.picked.set(Some(slow));
        }
    };
    view! {
        <label class="slower-than" title="Pick the traces whose response time is above this (250ms, 1.5s); Enter">
            "Slower than"
            <input type="text" size="6" placeholder="1.5s" aria-label="Slower than"
                on:change=move |e| pick(event_target_value(&e)) />
        </label>
        {move || error.get().map(|e| view! { <span class="query-error" role="alert">{e}</span> })}
        {move || app.picked.with(|p| p.is_some()).then(|| view! {
            <button class="btn small compare-rest" title="What the picked traces spend their time on, and which attribute values they have, against the other traces"
                on:click=move |_| app.dialog.set(Dialog::Contrast)>"Compare with the rest"</button>
        })}
    }
}

#[component]
pub fn ContrastDialog() -> impl IntoView {
    let app = expect_context::<AppState>();
    let data = RwSignal::new(None::<Shown>);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| compare_into(app, data, generation));
    let close = move |_| app.dialog.set(Dialog::None);
    view! {
        <div class="modal-backdrop" on:click=close>
            <div class="modal contrast" role="dialog" aria-label="Slow vs the rest" on:click=|e| e.stop_propagation()>
                <header>
                    <h2>"Picked vs the rest"</h2>
                    <button class="icon" title="Close (Esc)" on:click=close>"×"</button>
                </header>
                {move || {
                    let Some(d) = data.get() else {
                        let n = app.picked.with(|p| p.as_ref().map_or(0, |p| p.len()));
                        return view! {
                            <p class="muted contrast-busy" role="status">{format!(
                                "Comparing {} with the rest…",
                                crate::model::units::counted(n as u64, "picked trace"),
                            )}</p>
                        }
                        .into_any();
                    };
                    view! {
                        <p class="muted">{format!(
                            "{} picked against the other {}: mean time per trace, picked − rest.",
                            crate::model::units::counted(d.selected as u64, "trace"),
                            crate::model::units::counted(d.rest as u64, "trace"),
                        )}</p>
                        <DeltaChart ops=d.ops.clone() />
                        <OpTable ops=d.ops />
                        <AttrTable attrs=d.attrs />
                    }
                    .into_any()
                }}
            </div>
        </div>
    }
}

/// The ranked operations: Δ critical path, Δ self, Δ total, and the mean
/// critical-path time in the pick and in the rest.
#[component]
fn OpTable(ops: Vec<Op>) -> impl IntoView {
    view! {
        <table class="contrast-ops">
            <thead>
                <tr>
                    <th>"Operation"</th>
                    <th class="num">"Δ critical path"</th>
                    <th class="num">"Δ self"</th>
                    <th class="num">"Δ total"</th>
                    <th class="num" title="Mean critical-path time per trace">"Picked / rest"</th>
                </tr>
            </thead>
            <tbody>
                {ops.into_iter().map(|o| {
                    let title = format!(
                        "In {} picked and {} other traces",
                        o.sel_traces, o.rest_traces
                    );
                    view! {
                        <tr title=title>
                            <td class="op">
                                <span class="svc-dot" style:background=crate::layout::colors::service_css(&o.service)></span>
                                {o.label}
                            </td>
                            <td class="num" class:up={o.d_critical > 0.0}>{signed(o.d_critical)}</td>
                            <td class="num">{signed(o.d_self)}</td>
                            <td class="num">{signed(o.d_total)}</td>
                            <td class="num muted">{format!("{} / {}", format_duration(o.sel as i64), format_duration(o.rest as i64))}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Attribute values more common in the pick: share of picked traces with
/// one, share of the rest, and the ratio.
#[component]
fn AttrTable(attrs: Vec<AttrRow>) -> impl IntoView {
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    view! {
        <h3>"Attribute values more common in the pick"</h3>
        {attrs.is_empty().then(|| view! { <p class="muted">"None: the picked traces carry the same values as the rest."</p> })}
        <table class="contrast-attrs">
            <thead>
                <tr>
                    <th>"Value"</th>
                    <th class="num" title="Share of the picked traces with a span carrying it">"Picked"</th>
                    <th class="num" title="Share of the other traces with a span carrying it">"Rest"</th>
                    <th class="num">"Ratio"</th>
                </tr>
            </thead>
            <tbody>
                {attrs.into_iter().map(|a| {
                    let ratio = a.ratio().map_or("only picked".to_owned(), |r| format!("×{r:.1}"));
                    view! {
                        <tr>
                            <td class="attr"><code>{format!("{}={}", a.key, a.value)}</code></td>
                            <td class="num" title=format!("{} of the picked traces", a.sel)>{pct(a.sel_share)}</td>
                            <td class="num muted" title=format!("{} of the other traces", a.rest)>{pct(a.rest_share)}</td>
                            <td class="num">{ratio}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The top ten critical-path deltas as horizontal bars (plotters).
#[component]
fn DeltaChart(ops: Vec<Op>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let width = use_width(wrap);
    let bars: Vec<(String, f64)> = ops
        .into_iter()
        .take(10)
        .map(|o| (o.label, o.d_critical))
        .collect();
    let h = 24.0 + 22.0 * bars.len() as f64;
    Effect::new(move |_| {
        let w = width.get();
        let dark = app.theme.get() == Theme::Dark;
        if let Some(el) = canvas_ref.get() {
            draw_bars(&el, (w, h), dark, &bars);
        }
    });
    view! {
        <div class="contrast-chart" node_ref=wrap>
            <canvas node_ref=canvas_ref style:height=format!("{h}px") aria-label="Critical-path time gained per trace, top ten operations"></canvas>
        </div>
    }
}

fn draw_bars(
    el: &web_sys::HtmlCanvasElement,
    (w, h): (f64, f64),
    dark: bool,
    bars: &[(String, f64)],
) {
    if w <= 0.0 || bars.is_empty() {
        return;
    }
    let dpr = platform::device_pixel_ratio();
    el.set_width((w * dpr) as u32);
    el.set_height((h * dpr) as u32);
    let Some(backend) = CanvasBackend::with_canvas_object(el.clone()) else {
        return;
    };
    let root = backend.into_drawing_area();
    let pal = canvas::Palette::of(dark);
    let (bg, text) = (canvas::plot_color(pal.bg), canvas::plot_color(pal.muted));
    let (up, down) = (
        canvas::plot_color(pal.error),
        canvas::plot_color(if dark { "#4c8dff" } else { "#2563eb" }),
    );
    let _ = root.fill(&bg);
    let lo = bars.iter().map(|b| b.1).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0);
    let n = bars.len() as f64;
    let font = ("sans-serif", 11.0 * dpr).into_font().color(&text);
    let label_w = (w * 0.4).min(300.0);
    let Ok(mut chart) = ChartBuilder::on(&root)
        .margin((4.0 * dpr) as i32)
        .margin_right((28.0 * dpr) as i32)
        .x_label_area_size((18.0 * dpr) as i32)
        .y_label_area_size((label_w * dpr) as i32)
        .build_cartesian_2d(lo..hi, 0.0..n)
    else {
        return;
    };
    let x_fmt = |x: &f64| format_duration(*x as i64);
    let grid = canvas::plot_color(if dark { "#2d333b" } else { "#e5e9ee" });
    let _ = chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_label_formatter(&x_fmt)
        .x_labels(5)
        .label_style(font.clone())
        .axis_style(grid)
        .light_line_style(grid.mix(0.4))
        .draw();
    for (i, (label, d)) in bars.iter().enumerate() {
        let y = n - i as f64;
        let c = if *d >= 0.0 { up } else { down };
        let _ = chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - 0.8), (*d, y - 0.2)],
            c.mix(0.8).filled(),
        )));
        let (_, py) = chart.backend_coord(&(lo, y - 0.5));
        let clipped = crate::model::units::clip(label, (label_w / 6.5) as usize);
        let _ = root.draw(&Text::new(
            clipped,
            (((label_w - 6.0) * dpr) as i32, py),
            font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ));
    }
    let _ = root.present();
}
