//! One trace from many files (`strata::import::join`), over the files the
//! OpenTelemetry JavaScript SDK's exporters wrote (tests/captures: one
//! request per service, the spans of one trace spread over three files):
//! - loaded one after another, in any order and with unrelated files in
//!   between, they make whole traces, exactly the traces one JSON Lines file
//!   holding the three requests makes (JSON Lines already joins within a
//!   file); protobuf and JSON captures join alike;
//! - the same span twice is kept once when identical, twice (and said) when
//!   it differs;
//! - the joined file can be removed and hidden as one, survives a snapshot,
//!   keeps the raw-times choice of clock skew.

#[allow(dead_code)]
mod common;

use common::dump;
use strata::import::join::{join_new, load_joined, Joined};
use strata::import::{self};
use strata::model::{Store, TraceId};

fn capture(encoding: &str, service: &str) -> (String, Vec<u8>) {
    let ext = if encoding == "json" { "json" } else { "bin" };
    let name = format!("{service}-1.{ext}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/captures/node")
        .join(encoding)
        .join(&name);
    (name, std::fs::read(path).unwrap())
}

const SERVICES: [&str; 3] = ["api-gateway", "orders", "payment"];

/// Loads files one after another as the page does; the joins it made.
fn load_all(files: &[(String, Vec<u8>)]) -> (Store, Vec<Option<Joined>>) {
    let mut s = Store::default();
    let joins = files
        .iter()
        .map(|(name, bytes)| load_joined(&mut s, name, bytes).unwrap().1)
        .collect();
    (s, joins)
}

/// The traces of a store, each as text: id, span count, roots, warnings.
fn traces(s: &Store) -> Vec<String> {
    let mut out: Vec<String> = s
        .traces
        .iter()
        .map(|t| {
            format!(
                "{} spans {} roots {} orphans {} services {} warnings {:?}",
                t.id.to_text(&s.strings),
                t.spans.len,
                t.tree.roots.len(),
                t.summary.orphans,
                t.summary.services.len(),
                t.warnings.iter().map(|w| &w.message).collect::<Vec<_>>()
            )
        })
        .collect();
    out.sort();
    out
}

fn json_files() -> Vec<(String, Vec<u8>)> {
    SERVICES.iter().map(|s| capture("json", s)).collect()
}

