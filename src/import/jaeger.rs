//! Jaeger JSON: the query API / UI download (`{"data": [Trace], "total", "limit",
//! "offset", "errors"}`), a bare Trace object, and a bare array of spans with
//! inline `process`es.
//!
//! Real files bend the model: tag values whose JSON type disagrees with the
//! declared `type` (bool as "true", int64 as a string, float64 as an integer,
//! binary as base64), ids with dropped leading zeros or not hex at all,
//! references into other traces, a span with both CHILD_OF and FOLLOWS_FROM,
//! `warnings` null or an array. Times are microseconds.

use std::fmt;

use base64::Engine;
use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::json::{
    skip, skip_rest, span_element, span_or_placeholder, Arena, Key, LooseTime, Many, Object,
    Scalar, StrWith, Time,
};
use super::{event_time, limits, micros_times, Sink};
use crate::model::ids::{jaeger_span_id, jaeger_trace_id};
use crate::model::units::clip;
use crate::model::value::by_name;
use crate::model::{
    Attr, Dropped, Event, Link, LinkKind, NewSpan, Range32, SpanFlags, SpanId, SpanKind,
    StatusCode, Sym, Text, TraceId, Value,
};

pub const FORMAT: &str = "Jaeger JSON";

/// State of one Jaeger trace object while it is read: spans name their process
/// by key, and the `processes` map may come after the spans.
#[derive(Default)]
pub struct TraceState {
    trace_id: Option<TraceId>,
    /// (span index, process key) for spans that named a `processID`.
    process_refs: Vec<(u32, Sym)>,
    /// process key -> scope index
    processes: FxHashMap<Sym, u32>,
    /// Index of the first span read for this trace object.
    first_span: usize,
    /// The last inline process read, reused while identical (a bare span array
    /// repeats the same process on every span).
    last_inline: Option<(u32, Sym, Vec<Attr>)>,
    pub seen: bool,
}

impl TraceState {
    /// State for a trace object whose spans start at span index `first_span`.
    pub fn new(first_span: usize) -> TraceState {
        TraceState {
            first_span,
            ..TraceState::default()
        }
    }

