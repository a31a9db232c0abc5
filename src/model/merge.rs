//! Moving a whole store into another: how a file parsed in a Web Worker joins
//! the traces already loaded on the main thread.
//!
//! The worker imports into a fresh [`Store`] (trees and summaries built there,
//! off the main thread), encodes it with [`Store::to_snapshot`] (`snapshot`) and transfers
//! the bytes; the main thread decodes it and calls [`Store::append`]. Appending
//! is linear in the size of the incoming store and does no parsing: every
//! index is shifted by the length of the column it points into, every interned
//! string is re-interned once (there are thousands, not millions), and text
//! moves as one block.

use super::ids::{SpanId, TraceId};
use super::store::{Range32, Store, NONE};
use super::strings::{Sym, Text};
use super::value::{Attr, Value};

/// Maps the incoming store's symbols and offsets to this store's.
pub(super) struct Shift {
    syms: Vec<Sym>,
    text: u32,
    span: u32,
    trace: u32,
    file: u32,
    attrs: u32,
    events: u32,
    links: u32,
    scopes: u32,
    resources: u32,
}

impl Shift {
    pub(super) fn sym(&self, s: Sym) -> Sym {
        self.syms[lasso::Key::into_usize(s)]
    }

    pub(super) fn text(&self, t: Text) -> Text {
        t.shifted(self.text)
    }

    fn span(&self, i: u32) -> u32 {
        if i == NONE {
            NONE
        } else {
            i + self.span
        }
    }

    fn range(r: Range32, by: u32) -> Range32 {
        Range32 {
            start: r.start + by,
            len: r.len,
        }
    }

    fn span_id(&self, id: SpanId) -> SpanId {
        match id {
            SpanId::Text(s) => SpanId::Text(self.sym(s)),
            hex => hex,
        }
    }

    fn trace_id(&self, id: TraceId) -> TraceId {
        match id {
            TraceId::Text(s) => TraceId::Text(self.sym(s)),
            hex => hex,
        }
    }

    pub(super) fn value(&self, v: &mut Value) {
        match v {
            Value::Str(t) => *t = self.text(*t),
            Value::Array(items) => items.iter_mut().for_each(|x| self.value(x)),
            Value::Map(entries) => entries.iter_mut().for_each(|a| self.attr(a)),
            Value::Bool(_) | Value::Int(_) | Value::Double(_) | Value::Bytes(_) | Value::Empty => {}
        }
    }

    fn attr(&self, a: &mut Attr) {
        a.key = self.sym(a.key);
        self.value(&mut a.value);
    }
}

impl Store {
    /// Moves every file, trace and span of `other` into this store, after
    /// what is already here. Returns the index of the first file appended.
    pub fn append(&mut self, mut other: Store) -> u32 {
        let attrs = std::mem::take(&mut other.attrs);
        self.append_with(other, |sh, to| {
            to.extend(attrs.into_iter().map(|mut a| {
                sh.attr(&mut a);
                a
            }))
        })
    }

    /// [`append`](Self::append), with `other`'s attributes supplied by
    /// `push_attrs` (already shifted by it): a snapshot decodes them straight
    /// into this store.
    pub(super) fn append_with(
        &mut self,
        other: Store,
        push_attrs: impl FnOnce(&Shift, &mut Vec<Attr>),
    ) -> u32 {
        let Store {
            strings,
            text,
            files,
            traces,
            spans,
            attrs: _,
            mut events,
            mut links,
            mut resources,
            mut scopes,
        } = other;
        let sh = Shift {
            syms: strings.iter().map(|s| self.strings.intern(s)).collect(),
            text: self.text.append(&text),
            span: self.spans.len() as u32,
            trace: self.traces.len() as u32,
            file: self.files.len() as u32,
            attrs: self.attrs.len() as u32,
            events: self.events.len() as u32,
            links: self.links.len() as u32,
            scopes: self.scopes.len() as u32,
            resources: self.resources.len() as u32,
        };
        let first_file = sh.file;

        push_attrs(&sh, &mut self.attrs);
        for e in &mut events {
            e.name = sh.sym(e.name);
            e.attrs = Shift::range(e.attrs, sh.attrs);
        }
        self.events.append(&mut events);
        for l in &mut links {
            l.trace_id = sh.trace_id(l.trace_id);
            l.span_id = sh.span_id(l.span_id);
            l.attrs = Shift::range(l.attrs, sh.attrs);
        }
        self.links.append(&mut links);
        for r in &mut resources {
            r.service = sh.sym(r.service);
            r.attrs = Shift::range(r.attrs, sh.attrs);
        }
        self.resources.append(&mut resources);
        for s in &mut scopes {
            s.resource += sh.resources;
            s.name = sh.sym(s.name);
            s.version = sh.sym(s.version);
            s.attrs = Shift::range(s.attrs, sh.attrs);
        }
        self.scopes.append(&mut scopes);

        let to = &mut self.spans;
        to.trace.extend(spans.trace.iter().map(|&t| t + sh.trace));
        to.id.extend(spans.id.iter().map(|&id| sh.span_id(id)));
        to.parent_id
            .extend(spans.parent_id.iter().map(|p| p.map(|id| sh.span_id(id))));
        // A span with no scope (NONE) keeps none: shifting it wrapped it
        // round to another file's scope (found by the parts fuzz target).
        to.scope.extend(
            spans
                .scope
                .iter()
                .map(|&s| if s == NONE { NONE } else { s + sh.scopes }),
        );
        to.service.extend(spans.service.iter().map(|&s| sh.sym(s)));
        to.name.extend(spans.name.iter().map(|&s| sh.sym(s)));
        to.kind.extend_from_slice(&spans.kind);
        to.start.extend_from_slice(&spans.start);
        to.duration.extend_from_slice(&spans.duration);
        to.status.extend_from_slice(&spans.status);
        to.status_message
            .extend(spans.status_message.iter().map(|&t| sh.text(t)));
        to.attrs
            .extend(spans.attrs.iter().map(|&r| Shift::range(r, sh.attrs)));
        to.events
            .extend(spans.events.iter().map(|&r| Shift::range(r, sh.events)));
        to.links
            .extend(spans.links.iter().map(|&r| Shift::range(r, sh.links)));
        to.dropped.extend_from_slice(&spans.dropped);
        to.flags.extend_from_slice(&spans.flags);
        to.parent.extend(spans.parent.iter().map(|&p| sh.span(p)));
        to.depth.extend_from_slice(&spans.depth);

        for mut t in traces {
            t.id = sh.trace_id(t.id);
            t.file += sh.file;
            t.spans = Shift::range(t.spans, sh.span);
            t.tree.roots.iter_mut().for_each(|r| *r = sh.span(*r));
            t.tree.children.iter_mut().for_each(|c| *c = sh.span(*c));
            t.summary.root = sh.span(t.summary.root);
            t.summary.services.iter_mut().for_each(|s| *s = sh.sym(*s));
            for w in &mut t.warnings {
                w.spans.iter_mut().for_each(|s| *s = sh.span(*s));
            }
            self.traces.push(t);
        }
        for mut f in files {
            f.traces = Shift::range(f.traces, sh.trace);
            self.files.push(f);
        }
        first_file
    }
}

