//! Moving a whole store into another: how a file parsed in a Web Worker joins
//! the traces already loaded on the main thread, and how a file is taken
//! out again.
//!
//! The worker imports into a fresh [`Store`] (trees and summaries built there,
//! off the main thread), encodes it with [`Store::to_snapshot`] (`snapshot`) and transfers
//! the bytes; the main thread decodes it and calls [`Store::append`]. Appending
//! is linear in the size of the incoming store and does no parsing: every
//! index is shifted by the length of the column it points into, every interned
//! string is re-interned once (there are thousands, not millions), and text
//! moves as one block.
//!
//! Removing a file ([`Store::remove_file`]) is the same move backwards: a
//! file's rows are one block in every column ([`SourceFile::end`]), so the
//! files after it are split off, the file is cut, and they are appended
//! again, every index shifted down by the block's length.

use super::ids::{SpanId, TraceId};
use super::store::{Mark, Range32, SourceFile, Store, NONE};
use super::strings::{Sym, Text};
use super::value::{Attr, Value};

/// Maps the incoming store's symbols and offsets to this store's. Offsets
/// are added with wrap-around: moving rows down adds a negative offset.
pub(super) struct Shift {
    /// The incoming symbols' symbols here; None: the same interner.
    syms: Option<Vec<Sym>>,
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
        match &self.syms {
            Some(syms) => syms[lasso::Key::into_usize(s)],
            None => s,
        }
    }

    pub(super) fn text(&self, t: Text) -> Text {
        t.shifted(self.text)
    }

    fn span(&self, i: u32) -> u32 {
        if i == NONE {
            NONE
        } else {
            i.wrapping_add(self.span)
        }
    }

    /// A range of attributes, events or links. An empty one points nowhere
    /// (often at 0, before the rows moved): it stays empty at 0.
    fn rows(r: Range32, by: u32) -> Range32 {
        if r.len == 0 {
            return Range32::default();
        }
        Shift::range(r, by)
    }

    /// A file's traces, a trace's spans: an empty range keeps its place.
    fn range(r: Range32, by: u32) -> Range32 {
        Range32 {
            start: r.start.wrapping_add(by),
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

    fn mark(&self, m: Mark) -> Mark {
        let by = |n: usize, d: u32| (n as u32).wrapping_add(d) as usize;
        Mark {
            spans: by(m.spans, self.span),
            attrs: by(m.attrs, self.attrs),
            events: by(m.events, self.events),
            links: by(m.links, self.links),
            resources: by(m.resources, self.resources),
            scopes: by(m.scopes, self.scopes),
            text: by(m.text, self.text),
            traces: by(m.traces, self.trace),
            files: by(m.files, self.file),
        }
    }
}

/// What [`Store::remove_file`] took out, to renumber what pointed past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removed {
    pub file: u32,
    pub traces: Range32,
    pub spans: Range32,
}

impl Removed {
    fn renumber(i: u32, cut: Range32) -> Option<u32> {
        if i < cut.start {
            Some(i)
        } else if cut.contains(i) {
            None
        } else {
            Some(i - cut.len)
        }
    }

    /// Trace `t`'s index after the removal; None if it was removed.
    pub fn trace(&self, t: u32) -> Option<u32> {
        Removed::renumber(t, self.traces)
    }

    /// Span `i`'s index after the removal; None if it was removed.
    pub fn span(&self, i: u32) -> Option<u32> {
        Removed::renumber(i, self.spans)
    }

    /// File `f`'s index after the removal; None if it was removed.
    pub fn file(&self, f: u32) -> Option<u32> {
        Removed::renumber(
            f,
            Range32 {
                start: self.file,
                len: 1,
            },
        )
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
        mut other: Store,
        push_attrs: impl FnOnce(&Shift, &mut Vec<Attr>),
    ) -> u32 {
        let syms = other
            .strings
            .iter()
            .map(|s| self.strings.intern(s))
            .collect();
        other.strings = Default::default();
        self.move_in(other, Some(syms), Mark::default(), push_attrs)
    }

    /// Takes file `f` out, with its traces, spans and everything they refer
    /// to (interned strings stay). Later files, traces and spans move down:
    /// [`Removed`] renumbers indices kept elsewhere. None if there is no
    /// file `f`. Linear in the size of the files after `f`.
    pub fn remove_file(&mut self, f: u32) -> Option<Removed> {
        self.take_file(f).map(|(_, _, removed)| removed)
    }

    /// Where file `f`'s rows start and end in every column, when they are
    /// one block of this store (a decoded snapshot is checked for it).
    fn block(&self, f: u32) -> Option<(Mark, Mark)> {
        let end = self.files.get(f as usize)?.end;
        let start = match f {
            0 => Mark::default(),
            _ => self.files[f as usize - 1].end,
        };
        let whole = start.within(&end) && end.within(&self.mark());
        (whole && self.text.is_boundary(end.text)).then_some((start, end))
    }

