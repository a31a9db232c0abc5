//! OTLP protobuf: an `ExportTraceServiceRequest` / `TracesData` body (what the
//! OTLP/HTTP exporters POST, what a proxy or `curl` captures), and the
//! collector file exporter's `format: proto` files, where each `TracesData`
//! is preceded by its length as a 4-byte big-endian integer
//! (`exporter/fileexporter/file_writer.go`, `binary.BigEndian.PutUint32`).
//! Told from JSON and from each other by content ([`sniff`]), never by name.
//!
//! The wire format is read straight into the store, as the JSON importers
//! do: no per-span structs, strings borrowed from the input and interned or
//! copied once: decoding into the `prost` structs of `super::proto` (what
//! the export writes) would take longer than this whole import, before
//! copying anything into the store (`benches/import.rs`, `prost_structs`).
//! Every field number read here is in [`FIELDS`], which a test checks
//! against the `.proto` files of `super::proto`.
//!
//! The result equals the OTLP/JSON import of the same spans: the same store,
//! notes and limits ([`super::limits`]: spans per file, attributes, events
//! and links per list, string length, nesting). What neither keeps, because
//! the store has no place for it: trace state, W3C flags, schema URLs, a
//! scope's dropped attribute count. Protobuf's rules: unknown fields are
//! skipped (all wire types, groups included); a repeated field may come in
//! several runs; a non-repeated field given twice keeps its last value; an
//! `AnyValue` with several values set keeps the last. OTLP's trace messages
//! have no repeated scalar fields, so packed encoding never arises; a known
//! field written with another wire type than OTLP's is refused.
//!
//! A file cut short or damaged is refused with what is wrong, the byte
//! offset, and the path of the field (`resource_spans[0].scope_spans[1].
//! spans[7].attributes[2].value`); in a length-prefixed file, which message.
//! A file cut short is read as far as it goes, so that the error names the
//! innermost message or field the file ends in. Never a panic: every length
//! is checked against the message holding it.
//!
//! Parts ([`super::parts`]): a file parsed in parts is never blanked (it is
//! not text); each part walks the messages, skips the spans another part
//! keeps by their length without reading them, and keeps the spans that
//! start in its share of the bytes. A span the file ends inside is read by
//! every part, so that each fails as a plain load does.

use super::limits::{self, MAX_ATTRS, MAX_DEPTH, MAX_EVENTS, MAX_LINKS, MAX_STRING_BYTES};
use super::notes::{CUT, LEFT_OUT};
use super::otlp::clamp_u32;
use super::{span_times, ImportError, Sink};
use crate::model::units::format_count;
use crate::model::{
    Attr, Dropped, Event, Link, NewSpan, Range32, SpanId, SpanKind, StatusCode, Sym, Text, TraceId,
    Value,
};

/// A body of one message (or of messages written one after another, which
/// protobuf reads as one).
pub const FORMAT: &str = "OTLP/protobuf";
/// The collector file exporter's `format: proto`.
pub const FORMAT_PREFIXED: &str = "OTLP/protobuf (length-prefixed messages)";

/// How the messages of a protobuf file are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One `TracesData` / `ExportTraceServiceRequest`.
    Plain,
    /// `TracesData` messages, each after its length as a big-endian u32.
    Prefixed,
}

/// Wire types.
const VARINT: u8 = 0;
const I64: u8 = 1;
const LEN: u8 = 2;
const GROUP_START: u8 = 3;
const GROUP_END: u8 = 4;
const I32: u8 = 5;

/// Every field this importer reads or knowingly skips: message, field,
/// number, wire type. Errors name fields from here.
pub const FIELDS: &[(&str, &str, u32, u8)] = &[
    ("TracesData", "resource_spans", 1, LEN),
    ("ExportTraceServiceRequest", "resource_spans", 1, LEN),
    ("ResourceSpans", "resource", 1, LEN),
    ("ResourceSpans", "scope_spans", 2, LEN),
    ("ResourceSpans", "schema_url", 3, LEN),
    ("ResourceSpans", "instrumentation_library_spans", 1000, LEN),
    ("Resource", "attributes", 1, LEN),
    ("Resource", "dropped_attributes_count", 2, VARINT),
    ("ScopeSpans", "scope", 1, LEN),
    ("ScopeSpans", "spans", 2, LEN),
    ("ScopeSpans", "schema_url", 3, LEN),
    ("InstrumentationScope", "name", 1, LEN),
    ("InstrumentationScope", "version", 2, LEN),
    ("InstrumentationScope", "attributes", 3, LEN),
    (
        "InstrumentationScope",
        "dropped_attributes_count",
        4,
        VARINT,
    ),
    ("Span", "trace_id", 1, LEN),
    ("Span", "span_id", 2, LEN),
    ("Span", "trace_state", 3, LEN),
    ("Span", "parent_span_id", 4, LEN),
    ("Span", "name", 5, LEN),
    ("Span", "kind", 6, VARINT),
    ("Span", "start_time_unix_nano", 7, I64),
    ("Span", "end_time_unix_nano", 8, I64),
    ("Span", "attributes", 9, LEN),
    ("Span", "dropped_attributes_count", 10, VARINT),
    ("Span", "events", 11, LEN),
    ("Span", "dropped_events_count", 12, VARINT),
    ("Span", "links", 13, LEN),
    ("Span", "dropped_links_count", 14, VARINT),
    ("Span", "status", 15, LEN),
    ("Span", "flags", 16, I32),
    ("Span.Event", "time_unix_nano", 1, I64),
    ("Span.Event", "name", 2, LEN),
    ("Span.Event", "attributes", 3, LEN),
    ("Span.Event", "dropped_attributes_count", 4, VARINT),
    ("Span.Link", "trace_id", 1, LEN),
    ("Span.Link", "span_id", 2, LEN),
    ("Span.Link", "trace_state", 3, LEN),
    ("Span.Link", "attributes", 4, LEN),
    ("Span.Link", "dropped_attributes_count", 5, VARINT),
    ("Span.Link", "flags", 6, I32),
    ("Status", "message", 2, LEN),
    ("Status", "code", 3, VARINT),
    ("KeyValue", "key", 1, LEN),
    ("KeyValue", "value", 2, LEN),
    ("AnyValue", "string_value", 1, LEN),
    ("AnyValue", "bool_value", 2, VARINT),
    ("AnyValue", "int_value", 3, VARINT),
    ("AnyValue", "double_value", 4, I64),
    ("AnyValue", "array_value", 5, LEN),
    ("AnyValue", "kvlist_value", 6, LEN),
    ("AnyValue", "bytes_value", 7, LEN),
    ("ArrayValue", "values", 1, LEN),
    ("KeyValueList", "values", 1, LEN),
];

