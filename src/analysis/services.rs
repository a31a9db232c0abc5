//! Who calls whom: the service graph of one trace or of all loaded traces.
//!
//! Nodes are services (`service.name`). An edge A -> B counts every span of B
//! whose parent is a span of A (a call crossing a service boundary), and every
//! span of B that links to a span of A (a queue hop). Calls to services that
//! were not instrumented (a database, a broker, an external API) end in an
//! *external* node named by the client span's `peer.service`, remote endpoint,
//! `db.system` or `server.address`, so the map shows them too.

use rustc_hash::FxHashMap;

use crate::model::{SpanFlags, SpanKind, Store, Sym, Value, NONE};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceNode {
    pub name: String,
    /// Spans of this service (0 for external nodes).
    pub spans: u32,
    pub errors: u32,
    /// Not instrumented: only seen as the target of client calls.
    pub external: bool,
    /// Durations of its requests, sorted: its spans that a root or another
    /// service's span started (what callers wait for), ns.
    pub requests: Vec<i64>,
    /// Requests that ended in an error.
    pub failed_requests: u32,
}

impl ServiceNode {
    /// Nearest-rank percentile of its requests' durations (p in 0..=100).
    pub fn percentile(&self, p: f64) -> i64 {
        percentile(&self.requests, p)
    }

