//! The trace scatter's time axis, broken where nothing happened for long.
//!
//! Traces loaded from two sources a year apart would sit at the two ends of
//! a linear axis, each cluster a vertical line. Here the axis is cut at such
//! gaps: the `k` longest gaps between consecutive start times are cut, for
//! the largest `k` whose `k`-th gap is longer than three times all the rest
//! of the axis (the clusters' own extents and the gaps kept), longer than a
//! minute and longer than ten times the median gap (steady traffic, even
//! sparse, stays linear). Each cut takes a fixed
//! [`BREAK`] of the axis width and is labelled with its length; each
//! cluster gets width in proportion to its extent, plus a share (a tenth of
//! the average) so that a cluster of one trace is still a visible column.
//!
//! Positions are fractions of the axis, 0 to 1. Grafana and Jaeger plot a
//! linear time axis; Jaeger's scatter squashes clusters this way.

/// The share of the axis one break takes.
pub const BREAK: f64 = 0.05;
/// Gaps up to this long are never cut.
const MIN_CUT_NS: i64 = 60_000_000_000;

/// A stretch of time drawn linearly from `x0` to `x1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub from: i64,
    pub to: i64,
    pub x0: f64,
    pub x1: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeAxis {
    /// In time order, not overlapping; cut between consecutive ones.
    pub segments: Vec<Segment>,
}

impl TimeAxis {
    /// The axis for these start times (Unix ns, any order).
    pub fn new(starts: &[i64]) -> TimeAxis {
        let mut t: Vec<i64> = starts.to_vec();
        t.sort_unstable();
        t.dedup();
        let (Some(&first), Some(&last)) = (t.first(), t.last()) else {
            return TimeAxis::default();
        };
        let mut gaps: Vec<(i64, usize)> = t.windows(2).map(|w| w[1] - w[0]).zip(1..).collect();
        gaps.sort_unstable_by(|a, b| b.cmp(a));
        let median = gaps.get(gaps.len() / 2).map_or(0, |g| g.0);
        let least = MIN_CUT_NS.max(median.saturating_mul(10));
        let mut rest = last.saturating_sub(first);
        let mut k = 0;
        for (n, &(gap, _)) in gaps.iter().enumerate() {
            rest -= gap;
            if gap > least && gap > rest.saturating_mul(3) {
                k = n + 1;
            }
        }
        let mut cuts: Vec<usize> = gaps[..k].iter().map(|g| g.1).collect();
        cuts.sort_unstable();
        // Clusters: index ranges of `t` between cuts.
        let mut bounds = vec![0];
        bounds.extend(&cuts);
        bounds.push(t.len());
        let mut clusters: Vec<(i64, i64)> =
            bounds.windows(2).map(|w| (t[w[0]], t[w[1] - 1])).collect();
        // One instant: a minute around it, so that the ticks differ.
        if let [(from, to)] = clusters.as_mut_slice() {
            if from == to {
                *from -= MIN_CUT_NS / 2;
                *to += MIN_CUT_NS / 2;
            }
        }
        let extent: f64 = clusters.iter().map(|c| (c.1 - c.0) as f64).sum();
        let k = clusters.len() as f64;
        let pad = (extent / k / 10.0).max(1.0);
        let weight: f64 = extent + pad * k;
        let room = 1.0 - BREAK * (k - 1.0);
        let mut x = 0.0;
        let segments = clusters
            .iter()
            .map(|&(from, to)| {
                let w = room * ((to - from) as f64 + pad) / weight;
                let s = Segment {
                    from,
                    to,
                    x0: x,
                    x1: x + w,
                };
                x += w + BREAK;
                s
            })
            .collect();
        TimeAxis { segments }
    }

    /// Where time `t` goes on the axis (0..1). A time outside every segment
    /// goes to the nearest segment's end.
    pub fn x(&self, t: i64) -> f64 {
        let Some(k) = self.segments.iter().position(|s| t <= s.to) else {
            return self.segments.last().map_or(0.0, |s| s.x1);
        };
        let s = &self.segments[k];
        if t < s.from {
            return s.x0;
        }
        if s.to == s.from {
            return (s.x0 + s.x1) / 2.0;
        }
        s.x0 + (t - s.from) as f64 / (s.to - s.from) as f64 * (s.x1 - s.x0)
    }

    /// The time at axis position `x`; None inside a break or off the axis.
    pub fn time(&self, x: f64) -> Option<i64> {
        let s = self.segments.iter().find(|s| x >= s.x0 && x <= s.x1)?;
        if s.to == s.from {
            return Some(s.from);
        }
        let f = (x - s.x0) / (s.x1 - s.x0);
        Some(s.from + (f * (s.to - s.from) as f64).round() as i64)
    }

