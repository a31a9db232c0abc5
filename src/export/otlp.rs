//! OTLP/JSON: `{"resourceSpans":[{"resource":{...},"scopeSpans":[{"scope":{...},
//! "spans":[...]}]}]}`, spelled as the spec's JSON mapping: lowerCamelCase
//! field names, lowercase hex ids (trace ids 32 digits, a 64-bit id left-padded;
//! span ids 16), uint64 times and `intValue` as decimal strings, `kind` and
//! `status.code` as integers, non-finite doubles as "NaN" / "Infinity" /
//! "-Infinity", bytes as base64.
//!
//! Spans are grouped by resource and scope: resources in order of first
//! appearance in the trace, scopes of a resource likewise, spans of a scope in
//! store order ([`span_order`] gives the resulting order). A resource without
//! `service.name` gets one from its service (Jaeger processes and Zipkin
//! endpoints carry the service outside the attributes); spans without a
//! process are written under a resource holding only their service, if any.
//!
//! What OTLP cannot say, and so does not come back from an OTLP round trip:
//! - Opaque (non-hex) ids, which Jaeger JSON tolerates: OTLP ids are bytes.
//!   They are written as FNV-1a of their text (64 bits for span ids, 128 for
//!   trace ids; [`span_id_value`], [`trace_id_value`]), the same function for
//!   ids, parents and link targets, so the tree and the links survive under
//!   the new ids. A hashed id could collide with a real one of the trace
//!   (chance about n²/2⁶⁴).
//! - A FOLLOWS_FROM parent (`SpanFlags::FOLLOWS_FROM`): OTLP has only
//!   `parentSpanId`. It is written as the parent; the flag is lost.
//! - Link kinds: Jaeger references kept as links (CHILD_OF / FOLLOWS_FROM) are
//!   OTLP links with the attribute `opentracing.ref_type` = `child_of` /
//!   `follows_from` (the OpenTelemetry semantic convention for OpenTracing
//!   references), read back as plain links.
//! - A start time of exactly 0 ns: OTLP writes 0 for "unset", so such a span
//!   reads back as having no start (placed by the tree builder). Real epochs
//!   are never 0; only hand-written Jaeger / Zipkin fixtures are affected.
//!   Negative times (never produced by the importers) are written as 0.

use super::json::Json;
use super::{
    attrs_of, events_of, has_key, links_of, res_scope, service_of, span_range, Keys, ResKey,
    SpanIds,
};
use crate::model::{Attr, LinkKind, SpanId, Store, TraceId, Value};

use rustc_hash::FxHashMap;

/// The 64-bit value an OTLP span id is written with: the id itself, or FNV-1a
/// 64 of an opaque id's text.
pub fn span_id_value(store: &Store, id: SpanId) -> u64 {
    match id {
        SpanId::Hex(v) => v,
        SpanId::Text(t) => super::fnv1a_64(store.str(t).as_bytes()),
    }
}

/// The 128-bit value an OTLP trace id is written with: the id itself (a 64-bit
/// id is the low half), or FNV-1a 128 of an opaque id's text.
pub fn trace_id_value(store: &Store, id: TraceId) -> u128 {
    match id {
        TraceId::Hex64(lo) => lo as u128,
        TraceId::Hex128(hi, lo) => ((hi as u128) << 64) | lo as u128,
        TraceId::Text(t) => super::fnv1a_128(store.str(t).as_bytes()),
    }
}

/// Spans of one resource, by scope (also what the protobuf export writes).
pub(super) struct Group {
    pub(super) res: ResKey,
    pub(super) scopes: Vec<(Option<u32>, Vec<u32>)>,
}

/// (resource, scope) of a span, and (group, scope slot) where its spans go.
type ScopeKey = (ResKey, Option<u32>);
type Slot = (usize, usize);

pub(super) fn groups(store: &Store, t: u32) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut res_index: FxHashMap<ResKey, usize> = FxHashMap::default();
    let mut scope_index: FxHashMap<ScopeKey, Slot> = FxHashMap::default();
    let mut last: Option<(ScopeKey, Slot)> = None;
    for i in span_range(store, t) {
        let key = res_scope(store, i);
        let slot = match last {
            Some((k, slot)) if k == key => slot,
            _ => {
                let slot = *scope_index.entry(key).or_insert_with(|| {
                    let g = *res_index.entry(key.0).or_insert_with(|| {
                        out.push(Group {
                            res: key.0,
                            scopes: Vec::new(),
                        });
                        out.len() - 1
                    });
                    out[g].scopes.push((key.1, Vec::new()));
                    (g, out[g].scopes.len() - 1)
                });
                last = Some((key, slot));
                slot
            }
        };
        out[slot.0].scopes[slot.1].1.push(i as u32);
    }
    out
}

