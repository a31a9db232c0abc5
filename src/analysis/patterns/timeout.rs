//! Timeouts: the cascading failure, where a caller gives up and its callee
//! keeps working for nobody, and calls that never got an answer.
//!
//! Rule (a), *gave up*: a span P has a synchronous child C (not async, see
//! the module doc) that ends more than `timeout_min_overrun_ns` (100 ms)
//! after P ended, and either P failed (error status; or HTTP 408/504, gRPC
//! DEADLINE_EXCEEDED, or "timeout" / "timed out" / "deadline" in its status
//! message, `error.type` or exception) or P is a client span whose child is
//! in another service and lasted longer than P waited (clock skew shifts a
//! server span, it does not make it longer than its client). One pattern per
//! P, over every such child; `total_ns` is how long work went on after P
//! ended: the latest end in the children's synchronous subtrees minus P's
//! end. The detail names what the callee was waiting for when P gave up (the
//! deepest span of its subtree still running then) and every `*timeout*`
//! attribute of the spans involved. Overruns inside a reported subtree are
//! part of that pattern, not patterns of their own. A span that did not fail
//! and is not a client, with a child outliving it, is fire-and-forget (an
//! analytics event sent just before answering): not a timeout.
//!
//! Rule (b), *no answer*: a call (a client span, or any span
//! [`crate::analysis::semconv::call_target`] names) with no child in another
//! service, that waited at least `timeout_no_answer_ns` (1 s) and failed
//! without an answer: a timeout as above, or an error with no HTTP or gRPC
//! status. Fire-and-forget calls (ending after a parent that did not fail)
//! are left out. `total_ns` is the wait.
//!
//! `saved_ns` is 0 for both: a timeout wastes work (a) or fails the request
//! (b); waiting less would not make the request succeed.
//!
//! Where it differs: Sentry has no such detector (it flags long spans, not
//! the give-up); Jaeger UI and Zipkin Lens only draw the child past its
//! parent's end. Async children (consumers, children of producers, late
//! FOLLOWS_FROM work) that outlive their parent are normal and never count.

use super::{dur, Ctx, Pattern, PatternKind};
use crate::analysis::errors;
use crate::analysis::semconv;
use crate::model::{SpanKind, Store, Value, NONE};

pub(crate) fn detect(ctx: &Ctx) -> Vec<Pattern> {
    let mut out = Vec::new();
    if ctx.n == 0 {
        return out;
    }
    let store = ctx.store;
    let th = ctx.th;
    let trace = store.trace_of(ctx.base);
    // Preorder, then the latest end of each span's synchronous subtree.
    let mut order: Vec<u32> = Vec::with_capacity(ctx.n);
    let mut stack: Vec<u32> = trace.tree.roots.iter().rev().copied().collect();
    while let Some(s) = stack.pop() {
        order.push(s);
        stack.extend(store.children(s).iter().rev());
    }
    let mut reach = vec![i64::MIN; ctx.n];
    for &s in order.iter().rev() {
        let r = ctx
            .sync_children(s)
            .map(|c| reach[ctx.at(c)])
            .fold(ctx.end(s), i64::max);
        reach[ctx.at(s)] = r;
    }

    // (a) callers that gave up.
    let mut claimed = vec![false; ctx.n];
    let mut gave_up_callers = vec![false; ctx.n];
    for &p in &order {
        if claimed[ctx.at(p)] {
            continue;
        }
        let limit = ctx.end(p).saturating_add(th.timeout_min_overrun_ns);
        if store.children(p).iter().all(|&c| ctx.end(c) <= limit) {
            continue;
        }
        let p_failed = failed(store, p);
        let p_client = store.spans.kind[p as usize] == SpanKind::Client;
        let callees: Vec<u32> = ctx
            .sync_children(p)
            .filter(|&c| {
                ctx.end(c) > limit
                    && (p_failed
                        || p_client
                            && store.spans.service[c as usize] != store.spans.service[p as usize]
                            && ctx.dur(c) > ctx.dur(p))
            })
            .collect();
        if callees.is_empty() {
            continue;
        }
        for &c in &callees {
            claim(ctx, c, &mut claimed);
        }
        gave_up_callers[ctx.at(p)] = true;
        out.push(gave_up(ctx, p, &callees, &reach));
    }

    // (b) calls that never got an answer.
    for (k, &caller) in gave_up_callers.iter().enumerate() {
        let x = ctx.base + k as u32;
        let i = x as usize;
        if caller || ctx.dur(x) < th.timeout_no_answer_ns {
            continue;
        }
        if store.spans.kind[i] != SpanKind::Client && ctx.calls[k].is_none() {
            continue;
        }
        let answered = store
            .children(x)
            .iter()
            .any(|&c| store.spans.service[c as usize] != store.spans.service[i]);
        if answered {
            continue;
        }
        let unanswered =
            timed_out(store, x) || store.is_error(x) && errors::status_code(store, x).is_none();
        if !unanswered {
            continue;
        }
        let p = ctx.parent(x);
        let fire_and_forget = p != NONE
            && ctx.end(x) > ctx.end(p).saturating_add(th.timeout_min_overrun_ns)
            && !failed(store, p);
        if fire_and_forget {
            continue;
        }
        out.push(no_answer(ctx, x));
    }
    out
}

