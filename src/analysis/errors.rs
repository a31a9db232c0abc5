//! Where a trace failed: its error origins.
//!
//! Rule: an *error origin* is an error span none of whose descendants is an
//! error: the deepest point of each failure, where it started rather than
//! where it was passed on. Each origin records the unbroken chain of error
//! ancestors above it and whether that chain reaches its root
//! (`reaches_root`: the failure became the request's failure). The primary
//! origin is the first that reaches its root (ties: the earliest to start),
//! else the earliest origin. A span is an error as the importers decide
//! (OTLP status ERROR, Jaeger/Zipkin `error` tags, HTTP 5xx on server spans).
//!
//! Where it differs: Jaeger UI and Zipkin Lens colour every error span and
//! leave the reader to find the deepest one (Jaeger marks a collapsed parent
//! with a failing descendant); Sentry and Datadog land on the first error
//! span by time, which is often the last to be reported, not the cause. None
//! of them says whether a failure reached the user.

use crate::model::{Store, Value, NONE};

/// One error origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub span: u32,
    /// Every ancestor up to the root is an error too.
    pub reaches_root: bool,
    /// The unbroken run of error ancestors above the origin, nearest first
    /// (up to the root when `reaches_root`).
    pub chain: Vec<u32>,
}

/// Error origins of trace `t`: the primary first, then those that reach
/// their root, then the rest, each group by start time.
pub fn origins(store: &Store, t: u32) -> Vec<Origin> {
    let trace = &store.traces[t as usize];
    if trace.summary.errors == 0 {
        return Vec::new();
    }
    let base = trace.spans.start as usize;
    let n = trace.spans.len as usize;
    // Whether any descendant is an error: children before parents (a
    // preorder walked backwards).
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut stack: Vec<u32> = trace.tree.roots.clone();
    while let Some(i) = stack.pop() {
        order.push(i);
        stack.extend_from_slice(store.children(i));
    }
    let mut below = vec![false; n];
    for &i in order.iter().rev() {
        let p = store.spans.parent[i as usize];
        if p != NONE && (below[i as usize - base] || store.is_error(i)) {
            below[p as usize - base] = true;
        }
    }
    let mut out: Vec<Origin> = (0..n)
        .filter(|&k| store.is_error((base + k) as u32) && !below[k])
        .map(|k| {
            let span = (base + k) as u32;
            let mut chain = Vec::new();
            let mut p = store.spans.parent[span as usize];
            while p != NONE && store.is_error(p) {
                chain.push(p);
                p = store.spans.parent[p as usize];
            }
            Origin {
                span,
                reaches_root: p == NONE,
                chain,
            }
        })
        .collect();
    out.sort_by_key(|o| (!o.reaches_root, store.spans.start[o.span as usize], o.span));
    out
}

/// Text of the first attribute named `key` among `attrs`.
fn text_of<'a>(store: &'a Store, attrs: &'a [crate::model::Attr], key: &str) -> Option<String> {
    let key = store.strings.lookup(key)?;
    attrs
        .iter()
        .find(|a| a.key == key)
        .map(|a| match &a.value {
            Value::Str(t) => store.text(*t).to_owned(),
            v => store.format_value(v),
        })
        .filter(|s| !s.trim().is_empty())
}

/// The HTTP (or gRPC) status a span answered or got, if it says.
pub fn status_code(store: &Store, span: u32) -> Option<i64> {
    [
        "http.response.status_code",
        "http.status_code",
        "rpc.grpc.status_code",
    ]
    .iter()
    .find_map(|k| match store.attr(span, k)? {
        Value::Int(n) => Some(*n),
        Value::Str(t) => store.text(*t).trim().parse().ok(),
        Value::Double(f) if f.fract() == 0.0 => Some(*f as i64),
        _ => None,
    })
}

