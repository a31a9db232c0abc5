//! OTLP/JSON (`TracesData`), as the spec writes it and as real files do.
//!
//! Accepted spellings: lowerCamelCase and proto snake_case field names, freely
//! mixed; legacy `instrumentationLibrarySpans` / `instrumentationLibrary`; ids in
//! hex (any case) or base64, told apart by length; uint64 times and `intValue`
//! as strings or numbers; `kind` and `status.code` as integers or enum names;
//! `parentSpanId` absent or "". Unknown fields are ignored. The Tempo
//! (`batches`, `trace`) and Jaeger API v3 (`result`) wrappers are unwrapped by
//! `detect`, which hands their `resourceSpans` here.

use std::fmt;

use base64::Engine;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use std::marker::PhantomData;

use super::json::{
    skip, skip_rest, span_element, span_or_placeholder, Arena, IntOrName, Key, LooseTime, LooseU64,
    Many, Object, One, Scalar, StrCheck, StrWith, Time,
};
use super::limits;
use super::notes::LEFT_OUT;
use super::{event_time, otlp_times, Sink};
use crate::model::ids::{otlp_span_id, otlp_trace_id};
use crate::model::{
    Attr, Dropped, Event, Link, NewSpan, Range32, SpanKind, StatusCode, Text, Value,
};

pub const FORMAT: &str = "OTLP/JSON";

/// A list of `ResourceSpans` (the value of `resourceSpans` or Tempo's `batches`).
pub struct ResourceSpansList<'a, 's>(pub &'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for ResourceSpansList<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of ResourceSpans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ResourceSpans(&mut *self.0))?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// An object holding `resourceSpans` (TracesData): the value of Jaeger v3's
/// `result`, Tempo v2's `trace`, a Grafana Faro payload's `traces`.
pub struct TracesData<'a, 's>(pub &'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for TracesData<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TracesData<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OTLP TracesData object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "resourceSpans" | "resource_spans" => {
                    map.next_value_seed(ResourceSpansList(&mut *self.0))?
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct ResourceSpans<'a, 's>(&'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for ResourceSpans<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpans<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ResourceSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.0;
        let empty = sink.store.strings.empty();
        // The resource may come after its spans: create it now, fill it when seen.
        let resource = sink.new_resource(empty, Range32::default());
        let first_span = sink.store.spans.len();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "resource" => map.next_value_seed(ResourceSeed {
                    sink: &mut *sink,
                    resource,
                })?,
                "scopeSpans"
                | "scope_spans"
                | "instrumentationLibrarySpans"
                | "instrumentation_library_spans" => map.next_value_seed(ScopeSpansList {
                    sink: &mut *sink,
                    resource,
                })?,
                _ => skip(&mut map)?,
            }
        }
        let service = sink.store.resources[resource as usize].service;
        for s in &mut sink.store.spans.service[first_span..] {
            *s = service;
        }
        Ok(())
    }
}

struct ResourceSeed<'a, 's> {
    sink: &'a mut Sink<'s>,
    resource: u32,
}

impl<'de> DeserializeSeed<'de> for ResourceSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourceSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Resource object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.sink;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "attributes" => {
                    let attrs = map.next_value_seed(AttrList::new(&mut *sink))?;
                    sink.set_resource_attrs(self.resource, attrs);
                }
                "droppedAttributesCount" | "dropped_attributes_count" => {
                    let n = map.next_value_seed(LooseU64)?.unwrap_or(0);
                    sink.store.resources[self.resource as usize].dropped_attrs = clamp_u32(n);
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct ScopeSpansList<'a, 's> {
    sink: &'a mut Sink<'s>,
    resource: u32,
}

impl<'de> DeserializeSeed<'de> for ScopeSpansList<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of ScopeSpans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ScopeSpans {
                sink: &mut *self.sink,
                resource: self.resource,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct ScopeSpans<'a, 's> {
    sink: &'a mut Sink<'s>,
    resource: u32,
}

impl<'de> DeserializeSeed<'de> for ScopeSpans<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpans<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ScopeSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.sink;
        let scope = sink.new_scope(self.resource);
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "scope" | "instrumentationLibrary" | "instrumentation_library" => map
                    .next_value_seed(ScopeSeed {
                        sink: &mut *sink,
                        scope,
                    })?,
                "spans" => map.next_value_seed(SpanList {
                    sink: &mut *sink,
                    scope,
                })?,
                _ => skip(&mut map)?,
            }
        }
        Ok(())
    }
}

