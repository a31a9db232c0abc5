//! Format detection, by content: the top-level shape of the document decides.
//!
//! - An object is read key by key and each key goes to the format that owns it:
//!   `resourceSpans` (OTLP), `result` (Jaeger API v3), `batches` / `trace`
//!   (Tempo), `traces` (a Grafana Faro payload, or a Tempo *search* response),
//!   `data` / `traceID` / `spans` / `processes` (Jaeger), `traceId` / `id` / ...
//!   (a single Zipkin span). One pass, no intermediate tree.
//! - An array is classified by its first element (parsed alone, cheaply), then
//!   read whole by the format it belongs to.
//! - OTLP protobuf (binary) is told apart first, and read by `otlp_proto`.
//! - Several JSON objects, one per line, are JSON Lines (the OpenTelemetry
//!   Collector's file exporter): each line is read as above; lines holding
//!   metrics or logs are skipped and counted.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::json::{skip, Key, Scalar};
use super::{jaeger, otlp, otlp_proto, zipkin, ImportError, Sink};
use crate::model::Store;

/// Reads `bytes` (a whole file) into the sink.
pub fn read(sink: &mut Sink, name: &str, bytes: &[u8]) -> Result<(), ImportError> {
    if let Some(framing) = otlp_proto::sniff(bytes) {
        return otlp_proto::read(sink, name, bytes, framing);
    }
    // Byte order marks, even several (files saved twice by careful editors).
    let mut bom = 0;
    while bytes[bom..].starts_with(b"\xEF\xBB\xBF") {
        bom += 3;
    }
    let body = &bytes[bom..];
    if let Some(what) = not_text(body) {
        return Err(at(name, &format!("not JSON: {what}"), body, 0, bom));
    }
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(ImportError::new(name, "the file is empty"));
    };
    match body[first] {
        b'{' | b'[' => {}
        b'<' => {
            return Err(at(name, "not JSON: the file starts with '<' (an HTML or XML page?)", body, first, bom))
        }
        _ if looks_binary(body) => {
            return Err(at(
                name,
                "not JSON: the file is binary, and not OTLP protobuf either (an ExportTraceServiceRequest or TracesData body, or the collector file exporter's format: proto)",
                body,
                first,
                bom,
            ))
        }
        c => {
            return Err(at(
                name,
                &format!("not JSON: expected '{{' or '[' but the file starts with {:?}", c as char),
                body,
                first,
                bom,
            ))
        }
    }
    if is_json_lines(body) {
        read_lines(sink, name, body, bom)
    } else {
        match parse_value(sink, body) {
            Ok(Outcome::Read) => Ok(()),
            Ok(Outcome::NotTraces(kind)) => Err(ImportError::new(
                name,
                format!("this file holds OpenTelemetry {kind}, not traces"),
            )),
            Err(f) => Err(failure(sink, name, &f, body, 0, bom, "the file")),
        }
    }
}

fn at(name: &str, msg: &str, body: &[u8], pos: usize, bom: usize) -> ImportError {
    let mut e = ImportError::new(name, msg);
    let line = body[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = body[..pos]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    e.line = Some(line);
    e.column = Some(pos - line_start + 1);
    e.offset = Some(pos + bom);
    e
}

/// What a file that is not UTF-8 text is, by its first bytes.
fn not_text(body: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (
            b"\x1f\x8b",
            "the file is gzip-compressed: decompress it first (gunzip FILE)",
        ),
        (
            b"PK\x03\x04",
            "the file is a zip archive: extract the trace file from it first",
        ),
        (b"\x89PNG", "the file is a PNG image"),
        (b"%PDF", "the file is a PDF document"),
        (
            b"\xff\xfe\x00\x00",
            "the file is UTF-32 text: save it as UTF-8",
        ),
        (
            b"\x00\x00\xfe\xff",
            "the file is UTF-32 text: save it as UTF-8",
        ),
        (
            b"\xff\xfe",
            "the file is UTF-16 text (as Windows PowerShell writes it): save it as UTF-8",
        ),
        (b"\xfe\xff", "the file is UTF-16 text: save it as UTF-8"),
        (
            b"\x28\xb5\x2f\xfd",
            "the file is zstd-compressed: decompress it first (zstd -d FILE)",
        ),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| body.starts_with(magic))
        .map(|&(_, what)| what)
}

