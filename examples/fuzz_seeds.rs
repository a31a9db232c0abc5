//! Writes the seeds `make fuzz` starts from that are not trace files as they
//! are: the demo (every target), store snapshots (the `snapshot` target) and
//! share links (the `share` target), made from the files given.
//!
//! cargo run --release --example fuzz_seeds -- fuzz/corpus FILE...

use std::path::Path;

use strata::model::Store;

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("corpus directory");
    std::fs::write(d.join(name), &bytes[..bytes.len().min(65536)]).expect("seed written");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: fuzz_seeds CORPUS_DIR FILE...");
    let dir = Path::new(&dir);
    let demo = strata::sources::demo::bytes();
    let mut inputs: Vec<(String, Vec<u8>)> = vec![("demo.json".into(), demo[..40_000].to_vec())];
    for f in args {
        if let Ok(bytes) = std::fs::read(&f) {
            if bytes.len() <= 65536 {
                let name = Path::new(&f)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                inputs.push((name, bytes));
            }
        }
    }
    for t in ["detect", "otlp", "jaeger", "zipkin", "wrappers", "parts"] {
        write(dir, t, "seed-demo.json", &demo);
    }
    let mut seeds = 0;
    for (name, bytes) in &inputs {
        let mut s = Store::default();
        if strata::import::load(&mut s, name, bytes).is_ok() {
            write(
                dir,
                "snapshot",
                &format!("seed-{name}.snap"),
                &s.to_snapshot(),
            );
            if let Ok(data) = strata::sources::share::embed(bytes) {
                let hash = format!("src=data%3A{data}&trace=abc&view=flame&q=status%3Derror");
                write(dir, "share", &format!("seed-{name}.link"), hash.as_bytes());
            }
            seeds += 1;
        }
    }
    write(dir, "share", "seed-backend.link", b"src=jaeger-v3%3Ahttp%3A%2F%2Flocalhost%3A16686&trace=0af7651916cd43dd8448eb211c80319c&span=b7ad6b7169203331&zoom=1000-250000&fold=a1,b2&tq=failed");
    println!("{seeds} files made snapshot and share seeds");
}
