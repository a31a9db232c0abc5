//! A store as text, for tests and debugging.

use super::Store;

/// Everything a user can see of a store, as text: equal text, equal stores.
/// Tests compare stores built in different ways (appended from a worker's
/// snapshot, joined from parts) with the store of a plain load through it;
/// interning order and duplicated resources do not show.
pub fn describe(s: &Store) -> String {
    let mut out = String::new();
    for (fi, f) in s.files.iter().enumerate() {
        out += &format!(
            "file {fi} {} {} {} bytes {} spans {:?} {:?}\n",
            f.name, f.format, f.bytes, f.spans, f.traces, f.warnings
        );
    }
    for (ti, t) in s.traces.iter().enumerate() {
        out += &format!(
            "trace {ti} {} file {} spans {:?} roots {:?} root {} services {:?} warnings {:?}\n",
            t.id.to_text(&s.strings),
            t.file,
            t.spans,
            t.tree.roots,
            t.summary.root,
            t.summary
                .services
                .iter()
                .map(|&x| s.str(x))
                .collect::<Vec<_>>(),
            t.warnings
                .iter()
                .map(|w| (&w.message, &w.spans))
                .collect::<Vec<_>>(),
        );
        for i in t.spans.range() {
            let i = i as u32;
            let attrs: Vec<String> = s
                .span_attrs(i)
                .iter()
                .map(|a| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
                .collect();
            let events: Vec<String> = s
                .span_events(i)
                .iter()
                .map(|e| format!("{}@{}", s.str(e.name), e.time))
                .collect();
            let res: Vec<String> = s
                .resource_of(i)
                .map(|r| {
                    s.attrs_of(r.attrs)
                        .iter()
                        .map(|a| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
                        .collect()
                })
                .unwrap_or_default();
            out += &format!(
                "  {} {} {}:{} parent {} depth {} children {:?} {}+{} {:?} {:?} {attrs:?} {events:?} links {} res {res:?} scope {:?}\n",
                i,
                s.spans.id[i as usize].to_text(&s.strings),
                s.str(s.spans.service[i as usize]),
                s.str(s.spans.name[i as usize]),
                s.spans.parent[i as usize] as i64,
                s.spans.depth[i as usize],
                s.children(i),
                s.spans.start[i as usize],
                s.spans.duration[i as usize],
                s.spans.status[i as usize],
                s.text(s.spans.status_message[i as usize]),
                s.span_links(i).len(),
                s.scope_of(i).map(|sc| (s.str(sc.name), s.str(sc.version))),
            );
        }
    }
    out
}
