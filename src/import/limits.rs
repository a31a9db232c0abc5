//! What a file may hold, in one place. Each limit is enforced by every
//! importer before memory runs out, and says what was hit and where; the
//! README's "Limits" section lists them.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::model::units::format_count;

/// The largest file, counted as the JSON text it holds (a gzip file counts
/// what it decompresses to, a UTF-16 file its text as UTF-8). In the browser
/// the worker holds the text and the parsed store in one wasm32 memory
/// (4 GiB at most), and the store takes about 0.6x the JSON's size. The
/// worker refuses bigger files before reading them, and decompression stops
/// as soon as its output passes this.
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// The most spans one file loads. A span costs about 160 bytes in the
/// store while it is parsed (a minimal Zipkin span measured natively: 1M
/// spans peaked at 261 MB with their 104 MB file), and the page holds the
/// store again with its snapshot on the way in: 5M spans are ~0.8 GB in
/// the worker beside a file of up to 2 GB, within its 4 GB wasm32 memory,
/// and about as much in the page. Rich spans (10 tags, a log or two) take
/// ~1.2 KB of JSON each, so a 2 GB file of them holds fewer than 2M: only
/// tiny spans reach this. The spans past it are skipped unread (their
/// lists are never stored) and the file's notes say so: the first
/// [`MAX_SPANS`] in file order are loaded, in parts as whole.
pub const MAX_SPANS: usize = 5_000_000;

/// The most attributes one list holds: a span's (Jaeger tags, Zipkin tags),
/// an event's, a link's, a resource's, an attribute value's array or map.
/// The details panel filters and pages a span's list at once up to this
/// (35 ms for a 100,000-attribute span in the end-to-end tests); past it
/// the rest of the list is skipped unread and the file's notes name the
/// span: "a list of 250,000 attributes; kept the first 100,000".
pub const MAX_ATTRS: usize = 100_000;

/// The most events (OTLP events, Jaeger logs, Zipkin annotations) of one
/// span, for the same reason as [`MAX_ATTRS`].
pub const MAX_EVENTS: usize = 100_000;

/// The most links (OTLP links, Jaeger references) of one span.
pub const MAX_LINKS: usize = 100_000;

/// The longest string (a name, an id, an attribute value), in bytes of
/// UTF-8. Longer ones are cut at a character boundary and end with a
/// marker saying how long they were ("… [1,048,576 of 5,242,880 bytes,
/// Strata's limit]"), and the file's notes name the span: SQL statements
/// and stack traces of a few hundred KB stay whole, a 1 GB payload does not
/// take the page's memory, nor freeze it when shown.
pub const MAX_STRING_BYTES: usize = 1 << 20;

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

/// A span limit other than [`MAX_SPANS`] for the loads of this thread (the
/// tests: a limit of 5M spans is slow to pass); None restores it.
#[doc(hidden)]
pub fn set_max_spans_for_tests(n: Option<usize>) {
    SPANS_FOR_TESTS.set(n);
}

/// The span limit of a load starting now.
pub(super) fn max_spans() -> usize {
    SPANS_FOR_TESTS.get().unwrap_or(MAX_SPANS)
}

