//! Span links both ways: which spans link *to* a span (its back-links),
//! across every loaded trace.
//!
//! Rule: every link of every loaded span (OTLP links, Jaeger references
//! that are not the span's parent) whose target span is loaded (same trace
//! id and span id, in any file) is a back-link of that target. A link to
//! the span itself is ignored; a target held twice (the same trace in two
//! files) gets the back-link in each copy. Back-links are named by what the
//! linking span did: a CONSUMER "consumed" the target's message, a SERVER
//! "handled" it, anything else "linked from"; each says whether the linking
//! span failed, so the producer of a message says that a consumer in
//! another trace failed on it ("consumed by notification-service orders
//! process — failed").
//!
//! [`BackLinks::build`] reads the store once (every link, then the spans of
//! the traces some link names): built again whenever the store changes.
//!
//! Where it differs: Jaeger UI and Grafana list a span's references and
//! jump to a referenced span in the same or another trace, but a span never
//! learns who links to it (jaeger-ui#1283 asks for it); Zipkin has no links.
//! Neither says how the linking side ended.

use rustc_hash::FxHashMap;

use crate::model::{SpanId, SpanKind, Store, TraceId};

/// One link, seen from the span it points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackLink {
    /// The span linked to.
    pub target: u32,
    /// The span whose link it is.
    pub from: u32,
    /// The link's index in `Store::links`.
    pub link: u32,
}

/// Every back-link of the loaded spans, by target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackLinks {
    /// Sorted by (target, from, link).
    all: Vec<BackLink>,
}

impl BackLinks {
    /// Indexes the back-links of every loaded span: linear in the links and
    /// in the spans of the traces they name.
    pub fn build(store: &Store) -> BackLinks {
        let mut wanted: FxHashMap<(TraceId, SpanId), Vec<(u32, u32)>> = FxHashMap::default();
        for from in 0..store.spans.len() as u32 {
            let r = store.spans.links[from as usize];
            for (k, l) in store.span_links(from).iter().enumerate() {
                wanted
                    .entry((l.trace_id, l.span_id))
                    .or_default()
                    .push((from, r.start + k as u32));
            }
        }
        let mut all = Vec::new();
        if wanted.is_empty() {
            return BackLinks { all };
        }
        let traces: rustc_hash::FxHashSet<TraceId> = wanted.keys().map(|k| k.0).collect();
        for tr in store.traces.iter().filter(|t| traces.contains(&t.id)) {
            for target in tr.spans.range() {
                let Some(froms) = wanted.get(&(tr.id, store.spans.id[target])) else {
                    continue;
                };
                let target = target as u32;
                all.extend(
                    froms
                        .iter()
                        .filter(|&&(from, _)| from != target)
                        .map(|&(from, link)| BackLink { target, from, link }),
                );
            }
        }
        all.sort_unstable_by_key(|b| (b.target, b.from, b.link));
        BackLinks { all }
    }

    /// The back-links of `span`, by linking span.
    pub fn of(&self, span: u32) -> &[BackLink] {
        let a = self.all.partition_point(|b| b.target < span);
        let z = self.all.partition_point(|b| b.target <= span);
        &self.all[a..z]
    }

    /// The back-links of the spans of trace `t`.
    pub fn in_trace(&self, store: &Store, t: u32) -> &[BackLink] {
        let r = store.traces[t as usize].spans;
        let a = self.all.partition_point(|b| b.target < r.start);
        let z = self.all.partition_point(|b| b.target < r.start + r.len);
        &self.all[a..z]
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// What the linking span did with its target: "consumed by", "handled by"
/// or "linked from".
pub fn verb(store: &Store, from: u32) -> &'static str {
    match store.spans.kind[from as usize] {
        SpanKind::Consumer => "consumed by",
        SpanKind::Server => "handled by",
        _ => "linked from",
    }
}

/// How a span ended, as a back-link or a link says it: "failed" or "ok".
pub fn outcome(store: &Store, span: u32) -> &'static str {
    if store.is_error(span) {
        "failed"
    } else {
        "ok"
    }
}