// ---------------------------------------------------------------------------
// Detection

/// Whether `bytes` are OTLP protobuf, and how they are framed. JSON text is
/// never taken for protobuf. A whole file is recognised by its structure
/// end to end (each message's length leads exactly to the next, and to the
/// end of the file); a file cut short or damaged further on, by its start
/// (a `TracesData` whose first `ResourceSpans` opens with one of its
/// fields), so that its error says what is wrong with it as protobuf.
pub fn sniff(bytes: &[u8]) -> Option<Framing> {
    if is_json_text(bytes) {
        return None;
    }
    if whole_plain(bytes) {
        Some(Framing::Plain)
    } else if whole_prefixed(bytes) {
        Some(Framing::Prefixed)
    } else if starts_plain(bytes) {
        Some(Framing::Plain)
    } else if starts_prefixed(bytes) {
        Some(Framing::Prefixed)
    } else {
        None
    }
}

/// Text whose first character is `{` or `[` (after white space), without
/// control characters at its start: JSON, as every trace file but protobuf.
fn is_json_text(b: &[u8]) -> bool {
    let head = &b[..b.len().min(64)];
    let text = head
        .iter()
        .all(|&c| c >= 0x20 || matches!(c, b'\t' | b'\n' | b'\r'));
    let first = b.iter().find(|c| !c.is_ascii_whitespace());
    text && matches!(first, Some(b'{' | b'['))
}

/// A varint at `pos` of `b`: its value and the position after it.
fn varint_at(b: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..10 {
        let c = *b.get(pos + i)?;
        v |= u64::from(c & 0x7f) << (7 * i);
        if c < 0x80 {
            return Some((v, pos + i + 1));
        }
    }
    None
}

/// A `ResourceSpans` starts at `pos` of `b` and is said to end at `end`
/// (maybe past the end of `b`, in a file cut short): its first field is
/// one of ResourceSpans' and fits in it.
fn resource_spans_start(b: &[u8], pos: usize, end: usize) -> bool {
    let Some((tag, p)) = varint_at(b, pos) else {
        return false;
    };
    let known = matches!(tag >> 3, 1..=3 | 1000) && tag & 7 == u64::from(LEN);
    let Some((n, p)) = varint_at(b, p) else {
        return false;
    };
    known && (p as u64).saturating_add(n) <= end as u64
}

/// A `TracesData` starts at `pos` of `b` and is said to end at `end`: its
/// first non-empty `ResourceSpans` starts as one (empty ones before it are
/// passed, a few at most).
fn traces_data_start(b: &[u8], mut pos: usize, end: usize) -> bool {
    for _ in 0..8 {
        if b.get(pos) != Some(&0x0a) {
            return false;
        }
        let Some((n, p)) = varint_at(b, pos + 1) else {
            return false;
        };
        let Some(rs_end) = p.checked_add(n as usize).filter(|&e| e <= end) else {
            return false;
        };
        if n > 0 {
            return resource_spans_start(b, p, rs_end);
        }
        pos = rs_end;
        if pos == end {
            return true;
        }
    }
    false
}

/// One `TracesData` from end to end: its `ResourceSpans` follow each other
/// to the last byte.
fn whole_plain(b: &[u8]) -> bool {
    if !traces_data_start(b, 0, b.len()) {
        return false;
    }
    let mut pos = 0;
    while pos < b.len() {
        if b[pos] != 0x0a {
            return false;
        }
        let Some((n, p)) = varint_at(b, pos + 1) else {
            return false;
        };
        match p.checked_add(n as usize) {
            Some(e) if e <= b.len() => pos = e,
            _ => return false,
        }
    }
    true
}

/// The length prefix at `pos`, when 4 bytes are there.
fn prefix_at(b: &[u8], pos: usize) -> Option<usize> {
    let p: [u8; 4] = b.get(pos..pos + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(p) as usize)
}

/// Length-prefixed messages from end to end, the first non-empty one a
/// `TracesData`.
fn whole_prefixed(b: &[u8]) -> bool {
    let mut pos = 0;
    let mut first = true;
    while pos < b.len() {
        let Some(n) = prefix_at(b, pos) else {
            return false;
        };
        let start = pos + 4;
        if n > b.len() - start {
            return false;
        }
        if first && n > 0 {
            if !traces_data_start(b, start, start + n) {
                return false;
            }
            first = false;
        }
        pos = start + n;
    }
    !b.is_empty()
}

/// A `TracesData` starts the file (which may end inside it).
fn starts_plain(b: &[u8]) -> bool {
    traces_data_start(b, 0, usize::MAX)
}

/// A length prefix starts the file and a `TracesData` follows it (the file
/// may end inside it); empty messages before it are passed.
fn starts_prefixed(b: &[u8]) -> bool {
    let mut pos = 0;
    for _ in 0..8 {
        let Some(n) = prefix_at(b, pos) else {
            return false;
        };
        if n > 0 {
            return n as u64 <= limits::MAX_FILE_BYTES
                && traces_data_start(b, pos + 4, (pos + 4).saturating_add(n));
        }
        pos += 4;
    }
    false
}

// ---------------------------------------------------------------------------
// Errors

/// What is wrong, where: the byte offset, and the path of fields from the
/// outermost message in, innermost first while it travels up.
struct Fail {
    at: usize,
    message: String,
    path: Vec<String>,
}

type R<T> = Result<T, Box<Fail>>;

#[cold]
fn fail(at: usize, message: impl Into<String>) -> Box<Fail> {
    Box::new(Fail {
        at,
        message: message.into(),
        path: Vec::new(),
    })
}

