//! Trace health: what is wrong with the data of one trace, each check with
//! a count and every span it concerns (the waterfall filters to them).
//!
//! Rules: a trace is missing its root when every root names a parent;
//! orphans are spans whose parent id is not in the trace (the ids that never
//! arrived are listed: the spans were dropped, not sampled or not yet
//! exported); duplicate ids, cut cycles and times the file did not give or
//! gave wrongly come from the import's flags; a child outside its parent
//! starts before it or ends after it, except async work (FOLLOWS_FROM,
//! messaging), which may outlive its caller; a duration of zero or less is
//! counted; dropped attributes, events and links are the counts the SDK
//! reported; a resource without `service.name` shows as "(no service)"; and
//! clock-skew corrections are listed with the trace's warning about them.
//!
//! Jaeger reports invalid parents per span, in the span's detail only, and
//! Zipkin Lens none of these; Sentry's trace view flags orphans as "orphan
//! spans" but counts nothing else. Here every check is counted per trace.

use rustc_hash::FxHashMap;

use crate::model::{SpanFlags, SpanId, Store, WarningKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    MissingRoot,
    Orphans,
    DuplicateIds,
    Cycles,
    OutsideParent,
    BadDurations,
    DroppedData,
    NoService,
    ClockSkew,
}

/// One check that found something.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub kind: CheckKind,
    /// "4 orphan spans".
    pub title: String,
    /// What it means, and what was found (the parent ids that never came).
    pub detail: String,
    /// Lost, duplicated or contradictory data (not only an unusual shape).
    pub problem: bool,
    /// Every span it concerns, in trace order.
    pub spans: Vec<u32>,
}

