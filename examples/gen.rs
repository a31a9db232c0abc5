//! Writes a large synthetic trace (`strata::demo::big`) to a file.
//!
//! `cargo run --release --example gen -- --spans 100000 [--seed 1]
//! [--format jaeger|otlp] --out FILE` prints one JSON line:
//! `{"file", "format", "spans", "bytes", "seconds"}` (seconds: generation plus
//! writing). Optional `--traces N` writes N traces of `--spans` spans each;
//! `--demo` writes the built-in online-shop demo instead (`--spans` ignored).

use std::io::Write;
use std::time::Instant;

use strata::demo::{big, synth};

fn usage(msg: &str) -> ! {
    eprintln!("gen: {msg}");
    eprintln!(
        "usage: gen (--spans N | --demo) [--seed S] [--format jaeger|otlp] [--traces T] --out FILE"
    );
    std::process::exit(2);
}

fn main() {
    let mut spans: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut format = String::from("jaeger");
    let mut traces: usize = 1;
    let mut out: Option<String> = None;
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> String {
            inline
                .clone()
                .or_else(|| args.next())
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--spans" => {
                spans = Some(
                    value("--spans")
                        .parse()
                        .unwrap_or_else(|_| usage("--spans: not a number")),
                )
            }
            "--seed" => {
                seed = value("--seed")
                    .parse()
                    .unwrap_or_else(|_| usage("--seed: not a number"))
            }
            "--traces" => {
                traces = value("--traces")
                    .parse()
                    .unwrap_or_else(|_| usage("--traces: not a number"))
            }
            "--format" => format = value("--format"),
            "--out" => out = Some(value("--out")),
            "--demo" => demo = true,
            "-h" | "--help" => usage("help"),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let spans = spans.unwrap_or_else(|| {
        if demo {
            0
        } else {
            usage("--spans is required")
        }
    });
    let out = out.unwrap_or_else(|| usage("--out is required"));
    if format != "jaeger" && format != "otlp" {
        usage("--format must be jaeger or otlp");
    }

    let t0 = Instant::now();
    let (data, resources) = if demo {
        strata::demo::shop::generate(seed)
    } else if traces == 1 {
        big::generate(spans, seed)
    } else {
        big::generate_many(traces, spans, seed)
    };
    let t1 = Instant::now();
    let file =
        std::fs::File::create(&out).unwrap_or_else(|e| usage(&format!("cannot create {out}: {e}")));
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let written = if format == "jaeger" {
        synth::write_jaeger_json(&data, &resources, &mut w)
    } else {
        synth::write_otlp_json(&data, &resources, &mut w)
    };
    if let Err(e) = written.and_then(|()| w.flush()) {
        eprintln!("gen: writing {out}: {e}");
        std::process::exit(1);
    }
    drop(w);
    let t2 = Instant::now();
    let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    let write_s = (t2 - t1).as_secs_f64();
    eprintln!(
        "gen: generated {} spans in {:.3} s, wrote {} bytes in {:.3} s ({:.0} MB/s)",
        data.len(),
        (t1 - t0).as_secs_f64(),
        bytes,
        write_s,
        bytes as f64 / 1e6 / write_s.max(1e-9)
    );
    let line = serde_json::json!({
        "file": out,
        "format": format,
        "spans": data.len(),
        "bytes": bytes,
        "seconds": (t2 - t0).as_secs_f64(),
    });
    println!("{line}");
}
