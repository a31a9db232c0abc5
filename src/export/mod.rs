//! Store -> bytes: one trace of the store written as a file another tool (or
//! Strata itself) reads. The inverse of [`crate::import`]: [`otlp_json`] writes
//! OTLP/JSON (`TracesData`, as the OTLP spec's JSON mapping spells it),
//! [`otlp_proto`] the same `TracesData` as protobuf (what an OTLP/HTTP
//! exporter POSTs), and
//! [`jaeger_json`] writes the Jaeger query-API answer (what the Jaeger UI's
//! "Download JSON" saves). Importing either output gives back the trace: same
//! ids, parents, tree, names, services, kinds, statuses, typed attributes,
//! events and links, up to what the format can say. What it cannot say is
//! listed on each writer and checked by `tests/export_roundtrip.rs`.
//!
//! Rules both writers share:
//! - Times are the ones the store holds. A span that had no start time in its
//!   file (`SpanFlags::NO_START`) is written at the time Strata placed it (its
//!   parent's start), and one without a duration with the duration Strata gave
//!   it (stretched over its children): the output has real times everywhere.
//! - The declared parent id is written, even when that span is not in the
//!   trace: orphans stay orphans.
//! - Zipkin shared RPC spans (client and server half with one id, the server
//!   half flagged `SpanFlags::SHARED`) cannot be said in OTLP or Jaeger, which
//!   have no `shared` flag. Written with the same id twice they would read back
//!   as duplicate ids, and children of the server half would hang under the
//!   client half. Instead the server half gets a fresh id and the client half's
//!   id as its declared parent, and every span whose declared parent was the
//!   shared id names the fresh id: the tree reads back exactly, without
//!   duplicate-id warnings. This is what Jaeger does: its Zipkin receiver
//!   stores both halves with the same id, and the query service's
//!   `ZipkinSpanIDUniquifier` adjuster renames the server half on read (to the
//!   smallest id not used in the trace, counting from 1), re-parents it under
//!   the client half and moves the server half's children to the new id.
//!   Strata picks the new id the same way, also avoiding ids that parents and
//!   links name (so an orphan never gets adopted), and gives all server halves
//!   of one shared id the same new id (Jaeger gives each its own): in the
//!   usual trace the result is what the Jaeger UI shows.
//! - Traces are written alone: one trace per document.
//! - Exporting never panics on a store the importers built, including an
//!   empty trace or an out-of-range trace index (an empty document).

pub mod jaeger;
pub(crate) mod json;
pub mod otlp;
pub mod otlp_proto;

pub use jaeger::jaeger_json;
pub use otlp::otlp_json;
pub use otlp_proto::otlp_proto;

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::{Attr, Event, Link, Range32, SpanFlags, SpanId, Store, Sym};

/// The spans of trace `t`, clamped to the span columns (empty if `t` is unknown).
fn span_range(store: &Store, t: u32) -> Range<usize> {
    match store.traces.get(t as usize) {
        Some(trace) => {
            let r = trace.spans.range();
            let n = store.spans.len();
            r.start.min(n)..r.end.min(n)
        }
        None => 0..0,
    }
}

fn attrs_of(store: &Store, r: Range32) -> &[Attr] {
    store.attrs.get(r.range()).unwrap_or(&[])
}

fn events_of(store: &Store, r: Range32) -> &[Event] {
    store.events.get(r.range()).unwrap_or(&[])
}

fn links_of(store: &Store, r: Range32) -> &[Link] {
    store.links.get(r.range()).unwrap_or(&[])
}

/// The resource a span is written under: a store resource, or (for a span
/// with no process, which Jaeger JSON allows) a bare service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ResKey {
    Res(u32),
    Bare(Sym),
}

/// (resource, scope) of span `i`; the scope is `None` for spans without one.
fn res_scope(store: &Store, i: usize) -> (ResKey, Option<u32>) {
    let scope = store.spans.scope[i];
    match store.scopes.get(scope as usize) {
        Some(sc) if (sc.resource as usize) < store.resources.len() => {
            (ResKey::Res(sc.resource), Some(scope))
        }
        Some(_) => (ResKey::Bare(store.spans.service[i]), Some(scope)),
        None => (ResKey::Bare(store.spans.service[i]), None),
    }
}

/// The service of a resource key.
fn service_of(store: &Store, key: ResKey) -> Sym {
    match key {
        ResKey::Res(r) => store.resources[r as usize].service,
        ResKey::Bare(s) => s,
    }
}

