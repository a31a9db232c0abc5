//! Bytes -> store. `load` sniffs the format from the content (never the file
//! name), parses straight into the store, groups spans into traces and builds
//! each trace's tree. A file that fails leaves the store exactly as it was.
//!
//! One file per format: `otlp` (and its Tempo / Jaeger-v3 wrappers), `jaeger`,
//! `zipkin`. `detect` reads the top level of a document and hands each part to
//! the format that owns it.

pub mod blank;
pub mod decode;
pub mod detect;
pub mod error;
pub mod jaeger;
pub mod join;
pub mod json;
pub mod limits;
pub mod notes;
pub mod otlp;
pub mod otlp_proto;
pub mod parts;
pub mod proto;
pub mod surrogates;
pub mod zipkin;
pub mod zstd;

use rustc_hash::FxHashMap;

pub use error::ImportError;
pub use parts::Part;

use crate::analysis;
use crate::model::{
    Attr, Link, LinkKind, NewSpan, Range32, Resource, Scope, SourceFile, SpanFlags, SpanId, Store,
    Sym, Trace, TraceId, TraceSummary, Tree, Value,
};

/// Where an importer writes: the store, plus what this load has added so far.
pub struct Sink<'s> {
    pub store: &'s mut Store,
    /// Index of the first span of this load.
    base: usize,
    /// Trace id of each span of this load, for grouping into traces.
    trace_ids: Vec<TraceId>,
    /// File-level notes shown with the file's status.
    pub notes: Vec<String>,
    /// Format names seen, in order (a JSON Lines file may mix wrappers).
    pub formats: Vec<&'static str>,
    /// Told the number of spans read so far, every [`PROGRESS_EVERY`] spans.
    progress: &'s mut dyn FnMut(usize),
    /// Set when this load is one part of a file parsed in parts: which spans it keeps.
    split: Option<parts::Split>,
    /// Values of the span being read that were left out or cut (see
    /// [`Sink::issue`]), named on the file with the span once it is pushed.
    issues: Vec<String>,
    /// Issue notes of each family ([`notes::FAMILIES`]) named so far, and
    /// those past [`notes::NAMED`], only counted.
    named: [(usize, u64); 2],
    /// The most spans this load keeps ([`limits::MAX_SPANS`]), and whether
    /// the file held more.
    max_spans: usize,
    spans_over: bool,
}

/// How often (in spans) an import reports progress.
pub const PROGRESS_EVERY: usize = 1 << 15;