/// Everything but the files' lines (names, formats, notes differ).
fn spans_dump(s: &Store) -> String {
    dump(s)
        .lines()
        .filter(|l| !l.starts_with("file notes"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn per_service_files_make_whole_traces() {
    // Alone, each file holds fragments: 2 + 2 + 4 traces, each with a root
    // of its own.
    let fragments: usize = json_files()
        .iter()
        .map(|(n, b)| {
            let mut s = Store::default();
            import::load(&mut s, n, b).unwrap();
            s.traces.len()
        })
        .sum();
    assert_eq!(fragments, 8);

    let (s, joins) = load_all(&json_files());
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.traces.len(), 4);
    let f = &s.files[0];
    assert_eq!(
        f.name,
        "api-gateway-1.json + orders-1.json + payment-1.json"
    );
    assert_eq!(f.format, "OTLP/JSON");
    assert_eq!(f.parts.len(), 3);
    assert_eq!(f.spans, 18);
    // The checkout (declined) and its retry (accepted, with a remote parent
    // outside the capture) are whole: 8 spans, one root each.
    let t = traces(&s);
    assert_eq!(
        t.iter().filter(|x| x.contains(" spans 8 roots 1 ")).count(),
        2,
        "{t:#?}"
    );
    let declined = s
        .traces
        .iter()
        .find(|t| t.id.to_text(&s.strings) == "a54729c8f5f5cadfdeb3b31ca34bef10")
        .unwrap();
    assert_eq!(declined.summary.orphans, 0);
    assert_eq!(declined.summary.services.len(), 3);
    assert_eq!(declined.sources, [0, 1, 2]);
    // gateway server > gateway client > orders server > orders client >
    // payment server > payment's own span.
    assert_eq!(declined.summary.max_depth, 5);
    let retry = s
        .traces
        .iter()
        .find(|t| t.id.to_text(&s.strings) == "4bf92f3577b34da6a3ce929d0e0e4736")
        .unwrap();
    assert_eq!(retry.summary.orphans, 1, "the gateway's remote parent");
    // The consumer's own trace and the payment-only trace come from one file.
    let singles: Vec<_> = s.traces.iter().filter(|t| t.spans.len == 1).collect();
    assert_eq!(singles.len(), 2);
    assert!(singles.iter().all(|t| t.sources == [2]));

    // The first file joined nothing; the orders file grew 2 traces, the
    // payment file 2 of its 4.
    assert_eq!(joins[0], None);
    let j1 = joins[1].as_ref().unwrap();
    assert_eq!(j1.members, [0, 1]);
    assert_eq!(j1.grown.iter().map(|g| g.1).sum::<u32>(), 8);
    let j2 = joins[2].as_ref().unwrap();
    assert_eq!(j2.members, [0, 1]);
    assert_eq!(j2.grown.len(), 2);
    assert_eq!(
        j2.notice(&s, "payment-1.json"),
        "+4 spans from payment-1.json in 2 loaded traces"
    );
}

#[test]
fn joined_files_equal_one_json_lines_file() {
    let files = json_files();
    let (joined, _) = load_all(&files);
    let mut lines = Vec::new();
    for (_, b) in &files {
        lines.extend(String::from_utf8(b.clone()).unwrap().trim().bytes());
        lines.push(b'\n');
    }
    let mut one = Store::default();
    import::load(&mut one, "all.jsonl", &lines).unwrap();
    assert_eq!(spans_dump(&joined), spans_dump(&one));
}

#[test]
fn protobuf_and_json_captures_join_alike() {
    let (json, _) = load_all(&json_files());
    let proto: Vec<_> = SERVICES.iter().map(|s| capture("proto", s)).collect();
    let (proto, _) = load_all(&proto);
    assert_eq!(proto.files[0].format, "OTLP/protobuf");
    assert_eq!(spans_dump(&json), spans_dump(&proto));
    // Mixed formats join too.
    let mixed = vec![
        capture("proto", "api-gateway"),
        capture("json", "orders"),
        capture("proto", "payment"),
    ];
    let (mixed, _) = load_all(&mixed);
    assert_eq!(mixed.files[0].format, "OTLP/protobuf + OTLP/JSON");
    assert_eq!(spans_dump(&json), spans_dump(&mixed));
}

#[test]
fn any_order_and_files_in_between() {
    let (first, _) = load_all(&json_files());
    let other = |id: &str| {
        let json = format!(
            r#"[{{"traceID":"{id}","spanID":"1","operationName":"x","startTime":1,"duration":1}}]"#
        );
        ("other.json".to_owned(), json.into_bytes())
    };
    let f = json_files();
    let shuffled = vec![
        f[2].clone(),
        other("77"),
        f[0].clone(),
        other("78"),
        f[1].clone(),
    ];
    let (s, joins) = load_all(&shuffled);
    // The payment file and the gateway file joined (the unrelated file
    // between them moved before), then the orders file.
    assert_eq!(joins[2].as_ref().unwrap().members, [0, 2]);
    assert_eq!(joins[2].as_ref().unwrap().file_index(1), 0);
    assert_eq!(s.files.len(), 3);
    assert_eq!(s.files[0].name, "other.json");
    assert_eq!(s.files[1].name, "other.json");
    let joined = &s.files[2];
    assert_eq!(
        joined.name,
        "payment-1.json + api-gateway-1.json + orders-1.json"
    );
    let mut t = traces(&s);
    t.retain(|x| !x.starts_with("000000000000007"));
    assert_eq!(t, traces(&first));
    for tr in &s.traces[joined.traces.range()] {
        assert_eq!(tr.file, 2);
    }
}

#[test]
fn duplicates_kept_once_when_identical_flagged_when_not() {
    let f = json_files();
    let (s, joins) = load_all(&[f[1].clone(), f[1].clone()]);
    let j = joins[1].as_ref().unwrap();
    assert_eq!((j.identical, j.differing), (8, 0));
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.spans.len(), 8);
    assert!(s.files[0]
        .warnings
        .contains(&"8 spans were in more than one file, the same in each: kept once".to_owned()));
    assert!(j
        .notice(&s, "orders-1.json")
        .ends_with("; 8 spans already loaded, kept once"));
    // One span's name changed: both copies stay, flagged.
    let text = String::from_utf8(f[1].1.clone()).unwrap();
    let changed = text.replacen("\"name\":\"INSERT shop.orders", "\"name\":\"renamed", 1);
    assert_ne!(changed, text);
    let (s, joins) = load_all(&[f[1].clone(), ("b.json".into(), changed.into_bytes())]);
    let j = joins[1].as_ref().unwrap();
    assert_eq!((j.identical, j.differing), (7, 1));
    assert_eq!(s.spans.len(), 9);
    let dups: u32 = s.traces.iter().map(|t| t.summary.duplicates).sum();
    assert_eq!(dups, 2, "both copies of the one span id");
}

#[test]
fn joined_file_removes_as_one_and_survives_a_snapshot() {
    let unrelated = (
        "other.json".to_owned(),
        br#"[{"traceID":"77","spanID":"1","operationName":"x","startTime":1,"duration":1}]"#
            .to_vec(),
    );
    let mut files = vec![unrelated.clone()];
    files.extend(json_files());
    let (mut s, _) = load_all(&files);
    let back = Store::from_snapshot(&s.to_snapshot()).unwrap();
    assert_eq!(dump(&back), dump(&s));
    s.remove_file(1).unwrap();
    let (alone, _) = load_all(&[unrelated]);
    assert_eq!(dump(&s), dump(&alone));
}

#[test]
fn joining_keeps_raw_times_when_shown() {
    // A Zipkin file whose server half has a clock ahead of its client,
    // split in two files by host.
    let client = br#"[{"traceId":"abc","id":"1","name":"get","kind":"CLIENT","timestamp":1000,"duration":100,
        "localEndpoint":{"serviceName":"front","ipv4":"10.0.0.1"}}]"#;
    let server = br#"[{"traceId":"abc","id":"2","parentId":"1","name":"get","kind":"SERVER","timestamp":5000,"duration":50,
        "localEndpoint":{"serviceName":"back","ipv4":"10.0.0.2"}}]"#;
    let mut s = Store::default();
    import::load(&mut s, "client.json", client).unwrap();
    s.set_skew_corrected(false);
    import::load(&mut s, "server.json", server).unwrap();
    let j = join_new(&mut s, 1).unwrap();
    let t = &s.traces[s.files[j.file as usize].traces.start as usize];
    assert_eq!(t.skew.adjusted(), 1);
    assert!(!t.skew.applied, "raw times, as the client file showed");
    assert_eq!(t.id, TraceId::Hex64(0xabc));
    let server_start = |s: &Store| {
        let k = (0..s.spans.len())
            .find(|&i| s.str(s.spans.name[i]) == "get" && s.spans.parent[i] != u32::MAX)
            .unwrap();
        s.spans.start[k]
    };
    assert_eq!(server_start(&s), 5_000_000);
    s.set_skew_corrected(true);
    assert_eq!(server_start(&s), 1_025_000, "centred in the client");
}

