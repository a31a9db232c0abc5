//! Scroll position and size of a scrolled element, kept in signals, for
//! virtualized lists: components render only `layout::waterfall::visible_range`
//! (or, for lists that may outgrow a browser's element height, the rows
//! `layout::waterfall::ScrollMap` maps the scroll position to).

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[derive(Clone, Copy)]
pub struct Viewport {
    pub el: NodeRef<Div>,
    pub top: RwSignal<f64>,
    pub height: RwSignal<f64>,
    pub width: RwSignal<f64>,
}

impl Viewport {
    /// A viewport measured on mount, on scroll (call `measure` from on:scroll)
    /// and whenever the element changes size (a window resize, a panel
    /// opening beside it).
    pub fn new() -> Viewport {
        let v = Viewport {
            el: NodeRef::new(),
            top: RwSignal::new(0.0),
            height: RwSignal::new(600.0),
            width: RwSignal::new(800.0),
        };
        on_resize(v.el, move || v.measure());
        v
    }

    pub fn measure(&self) {
        if let Some(el) = self.el.get_untracked() {
            let top = el.scroll_top() as f64;
            if top != self.top.get_untracked() {
                self.top.set(top);
            }
            let h = el.client_height() as f64;
            if h != self.height.get_untracked() {
                self.height.set(h);
            }
            let w = el.client_width() as f64;
            if w != self.width.get_untracked() {
                self.width.set(w);
            }
        }
    }

    pub fn scroll_to(&self, top: f64) {
        if let Some(el) = self.el.get_untracked() {
            el.set_scroll_top(top.max(0.0) as i32);
            self.measure();
        }
    }
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport::new()
    }
}

/// The CSS size (width, height) of an element, measured when it mounts and
/// when it changes size; set only when it changes.
pub fn use_size(el: NodeRef<Div>) -> RwSignal<(f64, f64)> {
    let size = RwSignal::new((0.0f64, 0.0f64));
    let measure = move || {
        if let Some(e) = el.get_untracked() {
            let s = (e.client_width() as f64, e.client_height() as f64);
            if s != size.get_untracked() {
                size.set(s);
            }
        }
    };
    on_resize(el, measure);
    size
}

/// Calls `f` once `el` is mounted and whenever its box changes size (a
/// `ResizeObserver`, which also sees a sibling panel opening or a splitter
/// drag, not only window resizes), until the owner is cleaned up.
fn on_resize(el: NodeRef<Div>, f: impl Fn() + Clone + 'static) {
    type Observer = (web_sys::ResizeObserver, Closure<dyn FnMut()>);
    let observer = StoredValue::new_local(None::<Observer>);
    let stop = move || {
        if let Some((o, _callback)) = observer.try_update_value(Option::take).flatten() {
            o.disconnect();
        }
    };
    Effect::new(move |_| {
        let Some(node) = el.get() else {
            return;
        };
        f();
        stop();
        let f = f.clone();
        let callback = Closure::<dyn FnMut()>::new(f);
        if let Ok(o) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            o.observe(&node);
            observer.set_value(Some((o, callback)));
        }
    });
    on_cleanup(stop);
}

/// The CSS width of an element (see [`use_size`]).
pub fn use_width(el: NodeRef<Div>) -> Memo<f64> {
    let size = use_size(el);
    Memo::new(move |_| size.get().0)
}