trait Within {
    /// Adds the field (`name`, `spans[3]`) holding the failure to its path.
    fn within(self, seg: impl FnOnce() -> String) -> Self;
}

impl<T> Within for R<T> {
    #[inline]
    fn within(self, seg: impl FnOnce() -> String) -> Self {
        self.map_err(|mut e| {
            e.path.push(seg());
            e
        })
    }
}

impl Fail {
    fn into_error(self, file: &str, message_no: Option<usize>) -> ImportError {
        let mut e = ImportError::new(
            file,
            match message_no {
                Some(k) => format!("message {k} of the file: {}", self.message),
                None => self.message,
            },
        );
        e.offset = Some(self.at);
        if !self.path.is_empty() {
            let path: Vec<String> = self.path.into_iter().rev().collect();
            let mut p = path.join(".");
            if p.len() > 300 {
                let head = p.floor_char_boundary(100);
                let tail = p.ceil_char_boundary(p.len() - 200);
                p = format!("{}…{}", &p[..head], &p[tail..]);
            }
            e.path = Some(p);
        }
        e
    }
}

fn wire_name(wt: u8) -> &'static str {
    match wt {
        VARINT => "varint",
        I64 => "64-bit",
        LEN => "length-delimited",
        GROUP_START => "group start",
        GROUP_END => "group end",
        I32 => "32-bit",
        _ => "no wire type",
    }
}

/// Attribute values nest without end: how deep they may is JSON's limit,
/// counted as their OTLP/JSON spelling nests (an `AnyValue` holding an
/// array is 3 levels: `{"arrayValue":{"values":[`), so that a file reads
/// as protobuf exactly when it reads as JSON. The depths below are JSON's:
/// a span's attribute is the `KeyValue` object at level 9 of
/// `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{`.
const RESOURCE_ATTR: usize = 6;
const SCOPE_ATTR: usize = 8;
const SPAN_ATTR: usize = 9;
const EVENT_ATTR: usize = 11;
const LINK_ATTR: usize = 11;

fn too_deep(at: usize) -> Box<Fail> {
    fail(
        at,
        format!(
            "the protobuf nests more than {MAX_DEPTH} levels deep (counted as its OTLP/JSON \
             spelling nests), Strata's limit (trace files nest about 10 levels deep)"
        ),
    )
}

// ---------------------------------------------------------------------------
// Reading

/// A message's bytes, `start..end` of the file. `cut`: the file ends before
/// the message does (its length was read at `.0` and is `.1`); its fields
/// are read up to the end of the file, where the innermost message cut
/// says so.
#[derive(Clone, Copy, Debug)]
struct Msg {
    start: usize,
    end: usize,
    cut: Option<(usize, u64)>,
}

/// A message being read: `buf[pos..end]` is what is left of it. Positions
/// are offsets in the file.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    /// Whether the outermost message ends where the file ends: a length
    /// running past it means the file was cut short (else: damaged).
    file_end: Option<usize>,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn done(&self) -> bool {
        self.pos >= self.end
    }

    /// The bytes `n` runs past the message's end: the file ends early, or
    /// a length is wrong.
    #[cold]
    fn overrun(&self, at: usize, what: &str, n: u64) -> Box<Fail> {
        let left = self.end - self.pos.min(self.end);
        if self.file_end == Some(self.end) {
            fail(
                at,
                format!(
                    "the file ends early (cut off?): {what} holds {} bytes, but the file ends {} \
                     bytes later",
                    format_count(n),
                    format_count(left as u64)
                ),
            )
        } else {
            fail(
                at,
                format!(
                    "malformed protobuf: {what} holds {} bytes, past the end of the message it \
                     is in ({} bytes left)",
                    format_count(n),
                    format_count(left as u64)
                ),
            )
        }
    }

    #[inline]
    fn varint(&mut self) -> R<u64> {
        match self.buf[..self.end].get(self.pos) {
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(u64::from(b))
            }
            _ => self.varint_slow(),
        }
    }

    #[cold]
    #[inline(never)]
    fn varint_slow(&mut self) -> R<u64> {
        let at = self.pos;
        let mut v = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf[..self.end].get(self.pos) else {
                let what = if self.file_end == Some(self.end) {
                    "the file ends early (cut off?) inside a varint"
                } else {
                    "malformed protobuf: a varint runs past the end of the message it is in"
                };
                return Err(fail(at, what));
            };
            self.pos += 1;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                if i == 9 && b > 1 {
                    break;
                }
                return Ok(v);
            }
        }
        Err(fail(at, "malformed protobuf: a varint longer than 64 bits"))
    }

    /// A field's tag: its number and wire type.
    #[inline]
    fn tag(&mut self) -> R<(u32, u8)> {
        let at = self.pos;
        let t = self.varint()?;
        let (field, wt) = (t >> 3, (t & 7) as u8);
        if field == 0 || field > u64::from(u32::MAX >> 3) || wt > I32 {
            return Err(bad_tag(at, t));
        }
        Ok((field as u32, wt))
    }

    /// A message-typed field: its bytes, cut at the end of the file when
    /// the file ends inside it (then read as far as it goes).
    #[inline]
    fn message(&mut self) -> R<Msg> {
        let at = self.pos;
        let n = self.varint()?;
        let start = self.pos;
        if n <= (self.end - self.pos) as u64 {
            self.pos += n as usize;
            return Ok(Msg {
                start,
                end: self.pos,
                cut: None,
            });
        }
        if self.file_end != Some(self.end) {
            return Err(self.overrun(at, "a message", n));
        }
        self.pos = self.end;
        Ok(Msg {
            start,
            end: self.end,
            cut: Some((at, n)),
        })
    }

    /// The end of message `m` (`what` it is), read: an error when the file
    /// ended inside it.
    #[inline]
    fn finish(&self, m: Msg, what: &str) -> R<()> {
        match m.cut {
            None => Ok(()),
            Some((at, n)) => Err(fail(
                at,
                format!(
                    "the file ends early (cut off?) inside a {what}: it holds {} bytes, the \
                     file ends {} bytes into it",
                    format_count(n),
                    format_count((m.end - m.start) as u64)
                ),
            )),
        }
    }

    /// A length-delimited field's bytes, as (start, end).
    #[inline]
    fn sub(&mut self) -> R<(usize, usize)> {
        let at = self.pos;
        let n = self.varint()?;
        if n > (self.end - self.pos) as u64 {
            return Err(self.overrun(at, "a length-delimited field", n));
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok((start, self.pos))
    }

    #[inline]
    fn fixed64(&mut self) -> R<u64> {
        match self.buf[..self.end].get(self.pos..self.pos + 8) {
            Some(b) => {
                self.pos += 8;
                Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
            }
            None => Err(self.overrun(self.pos, "a 64-bit field", 8)),
        }
    }

    #[inline]
    fn fixed32(&mut self) -> R<u32> {
        match self.buf[..self.end].get(self.pos..self.pos + 4) {
            Some(b) => {
                self.pos += 4;
                Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")))
            }
            None => Err(self.overrun(self.pos, "a 32-bit field", 4)),
        }
    }

    /// Skips a field's value (`at`: where its tag starts); groups may nest
    /// up to [`MAX_DEPTH`] messages deep in all (`depth` so far).
    fn skip(&mut self, field: u32, wt: u8, at: usize, depth: usize) -> R<()> {
        match wt {
            VARINT => self.varint().map(drop),
            I64 => self.fixed64().map(drop),
            LEN => self.sub().map(drop),
            I32 => self.fixed32().map(drop),
            GROUP_START => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(at));
                }
                loop {
                    if self.done() {
                        return Err(fail(
                            at,
                            format!(
                                "malformed protobuf: the group of field {field} never ends \
                                 before the end of the message it is in"
                            ),
                        ));
                    }
                    let inner = self.pos;
                    let (f, w) = self.tag()?;
                    if w == GROUP_END {
                        if f == field {
                            return Ok(());
                        }
                        return Err(fail(
                            inner,
                            format!(
                                "malformed protobuf: the group of field {field} ends as field {f}"
                            ),
                        ));
                    }
                    self.skip(f, w, inner, depth + 1)?;
                }
            }
            _ => Err(fail(
                at,
                format!("malformed protobuf: a group of field {field} ends where none started"),
            )),
        }
    }
}

