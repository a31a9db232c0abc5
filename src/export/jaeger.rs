//! Jaeger JSON: the query API answer `{"data":[{"traceID","spans":[...],
//! "processes":{"p1":{"serviceName","tags"}},"warnings":null}],"total":0,
//! "limit":0,"offset":0,"errors":null}`, which the Jaeger UI loads and saves.
//!
//! - One process per resource (`p1`, `p2`, ... in order of first appearance):
//!   its service and the resource attributes (minus `service.name`) as tags.
//!   Spans without a process get one holding only their service name.
//! - Ids as Strata prints them: hex (a 64-bit trace id in 16 digits, a 128-bit
//!   one in 32), opaque ids as their text (Jaeger JSON tolerates them).
//! - References: the declared parent first (CHILD_OF, or FOLLOWS_FROM for a
//!   span flagged `SpanFlags::FOLLOWS_FROM`), then the links (kind ChildOf as
//!   CHILD_OF; FollowsFrom and OTLP links as FOLLOWS_FROM), each with its trace id.
//! - Times in microseconds, truncated (`startTime`, `duration`, log `timestamp`).
//! - Tags typed: string, bool, int64, float64 (non-finite values as the strings
//!   "NaN" / "Infinity" / "-Infinity", which Jaeger's Go and Strata's importer
//!   parse), binary (base64). Arrays and maps have no Jaeger type: they are
//!   strings holding their JSON text (as the OpenTelemetry collector's Jaeger
//!   translator writes them). An empty value is a string tag with value null.
//! - Kind and status live in tags in Jaeger. So that importing the output
//!   gives the same kind, status and message, tags are added as needed:
//!   `span.kind` (when the span's tags would not already say its kind),
//!   `error: true` (status error and no tag saying so), `otel.status_code`
//!   (status set and no such tag, or one that would not read as the status),
//!   `otel.status_description` (the message, when the tags would not give it).
//!   The instrumentation scope, which Jaeger does not have, becomes the tags
//!   `otel.scope.name` / `otel.scope.version`, as the collector writes it.
//! - Events become logs: `fields` = `{"key":"event","value":name}` followed by
//!   the event's attributes (no `event` field added when the first `event`
//!   attribute already holds the name, or when the name is "log" and there is
//!   no `event` attribute: Strata names such logs "log").
//!
//! What Jaeger JSON cannot say, and so does not come back:
//! - Sub-microsecond times; dropped counts; link attributes; link kinds
//!   beyond CHILD_OF / FOLLOWS_FROM (an OTLP link reads back as FOLLOWS_FROM).
//! - Array and map attribute types (they read back as their JSON text).
//! - A link of a span with no parent to a span of the same trace: Jaeger (and
//!   Strata's importer, which follows Jaeger's `ParentSpanID()` rule) takes the
//!   first same-trace reference of a span as its parent.
//! - A status contradicted by the span's own attributes (an `error` attribute
//!   that reads as true on a span whose status is unset or ok): tags can add
//!   an error, not remove one.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::json::Json;
use super::{
    attrs_of, events_of, has_key, links_of, res_scope, service_of, span_range, Keys, ResKey,
    SpanIds,
};
use crate::model::{
    Attr, LinkKind, SpanFlags, SpanId, SpanKind, StatusCode, Store, TraceId, Value,
};

const TAIL: &str = "],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}\n";

