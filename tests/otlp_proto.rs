//! OTLP protobuf import and export (`strata::import::otlp_proto`,
//! `strata::export::otlp_proto`):
//! - the captures of the OpenTelemetry JavaScript SDK's two OTLP/HTTP
//!   exporters (tests/captures: the same spans sent as protobuf and as JSON)
//!   import to the same store;
//! - hand-built messages import as their OTLP/JSON spelling does: every
//!   value type (int64 past 2^53, arrays, maps, bytes, empty values),
//!   events, links, dropped counts, statuses, kinds, scopes, several
//!   resources; unknown fields of every wire type, repeated fields in
//!   several runs, fields given twice, empty messages; the collector file
//!   exporter's length-prefixed messages;
//! - files cut short or damaged say what is wrong and where (byte offset,
//!   field path, message), never panic; the limits are JSON's;
//! - a file parsed in parts makes the store a plain load makes;
//! - the protobuf export of every real trace imports as its OTLP/JSON
//!   export does.
//!
//! Stores are compared as text: `describe` (without its file lines, which
//! name the file and its format) and [`dump`], which adds everything else a
//! span holds, with types.

#[allow(dead_code)]
mod common;

use std::path::Path;

use base64::Engine;
use prost::Message;
use strata::export;
use strata::import::otlp_proto::{sniff, Framing, FORMAT, FORMAT_PREFIXED};
use strata::import::proto::{self as pb, any_value::Value as V};
use strata::import::{self, limits, ImportError};
use strata::model::{Store, Value};

use common::dump;

fn load(name: &str, bytes: &[u8]) -> Result<Store, ImportError> {
    let mut s = Store::default();
    import::load(&mut s, name, bytes)?;
    Ok(s)
}

fn err(name: &str, bytes: &[u8]) -> ImportError {
    match load(name, bytes) {
        Ok(_) => panic!("{name} loaded"),
        Err(e) => e,
    }
}

