//! Anomalies: spans unusually slow for their operation across the loaded
//! traces (issue 19, "Across loaded traces").
//!
//! The rule: spans are grouped by service + operation name over the traces
//! given (the loaded traces of the files shown). A span's *percentile* is
//! the share of its group's spans strictly shorter than it. A span is
//! flagged when its group has at least [`MIN_SAMPLES`] spans and either
//! - its duration is beyond the group's p99 (nearest rank: the
//!   ⌈0.99·n⌉-th shortest; with fewer than 100 spans that is the longest,
//!   so this part only flags from 100 spans on), or
//! - its robust z-score `0.6745 · (d − median) / MAD` is above 3, MAD
//!   being the median of the absolute deviations from the median (both
//!   nearest rank). When more than half the spans take exactly the median
//!   (MAD 0) the mean absolute deviation stands in:
//!   `(d − median) / (1.2533 · meanAD)` (the usual modified z-score
//!   fallback); when every span takes the same time nothing is flagged.
//!
//! Only slow spans are flagged (both parts need `d` above the median).
//!
//! Where it differs: Jaeger UI and Zipkin show one trace at a time and never
//! rank a span against the same operation in other traces (Jaeger's trace
//! statistics are per trace; its SPM and Zipkin's dependencies aggregate on
//! the server, by service, not per span). Sentry's performance issues use
//! fixed thresholds per issue type (a slow DB query is one over 1 s), not
//! the operation's own distribution. Here the comparison is client-side,
//! among whatever traces are loaded, and per span.

use rustc_hash::FxHashMap;

use super::services::percentile;
use crate::model::{Store, Sym};

/// Spans an operation needs before any of them is flagged.
pub const MIN_SAMPLES: usize = 20;
/// The robust z-score beyond which a span is flagged.
pub const Z_LIMIT: f64 = 3.0;

/// Where one span stands among its operation's spans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anomaly {
    /// Share of the operation's spans strictly shorter than this one, %.
    pub percentile: f64,
    /// Spans of the operation (service + name) in the traces considered.
    pub samples: u32,
    /// Its median and p99 duration, ns (nearest rank).
    pub median: i64,
    pub p99: i64,
    /// The span's robust z-score (None when every span takes the same time).
    pub z: Option<f64>,
    /// This span is flagged (see the module docs).
    pub flagged: bool,
}

impl Anomaly {
    /// "slower than 97% of 44 inventory-service SELECT shop.stock spans
    /// (median 12.3ms)".
    pub fn describe(&self, store: &Store, span: u32) -> String {
        format!(
            "slower than {}% of {} {} {} spans (median {})",
            self.percentile.floor() as u32,
            self.samples,
            store.strings.get(store.spans.service[span as usize]),
            store.strings.get(store.spans.name[span as usize]),
            crate::model::time::format_duration(self.median)
        )
    }

    /// "inventory-service SELECT shop.stock 2.01s, slower than 97% of 44
    /// such spans (median 12.3ms)": the trace summary's line.
    pub fn sentence(&self, store: &Store, span: u32) -> String {
        let i = span as usize;
        format!(
            "{} {} {}, slower than {}% of {} such spans (median {})",
            store.strings.get(store.spans.service[i]),
            store.strings.get(store.spans.name[i]),
            crate::model::time::format_duration(store.spans.duration[i]),
            self.percentile.floor() as u32,
            self.samples,
            crate::model::time::format_duration(self.median)
        )
    }

    /// How far out, for ordering: the z-score (infinite without one).
    fn distance(&self) -> f64 {
        self.z.unwrap_or(f64::INFINITY)
    }
}

/// One operation's durations and their statistics.
#[derive(Clone, Debug, Default, PartialEq)]
struct Group {
    sorted: Vec<i64>,
    median: i64,
    p99: i64,
    /// The z-score's scale: `MAD / 0.6745`, or `1.2533 · meanAD` when the
    /// MAD is 0; 0 when every span takes the same time.
    scale: f64,
}

impl Group {
    fn finish(mut sorted: Vec<i64>) -> Group {
        sorted.sort_unstable();
        let median = percentile(&sorted, 50.0);
        let p99 = percentile(&sorted, 99.0);
        let mut dev: Vec<i64> = sorted.iter().map(|d| (d - median).abs()).collect();
        dev.sort_unstable();
        let mad = percentile(&dev, 50.0);
        let scale = if mad > 0 {
            mad as f64 / 0.6745
        } else if dev.is_empty() {
            0.0
        } else {
            let mean = dev.iter().map(|&d| d as f64).sum::<f64>() / dev.len() as f64;
            1.2533 * mean
        };
        Group {
            sorted,
            median,
            p99,
            scale,
        }
    }

