//! Sizes and counts as people read them (times are in `time`).

/// 1.2 GB, 350 MB, 12 KB, 512 bytes (decimal units, as file managers show).
pub fn format_bytes(n: u64) -> String {
    let f = n as f64;
    if f >= 1e9 {
        format!("{:.1} GB", f / 1e9)
    } else if f >= 1e6 {
        format!("{:.0} MB", f / 1e6)
    } else if f >= 1e3 {
        format!("{:.0} KB", f / 1e3)
    } else {
        format!("{n} bytes")
    }
}

/// 1,234,567.
pub fn format_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 span", "2 spans", "1,234 spans": a count with its noun (plural by "s").
pub fn counted(n: u64, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        format_count(n),
        if n == 1 { "" } else { "s" }
    )
}

/// `text` cut to at most `max` characters, with "…" where it was cut: what
/// messages quote of input they did not write.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// `text` with the characters that would act instead of showing made
/// visible: C0/C1 controls become their Unicode control pictures (␀, ␛) or
/// `[U+0085]`, and bidirectional formatting characters (U+202E RIGHT-TO-LEFT
/// OVERRIDE shows "evil" as "live") become `[U+202E]`. Line breaks and tabs
/// stay when `lines` is true (a value shown on several lines), otherwise
/// they show as ␊ and ␉. Borrowed when there is nothing to replace.
pub fn visible(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        (c.is_control() && !(lines && (c == '\n' || c == '\t')))
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !acts(c) {
            out.push(c);
        } else if (c as u32) < 0x20 {
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?'));
        } else if c == '\u{7F}' {
            out.push('␡');
        } else {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_show_instead_of_acting() {
        assert!(matches!(
            visible("GET /api", false),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(visible("\u{202E}live", false), "[U+202E]live");
        assert_eq!(visible("a\u{1b}[31mb\u{0}", false), "a␛[31mb␀");
        assert_eq!(visible("one\ntwo\tx", true), "one\ntwo\tx");
        assert_eq!(visible("one\ntwo", false), "one␊two");
        assert_eq!(
            visible("\u{85}\u{2066}x\u{2069}\u{7f}", false),
            "[U+0085][U+2066]x[U+2069]␡"
        );
        // Right-to-left text itself is kept (the page isolates it).
        assert_eq!(visible("שלום", false), "שלום");
    }

    #[test]
    fn readable() {
        assert_eq!(format_bytes(1_234_000_000), "1.2 GB");
        assert_eq!(format_bytes(350_400_000), "350 MB");
        assert_eq!(format_bytes(12_300), "12 KB");
        assert_eq!(format_bytes(12), "12 bytes");
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1234567), "1,234,567");
        assert_eq!(counted(1, "span"), "1 span");
        assert_eq!(counted(0, "trace"), "0 traces");
        assert_eq!(counted(12345, "span"), "12,345 spans");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("aéb", 3), "aéb");
        assert_eq!(clip("ééééé", 2), "éé…");
    }
}