    /// Handles one field of a Trace object; false if the key is not Jaeger's.
    pub fn field<'de, A: MapAccess<'de>>(
        &mut self,
        sink: &mut Sink,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "traceID" => {
                self.seen = true;
                self.trace_id = map.next_value_seed(StrWith(|s: &str| {
                    jaeger_trace_id(s, &mut sink.store.strings)
                }))?;
            }
            "spans" => {
                self.seen = true;
                map.next_value_seed(SpanList { sink, state: self })?;
            }
            "processes" => {
                self.seen = true;
                map.next_value_seed(ProcessMap { sink, state: self })?;
            }
            "warnings" => {
                let warnings = map.next_value::<Option<Vec<Scalar>>>()?.unwrap_or_default();
                for w in warnings {
                    sink.note(format!("Jaeger warning: {}", clip(&w.as_text(), 300)));
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Resolves process references once the whole trace object is read,
    /// and gives the trace's id to its spans whose own traceID is empty
    /// (Jaeger's UI takes a trace's spans from its object, whatever their
    /// traceID says).
    pub fn finish(self, sink: &mut Sink) {
        let empty =
            |t: &TraceId| matches!(t, TraceId::Text(s) if sink.store.strings.get(*s).is_empty());
        if let Some(id) = self.trace_id.filter(|t| !empty(t)) {
            let from = self.first_span - sink.base;
            let blank: Vec<usize> = sink.trace_ids[from..]
                .iter()
                .enumerate()
                .filter(|(_, t)| empty(t))
                .map(|(k, _)| from + k)
                .collect();
            for k in blank {
                sink.trace_ids[k] = id;
            }
        }
        let mut missing = 0;
        for (span, key) in self.process_refs {
            match self.processes.get(&key) {
                Some(&scope) => {
                    sink.store.spans.scope[span as usize] = scope;
                }
                None => missing += 1,
            }
        }
        if missing > 0 {
            sink.note(format!(
                "{missing} spans name a processID that is not in the trace's processes map; their service is unknown"
            ));
        }
        // Services follow scopes: set them for every span of this trace object.
        for i in self.first_span..sink.store.spans.len() {
            let scope = sink.store.spans.scope[i] as usize;
            if let Some(sc) = sink.store.scopes.get(scope) {
                sink.store.spans.service[i] = sink.store.resources[sc.resource as usize].service;
            }
        }
        let _ = self.trace_id;
    }
}

/// `data`: an array of Trace objects (or one Trace object, as some UI exports).
pub struct Data<'a, 's>(pub &'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for Data<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Data<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Jaeger traces")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(TraceSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        TraceSeed(self.0).visit_map(map)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct TraceSeed<'a, 's>(&'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for TraceSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TraceSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger trace object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut state = TraceState::new(self.0.store.spans.len());
        while let Some(k) = map.next_key::<Key>()? {
            if !state.field(self.0, &k.0, &mut map)? {
                skip(&mut map)?;
            }
        }
        state.finish(self.0);
        Ok(())
    }
}

/// The envelope's `errors`: `[{code, msg, traceID}]`, kept as file notes.
pub fn read_errors<'de, A: MapAccess<'de>>(sink: &mut Sink, map: &mut A) -> Result<(), A::Error> {
    #[derive(serde::Deserialize)]
    struct ApiError {
        #[serde(default)]
        code: Option<i64>,
        #[serde(default)]
        msg: Option<String>,
        #[serde(default, rename = "traceID")]
        trace_id: Option<String>,
    }
    let errors = map
        .next_value::<Option<Vec<ApiError>>>()?
        .unwrap_or_default();
    for e in errors {
        let msg = e.msg.unwrap_or_default();
        let mut s = format!("Jaeger reported an error: {}", clip(&msg, 300));
        if let Some(c) = e.code {
            s.push_str(&format!(" (code {c})"));
        }
        if let Some(t) = e.trace_id {
            s.push_str(&format!(" for trace {}", clip(&t, 100)));
        }
        sink.note(s);
    }
    Ok(())
}

struct SpanList<'a, 'b, 's> {
    sink: &'a mut Sink<'s>,
    state: &'b mut TraceState,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Jaeger spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(OneSpan {
                sink: &mut *self.sink,
                state: &mut *self.state,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum RefType {
    ChildOf,
    FollowsFrom,
}

struct Ref {
    kind: RefType,
    trace_id: Option<TraceId>,
    span_id: SpanId,
}

/// One Jaeger span (an element of a bare span array, or of a trace's `spans`).
pub struct OneSpan<'a, 'b, 's> {
    pub sink: &'a mut Sink<'s>,
    pub state: &'b mut TraceState,
}

/// What a span list element must be (in errors about one that is not).
const SPAN_OBJECT: &str = "a Jaeger span object";

impl<'de> DeserializeSeed<'de> for OneSpan<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        span_element(self.sink.has_placeholders(), d, self)
    }
}