/// Marks the subtree of `s` as part of a reported pattern.
fn claim(ctx: &Ctx, s: u32, claimed: &mut [bool]) {
    let mut stack = vec![s];
    while let Some(s) = stack.pop() {
        if !std::mem::replace(&mut claimed[ctx.at(s)], true) {
            stack.extend_from_slice(ctx.store.children(s));
        }
    }
}

/// Whether `span` failed: an error, or a timeout by its status or words.
fn failed(store: &Store, span: u32) -> bool {
    store.is_error(span) || timed_out(store, span)
}

/// Whether `span` says it timed out: HTTP 408 or 504, gRPC status 4
/// (DEADLINE_EXCEEDED), or timeout words in its status message,
/// `error.type` or exception events.
pub fn timed_out(store: &Store, span: u32) -> bool {
    if matches!(semconv::http_status(store, span), Some(408 | 504)) {
        return true;
    }
    if matches!(
        store.attr(span, "rpc.grpc.status_code"),
        Some(Value::Int(4))
    ) {
        return true;
    }
    let words = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("timeout") || s.contains("timed out") || s.contains("deadline")
    };
    if words(store.text(store.spans.status_message[span as usize])) {
        return true;
    }
    if let Some(Value::Str(t)) = store.attr(span, "error.type") {
        if words(store.text(*t)) {
            return true;
        }
    }
    let (Some(msg), Some(ty)) = (
        store.strings.lookup("exception.message"),
        store.strings.lookup("exception.type"),
    ) else {
        return false;
    };
    store.span_events(span).iter().any(|e| {
        store.attrs_of(e.attrs).iter().any(|a| {
            (a.key == msg || a.key == ty)
                && matches!(&a.value, Value::Str(t) if words(store.text(*t)))
        })
    })
}

/// The deepest span of `c`'s synchronous subtree running at `at` (`c`
/// itself when none of its children is).
fn running_at(ctx: &Ctx, c: u32, at: i64) -> Vec<u32> {
    let mut chain = vec![c];
    let mut cur = c;
    loop {
        let next = ctx
            .sync_children(cur)
            .filter(|&k| ctx.start(k) <= at && ctx.end(k) > at)
            .max_by_key(|&k| (ctx.end(k), std::cmp::Reverse(k)));
        match next {
            Some(k) => {
                chain.push(k);
                cur = k;
            }
            None => return chain,
        }
    }
}

