//! Protocol tests: Strata's backend client (the URLs it builds, gloo-net
//! fetches in a real browser, how it reads answers and errors) against the
//! stand-in Jaeger / Tempo / Zipkin of tests/backends/server.mjs, which
//! `make test-wasm` starts and names in STRATA_BACKENDS at build time.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use strata::import;
use strata::model::Store;
use strata::sources::backend::{self, Backend, Kind, Listing, Query};
use strata::sources::fetch::{self, Cancel, FetchError};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn base() -> &'static str {
    option_env!("STRATA_BACKENDS").expect("STRATA_BACKENDS: run these tests through `make test-wasm`, which starts tests/backends/server.mjs")
}

/// Any answer up to this size is read (the app's own limit for traces).
const LIMIT: u64 = 2 << 30;

/// A fetched answer, its body read into memory.
#[derive(Debug)]
struct Answer {
    status: u16,
    bytes: Vec<u8>,
}

async fn get(url: &str) -> Result<Answer, FetchError> {
    let f = fetch::get(url, 20, LIMIT, &Cancel::new(), &|_, _| {}).await?;
    Ok(Answer {
        status: f.status,
        bytes: f.body.to_vec().expect("the answer fits in memory"),
    })
}

async fn ok(url: &str) -> Answer {
    match get(url).await {
        Ok(f) => f,
        Err(e) => panic!("{url}: {e:?}"),
    }
}

fn b(kind: Kind, mount: &str) -> Backend {
    Backend::new(kind, &format!("{}/{mount}", base()))
}

/// 2016 to 2027: every recorded trace.
fn wide(service: &str) -> Query {
    Query {
        service: service.into(),
        start_ns: 1_451_606_400_000_000_000,
        end_ns: 1_798_761_600_000_000_000,
        limit: 50,
        ..Query::default()
    }
}

fn load(bytes: &[u8]) -> Store {
    let mut s = Store::default();
    import::load(&mut s, "answer", bytes).unwrap_or_else(|e| panic!("{e}"));
    s
}

#[wasm_bindgen_test]
async fn probing_tells_backends_apart() {
    for (mount, kind) in [
        ("jaeger", Kind::JaegerV3),
        ("jaeger-v1", Kind::JaegerLegacy),
        ("tempo", Kind::Tempo),
        ("zipkin", Kind::Zipkin),
    ] {
        let base = format!("{}/{mount}", base());
        let mut found = None;
        for (k, url) in backend::probes(&base) {
            let f = ok(&url).await;
            if backend::recognise(k, f.status, &f.bytes) {
                found = Some(k);
                break;
            }
        }
        assert_eq!(found, Some(kind), "{mount}");
    }
}

#[wasm_bindgen_test]
async fn services_and_operations() {
    let cases = [
        (b(Kind::JaegerV3, "jaeger"), "cart"),
        (b(Kind::JaegerLegacy, "jaeger-v1"), "jaeger-query"),
        (b(Kind::Tempo, "tempo"), "cart"),
        (b(Kind::Zipkin, "zipkin"), "routing"),
    ];
    for (be, service) in cases {
        let f = ok(&be.services_url()).await;
        let services = be.parse_services(&f.bytes).unwrap();
        assert!(
            services.iter().any(|s| s == service),
            "{:?}: {services:?}",
            be.kind
        );
        let f = ok(&be.operations_url(service)).await;
        assert_eq!(f.status, 200, "{:?} operations", be.kind);
        let ops = be.parse_operations(&f.bytes).unwrap();
        if be.kind != Kind::Tempo {
            assert!(
                !ops.is_empty(),
                "{:?}: no operations for {service}",
                be.kind
            );
        }
    }
}

#[wasm_bindgen_test]
async fn searches_return_the_recorded_traces() {
    // Jaeger v3: one OTLP result holding every match.
    let v3 = b(Kind::JaegerV3, "jaeger");
    let f = ok(&v3.search_url(&wide("cart")).unwrap()).await;
    assert_eq!(f.status, 200);
    assert_eq!(v3.parse_search(&f.bytes).unwrap(), Listing::Traces);
    assert_eq!(load(&f.bytes).traces.len(), 2);
    // Legacy: the Jaeger JSON envelope.
    let legacy = b(Kind::JaegerLegacy, "jaeger-v1");
    let f = ok(&legacy.search_url(&wide("jaeger-query")).unwrap()).await;
    let s = load(&f.bytes);
    assert_eq!(s.traces[0].id.to_text(&s.strings), "2db17286b3e6b148");
    // Zipkin: a list of traces.
    let z = b(Kind::Zipkin, "zipkin");
    let f = ok(&z.search_url(&wide("routing")).unwrap()).await;
    let s = load(&f.bytes);
    assert_eq!((s.traces.len(), s.spans.len()), (1, 16));
    // Tempo: summaries, each fetched by id (v2 first).
    let t = b(Kind::Tempo, "tempo");
    let f = ok(&t.search_url(&wide("cart")).unwrap()).await;
    let Listing::Summaries(list) = t.parse_search(&f.bytes).unwrap() else {
        panic!("tempo lists summaries");
    };
    assert_eq!(list.len(), 2);
    for summary in list {
        let f = ok(&t.trace_urls(&summary.trace_id)[0]).await;
        assert!(
            !t.is_missing_trace(f.status, &f.bytes),
            "{}",
            summary.trace_id
        );
        let s = load(&f.bytes);
        assert_eq!(s.traces[0].id.to_text(&s.strings), summary.trace_id);
    }
    // Filters: a duration bound that excludes everything.
    let mut q = wide("routing");
    q.min_duration_ns = Some(3_600_000_000_000);
    let f = ok(&z.search_url(&q).unwrap()).await;
    assert!(z.is_empty_search(f.status, &f.bytes));
    let mut q = wide("cart");
    q.tags = "{ duration > 1h }".into();
    let f = ok(&t.search_url(&q).unwrap()).await;
    assert_eq!(
        t.parse_search(&f.bytes).unwrap(),
        Listing::Summaries(vec![])
    );
}

