//! Notes that name one span each ("span 1a2b… in trace 3c4d…: parentSpanId
//! "xyz" is not a span id, so the span shows as a root (value left out)"):
//! a file with thousands of them names the first [`NAMED`] of each family
//! and counts the rest in one note ("12 more values could not be read …").
//!
//! [`cap`] is applied to each load's notes and again when the parts of a
//! file are joined (`parts::join`), after their notes are merged: each part
//! names its own first ones and counts its rest, and capping the merged
//! notes keeps the first [`NAMED`] in file order and adds up the rest, as a
//! plain load of the file does.

use super::parts::counted;

/// How many notes of one family are shown by name.
pub const NAMED: usize = 5;

/// A family of notes: how each ends, and what the note counting the ones
/// past [`NAMED`] says after its count.
pub struct Family {
    pub tail: &'static str,
    pub more: &'static str,
}

/// A value of a span left out because it is not what its field holds (a
/// parent or link id that is no id, a time that is no time).
pub const LEFT_OUT: Family = Family {
    tail: " (value left out)",
    more: " more values could not be read and were left out, their spans kept",
};

/// A list or string cut to one of Strata's limits (`super::limits`).
pub const CUT: Family = Family {
    tail: " (Strata's limit)",
    more: " more lists or strings were cut to Strata's limits (see Limits in the README)",
};

/// Every family, in the order [`super::Sink`] counts them.
pub const FAMILIES: [&Family; 2] = [&LEFT_OUT, &CUT];

/// Keeps the first [`NAMED`] notes of each family and counts the rest in
/// one note, right after the last named one (earlier counts added in).
pub fn cap(notes: &mut Vec<String>) {
    for f in FAMILIES {
        let is_more = |n: &str| counted(n).is_some_and(|(_, rest)| rest == f.more);
        let named = notes
            .iter()
            .filter(|n| n.ends_with(f.tail) && !is_more(n))
            .count();
        let counted_before: u64 = notes
            .iter()
            .filter_map(|n| counted(n).filter(|(_, rest)| *rest == f.more))
            .map(|(k, _)| k)
            .sum();
        if named <= NAMED && counted_before == 0 {
            continue;
        }
        let more = counted_before + named.saturating_sub(NAMED) as u64;
        let mut seen = 0;
        let mut at = None;
        let mut kept = Vec::with_capacity(notes.len());
        for n in notes.drain(..) {
            if is_more(&n) {
                continue;
            }
            if n.ends_with(f.tail) {
                seen += 1;
                if seen > NAMED {
                    continue;
                }
                if seen == NAMED.min(named) {
                    at = Some(kept.len() + 1);
                }
            }
            kept.push(n);
        }
        let at = at.unwrap_or(kept.len());
        kept.insert(at, format!("{more}{}", f.more));
        *notes = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(k: usize) -> String {
        format!("span {k}: parentSpanId is no id{}", LEFT_OUT.tail)
    }

    #[test]
    fn the_first_are_named_and_the_rest_counted() {
        let mut notes: Vec<String> = vec!["a file note".into()];
        notes.extend((0..8).map(note));
        notes.push("another".into());
        cap(&mut notes);
        let mut want = vec!["a file note".to_owned()];
        want.extend((0..5).map(note));
        want.push(format!("3{}", LEFT_OUT.more));
        want.push("another".into());
        assert_eq!(notes, want);
        // Few: left alone.
        let mut few: Vec<String> = (0..5).map(note).collect();
        cap(&mut few);
        assert_eq!(few.len(), 5);
    }

    /// Parts capped each, merged (counts added), capped again: what a plain
    /// load of all the notes gives.
    #[test]
    fn capping_parts_then_their_merge_equals_capping_all() {
        for (a, b) in [(0, 9), (2, 2), (3, 4), (7, 1), (8, 8), (5, 0)] {
            let mut all: Vec<String> = (0..a + b).map(note).collect();
            cap(&mut all);
            let mut one: Vec<String> = (0..a).map(note).collect();
            let mut two: Vec<String> = (a..a + b).map(note).collect();
            cap(&mut one);
            cap(&mut two);
            let mut merged = Vec::new();
            crate::import::parts::merge_notes(&mut merged, &one);
            crate::import::parts::merge_notes(&mut merged, &two);
            cap(&mut merged);
            assert_eq!(merged, all, "{a} + {b}");
        }
    }
}
