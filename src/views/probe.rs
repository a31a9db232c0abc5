//! Read-only hooks for the end-to-end tests: canvas views publish where they
//! drew things (a node, an edge, a dot) as `window.__strata*` functions, since
//! a test cannot find a circle on a canvas the way it finds a DOM element.

use leptos::prelude::WithValue;
use wasm_bindgen::prelude::*;

/// Sets `window[name]` to a function of one argument returning `[x, y]` (CSS
/// px relative to the view) or null.
pub fn expose(name: &str, f: impl Fn(JsValue) -> Option<(f64, f64)> + 'static) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |arg: JsValue| match f(arg) {
        Some((x, y)) => {
            let a = js_sys::Array::new();
            a.push(&x.into());
            a.push(&y.into());
            a.into()
        }
        None => JsValue::NULL,
    });
    let _ = js_sys::Reflect::set(&w, &name.into(), cb.as_ref());
    cb.forget();
}

/// Sets `window.__strataMemory` to a function returning `{ wasm, js }`: the
/// size in bytes of the main thread's wasm memory (it only grows, so this is
/// the high-water mark of the heap) and `performance.memory.usedJSHeapSize`
/// (Chromium only; undefined elsewhere). Read by benches/browser.mjs.
pub fn expose_memory() {
    let Some(w) = web_sys::window() else {
        return;
    };
    let get =
        |o: &JsValue, key: &str| js_sys::Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED);
    let cb = Closure::<dyn Fn() -> JsValue>::new(move || {
        let out = js_sys::Object::new();
        // byteLength, not ArrayBuffer::byte_length (u32): 4 GiB does not fit.
        let wasm = get(&get(&wasm_bindgen::memory(), "buffer"), "byteLength");
        let js = web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| get(&get(&p, "memory"), "usedJSHeapSize"))
            .unwrap_or(JsValue::UNDEFINED);
        let _ = js_sys::Reflect::set(&out, &"wasm".into(), &wasm);
        let _ = js_sys::Reflect::set(&out, &"js".into(), &js);
        out.into()
    });
    let _ = js_sys::Reflect::set(&w, &"__strataMemory".into(), cb.as_ref());
    cb.forget();
}

/// Sets `window.__strataLoadSynthetic(spans)`: loads a generated one-trace
/// file of `spans` spans (see [`synthetic_trace`]) and opens it; returns
/// `[store index of its first span, ms to generate and load]`. The scale
/// tests load a 1.5M-span trace this way instead of shipping a 200 MB file.
/// Set once per page.
pub fn install_synthetic_loader(app: super::state::AppState) {
    let Some(w) = web_sys::window() else {
        return;
    };
    if js_sys::Reflect::has(&w, &"__strataLoadSynthetic".into()).unwrap_or(false) {
        return;
    }
    expose("__strataLoadSynthetic", move |n| {
        let n = n.as_f64()?.max(1.0) as usize;
        let t0 = super::platform::now_ms();
        let bytes = synthetic_trace(n);
        let file = app.load_bytes(&format!("synthetic-{n}.json"), &bytes)?;
        let first = app.store.with_value(|s| {
            let t = s.files[file as usize].traces.start;
            s.traces[t as usize].spans.range().start
        });
        Some((first as f64, super::platform::now_ms() - t0))
    });
}

/// Sets `window.__strataPanic(where)`: `"page"` panics on the main thread
/// now, `"worker"` makes the parsing worker panic in its next load. The
/// end-to-end tests check what a user sees then (see `platform::report_panic`).
pub fn install_panic_trigger(app: super::state::AppState) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let cb = Closure::<dyn Fn(JsValue)>::new(move |at: JsValue| {
        if at.as_string().as_deref() == Some("worker") {
            app.panic_worker_for_test();
        } else {
            panic!("a panic the tests asked for");
        }
    });
    let _ = js_sys::Reflect::set(&w, &"__strataPanic".into(), cb.as_ref());
    cb.forget();
}

