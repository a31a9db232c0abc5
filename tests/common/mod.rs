//! Shared by the integration tests: where the real trace files are, and
//! every one of them.

use std::path::PathBuf;

/// `../shared/traces`, or `STRATA_TRACES` when set.
pub fn traces_dir() -> PathBuf {
    match std::env::var_os("STRATA_TRACES") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/traces"),
    }
}

/// Every real trace file as `format-dir/file-name`, sorted.
pub fn real_file_names() -> Vec<String> {
    let mut all = Vec::new();
    for dir in ["otlp", "jaeger", "jaeger-apiv3", "zipkin", "tempo"] {
        for e in std::fs::read_dir(traces_dir().join(dir)).expect("traces dir") {
            let name = e.unwrap().file_name().into_string().unwrap();
            all.push(format!("{dir}/{name}"));
        }
    }
    all.sort();
    all
}

/// Every real trace file: its name (as [`real_file_names`]) and bytes.
pub fn real_files() -> Vec<(String, Vec<u8>)> {
    real_file_names()
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(traces_dir().join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Stores as text

use strata::model::describe::describe;
use strata::model::{Store, Value};

fn value(s: &Store, v: &Value) -> String {
    match v {
        Value::Str(t) => format!("str{:?}", s.text(*t)),
        Value::Bool(b) => format!("bool({b})"),
        Value::Int(n) => format!("int({n})"),
        Value::Double(f) => format!("double({f:?} {:x})", f.to_bits()),
        Value::Bytes(b) => format!("bytes({b:02x?})"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|x| value(s, x)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => format!("{{{}}}", attrs(s, entries)),
        Value::Empty => "empty".into(),
    }
}

fn attrs(s: &Store, list: &[strata::model::Attr]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|a| format!("{}={}", s.str(a.key), value(s, &a.value)))
        .collect();
    items.join(", ")
}

/// Everything a store holds but the files' names, formats and sizes.
pub fn dump(s: &Store) -> String {
    let mut out: String = describe(s)
        .lines()
        .filter(|l| !l.starts_with("file "))
        .map(|l| format!("{l}\n"))
        .collect();
    for f in &s.files {
        out += &format!(
            "file notes {:?} spans {} traces {:?}\n",
            f.warnings, f.spans, f.traces
        );
    }
    for i in 0..s.spans.len() {
        let sp = &s.spans;
        out += &format!(
            "span {} kind {:?} flags {:?} dropped {:?} status {:?} {:?}\n  attrs {}\n",
            sp.id[i].to_text(&s.strings),
            sp.kind[i],
            sp.flags[i],
            sp.dropped[i],
            sp.status[i],
            s.text(sp.status_message[i]),
            attrs(s, s.span_attrs(i as u32)),
        );
        for e in s.span_events(i as u32) {
            out += &format!(
                "  event {:?} @{} dropped {} [{}]\n",
                s.str(e.name),
                e.time,
                e.dropped_attrs,
                attrs(s, s.attrs_of(e.attrs))
            );
        }
        for l in s.span_links(i as u32) {
            out += &format!(
                "  link {} {} {:?} dropped {} [{}]\n",
                l.trace_id.to_text(&s.strings),
                l.span_id.to_text(&s.strings),
                l.kind,
                l.dropped_attrs,
                attrs(s, s.attrs_of(l.attrs))
            );
        }
        if let Some(sc) = s.scope_of(i as u32) {
            out += &format!("  scope [{}]\n", attrs(s, s.attrs_of(sc.attrs)));
        }
        if let Some(r) = s.resource_of(i as u32) {
            out += &format!(
                "  resource {} dropped {}\n",
                s.str(r.service),
                r.dropped_attrs
            );
        }
    }
    out
}