impl<'s> Sink<'s> {
    pub fn new(store: &'s mut Store, progress: &'s mut dyn FnMut(usize)) -> Sink<'s> {
        let base = store.spans.len();
        limits::reset_cuts();
        Sink {
            store,
            base,
            trace_ids: Vec::new(),
            notes: Vec::new(),
            formats: Vec::new(),
            progress,
            split: None,
            issues: Vec::new(),
            named: [(0, 0); 2],
            max_spans: limits::max_spans(),
            spans_over: false,
        }
    }

    /// [`Sink::leaves`] of a span of a binary format (OTLP protobuf), whose
    /// bytes start at `span`.
    pub fn leaves_at(&mut self, span: &[u8]) -> bool {
        // An empty string where the span starts: the split reads its address.
        self.leaves(std::str::from_utf8(&span[..0]).unwrap_or_default())
    }

    /// Whether this load leaves the span whose first key is `first_key` to
    /// another part of the file (see [`parts`]): never when it reads the
    /// whole file. A format's span visitor asks this at the span's first key
    /// and skips the span when told so.
    /// Past [`limits::MAX_SPANS`] kept spans, every span is left.
    pub fn leaves(&mut self, first_key: &str) -> bool {
        if let Some((n, longest)) = limits::take_cuts() {
            self.issue(limits::cut_strings(n, longest));
        }
        if !self.issues.is_empty() {
            self.flush_outside();
        }
        if self.split.as_mut().is_some_and(|s| s.leaves(first_key)) {
            return true;
        }
        if self.trace_ids.len() >= self.max_spans {
            self.spans_over = true;
            return true;
        }
        false
    }

    /// A value of the span being read that was left out or cut: `what` says
    /// which, why and what follows, ending with the family's tail
    /// ([`notes::LEFT_OUT`], [`notes::CUT`]). Named on the file with the
    /// span's and trace's ids when the span is pushed.
    pub fn issue(&mut self, what: String) {
        self.issues.push(what);
    }

    /// Issues read outside any span (a resource's, a scope's or a process's
    /// values): noted as such.
    fn flush_outside(&mut self) {
        if let Some((n, longest)) = limits::take_cuts() {
            self.issue(limits::cut_strings(n, longest));
        }
        for what in std::mem::take(&mut self.issues) {
            self.note_issue(format!(
                "outside the spans (a resource, scope or process): {what}"
            ));
        }
    }

    /// Names the issues of the span being pushed on the file.
    #[cold]
    fn flush_span(&mut self, trace_id: TraceId, id: crate::model::SpanId) {
        let strings = &self.store.strings;
        let span = crate::model::units::clip(&id.to_text(strings), 100);
        let trace = crate::model::units::clip(&trace_id.to_text(strings), 100);
        let trace = if trace.trim().is_empty() {
            "a trace without an id".to_owned()
        } else {
            format!("trace {trace}")
        };
        for what in std::mem::take(&mut self.issues) {
            self.note_issue(format!("span {span} in {trace}: {what}"));
        }
    }

    /// Notes an issue, or only counts it past [`notes::NAMED`] of its
    /// family (a file may hold millions).
    fn note_issue(&mut self, note: String) {
        let family = notes::FAMILIES.iter().position(|f| note.ends_with(f.tail));
        match family {
            Some(f) if self.named[f].0 >= notes::NAMED => self.named[f].1 += 1,
            Some(f) => {
                self.named[f].0 += 1;
                self.note(note);
            }
            None => self.note(note),
        }
    }

    /// Whether another part's spans were blanked out of this file's span
    /// lists (see [`blank`]): then a span list element may be a placeholder,
    /// and a format's span visitor reads any value, not only an object.
    pub fn has_placeholders(&self) -> bool {
        self.split.as_ref().is_some_and(|s| s.has_placeholders())
    }

    /// Whether `s`, read where a span should be, stands for a span another
    /// part keeps: the span visitor then skips it.
    pub fn placeholder(&mut self, s: &str) -> bool {
        self.split.as_mut().is_some_and(|sp| sp.placeholder(s))
    }

    pub fn push_span(&mut self, trace_id: TraceId, span: NewSpan) -> u32 {
        if let Some((n, longest)) = limits::take_cuts() {
            self.issue(limits::cut_strings(n, longest));
        }
        if !self.issues.is_empty() {
            self.flush_span(trace_id, span.id);
        }
        if self.trace_ids.len() % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
            (self.progress)(self.trace_ids.len() + 1);
        }
        self.trace_ids.push(trace_id);
        self.store.spans.push(u32::MAX, span)
    }

    /// Spans added by this load so far.
    pub fn span_count(&self) -> usize {
        self.store.spans.len() - self.base
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        self.store.strings.intern(s)
    }

    pub fn format(&mut self, name: &'static str) {
        if !self.formats.contains(&name) {
            self.formats.push(name);
        }
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    pub fn new_resource(&mut self, service: Sym, attrs: Range32) -> u32 {
        self.store.resources.push(Resource {
            service,
            attrs,
            dropped_attrs: 0,
        });
        (self.store.resources.len() - 1) as u32
    }

    pub fn new_scope(&mut self, resource: u32) -> u32 {
        let empty = self.store.strings.empty();
        self.store.scopes.push(Scope {
            resource,
            name: empty,
            version: empty,
            attrs: Range32::default(),
        });
        (self.store.scopes.len() - 1) as u32
    }

    /// Gives resource `resource` its attributes and, from their
    /// `service.name` (a string), its service (OTLP, JSON and protobuf).
    pub fn set_resource_attrs(&mut self, resource: u32, attrs: Range32) {
        let key = self.intern("service.name");
        let service = self.store.attrs[attrs.range()]
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| match a.value {
                Value::Str(t) => Some(t),
                _ => None,
            })
            .map(|t| {
                let s = self.store.text.get(t).to_owned();
                self.intern(&s)
            });
        let r = &mut self.store.resources[resource as usize];
        r.attrs = attrs;
        if let Some(service) = service {
            r.service = service;
        }
    }

    /// An OTLP span link from what the importer read of it (`bad`: why an
    /// id was not one), or None with a note saying why it is dropped;
    /// `names` spell the id fields as the format does ("traceId", "spanId"
    /// or "trace_id", "span_id").
    pub fn otlp_link(
        &mut self,
        ids: (Option<TraceId>, Option<SpanId>),
        bad: Option<String>,
        (attrs, dropped_attrs): (Range32, u32),
        names: [&str; 2],
    ) -> Option<Link> {
        let why = match (bad, ids) {
            (Some(why), _) => why,
            (None, (None, _)) => format!("a link has no {}", names[0]),
            (None, (_, None)) => format!("a link has no {}", names[1]),
            (None, (Some(trace_id), Some(span_id))) => {
                return Some(Link {
                    trace_id,
                    span_id,
                    kind: LinkKind::Link,
                    attrs,
                    dropped_attrs,
                })
            }
        };
        self.issue(format!(
            "{why}, so the link is dropped{}",
            notes::LEFT_OUT.tail
        ));
        None
    }

    /// Appends `attrs` to the attribute arena and returns their range.
    pub fn push_attrs(&mut self, attrs: impl IntoIterator<Item = Attr>) -> Range32 {
        let start = self.store.attrs.len();
        self.store.attrs.extend(attrs);
        Range32::new(start, self.store.attrs.len())
    }

    pub fn str_value(&mut self, s: &str) -> Value {
        Value::Str(self.store.text.push(s))
    }
}