fn looks_binary(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    head.contains(&0) || std::str::from_utf8(head).is_err() && head.len() < 512
}

/// JSON Lines: the first line is a whole object and another object follows.
/// (A one-line file, as Jaeger UI saves them, is searched for a line break
/// end to end: memchr's, ~20x a byte-at-a-time search in wasm.)
fn is_json_lines(body: &[u8]) -> bool {
    let Some(nl) = memchr::memchr(b'\n', body) else {
        return false;
    };
    let first = body[..nl].trim_ascii();
    let rest = body[nl + 1..].trim_ascii_start();
    first.starts_with(b"{") && first.ends_with(b"}") && rest.starts_with(b"{")
}

fn read_lines(sink: &mut Sink, name: &str, body: &[u8], bom: usize) -> Result<(), ImportError> {
    let mut skipped: Vec<(&'static str, usize)> = Vec::new();
    let mut traced = 0;
    // Each line with the offset of its first byte.
    let ends = memchr::memchr_iter(b'\n', body).chain([body.len()]);
    let lines = ends.scan(0, |start, end| {
        let line = (*start, &body[*start..end]);
        *start = end + 1;
        Some(line)
    });
    for (n, (line_offset, line)) in lines.enumerate() {
        if line.trim_ascii().is_empty() {
            continue;
        }
        match parse_value(sink, line) {
            Ok(Outcome::Read) => traced += 1,
            Ok(Outcome::NotTraces(kind)) => match skipped.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, c)) => *c += 1,
                None => skipped.push((kind, 1)),
            },
            Err(e) => {
                let mut err = failure(sink, name, &e, line, n, line_offset + bom, "the line");
                err.message = format!("line {}: {}", n + 1, err.message);
                return Err(err);
            }
        }
    }
    sink.format("JSON Lines");
    for (kind, count) in skipped {
        let lines = if count == 1 { "line" } else { "lines" };
        sink.note(format!(
            "skipped {count} {lines} holding OpenTelemetry {kind} (not traces)"
        ));
    }
    let _ = traced;
    Ok(())
}

/// A failure -> ImportError. For serde_json errors, the JSON path of the field
/// is found by parsing the same bytes again with path tracking (error path
/// only), as `sink` read them (a part skips the same spans again). A
/// document that ends early says so, and inside what (`what`: "the file"
/// or "the line" ends early).
fn failure(
    sink: &Sink,
    name: &str,
    f: &Failure,
    bytes: &[u8],
    line_base: usize,
    offset: usize,
    what: &str,
) -> ImportError {
    let e = match f {
        Failure::NotTrace(msg, pos) => {
            let mut err = at(name, msg, bytes, *pos, offset);
            if let Some(l) = err.line.as_mut() {
                *l += line_base;
            }
            return err;
        }
        Failure::Json(e) => e,
    };
    let mut err = ImportError::from_json(name, e, bytes, line_base, offset);
    let mut scratch = Store::default();
    let mut quiet = |_| {};
    let split = sink.split.as_ref().map(|s| s.again());
    let mut sink = Sink::new(&mut scratch, &mut quiet);
    sink.split = split;
    let kind = array_kind(bytes).ok().flatten();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut de, &mut track);
    if parse_with(&mut sink, tracked, kind).is_err() {
        let path = track.path().to_string();
        if path != "." && !path.is_empty() {
            err.path = Some(clip_middle(path));
        }
    }
    if e.is_eof() {
        let format = sink
            .formats
            .iter()
            .find(|f| **f != "JSON Lines")
            .map(|f| {
                if f.contains("OTLP") {
                    "OTLP"
                } else if f.contains("Zipkin") {
                    "Zipkin"
                } else {
                    "Jaeger"
                }
            })
            .or(match kind {
                Some(ArrayKind::JaegerSpans | ArrayKind::JaegerTraces) => Some("Jaeger"),
                Some(ArrayKind::Otlp) => Some("OTLP"),
                Some(ArrayKind::Zipkin) => Some("Zipkin"),
                // Cut off before the format's first key was read whole.
                _ => err.path.as_deref().and_then(|p| {
                    let first = p.split(['.', '[']).next().unwrap_or_default();
                    match first {
                        "data" | "spans" | "processes" | "traceID" => Some("Jaeger"),
                        "resourceSpans" | "resource_spans" | "batches" | "result" | "trace" => {
                            Some("OTLP")
                        }
                        _ => None,
                    }
                }),
            });
        err.message = super::error::ends_early(what, format, err.path.as_deref());
    }
    err
}

