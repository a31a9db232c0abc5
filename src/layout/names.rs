//! What traces are called on screen: a trace's name ("service: operation"
//! of its root span) and the labels of open tabs, told apart when two
//! traces have the same name.

use crate::model::{Store, NONE};

/// "service: operation" of a trace's root span, control characters and
/// bidi overrides made visible.
pub fn trace_name(s: &Store, t: u32) -> (String, String) {
    let root = s.traces[t as usize].summary.root;
    if root == NONE {
        return (String::new(), "(empty trace)".into());
    }
    let svc = s.str(s.spans.service[root as usize]);
    let op = s.str(s.spans.name[root as usize]);
    let shown = |t: &str| crate::model::units::visible(t, false).into_owned();
    (
        if svc.is_empty() {
            "(no service)".to_owned()
        } else {
            shown(svc)
        },
        shown(op),
    )
}

/// A tab: its trace, label and tooltip.
#[derive(Clone, Debug, PartialEq)]
pub struct TabLabel {
    pub trace: u32,
    pub label: String,
    pub title: String,
}

/// Each tab's label ("service: operation") and tooltip; tabs whose labels
/// would be the same get the trace's start time (at `tz_minutes` from UTC)
/// and short id after them.
pub fn tab_labels(s: &Store, tabs: &[u32], tz_minutes: i32) -> Vec<TabLabel> {
    let names: Vec<String> = tabs
        .iter()
        .map(|&t| {
            let (svc, op) = trace_name(s, t);
            format!("{svc}: {op}")
        })
        .collect();
    tabs.iter()
        .zip(&names)
        .map(|(&t, name)| {
            let tr = &s.traces[t as usize];
            let id = tr.id.to_text(&s.strings);
            let started = crate::model::time::format_timestamp(tr.summary.start, tz_minutes);
            // Jaeger's short id: the first 7 digits (a 64-bit id written in
            // 32 digits starts with 16 zeros, which tell nothing apart).
            let short: String = id.trim_start_matches('0').chars().take(7).collect();
            let label = if names.iter().filter(|n| *n == name).count() > 1 {
                // "2026-11-21 14:13:37.069" -> "14:13:37"
                let time = started.get(11..19).unwrap_or(&started);
                format!("{name} · {time} · {short}")
            } else {
                name.clone()
            };
            TabLabel {
                trace: t,
                label,
                title: format!("{name}\nstarted {started}\ntrace {id}"),
            }
        })
        .collect()
}

/// The files trace `t`'s spans came from (a joined file's parts its spans
/// are in, else its file), as the header shows them ("a.json + b.json",
/// "a.json + 3 more files") and in full, one per line, for its tooltip.
pub fn trace_sources(s: &Store, t: u32) -> (String, String) {
    let Some(tr) = s.traces.get(t as usize) else {
        return Default::default();
    };
    let Some(file) = s.files.get(tr.file as usize) else {
        return Default::default();
    };
    let parts: Vec<_> = tr
        .sources
        .iter()
        .filter_map(|&p| file.parts.get(p as usize).cloned())
        .collect();
    if parts.is_empty() {
        return (file.name.clone(), format!("Loaded from {}", file.name));
    }
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    (
        crate::import::join::joined_name(&parts),
        format!("Joined from:\n{}", names.join("\n")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Store {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        s
    }

    #[test]
    fn same_names_get_time_and_short_id() {
        let s = demo();
        let checkouts: Vec<u32> = (0..s.traces.len() as u32)
            .filter(|&t| trace_name(&s, t) == ("web-frontend".into(), "POST /api/checkout".into()))
            .collect();
        assert!(checkouts.len() >= 2, "{checkouts:?}");
        let quote = (0..s.traces.len() as u32)
            .find(|&t| trace_name(&s, t).1 == "GET /api/cart/quote")
            .unwrap();
        let tabs = [checkouts[0], quote, checkouts[1]];
        let labels = tab_labels(&s, &tabs, 0);
        assert_eq!(
            labels[1].label, "web-frontend: GET /api/cart/quote",
            "a name of its own"
        );
        for k in [0, 2] {
            let l = &labels[k].label;
            let id = s.traces[tabs[k] as usize].id.to_text(&s.strings);
            assert!(l.starts_with("web-frontend: POST /api/checkout · "), "{l}");
            assert!(
                l.ends_with(&format!(" · {}", &id.trim_start_matches('0')[..7])),
                "{l}"
            );
        }
        assert_ne!(labels[0].label, labels[2].label);
        assert!(labels[0].title.contains("\ntrace "));
    }

    #[test]
    fn an_empty_trace_and_no_service_are_named() {
        let mut s = Store::default();
        crate::import::load(
            &mut s,
            "z.json",
            br#"[{"traceId":"a","id":"1","name":"x\u202e","timestamp":1000,"duration":5}]"#,
        )
        .unwrap();
        assert_eq!(
            trace_name(&s, 0),
            ("(no service)".into(), "x[U+202E]".into())
        );
    }

    #[test]
    fn a_joined_trace_names_the_files_it_came_from() {
        let mut s = Store::default();
        let span = |id: &str, parent: &str| {
            format!(
                r#"[{{"traceId":"a","id":"{id}","parentId":"{parent}","name":"x","timestamp":1000,"duration":5}}]"#
            )
        };
        crate::import::load(&mut s, "one.json", span("1", "").as_bytes()).unwrap();
        crate::import::load(
            &mut s,
            "other.json",
            br#"[{"traceId":"b","id":"1","name":"y","timestamp":1,"duration":1}]"#,
        )
        .unwrap();
        assert_eq!(trace_sources(&s, 0).0, "one.json");
        crate::import::join::load_joined(&mut s, "two.json", span("2", "1").as_bytes()).unwrap();
        let t = s.find_trace(s.traces[1].id).unwrap();
        assert_eq!(s.traces[t as usize].span_count(), 2);
        assert_eq!(
            trace_sources(&s, t),
            (
                "one.json + two.json".into(),
                "Joined from:\none.json\ntwo.json".into()
            )
        );
        assert_eq!(trace_sources(&s, 0).0, "other.json");
        assert_eq!(trace_sources(&s, 99), Default::default());
    }
}
