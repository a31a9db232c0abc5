//! Zipkin v2 JSON: an array of spans, a single span object, or the
//! `/api/v2/traces` answer (an array of traces, each an array of spans).
//!
//! Shared RPC spans (client and server halves carrying one id, the server half
//! `shared: true`) stay two spans; the tree builder hangs the server half under
//! the client half, so the network gap between them stays visible. Spans
//! without `timestamp`, `duration`, `localEndpoint` or `kind` are kept.
//!
//! Records of one span reported separately (same trace and id, local
//! endpoints that agree: a server's instrumentation flushing tags or
//! annotations apart from the span, without kind, times or `shared`) are
//! merged into one span as they are read, and counted in a file note
//! ([`MERGED`]). Zipkin's own merge (`Trace.merge`) joins only records with
//! the same `shared` flag, so it misses these, and its UI then drops one
//! record. Here records merge when no value contradicts the other's and at
//! most one of them is timed (or both alike: same kind, flag and times);
//! the two halves of a shared RPC never merge, nor records of one id at
//! different times (duplicates, warned about by the tree builder). See
//! [`fits`] and [`merge`]. Each file part ([`super::parts`]) merges its own
//! records only.
//!
//! Zipkin v1 (annotations carrying endpoints, `binaryAnnotations`) is a
//! different model and is refused with a message saying what to load instead.

use std::fmt;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::json::{
    skip, skip_rest, Key, LooseTime, LooseU64, Many, Object, One, Scalar, StrCheck, StrWith, Time,
};
use super::notes::LEFT_OUT;
use super::parts::counted;
use super::{event_time, limits, micros_times, Sink};
use crate::model::ids::{zipkin_span_id, zipkin_trace_id};
use crate::model::units::clip;
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

/// What the Zipkin reader keeps across the spans of one list (a file's, or
/// all the traces of an `/api/v2/traces` answer): the endpoints seen
/// (identical endpoints share one resource) and the spans read so far by
/// id, to merge the fragments of one span reported separately (see
/// [`SpanIndex`]).
#[derive(Default)]
pub struct Endpoints {
    by_key: FxHashMap<(Sym, Sym, Sym, u32), u32>,
    /// The endpoint of each scope made here, to compare and merge the local
    /// endpoints of fragments.
    of_scope: FxHashMap<u32, Endpoint>,
    spans: SpanIndex,
}

#[derive(Clone, Copy, Default, PartialEq)]
struct Endpoint {
    service: Option<Sym>,
    ipv4: Option<Sym>,
    ipv6: Option<Sym>,
    port: Option<u64>,
}

impl Endpoint {
    /// The fields given (an empty string or port 0 is none).
    fn given(self, empty: Sym) -> Endpoint {
        let s = |x: Option<Sym>| x.filter(|x| *x != empty);
        Endpoint {
            service: s(self.service),
            ipv4: s(self.ipv4),
            ipv6: s(self.ipv6),
            port: self.port.filter(|p| *p != 0),
        }
    }

    /// Whether two endpoints can be the same host: no field that both give
    /// differs (Zipkin's `EndpointTracker`). Both [`Endpoint::given`].
    fn fits(self, other: Endpoint) -> bool {
        fn same<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
            a.zip(b).is_none_or(|(a, b)| a == b)
        }
        same(self.service, other.service)
            && same(self.ipv4, other.ipv4)
            && same(self.ipv6, other.ipv6)
            && same(self.port, other.port)
    }

    /// Each field from whichever gives it. Both [`Endpoint::given`].
    fn union(self, other: Endpoint) -> Endpoint {
        Endpoint {
            service: self.service.or(other.service),
            ipv4: self.ipv4.or(other.ipv4),
            ipv6: self.ipv6.or(other.ipv6),
            port: self.port.or(other.port),
        }
    }
}

impl Endpoints {
    /// The scope (and service) of spans on `local`: one resource per
    /// distinct endpoint.
    fn scope(&mut self, sink: &mut Sink, local: &Endpoint) -> (u32, Sym) {
        let empty = sink.store.strings.empty();
        let service = local.service.unwrap_or(empty);
        let key = (
            service,
            local.ipv4.unwrap_or(empty),
            local.ipv6.unwrap_or(empty),
            local.port.unwrap_or(0) as u32,
        );
        let scope = match self.by_key.get(&key) {
            Some(&s) => s,
            None => {
                let mut rattrs = Vec::new();
                endpoint_attrs(sink, "localEndpoint", local, &mut rattrs);
                let rattrs = sink.push_attrs(rattrs);
                let r = sink.new_resource(service, rattrs);
                let s = sink.new_scope(r);
                self.by_key.insert(key, s);
                self.of_scope.insert(s, *local);
                s
            }
        };
        (scope, service)
    }
}

