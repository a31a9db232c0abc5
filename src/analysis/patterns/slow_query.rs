//! Slow queries: database calls slow in themselves, or slow for their
//! statement.
//!
//! Rule: a database call ([`crate::analysis::semconv::call_target`]) is slow
//! when it lasts at least `slow_query_ns` (500 ms), or when its statement
//! (the database repeat key: system, host and normalised statement) ran at
//! least `slow_query_baseline_samples` (20) times across the loaded traces
//! ([`super::Baseline`]) and the call took more than
//! `slow_query_baseline_factor` (2) times the p99 (nearest rank) of the
//! statement's *other* runs. The call itself is left out of its baseline:
//! with fewer than 101 samples the nearest-rank p99 is the maximum, which no
//! sample can exceed; and the factor keeps the slowest of a few dozen
//! ordinary runs from being flagged (some run is always beyond p99). The
//! detail states every reason that applies. `saved_ns` is the call's
//! duration minus the median of the statement's other runs when the
//! statement has enough samples (what it usually takes), else 0: a query
//! slow every time says nothing about how fast it could be.
//!
//! Where it differs from Sentry: Sentry's slow DB query detector takes only
//! the 500 ms limit (on SELECTs with a description, repeated across
//! transactions before it opens an issue). The per-statement baseline is
//! OpenObserve's percentile idea (error above p99, hidden below 20 samples)
//! with the call left out of its own baseline and a margin.

use super::{dur, others_of, Ctx, Pattern, PatternKind, StatementStats};
use crate::analysis::semconv::CallKind;

pub(crate) fn detect(ctx: &Ctx) -> Vec<Pattern> {
    let th = ctx.th;
    let mut out = Vec::new();
    // The baseline of each statement, looked up once per key.
    let need = th.slow_query_baseline_samples.max(2) as usize;
    // With it, the least p99 any run's *others* can have (leaving one run
    // out moves the p99 down one rank at most): runs no slower than the
    // factor times that are not searched for.
    let samples: Vec<Option<(&[i64], f64)>> = ctx
        .keys
        .iter()
        .map(|k| {
            let v = ctx.baseline.samples(k).filter(|v| v.len() >= need)?;
            let n = v.len() - 1;
            let rank = ((0.99 * n as f64).ceil() as usize).clamp(1, n);
            Some((v, th.slow_query_baseline_factor * v[rank - 1] as f64))
        })
        .collect();
    for k in 0..ctx.n {
        let Some(call) = ctx.calls[k] else { continue };
        if call.kind != CallKind::Db {
            continue;
        }
        let span = ctx.base + k as u32;
        let d = ctx.dur(span);
        let over_limit = d >= th.slow_query_ns;
        let base = samples[call.key as usize];
        if !over_limit && base.is_none_or(|(_, least)| d as f64 <= least) {
            continue;
        }
        let others = base.and_then(|(v, _)| others_of(v, d));
        let over_p99 =
            others.is_some_and(|o| d as f64 > th.slow_query_baseline_factor * o.p99 as f64);
        if !over_limit && !over_p99 {
            continue;
        }
        out.push(report(ctx, span, d, over_limit, over_p99, others));
    }
    out
}

