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
        let mut cur: Option<(f64, f64, Sym, bool)> = None;
        for s in spans {
            cur = match cur {
                Some(c) if s.0 <= c.1 + 0.5 => Some((c.0, c.1.max(s.1), c.2, c.3 || s.3)),
                Some(c) => {
                    out.push(rect(c, line, line_h));
                    Some(s)
                }
                None => Some(s),
            };
        }
        if let Some(c) = cur {
            out.push(rect(c, line, line_h));
        }
    }
    out
}

fn rect(c: (f64, f64, Sym, bool), line: usize, line_h: f64) -> MiniRect {
    MiniRect {
        x: c.0,
        y: line as f64 * line_h,
        w: c.1 - c.0,
        h: line_h.max(1.0),
        service: c.2,
        error: c.3,
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
}
