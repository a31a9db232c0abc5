//! Tree building: from each span's declared parent id to a parent index, a
//! children index, depths and the trace's structural warnings.
//!
//! Total by design: every input yields a tree. Real traces have parents that
//! never arrived (orphans become extra roots), several roots, duplicate span ids
//! (both kept), spans that name themselves as parent and longer cycles (cut),
//! Zipkin RPCs whose client and server halves share one id (the server half
//! hangs under the client half), and children outside their parent's time.

use rustc_hash::FxHashMap;

use crate::model::{
    SpanFlags, SpanId, SpanKind, Store, TraceSummary, TraceWarning, Tree, WarningKind, NONE,
};

/// Flags this pass owns; cleared first so that building twice gives one result.
const DERIVED: SpanFlags = SpanFlags::ORPHAN
    .union(SpanFlags::DUPLICATE_ID)
    .union(SpanFlags::CYCLE)
    .union(SpanFlags::STARTS_BEFORE_PARENT)
    .union(SpanFlags::ENDS_AFTER_PARENT);

/// Builds the tree of trace `t` and fills its summary and warnings.
pub fn build(store: &mut Store, t: u32) {
    let range = store.traces[t as usize].spans;
    let base = range.start as usize;
    let n = range.len as usize;
    let spans = &mut store.spans;
    for f in &mut spans.flags[base..base + n] {
        f.remove(DERIVED);
    }

    // 1. Index span ids. Per id: the first plain span (`client`) and the first
    //    Zipkin server half (`server`, flagged SHARED). Lookups answer with the
    //    server half when there is one: children of a shared RPC were made by
    //    the server. A second span of the same kind is a duplicate.
    let mut parent = vec![NONE; n];
    let mut by_id: FxHashMap<SpanId, (u32, u32)> = FxHashMap::default();
    by_id.reserve(n);
    for k in 0..n {
        let i = base + k;
        let shared = spans.flags[i].contains(SpanFlags::SHARED);
        let entry = by_id.entry(spans.id[i]).or_insert((NONE, NONE));
        let slot = if shared { &mut entry.1 } else { &mut entry.0 };
        if *slot == NONE {
            *slot = k as u32;
        } else {
            let first = *slot as usize;
            spans.flags[i].insert(SpanFlags::DUPLICATE_ID);
            spans.flags[base + first].insert(SpanFlags::DUPLICATE_ID);
        }
    }
    // Server halves hang under their client half.
    for (k, p) in parent.iter_mut().enumerate() {
        let i = base + k;
        if spans.flags[i].contains(SpanFlags::SHARED) {
            if let Some(&(client, _)) = by_id.get(&spans.id[i]) {
                if client != NONE {
                    *p = client;
                }
            }
        }
    }
    let lookup = |id: &SpanId| {
        by_id
            .get(id)
            .map(|&(client, server)| if server != NONE { server } else { client })
    };

    // 2. Resolve declared parents.
    for (k, p) in parent.iter_mut().enumerate() {
        if *p != NONE {
            continue;
        }
        let i = base + k;
        let Some(pid) = spans.parent_id[i] else {
            continue;
        };
        match lookup(&pid) {
            Some(j) if j as usize != k => *p = j,
            Some(_) => spans.flags[i].insert(SpanFlags::CYCLE),
            None => spans.flags[i].insert(SpanFlags::ORPHAN),
        }
    }

    // 3. Cut cycles: walk up from every span; meeting the current path again
    //    means a cycle. Cut it at its earliest-starting span, the likeliest root.
    let mut state = vec![0u8; n]; // 0 new, 1 on the current path, 2 done
    let mut path: Vec<u32> = Vec::new();
    for k0 in 0..n {
        let mut cur = k0 as u32;
        path.clear();
        while cur != NONE && state[cur as usize] == 0 {
            state[cur as usize] = 1;
            path.push(cur);
            cur = parent[cur as usize];
        }
        if cur != NONE && state[cur as usize] == 1 {
            let from = path.iter().position(|&p| p == cur).unwrap_or(0);
            let cut = path[from..]
                .iter()
                .copied()
                .min_by_key(|&p| (spans.start[base + p as usize], p))
                .unwrap_or(cur);
            parent[cut as usize] = NONE;
            spans.flags[base + cut as usize].insert(SpanFlags::CYCLE);
        }
        for &p in &path {
            state[p as usize] = 2;
        }
    }

    // 4. Children index (CSR), each list and the roots sorted by start time.
    let mut child_start = vec![0u32; n + 1];
    for &p in &parent {
        if p != NONE {
            child_start[p as usize + 1] += 1;
        }
    }
    for k in 0..n {
        child_start[k + 1] += child_start[k];
    }
    let mut fill = child_start.clone();
    let mut children = vec![0u32; child_start[n] as usize];
    let mut roots = Vec::new();
    for (k, &p) in parent.iter().enumerate() {
        let i = (base + k) as u32;
        if p == NONE {
            roots.push(i);
        } else {
            children[fill[p as usize] as usize] = i;
            fill[p as usize] += 1;
        }
    }
    let by_start =
        |a: &u32, b: &u32| (spans.start[*a as usize], *a).cmp(&(spans.start[*b as usize], *b));
    for k in 0..n {
        children[child_start[k] as usize..child_start[k + 1] as usize].sort_unstable_by(by_start);
    }
    roots.sort_unstable_by(by_start);

    // 5. Depth-first from the roots: depths, global parent indices, and spans
    //    with no start time placed at their parent's start.
    let untimed = SpanFlags::NO_START | SpanFlags::BAD_TIME;
    let fallback_start = (0..n)
        .filter(|&k| !spans.flags[base + k].intersects(untimed))
        .map(|k| spans.start[base + k])
        .min()
        .unwrap_or(0);
    let mut preorder: Vec<u32> = Vec::with_capacity(n);
    let mut stack: Vec<(u32, u32)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let iu = i as usize;
        let k = iu - base;
        preorder.push(i);
        spans.depth[iu] = depth;
        let p = parent[k];
        spans.parent[iu] = if p == NONE { NONE } else { base as u32 + p };
        if spans.flags[iu].intersects(untimed) {
            spans.start[iu] = if p == NONE {
                fallback_start
            } else {
                spans.start[base + p as usize]
            };
        }
        let cs = &children[child_start[k] as usize..child_start[k + 1] as usize];
        for &c in cs.iter().rev() {
            stack.push((c, depth + 1));
        }
    }

    // Spans without a start time moved to their parent's start: restore the
    // by-start order of the lists they are in.
    if (0..n).any(|k| spans.flags[base + k].intersects(untimed)) {
        let by_start =
            |a: &u32, b: &u32| (spans.start[*a as usize], *a).cmp(&(spans.start[*b as usize], *b));
        for k in 0..n {
            children[child_start[k] as usize..child_start[k + 1] as usize]
                .sort_unstable_by(by_start);
        }
        roots.sort_unstable_by(by_start);
    }

    // 6. Children before parents: a span with no duration in the file is
    //    stretched over its children (still flagged), so its bar shows the work
    //    it contains instead of a zero-width tick.
    for &i in preorder.iter().rev() {
        let iu = i as usize;
        if !spans.flags[iu].contains(SpanFlags::NO_DURATION) {
            continue;
        }
        let k = iu - base;
        let end = children[child_start[k] as usize..child_start[k + 1] as usize]
            .iter()
            .map(|&c| spans.start[c as usize].saturating_add(spans.duration[c as usize]))
            .max();
        if let Some(end) = end {
            spans.duration[iu] = (end - spans.start[iu]).max(0);
        }
    }

    // 7. Children outside their parent's time (only where both times are real).
    let unknown = untimed | SpanFlags::NO_DURATION;
    for &i in &preorder {
        let iu = i as usize;
        let p = spans.parent[iu];
        if p == NONE {
            continue;
        }
        let pu = p as usize;
        if spans.flags[iu].intersects(untimed) || spans.flags[pu].intersects(untimed) {
            continue;
        }
        if spans.start[iu] < spans.start[pu] {
            spans.flags[iu].insert(SpanFlags::STARTS_BEFORE_PARENT);
        }
        let end = spans.start[iu].saturating_add(spans.duration[iu]);
        let pend = spans.start[pu].saturating_add(spans.duration[pu]);
        if end > pend
            && !spans.flags[iu].intersects(unknown)
            && !spans.flags[pu].intersects(unknown)
        {
            spans.flags[iu].insert(SpanFlags::ENDS_AFTER_PARENT);
        }
    }

    let tree = Tree {
        roots,
        child_start,
        children,
    };
    let summary = summarize(store, t, &tree);
    let warnings = warnings(store, t, &tree);
    let trace = &mut store.traces[t as usize];
    trace.tree = tree;
    trace.summary = summary;
    trace.warnings = warnings;
}

