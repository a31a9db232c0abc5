//! Zipkin v2 JSON: an array of spans, a single span object, or the
//! `/api/v2/traces` answer (an array of traces, each an array of spans).
//!
//! Shared RPC spans (client and server halves carrying one id, the server half
//! `shared: true`) stay two spans; the tree builder hangs the server half under
//! the client half, so the network gap between them stays visible. Spans
//! without `timestamp`, `duration`, `localEndpoint` or `kind` are kept.
//! Zipkin v1 (annotations carrying endpoints, `binaryAnnotations`) is a
//! different model and is refused with a message saying what to load instead.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::json::{
    skip, skip_rest, Key, LooseTime, LooseU64, Many, Object, One, Scalar, StrCheck, StrWith, Time,
};
use super::notes::LEFT_OUT;
use super::{event_time, limits, micros_times, Sink};
use crate::model::ids::{zipkin_span_id, zipkin_trace_id};
use crate::model::{
    Attr, Dropped, Event, NewSpan, Range32, SpanFlags, SpanId, SpanKind, StatusCode, Sym, Text,
    TraceId, Value,
};

pub const FORMAT: &str = "Zipkin v2 JSON";

pub const V1_MESSAGE: &str = "this is Zipkin v1 JSON (annotations carry endpoints; cs/sr/ss/cr): \
Strata reads Zipkin v2. Fetch the trace as v2 from Zipkin (GET /api/v2/trace/{traceId}) \
and load that file";

/// The keys of a Zipkin v2 span object (v1's `binaryAnnotations` included, to
/// recognise it).
pub const SPAN_KEYS: &[&str] = &[
    "traceId",
    "id",
    "parentId",
    "kind",
    "name",
    "timestamp",
    "duration",
    "shared",
    "debug",
    "localEndpoint",
    "remoteEndpoint",
    "annotations",
    "tags",
    "binaryAnnotations",
];

/// Zipkin resources are endpoints; identical endpoints share one resource.
#[derive(Default)]
pub struct Endpoints {
    by_key: FxHashMap<(Sym, Sym, Sym, u32), u32>,
}

#[derive(Default)]
struct Endpoint {
    service: Option<Sym>,
    ipv4: Option<Sym>,
    ipv6: Option<Sym>,
    port: Option<u64>,
}

/// One span being read, field by field (also used for a top-level span object).
#[derive(Default)]
pub struct SpanState {
    trace_id: Option<TraceId>,
    id: Option<SpanId>,
    parent_id: Option<SpanId>,
    kind: SpanKind,
    name: Option<Sym>,
    timestamp: Time,
    duration: Time,
    shared: bool,
    local: Option<Endpoint>,
    remote: Option<Endpoint>,
    annotations: Vec<(Time, Text)>,
    tags: Vec<(Sym, Text)>,
}

