//! zstd-compressed files, as the OpenTelemetry Collector's file exporter
//! writes them with `compression: zstd` (see [`super::decode`] for the two
//! layouts), decompressed with `ruzstd` (pure Rust: it builds for wasm32)
//! frame by frame, the size limit counted on the decompressed bytes.

use std::io::Read;

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::StreamingDecoder;

use super::decode::{grow, CHUNK};
use super::ImportError;
use crate::model::units::format_bytes;

const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The bytes start a zstd frame.
pub fn is_stream(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// The bytes are messages after their lengths, the first a zstd frame.
pub fn is_records(bytes: &[u8]) -> bool {
    records(bytes).is_some_and(|r| r.first().is_some_and(|m| is_stream(m)))
}

/// The messages of bytes that are all messages after their lengths (4
/// bytes, big-endian), as the file exporter writes them; None when the
/// bytes are not that.
fn records(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        if len > tail.len() {
            return None;
        }
        out.push(&tail[..len]);
        rest = &tail[len..];
    }
    (!out.is_empty()).then_some(out)
}

/// The decompressed content of a zstd file (either layout), with JSON
/// messages as JSON Lines and protobuf messages after their lengths.
/// Refused once it passes `limit` bytes.
pub fn decode(name: &str, bytes: &[u8], limit: u64) -> Result<Vec<u8>, ImportError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    match records(bytes).filter(|r| r.first().is_some_and(|m| is_stream(m))) {
        Some(messages) => {
            let mut at = 0;
            let mut total = 0;
            let mut inner = Vec::with_capacity(messages.len());
            for m in messages {
                at += 4;
                let mut one = Vec::new();
                unzstd(name, m, at, (limit - total, limit), &mut one)?;
                at += m.len();
                total += one.len();
                inner.push(one);
            }
            join_messages(inner.iter().map(|m| m.as_slice()), &mut out);
        }
        None => {
            unzstd(name, bytes, 0, (limit, limit), &mut out)?;
            if let Some(messages) = records(&out).filter(|r| r.iter().all(|m| is_json(m))) {
                let mut lines = Vec::with_capacity(out.len());
                join_messages(messages.into_iter(), &mut lines);
                out = lines;
            }
        }
    }
    Ok(out)
}

/// A JSON message: `{` first, after white space.
fn is_json(m: &[u8]) -> bool {
    m.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Messages as one file: JSON ones as JSON Lines, protobuf ones after their
/// lengths.
fn join_messages<'a>(messages: impl Iterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
    for m in messages {
        if is_json(m) {
            out.extend_from_slice(m);
            out.push(b'\n');
        } else {
            out.extend_from_slice(&(m.len() as u32).to_be_bytes());
            out.extend_from_slice(m);
        }
    }
}

/// Decompresses the zstd frames of `bytes` (at byte `at` of the file) into
/// `out`, skippable frames skipped: at most `room` bytes of the file's
/// `limit`.
fn unzstd(
    name: &str,
    bytes: &[u8],
    at: usize,
    (room, limit): (usize, usize),
    out: &mut Vec<u8>,
) -> Result<(), ImportError> {
    let start = out.len();
    let mut rest = bytes;
    let mut chunk = vec![0u8; CHUNK];
    let fail = |why: String, rest: &[u8], out: &Vec<u8>| {
        let mut e = ImportError::new(
            name,
            format!(
                "the file is zstd-compressed, but {why}: {} came out of it before that",
                format_bytes(out.len() as u64)
            ),
        );
        e.offset = Some(at + bytes.len() - rest.len());
        e
    };
    while !rest.is_empty() {
        let mut frame = match StreamingDecoder::new(&mut rest) {
            Ok(f) => f,
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                rest = &rest[(length as usize).min(rest.len())..];
                continue;
            }
            Err(e) => return Err(fail(corrupt(&e.to_string()), rest, out)),
        };
        loop {
            let n = match frame.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let rest: &[u8] = frame.get_ref();
                    return Err(fail(corrupt(&e.to_string()), rest, out));
                }
            };
            grow(name, out, &chunk[..n], start + room, limit)?;
        }
    }
    Ok(())
}

/// Why a frame could not be read, for people.
fn corrupt(e: &str) -> String {
    let lower = e.to_ascii_lowercase();
    if lower.contains("eof")
        || lower.contains("fill whole buffer")
        || lower.contains("unexpected end")
    {
        "it ends early (cut off while it was copied or downloaded?)".to_owned()
    } else {
        format!("it is corrupt ({e})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruzstd::encoding::{compress_to_vec, CompressionLevel};

    fn zst(bytes: &[u8]) -> Vec<u8> {
        compress_to_vec(bytes, CompressionLevel::Fastest)
    }

    fn framed(messages: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in messages {
            out.extend_from_slice(&(m.len() as u32).to_be_bytes());
            out.extend_from_slice(m);
        }
        out
    }

    const A: &[u8] = br#"{"resourceSpans":[]}"#;
    const B: &[u8] = br#"{"resourceSpans":[{}]}"#;

    #[test]
    fn one_stream_of_several_frames() {
        let mut two = zst(A);
        // A skippable frame between them (magic 0x184D2A50, 3 bytes).
        two.extend_from_slice(&[0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        two.extend(zst(b"\n"));
        two.extend(zst(B));
        assert!(is_stream(&two) && !is_records(&two));
        let out = decode("x.zst", &two, 1 << 20).unwrap();
        assert_eq!(out, [A, b"\n", B].concat());
    }

    #[test]
    fn messages_compressed_one_by_one_after_their_lengths() {
        let file = framed(&[zst(A), zst(B)]);
        assert!(is_records(&file) && !is_stream(&file));
        assert_eq!(
            decode("x", &file, 1 << 20).unwrap(),
            [A, b"\n", B, b"\n"].concat()
        );
        // Protobuf messages keep their lengths.
        let proto = [vec![0x0a, 0x00], vec![0x0a, 0x02, 0x12, 0x00]];
        let file = framed(&[zst(&proto[0]), zst(&proto[1])]);
        assert_eq!(decode("x", &file, 1 << 20).unwrap(), framed(&proto));
    }

    #[test]
    fn a_stream_of_json_after_lengths_becomes_json_lines() {
        let file = zst(&framed(&[A.to_vec(), B.to_vec()]));
        assert_eq!(
            decode("x", &file, 1 << 20).unwrap(),
            [A, b"\n", B, b"\n"].concat()
        );
    }

    #[test]
    fn a_bomb_stops_at_the_limit_and_a_cut_file_says_where() {
        let bomb = zst(&vec![b' '; 16 << 20]);
        assert!(bomb.len() < 1 << 20);
        let e = decode("bomb.zst", &bomb, 4 << 20).unwrap_err();
        assert!(
            e.message.starts_with("the file decompresses to more than"),
            "{}",
            e.message
        );
        let text = br#"{"resourceSpans":[]}"#.repeat(20_000);
        let z = zst(&text);
        let e = decode("cut.zst", &z[..z.len() / 2], 1 << 30).unwrap_err();
        assert!(
            e.message.starts_with("the file is zstd-compressed, but "),
            "{}",
            e.message
        );
        assert!(e.offset.is_some_and(|o| o <= z.len() / 2), "{:?}", e.offset);
        let e = decode("bad.zst", &[0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff], 1 << 30).unwrap_err();
        assert!(e.message.contains("zstd-compressed"), "{}", e.message);
    }
}
