//! Parsing off the main thread: dedicated Web Workers run the same wasm
//! importer, so a 100 MB file never freezes the page.
//!
//! `host` runs inside a worker (the `worker` binary), `client` on the main
//! thread. There are [`WORKERS`] workers; a file between
//! [`SPLIT_FROM_BYTES`] and [`SPLIT_UP_TO_BYTES`] is parsed by all of them
//! at once, each keeping its part of the spans (`crate::import::parts`),
//! anything else by the first. Each of them needs every byte of the file, and
//! each reads only its share (`Part::share`) and passes the slices it reads to
//! the others over `peers`, one `MessageChannel` per pair of workers: the
//! file is read once, by all of them side by side. The protocol, one job at a
//! time; worker `k` gets part `k`:
//!
//! ```text
//! worker -> main  {type: "ready", warm: ArrayBuffer}     once, after warming up (warm: a snapshot of the demo)
//! main -> worker  {id, name, part, parts, file: File, peers: [MessagePort]}   or {..., bytes: ArrayBuffer}
//! worker -> peer  {at, len, bytes: ArrayBuffer, pooled}  what it read of its share, `len` bytes at byte `at` of the file
//! peer -> worker  {back: ArrayBuffer}                    a `pooled` read buffer, copied: the worker reads into it again
//! worker -> peer  {failed: "<why>"}                      its share could not be read: the peer fails too
//! worker -> main  {type: "progress", id, part, read, total, spans}   while reading and parsing
//! worker -> main  {type: "done", id, part, snapshot: ArrayBuffer, times: [t0, t1, t2, t3]}
//! worker -> main  {type: "error", id, part, error: "<ImportError as JSON>"}
//! ```
//!
//! `snapshot` is the parsed store of the part ([`crate::model::Store::to_snapshot`]),
//! transferred, not copied; the main thread appends the parts to its own
//! store and joins them into one file (`crate::import::parts::append`).
//! `times` are absolute (`timeOrigin + now()`, the worker's clock has another
//! zero): job start, file read, parsed, snapshot sent. Cancelling terminates
//! the worker and starts a fresh one.

use crate::model::units::format_bytes;

pub mod client;
pub mod host;

/// Parsing workers. This machine class has 2 cores; one worker more than
/// the cores would only make the parts wait for each other.
pub const WORKERS: usize = 2;

/// Files from this size on are parsed in parts by every worker: below it,
/// reading the file twice and joining the parts costs about what it saves.
pub const SPLIT_FROM_BYTES: u64 = 16 << 20;

/// Files up to this size are parsed in parts: every worker holds the whole
/// file while it parses its part, and past this size two copies of it and
/// the parts' stores would crowd the tab's memory (a 1M-span file of 1.2 GB
/// is parsed by one worker).
pub const SPLIT_UP_TO_BYTES: u64 = 512 << 20;

/// The largest file the browser can load: the worker holds the file and the
/// parsed store in one wasm32 memory (4 GiB at most), and the store takes about
/// 0.6x the JSON's size. A gzip or UTF-16 file's decoded text counts, and is
/// refused while it is decoded ([`crate::import::limits::MAX_FILE_BYTES`]).
pub const MAX_FILE_BYTES: u64 = crate::import::limits::MAX_FILE_BYTES;

/// Files up to this size load on the main thread when no worker is available
/// (the page may pause, but only briefly).
pub const MAIN_THREAD_FALLBACK_BYTES: u64 = 64 << 20;

/// After a load of this size the workers are stopped, and fresh ones start
/// when the next file comes: wasm memory never shrinks, and a worker that
/// once held 1 GB would keep it.
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
