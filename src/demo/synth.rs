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
