//! Self time: the part of a span's duration not covered by its children.
//! Children can overlap (concurrent calls) or run past the parent (async), so
//! it is the span's length minus the union of its children's intervals,
//! clipped to the span — never negative, never double-counting overlaps.

use crate::model::Store;

/// Self time of `span` in ns.
pub fn self_time(store: &Store, span: u32) -> i64 {
    let s = store.spans.start[span as usize];
    let e = s.saturating_add(store.spans.duration[span as usize]);
    // Children come sorted by start, and clipping keeps that order: one sweep
    // merges their intervals.
    let mut covered = 0;
    let mut cur: Option<(i64, i64)> = None;
    for &c in store.children(span) {
        let a = store.spans.start[c as usize].max(s);
        let b = store.span_end(c).min(e);
        if b <= a {
            continue;
        }
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                covered += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = cur {
        covered += cb - ca;
    }
    (e - s - covered).max(0)
}

/// Self time of every span of trace `t`, indexed by span - its first span.
pub fn all(store: &Store, t: u32) -> Vec<i64> {
    store.traces[t as usize]
        .spans
        .range()
        .map(|i| self_time(store, i as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    #[test]
    fn overlapping_and_outliving_children() {
        // root 0..100; children 10..40 and 30..50 overlap (union 40); one runs 90..150 (clipped to 10)
        let json = r#"[
          {"traceId":"1","id":"1","name":"root","timestamp":1000,"duration":100},
          {"traceId":"1","id":"2","parentId":"1","name":"a","timestamp":1010,"duration":30},
          {"traceId":"1","id":"3","parentId":"1","name":"b","timestamp":1030,"duration":20},
          {"traceId":"1","id":"4","parentId":"1","name":"c","timestamp":1090,"duration":60}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        let root = s.traces[0].tree.roots[0];
        assert_eq!(self_time(&s, root), (100 - 40 - 10) * 1000);
        let leaf = s.children(root)[0];
        assert_eq!(self_time(&s, leaf), 30_000);
    }
}
