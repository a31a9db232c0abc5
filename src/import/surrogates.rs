//! Lone UTF-16 surrogate escapes: what `JSON.stringify` writes for a string
//! cut between the two halves of a character (an attribute length limit
//! cutting "😀" leaves `"\ud83d"`). Strict JSON readers, serde_json among
//! them, refuse the whole file for it; browsers and most readers take it.
//! Strata replaces each lone half with U+FFFD and says so in the file's
//! notes.

/// `bytes` with every lone surrogate escape (`\uD800`-`\uDFFF` not part of
/// a high + low pair) replaced by `\uFFFD`, the same length, so that every
/// line, column and offset stays; with how many were replaced. None when
/// there are none.
pub fn patch(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut out: Option<Vec<u8>> = None;
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(code) = unit_at(bytes, i) else {
            // Any other escape: skip it whole (`\\u` is not a `\u`).
            i += 2;
            continue;
        };
        let lone = match code {
            0xD800..=0xDBFF => match unit_at(bytes, i + 6) {
                Some(0xDC00..=0xDFFF) => {
                    i += 12;
                    continue;
                }
                _ => true,
            },
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            out.get_or_insert_with(|| bytes.to_vec())[i..i + 6].copy_from_slice(b"\\uFFFD");
            count += 1;
        }
        i += 6;
    }
    out.map(|b| (b, count))
}

/// The UTF-16 unit of a `\uXXXX` escape at `i`.
fn unit_at(bytes: &[u8], i: usize) -> Option<u16> {
    let e = bytes.get(i..i + 6)?;
    if e[0] != b'\\' || e[1] != b'u' {
        return None;
    }
    let hex = std::str::from_utf8(&e[2..]).ok()?;
    u16::from_str_radix(hex, 16).ok()
}

/// The message of a note for `n` replaced halves.
pub fn note(n: usize) -> String {
    format!(
        "{n} lone UTF-16 surrogate escape{} (a string cut inside a character, as JSON.stringify writes it) replaced with U+FFFD",
        if n == 1 { "" } else { "s" }
    )
}

/// serde_json's words for a lone surrogate.
pub fn is_surrogate_error(message: &str) -> bool {
    message.contains("surrogate") || message.contains("end of hex escape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_halves_become_replacement_characters() {
        let p = |s: &str| patch(s.as_bytes()).map(|(b, n)| (String::from_utf8(b).unwrap(), n));
        assert_eq!(p(r#""cut \ud83d""#), Some((r#""cut \uFFFD""#.into(), 1)));
        assert_eq!(p(r#""x \udc00 y""#), Some((r#""x \uFFFD y""#.into(), 1)));
        assert_eq!(
            p(r#""\ud800\ud800""#),
            Some((r#""\uFFFD\uFFFD""#.into(), 2))
        );
        // Pairs, other escapes and an escaped backslash before "u" stay.
        assert_eq!(p(r#""ok \ud83d\ude00 \n \\ud800 \u00e9""#), None);
        assert_eq!(p(r#""end \ud83d"#), Some((r#""end \uFFFD"#.into(), 1)));
        assert_eq!(p(r"\u12"), None);
    }

    /// The file loads, the cut string ends in U+FFFD, and its notes say so;
    /// a file that is wrong otherwise still fails where it did.
    #[test]
    fn a_cut_string_does_not_refuse_the_file() {
        use crate::model::Store;
        let json = r#"[{"traceId":"1","id":"1","name":"cut \ud83d","timestamp":1000,"duration":10,"localEndpoint":{"serviceName":"a"},"tags":{"k":"\udc00\ud83d\ude00"}}]"#;
        let mut s = Store::default();
        let f = crate::import::load(&mut s, "t.json", json.as_bytes())
            .unwrap()
            .file;
        assert_eq!(s.str(s.spans.name[0]), "cut \u{fffd}");
        assert_eq!(s.files[f as usize].warnings, [note(2)]);
        let bad =
            r#"[{"traceId":"1","id":"1","name":"cut \ud83d","timestamp":1000,"duration":10,}]"#;
        let e = crate::import::load(&mut s, "bad.json", bad.as_bytes()).unwrap_err();
        assert!(!is_surrogate_error(&e.message), "{}", e.message);
        assert_eq!(s.files.len(), 1);
    }
}