    /// Every file of `files` is one block of this store.
    pub(crate) fn are_blocks(&self, files: &[u32]) -> bool {
        files.iter().all(|&f| self.block(f).is_some())
    }

    /// Takes file `f`'s rows out as a store of their own, whose indices still
    /// count from the returned mark (symbols are this store's): what
    /// [`Store::put_back`] moves to the end again. Later files move down.
    pub(crate) fn take_file(&mut self, f: u32) -> Option<(Store, Mark, Removed)> {
        let (start, end) = self.block(f)?;
        let removed = Removed {
            file: f,
            traces: Range32::new(start.traces, end.traces),
            spans: Range32::new(start.spans, end.spans),
        };
        let tail = self.split_off(end);
        let taken = self.split_off(start);
        self.put_back(tail, end);
        Some((taken, start, removed))
    }

    /// Moves rows split off this store (their indices counting from `base`)
    /// to its end.
    pub(crate) fn put_back(&mut self, rows: Store, base: Mark) -> u32 {
        let mut attrs = rows.attrs;
        let rest = Store {
            attrs: Vec::new(),
            raw_times: self.raw_times,
            ..rows
        };
        self.move_in(rest, None, base, |sh, to| {
            attrs.iter_mut().for_each(|a| sh.attr(a));
            to.append(&mut attrs);
        })
    }

    /// Moves the rows from `m` on into a store of their own (indices
    /// unchanged, symbols those of this store's interner).
    fn split_off(&mut self, m: Mark) -> Store {
        Store {
            raw_times: self.raw_times,
            strings: Default::default(),
            text: self.text.split_off(m.text),
            files: self.files.split_off(m.files),
            traces: self.traces.split_off(m.traces),
            spans: self.spans.split_off(m.spans),
            attrs: self.attrs.split_off(m.attrs),
            events: self.events.split_off(m.events),
            links: self.links.split_off(m.links),
            resources: self.resources.split_off(m.resources),
            scopes: self.scopes.split_off(m.scopes),
        }
    }

