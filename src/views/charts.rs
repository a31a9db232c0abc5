//! Charts drawn with plotters on a canvas: the trace scatter (start time vs
//! duration, errors in red; click a dot to open its trace) and the latency
//! histogram of an operation across all loaded traces (p50/p95/p99 and the
//! selected span marked). Both follow the theme and redraw on resize.

use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;

use super::platform;
use super::state::{AppState, Theme};
use super::trace_view::trace_name;
use super::virtual_list::use_width;
use crate::layout::charts::{self, Dot};
use crate::layout::time_axis::{format_gap, TimeAxis};
use crate::model::time::{format_duration, format_timestamp};
use crate::render::canvas;

struct Palette {
    bg: RGBColor,
    text: RGBColor,
    grid: RGBColor,
    dot: RGBColor,
    error: RGBColor,
    accent: RGBColor,
}

/// How the scatter's axes are labelled and coloured.
struct ScatterAxes<'a> {
    x_fmt: &'a dyn Fn(&f64) -> String,
    y_fmt: &'a dyn Fn(&f64) -> String,
    font: &'a TextStyle<'a>,
    pal: &'a Palette,
    /// The time axis' breaks (from, to, what they leave out) and the
    /// duration range, to draw the breaks over the mesh.
    breaks: Vec<(f64, f64, i64)>,
    y_range: (f64, f64),
}

/// The scatter's mesh, breaks and dots on a linear or log duration axis;
/// returns where each dot landed (CSS pixels), for clicks and brushing.
fn draw_dots<Y>(
    mut chart: ChartContext<'_, CanvasBackend, Cartesian2d<RangedCoordf64, Y>>,
    axes: &ScatterAxes,
    dots: &[Dot],
    current: Option<u32>,
    r: i32,
    dpr: f64,
) -> Vec<(f64, f64, Dot)>
where
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let pal = axes.pal;
    let _ = chart
        .configure_mesh()
        .x_label_formatter(axes.x_fmt)
        .y_label_formatter(axes.y_fmt)
        .label_style(axes.font.clone())
        .axis_style(pal.grid)
        .light_line_style(pal.grid.mix(0.4))
        .bold_line_style(pal.grid)
        .x_labels(6)
        .y_labels(4)
        .draw();
    let (lo, hi) = axes.y_range;
    for &(x0, x1, gap) in &axes.breaks {
        let _ = chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, lo), (x1, hi)],
            pal.grid.mix(0.5).filled(),
        )));
        let label = Text::new(
            format_gap(gap),
            ((x0 + x1) / 2.0, hi),
            axes.font.clone().pos(Pos::new(HPos::Center, VPos::Top)),
        );
        let _ = chart.draw_series(std::iter::once(label));
    }
    let mut points = Vec::with_capacity(dots.len());
    for d in dots {
        let c = if d.error {
            pal.error
        } else if d.remote.is_some() {
            pal.text
        } else {
            pal.dot
        };
        let _ = chart.draw_series(std::iter::once(Circle::new(
            (d.x, d.y),
            if current == Some(d.trace) { r * 2 } else { r },
            c.filled(),
        )));
        let (px, py) = chart.backend_coord(&(d.x, d.y));
        points.push((px as f64 / dpr, py as f64 / dpr, *d));
    }
    points
}

/// Draws the scatter on `el` (`w` x `h` CSS px); returns where each dot
/// landed, or None when there is nothing to draw.
fn draw_scatter(
    el: &web_sys::HtmlCanvasElement,
    (w, h): (f64, f64),
    pal: &Palette,
    (dots, axis): &(Vec<Dot>, TimeAxis),
    current: Option<u32>,
) -> Option<Vec<(f64, f64, Dot)>> {
    if w <= 0.0 || dots.is_empty() {
        return None;
    }
    let dpr = platform::device_pixel_ratio();
    let root = area(el, w, h, dpr)?;
    let _ = root.fill(&pal.bg);
    let min_y = dots
        .iter()
        .map(|d| d.y)
        .fold(f64::INFINITY, f64::min)
        .max(1e-3);
    let max_y = dots
        .iter()
        .map(|d| d.y)
        .fold(0.0, f64::max)
        .max(min_y * 1.01);
    let font = ("sans-serif", 11.0 * dpr).into_font().color(&pal.text);
    let tz = platform::tz_offset_minutes();
    // Times of day within a day; dates (and hours) when the traces span days.
    let days = axis.span_ns() > 86_400_000_000_000;
    let x_fmt = move |x: &f64| {
        let Some(ns) = axis.time(*x) else {
            return String::new();
        };
        let t = format_timestamp(ns, tz);
        let part = if days { t.get(0..16) } else { t.get(11..19) };
        part.unwrap_or(&t).to_owned()
    };
    let y_fmt = |y: &f64| format_duration((*y * 1e6) as i64);
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin((8.0 * dpr) as i32)
        .x_label_area_size((22.0 * dpr) as i32)
        .y_label_area_size((58.0 * dpr) as i32);
    let r = (3.5 * dpr) as i32;
    let log = max_y / min_y > 100.0;
    // Log scale when durations spread over more than two decades.
    let y_range = if log {
        (min_y * 0.8, max_y * 1.25)
    } else {
        (0.0, max_y * 1.15)
    };
    let axes = ScatterAxes {
        x_fmt: &x_fmt,
        y_fmt: &y_fmt,
        font: &font,
        pal,
        breaks: axis.breaks(),
        y_range,
    };
    let x_range = -0.02..1.02;
    let points = if log {
        let chart = builder
            .build_cartesian_2d(x_range, (y_range.0..y_range.1).log_scale())
            .ok()?;
        draw_dots(chart, &axes, dots, current, r, dpr)
    } else {
        let chart = builder
            .build_cartesian_2d(x_range, y_range.0..y_range.1)
            .ok()?;
        draw_dots(chart, &axes, dots, current, r, dpr)
    };
    let _ = root.present();
    Some(points)
}

