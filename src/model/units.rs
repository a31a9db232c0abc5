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

/// `text` cut to at most `max` characters, with "…" where it was cut: what
/// messages quote of input they did not write.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("aéb", 3), "aéb");
        assert_eq!(clip("ééééé", 2), "éé…");
    }
}
