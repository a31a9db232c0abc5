//! Blanking the spans another part keeps, before a part is parsed.
//!
//! A part of a file parsed in parts ([`super::parts`]) reads the whole file
//! but keeps only the spans that start in its share. Skipping the others
//! through serde still tokenizes every byte of them: in wasm that was ~40% of
//! a part's parse. So before parsing, one quick pass over the bytes finds the
//! span lists and overwrites each span another part keeps with a placeholder
//! of the same length: a string of spaces (for a span over several lines,
//! one line's worth, the rest whitespace, the line breaks kept), so the line
//! and column of any error stay right. The list keeps its length and commas,
//! so an error's path (`data[0].spans[1234]`) is the same as in a plain load.
//! The parser passes a placeholder ~10x faster than it tokenizes a span, and
//! the span visitor, seeing a string inside a blanked span
//! ([`Blanks::is_placeholder`]), counts the span as another part's.
//!
//! Span lists are the arrays under a `spans` key on the paths where Jaeger
//! and OTLP put them (`data`, `result`, `batches`, `trace`, `traces`,
//! `resourceSpans`, `scopeSpans`, ... from the top). Zipkin's and bare span
//! arrays are not blanked: their parts skip spans as before.
//!
//! The pass only follows strings, brackets and the commas between span list
//! elements; it does not validate. It gives up (and nothing is blanked) on
//! anything it does not expect: a span list element that is not an object
//! whose first key is a plain string, a key with an escape on the way to the
//! span lists or as a span's first key (a span's position is its first key's,
//! which the parser knows only when the key is a slice of the file; a span
//! outside the lists is always an element of an array on that way), a file
//! that ends inside a value.
//!
//! Why blanking never hides an error: each span is kept, so left unblanked, by
//! exactly one part, which parses it fully; the bytes around spans are read by
//! every part; and the pass checks the commas between elements itself.

use std::ops::Range;

/// Container keys on the way from the top of a document to its span lists.
const PATH_KEYS: [&[u8]; 11] = [
    b"data",
    b"result",
    b"batches",
    b"trace",
    b"traces",
    b"resourceSpans",
    b"resource_spans",
    b"scopeSpans",
    b"scope_spans",
    b"instrumentationLibrarySpans",
    b"instrumentation_library_spans",
];

/// Nesting deeper than this on the path to span lists: give up (serde_json
/// itself stops at 128).
const MAX_DEPTH: usize = 32;

/// The spans of a file that a part leaves to the others.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Blanks {
    /// The byte ranges of those spans, in file order: each from its `{` to
    /// its `}`.
    spans: Vec<Range<usize>>,
}

impl Blanks {
    /// Finds, in `bytes`, the span list elements whose first key does not
    /// start in `keep` (offsets of the key's first byte after its quote).
    /// None when the file is not one this pass understands: then nothing is
    /// blanked.
    pub fn find(bytes: &[u8], keep: Range<usize>) -> Option<Blanks> {
        let mut scan = Scan {
            b: bytes,
            i: 0,
            keep,
            out: Blanks::default(),
        };
        scan.document()?;
        Some(scan.out)
    }

    /// Number of spans blanked.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Overwrites each span with its placeholder: a string of spaces, which
    /// serde_json passes 8 bytes at a time. A span over several lines keeps
    /// its line breaks: its placeholder is the string of spaces over its
    /// first stretch of two or more bytes without one (its first key is such
    /// a stretch), the rest whitespace (passed a byte at a time, as slowly as
    /// tokens).
    pub fn apply(&self, bytes: &mut [u8]) {
        let line_break = |c: &u8| *c == b'\n' || *c == b'\r';
        for r in &self.spans {
            let span = &mut bytes[r.clone()];
            let (at, len) = if memchr::memchr2(b'\n', b'\r', span).is_some() {
                for c in span.iter_mut().filter(|c| !line_break(c)) {
                    *c = b' ';
                }
                let mut at = 0;
                let stretch = span.split(line_break).find_map(|line| {
                    let found = (line.len() >= 2).then_some((at, line.len()));
                    at += line.len() + 1;
                    found
                });
                // Never None: the first key, `"k"`, is on one line.
                let Some(stretch) = stretch else { continue };
                stretch
            } else {
                span.fill(b' ');
                (0, span.len())
            };
            span[at] = b'"';
            span[at + len - 1] = b'"';
        }
    }