/// The charts' colors: the theme's background, muted text and error color
/// (render::canvas::Palette), and the charts' own grid, dots and accent.
fn palette(theme: Theme) -> Palette {
    let dark = theme == Theme::Dark;
    let theme_colors = canvas::Palette::of(dark);
    let (grid, dot, accent) = if dark {
        ("#2d333b", "#4c8dff", "#e3b341")
    } else {
        ("#e5e9ee", "#2563eb", "#b07400")
    };
    Palette {
        bg: canvas::plot_color(theme_colors.bg),
        text: canvas::plot_color(theme_colors.muted),
        grid: canvas::plot_color(grid),
        dot: canvas::plot_color(dot),
        error: canvas::plot_color(theme_colors.error),
        accent: canvas::plot_color(accent),
    }
}

/// A plotters drawing area on `canvas`, sized to `w` x `h` CSS px at the
/// device pixel ratio (plotters draws in device pixels).
fn area(
    canvas: &web_sys::HtmlCanvasElement,
    w: f64,
    h: f64,
    dpr: f64,
) -> Option<DrawingArea<CanvasBackend, Shift>> {
    canvas.set_width((w * dpr) as u32);
    canvas.set_height((h * dpr) as u32);
    Some(CanvasBackend::with_canvas_object(canvas.clone())?.into_drawing_area())
}

/// Dots placed on screen (CSS px) with what they stand for.
type Placed = StoredValue<Vec<(f64, f64, Dot)>>;