/// [`span_times`] of an OTLP span's start and end as the file wrote them. A
/// value that is not a time (negative, a date string) is left out with a
/// note naming the span: a bad start is flagged [`SpanFlags::BAD_TIME`] (the
/// span is drawn at its parent's start), a bad end leaves no duration.
#[inline]
pub fn otlp_times(sink: &mut Sink, start: &json::Time, end: &json::Time) -> (i64, i64, SpanFlags) {
    if !start.is_bad() && !end.is_bad() {
        return span_times(start.value(), end.value());
    }
    otlp_bad_times(sink, start, end)
}

#[cold]
fn otlp_bad_times(sink: &mut Sink, start: &json::Time, end: &json::Time) -> (i64, i64, SpanFlags) {
    if start.is_bad() {
        sink.issue(bad_time(
            "startTimeUnixNano",
            start,
            "the span is drawn at its parent's start",
        ));
    }
    if end.is_bad() {
        sink.issue(bad_time(
            "endTimeUnixNano",
            end,
            "the span is drawn zero-length",
        ));
    }
    let start = if start.is_bad() {
        Some(u64::MAX)
    } else {
        start.value()
    };
    span_times(start, end.value())
}

/// [`span_times_micros`] of a Jaeger or Zipkin span's start and duration
/// (fields `start_field`, `duration`) as the file wrote them. A start that
/// is not a time, or that the duration carries past the latest time an i64
/// of nanoseconds holds (the year 2262: a 1 ms span there would have ended
/// 807 ns after its start), is flagged [`SpanFlags::BAD_TIME`]; a negative
/// duration [`SpanFlags::ENDS_BEFORE_START`]; each with a note naming the
/// span.
#[inline]
pub fn micros_times(
    sink: &mut Sink,
    start_field: &str,
    start: &json::Time,
    duration: &json::Time,
) -> (i64, i64, SpanFlags) {
    if let (json::Time::At(s), json::Time::At(d)) = (start, duration) {
        let times = span_times_micros(Some(*s), Some(*d));
        if !times.2.contains(SpanFlags::BAD_TIME) {
            return times;
        }
    }
    micros_bad_times(sink, start_field, start, duration)
}

#[cold]
fn micros_bad_times(
    sink: &mut Sink,
    start_field: &str,
    start: &json::Time,
    duration: &json::Time,
) -> (i64, i64, SpanFlags) {
    let mut flags = SpanFlags::empty();
    let mut start_us = start.value();
    let mut duration_us = duration.value();
    if start.is_bad() {
        sink.issue(bad_time(
            start_field,
            start,
            "the span is drawn at its parent's start",
        ));
        start_us = Some(u64::MAX);
    }
    match duration {
        json::Time::Negative(_) => {
            sink.issue(bad_time(
                "duration",
                duration,
                "the span is drawn zero-length",
            ));
            flags |= SpanFlags::ENDS_BEFORE_START;
            duration_us = Some(0);
        }
        json::Time::NotATime(_) => {
            sink.issue(bad_time(
                "duration",
                duration,
                "the span is drawn zero-length",
            ));
        }
        _ => {}
    }
    let (s, d, f) = span_times_micros(start_us, duration_us);
    if f.contains(SpanFlags::BAD_TIME) && !start.is_bad() {
        let (st, du) = (start.written(), duration.written());
        sink.issue(format!(
            "{start_field} {st} µs and duration {du} µs end after the year 2262, the latest time Strata holds, so the span is drawn at its parent's start{}",
            notes::LEFT_OUT.tail
        ));
    }
    (s, d, flags | f)
}

/// The time of an event (`field`, in units of `ns_per_unit` ns) as the file
/// wrote it; 0 (no time) with a note naming the span when it is not one.
pub fn event_time(sink: &mut Sink, field: &str, t: &json::Time, ns_per_unit: u64) -> i64 {
    if t.is_bad() {
        sink.issue(bad_time(
            &format!("an event's {field}"),
            t,
            "the event has no time",
        ));
    }
    t.value()
        .and_then(|v| v.checked_mul(ns_per_unit))
        .and_then(|ns| i64::try_from(ns).ok())
        .unwrap_or(0)
}

/// "startTime -5 is negative, so the span is drawn at its parent's start
/// (value left out)".
fn bad_time(field: &str, t: &json::Time, so: &str) -> String {
    let what = match t {
        json::Time::Negative(_) => "is negative",
        _ => "is not a time",
    };
    format!(
        "{field} {} {what}, so {so}{}",
        t.written(),
        notes::LEFT_OUT.tail
    )
}