/// Trace `t` as a Jaeger query-API JSON document. An unknown trace gives
/// `{"data":[],...}`.
pub fn jaeger_json(store: &Store, t: u32) -> Vec<u8> {
    let range = span_range(store, t);
    let mut j = Json::with_capacity(256 + range.len() * 500);
    j.raw("{\"data\":[");
    let Some(trace) = store.traces.get(t as usize) else {
        j.raw(TAIL);
        return j.buf;
    };
    let keys = Keys::new(store);
    let ids = SpanIds::new(store, range.clone());
    let mut trace_text = Json::default();
    trace_id(&mut trace_text, store, trace.id);
    let trace_text = trace_text.buf;

    let mut processes: Vec<ResKey> = Vec::new();
    let mut process_of: FxHashMap<ResKey, usize> = FxHashMap::default();
    j.raw("{\"traceID\":");
    j.buf.extend_from_slice(&trace_text);
    j.raw(",\"spans\":[");
    let mut first = true;
    for i in range {
        j.sep(&mut first);
        let res = res_scope(store, i).0;
        let p = *process_of.entry(res).or_insert_with(|| {
            processes.push(res);
            processes.len()
        });
        write_span(&mut j, store, &keys, &ids, &trace_text, i, p);
    }
    j.raw("],\"processes\":{");
    let mut first = true;
    for (n, &res) in processes.iter().enumerate() {
        j.sep(&mut first);
        j.raw("\"p");
        j.u64(n as u64 + 1);
        j.raw("\":{\"serviceName\":");
        j.str(store.str(service_of(store, res)));
        j.raw(",\"tags\":[");
        if let ResKey::Res(r) = res {
            let attrs = attrs_of(store, store.resources[r as usize].attrs);
            let mut first = true;
            for a in attrs {
                if Some(a.key) == keys.service_name {
                    continue;
                }
                j.sep(&mut first);
                tag(&mut j, store, store.str(a.key), &a.value);
            }
        }
        j.raw("]}");
    }
    j.raw("},\"warnings\":null}");
    j.raw(TAIL);
    j.buf
}

fn trace_id(j: &mut Json, store: &Store, id: TraceId) {
    match id {
        TraceId::Hex64(lo) => j.hex16(lo),
        TraceId::Hex128(hi, lo) => j.hex32(((hi as u128) << 64) | lo as u128),
        TraceId::Text(t) => j.str(store.str(t)),
    }
}

fn span_id(j: &mut Json, store: &Store, id: SpanId) {
    match id {
        SpanId::Hex(v) => j.hex16(v),
        SpanId::Text(t) => j.str(store.str(t)),
    }
}

/// Nanoseconds as Jaeger's microseconds, truncated (negative times as 0).
fn micros(ns: i64) -> i64 {
    ns.max(0) / 1000
}

fn write_span(
    j: &mut Json,
    store: &Store,
    keys: &Keys,
    ids: &SpanIds,
    trace_text: &[u8],
    i: usize,
    process: usize,
) {
    let s = &store.spans;
    j.raw("{\"traceID\":");
    j.buf.extend_from_slice(trace_text);
    j.raw(",\"spanID\":");
    span_id(j, store, ids.id(store, i));
    j.raw(",\"flags\":1,\"operationName\":");
    j.str(store.str(s.name[i]));
    j.raw(",\"references\":[");
    let mut first = true;
    if let Some(p) = ids.parent(store, i) {
        j.sep(&mut first);
        j.raw(if s.flags[i].contains(SpanFlags::FOLLOWS_FROM) {
            "{\"refType\":\"FOLLOWS_FROM\",\"traceID\":"
        } else {
            "{\"refType\":\"CHILD_OF\",\"traceID\":"
        });
        j.buf.extend_from_slice(trace_text);
        j.raw(",\"spanID\":");
        span_id(j, store, p);
        j.byte(b'}');
    }
    for l in links_of(store, s.links[i]) {
        j.sep(&mut first);
        j.raw(match l.kind {
            LinkKind::ChildOf => "{\"refType\":\"CHILD_OF\",\"traceID\":",
            LinkKind::FollowsFrom | LinkKind::Link => "{\"refType\":\"FOLLOWS_FROM\",\"traceID\":",
        });
        trace_id(j, store, l.trace_id);
        j.raw(",\"spanID\":");
        span_id(j, store, l.span_id);
        j.byte(b'}');
    }
    j.raw("],\"startTime\":");
    j.i64(micros(s.start[i]));
    j.raw(",\"duration\":");
    j.i64(micros(s.duration[i]));
    j.raw(",\"tags\":[");
    let attrs = attrs_of(store, s.attrs[i]);
    let mut first = true;
    for a in attrs {
        j.sep(&mut first);
        tag(j, store, store.str(a.key), &a.value);
    }
    write_derived_tags(j, store, keys, attrs, i, &mut first);
    j.raw("],\"logs\":[");
    let mut first = true;
    for e in events_of(store, s.events[i]) {
        j.sep(&mut first);
        j.raw("{\"timestamp\":");
        j.i64(micros(e.time));
        j.raw(",\"fields\":[");
        let attrs = attrs_of(store, e.attrs);
        let name = store.str(e.name);
        let first_event = keys.event.and_then(|k| attrs.iter().find(|a| a.key == k));
        let named = match first_event {
            Some(Attr {
                value: Value::Str(t),
                ..
            }) => store.text(*t) == name,
            Some(_) => false,
            None => name == "log",
        };
        let mut first_field = true;
        if !named {
            j.sep(&mut first_field);
            j.raw("{\"key\":\"event\",\"type\":\"string\",\"value\":");
            j.str(name);
            j.byte(b'}');
        }
        for a in attrs {
            j.sep(&mut first_field);
            tag(j, store, store.str(a.key), &a.value);
        }
        j.raw("]}");
    }
    j.raw("],\"processID\":\"p");
    j.u64(process as u64);
    j.raw("\",\"warnings\":null}");
}