/// A JSON path of at most ~200 characters: a deeply nested one keeps its
/// start and end (`data[0].spans[0].tags[0].value[0][0]…[0][0]`).
fn clip_middle(path: String) -> String {
    const HEAD: usize = 80;
    const TAIL: usize = 120;
    if path.len() <= HEAD + TAIL {
        return path;
    }
    let head = path.floor_char_boundary(HEAD);
    let tail = path.ceil_char_boundary(path.len() - TAIL);
    format!("{}…{}", &path[..head], &path[tail..])
}

enum Outcome {
    Read,
    /// An OTLP document of another signal ("metrics", "logs", "profiles").
    NotTraces(&'static str),
}

/// Parses one JSON document (a whole file, or one line of JSON Lines).
/// serde_json's default recursion limit stays on ([`super::limits::MAX_DEPTH`],
/// 127 levels): deep enough for every trace format, and a hostile deeply
/// nested file becomes an error naming the limit, not a stack overflow.
fn parse_value(sink: &mut Sink, bytes: &[u8]) -> Result<Outcome, Failure> {
    let kind = array_kind(bytes)?;
    // Valid UTF-8 (the norm) is checked once here so that serde_json need not
    // check every string again (~10% of parse time); invalid UTF-8 goes through
    // the byte reader, which reports where the bad bytes are. simdutf8 checks
    // 16 bytes a step in wasm (std: 4, a wasm32 word): 117 MB took ~35 ms
    // with std in a worker.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let outcome = parse_with(sink, &mut de, kind)?;
            de.end()?;
            Ok(outcome)
        }
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let outcome = parse_with(sink, &mut de, kind)?;
            de.end()?;
            Ok(outcome)
        }
    }
}

fn parse_with<'de, D: Deserializer<'de>>(
    sink: &mut Sink,
    d: D,
    array: Option<ArrayKind>,
) -> Result<Outcome, D::Error> {
    match array {
        Some(kind) => d.deserialize_seq(ArrayOf { sink, kind }),
        None => Top(sink).deserialize(d),
    }
}

/// A failure to read a document: a serde_json error (which knows its
/// position), or a top-level array that holds no trace (position: its start).
enum Failure {
    Json(serde_json::Error),
    NotTrace(String, usize),
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::Json(e)
    }
}

fn array_kind(bytes: &[u8]) -> Result<Option<ArrayKind>, Failure> {
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace());
    match first {
        Some(p) if bytes[p] == b'[' => classify_array(bytes)
            .map(Some)
            .map_err(|m| Failure::NotTrace(m, p)),
        _ => Ok(None),
    }
}

