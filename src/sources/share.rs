//! Self-contained links: a trace, zlib-deflated (the Adler-32 checksum catches
//! a link cut short) and base64url-encoded, carried in
//! the URL hash, so a link opens it with no server and no file. A link can
//! only be so long: the budget is 64 KB of compressed data (~88 KB of text,
//! which every current browser accepts in a URL).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Compressed bytes a link may carry.
pub const BUDGET: usize = 64 * 1024;
/// The most a link's data may inflate to (a hostile link must not exhaust memory).
const MAX_INFLATED: usize = 64 * 1024 * 1024;

/// The data part of a link for `bytes`, or the compressed size when it does
/// not fit the budget.
pub fn embed(bytes: &[u8]) -> Result<String, usize> {
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(bytes, 9);
    if packed.len() > BUDGET {
        return Err(packed.len());
    }
    Ok(URL_SAFE_NO_PAD.encode(packed))
}

/// The bytes a link's data carries; the error says what is wrong with it.
pub fn unembed(data: &str) -> Result<Vec<u8>, String> {
    let packed = URL_SAFE_NO_PAD
        .decode(data.trim_end_matches('='))
        .map_err(|e| format!("the link's embedded trace is damaged or truncated (not base64url: {e}); copy the whole link again"))?;
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&packed, MAX_INFLATED).map_err(|e| {
        if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
            format!(
                "the link's embedded trace is too big: it inflates to more than {} (the most a link may carry); open the trace from its file instead",
                crate::model::units::format_bytes(MAX_INFLATED as u64)
            )
        } else {
            format!("the link's embedded trace is damaged or truncated (it does not inflate: {:?}); copy the whole link again", e.status)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_that_inflates_past_the_limit_is_called_too_big() {
        // 65 MB of spaces compress to a few tens of KB.
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&vec![b' '; MAX_INFLATED + 1], 9);
        let e = unembed(&URL_SAFE_NO_PAD.encode(packed)).unwrap_err();
        assert!(e.contains("too big") && e.contains("67 MB"), "{e}");
        assert!(!e.contains("HasMoreOutput"), "{e}");
    }

    #[test]
    fn round_trip_and_budget() {
        let text = br#"{"resourceSpans":[]}"#.repeat(100);
        let d = embed(&text).unwrap();
        assert!(d.len() < 200);
        assert!(!d.contains('+') && !d.contains('/') && !d.contains('='));
        assert_eq!(unembed(&d).unwrap(), text);
        // incompressible data beyond the budget is refused with its size
        let mut rng = fastrand::Rng::with_seed(1);
        let noise: Vec<u8> = (0..100_000).map(|_| rng.u8(..)).collect();
        assert!(embed(&noise).unwrap_err() > BUDGET);
    }

    #[test]
    fn damaged_links_are_explained() {
        let d = embed(&b"hello trace".repeat(50)).unwrap();
        assert!(unembed(&d[..d.len() / 2])
            .unwrap_err()
            .contains("truncated"));
        assert!(unembed("!!!").unwrap_err().contains("base64url"));
        assert!(unembed("").is_err());
    }
}