/// Kind, status and message as Strata's Jaeger importer reads them from the
/// tags written for `attrs` (the rules of `import::jaeger::from_tags`, applied
/// to the values as exported: arrays and maps are JSON text strings).
struct FromTags<'a> {
    kind: SpanKind,
    status: StatusCode,
    message: Cow<'a, str>,
    has_status_code: bool,
}

fn from_tags<'a>(store: &'a Store, keys: &Keys, attrs: &'a [Attr]) -> FromTags<'a> {
    let mut out = FromTags {
        kind: SpanKind::Unspecified,
        status: StatusCode::Unset,
        message: Cow::Borrowed(""),
        has_status_code: false,
    };
    if keys.span_kind.is_none()
        && keys.error.is_none()
        && keys.status_code.is_none()
        && keys.status_description.is_none()
    {
        return out;
    }
    for a in attrs {
        let key = Some(a.key);
        if key == keys.span_kind {
            if let Some(s) = text_view(store, &a.value) {
                out.kind = SpanKind::from_name(&s);
            }
        } else if key == keys.error {
            let is_err = match &a.value {
                Value::Bool(b) => *b,
                Value::Str(t) => !store.text(*t).eq_ignore_ascii_case("false"),
                // Anything else (arrays and maps are JSON text, never "false").
                _ => true,
            };
            if is_err {
                out.status = StatusCode::Error;
            }
        } else if key == keys.status_code {
            out.has_status_code = true;
            if let Some(s) = text_view(store, &a.value) {
                let c = StatusCode::from_name(&s);
                if c != StatusCode::Unset && out.status != StatusCode::Error {
                    out.status = c;
                }
            }
        } else if key == keys.status_description {
            if let Some(s) = text_view(store, &a.value) {
                out.message = s;
            }
        }
    }
    out
}

/// The text a tag value reads back as, for string-typed tags.
fn text_view<'a>(store: &'a Store, v: &Value) -> Option<Cow<'a, str>> {
    match v {
        Value::Str(t) => Some(Cow::Borrowed(store.text(*t))),
        Value::Array(_) | Value::Map(_) => Some(Cow::Owned(json_text(store, v))),
        _ => None,
    }
}

