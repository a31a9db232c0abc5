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