impl<'de> Visitor<'de> for OneSpan<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(SPAN_OBJECT)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        span_or_placeholder(self.sink, s, &SPAN_OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let sink = self.sink;
        let state = self.state;
        let empty = sink.store.strings.empty();
        let mut trace_id = None;
        let mut id = None;
        let mut name = empty;
        let mut refs: Vec<Ref> = Vec::new();
        let (mut start, mut duration) = (Time::Missing, Time::Missing);
        let mut attrs = Range32::default();
        let mut events = Range32::default();
        let mut process_key = None;
        let mut inline_scope = None;
        let mut first = true;
        while let Some(k) = map.next_key::<Key>()? {
            if std::mem::take(&mut first) && sink.leaves(&k.0) {
                return skip_rest(&mut map);
            }
            match k.0.as_ref() {
                "traceID" => {
                    trace_id = map.next_value_seed(StrWith(|s: &str| {
                        jaeger_trace_id(s, &mut sink.store.strings)
                    }))?
                }
                "spanID" => {
                    id = map.next_value_seed(StrWith(|s: &str| {
                        jaeger_span_id(s, &mut sink.store.strings)
                    }))?
                }
                "operationName" => {
                    name = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(empty)
                }
                "references" => {
                    refs = map
                        .next_value_seed(Many::<Reference>::new(&mut *sink))?
                        .into_iter()
                        .flatten()
                        .collect()
                }
                "startTime" => start = map.next_value_seed(LooseTime)?,
                "duration" => duration = map.next_value_seed(LooseTime)?,
                "tags" => attrs = map.next_value_seed(TagList::new(&mut *sink))?,
                "logs" => events = map.next_value_seed(Arena::<Log>::new(&mut *sink))?,
                "processID" => {
                    process_key =
                        map.next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                }
                "process" => {
                    inline_scope = Some(map.next_value_seed(ProcessSeed {
                        sink: &mut *sink,
                        state: &mut *state,
                    })?)
                }
                _ => skip(&mut map)?,
            }
        }
        let trace_id = trace_id
            .or(state.trace_id)
            .ok_or_else(|| de::Error::custom("span has no traceID"))?;
        let id = id.ok_or_else(|| de::Error::custom("span has no spanID"))?;

        // Parent: the first CHILD_OF in this trace, else the first FOLLOWS_FROM
        // (a FOLLOWS_FROM-only span still hangs under its referent). Every other
        // reference becomes a link.
        let same = |r: &Ref| r.trace_id.is_none_or(|t| t == trace_id);
        let parent_at = refs
            .iter()
            .position(|r| r.kind == RefType::ChildOf && same(r))
            .or_else(|| {
                refs.iter()
                    .position(|r| r.kind == RefType::FollowsFrom && same(r))
            });
        let mut flags = SpanFlags::empty();
        let parent_id = parent_at.map(|p| {
            if refs[p].kind == RefType::FollowsFrom {
                flags |= SpanFlags::FOLLOWS_FROM;
            }
            refs[p].span_id
        });
        let link_start = sink.store.links.len();
        for (n, r) in refs.iter().enumerate() {
            if Some(n) == parent_at {
                continue;
            }
            sink.store.links.push(Link {
                trace_id: r.trace_id.unwrap_or(trace_id),
                span_id: r.span_id,
                kind: match r.kind {
                    RefType::ChildOf => LinkKind::ChildOf,
                    RefType::FollowsFrom => LinkKind::FollowsFrom,
                },
                attrs: Range32::default(),
                dropped_attrs: 0,
            });
        }
        let links = Range32::new(link_start, sink.store.links.len());

        let (kind, status, status_message) = from_tags(sink, attrs);
        let (start, duration, time_flags) = micros_times(sink, "startTime", &start, &duration);
        let scope = inline_scope.unwrap_or(u32::MAX);
        let i = sink.push_span(
            trace_id,
            NewSpan {
                id,
                parent_id,
                scope,
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
                dropped: Dropped::default(),
                flags: flags | time_flags,
            },
        );
        if inline_scope.is_none() {
            if let Some(key) = process_key {
                state.process_refs.push((i, key));
            }
        }
        Ok(())
    }
}

/// Kind and status from the tags Jaeger uses for them: `span.kind`, `error`,
/// `otel.status_code`, `otel.status_description`.
fn from_tags(sink: &mut Sink, attrs: Range32) -> (SpanKind, StatusCode, Text) {
    let k_kind = sink.intern("span.kind");
    let k_error = sink.intern("error");
    let k_code = sink.intern("otel.status_code");
    let k_desc = sink.intern("otel.status_description");
    let store = &sink.store;
    let mut kind = SpanKind::Unspecified;
    let mut status = StatusCode::Unset;
    let mut message = Text::default();
    for a in &store.attrs[attrs.range()] {
        let text = |v: &Value| match v {
            Value::Str(t) => Some(store.text.get(*t)),
            _ => None,
        };
        if a.key == k_kind {
            if let Some(s) = text(&a.value) {
                kind = SpanKind::from_name(s);
            }
        } else if a.key == k_error {
            let is_err = match &a.value {
                Value::Bool(b) => *b,
                Value::Str(t) => !store.text.get(*t).eq_ignore_ascii_case("false"),
                _ => true,
            };
            if is_err {
                status = StatusCode::Error;
            }
        } else if a.key == k_code {
            if let Some(s) = text(&a.value) {
                let c = StatusCode::from_name(s);
                if c != StatusCode::Unset && status != StatusCode::Error {
                    status = c;
                }
            }
        } else if a.key == k_desc {
            if let Value::Str(t) = a.value {
                message = t;
            }
        }
    }
    (kind, status, message)
}