thread_local! {
    static SPANS_FOR_TESTS: Cell<Option<usize>> = const { Cell::new(None) };
    /// Strings cut since [`take_cuts`] was last asked: how many, the
    /// longest's length. The JSON readers that cut them have no sink.
    static CUTS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// `s`, or its first [`MAX_STRING_BYTES`] with a marker when it is longer
/// (counted for the span's note).
#[inline]
pub fn cut(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_STRING_BYTES {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(cut_long(s))
    }
}

/// [`cut`] of a string that arrived owned.
#[inline]
pub fn cut_owned(s: String) -> String {
    if s.len() <= MAX_STRING_BYTES {
        s
    } else {
        cut_long(&s)
    }
}

/// Set once any string was cut, by any thread: until then [`take_cuts`]
/// (asked twice a span) reads no thread-local. Never cleared (another
/// thread's cuts may be waiting): after a cut loads ask their own count.
static ANY_CUT: AtomicBool = AtomicBool::new(false);

#[cold]
fn cut_long(s: &str) -> String {
    ANY_CUT.store(true, Ordering::Relaxed);
    let at = s.floor_char_boundary(MAX_STRING_BYTES);
    CUTS.set({
        let (n, longest) = CUTS.get();
        (n + 1, longest.max(s.len()))
    });
    format!(
        "{}… [{} of {} bytes, Strata's limit]",
        &s[..at],
        format_count(at as u64),
        format_count(s.len() as u64)
    )
}

/// The strings cut since the last call (how many, the longest's length).
#[inline]
pub(super) fn take_cuts() -> Option<(usize, usize)> {
    if !ANY_CUT.load(Ordering::Relaxed) {
        return None;
    }
    let cuts = CUTS.get();
    if cuts.0 == 0 {
        return None;
    }
    CUTS.set((0, 0));
    Some(cuts)
}

/// Forgets cuts counted before a load starts.
pub(super) fn reset_cuts() {
    CUTS.set((0, 0));
}

/// The issue a span (or what is outside spans) gets for `n` strings cut,
/// the longest `longest` bytes.
pub(super) fn cut_strings(n: usize, longest: usize) -> String {
    format!(
        "{} longer than {} bytes (the longest {} bytes); kept the first {} bytes of each{}",
        if n == 1 {
            "a string".to_owned()
        } else {
            format!("{} strings", format_count(n as u64))
        },
        format_count(MAX_STRING_BYTES as u64),
        format_count(longest as u64),
        format_count(MAX_STRING_BYTES as u64),
        super::notes::CUT.tail
    )
}

/// The issue a list of `total` `things` cut to its first `kept` gets.
pub(super) fn cut_list(total: usize, things: &str, kept: usize) -> String {
    format!(
        "a list of {} {things}; kept the first {}{}",
        format_count(total as u64),
        format_count(kept as u64),
        super::notes::CUT.tail
    )
}

/// The note of a file with more spans than its load keeps.
pub fn too_many_spans(max: usize) -> String {
    format!(
        "the file holds more than {} spans, Strata's limit (the browser's memory holds about \
         that many beside the file): the first {} in the file are loaded, the rest are left out",
        format_count(max as u64),
        format_count(max as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;
    use crate::model::{Store, Value};

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

    fn otlp(span_fields: &str, resource_attrs: &str) -> String {
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{resource_attrs}]}},"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","startTimeUnixNano":"1000","endTimeUnixNano":"2000"{span_fields}}}]}}]}}]}}"#
        )
    }

    fn list(n: usize, item: impl Fn(usize) -> String) -> String {
        (0..n).map(item).collect::<Vec<_>>().join(",")
    }

    fn notes(s: &Store) -> Vec<&str> {
        s.files
            .last()
            .unwrap()
            .warnings
            .iter()
            .map(String::as_str)
            .collect()
    }

    const SPAN: &str = "span 0102030405060708 in trace 0102030405060708090a0b0c0d0e0f10";

    /// A span's attributes, events and links past their limits: the first
    /// ones kept, the rest skipped, the span named (issue 21, limits).
    #[test]
    fn lists_past_their_limit_keep_the_first_and_name_the_span() {
        let attr = |k: usize| format!(r#"{{"key":"k{k}","value":{{"intValue":"{k}"}}}}"#);
        let event = |k: usize| format!(r#"{{"timeUnixNano":"{}","name":"e{k}"}}"#, 1000 + k);
        let link = |k: usize| {
            format!(
                r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{:016x}"}}"#,
                k + 1
            )
        };
        let fields = format!(
            r#","attributes":[{}],"events":[{}],"links":[{}]"#,
            list(MAX_ATTRS + 5, attr),
            list(MAX_EVENTS + 1, event),
            list(MAX_LINKS, link)
        );
        let mut s = Store::default();
        import::load(&mut s, "big.json", otlp(&fields, &attr(0)).as_bytes()).unwrap();
        assert_eq!(s.span_attrs(0).len(), MAX_ATTRS);
        assert_eq!(s.span_events(0).len(), MAX_EVENTS);
        assert_eq!(s.span_links(0).len(), MAX_LINKS);
        assert_eq!(
            notes(&s),
            [
                format!(
                    "{SPAN}: a list of 100,005 attributes; kept the first 100,000 (Strata's limit)"
                ),
                format!(
                    "{SPAN}: a list of 100,001 events; kept the first 100,000 (Strata's limit)"
                ),
            ]
        );
        // A resource's: outside the spans.
        let mut s = Store::default();
        import::load(
            &mut s,
            "res.json",
            otlp("", &list(MAX_ATTRS + 1, attr)).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            notes(&s),
            ["outside the spans (a resource, scope or process): a list of 100,001 attributes; kept the first 100,000 (Strata's limit)"]
        );
        // Jaeger tags and logs, Zipkin tags (a map) and annotations.
        let tag = |k: usize| format!(r#"{{"key":"k{k}","type":"int64","value":{k}}}"#);
        let log = |k: usize| format!(r#"{{"timestamp":{k},"fields":[]}}"#);
        let jaeger = format!(
            r#"{{"data":[{{"traceID":"abc","spans":[{{"traceID":"abc","spanID":"1","operationName":"x","startTime":1,"duration":1,"tags":[{}],"logs":[{}]}}]}}]}}"#,
            list(MAX_ATTRS + 1, tag),
            list(MAX_EVENTS + 2, log)
        );
        import::load(&mut s, "j.json", jaeger.as_bytes()).unwrap();
        assert_eq!(
            notes(&s),
            [
                "span 0000000000000001 in trace 0000000000000abc: a list of 100,001 tags; kept the first 100,000 (Strata's limit)",
                "span 0000000000000001 in trace 0000000000000abc: a list of 100,002 logs; kept the first 100,000 (Strata's limit)",
            ]
        );
        let ztag = |k: usize| format!(r#""k{k}":"v""#);
        let ann = |k: usize| format!(r#"{{"timestamp":{k},"value":"a"}}"#);
        let zipkin = format!(
            r#"[{{"traceId":"a","id":"1","name":"x","tags":{{{}}},"annotations":[{}]}}]"#,
            list(MAX_ATTRS + 3, ztag),
            list(MAX_EVENTS + 1, ann)
        );
        import::load(&mut s, "z.json", zipkin.as_bytes()).unwrap();
        let span = s.spans.len() as u32 - 1;
        assert_eq!(s.span_attrs(span).len(), MAX_ATTRS);
        assert_eq!(
            notes(&s),
            [
                "span 0000000000000001 in trace 000000000000000a: a list of 100,003 tags; kept the first 100,000 (Strata's limit)",
                "span 0000000000000001 in trace 000000000000000a: a list of 100,001 annotations; kept the first 100,000 (Strata's limit)",
            ]
        );
    }

    /// Strings past the limit are cut at a character, marked, and the span
    /// named (issue 21, limits).
    #[test]
    fn long_strings_are_cut_and_marked() {
        let long = "é".repeat(MAX_STRING_BYTES); // 2 MB
        let fields = format!(
            r#","attributes":[{{"key":"a","value":{{"stringValue":"{long}"}}}},{{"key":"b","value":{{"stringValue":"{long}x"}}}}]"#
        );
        let mut s = Store::default();
        import::load(&mut s, "long.json", otlp(&fields, "").as_bytes()).unwrap();
        let Value::Str(t) = s.span_attrs(0)[0].value else {
            panic!("not a string")
        };
        let kept = s.text(t);
        assert!(kept.starts_with("éé"));
        assert!(
            kept.ends_with("é… [1,048,576 of 2,097,152 bytes, Strata's limit]"),
            "{}",
            &kept[kept.len() - 80..]
        );
        assert_eq!(
            notes(&s),
            [format!("{SPAN}: 2 strings longer than 1,048,576 bytes (the longest 2,097,153 bytes); kept the first 1,048,576 bytes of each (Strata's limit)")]
        );
        // A Jaeger tag value that is a huge array: its JSON text is cut too.
        let big = format!("[{}]", vec!["1234567890"; 200_000].join(","));
        let jaeger = format!(
            r#"[{{"traceID":"abc","spanID":"1","operationName":"x","startTime":1,"duration":1,"tags":[{{"key":"a","value":{big}}}]}}]"#
        );
        import::load(&mut s, "j.json", jaeger.as_bytes()).unwrap();
        let Value::Str(t) = s.span_attrs(1)[0].value else {
            panic!("not a string")
        };
        assert!(s.text(t).len() < MAX_STRING_BYTES + 100);
        assert_eq!(notes(&s).len(), 1, "{:?}", notes(&s));
    }

    /// Past the span limit the first spans are kept and the file says so
    /// (issue 21, limits).
    #[test]
    fn past_the_span_limit_the_first_spans_are_loaded() {
        set_max_spans_for_tests(Some(10));
        let spans = list(25, |k| {
            format!(
                r#"{{"traceId":"{}","id":"{:x}","name":"s{k}"}}"#,
                k % 3 + 1,
                k + 1
            )
        });
        let mut s = Store::default();
        let r = import::load(&mut s, "many.json", format!("[{spans}]").as_bytes());
        set_max_spans_for_tests(None);
        r.unwrap();
        assert_eq!(s.spans.len(), 10);
        assert!(s
            .spans
            .name
            .iter()
            .all(|n| s.str(*n)[1..].parse::<usize>().unwrap() < 10));
        assert_eq!(
            notes(&s),
            [
                "the file holds more than 10 spans, Strata's limit (the browser's memory holds about that many beside the file): the first 10 in the file are loaded, the rest are left out"
            ]
        );
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