/// Start and duration in ns from optional Unix-nanosecond start and end times,
/// with the flags that say what was missing or out of range. OTLP writes 0 for
/// "not set", so 0 is missing here (Jaeger/Zipkin times of 0 are real: test
/// fixtures use small relative times). An end before the start is kept as
/// "no duration" rather than a negative one.
pub fn span_times(start: Option<u64>, end: Option<u64>) -> (i64, i64, SpanFlags) {
    let mut flags = SpanFlags::empty();
    let start = match start {
        None | Some(0) => {
            flags |= SpanFlags::NO_START;
            None
        }
        Some(s) => match i64::try_from(s) {
            Ok(s) => Some(s),
            Err(_) => {
                flags |= SpanFlags::BAD_TIME;
                None
            }
        },
    };
    let end = match end {
        None | Some(0) => {
            flags |= SpanFlags::NO_DURATION;
            None
        }
        Some(e) => match i64::try_from(e) {
            Ok(e) => Some(e),
            Err(_) => {
                flags |= SpanFlags::BAD_TIME;
                None
            }
        },
    };
    let duration = match (start, end) {
        (Some(s), Some(e)) if e >= s => e - s,
        (Some(_), Some(_)) => {
            flags |= SpanFlags::ENDS_BEFORE_START;
            0
        }
        _ => 0,
    };
    (start.unwrap_or(0), duration, flags)
}

/// Start and duration in ns from microsecond fields (Jaeger, Zipkin).
pub fn span_times_micros(start_us: Option<u64>, duration_us: Option<u64>) -> (i64, i64, SpanFlags) {
    let mut flags = SpanFlags::empty();
    let start = match start_us {
        None => {
            flags |= SpanFlags::NO_START;
            0
        }
        Some(us) => match us.checked_mul(1000).and_then(|ns| i64::try_from(ns).ok()) {
            Some(ns) => ns,
            None => {
                flags |= SpanFlags::BAD_TIME;
                0
            }
        },
    };
    let duration = match duration_us {
        None => {
            flags |= SpanFlags::NO_DURATION;
            0
        }
        Some(us) => match us.checked_mul(1000).and_then(|ns| i64::try_from(ns).ok()) {
            Some(ns) => ns,
            None => {
                flags |= SpanFlags::BAD_TIME;
                0
            }
        },
    };
    // An end past the latest time an i64 holds: never wrapped or cut short.
    if start.checked_add(duration).is_none() {
        flags |= SpanFlags::BAD_TIME;
    }
    (start, duration, flags)
}

/// What a successful load added.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub file: u32,
}

/// Loads one file into the store. On error the store is unchanged.
pub fn load(store: &mut Store, name: &str, bytes: &[u8]) -> Result<Loaded, ImportError> {
    load_with_progress(store, name, bytes, &mut |_| {})
}

/// [`load`], telling `progress` how many spans were read so far as it goes.
/// A gzip-compressed or UTF-16 file is decoded first ([`decode`]).
pub fn load_with_progress(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    match decoded(name, bytes)? {
        None => read(
            store,
            name,
            bytes,
            Part::WHOLE,
            Default::default(),
            progress,
        ),
        Some(mut text) => load_decoded_part(store, name, &mut text, Part::WHOLE, progress),
    }
}

/// [`load_with_progress`] of one part of a file (see [`parts`]): only the
/// spans of `part` are kept, the others are blanked out of `bytes` ([`blank`])
/// or read but skipped, and the traces' trees are left to [`parts::join`],
/// which puts the parts together. [`Part::WHOLE`] is a plain load. A
/// gzip-compressed or UTF-16 file is decoded first, and its parts are parts
/// of the decoded text.
pub fn load_part(
    store: &mut Store,
    name: &str,
    bytes: &mut [u8],
    part: Part,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    match decoded(name, bytes)? {
        None => load_text_part(store, name, bytes, part, progress),
        Some(mut text) => load_decoded_part(store, name, &mut text, part, progress),
    }
}

/// [`decode::decode`], except for OTLP protobuf, which is never text in
/// another dress (a length prefix can look like UTF-16's first bytes): a
/// file's content, decompressed or as UTF-8, or None when it is read as it
/// is. The parsing worker decodes with it before it parses.
pub fn decoded(name: &str, bytes: &[u8]) -> Result<Option<decode::Decoded>, ImportError> {
    // zstd records follow their lengths, as protobuf messages do.
    if otlp_proto::sniff(bytes).is_some() && !zstd::is_records(bytes) {
        return Ok(None);
    }
    decode::decode(name, bytes)
}

/// [`load_part`] of a file decoded already (the worker decodes first, to
/// free the compressed bytes before it parses): the file's notes say what
/// it was decoded from, its errors that their positions count the text.
pub fn load_decoded_part(
    store: &mut Store,
    name: &str,
    text: &mut decode::Decoded,
    part: Part,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    match load_text_part(store, name, &mut text.bytes, part, progress) {
        Ok(loaded) => {
            store.files[loaded.file as usize]
                .warnings
                .insert(0, text.note());
            Ok(loaded)
        }
        Err(e) => Err(text.error(e)),
    }
}

