//! Parsing off the main thread: a dedicated Web Worker runs the same wasm
//! importer, so a 100 MB file never freezes the page.
//!
//! `host` runs inside the worker (the `worker` binary), `client` on the main
//! thread. The protocol, one job at a time:
//!
//! ```text
//! worker -> main  {type: "ready", warm: ArrayBuffer}     once, after warming up (warm: a snapshot of the demo)
//! main -> worker  {id, name, file: File}                 or {id, name, bytes: ArrayBuffer}
//! worker -> main  {type: "progress", id, read, total, spans}   while reading and parsing
//! worker -> main  {type: "done", id, snapshot: ArrayBuffer, times: [t0, t1, t2, t3]}
//! worker -> main  {type: "error", id, error: "<ImportError as JSON>"}
//! ```
//!
//! `snapshot` is the parsed store ([`crate::model::Store::to_snapshot`]),
//! transferred, not copied; the main thread appends it to its own store.
//! `times` are absolute (`timeOrigin + now()`, the worker's clock has another
//! zero): job start, file read, parsed, snapshot sent. Cancelling terminates
//! the worker and starts a fresh one.

use crate::model::units::format_bytes;

pub mod client;
pub mod host;

/// The largest file the browser can load: the worker holds the file and the
/// parsed store in one wasm32 memory (4 GiB at most), and the store takes about
/// 0.6x the JSON's size.
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// Files up to this size load on the main thread when no worker is available
/// (the page may pause, but only briefly).
pub const MAIN_THREAD_FALLBACK_BYTES: u64 = 64 << 20;

/// After a load of this size the worker is replaced by a fresh one: wasm
/// memory never shrinks, and a worker that once held 1 GB would keep it.
pub const RECYCLE_AFTER_BYTES: u64 = 64 << 20;

/// What a file too big to load is told.
pub fn too_big(bytes: u64) -> String {
    format!(
        "the file is {} and Strata loads files of up to {} in the browser (a browser tab's \
         WebAssembly memory is 4 GB, and the file and its parsed spans must fit in it at once); \
         split the file (e.g. one trace per file) or filter it before loading",
        format_bytes(bytes),
        format_bytes(MAX_FILE_BYTES)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_big_says_both_sizes() {
        let m = too_big(3 << 30);
        assert!(m.contains("3.2 GB") && m.contains("2.1 GB"), "{m}");
    }
}
