//! Typed attribute values and the small enums every span carries.

use super::strings::{Sym, Text};
use serde::{Deserialize, Serialize};

/// An attribute value, as OTLP's AnyValue: integers stay i64 (exact beyond 2^53,
/// where JavaScript numbers would round), bytes stay bytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Str(Text),
    Bool(bool),
    Int(i64),
    Double(f64),
    Bytes(Box<[u8]>),
    Array(Box<[Value]>),
    Map(Box<[Attr]>),
    /// An AnyValue with no value set (`{}`), or a JSON null.
    Empty,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attr {
    pub key: Sym,
    pub value: Value,
}

impl Value {
    /// The type name shown next to a value in the detail panel.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Double(_) => "double",
            Value::Bytes(_) => "bytes",
            Value::Array(_) => "array",
            Value::Map(_) => "map",
            Value::Empty => "empty",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum SpanKind {
    #[default]
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

impl SpanKind {
    pub fn from_otlp(n: i64) -> SpanKind {
        match n {
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => SpanKind::Unspecified,
        }
    }

    /// `SPAN_KIND_SERVER` (OTLP enum name), `server` / `SERVER` (Jaeger `span.kind`
    /// tag, Zipkin `kind`). Unknown names are unspecified, not an error.
    pub fn from_name(s: &str) -> SpanKind {
        let s = s.strip_prefix("SPAN_KIND_").unwrap_or(s);
        by_name(
            s,
            &[
                ("internal", SpanKind::Internal),
                ("server", SpanKind::Server),
                ("client", SpanKind::Client),
                ("producer", SpanKind::Producer),
                ("consumer", SpanKind::Consumer),
            ],
        )
        .unwrap_or(SpanKind::Unspecified)
    }

    pub fn label(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum StatusCode {
    #[default]
    Unset = 0,
    Ok = 1,
    Error = 2,
}

impl StatusCode {
    pub fn from_otlp(n: i64) -> StatusCode {
        match n {
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => StatusCode::Unset,
        }
    }

    /// `STATUS_CODE_ERROR`, `ERROR`, `Error` (otel.status_code tags).
    pub fn from_name(s: &str) -> StatusCode {
        let s = s.strip_prefix("STATUS_CODE_").unwrap_or(s);
        by_name(s, &[("ok", StatusCode::Ok), ("error", StatusCode::Error)])
            .unwrap_or(StatusCode::Unset)
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusCode::Unset => "unset",
            StatusCode::Ok => "ok",
            StatusCode::Error => "error",
        }
    }
}

/// The value named `s` in `table`, ignoring ASCII case, without allocating
/// (importers call this for every span and tag).
pub(crate) fn by_name<T: Copy>(s: &str, table: &[(&str, T)]) -> Option<T> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names() {
        assert_eq!(SpanKind::from_name("SPAN_KIND_SERVER"), SpanKind::Server);
        assert_eq!(SpanKind::from_name("client"), SpanKind::Client);
        assert_eq!(SpanKind::from_name("CONSUMER"), SpanKind::Consumer);
        assert_eq!(
            SpanKind::from_name("SPAN_KIND_UNSPECIFIED"),
            SpanKind::Unspecified
        );
        assert_eq!(SpanKind::from_name("bogus"), SpanKind::Unspecified);
        assert_eq!(SpanKind::from_otlp(4), SpanKind::Producer);
        assert_eq!(SpanKind::from_otlp(99), SpanKind::Unspecified);
        assert_eq!(
            StatusCode::from_name("STATUS_CODE_ERROR"),
            StatusCode::Error
        );
        assert_eq!(StatusCode::from_name("OK"), StatusCode::Ok);
        assert_eq!(StatusCode::from_otlp(2), StatusCode::Error);
        assert_eq!(StatusCode::from_otlp(0), StatusCode::Unset);
    }
}