#[cold]
fn bad_tag(at: usize, t: u64) -> Box<Fail> {
    let (field, wt) = (t >> 3, t & 7);
    fail(
        at,
        if field == 0 {
            "malformed protobuf: a field numbered 0 (no message has one)".to_owned()
        } else if wt > u64::from(I32) {
            format!("malformed protobuf: field {field} has wire type {wt}, which does not exist")
        } else {
            format!("malformed protobuf: field number {field} is past the largest there is")
        },
    )
}

/// A field of `msg` that its reader does not read: a known one with the
/// wrong wire type is refused, anything else skipped.
#[cold]
fn other(c: &mut Cursor, msg: &str, field: u32, wt: u8, at: usize, depth: usize) -> R<()> {
    if let Some(&(_, name, _, want)) = FIELDS.iter().find(|&&(m, _, n, _)| m == msg && n == field) {
        if want != wt {
            return Err(fail(
                at,
                format!(
                    "malformed protobuf: {msg}.{name} (field {field}) has wire type {wt} ({}), \
                     where OTLP has {want} ({})",
                    wire_name(wt),
                    wire_name(want)
                ),
            ))
            .within(|| name.to_owned());
        }
    }
    c.skip(field, wt, at, depth)
}

/// Reads `bytes` (a whole file, sniffed as `framing`) into the sink.
pub(super) fn read(
    sink: &mut Sink,
    name: &str,
    bytes: &[u8],
    framing: Framing,
) -> Result<(), ImportError> {
    let mut d = Decoder {
        sink,
        buf: bytes,
        events: Vec::new(),
        links: Vec::new(),
        names: [None; 256],
    };
    match framing {
        Framing::Plain => {
            d.sink.format(FORMAT);
            let whole = Msg {
                start: 0,
                end: bytes.len(),
                cut: None,
            };
            d.traces_data(whole, Some(bytes.len()))
                .map_err(|e| e.into_error(name, None))
        }
        Framing::Prefixed => {
            d.sink.format(FORMAT_PREFIXED);
            let mut pos = 0;
            let mut k = 0;
            while pos < bytes.len() {
                k += 1;
                let left = bytes.len() - pos;
                let Some(n) = prefix_at(bytes, pos) else {
                    let mut e = ImportError::new(
                        name,
                        format!(
                            "the file ends early (cut off?): message {k}'s 4-byte length \
                             prefix has only {left} bytes"
                        ),
                    );
                    e.offset = Some(pos);
                    return Err(e);
                };
                if n > left - 4 {
                    let mut e = ImportError::new(
                        name,
                        format!(
                            "the file ends early (cut off?): message {k} holds {} bytes (its \
                             length prefix says), but the file ends {} bytes after the prefix",
                            format_count(n as u64),
                            format_count(left as u64 - 4)
                        ),
                    );
                    e.offset = Some(pos);
                    return Err(e);
                }
                let start = pos + 4;
                let m = Msg {
                    start,
                    end: start + n,
                    cut: None,
                };
                d.traces_data(m, None)
                    .map_err(|e| e.into_error(name, Some(k)))?;
                pos = start + n;
            }
            Ok(())
        }
    }
}

struct Decoder<'a, 'k, 's> {
    sink: &'k mut Sink<'s>,
    buf: &'a [u8],
    /// Where the events and links of the span being read are (read after
    /// its attributes, which must stay one run in the attribute arena).
    events: Vec<Msg>,
    links: Vec<Msg>,
    /// The cache of [`Decoder::intern`].
    names: [Option<Sym>; 256],
}

