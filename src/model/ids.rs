//! Trace and span ids.
//!
//! Every format spells ids differently: OTLP uses 32/16 hex digits (any case) or
//! base64 of the 16/8 raw bytes; Jaeger and Zipkin use hex but drop leading zeros
//! (a 15-digit span id is common); hand-written Jaeger fixtures use opaque strings
//! such as `span-2_1`. Ids are normalised here, once, to integers so that parent
//! lookups hash 8 bytes instead of strings, and so that `0abc` and `ABC` (the same
//! id written by two tools) compare equal. They print as fixed-width lowercase hex.

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::strings::{Strings, Sym};

/// A span id: 64-bit ids (every real format) are kept as their value; opaque
/// non-hex ids (tolerated in Jaeger JSON only) are interned text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpanId {
    Hex(u64),
    Text(Sym),
}

/// A trace id: 64-bit (Jaeger/Zipkin ids of up to 16 hex digits) or 128-bit, or
/// opaque text. The width is kept so the id prints as it was written, but it is
/// not part of the identity: Jaeger prints a 128-bit id with a zero high half
/// as 16 digits, OTLP always as 32, and both name the same trace.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum TraceId {
    Hex64(u64),
    Hex128(u64, u64),
    Text(Sym),
}

impl TraceId {
    /// (high, low) of a hex id; None for text ids.
    fn value(self) -> Option<(u64, u64)> {
        match self {
            TraceId::Hex64(lo) => Some((0, lo)),
            TraceId::Hex128(hi, lo) => Some((hi, lo)),
            TraceId::Text(_) => None,
        }
    }
}

impl PartialEq for TraceId {
    fn eq(&self, other: &TraceId) -> bool {
        match (self, other) {
            (TraceId::Text(a), TraceId::Text(b)) => a == b,
            _ => self.value().is_some() && self.value() == other.value(),
        }
    }
}

impl Eq for TraceId {}

impl std::hash::Hash for TraceId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self.value() {
            Some(v) => v.hash(state),
            None => {
                if let TraceId::Text(s) = self {
                    s.hash(state)
                }
            }
        }
    }
}

impl SpanId {
    pub fn to_text(self, strings: &Strings) -> String {
        match self {
            SpanId::Hex(v) => format!("{v:016x}"),
            SpanId::Text(s) => strings.get(s).to_owned(),
        }
    }
}

impl TraceId {
    pub fn to_text(self, strings: &Strings) -> String {
        match self {
            TraceId::Hex64(v) => format!("{v:016x}"),
            TraceId::Hex128(hi, lo) => format!("{hi:016x}{lo:016x}"),
            TraceId::Text(s) => strings.get(s).to_owned(),
        }
    }

    fn from_bytes(bytes: &[u8]) -> Option<TraceId> {
        match bytes.len() {
            16 => {
                let hi = u64::from_be_bytes(bytes[..8].try_into().ok()?);
                let lo = u64::from_be_bytes(bytes[8..].try_into().ok()?);
                Some(TraceId::Hex128(hi, lo))
            }
            8 => Some(TraceId::Hex64(u64::from_be_bytes(bytes.try_into().ok()?))),
            _ => None,
        }
    }
}

/// An id as a message quotes it: at most 100 characters of it.
fn quoted(s: &str) -> String {
    super::units::clip(s, 100)
}

/// Why an id could not be read. The importer adds the file, field and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdError(pub String);

/// The value of 1 to 32 hex digits, in one pass (ids are parsed for every
/// span: checking the digits, then `from_str_radix` twice, cost 2.4% of a
/// Jaeger import).
fn hex_value(s: &str) -> Option<u128> {
    if s.is_empty() || s.len() > 32 {
        return None;
    }
    s.bytes().try_fold(0u128, |v, c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        Some(v << 4 | d as u128)
    })
}

/// Hex of 1..=16 digits (leading zeros may be missing) as a u64.
pub fn hex_u64(s: &str) -> Option<u64> {
    if s.len() > 16 {
        return None;
    }
    hex_value(s).map(|v| v as u64)
}

/// Hex trace id of 1..=32 digits: up to 16 digits is a 64-bit id, more is 128-bit.
pub fn hex_trace_id(s: &str) -> Option<TraceId> {
    let v = hex_value(s)?;
    Some(if s.len() <= 16 {
        TraceId::Hex64(v as u64)
    } else {
        TraceId::Hex128((v >> 64) as u64, v as u64)
    })
}

