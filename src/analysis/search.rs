//! Finding spans in a trace by text: service, operation, span id, status
//! message, attribute keys and values, event names. Case-insensitive substring
//! match; `key=value` matches one attribute exactly (value: substring).

use crate::model::{Store, Value};

/// Spans of trace `t` matching `query`, in store order. An empty query matches nothing.
pub fn find(store: &Store, t: u32, query: &str) -> Vec<u32> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let (key, value) = match q.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => (Some(k.trim().to_owned()), v.trim().to_owned()),
        _ => (None, q.clone()),
    };
    let has = |s: &str, needle: &str| s.to_lowercase().contains(needle);
    store.traces[t as usize]
        .spans
        .range()
        .map(|i| i as u32)
        .filter(|&i| {
            let attrs = store.span_attrs(i);
            if let Some(k) = &key {
                return attrs.iter().any(|a| {
                    store.str(a.key).to_lowercase() == *k
                        && has(&value_text(store, &a.value), &value)
                });
            }
            let iu = i as usize;
            has(store.str(store.spans.service[iu]), &value)
                || has(store.str(store.spans.name[iu]), &value)
                || store.spans.id[iu].to_text(&store.strings) == value
                || has(store.text(store.spans.status_message[iu]), &value)
                || attrs.iter().any(|a| {
                    has(store.str(a.key), &value) || has(&value_text(store, &a.value), &value)
                })
                || store
                    .span_events(i)
                    .iter()
                    .any(|e| has(store.str(e.name), &value))
        })
        .collect()
}

fn value_text(store: &Store, v: &Value) -> String {
    match v {
        Value::Str(t) => store.text(*t).to_owned(),
        other => store.format_value(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    fn store() -> Store {
        let json = r#"[
          {"traceId":"1","id":"1","name":"GET /cart","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"gateway"},"tags":{"http.status_code":"200"}},
          {"traceId":"1","id":"2","parentId":"1","name":"SELECT stock","timestamp":1010,"duration":30,"localEndpoint":{"serviceName":"inventory"},"tags":{"db.system":"postgresql","error":"timeout"}},
          {"traceId":"1","id":"3","parentId":"1","name":"charge","timestamp":1020,"duration":10,"localEndpoint":{"serviceName":"payment"},"annotations":[{"timestamp":1021,"value":"retry"}]}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t", json.as_bytes()).unwrap();
        s
    }

    fn names(s: &Store, q: &str) -> Vec<String> {
        find(s, 0, q)
            .iter()
            .map(|&i| s.str(s.spans.name[i as usize]).to_owned())
            .collect()
    }

    #[test]
    fn finds_by_every_field() {
        let s = store();
        assert_eq!(names(&s, "inventory"), ["SELECT stock"]);
        assert_eq!(names(&s, "get /CART"), ["GET /cart"]);
        assert_eq!(names(&s, "postgres"), ["SELECT stock"]);
        assert_eq!(names(&s, "timeout"), ["SELECT stock"]);
        assert_eq!(names(&s, "retry"), ["charge"]);
        assert_eq!(names(&s, "0000000000000003"), ["charge"]);
        assert_eq!(names(&s, "http.status_code=200"), ["GET /cart"]);
        assert_eq!(names(&s, "db.system=mysql"), Vec::<String>::new());
        assert!(names(&s, "  ").is_empty());
    }
}
