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
