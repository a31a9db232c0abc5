//! What went wrong with a file, and where.

use std::fmt;

/// A file that could not be loaded. Always names the file; names the position
/// (line, column, byte offset) and the JSON path of the field when known.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportError {
    pub file: String,
    pub message: String,
    /// 1-based line and column of the problem.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// 0-based byte offset of the problem.
    pub offset: Option<usize>,
    /// JSON path of the offending field, e.g. `resourceSpans[0].scopeSpans[0].spans[0].traceId`.
    pub path: Option<String>,
}

impl ImportError {
    pub fn new(file: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            file: file.to_owned(),
            message: message.into(),
            line: None,
            column: None,
            offset: None,
            path: None,
        }
    }

    /// From a serde_json error in `bytes`, whose line 1 starts at `line_base`
    /// (for JSON Lines, each line is parsed on its own).
    pub fn from_json(
        file: &str,
        err: &serde_json::Error,
        bytes: &[u8],
        line_base: usize,
        line_offset: usize,
    ) -> ImportError {
        let mut message = strip_position(&err.to_string());
        if err.is_syntax() || err.is_eof() {
            message = format!("malformed JSON: {message}");
        }
        let mut line = err.line();
        let mut column = err.column();
        let mut at = offset_of(bytes, line, column);
        if line > 1 && column == 0 && at > 0 {
            // Column 0: the line break ending the line before (a raw line
            // break inside a string): say so, where it is.
            at -= 1;
            line -= 1;
            column = at
                - bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
        }
        if message.contains("control character") {
            let what = match bytes.get(at) {
                Some(b'\n') | Some(b'\r') => Some("a line break inside a string (write it as \\n)"),
                Some(b'\t') => Some("a tab inside a string (write it as \\t)"),
                _ => None,
            };
            if let Some(w) = what {
                message = format!("malformed JSON: {w}");
            }
        }
        if err.is_data() {
            message = exact_numbers(&message, bytes, at);
        } else if message.ends_with("recursion limit exceeded") {
            message = super::limits::too_deep();
        } else if message.ends_with("number out of range") {
            if let Some(n) = number_at(bytes, at) {
                message = format!(
                    "malformed JSON: the number {} is out of range",
                    crate::model::units::clip(&n, 300)
                );
            }
        }
        let mut e = ImportError::new(file, message);
        if err.line() > 0 {
            // A rejected string value is reported at its closing quote: point at
            // its opening quote instead, where a reader looks for it.
            if err.is_data() && bytes.get(at) == Some(&b'"') {
                if let Some(open) = opening_quote(bytes, at) {
                    column -= at - open;
                    at = open;
                }
            }
            e.line = Some(line + line_base);
            e.column = Some(column);
            e.offset = Some(line_offset + at);
        }
        e
    }

    /// One line for a status list: message, then where.
    pub fn location(&self) -> String {
        let mut parts = Vec::new();
        if let Some(l) = self.line {
            match self.column {
                Some(c) => parts.push(format!("line {l}, column {c}")),
                None => parts.push(format!("line {l}")),
            }
        }
        if let Some(o) = self.offset {
            parts.push(format!("byte {o}"));
        }
        if let Some(p) = &self.path {
            parts.push(format!("field {p}"));
        }
        parts.join(", ")
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)?;
        let loc = self.location();
        if !loc.is_empty() {
            write!(f, " ({loc})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Marks `v`, a number that came through f64 (rounded past 2^53: 2^64+1
/// reads as 18446744073709552000), in a message: [`ImportError::from_json`]
/// writes the number there as the file wrote it.
pub fn rounded(v: f64) -> String {
    format!("{MARK}{v}{MARK}")
}

const MARK: char = '\u{1}';

/// `message` with the number it quotes through f64 (marked by [`rounded`],
/// or serde's "floating point `1.8446744073709552e19`") replaced with the
/// number where the error is (`at` in `bytes`) as it is written there, at
/// most 300 characters of it.
fn exact_numbers(message: &str, bytes: &[u8], at: usize) -> String {
    let literal = number_at(bytes, at);
    let exact = |rounded: &str| -> String {
        match &literal {
            Some(l) => crate::model::units::clip(l, 300),
            None => rounded.to_owned(),
        }
    };
    if let Some(a) = message.find(MARK) {
        if let Some(len) = message[a + 1..].find(MARK) {
            let b = a + 1 + len;
            return format!(
                "{}{}{}",
                &message[..a],
                exact(&message[a + 1..b]),
                &message[b + 1..]
            );
        }
    }
    const FLOAT: &str = "floating point `";
    if let Some(a) = message.find(FLOAT) {
        let from = a + FLOAT.len();
        if let (Some(len), Some(l)) = (message[from..].find('`'), &literal) {
            if !l.contains(['.', 'e', 'E']) {
                let rest = &message[from + len + 1..];
                return format!("{}integer `{}`{rest}", &message[..a], exact(l));
            }
        }
    }
    message.to_owned()
}

/// The JSON number that ends at or just before byte `at`, as written.
fn number_at(bytes: &[u8], at: usize) -> Option<String> {
    let is_num = |b: &u8| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E');
    let mut end = at.min(bytes.len());
    // serde_json points at the number's last character or just past it.
    if bytes.get(end).is_some_and(is_num) {
        end += 1;
        while bytes.get(end).is_some_and(is_num) {
            end += 1;
        }
    }
    let start = end - bytes[..end].iter().rev().take_while(|b| is_num(b)).count();
    let lit = std::str::from_utf8(&bytes[start..end]).ok()?;
    let first = lit.bytes().next()?;
    (first.is_ascii_digit() || first == b'-').then(|| lit.to_owned())
}

/// serde_json appends " at line L column C"; we report position separately.
fn strip_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) if s[i..].contains(" column ") => s[..i].to_owned(),
        _ => s.to_owned(),
    }
}