    /// Whether the string whose first byte after the quote is at `offset`
    /// is the placeholder of a blanked span (the only string a blanked span
    /// holds).
    pub fn is_placeholder(&self, offset: usize) -> bool {
        let k = self.spans.partition_point(|r| r.end <= offset);
        self.spans.get(k).is_some_and(|r| r.contains(&offset))
    }
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    keep: Range<usize>,
    out: Blanks,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// Whitespace, then `c`.
    fn expect(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// Every top-level value (several for JSON Lines), each an object or an
    /// array.
    fn document(&mut self) -> Option<()> {
        if self.b.starts_with(b"\xEF\xBB\xBF") {
            self.i = 3;
        }
        loop {
            self.ws();
            match self.peek() {
                None => return Some(()),
                Some(b'{' | b'[') => self.value(true, 0)?,
                Some(_) => return None,
            }
        }
    }

    /// The value at `i`: followed when it is on the path to span lists,
    /// passed over otherwise.
    fn value(&mut self, on_path: bool, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' if on_path => self.object(depth + 1),
            b'[' if on_path => self.array(depth + 1),
            b'{' | b'[' => self.nested(),
            b'"' => self.string().map(|_| ()),
            _ => self.scalar(),
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.elements(b'}', |s| {
            if s.peek()? != b'"' {
                return None;
            }
            let from = s.i + 1;
            if s.string()? {
                return None;
            }
            let key = &s.b[from..s.i - 1];
            s.expect(b':')?;
            s.ws();
            if key == b"spans" && s.peek()? == b'[' {
                s.span_list()
            } else {
                s.value(PATH_KEYS.contains(&key), depth)
            }
        })
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.elements(b']', |s| s.value(true, depth))
    }

    /// A span list: each element an object whose first key is a plain
    /// string; those whose first key starts outside `keep` are blanked.
    fn span_list(&mut self) -> Option<()> {
        self.elements(b']', |s| {
            let start = s.i;
            if s.peek()? != b'{' {
                return None;
            }
            s.i += 1;
            s.ws();
            if s.peek()? != b'"' {
                return None;
            }
            let first_key = s.i + 1;
            if s.string()? {
                return None;
            }
            s.i = start;
            s.nested()?;
            if !s.keep.contains(&first_key) {
                s.out.spans.push(start..s.i);
            }
            Some(())
        })
    }

    /// The object or array at `i` (its `{` or `[`), whose elements `each`
    /// reads (from the first byte of one to its end), and the commas between
    /// them.
    fn elements(&mut self, close: u8, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            each(self)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The object or array at `i`, passed over; None if the file ends inside
    /// it.
    fn nested(&mut self) -> Option<()> {
        self.i = balanced_end(self.b, self.i)?;
        Some(())
    }

    /// The string at `i` (its opening quote); returns whether it has an
    /// escape, with `i` after its closing quote.
    fn string(&mut self) -> Option<bool> {
        let mut at = self.i + 1;
        let mut escaped = false;
        loop {
            at += memchr::memchr2(b'"', b'\\', self.b.get(at..)?)?;
            if self.b[at] == b'"' {
                self.i = at + 1;
                return Some(escaped);
            }
            escaped = true;
            at += 2;
        }
    }

    /// A number, `true`, `false` or `null`: up to the next delimiter.
    fn scalar(&mut self) -> Option<()> {
        let rest = self.b.get(self.i..)?;
        let n = rest
            .iter()
            .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            .unwrap_or(rest.len());
        (n > 0).then(|| self.i += n)
    }
}

/// Offset just past the object or array that starts at `start` (its `{` or
/// `[`); None if the file ends inside it.
///
/// 64 bytes at a time, as simdjson finds structure: bit masks of the quotes,
/// backslashes and brackets in the block ([`masks`]); the escaped quotes
/// dropped; a prefix XOR of the quotes gives which bytes are inside strings;
/// the brackets outside strings are counted, and only in the block where the
/// depth may come back to zero looked at one by one. Brackets are counted,
/// not matched: a span whose brackets do not match is an error that the part
/// keeping it finds.
fn balanced_end(b: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0u32;
    // All ones when the previous block ended inside a string.
    let mut in_string = 0u64;
    // The previous block ended with a backslash that escapes this block's
    // first byte.
    let mut escape = false;
    let mut at = start;
    loop {
        let rest = &b[at..];
        let mut pad = [b' '; 64];
        let block: &[u8; 64] = match rest.first_chunk::<64>() {
            Some(block) => block,
            None => {
                pad[..rest.len()].copy_from_slice(rest);
                &pad
            }
        };
        let m = masks(block);
        let quotes = m.quote & !escaped(m.backslash, &mut escape);
        let inside = prefix_xor(quotes) ^ in_string;
        in_string = 0u64.wrapping_sub(inside >> 63);
        let (open, close) = (m.open & !inside, m.close & !inside);
        if close.count_ones() < depth {
            depth = depth + open.count_ones() - close.count_ones();
        } else {
            let mut brackets = open | close;
            while brackets != 0 {
                let k = brackets.trailing_zeros();
                brackets &= brackets - 1;
                if open >> k & 1 == 1 {
                    depth += 1;
                } else {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(at + k as usize + 1);
                    }
                }
            }
        }
        if rest.len() <= 64 {
            return None;
        }
        at += 64;
    }
}

/// Bit `k` set: byte `k` of a block is `"`, `\`, `{` or `[`, `}` or `]`.
#[derive(Debug, PartialEq)]
struct Masks {
    quote: u64,
    backslash: u64,
    open: u64,
    close: u64,
}

/// The bytes of a block escaped by a backslash; `carry` says the first is,
/// and is set when the last backslash escapes the next block's first byte.
fn escaped(backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = *carry as u64;
    *carry = false;
    let mut rest = backslash & !escaped;
    while rest != 0 {
        let k = rest.trailing_zeros();
        // An escaped backslash escapes nothing.
        if escaped >> k & 1 == 0 {
            match k {
                63 => *carry = true,
                _ => escaped |= 1 << (k + 1),
            }
        }
        rest &= rest - 1;
    }
    escaped
}

/// Bit `k` of the result: the XOR of bits `0..=k` of `x` (inside a string,
/// counting its opening quote, when `x` holds the unescaped quotes).
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// [`Masks`] of a block, 16 bytes at a time ([`masks16`]).
fn masks(block: &[u8; 64]) -> Masks {
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        open: 0,
        close: 0,
    };
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let [quote, backslash, open, close] = masks16(chunk.try_into().unwrap());
        let shift = 16 * k;
        m.quote |= (quote as u64) << shift;
        m.backslash |= (backslash as u64) << shift;
        m.open |= (open as u64) << shift;
        m.close |= (close as u64) << shift;
    }
    m
}

