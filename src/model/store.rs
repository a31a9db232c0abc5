//! The trace store: every loaded span of every loaded file, in columns.
//!
//! Spans are addressed by a `u32` index into the columns below. A trace's spans
//! are contiguous (`Trace::spans`), so a trace is a range, not a collection, and a
//! 1M-span store is a few dozen flat vectors instead of a million heap objects.
//! Attributes, events and links of all spans share three arenas; a span holds a
//! [`Range32`] into each. Derived columns (`parent`, `depth`) and each trace's
//! [`Tree`] are filled by `analysis::tree` when a file finishes loading.

use std::ops::Range;

use bitflags::bitflags;
use serde::{Deserialize, Serialize};

use super::ids::{SpanId, TraceId};
use super::strings::{Strings, Sym, Text, TextArena};
use super::value::{Attr, SpanKind, StatusCode, Value};

/// "No span": the parent of a root, the root of an empty trace.
pub const NONE: u32 = u32::MAX;

/// A slice of one of the store's arenas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range32 {
    pub start: u32,
    pub len: u32,
}

impl Range32 {
    pub fn new(start: usize, end: usize) -> Range32 {
        Range32 {
            start: start as u32,
            len: end.saturating_sub(start) as u32,
        }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }

    pub fn end(self) -> u32 {
        self.start + self.len
    }

    pub fn contains(self, i: u32) -> bool {
        i >= self.start && i < self.end()
    }
}