/// A span reference `{refType, traceID, spanID}`; without a spanID it is ignored.
struct Reference;

impl Object for Reference {
    type Out = Option<Ref>;
    const WHAT: &'static str = "a span reference";
    const MANY: &'static str = "references";
    const LIMIT: usize = limits::MAX_LINKS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Option<Ref>, A::Error> {
        let strings = &mut sink.store.strings;
        let mut kind = RefType::ChildOf;
        let mut trace_id = None;
        let mut span_id = None;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "refType" => {
                    let t = map.next_value::<Scalar>()?;
                    if t.as_text().eq_ignore_ascii_case("FOLLOWS_FROM") {
                        kind = RefType::FollowsFrom;
                    }
                }
                // An empty traceID is this trace; an empty spanID no reference.
                "traceID" => {
                    trace_id = map
                        .next_value_seed(StrWith(|s: &str| {
                            (!s.is_empty()).then(|| jaeger_trace_id(s, strings))
                        }))?
                        .flatten()
                }
                "spanID" => {
                    span_id = map
                        .next_value_seed(StrWith(|s: &str| {
                            (!s.is_empty()).then(|| jaeger_span_id(s, strings))
                        }))?
                        .flatten()
                }
                _ => skip(&mut map)?,
            }
        }
        Ok(span_id.map(|span_id| Ref {
            kind,
            trace_id,
            span_id,
        }))
    }
    fn null() -> Option<Option<Ref>> {
        Some(None)
    }
}

/// A Jaeger tag `{key, type, value}`.
pub struct Tag;

/// Jaeger tags, appended to the attribute arena.
pub type TagList<'a, 's> = Arena<'a, 's, Tag>;

impl Object for Tag {
    type Out = Attr;
    const WHAT: &'static str = "a Jaeger tag {key, type, value}";
    const MANY: &'static str = "tags";
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Attr, A::Error> {
        let mut key = sink.store.strings.empty();
        let mut ty: Option<Key> = None;
        // `value` may come before `type`: keep it (borrowed) until both are read.
        let mut value = Scalar::Null;
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "key" => {
                    key = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(key)
                }
                "type" => ty = map.next_value::<Option<Key>>()?,
                "value" => value = map.next_value::<Scalar>()?,
                _ => skip(&mut map)?,
            }
        }
        let value = tag_value(sink, ty.as_ref().map(|t| t.0.as_ref()), value);
        Ok(Attr { key, value })
    }
}