impl SpanState {
    /// Handles one field of a span object; false if the key is not Zipkin's.
    pub fn field<'de, A: MapAccess<'de>>(
        &mut self,
        sink: &mut Sink,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "traceId" => {
                self.trace_id = Some(map.next_value_seed(StrCheck(|s: &str| {
                    zipkin_trace_id(s).map_err(|e| format!("traceId: {}", e.0))
                }))?)
            }
            "id" => {
                self.id = Some(map.next_value_seed(StrCheck(|s: &str| {
                    zipkin_span_id(s).map_err(|e| format!("id: {}", e.0))
                }))?)
            }
            "parentId" => {
                let id = map.next_value_seed(StrWith(|s: &str| {
                    (!s.is_empty()).then(|| zipkin_span_id(s))
                }))?;
                self.parent_id = match id.flatten() {
                    None => None,
                    Some(Ok(id)) => Some(id),
                    // One bad id leaves the span without a parent, not the
                    // file unread.
                    Some(Err(e)) => {
                        sink.issue(format!(
                            "parentId: {}, so the span shows as a root{}",
                            e.0, LEFT_OUT.tail
                        ));
                        None
                    }
                }
            }
            "kind" => {
                self.kind = map
                    .next_value_seed(StrWith(SpanKind::from_name))?
                    .unwrap_or_default()
            }
            "name" => {
                self.name = map.next_value_seed(StrWith(|s: &str| sink.store.strings.intern(s)))?
            }
            "timestamp" => self.timestamp = map.next_value_seed(LooseTime)?,
            "duration" => self.duration = map.next_value_seed(LooseTime)?,
            "shared" => self.shared = matches!(map.next_value::<Scalar>()?, Scalar::Bool(true)),
            "localEndpoint" => {
                self.local = map.next_value_seed(One::<EndpointObject>::new(&mut *sink))?
            }
            "remoteEndpoint" => {
                self.remote = map.next_value_seed(One::<EndpointObject>::new(&mut *sink))?
            }
            "annotations" => {
                self.annotations = map.next_value_seed(Many::<Annotation>::new(&mut *sink))?
            }
            "tags" => self.tags = map.next_value_seed(Tags(&mut *sink))?,
            "binaryAnnotations" => return Err(de::Error::custom(V1_MESSAGE)),
            "debug" => skip(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub fn finish<E: de::Error>(self, sink: &mut Sink, endpoints: &mut Endpoints) -> Result<(), E> {
        let trace_id = self
            .trace_id
            .ok_or_else(|| E::custom("span has no traceId"))?;
        let id = self.id.ok_or_else(|| E::custom("span has no id"))?;
        let empty = sink.store.strings.empty();
        let (start, duration, mut flags) =
            micros_times(sink, "timestamp", &self.timestamp, &self.duration);
        if self.shared {
            flags |= SpanFlags::SHARED;
        }

        // Span attributes: tags, then the remote endpoint (the service this span
        // talks to, often uninstrumented: a database, a broker).
        let mut status = StatusCode::Unset;
        let mut status_message = Text::default();
        let k_error = sink.intern("error");
        let mut attrs: Vec<Attr> = Vec::with_capacity(self.tags.len() + 4);
        for (k, v) in &self.tags {
            if *k == k_error {
                status = StatusCode::Error;
                let msg = sink.store.text.get(*v);
                if !msg.is_empty() && msg != "true" {
                    status_message = *v;
                }
            }
            attrs.push(Attr {
                key: *k,
                value: Value::Str(*v),
            });
        }
        if let Some(r) = &self.remote {
            endpoint_attrs(sink, "remoteEndpoint", r, &mut attrs);
        }
        let attrs = sink.push_attrs(attrs);

        let ev_start = sink.store.events.len();
        for (ts, value) in &self.annotations {
            let text = sink.store.text.get(*value).to_owned();
            let name = sink.intern(&text);
            let time = event_time(sink, "timestamp", ts, 1000);
            sink.store.events.push(Event {
                time,
                name,
                attrs: Range32::default(),
                dropped_attrs: 0,
            });
        }
        let events = Range32::new(ev_start, sink.store.events.len());

        let local = self.local.unwrap_or_default();
        let service = local.service.unwrap_or(empty);
        let key = (
            service,
            local.ipv4.unwrap_or(empty),
            local.ipv6.unwrap_or(empty),
            local.port.unwrap_or(0) as u32,
        );
        let scope = match endpoints.by_key.get(&key) {
            Some(&s) => s,
            None => {
                let mut rattrs = Vec::new();
                endpoint_attrs(sink, "localEndpoint", &local, &mut rattrs);
                let rattrs = sink.push_attrs(rattrs);
                let r = sink.new_resource(service, rattrs);
                let s = sink.new_scope(r);
                endpoints.by_key.insert(key, s);
                s
            }
        };
        sink.push_span(
            trace_id,
            NewSpan {
                id,
                parent_id: self.parent_id,
                scope,
                service,
                name: self.name.unwrap_or(empty),
                kind: self.kind,
                start,
                duration,
                status,
                status_message,
                attrs,
                events,
                links: Range32::default(),
                dropped: Dropped::default(),
                flags,
            },
        );
        Ok(())
    }
}

fn endpoint_attrs(sink: &mut Sink, prefix: &str, e: &Endpoint, out: &mut Vec<Attr>) {
    let mut add = |sink: &mut Sink, name: &str, value: Value| {
        let key = sink.intern(&format!("{prefix}.{name}"));
        out.push(Attr { key, value });
    };
    if prefix == "remoteEndpoint" {
        if let Some(s) = e.service {
            let v = sink.store.strings.get(s).to_owned();
            let v = sink.str_value(&v);
            add(sink, "serviceName", v);
        }
    }
    for (name, sym) in [("ipv4", e.ipv4), ("ipv6", e.ipv6)] {
        if let Some(s) = sym {
            let v = sink.store.strings.get(s).to_owned();
            let v = sink.str_value(&v);
            add(sink, name, v);
        }
    }
    if let Some(p) = e.port {
        add(sink, "port", Value::Int(p as i64));
    }
}

/// A list of spans (one trace, or a bare file). `nested` also accepts the
/// `/api/v2/traces` shape, a list of such lists.
pub struct SpanList<'a, 's> {
    pub sink: &'a mut Sink<'s>,
    pub endpoints: &'a mut Endpoints,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Zipkin spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Element {
                sink: &mut *self.sink,
                endpoints: &mut *self.endpoints,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One element of a Zipkin array: a span, or (the `/api/v2/traces` answer) a
/// list of spans.
pub struct Element<'a, 's> {
    pub sink: &'a mut Sink<'s>,
    pub endpoints: &'a mut Endpoints,
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Zipkin span object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut state = SpanState::default();
        let mut first = true;
        while let Some(k) = map.next_key::<Key>()? {
            if std::mem::take(&mut first) && self.sink.leaves(&k.0) {
                return skip_rest(&mut map);
            }
            if !state.field(self.sink, &k.0, &mut map)? {
                skip(&mut map)?;
            }
        }
        state.finish(self.sink, self.endpoints)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        SpanList {
            sink: self.sink,
            endpoints: self.endpoints,
        }
        .visit_seq(seq)
    }
}

/// An endpoint `{serviceName, ipv4, ipv6, port}`; null is none.
struct EndpointObject;

impl Object for EndpointObject {
    type Out = Option<Endpoint>;
    const WHAT: &'static str = "a Zipkin endpoint";
    fn read<'de, A: MapAccess<'de>>(
        sink: &mut Sink,
        mut map: A,
    ) -> Result<Option<Endpoint>, A::Error> {
        let strings = &mut sink.store.strings;
        let mut e = Endpoint::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "serviceName" => {
                    e.service = map
                        .next_value_seed(StrWith(|s: &str| strings.intern(s)))?
                        .filter(|s| !strings.get(*s).is_empty())
                }
                "ipv4" => e.ipv4 = map.next_value_seed(StrWith(|s: &str| strings.intern(s)))?,
                "ipv6" => e.ipv6 = map.next_value_seed(StrWith(|s: &str| strings.intern(s)))?,
                "port" => e.port = map.next_value_seed(LooseU64)?,
                _ => skip(&mut map)?,
            }
        }
        Ok(Some(e))
    }
    fn null() -> Option<Option<Endpoint>> {
        Some(None)
    }
}