/// The top level of a document: an object or an array.
struct Top<'a, 's>(&'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = Outcome;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Outcome, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = Outcome;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object or array holding trace data")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        let sink = self.0;
        let mut jaeger_trace = jaeger::TraceState::new(sink.store.spans.len());
        // A single Zipkin span object has generic keys (`id`, `name`, ...) that
        // other documents use too, so its fields are kept aside (it is small)
        // and read only if nothing else claims the document.
        let mut zipkin_fields = serde_json::Map::new();
        let mut recognised = false;
        let mut other_signal: Option<&'static str> = None;
        let mut unknown: Vec<String> = Vec::new();
        let mut refusal: Option<String> = None;
        while let Some(k) = map.next_key::<Key>()? {
            let key = k.0.as_ref();
            match key {
                "resourceSpans" | "resource_spans" => {
                    sink.format(otlp::FORMAT);
                    map.next_value_seed(otlp::ResourceSpansList(&mut *sink))?;
                    recognised = true;
                }
                "resourceMetrics" | "resource_metrics" => {
                    skip(&mut map)?;
                    other_signal = Some("metrics");
                }
                "resourceLogs" | "resource_logs" => {
                    skip(&mut map)?;
                    other_signal = Some("logs");
                }
                "resourceProfiles" | "resource_profiles" => {
                    skip(&mut map)?;
                    other_signal = Some("profiles");
                }
                "result" => {
                    sink.format("Jaeger API v3 (OTLP/JSON)");
                    map.next_value_seed(otlp::TracesData(&mut *sink))?;
                    recognised = true;
                }
                "batches" => {
                    sink.format("Tempo (OTLP/JSON batches)");
                    map.next_value_seed(otlp::ResourceSpansList(&mut *sink))?;
                    recognised = true;
                }
                "trace" => {
                    sink.format("Tempo v2 (OTLP/JSON)");
                    map.next_value_seed(otlp::TracesData(&mut *sink))?;
                    recognised = true;
                }
                "status" => {
                    if let Scalar::Str(s) = map.next_value::<Scalar>()? {
                        if s.eq_ignore_ascii_case("PARTIAL") {
                            sink.note("Tempo marked this trace PARTIAL: some spans may be missing");
                        }
                    }
                }
                "traces" => match map.next_value_seed(Traces(&mut *sink))? {
                    TracesKind::Otlp => recognised = true,
                    TracesKind::TempoSearch(n) => {
                        refusal = Some(format!(
                            "this is a Tempo search response ({n} trace summaries), not a trace: it lists matching traces with a few spans each and no parent links. \
                             Load each trace from Tempo's /api/v2/traces/{{traceID}} (or /api/traces/{{traceID}}), or connect Strata to the Tempo server"
                        ))
                    }
                },
                "data" => {
                    sink.format(jaeger::FORMAT);
                    map.next_value_seed(jaeger::Data(&mut *sink))?;
                    recognised = true;
                }
                "errors" => jaeger::read_errors(sink, &mut map)?,
                "total" | "limit" | "offset" => skip(&mut map)?,
                "error" => {
                    let e = map.next_value::<Scalar>()?;
                    refusal = Some(format!(
                        "this is an error reply from a trace backend, not a trace: {}",
                        crate::model::units::clip(&e.as_text(), 300)
                    ));
                }
                _ => {
                    if jaeger_trace.field(sink, key, &mut map)? {
                        sink.format(jaeger::FORMAT);
                        recognised = true;
                    } else if zipkin::SPAN_KEYS.contains(&key) {
                        let v = map.next_value::<serde_json::Value>()?;
                        zipkin_fields.insert(key.to_owned(), v);
                    } else {
                        if unknown.len() < 6 {
                            unknown.push(crate::model::units::clip(key, 100));
                        }
                        skip(&mut map)?;
                    }
                }
            }
        }
        if let Some(msg) = refusal {
            return Err(de::Error::custom(msg));
        }
        if jaeger_trace.seen {
            jaeger_trace.finish(sink);
        }
        if !recognised && zipkin_fields.contains_key("traceId") && zipkin_fields.contains_key("id")
        {
            sink.format(zipkin::FORMAT);
            zipkin::Element {
                sink: &mut *sink,
                endpoints: &mut zipkin::Endpoints::default(),
            }
            .deserialize(serde_json::Value::Object(zipkin_fields))
            .map_err(|e| de::Error::custom(format!("in the Zipkin span: {e}")))?;
            return Ok(Outcome::Read);
        }
        unknown.extend(zipkin_fields.keys().take(6 - unknown.len().min(6)).cloned());
        if recognised {
            return Ok(Outcome::Read);
        }
        if let Some(kind) = other_signal {
            return Ok(Outcome::NotTraces(kind));
        }
        Err(de::Error::custom(if unknown.is_empty() {
            "not a trace: an empty JSON object".to_owned()
        } else {
            format!(
                "not a trace: no known trace format has the top-level keys {}. Strata reads OTLP/JSON (resourceSpans), Jaeger JSON (data / traceID + spans), Zipkin v2 (spans with traceId and id) and the Tempo and Jaeger v3 wrappers",
                unknown.join(", ")
            )
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Outcome, A::Error> {
        // Reached only when `classify_array` was not used (path tracking re-parse
        // goes through here as well): read as a Zipkin list, the most common
        // bare array, unless the first element says otherwise.
        let sink = self.0;
        sink.format(zipkin::FORMAT);
        ArrayOf {
            sink,
            kind: ArrayKind::Unknown,
        }
        .visit_seq(seq)
    }
}

/// `traces`: an object (OTLP TracesData inside a Grafana Faro payload) or an
/// array (a Tempo search response).
struct Traces<'a, 's>(&'a mut Sink<'s>);

enum TracesKind {
    Otlp,
    TempoSearch(usize),
}

impl<'de> DeserializeSeed<'de> for Traces<'_, '_> {
    type Value = TracesKind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<TracesKind, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Traces<'_, '_> {
    type Value = TracesKind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("OTLP TracesData or a list of trace summaries")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TracesKind, A::Error> {
        self.0.format("Grafana Faro payload (OTLP/JSON)");
        otlp::TracesData(self.0).visit_map(map)?;
        Ok(TracesKind::Otlp)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TracesKind, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(TracesKind::TempoSearch(n))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum ArrayKind {
    Unknown,
    JaegerSpans,
    JaegerTraces,
    Otlp,
    Zipkin,
}

/// A top-level array; its first element decides what the elements are.
struct ArrayOf<'a, 's> {
    sink: &'a mut Sink<'s>,
    kind: ArrayKind,
}

impl<'de> Visitor<'de> for ArrayOf<'_, '_> {
    type Value = Outcome;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of spans or traces")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Outcome, A::Error> {
        let sink = self.sink;
        let mut endpoints = zipkin::Endpoints::default();
        let mut jaeger_state = jaeger::TraceState::new(sink.store.spans.len());
        let mut count = 0usize;
        let kind = self.kind;
        let mut read = false;
        loop {
            let more = match kind {
                ArrayKind::JaegerSpans => seq
                    .next_element_seed(jaeger::OneSpan {
                        sink: &mut *sink,
                        state: &mut jaeger_state,
                    })?
                    .is_some(),
                ArrayKind::JaegerTraces => {
                    seq.next_element_seed(jaeger::Data(&mut *sink))?.is_some()
                }
                ArrayKind::Otlp => match seq.next_element_seed(Top(&mut *sink))? {
                    Some(Outcome::Read) => {
                        read = true;
                        true
                    }
                    Some(Outcome::NotTraces(_)) => true,
                    None => false,
                },
                ArrayKind::Zipkin | ArrayKind::Unknown => seq
                    .next_element_seed(zipkin::Element {
                        sink: &mut *sink,
                        endpoints: &mut endpoints,
                    })?
                    .is_some(),
            };
            if !more {
                break;
            }
            count += 1;
        }
        if kind == ArrayKind::JaegerSpans {
            sink.format(jaeger::FORMAT);
            jaeger_state.finish(sink);
        }
        if matches!(kind, ArrayKind::Zipkin | ArrayKind::Unknown) {
            sink.format(zipkin::FORMAT);
        }
        if count == 0 {
            return Err(de::Error::custom("not a trace: an empty JSON array"));
        }
        if kind == ArrayKind::Otlp && !read {
            return Ok(Outcome::NotTraces("metrics or logs"));
        }
        Ok(Outcome::Read)
    }
}

/// What the first element of a top-level array looks like.
enum Probe {
    Object(Vec<String>),
    Array(Option<Box<Probe>>),
    Other,
}

impl<'de> de::Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Probe, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Probe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<Key>()? {
                    if keys.len() < 64 {
                        keys.push(crate::model::units::clip(&k.0, 100));
                    }
                    skip(&mut map)?;
                }
                Ok(Probe::Object(keys))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Probe, A::Error> {
                let first = seq.next_element::<Probe>()?.map(Box::new);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Probe::Array(first))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
            fn visit_unit<E>(self) -> Result<Probe, E> {
                Ok(Probe::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// Decides what a top-level array holds from its first element alone.
fn classify_array(body: &[u8]) -> Result<ArrayKind, String> {
    let open = body.iter().position(|&b| b == b'[').unwrap_or(0);
    let rest = &body[open + 1..];
    let Some(elem) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(super::error::ends_early("the file", None, None));
    };
    if rest[elem] == b']' {
        return Err("not a trace: an empty JSON array".into());
    }
    if rest[elem] == b'{' {
        let mut keys = Vec::new();
        let mut de = serde_json::Deserializer::from_slice(&rest[elem..]);
        return match KeysOf(&mut keys).deserialize(&mut de) {
            Ok(()) => object_kind(&keys),
            // Cut off (or broken) inside the first element: the keys read
            // before decide when they can, so that the full parse reports
            // the error in the format's terms; otherwise it reads the
            // array as Zipkin's, the most common.
            Err(_) => Ok(object_kind(&keys).unwrap_or(ArrayKind::Unknown)),
        };
    }
    let probe = serde_json::Deserializer::from_slice(&rest[elem..])
        .into_iter::<Probe>()
        .next();
    let probe = match probe {
        Some(Ok(p)) => p,
        // Let the full parse report the syntax error with its position.
        Some(Err(_)) | None => return Ok(ArrayKind::Unknown),
    };
    match probe {
        Probe::Object(keys) => object_kind(&keys),
        Probe::Array(Some(inner)) if matches!(*inner, Probe::Object(_)) => Ok(ArrayKind::Zipkin),
        Probe::Array(_) => Ok(ArrayKind::Zipkin),
        Probe::Other => Err("not a trace: an array of plain values".into()),
    }
}

/// What a top-level array holds, from the keys of its first element.
fn object_kind(keys: &[String]) -> Result<ArrayKind, String> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("resourceSpans") || has("resource_spans") {
        Ok(ArrayKind::Otlp)
    } else if has("spanID") || has("operationName") {
        Ok(ArrayKind::JaegerSpans)
    } else if has("traceID") && has("spans") {
        Ok(ArrayKind::JaegerTraces)
    } else if has("traceId") && has("id") {
        Ok(ArrayKind::Zipkin)
    } else {
        Err(format!(
            "not a trace: an array of objects with keys {} (expected Zipkin spans with traceId and id, or Jaeger spans with spanID)",
            keys.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        ))
    }
}

/// Reads an object, keeping its first 64 keys in the vector as they come
/// (they stay there when the object turns out cut off or broken).
struct KeysOf<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for KeysOf<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysOf<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key::<Key>()? {
            if self.0.len() < 64 {
                self.0.push(crate::model::units::clip(&k.0, 100));
            }
            skip(&mut map)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::import::{self, ImportError};
    use crate::model::Store;

    fn load(json: &str) -> Result<Store, ImportError> {
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).map(|_| s)
    }

    fn load_err(json: &str) -> ImportError {
        match load(json) {
            Ok(_) => panic!("should fail: {json}"),
            Err(e) => e,
        }
    }

    const OTLP_LINE: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"x","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;

    #[test]
    fn jaeger_tag_types_in_any_case() {
        use crate::model::{SpanKind, Value};
        let json = r#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2","operationName":"x","startTime":1,"duration":1,"tags":[
            {"key":"a","type":"BOOL","value":"true"},
            {"key":"b","type":"Int64","value":"42"},
            {"key":"c","type":"FLOAT64","value":2},
            {"key":"d","type":"String","value":7},
            {"key":"e","type":"shape","value":"free"},
            {"key":"span.kind","type":"string","value":"SERVER"}]}]}]}"#;
        let s = load(json).unwrap();
        let get = |k: &str| s.attr(0, k).cloned();
        assert_eq!(get("a"), Some(Value::Bool(true)));
        assert_eq!(get("b"), Some(Value::Int(42)));
        assert_eq!(get("c"), Some(Value::Double(2.0)));
        assert_eq!(get("d").map(|v| s.format_value(&v)), Some("7".into()));
        assert_eq!(get("e").map(|v| s.format_value(&v)), Some("free".into()));
        assert_eq!(s.spans.kind[0], SpanKind::Server);
    }

    #[test]
    fn json_lines_skip_and_count_other_signals() {
        let text = format!(
            "{OTLP_LINE}\n{{\"resourceMetrics\":[]}}\n\n{{\"resourceLogs\":[]}}\n{{\"resourceMetrics\":[]}}\n"
        );
        let s = load(&text).unwrap();
        assert_eq!(s.spans.len(), 1);
        assert_eq!(s.files[0].format, "OTLP/JSON (JSON Lines)");
        assert_eq!(
            s.files[0].warnings,
            vec![
                "skipped 2 lines holding OpenTelemetry metrics (not traces)".to_owned(),
                "skipped 1 line holding OpenTelemetry logs (not traces)".to_owned()
            ]
        );
    }

    #[test]
    fn json_lines_errors_name_their_line() {
        let text = format!("{OTLP_LINE}\n{OTLP_LINE}\n{{\"resourceSpans\": [}}\n");
        let e = load_err(&text);
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.starts_with("line 3: malformed JSON"),
            "{}",
            e.message
        );
        assert_eq!(e.offset, Some(2 * (OTLP_LINE.len() + 1) + 19));
    }

    #[test]
    fn other_signals_alone_are_refused() {
        let e = load_err(r#"{"resourceMetrics":[]}"#);
        assert!(
            e.message.contains("OpenTelemetry metrics, not traces"),
            "{}",
            e.message
        );
        let e = load_err("{\"resourceLogs\":[]}\n{\"resourceLogs\":[]}\n");
        assert!(e.message.contains("no spans"), "{}", e.message);
    }

    #[test]
    fn wrappers() {
        let inner = &OTLP_LINE[1..OTLP_LINE.len() - 1];
        let s = load(&format!(
            r#"{{"trace":{{{inner}}},"status":"PARTIAL","message":"x"}}"#
        ))
        .unwrap();
        assert_eq!(s.files[0].format, "Tempo v2 (OTLP/JSON)");
        assert!(s.files[0].warnings[0].contains("PARTIAL"));
        let s = load(&format!(r#"{{"result":{{{inner}}}}}"#)).unwrap();
        assert_eq!(s.files[0].format, "Jaeger API v3 (OTLP/JSON)");
        let s = load(&format!(
            r#"{{"meta":{{}},"traces":{{{inner}}},"logs":[]}}"#
        ))
        .unwrap();
        assert_eq!(s.files[0].format, "Grafana Faro payload (OTLP/JSON)");
        let s = load(&format!("[{OTLP_LINE},{OTLP_LINE}]")).unwrap();
        assert_eq!(s.spans.len(), 2);
        let e = load_err(r#"{"error":{"httpCode":404,"message":"No traces found"}}"#);
        assert!(
            e.message.contains("error reply") && e.message.contains("No traces found"),
            "{}",
            e.message
        );
    }

    #[test]
    fn zipkin_shapes() {
        let span = r#"{"traceId":"a","id":"1","name":"x","timestamp":1,"duration":2}"#;
        assert_eq!(load(span).unwrap().spans.len(), 1);
        let s = load(&format!(
            r#"[[{span}],[{}]]"#,
            span.replace("\"a\"", "\"b\"")
        ))
        .unwrap();
        assert_eq!((s.traces.len(), s.spans.len()), (2, 2));
        assert_eq!(s.files[0].format, "Zipkin v2 JSON");
    }

    #[test]
    fn not_traces_say_what_they_are() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (b"   \n ", "empty"),
            (b"<!doctype html><html>", "HTML"),
            (b"\x0a\x10\x00\x01binary", "binary"),
            (b"\x1f\x8b\x08\x00\x00\x00", "gzip-compressed"),
            (b"PK\x03\x04\x14\x00", "zip archive"),
            (b"\x89PNG\r\n\x1a\n", "PNG image"),
            (b"\xff\xfe{\x00\"\x00", "positions count the text as UTF-8"),
            (b"\xef\xbb\xbf\xff\xfe\x00\x00{", "UTF-32"),
            (b"hello", "not JSON"),
            (b"[]", "empty JSON array"),
            (b"{}", "empty JSON object"),
            (b"[1, 2]", "plain values"),
            (b"{\"foo\": 1, \"bar\": [1]}", "foo, bar"),
            (b"[{\"a\": 1}]", "keys a"),
            (
                b"{\"resourceSpans\": [",
                "the file ends early, inside the list of OTLP ResourceSpans",
            ),
            (b"{\"resourceSpans\": []} trailing", "trailing characters"),
        ];
        for (bytes, needle) in cases {
            let mut s = Store::default();
            let e = import::load(&mut s, "x", bytes).unwrap_err();
            assert!(
                e.message.contains(needle),
                "{:?}: {}",
                String::from_utf8_lossy(bytes),
                e.message
            );
        }
    }

    #[test]
    fn a_raw_line_break_in_a_string_is_named_where_it_is() {
        let json = "[{\"traceId\":\"1\",\"id\":\"1\",\"name\":\"a\nb\",\"timestamp\":1000,\"duration\":10}]";
        let mut s = Store::default();
        let e = import::load(&mut s, "x", json.as_bytes()).unwrap_err();
        assert_eq!(
            e.message,
            "malformed JSON: a line break inside a string (write it as \\n)"
        );
        assert_eq!((e.line, e.column, e.offset), (Some(1), Some(35), Some(34)));
        assert_eq!(json.as_bytes()[34], b'\n');
        let tab = json.replace('\n', "\t");
        let e = import::load(&mut s, "x", tab.as_bytes()).unwrap_err();
        assert!(e.message.contains("a tab inside a string"), "{}", e.message);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let text = format!("\u{feff}{OTLP_LINE}");
        assert_eq!(load(&text).unwrap().spans.len(), 1);
        let twice = format!("\u{feff}\u{feff}{OTLP_LINE}");
        assert_eq!(load(&twice).unwrap().spans.len(), 1);
    }

    #[test]
    fn invalid_utf8_is_reported_where_it_is() {
        let mut bytes =
            br#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"1","operationName":"#
                .to_vec();
        bytes.extend_from_slice(b"\"\xff\xfe\"}]}]}");
        let mut s = Store::default();
        let e = import::load(&mut s, "x", &bytes).unwrap_err();
        assert!(
            e.message.contains("invalid unicode") || e.message.contains("UTF-8"),
            "{}",
            e.message
        );
        assert!(e.offset.unwrap() >= 70);
    }
}