/// [`load_part`] of UTF-8 text.
fn load_text_part(
    store: &mut Store,
    name: &str,
    bytes: &mut [u8],
    part: Part,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    let mut blanks = None;
    // Protobuf is binary: never blanked (its parts pass the other parts'
    // spans by their length).
    if part != Part::WHOLE && otlp_proto::sniff(bytes).is_none() {
        blanks = blank::Blanks::find(bytes, part.share(bytes.len()));
        if let Some(b) = &blanks {
            b.apply(bytes);
        }
    }
    read(
        store,
        name,
        bytes,
        part,
        blanks.unwrap_or_default(),
        progress,
    )
}

/// Reads `bytes` (with `blanks` blanked out of them) into the store.
fn read(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
    part: Part,
    blanks: blank::Blanks,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    match read_once(store, name, bytes, part, blanks.clone(), progress) {
        // A string cut inside a character: read it again with the lone
        // halves replaced (same length: positions and blanks still hold).
        Err(e) if surrogates::is_surrogate_error(&e.message) => {
            let Some((patched, n)) = surrogates::patch(bytes) else {
                return Err(e);
            };
            let loaded = read_once(store, name, &patched, part, blanks, progress)?;
            store.files[loaded.file as usize]
                .warnings
                .push(surrogates::note(n));
            Ok(loaded)
        }
        r => r,
    }
}

fn read_once(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
    part: Part,
    blanks: blank::Blanks,
    progress: &mut dyn FnMut(usize),
) -> Result<Loaded, ImportError> {
    let mark = store.mark();
    let result = {
        let mut sink = Sink::new(store, progress);
        sink.split = parts::Split::new(part, bytes, blanks);
        detect::read(&mut sink, name, bytes).and_then(|()| {
            let seen = sink.split.as_ref().map_or(sink.span_count(), |s| s.seen);
            if seen == 0 {
                let what = sink.formats.first().copied().unwrap_or("JSON");
                let mut msg = format!("no spans: the file is {what} but holds no spans");
                if let Some(n) = sink.notes.first() {
                    msg.push_str(&format!(" ({n})"));
                }
                Err(ImportError::new(name, msg))
            } else {
                Ok(finish(sink, name, bytes.len(), part == Part::WHOLE))
            }
        })
    };
    match result {
        Ok(file) => Ok(Loaded { file }),
        Err(e) => {
            store.rollback(mark);
            Err(e)
        }
    }
}

/// Records the load as a file: its spans grouped into traces, each trace's
/// tree built when `trees` (a part's trees wait for [`parts::join`]).
fn finish(mut sink: Sink<'_>, name: &str, bytes: usize, trees: bool) -> u32 {
    sink.flush_outside();
    let Sink {
        store,
        base,
        trace_ids,
        mut notes,
        formats,
        named,
        max_spans,
        spans_over,
        ..
    } = sink;
    notes.extend(invalid_ids(store, base, &trace_ids));
    for (f, &(_, more)) in notes::FAMILIES.iter().zip(&named) {
        if more > 0 {
            notes.push(format!("{more}{}", f.more));
        }
    }
    notes::cap(&mut notes);
    if spans_over {
        notes.push(limits::too_many_spans(max_spans));
    }
    let lines = formats.contains(&"JSON Lines");
    let named: Vec<&str> = formats
        .iter()
        .copied()
        .filter(|f| *f != "JSON Lines")
        .collect();
    let mut format = match named.as_slice() {
        [] => "JSON".to_owned(),
        fs => fs.join(" + "),
    };
    if lines {
        format.push_str(" (JSON Lines)");
    }
    let file = SourceFile {
        name: name.to_owned(),
        format,
        bytes,
        traces: Range32::default(),
        spans: 0,
        warnings: notes,
        end: Default::default(),
        parts: Vec::new(),
    };
    group(store, base, &trace_ids, file, trees)
}

/// Notes on ids the W3C and OTLP call invalid (all zeros) or that are
/// empty: the spans are kept (a viewer shows what it was given), but the
/// file says so.
fn invalid_ids(store: &Store, base: usize, trace_ids: &[TraceId]) -> Vec<String> {
    let empty = |sym: crate::model::Sym| store.str(sym).trim().is_empty();
    let zero_traces = trace_ids
        .iter()
        .filter(|t| matches!(t, TraceId::Hex64(0) | TraceId::Hex128(0, 0)))
        .count();
    let empty_traces = trace_ids
        .iter()
        .filter(|t| matches!(t, TraceId::Text(s) if empty(*s)))
        .count();
    let zero_spans = store.spans.id[base..]
        .iter()
        .filter(|&&id| id == crate::model::SpanId::Hex(0))
        .count();
    let empty_spans = store.spans.id[base..]
        .iter()
        .filter(|id| matches!(id, crate::model::SpanId::Text(s) if empty(*s)))
        .count();
    let spans = |n: usize| {
        if n == 1 {
            "1 span has".to_owned()
        } else {
            format!("{n} spans have")
        }
    };
    let mut out = Vec::new();
    if zero_traces > 0 {
        out.push(format!(
            "{} an all-zero trace id (invalid in W3C Trace Context and OTLP)",
            spans(zero_traces)
        ));
    }
    if empty_traces > 0 {
        out.push(format!("{} an empty trace id", spans(empty_traces)));
    }
    if zero_spans > 0 {
        out.push(format!(
            "{} an all-zero span id (invalid in W3C Trace Context and OTLP)",
            spans(zero_spans)
        ));
    }
    if empty_spans > 0 {
        out.push(format!("{} an empty span id", spans(empty_spans)));
    }
    out
}

