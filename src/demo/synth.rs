//! Synthetic spans: the in-memory shape the generators (the online-shop demo,
//! the large-trace generator) produce, and writers that turn them into the file
//! formats Strata reads. Generated traces go through the real importer, exactly
//! like a dropped file.

/// A span as a generator describes it. Times are Unix nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSpan {
    pub trace_id: u128,
    pub span_id: u64,
    pub parent_id: Option<u64>,
    /// Jaeger FOLLOWS_FROM instead of CHILD_OF for the parent reference
    /// (async hand-offs such as a queue consumer).
    pub follows_from: bool,
    pub service: String,
    pub name: String,
    pub kind: SynthKind,
    pub start_ns: i64,
    pub duration_ns: i64,
    pub error: Option<String>,
    pub attrs: Vec<(String, SynthValue)>,
    pub events: Vec<SynthEvent>,
    /// (trace id, span id) of linked spans.
    pub links: Vec<(u128, u64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthKind {
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SynthValue {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SynthEvent {
    pub time_ns: i64,
    pub name: String,
    pub attrs: Vec<(String, SynthValue)>,
}

/// Resource attributes of a service beyond `service.name`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynthResource {
    pub service: String,
    pub attrs: Vec<(String, SynthValue)>,
}

impl SynthKind {
    /// The OTLP `SpanKind` number.
    pub fn otlp(self) -> u8 {
        match self {
            SynthKind::Internal => 1,
            SynthKind::Server => 2,
            SynthKind::Client => 3,
            SynthKind::Producer => 4,
            SynthKind::Consumer => 5,
        }
    }

    /// The Jaeger `span.kind` tag value.
    pub fn jaeger(self) -> &'static str {
        match self {
            SynthKind::Internal => "internal",
            SynthKind::Server => "server",
            SynthKind::Client => "client",
            SynthKind::Producer => "producer",
            SynthKind::Consumer => "consumer",
        }
    }
}

// ---------------------------------------------------------------------------
// Writers
//
// Both writers stream: they format into a 64 KiB buffer and hand it to `out`
// whenever it fills, so `out` may be an unbuffered `File` and a million spans
// never exist as one JSON tree. Numbers, ids and strings are formatted by hand
// (no `fmt` machinery on the hot path except for doubles).

const FLUSH_AT: usize = 1 << 16;

/// Buffered JSON output: the exporters' writer (`export::json`), handed to
/// `out` whenever it fills.
struct Json<'w, W: std::io::Write> {
    json: crate::export::json::Json,
    out: &'w mut W,
}

impl<W: std::io::Write> std::ops::Deref for Json<'_, W> {
    type Target = crate::export::json::Json;
    fn deref(&self) -> &Self::Target {
        &self.json
    }
}

impl<W: std::io::Write> std::ops::DerefMut for Json<'_, W> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.json
    }
}

impl<'w, W: std::io::Write> Json<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Json {
            json: crate::export::json::Json::with_capacity(FLUSH_AT + 4096),
            out,
        }
    }

    /// Hands the buffer to `out` once it is large.
    #[inline]
    fn maybe_flush(&mut self) -> std::io::Result<()> {
        if self.json.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.json.buf)?;
            self.json.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.json.buf)?;
        self.json.buf.clear();
        self.out.flush()
    }

    /// A quoted span id: 16 lowercase hex digits.
    fn span_id(&mut self, id: u64) {
        self.json.hex16(id);
    }

    /// A quoted OTLP trace id: 32 lowercase hex digits.
    fn trace_id32(&mut self, id: u128) {
        self.json.hex32(id);
    }

    /// A quoted Jaeger trace id: 16 hex digits when the high half is zero
    /// (as Jaeger's `TraceID.String()` prints it), else 32.
    fn trace_id_jaeger(&mut self, id: u128) {
        if id >> 64 == 0 {
            self.json.hex16(id as u64);
        } else {
            self.json.hex32(id);
        }
    }
}

