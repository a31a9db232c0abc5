//! The rows of the span details' attribute tables: which attributes a
//! table lists (the span's, its resource's and scope's, an event's, a
//! link's), filtered by the panel's search and cut to the page shown. Only
//! rows shown are formatted when nothing filters (a span may carry 100,000
//! attributes); text is made visible (control and bidi characters shown).

use crate::model::units::visible;
use crate::model::{Attr, Store};

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub key: String,
    pub value: String,
    pub ty: &'static str,
}

/// Which attribute list of a span a table shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attrs {
    Span,
    /// The resource's attributes, then the scope's ("scope: " before the key).
    Resource,
    Event(usize),
    Link(usize),
}

/// The attribute slices of `which`, each with the prefix its keys get.
pub fn attr_lists(s: &Store, i: u32, which: Attrs) -> Vec<(&[Attr], &'static str)> {
    match which {
        Attrs::Span => vec![(s.span_attrs(i), "")],
        Attrs::Resource => {
            let mut out = Vec::new();
            if let Some(r) = s.resource_of(i) {
                out.push((s.attrs_of(r.attrs), ""));
            }
            if let Some(sc) = s.scope_of(i) {
                out.push((s.attrs_of(sc.attrs), "scope: "));
            }
            out
        }
        Attrs::Event(k) => s
            .span_events(i)
            .get(k)
            .map(|e| vec![(s.attrs_of(e.attrs), "")])
            .unwrap_or_default(),
        Attrs::Link(k) => s
            .span_links(i)
            .get(k)
            .map(|l| vec![(s.attrs_of(l.attrs), "")])
            .unwrap_or_default(),
    }
}

/// The first `limit` rows of `which` whose key or value contains `filter`
/// (lowercase; empty: all), and how many match in all. Only shown rows are
/// formatted when there is no filter.
pub fn matching_rows(
    s: &Store,
    i: u32,
    which: Attrs,
    filter: &str,
    limit: usize,
) -> (Vec<Row>, usize) {
    let row = |a: &Attr, prefix: &str| Row {
        key: format!("{prefix}{}", visible(s.str(a.key), false)),
        value: visible(&s.format_value(&a.value), true).into_owned(),
        ty: a.value.type_name(),
    };
    let lists = attr_lists(s, i, which);
    let mut rows = Vec::new();
    let mut total = 0;
    for (attrs, prefix) in lists {
        if filter.is_empty() {
            let take = limit.saturating_sub(rows.len()).min(attrs.len());
            rows.extend(attrs[..take].iter().map(|a| row(a, prefix)));
            total += attrs.len();
            continue;
        }
        for a in attrs {
            let r = row(a, prefix);
            if r.key.to_lowercase().contains(filter) || r.value.to_lowercase().contains(filter) {
                total += 1;
                if rows.len() < limit {
                    rows.push(r);
                }
            }
        }
    }
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OTLP: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},{"key":"host.name","value":{"stringValue":"h1"}}]},
      "scopeSpans":[{"scope":{"name":"lib","attributes":[{"key":"lib.flag","value":{"boolValue":true}}]},"spans":[
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /x",
         "startTimeUnixNano":"1000","endTimeUnixNano":"5000",
         "attributes":[{"key":"http.route","value":{"stringValue":"/x"}},{"key":"http.status_code","value":{"intValue":"503"}},
                       {"key":"evil\u202e","value":{"stringValue":"a\u001bb"}}],
         "events":[{"timeUnixNano":"2000","name":"retry","attributes":[{"key":"n","value":{"intValue":1}}]}]}]}]}]}"#;

    fn store() -> Store {
        let mut s = Store::default();
        crate::import::load(&mut s, "t.json", OTLP.as_bytes()).unwrap();
        s
    }

    #[test]
    fn rows_are_cut_to_the_page_and_counted() {
        let s = store();
        let (rows, total) = matching_rows(&s, 0, Attrs::Span, "", 2);
        assert_eq!(total, 3);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[1].key.as_str(), rows[1].value.as_str(), rows[1].ty),
            ("http.status_code", "503", "int")
        );
        let (rows, _) = matching_rows(&s, 0, Attrs::Span, "", 10);
        assert_eq!(
            (rows[2].key.as_str(), rows[2].value.as_str()),
            ("evil[U+202E]", "a␛b")
        );
    }

    #[test]
    fn the_filter_matches_keys_and_values() {
        let s = store();
        let (rows, total) = matching_rows(&s, 0, Attrs::Span, "50", 10);
        assert_eq!((total, rows[0].key.as_str()), (1, "http.status_code"));
        assert_eq!(matching_rows(&s, 0, Attrs::Span, "route", 10).1, 1);
        assert_eq!(
            matching_rows(&s, 0, Attrs::Span, "nothing", 10),
            (vec![], 0)
        );
    }

    #[test]
    fn resource_rows_then_scope_rows_prefixed() {
        let s = store();
        let (rows, total) = matching_rows(&s, 0, Attrs::Resource, "", 10);
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["service.name", "host.name", "scope: lib.flag"]);
        assert_eq!(total, 3);
        assert_eq!(matching_rows(&s, 0, Attrs::Event(0), "", 10).0[0].key, "n");
        assert_eq!(
            matching_rows(&s, 0, Attrs::Event(5), "", 10),
            (vec![], 0),
            "no such event"
        );
    }
}