/// gzip and zstd copies (both of the collector file exporter's zstd
/// layouts) of every capture, JSON and protobuf, import alike.
#[test]
fn gzip_and_zstd_copies_import_alike() {
    use std::io::Write;
    let zst = |b: &[u8]| {
        ruzstd::encoding::compress_to_vec(b, ruzstd::encoding::CompressionLevel::Fastest)
    };
    let gzip = |b: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b).unwrap();
        gz.finish().unwrap()
    };
    for encoding in ["json", "proto"] {
        for service in SERVICES {
            let (name, plain) = capture(encoding, service);
            let one = |bytes: &[u8]| {
                let mut s = Store::default();
                import::load(&mut s, &name, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                s
            };
            let want = spans_dump(&one(&plain));
            let z = zst(&plain);
            let mut record = (z.len() as u32).to_be_bytes().to_vec();
            record.extend(&z);
            for (how, bytes) in [
                ("gzip", gzip(&plain)),
                ("zstd", z),
                ("zstd records", record),
            ] {
                let s = one(&bytes);
                assert_eq!(spans_dump(&s), want, "{name} as {how}");
                let note = &s.files[0].warnings[0];
                assert!(
                    note.starts_with(&format!("{}-compressed: ", &how[..4])),
                    "{note}"
                );
            }
        }
    }
}

/// The OpenTelemetry Python SDK's per-service protobuf requests
/// (tests/captures/python, the inventory one gzipped as the exporter sent
/// it): 9 fragments alone, 3 whole traces of 6 spans together.
#[test]
fn python_sdk_requests_make_whole_traces() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures/python");
    let files: Vec<(String, Vec<u8>)> = ["frontend", "cart", "inventory"]
        .iter()
        .map(|s| {
            let name = format!("{s}-1.bin");
            let bytes = std::fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let mut alone = 0;
    for (name, bytes) in &files {
        let mut s = Store::default();
        import::load(&mut s, name, bytes).unwrap();
        assert_eq!(s.files[0].format, "OTLP/protobuf");
        alone += s.traces.len();
    }
    assert_eq!(alone, 9);
    let (s, _) = load_all(&files);
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.traces.len(), 3);
    for t in &s.traces {
        assert_eq!(t.span_count(), 6);
        assert_eq!((t.summary.roots, t.summary.orphans), (1, 0));
        assert_eq!(t.summary.services.len(), 3);
        assert_eq!(t.summary.max_depth, 5);
    }
    let errors: Vec<u32> = s.traces.iter().map(|t| t.summary.errors).collect();
    assert_eq!(
        errors,
        [0, 5, 0],
        "out of stock: from inventory up to the root"
    );
    assert!(s.files[0]
        .warnings
        .contains(&"inventory-1.bin: gzip-compressed: 985 bytes decompressed to 2 KB".to_owned()));
}