// In the SIMD versions, `[` | 0x20 is `{` and `]` | 0x20 is `}`: one compare
// finds both brackets.

/// The quote, backslash, open and close masks of 16 bytes (SSE2 is part of
/// x86_64).
#[cfg(target_arch = "x86_64")]
fn masks16(chunk: &[u8; 16]) -> [u16; 4] {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is always there on x86_64; the load reads the 16 bytes.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr() as *const __m128i);
        let low = _mm_or_si128(v, _mm_set1_epi8(0x20));
        let eq = |v, c: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))) as u16;
        [eq(v, b'"'), eq(v, b'\\'), eq(low, b'{'), eq(low, b'}')]
    }
}

/// The quote, backslash, open and close masks of 16 bytes (wasm SIMD).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn masks16(chunk: &[u8; 16]) -> [u16; 4] {
    use std::arch::wasm32::*;
    // SAFETY: the load reads the 16 bytes (any alignment).
    let v = unsafe { v128_load(chunk.as_ptr() as *const v128) };
    let low = v128_or(v, u8x16_splat(0x20));
    let eq = |v, c: u8| i8x16_bitmask(i8x16_eq(v, u8x16_splat(c)));
    [eq(v, b'"'), eq(v, b'\\'), eq(low, b'{'), eq(low, b'}')]
}