/// Groups the spans from `base` on (whose trace ids are `trace_ids`) into
/// traces in order of first appearance, makes each trace's spans contiguous
/// (file order kept within a trace), builds the trees when `trees`, and
/// records `file` as holding them. Returns the file's index.
fn group(
    store: &mut Store,
    base: usize,
    trace_ids: &[TraceId],
    mut file: SourceFile,
    trees: bool,
) -> u32 {
    let n = trace_ids.len();
    let mut group_of: FxHashMap<TraceId, u32> = FxHashMap::default();
    let mut groups: Vec<TraceId> = Vec::new();
    let mut key = Vec::with_capacity(n);
    // Runs of spans of one trace are the norm: look up only where the id changes.
    let mut last: Option<(TraceId, u32)> = None;
    for id in trace_ids {
        let g = match last {
            Some((l, g)) if l == *id => g,
            _ => *group_of.entry(*id).or_insert_with(|| {
                groups.push(*id);
                (groups.len() - 1) as u32
            }),
        };
        last = Some((*id, g));
        key.push(g);
    }
    // Counting sort by group; stable, so file order is kept within a trace.
    let mut start = vec![0u32; groups.len() + 1];
    for &g in &key {
        start[g as usize + 1] += 1;
    }
    for g in 0..groups.len() {
        start[g + 1] += start[g];
    }
    if key.windows(2).any(|w| w[0] > w[1]) {
        let mut fill = start.clone();
        let mut order = vec![0u32; n];
        for (k, &g) in key.iter().enumerate() {
            order[fill[g as usize] as usize] = k as u32;
            fill[g as usize] += 1;
        }
        store.spans.permute_tail(base, &order);
    }
    let index = store.files.len() as u32;
    let first_trace = store.traces.len();
    for (g, id) in groups.iter().enumerate() {
        let t = store.traces.len() as u32;
        let range = Range32::new(base + start[g] as usize, base + start[g + 1] as usize);
        for i in range.range() {
            store.spans.trace[i] = t;
        }
        store.traces.push(Trace {
            id: *id,
            file: index,
            spans: range,
            tree: Tree::default(),
            summary: TraceSummary::default(),
            warnings: Vec::new(),
            skew: Default::default(),
            sources: Vec::new(),
        });
        if trees {
            analysis::tree::build(store, t);
            analysis::skew::correct(store, t);
        }
    }
    if trees {
        store.follow_skew_choice(first_trace);
    }
    file.traces = Range32::new(first_trace, store.traces.len());
    file.spans = n as u32;
    store.push_file(file)
}