/// "consumed by notification-service orders process — failed".
pub fn describe(store: &Store, b: &BackLink) -> String {
    let i = b.from as usize;
    format!(
        "{} {} {} — {}",
        verb(store, b.from),
        store.str(store.spans.service[i]),
        store.str(store.spans.name[i]),
        outcome(store, b.from)
    )
}

/// What a trace's links say, for its summary: its spans' links to loaded
/// spans of other traces and back-links from other traces, and the
/// back-links whose linking span failed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceLinks {
    /// Spans of the trace with at least one link.
    pub linking_spans: usize,
    /// Links of its spans (loaded or not).
    pub links: usize,
    /// Back-links to its spans from spans of other traces.
    pub from_other_traces: usize,
    /// Back-links (any trace) whose linking span failed.
    pub failed: Vec<BackLink>,
}

/// Sums up trace `t`'s links and back-links (see [`TraceLinks`]).
pub fn of_trace(store: &Store, index: &BackLinks, t: u32) -> TraceLinks {
    let r = store.traces[t as usize].spans;
    let mut out = TraceLinks::default();
    for i in r.range() {
        let n = store.spans.links[i].len as usize;
        if n > 0 {
            out.linking_spans += 1;
            out.links += n;
        }
    }
    for b in index.in_trace(store, t) {
        if !r.contains(b.from) {
            out.from_other_traces += 1;
        }
        if store.is_error(b.from) {
            out.failed.push(*b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    /// An OTLP span: (trace, id, parent, service is the scope, name, kind,
    /// error, links as (trace, span)).
    fn span(
        trace: &str,
        id: &str,
        parent: &str,
        name: &str,
        kind: u8,
        error: bool,
        links: &[(&str, &str)],
    ) -> String {
        let links: Vec<String> = links
            .iter()
            .map(|(t, s)| format!(r#"{{"traceId":"{t}","spanId":"{s}"}}"#))
            .collect();
        format!(
            r#"{{"traceId":"{trace}","spanId":"{id}","parentSpanId":"{parent}","name":"{name}","kind":{kind},
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000010000000",
               "status":{{"code":{}}},"links":[{}]}}"#,
            if error { 2 } else { 0 },
            links.join(",")
        )
    }

    fn store(files: &[(&str, Vec<String>)]) -> Store {
        let mut s = Store::default();
        for (service, spans) in files {
            let json = format!(
                r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},
                   "scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
                spans.join(",")
            );
            import::load(&mut s, &format!("{service}.json"), json.as_bytes()).unwrap();
        }
        s
    }

    const T1: &str = "11111111111111111111111111111111";
    const T2: &str = "22222222222222222222222222222222";
    const T3: &str = "33333333333333333333333333333333";
    const PRODUCER: u8 = 4;
    const CONSUMER: u8 = 5;

    fn named(s: &Store, name: &str) -> u32 {
        (0..s.spans.len() as u32)
            .find(|&i| s.str(s.spans.name[i as usize]) == name)
            .unwrap()
    }

    /// A producer in one file, two consumers in another file's two traces
    /// linking to it (one failed), a link to a span never loaded.
    #[test]
    fn back_links_across_files_and_traces() {
        let s = store(&[
            (
                "outbox-worker",
                vec![
                    span(T1, "00000000000000a1", "", "relay", 1, false, &[]),
                    span(
                        T1,
                        "00000000000000a2",
                        "00000000000000a1",
                        "orders publish",
                        PRODUCER,
                        false,
                        &[],
                    ),
                ],
            ),
            (
                "notification-service",
                vec![
                    span(
                        T2,
                        "00000000000000b1",
                        "",
                        "orders process",
                        CONSUMER,
                        true,
                        &[(T1, "00000000000000a2")],
                    ),
                    span(
                        T3,
                        "00000000000000c1",
                        "",
                        "orders audit",
                        1,
                        false,
                        &[(T1, "00000000000000a2"), (T1, "00000000000000ff")],
                    ),
                ],
            ),
        ]);
        let ix = BackLinks::build(&s);
        let (p, b1, c1) = (
            named(&s, "orders publish"),
            named(&s, "orders process"),
            named(&s, "orders audit"),
        );
        let back = ix.of(p);
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].from, back[1].from), (b1.min(c1), b1.max(c1)));
        let texts: Vec<String> = back.iter().map(|b| describe(&s, b)).collect();
        assert!(
            texts.contains(&"consumed by notification-service orders process — failed".to_owned())
        );
        assert!(texts.contains(&"linked from notification-service orders audit — ok".to_owned()));
        // The link's index points at the link itself.
        let b = back.iter().find(|b| b.from == b1).unwrap();
        assert_eq!(s.links[b.link as usize].span_id, s.spans.id[p as usize]);
        assert!(ix.of(named(&s, "relay")).is_empty());
        assert_eq!(ix.len(), 2, "the link to a span not loaded is no back-link");

        let t1 = s.spans.trace[p as usize];
        let sum = of_trace(&s, &ix, t1);
        assert_eq!(sum.linking_spans, 0);
        assert_eq!(sum.from_other_traces, 2);
        assert_eq!(
            sum.failed.iter().map(|b| b.from).collect::<Vec<_>>(),
            vec![b1]
        );
        assert_eq!(ix.in_trace(&s, t1).len(), 2);
        let t3 = s.spans.trace[c1 as usize];
        let sum = of_trace(&s, &ix, t3);
        assert_eq!(
            (sum.linking_spans, sum.links, sum.from_other_traces),
            (1, 2, 0)
        );
        assert!(ix.in_trace(&s, t3).is_empty());
    }

    /// Links inside one trace count as back-links, not from another trace;
    /// a span linking to itself is ignored; no links, no index.
    #[test]
    fn same_trace_and_self_links() {
        let s = store(&[(
            "api",
            vec![
                span(
                    T1,
                    "0000000000000001",
                    "",
                    "batch",
                    2,
                    false,
                    &[(T1, "0000000000000001")],
                ),
                span(
                    T1,
                    "0000000000000002",
                    "0000000000000001",
                    "item",
                    5,
                    false,
                    &[(T1, "0000000000000001")],
                ),
            ],
        )]);
        let ix = BackLinks::build(&s);
        let (batch, item) = (named(&s, "batch"), named(&s, "item"));
        assert_eq!(
            ix.of(batch),
            &[BackLink {
                target: batch,
                from: item,
                link: s.spans.links[item as usize].start
            }]
        );
        assert_eq!(describe(&s, &ix.of(batch)[0]), "consumed by api item — ok");
        let sum = of_trace(&s, &ix, 0);
        assert_eq!(
            (sum.linking_spans, sum.links, sum.from_other_traces),
            (2, 2, 0)
        );
        assert!(sum.failed.is_empty());

        let none = store(&[(
            "api",
            vec![span(T1, "0000000000000001", "", "x", 2, false, &[])],
        )]);
        assert!(BackLinks::build(&none).is_empty());
        assert_eq!(verb(&none, 0), "handled by");
    }

    /// The demo's malformed message: the notification consumer that starts
    /// a trace of its own failed, and the producer it links to says so.
    #[test]
    fn the_demo_producer_knows_its_consumer_failed() {
        let mut s = Store::default();
        import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let ix = BackLinks::build(&s);
        let failed: Vec<(u32, String)> = (0..s.spans.len() as u32)
            .flat_map(|i| ix.of(i).iter().filter(|b| s.is_error(b.from)))
            .map(|b| (b.target, describe(&s, b)))
            .collect();
        assert_eq!(failed.len(), 1, "{failed:?}");
        let (producer, text) = &failed[0];
        assert_eq!(
            text,
            "consumed by notification-service orders process — failed"
        );
        let p = *producer as usize;
        assert_eq!(
            (s.str(s.spans.service[p]), s.str(s.spans.name[p])),
            ("outbox-worker", "orders publish")
        );
        let t = s.spans.trace[p];
        let sum = of_trace(&s, &ix, t);
        assert_eq!(sum.failed.len(), 1);
        assert!(sum.from_other_traces >= 1);
        assert_ne!(s.spans.trace[sum.failed[0].from as usize], t);
    }
}
