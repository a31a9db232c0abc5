//! Network time per call: how much of a remote call was spent on the wire
//! (and in queues, proxies and the server's framework before its span
//! started), not in the server's own span.
//!
//! Rule: a *call* is a client span with a server child: an OTLP/Jaeger
//! CLIENT span and a SERVER child, or the two halves of a Zipkin shared span
//! (the server half, flagged `SHARED`, hangs under the client half with the
//! same id, whatever kinds they declare). Both spans must have real times
//! (a start and a duration from the file). The *request gap* is the server's
//! start minus the client's start, the *response gap* the client's end minus
//! the server's end, each at least 0 (a server outliving its client, a
//! timeout, gives no negative time). The times are the store's: corrected
//! for clock skew ([`super::skew`]) unless raw times are shown, so a skewed
//! server does not turn into negative or inflated network time. A client
//! with several server children (a retried request both sides recorded)
//! makes one call per child. Messaging (PRODUCER -> CONSUMER) is no call:
//! the wait is the queue's, not the network's.
//!
//! [`by_edge`] sums the calls per service edge (client's service -> server's
//! service) over any set of traces: calls, network time and the calls' time
//! (the client spans' durations), whose ratio is the edge's network share.
//!
//! Where it differs: nobody computes it. Zipkin Lens draws the cs/sr/ss/cr
//! annotations of a shared span in one merged row (zipkin#1345 asks for
//! (sr - cs) + (cr - ss)); Jaeger UI draws the server span inside the client
//! row and leaves the reader to subtract (jaeger-ui#637 asks for network
//! segments); neither sums it per edge.

use rustc_hash::FxHashMap;

use crate::model::{SpanFlags, SpanKind, Store, Sym, NONE};

/// One client -> server call of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    pub client: u32,
    pub server: u32,
    /// Server start - client start, at least 0.
    pub request_ns: i64,
    /// Client end - server end, at least 0.
    pub response_ns: i64,
}

impl Call {
    /// Request and response gaps together.
    pub fn network_ns(&self) -> i64 {
        self.request_ns.saturating_add(self.response_ns)
    }
}

/// Network time of the calls from one service to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeNetwork {
    pub from_service: Sym,
    pub to_service: Sym,
    pub calls: u32,
    /// Sum of the calls' request and response gaps.
    pub network_ns: i64,
    /// Sum of the calls' client span durations.
    pub call_ns: i64,
}

impl EdgeNetwork {
    /// Network time as a share of the calls' time (0..=1; 0 with no time).
    pub fn share(&self) -> f64 {
        if self.call_ns <= 0 {
            0.0
        } else {
            self.network_ns as f64 / self.call_ns as f64
        }
    }
}

/// Flags that make a span's start or duration invented, not measured.
const UNMEASURED: SpanFlags = SpanFlags::NO_START
    .union(SpanFlags::BAD_TIME)
    .union(SpanFlags::NO_DURATION)
    .union(SpanFlags::ENDS_BEFORE_START);

/// The span's start and duration come from the file.
pub fn measured(store: &Store, span: u32) -> bool {
    !store.spans.flags[span as usize].intersects(UNMEASURED)
}

/// Whether `child` (a child of `parent`) is the server side of a call made
/// by `parent`: a CLIENT parent with a SERVER child, or the server half of
/// a Zipkin shared span under its client half.
pub fn is_call(store: &Store, parent: u32, child: u32) -> bool {
    let s = &store.spans;
    let (p, c) = (parent as usize, child as usize);
    (s.kind[p] == SpanKind::Client && s.kind[c] == SpanKind::Server)
        || (s.flags[c].contains(SpanFlags::SHARED) && s.id[c] == s.id[p])
}

/// The call `server` answered for its parent, if it is one (see [`calls`]).
pub fn call(store: &Store, server: u32) -> Option<Call> {
    let s = &store.spans;
    let p = s.parent[server as usize];
    if p == NONE || !is_call(store, p, server) || !measured(store, p) || !measured(store, server) {
        return None;
    }
    Some(Call {
        client: p,
        server,
        request_ns: s.start[server as usize]
            .saturating_sub(s.start[p as usize])
            .max(0),
        response_ns: store
            .span_end(p)
            .saturating_sub(store.span_end(server))
            .max(0),
    })
}

