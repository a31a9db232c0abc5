//! The waterfall's keyboard: moving the selection, collapsing, focusing.

use leptos::prelude::*;

use crate::views::state::AppState;

/// Keyboard navigation in the waterfall; true if the key was used.
pub fn handle_key(app: AppState, key: &str) -> bool {
    if app.trace.get_untracked().is_none() {
        return false;
    }
    let derived = app.derived().rows.get_untracked();
    let rows = &derived.spans;
    let sel = app.span.get_untracked();
    // A folded run opens like a collapsed span.
    let unfold = |s: u32| {
        let folded = derived.folded.contains_key(&s);
        if folded {
            app.expanded_runs.update(|e| {
                e.insert(s);
            });
        }
        folded
    };
    let pos = sel.and_then(|s| rows.iter().position(|&r| r == s));
    let select = |p: usize| {
        if let Some(&s) = rows.get(p) {
            app.span.set(Some(s));
            app.reveal.update(|r| *r += 1);
        }
    };
    match key {
        "ArrowDown" | "j" => {
            select(pos.map_or(0, |p| (p + 1).min(rows.len().saturating_sub(1))));
            true
        }
        "ArrowUp" | "k" => {
            select(pos.map_or(0, |p| p.saturating_sub(1)));
            true
        }
        "ArrowLeft" | "h" => {
            if let Some(s) = sel {
                let has_children = app.store.with_value(|st| !st.children(s).is_empty());
                let is_collapsed = app.collapsed.with_untracked(|c| c.contains(&s));
                if has_children && !is_collapsed {
                    app.toggle_collapsed(s);
                } else {
                    let parent = app.store.with_value(|st| st.spans.parent[s as usize]);
                    if parent != crate::model::NONE {
                        app.span.set(Some(parent));
                        app.reveal.update(|r| *r += 1);
                    }
                }
            }
            true
        }
        "ArrowRight" | "l" => {
            if let Some(s) = sel {
                if !unfold(s) && app.collapsed.with_untracked(|c| c.contains(&s)) {
                    app.toggle_collapsed(s);
                }
            }
            true
        }
        "Enter" | " " => {
            if let Some(s) = sel {
                if !unfold(s) {
                    app.toggle_collapsed(s);
                }
            }
            true
        }
        "z" => {
            if let Some(s) = sel {
                app.focus.set(Some(s));
            }
            true
        }
        "Backspace" => {
            // Out of a focused subtree, one level at a time.
            if let Some(f) = app.focus.get_untracked() {
                let p = app.store.with_value(|st| st.spans.parent[f as usize]);
                app.focus.set((p != crate::model::NONE).then_some(p));
            }
            true
        }
        "Home" => {
            select(0);
            true
        }
        "End" => {
            select(rows.len().saturating_sub(1));
            true
        }
        "e" => {
            app.expand_all();
            true
        }
        "c" => {
            app.collapse_all();
            true
        }
        "0" => {
            app.window.set(None);
            true
        }
        "/" => {
            if let Some(el) = document().get_element_by_id("span-find") {
                if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = input.focus();
                }
            }
            true
        }
        _ => false,
    }
}
