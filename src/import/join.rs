//! One trace from many files.
//!
//! OpenTelemetry's SDKs export a trace's spans in one request per service
//! (each service's batch processor sends its own spans), collectors write
//! their files by time: the spans of one trace arrive in several files. When
//! a file is loaded that holds spans of a trace already loaded from another
//! file, [`join_new`] makes the files one: their rows move to the end of the
//! store, their spans are grouped into traces as one load of all of them
//! would group them (first appearance, load order within a trace), the trees
//! are built across the parts (the parents missing from one file are found
//! in another) and clock skew is corrected over the whole trace. The joined
//! file remembers the files it was made of ([`SourceFile::parts`]) and each
//! trace the parts its spans came from ([`Trace::sources`]).
//!
//! The same span in two files (same trace and span id) is kept once when
//! both copies say the same (a file loaded twice, exports that overlap) and
//! kept twice when they differ: the trace's duplicate-id warning flags them,
//! and the file says how many.
//!
//! Files are joined whole: a file that shares one trace with another is one
//! source with it from then on, removed or hidden as one (taking one part out
//! would break its traces again). Spans without a valid trace id (empty, all
//! zeros) join nothing.
//!
//! [`Trace::sources`]: crate::model::Trace::sources

use rustc_hash::{FxHashMap, FxHashSet};

use super::{group, notes, ImportError, Loaded};
use crate::model::{Attr, FilePart, SourceFile, SpanId, Store, TraceId, Value};

/// What [`join_new`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Joined {
    /// The joined file's index: the last file.
    pub file: u32,
    /// The files joined, by their index before the join, ascending (the
    /// file just loaded is the last).
    pub members: Vec<u32>,
    /// Traces loaded before that the new file added spans to, with the
    /// number of spans it added (before duplicates were dropped).
    pub grown: Vec<(TraceId, u32)>,
    /// Spans that were in two of the files, the same in both: kept once.
    pub identical: u32,
    /// Spans that were in two of the files with different contents: both
    /// kept (flagged as duplicate ids).
    pub differing: u32,
}

impl Joined {
    /// File `f`'s index after the join (the joined file's for a member).
    pub fn file_index(&self, f: u32) -> u32 {
        if self.members.binary_search(&f).is_ok() {
            return self.file;
        }
        f - self.members.iter().filter(|&&m| m < f).count() as u32
    }

    /// What the page says about it: "+12 spans from payment.json in trace
    /// 4bf92f35…", "+30 spans from payment.json in 5 loaded traces".
    pub fn notice(&self, store: &Store, name: &str) -> String {
        let added: u32 = self.grown.iter().map(|g| g.1).sum();
        let mut out = format!(
            "+{} from {name} ",
            crate::model::units::counted(added as u64, "span")
        );
        match self.grown.as_slice() {
            [(id, _)] => {
                let id = id.to_text(&store.strings);
                let short: String = id.chars().take(8).collect();
                let more = if id.chars().count() > 8 { "…" } else { "" };
                out += &format!("in trace {short}{more}");
            }
            g => out += &format!("in {} loaded traces", g.len()),
        }
        if self.identical > 0 {
            out += &format!(
                "; {} already loaded, kept once",
                crate::model::units::counted(self.identical as u64, "span")
            );
        }
        if self.differing > 0 {
            out += &format!(
                "; {} loaded before with other contents (both kept, flagged)",
                crate::model::units::counted(self.differing as u64, "span")
            );
        }
        out
    }
}

/// Loads a file as [`super::load`] does, then joins it with the files
/// loaded before that share traces with it, as the page does with each file
/// it loads. The file's index (the joined file's when it joined others).
pub fn load_joined(
    store: &mut Store,
    name: &str,
    bytes: &[u8],
) -> Result<(Loaded, Option<Joined>), ImportError> {
    let loaded = super::load(store, name, bytes)?;
    match join_new(store, loaded.file) {
        Some(j) => Ok((Loaded { file: j.file }, Some(j))),
        None => Ok((loaded, None)),
    }
}

/// A trace id two files may share: not empty, not all zeros.
fn joinable(store: &Store, id: TraceId) -> bool {
    match id {
        TraceId::Hex64(0) | TraceId::Hex128(0, 0) => false,
        TraceId::Text(s) => !store.str(s).trim().is_empty(),
        _ => true,
    }
}