impl<'a> Decoder<'a, '_, '_> {
    fn cursor(&self, m: Msg) -> Cursor<'a> {
        Cursor {
            buf: self.buf,
            pos: m.start,
            end: m.end,
            file_end: m.cut.map(|_| m.end),
        }
    }

    /// A string field's text (protobuf strings are UTF-8: anything else is
    /// refused, as a JSON file with bytes that are not UTF-8 is).
    #[inline]
    fn str(&self, (start, end): (usize, usize)) -> R<&'a str> {
        let b = &self.buf[start..end];
        // Most strings are short and ASCII: a word-at-a-time check inlined
        // here costs a tenth of a call to a UTF-8 validator.
        if b.is_ascii() {
            // SAFETY: ASCII is UTF-8.
            return Ok(unsafe { std::str::from_utf8_unchecked(b) });
        }
        match simdutf8::basic::from_utf8(b) {
            Ok(s) => Ok(s),
            Err(_) => {
                let good = std::str::from_utf8(b).err().map_or(0, |e| e.valid_up_to());
                Err(fail(
                    start + good,
                    format!(
                        "malformed protobuf: a string that is not UTF-8 (byte 0x{:02x})",
                        b[good]
                    ),
                ))
            }
        }
    }

    /// `s` interned. Keys and names repeat span after span: a short one is
    /// looked up in a small cache of the last ones seen first (one compare
    /// instead of hashing it for the interner).
    #[inline]
    fn intern(&mut self, s: &str) -> Sym {
        let b = s.as_bytes();
        if b.is_empty() || b.len() > 64 {
            return self.sink.store.strings.intern(&limits::cut(s));
        }
        let head =
            u64::from(b[0]) | u64::from(b[b.len() / 2]) << 8 | u64::from(b[b.len() - 1]) << 16;
        let slot =
            ((head | (b.len() as u64) << 24).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
        if let Some(sym) = self.names[slot] {
            if self.sink.store.strings.get(sym).as_bytes() == b {
                return sym;
            }
        }
        let sym = self.sink.store.strings.intern(s);
        self.names[slot] = Some(sym);
        sym
    }

    /// The attribute list being read (`n` kept so far, `over` past the
    /// limit, each `KeyValue` at JSON level `depth`): reads one more into
    /// the arena.
    #[inline]
    fn attribute(
        &mut self,
        c: &mut Cursor,
        n: &mut usize,
        over: &mut usize,
        depth: usize,
    ) -> R<()> {
        let k = *n + *over;
        let m = c.message().within(|| format!("attributes[{k}]"))?;
        if *n < MAX_ATTRS {
            let a = self
                .key_value(m, depth)
                .within(|| format!("attributes[{k}]"))?;
            self.sink.store.attrs.push(a);
            *n += 1;
        } else {
            // Past the limit: passed unread (a cut one says so).
            c.finish(m, "KeyValue")
                .within(|| format!("attributes[{k}]"))?;
            *over += 1;
        }
        Ok(())
    }

    /// Notes a list cut to its limit.
    fn cut_list(&mut self, kept: usize, over: usize, what: &str) {
        if over > 0 {
            self.sink.issue(limits::cut_list(kept + over, what, kept));
        }
    }

    fn traces_data(&mut self, m: Msg, file_end: Option<usize>) -> R<()> {
        let mut c = self.cursor(m);
        c.file_end = file_end;
        let mut k = 0;
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let r = c.message().and_then(|m| self.resource_spans(m));
                    r.within(|| format!("resource_spans[{k}]"))?;
                    k += 1;
                }
                (f, wt) => other(&mut c, "TracesData", f, wt, at, 1)?,
            }
        }
        Ok(())
    }

    fn resource_spans(&mut self, m: Msg) -> R<()> {
        let empty = self.sink.store.strings.empty();
        // The resource may come after its spans: made now, filled when read.
        let resource = self.sink.new_resource(empty, Range32::default());
        let first_span = self.sink.store.spans.len();
        let mut c = self.cursor(m);
        let (mut scopes, mut legacy) = (0, 0);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => c
                    .message()
                    .and_then(|m| self.resource(m, resource))
                    .within(|| "resource".into())?,
                (2, LEN) => {
                    let r = c.message().and_then(|m| self.scope_spans(m, resource));
                    r.within(|| format!("scope_spans[{scopes}]"))?;
                    scopes += 1;
                }
                // Not kept: the store has no place for schema URLs.
                (3, LEN) => c.sub().map(drop).within(|| "schema_url".into())?,
                // Before opentelemetry-proto 0.19: the same message, named
                // InstrumentationLibrarySpans.
                (1000, LEN) => {
                    let r = c.message().and_then(|m| self.scope_spans(m, resource));
                    r.within(|| format!("instrumentation_library_spans[{legacy}]"))?;
                    legacy += 1;
                }
                (f, wt) => other(&mut c, "ResourceSpans", f, wt, at, 2)?,
            }
        }
        c.finish(m, "ResourceSpans")?;
        let service = self.sink.store.resources[resource as usize].service;
        for s in &mut self.sink.store.spans.service[first_span..] {
            *s = service;
        }
        Ok(())
    }

    fn resource(&mut self, m: Msg, resource: u32) -> R<()> {
        let mut c = self.cursor(m);
        let first = self.sink.store.attrs.len();
        let (mut n, mut over) = (0, 0);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => self.attribute(&mut c, &mut n, &mut over, RESOURCE_ATTR)?,
                (2, VARINT) => {
                    let v = c.varint().within(|| "dropped_attributes_count".into())?;
                    self.sink.store.resources[resource as usize].dropped_attrs = clamp_u32(v);
                }
                (f, wt) => other(&mut c, "Resource", f, wt, at, 3)?,
            }
        }
        c.finish(m, "Resource")?;
        self.cut_list(n, over, "attributes");
        if n + over > 0 {
            let attrs = Range32::new(first, self.sink.store.attrs.len());
            self.sink.set_resource_attrs(resource, attrs);
        }
        Ok(())
    }

    fn scope_spans(&mut self, m: Msg, resource: u32) -> R<()> {
        let scope = self.sink.new_scope(resource);
        let mut c = self.cursor(m);
        let mut k = 0;
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => c
                    .message()
                    .and_then(|m| self.scope(m, scope))
                    .within(|| "scope".into())?,
                (2, LEN) => {
                    let s = c.message().within(|| format!("spans[{k}]"))?;
                    // A span another part of the file keeps is passed
                    // unread; one the file ends inside is read by every
                    // part (to fail as a plain load fails).
                    if s.cut.is_some() || !self.sink.leaves_at(&self.buf[s.start..]) {
                        self.span(s, scope).within(|| format!("spans[{k}]"))?;
                    }
                    k += 1;
                }
                (3, LEN) => c.sub().map(drop).within(|| "schema_url".into())?,
                (f, wt) => other(&mut c, "ScopeSpans", f, wt, at, 3)?,
            }
        }
        c.finish(m, "ScopeSpans")
    }

    fn scope(&mut self, m: Msg, scope: u32) -> R<()> {
        let mut c = self.cursor(m);
        let i = scope as usize;
        let first = self.sink.store.attrs.len();
        let (mut n, mut over) = (0, 0);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let s = c.sub().and_then(|s| self.str(s)).within(|| "name".into())?;
                    self.sink.store.scopes[i].name = self.intern(s);
                }
                (2, LEN) => {
                    let s = c
                        .sub()
                        .and_then(|s| self.str(s))
                        .within(|| "version".into())?;
                    self.sink.store.scopes[i].version = self.intern(s);
                }
                (3, LEN) => self.attribute(&mut c, &mut n, &mut over, SCOPE_ATTR)?,
                // Not kept: the store has no place for it.
                (4, VARINT) => c
                    .varint()
                    .map(drop)
                    .within(|| "dropped_attributes_count".into())?,
                (f, wt) => other(&mut c, "InstrumentationScope", f, wt, at, 4)?,
            }
        }
        c.finish(m, "InstrumentationScope")?;
        self.cut_list(n, over, "attributes");
        if n + over > 0 {
            self.sink.store.scopes[i].attrs = Range32::new(first, self.sink.store.attrs.len());
        }
        Ok(())
    }

    fn span(&mut self, m: Msg, scope: u32) -> R<()> {
        let mut c = self.cursor(m);
        let empty = self.sink.store.strings.empty();
        let mut trace_id = None;
        let mut id = None;
        let mut parent_id = None;
        let mut name = empty;
        let mut kind = SpanKind::Unspecified;
        let (mut t0, mut t1) = (0u64, 0u64);
        let first_attr = self.sink.store.attrs.len();
        let (mut n_attrs, mut over_attrs) = (0usize, 0usize);
        let mut dropped = Dropped::default();
        let mut status = StatusCode::Unset;
        let mut message = Text::default();
        let mut events = std::mem::take(&mut self.events);
        let mut links = std::mem::take(&mut self.links);
        events.clear();
        links.clear();
        let (mut over_events, mut over_links) = (0usize, 0usize);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let s = c.sub().within(|| "trace_id".into())?;
                    let id = trace_id_of(&self.buf[s.0..s.1])
                        .map_err(|why| fail(s.0, format!("the span's trace_id {why}")))
                        .within(|| "trace_id".into())?;
                    trace_id = Some(id);
                }
                (2, LEN) => {
                    let s = c.sub().within(|| "span_id".into())?;
                    id = span_id_of(&self.buf[s.0..s.1])
                        .map_err(|why| fail(s.0, format!("the span's span_id {why}")))
                        .within(|| "span_id".into())?;
                }
                (3, LEN) => c.sub().map(drop).within(|| "trace_state".into())?,
                (4, LEN) => {
                    let s = c.sub().within(|| "parent_span_id".into())?;
                    parent_id = match span_id_of(&self.buf[s.0..s.1]) {
                        Ok(p) => p,
                        // One bad id leaves the span without a parent, not
                        // the file unread.
                        Err(why) => {
                            self.sink.issue(format!(
                                "parent_span_id {why}, so the span shows as a root{}",
                                LEFT_OUT.tail
                            ));
                            None
                        }
                    };
                }
                (5, LEN) => {
                    let s = c.sub().and_then(|s| self.str(s)).within(|| "name".into())?;
                    name = self.intern(s);
                }
                (6, VARINT) => {
                    kind = SpanKind::from_otlp(c.varint().within(|| "kind".into())? as i64)
                }
                (7, I64) => t0 = c.fixed64().within(|| "start_time_unix_nano".into())?,
                (8, I64) => t1 = c.fixed64().within(|| "end_time_unix_nano".into())?,
                (9, LEN) => self.attribute(&mut c, &mut n_attrs, &mut over_attrs, SPAN_ATTR)?,
                (10, VARINT) => {
                    dropped.attrs =
                        clamp_u32(c.varint().within(|| "dropped_attributes_count".into())?)
                }
                (11, LEN) => {
                    let k = events.len() + over_events;
                    let e = c.message().within(|| format!("events[{k}]"))?;
                    if events.len() < MAX_EVENTS {
                        events.push(e);
                    } else {
                        c.finish(e, "Span.Event")
                            .within(|| format!("events[{k}]"))?;
                        over_events += 1;
                    }
                }
                (12, VARINT) => {
                    dropped.events = clamp_u32(c.varint().within(|| "dropped_events_count".into())?)
                }
                (13, LEN) => {
                    let k = links.len() + over_links;
                    let l = c.message().within(|| format!("links[{k}]"))?;
                    if links.len() < MAX_LINKS {
                        links.push(l);
                    } else {
                        c.finish(l, "Span.Link").within(|| format!("links[{k}]"))?;
                        over_links += 1;
                    }
                }
                (14, VARINT) => {
                    dropped.links = clamp_u32(c.varint().within(|| "dropped_links_count".into())?)
                }
                (15, LEN) => c
                    .message()
                    .and_then(|m| self.status(m, &mut status, &mut message))
                    .within(|| "status".into())?,
                // W3C flags: not kept, the store has no place for them.
                (16, I32) => c.fixed32().map(drop).within(|| "flags".into())?,
                (f, wt) => other(&mut c, "Span", f, wt, at, 4)?,
            }
        }
        let attrs = Range32::new(first_attr, self.sink.store.attrs.len());
        self.cut_list(n_attrs, over_attrs, "attributes");
        // Events and links after the attributes: their own attributes
        // follow the span's in the arena.
        let first_event = self.sink.store.events.len();
        for (k, &e) in events.iter().enumerate() {
            let e = self.event(e).within(|| format!("events[{k}]"))?;
            self.sink.store.events.push(e);
        }
        self.cut_list(events.len(), over_events, "events");
        let events_range = Range32::new(first_event, self.sink.store.events.len());
        let first_link = self.sink.store.links.len();
        for (k, &l) in links.iter().enumerate() {
            if let Some(l) = self.link(l).within(|| format!("links[{k}]"))? {
                self.sink.store.links.push(l);
            }
        }
        self.cut_list(links.len(), over_links, "links");
        let links_range = Range32::new(first_link, self.sink.store.links.len());
        self.events = events;
        self.links = links;
        c.finish(m, "Span")?;
        let trace_id = trace_id.ok_or_else(|| fail(m.start, "a span has no trace_id"))?;
        let id = id.ok_or_else(|| fail(m.start, "a span has no span_id"))?;
        let (start, duration, flags) = span_times(Some(t0), Some(t1));
        self.sink.push_span(
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
                status_message: message,
                attrs,
                events: events_range,
                links: links_range,
                dropped,
                flags,
            },
        );
        Ok(())
    }

    fn status(&mut self, m: Msg, code: &mut StatusCode, message: &mut Text) -> R<()> {
        let mut c = self.cursor(m);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (2, LEN) => {
                    let s = c
                        .sub()
                        .and_then(|s| self.str(s))
                        .within(|| "message".into())?;
                    *message = self.sink.store.text.push(&limits::cut(s));
                }
                (3, VARINT) => {
                    *code = StatusCode::from_otlp(c.varint().within(|| "code".into())? as i64)
                }
                (f, wt) => other(&mut c, "Status", f, wt, at, 5)?,
            }
        }
        c.finish(m, "Status")
    }

    fn event(&mut self, m: Msg) -> R<Event> {
        let mut c = self.cursor(m);
        let mut e = Event {
            time: 0,
            name: self.sink.store.strings.empty(),
            attrs: Range32::default(),
            dropped_attrs: 0,
        };
        let first = self.sink.store.attrs.len();
        let (mut n, mut over) = (0, 0);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                // Past the latest time an i64 of nanoseconds holds: no time,
                // as the JSON importer has it.
                (1, I64) => {
                    let t = c.fixed64().within(|| "time_unix_nano".into())?;
                    e.time = i64::try_from(t).unwrap_or(0);
                }
                (2, LEN) => {
                    let s = c.sub().and_then(|s| self.str(s)).within(|| "name".into())?;
                    e.name = self.intern(s);
                }
                (3, LEN) => self.attribute(&mut c, &mut n, &mut over, EVENT_ATTR)?,
                (4, VARINT) => {
                    e.dropped_attrs =
                        clamp_u32(c.varint().within(|| "dropped_attributes_count".into())?)
                }
                (f, wt) => other(&mut c, "Span.Event", f, wt, at, 5)?,
            }
        }
        c.finish(m, "Span.Event")?;
        self.cut_list(n, over, "attributes");
        if n + over > 0 {
            e.attrs = Range32::new(first, self.sink.store.attrs.len());
        }
        Ok(e)
    }

    /// A link; one whose trace_id or span_id is not an id is left out (and
    /// noted), not the file.
    fn link(&mut self, m: Msg) -> R<Option<Link>> {
        let mut c = self.cursor(m);
        let mut trace_id = None;
        let mut span_id = None;
        let mut bad = None;
        let mut dropped_attrs = 0;
        let first = self.sink.store.attrs.len();
        let (mut n, mut over) = (0, 0);
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let s = c.sub().within(|| "trace_id".into())?;
                    match trace_id_of(&self.buf[s.0..s.1]) {
                        Ok(id) => trace_id = Some(id),
                        Err(why) => bad = Some(format!("a link's trace_id {why}")),
                    }
                }
                (2, LEN) => {
                    let s = c.sub().within(|| "span_id".into())?;
                    match span_id_of(&self.buf[s.0..s.1]) {
                        Ok(id) => span_id = id,
                        Err(why) => bad = Some(format!("a link's span_id {why}")),
                    }
                }
                (3, LEN) => c.sub().map(drop).within(|| "trace_state".into())?,
                (4, LEN) => self.attribute(&mut c, &mut n, &mut over, LINK_ATTR)?,
                (5, VARINT) => {
                    dropped_attrs =
                        clamp_u32(c.varint().within(|| "dropped_attributes_count".into())?)
                }
                (6, I32) => c.fixed32().map(drop).within(|| "flags".into())?,
                (f, wt) => other(&mut c, "Span.Link", f, wt, at, 5)?,
            }
        }
        c.finish(m, "Span.Link")?;
        self.cut_list(n, over, "attributes");
        let attrs = if n + over > 0 {
            Range32::new(first, self.sink.store.attrs.len())
        } else {
            Range32::default()
        };
        Ok(self.sink.otlp_link(
            (trace_id, span_id),
            bad,
            (attrs, dropped_attrs),
            ["trace_id", "span_id"],
        ))
    }

    /// A `KeyValue` at JSON level `depth` (see [`RESOURCE_ATTR`]).
    fn key_value(&mut self, m: Msg, depth: usize) -> R<Attr> {
        if depth > MAX_DEPTH {
            return Err(too_deep(m.start));
        }
        let mut c = self.cursor(m);
        let mut key = self.sink.store.strings.empty();
        let mut value = Value::Empty;
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let s = c.sub().and_then(|s| self.str(s)).within(|| "key".into())?;
                    key = self.intern(s);
                }
                (2, LEN) => {
                    value = c
                        .message()
                        .and_then(|m| self.any_value(m, depth + 1))
                        .within(|| "value".into())?
                }
                (f, wt) => other(&mut c, "KeyValue", f, wt, at, depth)?,
            }
        }
        c.finish(m, "KeyValue")?;
        Ok(Attr { key, value })
    }

    fn any_value(&mut self, m: Msg, depth: usize) -> R<Value> {
        if depth > MAX_DEPTH {
            return Err(too_deep(m.start));
        }
        let mut c = self.cursor(m);
        let mut value = Value::Empty;
        while !c.done() {
            let at = c.pos;
            value = match c.tag()? {
                (1, LEN) => {
                    let s = c
                        .sub()
                        .and_then(|s| self.str(s))
                        .within(|| "string_value".into())?;
                    Value::Str(self.sink.store.text.push(&limits::cut(s)))
                }
                (2, VARINT) => Value::Bool(c.varint().within(|| "bool_value".into())? != 0),
                (3, VARINT) => Value::Int(c.varint().within(|| "int_value".into())? as i64),
                (4, I64) => Value::Double(f64::from_bits(
                    c.fixed64().within(|| "double_value".into())?,
                )),
                // `{"arrayValue":{"values":[`: the list's elements 3 levels
                // below this one.
                (5, LEN) => Value::Array(
                    c.message()
                        .and_then(|m| self.values(m, depth + 1))
                        .within(|| "array_value".into())?,
                ),
                (6, LEN) => Value::Map(
                    c.message()
                        .and_then(|m| self.key_values(m, depth + 1))
                        .within(|| "kvlist_value".into())?,
                ),
                (7, LEN) => {
                    let (s, e) = c.sub().within(|| "bytes_value".into())?;
                    let b = &self.buf[s..e];
                    if b.len() > MAX_STRING_BYTES {
                        self.sink.issue(format!(
                            "a bytes value of {} bytes; kept the first {}{}",
                            format_count(b.len() as u64),
                            format_count(MAX_STRING_BYTES as u64),
                            CUT.tail
                        ));
                    }
                    Value::Bytes(b[..b.len().min(MAX_STRING_BYTES)].into())
                }
                (f, wt) => {
                    other(&mut c, "AnyValue", f, wt, at, depth)?;
                    value
                }
            };
        }
        c.finish(m, "AnyValue")?;
        Ok(value)
    }

    /// An `ArrayValue`'s values.
    fn values(&mut self, m: Msg, depth: usize) -> R<Box<[Value]>> {
        let what = ("ArrayValue", "AnyValue", "values in an attribute's array");
        self.list(m, depth, what, Self::any_value)
    }

    /// A `KeyValueList`'s values.
    fn key_values(&mut self, m: Msg, depth: usize) -> R<Box<[Attr]>> {
        self.list(
            m,
            depth,
            ("KeyValueList", "KeyValue", "attributes"),
            Self::key_value,
        )
    }

    /// The `values` (field 1) of message `m` at JSON level `depth`, each
    /// read by `read` two levels deeper: `what` names the message, its
    /// elements, and the list in a note.
    fn list<T>(
        &mut self,
        m: Msg,
        depth: usize,
        (msg, elem, many): (&'static str, &'static str, &str),
        read: fn(&mut Self, Msg, usize) -> R<T>,
    ) -> R<Box<[T]>> {
        if depth > MAX_DEPTH {
            return Err(too_deep(m.start));
        }
        let mut c = self.cursor(m);
        let mut out = Vec::new();
        let mut over = 0;
        while !c.done() {
            let at = c.pos;
            match c.tag()? {
                (1, LEN) => {
                    let k = out.len() + over;
                    let v = c.message().within(|| format!("values[{k}]"))?;
                    if out.len() < MAX_ATTRS {
                        out.push(read(self, v, depth + 2).within(|| format!("values[{k}]"))?);
                    } else {
                        c.finish(v, elem).within(|| format!("values[{k}]"))?;
                        over += 1;
                    }
                }
                (f, wt) => other(&mut c, msg, f, wt, at, depth)?,
            }
        }
        c.finish(m, msg)?;
        self.cut_list(out.len(), over, many);
        Ok(out.into_boxed_slice())
    }
}

