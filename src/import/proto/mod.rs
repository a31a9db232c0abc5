//! The OTLP trace messages (opentelemetry-proto 1.10.0, the `.proto` files
//! beside this one) as `prost` structs, written by hand for the trace subset:
//! what the protobuf export encodes (`crate::export::otlp_proto`) and what
//! tests build protobuf bodies with. The importer does not use them: it reads
//! the wire format straight into the store (`super::otlp_proto`).
//!
//! `ExportTraceServiceRequest` (what OTLP/HTTP and OTLP/gRPC exporters send)
//! and `TracesData` (what the collector's file exporter writes) are the same
//! message on the wire: field 1, repeated `ResourceSpans`. Fields Strata's
//! store has no place for (trace state, W3C flags, schema URLs, a scope's
//! dropped attribute count) are here so that tests can write them.

/// `opentelemetry.proto.trace.v1.TracesData`, and on the wire
/// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TracesData {
    #[prost(message, repeated, tag = "1")]
    pub resource_spans: Vec<ResourceSpans>,
}

/// The request body an OTLP exporter sends: the same message as [`TracesData`].
pub type ExportTraceServiceRequest = TracesData;

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceSpans {
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    #[prost(message, repeated, tag = "2")]
    pub scope_spans: Vec<ScopeSpans>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "2")]
    pub dropped_attributes_count: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeSpans {
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    #[prost(message, repeated, tag = "2")]
    pub spans: Vec<Span>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct InstrumentationScope {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub version: String,
    #[prost(message, repeated, tag = "3")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "4")]
    pub dropped_attributes_count: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Span {
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub trace_state: String,
    #[prost(bytes = "vec", tag = "4")]
    pub parent_span_id: Vec<u8>,
    #[prost(fixed32, tag = "16")]
    pub flags: u32,
    #[prost(string, tag = "5")]
    pub name: String,
    #[prost(enumeration = "SpanKind", tag = "6")]
    pub kind: i32,
    #[prost(fixed64, tag = "7")]
    pub start_time_unix_nano: u64,
    #[prost(fixed64, tag = "8")]
    pub end_time_unix_nano: u64,
    #[prost(message, repeated, tag = "9")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "10")]
    pub dropped_attributes_count: u32,
    #[prost(message, repeated, tag = "11")]
    pub events: Vec<Event>,
    #[prost(uint32, tag = "12")]
    pub dropped_events_count: u32,
    #[prost(message, repeated, tag = "13")]
    pub links: Vec<Link>,
    #[prost(uint32, tag = "14")]
    pub dropped_links_count: u32,
    #[prost(message, optional, tag = "15")]
    pub status: Option<Status>,
}

/// `Span.Event`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Event {
    #[prost(fixed64, tag = "1")]
    pub time_unix_nano: u64,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(message, repeated, tag = "3")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "4")]
    pub dropped_attributes_count: u32,
}

/// `Span.Link`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Link {
    #[prost(bytes = "vec", tag = "1")]
    pub trace_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub span_id: Vec<u8>,
    #[prost(string, tag = "3")]
    pub trace_state: String,
    #[prost(message, repeated, tag = "4")]
    pub attributes: Vec<KeyValue>,
    #[prost(uint32, tag = "5")]
    pub dropped_attributes_count: u32,
    #[prost(fixed32, tag = "6")]
    pub flags: u32,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(string, tag = "2")]
    pub message: String,
    #[prost(enumeration = "StatusCode", tag = "3")]
    pub code: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum SpanKind {
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum StatusCode {
    Unset = 0,
    Ok = 1,
    Error = 2,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

/// No value set is an empty value (`Value::Empty` in the store).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnyValue {
    #[prost(oneof = "any_value::Value", tags = "1, 2, 3, 4, 5, 6, 7")]
    pub value: Option<any_value::Value>,
}

pub mod any_value {
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        #[prost(string, tag = "1")]
        StringValue(String),
        #[prost(bool, tag = "2")]
        BoolValue(bool),
        #[prost(int64, tag = "3")]
        IntValue(i64),
        #[prost(double, tag = "4")]
        DoubleValue(f64),
        #[prost(message, tag = "5")]
        ArrayValue(super::ArrayValue),
        #[prost(message, tag = "6")]
        KvlistValue(super::KeyValueList),
        #[prost(bytes = "vec", tag = "7")]
        BytesValue(Vec<u8>),
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct ArrayValue {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<AnyValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValueList {
    #[prost(message, repeated, tag = "1")]
    pub values: Vec<KeyValue>,
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    /// `(message, field) -> number` of the vendored `.proto` files: nested
    /// messages as `Span.Event`.
    fn numbers() -> HashMap<(String, String), u32> {
        let mut out = HashMap::new();
        for text in [
            include_str!("trace.proto"),
            include_str!("common.proto"),
            include_str!("resource.proto"),
            include_str!("trace_service.proto"),
        ] {
            // Open messages and oneofs (None: a oneof's fields are its message's).
            let mut stack: Vec<(Option<String>, i32)> = Vec::new();
            let mut depth = 0i32;
            for line in text.lines() {
                let line = line.split("//").next().unwrap_or("").trim();
                let words: Vec<&str> = line.split_whitespace().collect();
                match words.first() {
                    Some(&"message") => stack.push((Some(words[1].to_owned()), depth)),
                    Some(&"oneof") => stack.push((None, depth)),
                    _ => {}
                }
                if let Some(eq) = words.iter().position(|w| *w == "=") {
                    let inside = stack.last().is_some_and(|(_, d)| *d == depth - 1);
                    let number = words[eq + 1].trim_end_matches(';').parse::<u32>();
                    if let (true, Ok(n), Some(name)) = (inside, number, eq.checked_sub(1)) {
                        let msg: Vec<&str> =
                            stack.iter().filter_map(|(m, _)| m.as_deref()).collect();
                        out.insert((msg.join("."), words[name].to_owned()), n);
                    }
                }
                depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
                while stack.last().is_some_and(|(_, d)| *d >= depth) {
                    stack.pop();
                }
            }
        }
        out
    }

    /// Every field number the importer reads is the one the `.proto`
    /// files give (the legacy `instrumentation_library_spans`, 1000, is
    /// `reserved` there now).
    #[test]
    fn the_importer_reads_the_fields_of_the_proto_files() {
        let numbers = numbers();
        assert_eq!(numbers[&("Span".into(), "flags".into())], 16);
        assert_eq!(numbers[&("Span.Event".into(), "name".into())], 2);
        let mut checked = 0;
        for &(message, field, number, _) in super::super::otlp_proto::FIELDS {
            if field == "instrumentation_library_spans" {
                continue;
            }
            let key = (message.to_owned(), field.to_owned());
            assert_eq!(numbers.get(&key), Some(&number), "{message}.{field}");
            checked += 1;
        }
        assert!(checked > 40, "{checked}");
    }
}
