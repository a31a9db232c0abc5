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

/// How deep JSON may nest (objects and arrays inside each other):
/// serde_json's recursion limit (128, the 128th level fails), kept on. Trace
/// files nest about 10 levels (an OTLP attribute holding maps in maps a few
/// more); a deeper file is refused with a message naming the limit and
/// where it was passed, instead of overflowing the stack (the worker's wasm
/// stack is 1 MB).
pub const MAX_DEPTH: usize = 127;

/// What a file nested deeper than [`MAX_DEPTH`] is told.
pub fn too_deep() -> String {
    format!(
        "the JSON nests more than {MAX_DEPTH} levels deep, Strata's limit (trace files nest about \
         10 levels deep)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;
    use crate::model::Store;

    /// A Jaeger file whose tag value nests `depth` levels in all.
    fn nested(depth: usize) -> String {
        // {"data":[{"spans":[{"tags":[{"value": is 7 levels.
        let k = depth - 7;
        format!(
            r#"{{"data":[{{"traceID":"1","spans":[{{"traceID":"1","spanID":"1","tags":[{{"key":"a","value":{}1{}}}]}}]}}]}}"#,
            "[".repeat(k),
            "]".repeat(k)
        )
    }

    #[test]
    fn nesting_up_to_the_limit_reads_and_past_it_is_named() {
        let mut s = Store::default();
        import::load(&mut s, "deep.json", nested(MAX_DEPTH).as_bytes()).unwrap();
        let e = import::load(&mut s, "deeper.json", nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert_eq!(e.message, too_deep());
        // At the last bracket, which opens the level past the limit.
        let at = e.offset.unwrap();
        assert_eq!(&nested(MAX_DEPTH + 1)[at..at + 2], "[1");
        assert_eq!(e.column, Some(at + 1));
        let path = e.path.unwrap();
        assert!(path.len() < 250, "{path}");
        assert!(
            path.starts_with("data[0].spans[0].tags[0].value[0]"),
            "{path}"
        );
    }
}