/// Joins file `new` with every other loaded file that holds spans of one of
/// its traces (module doc). None, and the store unchanged, when none does.
/// Linear in the size of the files joined and of the files after the first
/// of them.
pub fn join_new(store: &mut Store, new: u32) -> Option<Joined> {
    let file = store.files.get(new as usize)?;
    let ids: FxHashSet<TraceId> = store
        .traces
        .get(file.traces.range())?
        .iter()
        .map(|t| t.id)
        .filter(|&id| joinable(store, id))
        .collect();
    let mut members: Vec<u32> = store
        .traces
        .iter()
        .filter(|t| t.file != new && ids.contains(&t.id))
        .map(|t| t.file)
        .collect();
    if members.is_empty() {
        return None;
    }
    members.push(new);
    members.sort_unstable();
    members.dedup();
    if !store.are_blocks(&members) {
        return None;
    }
    let before = Before::read(store, &members, new);
    for f in &members {
        // Regrouping corrects the raw times (and shows them as the store
        // does).
        for t in store.files[*f as usize].traces.range() {
            if store.traces[t].skew.applied {
                store.swap_skew(t as u32);
            }
        }
    }
    move_to_end(store, &members);
    let first = (store.files.len() - members.len()) as u32;
    let (identical, differing) = regroup(store, first, before.parts, before.notes);
    let file = store.files.len() as u32 - 1;
    for t in store.files[file as usize].traces.range() {
        let tr = &mut store.traces[t];
        tr.sources = before.sources.get(&tr.id).cloned().unwrap_or_default();
    }
    Some(Joined {
        file,
        members,
        grown: before.grown,
        identical,
        differing,
    })
}

/// What the members say before they move.
struct Before {
    /// The joined file's parts: every member's, in order.
    parts: Vec<FilePart>,
    /// Notes of earlier joins (a member that was joined before).
    notes: Vec<String>,
    /// Each trace id's parts (indices into `parts`), ascending.
    sources: FxHashMap<TraceId, Vec<u32>>,
    grown: Vec<(TraceId, u32)>,
}

impl Before {
    fn read(store: &Store, members: &[u32], new: u32) -> Before {
        let mut parts = Vec::new();
        let mut notes = Vec::new();
        let mut sources: FxHashMap<TraceId, Vec<u32>> = FxHashMap::default();
        for &m in members {
            let file = &store.files[m as usize];
            let base = parts.len() as u32;
            let own = file.members();
            if !file.parts.is_empty() {
                let from_parts = part_notes(&own);
                notes.extend(
                    file.warnings
                        .iter()
                        .filter(|w| !from_parts.contains(*w))
                        .cloned(),
                );
            }
            parts.extend(own);
            for t in &store.traces[file.traces.range()] {
                let list = sources.entry(t.id).or_default();
                match t.sources.as_slice() {
                    [] => list.push(base),
                    s => list.extend(s.iter().map(|p| p + base)),
                }
            }
        }
        for list in sources.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let earlier: FxHashSet<TraceId> = members
            .iter()
            .filter(|&&m| m != new)
            .flat_map(|&m| &store.traces[store.files[m as usize].traces.range()])
            .map(|t| t.id)
            .collect();
        let grown = store.traces[store.files[new as usize].traces.range()]
            .iter()
            .filter(|t| earlier.contains(&t.id))
            .map(|t| (t.id, t.spans.len))
            .collect();
        Before {
            parts,
            notes,
            sources,
            grown,
        }
    }
}

/// The joined file's notes from its parts: each part's, named.
fn part_notes(parts: &[FilePart]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| p.warnings.iter().map(move |w| format!("{}: {w}", p.name)))
        .collect()
}

/// Moves the files `members` (ascending, each one block) to the end of the
/// store, in their order. Nothing moves when they are the last files already
/// (files dropped together).
fn move_to_end(store: &mut Store, members: &[u32]) {
    let n = store.files.len() as u32;
    let last = (n - members.len() as u32..n).collect::<Vec<_>>();
    if members == last.as_slice() {
        return;
    }
    let mut taken = Vec::with_capacity(members.len());
    for &m in members.iter().rev() {
        // Checked by `are_blocks`; taking a file keeps the others blocks.
        if let Some((rows, base, _)) = store.take_file(m) {
            taken.push((rows, base));
        }
    }
    for (rows, base) in taken.into_iter().rev() {
        store.put_back(rows, base);
    }
}

