//! OTLP protobuf: trace `t` as one `TracesData` message (byte for byte an
//! `ExportTraceServiceRequest`, what an OTLP/HTTP exporter POSTs with
//! `Content-Type: application/x-protobuf`), encoded by `prost` from the
//! messages of `crate::import::proto`.
//!
//! It says exactly what [`super::otlp_json`] says, in the same order
//! ([`super::otlp::span_order`]): the same resources (a `service.name`
//! added where the service came from elsewhere), scopes, ids (opaque ids
//! hashed), times, typed attributes, events, links (Jaeger references with
//! `opentracing.ref_type`), dropped counts and statuses; importing either
//! gives the same store. What it cannot say is what OTLP/JSON cannot (see
//! [`super::otlp`]). Ids are raw bytes here: trace ids 16, span ids 8.

use super::otlp::{groups, resource_parts, span_id_value, trace_id_value};
use super::{attrs_of, events_of, has_key, links_of, span_range, Keys, ResKey, SpanIds};
use crate::import::proto::{
    any_value, AnyValue, ArrayValue, Event, InstrumentationScope, KeyValue, KeyValueList, Link,
    Resource, ResourceSpans, ScopeSpans, Span, Status, TracesData,
};
use crate::model::{Attr, LinkKind, Store, Value};

use prost::Message;

/// Trace `t` as an OTLP protobuf `TracesData`. An unknown or empty trace
/// gives an empty message (zero bytes).
pub fn otlp_proto(store: &Store, t: u32) -> Vec<u8> {
    traces_data(store, t).encode_to_vec()
}

/// Trace `t` as the `TracesData` message [`otlp_proto`] encodes.
pub fn traces_data(store: &Store, t: u32) -> TracesData {
    let range = span_range(store, t);
    let Some(trace) = store.traces.get(t as usize) else {
        return TracesData::default();
    };
    let keys = Keys::new(store);
    let ids = SpanIds::new(store, range);
    let trace_id = trace_id_value(store, trace.id).to_be_bytes().to_vec();
    let resource_spans = groups(store, t)
        .into_iter()
        .map(|g| ResourceSpans {
            resource: Some(resource(store, &keys, g.res)),
            scope_spans: g
                .scopes
                .iter()
                .map(|(scope, spans)| ScopeSpans {
                    scope: Some(scope_of(store, *scope)),
                    spans: spans
                        .iter()
                        .map(|&i| span(store, &keys, &ids, &trace_id, i as usize))
                        .collect(),
                    schema_url: String::new(),
                })
                .collect(),
            schema_url: String::new(),
        })
        .collect();
    TracesData { resource_spans }
}

fn resource(store: &Store, keys: &Keys, res: ResKey) -> Resource {
    let (attrs, dropped, add_service) = resource_parts(store, keys, res);
    let mut attributes = Vec::with_capacity(attrs.len() + 1);
    if let Some(service) = add_service {
        attributes.push(string_kv("service.name", service));
    }
    attributes.extend(key_values(store, attrs));
    Resource {
        attributes,
        dropped_attributes_count: dropped,
    }
}

fn scope_of(store: &Store, scope: Option<u32>) -> InstrumentationScope {
    match scope.and_then(|s| store.scopes.get(s as usize)) {
        Some(sc) => InstrumentationScope {
            name: store.str(sc.name).to_owned(),
            version: store.str(sc.version).to_owned(),
            attributes: key_values(store, attrs_of(store, sc.attrs)),
            dropped_attributes_count: 0,
        },
        None => InstrumentationScope::default(),
    }
}

fn span(store: &Store, keys: &Keys, ids: &SpanIds, trace_id: &[u8], i: usize) -> Span {
    let s = &store.spans;
    let start = s.start[i].max(0);
    let end = start.saturating_add(s.duration[i].max(0));
    let message = store.text(s.status_message[i]);
    let status = (s.status[i] as u8 != 0 || !message.is_empty()).then(|| Status {
        message: message.to_owned(),
        code: i32::from(s.status[i] as u8),
    });
    let dropped = s.dropped[i];
    Span {
        trace_id: trace_id.to_vec(),
        span_id: span_id_value(store, ids.id(store, i))
            .to_be_bytes()
            .to_vec(),
        trace_state: String::new(),
        parent_span_id: ids
            .parent(store, i)
            .map(|p| span_id_value(store, p).to_be_bytes().to_vec())
            .unwrap_or_default(),
        flags: 0,
        name: store.str(s.name[i]).to_owned(),
        kind: i32::from(s.kind[i] as u8),
        start_time_unix_nano: start as u64,
        end_time_unix_nano: end as u64,
        attributes: key_values(store, attrs_of(store, s.attrs[i])),
        dropped_attributes_count: dropped.attrs,
        events: events_of(store, s.events[i])
            .iter()
            .map(|e| Event {
                time_unix_nano: e.time.max(0) as u64,
                name: store.str(e.name).to_owned(),
                attributes: key_values(store, attrs_of(store, e.attrs)),
                dropped_attributes_count: e.dropped_attrs,
            })
            .collect(),
        dropped_events_count: dropped.events,
        links: links_of(store, s.links[i])
            .iter()
            .map(|l| {
                let attrs = attrs_of(store, l.attrs);
                let mut attributes = key_values(store, attrs);
                let ref_type = match l.kind {
                    LinkKind::Link => None,
                    LinkKind::ChildOf => Some("child_of"),
                    LinkKind::FollowsFrom => Some("follows_from"),
                };
                if let Some(r) = ref_type.filter(|_| !has_key(attrs, keys.ref_type)) {
                    attributes.push(string_kv("opentracing.ref_type", r));
                }
                Link {
                    trace_id: trace_id_value(store, l.trace_id).to_be_bytes().to_vec(),
                    span_id: span_id_value(store, l.span_id).to_be_bytes().to_vec(),
                    trace_state: String::new(),
                    attributes,
                    dropped_attributes_count: l.dropped_attrs,
                    flags: 0,
                }
            })
            .collect(),
        dropped_links_count: dropped.links,
        status,
    }
}

fn string_kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn key_values(store: &Store, attrs: &[Attr]) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|a| KeyValue {
            key: store.str(a.key).to_owned(),
            value: Some(value(store, &a.value)),
        })
        .collect()
}

fn value(store: &Store, v: &Value) -> AnyValue {
    use any_value::Value as V;
    let value = match v {
        Value::Str(t) => Some(V::StringValue(store.text(*t).to_owned())),
        Value::Bool(b) => Some(V::BoolValue(*b)),
        Value::Int(n) => Some(V::IntValue(*n)),
        Value::Double(f) => Some(V::DoubleValue(*f)),
        Value::Bytes(b) => Some(V::BytesValue(b.to_vec())),
        Value::Array(items) => Some(V::ArrayValue(ArrayValue {
            values: items.iter().map(|x| value(store, x)).collect(),
        })),
        Value::Map(entries) => Some(V::KvlistValue(KeyValueList {
            values: key_values(store, entries),
        })),
        Value::Empty => None,
    };
    AnyValue { value }
}