/// What went wrong in `span`, in its own words where it has them: the
/// status message, else its exception (type and message), else an error
/// message attribute; with the HTTP status when it has one and the words do
/// not already say it ("card declined (402)", "HTTP 503").
pub fn message(store: &Store, span: u32) -> String {
    let msg = Some(store.text(store.spans.status_message[span as usize]).trim())
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            store.span_events(span).iter().find_map(|e| {
                let attrs = store.attrs_of(e.attrs);
                let m = text_of(store, attrs, "exception.message")
                    .or_else(|| text_of(store, attrs, "message"))
                    .or_else(|| text_of(store, attrs, "error.object"));
                let ty = text_of(store, attrs, "exception.type");
                match (ty, m) {
                    (Some(t), Some(m)) => Some(format!("{t}: {m}")),
                    (t, m) => m.or(t),
                }
            })
        })
        .or_else(|| {
            let attrs = store.span_attrs(span);
            ["error.message", "exception.message", "error.type"]
                .iter()
                .find_map(|k| text_of(store, attrs, k))
                .or_else(|| {
                    // Zipkin and Jaeger put the message in `error` itself.
                    text_of(store, attrs, "error").filter(|m| m != "true" && m != "1")
                })
        });
    let code = status_code(store, span);
    match (msg, code) {
        (Some(m), Some(c)) if !m.contains(&c.to_string()) => format!("{m} ({c})"),
        (Some(m), _) => m,
        (None, Some(c)) => format!("HTTP {c}"),
        (None, None) => "error status".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Zipkin span: (id, parent, start µs, error tag (None: no error), extra tags JSON).
    type Row<'a> = (&'a str, Option<&'a str>, i64, Option<&'a str>, &'a str);

    fn store(spans: &[Row]) -> Store {
        let items: Vec<String> = spans
            .iter()
            .map(|(id, parent, start, err, tags)| {
                let parent = parent
                    .map(|p| format!(r#""parentId":"{p}","#))
                    .unwrap_or_default();
                let mut t: Vec<String> = Vec::new();
                if let Some(e) = err {
                    t.push(format!(r#""error":"{e}""#));
                }
                if !tags.is_empty() {
                    t.push(tags.to_string());
                }
                format!(
                    r#"{{"traceId":"1","id":"{id}",{parent}"name":"op{id}","timestamp":{},"duration":10,"localEndpoint":{{"serviceName":"svc-{id}"}},"tags":{{{}}}}}"#,
                    1000 + start,
                    t.join(",")
                )
            })
            .collect();
        crate::analysis::testing::zipkin_store(&items)
    }

    fn id(s: &Store, i: u32) -> String {
        crate::analysis::testing::short_id(s, i)
    }

    #[test]
    fn the_deepest_error_of_each_chain() {
        // 1 (err) -> 2 (err) -> 3 (err): origin 3, reaches the root.
        // 1 -> 4 (ok) -> 5 (err): origin 5, does not.
        // 1 -> 6 (err), starts earlier than 3: origin, reaches the root.
        let s = store(&[
            ("1", None, 0, Some("500"), ""),
            ("2", Some("1"), 1, Some("x"), ""),
            (
                "3",
                Some("2"),
                5,
                Some("card declined"),
                r#""http.status_code":"402""#,
            ),
            ("4", Some("1"), 2, None, ""),
            ("5", Some("4"), 3, Some("timeout"), ""),
            ("6", Some("1"), 4, Some("x"), ""),
        ]);
        let o = origins(&s, 0);
        let ids: Vec<(String, bool)> = o.iter().map(|o| (id(&s, o.span), o.reaches_root)).collect();
        assert_eq!(
            ids,
            vec![("6".into(), true), ("3".into(), true), ("5".into(), false)]
        );
        let chain: Vec<String> = o[1].chain.iter().map(|&c| id(&s, c)).collect();
        assert_eq!(chain, ["2", "1"]);
        assert!(o[2].chain.is_empty());
        assert_eq!(message(&s, o[1].span), "card declined (402)");
        assert_eq!(message(&s, o[2].span), "timeout");
    }

    #[test]
    fn healthy_traces_have_none_and_an_error_root_is_its_own_origin() {
        let s = store(&[("1", None, 0, None, ""), ("2", Some("1"), 1, None, "")]);
        assert!(origins(&s, 0).is_empty());
        let s = store(&[("1", None, 0, Some("true"), r#""http.status_code":"503""#)]);
        let o = origins(&s, 0);
        assert_eq!(o.len(), 1);
        assert!(o[0].reaches_root);
        assert_eq!(message(&s, o[0].span), "HTTP 503");
    }
}
