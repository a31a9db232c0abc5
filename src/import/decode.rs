//! Files that hold a trace file in another dress: gzip-compressed (a
//! `.json.gz` a collector or a backup wrote), zstd-compressed (the
//! OpenTelemetry Collector file exporter's `compression: zstd`) or UTF-16
//! text (what Windows PowerShell's `>` and `Out-File` write). They are
//! decoded first, then parsed as any file (JSON or OTLP protobuf); the
//! file's notes say what was done. The size limit ([`MAX_FILE_BYTES`])
//! counts the decoded bytes: decompression stops as soon as its output
//! passes it, so a small file that inflates to gigabytes (a "gzip bomb") is
//! refused with a message instead of exhausting memory.
//!
//! The file exporter writes zstd two ways, by version: one zstd stream (one
//! or more frames: `zstd -d` reads it), or each message compressed on its
//! own and written after its length (4 bytes, big-endian), as it writes
//! protobuf messages. Inside either, messages may again follow their
//! lengths. Decoded, JSON messages become JSON Lines and protobuf messages
//! keep their lengths (which the protobuf reader takes).
//!
//! Other containers (zip, UTF-32) are named by `detect`, not read.

use std::io::Read;

use super::limits::MAX_FILE_BYTES;
use super::zstd;
use super::ImportError;
use crate::model::units::{format_bytes, format_count};

/// A file's text, decoded.
#[derive(Debug)]
pub struct Decoded {
    /// The text as UTF-8.
    pub bytes: Vec<u8>,
    /// What it was decoded from.
    pub from: Encoding,
    /// Characters that could not be decoded (a lone UTF-16 surrogate, an
    /// odd last byte), replaced with U+FFFD.
    pub replaced: usize,
    /// The file's size as given.
    pub file_bytes: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gzip,
    /// One zstd stream (frames one after another).
    Zstd,
    /// Messages each zstd-compressed and written after their length.
    ZstdRecords,
    Utf16Le,
    Utf16Be,
}

/// The decoded text of `bytes` when they are gzip-compressed or UTF-16
/// text; None when they are neither (then they are read as they are).
pub fn decode(name: &str, bytes: &[u8]) -> Result<Option<Decoded>, ImportError> {
    let Some(from) = encoding(bytes) else {
        return Ok(None);
    };
    let (bytes_out, replaced) = match from {
        Encoding::Gzip => (gunzip(name, bytes, MAX_FILE_BYTES)?, 0),
        Encoding::Zstd | Encoding::ZstdRecords => (zstd::decode(name, bytes, MAX_FILE_BYTES)?, 0),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            utf16(name, bytes, from == Encoding::Utf16Be, MAX_FILE_BYTES)?
        }
    };
    Ok(Some(Decoded {
        bytes: bytes_out,
        from,
        replaced,
        file_bytes: bytes.len(),
    }))
}

/// What `bytes` are encoded as, from their first bytes: gzip's magic
/// number, a UTF-16 byte order mark (not UTF-32's, which starts alike), or
/// UTF-16 without one: JSON's first character ASCII, then a zero byte.
fn encoding(bytes: &[u8]) -> Option<Encoding> {
    let starts_json = |b: u8| matches!(b, b'{' | b'[' | b' ' | b'\t' | b'\r' | b'\n');
    match bytes {
        [0x1f, 0x8b, 8, ..] => Some(Encoding::Gzip),
        _ if zstd::is_stream(bytes) => Some(Encoding::Zstd),
        _ if zstd::is_records(bytes) => Some(Encoding::ZstdRecords),
        [0xff, 0xfe, 0, 0, ..] | [0, 0, 0xfe, 0xff, ..] => None,
        [0xff, 0xfe, ..] => Some(Encoding::Utf16Le),
        [0xfe, 0xff, ..] => Some(Encoding::Utf16Be),
        [a, 0, c, 0, ..] if starts_json(*a) && *c != 0 => Some(Encoding::Utf16Le),
        [0, b, 0, d, ..] if starts_json(*b) && *d != 0 => Some(Encoding::Utf16Be),
        _ => None,
    }
}