bitflags! {
    /// Facts about a span that the UI marks and the trace warnings count.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
    pub struct SpanFlags: u16 {
        /// Its declared parent is not in the trace (dropped, unsampled, not yet
        /// arrived): shown as an extra root.
        const ORPHAN = 1;
        /// Another span of the trace has the same id. Both are kept.
        const DUPLICATE_ID = 1 << 1;
        /// Its parent link closed a cycle (or pointed at itself) and was cut.
        const CYCLE = 1 << 2;
        /// Zipkin: the server half of an RPC, sharing the client half's id.
        const SHARED = 1 << 3;
        /// Hangs under its parent through FOLLOWS_FROM only (async).
        const FOLLOWS_FROM = 1 << 4;
        /// The file gave no start time (drawn at its parent's start, or at 0).
        const NO_START = 1 << 5;
        /// The file gave no duration / end time (drawn as zero-length).
        const NO_DURATION = 1 << 6;
        /// A time outside the representable range (Go's zero time as uint64).
        const BAD_TIME = 1 << 7;
        /// Starts before its parent starts (clock skew, or a bug).
        const STARTS_BEFORE_PARENT = 1 << 8;
        /// Ends after its parent ends (async work, or clock skew).
        const ENDS_AFTER_PARENT = 1 << 9;
        /// The file's end time is before its start time (drawn zero-length).
        const ENDS_BEFORE_START = 1 << 10;
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Resource {
    /// `service.name` (Jaeger `process.serviceName`, Zipkin `localEndpoint.serviceName`).
    pub service: Sym,
    pub attrs: Range32,
    pub dropped_attrs: u32,
}

/// The instrumentation scope a span came from; each belongs to one resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Scope {
    pub resource: u32,
    pub name: Sym,
    pub version: Sym,
    pub attrs: Range32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub time: i64,
    pub name: Sym,
    pub attrs: Range32,
    pub dropped_attrs: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkKind {
    /// An OTLP span link.
    Link,
    /// A Jaeger FOLLOWS_FROM reference that is not the span's parent.
    FollowsFrom,
    /// A Jaeger CHILD_OF reference that is not the span's parent (another trace,
    /// or a second CHILD_OF).
    ChildOf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Link {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub kind: LinkKind,
    pub attrs: Range32,
    pub dropped_attrs: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    pub attrs: u32,
    pub events: u32,
    pub links: u32,
}

/// One span as an importer hands it to the store.
#[derive(Clone, Debug)]
pub struct NewSpan {
    pub id: SpanId,
    pub parent_id: Option<SpanId>,
    pub scope: u32,
    pub service: Sym,
    pub name: Sym,
    pub kind: SpanKind,
    pub start: i64,
    pub duration: i64,
    pub status: StatusCode,
    pub status_message: Text,
    pub attrs: Range32,
    pub events: Range32,
    pub links: Range32,
    pub dropped: Dropped,
    pub flags: SpanFlags,
}

/// The span columns. Index `i` of every vector is span `i`.
#[derive(Default, Serialize, Deserialize)]
pub struct Spans {
    pub trace: Vec<u32>,
    pub id: Vec<SpanId>,
    pub parent_id: Vec<Option<SpanId>>,
    pub scope: Vec<u32>,
    pub service: Vec<Sym>,
    pub name: Vec<Sym>,
    pub kind: Vec<SpanKind>,
    /// Unix epoch nanoseconds. i64 holds ±292 years exactly; f64 would lose
    /// sub-microsecond precision at today's epoch, so times become f64 only as
    /// offsets from the trace start, in layout.
    pub start: Vec<i64>,
    pub duration: Vec<i64>,
    pub status: Vec<StatusCode>,
    pub status_message: Vec<Text>,
    pub attrs: Vec<Range32>,
    pub events: Vec<Range32>,
    pub links: Vec<Range32>,
    pub dropped: Vec<Dropped>,
    pub flags: Vec<SpanFlags>,
    /// Resolved parent span index, or [`NONE`] (derived).
    pub parent: Vec<u32>,
    /// Depth below its root, roots are 0 (derived).
    pub depth: Vec<u32>,
}

impl Spans {
    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub fn push(&mut self, trace: u32, s: NewSpan) -> u32 {
        let i = self.id.len() as u32;
        self.trace.push(trace);
        self.id.push(s.id);
        self.parent_id.push(s.parent_id);
        self.scope.push(s.scope);
        self.service.push(s.service);
        self.name.push(s.name);
        self.kind.push(s.kind);
        self.start.push(s.start);
        self.duration.push(s.duration);
        self.status.push(s.status);
        self.status_message.push(s.status_message);
        self.attrs.push(s.attrs);
        self.events.push(s.events);
        self.links.push(s.links);
        self.dropped.push(s.dropped);
        self.flags.push(s.flags);
        self.parent.push(NONE);
        self.depth.push(0);
        i
    }

    /// Room for `n` more spans in every column, as far as memory allows (a
    /// hint: a column that could not grow now grows as spans come).
    pub fn reserve(&mut self, n: usize) {
        let _ = self.trace.try_reserve(n);
        let _ = self.id.try_reserve(n);
        let _ = self.parent_id.try_reserve(n);
        let _ = self.scope.try_reserve(n);
        let _ = self.service.try_reserve(n);
        let _ = self.name.try_reserve(n);
        let _ = self.kind.try_reserve(n);
        let _ = self.start.try_reserve(n);
        let _ = self.duration.try_reserve(n);
        let _ = self.status.try_reserve(n);
        let _ = self.status_message.try_reserve(n);
        let _ = self.attrs.try_reserve(n);
        let _ = self.events.try_reserve(n);
        let _ = self.links.try_reserve(n);
        let _ = self.dropped.try_reserve(n);
        let _ = self.flags.try_reserve(n);
        let _ = self.parent.try_reserve(n);
        let _ = self.depth.try_reserve(n);
    }

    /// Moves spans `n..` into a new set of columns (indices unchanged).
    pub fn split_off(&mut self, n: usize) -> Spans {
        Spans {
            trace: self.trace.split_off(n),
            id: self.id.split_off(n),
            parent_id: self.parent_id.split_off(n),
            scope: self.scope.split_off(n),
            service: self.service.split_off(n),
            name: self.name.split_off(n),
            kind: self.kind.split_off(n),
            start: self.start.split_off(n),
            duration: self.duration.split_off(n),
            status: self.status.split_off(n),
            status_message: self.status_message.split_off(n),
            attrs: self.attrs.split_off(n),
            events: self.events.split_off(n),
            links: self.links.split_off(n),
            dropped: self.dropped.split_off(n),
            flags: self.flags.split_off(n),
            parent: self.parent.split_off(n),
            depth: self.depth.split_off(n),
        }
    }

    pub fn truncate(&mut self, n: usize) {
        self.trace.truncate(n);
        self.id.truncate(n);
        self.parent_id.truncate(n);
        self.scope.truncate(n);
        self.service.truncate(n);
        self.name.truncate(n);
        self.kind.truncate(n);
        self.start.truncate(n);
        self.duration.truncate(n);
        self.status.truncate(n);
        self.status_message.truncate(n);
        self.attrs.truncate(n);
        self.events.truncate(n);
        self.links.truncate(n);
        self.dropped.truncate(n);
        self.flags.truncate(n);
        self.parent.truncate(n);
        self.depth.truncate(n);
    }

    /// Reorders spans `base..` so that `order[k]` (an index relative to `base`)
    /// becomes span `base + k`. Used to make each trace's spans contiguous when a
    /// file interleaves traces (JSON Lines, merged search results).
    pub fn permute_tail(&mut self, base: usize, order: &[u32]) {
        fn apply<T: Copy>(col: &mut Vec<T>, base: usize, order: &[u32]) {
            let tail: Vec<T> = order.iter().map(|&k| col[base + k as usize]).collect();
            col.truncate(base);
            col.extend_from_slice(&tail);
        }
        apply(&mut self.trace, base, order);
        apply(&mut self.id, base, order);
        apply(&mut self.parent_id, base, order);
        apply(&mut self.scope, base, order);
        apply(&mut self.service, base, order);
        apply(&mut self.name, base, order);
        apply(&mut self.kind, base, order);
        apply(&mut self.start, base, order);
        apply(&mut self.duration, base, order);
        apply(&mut self.status, base, order);
        apply(&mut self.status_message, base, order);
        apply(&mut self.attrs, base, order);
        apply(&mut self.events, base, order);
        apply(&mut self.links, base, order);
        apply(&mut self.dropped, base, order);
        apply(&mut self.flags, base, order);
        apply(&mut self.parent, base, order);
        apply(&mut self.depth, base, order);
    }
}

/// Parent/child structure of one trace, built by `analysis::tree`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Tree {
    /// Root spans (true roots, orphans and cut cycles alike), by start time.
    pub roots: Vec<u32>,
    /// `children[child_start[k]..child_start[k + 1]]` are the children of the
    /// trace's k-th span (k relative to `Trace::spans.start`), by start time.
    pub child_start: Vec<u32>,
    pub children: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WarningKind {
    /// The file gives the trace an empty id (Jaeger's `traceID: ""`).
    NoTraceId,
    Orphans,
    DuplicateIds,
    Cycles,
    MultipleRoots,
    StartsBeforeParent,
    EndsAfterParent,
    MissingTimes,
    BadTimes,
    /// Spans moved to correct clock skew between hosts (`analysis::skew`),
    /// or that would be, when raw times are shown.
    ClockSkew,
}

impl WarningKind {
    /// Data problems (lost, duplicated or contradictory data) as opposed to
    /// observations about a healthy but unusual shape (several roots, async
    /// work outliving its caller), which the UI shows as notes.
    pub fn is_problem(self) -> bool {
        !matches!(
            self,
            WarningKind::MultipleRoots | WarningKind::EndsAfterParent | WarningKind::ClockSkew
        )
    }
}

/// A problem with a trace's structure, with the spans it concerns.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TraceWarning {
    pub kind: WarningKind,
    pub count: u32,
    pub message: String,
    /// Up to [`TraceWarning::MAX_SPANS`] of the spans concerned.
    pub spans: Vec<u32>,
}

impl TraceWarning {
    pub const MAX_SPANS: usize = 200;
}

/// What the trace list and the header show, computed once per trace.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TraceSummary {
    /// The span that names the trace: the earliest true root, else the earliest root.
    pub root: u32,
    pub start: i64,
    pub end: i64,
    pub services: Vec<Sym>,
    pub errors: u32,
    pub max_depth: u32,
    pub roots: u32,
    pub orphans: u32,
    pub duplicates: u32,
    pub cycles: u32,
}

#[derive(Serialize, Deserialize)]
pub struct Trace {
    pub id: TraceId,
    pub file: u32,
    pub spans: Range32,
    pub tree: Tree,
    pub summary: TraceSummary,
    pub warnings: Vec<TraceWarning>,
    /// Its clock-skew correction (`analysis::skew`), applied or not.
    #[serde(default)]
    pub skew: Skew,
    /// The parts of its file ([`SourceFile::parts`]) its spans came from,
    /// ascending; empty when the file is one part (`import::join`).
    #[serde(default)]
    pub sources: Vec<u32>,
}

/// The clock-skew correction of one trace (`analysis::skew` computes it at
/// import and applies it), and everything else that differs between the
/// trace's raw and corrected times, so that switching between them
/// ([`Store::set_skew_corrected`]) swaps the values that differ, linear in
/// their number: no rebuild. Spans are offsets from the trace's first span,
/// so appending or removing files moves none of it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Skew {
    /// (span offset, ns) of every moved span, by offset: added to its start
    /// and its events' times when applied.
    pub shifts: Vec<(u32, i64)>,
    /// The store holds the corrected times.
    pub applied: bool,
    /// The other state's (span offset, start, duration, flags) where they
    /// differ from the current.
    pub spans: Vec<(u32, i64, i64, SpanFlags)>,
    /// The other state's (position, span offset) in `tree.children` and in
    /// `tree.roots` where they differ (lists are sorted by start time).
    pub children: Vec<(u32, u32)>,
    pub roots: Vec<(u32, u32)>,
    /// The other state's summary start, end and root (offset, or [`NONE`]).
    pub summary: (i64, i64, u32),
    /// The other state's warnings, their spans as offsets.
    pub warnings: Vec<TraceWarning>,
}

