//! The minimap: the whole trace drawn small (with plotters on a canvas),
//! the current zoom window outlined; drag across it to zoom to that range.

use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use rustc_hash::FxHashSet;

use super::platform;
use super::state::{AppState, Theme};
use super::virtual_list::use_width;
use crate::layout::colors::service_rgb;
use crate::layout::minimap;
use crate::layout::waterfall::{self as wl, Window};
use crate::render::canvas::{self, Palette};

const HEIGHT: f64 = 56.0;

#[component]
pub fn Minimap() -> impl IntoView {
    let app = expect_context::<AppState>();
    let canvas = NodeRef::<Canvas>::new();
    let wrap = NodeRef::<Div>::new();
    let width = use_width(wrap);
    // Selection being dragged, as fractions of the whole trace.
    let sel = RwSignal::new(None::<(f64, f64)>);

    // The whole trace laid out once (a walk over every span), at a fixed
    // width; drawing only scales it, so a resize costs no walk.
    let laid_out = Memo::new(move |_| {
        let t = app.trace.get()?;
        let dpr = platform::device_pixel_ratio();
        Some(app.with_store(|s| {
            let rows = wl::rows(s, t, &FxHashSet::default());
            let whole = Window::whole(s, t);
            let start = s.traces[t as usize].summary.start;
            minimap::rects(s, &rows, start, &whole, minimap::UNITS, HEIGHT * dpr)
        }))
    });

    // Redraw when the trace, the size or the theme changes (not on zoom).
    Effect::new(move |_| {
        let Some(el) = canvas.get() else {
            return;
        };
        let w = width.get();
        let dark = app.theme.get() == Theme::Dark;
        if w <= 0.0 {
            return;
        }
        let dpr = platform::device_pixel_ratio();
        el.set_width((w * dpr) as u32);
        el.set_height((HEIGHT * dpr) as u32);
        let Some(rects) =
            laid_out.with(|r| r.as_ref().map(|r| minimap::fit(r, minimap::UNITS, w * dpr)))
        else {
            return;
        };
        app.with_store(|s| {
            let Some(backend) = CanvasBackend::with_canvas_object(el.clone()) else {
                return;
            };
            let root = backend.into_drawing_area();
            let palette = Palette::of(dark);
            let _ = root.fill(&canvas::plot_color(palette.panel));
            for r in rects {
                let (cr, cg, cb) = service_rgb(s.str(r.service));
                let fill = RGBColor(cr, cg, cb);
                let x0 = r.x.floor() as i32;
                let x1 = (r.x + r.w).ceil().max(r.x + 1.0) as i32;
                let y0 = r.y.floor() as i32;
                let y1 = (r.y + r.h).ceil() as i32;
                let _ = root.draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled()));
                if r.error {
                    // Errors: a red mark at the start of the run.
                    let _ = root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + (3.0 * dpr) as i32, y1.max(y0 + dpr as i32))],
                        canvas::plot_color(palette.error_mark).filled(),
                    ));
                }
            }
            let _ = root.present();
        });
    });

    let frac_at = move |client_x: i32| -> f64 {
        wrap.get_untracked()
            .map(|el| {
                let r = el.get_bounding_client_rect();
                ((client_x as f64 - r.left()) / r.width().max(1.0)).clamp(0.0, 1.0)
            })
            .unwrap_or(0.0)
    };
    let on_down = move |e: web_sys::MouseEvent| {
        e.prevent_default();
        let a = frac_at(e.client_x());
        sel.set(Some((a, a)));
        platform::drag(
            move |m| sel.set(Some((a, frac_at(m.client_x())))),
            move |m| {
                let b = frac_at(m.client_x());
                sel.set(None);
                let Some(t) = app.trace.get_untracked() else {
                    return;
                };
                let whole = app.store.with_value(|s| Window::whole(s, t));
                if (b - a).abs() * width.get_untracked() >= 3.0 {
                    app.window.set(Some(whole.sub(a, b, 1000.0)));
                } else {
                    // A click centres the current zoom window there.
                    if let Some(w) = app.window.get_untracked() {
                        let half = w.len() / 2.0;
                        let mid = a * whole.len();
                        app.window.set(Some(Window {
                            start: (mid - half).max(0.0),
                            end: (mid + half).min(whole.end).max(mid - half + 1.0),
                        }));
                    }
                }
            },
        );
    };

    // The outline of the zoom window (or of the selection being dragged).
    let outline = move || {
        if let Some((a, b)) = sel.get() {
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            return Some((a, b, true));
        }
        let t = app.trace.get()?;
        let w = app.window.get()?;
        let whole = app.with_store(|s| Window::whole(s, t));
        Some((whole.frac(w.start), whole.frac(w.end), false))
    };

    view! {
        <div class="minimap" node_ref=wrap on:mousedown=on_down title="Drag to zoom to a time range">
            <canvas node_ref=canvas style:height=format!("{HEIGHT}px")></canvas>
            {move || {
                outline()
                    .map(|(a, b, dragging)| {
                        view! {
                            <div class="mm-shade" style:left="0" style:width=format!("{:.4}%", a * 100.0)></div>
                            <div class="mm-shade" style:left=format!("{:.4}%", b * 100.0) style:right="0"></div>
                            <div
                                class="mm-window"
                                class:dragging=dragging
                                style:left=format!("{:.4}%", a * 100.0)
                                style:width=format!("{:.4}%", (b - a) * 100.0)
                            ></div>
                        }
                    })
            }}
        </div>
    }
}