fn summarize(store: &Store, t: u32, tree: &Tree) -> TraceSummary {
    let spans = &store.spans;
    let range = store.traces[t as usize].spans.range();
    let mut s = TraceSummary {
        root: NONE,
        start: i64::MAX,
        end: i64::MIN,
        ..TraceSummary::default()
    };
    let mut services = Vec::new();
    let empty = store.strings.empty();
    for i in range.clone() {
        let f = spans.flags[i];
        s.start = s.start.min(spans.start[i]);
        s.end = s.end.max(spans.start[i].saturating_add(spans.duration[i]));
        if spans.status[i] == crate::model::StatusCode::Error {
            s.errors += 1;
        }
        s.max_depth = s.max_depth.max(spans.depth[i]);
        if f.contains(SpanFlags::ORPHAN) {
            s.orphans += 1;
        }
        if f.contains(SpanFlags::DUPLICATE_ID) {
            s.duplicates += 1;
        }
        if f.contains(SpanFlags::CYCLE) {
            s.cycles += 1;
        }
        if spans.service[i] != empty {
            services.push(spans.service[i]);
        }
    }
    if range.is_empty() {
        s.start = 0;
        s.end = 0;
    }
    services.sort_unstable();
    services.dedup();
    services.sort_by(|a, b| store.str(*a).cmp(store.str(*b)));
    s.services = services;
    s.roots = tree.roots.len() as u32;
    let clean =
        |&&r: &&u32| !spans.flags[r as usize].intersects(SpanFlags::ORPHAN | SpanFlags::CYCLE);
    s.root = tree
        .roots
        .iter()
        .find(clean)
        .or(tree.roots.first())
        .copied()
        .unwrap_or(NONE);
    s
}

