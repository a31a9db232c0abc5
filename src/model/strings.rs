//! Strings in the store.
//!
//! Two kinds, chosen by cardinality:
//! - [`Strings`] interns names that repeat on every span (service, operation,
//!   attribute keys, event names): one copy each, compared as 4-byte symbols.
//! - [`TextArena`] holds values that are mostly unique (attribute values, status
//!   messages): appended to one buffer with no hashing, referenced by [`Text`].

use lasso::Rodeo;
use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

/// An interned string.
pub type Sym = lasso::Spur;

#[derive(Serialize, Deserialize)]
pub struct Strings {
    #[serde(deserialize_with = "unique_strings")]
    rodeo: Rodeo<Sym, FxBuildHasher>,
    empty: Sym,
}

/// Reads the interner as lasso writes it (its strings in symbol order), but
/// refuses a string that comes twice (lasso's own reader asserts that it
/// does not, and would panic on a damaged snapshot).
fn unique_strings<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Rodeo<Sym, FxBuildHasher>, D::Error> {
    let all: Vec<String> = Vec::deserialize(d)?;
    let mut rodeo =
        Rodeo::with_capacity_and_hasher(lasso::Capacity::for_strings(all.len()), FxBuildHasher);
    for s in &all {
        if rodeo.contains(s) {
            return Err(serde::de::Error::custom(format!(
                "the string {:?} is interned twice",
                crate::model::units::clip(s, 60)
            )));
        }
        rodeo.get_or_intern(s);
    }
    Ok(rodeo)
}

impl Default for Strings {
    fn default() -> Self {
        let mut rodeo = Rodeo::with_hasher(FxBuildHasher);
        let empty = rodeo.get_or_intern_static("");
        Strings { rodeo, empty }
    }
}

impl Strings {
    pub fn intern(&mut self, s: &str) -> Sym {
        self.rodeo.get_or_intern(s)
    }

    pub fn get(&self, sym: Sym) -> &str {
        self.rodeo.resolve(&sym)
    }

    /// The symbol of `s` if it was ever interned.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.rodeo.get(s)
    }

    /// The symbol of "", used for absent names.
    pub fn empty(&self) -> Sym {
        self.empty
    }

    pub fn len(&self) -> usize {
        self.rodeo.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rodeo.len() <= 1
    }

    /// Every string, in symbol order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.rodeo.strings()
    }

    /// Bytes held, for the memory report.
    pub fn heap_bytes(&self) -> usize {
        self.rodeo.iter().map(|(_, s)| s.len() + 16).sum()
    }
}

/// A string in the [`TextArena`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    start: u32,
    len: u32,
}

impl Text {
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// As one integer (start in the low half), for compact transfer.
    pub fn to_bits(self) -> u64 {
        self.start as u64 | (self.len as u64) << 32
    }

    pub fn from_bits(bits: u64) -> Text {
        Text {
            start: bits as u32,
            len: (bits >> 32) as u32,
        }
    }

    /// The same text after its arena moved by `offset` (appended at
    /// `offset` of another; moving down is adding a wrapped negative offset).
    pub fn shifted(self, offset: u32) -> Text {
        if self.len == 0 {
            Text::default()
        } else {
            Text {
                start: self.start.wrapping_add(offset),
                len: self.len,
            }
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
pub struct TextArena {
    buf: String,
}

impl TextArena {
    /// Room for `bytes` more, as far as memory allows (a hint).
    pub fn reserve(&mut self, bytes: usize) {
        let _ = self.buf.try_reserve(bytes);
    }

    pub fn push(&mut self, s: &str) -> Text {
        if s.is_empty() {
            return Text::default();
        }
        let start = self.buf.len();
        match (u32::try_from(start), u32::try_from(s.len())) {
            (Ok(start), Ok(len)) if start.checked_add(len).is_some() => {
                self.buf.push_str(s);
                Text { start, len }
            }
            // Past 4 GiB of text (impossible in wasm32's 4 GiB memory): keep going
            // without the value rather than fail the whole load.
            _ => Text::default(),
        }
    }

    pub fn get(&self, t: Text) -> &str {
        let start = t.start as usize;
        start
            .checked_add(t.len as usize)
            .and_then(|end| self.buf.get(start..end))
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Appends all of `other`; returns the offset its texts now start at.
    pub fn append(&mut self, other: &TextArena) -> u32 {
        let offset = self.buf.len() as u32;
        self.buf.push_str(&other.buf);
        offset
    }

    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    pub fn is_boundary(&self, at: usize) -> bool {
        self.buf.is_char_boundary(at)
    }

    /// Moves the text from byte `at` on (a text boundary) into a new arena.
    pub fn split_off(&mut self, at: usize) -> TextArena {
        TextArena {
            buf: self.buf.split_off(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_dedupes() {
        let mut s = Strings::default();
        let a = s.intern("checkout");
        let b = s.intern("checkout");
        assert_eq!(a, b);
        assert_eq!(s.get(a), "checkout");
        assert_eq!(s.get(s.empty()), "");
        assert_eq!(s.lookup("nope"), None);
    }

    #[test]
    fn arena_round_trip_and_truncate() {
        let mut t = TextArena::default();
        let a = t.push("hello");
        let mark = t.len();
        let b = t.push("wörld");
        assert_eq!(t.get(a), "hello");
        assert_eq!(t.get(b), "wörld");
        t.truncate(mark);
        assert_eq!(t.get(b), "");
        assert_eq!(t.get(Text::default()), "");
    }
}
