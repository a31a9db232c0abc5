//! Replays every input the fuzzers found (fuzz/regressions/<target>/*, kept
//! once fixed) through the same check as its target (`strata::fuzzing`), so
//! a fixed crash stays fixed. `make test` runs it with the other native tests.

use std::path::Path;

type Check = fn(&[u8]);

const TARGETS: &[(&str, Check)] = &[
    ("detect", strata::fuzzing::detect),
    ("otlp", strata::fuzzing::otlp),
    ("otlp_proto", strata::fuzzing::otlp_proto),
    ("jaeger", strata::fuzzing::jaeger),
    ("zipkin", strata::fuzzing::zipkin),
    ("wrappers", strata::fuzzing::wrappers),
    ("parts", strata::fuzzing::parts),
    ("snapshot", strata::fuzzing::snapshot),
    ("share", strata::fuzzing::share),
];

#[test]
fn every_saved_finding_passes_its_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, check) in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir.flatten() {
            let path = entry.path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            check(&bytes);
            replayed += 1;
        }
    }
    eprintln!("{replayed} saved fuzz findings replayed");
}

#[test]
fn the_checks_accept_ordinary_and_broken_input() {
    let demo = strata::sources::demo::bytes();
    for (_, check) in TARGETS {
        check(&demo[..demo.len().min(20_000)]);
        check(b"");
        check(b"{\"resourceSpans\":[{");
        check(&[0xff, 0xfe, 0x00]);
    }
}