/// Services of the synthetic trace, by depth (cycling).
const SYNTH_SERVICES: [&str; 8] = [
    "api-gateway",
    "checkout",
    "cart",
    "pricing",
    "inventory",
    "payments",
    "postgres",
    "redis",
];

/// Operations of the synthetic trace, by sibling index (cycling).
const SYNTH_OPS: [&str; 6] = [
    "GET /orders",
    "load items",
    "SELECT order_items",
    "HGET cart",
    "POST /charge",
    "reserve",
];

/// Children per parent in the synthetic trace (about 7 levels at 1.5M spans).
const SYNTH_FANOUT: usize = 8;

/// A Zipkin v2 JSON trace of exactly `spans` spans, small per span (no tags
/// but an error now and then): a tree written depth first, so its waterfall
/// rows come in file order, and span `i` (0-based, file order) is named
/// "<op> #i". Span `i` starts 20 µs after span `i - 1` and lasts about as
/// long as its subtree's spans take.
pub fn synthetic_trace(spans: usize) -> Vec<u8> {
    use std::io::Write;
    const STEP_US: u64 = 20;
    const START_US: u64 = 1_741_944_413_000_000;
    let mut out = Vec::with_capacity(spans * 160 + 2);
    out.push(b'[');
    // (span budget including itself, depth, parent index, sibling index)
    let mut stack: Vec<(usize, usize, Option<usize>, usize)> = vec![(spans, 0, None, 0)];
    let mut i = 0usize;
    while let Some((budget, depth, parent, sibling)) = stack.pop() {
        if budget == 0 {
            continue;
        }
        if i > 0 {
            out.push(b',');
        }
        let service = SYNTH_SERVICES[depth % SYNTH_SERVICES.len()];
        let op = SYNTH_OPS[(sibling + depth) % SYNTH_OPS.len()];
        let _ = write!(out, r#"{{"traceId":"5ca1ab1e","id":"{:x}","#, i + 1);
        if let Some(p) = parent {
            let _ = write!(out, r#""parentId":"{:x}","#, p + 1);
        }
        // Ends a little before its subtree's time is up, deeper spans more
        // (less than a step), so that every span ends within its parent.
        let duration =
            budget as u64 * STEP_US - (2 * depth as u64 + (i % 2) as u64).min(STEP_US - 1);
        let _ = write!(
            out,
            r#""name":"{op} #{i}","timestamp":{},"duration":{duration},"localEndpoint":{{"serviceName":"{service}"}}"#,
            START_US + i as u64 * STEP_US
        );
        if i % 997 == 996 {
            out.extend_from_slice(br#","tags":{"error":"deadline exceeded"}"#);
        }
        out.push(b'}');
        // Split the rest of the budget between up to SYNTH_FANOUT children,
        // pushed last first so the first child is written next.
        let rest = budget - 1;
        let k = rest.min(SYNTH_FANOUT);
        for c in (0..k).rev() {
            let share = rest / k + usize::from(c < rest % k);
            stack.push((share, depth + 1, Some(i), c));
        }
        i += 1;
    }
    out.push(b']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::waterfall as wl;
    use crate::model::Store;

    #[test]
    fn synthetic_trace_rows_come_in_file_order() {
        for n in [1usize, 2, 9, 100, 5000] {
            let mut s = Store::default();
            crate::import::load(&mut s, "synthetic.json", &synthetic_trace(n)).unwrap();
            assert_eq!(s.traces.len(), 1);
            let t = &s.traces[0];
            assert_eq!(t.span_count(), n);
            assert!(t.warnings.is_empty(), "{:?}", t.warnings);
            let rows = wl::rows(&s, 0, &Default::default());
            assert_eq!(rows, (0..n as u32).collect::<Vec<_>>());
            let last = rows[n - 1] as usize;
            assert!(s.str(s.spans.name[last]).ends_with(&format!(" #{}", n - 1)));
        }
    }
}