/// Tags that make the importer read the span's kind, status and message, and
/// its scope.
fn write_derived_tags(
    j: &mut Json,
    store: &Store,
    keys: &Keys,
    attrs: &[Attr],
    i: usize,
    first: &mut bool,
) {
    let s = &store.spans;
    let kind = s.kind[i];
    let status = s.status[i];
    let message = store.text(s.status_message[i]);
    let read = from_tags(store, keys, attrs);
    if read.kind != kind {
        let label = match kind {
            SpanKind::Unspecified => "unspecified",
            k => k.label(),
        };
        str_tag(j, first, "span.kind", label);
    }
    let mut read_status = read.status;
    if status == StatusCode::Error && read_status != StatusCode::Error {
        j.sep(first);
        j.raw("{\"key\":\"error\",\"type\":\"bool\",\"value\":true}");
        read_status = StatusCode::Error;
    }
    if status != StatusCode::Unset
        && (!read.has_status_code || (status == StatusCode::Ok && read_status == StatusCode::Unset))
    {
        let code = if status == StatusCode::Error {
            "ERROR"
        } else {
            "OK"
        };
        str_tag(j, first, "otel.status_code", code);
    }
    if read.message != message {
        str_tag(j, first, "otel.status_description", message);
    }
    if let Some(sc) = store.scopes.get(s.scope[i] as usize) {
        let name = store.str(sc.name);
        if !name.is_empty() && !has_key(attrs, keys.scope_name) {
            str_tag(j, first, "otel.scope.name", name);
        }
        let version = store.str(sc.version);
        if !version.is_empty() && !has_key(attrs, keys.scope_version) {
            str_tag(j, first, "otel.scope.version", version);
        }
    }
}

fn str_tag(j: &mut Json, first: &mut bool, key: &str, value: &str) {
    j.sep(first);
    j.raw("{\"key\":");
    j.str(key);
    j.raw(",\"type\":\"string\",\"value\":");
    j.str(value);
    j.byte(b'}');
}

/// One tag `{"key","type","value"}`.
fn tag(j: &mut Json, store: &Store, key: &str, v: &Value) {
    j.raw("{\"key\":");
    j.str(key);
    match v {
        Value::Str(t) => {
            j.raw(",\"type\":\"string\",\"value\":");
            j.str(store.text(*t));
        }
        Value::Bool(b) => {
            j.raw(",\"type\":\"bool\",\"value\":");
            j.bool(*b);
        }
        Value::Int(n) => {
            j.raw(",\"type\":\"int64\",\"value\":");
            j.i64(*n);
        }
        Value::Double(f) => {
            j.raw(",\"type\":\"float64\",\"value\":");
            j.f64(*f);
        }
        Value::Bytes(b) => {
            j.raw(",\"type\":\"binary\",\"value\":");
            j.base64(b);
        }
        Value::Array(_) | Value::Map(_) => {
            j.raw(",\"type\":\"string\",\"value\":");
            j.str(&json_text(store, v));
        }
        Value::Empty => j.raw(",\"type\":\"string\",\"value\":null"),
    }
    j.byte(b'}');
}

/// A value as plain JSON: arrays as arrays, maps as objects (keys in order,
/// repeated keys kept), bytes as base64 strings, non-finite doubles as strings,
/// empty as null.
fn json_text(store: &Store, v: &Value) -> String {
    let mut j = Json::default();
    plain_json(&mut j, store, v);
    j.into_string()
}

fn plain_json(j: &mut Json, store: &Store, v: &Value) {
    match v {
        Value::Str(t) => j.str(store.text(*t)),
        Value::Bool(b) => j.bool(*b),
        Value::Int(n) => j.i64(*n),
        Value::Double(f) => j.f64(*f),
        Value::Bytes(b) => j.base64(b),
        Value::Array(items) => {
            j.byte(b'[');
            let mut first = true;
            for x in items.iter() {
                j.sep(&mut first);
                plain_json(j, store, x);
            }
            j.byte(b']');
        }
        Value::Map(entries) => {
            j.byte(b'{');
            let mut first = true;
            for a in entries.iter() {
                j.sep(&mut first);
                j.str(store.str(a.key));
                j.byte(b':');
                plain_json(j, store, &a.value);
            }
            j.byte(b'}');
        }
        Value::Empty => j.raw("null"),
    }
}