/// The spans of one list by trace and span id, to find the records of one
/// span reported separately (a server's instrumentation flushing its tags
/// or annotations apart from the span they belong to). Per id (folded to 32
/// bits, checked against the store), the newest span; per span, the one
/// before it with the same folded id, only for ids seen more than once: a
/// few bytes and two hash-map operations a span, no scans. Only the newest
/// [`CANDIDATES`] spans of an id are compared with a new record, and at
/// most [`MAX_MERGED`] records are merged into one span, so a file that
/// gives thousands of records one id stays linear.
#[derive(Default)]
struct SpanIndex {
    newest: FxHashMap<u32, u32>,
    before: FxHashMap<u32, u32>,
    /// Records merged into each span that took any.
    merged: FxHashMap<u32, u32>,
}

/// How many spans of one id a new record is compared with.
const CANDIDATES: usize = 8;

/// How many records are merged into one span at most (real fragments come
/// one or two a span; each merge copies the span's tags).
const MAX_MERGED: u32 = 16;

impl SpanIndex {
    fn key(trace_id: TraceId, id: SpanId) -> u32 {
        let mut h = FxHasher::default();
        trace_id.hash(&mut h);
        id.hash(&mut h);
        let h = h.finish();
        (h ^ (h >> 32)) as u32
    }

    fn add(&mut self, key: u32, span: u32) {
        if let Some(prev) = self.newest.insert(key, span) {
            self.before.insert(span, prev);
        }
    }

    /// The span read before that record `r` is a fragment of, with their
    /// timing together: the one that fits it best (names the same service
    /// rather than none), when exactly one does.
    fn fragment_of(
        &self,
        sink: &Sink,
        of_scope: &FxHashMap<u32, Endpoint>,
        key: u32,
        r: &Record,
    ) -> Option<(usize, Timing)> {
        let mut at = self.newest.get(&key).copied();
        let mut best: Option<(u8, usize, Timing)> = None;
        let mut tie = false;
        for _ in 0..CANDIDATES {
            let Some(i) = at else { break };
            let full = self.merged.get(&i).is_some_and(|&n| n >= MAX_MERGED);
            if let Some((score, timing)) = fits(sink, of_scope, i as usize, r).filter(|_| !full) {
                match best {
                    Some((b, ..)) if b > score => {}
                    Some((b, ..)) if b == score => tie = true,
                    _ => {
                        best = Some((score, i as usize, timing));
                        tie = false;
                    }
                }
            }
            at = self.before.get(&i).copied();
        }
        best.filter(|_| !tie).map(|(_, i, t)| (i, t))
    }
}

/// A record as [`SpanIndex::fragment_of`] compares it with the spans before it.
struct Record {
    trace_id: TraceId,
    id: SpanId,
    parent_id: Option<SpanId>,
    kind: SpanKind,
    name: Sym,
    shared: bool,
    timing: Timing,
    /// [`Endpoint::given`].
    local: Endpoint,
}

/// The flags that say how a span's times were given.
const TIMING: SpanFlags = SpanFlags::NO_START
    .union(SpanFlags::NO_DURATION)
    .union(SpanFlags::BAD_TIME)
    .union(SpanFlags::ENDS_BEFORE_START);

/// A span's start and duration (ns) with the [`TIMING`] flags.
#[derive(Clone, Copy)]
struct Timing {
    start: i64,
    duration: i64,
    flags: SpanFlags,
}

impl Timing {
    fn start(self) -> Option<i64> {
        (!self.flags.contains(SpanFlags::NO_START)).then_some(self.start)
    }

    fn duration(self) -> Option<i64> {
        (!self.flags.contains(SpanFlags::NO_DURATION)).then_some(self.duration)
    }

    /// A time that was not one or ended before it started: taken whole or
    /// not at all.
    fn bad(self) -> bool {
        self.flags
            .intersects(SpanFlags::BAD_TIME | SpanFlags::ENDS_BEFORE_START)
    }

    /// Whether the record says when the span ran: a start or duration
    /// other than 0 (Zipkin's "unset"), or a bad one.
    fn given(self) -> bool {
        self.bad()
            || self.start().is_some_and(|t| t != 0)
            || self.duration().is_some_and(|d| d != 0)
    }