impl Decoded {
    /// The note the loaded file carries.
    pub fn note(&self) -> String {
        let mut note = match self.from {
            Encoding::Gzip | Encoding::Zstd | Encoding::ZstdRecords => format!(
                "{}-compressed: {} decompressed to {}",
                if self.from == Encoding::Gzip {
                    "gzip"
                } else {
                    "zstd"
                },
                format_bytes(self.file_bytes as u64),
                format_bytes(self.bytes.len() as u64)
            ),
            Encoding::Utf16Le => "UTF-16 text (little-endian), read as UTF-8".to_owned(),
            Encoding::Utf16Be => "UTF-16 text (big-endian), read as UTF-8".to_owned(),
        };
        if self.replaced > 0 {
            note.push_str(&format!(
                "; {} that {} not UTF-16 (a lone surrogate, an odd last byte) replaced with U+FFFD",
                counted(self.replaced, "unit"),
                if self.replaced == 1 { "was" } else { "were" }
            ));
        }
        note
    }

    /// `e`, an error in the decoded text, saying that its positions count
    /// that text.
    pub fn error(&self, mut e: ImportError) -> ImportError {
        if e.offset.is_some() {
            e.message.push_str(match self.from {
                Encoding::Gzip | Encoding::Zstd | Encoding::ZstdRecords => {
                    " (positions count the decompressed text)"
                }
                _ => " (positions count the text as UTF-8)",
            });
        }
        e
    }
}

fn counted(n: usize, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        format_count(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

/// What a decoded text over `limit` is told.
fn too_big(what: &str, limit: u64) -> String {
    format!(
        "the file {what} more than {} of JSON, and Strata loads files of up to {} (a browser \
         tab's WebAssembly memory is 4 GB, and the text and its parsed spans must fit in it at \
         once); split the file (e.g. one trace per file) or filter it before loading",
        format_bytes(limit),
        format_bytes(limit)
    )
}

/// Bytes decompressed at a time.
pub(super) const CHUNK: usize = 256 << 10;

/// The decompressed content of a gzip file (every member of it, as `gunzip`
/// does), refused once it passes `limit` bytes. Room for all of it is taken
/// at once when the size in the gzip trailer is believable (a trailer can
/// lie: at most 64x the compressed size is taken on its word).
fn gunzip(name: &str, bytes: &[u8], limit: u64) -> Result<Vec<u8>, ImportError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let trailer = bytes
        .len()
        .checked_sub(4)
        .map(|at| u32::from_le_bytes(bytes[at..].try_into().expect("4 bytes")) as usize)
        .unwrap_or(0);
    let room = trailer.min(bytes.len().saturating_mul(64)).min(limit);
    let mut out: Vec<u8> = Vec::new();
    let _ = out.try_reserve_exact(room);
    let mut gz = flate2::read::MultiGzDecoder::new(bytes);
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match gz.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "it ends early (cut off while it was copied or downloaded?)".to_owned()
                } else {
                    format!("it is corrupt ({e})")
                };
                return Err(ImportError::new(
                    name,
                    format!(
                        "the file is gzip-compressed, but {why}: {} of JSON came out of it before that",
                        format_bytes(out.len() as u64)
                    ),
                ));
            }
        };
        grow(name, &mut out, &chunk[..n], limit, limit)?;
    }
    Ok(out)
}

/// Appends decompressed bytes to `out`, refused when `out` would pass `cap`
/// bytes (the file's `limit` is what the message names) or memory runs out.
pub(super) fn grow(
    name: &str,
    out: &mut Vec<u8>,
    piece: &[u8],
    cap: usize,
    limit: usize,
) -> Result<(), ImportError> {
    if out.len() + piece.len() > cap {
        return Err(ImportError::new(
            name,
            too_big("decompresses to", limit as u64),
        ));
    }
    if out.try_reserve(piece.len()).is_err() {
        return Err(ImportError::new(
            name,
            out_of_memory(out.len() + piece.len()),
        ));
    }
    out.extend_from_slice(piece);
    Ok(())
}

fn out_of_memory(bytes: usize) -> String {
    format!(
        "the browser could not give Strata enough memory to decode the file ({} so far); close \
         other tabs or load a smaller file",
        format_bytes(bytes as u64)
    )
}

