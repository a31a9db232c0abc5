//! Synthetic traces through the writers and the real importer: the large-trace
//! generator's shape survives both formats, and a small hand-built trace reads
//! back field by field.

use std::collections::HashMap;

use strata::demo::big;
use strata::demo::synth::{
    write_jaeger_json, write_otlp_json, SynthEvent, SynthKind, SynthResource, SynthSpan, SynthValue,
};
use strata::import;
use strata::model::{
    LinkKind, SpanFlags, SpanId, SpanKind, StatusCode, Store, TraceId, Value, WarningKind, NONE,
};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Otlp,
    Jaeger,
}

const FORMATS: [Format; 2] = [Format::Otlp, Format::Jaeger];

fn write(format: Format, spans: &[SynthSpan], resources: &[SynthResource]) -> Vec<u8> {
    let mut out = Vec::new();
    match format {
        Format::Otlp => write_otlp_json(spans, resources, &mut out),
        Format::Jaeger => write_jaeger_json(spans, resources, &mut out),
    }
    .expect("writing to memory");
    out
}

fn load(format: Format, spans: &[SynthSpan], resources: &[SynthResource]) -> Store {
    let bytes = write(format, spans, resources);
    let mut store = Store::default();
    if let Err(e) = import::load(&mut store, "synth.json", &bytes) {
        panic!("{format:?}: the importer refused the file: {e:?}");
    }
    store
}

fn trace_id(id: u128) -> TraceId {
    TraceId::Hex128((id >> 64) as u64, id as u64)
}

/// A stored value as the SynthValue it came from (strings resolved).
fn synth_value(store: &Store, v: &Value) -> SynthValue {
    match v {
        Value::Str(t) => SynthValue::Str(store.text(*t).to_owned()),
        Value::Int(n) => SynthValue::Int(*n),
        Value::Double(f) => SynthValue::Double(*f),
        Value::Bool(b) => SynthValue::Bool(*b),
        other => panic!("unexpected value {other:?}"),
    }
}

fn attrs_of(store: &Store, attrs: &[strata::model::Attr]) -> Vec<(String, SynthValue)> {
    attrs
        .iter()
        .map(|a| (store.str(a.key).to_owned(), synth_value(store, &a.value)))
        .collect()
}

#[test]
fn big_trace_survives_both_formats() {
    let n = 10_000;
    let (spans, resources) = big::generate(n, 42);
    assert_eq!(spans.len(), n);
    let errors = spans.iter().filter(|s| s.error.is_some()).count();
    assert!(
        errors * 100 >= n && errors * 100 <= 8 * n,
        "a few percent of spans fail: {errors}"
    );
    let events: usize = spans.iter().map(|s| s.events.len()).sum();
    let attrs: usize = spans.iter().map(|s| s.attrs.len()).sum();
    for format in FORMATS {
        let store = load(format, &spans, &resources);
        assert_eq!(store.traces.len(), 1, "{format:?}");
        let t = &store.traces[0];
        let s = &t.summary;
        assert_eq!(t.span_count(), n, "{format:?}");
        assert_eq!(t.id, trace_id(spans[0].trace_id), "{format:?}");
        assert_eq!(s.services.len(), 20, "{format:?}");
        assert!(
            (11..=15).contains(&s.max_depth),
            "{format:?}: max depth {}",
            s.max_depth
        );
        assert_eq!((s.orphans, s.duplicates, s.cycles), (0, 0, 0), "{format:?}");
        assert_eq!(s.roots, 1, "{format:?}");
        assert_eq!(s.errors as usize, errors, "{format:?}");
        assert_eq!(store.events.len(), events, "{format:?}");
        assert!(
            store.attrs.len() >= attrs && store.attrs.len() <= n * 16,
            "{format:?}: {} attributes for {n} spans",
            store.attrs.len()
        );
        assert!(attrs >= n * 9, "about ten attributes per span: {attrs}");
        // Children start within their parents (also after Jaeger's rounding to
        // microseconds); only asynchronous consumers outlive their parent.
        for w in &t.warnings {
            match w.kind {
                WarningKind::EndsAfterParent => assert!(
                    (w.count as usize) * 20 < n,
                    "{format:?}: {} spans end after their parent",
                    w.count
                ),
                other => panic!("{format:?}: unexpected warning {other:?}: {}", w.message),
            }
        }
        let root = s.root as usize;
        assert_eq!(store.spans.parent[root], NONE);
        assert_eq!(store.str(store.spans.service[root]), "api-gateway");
        assert_eq!(store.spans.kind[root], SpanKind::Server);
    }
}