struct ScopeSeed<'a, 's> {
    sink: &'a mut Sink<'s>,
    scope: u32,
}

impl<'de> DeserializeSeed<'de> for ScopeSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScopeSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an InstrumentationScope object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.sink;
        let i = self.scope as usize;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "name" => {
                    if let Some(s) =
                        map.next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                    {
                        sink.store.scopes[i].name = s;
                    }
                }
                "version" => {
                    if let Some(s) =
                        map.next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                    {
                        sink.store.scopes[i].version = s;
                    }
                }
                "attributes" => {
                    let attrs = map.next_value_seed(AttrList::new(&mut *sink))?;
                    sink.store.scopes[i].attrs = attrs;
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct SpanList<'a, 's> {
    sink: &'a mut Sink<'s>,
    scope: u32,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(SpanSeed {
                sink: &mut *self.sink,
                scope: self.scope,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct SpanSeed<'a, 's> {
    sink: &'a mut Sink<'s>,
    scope: u32,
}

/// What a span list element must be (in errors about one that is not).
const SPAN_OBJECT: &str = "a Span object";

impl<'de> DeserializeSeed<'de> for SpanSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        span_element(self.sink.has_placeholders(), d, self)
    }
}

impl<'de> Visitor<'de> for SpanSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(SPAN_OBJECT)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        span_or_placeholder(self.sink, s, &SPAN_OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.sink;
        let empty = sink.store.strings.empty();
        let mut trace_id = None;
        let mut id = None;
        let mut parent_id = None;
        let mut name = empty;
        let mut kind = SpanKind::Unspecified;
        let (mut start, mut end) = (Time::Missing, Time::Missing);
        let mut attrs = Range32::default();
        let mut events = Range32::default();
        let mut links = Range32::default();
        let mut dropped = Dropped::default();
        let mut status = StatusCode::Unset;
        let mut status_message = Text::default();
        let mut first = true;
        while let Some(k) = map.next_key::<Key>()? {
            if std::mem::take(&mut first) && sink.leaves(&k.0) {
                return skip_rest(&mut map);
            }
            match k.0.as_ref() {
                "traceId" | "trace_id" => {
                    trace_id = Some(map.next_value_seed(StrCheck(|s: &str| {
                        otlp_trace_id(s).map_err(|e| format!("traceId: {}", e.0))
                    }))?)
                }
                "spanId" | "span_id" => {
                    id = map.next_value_seed(StrCheck(|s: &str| {
                        otlp_span_id(s).map_err(|e| format!("spanId: {}", e.0))
                    }))?
                }
                "parentSpanId" | "parent_span_id" => {
                    parent_id = match map.next_value_seed(StrWith(otlp_span_id))? {
                        None => None,
                        Some(Ok(id)) => id,
                        // One bad id leaves the span without a parent, not
                        // the file unread.
                        Some(Err(e)) => {
                            sink.issue(format!(
                                "parentSpanId: {}, so the span shows as a root{}",
                                e.0, LEFT_OUT.tail
                            ));
                            None
                        }
                    }
                }
                "name" => {
                    name = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(empty)
                }
                "kind" => kind = read_kind(map.next_value::<IntOrName>()?),
                "startTimeUnixNano" | "start_time_unix_nano" => {
                    start = map.next_value_seed(LooseTime)?
                }
                "endTimeUnixNano" | "end_time_unix_nano" => end = map.next_value_seed(LooseTime)?,
                "attributes" => attrs = map.next_value_seed(AttrList::new(&mut *sink))?,
                "droppedAttributesCount" | "dropped_attributes_count" => {
                    dropped.attrs = clamp_u32(map.next_value_seed(LooseU64)?.unwrap_or(0))
                }
                "events" => events = map.next_value_seed(Arena::<SpanEvent>::new(&mut *sink))?,
                "droppedEventsCount" | "dropped_events_count" => {
                    dropped.events = clamp_u32(map.next_value_seed(LooseU64)?.unwrap_or(0))
                }
                "links" => links = map.next_value_seed(Arena::<SpanLink>::new(&mut *sink))?,
                "droppedLinksCount" | "dropped_links_count" => {
                    dropped.links = clamp_u32(map.next_value_seed(LooseU64)?.unwrap_or(0))
                }
                "status" => {
                    (status, status_message) =
                        map.next_value_seed(One::<Status>::new(&mut *sink))?
                }
                _ => skip(&mut map)?,
            }
        }
        let trace_id = trace_id.ok_or_else(|| de::Error::custom("span has no traceId"))?;
        let id = id.ok_or_else(|| de::Error::custom("span has no spanId"))?;
        let (start, duration, flags) = otlp_times(sink, &start, &end);
        sink.push_span(
            trace_id,
            NewSpan {
                id,
                parent_id,
                scope: self.scope,
                service: empty,
                name,
                kind,
                start,
                duration,
                status,
                status_message,
                attrs,
                events,
                links,
                dropped,
                flags,
            },
        );
        Ok(())
    }
}

fn read_kind(v: IntOrName) -> SpanKind {
    match v {
        IntOrName::Int(n) => SpanKind::from_otlp(n),
        IntOrName::Name(s) => SpanKind::from_name(&s),
        IntOrName::Null => SpanKind::Unspecified,
    }
}

pub fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `status`: `{code, message}`; `{}` or null is unset.
struct Status;

impl Object for Status {
    type Out = (StatusCode, Text);
    const WHAT: &'static str = "a Status object";
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Self::Out, A::Error> {
        let mut code = StatusCode::Unset;
        let mut message = Text::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "code" => {
                    code = match map.next_value::<IntOrName>()? {
                        IntOrName::Int(n) => StatusCode::from_otlp(n),
                        IntOrName::Name(s) => StatusCode::from_name(&s),
                        IntOrName::Null => StatusCode::Unset,
                    }
                }
                "message" => {
                    message = map
                        .next_value_seed(StrWith(|s: &str| sink.store.text.push(s)))?
                        .unwrap_or_default()
                }
                _ => skip(&mut map)?,
            }
        }
        Ok((code, message))
    }
    fn null() -> Option<Self::Out> {
        Some((StatusCode::Unset, Text::default()))
    }
}