fn report(
    ctx: &Ctx,
    span: u32,
    d: i64,
    over_limit: bool,
    over_p99: bool,
    others: Option<StatementStats>,
) -> Pattern {
    let label = ctx.label(span);
    let mut reasons = Vec::new();
    if over_limit {
        reasons.push(format!("over the {} limit", dur(ctx.th.slow_query_ns)));
    }
    let usual =
        others.map(|o| format!("{} runs: p99 {}, p50 {}", o.samples, dur(o.p99), dur(o.p50)));
    if let (true, Some(o)) = (over_p99, others) {
        let times = d as f64 / o.p99.max(1) as f64;
        let times = if times >= 10.0 {
            format!("{times:.0}")
        } else {
            let t = format!("{times:.1}");
            t.strip_suffix(".0").map_or(t.clone(), str::to_owned)
        };
        reasons.push(format!("{times}× the p99 of its other runs"));
    }
    let mut detail = format!(
        "{}'s {label} took {}: {}",
        ctx.service(span),
        dur(d),
        super::and_list(&reasons)
    );
    if let Some(u) = usual {
        detail.push_str(&format!(" ({u})"));
    }
    Pattern {
        kind: PatternKind::SlowQuery,
        parent: ctx.parent(span),
        spans: vec![span],
        count: 1,
        total_ns: d,
        saved_ns: others.map_or(0, |o| (d - o.p50).max(0)),
        on_critical_path: false,
        title: format!("{label} {}", dur(d)),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Baseline, Pattern, PatternKind};
    use crate::import;
    use crate::model::Store;

    fn found(s: &Store, t: u32, b: &Baseline) -> Vec<Pattern> {
        of_kind(s, t, b, PatternKind::SlowQuery)
    }

    /// One trace per duration (ms): a server span and one stock query under it.
    fn traces(durations_ms: &[i64]) -> Store {
        let mut s = Store::default();
        for (k, &d) in durations_ms.iter().enumerate() {
            let q = format!("SELECT * FROM stock WHERE sku = 'SKU-{k}'");
            let tags: &[(&str, &str)] = &[
                ("db.system", "postgresql"),
                ("db.statement", &q),
                ("db.operation", "SELECT"),
                ("db.sql.table", "stock"),
                ("db.name", "shop"),
            ];
            let json = zipkin(&[
                (
                    "1",
                    None,
                    "inventory",
                    "SERVER",
                    "GET /stock",
                    0,
                    d * 1000 + 100,
                    &[],
                ),
                (
                    "2",
                    Some("1"),
                    "inventory",
                    "CLIENT",
                    "SELECT shop.stock",
                    50,
                    d * 1000,
                    tags,
                ),
            ])
            .replace(r#""traceId":"1""#, &format!(r#""traceId":"{:x}""#, k + 1));
            import::load(&mut s, &format!("t{k}.json"), json.as_bytes()).unwrap();
        }
        s
    }

    #[test]
    fn over_the_limit() {
        let s = traces(&[600, 400]);
        let b = Baseline::build(&s);
        let p = found(&s, 0, &b);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].spans, [1]);
        assert_eq!(p[0].parent, 0);
        assert_eq!(p[0].total_ns, 600_000_000);
        assert_eq!(p[0].saved_ns, 0);
        assert_eq!(p[0].title, "SELECT shop.stock 600ms");
        assert_eq!(
            p[0].detail,
            "inventory's SELECT shop.stock took 600ms: over the 500ms limit"
        );
        assert!(found(&s, 1, &b).is_empty());
    }

    #[test]
    fn slow_for_its_statement() {
        // 25 runs of 10-14 ms and one of 100 ms: 100 > 2 × p99 (14 ms).
        let mut d: Vec<i64> = (0..25).map(|k| 10 + k % 5).collect();
        d.push(100);
        let s = traces(&d);
        let b = Baseline::build(&s);
        assert_eq!(b.len(), 1);
        let key = "db postgresql SELECT * FROM stock WHERE sku = ?";
        let st = b.stats(key).unwrap();
        assert_eq!((st.samples, st.p50, st.p99), (26, 12_000_000, 100_000_000));
        let p = found(&s, 25, &b);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].total_ns, 100_000_000);
        assert_eq!(p[0].saved_ns, 88_000_000);
        assert_eq!(
            p[0].detail,
            "inventory's SELECT shop.stock took 100ms: 7.1× the p99 of its other runs (25 runs: p99 14ms, p50 12ms)"
        );
        // The ordinary runs are not slow, not even the slowest of them.
        for t in 0..25 {
            assert!(found(&s, t, &b).is_empty(), "trace {t}");
        }
        // Both reasons.
        let mut d2 = d.clone();
        d2.push(700);
        let s2 = traces(&d2);
        let b2 = Baseline::build(&s2);
        let p = found(&s2, 26, &b2);
        assert_eq!(
            p[0].detail,
            "inventory's SELECT shop.stock took 700ms: over the 500ms limit and 7× the p99 of its other runs (26 runs: p99 100ms, p50 12ms)"
        );
        assert_eq!(p[0].saved_ns, 688_000_000);
    }

    #[test]
    fn too_few_samples_to_judge() {
        // 18 + 1 runs: below 20, the 100 ms run is not judged by its statement.
        let mut d: Vec<i64> = vec![10; 18];
        d.push(100);
        let s = traces(&d);
        let b = Baseline::build(&s);
        assert!(found(&s, 18, &b).is_empty());
    }
}
