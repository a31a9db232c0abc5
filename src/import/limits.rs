//! What a file may hold, in one place. Each limit is enforced by every
//! importer before memory runs out, and says what was hit and where; the
//! README's "Limits" section lists them.

/// The largest file, counted as the JSON text it holds (a gzip file counts
/// what it decompresses to, a UTF-16 file its text as UTF-8). In the browser
/// the worker holds the text and the parsed store in one wasm32 memory
/// (4 GiB at most), and the store takes about 0.6x the JSON's size. The
/// worker refuses bigger files before reading them, and decompression stops
/// as soon as its output passes this.
pub const MAX_FILE_BYTES: u64 = 2 << 30;
