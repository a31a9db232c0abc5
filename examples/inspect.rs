//! The importer's command-line face: what Strata makes of each file.
//!
//! `cargo run --release --example inspect -- FILE...` prints one JSON object per
//! file and line:
//! `{"file", "format", "traces": [{"trace_id", "spans", "services", "roots",
//! "max_depth", "duration_ns", "errors"}], "warnings": [...]}`, or
//! `{"file", "error": {"message", "line"?, "column"?, "offset"?, "path"?}}`.

use serde_json::{json, Map, Value};
use strata::import;
use strata::model::Store;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: inspect FILE...");
        std::process::exit(2);
    }
    let mut failed = false;
    for path in files {
        let line = match std::fs::read(&path) {
            Err(e) => json!({"file": path, "error": {"message": format!("cannot read: {e}")}}),
            Ok(bytes) => {
                let mut store = Store::default();
                match import::load(&mut store, &path, &bytes) {
                    Ok(loaded) => describe(&store, loaded.file),
                    Err(e) => {
                        failed = true;
                        let mut err = Map::new();
                        err.insert("message".into(), json!(e.message));
                        for (k, v) in [("line", e.line), ("column", e.column), ("offset", e.offset)]
                        {
                            if let Some(v) = v {
                                err.insert(k.into(), json!(v));
                            }
                        }
                        if let Some(p) = e.path {
                            err.insert("path".into(), json!(p));
                        }
                        json!({"file": path, "error": err})
                    }
                }
            }
        };
        println!("{line}");
    }
    std::process::exit(if failed { 1 } else { 0 });
}

fn describe(store: &Store, file: u32) -> Value {
    let f = &store.files[file as usize];
    let mut warnings: Vec<String> = f.warnings.clone();
    let traces: Vec<Value> = f
        .traces
        .range()
        .map(|t| {
            let tr = &store.traces[t];
            let id = tr.id.to_text(&store.strings);
            for w in &tr.warnings {
                warnings.push(format!("trace {id}: {}", w.message));
            }
            json!({
                "trace_id": id,
                "spans": tr.span_count(),
                "services": tr.summary.services.len(),
                "roots": tr.summary.roots,
                "max_depth": tr.summary.max_depth,
                "duration_ns": tr.duration(),
                "errors": tr.summary.errors,
            })
        })
        .collect();
    json!({"file": f.name, "format": f.format, "traces": traces, "warnings": warnings})
}