#[wasm_bindgen_test]
async fn trace_by_id_and_missing_traces() {
    let z = b(Kind::Zipkin, "zipkin");
    let f = ok(&z.trace_urls("A03EE8FFF1DCD9B9")[0]).await;
    assert_eq!(f.status, 200, "upper case is lowered before asking Zipkin");
    assert_eq!(load(&f.bytes).spans.len(), 16);
    for be in [
        b(Kind::JaegerV3, "jaeger"),
        b(Kind::JaegerLegacy, "jaeger-v1"),
        b(Kind::Tempo, "tempo"),
        b(Kind::Zipkin, "zipkin"),
    ] {
        let f = ok(&be.trace_urls("ffffffffffffffffffffffffffffffff")[0]).await;
        assert!(
            be.is_missing_trace(f.status, &f.bytes),
            "{:?} {}",
            be.kind,
            f.status
        );
    }
    let v3 = b(Kind::JaegerV3, "jaeger");
    let f = ok(&v3.trace_urls("ffffffffffffffffffffffffffffffff")[0]).await;
    assert!(v3
        .error_text(f.status, &f.bytes)
        .contains("No traces found"));
}

#[wasm_bindgen_test]
async fn backend_errors_carry_their_message() {
    // v3 without a time range: 400 with the backend's words.
    let f = ok(&format!(
        "{}/jaeger/api/v3/traces?query.serviceName=cart",
        base()
    ))
    .await;
    assert_eq!(f.status, 400);
    let m = b(Kind::JaegerV3, "jaeger").error_text(f.status, &f.bytes);
    assert!(
        m.contains("rejected the query (400)") && m.to_lowercase().contains("start"),
        "{m}"
    );
    // legacy without a service
    let f = ok(&format!("{}/jaeger-v1/api/traces", base())).await;
    let m = b(Kind::JaegerLegacy, "jaeger-v1").error_text(f.status, &f.bytes);
    assert!(m.contains("service"), "{m}");
    // Tempo: a TraceQL parse error
    let mut q = wide("");
    q.tags = "{ this is not traceql".into();
    let t = b(Kind::Tempo, "tempo");
    let f = ok(&t.search_url(&q).unwrap()).await;
    assert_eq!(f.status, 400);
    assert!(t.error_text(f.status, &f.bytes).contains("parse error"));
}

#[wasm_bindgen_test]
async fn cors_and_unreachable_are_told_apart() {
    match get(&format!("{}/nocors/jaeger/api/v3/services", base())).await {
        Err(FetchError::Cors) => {}
        other => panic!("expected a CORS failure, got {other:?}"),
    }
    match get("http://127.0.0.1:1/api/services").await {
        Err(FetchError::Unreachable(_)) => {}
        other => panic!("expected unreachable, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn progress_timeout_and_cancel() {
    let url = format!("{}/slow/0/files/zipkin/zipkin-lens__smartthings-oauth-authorization.json?chunk=8192&pause=10", base());
    let seen: Rc<RefCell<Vec<u64>>> = Rc::default();
    let log = seen.clone();
    let f = fetch::get(&url, 20, LIMIT, &Cancel::new(), &move |n, _| {
        log.borrow_mut().push(n)
    })
    .await
    .unwrap();
    let seen = seen.borrow();
    let bytes = f.body.to_vec().unwrap();
    assert!(seen.len() > 5, "progress reported per chunk: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*seen.last().unwrap() as usize, bytes.len());
    assert_eq!(f.body.head(10), bytes[..10].to_vec());
    assert_eq!(load(&bytes).spans.len(), 175);
    // Past the caller's limit the fetch stops and keeps nothing.
    match fetch::get(&url, 20, 20_000, &Cancel::new(), &|_, _| {}).await {
        Err(FetchError::TooBig(20_000)) => {}
        other => panic!("expected too big, got {:?}", other.map(|f| f.body.len())),
    }

    let slow = format!("{}/slow/5000/files/zipkin/zipkin-lens__yelp.json", base());
    match fetch::get(&slow, 1, LIMIT, &Cancel::new(), &|_, _| {}).await {
        Err(FetchError::Timeout(1)) => {}
        other => panic!("expected a timeout, got {other:?}"),
    }
    let cancel = Cancel::new();
    let c = cancel.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 200);
        }))
        .await;
        c.cancel();
    });
    match fetch::get(&slow, 20, LIMIT, &cancel, &|_, _| {}).await {
        Err(FetchError::Cancelled) => {}
        other => panic!("expected cancelled, got {other:?}"),
    }
}