impl Skew {
    /// Spans moved (or to be moved) by the correction.
    pub fn adjusted(&self) -> usize {
        self.shifts.len()
    }

    /// The largest shift either way, ns (0 when none; the first moved span's
    /// of equal ones).
    pub fn largest(&self) -> i64 {
        self.shifts
            .iter()
            .rev()
            .map(|&(_, ns)| ns)
            .max_by_key(|ns| ns.unsigned_abs())
            .unwrap_or(0)
    }

    /// The shift of span offset `k` (0 when not moved).
    pub fn shift_of(&self, k: u32) -> i64 {
        match self.shifts.binary_search_by_key(&k, |&(s, _)| s) {
            Ok(at) => self.shifts[at].1,
            Err(_) => 0,
        }
    }

    /// Every offset and position points inside trace `t` (a decoded
    /// snapshot is checked before use).
    pub fn check(&self, t: &Trace) -> Result<(), String> {
        let n = t.spans.len;
        let bad = |what: &str, x: u32, len: usize| Err(format!("skew {what} {x} past {len}"));
        let offsets = self.shifts.iter().map(|s| s.0);
        let offsets = offsets.chain(self.spans.iter().map(|s| s.0));
        let offsets = offsets.chain(self.children.iter().chain(&self.roots).map(|c| c.1));
        let offsets = offsets.chain(self.warnings.iter().flat_map(|w| w.spans.iter().copied()));
        if let Some(k) = offsets
            .chain([self.summary.2].into_iter().filter(|&r| r != NONE))
            .find(|&k| k >= n)
        {
            return bad("span", k, n as usize);
        }
        for (list, len, what) in [
            (&self.children, t.tree.children.len(), "child"),
            (&self.roots, t.tree.roots.len(), "root"),
        ] {
            if let Some(&(p, _)) = list.iter().find(|c| c.0 as usize >= len) {
                return bad(what, p, len);
            }
        }
        Ok(())
    }
}

