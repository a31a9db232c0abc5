//! N+1 calls: one call made again and again, one after another, where one
//! batched call would do (an ORM loading rows one at a time, a client
//! fetching products one id at a time).
//!
//! Rule: under one parent, the synchronous child calls (database, HTTP or
//! RPC, [`crate::analysis::semconv::call_target`]) are grouped by repeat key
//! (database: the normalised statement; HTTP: method, host and route; RPC:
//! service and method). Within a group, in start order, a *run* is a maximal
//! sequence of calls each starting after the previous one ended (the slack
//! of the module doc; an overlapping call ends the run and starts the next:
//! concurrent calls are already parallel) with at most
//! `n_plus_one_max_gap_ns` (5 ms) of idle time between them: time that no
//! other child of the parent covers. Other children may come between the
//! repeats, so `for item { SELECT a; SELECT b }` makes two runs. A run is
//! flagged with at least `n_plus_one_db_count` (5) database calls lasting
//! `n_plus_one_db_total_ns` (50 ms) in all, or `n_plus_one_call_count` (10)
//! HTTP or RPC calls lasting `n_plus_one_call_total_ns` (300 ms) in all.
//! `saved_ns` is the run's total minus its longest call: what one batched
//! call, taking as long as the longest, would save.
//!
//! Where it differs from Sentry: Sentry's N+1 DB detector wants a different
//! "source" query before the repeats and counts only repeats that follow
//! each other among the transaction's DB spans (another query in between
//! ends the run), with no time limit; here no source query is needed and
//! other calls may come between repeats, but idle time between them is
//! limited. Sentry's N+1 API detector takes only GETs, each starting < 5 ms
//! after the previous ended, and requires differing query parameters; here
//! any method and RPCs count and the 5 ms is idle time not covered by other
//! calls. The totals are Sentry's (50 ms for databases, 300 ms for API
//! calls). Sentry reports DB and HTTP separately and never says what the
//! repeats cost; here `saved_ns` estimates it.

use super::{dur, Call, Ctx, Pattern, PatternKind};
use crate::analysis::critical_path::is_async_child;
use crate::analysis::semconv::CallKind;

/// Every N+1 run of the trace.
pub(crate) fn detect(ctx: &Ctx) -> Vec<Pattern> {
    let th = ctx.th;
    let min_count = th.n_plus_one_db_count.min(th.n_plus_one_call_count).max(2) as usize;
    let mut out = Vec::new();
    // (key, position among the children, span)
    let mut calls: Vec<(u32, usize, u32)> = Vec::new();
    for k in 0..ctx.n {
        let parent = ctx.base + k as u32;
        let kids = ctx.store.children(parent);
        if kids.len() < min_count {
            continue;
        }
        calls.clear();
        for (pos, &c) in kids.iter().enumerate() {
            if let Some(Call { key, .. }) = ctx.call(c) {
                if !is_async_child(ctx.store, parent, c) {
                    calls.push((key, pos, c));
                }
            }
        }
        if calls.len() < min_count {
            continue;
        }
        calls.sort_unstable();
        let mut cover: Option<Coverage> = None;
        for group in calls.chunk_by(|a, b| a.0 == b.0) {
            let kind = ctx.call(group[0].2).map_or(CallKind::Db, |c| c.kind);
            let (need, need_total) = match kind {
                CallKind::Db => (th.n_plus_one_db_count, th.n_plus_one_db_total_ns),
                _ => (th.n_plus_one_call_count, th.n_plus_one_call_total_ns),
            };
            let need = need.max(2) as usize;
            if group.len() < need {
                continue;
            }
            let cover = cover.get_or_insert_with(|| Coverage::new(ctx, kids));
            let mut flush = |run: &[u32]| {
                let total: i64 = run.iter().map(|&s| ctx.dur(s)).sum();
                if run.len() >= need && total >= need_total {
                    out.push(report(ctx, parent, run, kind, total));
                }
            };
            let first = group[0].2;
            let mut run = vec![first];
            let mut run_end = ctx.end(first);
            let mut last_dur = ctx.dur(first);
            for &(_, _, c) in &group[1..] {
                let next = ctx.after(run_end, last_dur, c)
                    && cover.idle(run_end, ctx.start(c)) <= th.n_plus_one_max_gap_ns;
                if !next {
                    flush(&run);
                    run.clear();
                    run_end = i64::MIN;
                }
                run.push(c);
                run_end = run_end.max(ctx.end(c));
                last_dur = ctx.dur(c);
            }
            flush(&run);
        }
    }
    out
}

