//! Sequential calls: calls to different targets made one after another
//! although, as far as the trace shows, none needed another's answer; made
//! at once, they would take as long as the longest.
//!
//! Rule: under one parent, take the synchronous child calls (database, HTTP
//! or RPC with a target, [`crate::analysis::semconv::call_target`]) that last
//! at least `sequential_min_call_ns` (30 ms) and are not part of a flagged
//! N+1 run, in start order. Shorter calls neither join a chain nor break it
//! (a cache lookup before the real calls is not worth parallelising). A
//! *chain* is a maximal sequence of these calls each starting after the
//! previous ones ended (the slack of the module doc); a call overlapping the
//! chain ends it and starts the next. A chain of at least two calls to at
//! least two different targets (repeat keys) is flagged when `saved_ns`, its
//! total minus its longest call, is at least `sequential_min_saved_ns`
//! (100 ms) and at least `sequential_min_saved_ratio` (10%) of the parent's
//! duration.
//!
//! Where it differs from Sentry: Sentry has two detectors, Consecutive DB
//! (at least 2 SELECTs without dependencies in their text, each over 30 ms,
//! saving at least 100 ms and 10% of the transaction) and Consecutive HTTP
//! (at least 3 calls of 500 ms or more, gaps under 500 ms, saving at least
//! 2 s). Here one rule
//! covers every call kind and mixes of them, with the DB detector's
//! thresholds, the ratio taken of the parent (the code that made the calls)
//! rather than the whole transaction; the gap between calls is not limited
//! (other work in between does not make the calls dependent), and no attempt
//! is made to read dependencies from statements: the saving is an upper
//! bound, the trace cannot show whether a call needed another's answer.

use super::{and_list, dur, Ctx, Pattern, PatternKind};
use crate::analysis::critical_path::is_async_child;

/// Every sequential chain of the trace; `in_run` marks spans of flagged N+1 runs.
pub(crate) fn detect(ctx: &Ctx, in_run: &[bool]) -> Vec<Pattern> {
    let th = ctx.th;
    let mut out = Vec::new();
    let mut calls: Vec<u32> = Vec::new();
    for k in 0..ctx.n {
        let parent = ctx.base + k as u32;
        let kids = ctx.store.children(parent);
        if kids.len() < 2 {
            continue;
        }
        calls.clear();
        calls.extend(kids.iter().copied().filter(|&c| {
            ctx.call(c).is_some()
                && !in_run[ctx.at(c)]
                && ctx.dur(c) >= th.sequential_min_call_ns
                && !is_async_child(ctx.store, parent, c)
        }));
        if calls.len() < 2 {
            continue;
        }
        let mut flush = |chain: &[u32]| {
            if let Some(p) = judge(ctx, parent, chain) {
                out.push(p);
            }
        };
        let mut chain = vec![calls[0]];
        let mut chain_end = ctx.end(calls[0]);
        let mut last_dur = ctx.dur(calls[0]);
        for &c in &calls[1..] {
            if !ctx.after(chain_end, last_dur, c) {
                flush(&chain);
                chain.clear();
                chain_end = i64::MIN;
            }
            chain.push(c);
            chain_end = chain_end.max(ctx.end(c));
            last_dur = ctx.dur(c);
        }
        flush(&chain);
    }
    out
}