impl Trace {
    pub fn span_count(&self) -> usize {
        self.spans.len as usize
    }

    /// The trace's extent: first start to last end, async work included.
    pub fn duration(&self) -> i64 {
        self.summary.end - self.summary.start
    }

    /// Warnings about lost or contradictory data.
    pub fn problems(&self) -> usize {
        self.warnings.iter().filter(|w| w.kind.is_problem()).count()
    }

    /// Observations about the trace's shape (several roots, async work).
    pub fn notes(&self) -> usize {
        self.warnings.len() - self.problems()
    }
}

/// A loaded file (or paste, or URL): where traces came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourceFile {
    pub name: String,
    /// Human name of the detected format, e.g. "OTLP/JSON (JSON Lines)".
    pub format: String,
    pub bytes: usize,
    pub traces: Range32,
    pub spans: u32,
    /// File-level notes: skipped lines, ignored parts, tolerated oddities.
    pub warnings: Vec<String>,
    /// Where the file's rows end in every column. A file's rows are
    /// contiguous in each (files are imported or appended whole), starting
    /// where the previous file's end: what [`Store::remove_file`] cuts out.
    #[serde(default)]
    pub end: Mark,
    /// The files joined into this one because they hold spans of the same
    /// traces (`import::join`), in load order; empty for a file loaded alone.
    #[serde(default)]
    pub parts: Vec<FilePart>,
}

/// One of the files a joined [`SourceFile`] was made of, as it was loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilePart {
    pub name: String,
    pub format: String,
    pub bytes: usize,
    pub spans: u32,
    pub warnings: Vec<String>,
}