/// Span `i` is async work (FOLLOWS_FROM, messaging, or under a producer):
/// it may outlive its parent without anything being wrong.
pub fn is_async(spans: &crate::model::store::Spans, i: usize) -> bool {
    spans.flags[i].contains(SpanFlags::FOLLOWS_FROM)
        || matches!(spans.kind[i], SpanKind::Consumer | SpanKind::Producer)
        || (spans.parent[i] != NONE && spans.kind[spans.parent[i] as usize] == SpanKind::Producer)
}

fn warnings(store: &Store, t: u32, tree: &Tree) -> Vec<TraceWarning> {
    let spans = &store.spans;
    let range = store.traces[t as usize].spans.range();
    let mut out = Vec::new();
    let mut add =
        |kind: WarningKind, pick: &dyn Fn(usize) -> bool, message: &dyn Fn(u32) -> String| {
            let hits: Vec<u32> = range
                .clone()
                .filter(|&i| pick(i))
                .map(|i| i as u32)
                .collect();
            if !hits.is_empty() {
                let count = hits.len() as u32;
                out.push(TraceWarning {
                    kind,
                    count,
                    message: message(count),
                    spans: hits.into_iter().take(TraceWarning::MAX_SPANS).collect(),
                });
            }
        };
    let has = |i: usize, f: SpanFlags| spans.flags[i].intersects(f);
    let id = store.traces[t as usize].id;
    if matches!(id, crate::model::TraceId::Text(s) if store.str(s).trim().is_empty()) {
        add(WarningKind::NoTraceId, &|_| true, &|n| {
            format!(
                "the file gives this trace no id (its traceID is empty); {} kept as one trace",
                if n == 1 {
                    "its span is".to_owned()
                } else {
                    format!("its {n} spans are")
                }
            )
        });
    }
    // "1 span has", "2 spans have"
    let s = |n: u32, one: &str, many: &str| {
        if n == 1 {
            format!("1 span {one}")
        } else {
            format!("{n} spans {many}")
        }
    };
    add(WarningKind::Orphans, &|i| has(i, SpanFlags::ORPHAN), &|n| {
        format!(
            "{} a parent that is not in the trace (dropped or not sampled); shown as extra roots",
            s(n, "references", "reference")
        )
    });
    add(
        WarningKind::DuplicateIds,
        &|i| has(i, SpanFlags::DUPLICATE_ID),
        &|n| {
            format!(
                "{} a span id with another span; all are kept",
                s(n, "shares", "share")
            )
        },
    );
    add(WarningKind::Cycles, &|i| has(i, SpanFlags::CYCLE), &|n| {
        format!(
            "{n} parent {} formed a cycle (a span is its own ancestor) and were cut",
            if n == 1 { "link" } else { "links" }
        )
    });
    add(
        WarningKind::StartsBeforeParent,
        &|i| has(i, SpanFlags::STARTS_BEFORE_PARENT),
        &|n| {
            format!(
                "{} before {} parent (clock skew between hosts?)",
                s(n, "starts", "start"),
                if n == 1 { "its" } else { "their" }
            )
        },
    );
    // Async children (FOLLOWS_FROM, messaging) outliving their parent is normal.
    let is_async = |i: usize| is_async(spans, i);
    add(
        WarningKind::EndsAfterParent,
        &|i| has(i, SpanFlags::ENDS_AFTER_PARENT) && !is_async(i),
        &|n| {
            format!(
                "{} after {} parent ends (unawaited work or clock skew)",
                s(n, "ends", "end"),
                if n == 1 { "its" } else { "their" }
            )
        },
    );
    add(
        WarningKind::MissingTimes,
        &|i| has(i, SpanFlags::NO_START | SpanFlags::NO_DURATION),
        &|n| {
            format!("{} no timestamp or no duration in the file (drawn at the parent's start / over the children)", s(n, "has", "have"))
        },
    );
    add(
        WarningKind::BadTimes,
        &|i| has(i, SpanFlags::ENDS_BEFORE_START),
        &|n| {
            format!(
                "{} an end time before {} start time in the file (drawn zero-length)",
                s(n, "has", "have"),
                if n == 1 { "its" } else { "their" }
            )
        },
    );
    add(
        WarningKind::BadTimes,
        &|i| has(i, SpanFlags::BAD_TIME),
        &|n| {
            format!("{} a time outside any real date (negative, past the year 2262, or an unset time written as uint64?); drawn at the parent's start", s(n, "has", "have"))
        },
    );
    let true_roots: Vec<u32> = tree
        .roots
        .iter()
        .copied()
        .filter(|&r| spans.parent_id[r as usize].is_none())
        .collect();
    if true_roots.len() > 1 {
        out.push(TraceWarning {
            kind: WarningKind::MultipleRoots,
            count: true_roots.len() as u32,
            message: format!(
                "{} spans have no parent: the trace has several roots",
                true_roots.len()
            ),
            spans: true_roots
                .into_iter()
                .take(TraceWarning::MAX_SPANS)
                .collect(),
        });
    }
    out.sort_by_key(|w| w.kind);
    out
}

