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

/// A plain load of `bytes` after BEFORE: the store, or the error.
fn whole(bytes: &[u8]) -> Result<String, ImportError> {
    strata::fuzzing::whole(store_with_before, bytes)
}

/// The same file in `count` parts, joined after BEFORE (see
/// `strata::fuzzing::in_parts`).
fn in_parts(bytes: &[u8], count: u32) -> Result<String, ImportError> {
    strata::fuzzing::in_parts(store_with_before, bytes, count)
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

/// The error a plain load of `bytes` fails with, after checking that the
/// file fails with the same error in 2 and in 3 parts.
fn fails_alike(bytes: &[u8]) -> ImportError {
    let err = whole(bytes).unwrap_err();
    assert_eq!(in_parts(bytes, 2), Err(err.clone()));
    assert_eq!(in_parts(bytes, 3), Err(err.clone()));
    err
}

/// Where `pattern` starts in `text`, each time.
fn offsets(text: &str, pattern: &str) -> Vec<usize> {
    text.match_indices(pattern).map(|(i, _)| i).collect()
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
        // Each part blanks the other's spans out of its copy of the bytes.
        for k in 0..2 {
            let share = Part::new(1 - k, 2).share(bytes.len());
            let blanks = strata::import::blank::Blanks::find(&bytes, share).unwrap();
            assert!((1300..=1700).contains(&blanks.len()), "{}", blanks.len());
        }
        // Each part keeps about its share.
        for k in 0..2 {
            let mut part = Store::default();
            import::load_part(
                &mut part,
                "f",
                &mut bytes.clone(),
                Part::new(k, 2),
                &mut |_| {},
            )
            .unwrap();
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
    let hits = offsets(&text, "\"spanID\":\"");
    for at in [hits[10], hits[hits.len() - 10]] {
        // A span id that is an object: the span's own error, not a syntax error.
        let mut bad = text.clone();
        let end = at + 10 + bad[at + 10..].find('"').unwrap() + 1;
        bad.replace_range(at..end, "\"spanID\":{}");
        let err = fails_alike(bad.as_bytes());
        assert!(
            err.path.as_ref().is_some_and(|p| p.ends_with("].spanID")),
            "{err:?}"
        );
        assert!(err.message.contains("invalid type"), "{err:?}");
    }
    // A syntax error near the end: every part reads every byte.
    let mut bad = text.clone();
    bad.insert(hits[hits.len() - 2], '}');
    fails_alike(bad.as_bytes());
}

#[test]
fn the_error_first_in_the_file_wins_though_a_part_blanked_it() {
    let (spans, res) = big::generate(2000, 4);
    let text = String::from_utf8(jaeger(&spans, &res)).unwrap();
    let hits = offsets(&text, "\"flags\":1");
    // A syntax error inside a span of the second half, which part 0 blanks
    // without reading it, and a later error in the processes map, which
    // every part reads: part 0 fails later in the file than part 1.
    let mut bad = text.clone();
    let last = bad.rfind("\"serviceName\":\"").unwrap();
    let end = last + 15 + bad[last + 15..].find('"').unwrap() + 1;
    bad.replace_range(last..end, "\"serviceName\":{}");
    bad.insert_str(hits[hits.len() - 20] + 9, " 2");
    let err = fails_alike(bad.as_bytes());
    assert!(err.message.contains("expected `,` or `}`"), "{err:?}");
    let mut part0 = Store::default();
    let part0_err = import::load_part(
        &mut part0,
        "f.json",
        &mut bad.clone().into_bytes(),
        Part::new(0, 2),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(part0_err.offset > err.offset, "{part0_err:?}");
}

#[test]
fn a_pretty_printed_file_in_parts_keeps_its_lines() {
    // Every span over many lines, `{` alone on the first: the blanked spans
    // keep their line breaks, so an error after them is on the same line.
    let (spans, res) = big::generate(1500, 5);
    let value: serde_json::Value = serde_json::from_slice(&jaeger(&spans, &res)).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    check("pretty", pretty.as_bytes());
    let hits = offsets(&pretty, "\"spanID\": \"");
    for at in [hits[10], hits[hits.len() - 10]] {
        let mut bad = pretty.clone();
        bad.insert(at + 11, '\n');
        let err = fails_alike(bad.as_bytes());
        assert!(err.line.unwrap() > 1000, "{err:?}");
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A gzip-compressed or UTF-16 file: every part decodes it and parses its
/// part of the text (issue 21, defect 9).
#[test]
fn a_compressed_or_utf16_file_in_parts_equals_a_plain_load() {
    let (spans, res) = big::generate(2000, 6);
    let text = jaeger(&spans, &res);
    let gz = gzip(&text);
    check("gzip", &gz);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(
        std::str::from_utf8(&text)
            .unwrap()
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    check("utf-16", &utf16);
    let plain = whole(&text).unwrap();
    let decoded = whole(&gz).unwrap();
    assert_ne!(plain, decoded, "the gzip file says it was decompressed");
    assert!(decoded.contains("gzip-compressed"), "{decoded}");
}

/// A decoded text too big to parse in parts: the first worker parses it
/// whole, the others send empty stores, and the page takes the one file.
#[test]
fn one_whole_part_and_empty_parts_make_a_plain_load() {
    let (spans, res) = big::generate(500, 8);
    let bytes = otlp(&spans, &res);
    let mut first = Store::default();
    import::load(&mut first, "f.json", &bytes).unwrap();
    let snapshots = [first.to_snapshot(), Store::default().to_snapshot()];
    let mut s = store_with_before();
    parts::append(&mut s, &snapshots).unwrap();
    assert_eq!(Ok(describe(&s)), whole(&bytes));
}

/// Past the span limit, parts keep the first spans up to it together, as a
/// plain load does; notes naming spans are capped alike (issue 21, limits).
#[test]
fn limits_and_capped_notes_in_parts_equal_a_plain_load() {
    let (spans, res) = big::generate(600, 9);
    let bytes = otlp(&spans, &res);
    for max in [100, 250, 400] {
        strata::import::limits::set_max_spans_for_tests(Some(max));
        let want = whole(&bytes).unwrap();
        assert!(want.contains("the file holds more than"), "{max}");
        check(&format!("limit {max}"), &bytes);
    }
    strata::import::limits::set_max_spans_for_tests(None);
    // Many spans with a parent id that is no id, all over the file.
    let text = String::from_utf8(bytes).unwrap();
    let bad = text.replace("\"parentSpanId\":\"", "\"parentSpanId\":\"zz");
    assert_ne!(bad, text);
    let want = whole(bad.as_bytes()).unwrap();
    assert!(want.contains("more values could not be read"), "{want}");
    check("bad parents", bad.as_bytes());
}

/// A file joined from parts is one block like a file loaded whole: removing
/// the file before it, then the file after it, leaves the store its plain
/// load alone makes.
#[test]
fn a_file_joined_from_parts_is_removed_like_any_other() {
    let (many, res) = big::generate_many(4, 400, 9);
    let bytes = otlp(&many, &res);
    let mut alone = Store::default();
    import::load(&mut alone, "f.json", &bytes).unwrap();

    let mut s = store_with_before();
    let snapshots: Vec<Vec<u8>> = (0..3)
        .map(|k| {
            let mut part = Store::default();
            let mut copy = bytes.clone();
            import::load_part(&mut part, "f.json", &mut copy, Part::new(k, 3), &mut |_| {})
                .unwrap();
            part.to_snapshot()
        })
        .collect();
    parts::append(&mut s, &snapshots).unwrap();
    import::load(&mut s, "after.json", BEFORE.as_bytes()).unwrap();
    assert_eq!(s.files.len(), 3);
    s.remove_file(0).unwrap();
    s.remove_file(1).unwrap();
    assert_eq!(describe(&s), describe(&alone));
}

/// A Zipkin list is read whole by the first part (records of one span
/// reported separately are merged by id, which parts could not do across
/// their shares): 2 and 3 parts still make what a plain load makes, with
/// the fragments merged.
#[test]
fn a_zipkin_list_with_span_fragments_is_read_by_one_part() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/zipkin_fragments/platformapi-session.json"
    );
    let bytes = std::fs::read(path).unwrap();
    check("zipkin fragments", &bytes);
    let mut s = Store::default();
    import::load(&mut s, "f.json", &bytes).unwrap();
    assert_eq!(s.spans.len(), 9, "12 records, 3 of them fragments");
    assert_eq!(parts::plan(Part::new(1, 2), b" \n[{}]"), None);
    assert_eq!(parts::plan(Part::new(0, 2), b"[{}]"), Some(Part::WHOLE));
    assert_eq!(
        parts::plan(Part::new(1, 2), b"{\"data\":[]}"),
        Some(Part::new(1, 2))
    );
}