/// The calls of trace `t`, by client then server, on the store's times.
pub fn calls(store: &Store, t: u32) -> Vec<Call> {
    let mut out: Vec<Call> = store.traces[t as usize]
        .spans
        .range()
        .filter_map(|i| call(store, i as u32))
        .collect();
    out.sort_unstable_by_key(|c| (c.client, c.server));
    out
}

/// The calls `span` takes part in: those it made (one per server child, in
/// child order) and the one it answered, if any (last).
pub fn calls_of(store: &Store, span: u32) -> Vec<Call> {
    let mut out: Vec<Call> = store
        .children(span)
        .iter()
        .filter_map(|&c| call(store, c))
        .collect();
    out.extend(call(store, span));
    out
}

/// The calls of `traces` summed per (client service, server service) edge,
/// most network time first (then by service names).
pub fn by_edge(store: &Store, traces: &[u32]) -> Vec<EdgeNetwork> {
    let mut edges: FxHashMap<(Sym, Sym), EdgeNetwork> = FxHashMap::default();
    for &t in traces {
        for c in calls(store, t) {
            let from = store.spans.service[c.client as usize];
            let to = store.spans.service[c.server as usize];
            let e = edges.entry((from, to)).or_insert(EdgeNetwork {
                from_service: from,
                to_service: to,
                calls: 0,
                network_ns: 0,
                call_ns: 0,
            });
            e.calls += 1;
            e.network_ns = e.network_ns.saturating_add(c.network_ns());
            e.call_ns = e
                .call_ns
                .saturating_add(store.spans.duration[c.client as usize]);
        }
    }
    let mut out: Vec<EdgeNetwork> = edges.into_values().collect();
    out.sort_by(|a, b| {
        b.network_ns.cmp(&a.network_ns).then_with(|| {
            (store.str(a.from_service), store.str(a.to_service))
                .cmp(&(store.str(b.from_service), store.str(b.to_service)))
        })
    });
    out
}