/// An OTLP `KeyValue`.
pub struct KeyValue;

impl Object for KeyValue {
    type Out = Attr;
    const WHAT: &'static str = "a KeyValue object";
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Attr, A::Error> {
        let mut key = sink.store.strings.empty();
        let mut value = Value::Empty;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "key" => {
                    key = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(key)
                }
                "value" => value = map.next_value_seed(One::<AnyValue>::new(&mut *sink))?,
                _ => skip(&mut map)?,
            }
        }
        Ok(Attr { key, value })
    }
}

/// OTLP attributes: a list of KeyValues, appended to the attribute arena.
pub type AttrList<'a, 's> = Arena<'a, 's, KeyValue>;

/// An OTLP `AnyValue`: exactly one of its fields set (or none: empty).
struct AnyValue;

impl Object for AnyValue {
    type Out = Value;
    const WHAT: &'static str = "an AnyValue object";
    const MANY: &'static str = "values in an attribute's array";
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Value, A::Error> {
        let mut value = Value::Empty;
        while let Some(k) = map.next_key::<Key>()? {
            value = match k.0.as_ref() {
                "stringValue" | "string_value" => map
                    .next_value_seed(StrWith(|s: &str| Value::Str(sink.store.text.push(s))))?
                    .unwrap_or(Value::Empty),
                "boolValue" | "bool_value" => match map.next_value::<Scalar>()? {
                    Scalar::Bool(b) => Value::Bool(b),
                    Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
                    Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
                    other => sink.str_value(&other.as_text()),
                },
                "intValue" | "int_value" => int_value(sink, map.next_value::<Scalar>()?),
                "doubleValue" | "double_value" => double_value(sink, map.next_value::<Scalar>()?),
                "bytesValue" | "bytes_value" => map
                    .next_value_seed(StrWith(|s: &str| {
                        match base64::engine::general_purpose::STANDARD.decode(s) {
                            Ok(b) => Value::Bytes(b.into_boxed_slice()),
                            // Not base64: keep what was written rather than drop it.
                            Err(_) => Value::Str(sink.store.text.push(s)),
                        }
                    }))?
                    .unwrap_or(Value::Empty),
                "arrayValue" | "array_value" => Value::Array(
                    map.next_value_seed(One::<Values<AnyValue>>::new(&mut *sink))?
                        .into_boxed_slice(),
                ),
                "kvlistValue" | "kvlist_value" => Value::Map(
                    map.next_value_seed(One::<Values<KeyValue>>::new(&mut *sink))?
                        .into_boxed_slice(),
                ),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    value
                }
            };
        }
        Ok(value)
    }
    fn null() -> Option<Value> {
        Some(Value::Empty)
    }
}