impl SourceFile {
    /// The files it was made of: its parts, or itself.
    pub fn members(&self) -> Vec<FilePart> {
        if !self.parts.is_empty() {
            return self.parts.clone();
        }
        vec![FilePart {
            name: self.name.clone(),
            format: self.format.clone(),
            bytes: self.bytes,
            spans: self.spans,
            warnings: self.warnings.clone(),
        }]
    }
}

/// Lengths of every growable part, to undo a failed load (and where each
/// file ends, [`SourceFile::end`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub(super) spans: usize,
    pub(super) attrs: usize,
    pub(super) events: usize,
    pub(super) links: usize,
    pub(super) resources: usize,
    pub(super) scopes: usize,
    pub(super) text: usize,
    pub(super) traces: usize,
    pub(super) files: usize,
}

#[derive(Default, Serialize, Deserialize)]
pub struct Store {
    pub strings: Strings,
    pub text: TextArena,
    pub files: Vec<SourceFile>,
    pub traces: Vec<Trace>,
    pub spans: Spans,
    pub attrs: Vec<Attr>,
    pub events: Vec<Event>,
    pub links: Vec<Link>,
    pub resources: Vec<Resource>,
    pub scopes: Vec<Scope>,
    /// The traces show their files' raw times, not the clock-skew-corrected
    /// ones ([`Store::set_skew_corrected`]); traces added later follow.
    #[serde(default)]
    pub raw_times: bool,
}

impl Mark {
    /// Spans before the mark: where the next file's spans start.
    pub fn span_count(&self) -> usize {
        self.spans
    }

    /// Every length of `self` is at most that of `other`.
    pub fn within(&self, other: &Mark) -> bool {
        self.spans <= other.spans
            && self.attrs <= other.attrs
            && self.events <= other.events
            && self.links <= other.links
            && self.resources <= other.resources
            && self.scopes <= other.scopes
            && self.text <= other.text
            && self.traces <= other.traces
            && self.files <= other.files
    }
}

impl Store {
    /// Reserves room for what a JSON file of `bytes` typically holds (~1 KB a
    /// span, ~80 bytes an attribute, ~10 bytes of JSON per byte of attribute
    /// text: generous), so that importing it moves no column while growing.
    /// Hints, as far as memory allows. Meant for a store thrown away after the
    /// import (the parsing worker's): on a kept store, unused room would stay
    /// allocated.
    pub fn reserve_for_json(&mut self, bytes: usize) {
        self.spans.reserve(bytes / 800);
        let _ = self.attrs.try_reserve(bytes / 64);
        let _ = self.events.try_reserve(bytes / 8000);
        self.text.reserve(bytes / 8);
    }

    /// Room for `times` more of what was added since `m` (the parts of a file
    /// are about the same size: room for the rest once the first is in, one
    /// growth of each column instead of one per part, each copying the last).
    pub fn reserve_like_since(&mut self, m: &Mark, times: usize) {
        self.spans.reserve((self.spans.len() - m.spans) * times);
        let _ = self.attrs.try_reserve((self.attrs.len() - m.attrs) * times);
        let _ = self
            .events
            .try_reserve((self.events.len() - m.events) * times);
        self.text.reserve((self.text.len() - m.text) * times);
    }

    pub fn mark(&self) -> Mark {
        Mark {
            spans: self.spans.len(),
            attrs: self.attrs.len(),
            events: self.events.len(),
            links: self.links.len(),
            resources: self.resources.len(),
            scopes: self.scopes.len(),
            text: self.text.len(),
            traces: self.traces.len(),
            files: self.files.len(),
        }
    }

    /// Adds a file whose traces, spans and everything they refer to were
    /// just added (after the previous file's); returns its index.
    pub fn push_file(&mut self, mut file: SourceFile) -> u32 {
        let index = self.files.len() as u32;
        file.end = self.mark();
        file.end.files = index as usize + 1;
        self.files.push(file);
        index
    }

    /// Undoes everything added since `m` (a failed load leaves no trace behind;
    /// interned strings stay, harmlessly).
    pub fn rollback(&mut self, m: Mark) {
        self.spans.truncate(m.spans);
        self.attrs.truncate(m.attrs);
        self.events.truncate(m.events);
        self.links.truncate(m.links);
        self.resources.truncate(m.resources);
        self.scopes.truncate(m.scopes);
        self.text.truncate(m.text);
        self.traces.truncate(m.traces);
        self.files.truncate(m.files);
    }