/// Spans of each service in first-appearance order: (service, span indices).
fn by_service(spans: &[SynthSpan]) -> Vec<(&str, Vec<usize>)> {
    let mut index: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        let g = *index.entry(s.service.as_str()).or_insert_with(|| {
            groups.push((s.service.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    groups
}

/// Resource attributes by service (the first resource of each name wins).
fn resource_map(resources: &[SynthResource]) -> rustc_hash::FxHashMap<&str, &SynthResource> {
    let mut map = rustc_hash::FxHashMap::default();
    for r in resources {
        map.entry(r.service.as_str()).or_insert(r);
    }
    map
}

fn otlp_attrs<'a, W: std::io::Write>(
    j: &mut Json<W>,
    attrs: impl IntoIterator<Item = &'a (String, SynthValue)>,
    first: bool,
) {
    for (n, (k, v)) in attrs.into_iter().enumerate() {
        if n > 0 || !first {
            j.byte(b',');
        }
        j.raw("{\"key\":");
        j.str(k);
        j.raw(",\"value\":{");
        match v {
            SynthValue::Str(s) => {
                j.raw("\"stringValue\":");
                j.str(s);
            }
            SynthValue::Int(n) => {
                j.raw("\"intValue\":");
                j.i64_str(*n);
            }
            SynthValue::Double(f) => {
                j.raw("\"doubleValue\":");
                j.f64(*f);
            }
            SynthValue::Bool(b) => {
                j.raw("\"boolValue\":");
                j.bool(*b);
            }
        }
        j.raw("}}");
    }
}

/// Writes `spans` as one OTLP/JSON `TracesData` document: one `ResourceSpans`
/// per service (first-appearance order) with `service.name` plus the service's
/// [`SynthResource`] attributes, one `ScopeSpans` (scope "strata-demo") each.
/// Spelling as the spec's JSON mapping: lowerCamelCase, lowercase hex ids,
/// uint64 times and `intValue` as decimal strings, `kind` as an integer.
pub fn write_otlp_json<W: std::io::Write>(
    spans: &[SynthSpan],
    resources: &[SynthResource],
    out: &mut W,
) -> std::io::Result<()> {
    let resources = resource_map(resources);
    let mut j = Json::new(out);
    j.raw("{\"resourceSpans\":[");
    for (g, (service, members)) in by_service(spans).iter().enumerate() {
        if g > 0 {
            j.byte(b',');
        }
        j.raw(
            "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":",
        );
        j.str(service);
        j.raw("}}");
        if let Some(r) = resources.get(service) {
            let extra = r.attrs.iter().filter(|(k, _)| k != "service.name");
            otlp_attrs(&mut j, extra, false);
        }
        j.raw("]},\"scopeSpans\":[{\"scope\":{\"name\":\"strata-demo\"},\"spans\":[");
        for (n, &i) in members.iter().enumerate() {
            if n > 0 {
                j.byte(b',');
            }
            otlp_span(&mut j, &spans[i]);
            j.maybe_flush()?;
        }
        j.raw("]}]}");
    }
    j.raw("]}\n");
    j.finish()
}

fn otlp_span<W: std::io::Write>(j: &mut Json<W>, s: &SynthSpan) {
    j.raw("{\"traceId\":");
    j.trace_id32(s.trace_id);
    j.raw(",\"spanId\":");
    j.span_id(s.span_id);
    if let Some(p) = s.parent_id {
        j.raw(",\"parentSpanId\":");
        j.span_id(p);
    }
    j.raw(",\"name\":");
    j.str(&s.name);
    j.raw(",\"kind\":");
    j.u64(s.kind.otlp() as u64);
    j.raw(",\"startTimeUnixNano\":");
    j.i64_str(s.start_ns);
    j.raw(",\"endTimeUnixNano\":");
    j.i64_str(s.start_ns.saturating_add(s.duration_ns));
    if !s.attrs.is_empty() {
        j.raw(",\"attributes\":[");
        otlp_attrs(j, &s.attrs, true);
        j.byte(b']');
    }
    if !s.events.is_empty() {
        j.raw(",\"events\":[");
        for (n, e) in s.events.iter().enumerate() {
            if n > 0 {
                j.byte(b',');
            }
            j.raw("{\"timeUnixNano\":");
            j.i64_str(e.time_ns);
            j.raw(",\"name\":");
            j.str(&e.name);
            if !e.attrs.is_empty() {
                j.raw(",\"attributes\":[");
                otlp_attrs(j, &e.attrs, true);
                j.byte(b']');
            }
            j.byte(b'}');
        }
        j.byte(b']');
    }
    if !s.links.is_empty() {
        j.raw(",\"links\":[");
        for (n, (t, id)) in s.links.iter().enumerate() {
            if n > 0 {
                j.byte(b',');
            }
            j.raw("{\"traceId\":");
            j.trace_id32(*t);
            j.raw(",\"spanId\":");
            j.span_id(*id);
            j.byte(b'}');
        }
        j.byte(b']');
    }
    if let Some(msg) = &s.error {
        j.raw(",\"status\":{\"code\":2,\"message\":");
        j.str(msg);
        j.byte(b'}');
    }
    j.byte(b'}');
}

/// One Jaeger tag `{"key","type","value"}`; `first` says no comma before it.
fn jaeger_tag<W: std::io::Write>(j: &mut Json<W>, k: &str, v: &SynthValue, first: bool) {
    if !first {
        j.byte(b',');
    }
    j.raw("{\"key\":");
    j.str(k);
    match v {
        SynthValue::Str(s) => {
            j.raw(",\"type\":\"string\",\"value\":");
            j.str(s);
        }
        SynthValue::Int(n) => {
            j.raw(",\"type\":\"int64\",\"value\":");
            j.i64(*n);
        }
        SynthValue::Double(f) => {
            j.raw(",\"type\":\"float64\",\"value\":");
            j.f64(*f);
        }
        SynthValue::Bool(b) => {
            j.raw(",\"type\":\"bool\",\"value\":");
            j.bool(*b);
        }
    }
    j.byte(b'}');
}

fn jaeger_str_tag<W: std::io::Write>(j: &mut Json<W>, k: &str, v: &str, first: bool) {
    if !first {
        j.byte(b',');
    }
    j.raw("{\"key\":");
    j.str(k);
    j.raw(",\"type\":\"string\",\"value\":");
    j.str(v);
    j.byte(b'}');
}

/// Writes `spans` as a Jaeger query-API response (what the Jaeger UI's "Download
/// JSON" saves): `{"data": [Trace...], "total", "limit", "offset", "errors"}`,
/// one Trace per distinct trace id in first-appearance order, one process per
/// service (`p1`, `p2`, ... in first-appearance order within the trace).
/// Times are microseconds (integer division of the nanosecond times). The
/// parent is a CHILD_OF reference (FOLLOWS_FROM when `follows_from`); each link
/// is an extra FOLLOWS_FROM reference. Kind and status become the tags
/// `span.kind`, `error` and `otel.status_description`, events become logs whose
/// first field is `event`.
pub fn write_jaeger_json<W: std::io::Write>(
    spans: &[SynthSpan],
    resources: &[SynthResource],
    out: &mut W,
) -> std::io::Result<()> {
    let resources = resource_map(resources);
    // Traces in first-appearance order.
    let mut trace_index: rustc_hash::FxHashMap<u128, usize> = rustc_hash::FxHashMap::default();
    let mut traces: Vec<(u128, Vec<usize>)> = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        let t = *trace_index.entry(s.trace_id).or_insert_with(|| {
            traces.push((s.trace_id, Vec::new()));
            traces.len() - 1
        });
        traces[t].1.push(i);
    }
    let mut j = Json::new(out);
    j.raw("{\"data\":[");
    for (t, (trace_id, members)) in traces.iter().enumerate() {
        if t > 0 {
            j.byte(b',');
        }
        // Processes of this trace, in first-appearance order.
        let mut process_of: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        let mut processes: Vec<&str> = Vec::new();
        j.raw("{\"traceID\":");
        j.trace_id_jaeger(*trace_id);
        j.raw(",\"spans\":[");
        for (n, &i) in members.iter().enumerate() {
            if n > 0 {
                j.byte(b',');
            }
            let s = &spans[i];
            let p = *process_of.entry(s.service.as_str()).or_insert_with(|| {
                processes.push(s.service.as_str());
                processes.len()
            });
            jaeger_span(&mut j, s, p);
            j.maybe_flush()?;
        }
        j.raw("],\"processes\":{");
        for (n, service) in processes.iter().enumerate() {
            if n > 0 {
                j.byte(b',');
            }
            j.raw("\"p");
            j.u64(n as u64 + 1);
            j.raw("\":{\"serviceName\":");
            j.str(service);
            j.raw(",\"tags\":[");
            if let Some(r) = resources.get(service) {
                let mut first = true;
                for (k, v) in r.attrs.iter().filter(|(k, _)| k != "service.name") {
                    jaeger_tag(&mut j, k, v, first);
                    first = false;
                }
            }
            j.raw("]}");
        }
        j.raw("},\"warnings\":null}");
        j.maybe_flush()?;
    }
    j.raw("],\"total\":0,\"limit\":0,\"offset\":0,\"errors\":null}\n");
    j.finish()
}

fn jaeger_span<W: std::io::Write>(j: &mut Json<W>, s: &SynthSpan, process: usize) {
    j.raw("{\"traceID\":");
    j.trace_id_jaeger(s.trace_id);
    j.raw(",\"spanID\":");
    j.span_id(s.span_id);
    j.raw(",\"flags\":1,\"operationName\":");
    j.str(&s.name);
    j.raw(",\"references\":[");
    let mut first = true;
    if let Some(p) = s.parent_id {
        j.raw(if s.follows_from {
            "{\"refType\":\"FOLLOWS_FROM\",\"traceID\":"
        } else {
            "{\"refType\":\"CHILD_OF\",\"traceID\":"
        });
        j.trace_id_jaeger(s.trace_id);
        j.raw(",\"spanID\":");
        j.span_id(p);
        j.byte(b'}');
        first = false;
    }
    for (t, id) in &s.links {
        if !first {
            j.byte(b',');
        }
        first = false;
        j.raw("{\"refType\":\"FOLLOWS_FROM\",\"traceID\":");
        j.trace_id_jaeger(*t);
        j.raw(",\"spanID\":");
        j.span_id(*id);
        j.byte(b'}');
    }
    j.raw("],\"startTime\":");
    j.i64(s.start_ns / 1000);
    j.raw(",\"duration\":");
    j.i64(s.duration_ns / 1000);
    j.raw(",\"tags\":[");
    let mut first = true;
    for (k, v) in &s.attrs {
        jaeger_tag(j, k, v, first);
        first = false;
    }
    jaeger_str_tag(j, "span.kind", s.kind.jaeger(), first);
    if let Some(msg) = &s.error {
        j.raw(",{\"key\":\"error\",\"type\":\"bool\",\"value\":true}");
        jaeger_str_tag(j, "otel.status_description", msg, false);
    }
    j.raw("],\"logs\":[");
    for (n, e) in s.events.iter().enumerate() {
        if n > 0 {
            j.byte(b',');
        }
        j.raw("{\"timestamp\":");
        j.i64(e.time_ns / 1000);
        j.raw(",\"fields\":[");
        jaeger_str_tag(j, "event", &e.name, true);
        for (k, v) in &e.attrs {
            jaeger_tag(j, k, v, false);
        }
        j.raw("]}");
    }
    j.raw("],\"processID\":\"p");
    j.u64(process as u64);
    j.raw("\",\"warnings\":null}");
}