    /// The breaks: where each sits on the axis and the time it leaves out.
    pub fn breaks(&self) -> Vec<(f64, f64, i64)> {
        self.segments
            .windows(2)
            .map(|w| (w[0].x1, w[1].x0, w[1].from - w[0].to))
            .collect()
    }

    /// From the first time to the last, breaks included.
    pub fn span_ns(&self) -> i64 {
        match (self.segments.first(), self.segments.last()) {
            (Some(a), Some(b)) => b.to - a.from,
            _ => 0,
        }
    }
}

/// A break's length in the largest unit that fits: "3.2 years", "4 days",
/// "5 h".
pub fn format_gap(ns: i64) -> String {
    const HOUR: f64 = 3.6e12;
    let h = ns as f64 / HOUR;
    if h >= 24.0 * 365.0 {
        format!("{:.1} years", h / (24.0 * 365.25))
    } else if h >= 48.0 {
        format!("{:.0} days", h / 24.0)
    } else if h >= 1.0 {
        format!("{h:.0} h")
    } else {
        format!("{:.0} min", h * 60.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;
    const YEAR: i64 = 365 * 24 * 3600 * S;

    #[test]
    fn steady_traffic_is_not_cut() {
        let starts: Vec<i64> = (0..500).map(|i| 1_700_000_000 * S + i * 7 * S).collect();
        let a = TimeAxis::new(&starts);
        assert_eq!(a.segments.len(), 1);
        assert_eq!(a.x(starts[0]), 0.0);
        assert!((a.x(starts[499]) - 1.0).abs() < 1e-9);
        assert!(a.breaks().is_empty());
    }

    #[test]
    fn two_sources_years_apart_each_get_room() {
        // An hour of traces in 2023, forty seconds of them in 2026.
        let old: Vec<i64> = (0..60).map(|i| 1_690_000_000 * S + i * 60 * S).collect();
        let new: Vec<i64> = (0..40)
            .map(|i| 1_690_000_000 * S + 3 * YEAR + i * S)
            .collect();
        let all: Vec<i64> = old.iter().chain(&new).copied().collect();
        let a = TimeAxis::new(&all);
        assert_eq!(a.segments.len(), 2);
        let b = a.breaks();
        assert_eq!(b.len(), 1);
        assert_eq!(format_gap(b[0].2), "3.0 years");
        // Each cluster spreads: its dots are not one column.
        let spread = |xs: &[i64]| a.x(*xs.last().unwrap()) - a.x(xs[0]);
        assert!(spread(&old) > 0.5, "{a:?}");
        assert!(spread(&new) > 0.01, "{a:?}");
        assert!(a.x(old[59]) < b[0].0 + 1e-9 && a.x(new[0]) >= b[0].1 - 1e-9);
        // Positions read back as times, the break as none.
        assert_eq!(a.time(a.x(old[30])), Some(old[30]));
        assert_eq!(a.time((b[0].0 + b[0].1) / 2.0), None);
        assert!(a.span_ns() > 3 * YEAR);
    }

    #[test]
    fn two_clusters_and_a_lone_trace_between_are_three_columns() {
        const DAY: i64 = 24 * 3600 * S;
        let hour = |at: i64| (0..10).map(move |i| at + i * 360 * S);
        let starts: Vec<i64> = hour(0).chain([10 * DAY]).chain(hour(20 * DAY)).collect();
        let a = TimeAxis::new(&starts);
        assert_eq!(a.segments.len(), 3, "{a:?}");
        let xs: Vec<f64> = starts.iter().map(|&t| a.x(t)).collect();
        assert!(xs[9] - xs[0] > 0.2 && xs[20] - xs[11] > 0.2, "{xs:?}");
        assert_eq!(a.time(xs[10]), Some(starts[10]));
        assert_eq!(format_gap(a.breaks()[0].2), "10 days");
    }

    #[test]
    fn evenly_spread_traces_stay_linear() {
        // Far apart, but evenly: a linear axis squashes nothing.
        const DAY: i64 = 24 * 3600 * S;
        assert_eq!(TimeAxis::new(&[0, 10 * DAY, 20 * DAY]).segments.len(), 1);
        // A job every two minutes for a day.
        let cron: Vec<i64> = (0..720).map(|i| i * 120 * S).collect();
        assert_eq!(TimeAxis::new(&cron).segments.len(), 1);
    }

    #[test]
    fn a_gap_below_a_minute_is_kept() {
        let a = TimeAxis::new(&[0, S, 50 * S]);
        assert_eq!(a.segments.len(), 1);
        assert_eq!(TimeAxis::new(&[]).segments.len(), 0);
        let one = TimeAxis::new(&[5 * S]);
        assert_eq!(one.x(5 * S), 0.5);
        assert_eq!(one.time(0.0), Some(-25 * S), "a minute around a lone trace");
    }
}