/// A trace id of 16 bytes (or 8: a 64-bit id, as OTLP/JSON tolerates 16 hex
/// digits); `Err` says what it is instead.
fn trace_id_of(b: &[u8]) -> Result<TraceId, String> {
    match b.len() {
        16 => Ok(TraceId::Hex128(
            u64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
            u64::from_be_bytes(b[8..].try_into().expect("8 bytes")),
        )),
        8 => Ok(TraceId::Hex64(u64::from_be_bytes(
            b.try_into().expect("8 bytes"),
        ))),
        0 => Err("is empty".to_owned()),
        n => Err(format!("is {n} bytes long, not 16")),
    }
}

/// A span id of 8 bytes; none for no bytes (no parent); `Err` says what it
/// is instead.
fn span_id_of(b: &[u8]) -> Result<Option<SpanId>, String> {
    match b.len() {
        8 => Ok(Some(SpanId::Hex(u64::from_be_bytes(
            b.try_into().expect("8 bytes"),
        )))),
        0 => Ok(None),
        n => Err(format!("is {n} bytes long, not 8")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_bodies_and_framed_files_not_json() {
        // resource_spans { scope_spans { } }
        let body = [0x0a, 0x02, 0x12, 0x00];
        assert_eq!(sniff(&body), Some(Framing::Plain));
        let mut framed = vec![0, 0, 0, 4];
        framed.extend_from_slice(&body);
        framed.extend_from_slice(&[0, 0, 0, 4]);
        framed.extend_from_slice(&body);
        assert_eq!(sniff(&framed), Some(Framing::Prefixed));
        // Cut short: still recognised, to say where it ends.
        assert_eq!(sniff(&framed[..10]), Some(Framing::Prefixed));
        assert_eq!(sniff(&[0x0a, 0x09, 0x12, 0x05, 0x0a]), Some(Framing::Plain));
        for text in [
            &b"{\"resourceSpans\":[]}"[..],
            b"\n{\n  \"resourceSpans\": []\n}",
            b"\n\n[]",
            b"",
            b"\x89PNG\r\n",
            b"hello",
        ] {
            assert_eq!(sniff(text), None, "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn ids() {
        assert_eq!(span_id_of(&[]), Ok(None));
        assert_eq!(
            span_id_of(&[0, 0, 0, 0, 0, 0, 0, 7]),
            Ok(Some(SpanId::Hex(7)))
        );
        assert_eq!(span_id_of(&[1, 2]), Err("is 2 bytes long, not 8".into()));
        assert_eq!(
            trace_id_of(&[1; 16]),
            Ok(TraceId::Hex128(0x0101010101010101, 0x0101010101010101))
        );
        assert!(trace_id_of(&[]).is_err());
    }
}
