//! Tests that run inside headless Chromium (`make test-wasm`): the importer
//! compiled to wasm, and the app mounted in a real DOM.
#![cfg(target_arch = "wasm32")]

use strata::import;
use strata::model::Store;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn load(name: &str, bytes: &[u8]) -> Store {
    let mut s = Store::default();
    import::load(&mut s, name, bytes).unwrap_or_else(|e| panic!("{e}"));
    s
}

#[wasm_bindgen_test]
fn every_format_imports_in_wasm() {
    let s = load(
        "genai",
        include_bytes!("../../shared/traces/jaeger/jaeger-ui__genaiTestTrace.json"),
    );
    assert_eq!((s.traces.len(), s.spans.len()), (1, 57));
    let s = load(
        "otlp",
        include_bytes!("../../shared/traces/otlp/grafana-agent__trace-sample.json"),
    );
    assert_eq!((s.traces.len(), s.spans.len()), (2, 17));
    let s = load(
        "jsonl",
        include_bytes!("../../shared/traces/otlp/otlp2parquet__traces.jsonl"),
    );
    assert_eq!((s.traces.len(), s.spans.len()), (19, 19));
    let s = load(
        "zipkin",
        include_bytes!(
            "../../shared/traces/zipkin/zipkin-lens__smartthings-oauth-authorization.json"
        ),
    );
    assert_eq!((s.traces.len(), s.spans.len()), (1, 175));
    let s = load(
        "tempo",
        include_bytes!("../../shared/traces/tempo/tempo__tempopb-trace.json"),
    );
    assert_eq!(s.spans.len(), 1);
    // exact int64 beyond 2^53 and nanosecond times survive wasm (no f64 on the way)
    let s = load(
        "v3",
        include_bytes!(
            "../../shared/traces/jaeger-apiv3/jaeger__apiv3-TestGRPCGateway_GetTrace-2023.json"
        ),
    );
    assert_eq!(
        s.traces[0].id.to_text(&s.strings),
        "000000000000009600000000000000a0"
    );
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let mut s = Store::default();
    let e = import::load(
        &mut s,
        "bad.json",
        include_bytes!("../../shared/traces/otlp/otlp2parquet__invalid-trace_mixed_encoding.json"),
    )
    .unwrap_err();
    assert!(e.message.contains("zzz"));
    assert_eq!(e.line, Some(21));
    for junk in [
        &b""[..],
        b"{",
        b"[1,2]",
        b"<html>",
        b"\x00\x01\x02",
        b"{\"data\": 5}",
    ] {
        assert!(import::load(&mut s, "junk", junk).is_err());
    }
    assert!(s.spans.is_empty());
}

#[wasm_bindgen_test]
fn demo_loads_in_wasm() {
    let s = load("demo", &strata::sources::demo::bytes());
    assert_eq!(s.traces.len(), 40);
    assert!(s.traces[0].summary.errors > 0);
}

fn count(selector: &str) -> u32 {
    let doc = web_sys::window().unwrap().document().unwrap();
    doc.query_selector_all(selector).unwrap().length()
}

fn text(selector: &str) -> String {
    let doc = web_sys::window().unwrap().document().unwrap();
    doc.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_mounts_with_the_demo_open() {
    leptos::mount::mount_to_body(strata::views::App);
    leptos::task::tick().await;
    let expected = load("demo", &strata::sources::demo::bytes()).traces[0].span_count();
    assert_eq!(text(".n-spans"), expected.to_string());
    let rows = count(".wf-row");
    assert!(rows > 0 && rows as usize <= expected, "{rows} rows");
    assert!(text(".source.loaded").contains("demo: online shop"));
    // Clicking a row opens its details.
    let doc = web_sys::window().unwrap().document().unwrap();
    let row: web_sys::HtmlElement =
        wasm_bindgen::JsCast::dyn_into(doc.query_selector(".wf-row").unwrap().unwrap()).unwrap();
    row.click();
    leptos::task::tick().await;
    assert_eq!(count(".detail"), 1);
    assert!(text(".detail .facts").contains("Span ID"));
}
