//! A small JSON writer for the exporters and the synthetic trace writers
//! (`demo::synth`): appends to a `Vec<u8>`, formats numbers, ids and strings
//! by hand. No `serde_json::Value` tree: a 100k-span trace is written in one
//! pass.

use base64::Engine;

/// For each byte: 0 = copy as is, otherwise the escape character (`u` for \u00XX).
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[0x08] = b'b';
    t[0x0c] = b'f';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// JSON output being built.
#[derive(Default)]
pub struct Json {
    pub buf: Vec<u8>,
}

impl Json {
    pub fn with_capacity(n: usize) -> Json {
        Json {
            buf: Vec::with_capacity(n),
        }
    }

    #[inline]
    pub fn raw(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    #[inline]
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A comma unless `first`; clears `first`.
    #[inline]
    pub fn sep(&mut self, first: &mut bool) {
        if !*first {
            self.buf.push(b',');
        }
        *first = false;
    }

    /// A JSON string literal, escaped.
    pub fn str(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.buf.reserve(bytes.len() + 2);
        self.buf.push(b'"');
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc = ESCAPE[b as usize];
            if esc == 0 {
                continue;
            }
            self.buf.extend_from_slice(&bytes[start..i]);
            self.buf.push(b'\\');
            self.buf.push(esc);
            if esc == b'u' {
                self.buf.extend_from_slice(b"00");
                self.buf.push(HEX[(b >> 4) as usize]);
                self.buf.push(HEX[(b & 0xf) as usize]);
            }
            start = i + 1;
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
    }

    pub fn u64(&mut self, mut n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    pub fn i64(&mut self, n: i64) {
        if n < 0 {
            self.buf.push(b'-');
        }
        self.u64(n.unsigned_abs());
    }

    /// A JSON string holding `n` in decimal (proto3 JSON's int64 / uint64).
    pub fn i64_str(&mut self, n: i64) {
        self.buf.push(b'"');
        self.i64(n);
        self.buf.push(b'"');
    }

    /// A finite double as a JSON number that reads back exactly; non-finite
    /// values as the proto3 JSON strings "NaN", "Infinity", "-Infinity" (which
    /// Rust's `f64::from_str` also reads, so Jaeger float64 tags take them too).
    pub fn f64(&mut self, f: f64) {
        use std::io::Write as _;
        if f.is_finite() {
            // `{:?}` is the shortest round-trip form and keeps a ".0" on
            // integral values ("3.0", "1e300", "1e-7"): all valid JSON numbers.
            let _ = write!(self.buf, "{f:?}");
        } else if f.is_nan() {
            self.raw("\"NaN\"");
        } else if f > 0.0 {
            self.raw("\"Infinity\"");
        } else {
            self.raw("\"-Infinity\"");
        }
    }

    pub fn bool(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    /// Bytes as a quoted standard base64 string (proto3 JSON `bytes`, Jaeger `binary`).
    pub fn base64(&mut self, bytes: &[u8]) {
        let s = base64::engine::general_purpose::STANDARD.encode(bytes);
        self.buf.push(b'"');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(b'"');
    }

    fn hex_digits(&mut self, v: u128, digits: u32) {
        self.buf.push(b'"');
        for k in (0..digits).rev() {
            self.buf.push(HEX[((v >> (4 * k)) & 0xf) as usize]);
        }
        self.buf.push(b'"');
    }

    /// A quoted span id: 16 lowercase hex digits.
    pub fn hex16(&mut self, id: u64) {
        self.hex_digits(id as u128, 16);
    }

    /// A quoted trace id: 32 lowercase hex digits.
    pub fn hex32(&mut self, id: u128) {
        self.hex_digits(id, 32);
    }

    /// The output as a string (it is always UTF-8: only `&str`s and ASCII are written).
    pub fn into_string(self) -> String {
        String::from_utf8(self.buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_numbers() {
        let mut j = Json::default();
        j.str("a\"b\\c\n\u{1}é");
        j.byte(b' ');
        j.i64(-42);
        j.byte(b' ');
        j.i64_str(i64::MIN);
        j.byte(b' ');
        j.f64(3.0);
        j.byte(b' ');
        j.f64(f64::NEG_INFINITY);
        j.byte(b' ');
        j.hex16(0xab);
        j.byte(b' ');
        j.base64(b"hi");
        assert_eq!(
            j.into_string(),
            r#""a\"b\\c\n\u0001é" -42 "-9223372036854775808" 3.0 "-Infinity" "00000000000000ab" "aGk=""#
        );
    }
}
