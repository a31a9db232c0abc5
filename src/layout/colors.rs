//! Service colors: distinct for the services loaded together, and stable
//! across views and traces.
//!
//! Services get palette colours in the order they first appear in what is
//! loaded ([`register`], called once per loaded file), so the first
//! [`PALETTE`]`.len()` services all differ: a hash alone gave 11 services 8
//! colours (web-frontend and api-gateway the same blue). The palette is
//! ordered so that neighbours in it differ most, and every colour reads on
//! both themes; red, which means "error" everywhere in Strata, is left out.
//! Past the palette, a service's colour comes from a hash of its name (a
//! hue on the golden-ratio circle): stable, but no longer guaranteed apart.
//! Jaeger and Zipkin colour by a hash or by order of the one trace on screen,
//! so the same service changes colour between traces; here it does not.

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::model::{Range32, Store};

/// 20 colours, mid lightness, in the order they are handed out: each far
/// from the ones before it (hue, then lightness).
pub const PALETTE: [(u8, u8, u8); 20] = [
    (0x3b, 0x78, 0xc4), // blue
    (0xf2, 0x8e, 0x2b), // orange
    (0x4c, 0xa0, 0x4a), // green
    (0x9b, 0x6b, 0xd0), // violet
    (0xe6, 0xc2, 0x2e), // yellow
    (0x2f, 0xa8, 0xa8), // teal
    (0xd9, 0x5f, 0xb0), // magenta
    (0x8c, 0x6d, 0x4f), // brown
    (0x7f, 0xc8, 0xf0), // sky
    (0x9a, 0xb5, 0x2b), // olive
    (0x5a, 0x5f, 0xb0), // indigo
    (0xf0, 0x9a, 0x9a), // salmon
    (0x1f, 0x6e, 0x5a), // pine
    (0xc0, 0xa0, 0x70), // sand
    (0x8a, 0x8a, 0x8a), // grey
    (0xb5, 0x4a, 0x7a), // plum
    (0x6c, 0xd4, 0x9a), // mint
    (0xc8, 0x7a, 0x2a), // ochre
    (0xa8, 0x9c, 0xe8), // lavender
    (0x4f, 0x8f, 0x2f), // moss
];

thread_local! {
    /// Service name -> palette index, in order of first appearance.
    static ASSIGNED: RefCell<FxHashMap<String, usize>> = RefCell::new(FxHashMap::default());
}

/// Gives the services of `spans` (store indices) that have no colour yet the
/// next palette colours, in the order they first appear.
pub fn register(s: &Store, spans: Range32) {
    let mut seen = rustc_hash::FxHashSet::default();
    ASSIGNED.with_borrow_mut(|m| {
        for i in spans.range() {
            let sym = s.spans.service[i];
            if seen.insert(sym) {
                let name = s.str(sym);
                if !m.contains_key(name) {
                    let next = m.len();
                    m.insert(name.to_owned(), next);
                }
            }
        }
    });
}

/// Forgets every assignment: the next services loaded start the palette
/// again (everything loaded was replaced).
pub fn reset() {
    ASSIGNED.with_borrow_mut(|m| m.clear());
}

/// FNV-1a of the name: stable across builds and runs.
fn hash(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in name.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

pub fn service_rgb(name: &str) -> (u8, u8, u8) {
    match ASSIGNED.with_borrow(|m| m.get(name).copied()) {
        Some(k) if k < PALETTE.len() => PALETTE[k],
        _ => {
            // Golden-ratio hue from the hash; saturation and lightness as the palette's.
            let hue = (hash(name) as f64 / u32::MAX as f64 * 0.618_034 * 7.0).fract() * 360.0;
            hsl(hue, 0.5, 0.55)
        }
    }
}

fn hsl(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}

/// CSS color text for a service.
pub fn service_css(name: &str) -> String {
    let (r, g, b) = service_rgb(name);
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_loaded_together_get_distinct_colours_in_order_of_appearance() {
        let mut store = Store::default();
        let demo = crate::sources::demo::bytes();
        let loaded = crate::import::load(&mut store, "demo.json", &demo).unwrap();
        let traces = store.files[loaded.file as usize].traces;
        let first = store.traces[traces.start as usize].spans.start;
        let spans = Range32 {
            start: first,
            len: store.spans.service.len() as u32 - first,
        };
        register(&store, spans);
        let mut names: Vec<&str> = spans
            .range()
            .map(|i| store.str(store.spans.service[i]))
            .collect();
        names.sort();
        names.dedup();
        assert!(names.len() >= 11, "{names:?}");
        let mut colours: Vec<String> = names.iter().map(|n| service_css(n)).collect();
        colours.sort();
        colours.dedup();
        assert_eq!(
            colours.len(),
            names.len(),
            "every demo service its own colour"
        );
        // Registering again changes nothing: colours stay put.
        let before = service_css(names[0]);
        register(&store, spans);
        assert_eq!(service_css(names[0]), before);
        // Past the palette: stable by name.
        assert_eq!(service_css("never-loaded"), service_css("never-loaded"));
    }

    #[test]
    fn palette_colours_differ() {
        let mut p = PALETTE.to_vec();
        p.sort();
        p.dedup();
        assert_eq!(p.len(), PALETTE.len());
    }
}