    pub fn str(&self, s: Sym) -> &str {
        self.strings.get(s)
    }

    pub fn text(&self, t: Text) -> &str {
        self.text.get(t)
    }

    pub fn span_end(&self, i: u32) -> i64 {
        let i = i as usize;
        self.spans.start[i].saturating_add(self.spans.duration[i])
    }

    pub fn is_error(&self, i: u32) -> bool {
        self.spans.status[i as usize] == StatusCode::Error
    }

    pub fn span_attrs(&self, i: u32) -> &[Attr] {
        &self.attrs[self.spans.attrs[i as usize].range()]
    }

    pub fn span_events(&self, i: u32) -> &[Event] {
        &self.events[self.spans.events[i as usize].range()]
    }

    pub fn span_links(&self, i: u32) -> &[Link] {
        &self.links[self.spans.links[i as usize].range()]
    }

    pub fn attrs_of(&self, r: Range32) -> &[Attr] {
        &self.attrs[r.range()]
    }

    pub fn resource_of(&self, span: u32) -> Option<&Resource> {
        let scope = self.scopes.get(self.spans.scope[span as usize] as usize)?;
        self.resources.get(scope.resource as usize)
    }

    pub fn scope_of(&self, span: u32) -> Option<&Scope> {
        self.scopes.get(self.spans.scope[span as usize] as usize)
    }

    /// How long the caller of trace `t` waited: its root span's duration
    /// (the extent when it has no root). Trace lists sort and plot by it: a
    /// checkout that answered in 34 ms is not a 2 s trace because its
    /// consumers ran later.
    pub fn response_time(&self, t: u32) -> i64 {
        let tr = &self.traces[t as usize];
        match tr.summary.root {
            NONE => tr.duration(),
            root => self.spans.duration[root as usize],
        }
    }

    pub fn trace_of(&self, span: u32) -> &Trace {
        &self.traces[self.spans.trace[span as usize] as usize]
    }

    /// Adds `sign * ns` to the start of each `(span, ns)` and to its events'
    /// times: `sign` 1 applies shifts, -1 undoes them exactly (wrapping, so
    /// even an absurd event time comes back as it was).
    pub fn shift_spans(&mut self, shifts: &[(u32, i64)], sign: i64) {
        for &(i, ns) in shifts {
            let d = ns.wrapping_mul(sign);
            let i = i as usize;
            self.spans.start[i] = self.spans.start[i].wrapping_add(d);
            for e in &mut self.events[self.spans.events[i].range()] {
                e.time = e.time.wrapping_add(d);
            }
        }
    }

    /// Shows every trace with its clock-skew correction applied (`on`, the
    /// default after import) or with the file's raw times. Linear in what
    /// differs between the two (moved spans, their children lists,
    /// warnings). Analyses and views read whichever the store holds.
    pub fn set_skew_corrected(&mut self, on: bool) {
        self.raw_times = !on;
        self.follow_skew_choice(0);
    }

    /// Shows traces `from..` as the store shows its times (corrected, or
    /// raw after [`Store::set_skew_corrected`]`(false)`): what a load or an
    /// append does with the traces it adds.
    pub fn follow_skew_choice(&mut self, from: usize) {
        let on = !self.raw_times;
        for t in from..self.traces.len() {
            let skew = &self.traces[t].skew;
            if !skew.shifts.is_empty() && skew.applied != on {
                self.swap_skew(t as u32);
            }
        }
    }