    pub fn error_rate(&self) -> f64 {
        if self.spans == 0 {
            0.0
        } else {
            self.errors as f64 / self.spans as f64
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceEdge {
    pub from: usize,
    pub to: usize,
    /// Asynchronous: a link, FOLLOWS_FROM, or producer -> consumer (drawn dashed).
    pub asynchronous: bool,
    pub calls: u32,
    pub errors: u32,
    /// Latency of the calls (the callee span's duration), sorted, ns.
    pub latencies: Vec<i64>,
    /// The callee spans behind the edge (the client span for external nodes).
    pub spans: Vec<u32>,
}

impl ServiceEdge {
    /// Nearest-rank percentile of the call latencies (p in 0..=100).
    pub fn percentile(&self, p: f64) -> i64 {
        percentile(&self.latencies, p)
    }
}

/// Nearest-rank percentile of sorted values; 0 when empty.
pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceGraph {
    pub nodes: Vec<ServiceNode>,
    pub edges: Vec<ServiceEdge>,
}

impl ServiceGraph {
    pub fn node(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }
}

/// The display name of a span's service.
pub fn service_name(store: &Store, service: Sym) -> String {
    let s = store.str(service);
    if s.is_empty() {
        "(no service)".to_owned()
    } else {
        s.to_owned()
    }
}

/// Where an uninstrumented client call goes, from its attributes.
fn remote_name(store: &Store, span: u32) -> Option<String> {
    const KEYS: [&str; 6] = [
        "peer.service",
        "remoteEndpoint.serviceName",
        "db.system",
        "messaging.system",
        "server.address",
        "net.peer.name",
    ];
    KEYS.iter().find_map(|k| match store.attr(span, k) {
        Some(Value::Str(t)) if !store.text(*t).is_empty() => Some(store.text(*t).to_owned()),
        _ => None,
    })
}

/// The uninstrumented service a client or producer span called: it has no
/// child in another service, and its attributes name where it went.
pub fn external_target(store: &Store, span: u32) -> Option<String> {
    let spans = &store.spans;
    let i = span as usize;
    if !matches!(spans.kind[i], SpanKind::Client | SpanKind::Producer) {
        return None;
    }
    let served = store
        .children(span)
        .iter()
        .any(|&c| spans.service[c as usize] != spans.service[i]);
    if served {
        return None;
    }
    remote_name(store, span).filter(|r| *r != service_name(store, spans.service[i]))
}

/// The spans of trace `t` that belong to service `name`: its own spans, or,
/// for an uninstrumented service, the client spans that called it.
pub fn spans_of(store: &Store, t: u32, name: &str) -> Vec<u32> {
    let own: Vec<u32> = store.traces[t as usize]
        .spans
        .range()
        .map(|i| i as u32)
        .filter(|&i| service_name(store, store.spans.service[i as usize]) == name)
        .collect();
    if !own.is_empty() {
        return own;
    }
    store.traces[t as usize]
        .spans
        .range()
        .map(|i| i as u32)
        .filter(|&i| external_target(store, i).as_deref() == Some(name))
        .collect()
}

/// The service graph of `traces` (indices into `store.traces`).
pub fn graph(store: &Store, traces: &[u32]) -> ServiceGraph {
    let spans = &store.spans;
    let mut g = ServiceGraph::default();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    let mut node = |g: &mut ServiceGraph, name: String, external: bool| -> usize {
        if let Some(&i) = by_name.get(&name) {
            if !external {
                g.nodes[i].external = false;
            }
            return i;
        }
        g.nodes.push(ServiceNode {
            name: name.clone(),
            external,
            ..Default::default()
        });
        by_name.insert(name, g.nodes.len() - 1);
        g.nodes.len() - 1
    };
    let mut edge_of: FxHashMap<(usize, usize, bool), usize> = FxHashMap::default();
    let mut add_edge =
        |g: &mut ServiceGraph, from: usize, to: usize, asynchronous: bool, span: u32| {
            let e = *edge_of.entry((from, to, asynchronous)).or_insert_with(|| {
                g.edges.push(ServiceEdge {
                    from,
                    to,
                    asynchronous,
                    calls: 0,
                    errors: 0,
                    latencies: Vec::new(),
                    spans: Vec::new(),
                });
                g.edges.len() - 1
            });
            let edge = &mut g.edges[e];
            edge.calls += 1;
            if store.is_error(span) {
                edge.errors += 1;
            }
            edge.latencies.push(spans.duration[span as usize]);
            edge.spans.push(span);
        };

    // Nodes first, in order of first appearance, so indices are stable.
    for &t in traces {
        for i in store.traces[t as usize].spans.range() {
            let n = node(&mut g, service_name(store, spans.service[i]), false);
            let failed = store.is_error(i as u32);
            let node = &mut g.nodes[n];
            node.spans += 1;
            node.errors += u32::from(failed);
            let p = spans.parent[i];
            if p == NONE || spans.service[p as usize] != spans.service[i] {
                node.requests.push(spans.duration[i]);
                node.failed_requests += u32::from(failed);
            }
        }
    }
    for &t in traces {
        for i in store.traces[t as usize].spans.range() {
            let span = i as u32;
            let to = node(&mut g, service_name(store, spans.service[i]), false);
            let p = spans.parent[i];
            if p != NONE && spans.service[p as usize] != spans.service[i] {
                let from = node(
                    &mut g,
                    service_name(store, spans.service[p as usize]),
                    false,
                );
                let asynchronous = spans.flags[i].contains(SpanFlags::FOLLOWS_FROM)
                    || spans.kind[i] == SpanKind::Consumer
                    || spans.kind[p as usize] == SpanKind::Producer;
                add_edge(&mut g, from, to, asynchronous, span);
            }
            for l in store.span_links(span) {
                if let Some(j) = store.find_span(l.trace_id, l.span_id) {
                    if spans.service[j as usize] != spans.service[i] {
                        let from = node(
                            &mut g,
                            service_name(store, spans.service[j as usize]),
                            false,
                        );
                        add_edge(&mut g, from, to, true, span);
                    }
                }
            }
            if let Some(remote) = external_target(store, span) {
                let ext = node(&mut g, remote, true);
                let asynchronous = spans.kind[i] == SpanKind::Producer;
                add_edge(&mut g, to, ext, asynchronous, span);
            }
        }
    }
    for e in &mut g.edges {
        e.latencies.sort_unstable();
    }
    for n in &mut g.nodes {
        n.requests.sort_unstable();
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    fn load(rel: &str) -> Store {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/traces")
            .join(rel);
        let mut s = Store::default();
        import::load(&mut s, rel, &std::fs::read(path).unwrap()).unwrap();
        s
    }

    /// A service's requests: its spans started by a root or by another
    /// service (not its own internal spans), with their durations and
    /// failures.
    #[test]
    fn requests_per_service() {
        let mut s = Store::default();
        let json = br#"[
          {"traceId":"1","id":"a","name":"get","timestamp":1000,"duration":100000,"localEndpoint":{"serviceName":"front"}},
          {"traceId":"1","id":"b","parentId":"a","name":"pay","timestamp":2000,"duration":50000,"localEndpoint":{"serviceName":"back"},"tags":{"error":"declined"}},
          {"traceId":"1","id":"c","parentId":"b","name":"db","timestamp":3000,"duration":10000,"localEndpoint":{"serviceName":"back"}},
          {"traceId":"2","id":"d","name":"get","timestamp":9000,"duration":200000,"localEndpoint":{"serviceName":"front"}}]"#;
        import::load(&mut s, "z.json", json).unwrap();
        let g = graph(&s, &[0, 1]);
        let front = &g.nodes[g.node("front").unwrap()];
        assert_eq!(front.requests, [100_000_000, 200_000_000]);
        assert_eq!(
            (front.failed_requests, front.percentile(50.0)),
            (0, 100_000_000)
        );
        let back = &g.nodes[g.node("back").unwrap()];
        assert_eq!(
            (back.spans, back.requests.as_slice()),
            (2, &[50_000_000][..])
        );
        assert_eq!(back.failed_requests, 1);
    }

    #[test]
    fn percentiles() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 95.0), 95);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 95.0), 7);
        assert_eq!(percentile(&[], 95.0), 0);
    }

    #[test]
    fn edges_cross_service_boundaries() {
        let s = load("zipkin/zipkin-lens__yelp.json");
        let g = graph(&s, &[0]);
        let instrumented: Vec<&str> = g
            .nodes
            .iter()
            .filter(|n| !n.external)
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(instrumented.len(), 6);
        assert_eq!(g.nodes.iter().map(|n| n.spans).sum::<u32>(), 16);
        // every edge joins two different nodes and counts its spans
        for e in &g.edges {
            assert_ne!(e.from, e.to);
            assert_eq!(e.calls as usize, e.spans.len());
            assert!(e.latencies.windows(2).all(|w| w[0] <= w[1]));
        }
        let routing = g.node("routing").unwrap();
        assert!(g.edges.iter().any(|e| e.from == routing));
    }

    #[test]
    fn queue_hops_are_asynchronous() {
        let s = load("zipkin/zipkin-lens__messaging-kafka.json");
        let g = graph(&s, &[0]);
        assert!(g.edges.iter().any(|e| e.asynchronous), "{:?}", g.edges);
        // the error count of nodes matches the trace's
        assert_eq!(
            g.nodes.iter().map(|n| n.errors).sum::<u32>(),
            s.traces[0].summary.errors
        );
    }

    #[test]
    fn uninstrumented_databases_become_external_nodes() {
        let s = load("zipkin/zipkin-lens__simple-db-p6.json");
        let g = graph(&s, &[0]);
        let ext: Vec<&ServiceNode> = g.nodes.iter().filter(|n| n.external).collect();
        assert_eq!(ext.len(), 1, "{:?}", g.nodes);
        assert_eq!(ext[0].spans, 0);
        let e = g.edges.iter().find(|e| g.nodes[e.to].external).unwrap();
        assert_eq!(e.calls, 4);
        assert_eq!(spans_of(&s, 0, &ext[0].name).len(), 4);
        let own = &g.nodes[e.from].name;
        assert_eq!(spans_of(&s, 0, own).len(), 5);
    }

    #[test]
    fn the_demo_map_has_the_shop() {
        let bytes = crate::sources::demo::bytes();
        let mut s = Store::default();
        import::load(&mut s, "demo", &bytes).unwrap();
        let all: Vec<u32> = (0..s.traces.len() as u32).collect();
        let g = graph(&s, &all);
        for svc in [
            "api-gateway",
            "order-service",
            "outbox-worker",
            "payment-service",
            "notification-service",
            "inventory-service",
        ] {
            assert!(g.node(svc).is_some(), "{svc} missing");
        }
        let outbox = g.node("outbox-worker").unwrap();
        let payment = g.node("payment-service").unwrap();
        let hop = g
            .edges
            .iter()
            .find(|e| e.from == outbox && e.to == payment && e.asynchronous);
        assert!(hop.is_some(), "the queue hop outbox -> payment is async");
        let gw = g.node("api-gateway").unwrap();
        let order = g.node("order-service").unwrap();
        let call = g
            .edges
            .iter()
            .find(|e| e.from == gw && e.to == order && !e.asynchronous)
            .unwrap();
        assert!(call.errors > 0 && call.percentile(95.0) > 0);
    }
}
