//! A canvas sized to its CSS box at the device pixel ratio, so drawing in CSS
//! pixels stays sharp on high-density screens.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Resizes the backing store of `canvas` to `css_w` x `css_h` CSS pixels at
/// the device pixel ratio and returns a context scaled to CSS pixels.
pub fn context(
    canvas: &HtmlCanvasElement,
    css_w: f64,
    css_h: f64,
    dpr: f64,
) -> Option<CanvasRenderingContext2d> {
    let (w, h) = ((css_w * dpr).round() as u32, (css_h * dpr).round() as u32);
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    let ctx = canvas
        .get_context("2d")
        .ok()??
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    Some(ctx)
}

/// Sets the context's font unless it is already set: parsing a font string
/// costs the browser about a millisecond each time, and a context keeps its
/// font across frames (until its canvas is resized).
pub fn set_font(ctx: &CanvasRenderingContext2d, font: &str) {
    thread_local! {
        /// The last font set, as given and as the context reports it back.
        static LAST: std::cell::RefCell<(String, String)> = Default::default();
    }
    let current = ctx.font();
    let same = LAST.with_borrow(|(given, reported)| given == font && *reported == current);
    if !same {
        ctx.set_font(font);
        LAST.set((font.to_owned(), ctx.font()));
    }
}

/// The mark of an error origin: a filled diamond centred on (cx, cy),
/// `rx` wide and `ry` tall each side, in the error mark's color.
pub fn origin_diamond(
    ctx: &CanvasRenderingContext2d,
    p: &Palette,
    cx: f64,
    cy: f64,
    rx: f64,
    ry: f64,
) {
    ctx.set_fill_style_str(p.error_mark);
    ctx.begin_path();
    ctx.move_to(cx, cy - ry);
    ctx.line_to(cx + rx, cy);
    ctx.line_to(cx, cy + ry);
    ctx.line_to(cx - rx, cy);
    ctx.close_path();
    ctx.fill();
}

/// The theme colors canvases draw with (the values of style/theme.css).
pub struct Palette {
    /// The page's background.
    pub bg: &'static str,
    /// A panel's background (the minimap's).
    pub panel: &'static str,
    pub text: &'static str,
    pub muted: &'static str,
    /// Error text.
    pub error: &'static str,
    /// Marks on a colored bar or node that flag an error (the same in both
    /// themes: it sits on service colors, not on the background).
    pub error_mark: &'static str,
    /// The outline of the selected box.
    pub outline: &'static str,
    /// Boxes too narrow to tell apart, drawn as one.
    pub sliver: &'static str,
    /// The critical path's stripe under (or over) the bars.
    pub critical: &'static str,
}

impl Palette {
    pub fn of(dark: bool) -> Palette {
        if dark {
            Palette {
                bg: "#0f1217",
                panel: "#1b1f27",
                text: "#e6edf3",
                muted: "#8d96a0",
                error: "#ff6b6b",
                error_mark: ERROR_MARK,
                outline: "#ffffff",
                sliver: "#4a5361",
                critical: "#f0c000",
            }
        } else {
            Palette {
                bg: "#ffffff",
                panel: "#f4f6f9",
                text: "#1f2328",
                muted: "#656d76",
                error: "#cf222e",
                error_mark: ERROR_MARK,
                outline: "#111111",
                sliver: "#b9c2cf",
                critical: "#1f2328",
            }
        }
    }
}

const ERROR_MARK: &str = "#d62d2d";

/// `#rrggbb` for an RGB triple.
pub fn css(rgb: (u8, u8, u8)) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2)
}

/// The RGB triple of a `#rrggbb` color (what [`css`] writes), for drawing
/// with plotters; black if `hex` is not one.
pub fn rgb(hex: &str) -> (u8, u8, u8) {
    let channel = |k: usize| {
        hex.get(1 + 2 * k..3 + 2 * k)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
    };
    match (hex.len(), channel(0), channel(1), channel(2)) {
        (7, Some(r), Some(g), Some(b)) if hex.starts_with('#') => (r, g, b),
        _ => (0, 0, 0),
    }
}

/// A `#rrggbb` color as plotters draws it.
pub fn plot_color(hex: &str) -> plotters::style::RGBColor {
    let (r, g, b) = rgb(hex);
    plotters::style::RGBColor(r, g, b)
}

/// A readable text color (black or white) on a background.
pub fn text_on(rgb: (u8, u8, u8)) -> &'static str {
    let l = 0.299 * rgb.0 as f64 + 0.587 * rgb.1 as f64 + 0.114 * rgb.2 as f64;
    if l > 150.0 {
        "#111"
    } else {
        "#fff"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_reads_what_css_writes() {
        for c in [
            (0, 0, 0),
            (0x1b, 0x1f, 0x27),
            (255, 255, 255),
            (0xd6, 0x2d, 0x2d),
        ] {
            assert_eq!(rgb(&css(c)), c);
        }
        for dark in [false, true] {
            let p = Palette::of(dark);
            for hex in [
                p.bg,
                p.panel,
                p.text,
                p.muted,
                p.error,
                p.error_mark,
                p.outline,
                p.sliver,
            ] {
                assert_eq!(css(rgb(hex)), hex, "{hex}");
            }
        }
        assert_eq!(rgb("red"), (0, 0, 0));
        assert_eq!(rgb("#12345"), (0, 0, 0));
    }
}
