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
pub mod json;
pub mod limits;
pub mod otlp;
pub mod parts;
pub mod surrogates;
pub mod zipkin;

use rustc_hash::FxHashMap;

pub use error::ImportError;
pub use parts::Part;

use crate::analysis;
use crate::model::{
    Attr, NewSpan, Range32, Resource, Scope, SourceFile, SpanFlags, Store, Sym, Trace, TraceId,
    TraceSummary, Tree, Value,
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
}

/// How often (in spans) an import reports progress.
pub const PROGRESS_EVERY: usize = 1 << 15;

impl<'s> Sink<'s> {
    pub fn new(store: &'s mut Store, progress: &'s mut dyn FnMut(usize)) -> Sink<'s> {
        let base = store.spans.len();
        Sink {
            store,
            base,
            trace_ids: Vec::new(),
            notes: Vec::new(),
            formats: Vec::new(),
            progress,
            split: None,
        }
    }

    /// Whether this load leaves the span whose first key is `first_key` to
    /// another part of the file (see [`parts`]): never when it reads the
    /// whole file. A format's span visitor asks this at the span's first key
    /// and skips the span when told so.
    pub fn leaves(&mut self, first_key: &str) -> bool {
        self.split.as_mut().is_some_and(|s| s.leaves(first_key))
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
    match decode::decode(name, bytes)? {
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
    match decode::decode(name, bytes)? {
        None => load_text_part(store, name, bytes, part, progress),
        Some(mut text) => load_decoded_part(store, name, &mut text, part, progress),
    }
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
    if part != Part::WHOLE {
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
fn finish(sink: Sink<'_>, name: &str, bytes: usize, trees: bool) -> u32 {
    let Sink {
        store,
        base,
        trace_ids,
        mut notes,
        formats,
        ..
    } = sink;
    notes.extend(invalid_ids(store, base, &trace_ids));
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
        });
        if trees {
            analysis::tree::build(store, t);
        }
    }
    file.traces = Range32::new(first_trace, store.traces.len());
    file.spans = n as u32;
    store.files.push(file);
    index
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