fn loaded(name: &str, bytes: &[u8]) -> Store {
    load(name, bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn format_of(s: &Store) -> &str {
    &s.files.last().unwrap().format
}

fn notes(s: &Store) -> Vec<String> {
    s.files.last().unwrap().warnings.clone()
}

// ---------------------------------------------------------------------------
// OTLP/JSON of a protobuf message: an independent spelling of the same spans

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn json_value(v: &pb::AnyValue) -> serde_json::Value {
    use serde_json::json;
    match &v.value {
        None => json!({}),
        Some(V::StringValue(s)) => json!({ "stringValue": s }),
        Some(V::BoolValue(b)) => json!({ "boolValue": b }),
        Some(V::IntValue(n)) => json!({ "intValue": n.to_string() }),
        Some(V::DoubleValue(f)) if f.is_nan() => json!({ "doubleValue": "NaN" }),
        Some(V::DoubleValue(f)) if f.is_infinite() => {
            json!({ "doubleValue": if *f > 0.0 { "Infinity" } else { "-Infinity" } })
        }
        Some(V::DoubleValue(f)) => json!({ "doubleValue": f }),
        Some(V::BytesValue(b)) => {
            json!({ "bytesValue": base64::engine::general_purpose::STANDARD.encode(b) })
        }
        Some(V::ArrayValue(a)) => {
            json!({ "arrayValue": { "values": a.values.iter().map(json_value).collect::<Vec<_>>() } })
        }
        Some(V::KvlistValue(m)) => json!({ "kvlistValue": { "values": json_kvs(&m.values) } }),
    }
}

fn json_kvs(kvs: &[pb::KeyValue]) -> Vec<serde_json::Value> {
    kvs.iter()
        .map(|kv| match &kv.value {
            Some(v) => serde_json::json!({ "key": kv.key, "value": json_value(v) }),
            None => serde_json::json!({ "key": kv.key }),
        })
        .collect()
}

fn json_span(s: &pb::Span) -> serde_json::Value {
    use serde_json::json;
    let mut j = json!({
        "traceId": hex(&s.trace_id),
        "spanId": hex(&s.span_id),
        "traceState": s.trace_state,
        "flags": s.flags,
        "name": s.name,
        "kind": s.kind,
        "startTimeUnixNano": s.start_time_unix_nano.to_string(),
        "endTimeUnixNano": s.end_time_unix_nano.to_string(),
        "attributes": json_kvs(&s.attributes),
        "droppedAttributesCount": s.dropped_attributes_count,
        "events": s.events.iter().map(|e| json!({
            "timeUnixNano": e.time_unix_nano.to_string(),
            "name": e.name,
            "attributes": json_kvs(&e.attributes),
            "droppedAttributesCount": e.dropped_attributes_count,
        })).collect::<Vec<_>>(),
        "droppedEventsCount": s.dropped_events_count,
        "links": s.links.iter().map(|l| json!({
            "traceId": hex(&l.trace_id),
            "spanId": hex(&l.span_id),
            "traceState": l.trace_state,
            "attributes": json_kvs(&l.attributes),
            "droppedAttributesCount": l.dropped_attributes_count,
            "flags": l.flags,
        })).collect::<Vec<_>>(),
        "droppedLinksCount": s.dropped_links_count,
    });
    if !s.parent_span_id.is_empty() {
        j["parentSpanId"] = json!(hex(&s.parent_span_id));
    }
    if let Some(st) = &s.status {
        j["status"] = json!({ "code": st.code, "message": st.message });
    }
    j
}

fn json_of(td: &pb::TracesData) -> serde_json::Value {
    use serde_json::json;
    json!({ "resourceSpans": td.resource_spans.iter().map(|rs| {
        let mut r = json!({
            "scopeSpans": rs.scope_spans.iter().map(|ss| {
                let mut j = json!({
                    "spans": ss.spans.iter().map(json_span).collect::<Vec<_>>(),
                    "schemaUrl": ss.schema_url,
                });
                if let Some(sc) = &ss.scope {
                    j["scope"] = json!({
                        "name": sc.name,
                        "version": sc.version,
                        "attributes": json_kvs(&sc.attributes),
                        "droppedAttributesCount": sc.dropped_attributes_count,
                    });
                }
                j
            }).collect::<Vec<_>>(),
            "schemaUrl": rs.schema_url,
        });
        if let Some(res) = &rs.resource {
            r["resource"] = json!({
                "attributes": json_kvs(&res.attributes),
                "droppedAttributesCount": res.dropped_attributes_count,
            });
        }
        r
    }).collect::<Vec<_>>() })
}

fn json_bytes(td: &pb::TracesData) -> Vec<u8> {
    serde_json::to_vec(&json_of(td)).unwrap()
}

/// `td` as protobuf and as OTLP/JSON import to the same store, with the
/// same notes; returns the protobuf store.
fn same_as_json(td: &pb::TracesData) -> Store {
    let proto = loaded("t.bin", &td.encode_to_vec());
    let json = loaded("t.json", &json_bytes(td));
    assert_eq!(format_of(&proto), FORMAT);
    assert_eq!(format_of(&json), "OTLP/JSON");
    assert_eq!(dump(&proto), dump(&json));
    proto
}

// ---------------------------------------------------------------------------
// Messages

fn s(v: &str) -> Option<pb::AnyValue> {
    Some(pb::AnyValue {
        value: Some(V::StringValue(v.into())),
    })
}

fn any(v: V) -> pb::AnyValue {
    pb::AnyValue { value: Some(v) }
}

fn kv(key: &str, v: Option<pb::AnyValue>) -> pb::KeyValue {
    pb::KeyValue {
        key: key.into(),
        value: v,
    }
}

const TRACE: [u8; 16] = [
    0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
];

fn sid(n: u64) -> Vec<u8> {
    n.to_be_bytes().to_vec()
}

fn span(id: u64, parent: u64, name: &str) -> pb::Span {
    pb::Span {
        trace_id: TRACE.to_vec(),
        span_id: sid(id),
        parent_span_id: if parent == 0 { vec![] } else { sid(parent) },
        name: name.into(),
        kind: pb::SpanKind::Internal as i32,
        start_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000,
        end_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000 + 500,
        ..Default::default()
    }
}

fn traces(service: &str, spans: Vec<pb::Span>) -> pb::TracesData {
    pb::TracesData {
        resource_spans: vec![pb::ResourceSpans {
            resource: Some(pb::Resource {
                attributes: vec![kv("service.name", s(service))],
                dropped_attributes_count: 0,
            }),
            scope_spans: vec![pb::ScopeSpans {
                scope: Some(pb::InstrumentationScope {
                    name: "lib".into(),
                    version: "1.0".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// Every value type, nested arrays and maps, every span field.
fn rich() -> pb::TracesData {
    let values = vec![
        kv("str", s("héllo ✓ 🚪")),
        kv("empty.str", s("")),
        kv("bool", Some(any(V::BoolValue(true)))),
        kv("int.past.2^53", Some(any(V::IntValue((1 << 53) + 1)))),
        kv("int.max", Some(any(V::IntValue(i64::MAX)))),
        kv("int.min", Some(any(V::IntValue(i64::MIN)))),
        kv("int.negative", Some(any(V::IntValue(-1)))),
        kv("double", Some(any(V::DoubleValue(0.1)))),
        kv("double.negative.zero", Some(any(V::DoubleValue(-0.0)))),
        kv("double.nan", Some(any(V::DoubleValue(f64::NAN)))),
        kv("double.inf", Some(any(V::DoubleValue(f64::NEG_INFINITY)))),
        kv("double.tiny", Some(any(V::DoubleValue(5e-324)))),
        kv("bytes", Some(any(V::BytesValue(vec![0, 1, 0xfe, 0xff])))),
        kv("bytes.empty", Some(any(V::BytesValue(vec![])))),
        kv("empty.value", Some(pb::AnyValue { value: None })),
        kv("no.value", None),
        kv(
            "array",
            Some(any(V::ArrayValue(pb::ArrayValue {
                values: vec![
                    any(V::StringValue("a".into())),
                    any(V::IntValue(-(1 << 60))),
                    any(V::DoubleValue(2.5)),
                    pb::AnyValue { value: None },
                    any(V::ArrayValue(pb::ArrayValue {
                        values: vec![any(V::BoolValue(false))],
                    })),
                ],
            }))),
        ),
        kv(
            "array.empty",
            Some(any(V::ArrayValue(pb::ArrayValue { values: vec![] }))),
        ),
        kv(
            "map",
            Some(any(V::KvlistValue(pb::KeyValueList {
                values: vec![
                    kv("city", s("Lyon")),
                    kv(
                        "deeper",
                        Some(any(V::KvlistValue(pb::KeyValueList {
                            values: vec![kv("n", Some(any(V::IntValue(9_007_199_254_740_993))))],
                        }))),
                    ),
                    kv("b", Some(any(V::BytesValue(vec![7])))),
                ],
            }))),
        ),
        kv("", s("an empty key")),
    ];
    let mut root = span(1, 0, "POST /api/checkout");
    root.kind = pb::SpanKind::Server as i32;
    root.trace_state = "rojo=00f067aa0ba902b7".into();
    root.flags = 0x301;
    root.attributes = values.clone();
    root.dropped_attributes_count = 7;
    root.events = vec![
        pb::Event {
            time_unix_nano: 1_700_000_000_000_000_100,
            name: "exception".into(),
            attributes: vec![
                kv("exception.type", s("CardDeclinedError")),
                kv("exception.message", s("card declined (402)")),
            ],
            dropped_attributes_count: 2,
        },
        pb::Event {
            name: "no time, no attributes".into(),
            ..Default::default()
        },
        pb::Event {
            time_unix_nano: u64::MAX,
            name: "past 2262".into(),
            attributes: values.clone(),
            dropped_attributes_count: 0,
        },
    ];
    root.dropped_events_count = 3;
    root.links = vec![
        pb::Link {
            trace_id: vec![0xab; 16],
            span_id: sid(0x1122334455667788),
            trace_state: "vendor=x".into(),
            attributes: vec![kv("link.reason", s("retry of"))],
            dropped_attributes_count: 1,
            flags: 0x101,
        },
        pb::Link {
            trace_id: TRACE.to_vec(),
            span_id: sid(3),
            ..Default::default()
        },
    ];
    root.dropped_links_count = 4;
    root.status = Some(pb::Status {
        message: "500 Internal Server Error".into(),
        code: pb::StatusCode::Error as i32,
    });
    let mut kinds = Vec::new();
    for (k, kind) in [
        pb::SpanKind::Unspecified,
        pb::SpanKind::Client,
        pb::SpanKind::Producer,
        pb::SpanKind::Consumer,
    ]
    .into_iter()
    .enumerate()
    {
        let mut sp = span(k as u64 + 2, 1, &format!("kind {kind:?}"));
        sp.kind = kind as i32;
        sp.status = Some(pb::Status {
            message: String::new(),
            code: (k % 3) as i32,
        });
        kinds.push(sp);
    }
    let mut no_times = span(9, 2, "no times");
    no_times.start_time_unix_nano = 0;
    no_times.end_time_unix_nano = 0;
    let mut bad_times = span(10, 2, "ends before it starts, or past 2262");
    bad_times.end_time_unix_nano = 5;
    let mut past = span(11, 2, "starts past 2262");
    past.start_time_unix_nano = 11_651_379_494_838_206_464;
    kinds.extend([no_times, bad_times, past]);
    let mut td = traces("payment", vec![root]);
    let rs = &mut td.resource_spans[0];
    rs.schema_url = "https://opentelemetry.io/schemas/1.26.0".into();
    rs.resource.as_mut().unwrap().attributes.push(kv(
        "host.tags",
        Some(any(V::ArrayValue(pb::ArrayValue {
            values: vec![any(V::StringValue("blue".into()))],
        }))),
    ));
    rs.resource.as_mut().unwrap().dropped_attributes_count = 5;
    rs.scope_spans[0].schema_url = "https://example.com/schema".into();
    rs.scope_spans[0].scope.as_mut().unwrap().attributes = vec![kv("scope.attr", s("x"))];
    rs.scope_spans[0]
        .scope
        .as_mut()
        .unwrap()
        .dropped_attributes_count = 2;
    rs.scope_spans.push(pb::ScopeSpans {
        scope: None,
        spans: kinds,
        schema_url: String::new(),
    });
    // A second resource without service.name, and one whose service.name
    // is not a string.
    let mut other = traces("", vec![span(20, 1, "other resource")]);
    other.resource_spans[0].resource = Some(pb::Resource {
        attributes: vec![kv("service.name", Some(any(V::IntValue(5))))],
        dropped_attributes_count: 0,
    });
    td.resource_spans.extend(other.resource_spans);
    let mut bare = traces("", vec![span(21, 1, "no resource, no scope")]);
    bare.resource_spans[0].resource = None;
    bare.resource_spans[0].scope_spans[0].scope = None;
    td.resource_spans.extend(bare.resource_spans);
    td
}

// ---------------------------------------------------------------------------
// Real exporters' output

fn capture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/node")
}

/// The files of one encoding of the captures, each with its span ids.
fn capture_files(encoding: &str) -> Vec<(String, Vec<u8>, Vec<String>)> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(capture_dir().join(encoding))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let s = loaded(&name, &bytes);
        let mut ids: Vec<String> = s.spans.id.iter().map(|i| i.to_text(&s.strings)).collect();
        ids.sort();
        out.push((name, bytes, ids));
    }
    out
}

/// The JavaScript SDK's protobuf and JSON exporters, fed the same spans:
/// every request body of each encoding loaded one after another (in the
/// same order: bodies paired by the spans they hold) makes the same store.
#[test]
fn sdk_captures_import_alike_as_protobuf_and_json() {
    let json = capture_files("json");
    let proto = capture_files("proto");
    assert_eq!(json.len(), 3, "one body per service");
    assert_eq!(proto.len(), json.len());
    let (mut js, mut ps) = (Store::default(), Store::default());
    for (name, bytes, ids) in &json {
        let (pname, pbytes, _) = proto
            .iter()
            .find(|(_, _, p)| p == ids)
            .unwrap_or_else(|| panic!("no protobuf body holds the spans of {name}"));
        assert_eq!(sniff(pbytes), Some(Framing::Plain), "{pname}");
        import::load(&mut js, name, bytes).unwrap();
        import::load(&mut ps, pname, pbytes).unwrap();
        assert_eq!(format_of(&js), "OTLP/JSON");
        assert_eq!(format_of(&ps), FORMAT);
    }
    assert_eq!(dump(&ps), dump(&js));
    assert!(ps.spans.len() >= 12, "{}", ps.spans.len());
    // What the script sent, read back.
    let d = dump(&ps);
    for want in [
        "order.big_id=int(9007199254740994)",
        "order.digest=bytes([00, 01, 02, fd, fe, ff])",
        "order.customer={id=str\"c-77\", tier=str\"gold\", visits=int(12), address={city=str\"Lyon\", zip=str\"69001\"}}",
        "order.mixed=[str\"a\", int(1), double(2.5",
        "order.nothing=empty",
        "order.empty_list=[]",
        "event \"exception\"",
        "exception.type=str\"CardDeclinedError\"",
        "dropped Dropped { attrs: 24, events: 3, links: 0 }",
        "dropped Dropped { attrs: 0, events: 0, links: 1 }",
        "link 4bf92f3577b34da6a3ce929d0e0e4736",
        "status Error \"card declined (402)\"",
        "kind Consumer",
        "kind Producer",
        "\"Livraison à domicile, 2ᵉ étage 🚪\"",
    ] {
        assert!(d.contains(want), "{want} not in\n{d}");
    }
}

/// The captures parsed in 2 and 3 parts make the store a plain load makes.
#[test]
fn captures_in_parts_make_a_plain_load() {
    for (name, bytes, _) in capture_files("proto") {
        let whole = strata::fuzzing::whole(Store::default, &bytes).unwrap();
        for count in [2, 3] {
            let parts = strata::fuzzing::in_parts(Store::default, &bytes, count).unwrap();
            assert_eq!(parts, whole, "{name} in {count} parts");
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-built messages

#[test]
fn every_field_and_value_type_imports_as_json_does() {
    let s = same_as_json(&rich());
    let d = dump(&s);
    for want in [
        "int.past.2^53=int(9007199254740993)",
        "int.max=int(9223372036854775807)",
        "int.min=int(-9223372036854775808)",
        "n=int(9007199254740993)",
        "bytes=bytes([00, 01, fe, ff])",
        "empty.value=empty",
        "no.value=empty",
        "double.nan=double(NaN",
        "double.negative.zero=double(-0.0 8000000000000000)",
        "kind Server flags ",
        "dropped Dropped { attrs: 7, events: 3, links: 4 }",
        "event \"exception\" @1700000000000000100 dropped 2",
        "event \"past 2262\" @0",
        "link abababababababababababababababab 1122334455667788 Link dropped 1 [link.reason=str\"retry of\"]",
        "scope [scope.attr=str\"x\"]",
        "resource payment dropped 5",
    ] {
        assert!(d.contains(want), "{want} not in\n{d}");
    }
    assert_eq!(s.resources.len(), 3);
    assert_eq!(s.traces.len(), 1);
}

#[test]
fn an_empty_message_and_empty_parts() {
    // TracesData { resource_spans: [{}] }: protobuf, with no spans.
    let e = err("e.bin", &[0x0a, 0x00]);
    assert_eq!(
        e.message,
        "no spans: the file is OTLP/protobuf but holds no spans"
    );
    // No bytes at all: empty, whatever it was meant to be.
    assert_eq!(err("e.bin", b"").message, "the file is empty");
    // A span with nothing in it.
    let mut td = traces("a", vec![pb::Span::default()]);
    let e = err("e.bin", &td.encode_to_vec());
    assert_eq!(e.message, "a span has no trace_id");
    assert_eq!(
        e.path.as_deref(),
        Some("resource_spans[0].scope_spans[0].spans[0]")
    );
    td.resource_spans[0].scope_spans[0].spans[0].trace_id = TRACE.to_vec();
    let e = err("e.bin", &td.encode_to_vec());
    assert_eq!(e.message, "a span has no span_id");
    // Empty scope, resource, events, links and values are fine.
    let mut sp = span(1, 0, "");
    sp.events = vec![pb::Event::default()];
    sp.attributes = vec![pb::KeyValue::default()];
    let mut td = traces("", vec![sp]);
    td.resource_spans[0].resource = Some(pb::Resource::default());
    td.resource_spans[0].scope_spans[0].scope = Some(pb::InstrumentationScope::default());
    same_as_json(&td);
}

// A minimal protobuf writer, for what prost does not write: unknown
// fields, fields out of order, repeated fields in several runs.

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        if v < 0x80 {
            out.push(v as u8);
            return out;
        }
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
}

fn tag(field: u64, wt: u64) -> Vec<u8> {
    varint(field << 3 | wt)
}

fn field(field: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = tag(field, 2);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

/// Unknown fields of every wire type: varint, 64-bit, length-delimited,
/// a group holding fields and a group, 32-bit, the largest field number.
fn unknown() -> Vec<u8> {
    let mut u = Vec::new();
    u.extend(tag(100, 0));
    u.extend(varint(u64::MAX));
    u.extend(tag(101, 1));
    u.extend([1, 2, 3, 4, 5, 6, 7, 8]);
    u.extend(field(102, b"\xff\xfe not even UTF-8"));
    u.extend(tag(103, 3));
    u.extend(tag(1, 0));
    u.extend(varint(5));
    u.extend(tag(2, 3));
    u.extend(field(1, b"x"));
    u.extend(tag(2, 4));
    u.extend(tag(103, 4));
    u.extend(tag(104, 5));
    u.extend([9, 9, 9, 9]);
    u.extend(tag((1 << 29) - 1, 0));
    u.extend(varint(1));
    u
}

/// `m` encoded, with `extra` after it (protobuf merges them).
fn with<M: Message>(m: &M, extra: &[u8]) -> Vec<u8> {
    let mut b = m.encode_to_vec();
    b.extend_from_slice(extra);
    b
}

/// The rich message rebuilt by hand with unknown fields in every message,
/// before and after the known ones.
#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let td = rich();
    let u = unknown();
    let value = |v: &pb::AnyValue| {
        let mut b = u.clone();
        b.extend(v.encode_to_vec());
        b.extend(&u);
        b
    };
    let key_value = |a: &pb::KeyValue| {
        let mut b = u.clone();
        b.extend(field(1, a.key.as_bytes()));
        if let Some(v) = &a.value {
            b.extend(field(2, &value(v)));
        }
        b.extend(&u);
        b
    };
    let mut body = Vec::new();
    for rs in &td.resource_spans {
        // A ResourceSpans opens with one of its own fields (the first
        // one is what tells protobuf from other binary files).
        let mut r = field(3, b"https://example.com/schema");
        r.extend(&u);
        if let Some(res) = &rs.resource {
            let mut rb = u.clone();
            for a in &res.attributes {
                rb.extend(field(1, &key_value(a)));
            }
            let dropped = pb::Resource {
                attributes: vec![],
                dropped_attributes_count: res.dropped_attributes_count,
            };
            r.extend(field(1, &with(&dropped, &rb)));
        }
        for ss in &rs.scope_spans {
            let mut sb = u.clone();
            if let Some(sc) = &ss.scope {
                sb.extend(field(1, &with(sc, &u)));
            }
            for sp in &ss.spans {
                let mut bare = sp.clone();
                bare.attributes.clear();
                let mut b = with(&bare, &u);
                for a in &sp.attributes {
                    b.extend(field(9, &key_value(a)));
                }
                b.extend(&u);
                sb.extend(field(2, &b));
            }
            sb.extend(&u);
            r.extend(field(2, &sb));
        }
        r.extend(field(3, b"https://example.com/schema"));
        body.extend(field(1, &r));
        body.extend(&u);
    }
    let a = loaded("u.bin", &body);
    let b = loaded("t.bin", &td.encode_to_vec());
    assert_eq!(dump(&a), dump(&b));
}

/// A repeated field may come in several runs, with other fields between
/// them: the span's attributes stay one list. A field given twice keeps the
/// last value, as does an AnyValue given two values; a message given twice
/// is merged.
#[test]
fn repeated_fields_in_runs_and_fields_given_twice() {
    let mut sp = span(1, 0, "first");
    let a = |k: &str| kv(k, s(k));
    let ev = pb::Event {
        time_unix_nano: 5,
        name: "e".into(),
        attributes: vec![a("event.attr")],
        dropped_attributes_count: 0,
    };
    let link = pb::Link {
        trace_id: TRACE.to_vec(),
        span_id: sid(9),
        attributes: vec![a("link.attr")],
        ..Default::default()
    };
    sp.attributes = vec![a("a1")];
    let mut b = sp.encode_to_vec();
    b.extend(field(11, &ev.encode_to_vec()));
    b.extend(field(9, &a("a2").encode_to_vec()));
    b.extend(field(13, &link.encode_to_vec()));
    b.extend(field(9, &a("a3").encode_to_vec()));
    b.extend(field(5, b"second")); // the name again: the last one counts
    b.extend(tag(6, 0)); // the kind again
    b.extend(varint(3));
    // The status twice: merged (code from the first, message from the second).
    b.extend(field(
        15,
        &pb::Status {
            message: String::new(),
            code: 2,
        }
        .encode_to_vec(),
    ));
    b.extend(field(
        15,
        &pb::Status {
            message: "m".into(),
            code: 0,
        }
        .encode_to_vec(),
    ));
    // An AnyValue with a string, then an int: the int.
    let mut v = field(1, b"text");
    v.extend(tag(3, 0));
    v.extend(varint(7));
    let mut last = field(1, b"two values");
    last.extend(field(2, &v));
    b.extend(field(9, &last));
    let mut want = span(1, 0, "second");
    want.kind = 3;
    want.attributes = vec![
        a("a1"),
        a("a2"),
        a("a3"),
        kv("two values", Some(any(V::IntValue(7)))),
    ];
    want.events = vec![ev];
    want.links = vec![link];
    want.status = Some(pb::Status {
        message: "m".into(),
        code: 2,
    });
    let mut td = traces("svc", vec![]);
    let mut body = td.encode_to_vec();
    // Append the hand-made span inside the ScopeSpans: rebuild the nesting.
    let scope = td.resource_spans[0].scope_spans[0].clone();
    let ss = with(&scope, &field(2, &b));
    let mut rs = td.resource_spans[0].clone();
    rs.scope_spans.clear();
    let rsb = with(&rs, &field(2, &ss));
    body.clear();
    body.extend(field(1, &rsb));
    td.resource_spans[0].scope_spans[0].spans = vec![want];
    let got = loaded("r.bin", &body);
    assert_eq!(dump(&got), dump(&same_as_json(&td)));
}

/// The collector file exporter's `format: proto`: each message after its
/// length (4 bytes, big-endian). Several messages (an empty one among
/// them) make the store their JSON Lines (`format: json`) makes.
#[test]
fn length_prefixed_messages_as_the_file_exporter_writes_them() {
    let msgs = vec![
        traces("a", vec![span(1, 0, "root"), span(2, 1, "child")]),
        pb::TracesData::default(),
        traces("b", vec![span(3, 2, "grandchild")]),
        rich(),
    ];
    let mut framed = Vec::new();
    let mut lines = Vec::new();
    for m in &msgs {
        let b = m.encode_to_vec();
        framed.extend((b.len() as u32).to_be_bytes());
        framed.extend(b);
        lines.extend(json_bytes(m));
        lines.push(b'\n');
    }
    assert_eq!(sniff(&framed), Some(Framing::Prefixed));
    let p = loaded("traces.proto", &framed);
    let j = loaded("traces.jsonl", &lines);
    assert_eq!(format_of(&p), FORMAT_PREFIXED);
    assert_eq!(format_of(&j), "OTLP/JSON (JSON Lines)");
    assert_eq!(dump(&p), dump(&j));
    // One body of the same messages one after another reads the same.
    let plain: Vec<u8> = msgs.iter().flat_map(|m| m.encode_to_vec()).collect();
    assert_eq!(dump(&loaded("body.bin", &plain)), dump(&p));
    // In parts, as the workers read a big one.
    let whole = strata::fuzzing::whole(Store::default, &framed).unwrap();
    for count in [2, 3] {
        assert_eq!(
            strata::fuzzing::in_parts(Store::default, &framed, count).unwrap(),
            whole
        );
    }
}

/// A length prefix whose first bytes look like UTF-16 JSON (`00 0a 00 41`:
/// a message of 655,425 bytes) is protobuf, not text to decode.
#[test]
fn a_length_prefix_is_not_taken_for_utf16() {
    let mut td = traces("a", vec![span(1, 0, "root")]);
    let n = 0x000a_0041usize;
    let base = td.encode_to_vec().len();
    // Pad the span with an unknown field to make the message n bytes long.
    let mut pad = 1000;
    for _ in 0..5 {
        td.resource_spans[0].scope_spans[0].spans[0].trace_state = "x".repeat(pad);
        let len = td.encode_to_vec().len();
        pad = pad + n - len.min(n) - (len - len.min(n));
    }
    assert_eq!(td.encode_to_vec().len(), n, "{base}");
    let b = td.encode_to_vec();
    let mut framed = (b.len() as u32).to_be_bytes().to_vec();
    assert_eq!(framed, [0, 0x0a, 0, 0x41]);
    framed.extend(b);
    let s = loaded("big.proto", &framed);
    assert_eq!(format_of(&s), FORMAT_PREFIXED);
    assert!(notes(&s).is_empty(), "{:?}", notes(&s));
}

#[test]
fn json_is_never_taken_for_protobuf() {
    for text in [
        "\n{\"resourceSpans\":[]}",
        "\n\n\n{\"data\":[]}",
        "\n[{\"traceId\":\"a\",\"id\":\"1\",\"name\":\"x\"}]",
    ] {
        assert_eq!(sniff(text.as_bytes()), None, "{text:?}");
    }
    let s = loaded(
        "nl.json",
        b"\n\n{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"name\":\"x\"}]}]}]}",
    );
    assert_eq!(format_of(&s), "OTLP/JSON");
    // Binary that is not protobuf says so.
    let e = err("x.bin", b"\x00\x01\x02\x03garbage");
    assert!(e.message.contains("not OTLP protobuf either"), "{e}");
}

// ---------------------------------------------------------------------------
// Damaged files

fn body() -> Vec<u8> {
    rich().encode_to_vec()
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("in the body")
}

/// Every cut of a body fails (or loads what it holds, when it ends between
/// two ResourceSpans), never panics, and points inside what it read.
#[test]
fn a_body_cut_anywhere_says_where_it_ends() {
    let b = body();
    let mut ends_early = 0;
    for len in 1..b.len() {
        match load("cut.bin", &b[..len]) {
            Ok(s) => assert!(s.spans.len() < 10, "cut at {len}"),
            // One line break: an empty text file.
            Err(e) if len == 1 => assert_eq!(e.message, "the file is empty"),
            Err(e) => {
                assert!(e.offset.is_some_and(|o| o <= len), "cut at {len}: {e}");
                if e.message.starts_with("the file ends early") {
                    ends_early += 1;
                }
            }
        }
    }
    assert!(ends_early > b.len() * 9 / 10, "{ends_early} of {}", b.len());
    // Cut inside the name of the span "kind Producer": that field, there.
    let at = find(&b, b"kind Producer");
    let e = err("cut.bin", &b[..at + 4]);
    assert_eq!(
        e.message,
        "the file ends early (cut off?): a length-delimited field holds 13 bytes, but the file ends 4 bytes later"
    );
    assert_eq!(e.offset, Some(at - 1));
    assert_eq!(
        e.path.as_deref(),
        Some("resource_spans[0].scope_spans[1].spans[2].name")
    );
    assert_eq!(
        e.to_string(),
        format!(
            "cut.bin: {} (byte {}, field resource_spans[0].scope_spans[1].spans[2].name)",
            e.message,
            at - 1
        )
    );
    // Cut inside a nested attribute value: the innermost message cut.
    let at = find(&b, b"Lyon");
    let e = err("cut.bin", &b[..at + 2]);
    assert_eq!(
        e.path.as_deref(),
        Some("resource_spans[0].scope_spans[0].spans[0].attributes[18].value.kvlist_value.values[0].value.string_value")
    );
    // Cut between two fields of a span: the span says it is cut.
    let e = err("cut.bin", &b[..find(&b, b"kind Producer") + 13]);
    assert!(
        e.message
            .starts_with("the file ends early (cut off?) inside a Span: it holds "),
        "{e}"
    );
    assert_eq!(
        e.path.as_deref(),
        Some("resource_spans[0].scope_spans[1].spans[2]")
    );
    // Cut in parts: the same error.
    let cut = &b[..at + 2];
    let whole = strata::fuzzing::whole(Store::default, cut).unwrap_err();
    for count in [2, 3] {
        assert_eq!(
            strata::fuzzing::in_parts(Store::default, cut, count).unwrap_err(),
            whole
        );
    }
}

#[test]
fn a_framed_file_cut_short_names_the_message() {
    let one = traces("a", vec![span(1, 0, "root")]).encode_to_vec();
    let mut framed = Vec::new();
    for _ in 0..3 {
        framed.extend((one.len() as u32).to_be_bytes());
        framed.extend(&one);
    }
    let second = 4 + one.len();
    let e = err("f.proto", &framed[..second + 2]);
    assert_eq!(
        e.message,
        "the file ends early (cut off?): message 2's 4-byte length prefix has only 2 bytes"
    );
    assert_eq!(e.offset, Some(second));
    let e = err("f.proto", &framed[..second + 10]);
    assert_eq!(
        e.message,
        format!("the file ends early (cut off?): message 2 holds {} bytes (its length prefix says), but the file ends 6 bytes after the prefix", one.len())
    );
    // A message whose own lengths run past its end: damaged, not cut.
    let mut bad = framed.clone();
    bad[second + 4 + 1] += 1; // the ResourceSpans' length
    let e = err("f.proto", &bad);
    assert!(
        e.message
            .starts_with("message 2 of the file: malformed protobuf: a message holds"),
        "{e}"
    );
    assert_eq!(e.offset, Some(second + 5));
}

fn one_span_with(extra: &[u8]) -> Vec<u8> {
    let sp = with(&span(1, 0, "s"), extra);
    let mut td = traces("a", vec![]);
    let mut rs = td.resource_spans.remove(0);
    let mut ss = rs.scope_spans.remove(0);
    ss.spans.clear();
    let ssb = with(&ss, &field(2, &sp));
    field(1, &with(&rs, &field(2, &ssb)))
}

#[test]
fn damaged_fields_say_what_is_wrong_and_where() {
    let check = |extra: Vec<u8>, message: &str, path: &str| {
        let b = one_span_with(&extra);
        let e = err("d.bin", &b);
        assert_eq!(e.message, message);
        assert_eq!(e.path.as_deref(), Some(path), "{e}");
        let at = e.offset.unwrap();
        assert!(
            at < b.len() && at >= b.len() - extra.len() - 1,
            "{at} {}",
            b.len()
        );
    };
    let sp = "resource_spans[0].scope_spans[0].spans[0]";
    check(
        field(6, b"\x02"),
        "malformed protobuf: Span.kind (field 6) has wire type 2 (length-delimited), where OTLP has 0 (varint)",
        &format!("{sp}.kind"),
    );
    check(
        field(5, b"caf\xe9"),
        "malformed protobuf: a string that is not UTF-8 (byte 0xe9)",
        &format!("{sp}.name"),
    );
    check(
        field(1, &[1, 2, 3, 4, 5]),
        "the span's trace_id is 5 bytes long, not 16",
        &format!("{sp}.trace_id"),
    );
    check(
        vec![0x07],
        "malformed protobuf: a field numbered 0 (no message has one)",
        sp,
    );
    check(
        vec![0x0e],
        "malformed protobuf: field 1 has wire type 6, which does not exist",
        sp,
    );
    let mut long = tag(100, 0);
    long.extend([0xff; 11]);
    check(long, "malformed protobuf: a varint longer than 64 bits", sp);
    let mut group = tag(100, 3);
    group.extend(tag(101, 4));
    check(
        group,
        "malformed protobuf: the group of field 100 ends as field 101",
        sp,
    );
    check(
        tag(100, 4),
        "malformed protobuf: a group of field 100 ends where none started",
        sp,
    );
    // A bad parent or link id leaves that out, not the file.
    let link = pb::Link {
        trace_id: vec![1; 3],
        span_id: sid(2),
        ..Default::default()
    };
    let mut extra = field(4, &[1, 2, 3]);
    extra.extend(field(13, &link.encode_to_vec()));
    let s = loaded("d.bin", &one_span_with(&extra));
    assert_eq!(s.spans.parent_id[0], None);
    assert!(s.span_links(0).is_empty());
    assert_eq!(
        notes(&s),
        [
            "span 0000000000000001 in trace 4bf92f3577b34da6a3ce929d0e0e4736: parent_span_id is 3 bytes long, not 8, so the span shows as a root (value left out)",
            "span 0000000000000001 in trace 4bf92f3577b34da6a3ce929d0e0e4736: a link's trace_id is 3 bytes long, not 16, so the link is dropped (value left out)",
        ]
    );
}

/// Every byte of a body changed, one at a time: loads or fails, never
/// panics.
#[test]
fn damage_anywhere_never_panics() {
    let b = body();
    for i in 0..b.len() {
        for x in [0xff, 0x80, 0x01] {
            let mut d = b.clone();
            d[i] ^= x;
            let _ = load("d.bin", &d);
        }
    }
}

// ---------------------------------------------------------------------------
// Limits

fn nested(depth: usize) -> pb::AnyValue {
    let mut v = any(V::IntValue(1));
    for _ in 0..depth {
        v = any(V::ArrayValue(pb::ArrayValue { values: vec![v] }));
    }
    v
}

/// The limits of `import::limits`, as the JSON import applies them, with
/// the same notes.
#[test]
fn limits_are_the_json_limits() {
    let mut sp = span(1, 0, "big");
    sp.attributes = (0..limits::MAX_ATTRS + 5)
        .map(|k| kv(&format!("k{k}"), Some(any(V::IntValue(k as i64)))))
        .collect();
    sp.events = (0..limits::MAX_EVENTS + 1)
        .map(|k| pb::Event {
            time_unix_nano: 1000 + k as u64,
            name: format!("e{k}"),
            ..Default::default()
        })
        .collect();
    sp.links = (0..limits::MAX_LINKS + 2)
        .map(|k| pb::Link {
            trace_id: TRACE.to_vec(),
            span_id: sid(k as u64 + 1),
            ..Default::default()
        })
        .collect();
    let long = "é".repeat(limits::MAX_STRING_BYTES);
    let mut small = span(2, 1, "long strings");
    small.attributes = vec![
        kv("a", s(&long)),
        kv(
            "array",
            Some(any(V::ArrayValue(pb::ArrayValue {
                values: (0..limits::MAX_ATTRS + 1)
                    .map(|_| any(V::BoolValue(true)))
                    .collect(),
            }))),
        ),
    ];
    let td = traces("svc", vec![sp, small]);
    let s = same_as_json(&td);
    assert_eq!(s.span_attrs(0).len(), limits::MAX_ATTRS);
    assert_eq!(s.span_events(0).len(), limits::MAX_EVENTS);
    assert_eq!(s.span_links(0).len(), limits::MAX_LINKS);
    let span1 = "span 0000000000000001 in trace 4bf92f3577b34da6a3ce929d0e0e4736";
    let span2 = "span 0000000000000002 in trace 4bf92f3577b34da6a3ce929d0e0e4736";
    assert_eq!(
        notes(&s),
        [
            format!("{span1}: a list of 100,005 attributes; kept the first 100,000 (Strata's limit)"),
            format!("{span1}: a list of 100,001 events; kept the first 100,000 (Strata's limit)"),
            format!("{span1}: a list of 100,002 links; kept the first 100,000 (Strata's limit)"),
            format!("{span2}: a list of 100,001 values in an attribute's array; kept the first 100,000 (Strata's limit)"),
            format!("{span2}: a string longer than 1,048,576 bytes (the longest 2,097,152 bytes); kept the first 1,048,576 bytes of each (Strata's limit)"),
        ]
    );
    // Bytes: cut too (JSON has no bytes this long that are not base64 text).
    let mut b = span(1, 0, "bytes");
    b.attributes = vec![kv(
        "b",
        Some(any(V::BytesValue(vec![7; limits::MAX_STRING_BYTES + 3]))),
    )];
    let s = loaded("b.bin", &traces("svc", vec![b]).encode_to_vec());
    assert!(
        matches!(&s.span_attrs(0)[0].value, Value::Bytes(b) if b.len() == limits::MAX_STRING_BYTES)
    );
    assert_eq!(
        notes(&s),
        [format!(
            "{span1}: a bytes value of 1,048,579 bytes; kept the first 1,048,576 (Strata's limit)"
        )]
    );
    // Nesting: as deep as JSON may nest, refused past it, as JSON is.
    let mut read = 0;
    for depth in 30..45 {
        let mut deep = span(1, 0, "deep");
        deep.attributes = vec![kv("v", Some(nested(depth)))];
        let mut event = span(2, 1, "deep event");
        event.events = vec![pb::Event {
            attributes: vec![kv("v", Some(nested(depth)))],
            ..Default::default()
        }];
        for td in [traces("svc", vec![deep]), traces("svc", vec![event])] {
            let json = load("deep.json", &json_bytes(&td));
            match load("deep.bin", &td.encode_to_vec()) {
                Ok(_) => {
                    assert!(json.is_ok(), "{depth}");
                    read += 1;
                }
                Err(e) => {
                    assert_eq!(json.err().unwrap().message, limits::too_deep(), "{depth}");
                    assert_eq!(
                        e.message,
                        "the protobuf nests more than 127 levels deep (counted as its OTLP/JSON spelling nests), Strata's limit (trace files nest about 10 levels deep)"
                    );
                    assert!(e
                        .path
                        .unwrap()
                        .contains("array_value.values[0].array_value"));
                }
            }
        }
    }
    assert!((10..28).contains(&read), "{read}");
}

#[test]
fn past_the_span_limit_the_first_spans_are_loaded() {
    let spans = (1..=25).map(|k| span(k, 0, &format!("s{k}"))).collect();
    let td = traces("svc", spans);
    limits::set_max_spans_for_tests(Some(10));
    let p = load("many.bin", &td.encode_to_vec());
    let j = load("many.json", &json_bytes(&td));
    let whole = strata::fuzzing::whole(Store::default, &td.encode_to_vec());
    let parts = strata::fuzzing::in_parts(Store::default, &td.encode_to_vec(), 2);
    limits::set_max_spans_for_tests(None);
    let (p, j) = (p.unwrap(), j.unwrap());
    assert_eq!(p.spans.len(), 10);
    assert_eq!(dump(&p), dump(&j));
    assert_eq!(whole.unwrap(), parts.unwrap());
}

// ---------------------------------------------------------------------------
// Export

/// Every real trace and the demo, exported as OTLP protobuf, imports as its
/// OTLP/JSON export does; and exporting that import again gives the same
/// bytes.
#[test]
fn protobuf_export_imports_as_the_json_export() {
    let mut files = common::real_files();
    files.push(("demo".into(), strata::sources::demo::bytes()));
    let mut traces = 0;
    for (name, bytes) in files {
        let Ok(store) = load(&name, &bytes) else {
            continue;
        };
        for t in 0..store.traces.len() as u32 {
            let proto = export::otlp_proto(&store, t);
            let json = export::otlp_json(&store, t);
            let (p, j) = (loaded("t.bin", &proto), loaded("t.json", &json));
            assert_eq!(dump(&p), dump(&j), "{name} trace {t}");
            assert_eq!(export::otlp_proto(&p, 0), proto, "{name} trace {t}");
            traces += 1;
        }
    }
    assert!(traces > 100, "{traces}");
    // An unknown trace: an empty message.
    assert!(export::otlp_proto(&Store::default(), 3).is_empty());
}

/// A big generated trace: protobuf export, import whole and in parts.
#[test]
fn a_big_trace_round_trips_and_parses_in_parts() {
    let (spans, resources) = strata::demo::big::generate(5000, 7);
    let mut json = Vec::new();
    strata::demo::synth::write_otlp_json(&spans, &resources, &mut json).unwrap();
    let store = loaded("big.json", &json);
    let proto: Vec<u8> = (0..store.traces.len() as u32)
        .flat_map(|t| export::otlp_proto(&store, t))
        .collect();
    let back = loaded("big.bin", &proto);
    assert_eq!(back.spans.len(), store.spans.len());
    let whole = strata::fuzzing::whole(Store::default, &proto).unwrap();
    for count in [2, 3] {
        assert_eq!(
            strata::fuzzing::in_parts(Store::default, &proto, count).unwrap(),
            whole,
            "{count} parts"
        );
    }
}