fn report(ctx: &Ctx, parent: u32, run: &[u32], kind: CallKind, total: i64) -> Pattern {
    let n = run.len();
    let longest = run.iter().map(|&s| ctx.dur(s)).max().unwrap_or(0);
    let saved = total - longest;
    let (label, peer) = match ctx.target(run[0]) {
        Some(t) => (t.label, t.peer),
        None => (ctx.label(run[0]), String::new()),
    };
    let caller = ctx.service(run[0]);
    let (what, batch) = match kind {
        CallKind::Db => (format!("ran {label} on {peer}"), "one batched query"),
        _ => (format!("called {peer} {label}"), "one batched call"),
    };
    Pattern {
        kind: PatternKind::NPlusOne,
        parent,
        spans: run.to_vec(),
        count: n as u32,
        total_ns: total,
        saved_ns: saved,
        on_critical_path: false,
        title: format!("{label} ×{n}"),
        detail: format!(
            "{caller} {what} {n} times one after another: {} in all, avg {}; {batch} could save ~{}",
            dur(total),
            dur(total / n as i64),
            dur(saved)
        ),
    }
}

/// The union of a parent's children's intervals, to measure the idle time
/// between two of them.
struct Coverage {
    starts: Vec<i64>,
    ends: Vec<i64>,
    /// `prefix[i]`: summed length of the intervals before `i`.
    prefix: Vec<i64>,
}

impl Coverage {
    fn new(ctx: &Ctx, kids: &[u32]) -> Coverage {
        let mut c = Coverage {
            starts: Vec::new(),
            ends: Vec::new(),
            prefix: vec![0],
        };
        // Children come by start time: one sweep merges them.
        for &k in kids {
            let (a, b) = (ctx.start(k), ctx.end(k));
            match c.ends.last_mut() {
                Some(e) if a <= *e => *e = (*e).max(b),
                _ => {
                    c.starts.push(a);
                    c.ends.push(b);
                }
            }
        }
        let mut acc = 0;
        for (a, b) in c.starts.iter().zip(&c.ends) {
            acc += b - a;
            c.prefix.push(acc);
        }
        c
    }