#[test]
fn many_traces() {
    let (spans, resources) = big::generate_many(5, 400, 11);
    assert_eq!(spans.len(), 2000);
    for format in FORMATS {
        let store = load(format, &spans, &resources);
        assert_eq!(store.traces.len(), 5, "{format:?}");
        let mut prev_start = i64::MIN;
        for (k, t) in store.traces.iter().enumerate() {
            assert_eq!(t.span_count(), 400);
            assert_eq!(t.summary.roots, 1);
            assert_eq!(t.summary.orphans, 0);
            assert!(t.summary.start > prev_start, "traces are in time order");
            prev_start = t.summary.start;
            // Each root after the first links to the previous trace's root.
            let links = store.span_links(t.summary.root);
            if k == 0 {
                assert!(links.is_empty());
            } else {
                let prev = &store.traces[k - 1];
                assert_eq!(links.len(), 1, "{format:?}");
                assert_eq!(links[0].trace_id, prev.id);
                assert_eq!(links[0].span_id, store.spans.id[prev.summary.root as usize]);
                let kind = if format == Format::Otlp {
                    LinkKind::Link
                } else {
                    LinkKind::FollowsFrom
                };
                assert_eq!(links[0].kind, kind);
                assert_eq!(
                    store.find_span(links[0].trace_id, links[0].span_id),
                    Some(prev.summary.root)
                );
            }
        }
    }
}

#[test]
fn deterministic_bytes() {
    let (a, ra) = big::generate(3000, 5);
    let (b, rb) = big::generate(3000, 5);
    let (c, rc) = big::generate(3000, 6);
    for format in FORMATS {
        assert_eq!(write(format, &a, &ra), write(format, &b, &rb), "{format:?}");
        assert_ne!(write(format, &a, &ra), write(format, &c, &rc), "{format:?}");
    }
    let (m1, r1) = big::generate_many(3, 200, 8);
    let (m2, r2) = big::generate_many(3, 200, 8);
    assert_eq!(write(Format::Otlp, &m1, &r1), write(Format::Otlp, &m2, &r2));
}

#[test]
fn exact_span_counts() {
    for n in [1usize, 2, 5, 77, 1000, 2500] {
        let (spans, resources) = big::generate(n, 3);
        assert_eq!(spans.len(), n);
        let store = load(Format::Otlp, &spans, &resources);
        assert_eq!(store.traces[0].span_count(), n);
        assert_eq!(store.traces[0].summary.orphans, 0);
    }
}

const TRACE: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
const OTHER_TRACE: u128 = 0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100;
const BIG_INT: i64 = 9_007_199_254_740_993; // 2^53 + 1: not a double

fn small() -> (Vec<SynthSpan>, Vec<SynthResource>) {
    let root = SynthSpan {
        trace_id: TRACE,
        span_id: 0x0000_0000_0000_00a1, // leading zeros must survive
        parent_id: None,
        follows_from: false,
        service: "front \"end\" ✓".into(),
        name: "GET /naïve/\"quoted\"/back\\slash 😀".into(),
        kind: SynthKind::Server,
        start_ns: 1_700_000_000_123_456_789,
        duration_ns: 5_000_000_321,
        error: None,
        attrs: vec![
            (
                "text".into(),
                SynthValue::Str("tab\there \"q\" \\ é 中 😀 \u{1} \u{7f} \u{2028}".into()),
            ),
            ("big".into(), SynthValue::Int(BIG_INT)),
            ("neg".into(), SynthValue::Int(-42)),
            ("min".into(), SynthValue::Int(i64::MIN)),
            ("half".into(), SynthValue::Double(1.5)),
            ("tenth".into(), SynthValue::Double(0.1)),
            ("tiny".into(), SynthValue::Double(-2.5e-8)),
            ("whole".into(), SynthValue::Double(3.0)),
            ("flag".into(), SynthValue::Bool(true)),
            ("off".into(), SynthValue::Bool(false)),
            ("empty".into(), SynthValue::Str(String::new())),
        ],
        events: vec![SynthEvent {
            time_ns: 1_700_000_000_223_456_789,
            name: "cache \"miss\"".into(),
            attrs: vec![
                ("key".into(), SynthValue::Str("k:1".into())),
                ("n".into(), SynthValue::Int(BIG_INT)),
            ],
        }],
        links: vec![(OTHER_TRACE, 0x1122_3344_5566_7788)],
    };
    let child = SynthSpan {
        trace_id: TRACE,
        span_id: 0xffff_0000_0000_0001,
        parent_id: Some(root.span_id),
        follows_from: false,
        service: "db".into(),
        name: "SELECT ☃".into(),
        kind: SynthKind::Client,
        start_ns: 1_700_000_000_200_000_999,
        duration_ns: 1_000_001,
        error: Some("boom: \"bad\" ünïcode\nline 2".into()),
        attrs: vec![(
            "db.statement".into(),
            SynthValue::Str("SELECT 'x' FROM \"t\"".into()),
        )],
        events: vec![],
        links: vec![],
    };
    let consumer = SynthSpan {
        trace_id: TRACE,
        span_id: 0x0abc_def0_1234_5678,
        parent_id: Some(child.span_id),
        follows_from: true,
        service: "worker".into(),
        name: "queue process".into(),
        kind: SynthKind::Consumer,
        start_ns: 1_700_000_000_200_500_000,
        duration_ns: 9_000_000_000,
        error: None,
        attrs: vec![],
        events: vec![SynthEvent {
            time_ns: 1_700_000_000_300_000_000,
            name: "done".into(),
            attrs: vec![("ok".into(), SynthValue::Bool(true))],
        }],
        links: vec![],
    };
    let resources = vec![
        SynthResource {
            service: "db".into(),
            attrs: vec![
                (
                    "host.name".into(),
                    SynthValue::Str("db-1 \"primary\"".into()),
                ),
                ("process.pid".into(), SynthValue::Int(4242)),
            ],
        },
        SynthResource {
            service: "unused".into(),
            attrs: vec![("x".into(), SynthValue::Int(1))],
        },
    ];
    (vec![root, child, consumer], resources)
}

