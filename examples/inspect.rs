//! The importer's command-line face: what Strata makes of each file.
//!
//! `cargo run --release --example inspect -- FILE...` prints one JSON object per
//! file and line:
//! `{"file", "format", "traces": [{"trace_id", "spans", "services", "roots",
//! "max_depth", "duration_ns", "errors"}], "warnings": [...]}`, or
//! `{"file", "error": {"message", "line"?, "column"?, "offset"?, "path"?}}`.
//!
//! With `--analyze` each trace says what the analyses found instead:
//! `{"trace_id", "spans", "duration_ns", "critical_path": [{"span_id", "ns"}],
//! "error_origins": [{"span_id", "service", "operation", "message",
//! "reaches_root"}], "patterns": [{"kind", "parent_span_id", "span_ids",
//! "count", "total_ns", "saved_ns", "on_critical_path"}],
//! "self_ns_by_service": {"<service>": ns}, "skew_adjusted", "skew":
//! [{"span_id", "kind", "shift_ns"}], "network_ns", "network":
//! [{"client_span_id", "server_span_id", "request_ns", "response_ns"}]}`.
//! The critical path lists its spans
//! in path order (from the root's end back), the primary error origin comes
//! first, ids are lowercase hex, and `saved_ns` is 0 where it does not apply.
//! The patterns' baseline (for slow queries) is built from the whole file.
//! Times are corrected for clock skew (`analysis::skew`): `skew` lists the
//! moved spans (`skew_adjusted` of them) and `network` every client -> server
//! call with its request and response gaps (`analysis::network`),
//! `network_ns` their sum.
//!
//! `inspect --compare A B` aligns two traces (`analysis::compare`: A the
//! baseline, B the other; each `FILE` or `FILE#traceid`, else the file's
//! first trace) and prints one JSON document of the aligned nodes ranked by
//! their contribution to the difference, with their duration, self-time and
//! critical-path deltas (`compare::to_json` says the fields).
//!
//! `inspect --together FILE...` loads the files into one store as the page
//! does with files dropped together: a file holding spans of traces loaded
//! from another is joined with it (`import::join`), so per-service exports
//! make whole traces. It prints one line for the set, with the per-file
//! line's fields and `file` the list of files (an error line for each file
//! that could not be loaded).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use strata::analysis::patterns::{Baseline, Thresholds};
use strata::analysis::services::service_name;
use strata::analysis::{answers, network};
use strata::import;
use strata::model::Store;