    fn at(&self, d: i64) -> Anomaly {
        let n = self.sorted.len();
        let shorter = self.sorted.partition_point(|&x| x < d);
        let z = (self.scale > 0.0).then(|| (d - self.median) as f64 / self.scale);
        let flagged =
            n >= MIN_SAMPLES && d > self.median && (d > self.p99 || z.is_some_and(|z| z > Z_LIMIT));
        Anomaly {
            percentile: 100.0 * shorter as f64 / n as f64,
            samples: n as u32,
            median: self.median,
            p99: self.p99,
            z,
            flagged,
        }
    }

    /// The shortest duration flagged (i64::MAX: none can be).
    fn threshold(&self) -> i64 {
        if self.sorted.len() < MIN_SAMPLES {
            return i64::MAX;
        }
        // The first sorted duration that the rule flags; every longer one
        // is flagged too (the rule is monotonic in d).
        let k = self.sorted.partition_point(|&d| !self.at(d).flagged);
        self.sorted.get(k).copied().unwrap_or(i64::MAX)
    }
}

/// Every span's standing among its operation's spans across a set of
/// traces, and the spans flagged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Anomalies {
    /// Operation (service, name) → its group.
    index: FxHashMap<(Sym, Sym), u32>,
    groups: Vec<Group>,
    /// The traces considered, sorted.
    traces: Vec<u32>,
    /// Flagged spans of each trace, furthest out first.
    flagged: FxHashMap<u32, Vec<(u32, Anomaly)>>,
}

impl Anomalies {
    /// The operations' distributions over `traces` and the spans flagged.
    pub fn build(store: &Store, traces: &[u32]) -> Anomalies {
        let sp = &store.spans;
        let mut index: FxHashMap<(Sym, Sym), u32> = FxHashMap::default();
        let mut durations: Vec<Vec<i64>> = Vec::new();
        let mut traces = traces.to_vec();
        traces.sort_unstable();
        traces.dedup();
        let total: usize = traces
            .iter()
            .map(|&t| store.traces[t as usize].spans.len as usize)
            .sum();
        // Each span's group, in the order the traces' spans are read.
        let mut group_of: Vec<u32> = Vec::with_capacity(total);
        for &t in &traces {
            for i in store.traces[t as usize].spans.range() {
                let key = (sp.service[i], sp.name[i]);
                let g = *index.entry(key).or_insert_with(|| {
                    durations.push(Vec::new());
                    durations.len() as u32 - 1
                });
                durations[g as usize].push(sp.duration[i]);
                group_of.push(g);
            }
        }
        let groups: Vec<Group> = durations.into_iter().map(Group::finish).collect();
        let limits: Vec<i64> = groups.iter().map(Group::threshold).collect();
        let mut flagged: FxHashMap<u32, Vec<(u32, Anomaly)>> = FxHashMap::default();
        let mut k = 0;
        for &t in &traces {
            for i in store.traces[t as usize].spans.range() {
                let g = group_of[k] as usize;
                k += 1;
                if sp.duration[i] >= limits[g] {
                    let a = groups[g].at(sp.duration[i]);
                    flagged.entry(t).or_default().push((i as u32, a));
                }
            }
        }
        for v in flagged.values_mut() {
            v.sort_by(|(a, x), (b, y)| {
                y.distance()
                    .total_cmp(&x.distance())
                    .then(store.spans.duration[*b as usize].cmp(&store.spans.duration[*a as usize]))
                    .then(a.cmp(b))
            });
        }
        Anomalies {
            index,
            groups,
            traces,
            flagged,
        }
    }

    /// Span `span`'s standing when it is flagged.
    pub fn of(&self, store: &Store, span: u32) -> Option<Anomaly> {
        self.rank(store, span).filter(|a| a.flagged)
    }

    /// Span `span`'s standing among its operation's spans (flagged or not;
    /// None when its trace is not among those considered).
    pub fn rank(&self, store: &Store, span: u32) -> Option<Anomaly> {
        let i = span as usize;
        let t = *store.spans.trace.get(i)?;
        self.traces.binary_search(&t).ok()?;
        let g = self
            .index
            .get(&(store.spans.service[i], store.spans.name[i]))?;
        Some(self.groups[*g as usize].at(store.spans.duration[i]))
    }