fn micros(ns: i64) -> i64 {
    ns / 1000 * 1000
}

#[test]
fn small_trace_round_trips_exactly() {
    let (spans, resources) = small();
    for format in FORMATS {
        let store = load(format, &spans, &resources);
        assert_eq!(store.traces.len(), 1, "{format:?}");
        let t = &store.traces[0];
        assert_eq!(t.id, trace_id(TRACE), "{format:?}");
        assert_eq!(t.span_count(), 3);
        assert_eq!(
            (t.summary.orphans, t.summary.cycles, t.summary.duplicates),
            (0, 0, 0)
        );
        assert_eq!(t.summary.errors, 1);
        assert_eq!(t.summary.services.len(), 3);
        let index: HashMap<SpanId, usize> =
            t.spans.range().map(|i| (store.spans.id[i], i)).collect();
        let at = |s: &SynthSpan| index[&SpanId::Hex(s.span_id)];
        let jaeger = format == Format::Jaeger;
        let time = |ns: i64| if jaeger { micros(ns) } else { ns };

        for s in &spans {
            let i = at(s);
            let what = format!("{format:?} span {}", s.name);
            assert_eq!(store.str(store.spans.name[i]), s.name, "{what}");
            assert_eq!(store.str(store.spans.service[i]), s.service, "{what}");
            let kind = match s.kind {
                SynthKind::Internal => SpanKind::Internal,
                SynthKind::Server => SpanKind::Server,
                SynthKind::Client => SpanKind::Client,
                SynthKind::Producer => SpanKind::Producer,
                SynthKind::Consumer => SpanKind::Consumer,
            };
            assert_eq!(store.spans.kind[i], kind, "{what}");
            assert_eq!(store.spans.start[i], time(s.start_ns), "{what}");
            let duration = if jaeger {
                micros(s.duration_ns)
            } else {
                s.duration_ns
            };
            assert_eq!(store.spans.duration[i], duration, "{what}");
            // Parents.
            match s.parent_id {
                None => assert_eq!(store.spans.parent[i], NONE, "{what}"),
                Some(p) => {
                    assert_eq!(store.spans.parent_id[i], Some(SpanId::Hex(p)), "{what}");
                    assert_eq!(
                        store.spans.parent[i] as usize,
                        index[&SpanId::Hex(p)],
                        "{what}"
                    );
                }
            }
            // FOLLOWS_FROM is Jaeger's; OTLP has no such reference.
            assert_eq!(
                store.spans.flags[i].contains(SpanFlags::FOLLOWS_FROM),
                jaeger && s.follows_from,
                "{what}"
            );
            // Status.
            match &s.error {
                Some(msg) => {
                    assert_eq!(store.spans.status[i], StatusCode::Error, "{what}");
                    assert_eq!(store.text(store.spans.status_message[i]), msg, "{what}");
                }
                None => assert_eq!(store.spans.status[i], StatusCode::Unset, "{what}"),
            }
            // Attributes, typed exactly. Jaeger adds the tags that carry kind
            // and status.
            let mut want = s.attrs.clone();
            if jaeger {
                want.push(("span.kind".into(), SynthValue::Str(kind.label().into())));
                if let Some(msg) = &s.error {
                    want.push(("error".into(), SynthValue::Bool(true)));
                    want.push((
                        "otel.status_description".into(),
                        SynthValue::Str(msg.clone()),
                    ));
                }
            }
            assert_eq!(attrs_of(&store, store.span_attrs(i as u32)), want, "{what}");
            // Events (Jaeger logs: the name is the `event` field).
            let events = store.span_events(i as u32);
            assert_eq!(events.len(), s.events.len(), "{what}");
            for (e, se) in events.iter().zip(&s.events) {
                assert_eq!(store.str(e.name), se.name, "{what}");
                assert_eq!(e.time, time(se.time_ns), "{what}");
                let mut want = Vec::new();
                if jaeger {
                    want.push(("event".to_owned(), SynthValue::Str(se.name.clone())));
                }
                want.extend(se.attrs.iter().cloned());
                assert_eq!(attrs_of(&store, store.attrs_of(e.attrs)), want, "{what}");
            }
            // Links (Jaeger: FOLLOWS_FROM references into the other trace).
            let links = store.span_links(i as u32);
            assert_eq!(links.len(), s.links.len(), "{what}");
            for (l, (lt, ls)) in links.iter().zip(&s.links) {
                assert_eq!(l.trace_id, trace_id(*lt), "{what}");
                assert_eq!(l.span_id, SpanId::Hex(*ls), "{what}");
                let kind = if jaeger {
                    LinkKind::FollowsFrom
                } else {
                    LinkKind::Link
                };
                assert_eq!(l.kind, kind, "{what}");
            }
        }

        // Resource attributes of the service that has some.
        let db = at(&spans[1]);
        let res = store.resource_of(db as u32).expect("resource");
        let mut attrs = attrs_of(&store, store.attrs_of(res.attrs));
        attrs.retain(|(k, _)| k != "service.name");
        assert_eq!(attrs, resources[0].attrs, "{format:?}");
        if format == Format::Otlp {
            let scope = store.scope_of(db as u32).expect("scope");
            assert_eq!(store.str(scope.name), "strata-demo");
        }
    }
}

