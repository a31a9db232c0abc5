//! Keyboard use of the app's tables (ARIA grids: the trace list, the
//! statistics table): each row is focusable and carries `aria-rowindex`;
//! ↑/↓ move to the neighbour row, Home/End to the first and last, Enter
//! opens the row.

use wasm_bindgen::JsCast;

/// Handles a key on a grid row; `open` is what Enter does.
pub fn row_key(e: &web_sys::KeyboardEvent, open: impl Fn()) {
    let Some(row) = e
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let Some(parent) = row.parent_element() else {
        return;
    };
    let index = row
        .get_attribute("aria-rowindex")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(2);
    let target = match e.key().as_str() {
        "Enter" => {
            e.prevent_default();
            return open();
        }
        "ArrowDown" => Some(index + 1),
        "ArrowUp" => Some(index - 1),
        "Home" => None,
        "End" => None,
        _ => return,
    };
    e.prevent_default();
    e.stop_propagation();
    let next = match target {
        Some(want) => parent
            .query_selector(&format!("[role=row][aria-rowindex=\"{want}\"]"))
            .ok()
            .flatten(),
        None => {
            let rows = parent.query_selector_all("[role=row]").ok();
            let n = rows.as_ref().map_or(0, |r| r.length());
            let k = if e.key() == "Home" {
                0
            } else {
                n.saturating_sub(1)
            };
            rows.and_then(|r| r.item(k))
                .and_then(|x| x.dyn_into::<web_sys::Element>().ok())
        }
    };
    if let Some(next) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = next.focus();
        next.scroll_into_view_with_bool(false);
    }
}