/// The order [`otlp_json`] writes the spans of trace `t` in (span indices):
/// grouped by resource, then scope, each in order of first appearance.
pub fn span_order(store: &Store, t: u32) -> Vec<u32> {
    groups(store, t)
        .into_iter()
        .flat_map(|g| g.scopes.into_iter().flat_map(|(_, spans)| spans))
        .collect()
}

/// Trace `t` as an OTLP/JSON `TracesData` document. An unknown or empty trace
/// gives `{"resourceSpans":[]}`.
pub fn otlp_json(store: &Store, t: u32) -> Vec<u8> {
    let range = span_range(store, t);
    let mut j = Json::with_capacity(256 + range.len() * 400);
    let Some(trace) = store.traces.get(t as usize) else {
        j.raw("{\"resourceSpans\":[]}\n");
        return j.buf;
    };
    let keys = Keys::new(store);
    let ids = SpanIds::new(store, range);
    let trace_id = trace_id_value(store, trace.id);
    j.raw("{\"resourceSpans\":[");
    let mut first_group = true;
    for g in groups(store, t) {
        j.sep(&mut first_group);
        j.raw("{\"resource\":{");
        write_resource(&mut j, store, &keys, g.res);
        j.raw("},\"scopeSpans\":[");
        let mut first_scope = true;
        for (scope, spans) in &g.scopes {
            j.sep(&mut first_scope);
            j.raw("{\"scope\":{");
            if let Some(sc) = scope.and_then(|s| store.scopes.get(s as usize)) {
                let mut first = true;
                let name = store.str(sc.name);
                if !name.is_empty() {
                    j.sep(&mut first);
                    j.raw("\"name\":");
                    j.str(name);
                }
                let version = store.str(sc.version);
                if !version.is_empty() {
                    j.sep(&mut first);
                    j.raw("\"version\":");
                    j.str(version);
                }
                let attrs = attrs_of(store, sc.attrs);
                if !attrs.is_empty() {
                    j.sep(&mut first);
                    j.raw("\"attributes\":");
                    key_values(&mut j, store, attrs, None);
                }
            }
            j.raw("},\"spans\":[");
            let mut first_span = true;
            for &i in spans {
                j.sep(&mut first_span);
                write_span(&mut j, store, &keys, &ids, trace_id, i as usize);
            }
            j.raw("]}");
        }
        j.raw("]}");
    }
    j.raw("]}\n");
    j.buf
}

/// What a resource is written with: its attributes, its dropped count,
/// and the `service.name` to write before them when they have none (the
/// service came from a Jaeger process or a Zipkin endpoint).
pub(super) fn resource_parts<'s>(
    store: &'s Store,
    keys: &Keys,
    res: ResKey,
) -> (&'s [Attr], u32, Option<&'s str>) {
    let (attrs, dropped) = match res {
        ResKey::Res(r) => {
            let r = &store.resources[r as usize];
            (attrs_of(store, r.attrs), r.dropped_attrs)
        }
        ResKey::Bare(_) => (&[][..], 0),
    };
    let service = store.str(service_of(store, res));
    let add = (!service.is_empty() && !has_key(attrs, keys.service_name)).then_some(service);
    (attrs, dropped, add)
}

fn write_resource(j: &mut Json, store: &Store, keys: &Keys, res: ResKey) {
    let (attrs, dropped, add_service) = resource_parts(store, keys, res);
    j.raw("\"attributes\":[");
    if let Some(service) = add_service {
        j.raw("{\"key\":\"service.name\",\"value\":{\"stringValue\":");
        j.str(service);
        j.raw("}}");
        if !attrs.is_empty() {
            j.byte(b',');
        }
    }
    key_values_inner(j, store, attrs);
    j.byte(b']');
    if dropped > 0 {
        j.raw(",\"droppedAttributesCount\":");
        j.u64(dropped as u64);
    }
}