    /// The timing of one span from two of its records, each value from
    /// whichever gives it (a 0 gives way); None when they contradict.
    fn merge(self, other: Timing) -> Option<Timing> {
        if self.bad() || other.bad() {
            return match (self.given(), other.given()) {
                (_, false) => Some(self),
                (false, true) => Some(other),
                (true, true) => None,
            };
        }
        fn pick(a: Option<i64>, b: Option<i64>) -> Option<Option<i64>> {
            match (a, b) {
                (Some(x), Some(y)) if x != 0 && y != 0 && x != y => None,
                (Some(0), Some(y)) => Some(Some(y)),
                (Some(x), _) => Some(Some(x)),
                (None, y) => Some(y),
            }
        }
        let start = pick(self.start(), other.start())?;
        let duration = pick(self.duration(), other.duration())?;
        let (s, d) = (start.unwrap_or(0), duration.unwrap_or(0));
        s.checked_add(d)?;
        let mut flags = SpanFlags::empty();
        flags.set(SpanFlags::NO_START, start.is_none());
        flags.set(SpanFlags::NO_DURATION, duration.is_none());
        Some(Timing {
            start: s,
            duration: d,
            flags,
        })
    }
}

/// Whether span `i`, read before, and record `r` can be one span reported
/// in parts, and how well: 2 when both name the service, 1 when one names
/// none; with their timing together. They cannot when their local
/// endpoints differ, when they are the two halves of a shared RPC (kinds
/// differ, or a shared record meets a client one), when their parents
/// differ, or when both say when the span ran and differ in kind, shared
/// flag or times (duplicates, kept apart and warned about as before).
fn fits(
    sink: &Sink,
    of_scope: &FxHashMap<u32, Endpoint>,
    i: usize,
    r: &Record,
) -> Option<(u8, Timing)> {
    let spans = &sink.store.spans;
    let k = i.checked_sub(sink.base)?;
    if *sink.trace_ids.get(k)? != r.trace_id || *spans.id.get(i)? != r.id {
        return None;
    }
    let (kind, flags) = (spans.kind[i], spans.flags[i]);
    let shared = flags.contains(SpanFlags::SHARED);
    let known = |k: SpanKind| k != SpanKind::Unspecified;
    if known(kind) && known(r.kind) && kind != r.kind {
        return None;
    }
    if (shared && r.kind == SpanKind::Client) || (r.shared && kind == SpanKind::Client) {
        return None;
    }
    if spans.parent_id[i]
        .zip(r.parent_id)
        .is_some_and(|(a, b)| a != b)
    {
        return None;
    }
    let local = of_scope
        .get(&spans.scope[i])?
        .given(sink.store.strings.empty());
    if !local.fits(r.local) {
        return None;
    }
    let timing = Timing {
        start: spans.start[i],
        duration: spans.duration[i],
        flags: flags & TIMING,
    };
    if timing.given() && r.timing.given() && (kind != r.kind || shared != r.shared) {
        return None;
    }
    let timing = timing.merge(r.timing)?;
    let score = if local.service.is_some() && r.local.service.is_some() {
        2
    } else {
        1
    };
    Some((score, timing))
}

/// The file note counting merged fragments: its count goes first, so that
/// the parts of a file add theirs up (`parts::merge_notes`).
pub const MERGED: &str = " span fragments reported separately were merged into their spans \
(same trace, span id and service; Zipkin would show a duplicate or drop one)";

/// The last `range` of `arena` (what this record just pushed), taken off it.
fn take_tail<T: Clone>(arena: &mut Vec<T>, range: Range32) -> Vec<T> {
    if range.end() as usize == arena.len() {
        arena.split_off(range.start as usize)
    } else {
        arena
            .get(range.range())
            .map(<[T]>::to_vec)
            .unwrap_or_default()
    }
}

fn same_value(store: &crate::model::Store, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => store.text(*x) == store.text(*y),
        (x, y) => x == y,
    }
}

/// "two records of this span reported separately give "http.status_code"
/// as "200" and "500", so the second is left out (value left out)".
fn conflict(what: &str, first: &str, second: &str) -> String {
    format!(
        "two records of this span reported separately give {what} as {:?} and {:?}, so the second is left out{}",
        clip(first, 100),
        clip(second, 100),
        LEFT_OUT.tail
    )
}