#[cfg(test)]
mod tests {
    use crate::import;
    use crate::model::{SpanFlags, Store, WarningKind, NONE};

    /// Spans as (id, parent, start µs, duration µs); one Jaeger trace.
    fn trace(spans: &[(&str, Option<&str>, u64, u64)]) -> Store {
        let spans: Vec<String> = spans
            .iter()
            .map(|(id, parent, start, dur)| {
                let refs = match parent {
                    Some(p) => format!(r#"[{{"refType":"CHILD_OF","traceID":"1","spanID":"{p}"}}]"#),
                    None => "[]".into(),
                };
                format!(
                    r#"{{"traceID":"1","spanID":"{id}","operationName":"op{id}","references":{refs},"startTime":{start},"duration":{dur},"processID":"p1"}}"#
                )
            })
            .collect();
        let json = format!(
            r#"{{"data":[{{"traceID":"1","spans":[{}],"processes":{{"p1":{{"serviceName":"svc"}}}}}}]}}"#,
            spans.join(",")
        );
        let mut store = Store::default();
        import::load(&mut store, "t.json", json.as_bytes()).unwrap();
        store
    }

    fn idx(store: &Store, id: &str) -> u32 {
        (0..store.spans.len() as u32)
            .find(|&i| {
                store.spans.id[i as usize]
                    .to_text(&store.strings)
                    .trim_start_matches('0')
                    == id
            })
            .unwrap()
    }

    fn has(store: &Store, id: &str, f: SpanFlags) -> bool {
        store.spans.flags[idx(store, id) as usize].contains(f)
    }

    #[test]
    fn children_sorted_by_start_and_depths() {
        let s = trace(&[
            ("1", None, 0, 100),
            ("3", Some("1"), 50, 10),
            ("2", Some("1"), 10, 10),
            ("4", Some("3"), 55, 1),
        ]);
        assert_eq!(s.children(idx(&s, "1")), &[idx(&s, "2"), idx(&s, "3")]);
        assert_eq!(s.spans.depth[idx(&s, "4") as usize], 2);
        assert_eq!(s.traces[0].summary.max_depth, 2);
        assert_eq!(s.traces[0].summary.root, idx(&s, "1"));
        assert!(s.traces[0].warnings.is_empty());
    }

    #[test]
    fn three_cycle_is_cut_at_its_earliest_span() {
        let s = trace(&[
            ("a", Some("c"), 20, 5),
            ("b", Some("a"), 30, 5),
            ("c", Some("b"), 10, 50),
        ]);
        assert_eq!(s.traces[0].tree.roots, vec![idx(&s, "c")]);
        assert!(has(&s, "c", SpanFlags::CYCLE));
        assert_eq!(s.spans.parent[idx(&s, "c") as usize], NONE);
        assert_eq!(s.spans.parent[idx(&s, "a") as usize], idx(&s, "c"));
        assert_eq!(s.traces[0].summary.cycles, 1);
        assert!(s.traces[0]
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::Cycles));
    }

