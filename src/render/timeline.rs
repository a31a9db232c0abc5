//! The waterfall's timeline column, drawn on one canvas for the rows in view:
//! per row its bar, its events as ticks and its duration beside the bar; a
//! stripe under the bar where the span was on the critical path, a red
//! diamond after the bar of an error origin, a hatched bar for a folded run.
//!
//! A DOM element per bar, tick and label cost the browser ~10 ms of style,
//! layout and paint in each fast scroll frame (ten new rows a frame); one
//! canvas of ~35 rows redraws in well under a millisecond.

use web_sys::CanvasRenderingContext2d;

use super::canvas::{css, origin_diamond, set_font, text_on, Palette};
use crate::layout::waterfall::{LabelSide, NetSegment, TimelineRow};

pub const FONT: &str = "11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";

/// How a row stands out: selected, or faded (a search non-match, or context
/// kept around a service filter).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Look {
    pub selected: bool,
    /// Opacity of the whole row (1: not faded).
    pub alpha: f64,
}

/// Bar geometry inside a row of `row_h` px (as `.wf-bar` was in CSS).
const BAR_TOP: f64 = 6.0;
const BAR_H: f64 = 12.0;
const TICK_TOP: f64 = 4.0;
const TICK_H: f64 = 16.0;
const LABEL_GAP: f64 = 6.0;
/// The critical path's stripe, just under the bar.
const CRIT_TOP: f64 = BAR_TOP + BAR_H + 1.0;
const CRIT_H: f64 = 3.0;

/// Draws `rows` top to bottom, one per `row_h` px, across `width` px.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    rows: &[(TimelineRow, Look)],
    width: f64,
    row_h: f64,
    p: &Palette,
) {
    // The whole canvas (it may be taller than the rows).
    let height = ctx.canvas().map_or(0.0, |c| c.height() as f64);
    ctx.clear_rect(0.0, 0.0, width, height.max(rows.len() as f64 * row_h));
    set_font(ctx, FONT);
    ctx.set_text_baseline("middle");
    for (k, (r, look)) in rows.iter().enumerate() {
        let y = k as f64 * row_h;
        let x = r.bar.left * width;
        let w = (r.bar.width * width).max(1.0);
        ctx.set_global_alpha(look.alpha * if look.selected { 1.0 } else { 0.92 });
        ctx.set_fill_style_str(&css(r.rgb));
        if r.folded.is_some() {
            // A run of calls folded into one row: a hatched bar.
            ctx.set_global_alpha(look.alpha * 0.45);
            ctx.fill_rect(x, y + BAR_TOP, w, BAR_H);
            ctx.set_global_alpha(look.alpha);
            let mut hx = x;
            while hx < x + w {
                ctx.fill_rect(hx, y + BAR_TOP, 2.0_f64.min(x + w - hx), BAR_H);
                hx += 5.0;
            }
        } else {
            ctx.fill_rect(x, y + BAR_TOP, w, BAR_H);
        }
        ctx.set_global_alpha(look.alpha);
        if !r.network.is_empty() {
            network(ctx, r, y, width, look.alpha, p);
        }
        // The critical path: a stripe under the bar where the span was on it.
        ctx.set_fill_style_str(p.critical);
        for c in &r.critical {
            ctx.fill_rect(
                c.left * width,
                y + CRIT_TOP,
                (c.width * width).max(1.0),
                CRIT_H,
            );
        }
        if r.error {
            ctx.set_fill_style_str(p.error);
            if w > 4.0 {
                // A 2 px frame inside the bar.
                ctx.fill_rect(x, y + BAR_TOP, w, 2.0);
                ctx.fill_rect(x, y + BAR_TOP + BAR_H - 2.0, w, 2.0);
                ctx.fill_rect(x, y + BAR_TOP, 2.0, BAR_H);
                ctx.fill_rect(x + w - 2.0, y + BAR_TOP, 2.0, BAR_H);
            } else {
                ctx.fill_rect(x, y + BAR_TOP, w, BAR_H);
            }
        }
        if r.origin {
            // Where an error started: a red diamond at the bar's end.
            let cx = (x + w + 5.0).min(width - 5.0);
            origin_diamond(ctx, p, cx, y + BAR_TOP + BAR_H / 2.0, 5.0, 6.0);
        }
        if look.selected {
            ctx.set_stroke_style_str(p.text);
            ctx.set_line_width(1.0);
            ctx.stroke_rect(x - 0.5, y + BAR_TOP - 0.5, w + 1.0, BAR_H + 1.0);
        }
        ctx.set_global_alpha(look.alpha * 0.55);
        ctx.set_fill_style_str(p.text);
        for &f in &r.events {
            ctx.fill_rect(f * width - 1.0, y + TICK_TOP, 2.0, TICK_H);
        }
        ctx.set_global_alpha(look.alpha);
        let mid = y + row_h / 2.0;
        match r.bar.label_side() {
            LabelSide::After => {
                ctx.set_text_align("left");
                ctx.set_fill_style_str(p.muted);
                let gap = if r.origin {
                    LABEL_GAP + 10.0
                } else {
                    LABEL_GAP
                };
                let _ = ctx.fill_text(&r.duration, x + w + gap, mid);
            }
            LabelSide::Before => {
                ctx.set_text_align("right");
                ctx.set_fill_style_str(p.muted);
                let _ = ctx.fill_text(&r.duration, x - LABEL_GAP, mid);
            }
            LabelSide::Inside => {
                ctx.set_text_align("left");
                ctx.set_fill_style_str(text_on(r.rgb));
                let _ = ctx.fill_text(&r.duration, x + LABEL_GAP, mid);
            }
        }
    }
    ctx.set_global_alpha(1.0);
}

/// A client's network time on its bar: each gap a pale stretch of the bar
/// with its label ("req 480µs") when the label fits inside, else a thin
/// wire of the service's color through it.
fn network(
    ctx: &CanvasRenderingContext2d,
    r: &TimelineRow,
    y: f64,
    width: f64,
    alpha: f64,
    p: &Palette,
) {
    for NetSegment { bar, label, .. } in &r.network {
        let x = bar.left * width;
        let w = (bar.width * width).max(1.0);
        // ~6.3 px a character of FONT (no measuring per frame).
        let fits = label.chars().count() as f64 * 6.3 + 6.0 <= w;
        ctx.set_global_alpha(alpha * if fits { 0.85 } else { 0.7 });
        ctx.set_fill_style_str(p.bg);
        ctx.fill_rect(x, y + BAR_TOP + 1.0, w, BAR_H - 2.0);
        ctx.set_global_alpha(alpha);
        if fits {
            ctx.set_text_align("center");
            ctx.set_fill_style_str(p.text);
            let _ = ctx.fill_text(label, x + w / 2.0, y + BAR_TOP + BAR_H / 2.0);
        } else {
            ctx.set_fill_style_str(&css(r.rgb));
            ctx.fill_rect(x, y + BAR_TOP + BAR_H / 2.0 - 1.0, w, 2.0);
        }
    }
}

/// The network segments of `rows` as drawn across `width` px, for tests:
/// "row label x width" (px, rounded) joined by "; ".
pub fn network_scene(rows: &[(TimelineRow, Look)], width: f64) -> String {
    let mut out = Vec::new();
    for (k, (r, _)) in rows.iter().enumerate() {
        for n in &r.network {
            out.push(format!(
                "{k} {} {:.0} {:.0}",
                n.label,
                n.bar.left * width,
                n.bar.width * width
            ));
        }
    }
    out.join("; ")
}
