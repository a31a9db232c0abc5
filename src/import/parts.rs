//! One file parsed in parts, on several threads at once.
//!
//! A big file is handed to two workers. Each parses all of it (a span's
//! context may come before it, as OTLP's resources do, or after it, as a
//! Jaeger trace's `processes` map does) but keeps only the spans whose first
//! key lies in its share of the bytes: part `k` of `n` keeps the spans that
//! start in `[len*k/n, len*(k+1)/n)`. The other spans are blanked out of the
//! part's copy of the bytes before parsing where it can, skipped without
//! being looked at (serde's `IgnoredAny`) elsewhere, so each worker does a
//! bit over half the work. Every span is kept by
//! exactly one part, and a part's spans all come before the next part's in
//! the file.
//!
//! Each part is a load of its own ([`super::load_part`]) whose traces have no
//! trees yet; [`append`] puts the parts' snapshots into the main store and
//! [`join`] makes them one file again: spans regrouped into traces exactly as
//! a plain load groups them (first appearance, file order within a trace),
//! trees built, notes merged. The result is the store a plain load makes.
//!
//! Before parsing, a part blanks the other parts' spans out of its copy of
//! the bytes where it can ([`super::blank`]): it then passes them ~10x faster
//! than serde skips them.
//!
//! Errors: every part reads every byte that is not a blanked span, so each
//! finds a syntax error outside spans; a span's own error (or a syntax error
//! inside it) is found by the part that keeps the span. The file's error is
//! the one found first in the file ([`first_error`]).

use super::blank::Blanks;
use super::{group, ImportError, TraceId};
use crate::model::snapshot::SnapshotError;
use crate::model::{SourceFile, Store};

/// Which part of a file a load keeps: `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub index: u32,
    pub count: u32,
}

impl Part {
    /// The whole file: a plain load.
    pub const WHOLE: Part = Part { index: 0, count: 1 };

    /// Part `index` of `count` (`index < count`).
    pub fn new(index: u32, count: u32) -> Part {
        assert!(index < count, "part {index} of {count}");
        Part { index, count }
    }

    /// This part's share of a file of `len` bytes: `len*k/n .. len*(k+1)/n`.
    /// The shares of all parts cover the file once, in order.
    pub fn share(self, len: usize) -> std::ops::Range<usize> {
        let cut = |k: u32| (len as u128 * k as u128 / self.count as u128) as usize;
        cut(self.index)..cut(self.index + 1)
    }
}

/// What part `part` of a file whose (decoded) text is `text` parses: its
/// own share; or, for a file that is not split, the whole file (the first
/// part) or nothing (the others send an empty store). A Zipkin list (the one
/// format whose document is an array) is not split: records of one span
/// reported separately are merged into it by id ([`super::zipkin`]), and
/// two records falling into different parts would not be.
pub fn plan(part: Part, text: &[u8]) -> Option<Part> {
    if part.count == 1 || splittable(text) {
        return Some(part);
    }
    (part.index == 0).then_some(Part::WHOLE)
}