/// Makes the files from `first` on (the members, at the end) one file:
/// duplicates across them dropped or counted, spans grouped, trees built.
/// Returns (identical, differing) duplicates.
fn regroup(
    store: &mut Store,
    first: u32,
    parts: Vec<FilePart>,
    mut notes: Vec<String>,
) -> (u32, u32) {
    let files = store.files.split_off(first as usize);
    let first_trace = files[0].traces.start as usize;
    let traces = store.traces.split_off(first_trace);
    let base = match first {
        0 => 0,
        f => store.files[f as usize - 1].end.span_count(),
    };
    let member_end: Vec<usize> = files.iter().map(|f| f.end.span_count()).collect();
    let mut trace_ids: Vec<TraceId> = store.spans.trace[base..]
        .iter()
        .map(|&t| traces[t as usize - first_trace].id)
        .collect();
    let (keep, differing) = duplicates(store, base, &trace_ids, &member_end);
    let identical = (trace_ids.len() - keep.len()) as u32;
    if identical > 0 {
        let kept: FxHashSet<u32> = keep.iter().copied().collect();
        let mut order = keep.clone();
        order.extend((0..trace_ids.len() as u32).filter(|k| !kept.contains(k)));
        store.spans.permute_tail(base, &order);
        store.spans.truncate(base + keep.len());
        trace_ids = keep.iter().map(|&k| trace_ids[k as usize]).collect();
        notes.push(format!(
            "{} in more than one file, the same in each: kept once",
            spans_were(identical, "was", "were")
        ));
    }
    if differing > 0 {
        notes.push(format!(
            "{} in more than one file with different contents: each copy kept (duplicate span ids)",
            spans_were(differing, "is", "are")
        ));
    }
    let mut warnings = part_notes(&parts);
    warnings.extend(notes);
    notes::cap(&mut warnings);
    let mut formats: Vec<&str> = Vec::new();
    for p in &parts {
        if !formats.contains(&p.format.as_str()) {
            formats.push(&p.format);
        }
    }
    let file = SourceFile {
        name: joined_name(&parts),
        format: formats.join(" + "),
        bytes: parts.iter().map(|p| p.bytes).sum(),
        traces: Default::default(),
        spans: 0,
        warnings,
        end: Default::default(),
        parts,
    };
    group(store, base, &trace_ids, file, true);
    (identical, differing)
}

/// "1 span was", "3 spans were".
fn spans_were(n: u32, one: &str, more: &str) -> String {
    match n {
        1 => format!("1 span {one}"),
        n => format!("{n} spans {more}"),
    }
}

/// "a.json + b.json", "a.json + b.json + c.json", "a.json + 4 more files".
pub fn joined_name(parts: &[FilePart]) -> String {
    match parts {
        [] => String::new(),
        [a, rest @ ..] if rest.len() <= 2 => std::iter::once(a.name.as_str())
            .chain(rest.iter().map(|p| p.name.as_str()))
            .collect::<Vec<_>>()
            .join(" + "),
        [a, rest @ ..] => format!("{} + {} more files", a.name, rest.len()),
    }
}

/// The spans from `base` on to keep (relative indices, in order) and how
/// many duplicates that differ were kept. A span whose trace and span id an
/// earlier member already holds is dropped when it says the same; in-file
/// duplicates are left alone (the trace's warning names them).
fn duplicates(
    store: &Store,
    base: usize,
    trace_ids: &[TraceId],
    member_end: &[usize],
) -> (Vec<u32>, u32) {
    let mut seen: FxHashMap<(TraceId, SpanId), (u32, usize)> = FxHashMap::default();
    seen.reserve(trace_ids.len());
    let mut keep = Vec::with_capacity(trace_ids.len());
    let mut differing = 0;
    let mut member = 0;
    for (k, &trace) in trace_ids.iter().enumerate() {
        let i = base + k;
        while member + 1 < member_end.len() && i >= member_end[member] {
            member += 1;
        }
        match seen.entry((trace, store.spans.id[i])) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((i as u32, member));
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let (first, first_member) = *o.get();
                if first_member != member {
                    if same_span(store, first, i as u32) {
                        continue;
                    }
                    differing += 1;
                }
            }
        }
        keep.push(k as u32);
    }
    (keep, differing)
}

/// Spans `a` and `b` say the same: names, times, status, parent, kind,
/// attributes, events and links (strings compared as text: the two came
/// from different files).
pub fn same_span(s: &Store, a: u32, b: u32) -> bool {
    let (x, y) = (a as usize, b as usize);
    let sp = &s.spans;
    let events = |i: u32| s.span_events(i);
    let links = |i: u32| s.span_links(i);
    sp.parent_id[x] == sp.parent_id[y]
        && sp.service[x] == sp.service[y]
        && sp.name[x] == sp.name[y]
        && sp.kind[x] == sp.kind[y]
        && sp.start[x] == sp.start[y]
        && sp.duration[x] == sp.duration[y]
        && sp.status[x] == sp.status[y]
        && sp.dropped[x] == sp.dropped[y]
        && sp.flags[x] == sp.flags[y]
        && s.text(sp.status_message[x]) == s.text(sp.status_message[y])
        && same_attrs(s, s.span_attrs(a), s.span_attrs(b))
        && events(a).len() == events(b).len()
        && events(a).iter().zip(events(b)).all(|(e, f)| {
            e.time == f.time
                && e.name == f.name
                && same_attrs(s, s.attrs_of(e.attrs), s.attrs_of(f.attrs))
        })
        && links(a).len() == links(b).len()
        && links(a)
            .iter()
            .zip(links(b))
            .all(|(l, m)| l.trace_id == m.trace_id && l.span_id == m.span_id && l.kind == m.kind)
}

fn same_attrs(s: &Store, a: &[Attr], b: &[Attr]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.key == y.key && same_value(s, &x.value, &y.value))
}

fn same_value(s: &Store, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => s.text(*x) == s.text(*y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same_value(s, p, q))
        }
        (Value::Map(x), Value::Map(y)) => same_attrs(s, x, y),
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}