/// UTF-16 text (after its byte order mark, if any) as UTF-8, with how many
/// units could not be decoded (each replaced with U+FFFD). Refused once the
/// UTF-8 passes `limit` bytes.
fn utf16(
    name: &str,
    bytes: &[u8],
    big_endian: bool,
    limit: u64,
) -> Result<(Vec<u8>, usize), ImportError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let body = match bytes {
        [0xff, 0xfe, rest @ ..] if !big_endian => rest,
        [0xfe, 0xff, rest @ ..] if big_endian => rest,
        _ => bytes,
    };
    let pairs = body.chunks_exact(2);
    let odd = !pairs.remainder().is_empty();
    let units = pairs.map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    // JSON is mostly ASCII: one byte per unit.
    let mut out: Vec<u8> = Vec::new();
    if out.try_reserve(body.len() / 2).is_err() {
        return Err(ImportError::new(name, out_of_memory(body.len() / 2)));
    }
    let mut replaced = 0;
    let mut buf = [0u8; 4];
    for c in char::decode_utf16(units) {
        let c = c.unwrap_or_else(|_| {
            replaced += 1;
            char::REPLACEMENT_CHARACTER
        });
        if (c as u32) < 0x80 {
            out.push(c as u8);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        if out.len() > limit {
            return Err(ImportError::new(name, too_big("holds", limit as u64)));
        }
    }
    if odd {
        replaced += 1;
        out.extend_from_slice("\u{FFFD}".as_bytes());
    }
    Ok((out, replaced))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn gzip_members_are_all_read() {
        let mut two = gzip(b"{\"a\":");
        two.extend(gzip(b"1}"));
        let d = decode("x", &two).unwrap().unwrap();
        assert_eq!(d.bytes, b"{\"a\":1}");
        assert_eq!(d.from, Encoding::Gzip);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        // 64 MB of zeros compress to ~64 KB (and the trailer says 64 MB).
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 1 << 20);
        let e = gunzip("bomb.gz", &bomb, 8 << 20).unwrap_err();
        assert!(
            e.message
                .starts_with("the file decompresses to more than 8 MB of JSON"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_cut_gzip_file_says_so() {
        let gz = gzip(&b"{\"a\": 1}".repeat(100_000));
        let e = decode("cut.gz", &gz[..gz.len() / 2]).unwrap_err();
        assert!(e.message.contains("ends early"), "{}", e.message);
    }

    #[test]
    fn utf16_with_and_without_a_byte_order_mark() {
        let text = "{\"name\": \"café ☕ 😀\"}";
        for bom in [true, false] {
            let d = decode("x", &utf16le(text, bom)).unwrap().unwrap();
            assert_eq!(std::str::from_utf8(&d.bytes).unwrap(), text);
            assert_eq!((d.from, d.replaced), (Encoding::Utf16Le, 0));
        }
        let mut be = vec![0xfe, 0xff];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let d = decode("x", &be).unwrap().unwrap();
        assert_eq!(std::str::from_utf8(&d.bytes).unwrap(), text);
        assert_eq!(d.from, Encoding::Utf16Be);
        // A lone surrogate and an odd last byte become U+FFFD, counted.
        let mut bad = utf16le("[\"a", true);
        bad.extend([0x3d, 0xd8]);
        bad.extend(utf16le("\"]", false));
        bad.push(b'\n');
        let d = decode("x", &bad).unwrap().unwrap();
        assert_eq!(
            std::str::from_utf8(&d.bytes).unwrap(),
            "[\"a\u{FFFD}\"]\u{FFFD}"
        );
        assert_eq!(d.replaced, 2);
        assert!(
            d.note().contains("2 units that were not UTF-16"),
            "{}",
            d.note()
        );
    }

    #[test]
    fn other_bytes_are_left_alone() {
        for bytes in [
            &b"{\"a\":1}"[..],
            b"",
            b"\x1f",
            b"\xff\xfe\x00\x00{\x00\x00\x00",
            b"\x00\x00\xfe\xff",
            b"PK\x03\x04",
        ] {
            assert!(decode("x", bytes).unwrap().is_none(), "{bytes:?}");
        }
    }
}