fn write_span(j: &mut Json, store: &Store, keys: &Keys, ids: &SpanIds, trace_id: u128, i: usize) {
    let s = &store.spans;
    j.raw("{\"traceId\":");
    j.hex32(trace_id);
    j.raw(",\"spanId\":");
    j.hex16(span_id_value(store, ids.id(store, i)));
    if let Some(p) = ids.parent(store, i) {
        j.raw(",\"parentSpanId\":");
        j.hex16(span_id_value(store, p));
    }
    j.raw(",\"name\":");
    j.str(store.str(s.name[i]));
    j.raw(",\"kind\":");
    j.u64(s.kind[i] as u8 as u64);
    let start = s.start[i].max(0);
    let end = start.saturating_add(s.duration[i].max(0));
    j.raw(",\"startTimeUnixNano\":");
    j.i64_str(start);
    j.raw(",\"endTimeUnixNano\":");
    j.i64_str(end);
    let attrs = attrs_of(store, s.attrs[i]);
    if !attrs.is_empty() {
        j.raw(",\"attributes\":");
        key_values(j, store, attrs, None);
    }
    let dropped = s.dropped[i];
    if dropped.attrs > 0 {
        j.raw(",\"droppedAttributesCount\":");
        j.u64(dropped.attrs as u64);
    }
    let events = events_of(store, s.events[i]);
    if !events.is_empty() {
        j.raw(",\"events\":[");
        let mut first = true;
        for e in events {
            j.sep(&mut first);
            j.raw("{\"timeUnixNano\":");
            j.i64_str(e.time.max(0));
            j.raw(",\"name\":");
            j.str(store.str(e.name));
            let attrs = attrs_of(store, e.attrs);
            if !attrs.is_empty() {
                j.raw(",\"attributes\":");
                key_values(j, store, attrs, None);
            }
            if e.dropped_attrs > 0 {
                j.raw(",\"droppedAttributesCount\":");
                j.u64(e.dropped_attrs as u64);
            }
            j.byte(b'}');
        }
        j.byte(b']');
    }
    if dropped.events > 0 {
        j.raw(",\"droppedEventsCount\":");
        j.u64(dropped.events as u64);
    }
    let links = links_of(store, s.links[i]);
    if !links.is_empty() {
        j.raw(",\"links\":[");
        let mut first = true;
        for l in links {
            j.sep(&mut first);
            j.raw("{\"traceId\":");
            j.hex32(trace_id_value(store, l.trace_id));
            j.raw(",\"spanId\":");
            j.hex16(span_id_value(store, l.span_id));
            let attrs = attrs_of(store, l.attrs);
            let ref_type = match l.kind {
                LinkKind::Link => None,
                LinkKind::ChildOf => Some("child_of"),
                LinkKind::FollowsFrom => Some("follows_from"),
            }
            .filter(|_| !has_key(attrs, keys.ref_type));
            if !attrs.is_empty() || ref_type.is_some() {
                j.raw(",\"attributes\":");
                key_values(j, store, attrs, ref_type);
            }
            if l.dropped_attrs > 0 {
                j.raw(",\"droppedAttributesCount\":");
                j.u64(l.dropped_attrs as u64);
            }
            j.byte(b'}');
        }
        j.byte(b']');
    }
    if dropped.links > 0 {
        j.raw(",\"droppedLinksCount\":");
        j.u64(dropped.links as u64);
    }
    let message = store.text(s.status_message[i]);
    if s.status[i] as u8 != 0 || !message.is_empty() {
        j.raw(",\"status\":{\"code\":");
        j.u64(s.status[i] as u8 as u64);
        if !message.is_empty() {
            j.raw(",\"message\":");
            j.str(message);
        }
        j.byte(b'}');
    }
    j.byte(b'}');
}

/// `[KeyValue...]`, plus `opentracing.ref_type` when given.
fn key_values(j: &mut Json, store: &Store, attrs: &[Attr], ref_type: Option<&str>) {
    j.byte(b'[');
    key_values_inner(j, store, attrs);
    if let Some(r) = ref_type {
        if !attrs.is_empty() {
            j.byte(b',');
        }
        j.raw("{\"key\":\"opentracing.ref_type\",\"value\":{\"stringValue\":");
        j.str(r);
        j.raw("}}");
    }
    j.byte(b']');
}

fn key_values_inner(j: &mut Json, store: &Store, attrs: &[Attr]) {
    let mut first = true;
    for a in attrs {
        j.sep(&mut first);
        j.raw("{\"key\":");
        j.str(store.str(a.key));
        j.raw(",\"value\":");
        any_value(j, store, &a.value);
        j.byte(b'}');
    }
}

/// An OTLP `AnyValue` object.
fn any_value(j: &mut Json, store: &Store, v: &Value) {
    match v {
        Value::Str(t) => {
            j.raw("{\"stringValue\":");
            j.str(store.text(*t));
        }
        Value::Bool(b) => {
            j.raw("{\"boolValue\":");
            j.bool(*b);
        }
        Value::Int(n) => {
            j.raw("{\"intValue\":");
            j.i64_str(*n);
        }
        Value::Double(f) => {
            j.raw("{\"doubleValue\":");
            j.f64(*f);
        }
        Value::Bytes(b) => {
            j.raw("{\"bytesValue\":");
            j.base64(b);
        }
        Value::Array(items) => {
            j.raw("{\"arrayValue\":{\"values\":[");
            let mut first = true;
            for x in items.iter() {
                j.sep(&mut first);
                any_value(j, store, x);
            }
            j.raw("]}");
        }
        Value::Map(entries) => {
            j.raw("{\"kvlistValue\":{\"values\":");
            key_values(j, store, entries, None);
            j.byte(b'}');
        }
        Value::Empty => j.byte(b'{'),
    }
    j.byte(b'}');
}