/// The checks of trace `t` that found something, problems first.
pub fn check(store: &Store, t: u32) -> Vec<Check> {
    let tr = &store.traces[t as usize];
    let sp = &store.spans;
    let range = tr.spans.range();
    let flagged = |f: SpanFlags| -> Vec<u32> {
        range
            .clone()
            .filter(|&i| sp.flags[i].intersects(f))
            .map(|i| i as u32)
            .collect()
    };
    let mut out = Vec::new();
    let mut push = |kind, problem, spans: Vec<u32>, title: String, detail: String| {
        if !spans.is_empty() {
            out.push(Check {
                kind,
                title,
                detail,
                problem,
                spans,
            });
        }
    };
    let n = |k: usize, one: &str, many: &str| {
        if k == 1 {
            format!("1 {one}")
        } else {
            format!("{k} {many}")
        }
    };

    let has_true_root = tr
        .tree
        .roots
        .iter()
        .any(|&r| sp.parent_id[r as usize].is_none());
    if !has_true_root && !tr.tree.roots.is_empty() {
        push(
            CheckKind::MissingRoot,
            true,
            tr.tree.roots.clone(),
            "No root span".into(),
            "every top span names a parent that is not here: the request's first span was not exported (or the trace was cut)".into(),
        );
    }

    let orphans = flagged(SpanFlags::ORPHAN);
    if !orphans.is_empty() {
        let mut missing: FxHashMap<SpanId, u32> = FxHashMap::default();
        for &i in &orphans {
            if let Some(p) = sp.parent_id[i as usize] {
                *missing.entry(p).or_default() += 1;
            }
        }
        let mut ids: Vec<(String, u32)> = missing
            .into_iter()
            .map(|(id, k)| {
                let text = id.to_text(&store.strings);
                (crate::model::units::visible(&text, false).into_owned(), k)
            })
            .collect();
        ids.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let shown: Vec<String> = ids
            .iter()
            .take(8)
            .map(|(id, k)| match k {
                1 => crate::model::units::clip(id, 40),
                k => format!("{} ({k} children)", crate::model::units::clip(id, 40)),
            })
            .collect();
        let more = ids.len().saturating_sub(shown.len());
        push(
            CheckKind::Orphans,
            true,
            orphans.clone(),
            n(orphans.len(), "orphan span", "orphan spans"),
            format!(
                "parent ids that never arrived: {}{} (spans may have been dropped or not sampled); shown as extra roots",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        );
    }

    let dups = flagged(SpanFlags::DUPLICATE_ID);
    push(
        CheckKind::DuplicateIds,
        true,
        dups.clone(),
        n(dups.len(), "span shares its id", "spans share ids"),
        "another span of the trace has the same id (reported twice, or an id generator's bug); all are kept".into(),
    );
    let cycles = flagged(SpanFlags::CYCLE);
    push(
        CheckKind::Cycles,
        true,
        cycles.clone(),
        n(cycles.len(), "parent link cut", "parent links cut"),
        "following parents led back to the span itself; the link was cut to make a tree".into(),
    );

    // Async work may outlive its caller; anything else outside its parent
    // is clock skew or a bug.
    let is_async = |i: usize| super::tree::is_async(sp, i);
    let outside: Vec<u32> = range
        .clone()
        .filter(|&i| {
            sp.flags[i].contains(SpanFlags::STARTS_BEFORE_PARENT)
                || (sp.flags[i].contains(SpanFlags::ENDS_AFTER_PARENT) && !is_async(i))
        })
        .map(|i| i as u32)
        .collect();
    push(
        CheckKind::OutsideParent,
        false,
        outside.clone(),
        n(outside.len(), "child outside its parent", "children outside their parent"),
        "starts before its parent or ends after it (not async work): clock skew between hosts, or work nobody waited for".into(),
    );

    let bad_time = SpanFlags::NO_START
        | SpanFlags::NO_DURATION
        | SpanFlags::ENDS_BEFORE_START
        | SpanFlags::BAD_TIME;
    let bad: Vec<u32> = range
        .clone()
        .filter(|&i| sp.duration[i] <= 0 || sp.flags[i].intersects(bad_time))
        .map(|i| i as u32)
        .collect();
    push(
        CheckKind::BadDurations,
        true,
        bad.clone(),
        n(bad.len(), "span without a real duration", "spans without a real duration"),
        "zero or negative duration, or a start or end the file did not give or gave outside any real date".into(),
    );

    let (mut attrs, mut events, mut links) = (0u64, 0u64, 0u64);
    let dropped: Vec<u32> = range
        .clone()
        .filter(|&i| {
            let d = sp.dropped[i];
            let e: u64 = store
                .span_events(i as u32)
                .iter()
                .map(|e| e.dropped_attrs as u64)
                .sum();
            let l: u64 = store
                .span_links(i as u32)
                .iter()
                .map(|l| l.dropped_attrs as u64)
                .sum();
            attrs += d.attrs as u64 + e + l;
            events += d.events as u64;
            links += d.links as u64;
            d.attrs + d.events + d.links > 0 || e + l > 0
        })
        .map(|i| i as u32)
        .collect();
    let parts: Vec<String> = [(attrs, "attribute"), (events, "event"), (links, "link")]
        .into_iter()
        .filter(|(k, _)| *k > 0)
        .map(|(k, what)| crate::model::units::counted(k, what))
        .collect();
    push(
        CheckKind::DroppedData,
        true,
        dropped.clone(),
        n(dropped.len(), "span lost data", "spans lost data"),
        format!(
            "the SDK dropped {} (over its limits): what you see of these spans is incomplete",
            parts.join(", ")
        ),
    );

    let no_service: Vec<u32> = range
        .clone()
        .filter(|&i| store.str(sp.service[i]).is_empty())
        .map(|i| i as u32)
        .collect();
    push(
        CheckKind::NoService,
        true,
        no_service.clone(),
        n(no_service.len(), "span has no service", "spans have no service"),
        "their resource has no service.name (an SDK not configured with OTEL_SERVICE_NAME): shown as \"(no service)\"".into(),
    );

    for w in tr
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::ClockSkew)
    {
        push(
            CheckKind::ClockSkew,
            false,
            w.spans.clone(),
            n(
                w.count as usize,
                "span adjusted for clock skew",
                "spans adjusted for clock skew",
            ),
            w.message.clone(),
        );
    }
    out.sort_by_key(|c| !c.problem);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    fn load(json: &str) -> Store {
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        s
    }

    fn kinds(c: &[Check]) -> Vec<(CheckKind, usize)> {
        c.iter().map(|c| (c.kind, c.spans.len())).collect()
    }

    #[test]
    fn a_healthy_trace_has_no_checks() {
        let s = load(
            r#"[{"traceId":"a","id":"1","name":"root","timestamp":1000,"duration":50,"localEndpoint":{"serviceName":"web"}},
                {"traceId":"a","id":"2","parentId":"1","name":"db","timestamp":1010,"duration":20,"localEndpoint":{"serviceName":"web"}}]"#,
        );
        assert_eq!(check(&s, 0), vec![]);
    }

    #[test]
    fn orphans_name_the_parents_that_never_arrived() {
        let s = load(
            r#"[{"traceId":"a","id":"2","parentId":"9","name":"x","timestamp":1000,"duration":5,"localEndpoint":{"serviceName":"web"}},
                {"traceId":"a","id":"3","parentId":"9","name":"y","timestamp":1001,"duration":5,"localEndpoint":{"serviceName":"web"}},
                {"traceId":"a","id":"4","parentId":"8","name":"z","timestamp":1002,"duration":0,"localEndpoint":{"serviceName":""}}]"#,
        );
        let c = check(&s, 0);
        assert_eq!(
            kinds(&c),
            vec![
                (CheckKind::MissingRoot, 3),
                (CheckKind::Orphans, 3),
                (CheckKind::BadDurations, 1),
                (CheckKind::NoService, 1),
            ]
        );
        assert_eq!(c[1].title, "3 orphan spans");
        assert!(
            c[1].detail.starts_with(
                "parent ids that never arrived: 0000000000000009 (2 children), 0000000000000008 ("
            ),
            "{}",
            c[1].detail
        );
    }

    #[test]
    fn dropped_data_and_children_outside_their_parent() {
        let s = load(
            r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
              "scopeSpans":[{"spans":[
                {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"root","kind":2,
                 "startTimeUnixNano":"1000","endTimeUnixNano":"5000","droppedAttributesCount":3,"droppedEventsCount":1},
                {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"c7ad6b7169203331","parentSpanId":"b7ad6b7169203331",
                 "name":"late","kind":3,"startTimeUnixNano":"2000","endTimeUnixNano":"9000"}]}]}]}"#,
        );
        let c = check(&s, 0);
        assert_eq!(
            kinds(&c),
            vec![(CheckKind::DroppedData, 1), (CheckKind::OutsideParent, 1)]
        );
        assert_eq!(
            c[0].detail,
            "the SDK dropped 3 attributes, 1 event (over its limits): what you see of these spans is incomplete"
        );
        assert!(!c[1].problem);
    }
}
#[cfg(test)]
mod demo {
    /// The demo's two traces with lost parents, and notes elsewhere.
    #[test]
    fn the_demo_has_two_traces_with_orphans() {
        let bytes = crate::sources::demo::bytes();
        let mut s = crate::model::Store::default();
        crate::import::load(&mut s, "demo", &bytes).unwrap();
        let mut problems = Vec::new();
        let mut notes = 0;
        for t in 0..s.traces.len() as u32 {
            for c in super::check(&s, t) {
                if c.problem {
                    problems.push((
                        s.traces[t as usize].id.to_text(&s.strings),
                        c.title,
                        c.detail,
                    ));
                } else {
                    notes += 1;
                }
            }
        }
        assert_eq!(
            problems,
            vec![
                ("4a05eb0ed1e7c66c21b5942832aeb60e".into(), "2 orphan spans".into(),
                 "parent ids that never arrived: 1336b4d769bae3b5 (2 children) (spans may have been dropped or not sampled); shown as extra roots".into()),
                ("8df1443c693be67b5b5ddcd8644dbd9a".into(), "6 orphan spans".into(),
                 "parent ids that never arrived: 1ff419805aeb41a3 (6 children) (spans may have been dropped or not sampled); shown as extra roots".into()),
            ]
        );
        assert_eq!(
            notes, 15,
            "children outside their parent (async work ending late)"
        );
    }
}
