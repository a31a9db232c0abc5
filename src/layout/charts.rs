//! Data for the charts: the trace scatter (start vs response time) and latency
//! histograms with percentiles. Pure; the views draw them with plotters.

use super::time_axis::TimeAxis;
use crate::analysis::services::percentile;
use crate::model::Store;

/// One dot of the trace scatter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dot {
    pub trace: u32,
    /// For a trace a search listed but that is not loaded: its index there.
    pub remote: Option<usize>,
    /// Where its start sits on the time axis (0..1, see [`TimeAxis`]).
    pub x: f64,
    /// Duration in ms.
    pub y: f64,
    pub error: bool,
}

/// One dot per trace of `traces` (start vs response time: the root span's
/// duration), and per remote one (start, duration ns), on a time axis
/// broken where nothing happened for long (returned too).
pub fn scatter(store: &Store, traces: &[u32], remote: &[(i64, i64)]) -> (Vec<Dot>, TimeAxis) {
    let starts: Vec<i64> = traces
        .iter()
        .map(|&t| store.traces[t as usize].summary.start)
        .chain(remote.iter().map(|r| r.0))
        .collect();
    let axis = TimeAxis::new(&starts);
    let mut dots: Vec<Dot> = traces
        .iter()
        .map(|&t| {
            let tr = &store.traces[t as usize];
            Dot {
                trace: t,
                remote: None,
                x: axis.x(tr.summary.start),
                y: store.response_time(t) as f64 / 1e6,
                error: tr.summary.errors > 0,
            }
        })
        .collect();
    dots.extend(remote.iter().enumerate().map(|(i, &(start, dur))| Dot {
        trace: crate::model::NONE,
        remote: Some(i),
        x: axis.x(start),
        y: dur as f64 / 1e6,
        error: false,
    }));
    (dots, axis)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub count: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub bins: Vec<Bin>,
    /// Log-scaled x axis (values spread over more than two decades).
    pub log: bool,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub count: usize,
}

/// A histogram of latencies (ns, any order) in ms, `n` bins; log-scaled when
/// they span more than 100x, so a 2 s outlier does not squash 5 ms calls into
/// one bar.
pub fn histogram(values_ns: &[i64], n: usize) -> Histogram {
    let mut v: Vec<i64> = values_ns.to_vec();
    v.sort_unstable();
    let ms = |ns: i64| ns as f64 / 1e6;
    let (p50, p95, p99) = (
        ms(percentile(&v, 50.0)),
        ms(percentile(&v, 95.0)),
        ms(percentile(&v, 99.0)),
    );
    if v.is_empty() || n == 0 {
        return Histogram {
            bins: Vec::new(),
            log: false,
            p50,
            p95,
            p99,
            count: 0,
        };
    }
    let lo = ms(v[0]).max(0.0);
    let hi = ms(*v.last().unwrap_or(&0)).max(lo);
    let log = lo > 0.0 && hi / lo > 100.0;
    let (a, b) = if hi <= lo {
        (lo * 0.9, lo * 1.1 + 1e-3)
    } else {
        (lo, hi)
    };
    let edge = |k: usize| {
        let f = k as f64 / n as f64;
        if log {
            (a.ln() + f * (b.ln() - a.ln())).exp()
        } else {
            a + f * (b - a)
        }
    };
    let mut bins: Vec<Bin> = (0..n)
        .map(|k| Bin {
            lo: edge(k),
            hi: edge(k + 1),
            count: 0,
        })
        .collect();
    for &x in &v {
        let x = ms(x);
        let f = if log {
            (x.max(a).ln() - a.ln()) / (b.ln() - a.ln())
        } else {
            (x - a) / (b - a)
        };
        let k = ((f * n as f64).floor() as usize).min(n - 1);
        bins[k].count += 1;
    }
    Histogram {
        bins,
        log,
        p50,
        p95,
        p99,
        count: v.len(),
    }
}

/// Durations of every span with this service and operation, in all loaded traces.
pub fn op_latencies(store: &Store, span: u32) -> Vec<i64> {
    let (svc, name) = (
        store.spans.service[span as usize],
        store.spans.name[span as usize],
    );
    (0..store.spans.len())
        .filter(|&i| store.spans.service[i] == svc && store.spans.name[i] == name)
        .map(|i| store.spans.duration[i])
        .collect()
}