/// The quote, backslash, open and close masks of 16 bytes, a byte at a time:
/// on other targets, and to check the others.
#[cfg_attr(
    any(
        target_arch = "x86_64",
        all(target_arch = "wasm32", target_feature = "simd128")
    ),
    allow(dead_code)
)]
fn masks16_scalar(chunk: &[u8; 16]) -> [u16; 4] {
    let mut m = [0u16; 4];
    for (k, &c) in chunk.iter().enumerate() {
        let which = match c {
            b'"' => 0,
            b'\\' => 1,
            b'{' | b'[' => 2,
            b'}' | b']' => 3,
            _ => continue,
        };
        m[which] |= 1 << k;
    }
    m
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
fn masks16(chunk: &[u8; 16]) -> [u16; 4] {
    masks16_scalar(chunk)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(json: &str, keep: Range<usize>) -> Option<String> {
        let mut bytes = json.as_bytes().to_vec();
        let b = Blanks::find(&bytes, keep)?;
        b.apply(&mut bytes);
        Some(String::from_utf8(bytes).unwrap())
    }

    #[test]
    fn spans_outside_the_share_become_placeholders_of_the_same_length() {
        let json = r#"{"data":[{"traceID":"t","spans":[{"a":1},{"b":"}"},{"c":[2]}],"processes":{"p":{"spans":[{"x":1}]}}}]}"#;
        let second = json.find(r#""b""#).unwrap() + 1;
        let third = json.find(r#""c""#).unwrap() + 1;
        // Keep the middle span only.
        let out = blanked(json, second..third).unwrap();
        assert_eq!(out.len(), json.len());
        assert_eq!(
            out,
            r#"{"data":[{"traceID":"t","spans":["     ",{"b":"}"},"       "],"processes":{"p":{"spans":[{"x":1}]}}}]}"#
        );
        let mut bytes = json.as_bytes().to_vec();
        let b = Blanks::find(&bytes, second..third).unwrap();
        assert_eq!(b.len(), 2);
        b.apply(&mut bytes);
        let first = json.find(r#"{"a""#).unwrap();
        assert!(b.is_placeholder(first + 1));
        assert!(!b.is_placeholder(second));
        // Still JSON, with as many elements.
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["data"][0]["spans"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn line_breaks_stay() {
        let json = "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n {\"a\":\n 1\r\n},\n {\n\"b\":2},\n {\"c\":3}\n]}]}]}";
        let c = json.find("\"c\"").unwrap() + 1;
        let mut bytes = json.as_bytes().to_vec();
        let b = Blanks::find(&bytes, c..json.len()).unwrap();
        b.apply(&mut bytes);
        let out = String::from_utf8(bytes).unwrap();
        // A string over the first stretch without a line break: `{"a":`,
        // and `"b":2}` (the line of `{` alone is too short).
        assert_eq!(out, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n \"   \"\n  \r\n ,\n  \n\"    \",\n {\"c\":3}\n]}]}]}");
        let second = out.rfind("\"    \"").unwrap();
        assert!(b.is_placeholder(second + 1));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["resourceSpans"][0]["scopeSpans"][0]["spans"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn only_span_lists_on_the_path_are_blanked() {
        // A `spans` key inside a span, or under a key that is not a container
        // of span lists, is left alone.
        let json = r#"[{"traceId":"1","tags":{"spans":[{"k":1}]}},{"other":{"spans":[{"k":2}]}}]"#;
        assert_eq!(blanked(json, 0..0).unwrap(), json);
    }

    #[test]
    fn anything_unexpected_blanks_nothing() {
        for json in [
            r#"{"spans":[{"a":1} {"b":2}]}"#, // missing comma
            r#"{"spans":[{"a":1},]}"#,        // trailing comma
            r#"{"spans":[{},{"a":1}]}"#,      // no first key
            r#"{"spans":[1,{"a":1}]}"#,       // not an object
            r#"{"spans":[{"a\n":1}]}"#,       // escaped first key
            r#"{"spans":[{"a":1}"#,           // cut short
            r#"{"spans":[{"a":"x}]}"#,        // string cut short
            r#"nope"#,
        ] {
            assert_eq!(blanked(json, 0..0), None, "{json}");
        }
        // An escape in a value is fine.
        assert!(blanked(r#"{"spans":[{"a":"x\"}"}]}"#, 0..0).is_some());
    }

    /// Random nested JSON with strings full of escapes, quotes and brackets,
    /// so that strings, escapes and brackets fall across 64-byte blocks.
    fn random_value(rng: &mut fastrand::Rng, depth: u32, out: &mut String) {
        let pick = if depth > 6 { 2 } else { rng.u32(0..4) };
        match pick {
            0 | 1 => {
                let object = pick == 0;
                out.push(if object { '{' } else { '[' });
                for k in 0..rng.usize(0..5) {
                    if k > 0 {
                        out.push(',');
                    }
                    if object {
                        random_string(rng, out);
                        out.push(':');
                    }
                    random_value(rng, depth + 1, out);
                }
                out.push(if object { '}' } else { ']' });
            }
            2 => random_string(rng, out),
            _ => out.push_str(["1", "true", "null", "-2.5e3"][rng.usize(0..4)]),
        }
    }

    fn random_string(rng: &mut fastrand::Rng, out: &mut String) {
        out.push('"');
        for _ in 0..rng.usize(0..90) {
            match rng.u32(0..10) {
                0 => out.push_str("\\\\"),
                1 => out.push_str("\\\""),
                2 => out.push_str(["{", "}", "[", "]"][rng.usize(0..4)]),
                3 => out.push_str("\\u00e9"),
                _ => out.push('x'),
            }
        }
        out.push('"');
    }

    #[test]
    fn the_end_of_a_value_is_where_serde_json_ends_it() {
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..3000 {
            let mut json = " ".repeat(rng.usize(0..70));
            let start = json.len();
            json.push(['{', '['][rng.usize(0..2)]);
            json.pop();
            random_value(&mut rng, 0, &mut json);
            if !json[start..].starts_with(['{', '[']) {
                continue;
            }
            let mut stream = serde_json::Deserializer::from_str(&json[start..])
                .into_iter::<serde::de::IgnoredAny>();
            stream.next().unwrap().unwrap();
            let end = start + stream.byte_offset();
            json.push_str(&" ]".repeat(rng.usize(0..40)));
            assert_eq!(balanced_end(json.as_bytes(), start), Some(end), "{json}");
            // Cut short, it has no end.
            assert_eq!(
                balanced_end(&json.as_bytes()[..end - 1], start),
                None,
                "{json}"
            );
        }
    }

    #[test]
    fn block_masks_agree_with_a_byte_at_a_time() {
        let mut rng = fastrand::Rng::with_seed(11);
        let alphabet = b"\"\\{}[]x :,\n{\x7b\x5b\x5d\x7d\xfb\xdb\xfd\xdd\x02\x22";
        for _ in 0..5000 {
            let chunk: [u8; 16] = std::array::from_fn(|_| alphabet[rng.usize(..alphabet.len())]);
            assert_eq!(masks16(&chunk), masks16_scalar(&chunk), "{chunk:?}");
        }
    }
}