/// The pattern of `chain` if it is worth flagging.
fn judge(ctx: &Ctx, parent: u32, chain: &[u32]) -> Option<Pattern> {
    let th = ctx.th;
    if chain.len() < 2 {
        return None;
    }
    let key = |s: u32| ctx.call(s).map(|c| c.key);
    if chain.iter().all(|&s| key(s) == key(chain[0])) {
        return None;
    }
    let total: i64 = chain.iter().map(|&s| ctx.dur(s)).sum();
    let longest = chain.iter().map(|&s| ctx.dur(s)).max().unwrap_or(0);
    let saved = total - longest;
    let ratio = saved as f64 / ctx.dur(parent).max(1) as f64;
    if saved < th.sequential_min_saved_ns || ratio < th.sequential_min_saved_ratio {
        return None;
    }
    let peers: Vec<String> = chain
        .iter()
        .map(|&s| ctx.target(s).map_or_else(|| ctx.label(s), |t| t.peer))
        .collect();
    let title = if peers.len() <= 4 {
        peers.join(" → ")
    } else {
        format!("{} → … ({} calls)", peers[..3].join(" → "), peers.len())
    };
    let mut calls: Vec<String> = chain.iter().take(5).map(|&s| ctx.who_what(s)).collect();
    if chain.len() > 5 {
        calls.truncate(4);
        calls.push(format!("{} more", chain.len() - 4));
    }
    let detail = format!(
        "{} called {} one after another: {} in all, the longest {}; made at once they could save ~{}",
        ctx.service(chain[0]),
        and_list(&calls),
        dur(total),
        dur(longest),
        dur(saved)
    );
    Some(Pattern {
        kind: PatternKind::Sequential,
        parent,
        spans: chain.to_vec(),
        count: chain.len() as u32,
        total_ns: total,
        saved_ns: saved,
        on_critical_path: false,
        title,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{detect as all, Baseline, Pattern, PatternKind, Thresholds};
    use crate::model::Store;

    fn found(s: &Store) -> Vec<Pattern> {
        of_kind(s, 0, &Baseline::default(), PatternKind::Sequential)
    }

    const A: &[(&str, &str)] = &[
        ("http.method", "POST"),
        ("http.url", "https://api.pricing-a.com/v2/quotes"),
        ("peer.service", "pricing-a"),
    ];
    const B: &[(&str, &str)] = &[
        ("http.method", "GET"),
        ("http.url", "https://quotes.pricing-b.net/v1/quote"),
        ("peer.service", "pricing-b"),
    ];
    const C: &[(&str, &str)] = &[
        ("rpc.system", "grpc"),
        ("rpc.service", "pricing.C"),
        ("rpc.method", "Price"),
        ("peer.service", "pricing-c"),
    ];
    const CACHE: &[(&str, &str)] = &[("db.system", "redis"), ("db.statement", "GET cart:1")];

    type Call = (
        &'static str,
        &'static [(&'static str, &'static str)],
        i64,
        i64,
    );

    /// A parent of `parent_ms` with calls (id, tags, start ms, duration ms).
    fn trace(parent_ms: i64, calls: &[Call]) -> Store {
        let mut spans: Vec<S> = vec![(
            "1",
            None,
            "cart",
            "SERVER",
            "GET /quote",
            0,
            parent_ms * 1000,
            &[],
        )];
        for &(id, tags, start, d) in calls {
            spans.push((
                id,
                Some("1"),
                "cart",
                "CLIENT",
                "call",
                start * 1000,
                d * 1000,
                tags,
            ));
        }
        store(&spans)
    }

    #[test]
    fn three_calls_one_after_another() {
        // A cache lookup first (too short to count), then a, b, c.
        let s = trace(
            800,
            &[
                ("9", CACHE, 0, 1),
                ("a", A, 2, 200),
                ("b", B, 202, 300),
                ("c", C, 502, 250),
            ],
        );
        let p = found(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        let p = &p[0];
        assert_eq!(ids(&s, &p.spans), ["a", "b", "c"]);
        assert_eq!(p.count, 3);
        assert_eq!(p.parent, idx(&s, "1"));
        assert_eq!(p.total_ns, 750_000_000);
        assert_eq!(p.saved_ns, 450_000_000);
        assert!(p.on_critical_path);
        assert_eq!(p.title, "pricing-a → pricing-b → pricing-c");
        assert_eq!(
            p.detail,
            "cart called pricing-a POST /v2/quotes, pricing-b GET /v1/quote and pricing-c pricing.C/Price one after another: 750ms in all, the longest 300ms; made at once they could save ~450ms"
        );
    }

    #[test]
    fn overlapping_calls_are_not_sequential() {
        // b starts 50 ms before a ends: a and b are already concurrent, c
        // follows b. Chains [a] and [b, c]; b + c - max = 100 ms, 12.5% of
        // 800 ms: flagged.
        let s = trace(
            800,
            &[("a", A, 0, 200), ("b", B, 150, 300), ("c", C, 450, 100)],
        );
        let p = found(&s);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(ids(&s, &p[0].spans), ["b", "c"]);
        assert_eq!(p[0].saved_ns, 100_000_000);
        // All three at once: nothing.
        let s = trace(
            800,
            &[("a", A, 0, 200), ("b", B, 10, 300), ("c", C, 20, 250)],
        );
        assert!(found(&s).is_empty());
    }

    #[test]
    fn small_savings_and_single_targets_are_not_flagged() {
        // 90 ms saved < 100 ms.
        assert!(found(&trace(400, &[("a", A, 0, 200), ("b", B, 200, 90)])).is_empty());
        // 150 ms saved, but 7.5% of a 2 s parent.
        assert!(found(&trace(2000, &[("a", A, 0, 200), ("b", B, 200, 150)])).is_empty());
        // The same call twice: one target (an N+1 too small to flag).
        assert!(found(&trace(800, &[("a", A, 0, 200), ("b", A, 200, 300)])).is_empty());
    }

    #[test]
    fn n_plus_one_runs_are_not_sequential_too() {
        let ids: Vec<String> = (0..10).map(|k| format!("{}", 10 + k)).collect();
        let mut spans: Vec<S> = vec![("1", None, "cart", "SERVER", "GET /quote", 0, 700_000, &[])];
        for (k, id) in ids.iter().enumerate() {
            spans.push((
                id,
                Some("1"),
                "cart",
                "CLIENT",
                "call",
                k as i64 * 40_000,
                40_000,
                A,
            ));
        }
        spans.push((
            "b",
            Some("1"),
            "cart",
            "CLIENT",
            "call",
            400_000,
            250_000,
            B,
        ));
        let s = store(&spans);
        let mut f = facts(&s, 0);
        let p = all(&s, &mut f, &Thresholds::default(), &Baseline::default());
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].kind, PatternKind::NPlusOne);
        assert_eq!(p[0].count, 10);
    }
}
