//! Helpers for the analyses' tests: hand-built traces as Zipkin JSON.

use crate::import;
use crate::model::Store;

/// A store of the Zipkin spans `items` (JSON objects).
pub fn zipkin_store(items: &[String]) -> Store {
    let mut s = Store::default();
    import::load(
        &mut s,
        "t.json",
        format!("[{}]", items.join(",")).as_bytes(),
    )
    .unwrap();
    s
}

/// Span `i`'s id without its leading zeros (the hand-written "3" for
/// `0000000000000003`).
pub fn short_id(s: &Store, i: u32) -> String {
    s.spans.id[i as usize]
        .to_text(&s.strings)
        .trim_start_matches('0')
        .to_owned()
}
