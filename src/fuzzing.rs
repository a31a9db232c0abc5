//! What the fuzz targets (`fuzz/`, `make fuzz`) check, one function per
//! target, shared with the test that replays every saved finding
//! (`tests/fuzz_regressions.rs`, run by `make test`).
//!
//! Each function takes arbitrary bytes and must return without panicking;
//! the invariants it asserts are the product's promises about bad input:
//! - `detect`: any bytes load or fail with an error; a store that loads
//!   survives its snapshot round trip unchanged.
//! - `otlp`, `jaeger`, `zipkin`, `wrappers`: a whole document (seeded with
//!   real files of that format) is read as it is; anything else is wrapped
//!   into that format's envelope, so the fuzzer works inside it. `otlp` also
//!   reads the bytes as JSON Lines.
//! - `otlp_proto`: OTLP protobuf (seed it with tests/captures/node/proto;
//!   `make fuzz` does not run it yet): a whole body is read as it is,
//!   anything else as the first `ResourceSpans` of a body and as a
//!   length-prefixed message of a collector file; each also in 2 and 3
//!   parts, as `parts` checks.
//! - `parts`: a file parsed in 2 and in 3 parts (as the workers do) makes
//!   the store a plain load makes, or fails as it fails.
//! - `snapshot`: any bytes decode to a store or an error; a store that
//!   decodes appends to another.
//! - `share`: any link hash parses, any embedded data inflates or fails
//!   (never more than the link limit).
//!
//! Time and memory are bounded by libFuzzer (`make fuzz`): an input runs in
//! under 10 s, and no single allocation passes 512 MB for inputs of up to
//! 64 KB: 8,192 times the input at most (the store of a real file takes
//! about 0.6 times its size; a crafted one must never take thousands).

use crate::import::{self, parts, ImportError, Part};
use crate::model::describe::describe;
use crate::model::Store;

/// Any bytes through format detection and import.
pub fn detect(data: &[u8]) {
    let mut s = Store::default();
    if import::load(&mut s, "fuzz.json", data).is_ok() {
        let snap = s.to_snapshot();
        let back = Store::from_snapshot(&snap).expect("a store's own snapshot reads back");
        assert_eq!(describe(&back), describe(&s), "snapshot round trip");
    }
}

/// Reads `data` as it is when it is a whole document (`{` or `[`), else
/// inside the envelope `pre … post`.
fn as_format(pre: &str, data: &[u8], post: &str) {
    if data.first().is_some_and(|b| matches!(b, b'{' | b'[')) {
        detect(data);
    } else {
        detect(&wrapped(pre, data, post));
    }
}

fn wrapped(pre: &str, data: &[u8], post: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(pre.len() + data.len() + post.len());
    v.extend_from_slice(pre.as_bytes());
    v.extend_from_slice(data);
    v.extend_from_slice(post.as_bytes());
    v
}

/// OTLP/JSON: the bytes as the resource spans, and as JSON Lines.
pub fn otlp(data: &[u8]) {
    as_format("{\"resourceSpans\":", data, "}");
    detect(&wrapped("{\"resourceSpans\":[]}\n", data, ""));
}

/// Jaeger JSON: the bytes as the traces of a query answer.
pub fn jaeger(data: &[u8]) {
    as_format("{\"data\":", data, "}");
}

/// Zipkin v2: the bytes as the spans of a list.
pub fn zipkin(data: &[u8]) {
    as_format("[", data, "]");
}

/// Tempo's and Jaeger API v3's wrappers.
pub fn wrappers(data: &[u8]) {
    as_format("{\"batches\":", data, "}");
    detect(&wrapped("{\"result\":{\"resourceSpans\":", data, "}}"));
    detect(&wrapped("{\"trace\":", data, "}"));
}

/// OTLP protobuf: the bytes as they are when they are a protobuf body,
/// else inside `TracesData { resource_spans: [bytes] }` and as the one
/// length-prefixed message of a collector file; each loaded whole and in
/// parts.
pub fn otlp_proto(data: &[u8]) {
    let mut inputs = Vec::new();
    if import::otlp_proto::sniff(data).is_some() {
        inputs.push(data.to_vec());
    } else {
        let mut body = vec![0x0a];
        let mut n = data.len();
        while n >= 0x80 {
            body.push(n as u8 | 0x80);
            n >>= 7;
        }
        body.push(n as u8);
        body.extend_from_slice(data);
        let mut framed = (body.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&body);
        inputs.push(body);
        inputs.push(framed);
    }
    for input in inputs {
        detect(&input);
        parts(&input);
    }
}

/// A plain load of `bytes` into the store `base` makes: the store as text
/// ([`describe`]), or the error. Shared with tests/parts.rs.
pub fn whole(base: fn() -> Store, bytes: &[u8]) -> Result<String, ImportError> {
    let mut s = base();
    import::load(&mut s, "f.json", bytes)?;
    Ok(describe(&s))
}

/// The same bytes in `count` parts, each in a fresh store with its own copy
/// of the bytes (as in a worker), handed over as snapshots and joined after
/// what `base` makes; the error found first in the file, as the app picks it.
pub fn in_parts(base: fn() -> Store, bytes: &[u8], count: u32) -> Result<String, ImportError> {
    let mut snapshots = Vec::new();
    let mut errors = Vec::new();
    for k in 0..count {
        let mut part = Store::default();
        let mut copy = bytes.to_vec();
        // As the worker does: a file that is not split is read by the first
        // part, the others send an empty store.
        let text = import::decode::decode("f.json", bytes).ok().flatten();
        let body = text.as_ref().map_or(bytes, |t| &t.bytes[..]);
        let Some(plan) = parts::plan(Part::new(k, count), body) else {
            snapshots.push(part.to_snapshot());
            continue;
        };
        match import::load_part(&mut part, "f.json", &mut copy, plan, &mut |_| {}) {
            Ok(_) => snapshots.push(part.to_snapshot()),
            Err(e) => errors.push(e),
        }
    }
    if let Some(e) = parts::first_error(errors) {
        return Err(e);
    }
    let mut s = base();
    parts::append(&mut s, &snapshots).expect("snapshots read back");
    Ok(describe(&s))
}

/// 2 and 3 parts make what a plain load makes, or fail as it fails.
pub fn parts(data: &[u8]) {
    let plain = whole(Store::default, data);
    for count in [2, 3] {
        let split = in_parts(Store::default, data, count);
        assert_eq!(
            plain.is_ok(),
            split.is_ok(),
            "{count} parts: {plain:?} vs {split:?}"
        );
        if let (Ok(a), Ok(b)) = (&plain, &split) {
            assert_eq!(a, b, "{count} parts make another store");
        }
    }
}

/// The snapshot decoder on any bytes.
pub fn snapshot(data: &[u8]) {
    if let Ok(s) = Store::from_snapshot(data) {
        let mut other = Store::default();
        let _ = other.append_snapshot(data);
        let _ = describe(&s);
    }
}

/// Link hashes and embedded share data.
pub fn share(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::sources::link::parse(&text);
    if let Ok(bytes) = crate::sources::share::unembed(&text) {
        assert!(bytes.len() <= 64 << 20, "a link inflates past its limit");
    }
}
