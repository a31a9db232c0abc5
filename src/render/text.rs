//! Fitting labels into boxes without measuring every string: the width of a
//! text is estimated from a per-font average character width (measured once),
//! and a label too long for its box is cut with an ellipsis.

/// The longest prefix of `text` (whole characters) that fits in `max_px`
/// with an ellipsis, or the whole text if it fits; None if not even one
/// character and the ellipsis fit.
pub fn fit(text: &str, max_px: f64, char_px: f64) -> Option<String> {
    if char_px <= 0.0 || max_px <= 0.0 {
        return None;
    }
    // Canvas text obeys bidi overrides and draws controls as nothing.
    let text = crate::model::units::visible(text, false);
    let chars = text.chars().count();
    let room = (max_px / char_px).floor() as usize;
    if chars <= room {
        return Some(text.into_owned());
    }
    if room < 2 {
        return None;
    }
    let mut s: String = text.chars().take(room - 1).collect();
    s.push('…');
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_or_cuts() {
        assert_eq!(fit("checkout", 100.0, 7.0).as_deref(), Some("checkout"));
        assert_eq!(fit("checkout", 35.0, 7.0).as_deref(), Some("chec…"));
        assert_eq!(fit("checkout", 10.0, 7.0), None);
        assert_eq!(
            fit("\u{202E}live", 100.0, 7.0).as_deref(),
            Some("[U+202E]live")
        );
        assert_eq!(fit("wörld", 21.0, 7.0).as_deref(), Some("wö…"));
        assert_eq!(fit("", 10.0, 7.0).as_deref(), Some(""));
    }
}