/// Whether a file's spans can be read in parts: not a Zipkin list.
fn splittable(text: &[u8]) -> bool {
    let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
    text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[')
}

/// A part's share of the bytes, and where the last span started.
pub(super) struct Split {
    /// Address of the file's first byte, and its length.
    base: usize,
    len: usize,
    /// This part keeps the spans that start in `lo..hi`.
    lo: usize,
    hi: usize,
    /// Offset of the last span's first key (a key with escapes is a copy,
    /// not a slice of the file: such a span counts as starting there too).
    at: usize,
    /// Spans seen, kept or not: the file holds spans at all.
    pub(super) seen: usize,
    /// The other parts' spans, blanked before parsing (see [`super::blank`]).
    blanks: Blanks,
}

impl Split {
    pub(super) fn new(part: Part, bytes: &[u8], blanks: Blanks) -> Option<Split> {
        if part == Part::WHOLE {
            return None;
        }
        let len = bytes.len();
        let share = part.share(len);
        Some(Split {
            base: bytes.as_ptr() as usize,
            len,
            // Offsets are below `len`: the last part's share ends there.
            lo: share.start,
            hi: share.end,
            at: 0,
            seen: 0,
            blanks,
        })
    }

    /// The same split, before any span was seen: to read the file again.
    pub(super) fn again(&self) -> Split {
        Split {
            at: 0,
            seen: 0,
            blanks: self.blanks.clone(),
            ..*self
        }
    }

    pub(super) fn leaves(&mut self, first_key: &str) -> bool {
        let p = first_key.as_ptr() as usize;
        if p >= self.base && p < self.base + self.len {
            self.at = p - self.base;
        }
        self.seen += 1;
        !(self.lo..self.hi).contains(&self.at)
    }

    /// Whether a file's blanked spans stand in its span lists.
    pub(super) fn has_placeholders(&self) -> bool {
        !self.blanks.is_empty()
    }

    /// Whether `s`, a string where a span should be, is the placeholder of a
    /// span blanked for another part (then counted as seen).
    pub(super) fn placeholder(&mut self, s: &str) -> bool {
        let p = s.as_ptr() as usize;
        let blanked =
            p >= self.base && p < self.base + self.len && self.blanks.is_placeholder(p - self.base);
        self.seen += blanked as usize;
        blanked
    }
}

/// The error a file parsed in parts fails with, from its parts' errors (in
/// part order): the one found first in the file, as a plain load finds it.
/// A part may fail later in the file than another: a span blanked out of it
/// ([`super::blank`]) holds the first error, which the part keeping it finds.
/// Errors without an offset come after those with one, in part order.
pub fn first_error(errors: impl IntoIterator<Item = ImportError>) -> Option<ImportError> {
    errors
        .into_iter()
        .min_by_key(|e| e.offset.unwrap_or(usize::MAX))
}

/// Appends the snapshots of a file's parts (in part order) to `store` and
/// joins them into one file ([`join`]). Returns the file's index. On error
/// the store is as it was. Each snapshot is taken from `parts` only when its
/// turn comes and dropped after it (the page copies each from the worker's
/// buffer then, into memory the one before it used).
pub fn append<P: AsRef<[u8]>, I: IntoIterator<Item = P>>(
    store: &mut Store,
    parts: I,
) -> Result<u32, SnapshotError>
where
    I::IntoIter: ExactSizeIterator,
{
    let mark = store.mark();
    let first = store.files.len() as u32;
    let first_trace = store.traces.len();
    let parts = parts.into_iter();
    let count = parts.len();
    for (k, p) in parts.enumerate() {
        if let Err(e) = store.append_snapshot(p.as_ref()) {
            store.rollback(mark);
            return Err(e);
        }
        if k == 0 && count > 1 {
            store.reserve_like_since(&mark, count - 1);
        }
    }
    // One file from several parts: the first worker parsed it whole (a
    // decoded text too big to parse in parts), the others sent empty stores.
    if store.files.len() - first as usize > 1 {
        join(store, first);
    }
    // The worker corrected clock skew; a page showing raw times shows these
    // raw too.
    store.follow_skew_choice(first_trace);
    Ok(first)
}

/// Makes the files from `first_file` on (the parts of one file, appended in
/// part order, their traces without trees) one file again, as a plain load of
/// it would have made it. Returns its index.
pub fn join(store: &mut Store, first_file: u32) -> u32 {
    let parts = store.files.split_off(first_file as usize);
    let Some(head) = parts.first() else {
        return first_file;
    };
    let first_trace = head.traces.start as usize;
    let traces = store.traces.split_off(first_trace);
    let base = traces
        .first()
        .map_or(store.spans.len(), |t| t.spans.start as usize);
    let mut trace_ids: Vec<TraceId> = store.spans.trace[base..]
        .iter()
        .map(|&t| traces[t as usize - first_trace].id)
        .collect();
    let mut warnings = Vec::new();
    for p in &parts {
        merge_notes(&mut warnings, &p.warnings);
    }
    // Each part kept up to the span limit: together they keep the first
    // spans up to it, in file order, as a plain load does. (A later part's
    // notes on the spans left out stay: it read them.)
    let max = super::limits::max_spans();
    let over = super::limits::too_many_spans(max);
    let mut too_many = warnings.contains(&over);
    if trace_ids.len() > max {
        trace_ids.truncate(max);
        store.spans.truncate(base + max);
        too_many = true;
    }
    warnings.retain(|w| *w != over);
    super::notes::cap(&mut warnings);
    // Last, as a plain load has it.
    if too_many {
        warnings.push(over);
    }
    let file = SourceFile {
        name: head.name.clone(),
        format: head.format.clone(),
        bytes: head.bytes,
        traces: Default::default(),
        spans: 0,
        warnings,
        end: Default::default(),
        parts: Vec::new(),
    };
    group(store, base, &trace_ids, file, true)
}

/// Adds a part's file notes to the notes so far. A note that starts with a
/// count ("3 spans name a processID ...") counts the part's own spans: it is
/// added to the same note of earlier parts. Any other note is about the whole
/// file, which every part reads: it is kept once.
pub(super) fn merge_notes(into: &mut Vec<String>, from: &[String]) {
    for note in from {
        match counted(note) {
            Some((n, rest)) => match into
                .iter_mut()
                .find(|x| counted(x).is_some_and(|(_, r)| r == rest))
            {
                Some(x) => {
                    let total = counted(x).map_or(0, |(m, _)| m) + n;
                    *x = format!("{total}{rest}");
                }
                None => into.push(note.clone()),
            },
            None if !into.contains(note) => into.push(note.clone()),
            None => {}
        }
    }
}

/// A note's leading count and the rest (from the space after it).
pub(super) fn counted(note: &str) -> Option<(u64, &str)> {
    let digits = note.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &note[digits..];
    if digits == 0 || !rest.starts_with(' ') {
        return None;
    }
    Some((note[..digits].parse().ok()?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_file_once_in_order() {
        for len in [0, 1, 2, 3, 7, 100, 1 << 20, usize::MAX / 2] {
            for count in 1..=5 {
                let shares: Vec<_> = (0..count).map(|k| Part::new(k, count).share(len)).collect();
                assert_eq!(shares[0].start, 0);
                assert_eq!(shares[count as usize - 1].end, len);
                assert!(shares.windows(2).all(|w| w[0].end == w[1].start));
                let sizes = shares.iter().map(|r| r.len());
                assert!(sizes.max().unwrap() - shares.iter().map(|r| r.len()).min().unwrap() <= 1);
            }
        }
    }

    #[test]
    fn counted_notes_add_up_and_file_notes_stay_once() {
        let mut notes = Vec::new();
        merge_notes(
            &mut notes,
            &[
                "Jaeger warning: x".into(),
                "3 spans name a processID".into(),
            ],
        );
        merge_notes(
            &mut notes,
            &[
                "3 spans name a processID".into(),
                "Jaeger warning: x".into(),
                "skipped 2 lines".into(),
            ],
        );
        assert_eq!(
            notes,
            [
                "Jaeger warning: x",
                "6 spans name a processID",
                "skipped 2 lines"
            ]
        );
    }

    #[test]
    fn parts_share_the_bytes() {
        let bytes = [0u8; 10];
        let lo_hi = |k| {
            let s = Split::new(Part::new(k, 3), &bytes, Blanks::default()).unwrap();
            (s.lo, s.hi)
        };
        assert_eq!(lo_hi(0), (0, 3));
        assert_eq!(lo_hi(1), (3, 6));
        assert_eq!(lo_hi(2), (6, 10));
        assert!(Split::new(Part::WHOLE, &bytes, Blanks::default()).is_none());
    }
}