fn main() {
    let mut files: Vec<String> = std::env::args().skip(1).collect();
    if let Some(k) = files.iter().position(|f| f == "--compare") {
        files.remove(k);
        std::process::exit(compare(&files));
    }
    if let Some(k) = files.iter().position(|f| f == "--together") {
        files.remove(k);
        std::process::exit(together(&files));
    }
    let analyze = files.iter().any(|f| f == "--analyze");
    files.retain(|f| f != "--analyze");
    if files.is_empty() {
        eprintln!(
            "usage: inspect [--analyze] FILE... | inspect --together FILE... | inspect --compare A B"
        );
        std::process::exit(2);
    }
    let mut failed = false;
    for path in files {
        let line = match std::fs::read(&path) {
            Err(e) => json!({"file": path, "error": {"message": format!("cannot read: {e}")}}),
            Ok(bytes) => {
                let mut store = Store::default();
                match import::load(&mut store, &path, &bytes) {
                    Ok(loaded) if analyze => analysis(&store, loaded.file),
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

/// `inspect --compare A B`: prints the comparison, or `{"error"}`; the exit code.
fn compare(args: &[String]) -> i32 {
    let [a, b] = args else {
        eprintln!("usage: inspect --compare A.json[#traceid] B.json[#traceid]");
        return 2;
    };
    let open = |arg: &str| -> Result<(Store, u32), String> {
        // FILE#id, unless a file is named so.
        let (path, id) = match arg.rsplit_once('#') {
            Some((p, id)) if !std::path::Path::new(arg).exists() => (p, Some(id)),
            _ => (arg, None),
        };
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
        let mut store = Store::default();
        let loaded =
            import::load(&mut store, path, &bytes).map_err(|e| format!("{path}: {}", e.message))?;
        let traces = store.files[loaded.file as usize].traces;
        let t = match id {
            None if traces.len > 0 => traces.start,
            None => return Err(format!("{path}: no traces")),
            Some(id) => strata::model::ids::parse_trace_id_text(id, &store.strings)
                .and_then(|tid| store.find_trace(tid))
                .ok_or_else(|| format!("{path}: no trace {id}"))?,
        };
        Ok((store, t))
    };
    match (open(a), open(b)) {
        (Ok((sa, ta)), Ok((sb, tb))) => {
            let c = strata::analysis::compare::compare(&sa, ta, &sb, tb);
            println!(
                "{}",
                strata::analysis::compare::to_json(&c, &sa, ta, &sb, tb)
            );
            0
        }
        (Err(e), _) | (_, Err(e)) => {
            println!("{}", json!({"error": {"message": e}}));
            1
        }
    }
}

/// `inspect --together FILE...`: one line for the files loaded into one
/// store and joined; the exit code.
fn together(paths: &[String]) -> i32 {
    if paths.is_empty() {
        eprintln!("usage: inspect --together FILE...");
        return 2;
    }
    let mut store = Store::default();
    let mut failed = false;
    for path in paths {
        let result = std::fs::read(path)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| {
                import::join::load_joined(&mut store, path, &bytes).map_err(|e| e.message)
            });
        if let Err(message) = result {
            failed = true;
            println!("{}", json!({"file": path, "error": {"message": message}}));
        }
    }
    let mut formats: Vec<String> = Vec::new();
    let mut traces = Vec::new();
    let mut warnings = Vec::new();
    for f in 0..store.files.len() as u32 {
        let line = describe(&store, f);
        for x in line["format"].as_str().unwrap_or_default().split(" + ") {
            if !formats.iter().any(|y| y == x) {
                formats.push(x.to_owned());
            }
        }
        traces.extend(line["traces"].as_array().cloned().unwrap_or_default());
        warnings.extend(line["warnings"].as_array().cloned().unwrap_or_default());
    }
    let loaded = json!({
        "file": paths,
        "format": formats.join(" + "),
        "traces": traces,
        "warnings": warnings,
    });
    println!("{loaded}");
    i32::from(failed)
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

fn analysis(store: &Store, file: u32) -> Value {
    let f = &store.files[file as usize];
    let baseline = Baseline::build(store);
    let th = Thresholds::default();
    let id = |span: u32| store.spans.id[span as usize].to_text(&store.strings);
    let traces: Vec<Value> = f
        .traces
        .range()
        .map(|t| {
            let tr = &store.traces[t];
            let a = answers::analyze(store, t as u32, &th, &baseline);
            let critical_path: Vec<Value> = a
                .critical
                .spans_in_order()
                .into_iter()
                .map(|(s, ns)| json!({"span_id": id(s), "ns": ns}))
                .collect();
            let error_origins: Vec<Value> = a
                .origins
                .iter()
                .map(|o| {
                    json!({
                        "span_id": id(o.span),
                        "service": service_name(store, store.spans.service[o.span as usize]),
                        "operation": store.str(store.spans.name[o.span as usize]),
                        "message": strata::analysis::errors::message(store, o.span),
                        "reaches_root": o.reaches_root,
                    })
                })
                .collect();
            let patterns: Vec<Value> = a
                .patterns
                .iter()
                .map(|p| {
                    json!({
                        "kind": p.kind.key(),
                        "parent_span_id": id(p.parent),
                        "span_ids": p.spans.iter().map(|&s| id(s)).collect::<Vec<_>>(),
                        "count": p.count,
                        "total_ns": p.total_ns,
                        "saved_ns": p.saved_ns,
                        "on_critical_path": p.on_critical_path,
                    })
                })
                .collect();
            let mut by_service: BTreeMap<String, i64> = BTreeMap::new();
            for (k, &ns) in a.facts.self_ns.iter().enumerate() {
                let span = a.facts.base as usize + k;
                *by_service
                    .entry(service_name(store, store.spans.service[span]))
                    .or_default() += ns;
            }
            let skew: Vec<Value> = tr
                .skew
                .shifts
                .iter()
                .map(|&(k, ns)| {
                    let span = tr.spans.start + k;
                    json!({
                        "span_id": id(span),
                        "kind": match store.spans.kind[span as usize].label() {
                            "" => "unspecified",
                            k => k,
                        },
                        "shift_ns": ns,
                    })
                })
                .collect();
            let calls = network::calls(store, t as u32);
            let network: Vec<Value> = calls
                .iter()
                .map(|c| {
                    json!({
                        "client_span_id": id(c.client),
                        "server_span_id": id(c.server),
                        "request_ns": c.request_ns,
                        "response_ns": c.response_ns,
                    })
                })
                .collect();
            let network_ns: i64 = calls.iter().map(|c| c.network_ns()).sum();
            json!({
                "trace_id": tr.id.to_text(&store.strings),
                "spans": tr.span_count(),
                "duration_ns": tr.duration(),
                "critical_path": critical_path,
                "error_origins": error_origins,
                "patterns": patterns,
                "self_ns_by_service": by_service,
                "skew_adjusted": tr.skew.adjusted(),
                "skew": skew,
                "network_ns": network_ns,
                "network": network,
            })
        })
        .collect();
    json!({"file": f.name, "format": f.format, "traces": traces})
}
