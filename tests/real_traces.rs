//! Every real trace file in ../shared/traces, imported with exact expectations.
//! The counts were checked against SOURCES.tsv (spans, services) and against
//! each file's notable features (orphans, duplicates, cycles, errors).

#[allow(dead_code)]
mod common;

use strata::import::{self, ImportError};
use strata::model::{SpanFlags, SpanId, SpanKind, StatusCode, Store, Value, NONE};

use common::{real_file_names, traces_dir};

fn read(rel: &str) -> Vec<u8> {
    let p = traces_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn load(rel: &str) -> Store {
    let mut store = Store::default();
    import::load(&mut store, rel, &read(rel)).unwrap_or_else(|e| panic!("{e}"));
    store
}

fn load_err(rel: &str) -> ImportError {
    let mut store = Store::default();
    match import::load(&mut store, rel, &read(rel)) {
        Ok(_) => panic!("{rel} should not load"),
        Err(e) => e,
    }
}

#[derive(Debug, PartialEq)]
struct Expect {
    traces: usize,
    spans: usize,
    services: usize,
    roots: u32,
    orphans: u32,
    duplicates: u32,
    cycles: u32,
    max_depth: u32,
    errors: u32,
}

fn measure(store: &Store) -> Expect {
    let mut services: Vec<_> = store
        .traces
        .iter()
        .flat_map(|t| t.summary.services.clone())
        .collect();
    services.sort();
    services.dedup();
    let sum = |f: &dyn Fn(&strata::model::Trace) -> u32| store.traces.iter().map(f).sum::<u32>();
    Expect {
        traces: store.traces.len(),
        spans: store.spans.len(),
        services: services.len(),
        roots: sum(&|t| t.summary.roots),
        orphans: sum(&|t| t.summary.orphans),
        duplicates: sum(&|t| t.summary.duplicates),
        cycles: sum(&|t| t.summary.cycles),
        max_depth: store
            .traces
            .iter()
            .map(|t| t.summary.max_depth)
            .max()
            .unwrap_or(0),
        errors: sum(&|t| t.summary.errors),
    }
}

#[rustfmt::skip]
const EXPECTED: &[(&str, Expect)] = &[
    ("jaeger-apiv3/jaeger__apiv3-GetTrace.json", Expect { traces: 1, spans: 1, services: 0, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 1 }),
    ("jaeger-apiv3/jaeger__apiv3-TestGRPCGateway_GetTrace-2023.json", Expect { traces: 1, spans: 1, services: 0, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("jaeger/jaeger-analytics-java__ui-trace.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("jaeger/jaeger-ui-pr118__2992f2a5b5d037a8aabffd08ef384237.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("jaeger/jaeger-ui__TraceFlamegraph-testTrace.json", Expect { traces: 1, spans: 4, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 3, errors: 0 }),
    ("jaeger/jaeger-ui__TraceGraph-testTrace.json", Expect { traces: 1, spans: 11, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 3, errors: 1 }),
    ("jaeger/jaeger-ui__genaiTestTrace.json", Expect { traces: 1, spans: 57, services: 10, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 7, errors: 1 }),
    ("jaeger/jaeger-ui__oltp2jaeger-multi-out.json", Expect { traces: 1, spans: 4, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 2, errors: 0 }),
    ("jaeger/jaeger-ui__otlp2jaeger-out.json", Expect { traces: 1, spans: 2, services: 1, roots: 2, orphans: 2, duplicates: 2, cycles: 0, max_depth: 0, errors: 0 }),
    ("jaeger/jaeger-ui__stats-traceWithOverlappingChildrenLongerThanParent.json", Expect { traces: 1, spans: 4, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("jaeger/jaeger-ui__stats-traceWithSingleChildLongerThanParentAndStartsAfterParent.json", Expect { traces: 1, spans: 2, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("jaeger/jaeger__anonymizer-trace_success.json", Expect { traces: 1, spans: 2, services: 2, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 1, errors: 1 }),
    ("otlp/grafana-agent__faro-payload_2.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/grafana-agent__faro-payload_2.traces-extract.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/grafana-agent__otlp-receiver-payload.json", Expect { traces: 1, spans: 1, services: 0, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/grafana-agent__trace-sample.json", Expect { traces: 2, spans: 17, services: 3, roots: 2, orphans: 0, duplicates: 0, cycles: 0, max_depth: 5, errors: 1 }),
    ("otlp/grafana-agent__unpaired-trace-sample-legacy.json", Expect { traces: 2, spans: 17, services: 3, roots: 17, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/jaeger-ui__otlp2jaeger-in-error.json", Expect { traces: 1, spans: 1, services: 0, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/jaeger-ui__otlp2jaeger-in.json", Expect { traces: 1, spans: 2, services: 1, roots: 2, orphans: 2, duplicates: 2, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/jaeger-ui__otlp2jaeger-multi-in-combined.json", Expect { traces: 1, spans: 4, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 2, errors: 0 }),
    ("otlp/jaeger__integration-example_trace.json", Expect { traces: 1, spans: 5, services: 3, roots: 5, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/jaeger__integration-link_attributes_trace.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/jaeger__memory-otel_traces_01.json", Expect { traces: 2, spans: 4, services: 1, roots: 4, orphans: 4, duplicates: 0, cycles: 0, max_depth: 0, errors: 4 }),
    ("otlp/opentelemetry-proto__examples-trace.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/opentelemetry-rust__serialized_traces.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("otlp/opentelemetry-rust__traces.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("otlp/otlp2parquet__trace.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    ("otlp/otlp2parquet__traces.jsonl", Expect { traces: 19, spans: 19, services: 8, roots: 19, orphans: 13, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("otlp/ottl-playground__traces.json", Expect { traces: 1, spans: 2, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 1, max_depth: 1, errors: 0 }),
    ("tempo/tempo__tempopb-trace.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("zipkin/jaeger__collector-zipkin_v2_02.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("zipkin/jaeger__collector-zipkin_v2_03.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("zipkin/zipkin-lens__ascend.json", Expect { traces: 1, spans: 8, services: 3, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 3, errors: 0 }),
    ("zipkin/zipkin-lens__envoy.json", Expect { traces: 1, spans: 1, services: 0, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 0, errors: 0 }),
    ("zipkin/zipkin-lens__malformed-kong-2019.json", Expect { traces: 1, spans: 7, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 2, errors: 0 }),
    ("zipkin/zipkin-lens__messaging-kafka.json", Expect { traces: 1, spans: 28, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 4, errors: 3 }),
    ("zipkin/zipkin-lens__messaging.json", Expect { traces: 1, spans: 4, services: 2, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 3, errors: 0 }),
    ("zipkin/zipkin-lens__messaging2.json", Expect { traces: 1, spans: 11, services: 4, roots: 7, orphans: 6, duplicates: 0, cycles: 0, max_depth: 2, errors: 0 }),
    ("zipkin/zipkin-lens__simple-db-p6.json", Expect { traces: 1, spans: 5, services: 1, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 1, errors: 0 }),
    // Depth 32, not SOURCES' 24: each shared RPC is two spans (server under client).
    ("zipkin/zipkin-lens__smartthings-oauth-authorization.json", Expect { traces: 1, spans: 175, services: 8, roots: 1, orphans: 0, duplicates: 5, cycles: 0, max_depth: 32, errors: 2 }),
    ("zipkin/zipkin-lens__yelp.json", Expect { traces: 1, spans: 16, services: 6, roots: 1, orphans: 0, duplicates: 0, cycles: 0, max_depth: 4, errors: 0 }),
    ("zipkin/zipkin__benchmarks-zipkin2-chinese.json", Expect { traces: 1, spans: 1, services: 1, roots: 1, orphans: 1, duplicates: 0, cycles: 0, max_depth: 0, errors: 1 }),
];

/// Files that are recognised and refused, with a word their message must hold.
const REFUSED: &[(&str, &str)] = &[
    (
        "otlp/otlp2parquet__invalid-trace_invalid_base64.json",
        "!!!INVALID_BASE64!!!",
    ),
    (
        "otlp/otlp2parquet__invalid-trace_mixed_encoding.json",
        "\"zzz\"",
    ),
    (
        "tempo/kiali__tracingtest-response.json",
        "Tempo search response",
    ),
    (
        "tempo/kiali__tracingtest-responseAmbient.json",
        "Tempo search response",
    ),
    ("zipkin/zipkin-lens__test-v1-2019.json", "Zipkin v1"),
];

#[test]
fn every_real_file_is_covered() {
    let all = real_file_names();
    let mut known: Vec<String> = EXPECTED
        .iter()
        .map(|(f, _)| f.to_string())
        .chain(REFUSED.iter().map(|(f, _)| f.to_string()))
        .collect();
    known.sort();
    assert_eq!(all, known, "a file in ../shared/traces has no expectation");
}

#[test]
fn real_files_import_with_exact_counts() {
    let mut failures = Vec::new();
    for (file, expect) in EXPECTED {
        let got = measure(&load(file));
        if &got != expect {
            failures.push(format!(
                "{file}:\n  expected {expect:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn refused_files_say_what_and_where() {
    for (file, needle) in REFUSED {
        let e = load_err(file);
        assert_eq!(e.file, *file);
        assert!(e.message.contains(needle), "{file}: {}", e.message);
        assert!(
            e.line.is_some() && e.offset.is_some(),
            "{file}: no position in {e}"
        );
    }
    let e = load_err("otlp/otlp2parquet__invalid-trace_invalid_base64.json");
    assert_eq!(
        (e.line, e.column, e.offset),
        (Some(21), Some(26), Some(401))
    );
    assert_eq!(
        e.path.as_deref(),
        Some("resourceSpans[0].scopeSpans[0].spans[0].traceId")
    );
    let bytes = read("otlp/otlp2parquet__invalid-trace_invalid_base64.json");
    // the offset points at the offending value
    assert!(bytes[e.offset.unwrap()..].starts_with(b"\"!!!INVALID_BASE64!!!\""));
    let e = load_err("zipkin/zipkin-lens__test-v1-2019.json");
    assert_eq!(e.path.as_deref(), Some("[0].annotations[0]"));
}

fn span_named(store: &Store, name: &str) -> u32 {
    (0..store.spans.len() as u32)
        .find(|&i| store.str(store.spans.name[i as usize]) == name)
        .unwrap_or_else(|| panic!("no span {name}"))
}

#[test]
fn jaeger_quirks() {
    // 15-hex-digit span id is left-padded; float64 carried as an integer.
    let s = load("jaeger/jaeger-analytics-java__ui-trace.json");
    assert!((0..2).all(|i| s.spans.id[i].to_text(&s.strings).len() == 16));
    assert!(s.attrs.iter().any(|a| matches!(a.value, Value::Double(_))));
    // A FOLLOWS_FROM-only span hangs under its referent, child listed first.
    let s = load("jaeger/jaeger-ui-pr118__2992f2a5b5d037a8aabffd08ef384237.json");
    let child = span_named(&s, "thread");
    let parent = span_named(&s, "demo");
    assert_eq!(s.spans.parent[child as usize], parent);
    assert!(s.spans.flags[child as usize].contains(SpanFlags::FOLLOWS_FROM));
    assert_eq!(s.traces[0].tree.roots, vec![parent]);
    // Bool tag written as the string "true" is a bool; inline processes.
    let s = load("jaeger/jaeger__anonymizer-trace_success.json");
    assert!(s.attrs.iter().any(|a| a.value == Value::Bool(true)));
    assert_eq!(s.traces[0].summary.services.len(), 2);
    // Non-hex ids are kept as text.
    let s = load("jaeger/jaeger-ui__TraceGraph-testTrace.json");
    assert_eq!(s.traces[0].id.to_text(&s.strings), "trace-123");
    assert!(s.spans.id.iter().any(|id| matches!(id, SpanId::Text(_))));
}

#[test]
fn otlp_quirks() {
    // Base64 ids, kind names, Go zero time flagged.
    let s = load("jaeger-apiv3/jaeger__apiv3-TestGRPCGateway_GetTrace-2023.json");
    assert_eq!(
        s.traces[0].id.to_text(&s.strings),
        "000000000000009600000000000000a0"
    );
    assert_eq!(s.spans.id[0].to_text(&s.strings), "00000000000000b4");
    assert!(s.spans.flags[0].contains(SpanFlags::BAD_TIME));
    // Status code without times.
    let s = load("jaeger-apiv3/jaeger__apiv3-GetTrace.json");
    assert_eq!(s.spans.status[0], StatusCode::Error);
    assert_eq!(s.spans.kind[0], SpanKind::Server);
    // Snake case, numbers as times, uppercase hex, kind as a name.
    let s = load("otlp/grafana-agent__otlp-receiver-payload.json");
    assert_eq!(
        s.traces[0].id.to_text(&s.strings),
        "5b8efff798038103d269b633813fc60c"
    );
    assert_eq!(s.spans.start[0], 1_544_712_660_300_000_000);
    assert_eq!(s.spans.duration[0], 300_000_000);
    assert_eq!(s.spans.kind[0], SpanKind::Client);
    // Legacy instrumentationLibrarySpans inside a Faro payload; 9 events.
    let s = load("otlp/grafana-agent__faro-payload_2.json");
    assert_eq!(s.span_events(0).len(), 9);
    // Links with attributes to another trace.
    let s = load("otlp/jaeger__integration-link_attributes_trace.json");
    assert_eq!(s.span_links(0).len(), 3);
    assert!(s.span_links(0).iter().all(|l| l.attrs.len > 0));
    // Typed attribute values.
    let s = load("otlp/jaeger__memory-otel_traces_01.json");
    assert!(s.attrs.iter().any(|a| matches!(a.value, Value::Bytes(_))));
    assert!(s.attrs.iter().any(|a| matches!(a.value, Value::Double(_))));
    assert!(s.attrs.iter().any(|a| matches!(a.value, Value::Int(_))));
    // Self-parent: cut, flagged, no clean root left.
    let s = load("otlp/ottl-playground__traces.json");
    let root = s.traces[0].tree.roots[0];
    assert!(s.spans.flags[root as usize].contains(SpanFlags::CYCLE));
    // JSON Lines: one trace per line.
    let s = load("otlp/otlp2parquet__traces.jsonl");
    assert_eq!(s.files[0].format, "OTLP/JSON (JSON Lines)");
}

#[test]
fn zipkin_quirks() {
    // Shared RPC: the server half is a child of the client half with the same id.
    let s = load("zipkin/zipkin-lens__ascend.json");
    let server = (0..s.spans.len())
        .find(|&i| s.spans.flags[i].contains(SpanFlags::SHARED))
        .unwrap();
    let client = s.spans.parent[server];
    assert_ne!(client, NONE);
    assert_eq!(s.spans.id[client as usize], s.spans.id[server]);
    assert_eq!(s.spans.kind[client as usize], SpanKind::Client);
    assert_eq!(s.spans.kind[server], SpanKind::Server);
    // Missing duration / endpoint / kind tolerated and flagged.
    let s = load("zipkin/zipkin-lens__malformed-kong-2019.json");
    let flagged = s
        .spans
        .flags
        .iter()
        .filter(|f| f.contains(SpanFlags::NO_DURATION))
        .count();
    assert_eq!(flagged, 4);
    // Non-ASCII names survive.
    let s = load("zipkin/zipkin__benchmarks-zipkin2-chinese.json");
    assert!(!s.str(s.spans.service[0]).is_ascii());
    // remoteEndpoint.serviceName is kept.
    let s = load("zipkin/zipkin-lens__simple-db-p6.json");
    assert!((0..s.spans.len() as u32).any(|i| s.attr(i, "remoteEndpoint.serviceName").is_some()));
    // 15-hex-digit parentId padded.
    let s = load("zipkin/jaeger__collector-zipkin_v2_03.json");
    assert_eq!(s.spans.parent_id[0].unwrap().to_text(&s.strings).len(), 16);
}

/// A Zipkin trace whose servers flushed parts of their spans apart
/// (tests/data/zipkin_fragments, modelled on the production trace of issue
/// 20): 12 records, 9 spans. The fragment of a000…02 (platformapi's tags
/// and annotations, no kind, times or shared flag) joins the server half,
/// not the client half; the fragment of a000…04 comes before both halves
/// and takes the server half in; the two kind-less records of a000…05
/// (one with times) are one span and disagree on a tag; a000…06, reported
/// twice with different times, stays two duplicates.
#[test]
fn zipkin_fragments_of_one_span_are_merged() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/zipkin_fragments/platformapi-session.json"
    );
    let bytes = std::fs::read(path).unwrap();
    let mut s = Store::default();
    let f = import::load(&mut s, "platformapi-session.json", &bytes)
        .unwrap()
        .file;
    assert_eq!(
        measure(&s),
        Expect {
            traces: 1,
            spans: 9,
            services: 3,
            roots: 1,
            orphans: 0,
            duplicates: 2,
            cycles: 0,
            max_depth: 3,
            errors: 1
        }
    );
    assert_eq!(
        s.files[f as usize].warnings,
        [
            "3 span fragments reported separately were merged into their spans (same trace, span id and service; Zipkin would show a duplicate or drop one)",
            "span a000000000000005 in trace 4e441824ec2b6a44: two records of this span reported separately give \"model\" as \"v3\" and \"v4\", so the second is left out (value left out)",
        ]
    );
    let span = |id: &str, kind: SpanKind| {
        (0..s.spans.len() as u32)
            .find(|&i| {
                s.spans.id[i as usize].to_text(&s.strings) == id && s.spans.kind[i as usize] == kind
            })
            .unwrap_or_else(|| panic!("{id} {kind:?}"))
    };
    let tags = |i: u32| -> Vec<String> {
        s.span_attrs(i)
            .iter()
            .map(|a| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
            .collect()
    };
    // a000…02: the server half has the fragment's tags and annotations.
    let server = span("a000000000000002", SpanKind::Server);
    let client = span("a000000000000002", SpanKind::Client);
    assert_eq!(s.spans.parent[server as usize], client);
    assert!(s.spans.flags[server as usize].contains(SpanFlags::SHARED));
    assert_eq!(
        tags(server),
        [
            "http.method=POST",
            "http.path=/v1/session",
            "mvc.controller.class=SessionController",
            "remoteEndpoint.ipv4=10.1.0.4",
            "http.status_code=200",
            "session.new=true",
        ]
    );
    let events: Vec<(i64, &str)> = s
        .span_events(server)
        .iter()
        .map(|e| (e.time, s.str(e.name)))
        .collect();
    assert_eq!(
        events,
        [
            (1_700_000_000_040_000_000, "cache.miss"),
            (1_700_000_000_126_000_000, "ws")
        ]
    );
    assert_eq!(tags(client).len(), 5, "the client half keeps its own");
    // a000…04: the fragment read first took the server half in: its kind,
    // times, shared flag and port; its error makes the span an error.
    let server = span("a000000000000004", SpanKind::Server);
    let i = server as usize;
    assert!(s.spans.flags[i].contains(SpanFlags::SHARED));
    assert!(!s.spans.flags[i].intersects(SpanFlags::NO_START | SpanFlags::NO_DURATION));
    assert_eq!(
        (s.spans.start[i], s.spans.duration[i]),
        (1_700_000_000_141_500_000, 97_000_000)
    );
    assert_eq!(s.spans.status[i], StatusCode::Error);
    assert_eq!(s.text(s.spans.status_message[i]), "timeout fetching model");
    assert_eq!(
        s.spans.parent[i],
        span("a000000000000004", SpanKind::Client),
        "under its client half"
    );
    let res = s.resource_of(server).unwrap();
    assert_eq!(s.str(res.service), "recommendations");
    assert_eq!(s.attrs_of(res.attrs).len(), 2, "ipv4 and port");
    // a000…05: one span with the times of one record, the tags of both,
    // the first value of "model".
    let score = span("a000000000000005", SpanKind::Unspecified);
    assert_eq!(tags(score), ["lc=scoring", "model=v3", "items=24"]);
    assert_eq!(s.spans.duration[score as usize], 60_000_000);
    assert_eq!(s.spans.parent[score as usize], server);
    // a000…06: duplicates, as before.
    let dups: Vec<usize> = (0..s.spans.len())
        .filter(|&i| s.spans.flags[i].contains(SpanFlags::DUPLICATE_ID))
        .collect();
    assert_eq!(dups.len(), 2);
    assert!(dups
        .iter()
        .all(|&i| s.spans.id[i].to_text(&s.strings) == "a000000000000006"));
}

#[test]
fn a_bad_file_never_removes_loaded_traces() {
    let mut store = Store::default();
    let good = read("zipkin/zipkin-lens__yelp.json");
    import::load(&mut store, "yelp", &good).unwrap();
    let before = (
        store.spans.len(),
        store.traces.len(),
        store.attrs.len(),
        store.files.len(),
    );
    for bad in [
        "otlp/otlp2parquet__invalid-trace_mixed_encoding.json",
        "zipkin/zipkin-lens__test-v1-2019.json",
    ] {
        assert!(import::load(&mut store, bad, &read(bad)).is_err());
    }
    // A file that fails half way (second trace object broken).
    let half = br#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"1","operationName":"a","startTime":1,"duration":1}]},{"traceID":"2","spans":[{"traceID":"2","spanID":2"#;
    assert!(import::load(&mut store, "half.json", half).is_err());
    assert_eq!(
        before,
        (
            store.spans.len(),
            store.traces.len(),
            store.attrs.len(),
            store.files.len()
        )
    );
    // and the good trace still reads the same
    assert_eq!(store.traces[0].span_count(), 16);
    import::load(&mut store, "yelp again", &good).unwrap();
    assert_eq!(store.traces.len(), 2);
    assert_eq!(store.traces[1].spans.start, 16);
}

#[test]
fn several_files_accumulate_and_remember_their_source() {
    let mut store = Store::default();
    for f in [
        "jaeger/jaeger-ui__genaiTestTrace.json",
        "otlp/grafana-agent__trace-sample.json",
        "zipkin/zipkin-lens__yelp.json",
    ] {
        import::load(&mut store, f, &read(f)).unwrap();
    }
    assert_eq!(store.files.len(), 3);
    assert_eq!(store.traces.len(), 4);
    assert_eq!(store.spans.len(), 57 + 17 + 16);
    assert_eq!(store.traces[1].file, 1);
    assert_eq!(store.traces[2].file, 1);
    assert_eq!(store.traces[3].file, 2);
    assert_eq!(store.files[1].format, "OTLP/JSON");
    // Every span's trace index points back at a trace that contains it.
    for i in 0..store.spans.len() as u32 {
        assert!(store.trace_of(i).spans.contains(i));
    }
}

/// No input may panic the importer: every real file, truncated and corrupted.
#[test]
fn importer_never_panics_on_damaged_files() {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut files = Vec::new();
    for (f, _) in EXPECTED {
        files.push(read(f));
    }
    for (f, _) in REFUSED {
        files.push(read(f));
    }
    let mut outcomes = (0, 0);
    for bytes in &files {
        let step = (bytes.len() / 60).max(1);
        let mut cases: Vec<Vec<u8>> = (0..bytes.len())
            .step_by(step)
            .map(|n| bytes[..n].to_vec())
            .collect();
        for _ in 0..60 {
            let mut b = bytes.clone();
            for _ in 0..rng.usize(1..4) {
                let i = rng.usize(..b.len());
                match rng.u8(..3) {
                    0 => {
                        let junk = b"{}[]\",:0a-\\ \x00\xff";
                        b[i] = junk[rng.usize(..junk.len())];
                    }
                    1 => {
                        b.remove(i);
                    }
                    _ => b.insert(i, b"\"{[0"[rng.usize(..4)]),
                }
                if b.is_empty() {
                    break;
                }
            }
            cases.push(b);
        }
        for case in cases {
            let mut store = Store::default();
            match import::load(&mut store, "damaged", &case) {
                Ok(_) => outcomes.0 += 1,
                Err(e) => {
                    assert!(!e.message.is_empty());
                    assert!(store.spans.is_empty() && store.traces.is_empty());
                    outcomes.1 += 1;
                }
            }
        }
    }
    assert!(outcomes.0 > 100 && outcomes.1 > 1000, "{outcomes:?}");
}

/// A real Jaeger file cut off anywhere says that it ends early, and inside
/// what in Jaeger's terms: never "expected a map of Zipkin tags", what a
/// bare span array cut inside its first span said (issue 21, defect 9).
#[test]
fn a_cut_jaeger_file_says_it_ends_early_in_jaeger_terms() {
    for rel in [
        "jaeger/jaeger__anonymizer-trace_success.json",
        "jaeger/jaeger-analytics-java__ui-trace.json",
        "jaeger/jaeger-ui__TraceGraph-testTrace.json",
    ] {
        let bytes = read(rel);
        let text = std::str::from_utf8(&bytes).unwrap();
        let mut tags = 0;
        for at in (2..bytes.len()).step_by(7) {
            let whole = at >= bytes.trim_ascii_end().len();
            if whole || !text.is_char_boundary(at) || bytes[..at].trim_ascii_end().len() < at {
                continue;
            }
            let mut s = Store::default();
            let Err(e) = import::load(&mut s, rel, &bytes[..at]) else {
                panic!("{rel} cut at {at} loads");
            };
            assert!(
                e.message.starts_with("the file ends early")
                    && e.message
                        .ends_with("it was cut off (an interrupted download, copy or save?)")
                    && !e.message.contains("Zipkin"),
                "{rel} cut at {at}: {e}"
            );
            // At its last byte.
            assert_eq!(e.offset, Some(at - 1), "{rel} cut at {at}: {e}");
            tags += e.message.contains("inside a tag of a Jaeger span") as usize;
        }
        assert!(tags > 0, "{rel}");
    }
    // The bare span array cut inside its first span's tags.
    let rel = "jaeger/jaeger__anonymizer-trace_success.json";
    let bytes = read(rel);
    let at = bytes.windows(8).position(|w| w == b"\"tags\":[").unwrap() + 12;
    let e = load_err_bytes(rel, &bytes[..at]);
    assert_eq!(
        e.message,
        "the file ends early, inside a tag of a Jaeger span: it was cut off (an interrupted download, copy or save?)"
    );
    assert_eq!(e.path.as_deref(), Some("[0].tags[0].?"));
}

fn load_err_bytes(rel: &str, bytes: &[u8]) -> ImportError {
    let mut store = Store::default();
    match import::load(&mut store, rel, bytes) {
        Ok(_) => panic!("{rel} should not load"),
        Err(e) => e,
    }
}

/// Numbers past u64 are quoted as the file wrote them (issue 21, defect 9).
#[test]
fn a_number_past_u64_is_quoted_as_written() {
    let json = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2","droppedAttributesCount":18446744073709551617}]}]}]}"#;
    let e = load_err_bytes("big.json", json.as_bytes());
    assert_eq!(
        e.message,
        "expected an unsigned integer, got 18446744073709551617"
    );
    assert_eq!(
        e.path.as_deref(),
        Some("resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount")
    );
}

/// Every real file, gzip-compressed or saved as UTF-16 (little- and
/// big-endian, with a byte order mark), loads as the file itself does, and
/// says what it was decoded from (issue 21, defect 9).
#[test]
fn gzip_and_utf16_files_load_as_their_text() {
    use std::io::Write;
    let mut checked = 0;
    for (rel, bytes) in common::real_files() {
        let mut plain = Store::default();
        let Ok(_) = import::load(&mut plain, &rel, &bytes) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes).unwrap();
        let gz = gz.finish().unwrap();
        let mut le = vec![0xff, 0xfe];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xfe, 0xff];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (what, dressed) in [
            ("gzip-compressed", gz),
            ("UTF-16 text", le),
            ("UTF-16 text", be),
        ] {
            let mut s = Store::default();
            import::load(&mut s, &rel, &dressed).unwrap_or_else(|e| panic!("{what} {e}"));
            let note = s.files[0].warnings.remove(0);
            assert!(note.starts_with(what), "{rel}: {note}");
            assert_eq!(
                strata::model::describe::describe(&s),
                strata::model::describe::describe(&plain),
                "{rel} as {what}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 40, "{checked}");
    // Errors say where, in the decoded text.
    let mut s = Store::default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"{\"data\": [}").unwrap();
    let e = import::load(&mut s, "bad.json.gz", &gz.finish().unwrap()).unwrap_err();
    assert_eq!(e.offset, Some(10));
    assert!(
        e.message
            .ends_with("(positions count the decompressed text)"),
        "{}",
        e.message
    );
}

/// The worker path: each file parsed into a store of its own and handed over
/// as a snapshot ends up exactly as if it had been loaded on the main thread
/// (after the demo), down to every exported span.
#[test]
fn worker_snapshots_equal_direct_loads() {
    let demo = strata::sources::demo::bytes();
    for (rel, _) in EXPECTED {
        let bytes = read(rel);
        let mut direct = Store::default();
        import::load(&mut direct, "demo", &demo).unwrap();
        import::load(&mut direct, rel, &bytes).unwrap();

        let mut part = Store::default();
        import::load(&mut part, rel, &bytes).unwrap();
        let mut merged = Store::default();
        import::load(&mut merged, "demo", &demo).unwrap();
        assert_eq!(merged.append_snapshot(&part.to_snapshot()).unwrap(), 1);

        assert_eq!(merged.traces.len(), direct.traces.len(), "{rel}");
        assert_eq!(measure(&merged), measure(&direct), "{rel}");
        for t in 0..direct.traces.len() as u32 {
            assert!(
                strata::export::otlp::otlp_json(&merged, t)
                    == strata::export::otlp::otlp_json(&direct, t),
                "{rel}: trace {t} differs"
            );
        }
    }
}

/// Clock skew found in the real files: per file, (trace, spans adjusted,
/// largest shift in ns). Every other file has none. Checked by hand:
/// - grafana-agent trace-sample (the TNS demo, hosts by `host.name`): in the
///   first trace the app server of `HTTP GET` starts 700 ms before the
///   loadgen client that called it and is longer (2 s vs 1.3 s): moved to
///   the client's start (+699.994 ms) with its two app descendants; the db
///   server below them, as long as its app client, is then centred in the
///   moved client (+700.479 ms); the db server of `HTTP POST` starts 600 ms
///   before its app client and is longer: +600.303 ms. In the second trace
///   the db server starts 413 µs before its equally long app client. (The
///   same spans without parents, unpaired-trace-sample-legacy, have no
///   pairs: nothing moves.)
/// - zipkin-lens ascend: the auth-service server half (172.17.0.9) ends
///   10 ms after its mobile-gateway client half (172.17.0.13) ended:
///   centred (-14.206 ms), with its extend-token-life child.
/// - zipkin-lens smartthings: three server halves end after their client
///   halves (account -743.5 µs; bouncer -771 µs with its client child;
///   auth -2.2305 ms with its client child).
type Skewed = (usize, usize, i64);
const SKEWED: &[(&str, &[Skewed])] = &[
    (
        "otlp/grafana-agent__trace-sample.json",
        &[(0, 5, 700_479_000), (1, 1, 413_000)],
    ),
    ("zipkin/zipkin-lens__ascend.json", &[(0, 2, -14_206_000)]),
    (
        "zipkin/zipkin-lens__smartthings-oauth-authorization.json",
        &[(0, 5, -2_230_500)],
    ),
];

#[test]
fn clock_skew_in_real_files_is_corrected_and_undone_exactly() {
    use strata::model::describe::describe;
    use strata::model::WarningKind;
    let without_note = |s: &mut Store| {
        for t in &mut s.traces {
            t.warnings.retain(|w| w.kind != WarningKind::ClockSkew);
        }
    };
    for (file, _) in EXPECTED {
        let mut s = load(file);
        let got: Vec<Skewed> = s
            .traces
            .iter()
            .enumerate()
            .filter(|(_, t)| t.skew.adjusted() > 0)
            .map(|(k, t)| (k, t.skew.adjusted(), t.skew.largest()))
            .collect();
        let want = SKEWED
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, w)| w.to_vec())
            .unwrap_or_default();
        assert_eq!(got, want, "{file}");
        // Raw times are exactly what a build on the file's times gives.
        let corrected = describe(&s);
        s.set_skew_corrected(false);
        let mut raw = load(file);
        raw.set_skew_corrected(false);
        for t in 0..raw.traces.len() as u32 {
            strata::analysis::tree::build(&mut raw, t);
        }
        without_note(&mut raw);
        let mut bare = Store::from_snapshot(&s.to_snapshot()).unwrap();
        without_note(&mut bare);
        assert_eq!(describe(&bare), describe(&raw), "{file}");
        s.set_skew_corrected(true);
        assert_eq!(describe(&s), corrected, "{file}");
    }
}