/// Every `*timeout*` attribute of `spans`, once each: "k=v, k2=v2".
fn timeouts_of(store: &Store, spans: &[u32]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for &s in spans {
        for (k, v) in semconv::timeouts(store, s) {
            let kv = format!("{k}={v}");
            if !seen.contains(&kv) {
                seen.push(kv);
            }
        }
    }
    seen.join(", ")
}

fn gave_up(ctx: &Ctx, p: u32, callees: &[u32], reach: &[i64]) -> Pattern {
    let store = ctx.store;
    let end = ctx.end(p);
    let last = callees
        .iter()
        .copied()
        .max_by_key(|&c| (reach[ctx.at(c)], std::cmp::Reverse(c)))
        .unwrap_or(callees[0]);
    let total = reach[ctx.at(last)] - end;
    let mut spans = vec![p];
    let mut waiting = None;
    for &c in callees {
        let chain = running_at(ctx, c, end);
        if c == last && chain.len() > 1 {
            waiting = chain.last().copied();
        }
        for s in chain {
            if !spans.contains(&s) {
                spans.push(s);
            }
        }
    }
    // The callee: the child's service, or, for a call the caller's service
    // made itself, the service it called.
    let callee_of = |c: u32| {
        if store.spans.service[c as usize] != store.spans.service[p as usize] {
            return ctx.service(c);
        }
        ctx.target(c).map_or_else(|| ctx.service(c), |t| t.peer)
    };
    let mut callee_services: Vec<String> = Vec::new();
    for &c in callees {
        let s = callee_of(c);
        if !callee_services.contains(&s) {
            callee_services.push(s);
        }
    }
    let callee = super::and_list(&callee_services);
    let caller = ctx.service(p);
    let is_client = store.spans.kind[p as usize] == SpanKind::Client;
    let (title, mut detail) = if is_client {
        (
            format!("{caller} gave up on {callee} after {}", dur(ctx.dur(p))),
            format!(
                "{caller} gave up on {callee} {} after {}",
                ctx.label(p),
                dur(ctx.dur(p))
            ),
        )
    } else {
        (
            format!(
                "{caller} ended after {}; {callee} kept working",
                dur(ctx.dur(p))
            ),
            format!(
                "{caller} {} ended after {}",
                store.str(store.spans.name[p as usize]),
                dur(ctx.dur(p))
            ),
        )
    };
    if failed(store, p) {
        detail.push_str(&format!(" ({})", errors::message(store, p)));
    }
    detail.push_str(&format!(
        "; {} kept working {} longer",
        callee_of(last),
        dur(total)
    ));
    if let Some(w) = waiting {
        detail.push_str(&format!(", waiting for {}", ctx.who_what(w)));
    }
    let t = timeouts_of(store, &spans);
    if !t.is_empty() {
        detail.push_str(&format!("; timeouts: {t}"));
    }
    Pattern {
        kind: PatternKind::Timeout,
        parent: p,
        spans,
        count: 0,
        total_ns: total,
        saved_ns: 0,
        on_critical_path: false,
        title,
        detail,
    }
}