    /// Moves `other`'s rows to the end of this store. `other`'s indices
    /// count from `base` (zero for a store of its own, the split point for
    /// rows split off this store); `syms` maps its symbols (None: they are
    /// this store's already).
    fn move_in(
        &mut self,
        other: Store,
        syms: Option<Vec<Sym>>,
        base: Mark,
        push_attrs: impl FnOnce(&Shift, &mut Vec<Attr>),
    ) -> u32 {
        let Store {
            strings: _,
            text,
            files,
            traces,
            spans,
            attrs: _,
            mut events,
            mut links,
            mut resources,
            mut scopes,
            raw_times: _,
        } = other;
        let d = |here: usize, there: usize| (here as u32).wrapping_sub(there as u32);
        let sh = Shift {
            syms,
            text: d(self.text.append(&text) as usize, base.text),
            span: d(self.spans.len(), base.spans),
            trace: d(self.traces.len(), base.traces),
            file: d(self.files.len(), base.files),
            attrs: d(self.attrs.len(), base.attrs),
            events: d(self.events.len(), base.events),
            links: d(self.links.len(), base.links),
            scopes: d(self.scopes.len(), base.scopes),
            resources: d(self.resources.len(), base.resources),
        };
        let first_file = self.files.len() as u32;

        push_attrs(&sh, &mut self.attrs);
        for e in &mut events {
            e.name = sh.sym(e.name);
            e.attrs = Shift::rows(e.attrs, sh.attrs);
        }
        self.events.append(&mut events);
        for l in &mut links {
            l.trace_id = sh.trace_id(l.trace_id);
            l.span_id = sh.span_id(l.span_id);
            l.attrs = Shift::rows(l.attrs, sh.attrs);
        }
        self.links.append(&mut links);
        for r in &mut resources {
            r.service = sh.sym(r.service);
            r.attrs = Shift::rows(r.attrs, sh.attrs);
        }
        self.resources.append(&mut resources);
        for s in &mut scopes {
            s.resource = s.resource.wrapping_add(sh.resources);
            s.name = sh.sym(s.name);
            s.version = sh.sym(s.version);
            s.attrs = Shift::rows(s.attrs, sh.attrs);
        }
        self.scopes.append(&mut scopes);

        let to = &mut self.spans;
        to.trace
            .extend(spans.trace.iter().map(|&t| t.wrapping_add(sh.trace)));
        to.id.extend(spans.id.iter().map(|&id| sh.span_id(id)));
        to.parent_id
            .extend(spans.parent_id.iter().map(|p| p.map(|id| sh.span_id(id))));
        // A span with no scope (NONE) keeps none: shifting it wrapped it
        // round to another file's scope (found by the parts fuzz target).
        to.scope.extend(spans.scope.iter().map(|&s| {
            if s == NONE {
                NONE
            } else {
                s.wrapping_add(sh.scopes)
            }
        }));
        to.service.extend(spans.service.iter().map(|&s| sh.sym(s)));
        to.name.extend(spans.name.iter().map(|&s| sh.sym(s)));
        to.kind.extend_from_slice(&spans.kind);
        to.start.extend_from_slice(&spans.start);
        to.duration.extend_from_slice(&spans.duration);
        to.status.extend_from_slice(&spans.status);
        to.status_message
            .extend(spans.status_message.iter().map(|&t| sh.text(t)));
        to.attrs
            .extend(spans.attrs.iter().map(|&r| Shift::rows(r, sh.attrs)));
        to.events
            .extend(spans.events.iter().map(|&r| Shift::rows(r, sh.events)));
        to.links
            .extend(spans.links.iter().map(|&r| Shift::rows(r, sh.links)));
        to.dropped.extend_from_slice(&spans.dropped);
        to.flags.extend_from_slice(&spans.flags);
        to.parent.extend(spans.parent.iter().map(|&p| sh.span(p)));
        to.depth.extend_from_slice(&spans.depth);

        for mut t in traces {
            t.id = sh.trace_id(t.id);
            t.file = t.file.wrapping_add(sh.file);
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
        for f in files {
            self.files.push(SourceFile {
                traces: Shift::range(f.traces, sh.trace),
                end: sh.mark(f.end),
                ..f
            });
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

    fn loaded(files: &[(&str, &str)]) -> Store {
        let mut s = Store::default();
        for (name, text) in files {
            import::load(&mut s, name, text.as_bytes()).unwrap();
        }
        s
    }

    /// Removing a file leaves the store that loading the others makes, at
    /// the start, in the middle and at the end, for files loaded here and
    /// files appended from a worker's snapshot.
    #[test]
    fn removing_a_file_equals_never_loading_it() {
        let files = [
            ("a.json", JAEGER),
            ("b.json", OTLP),
            ("c.json", JAEGER),
            ("d.json", OTLP),
        ];
        for gone in 0..files.len() {
            let kept: Vec<_> = (0..files.len())
                .filter(|&k| k != gone)
                .map(|k| files[k])
                .collect();
            let expected = describe(&loaded(&kept));

            let mut here = loaded(&files);
            let r = here.remove_file(gone as u32).unwrap();
            assert_eq!(describe(&here), expected, "file {gone} removed");
            assert_eq!(r.file(gone as u32), None);

            let mut appended = Store::default();
            for (name, text) in files {
                let mut part = Store::default();
                import::load(&mut part, name, text.as_bytes()).unwrap();
                appended.append(Store::from_snapshot(&part.to_snapshot()).unwrap());
            }
            appended.remove_file(gone as u32).unwrap();
            assert_eq!(
                describe(&appended),
                expected,
                "file {gone} removed after appends"
            );
            // What is left can be removed and loaded again.
            import::load(&mut appended, "e.json", OTLP.as_bytes()).unwrap();
            appended
                .remove_file(appended.files.len() as u32 - 1)
                .unwrap();
            assert_eq!(describe(&appended), expected);
        }
        let mut one = loaded(&[("a.json", JAEGER)]);
        one.remove_file(0).unwrap();
        assert_eq!(describe(&one), describe(&Store::default()));
        assert!(one.remove_file(0).is_none());
    }

    #[test]
    fn removed_renumbers_what_came_after() {
        let mut s = loaded(&[("a.json", JAEGER), ("b.json", OTLP), ("c.json", JAEGER)]);
        let (traces_a, spans_a) = (s.files[0].traces.len, s.traces[0].spans.len);
        let b_traces = s.files[1].traces;
        let c_first = s.files[2].traces.start;
        let c_span = s.traces[c_first as usize].spans.start;
        let r = s.remove_file(1).unwrap();
        assert_eq!(r.trace(0), Some(0));
        assert_eq!(r.trace(b_traces.start), None);
        assert_eq!(r.trace(c_first), Some(c_first - b_traces.len));
        assert_eq!(r.file(2), Some(1));
        assert_eq!(r.span(0), Some(0));
        let moved = r.span(c_span).unwrap();
        assert_eq!(s.spans.trace[moved as usize], r.trace(c_first).unwrap());
        assert_eq!(s.str(s.spans.name[moved as usize]), "root");
        assert_eq!(
            (s.files[0].traces.len, s.traces[0].spans.len),
            (traces_a, spans_a)
        );
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