/// Coerces a tag value to its declared type, tolerating the mismatches real
/// files have; a value that cannot be coerced is kept as the text written.
fn tag_value(sink: &mut Sink, ty: Option<&str>, v: Scalar) -> Value {
    let ty = ty.and_then(|t| {
        by_name(
            t,
            &[
                ("string", "string"),
                ("bool", "bool"),
                ("int64", "int64"),
                ("float64", "float64"),
                ("binary", "binary"),
            ],
        )
    });
    match (ty, v) {
        (_, Scalar::Null) => Value::Empty,
        (Some("bool"), Scalar::Bool(b)) => Value::Bool(b),
        (Some("bool"), Scalar::Str(s)) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
        (Some("bool"), Scalar::Str(s)) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
        (Some("int64"), Scalar::I64(n)) => Value::Int(n),
        (Some("int64"), Scalar::U64(n)) if n <= i64::MAX as u64 => Value::Int(n as i64),
        (Some("int64"), Scalar::Str(s)) if s.parse::<i64>().is_ok() => {
            Value::Int(s.parse().unwrap_or_default())
        }
        (Some("int64"), Scalar::F64(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
            Value::Int(f as i64)
        }
        (Some("float64"), Scalar::F64(f)) => Value::Double(f),
        (Some("float64"), Scalar::I64(n)) => Value::Double(n as f64),
        (Some("float64"), Scalar::U64(n)) => Value::Double(n as f64),
        (Some("float64"), Scalar::Str(s)) if s.parse::<f64>().is_ok() => {
            Value::Double(s.parse().unwrap_or_default())
        }
        (Some("binary"), Scalar::Str(s)) => {
            match base64::engine::general_purpose::STANDARD.decode(s.as_bytes()) {
                Ok(b) => Value::Bytes(b.into_boxed_slice()),
                Err(_) => sink.str_value(&s),
            }
        }
        (Some("string"), v) => sink.str_value(&v.as_text()),
        // No (or an unknown) type: keep the JSON type.
        (_, Scalar::Bool(b)) => Value::Bool(b),
        (_, Scalar::I64(n)) => Value::Int(n),
        (_, Scalar::U64(n)) if n <= i64::MAX as u64 => Value::Int(n as i64),
        (_, Scalar::F64(f)) => Value::Double(f),
        (_, v) => sink.str_value(&v.as_text()),
    }
}

/// A Jaeger log `{timestamp, fields}`: a span event named by its `event` field.
struct Log;

impl Object for Log {
    type Out = Event;
    const WHAT: &'static str = "a Jaeger log {timestamp, fields}";
    const MANY: &'static str = "logs";
    const LIMIT: usize = limits::MAX_EVENTS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<Event, A::Error> {
        let mut time = 0;
        let mut attrs = Range32::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "timestamp" => {
                    time = event_time(sink, "timestamp", &map.next_value_seed(LooseTime)?, 1000)
                }
                "fields" => attrs = map.next_value_seed(TagList::new(&mut *sink))?,
                _ => skip(&mut map)?,
            }
        }
        // The event's name is its `event` field (OpenTracing / OTel convention).
        let k_event = sink.intern("event");
        let name_text = sink.store.attrs[attrs.range()]
            .iter()
            .find(|a| a.key == k_event)
            .and_then(|a| match a.value {
                Value::Str(t) => Some(sink.store.text.get(t).to_owned()),
                _ => None,
            });
        let name = match name_text {
            Some(s) => sink.intern(&s),
            None => sink.intern("log"),
        };
        Ok(Event {
            time,
            name,
            attrs,
            dropped_attrs: 0,
        })
    }
}

struct ProcessMap<'a, 'b, 's> {
    sink: &'a mut Sink<'s>,
    state: &'b mut TraceState,
}

impl<'de> DeserializeSeed<'de> for ProcessMap<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ProcessMap<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of Jaeger processes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            let key = self.sink.intern(&limits::cut(&k.0));
            let scope = map.next_value_seed(ProcessSeed {
                sink: &mut *self.sink,
                state: &mut *self.state,
            })?;
            self.state.processes.insert(key, scope);
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A process `{serviceName, tags}`: a resource and its (nameless) scope.
struct ProcessSeed<'a, 'b, 's> {
    sink: &'a mut Sink<'s>,
    state: &'b mut TraceState,
}

impl<'de> DeserializeSeed<'de> for ProcessSeed<'_, '_, '_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProcessSeed<'_, '_, '_> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger process {serviceName, tags}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u32, A::Error> {
        let sink = self.sink;
        let mut service = sink.store.strings.empty();
        let mut attrs = Range32::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "serviceName" => {
                    service = map
                        .next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
                        .unwrap_or(service)
                }
                "tags" => attrs = map.next_value_seed(TagList::new(&mut *sink))?,
                _ => skip(&mut map)?,
            }
        }
        // Reuse the previous inline process when it is the same one.
        if let Some((scope, s, prev)) = &self.state.last_inline {
            if *s == service && prev.as_slice() == &sink.store.attrs[attrs.range()] {
                sink.store.attrs.truncate(attrs.start as usize);
                return Ok(*scope);
            }
        }
        let resource = sink.new_resource(service, attrs);
        let scope = sink.new_scope(resource);
        self.state.last_inline = Some((scope, service, sink.store.attrs[attrs.range()].to_vec()));
        Ok(scope)
    }
}