    /// Time in `a..b` that no child covers.
    fn idle(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let i = self.ends.partition_point(|&e| e <= a);
        let j = self.starts.partition_point(|&s| s < b);
        if i >= j {
            return b - a;
        }
        let covered = self.prefix[j]
            - self.prefix[i]
            - (a - self.starts[i]).max(0)
            - (self.ends[j - 1] - b).max(0);
        (b - a - covered).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{detect as all, Baseline, Pattern, PatternKind, Thresholds};
    use crate::model::Store;

    fn found(s: &Store) -> Vec<Pattern> {
        of_kind(s, 0, &Baseline::default(), PatternKind::NPlusOne)
    }

    /// `n` sequential calls of `dur` µs under span 1, `gap` µs apart, ids 10…
    fn repeats(n: usize, dur: i64, gap: i64) -> Vec<(String, i64)> {
        (0..n)
            .map(|k| (format!("{}", 10 + k), 1_000 + k as i64 * (dur + gap)))
            .collect()
    }

    fn db_trace(n: usize, dur: i64, gap: i64) -> Store {
        let starts = repeats(n, dur, gap);
        let total = 2_000 + n as i64 * (dur + gap);
        let mut spans: Vec<S> = vec![("1", None, "cart", "SERVER", "GET /cart", 0, total, &[])];
        for (id, start) in &starts {
            spans.push((
                id,
                Some("1"),
                "cart",
                "CLIENT",
                "SELECT shop.stock",
                *start,
                dur,
                PG,
            ));
        }
        store(&spans)
    }

    #[test]
    fn five_queries_make_an_n_plus_one() {
        let s = db_trace(5, 12_000, 100);
        let p = found(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        let p = &p[0];
        assert_eq!(p.count, 5);
        assert_eq!(ids(&s, &p.spans), ["10", "11", "12", "13", "14"]);
        assert_eq!(p.parent, idx(&s, "1"));
        assert_eq!(p.total_ns, 60_000_000);
        assert_eq!(p.saved_ns, 48_000_000);
        assert!(p.on_critical_path);
        assert_eq!(p.title, "SELECT stock ×5");
        assert_eq!(
            p.detail,
            "cart ran SELECT stock on postgresql 5 times one after another: 60ms in all, avg 12ms; one batched query could save ~48ms"
        );
        let mut f = facts(&s, 0);
        all(&s, &mut f, &Thresholds::default(), &Baseline::default());
        assert_eq!(
            f.patterns_of(idx(&s, "12")),
            crate::analysis::pattern_bits::N_PLUS_ONE
        );
        assert_eq!(f.patterns_of(idx(&s, "1")), 0);
    }

    #[test]
    fn four_queries_or_short_ones_do_not() {
        assert!(found(&db_trace(4, 20_000, 100)).is_empty());
        // 5 × 5 ms = 25 ms < 50 ms
        assert!(found(&db_trace(5, 5_000, 100)).is_empty());
        // 20 ms of idle time between repeats
        assert!(found(&db_trace(6, 20_000, 20_000)).is_empty());
    }

    #[test]
    fn other_work_between_repeats_is_not_idle() {
        // loop { SELECT stock (10 ms); SELECT price (10 ms); render (20 ms) }
        let price: &[(&str, &str)] = &[
            ("db.system", "postgresql"),
            ("db.statement", "SELECT price FROM prices WHERE sku = $1"),
        ];
        let ids: Vec<String> = (0..18).map(|k| format!("{}", 10 + k)).collect();
        let mut spans: Vec<S> = vec![("1", None, "cart", "SERVER", "GET /cart", 0, 300_000, &[])];
        for k in 0..6 {
            let t = 1_000 + k as i64 * 40_000;
            spans.push((
                &ids[3 * k],
                Some("1"),
                "cart",
                "CLIENT",
                "SELECT",
                t,
                10_000,
                PG,
            ));
            spans.push((
                &ids[3 * k + 1],
                Some("1"),
                "cart",
                "CLIENT",
                "SELECT",
                t + 10_000,
                10_000,
                price,
            ));
            spans.push((
                &ids[3 * k + 2],
                Some("1"),
                "cart",
                "",
                "render",
                t + 20_000,
                20_000,
                &[],
            ));
        }
        let s = store(&spans);
        let p = found(&s);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p
            .iter()
            .all(|p| p.count == 6 && p.total_ns == 60_000_000 && p.saved_ns == 50_000_000));
        let mut firsts: Vec<String> = p.iter().map(|p| ids_of(&s, p)[0].clone()).collect();
        firsts.sort();
        assert_eq!(firsts, ["10", "11"]);
    }

    fn ids_of(s: &Store, p: &Pattern) -> Vec<String> {
        ids(s, &p.spans)
    }

    fn http_trace(n: usize, dur: i64, step: i64) -> Store {
        let ids: Vec<String> = (0..n).map(|k| format!("{}", 10 + k)).collect();
        let urls: Vec<String> = (0..n)
            .map(|k| format!("http://inventory:8080/products/SKU-{}", 1000 + k))
            .collect();
        let tags: Vec<[(&str, &str); 3]> = urls
            .iter()
            .map(|u| {
                [
                    ("http.method", "GET"),
                    ("http.url", u.as_str()),
                    ("peer.service", "inventory"),
                ]
            })
            .collect();
        let mut spans: Vec<S> = vec![(
            "1",
            None,
            "cart",
            "SERVER",
            "GET /cart",
            0,
            1_000 + n as i64 * step + 1_000,
            &[],
        )];
        for k in 0..n {
            spans.push((
                &ids[k],
                Some("1"),
                "cart",
                "CLIENT",
                "GET",
                1_000 + k as i64 * step,
                dur,
                &tags[k],
            ));
        }
        store(&spans)
    }

    #[test]
    fn repeated_http_calls() {
        let s = http_trace(10, 35_000, 35_500);
        let p = found(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].count, 10);
        assert_eq!(p[0].total_ns, 350_000_000);
        assert_eq!(p[0].saved_ns, 315_000_000);
        assert_eq!(p[0].title, "GET /products/{id} ×10");
        assert_eq!(
            p[0].detail,
            "cart called inventory GET /products/{id} 10 times one after another: 350ms in all, avg 35ms; one batched call could save ~315ms"
        );
        // Nine are too few; 10 × 4 ms too short.
        assert!(found(&http_trace(9, 35_000, 35_500)).is_empty());
        assert!(found(&http_trace(10, 4_000, 4_500)).is_empty());
    }

    #[test]
    fn concurrent_repeats_are_not_one_after_another() {
        // Ten calls of 35 ms started 1 ms apart: all overlap.
        assert!(found(&http_trace(10, 35_000, 1_000)).is_empty());
        // Barely overlapping (2 µs of 35 ms) still counts as one after another.
        assert_eq!(found(&http_trace(10, 35_000, 34_998)).len(), 1);
    }
}