#[cfg(test)]
mod tests {
    /// All-zero and empty ids are kept and noted.
    #[test]
    fn invalid_ids_are_noted() {
        let zero = r#"[{"traceId":"00000000000000000000000000000000","id":"0000000000000000","name":"x","timestamp":1000,"duration":10},
                       {"traceId":"00000000000000000000000000000000","id":"1","parentId":"0000000000000000","name":"y","timestamp":1000,"duration":5}]"#;
        let mut s = Store::default();
        let f = load(&mut s, "z.json", zero.as_bytes()).unwrap().file;
        assert_eq!(
            s.files[f as usize].warnings,
            [
                "2 spans have an all-zero trace id (invalid in W3C Trace Context and OTLP)",
                "1 span has an all-zero span id (invalid in W3C Trace Context and OTLP)"
            ]
        );
        assert_eq!(s.spans.len(), 2);
        let empty = r#"{"data":[{"traceID":"","spans":[{"traceID":"","spanID":"","operationName":"x","startTime":1000,"duration":10,"processID":"p1"}],"processes":{"p1":{"serviceName":"s"}}}]}"#;
        let f = load(&mut s, "e.json", empty.as_bytes()).unwrap().file;
        assert_eq!(
            s.files[f as usize].warnings,
            [
                "1 span has an empty trace id",
                "1 span has an empty span id"
            ]
        );
    }

    use super::*;

    #[test]
    fn times_from_nanos() {
        assert_eq!(span_times(Some(10), Some(25)), (10, 15, SpanFlags::empty()));
        assert_eq!(
            span_times(None, None).2,
            SpanFlags::NO_START | SpanFlags::NO_DURATION
        );
        let (_, d, f) = span_times(
            Some(11_651_379_494_838_206_464),
            Some(11_651_379_494_838_206_464),
        );
        assert_eq!(d, 0);
        assert!(f.contains(SpanFlags::BAD_TIME));
        // An end before the start is said as such, not as a missing time.
        let (_, d, f) = span_times(Some(30), Some(20));
        assert_eq!(d, 0);
        assert_eq!(f, SpanFlags::ENDS_BEFORE_START);
    }

    #[test]
    fn an_end_before_the_start_is_named() {
        let json = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","startTimeUnixNano":"2000","endTimeUnixNano":"1000"}]}]}]}"#;
        let mut s = Store::default();
        load(&mut s, "t.json", json.as_bytes()).unwrap();
        let w: Vec<&str> = s.traces[0]
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .collect();
        assert_eq!(
            w,
            ["1 span has an end time before its start time in the file (drawn zero-length)"]
        );
    }

    fn notes_of(s: &Store, file: u32) -> Vec<&str> {
        s.files[file as usize]
            .warnings
            .iter()
            .map(String::as_str)
            .collect()
    }

    fn jaeger_span(id: &str, start: &str, duration: &str) -> String {
        format!(
            r#"{{"traceID":"abc","spanID":"{id}","operationName":"op","startTime":{start},"duration":{duration}}}"#
        )
    }

    /// A start time the duration carries past the latest i64 nanosecond
    /// (year 2262) is flagged and named, never wrapped: a 1 ms span there
    /// was drawn 807 ns long (issue 21, defect 10).
    #[test]
    fn an_end_past_the_year_2262_is_flagged_not_wrapped() {
        let json = format!(
            r#"{{"data":[{{"traceID":"abc","spans":[{},{}]}}]}}"#,
            jaeger_span("1", "1000", "5000"),
            jaeger_span("2", "9223372036854775", "1000")
        );
        let mut s = Store::default();
        let f = load(&mut s, "t.json", json.as_bytes()).unwrap().file;
        assert!(s.spans.flags[1].contains(SpanFlags::BAD_TIME));
        assert_eq!(s.spans.duration[1], 1_000_000);
        assert_eq!(
            s.spans.start[1], s.spans.start[0],
            "drawn at its parent's start"
        );
        assert_eq!(
            notes_of(&s, f),
            ["span 0000000000000002 in trace 0000000000000abc: startTime 9223372036854775 µs and duration 1000 µs end after the year 2262, the latest time Strata holds, so the span is drawn at its parent's start (value left out)"]
        );
        assert!(s.traces[0]
            .warnings
            .iter()
            .any(|w| w.kind == crate::model::WarningKind::BadTimes));
    }

    /// Negative times and times that are not times leave that value out,
    /// flagged and named, not the file (issue 21, defect 10).
    #[test]
    fn a_bad_time_leaves_out_the_value_not_the_file() {
        let json = format!(
            r#"{{"data":[{{"traceID":"abc","spans":[{},{},{},{{"traceID":"abc","spanID":"4","startTime":1000,"duration":5,"logs":[{{"timestamp":-3,"fields":[]}}]}}]}}]}}"#,
            jaeger_span("1", "1000", "5000"),
            jaeger_span("2", "-5", "10"),
            jaeger_span("3", "2000", "\"-1000\"")
        );
        let mut s = Store::default();
        let f = load(&mut s, "t.json", json.as_bytes()).unwrap().file;
        assert_eq!(s.spans.len(), 4);
        assert!(s.spans.flags[1].contains(SpanFlags::BAD_TIME));
        assert!(s.spans.flags[2].contains(SpanFlags::ENDS_BEFORE_START));
        assert_eq!(s.spans.duration[2], 0);
        assert_eq!(s.events[0].time, 0);
        assert_eq!(
            notes_of(&s, f),
            [
                "span 0000000000000002 in trace 0000000000000abc: startTime -5 is negative, so the span is drawn at its parent's start (value left out)",
                "span 0000000000000003 in trace 0000000000000abc: duration -1000 is negative, so the span is drawn zero-length (value left out)",
                "span 0000000000000004 in trace 0000000000000abc: an event's timestamp -3 is negative, so the event has no time (value left out)",
            ]
        );
        let otlp = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","startTimeUnixNano":"2024-01-01T00:00:00Z","endTimeUnixNano":"1000"}]}]}]}"#;
        let f = load(&mut s, "o.json", otlp.as_bytes()).unwrap().file;
        assert!(s.spans.flags[4].contains(SpanFlags::BAD_TIME));
        assert_eq!(
            notes_of(&s, f),
            ["span 0102030405060708 in trace 0102030405060708090a0b0c0d0e0f10: startTimeUnixNano \"2024-01-01T00:00:00Z\" is not a time, so the span is drawn at its parent's start (value left out)"]
        );
        let zipkin = r#"[{"traceId":"a","id":"1","name":"x","timestamp":-1,"duration":-2,"annotations":[{"timestamp":"x","value":"v"}]}]"#;
        let f = load(&mut s, "z.json", zipkin.as_bytes()).unwrap().file;
        assert_eq!(notes_of(&s, f).len(), 3, "{:?}", notes_of(&s, f));
    }

    /// A parent or link id that is not an id leaves out that value, named
    /// on the file, not the file (issue 21, defect 10).
    #[test]
    fn a_bad_parent_or_link_id_leaves_out_the_value_not_the_file() {
        let span = |id: &str, parent: &str, links: &str| {
            format!(
                r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{id}","parentSpanId":"{parent}","name":"x","startTimeUnixNano":"1000","endTimeUnixNano":"2000","links":[{links}]}}"#
            )
        };
        let good_link =
            r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001"}"#;
        let bad_link = r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"not-an-id"}"#;
        let json = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{},{}]}}]}}]}}"#,
            span("0000000000000001", "", ""),
            span(
                "0000000000000002",
                "xyz",
                &format!("{bad_link},{good_link}")
            ),
        );
        let mut s = Store::default();
        let f = load(&mut s, "t.json", json.as_bytes()).unwrap().file;
        assert_eq!(s.spans.len(), 2);
        assert_eq!(s.spans.parent_id[1], None);
        assert_eq!(s.span_links(1).len(), 1);
        assert_eq!(
            notes_of(&s, f),
            [
                "span 0000000000000002 in trace 0102030405060708090a0b0c0d0e0f10: parentSpanId: span id \"xyz\" is neither 16 hex digits nor 12 base64 characters, so the span shows as a root (value left out)",
                "span 0000000000000002 in trace 0102030405060708090a0b0c0d0e0f10: a link's spanId: span id \"not-an-id\" is neither 16 hex digits nor 12 base64 characters, so the link is dropped (value left out)",
            ]
        );
        let zipkin = r#"[{"traceId":"a","id":"1","name":"x"},{"traceId":"a","id":"2","parentId":"q!","name":"y"}]"#;
        let f = load(&mut s, "z.json", zipkin.as_bytes()).unwrap().file;
        assert_eq!(
            notes_of(&s, f),
            ["span 0000000000000002 in trace 000000000000000a: parentId: span id \"q!\" is not 1 to 16 hex digits, so the span shows as a root (value left out)"]
        );
    }

    /// Thousands of bad values: the first five named, the rest counted.
    #[test]
    fn many_bad_values_name_the_first_five() {
        let spans: Vec<String> = (1..=1000)
            .map(|k| format!(r#"{{"traceId":"a","id":"{k:x}","parentId":"zz","name":"x"}}"#))
            .collect();
        let json = format!("[{}]", spans.join(","));
        let mut s = Store::default();
        let f = load(&mut s, "z.json", json.as_bytes()).unwrap().file;
        let notes = notes_of(&s, f);
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert_eq!(
            notes[5],
            "995 more values could not be read and were left out, their spans kept"
        );
    }

    /// A span whose Jaeger traceID is empty takes its trace object's id; a
    /// trace without any is kept, with a warning on it (issue 21, defect 10).
    #[test]
    fn an_empty_jaeger_trace_id() {
        let json = r#"{"data":[{"traceID":"abc","spans":[{"traceID":"","spanID":"1","operationName":"x","startTime":1,"duration":1},{"traceID":"abc","spanID":"2","operationName":"y","startTime":1,"duration":1,"references":[{"refType":"CHILD_OF","traceID":"","spanID":"1"}]}]}]}"#;
        let mut s = Store::default();
        let f = load(&mut s, "t.json", json.as_bytes()).unwrap().file;
        assert_eq!(s.traces.len(), 1);
        assert_eq!(s.spans.parent[1], 0);
        assert!(s.files[f as usize].warnings.is_empty());
        let json = r#"{"data":[{"traceID":"","spans":[{"traceID":"","spanID":"1","operationName":"x","startTime":1,"duration":1}]}]}"#;
        load(&mut s, "e.json", json.as_bytes()).unwrap();
        let w = &s.traces[1].warnings[0];
        assert_eq!(w.kind, crate::model::WarningKind::NoTraceId);
        assert_eq!(
            w.message,
            "the file gives this trace no id (its traceID is empty); its span is kept as one trace"
        );
    }

    #[test]
    fn times_from_micros() {
        assert_eq!(
            span_times_micros(Some(5), Some(2)),
            (5000, 2000, SpanFlags::empty())
        );
        assert!(span_times_micros(Some(u64::MAX), Some(1))
            .2
            .contains(SpanFlags::BAD_TIME));
        assert!(span_times_micros(Some(1), None)
            .2
            .contains(SpanFlags::NO_DURATION));
    }
}