#[test]
fn writers_spell_the_formats() {
    let (spans, resources) = small();
    let otlp: serde_json::Value =
        serde_json::from_slice(&write(Format::Otlp, &spans, &resources)).unwrap();
    let rs = otlp["resourceSpans"].as_array().unwrap();
    assert_eq!(rs.len(), 3, "one ResourceSpans per service");
    let root = &rs[0]["scopeSpans"][0]["spans"][0];
    assert_eq!(root["traceId"], "0123456789abcdeffedcba9876543210");
    assert_eq!(root["spanId"], "00000000000000a1");
    assert!(root.get("parentSpanId").is_none());
    assert!(root.get("status").is_none());
    assert_eq!(root["kind"], 2);
    assert_eq!(root["startTimeUnixNano"], "1700000000123456789");
    assert_eq!(root["endTimeUnixNano"], "1700000005123457110");
    assert_eq!(
        root["attributes"][1]["value"]["intValue"],
        "9007199254740993"
    );
    assert_eq!(root["links"][0]["spanId"], "1122334455667788");
    let db = &rs[1];
    assert_eq!(db["resource"]["attributes"][0]["key"], "service.name");
    assert_eq!(
        db["resource"]["attributes"][0]["value"]["stringValue"],
        "db"
    );
    let child = &db["scopeSpans"][0]["spans"][0];
    assert_eq!(child["parentSpanId"], "00000000000000a1");
    assert_eq!(child["status"]["code"], 2);

    let jaeger: serde_json::Value =
        serde_json::from_slice(&write(Format::Jaeger, &spans, &resources)).unwrap();
    let trace = &jaeger["data"][0];
    assert_eq!(jaeger["data"].as_array().unwrap().len(), 1);
    assert_eq!(trace["traceID"], "0123456789abcdeffedcba9876543210");
    assert_eq!(trace["processes"]["p2"]["serviceName"], "db");
    let js = trace["spans"].as_array().unwrap();
    assert_eq!(js[0]["startTime"], 1_700_000_000_123_456i64);
    assert_eq!(js[0]["duration"], 5_000_000i64);
    assert_eq!(js[0]["references"][0]["refType"], "FOLLOWS_FROM");
    assert_eq!(
        js[0]["references"][0]["traceID"],
        "0f0e0d0c0b0a09080706050403020100"
    );
    assert_eq!(js[1]["references"][0]["refType"], "CHILD_OF");
    assert_eq!(js[2]["references"][0]["refType"], "FOLLOWS_FROM");
    assert_eq!(js[1]["processID"], "p2");
    assert!(jaeger["errors"].is_null());
}
