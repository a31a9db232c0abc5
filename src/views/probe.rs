//! Read-only hooks for the end-to-end tests: canvas views publish where they
//! drew things (a node, an edge, a dot) as `window.__strata*` functions, since
//! a test cannot find a circle on a canvas the way it finds a DOM element.

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