fn base64_bytes(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// An OTLP trace id: 32 hex digits, or 24 base64 characters (16 bytes). The spec
/// says hex; Tempo, older Jaeger v3 and some SDK dumps write base64. A 16-digit
/// hex id (64-bit, from a Jaeger or Zipkin bridge) is tolerated.
pub fn otlp_trace_id(s: &str) -> Result<TraceId, IdError> {
    let neither = || {
        IdError(format!(
            "trace id {:?} is neither 32 hex digits nor 24 base64 characters",
            quoted(s)
        ))
    };
    match s.len() {
        32 | 16 => hex_trace_id(s).ok_or_else(neither),
        24 => base64_bytes(s)
            .and_then(|b| TraceId::from_bytes(&b))
            .ok_or_else(|| {
                IdError(format!(
                    "trace id {:?} is 24 characters but not valid base64 of 16 bytes",
                    quoted(s)
                ))
            }),
        0 => Err(IdError("trace id is empty".into())),
        _ => Err(neither()),
    }
}

/// An OTLP span id: 16 hex digits or 12 base64 characters (8 bytes).
/// `Ok(None)` for an empty string (OTLP writes `""` for "no parent").
pub fn otlp_span_id(s: &str) -> Result<Option<SpanId>, IdError> {
    let neither = || {
        IdError(format!(
            "span id {:?} is neither 16 hex digits nor 12 base64 characters",
            quoted(s)
        ))
    };
    match s.len() {
        0 => Ok(None),
        16 => hex_u64(s).map(|v| Some(SpanId::Hex(v))).ok_or_else(neither),
        12 => match base64_bytes(s) {
            Some(b) if b.len() == 8 => Ok(Some(SpanId::Hex(u64::from_be_bytes(
                b.as_slice().try_into().expect("8 bytes"),
            )))),
            _ => Err(IdError(format!(
                "span id {:?} is 12 characters but not valid base64 of 8 bytes",
                quoted(s)
            ))),
        },
        _ => Err(neither()),
    }
}

/// A Jaeger span id: hex with possibly dropped leading zeros; anything else is
/// kept as opaque text (hand-written fixtures use ids like `span-2_1`).
pub fn jaeger_span_id(s: &str, strings: &mut Strings) -> SpanId {
    match hex_u64(s) {
        Some(v) => SpanId::Hex(v),
        None => SpanId::Text(strings.intern(s)),
    }
}

/// A Jaeger trace id: hex of up to 32 digits, else opaque text.
pub fn jaeger_trace_id(s: &str, strings: &mut Strings) -> TraceId {
    hex_trace_id(s).unwrap_or_else(|| TraceId::Text(strings.intern(s)))
}

/// A Zipkin id must be hex (Zipkin's own server rejects anything else).
pub fn zipkin_span_id(s: &str) -> Result<SpanId, IdError> {
    hex_u64(s)
        .map(SpanId::Hex)
        .ok_or_else(|| IdError(format!("span id {:?} is not 1 to 16 hex digits", quoted(s))))
}

pub fn zipkin_trace_id(s: &str) -> Result<TraceId, IdError> {
    hex_trace_id(s).ok_or_else(|| {
        IdError(format!(
            "trace id {:?} is not 1 to 32 hex digits",
            quoted(s)
        ))
    })
}

/// Parses the canonical text form back (used by links in the URL and by search):
/// hex of the right width, else an interned opaque id if one is known.
pub fn parse_span_id_text(s: &str, strings: &Strings) -> Option<SpanId> {
    hex_u64(s)
        .map(SpanId::Hex)
        .or_else(|| strings.lookup(s).map(SpanId::Text))
}

pub fn parse_trace_id_text(s: &str, strings: &Strings) -> Option<TraceId> {
    hex_trace_id(s).or_else(|| strings.lookup(s).map(TraceId::Text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otlp_ids_hex_any_case_and_base64() {
        let strings = Strings::default();
        let a = otlp_trace_id("5B8EFFF798038103D269B633813FC60C").unwrap();
        let b = otlp_trace_id("5b8efff798038103d269b633813fc60c").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_text(&strings), "5b8efff798038103d269b633813fc60c");
        // base64 of 16 bytes: 00..96 00..a0
        let c = otlp_trace_id("AAAAAAAAAJYAAAAAAAAAoA==").unwrap();
        assert_eq!(c.to_text(&strings), "000000000000009600000000000000a0");
        let s = otlp_span_id("AAAAAAAAALQ=").unwrap().unwrap();
        assert_eq!(s.to_text(&strings), "00000000000000b4");
        assert_eq!(
            otlp_span_id("EEE19B7EC3C1B174").unwrap(),
            Some(SpanId::Hex(0xeee19b7ec3c1b174))
        );
        assert_eq!(otlp_span_id("").unwrap(), None);
    }

    #[test]
    fn otlp_ids_rejected() {
        assert!(otlp_trace_id("!!!INVALID_BASE64!!!").is_err());
        assert!(otlp_trace_id("zzz").is_err());
        assert!(otlp_trace_id("").is_err());
        assert!(otlp_span_id("INVALID==").is_err());
        assert!(otlp_span_id("xyz").is_err());
        // 12 chars that are not base64
        assert!(otlp_span_id("!!!!!!!!!!!!").is_err());
        // 16 chars that are not hex
        assert!(otlp_span_id("zzzzzzzzzzzzzzzz").is_err());
        let e = otlp_trace_id("zzz").unwrap_err();
        assert!(e.0.contains("\"zzz\""), "{}", e.0);
    }

    #[test]
    fn short_hex_ids_are_left_padded() {
        let mut strings = Strings::default();
        // 15 hex digits: a dropped leading zero
        let id = jaeger_span_id("8a1f2e3d4c5b6a7", &mut strings);
        assert_eq!(id.to_text(&strings), "08a1f2e3d4c5b6a7");
        assert_eq!(
            zipkin_span_id("2").unwrap().to_text(&strings),
            "0000000000000002"
        );
        // 31-digit trace id (Tempo strips a leading zero)
        let t = hex_trace_id("1234567890abcdef1234567890abcde").unwrap();
        assert_eq!(t.to_text(&strings), "01234567890abcdef1234567890abcde");
        assert_eq!(
            hex_trace_id("abc").unwrap().to_text(&strings),
            "0000000000000abc"
        );
    }

    #[test]
    fn trace_id_width_is_not_identity() {
        let a = hex_trace_id("abcd").unwrap();
        let b = otlp_trace_id("0000000000000000000000000000abcd").unwrap();
        assert_eq!(a, b);
        let hash = |t: TraceId| {
            use std::hash::BuildHasher;
            rustc_hash::FxBuildHasher.hash_one(t)
        };
        assert_eq!(hash(a), hash(b));
        let strings = Strings::default();
        assert_eq!(a.to_text(&strings), "000000000000abcd");
        assert_eq!(b.to_text(&strings), "0000000000000000000000000000abcd");
        assert_ne!(a, hex_trace_id("abce").unwrap());
    }

    #[test]
    fn opaque_jaeger_ids() {
        let mut strings = Strings::default();
        let id = jaeger_span_id("span-2_1", &mut strings);
        assert!(matches!(id, SpanId::Text(_)));
        assert_eq!(id.to_text(&strings), "span-2_1");
        assert_eq!(parse_span_id_text("span-2_1", &strings), Some(id));
        assert!(zipkin_span_id("span-2_1").is_err());
        // more than 16 hex digits is not a span id
        assert!(hex_u64("00112233445566778").is_none());
        // a '+' sign is not hex, though from_str_radix would accept it
        assert!(hex_u64("+abc").is_none());
    }

    fn is_hex(s: &str) -> bool {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
    }

    #[test]
    fn hex_ids_in_one_pass_equal_checking_then_from_str_radix() {
        let reference = |s: &str| -> Option<TraceId> {
            if !is_hex(s) || s.len() > 32 {
                return None;
            }
            if s.len() <= 16 {
                return Some(TraceId::Hex64(u64::from_str_radix(s, 16).ok()?));
            }
            let split = s.len() - 16;
            let hi = u64::from_str_radix(&s[..split], 16).ok()?;
            let lo = u64::from_str_radix(&s[split..], 16).ok()?;
            Some(TraceId::Hex128(hi, lo))
        };
        let mut rng = fastrand::Rng::with_seed(3);
        let alphabet = b"0123456789abcdefABCDEFgG+- ";
        for _ in 0..20000 {
            let len = rng.usize(0..36);
            // Half of them hex digits only.
            let pick = if rng.bool() { 22 } else { alphabet.len() };
            let s: String = (0..len)
                .map(|_| alphabet[rng.usize(..pick)] as char)
                .collect();
            assert_eq!(hex_trace_id(&s), reference(&s), "{s:?}");
            let want = (is_hex(&s) && s.len() <= 16).then(|| u64::from_str_radix(&s, 16).unwrap());
            assert_eq!(hex_u64(&s), want, "{s:?}");
        }
        assert_eq!(hex_trace_id("+1"), None);
    }
}