    /// Trace `t`'s flagged spans, furthest out first.
    pub fn in_trace(&self, t: u32) -> Vec<u32> {
        self.flagged_in(t).iter().map(|(s, _)| *s).collect()
    }

    /// Trace `t`'s flagged spans with their standing, furthest out first.
    pub fn flagged_in(&self, t: u32) -> &[(u32, Anomaly)] {
        self.flagged.get(&t).map_or(&[], |v| &v[..])
    }

    /// Spans flagged in all the traces.
    pub fn count(&self) -> usize {
        self.flagged.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::zipkin_store;

    /// One root span per trace: trace `k+1` with `durations[k]` µs of
    /// `svc`/`op`.
    fn roots(svc: &str, op: &str, durations: &[i64]) -> Vec<String> {
        durations
            .iter()
            .enumerate()
            .map(|(k, d)| {
                format!(
                    r#"{{"traceId":"{:x}","id":"{:x}","name":"{op}","timestamp":{},"duration":{d},"localEndpoint":{{"serviceName":"{svc}"}}}}"#,
                    k + 1,
                    k + 1,
                    1_000_000 + k as i64 * 10_000_000
                )
            })
            .collect()
    }

    fn all(s: &Store) -> Vec<u32> {
        (0..s.traces.len() as u32).collect()
    }

    /// The span of `s` lasting `us` µs (the first such).
    fn lasting(s: &Store, us: i64) -> u32 {
        (0..s.spans.len() as u32)
            .find(|&i| s.spans.duration[i as usize] == us * 1000)
            .unwrap()
    }

    #[test]
    fn twenty_of_10ms_and_one_of_2s() {
        let mut d = vec![10_000; 20];
        d.push(2_000_000);
        let s = zipkin_store(&roots("inventory", "SELECT", &d));
        let a = Anomalies::build(&s, &all(&s));
        let slow = lasting(&s, 2_000_000);
        // 21 spans: median 10 ms; p99 (21st) is the 2 s span itself, so
        // the p99 part does not flag it. MAD 0 (20 of 21 deviations are 0):
        // meanAD = 1,990 ms / 21 = 94.76 ms, z = 1990 / (1.2533 · 94.76)
        // = 16.76.
        let x = a.of(&s, slow).expect("flagged");
        assert_eq!(x.samples, 21);
        assert_eq!(x.median, 10_000_000);
        assert_eq!(x.p99, 2_000_000_000);
        assert!((x.percentile - 100.0 * 20.0 / 21.0).abs() < 1e-9);
        assert!((x.z.unwrap() - 16.755).abs() < 0.01, "{:?}", x.z);
        assert_eq!(a.in_trace(s.spans.trace[slow as usize]), vec![slow]);
        assert_eq!(a.count(), 1);
        // The ordinary ones are not flagged, at percentile 0.
        let plain = lasting(&s, 10_000);
        assert_eq!(a.of(&s, plain), None);
        let r = a.rank(&s, plain).unwrap();
        assert!(!r.flagged);
        assert_eq!(r.percentile, 0.0);
        assert_eq!(r.z, Some(0.0));
        assert_eq!(
            x.describe(&s, slow),
            "slower than 95% of 21 inventory SELECT spans (median 10ms)"
        );
    }

    #[test]
    fn nineteen_samples_are_too_few() {
        let mut d = vec![10_000; 18];
        d.push(2_000_000);
        let s = zipkin_store(&roots("inventory", "SELECT", &d));
        let a = Anomalies::build(&s, &all(&s));
        let slow = lasting(&s, 2_000_000);
        assert_eq!(a.of(&s, slow), None);
        let r = a.rank(&s, slow).unwrap();
        assert_eq!(r.samples, 19);
        assert!(r.z.unwrap() > Z_LIMIT);
        assert_eq!(a.count(), 0);
    }

    #[test]
    fn robust_z_with_a_mad() {
        // 20 spans 1..=20 ms and one of 40 ms: median (11th of 21) 11 ms;
        // deviations 0,1,1,2,2,..,9,9,10 and 29: MAD (11th) = 5 ms;
        // z(40) = 0.6745 · 29 / 5 = 3.912 → flagged; z(20) = 0.6745 · 9 / 5
        // = 1.214 → not.
        let mut d: Vec<i64> = (1..=20).map(|k| k * 1000).collect();
        d.push(40_000);
        let s = zipkin_store(&roots("a", "op", &d));
        let a = Anomalies::build(&s, &all(&s));
        let x = a.rank(&s, lasting(&s, 40_000)).unwrap();
        assert_eq!(x.median, 11_000_000);
        assert!((x.z.unwrap() - 3.9121).abs() < 1e-3, "{:?}", x.z);
        assert!(x.flagged);
        let y = a.rank(&s, lasting(&s, 20_000)).unwrap();
        assert!((y.z.unwrap() - 1.2141).abs() < 1e-3);
        assert!(!y.flagged);
        assert_eq!(a.count(), 1);
    }

    #[test]
    fn beyond_p99_from_100_samples() {
        // 1..=100 ms: p99 = 99 ms, so 100 ms is beyond it though its z is
        // only 0.6745 · 50 / 25 = 1.35 (median 50, MAD 25).
        let d: Vec<i64> = (1..=100).map(|k| k * 1000).collect();
        let s = zipkin_store(&roots("a", "op", &d));
        let a = Anomalies::build(&s, &all(&s));
        let x = a.of(&s, lasting(&s, 100_000)).expect("beyond p99");
        assert_eq!(x.p99, 99_000_000);
        assert!((x.z.unwrap() - 1.349).abs() < 1e-3);
        assert_eq!(x.percentile, 99.0);
        assert_eq!(a.count(), 1);
    }

    #[test]
    fn all_equal_flags_nothing() {
        let s = zipkin_store(&roots("a", "op", &[5_000; 30]));
        let a = Anomalies::build(&s, &all(&s));
        assert_eq!(a.count(), 0);
        assert_eq!(a.rank(&s, 0).unwrap().z, None);
    }

    #[test]
    fn only_the_traces_given() {
        let mut d = vec![10_000; 20];
        d.push(2_000_000);
        let s = zipkin_store(&roots("inventory", "SELECT", &d));
        let slow = lasting(&s, 2_000_000);
        let t = s.spans.trace[slow as usize];
        // Without one ordinary trace: 20 samples, still flagged.
        let other = (t + 1) % s.traces.len() as u32;
        let some: Vec<u32> = all(&s).into_iter().filter(|&x| x != other).collect();
        assert!(Anomalies::build(&s, &some).of(&s, slow).is_some());
        // Without two: 19, not flagged; a trace left out has no rank.
        let fewer: Vec<u32> = some
            .into_iter()
            .filter(|&x| x != (t + 2) % s.traces.len() as u32)
            .collect();
        let a = Anomalies::build(&s, &fewer);
        assert_eq!(a.of(&s, slow), None);
        assert_eq!(a.rank(&s, s.traces[other as usize].spans.start), None);
    }

    /// The demo's story: the slow stock queries are the anomalies of their
    /// traces.
    #[test]
    fn demo_slow_stock_query() {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let a = Anomalies::build(&s, &all(&s));
        let slow: Vec<u32> = (0..s.spans.len() as u32)
            .filter(|&i| {
                s.strings.get(s.spans.name[i as usize]) == "SELECT shop.stock"
                    && s.spans.duration[i as usize] > 1_000_000_000
            })
            .collect();
        assert_eq!(slow.len(), 4);
        for &i in &slow {
            let x = a.of(&s, i).expect("flagged");
            let t = s.spans.trace[i as usize];
            assert!(a.in_trace(t).contains(&i), "{}", x.sentence(&s, i));
            assert!(x.percentile > 80.0 && x.z.unwrap() > 200.0, "{x:?}");
            assert!(x.median > 5_000_000 && x.median < 20_000_000);
        }
        // Twenty-one flags in eight of the demo's traces (the slow stock
        // queries, their endpoints, the slow events and cart calls, two
        // product views just over z 3).
        assert_eq!(a.count(), 21);
        // The product views the compare test reads: the slow one's stock
        // query is flagged, the fast one has no flag.
        let trace = |id: &str| {
            (0..s.traces.len() as u32)
                .find(|&t| s.traces[t as usize].id.to_text(&s.strings) == id)
                .unwrap()
        };
        let slow_view = a.in_trace(trace("2b1f6fb36b897e13165d353f7d15d580"));
        assert!(slow_view.iter().any(|i| slow.contains(i)));
        assert_eq!(
            a.in_trace(trace("7876bcf9cfcc205592703106af8988e7")),
            Vec::<u32>::new()
        );
    }
}