/// Merges record `r` (its attributes and events the last ones of their
/// arenas) into span `i`, read before: tags and annotations unioned (the
/// first value of a tag kept, a different one named on the file),
/// annotations once per time and value, kind, name, parent, times and
/// endpoint fields from whichever gives them.
fn merge(
    sink: &mut Sink,
    endpoints: &mut Endpoints,
    i: usize,
    r: Record,
    timing: Timing,
    attrs: Range32,
    events: Range32,
) {
    let empty = sink.store.strings.empty();
    *endpoints.spans.merged.entry(i as u32).or_default() += 1;
    let new_attrs = take_tail(&mut sink.store.attrs, attrs);
    let new_events = take_tail(&mut sink.store.events, events);

    // Tags and remote endpoint fields: the first value of a key stays.
    if !new_attrs.is_empty() {
        let old = sink.store.spans.attrs[i];
        let mut out: Vec<Attr> = sink.store.attrs[old.range()].to_vec();
        let mut at: FxHashMap<Sym, usize> = FxHashMap::default();
        for (k, a) in out.iter().enumerate() {
            at.entry(a.key).or_insert(k);
        }
        let (kept, mut over) = (out.len(), 0);
        let k_error = sink.intern("error");
        for a in new_attrs {
            match at.get(&a.key) {
                Some(&k) => {
                    if !same_value(&*sink.store, &out[k].value, &a.value) {
                        let store = &*sink.store;
                        let what = format!("{:?}", clip(store.str(a.key), 100));
                        let note = conflict(
                            &what,
                            &store.format_value(&out[k].value),
                            &store.format_value(&a.value),
                        );
                        sink.issue(note);
                    }
                }
                None if out.len() >= limits::MAX_ATTRS => over += 1,
                None => {
                    if a.key == k_error && sink.store.spans.status[i] != StatusCode::Error {
                        sink.store.spans.status[i] = StatusCode::Error;
                        if let Value::Str(v) = a.value {
                            if let Some(m) = error_message(sink, v) {
                                sink.store.spans.status_message[i] = m;
                            }
                        }
                    }
                    at.insert(a.key, out.len());
                    out.push(a);
                }
            }
        }
        if over > 0 {
            sink.issue(limits::cut_list(out.len() + over, "tags", out.len()));
        }
        if out.len() > kept {
            sink.store.spans.attrs[i] = sink.push_attrs(out);
        }
    }

    // Annotations: once per time and value, in time order.
    if !new_events.is_empty() {
        let old = sink.store.spans.events[i];
        let mut out: Vec<Event> = sink.store.events[old.range()].to_vec();
        let mut seen: FxHashSet<(i64, Sym)> = out.iter().map(|e| (e.time, e.name)).collect();
        let (kept, mut over) = (out.len(), 0);
        for e in new_events {
            if !seen.insert((e.time, e.name)) {
                continue;
            }
            if out.len() >= limits::MAX_EVENTS {
                over += 1;
            } else {
                out.push(e);
            }
        }
        if over > 0 {
            sink.issue(limits::cut_list(out.len() + over, "annotations", out.len()));
        }
        if out.len() > kept {
            out.sort_by_key(|e| e.time);
            let start = sink.store.events.len();
            sink.store.events.extend(out);
            sink.store.spans.events[i] = Range32::new(start, sink.store.events.len());
        }
    }

    let spans = &mut sink.store.spans;
    if spans.kind[i] == SpanKind::Unspecified {
        spans.kind[i] = r.kind;
    }
    if spans.parent_id[i].is_none() {
        spans.parent_id[i] = r.parent_id;
    }
    spans.start[i] = timing.start;
    spans.duration[i] = timing.duration;
    spans.flags[i] = spans.flags[i].difference(TIMING) | timing.flags;
    if r.shared {
        spans.flags[i] |= SpanFlags::SHARED;
    }
    let name = spans.name[i];
    if name == empty {
        spans.name[i] = r.name;
    } else if r.name != empty && r.name != name {
        let store = &*sink.store;
        let note = conflict("the name", store.str(name), store.str(r.name));
        sink.issue(note);
    }

    // The local endpoint: fields one record lacks come from the other.
    let scope = sink.store.spans.scope[i];
    if let Some(local) = endpoints.of_scope.get(&scope).map(|e| e.given(empty)) {
        let both = local.union(r.local);
        if both != local {
            let (scope, service) = endpoints.scope(sink, &both);
            sink.store.spans.scope[i] = scope;
            sink.store.spans.service[i] = service;
        }
    }

    // Notes on values of this record (its own issues, and the conflicts
    // above) name the span, as a record pushed alone would.
    if let Some((n, longest)) = limits::take_cuts() {
        sink.issue(limits::cut_strings(n, longest));
    }
    if !sink.issues.is_empty() {
        sink.flush_span(r.trace_id, r.id);
    }
    match sink
        .notes
        .iter_mut()
        .find(|n| counted(n).is_some_and(|(_, rest)| rest == MERGED))
    {
        Some(n) => *n = format!("{}{MERGED}", counted(n).map_or(0, |(k, _)| k) + 1),
        None => sink.notes.push(format!("1{MERGED}")),
    }
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
                status_message = error_message(sink, *v).unwrap_or(status_message);
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
        let record = Record {
            trace_id,
            id,
            parent_id: self.parent_id,
            kind: self.kind,
            name: self.name.unwrap_or(empty),
            shared: self.shared,
            timing: Timing {
                start,
                duration,
                flags: flags & TIMING,
            },
            local: local.given(empty),
        };
        let key = SpanIndex::key(trace_id, id);
        if let Some((i, timing)) =
            endpoints
                .spans
                .fragment_of(sink, &endpoints.of_scope, key, &record)
        {
            merge(sink, endpoints, i, record, timing, attrs, events);
            return Ok(());
        }
        let (scope, service) = endpoints.scope(sink, &local);
        let i = sink.push_span(
            trace_id,
            NewSpan {
                id,
                parent_id: self.parent_id,
                scope,
                service,
                name: record.name,
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
        endpoints.spans.add(key, i);
        Ok(())
    }
}

/// The status message an `error` tag gives: its value, unless empty or
/// "true".
fn error_message(sink: &Sink, v: Text) -> Option<Text> {
    let msg = sink.store.text.get(v);
    (!msg.is_empty() && msg != "true").then_some(v)
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

#[cfg(test)]
mod tests {
    use super::{MAX_MERGED, MERGED};
    use crate::import::load;
    use crate::model::{SpanFlags, SpanKind, StatusCode, Store};

    const TRACE: &str = "4e441824ec2b6a44";

    /// A record of trace TRACE with `fields`.
    fn rec(fields: &str) -> String {
        format!(r#"{{"traceId":"{TRACE}",{fields}}}"#)
    }

    const ROOT: &str = r#""id":"1","kind":"SERVER","name":"root","timestamp":900,"duration":1000,"localEndpoint":{"serviceName":"a"}"#;
    const CLIENT: &str = r#""id":"2","parentId":"1","kind":"CLIENT","name":"post","timestamp":1000,"duration":500,"localEndpoint":{"serviceName":"a"},"remoteEndpoint":{"serviceName":"b"}"#;
    const SERVER: &str = r#""id":"2","parentId":"1","kind":"SERVER","shared":true,"name":"post /x","timestamp":1100,"duration":300,"localEndpoint":{"serviceName":"b","ipv4":"10.0.0.2"},"tags":{"http.method":"POST"},"annotations":[{"timestamp":1350,"value":"ws"}]"#;
    /// What a server's instrumentation flushed apart: no kind, times or
    /// shared flag.
    const FRAGMENT: &str = r#""id":"2","parentId":"1","localEndpoint":{"serviceName":"b"},"tags":{"http.status_code":"200"},"annotations":[{"timestamp":1200,"value":"cache.miss"},{"timestamp":1350,"value":"ws"}]"#;

    fn load_all(records: &[&str]) -> Store {
        let json = format!(
            "[{}]",
            records.iter().map(|r| rec(r)).collect::<Vec<_>>().join(",")
        );
        let mut s = Store::default();
        load(&mut s, "z.json", json.as_bytes()).unwrap();
        s
    }

    fn notes(s: &Store) -> Vec<&str> {
        s.files[0].warnings.iter().map(String::as_str).collect()
    }

    fn merged(n: usize) -> String {
        format!("{n}{MERGED}")
    }

    fn tags(s: &Store, i: usize) -> Vec<String> {
        s.span_attrs(i as u32)
            .iter()
            .map(|a| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
            .collect()
    }

    fn events(s: &Store, i: usize) -> Vec<(i64, &str)> {
        s.span_events(i as u32)
            .iter()
            .map(|e| (e.time, s.str(e.name)))
            .collect()
    }

    fn shared(s: &Store) -> usize {
        (0..s.spans.len())
            .find(|&i| s.spans.flags[i].contains(SpanFlags::SHARED))
            .expect("a server half")
    }

    fn duplicates(s: &Store) -> u32 {
        s.traces.iter().map(|t| t.summary.duplicates).sum()
    }

    /// The pattern of issue 20: beside the client and server halves of one
    /// id, a third record of the server's service without kind, times or
    /// shared flag. It joins the server half, in any order; the client half
    /// stays its own span, the server half's parent.
    #[test]
    fn a_fragment_joins_the_server_half_in_any_order() {
        let orders: [[&str; 3]; 6] = [
            [CLIENT, SERVER, FRAGMENT],
            [CLIENT, FRAGMENT, SERVER],
            [SERVER, CLIENT, FRAGMENT],
            [SERVER, FRAGMENT, CLIENT],
            [FRAGMENT, CLIENT, SERVER],
            [FRAGMENT, SERVER, CLIENT],
        ];
        for order in orders {
            let mut records = vec![ROOT];
            records.extend(order);
            let s = load_all(&records);
            assert_eq!(s.spans.len(), 3, "{order:?}");
            assert_eq!(notes(&s), [merged(1)]);
            assert_eq!(duplicates(&s), 0);
            let server = shared(&s);
            assert_eq!(s.spans.kind[server], SpanKind::Server);
            assert_eq!(s.str(s.spans.name[server]), "post /x");
            assert_eq!(s.str(s.spans.service[server]), "b");
            assert_eq!(
                (s.spans.start[server], s.spans.duration[server]),
                (1_100_000, 300_000)
            );
            assert!(!s.spans.flags[server].intersects(SpanFlags::NO_START | SpanFlags::NO_DURATION));
            let mut t = tags(&s, server);
            t.sort();
            assert_eq!(t, ["http.method=POST", "http.status_code=200"]);
            assert_eq!(
                events(&s, server),
                [(1_200_000, "cache.miss"), (1_350_000, "ws")],
                "annotations once per time and value, in time order"
            );
            let client = s.spans.parent[server] as usize;
            assert_eq!(s.spans.kind[client], SpanKind::Client);
            assert_eq!(s.str(s.spans.service[client]), "a");
            assert_eq!(tags(&s, client), ["remoteEndpoint.serviceName=b"]);
            // The server's endpoint (with its ipv4) stays its resource.
            let res = s.resource_of(server as u32).unwrap();
            let rattrs: Vec<String> = s
                .attrs_of(res.attrs)
                .iter()
                .map(|a| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
                .collect();
            assert_eq!(rattrs, ["localEndpoint.ipv4=10.0.0.2"]);
        }
    }

    /// Two records of a local span, neither with a kind, one with times.
    #[test]
    fn records_without_kind_merge_when_one_has_times() {
        let timed = r#""id":"3","name":"score","timestamp":2000,"duration":70,"localEndpoint":{"serviceName":"b"},"tags":{"lc":"scoring"}"#;
        let later = r#""id":"3","localEndpoint":{"serviceName":"b"},"tags":{"items":"24"}"#;
        for records in [[timed, later], [later, timed]] {
            let s = load_all(&records);
            assert_eq!(s.spans.len(), 1);
            assert_eq!(notes(&s), [merged(1)]);
            assert_eq!(s.str(s.spans.name[0]), "score");
            assert_eq!((s.spans.start[0], s.spans.duration[0]), (2_000_000, 70_000));
            assert!(!s.spans.flags[0].intersects(SpanFlags::NO_START | SpanFlags::NO_DURATION));
            assert_eq!(s.spans.kind[0], SpanKind::Unspecified);
            let mut t = tags(&s, 0);
            t.sort();
            assert_eq!(t, ["items=24", "lc=scoring"]);
        }
        // A duration of 0 is Zipkin's "unset": it gives way.
        let zero = r#""id":"3","duration":0,"localEndpoint":{"serviceName":"b"}"#;
        let s = load_all(&[timed, zero]);
        assert_eq!((s.spans.len(), s.spans.duration[0]), (1, 70_000));
    }

    /// The same record twice is one span; two records of one kind with
    /// different times are duplicates, kept apart and warned about.
    #[test]
    fn same_times_merge_and_different_times_stay_duplicates() {
        let s = load_all(&[ROOT, CLIENT, SERVER, SERVER]);
        assert_eq!((s.spans.len(), duplicates(&s)), (3, 0));
        assert_eq!(notes(&s), [merged(1)]);
        assert_eq!(events(&s, shared(&s)), [(1_350_000, "ws")]);
        let retry = CLIENT.replace("\"timestamp\":1000", "\"timestamp\":1700");
        let s = load_all(&[ROOT, CLIENT, &retry]);
        assert_eq!((s.spans.len(), duplicates(&s)), (3, 2));
        assert!(notes(&s).is_empty());
        // Server halves without durations at different times (a message
        // received five times): five spans, as before.
        let receive = |ts: u32| {
            format!(
                r#""id":"2","parentId":"1","kind":"SERVER","shared":true,"timestamp":{ts},"localEndpoint":{{"serviceName":"b"}}"#
            )
        };
        let rs: Vec<String> = (0..5).map(|k| receive(1000 + k)).collect();
        let mut records = vec![ROOT, CLIENT];
        records.extend(rs.iter().map(String::as_str));
        let s = load_all(&records);
        assert_eq!((s.spans.len(), duplicates(&s)), (7, 5));
        // Both timed, one without a kind: kept apart too.
        let plain = CLIENT.replace("\"kind\":\"CLIENT\",", "");
        let s = load_all(&[ROOT, CLIENT, &plain]);
        assert_eq!(s.spans.len(), 3);
    }

    /// The two halves of a shared RPC never merge, with or without times,
    /// even when client and server are one service.
    #[test]
    fn rpc_halves_stay_apart() {
        let untimed = |r: &str| {
            r.replace("\"timestamp\":1000,\"duration\":500,", "")
                .replace("\"timestamp\":1100,\"duration\":300,", "")
        };
        let loop_client = CLIENT.replace("\"serviceName\":\"a\"", "\"serviceName\":\"b\"");
        let s = load_all(&[ROOT, &untimed(&loop_client), &untimed(SERVER)]);
        assert_eq!(s.spans.len(), 3);
        assert!(notes(&s).is_empty());
        // Client and server of one service, and a fragment of it: it could
        // be either half's, so it is left alone (a duplicate, as before)...
        let s = load_all(&[ROOT, &loop_client, SERVER, FRAGMENT]);
        assert_eq!(s.spans.len(), 4);
        assert!(notes(&s).is_empty());
        // ... unless its shared flag says it is the server's.
        let shared_fragment = FRAGMENT.replace("\"id\":\"2\",", "\"id\":\"2\",\"shared\":true,");
        let s = load_all(&[ROOT, &loop_client, SERVER, &shared_fragment]);
        assert_eq!(s.spans.len(), 3);
        assert_eq!(notes(&s), [merged(1)]);
        assert_eq!(tags(&s, shared(&s)).len(), 2);
        // A shared fragment is never the client's, even alone with it.
        let s = load_all(&[ROOT, &loop_client, &shared_fragment]);
        assert_eq!(s.spans.len(), 3);
        // A fragment without an endpoint fits both halves: left alone.
        let nowhere = r#""id":"2","parentId":"1","tags":{"x":"1"}"#;
        let s = load_all(&[ROOT, CLIENT, SERVER, nowhere]);
        assert_eq!(s.spans.len(), 4);
    }

    /// Endpoints must agree where both say something; parents and traces
    /// too.
    #[test]
    fn contradicting_records_stay_apart() {
        let other = |from: &str, to: &str| rec(&FRAGMENT.replace(from, to));
        for fragment in [
            other("\"serviceName\":\"b\"", "\"serviceName\":\"c\""),
            other(
                "\"serviceName\":\"b\"",
                "\"serviceName\":\"b\",\"ipv4\":\"10.0.0.9\"",
            ),
            other("\"parentId\":\"1\"", "\"parentId\":\"9\""),
            rec(FRAGMENT).replace(TRACE, "5e441824ec2b6a44"),
        ] {
            let json = format!("[{},{},{},{fragment}]", rec(ROOT), rec(CLIENT), rec(SERVER));
            let mut s = Store::default();
            load(&mut s, "z.json", json.as_bytes()).unwrap();
            assert_eq!(s.spans.len(), 4, "{fragment}");
            assert!(notes(&s).is_empty(), "{fragment}");
        }
        // Fields one endpoint lacks come from the other: the port here.
        let port = FRAGMENT.replace(
            "\"serviceName\":\"b\"",
            "\"serviceName\":\"b\",\"ipv4\":\"10.0.0.2\",\"port\":8080",
        );
        let s = load_all(&[ROOT, CLIENT, SERVER, &port]);
        assert_eq!(s.spans.len(), 3);
        let res = s.resource_of(shared(&s) as u32).unwrap();
        assert_eq!(s.str(res.service), "b");
        assert_eq!(s.attrs_of(res.attrs).len(), 2, "ipv4 and port");
    }

    /// A tag both records give with different values keeps the first, and
    /// the file names the span and both values; so does a second name.
    #[test]
    fn conflicting_values_keep_the_first_and_are_named() {
        let get = FRAGMENT.replace(
            "\"tags\":{",
            "\"name\":\"get /x\",\"tags\":{\"http.method\":\"GET\",",
        );
        let s = load_all(&[ROOT, CLIENT, SERVER, &get]);
        let server = shared(&s);
        assert!(tags(&s, server).contains(&"http.method=POST".to_owned()));
        assert_eq!(s.str(s.spans.name[server]), "post /x");
        assert_eq!(
            notes(&s),
            [
                format!("span 0000000000000002 in trace {TRACE}: two records of this span reported separately give \"http.method\" as \"POST\" and \"GET\", so the second is left out (value left out)"),
                format!("span 0000000000000002 in trace {TRACE}: two records of this span reported separately give the name as \"post /x\" and \"get /x\", so the second is left out (value left out)"),
                merged(1),
            ]
        );
    }

    /// An error tag in a fragment makes the span an error.
    #[test]
    fn an_error_in_a_fragment_marks_the_span() {
        let failed = FRAGMENT.replace("\"tags\":{", "\"tags\":{\"error\":\"timeout\",");
        let s = load_all(&[ROOT, CLIENT, SERVER, &failed]);
        let server = shared(&s);
        assert_eq!(s.spans.status[server], StatusCode::Error);
        assert_eq!(s.text(s.spans.status_message[server]), "timeout");
        assert_eq!(s.traces[0].summary.errors, 1);
    }

    /// A value of a merged record that is left out is named with its span,
    /// as for a record kept alone; a bad time counts as a time given.
    #[test]
    fn bad_values_of_a_fragment_name_its_span() {
        let bad = FRAGMENT.replace("\"timestamp\":1200", "\"timestamp\":\"soon\"");
        let s = load_all(&[
            ROOT,
            CLIENT,
            SERVER,
            &bad,
            ROOT.replace("\"1\"", "\"7\"").as_str(),
        ]);
        assert_eq!(s.spans.len(), 4);
        assert_eq!(
            notes(&s),
            [
                format!("span 0000000000000002 in trace {TRACE}: an event's timestamp \"soon\" is not a time, so the event has no time (value left out)"),
                merged(1),
            ]
        );
        let late = FRAGMENT.replace("\"id\":\"2\",", "\"id\":\"2\",\"timestamp\":-5,");
        let s = load_all(&[ROOT, CLIENT, SERVER, &late]);
        assert_eq!(s.spans.len(), 4);
        assert!(!notes(&s).iter().any(|n| n.ends_with(MERGED)));
    }

    /// Thousands of records of one id: each compared with a few spans only,
    /// at most MAX_MERGED merged into one span.
    #[test]
    fn many_records_of_one_id_stay_linear() {
        let n = 40usize;
        let records: Vec<String> = (0..n)
            .map(|k| {
                format!(r#""id":"2","localEndpoint":{{"serviceName":"b"}},"tags":{{"k{k}":"v"}}"#)
            })
            .collect();
        let s = load_all(&records.iter().map(String::as_str).collect::<Vec<_>>());
        let per = MAX_MERGED as usize + 1;
        assert_eq!(s.spans.len(), n.div_ceil(per));
        assert_eq!(notes(&s), [merged(n - n.div_ceil(per))]);
        assert_eq!(tags(&s, 0).len(), per);
        // 20000 reports of one id at different times: all kept, quickly.
        let records: Vec<String> = (0..20_000)
            .map(|k| format!(r#""id":"2","kind":"CLIENT","timestamp":{},"duration":5,"localEndpoint":{{"serviceName":"b"}}"#, 1000 + k))
            .collect();
        let s = load_all(&records.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(s.spans.len(), 20_000);
    }

    /// The traces of an `/api/v2/traces` answer share one index: a fragment
    /// finds its span in the same trace only.
    #[test]
    fn fragments_in_a_list_of_traces() {
        let other = |r: &str| rec(r).replace(TRACE, "5e441824ec2b6a44");
        let json = format!(
            "[[{},{},{}],[{},{},{}]]",
            rec(ROOT),
            rec(SERVER),
            rec(FRAGMENT),
            other(ROOT),
            other(FRAGMENT),
            other(SERVER)
        );
        let mut s = Store::default();
        load(&mut s, "z.json", json.as_bytes()).unwrap();
        assert_eq!((s.traces.len(), s.spans.len()), (2, 4));
        assert_eq!(notes(&s), [merged(2)]);
    }
}
