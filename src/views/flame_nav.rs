//! Wheel and drag navigation of a flame graph canvas, shared by the trace's
//! flame graph and the comparison's delta flame graph: the wheel zooms
//! around the pointer (Ctrl+wheel faster), a horizontal wheel or
//! Shift+wheel pans in time, a drag pans in time and rows. The arithmetic
//! is `layout::flame`'s; this only turns events into it.

use leptos::html::Div;
use leptos::prelude::*;

use super::platform;
use crate::layout::flame::{self, Flame, View as FlameView};

/// The navigation state of one flame graph (cheap to copy into handlers).
#[derive(Clone, Copy)]
pub struct FlameNav {
    /// The time window shown, in the flame graph's x units.
    pub view: RwSignal<(f64, f64)>,
    /// The first row shown (fractional while dragging).
    pub row0: RwSignal<f64>,
    wrap: NodeRef<Div>,
    size: RwSignal<(f64, f64)>,
    /// The whole width in x units, and the number of rows.
    extent: Signal<f64>,
    rows: Signal<f64>,
    row_px: f64,
    dragged: StoredValue<bool>,
}

impl FlameNav {
    pub fn new(
        wrap: NodeRef<Div>,
        size: RwSignal<(f64, f64)>,
        extent: Signal<f64>,
        rows: Signal<f64>,
        row_px: f64,
    ) -> Self {
        FlameNav {
            view: RwSignal::new((0.0, extent.get_untracked())),
            row0: RwSignal::new(0.0),
            wrap,
            size,
            extent,
            rows,
            row_px,
            dragged: StoredValue::new(false),
        }
    }

    /// What is in view (tracked: size, window, first row).
    pub fn flame_view(&self) -> FlameView {
        let (w, h) = self.size.get();
        let (x0, x1) = self.view.get();
        FlameView {
            x0,
            x1,
            row0: self.row0.get(),
            rows: (h / self.row_px).ceil() + 1.0,
            width_px: w,
        }
    }

    /// The box of `graph` under (`px`, `py`), px in the canvas.
    pub fn hit(&self, graph: &Flame, px: f64, py: f64) -> Option<u32> {
        let fv = self.flame_view();
        let row = (fv.row0 + py / self.row_px).floor();
        (row >= 0.0)
            .then(|| flame::hit(graph, &fv, px, row as u32))
            .flatten()
    }

    /// The event's position in the canvas, px.
    pub fn point(&self, e: &web_sys::MouseEvent) -> (f64, f64) {
        self.wrap.get_untracked().map_or((0.0, 0.0), |el| {
            let r = el.get_bounding_client_rect();
            (
                e.client_x() as f64 - r.left(),
                e.client_y() as f64 - r.top(),
            )
        })
    }

    /// Zooms by `factor` (> 1 zooms in) around `at` (0..1 of the width).
    pub fn zoom(&self, at: f64, factor: f64) {
        let (x0, x1) = self.view.get_untracked();
        let extent = self.extent.get_untracked();
        self.view
            .set(flame::zoom_at(x0, x1, at, factor, 1000.0, extent));
    }

    /// Shows everything from the first row.
    pub fn reset(&self) {
        self.view.set((0.0, self.extent.get_untracked()));
        self.row0.set(0.0);
    }

    pub fn on_wheel(&self, e: web_sys::WheelEvent) {
        e.prevent_default();
        let w = self.size.get_untracked().0.max(1.0);
        let (px, _) = self.point(&e);
        let (x0, x1) = self.view.get_untracked();
        if e.shift_key() || e.delta_x().abs() > e.delta_y().abs() {
            let dx = if e.shift_key() {
                e.delta_y()
            } else {
                e.delta_x()
            };
            let extent = self.extent.get_untracked();
            self.view
                .set(flame::pan(x0, x1, dx / w * (x1 - x0), extent));
        } else {
            // Wheel up (negative delta) zooms in.
            let factor = (-e.delta_y() * if e.ctrl_key() { 0.01 } else { 0.002 }).exp();
            self.zoom(px / w, factor);
        }
    }

    /// Starts a drag that pans; a click that follows a drag is not a click
    /// (see [`FlameNav::was_drag`]).
    pub fn on_down(&self, e: web_sys::MouseEvent) {
        if e.button() != 0 {
            return;
        }
        let nav = *self;
        let (sx, sy) = (e.client_x() as f64, e.client_y() as f64);
        let (v0, r0) = (nav.view.get_untracked(), nav.row0.get_untracked());
        nav.dragged.set_value(false);
        platform::drag(
            move |m| {
                let (dx, dy) = (m.client_x() as f64 - sx, m.client_y() as f64 - sy);
                if dx.abs() + dy.abs() > 3.0 {
                    nav.dragged.set_value(true);
                }
                let w = nav.size.get_untracked().0.max(1.0);
                let extent = nav.extent.get_untracked();
                nav.view
                    .set(flame::pan(v0.0, v0.1, -dx / w * (v0.1 - v0.0), extent));
                let last = (nav.rows.get_untracked() - 2.0).max(0.0);
                nav.row0.set((r0 - dy / nav.row_px).clamp(0.0, last));
            },
            |_| {},
        );
    }

    /// The keyboard: + and − zoom, 0 resets, ← → pan, ↑ ↓ scroll rows.
    /// Whether the key was one of them.
    pub fn on_key(&self, e: &web_sys::KeyboardEvent) -> bool {
        let (x0, x1) = self.view.get_untracked();
        let step = (x1 - x0) * 0.1;
        let extent = self.extent.get_untracked();
        let last = (self.rows.get_untracked() - 2.0).max(0.0);
        let rows = |d: f64| (self.row0.get_untracked() + d).clamp(0.0, last);
        match e.key().as_str() {
            "+" | "=" => self.zoom(0.5, 1.25),
            "-" | "_" => self.zoom(0.5, 0.8),
            "0" => self.reset(),
            "ArrowLeft" => self.view.set(flame::pan(x0, x1, -step, extent)),
            "ArrowRight" => self.view.set(flame::pan(x0, x1, step, extent)),
            "ArrowUp" => self.row0.set(rows(-3.0)),
            "ArrowDown" => self.row0.set(rows(3.0)),
            _ => return false,
        }
        true
    }

    /// Whether the view is narrower than the whole.
    pub fn zoomed(&self) -> bool {
        let (x0, x1) = self.view.get();
        x0 > 0.0 || x1 < self.extent.get() - 1e-6
    }

    /// Whether the mouse moved between the last press and now.
    pub fn was_drag(&self) -> bool {
        self.dragged.get_value()
    }
}