#[cfg(test)]
mod tests {
    use crate::import;
    use crate::model::describe::describe;
    use crate::model::Store;

    const OTLP: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
      "scopeSpans":[{"scope":{"name":"lib","version":"1"},"spans":[
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /x","kind":2,
         "startTimeUnixNano":"1000","endTimeUnixNano":"5000","status":{"code":2,"message":"boom"},
         "attributes":[{"key":"http.route","value":{"stringValue":"/x"}},
                       {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"9007199254740993"}]}}}],
         "events":[{"timeUnixNano":"2000","name":"retry","attributes":[{"key":"n","value":{"intValue":1}}]}],
         "links":[{"traceId":"11111111111111111111111111111111","spanId":"2222222222222222"}]},
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"c7ad6b7169203331","parentSpanId":"b7ad6b7169203331",
         "name":"db","startTimeUnixNano":"2000","endTimeUnixNano":"3000"}]}]}]}"#;

    const JAEGER: &str = r#"{"data":[{"traceID":"abc","spans":[
        {"traceID":"abc","spanID":"1","operationName":"root","startTime":10,"duration":50,"processID":"p1",
         "tags":[{"key":"error","type":"bool","value":true}],"logs":[{"timestamp":20,"fields":[{"key":"event","type":"string","value":"x"}]}]},
        {"traceID":"abc","spanID":"op-aque","operationName":"child","startTime":20,"duration":5,"processID":"p2",
         "references":[{"refType":"CHILD_OF","traceID":"abc","spanID":"1"}]},
        {"traceID":"abc","spanID":"3","operationName":"orphan","startTime":30,"duration":5,"processID":"p1",
         "references":[{"refType":"CHILD_OF","traceID":"abc","spanID":"99"}]}],
      "processes":{"p1":{"serviceName":"front","tags":[{"key":"host","type":"string","value":"h1"}]},"p2":{"serviceName":"back"}}}]}"#;

    #[test]
    fn appending_equals_loading_in_order() {
        let mut one = Store::default();
        import::load(&mut one, "a.json", JAEGER.as_bytes()).unwrap();
        import::load(&mut one, "b.json", OTLP.as_bytes()).unwrap();
        import::load(&mut one, "c.json", JAEGER.as_bytes()).unwrap();

        let mut merged = Store::default();
        import::load(&mut merged, "a.json", JAEGER.as_bytes()).unwrap();
        for (name, text) in [("b.json", OTLP), ("c.json", JAEGER)] {
            let mut part = Store::default();
            import::load(&mut part, name, text.as_bytes()).unwrap();
            let back = Store::from_snapshot(&part.to_snapshot()).unwrap();
            merged.append(back);
        }
        assert_eq!(describe(&merged), describe(&one));
        assert!(describe(&one).contains("9007199254740993"));
        assert!(describe(&one).contains("op-aque"));
    }

    #[test]
    fn damaged_snapshots_are_errors() {
        let mut s = Store::default();
        import::load(&mut s, "b.json", OTLP.as_bytes()).unwrap();
        let bytes = s.to_snapshot();
        for cut in [0, 1, bytes.len() / 3, bytes.len() - 1] {
            assert!(Store::from_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
