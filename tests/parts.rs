//! A file parsed in parts (two workers, each keeping the spans that start in
//! its share of the bytes; see `strata::import::parts`) makes exactly the
//! store a plain load makes: every real trace file in ../shared/traces and
//! generated traces, in 2 and 3 parts, after another file already loaded.
//! A file that fails fails with the same error.

#[allow(dead_code)]
mod common;

use strata::demo::big;
use strata::demo::synth::{write_jaeger_json, write_otlp_json, SynthResource, SynthSpan};
use strata::import::{self, parts, ImportError, Part};
use strata::model::describe::describe;
use strata::model::Store;

use common::real_files;

/// A small file loaded first, so that the parts land after other data.
const BEFORE: &str = r#"{"data":[{"traceID":"abc","spans":[{"traceID":"abc","spanID":"1","operationName":"root","startTime":10,"duration":50,"processID":"p1"}],"processes":{"p1":{"serviceName":"front"}}}]}"#;

fn store_with_before() -> Store {
    let mut s = Store::default();
    import::load(&mut s, "before.json", BEFORE.as_bytes()).unwrap();
    s
}

/// A plain load of `bytes`: the store, or the error.
fn whole(bytes: &[u8]) -> Result<String, ImportError> {
    let mut s = store_with_before();
    import::load(&mut s, "f.json", bytes)?;
    Ok(describe(&s))
}

/// The same file in `count` parts, each in a fresh store (as in a worker),
/// handed over as snapshots and joined. Errors: the first part's that failed.
fn in_parts(bytes: &[u8], count: u32) -> Result<String, ImportError> {
    let mut snapshots = Vec::new();
    let mut first_error = None;
    for k in 0..count {
        let mut part = Store::default();
        match import::load_part(&mut part, "f.json", bytes, Part::new(k, count), &mut |_| {}) {
            Ok(_) => snapshots.push(part.to_snapshot()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut s = store_with_before();
    parts::append(&mut s, &snapshots).expect("snapshots read back");
    Ok(describe(&s))
}

fn check(label: &str, bytes: &[u8]) {
    let want = whole(bytes);
    for count in [2, 3] {
        let got = in_parts(bytes, count);
        if got != want {
            let (g, w) = (format!("{got:#?}"), format!("{want:#?}"));
            let at = g
                .bytes()
                .zip(w.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{label} in {count} parts differs from a plain load at char {at}:\n parts: {}\n whole: {}",
                &g[at.saturating_sub(200)..(at + 300).min(g.len())],
                &w[at.saturating_sub(200)..(at + 300).min(w.len())]
            );
        }
    }
}

#[test]
fn every_real_trace_file_in_parts_equals_a_plain_load() {
    let files = real_files();
    assert!(files.len() >= 45, "found {} trace files", files.len());
    let mut failing = 0;
    for (name, bytes) in &files {
        failing += whole(bytes).is_err() as usize;
        check(name, bytes);
    }
    // The files that do not load (not traces, broken on purpose) fail alike in parts.
    assert!(failing >= 3, "{failing} failing files");
}

fn jaeger(spans: &[SynthSpan], res: &[SynthResource]) -> Vec<u8> {
    let mut out = Vec::new();
    write_jaeger_json(spans, res, &mut out).unwrap();
    out
}

fn otlp(spans: &[SynthSpan], res: &[SynthResource]) -> Vec<u8> {
    let mut out = Vec::new();
    write_otlp_json(spans, res, &mut out).unwrap();
    out
}

#[test]
fn generated_traces_in_parts_equal_a_plain_load() {
    let (one, res) = big::generate(3000, 7);
    for bytes in [jaeger(&one, &res), otlp(&one, &res)] {
        check("3000 spans", &bytes);
        // Each part keeps about its share.
        for k in 0..2 {
            let mut part = Store::default();
            import::load_part(&mut part, "f", &bytes, Part::new(k, 2), &mut |_| {}).unwrap();
            let n = part.spans.len();
            assert!((1300..=1700).contains(&n), "part {k} kept {n} of 3000");
            assert!(
                part.traces.iter().all(|t| t.tree.roots.is_empty()),
                "trees wait for the join"
            );
        }
    }
    // Several traces whose spans interleave in the file: a trace's spans are
    // in both parts, and traces first appear in either.
    let (many, res) = big::generate_many(4, 400, 9);
    let mut by_trace: Vec<Vec<SynthSpan>> = Vec::new();
    for s in many {
        match by_trace.iter_mut().find(|t| t[0].trace_id == s.trace_id) {
            Some(t) => t.push(s),
            None => by_trace.push(vec![s]),
        }
    }
    let mut mixed = Vec::new();
    for k in 0..400 {
        for t in &by_trace {
            if let Some(s) = t.get(k) {
                mixed.push(s.clone());
            }
        }
    }
    check("jaeger interleaved", &jaeger(&mixed, &res));
    check("otlp interleaved", &otlp(&mixed, &res));
}

#[test]
fn a_bad_span_in_either_half_fails_as_a_plain_load_does() {
    let (spans, res) = big::generate(2000, 3);
    let good = jaeger(&spans, &res);
    let text = String::from_utf8(good).unwrap();
    let hits: Vec<usize> = text
        .match_indices("\"spanID\":\"")
        .map(|(i, _)| i)
        .collect();
    for at in [hits[10], hits[hits.len() - 10]] {
        // A span id that is an object: the span's own error, not a syntax error.
        let mut bad = text.clone();
        let end = at + 10 + bad[at + 10..].find('"').unwrap() + 1;
        bad.replace_range(at..end, "\"spanID\":{}");
        let err = whole(bad.as_bytes()).unwrap_err();
        assert!(
            err.path.as_ref().is_some_and(|p| p.ends_with("].spanID")),
            "{err:?}"
        );
        assert!(err.message.contains("invalid type"), "{err:?}");
        assert_eq!(in_parts(bad.as_bytes(), 2), Err(err.clone()));
        assert_eq!(in_parts(bad.as_bytes(), 3), Err(err));
    }
    // A syntax error near the end: every part reads every byte.
    let mut bad = text.clone();
    bad.insert(hits[hits.len() - 2], '}');
    let err = whole(bad.as_bytes()).unwrap_err();
    assert_eq!(in_parts(bad.as_bytes(), 2), Err(err));
}