/// Loaded traces, by start time and response time. Click a dot to open its
/// trace; drag across dots to list only those (the chart then zooms to them).
#[component]
pub fn TraceScatter() -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let width = use_width(wrap);
    const H: f64 = 150.0;
    let placed: Placed = StoredValue::new(Vec::new());
    let hover = RwSignal::new(None::<(f64, f64, String)>);
    let brush = RwSignal::new(None::<Rect>);
    let data = Memo::new(move |_| {
        let remote: Vec<(i64, i64)> = app.remote.with(|r| {
            r.iter()
                .map(|x| (x.summary.start_ns, x.summary.duration_ns))
                .collect()
        });
        let listed = app.derived().listed.get();
        app.with_store(|s| charts::scatter(s, &listed, &remote))
    });

    Effect::new(move |_| {
        let (w, pal, current) = (width.get(), palette(app.theme.get()), app.trace.get());
        let Some(el) = canvas_ref.get() else {
            return;
        };
        let points = data.with(|d| draw_scatter(&el, (w, H), &pal, d, current));
        if let Some(points) = points {
            let _ = el.set_attribute("data-dots", &points.len().to_string());
            placed.set_value(points);
        }
    });

    super::probe::expose("__strataScatterDot", move |i| {
        let i = i.as_f64()? as usize;
        // relative to the .scatter box, which pads the canvas
        let (ox, oy) = canvas_ref
            .get_untracked()
            .map(|c| (c.offset_left() as f64, c.offset_top() as f64))
            .unwrap_or((0.0, 0.0));
        placed.with_value(|p| p.get(i).map(|&(x, y, _)| (x + ox, y + oy)))
    });
    // Pointer position on the canvas, CSS px.
    let at = move |e: &web_sys::MouseEvent| -> Option<(f64, f64)> {
        let r = canvas_ref.get_untracked()?.get_bounding_client_rect();
        Some((
            e.client_x() as f64 - r.left(),
            e.client_y() as f64 - r.top(),
        ))
    };
    let nearest = move |e: &web_sys::MouseEvent| at(e).and_then(|p| nearest_dot(placed, p));
    let on_down = move |e: web_sys::MouseEvent| {
        let Some(a) = at(&e) else { return };
        e.prevent_default();
        brush.set(Some(Rect::new(a, a)));
        platform::drag(
            move |m| {
                if let Some(b) = at(m) {
                    brush.set(Some(Rect::new(a, b)));
                }
            },
            move |m| {
                brush.set(None);
                let b = at(m).unwrap_or(a);
                let rect = Rect::new(a, b);
                if rect.w() < 4.0 && rect.h() < 4.0 {
                    if let Some((_, _, d)) = nearest_dot(placed, a) {
                        open_dot(app, d);
                    }
                } else {
                    pick(app, placed, rect);
                }
            },
        );
    };
    view! {
        <div class="scatter" node_ref=wrap
            on:mousedown=on_down
            on:mousemove=move |e| hover.set(nearest(&e).map(|(x, y, d)| (x + 12.0, y + 6.0, dot_label(app, d))))
            on:mouseleave=move |_| hover.set(None)
            title="Traces by start time and response time; click a dot to open its trace, drag across dots to list only those"
        >
            <canvas node_ref=canvas_ref style:height=format!("{H}px")></canvas>
            {move || brush.get().filter(|r| r.w() >= 4.0 || r.h() >= 4.0).map(|r| {
                // The canvas sits inside the box's padding.
                let (ox, oy) = canvas_ref
                    .get_untracked()
                    .map(|c| (c.offset_left() as f64, c.offset_top() as f64))
                    .unwrap_or_default();
                view! {
                <div class="brush" style:left=format!("{}px", r.x0 + ox) style:top=format!("{}px", r.y0 + oy)
                    style:width=format!("{}px", r.w()) style:height=format!("{}px", r.h())></div>
                }
            })}
            {move || hover.get().map(|(x, y, t)| view! {
                <div class="tooltip" style:left=format!("{}px", (x + 12.0).min(width.get_untracked() - 260.0).max(0.0)) style:top=format!("{}px", y + 10.0)>{t}</div>
            })}
        </div>
    }
}

/// A rectangle dragged on the chart (CSS px, normalised).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn new(a: (f64, f64), b: (f64, f64)) -> Rect {
        Rect {
            x0: a.0.min(b.0),
            y0: a.1.min(b.1),
            x1: a.0.max(b.0),
            y1: a.1.max(b.1),
        }
    }
    fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    fn h(&self) -> f64 {
        self.y1 - self.y0
    }
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
}

/// The dot nearest `p` within 9 px.
fn nearest_dot(placed: Placed, (x, y): (f64, f64)) -> Option<(f64, f64, Dot)> {
    placed.with_value(|p| {
        p.iter()
            .map(|&(px, py, d)| ((px - x).powi(2) + (py - y).powi(2), (px, py, d)))
            .filter(|(d2, _)| *d2 < 81.0)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, p)| p)
    })
}

/// Lists only the loaded traces whose dots are inside `rect`.
fn pick(app: AppState, placed: Placed, rect: Rect) {
    let mut traces: Vec<u32> = placed.with_value(|p| {
        p.iter()
            .filter(|(x, y, d)| d.remote.is_none() && rect.contains((*x, *y)))
            .map(|(_, _, d)| d.trace)
            .collect()
    });
    if traces.is_empty() {
        return;
    }
    traces.sort_unstable();
    app.picked.set(Some(traces));
}

fn open_dot(app: AppState, d: Dot) {
    match d.remote {
        None => app.open_trace(d.trace),
        Some(i) => {
            if let Some(rt) = app.remote.with_untracked(|l| l.get(i).cloned()) {
                super::remote::open_remote(app, rt.backend, rt.summary.trace_id, None);
            }
        }
    }
}

fn dot_label(app: AppState, d: Dot) -> String {
    let (svc, op) = match d.remote {
        None => app.with_store(|s| trace_name(s, d.trace)),
        Some(i) => app
            .remote
            .with_untracked(|l| {
                l.get(i)
                    .map(|r| (r.summary.root_service.clone(), r.summary.root_name.clone()))
            })
            .unwrap_or_default(),
    };
    format!(
        "{svc}: {op} — {}{}",
        format_duration((d.y * 1e6) as i64),
        if d.error { " — errors" } else { "" }
    )
}

/// "12 traces picked on the chart · Show all", while a pick is on (beside
/// the trace list's filter).
#[component]
pub fn PickedChip() -> impl IntoView {
    let app = expect_context::<AppState>();
    move || {
        app.picked.with(|p| p.as_ref().map(|p| p.len())).map(|n| {
            view! {
                <div class="picked-chip" role="status">
                    <span class="picked-count">
                        {format!("{} picked on the chart", crate::model::units::counted(n as u64, "trace"))}
                    </span>
                    <button class="btn small" on:click=move |_| app.picked.set(None)>"Show all"</button>
                </div>
            }
        })
    }
}