/// What the details panel says of a call, such as "network 0.96 ms =
/// 0.48 request + 0.48 response, 1% of the call". One unit for the three
/// numbers, chosen by the total (s from 1 s, ms from 10 µs, else µs); two
/// decimals at most. The share is of the client span's duration, "<1%"
/// when under half a percent but not zero.
pub fn format(store: &Store, call: &Call) -> String {
    let total = call.network_ns();
    let (div, unit) = if total >= 1_000_000_000 {
        (1e9, "s")
    } else if total >= 10_000 {
        (1e6, "ms")
    } else {
        (1e3, "µs")
    };
    let n = |ns: i64| {
        let s = format!("{:.2}", ns as f64 / div);
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    let call_ns = store.spans.duration[call.client as usize];
    let share = if call_ns <= 0 {
        String::new()
    } else {
        let pct = total as f64 * 100.0 / call_ns as f64;
        if pct > 0.0 && pct < 0.5 {
            ", <1% of the call".to_owned()
        } else {
            format!(", {:.0}% of the call", pct)
        }
    };
    format!(
        "network {} {unit} = {} request + {} response{share}",
        n(total),
        n(call.request_ns),
        n(call.response_ns)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::{short_id, zipkin_store};

    const MS: i64 = 1_000_000;

    fn span(id: &str, parent: &str, kind: &str, service: &str, ts: u64, dur: u64) -> String {
        let parent = if parent.is_empty() {
            String::new()
        } else {
            format!(r#""parentId":"{parent}","#)
        };
        let kind = if kind.is_empty() {
            String::new()
        } else {
            format!(r#""kind":"{kind}","#)
        };
        format!(
            r#"{{"traceId":"1","id":"{id}",{parent}{kind}"name":"op{id}","timestamp":{ts},"duration":{dur},"localEndpoint":{{"serviceName":"{service}"}}}}"#
        )
    }

    fn shared(id: &str, parent: &str, service: &str, ts: u64, dur: u64) -> String {
        format!(
            r#"{{"traceId":"1","id":"{id}","parentId":"{parent}","kind":"SERVER","shared":true,"name":"op{id}","timestamp":{ts},"duration":{dur},"localEndpoint":{{"serviceName":"{service}"}}}}"#
        )
    }

    fn ids(s: &Store, c: &Call) -> (String, String, bool) {
        let shared = s.spans.flags[c.server as usize].contains(SpanFlags::SHARED);
        (short_id(s, c.client), short_id(s, c.server), shared)
    }

    /// Times in µs (Zipkin); the servers fit their clients (no skew), so
    /// the store's times are the file's.
    #[test]
    fn gaps_of_client_server_pairs_and_shared_halves() {
        let s = zipkin_store(&[
            span("1", "", "SERVER", "front", 0, 100_000),
            // CLIENT -> SERVER with its own id: 480 µs each way.
            span("2", "1", "CLIENT", "front", 1_000, 96_000),
            span("3", "2", "SERVER", "back", 1_480, 95_040),
            // Zipkin shared halves: 2 ms out, 1 ms back.
            span("4", "1", "CLIENT", "front", 97_000, 2_500),
            shared("4", "1", "db", 97_002, 2_497),
            // Messaging and a plain child are no calls.
            span("5", "1", "PRODUCER", "front", 99_000, 10),
            span("6", "5", "CONSUMER", "mail", 99_500, 10),
            span("7", "3", "", "back", 2_000, 10),
        ]);
        let calls = calls(&s, 0);
        let got: Vec<_> = calls.iter().map(|c| ids(&s, c)).collect();
        assert_eq!(
            got,
            [
                ("2".into(), "3".into(), false),
                ("4".into(), "4".into(), true)
            ]
        );
        assert_eq!(
            (calls[0].request_ns, calls[0].response_ns),
            (480_000, 480_000)
        );
        assert_eq!((calls[1].request_ns, calls[1].response_ns), (2_000, 1_000));
        assert_eq!(calls[0].network_ns(), 960_000);
        assert_eq!(
            format(&s, &calls[0]),
            "network 0.96 ms = 0.48 request + 0.48 response, 1% of the call"
        );
        assert_eq!(
            format(&s, &calls[1]),
            "network 3 µs = 2 request + 1 response, <1% of the call"
        );
    }

    /// The calls one span takes part in, as client and as server.
    #[test]
    fn calls_of_one_span() {
        let s = zipkin_store(&[
            span("1", "", "SERVER", "front", 0, 100_000),
            span("2", "1", "CLIENT", "front", 1_000, 96_000),
            span("3", "2", "SERVER", "back", 1_480, 95_040),
            span("8", "3", "CLIENT", "back", 2_000, 1_000),
            span("9", "8", "SERVER", "db", 2_100, 700),
        ]);
        let at = |id: &str| {
            (0..s.spans.len() as u32)
                .find(|&i| short_id(&s, i) == id)
                .unwrap()
        };
        let gaps = |span: &str| -> Vec<(String, String, i64, i64)> {
            calls_of(&s, at(span))
                .iter()
                .map(|c| {
                    (
                        short_id(&s, c.client),
                        short_id(&s, c.server),
                        c.request_ns,
                        c.response_ns,
                    )
                })
                .collect()
        };
        assert!(gaps("1").is_empty());
        assert_eq!(gaps("2"), [("2".into(), "3".into(), 480_000, 480_000)]);
        // A server answers one call; the calls under it are its client child's.
        assert_eq!(gaps("3"), [("2".into(), "3".into(), 480_000, 480_000)]);
        assert_eq!(gaps("8"), [("8".into(), "9".into(), 100_000, 200_000)]);
        assert_eq!(gaps("9"), gaps("8"));
        assert_eq!(call(&s, at("9")).map(|c| c.network_ns()), Some(300_000));
        assert_eq!(call(&s, at("2")), None);
    }

    /// The demo's featured checkout: api-gateway's POST /orders call to
    /// order-service (the e2e test reads the same line in the page).
    #[test]
    fn the_demo_gateway_order_call() {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let id = crate::demo::shop::featured_trace_id(crate::sources::demo::SEED);
        let t = (0..s.traces.len() as u32)
            .find(|&t| s.traces[t as usize].id.to_text(&s.strings) == format!("{id:032x}"))
            .unwrap();
        let c = calls(&s, t)
            .into_iter()
            .find(|c| {
                let i = c.client as usize;
                (s.str(s.spans.service[i]), s.str(s.spans.name[i]))
                    == ("api-gateway", "POST /orders")
            })
            .unwrap();
        assert_eq!(
            format(&s, &c),
            "network 2.26 ms = 0.58 request + 1.69 response, 1% of the call"
        );
        assert_eq!(calls_of(&s, c.client), [c]);
    }

    /// A server that outlives its client (same host: never moved) gives no
    /// negative gap.
    #[test]
    fn gaps_are_never_negative() {
        let s = zipkin_store(&[
            span("1", "", "CLIENT", "a", 1_000, 1_000),
            span("2", "1", "SERVER", "a", 1_200, 5_000),
        ]);
        let c = calls(&s, 0);
        assert_eq!((c[0].request_ns, c[0].response_ns), (200_000, 0));
        assert_eq!(
            format(&s, &c[0]),
            "network 0.2 ms = 0.2 request + 0 response, 20% of the call"
        );
    }

    #[test]
    fn summed_per_edge_over_traces() {
        let mut s = zipkin_store(&[
            span("1", "", "CLIENT", "a", 0, 10_000),
            span("2", "1", "SERVER", "b", 1_000, 8_000),
            span("3", "2", "CLIENT", "b", 2_000, 1_000),
            span("4", "3", "SERVER", "c", 2_100, 800),
        ]);
        let more = r#"[{"traceId":"2","id":"1","kind":"CLIENT","name":"x","timestamp":0,"duration":4000,"localEndpoint":{"serviceName":"a"}},
            {"traceId":"2","id":"2","parentId":"1","kind":"SERVER","name":"y","timestamp":500,"duration":3000,"localEndpoint":{"serviceName":"b"}}]"#;
        crate::import::load(&mut s, "more.json", more.as_bytes()).unwrap();
        let edges = by_edge(&s, &[0, 1]);
        let got: Vec<_> = edges
            .iter()
            .map(|e| {
                (
                    s.str(e.from_service),
                    s.str(e.to_service),
                    e.calls,
                    e.network_ns,
                    e.call_ns,
                )
            })
            .collect();
        assert_eq!(
            got,
            [("a", "b", 2, 3 * MS, 14 * MS), ("b", "c", 1, 200_000, MS)]
        );
        assert!((edges[0].share() - 3.0 / 14.0).abs() < 1e-12);
        assert!((edges[1].share() - 0.2).abs() < 1e-12);
        assert!(by_edge(&s, &[]).is_empty());
    }

    #[test]
    fn invented_times_make_no_call() {
        // The server has no timestamp (placed at its client's start) and no
        // duration: nothing measured.
        let s = zipkin_store(&[
            span("1", "", "CLIENT", "a", 1_000, 1_000),
            r#"{"traceId":"1","id":"2","parentId":"1","kind":"SERVER","name":"s","localEndpoint":{"serviceName":"b"}}"#.to_owned(),
        ]);
        assert!(calls(&s, 0).is_empty());
    }

    #[test]
    fn units_follow_the_total() {
        let s = zipkin_store(&[
            span("1", "", "CLIENT", "a", 0, 4_000_000),
            span("2", "1", "SERVER", "b", 1_000_000, 2_600_000),
        ]);
        let c = calls(&s, 0);
        assert_eq!(
            format(&s, &c[0]),
            "network 1.4 s = 1 request + 0.4 response, 35% of the call"
        );
    }
}
