//! The flame graph's boxes, drawn on its canvas: the service color with a
//! label that fits, a red bar along the bottom of a failed span, a stripe
//! along the top where the span was on the critical path, a red diamond on
//! an error origin, a corner flag on a span that is part of a pattern, and
//! the outline of the selected box. Faded boxes (not a find match, not on
//! the critical path when only it is shown) keep their marks, fainter.

use web_sys::CanvasRenderingContext2d;

use super::canvas::{css, origin_diamond, text_on, Palette};
use super::text;
use crate::layout::flame::Draw;

/// What a box shows besides its color and label.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Marks {
    pub error: bool,
    pub origin: bool,
    pub pattern: bool,
    pub selected: bool,
    /// Pixel ranges (x, width) on the critical path.
    pub critical: Vec<(f64, f64)>,
    /// Faded (not a match).
    pub dim: bool,
}

/// A box at (x, y), `w` × `h` px.
pub struct BoxAt<'a> {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub rgb: (u8, u8, u8),
    pub label: &'a str,
    pub char_px: f64,
}

/// The boxes' label font, and the width of one of its characters.
const FONT: &str = "11px system-ui, -apple-system, Segoe UI, Roboto, sans-serif";
const CHAR_PX: f64 = 6.4;

/// Clears a `w` × `h` canvas to the background and sets the label font.
pub fn clear(ctx: &CanvasRenderingContext2d, p: &Palette, w: f64, h: f64) {
    ctx.set_fill_style_str(p.bg);
    ctx.fill_rect(0.0, 0.0, w, h);
    super::canvas::set_font(ctx, FONT);
    ctx.set_text_baseline("middle");
}

/// A box's colour, label and marks: what a flame graph decides per box.
pub struct BoxLook {
    pub rgb: (u8, u8, u8),
    pub label: String,
    pub marks: Marks,
}

/// Paints what `layout::flame::draw_list` placed, rows `row_px` high from
/// row `row0`: each box as `look` (given the box's index) says, boxes too
/// narrow to draw one by one as grey runs.
pub fn paint_draws(
    ctx: &CanvasRenderingContext2d,
    p: &Palette,
    draws: &[Draw],
    row0: f64,
    row_px: f64,
    mut look: impl FnMut(u32) -> BoxLook,
) {
    for item in draws {
        match *item {
            Draw::Box { index, x, w, row } => {
                let l = look(index);
                let at = BoxAt {
                    x,
                    y: (row as f64 - row0) * row_px,
                    w,
                    h: row_px,
                    rgb: l.rgb,
                    label: &l.label,
                    char_px: CHAR_PX,
                };
                paint_box(ctx, p, &at, &l.marks);
            }
            Draw::Sliver { x, w, row, .. } => {
                let y = (row as f64 - row0) * row_px;
                ctx.set_fill_style_str(p.sliver);
                ctx.fill_rect(x, y + 1.0, w.max(1.0), row_px - 2.0);
            }
        }
    }
}

pub fn paint_box(ctx: &CanvasRenderingContext2d, p: &Palette, b: &BoxAt, m: &Marks) {
    let (x, y, h) = (b.x, b.y, b.h);
    let w = (b.w - 1.0).max(1.0);
    ctx.set_global_alpha(if m.dim { 0.25 } else { 1.0 });
    ctx.set_fill_style_str(&css(b.rgb));
    ctx.fill_rect(x, y + 1.0, w, h - 2.0);
    if m.error {
        ctx.set_fill_style_str(p.error_mark);
        ctx.fill_rect(x, y + h - 4.0, w, 3.0);
    }
    ctx.set_fill_style_str(p.critical);
    for &(cx, cw) in &m.critical {
        ctx.fill_rect(cx, y + 1.0, cw.max(1.0), 3.0);
    }
    let mut text_x = x + 4.0;
    if m.origin && b.w > 10.0 {
        origin_diamond(ctx, p, x + 7.0, y + h / 2.0, 4.5, 5.0);
        text_x += 10.0;
    }
    if m.pattern && b.w > 8.0 {
        ctx.set_fill_style_str(PATTERN_FLAG);
        ctx.begin_path();
        ctx.move_to(x + w, y + 1.0);
        ctx.line_to(x + w, y + 8.0);
        ctx.line_to(x + w - 7.0, y + 1.0);
        ctx.close_path();
        ctx.fill();
    }
    let room = x + w - text_x - 4.0;
    if b.w > 24.0 {
        if let Some(l) = text::fit(b.label, room, b.char_px) {
            ctx.set_fill_style_str(text_on(b.rgb));
            let _ = ctx.fill_text(&l, text_x, y + h / 2.0);
        }
    }
    ctx.set_global_alpha(1.0);
    if m.selected {
        ctx.set_stroke_style_str(p.outline);
        ctx.set_line_width(2.0);
        ctx.stroke_rect(x + 1.0, y + 1.5, (b.w - 2.0).max(1.0), h - 3.0);
    }
}

/// Amber, as the patterns' badges in the waterfall.
const PATTERN_FLAG: &str = "#d4a72c";