/// Places labels over marks on a chart: each label (its mark's x and its
/// width, px) gets a left x and a row, the first row that has room, so that
/// no two labels overlap ("this" over "p95" before); a label that would pass
/// `right` (the plot's right edge) ends there instead of being cut.
pub fn place_labels(marks: &[(f64, f64)], right: f64) -> Vec<(f64, usize)> {
    let mut order: Vec<usize> = (0..marks.len()).collect();
    order.sort_by(|&a, &b| marks[a].0.total_cmp(&marks[b].0));
    // Each row's rightmost used x.
    let mut rows: Vec<f64> = Vec::new();
    let mut out = vec![(0.0, 0); marks.len()];
    for k in order {
        let (x, w) = marks[k];
        let left = (x - w / 2.0).min(right - w).max(0.0);
        let row = match rows.iter().position(|&end| end + 3.0 <= left) {
            Some(r) => r,
            None => {
                rows.push(f64::NEG_INFINITY);
                rows.len() - 1
            }
        };
        rows[row] = left + w;
        out[k] = (left, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_log_bins() {
        let v: Vec<i64> = (1..=100).map(|i| i * 1_000_000).collect();
        let h = histogram(&v, 10);
        assert!(!h.log);
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u32>(), 100);
        assert_eq!((h.p50, h.p95, h.p99), (50.0, 95.0, 99.0));
        let mut v: Vec<i64> = vec![5_000_000; 50];
        v.push(2_000_000_000);
        let h = histogram(&v, 20);
        assert!(h.log);
        assert_eq!(h.bins[0].count, 50);
        assert_eq!(h.bins[19].count, 1);
        let h = histogram(&[7_000_000; 3], 5);
        assert_eq!(h.bins.iter().map(|b| b.count).sum::<u32>(), 3);
        assert!(histogram(&[], 5).bins.is_empty());
    }

    #[test]
    fn labels_never_overlap_or_pass_the_edge() {
        // p50, p95, p99 and "this" close together near the right edge.
        let marks = [(100.0, 20.0), (104.0, 20.0), (190.0, 20.0), (106.0, 24.0)];
        let placed = place_labels(&marks, 200.0);
        for i in 0..marks.len() {
            let (li, ri) = (placed[i].0, placed[i].0 + marks[i].1);
            assert!(ri <= 200.0 && li >= 0.0, "{placed:?}");
            for j in i + 1..marks.len() {
                let (lj, rj) = (placed[j].0, placed[j].0 + marks[j].1);
                assert!(
                    placed[i].1 != placed[j].1 || ri <= lj || rj <= li,
                    "{i} and {j} overlap: {placed:?}"
                );
            }
        }
        assert_eq!(placed[2], (180.0, 0), "p99 ends at the edge, first row");
        assert_eq!(place_labels(&[], 10.0), vec![]);
    }

    #[test]
    fn scatter_has_a_dot_per_trace() {
        let bytes = crate::sources::demo::bytes();
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &bytes).unwrap();
        let all: Vec<u32> = (0..s.traces.len() as u32).collect();
        let (dots, axis) = scatter(&s, &all, &[]);
        assert_eq!(dots.len(), 40);
        // Response time, not extent: a checkout answers before its consumers run.
        for d in &dots {
            assert_eq!(d.y, s.response_time(d.trace) as f64 / 1e6);
        }
        assert!(all
            .iter()
            .any(|&t| s.traces[t as usize].duration() > s.response_time(t)));
        assert_eq!(
            scatter(&s, &all[..5], &[]).0.len(),
            5,
            "only the traces asked for"
        );
        assert!(dots.iter().any(|d| d.x == 0.0) && dots.iter().any(|d| d.x == 1.0));
        assert_eq!(
            axis.segments.len(),
            1,
            "the demo's traces are minutes apart"
        );
        assert!(dots.iter().any(|d| d.error) && dots.iter().any(|d| !d.error));
        // The payment outage: the gateway answers after its 10 s timeout,
        // while the 30 s wait behind it goes on (extent, not response).
        assert!(dots.iter().any(|d| d.y > 10_000.0), "the gateway timeout");
        assert!(
            dots.iter().all(|d| d.y < 29_000.0),
            "the 30 s wait is not the response"
        );
        let lat = op_latencies(&s, s.traces[0].tree.roots[0]);
        assert!(!lat.is_empty());
    }
}