fn no_answer(ctx: &Ctx, x: u32) -> Pattern {
    let store = ctx.store;
    let (peer, what) = match ctx.target(x) {
        Some(t) => (t.peer.clone(), ctx.who_what(x)),
        None => {
            let name = store.str(store.spans.name[x as usize]).to_owned();
            (name.clone(), name)
        }
    };
    let d = ctx.dur(x);
    let mut detail = format!(
        "{} waited {} for {what} and got no answer: {}",
        ctx.service(x),
        dur(d),
        errors::message(store, x)
    );
    let t = timeouts_of(store, &[x]);
    if !t.is_empty() {
        detail.push_str(&format!(" ({t})"));
    }
    Pattern {
        kind: PatternKind::Timeout,
        parent: ctx.parent(x),
        spans: vec![x],
        count: 1,
        total_ns: d,
        saved_ns: 0,
        on_critical_path: false,
        title: format!("No answer from {peer} in {}", dur(d)),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{Baseline, Pattern, PatternKind};
    use crate::model::Store;

    fn found(s: &Store) -> Vec<Pattern> {
        of_kind(s, 0, &Baseline::default(), PatternKind::Timeout)
    }

    const MS: i64 = 1000;

    #[test]
    fn the_cascade() {
        let oc_tags: &[(&str, &str)] = &[
            ("http.method", "POST"),
            ("http.url", "http://order:8080/orders"),
            ("peer.service", "order-service"),
            ("error", "context deadline exceeded"),
            ("error.type", "timeout"),
        ];
        let pc_tags: &[(&str, &str)] = &[
            ("http.method", "POST"),
            ("http.url", "http://payment:8080/payments/authorize"),
            ("peer.service", "payment-service"),
            ("error", "Read timed out"),
            ("app.http.read_timeout_ms", "30000"),
        ];
        let s = store(&[
            (
                "1",
                None,
                "api-gateway",
                "SERVER",
                "POST /api/checkout",
                0,
                10_000 * MS,
                &[
                    ("error", "504 Gateway Timeout"),
                    ("http.status_code", "504"),
                ],
            ),
            (
                "2",
                Some("1"),
                "api-gateway",
                "CLIENT",
                "POST /orders",
                5 * MS,
                9_994 * MS,
                oc_tags,
            ),
            (
                "3",
                Some("2"),
                "order-service",
                "SERVER",
                "POST /orders",
                6 * MS,
                30_044 * MS,
                &[("error", "payment-service unavailable")],
            ),
            (
                "4",
                Some("3"),
                "order-service",
                "",
                "INSERT",
                7 * MS,
                2 * MS,
                PG,
            ),
            (
                "5",
                Some("3"),
                "order-service",
                "CLIENT",
                "POST /payments/authorize",
                10 * MS,
                30_000 * MS,
                pc_tags,
            ),
            (
                "6",
                Some("3"),
                "order-service",
                "",
                "ROLLBACK",
                30_011 * MS,
                MS,
                &[("db.system", "postgresql"), ("db.statement", "ROLLBACK")],
            ),
        ]);
        let p = found(&s);
        assert_eq!(p.len(), 2, "{p:#?}");
        let a = p.iter().find(|p| p.parent == idx(&s, "2")).unwrap();
        assert_eq!(ids(&s, &a.spans), ["2", "3", "5"]);
        assert_eq!(a.count, 3);
        assert_eq!(a.total_ns, (30_050 - 9_999) * 1_000_000);
        assert_eq!(a.saved_ns, 0);
        assert!(a.on_critical_path);
        assert_eq!(a.title, "api-gateway gave up on order-service after 9.99s");
        assert_eq!(
            a.detail,
            "api-gateway gave up on order-service POST /orders after 9.99s (context deadline exceeded); order-service kept working 20.05s longer, waiting for payment-service POST /payments/authorize; timeouts: app.http.read_timeout_ms=30000"
        );
        let b = p.iter().find(|p| p.parent == idx(&s, "3")).unwrap();
        assert_eq!(ids(&s, &b.spans), ["5"]);
        assert_eq!(b.total_ns, 30_000_000_000);
        assert_eq!(b.title, "No answer from payment-service in 30s");
        assert_eq!(
            b.detail,
            "order-service waited 30s for payment-service POST /payments/authorize and got no answer: Read timed out (app.http.read_timeout_ms=30000)"
        );
    }

    #[test]
    fn a_failed_server_whose_call_goes_on() {
        // The gateway answers 504 at 1 s; its client call is never cancelled.
        let s = store(&[
            (
                "1",
                None,
                "gw",
                "SERVER",
                "GET /x",
                0,
                1_000 * MS,
                &[("http.status_code", "504")],
            ),
            (
                "2",
                Some("1"),
                "gw",
                "CLIENT",
                "GET /y",
                10 * MS,
                3_000 * MS,
                &[
                    ("http.method", "GET"),
                    ("http.url", "http://y/y"),
                    ("http.status_code", "200"),
                ],
            ),
            (
                "3",
                Some("2"),
                "y",
                "SERVER",
                "GET /y",
                11 * MS,
                2_998 * MS,
                &[],
            ),
        ]);
        let p = found(&s);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert_eq!(p[0].parent, idx(&s, "1"));
        assert_eq!(ids(&s, &p[0].spans), ["1", "2", "3"]);
        assert_eq!(p[0].total_ns, 2_010_000_000);
        assert_eq!(p[0].title, "gw ended after 1s; y kept working");
        assert_eq!(
            p[0].detail,
            "gw GET /x ended after 1s (HTTP 504); y kept working 2.01s longer, waiting for y GET /y"
        );
    }

    #[test]
    fn async_work_and_fire_and_forget_are_not_timeouts() {
        let s = store(&[
            // A producer whose consumer runs long after the request ended.
            (
                "1",
                None,
                "order",
                "SERVER",
                "POST /orders",
                0,
                100 * MS,
                &[],
            ),
            (
                "2",
                Some("1"),
                "order",
                "PRODUCER",
                "orders publish",
                10 * MS,
                5 * MS,
                &[],
            ),
            (
                "3",
                Some("2"),
                "mail",
                "CONSUMER",
                "orders process",
                200 * MS,
                5_000 * MS,
                &[("error", "smtp timeout")],
            ),
            (
                "4",
                Some("3"),
                "mail",
                "CLIENT",
                "SMTP send",
                210 * MS,
                4_000 * MS,
                &[("error", "timed out"), ("peer.service", "mailgun")],
            ),
            // Fire and forget: an event sent just before answering 200, timing out later.
            (
                "5",
                Some("1"),
                "order",
                "CLIENT",
                "POST /events",
                95 * MS,
                2_000 * MS,
                &[
                    ("error", "context deadline exceeded"),
                    ("http.method", "POST"),
                    ("http.url", "http://analytics/events"),
                ],
            ),
        ]);
        let p = found(&s);
        // The SMTP call inside the (failed) consumer did wait 4 s for no answer.
        assert_eq!(p.len(), 1, "{p:#?}");
        assert_eq!(ids(&s, &p[0].spans), ["4"]);
    }

    #[test]
    fn skew_and_answered_errors_are_not_timeouts() {
        let s = store(&[
            ("1", None, "a", "SERVER", "GET /", 0, 3_000 * MS, &[]),
            // The server half ends 150 ms after its client but is shorter: skew.
            (
                "2",
                Some("1"),
                "a",
                "CLIENT",
                "GET /b",
                10 * MS,
                1_000 * MS,
                &[("http.method", "GET"), ("http.url", "http://b/b")],
            ),
            (
                "3",
                Some("2"),
                "b",
                "SERVER",
                "GET /b",
                200 * MS,
                960 * MS,
                &[],
            ),
            // An answer after 1.5 s, with an error status: answered.
            (
                "4",
                Some("1"),
                "a",
                "CLIENT",
                "GET /c",
                1_100 * MS,
                1_500 * MS,
                &[
                    ("http.method", "GET"),
                    ("http.url", "http://c/c"),
                    ("http.status_code", "500"),
                    ("error", "500"),
                ],
            ),
        ]);
        assert!(found(&s).is_empty());
        // A client that silently stops waiting: its server works longer than it waited.
        let s = store(&[
            (
                "1",
                None,
                "a",
                "CLIENT",
                "GET /b",
                0,
                1_000 * MS,
                &[("http.method", "GET"), ("http.url", "http://b/b")],
            ),
            (
                "2",
                Some("1"),
                "b",
                "SERVER",
                "GET /b",
                5 * MS,
                1_500 * MS,
                &[],
            ),
        ]);
        let p = found(&s);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].total_ns, 505_000_000);
        assert_eq!(
            p[0].detail,
            "a gave up on b GET /b after 1s; b kept working 505ms longer"
        );
    }
}