/// FNV-1a, 64 bits: the OTLP span id of an opaque (non-hex) span id.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a, 128 bits: the OTLP trace id of an opaque (non-hex) trace id.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for &b in bytes {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    h
}

/// Span ids as written: the store's, except Zipkin shared server halves,
/// which get a fresh id (see the module docs).
#[derive(Default)]
struct SpanIds {
    /// Span index -> its fresh id (renamed server halves only).
    renamed: FxHashMap<usize, u64>,
    /// Shared id -> the fresh id of its server half.
    fresh: FxHashMap<SpanId, u64>,
}

impl SpanIds {
    fn new(store: &Store, spans: Range<usize>) -> SpanIds {
        let s = &store.spans;
        let shared = |i: usize| s.flags[i].contains(SpanFlags::SHARED);
        if !spans.clone().any(shared) {
            return SpanIds::default();
        }
        // Ids that a client half (a span not flagged shared) holds.
        let clients: FxHashSet<SpanId> = spans
            .clone()
            .filter(|&i| !shared(i))
            .map(|i| s.id[i])
            .collect();
        // Shared ids with both halves present, in order of appearance.
        let mut to_rename: Vec<SpanId> = Vec::new();
        for i in spans.clone() {
            if shared(i) && clients.contains(&s.id[i]) && !to_rename.contains(&s.id[i]) {
                to_rename.push(s.id[i]);
            }
        }
        if to_rename.is_empty() {
            return SpanIds::default();
        }
        // Every id the trace names (as a span, a parent or a link target) is taken.
        let mut used: FxHashSet<u64> = FxHashSet::default();
        let value = |id: SpanId| match id {
            SpanId::Hex(v) => v,
            SpanId::Text(t) => fnv1a_64(store.str(t).as_bytes()),
        };
        for i in spans.clone() {
            used.insert(value(s.id[i]));
            if let Some(p) = s.parent_id[i] {
                used.insert(value(p));
            }
            for l in links_of(store, s.links[i]) {
                used.insert(value(l.span_id));
            }
        }
        let mut fresh = FxHashMap::default();
        let mut next: u64 = 0;
        for id in to_rename {
            loop {
                next = next.wrapping_add(1);
                if next != 0 && used.insert(next) {
                    break;
                }
            }
            fresh.insert(id, next);
        }
        let renamed = spans
            .filter(|&i| shared(i))
            .filter_map(|i| fresh.get(&s.id[i]).map(|&n| (i, n)))
            .collect();
        SpanIds { renamed, fresh }
    }

    /// The id span `i` is written with.
    #[inline]
    fn id(&self, store: &Store, i: usize) -> SpanId {
        if !self.renamed.is_empty() {
            if let Some(&n) = self.renamed.get(&i) {
                return SpanId::Hex(n);
            }
        }
        store.spans.id[i]
    }

    /// The declared parent span `i` is written with.
    #[inline]
    fn parent(&self, store: &Store, i: usize) -> Option<SpanId> {
        if self.renamed.is_empty() {
            return store.spans.parent_id[i];
        }
        if self.renamed.contains_key(&i) {
            // A renamed server half hangs under its client half.
            return Some(store.spans.id[i]);
        }
        store.spans.parent_id[i].map(|p| match self.fresh.get(&p) {
            Some(&n) => SpanId::Hex(n),
            None => p,
        })
    }
}

/// Interned keys the writers look for (None: no attribute has that key).
struct Keys {
    service_name: Option<Sym>,
    span_kind: Option<Sym>,
    error: Option<Sym>,
    status_code: Option<Sym>,
    status_description: Option<Sym>,
    scope_name: Option<Sym>,
    scope_version: Option<Sym>,
    event: Option<Sym>,
    ref_type: Option<Sym>,
}

impl Keys {
    fn new(store: &Store) -> Keys {
        let k = |s: &str| store.strings.lookup(s);
        Keys {
            service_name: k("service.name"),
            span_kind: k("span.kind"),
            error: k("error"),
            status_code: k("otel.status_code"),
            status_description: k("otel.status_description"),
            scope_name: k("otel.scope.name"),
            scope_version: k("otel.scope.version"),
            event: k("event"),
            ref_type: k("opentracing.ref_type"),
        }
    }
}

fn has_key(attrs: &[Attr], key: Option<Sym>) -> bool {
    key.is_some_and(|k| attrs.iter().any(|a| a.key == k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_values() {
        // Published FNV-1a test vectors.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn unknown_trace_is_empty() {
        let store = Store::default();
        assert_eq!(span_range(&store, 0), 0..0);
        assert_eq!(span_range(&store, u32::MAX), 0..0);
    }
}