    /// Switches trace `t` between its raw and corrected times.
    pub fn swap_skew(&mut self, t: u32) {
        let tr = &mut self.traces[t as usize];
        let base = tr.spans.start;
        let mut skew = std::mem::take(&mut tr.skew);
        let sign = if skew.applied { -1 } else { 1 };
        for (k, start, duration, flags) in &mut skew.spans {
            let i = (base + *k) as usize;
            std::mem::swap(&mut self.spans.start[i], start);
            std::mem::swap(&mut self.spans.duration[i], duration);
            std::mem::swap(&mut self.spans.flags[i], flags);
        }
        let tr = &mut self.traces[t as usize];
        for (list, patch) in [
            (&mut tr.tree.children, &mut skew.children),
            (&mut tr.tree.roots, &mut skew.roots),
        ] {
            for (at, k) in patch.iter_mut() {
                let here = &mut list[*at as usize];
                (*here, *k) = (base + *k, here.wrapping_sub(base));
            }
        }
        let s = &mut tr.summary;
        let root = |r: u32| {
            if r == NONE {
                NONE
            } else {
                r.wrapping_add(base)
            }
        };
        let other = (
            s.start,
            s.end,
            if s.root == NONE { NONE } else { s.root - base },
        );
        (s.start, s.end, s.root) = (skew.summary.0, skew.summary.1, root(skew.summary.2));
        skew.summary = other;
        std::mem::swap(&mut tr.warnings, &mut skew.warnings);
        for (ws, by) in [
            (&mut tr.warnings, base),
            (&mut skew.warnings, base.wrapping_neg()),
        ] {
            for x in ws.iter_mut().flat_map(|w| w.spans.iter_mut()) {
                *x = x.wrapping_add(by);
            }
        }
        // Events are not derived: shifted back and forth.
        for &(k, ns) in &skew.shifts {
            let i = (base + k) as usize;
            for e in &mut self.events[self.spans.events[i].range()] {
                e.time = e.time.wrapping_add(ns.wrapping_mul(sign));
            }
        }
        skew.applied = !skew.applied;
        self.traces[t as usize].skew = skew;
    }

    /// Children of `span` in its trace, by start time.
    pub fn children(&self, span: u32) -> &[u32] {
        let trace = self.trace_of(span);
        let k = (span - trace.spans.start) as usize;
        let t = &trace.tree;
        match (t.child_start.get(k), t.child_start.get(k + 1)) {
            (Some(&a), Some(&b)) => &t.children[a as usize..b as usize],
            _ => &[],
        }
    }

    /// First value of attribute `key` on span `i`.
    pub fn attr(&self, i: u32, key: &str) -> Option<&Value> {
        let key = self.strings.lookup(key)?;
        self.span_attrs(i)
            .iter()
            .find(|a| a.key == key)
            .map(|a| &a.value)
    }

    /// Finds a span by trace and span id across all loaded traces (links jump here).
    pub fn find_span(&self, trace_id: TraceId, span_id: SpanId) -> Option<u32> {
        self.traces
            .iter()
            .filter(|t| t.id == trace_id)
            .flat_map(|t| t.spans.range())
            .map(|i| i as u32)
            .find(|&i| self.spans.id[i as usize] == span_id)
    }

    /// Finds a loaded trace by id (the first, if several files hold it).
    pub fn find_trace(&self, trace_id: TraceId) -> Option<u32> {
        self.traces
            .iter()
            .position(|t| t.id == trace_id)
            .map(|i| i as u32)
    }

    /// A value as the detail panel prints it.
    pub fn format_value(&self, v: &Value) -> String {
        match v {
            Value::Str(t) => self.text(*t).to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Double(f) => format_double(*f),
            Value::Bytes(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                hex
            }
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(|x| self.format_nested(x)).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Map(entries) => {
                let parts: Vec<String> = entries
                    .iter()
                    .map(|a| format!("{}: {}", self.str(a.key), self.format_nested(&a.value)))
                    .collect();
                format!("{{{}}}", parts.join(", "))
            }
            Value::Empty => String::new(),
        }
    }

    fn format_nested(&self, v: &Value) -> String {
        match v {
            Value::Str(t) => format!("{:?}", self.text(*t)),
            other => self.format_value(other),
        }
    }

    /// Approximate bytes held by the store, for the memory report.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let per_span = size_of::<u32>() * 4
            + size_of::<SpanId>()
            + size_of::<Option<SpanId>>()
            + size_of::<Sym>() * 2
            + size_of::<SpanKind>()
            + size_of::<i64>() * 2
            + size_of::<StatusCode>()
            + size_of::<Text>()
            + size_of::<Range32>() * 3
            + size_of::<Dropped>()
            + size_of::<SpanFlags>();
        let trees: usize = self
            .traces
            .iter()
            .map(|t| (t.tree.children.len() + t.tree.child_start.len() + t.tree.roots.len()) * 4)
            .sum();
        self.spans.len() * per_span
            + self.attrs.len() * size_of::<Attr>()
            + self.events.len() * size_of::<Event>()
            + self.links.len() * size_of::<Link>()
            + self.text.len()
            + self.strings.heap_bytes()
            + trees
    }
}

/// Doubles print as the shortest text that reads back exactly; integral values
/// keep a ".0" so they are not mistaken for ints.
pub fn format_double(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}