/// The `"` that opens the string whose closing quote is at `close` (same line).
fn opening_quote(bytes: &[u8], close: usize) -> Option<usize> {
    let mut i = close;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b'\n' => return None,
            b'"' => {
                let backslashes = bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count();
                if backslashes % 2 == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte offset of 1-based (line, column); serde_json counts columns in bytes.
fn offset_of(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    let mut seen = 1;
    if line > 1 {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Integers past u64 are quoted as the file wrote them, not rounded
    /// through f64 (issue 21, defect 9).
    #[test]
    fn big_numbers_are_quoted_as_written() {
        for (json, want) in [
            (
                "[1, 18446744073709551617]",
                "expected an unsigned integer, got 18446744073709551617",
            ),
            (
                "[1, 1e400000]",
                "malformed JSON: the number 1e400000 is out of range",
            ),
            (
                "[-123456789012345678901234567890 ]",
                "expected an unsigned integer, got -123456789012345678901234567890",
            ),
        ] {
            let err = serde_json::from_str::<Vec<Exact>>(json).unwrap_err();
            let e = ImportError::from_json("x.json", &err, json.as_bytes(), 0, 0);
            assert_eq!(e.message, want, "{json}");
        }
        let json = "{\"code\": 18446744073709551617}";
        let err = serde_json::from_str::<Code>(json).unwrap_err();
        let e = ImportError::from_json("x.json", &err, json.as_bytes(), 0, 0);
        assert!(
            e.message.contains("integer `18446744073709551617`"),
            "{}",
            e.message
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Code {
        code: i64,
    }

    /// Like `json::LooseU64`: an error quoting an f64.
    #[derive(Debug)]
    struct Exact;

    impl<'de> serde::Deserialize<'de> for Exact {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Exact;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a number")
                }
                fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Exact, E> {
                    Ok(Exact)
                }
                fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Exact, E> {
                    Err(E::custom(format!(
                        "expected an unsigned integer, got {}",
                        rounded(v)
                    )))
                }
            }
            d.deserialize_any(V)
        }
    }

    #[test]
    fn position_from_serde() {
        let bytes = b"{\n  \"a\": 1,\n  \"b\": ]\n}";
        let err = serde_json::from_slice::<serde_json::Value>(bytes).unwrap_err();
        let e = ImportError::from_json("x.json", &err, bytes, 0, 0);
        assert_eq!(e.line, Some(3));
        assert_eq!(e.column, Some(8));
        assert_eq!(bytes[e.offset.unwrap()], b']');
        assert!(e.message.starts_with("malformed JSON: "), "{}", e.message);
        assert!(!e.message.contains("at line"));
        assert_eq!(
            e.to_string(),
            format!("x.json: {} (line 3, column 8, byte 19)", e.message)
        );
    }
}

/// What a file that ends in the middle of its JSON is told: that it ends
/// early, and inside what, in the terms of its format (`format`: "Jaeger",
/// "OTLP", "Zipkin"), from the JSON path where it stopped
/// (`data[0].spans[3].tags[1].key`: "a tag of a Jaeger span").
pub fn ends_early(what: &str, format: Option<&str>, path: Option<&str>) -> String {
    let mut msg = format!("{what} ends early");
    if let Some(inside) = path.and_then(|p| inside(format, p)) {
        msg.push_str(&format!(", inside {inside}"));
    }
    msg.push_str(": it was cut off (an interrupted download, copy or save?)");
    msg
}

/// "a tag of a Jaeger span", "the references of a Jaeger span", "a Jaeger
/// span": the innermost known element on `path`, and the one holding it.
fn inside(format: Option<&str>, path: &str) -> Option<String> {
    // (noun, whether the path went into one element) for each known key.
    let mut known: Vec<(&str, bool)> = Vec::new();
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let (key, indexed) = match seg.find('[') {
            Some(b) => (&seg[..b], true),
            None => (*seg, false),
        };
        // A map's entry (`processes.p1`): its element.
        let entry = !indexed
            && i > 0
            && matches!(known.last(), Some((n, false)) if *n == "process")
            && !matches!(key, "?" | "tags");
        if entry {
            if let Some(last) = known.last_mut() {
                last.1 = true;
            }
            continue;
        }
        let noun = match key {
            // A top-level array of spans (Jaeger, Zipkin) or documents.
            "" if i == 0 && indexed => match format {
                Some("OTLP") => continue,
                _ => "span",
            },
            "data" => "trace",
            "spans" => "span",
            "tags" => "tag",
            "logs" => "log",
            "fields" => "field",
            "references" => "reference",
            "processes" | "process" => "process",
            "warnings" => "warning",
            "resourceSpans" | "resource_spans" | "batches" => "ResourceSpans",
            "scopeSpans" | "scope_spans" => "ScopeSpans",
            "attributes" => "attribute",
            "events" => "event",
            "links" => "link",
            "annotations" => "annotation",
            "localEndpoint" | "remoteEndpoint" => "endpoint",
            "values" => "value",
            _ => continue,
        };
        // `data` holds one trace or a list of them; a `process` is one.
        let one = indexed || (key == "data" || key == "process");
        known.push((noun, one));
    }
    let owner = |n: &str| match format {
        Some(f) if n.starts_with(char::is_lowercase) => format!("{} {f} {n}", article(f)),
        _ => format!("{} {n}", article(n)),
    };
    let plural = |n: &str| match n {
        "process" => "processes".to_owned(),
        "ResourceSpans" | "ScopeSpans" => n.to_owned(),
        _ => format!("{n}s"),
    };
    let (last, one) = *known.last()?;
    let parent = known.len().checked_sub(2).map(|p| known[p].0);
    Some(match (one, parent) {
        (true, _) if last == "span" => owner(last),
        (true, Some(p)) => format!("{} {last} of {}", article(last), owner(p)),
        (true, None) => owner(last),
        (false, Some(p)) => format!("the {} of {}", plural(last), owner(p)),
        (false, None) => match format {
            Some(f) => format!("the list of {f} {}", plural(last)),
            None => format!("the list of {}", plural(last)),
        },
    })
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

#[cfg(test)]
mod ends_early_tests {
    use super::*;

    #[test]
    fn says_inside_what_in_the_formats_terms() {
        let j = Some("Jaeger");
        let cases = [
            (j, "data[0].spans[1].tags[0].key", "a tag of a Jaeger span"),
            (j, "data[0].spans[0].tags", "the tags of a Jaeger span"),
            (j, "data[0].spans", "the spans of a Jaeger trace"),
            (j, "data[0].spans[1].?", "a Jaeger span"),
            (
                j,
                "data[0].processes.p1.tags",
                "the tags of a Jaeger process",
            ),
            (j, "data[0].processes.p1", "a process of a Jaeger trace"),
            (j, "[0].tags", "the tags of a Jaeger span"),
            (
                j,
                "[1].references[0].spanID",
                "a reference of a Jaeger span",
            ),
            (j, "spans[3].logs[0].fields[2]", "a field of a Jaeger log"),
            (
                Some("OTLP"),
                "resourceSpans[0].scopeSpans[0].spans[4].attributes[2].value",
                "an attribute of an OTLP span",
            ),
            (
                Some("Zipkin"),
                "[3].annotations",
                "the annotations of a Zipkin span",
            ),
        ];
        for (format, path, want) in cases {
            assert_eq!(inside(format, path).as_deref(), Some(want), "{path}");
        }
        assert_eq!(inside(j, "traceID"), None);
        assert_eq!(
            inside(j, "spans").as_deref(),
            Some("the list of Jaeger spans")
        );
        assert_eq!(
            ends_early("the file", j, Some("[0].tags")),
            "the file ends early, inside the tags of a Jaeger span: it was cut off (an interrupted download, copy or save?)"
        );
    }
}