fn int_value(sink: &mut Sink, v: Scalar) -> Value {
    match v {
        Scalar::I64(n) => Value::Int(n),
        Scalar::U64(n) => match i64::try_from(n) {
            Ok(n) => Value::Int(n),
            Err(_) => sink.str_value(&n.to_string()),
        },
        Scalar::Str(s) => match s.parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => sink.str_value(&s),
        },
        Scalar::F64(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Value::Int(f as i64),
        Scalar::Null => Value::Empty,
        other => sink.str_value(&other.as_text()),
    }
}

fn double_value(sink: &mut Sink, v: Scalar) -> Value {
    match v {
        Scalar::F64(f) => Value::Double(f),
        Scalar::I64(n) => Value::Double(n as f64),
        Scalar::U64(n) => Value::Double(n as f64),
        // proto3 JSON writes non-finite doubles as strings.
        Scalar::Str(s) => match s.as_ref() {
            "NaN" => Value::Double(f64::NAN),
            "Infinity" => Value::Double(f64::INFINITY),
            "-Infinity" => Value::Double(f64::NEG_INFINITY),
            other => match other.parse::<f64>() {
                Ok(f) => Value::Double(f),
                Err(_) => sink.str_value(other),
            },
        },
        Scalar::Null => Value::Empty,
        other => sink.str_value(&other.as_text()),
    }
}

/// `{"values": [...]}`: an ArrayValue (of AnyValues) or a KeyValueList.
struct Values<R>(PhantomData<R>);

impl<R: Object> Object for Values<R> {
    type Out = Vec<R::Out>;
    const WHAT: &'static str = "an object with \"values\"";
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Self::Out, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "values" => out = map.next_value_seed(Many::<R>::new(&mut *sink))?,
                _ => skip(&mut map)?,
            }
        }
        Ok(out)
    }
    fn null() -> Option<Self::Out> {
        Some(Vec::new())
    }
}

/// A span event.
struct SpanEvent;

impl Object for SpanEvent {
    type Out = Event;
    const WHAT: &'static str = "a span Event object";
    const MANY: &'static str = "events";
    const LIMIT: usize = limits::MAX_EVENTS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Event, A::Error> {
        let mut e = Event {
            time: 0,
            name: sink.store.strings.empty(),
            attrs: Range32::default(),
            dropped_attrs: 0,
        };
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "timeUnixNano" | "time_unix_nano" => {
                    e.time = event_time(sink, "timeUnixNano", &map.next_value_seed(LooseTime)?, 1)
                }
                "name" => {
                    e.name = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(e.name)
                }
                "attributes" => e.attrs = map.next_value_seed(AttrList::new(&mut *sink))?,
                "droppedAttributesCount" | "dropped_attributes_count" => {
                    e.dropped_attrs = clamp_u32(map.next_value_seed(LooseU64)?.unwrap_or(0))
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(e)
    }
}

/// A span link. One whose traceId or spanId is not an id is left out (and
/// noted), not the file.
struct SpanLink;

impl Object for SpanLink {
    type Out = Option<Link>;
    const WHAT: &'static str = "a span Link object";
    const MANY: &'static str = "links";
    const LIMIT: usize = limits::MAX_LINKS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Option<Link>, A::Error> {
        let mut trace_id = None;
        let mut span_id = None;
        let mut bad = None;
        let mut attrs = Range32::default();
        let mut dropped_attrs = 0;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "traceId" | "trace_id" => match map.next_value_seed(StrWith(otlp_trace_id))? {
                    Some(Ok(id)) => trace_id = Some(id),
                    Some(Err(e)) => bad = Some(format!("a link's traceId: {}", e.0)),
                    None => {}
                },
                "spanId" | "span_id" => match map.next_value_seed(StrWith(otlp_span_id))? {
                    Some(Ok(id)) => span_id = id,
                    Some(Err(e)) => bad = Some(format!("a link's spanId: {}", e.0)),
                    None => {}
                },
                "attributes" => attrs = map.next_value_seed(AttrList::new(&mut *sink))?,
                "droppedAttributesCount" | "dropped_attributes_count" => {
                    dropped_attrs = clamp_u32(map.next_value_seed(LooseU64)?.unwrap_or(0))
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(sink.otlp_link(
            (trace_id, span_id),
            bad,
            (attrs, dropped_attrs),
            ["traceId", "spanId"],
        ))
    }
}