    #[test]
    fn self_parent_and_orphans_become_roots() {
        let s = trace(&[
            ("1", Some("1"), 0, 10),
            ("2", Some("99"), 5, 1),
            ("3", None, 7, 1),
        ]);
        assert_eq!(s.traces[0].tree.roots.len(), 3);
        assert!(has(&s, "1", SpanFlags::CYCLE));
        assert!(has(&s, "2", SpanFlags::ORPHAN));
        // the clean root names the trace even though it starts last
        assert_eq!(s.traces[0].summary.root, idx(&s, "3"));
        let kinds: Vec<_> = s.traces[0].warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, vec![WarningKind::Orphans, WarningKind::Cycles]);
    }

    #[test]
    fn duplicate_ids_are_both_kept() {
        let s = trace(&[
            ("1", None, 0, 10),
            ("2", Some("1"), 1, 1),
            ("2", Some("1"), 2, 1),
            ("3", Some("2"), 3, 1),
        ]);
        assert_eq!(s.spans.len(), 4);
        let dups = s
            .spans
            .flags
            .iter()
            .filter(|f| f.contains(SpanFlags::DUPLICATE_ID))
            .count();
        assert_eq!(dups, 2);
        // children of a duplicated id go to the first span with it
        let first_two = (0..4)
            .find(|&i| s.spans.id[i].to_text(&s.strings).ends_with('2'))
            .unwrap();
        assert_eq!(s.spans.parent[idx(&s, "3") as usize], first_two as u32);
    }

    #[test]
    fn children_outside_their_parent_are_flagged() {
        let s = trace(&[
            ("1", None, 100, 10),
            ("2", Some("1"), 90, 5),
            ("3", Some("1"), 105, 50),
        ]);
        assert!(has(&s, "2", SpanFlags::STARTS_BEFORE_PARENT));
        assert!(has(&s, "3", SpanFlags::ENDS_AFTER_PARENT));
        assert_eq!(s.traces[0].summary.start, 90_000);
        assert_eq!(s.traces[0].summary.end, 155_000);
    }

    #[test]
    fn a_span_without_duration_spans_its_children() {
        let json = r#"[{"traceId":"a","id":"1","timestamp":100},{"traceId":"a","id":"2","parentId":"1","timestamp":110,"duration":40},{"traceId":"a","id":"3","parentId":"2"}]"#;
        let mut s = Store::default();
        import::load(&mut s, "z.json", json.as_bytes()).unwrap();
        let (one, three) = (idx(&s, "1") as usize, idx(&s, "3") as usize);
        assert_eq!(s.spans.duration[one], 50_000);
        assert!(s.spans.flags[one].contains(SpanFlags::NO_DURATION));
        // no timestamp: placed at its parent's start
        assert_eq!(s.spans.start[three], 110_000);
        assert!(s.spans.flags[three].contains(SpanFlags::NO_START));
    }

    #[test]
    fn children_stay_sorted_when_untimed_spans_move() {
        let json = r#"[{"traceId":"a","id":"1","timestamp":100,"duration":50},{"traceId":"a","id":"2","parentId":"1","timestamp":90,"duration":5},{"traceId":"a","id":"3","parentId":"1"}]"#;
        let mut s = Store::default();
        import::load(&mut s, "z.json", json.as_bytes()).unwrap();
        let starts: Vec<i64> = s
            .children(idx(&s, "1"))
            .iter()
            .map(|&c| s.spans.start[c as usize])
            .collect();
        assert_eq!(starts, vec![90_000, 100_000]);
    }

    #[test]
    fn building_twice_gives_the_same_tree() {
        let mut s = trace(&[
            ("a", Some("c"), 20, 5),
            ("b", Some("a"), 30, 5),
            ("c", Some("b"), 10, 50),
            ("d", Some("x"), 1, 1),
        ]);
        let flags = s.spans.flags.clone();
        let roots = s.traces[0].tree.roots.clone();
        super::build(&mut s, 0);
        assert_eq!(s.spans.flags, flags);
        assert_eq!(s.traces[0].tree.roots, roots);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let ids: Vec<String> = (1..=20_000).map(|i| format!("{i:x}")).collect();
        let spans: Vec<(&str, Option<&str>, u64, u64)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    id.as_str(),
                    if i == 0 {
                        None
                    } else {
                        Some(ids[i - 1].as_str())
                    },
                    i as u64,
                    1,
                )
            })
            .collect();
        let s = trace(&spans);
        assert_eq!(s.traces[0].summary.max_depth, 19_999);
    }
}
