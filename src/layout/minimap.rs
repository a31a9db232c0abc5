//! The minimap: the whole trace squeezed into a small canvas. Rows that share
//! a pixel line are merged, and overlapping bars on a line become one rect, so
//! a 1M-span trace draws a few thousand rectangles, not a million.

use super::waterfall::Window;
use crate::model::{Store, Sym};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MiniRect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// Service of the first span in the rect (for its color).
    pub service: Sym,
    pub error: bool,
}

/// Rects for `rows` (display order) in a `width` x `height` pixel box.
pub fn rects(
    store: &Store,
    rows: &[u32],
    trace_start: i64,
    w: &Window,
    width: f64,
    height: f64,
) -> Vec<MiniRect> {
    let n = rows.len();
    if n == 0 || width <= 0.0 || height <= 0.0 {
        return Vec::new();
    }
    let lines = (height.floor() as usize).clamp(1, n);
    let line_h = height / lines as f64;
    let mut per_line: Vec<Vec<(f64, f64, Sym, bool)>> = vec![Vec::new(); lines];
    for (r, &i) in rows.iter().enumerate() {
        let line = r * lines / n;
        let s = (store.spans.start[i as usize] - trace_start) as f64;
        let e = s + store.spans.duration[i as usize] as f64;
        let x0 = w.frac(s).clamp(0.0, 1.0) * width;
        let x1 = (w.frac(e).clamp(0.0, 1.0) * width).max(x0 + 1.0);
        per_line[line].push((x0, x1, store.spans.service[i as usize], store.is_error(i)));
    }
    let mut out = Vec::new();
    for (line, mut spans) in per_line.into_iter().enumerate() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        merge_line(&mut out, spans, line as f64 * line_h, line_h.max(1.0));
    }
    out
}

/// [`rects`] laid out `UNITS` wide, scaled to `width`: bars that come
/// within half a pixel of each other at this width merge. Linear, with no
/// walk over the spans: [`rects`] runs once per trace at [`UNITS`], and a
/// panel opening beside the minimap only calls this.
pub fn fit(rects: &[MiniRect], units: f64, width: f64) -> Vec<MiniRect> {
    let sx = if units > 0.0 { width / units } else { 0.0 };
    let mut out = Vec::with_capacity(rects.len());
    // Rects come line by line, each line in x order.
    for line in rects.chunk_by(|a, b| a.y == b.y) {
        let bars = line
            .iter()
            .map(|r| (r.x * sx, (r.x + r.w) * sx, r.service, r.error));
        merge_line(&mut out, bars, line[0].y, line[0].h);
    }
    out
}

/// The width [`rects`] are laid out at once per trace (device pixels of a
/// wide screen); [`fit`] draws them at the minimap's width.
pub const UNITS: f64 = 4096.0;

/// Merges the bars `(x0, x1, service, error)` of one line, in x order, into
/// runs: a bar that starts within half a pixel of a run's end joins it (the
/// run keeps its first service's color and shows an error if any bar has one).
fn merge_line(
    out: &mut Vec<MiniRect>,
    bars: impl IntoIterator<Item = (f64, f64, Sym, bool)>,
    y: f64,
    h: f64,
) {
    let rect = |c: (f64, f64, Sym, bool)| MiniRect {
        x: c.0,
        y,
        w: c.1 - c.0,
        h,
        service: c.2,
        error: c.3,
    };
    let mut cur: Option<(f64, f64, Sym, bool)> = None;
    for s in bars {
        cur = match cur {
            Some(c) if s.0 <= c.1 + 0.5 => Some((c.0, c.1.max(s.1), c.2, c.3 || s.3)),
            Some(c) => {
                out.push(rect(c));
                Some(s)
            }
            None => Some(s),
        };
    }
    if let Some(c) = cur {
        out.push(rect(c));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;
    use crate::layout::waterfall::rows;

    #[test]
    fn many_rows_merge_into_few_rects() {
        let mut spans = vec![
            r#"{"traceId":"1","id":"1","name":"root","timestamp":1000,"duration":10000}"#
                .to_owned(),
        ];
        for k in 2..2002u32 {
            spans.push(format!(
                r#"{{"traceId":"1","id":"{k:x}","parentId":"1","name":"c","timestamp":{},"duration":3}}"#,
                1000 + k * 4
            ));
        }
        let json = format!("[{}]", spans.join(","));
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        let r = rows(&s, 0, &Default::default());
        let w = Window::whole(&s, 0);
        let rects = rects(&s, &r, s.traces[0].summary.start, &w, 400.0, 40.0);
        assert!(rects.len() <= 40 * 3, "{}", rects.len());
        assert!(rects
            .iter()
            .all(|m| m.x >= 0.0 && m.x + m.w <= 401.0 && m.y < 40.0));
        // the root covers the whole first line
        assert_eq!(rects[0].x, 0.0);
        assert!(rects[0].w >= 399.0);
    }

    #[test]
    fn fitting_equals_laying_out_at_that_width_within_a_pixel() {
        let bytes = crate::sources::demo::bytes();
        let mut s = Store::default();
        import::load(&mut s, "demo", &bytes).unwrap();
        for t in 0..s.traces.len() as u32 {
            let r = rows(&s, t, &Default::default());
            let w = Window::whole(&s, t);
            let start = s.traces[t as usize].summary.start;
            let wide = rects(&s, &r, start, &w, UNITS, 56.0);
            for width in [1500.0, 400.0, 37.0] {
                let fitted = fit(&wide, UNITS, width);
                let direct = rects(&s, &r, start, &w, width, 56.0);
                // Every line covers the same pixels, give or take the
                // rounding of merged ends.
                for line in direct.chunk_by(|a, b| a.y == b.y) {
                    let y = line[0].y;
                    let got: Vec<_> = fitted.iter().filter(|m| m.y == y).collect();
                    assert!(!got.is_empty(), "trace {t} width {width} line {y}");
                    let (lo, hi) = (
                        line[0].x,
                        line.iter().map(|m| m.x + m.w).fold(0.0, f64::max),
                    );
                    let (glo, ghi) = (got[0].x, got.iter().map(|m| m.x + m.w).fold(0.0, f64::max));
                    assert!(
                        (lo - glo).abs() <= 1.0 && (hi - ghi).abs() <= 1.0,
                        "{lo}-{hi} vs {glo}-{ghi}"
                    );
                    assert!(
                        got.len() <= line.len() + 1,
                        "{} vs {}",
                        got.len(),
                        line.len()
                    );
                }
                assert_eq!(
                    fitted.iter().any(|m| m.error),
                    direct.iter().any(|m| m.error)
                );
            }
        }
    }
}
