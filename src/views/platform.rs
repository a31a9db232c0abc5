//! Thin wrappers over browser APIs the views use. Failures here are never
//! fatal: a missing clipboard or storage degrades one feature, not the page.

use leptos::prelude::*;

use super::state::Theme;

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// `performance.mark(name)`, read by the benchmarks from outside.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Runs `f` after the next frame has painted (a frame callback inside a frame
/// callback runs after the first one was presented).
pub fn after_paint(f: impl FnOnce() + 'static) {
    request_animation_frame(move || request_animation_frame(f));
}

pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn preferred_theme() -> Theme {
    let saved = storage().and_then(|s| s.get_item("strata.theme").ok().flatten());
    match saved.as_deref() {
        Some("dark") => return Theme::Dark,
        Some("light") => return Theme::Light,
        _ => {}
    }
    let dark = web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false);
    if dark {
        Theme::Dark
    } else {
        Theme::Light
    }
}

pub fn save_theme(t: Theme) {
    if let Some(s) = storage() {
        let _ = s.set_item(
            "strata.theme",
            if t == Theme::Dark { "dark" } else { "light" },
        );
    }
}

/// The origins the user has fetched from or accepted (see [`crate::sources::trust`]).
pub fn trusted_origins() -> crate::sources::trust::Trusted {
    crate::sources::trust::Trusted::parse(
        &saved_text(crate::sources::trust::STORAGE_KEY).unwrap_or_default(),
    )
}

/// Remembers `url`'s origin as one the user fetches from.
pub fn trust_origin_of(url: &str) {
    if let Ok(o) = crate::sources::trust::origin(url) {
        let mut t = trusted_origins();
        if !t.contains(&o) {
            t.add(&o);
            save_text(crate::sources::trust::STORAGE_KEY, &t.format());
        }
    }
}

/// The page's own origin (`http://127.0.0.1:8080`).
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A number the user chose before (a column's width), from local storage.
pub fn saved_number(key: &str) -> Option<f64> {
    storage()?
        .get_item(key)
        .ok()
        .flatten()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

pub fn save_number(key: &str, value: f64) {
    save_text(key, &value.to_string());
}

pub fn saved_text(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Remembers `value` under `key` (an empty value forgets it).
pub fn save_text(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = if value.is_empty() {
            s.remove_item(key)
        } else {
            s.set_item(key, value)
        };
    }
}

/// Minutes to add to UTC for the viewer's local time.
pub fn tz_offset_minutes() -> i32 {
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

pub fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .max(1.0)
}

/// Follows a mouse drag until the button is released: `on_move` for each
/// move, `on_end` once at the release. Listeners are on the window so the drag
/// keeps working outside the element it started on.
pub fn drag(
    on_move: impl Fn(&web_sys::MouseEvent) + 'static,
    on_end: impl FnOnce(&web_sys::MouseEvent) + 'static,
) {
    use std::cell::RefCell;
    use std::rc::Rc;
    let handles: Rc<RefCell<Vec<WindowListenerHandle>>> = Rc::default();
    let mv = window_event_listener(leptos::ev::mousemove, move |e| on_move(&e));
    let end = RefCell::new(Some(on_end));
    let own = handles.clone();
    let up = window_event_listener(leptos::ev::mouseup, move |e| {
        if let Some(f) = end.borrow_mut().take() {
            f(&e);
        }
        for h in own.borrow_mut().drain(..) {
            h.remove();
        }
    });
    handles.borrow_mut().extend([mv, up]);
}

/// Saves `bytes` as a file named `name` (through a temporary object URL).
pub fn download(name: &str, bytes: &[u8], mime: &str) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    click_link(&url, name);
    // Revoke once the download has started.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
}

/// Saves a `data:` URL (a canvas's PNG) as a file.
pub fn download_url(name: &str, href: &str) {
    click_link(href, name);
}

fn click_link(href: &str, name: &str) {
    use wasm_bindgen::JsCast;
    let Ok(a) = document().create_element("a") else {
        return;
    };
    let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() else {
        return;
    };
    a.set_href(href);
    a.set_download(name);
    a.click();
}

/// The page's address without its hash.
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!(
                "{}{}{}",
                l.origin().ok()?,
                l.pathname().ok()?,
                l.search().ok()?
            ))
        })
        .unwrap_or_default()
}

/// The page's panic hook: logs the panic (with its stack) and tells the page
/// (`strata-panic` event, its detail the message), whose start script
/// (src/start.js) covers the dead app with the message and a Reload button.
/// The app cannot go on after a panic (wasm stops), so the screen is drawn
/// by script that does not depend on it.
pub fn report_panic(info: &std::panic::PanicHookInfo) {
    console_error_panic_hook::hook(info);
    let Some(w) = web_sys::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&wasm_bindgen::JsValue::from(info.to_string()));
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict("strata-panic", &init) {
        let _ = w.dispatch_event(&e);
    }
}