/// An annotation `{timestamp, value}`; one carrying an `endpoint` is Zipkin v1.
struct Annotation;

impl Object for Annotation {
    type Out = (Time, Text);
    const WHAT: &'static str = "a Zipkin annotation {timestamp, value}";
    const MANY: &'static str = "annotations";
    const LIMIT: usize = limits::MAX_EVENTS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, mut map: A) -> Result<(Time, Text), A::Error> {
        let mut ts = Time::Missing;
        let mut value = Text::default();
        while let Some(k) = map.next_key::<Key>()? {
            match k.0.as_ref() {
                "timestamp" => ts = map.next_value_seed(LooseTime)?,
                "value" => {
                    value = map
                        .next_value_seed(StrWith(|s: &str| sink.store.text.push(s)))?
                        .unwrap_or_default()
                }
                "endpoint" => return Err(de::Error::custom(V1_MESSAGE)),
                _ => skip(&mut map)?,
            }
        }
        Ok((ts, value))
    }
}

struct Tags<'a, 's>(&'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for Tags<'_, '_> {
    type Value = Vec<(Sym, Text)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tags<'_, '_> {
    type Value = Vec<(Sym, Text)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of Zipkin tags")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let sink = self.0;
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            if out.len() == limits::MAX_ATTRS {
                // The rest is skipped unread, counted.
                let mut total = out.len() + 1;
                skip(&mut map)?;
                while map.next_key::<de::IgnoredAny>()?.is_some() {
                    skip(&mut map)?;
                    total += 1;
                }
                sink.issue(limits::cut_list(total, "tags", out.len()));
                break;
            }
            let key = sink.intern(&limits::cut(&k.0));
            // Tags are strings in Zipkin v2; numbers and bools occur, kept as text.
            let v = map.next_value::<Scalar>()?;
            let value = sink.store.text.push(&v.as_text());
            out.push((key, value));
        }
        Ok(out)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}