#[component]
pub fn LatencyHistogram(span: u32) -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas_ref = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let width = use_width(wrap);
    const H: f64 = 130.0;
    let (hist, mine) = app.with_store(|s| {
        (
            charts::histogram(&charts::op_latencies(s, span), 24),
            s.spans.duration[span as usize] as f64 / 1e6,
        )
    });
    let summary = format!(
        "{} · p50 {} · p95 {} · p99 {}",
        crate::model::units::counted(hist.count as u64, "span"),
        format_duration((hist.p50 * 1e6) as i64),
        format_duration((hist.p95 * 1e6) as i64),
        format_duration((hist.p99 * 1e6) as i64)
    );
    let hist = StoredValue::new(hist);
    Effect::new(move |_| {
        let w = width.get();
        let pal = palette(app.theme.get());
        let Some(el) = canvas_ref.get() else {
            return;
        };
        if w <= 0.0 {
            return;
        }
        let dpr = platform::device_pixel_ratio();
        let Some(root) = area(&el, w, H, dpr) else {
            return;
        };
        let _ = root.fill(&pal.bg);
        hist.with_value(|h| {
            let (Some(first), Some(last)) = (h.bins.first(), h.bins.last()) else {
                return;
            };
            let (lo, hi) = (first.lo, last.hi);
            // Headroom above the bars for up to four rows of mark labels.
            let top = h.bins.iter().map(|b| b.count).max().unwrap_or(1) as f64 * 1.6;
            let font = ("sans-serif", 10.0 * dpr).into_font().color(&pal.text);
            let mut builder = ChartBuilder::on(&root);
            builder
                .margin((6.0 * dpr) as i32)
                // Room for the last axis label, which plotters centres on its tick.
                .margin_right((24.0 * dpr) as i32)
                .x_label_area_size((20.0 * dpr) as i32)
                .y_label_area_size((30.0 * dpr) as i32);
            let marks = [
                (h.p50, "p50", pal.text),
                (h.p95, "p95", pal.text),
                (h.p99, "p99", pal.error),
                (mine, "this", pal.accent),
            ];
            let x_fmt = |x: &f64| format_duration((*x * 1e6) as i64);
            macro_rules! draw {
                ($chart:expr) => {{
                    let mut chart = $chart;
                    let _ = chart
                        .configure_mesh()
                        .disable_x_mesh()
                        .x_label_formatter(&x_fmt)
                        .label_style(font.clone())
                        .axis_style(pal.grid)
                        .light_line_style(pal.grid.mix(0.3))
                        .x_labels(5)
                        .y_labels(3)
                        .draw();
                    let _ = chart.draw_series(h.bins.iter().map(|b| {
                        Rectangle::new(
                            [(b.lo, 0.0), (b.hi, b.count as f64)],
                            pal.dot.mix(0.75).filled(),
                        )
                    }));
                    let char_px = 6.0 * dpr;
                    let right = chart.backend_coord(&(hi, 0.0)).0 as f64;
                    let at: Vec<(f64, f64)> = marks
                        .iter()
                        .map(|(x, label, _)| {
                            let px = chart.backend_coord(&(x.clamp(lo, hi), 0.0)).0 as f64;
                            (px, label.len() as f64 * char_px)
                        })
                        .collect();
                    let placed = charts::place_labels(&at, right);
                    let y0 = chart.backend_coord(&(lo, top)).1;
                    for (k, (x, label, color)) in marks.iter().enumerate() {
                        let x = x.clamp(lo, hi);
                        let _ = chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x, 0.0), (x, top * 0.7)],
                            color.stroke_width((1.5 * dpr) as u32),
                        )));
                        let (left, row) = placed[k];
                        let y = y0 + (row as f64 * 11.0 * dpr) as i32;
                        let _ = root.draw(&Text::new(
                            label.to_string(),
                            (left as i32, y),
                            font.clone().color(color),
                        ));
                    }
                }};
            }
            if h.log {
                if let Ok(c) = builder.build_cartesian_2d((lo..hi).log_scale(), 0.0..top) {
                    draw!(c);
                }
            } else if let Ok(c) = builder.build_cartesian_2d(lo..hi, 0.0..top) {
                draw!(c);
            }
        });
        let _ = root.present();
    });
    view! {
        <div class="histogram" node_ref=wrap>
            <div class="muted small">{summary}</div>
            <canvas node_ref=canvas_ref style:height=format!("{H}px")></canvas>
        </div>
    }
}
