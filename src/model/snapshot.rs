//! A store as bytes: what the parsing worker hands to the main thread.
//!
//! postcard (serde) encodes the small tables; the big ones travel as columns
//! of raw little-endian bytes, so writing and reading them back is one tight
//! loop per column instead of serde's per-element calls and varints: the
//! span columns and the events (fixed-width elements, see [`Fixed`]), and
//! the attribute arena, most of a store (10+ attributes per span), as key,
//! tag and 8-byte payload columns; its rare nested values (arrays, maps,
//! bytes) go through serde on the side.

use serde::{Deserialize, Serialize};
use serde_bytes::{ByteBuf, Bytes};

use super::ids::{SpanId, TraceId};
use super::store::{
    Dropped, Event, Link, Range32, Resource, Scope, SourceFile, SpanFlags, Spans, Store, Trace,
    NONE,
};
use super::strings::{Strings, Sym, Text, TextArena};
use super::value::{Attr, SpanKind, StatusCode, Value};

/// Why a snapshot could not be read back (a bug or a damaged transfer, never
/// the user's file: the file was already read successfully by then).
#[derive(Debug)]
pub struct SnapshotError(pub String);

const STR: u8 = 0;
const BOOL: u8 = 1;
const INT: u8 = 2;
const DOUBLE: u8 = 3;
const EMPTY: u8 = 4;
/// Bytes, arrays and maps: the value is in `nested`, in order.
const NESTED: u8 = 5;

#[derive(Serialize)]
struct Out<'a> {
    strings: &'a Strings,
    text: &'a TextArena,
    files: &'a [SourceFile],
    traces: &'a [Trace],
    span_count: u32,
    span_columns: Vec<ByteBuf>,
    #[serde(with = "serde_bytes")]
    attr_keys: &'a [u8],
    #[serde(with = "serde_bytes")]
    attr_tags: &'a [u8],
    #[serde(with = "serde_bytes")]
    attr_payloads: &'a [u8],
    attr_nested: Vec<&'a Value>,
    #[serde(with = "serde_bytes")]
    events: &'a [u8],
    links: &'a [Link],
    resources: &'a [Resource],
    scopes: &'a [Scope],
}

#[derive(Deserialize)]
struct In<'a> {
    strings: Strings,
    text: TextArena,
    files: Vec<SourceFile>,
    traces: Vec<Trace>,
    span_count: u32,
    #[serde(borrow)]
    span_columns: Vec<&'a Bytes>,
    #[serde(borrow, with = "serde_bytes")]
    attr_keys: &'a [u8],
    #[serde(borrow, with = "serde_bytes")]
    attr_tags: &'a [u8],
    #[serde(borrow, with = "serde_bytes")]
    attr_payloads: &'a [u8],
    attr_nested: Vec<Value>,
    #[serde(borrow, with = "serde_bytes")]
    events: &'a [u8],
    links: Vec<Link>,
    resources: Vec<Resource>,
    scopes: Vec<Scope>,
}

impl Store {
    /// The store as bytes, for handing from a worker to the main thread.
    pub fn to_snapshot(&self) -> Vec<u8> {
        let n = self.attrs.len();
        let mut keys = Vec::with_capacity(n * 4);
        let mut tags = Vec::with_capacity(n);
        let mut payloads = Vec::with_capacity(n * 8);
        let mut nested = Vec::new();
        for a in &self.attrs {
            keys.extend_from_slice(&(lasso::Key::into_usize(a.key) as u32).to_le_bytes());
            let (tag, payload) = match &a.value {
                Value::Str(t) => (STR, t.to_bits()),
                Value::Bool(b) => (BOOL, *b as u64),
                Value::Int(i) => (INT, *i as u64),
                Value::Double(f) => (DOUBLE, f.to_bits()),
                Value::Empty => (EMPTY, 0),
                v @ (Value::Bytes(_) | Value::Array(_) | Value::Map(_)) => {
                    nested.push(v);
                    (NESTED, 0)
                }
            };
            tags.push(tag);
            payloads.extend_from_slice(&payload.to_le_bytes());
        }
        let out = Out {
            strings: &self.strings,
            text: &self.text,
            files: &self.files,
            traces: &self.traces,
            span_count: self.spans.len() as u32,
            span_columns: span_columns(&self.spans),
            attr_keys: &keys,
            attr_tags: &tags,
            attr_payloads: &payloads,
            attr_nested: nested,
            events: &column(&self.events),
            links: &self.links,
            resources: &self.resources,
            scopes: &self.scopes,
        };
        // Serialising plain data into a Vec cannot fail.
        postcard::to_allocvec(&out).unwrap_or_default()
    }

    /// Reads back [`to_snapshot`](Self::to_snapshot)'s bytes as a store of its own.
    pub fn from_snapshot(bytes: &[u8]) -> Result<Store, SnapshotError> {
        let mut store = Store::default();
        store.append_snapshot(bytes)?;
        Ok(store)
    }

    /// Appends the store in a snapshot, as [`append`](Self::append) does, in
    /// one pass over its attributes. Returns the index of its first file. On
    /// error nothing was added.
    pub fn append_snapshot(&mut self, bytes: &[u8]) -> Result<u32, SnapshotError> {
        let damaged = |what: String| {
            SnapshotError(format!(
                "the parsed trace could not be handed over ({} bytes): {what}",
                bytes.len()
            ))
        };
        let w: In = postcard::from_bytes(bytes).map_err(|e| damaged(e.to_string()))?;
        let n = w.attr_tags.len();
        if w.attr_keys.len() != n * 4 || w.attr_payloads.len() != n * 8 {
            return Err(damaged("attribute columns differ in length".into()));
        }
        // Check the columns before touching the store, so an error adds nothing.
        let symbols = w.strings.len();
        let mut nested_count = 0;
        for (k, &tag) in w.attr_keys.chunks_exact(4).zip(w.attr_tags) {
            let k = u32::from_le_bytes([k[0], k[1], k[2], k[3]]) as usize;
            if k >= symbols {
                return Err(damaged(format!("attribute key {k} is not a string")));
            }
            match tag {
                STR | BOOL | INT | DOUBLE | EMPTY => {}
                NESTED => nested_count += 1,
                t => return Err(damaged(format!("unknown value tag {t}"))),
            }
        }
        if nested_count != w.attr_nested.len() {
            return Err(damaged("nested values are missing".into()));
        }
        let spans = spans_from(&w.span_columns, w.span_count as usize).map_err(damaged)?;
        let events = decode(w.events, w.events.len() / Event::WIDTH, "events").map_err(damaged)?;
        let names = spans.service.iter().chain(&spans.name);
        let names = names.chain(events.iter().map(|e: &Event| &e.name));
        if let Some(s) = names
            .map(|&s| lasso::Key::into_usize(s))
            .find(|&s| s >= symbols)
        {
            return Err(damaged(format!("span or event name {s} is not a string")));
        }
        let (keys, tags, payloads) = (w.attr_keys, w.attr_tags, w.attr_payloads);
        for v in &w.attr_nested {
            check_value(v, symbols).map_err(damaged)?;
        }
        let mut nested = w.attr_nested.into_iter();
        let other = Store {
            strings: w.strings,
            text: w.text,
            files: w.files,
            traces: w.traces,
            spans,
            attrs: Vec::new(),
            events,
            links: w.links,
            resources: w.resources,
            scopes: w.scopes,
            raw_times: false,
        };
        check(&other, n, symbols).map_err(damaged)?;
        Ok(self.append_with(other, |sh, to| {
            to.reserve(n);
            let rows = keys.chunks_exact(4).zip(tags).zip(payloads.chunks_exact(8));
            for ((k, &tag), p) in rows {
                let k = u32::from_le_bytes([k[0], k[1], k[2], k[3]]) as usize;
                let p = u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]);
                let Some(key) = lasso::Key::try_from_usize(k) else {
                    continue;
                };
                let value = match tag {
                    STR => Value::Str(sh.text(Text::from_bits(p))),
                    BOOL => Value::Bool(p != 0),
                    INT => Value::Int(p as i64),
                    DOUBLE => Value::Double(f64::from_bits(p)),
                    NESTED => match nested.next() {
                        Some(mut v) => {
                            sh.value(&mut v);
                            v
                        }
                        None => Value::Empty,
                    },
                    _ => Value::Empty,
                };
                to.push(Attr {
                    key: sh.sym(key),
                    value,
                });
            }
        }))
    }
}

/// Every index and range of a decoded store points inside it: a snapshot
/// comes from the app's own worker, but a damaged one must fail here, not
/// panic later where a view follows an index (the `snapshot` fuzz target).
fn check(s: &Store, attrs: usize, symbols: usize) -> Result<(), String> {
    let spans = s.spans.len();
    let within = |r: Range32, len: usize, what: &str| {
        (r.start as usize)
            .checked_add(r.len as usize)
            .filter(|&end| end <= len)
            .map(|_| ())
            .ok_or_else(|| format!("{what} {}+{} past {len}", r.start, r.len))
    };
    let index = |i: u32, len: usize, none_ok: bool, what: &str| {
        if (i as usize) < len || (none_ok && i == NONE) {
            Ok(())
        } else {
            Err(format!("{what} {i} past {len}"))
        }
    };
    let sym = |x: Sym, what: &str| index(lasso::Key::into_usize(x) as u32, symbols, false, what);
    let span_id = |id: &SpanId| match id {
        SpanId::Text(x) => sym(*x, "span id"),
        _ => Ok(()),
    };
    let trace_id = |id: &TraceId| match id {
        TraceId::Text(x) => sym(*x, "trace id"),
        _ => Ok(()),
    };
    for e in &s.events {
        within(e.attrs, attrs, "event attributes")?;
    }
    for l in &s.links {
        within(l.attrs, attrs, "link attributes")?;
        span_id(&l.span_id)?;
        trace_id(&l.trace_id)?;
    }
    for r in &s.resources {
        within(r.attrs, attrs, "resource attributes")?;
        sym(r.service, "resource service")?;
    }
    for sc in &s.scopes {
        within(sc.attrs, attrs, "scope attributes")?;
        index(sc.resource, s.resources.len(), false, "scope resource")?;
        sym(sc.name, "scope name")?;
        sym(sc.version, "scope version")?;
    }
    let c = &s.spans;
    for i in 0..spans {
        index(c.trace[i], s.traces.len(), false, "span trace")?;
        index(c.scope[i], s.scopes.len(), true, "span scope")?;
        index(c.parent[i], spans, true, "span parent")?;
        within(c.attrs[i], attrs, "span attributes")?;
        within(c.events[i], s.events.len(), "span events")?;
        within(c.links[i], s.links.len(), "span links")?;
        span_id(&c.id[i])?;
        if let Some(p) = &c.parent_id[i] {
            span_id(p)?;
        }
    }
    for t in &s.traces {
        trace_id(&t.id)?;
        index(t.file, s.files.len(), false, "trace file")?;
        within(t.spans, spans, "trace spans")?;
        index(t.summary.root, spans, true, "trace root")?;
        for &x in t.tree.roots.iter().chain(&t.tree.children) {
            index(x, spans, true, "tree span")?;
        }
        if t.tree
            .child_start
            .iter()
            .any(|&k| k as usize > t.tree.children.len())
            || t.tree.child_start.windows(2).any(|w| w[0] > w[1])
        {
            return Err("tree child offsets out of order".into());
        }
        for &x in &t.summary.services {
            sym(x, "trace service")?;
        }
        for w in &t.warnings {
            for &x in &w.spans {
                index(x, spans, true, "warning span")?;
            }
        }
        t.skew.check(t)?;
    }
    for f in &s.files {
        within(f.traces, s.traces.len(), "file traces")?;
    }
    check_blocks(s, attrs)
}

/// Each file's rows are one block in every column, ending at its `end`
/// (what removing a file relies on): the ends grow, the last is the store's
/// end, and every row of a file's traces points into the file's block.
fn check_blocks(s: &Store, attrs: usize) -> Result<(), String> {
    let mut whole = s.mark();
    whole.attrs = attrs;
    let mut start = super::store::Mark::default();
    for (k, f) in s.files.iter().enumerate() {
        let end = f.end;
        if !start.within(&end) || !end.within(&whole) || end.files != k + 1 {
            return Err(format!("file {k} ends out of order"));
        }
        let inside = |r: Range32, from: usize, to: usize| {
            r.len == 0 || (r.start as usize >= from && r.end() as usize <= to)
        };
        let traces = Range32::new(start.traces, end.traces);
        if !inside(f.traces, start.traces, end.traces) {
            return Err(format!("file {k}'s traces outside its block"));
        }
        for t in traces.range() {
            let tr = &s.traces[t];
            if tr.file as usize != k || !inside(tr.spans, start.spans, end.spans) {
                return Err(format!("trace {t} outside file {k}'s block"));
            }
            for i in tr.spans.range() {
                let c = &s.spans;
                let scope = c.scope[i];
                if !inside(c.attrs[i], start.attrs, end.attrs)
                    || !inside(c.events[i], start.events, end.events)
                    || !inside(c.links[i], start.links, end.links)
                    || (scope != NONE && !(start.scopes..end.scopes).contains(&(scope as usize)))
                {
                    return Err(format!("span {i} points outside file {k}'s block"));
                }
            }
        }
        start = end;
    }
    if start != whole {
        return Err("the last file does not end where the store does".into());
    }
    Ok(())
}

/// A nested value's map keys are strings of the snapshot.
fn check_value(v: &Value, symbols: usize) -> Result<(), String> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|x| check_value(x, symbols)),
        Value::Map(entries) => entries.iter().try_for_each(|a| {
            if lasso::Key::into_usize(a.key) >= symbols {
                return Err(format!(
                    "nested key {} is not a string",
                    lasso::Key::into_usize(a.key)
                ));
            }
            check_value(&a.value, symbols)
        }),
        _ => Ok(()),
    }
}

/// A column element as fixed-width little-endian bytes.
trait Fixed: Sized {
    const WIDTH: usize;
    fn put(&self, out: &mut Vec<u8>);
    /// From exactly `WIDTH` bytes; None if they hold no such value.
    fn get(b: &[u8]) -> Option<Self>;
}

/// The first `N` bytes of `b` (which the callers size by `WIDTH`).
fn le<const N: usize>(b: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&b[..N]);
    out
}

/// Integers as their little-endian bytes.
macro_rules! fixed_int {
    ($($t:ty)*) => {$(
        impl Fixed for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(le(b)))
            }
        }
    )*};
}
fixed_int!(u16 u32 u64 i64);

impl Fixed for Sym {
    const WIDTH: usize = 4;
    fn put(&self, out: &mut Vec<u8>) {
        (lasso::Key::into_usize(*self) as u32).put(out)
    }
    fn get(b: &[u8]) -> Option<Self> {
        lasso::Key::try_from_usize(u32::get(b)? as usize)
    }
}

impl Fixed for Text {
    const WIDTH: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        self.to_bits().put(out)
    }
    fn get(b: &[u8]) -> Option<Self> {
        u64::get(b).map(Text::from_bits)
    }
}

impl Fixed for Range32 {
    const WIDTH: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        self.start.put(out);
        self.len.put(out);
    }
    fn get(b: &[u8]) -> Option<Self> {
        Some(Range32 {
            start: u32::get(&b[..4])?,
            len: u32::get(&b[4..])?,
        })
    }
}

impl Fixed for Dropped {
    const WIDTH: usize = 12;
    fn put(&self, out: &mut Vec<u8>) {
        for n in [self.attrs, self.events, self.links] {
            n.put(out);
        }
    }
    fn get(b: &[u8]) -> Option<Self> {
        Some(Dropped {
            attrs: u32::get(&b[..4])?,
            events: u32::get(&b[4..8])?,
            links: u32::get(&b[8..])?,
        })
    }
}

impl Fixed for SpanFlags {
    const WIDTH: usize = 2;
    fn put(&self, out: &mut Vec<u8>) {
        self.bits().put(out)
    }
    fn get(b: &[u8]) -> Option<Self> {
        SpanFlags::from_bits(u16::get(b)?)
    }
}

/// Enums as their one-byte OTLP number (an unknown number is damage).
macro_rules! fixed_otlp_enum {
    ($($t:ty)*) => {$(
        impl Fixed for $t {
            const WIDTH: usize = 1;
            fn put(&self, out: &mut Vec<u8>) {
                out.push(*self as u8);
            }
            fn get(b: &[u8]) -> Option<Self> {
                let v = <$t>::from_otlp(b[0] as i64);
                (v as u8 == b[0]).then_some(v)
            }
        }
    )*};
}
fixed_otlp_enum!(SpanKind StatusCode);

/// A span id as a tag (0: none, 1: hex, 2: text) and 8 bytes.
impl Fixed for Option<SpanId> {
    const WIDTH: usize = 9;
    fn put(&self, out: &mut Vec<u8>) {
        let (tag, bits) = match *self {
            None => (0, 0),
            Some(SpanId::Hex(v)) => (1, v),
            Some(SpanId::Text(s)) => (2, lasso::Key::into_usize(s) as u64),
        };
        out.push(tag);
        bits.put(out);
    }
    fn get(b: &[u8]) -> Option<Self> {
        let bits = u64::get(&b[1..])?;
        match b[0] {
            0 => Some(None),
            1 => Some(Some(SpanId::Hex(bits))),
            2 => lasso::Key::try_from_usize(bits as usize).map(|s| Some(SpanId::Text(s))),
            _ => None,
        }
    }
}

impl Fixed for SpanId {
    const WIDTH: usize = 9;
    fn put(&self, out: &mut Vec<u8>) {
        Some(*self).put(out)
    }
    fn get(b: &[u8]) -> Option<Self> {
        Option::<SpanId>::get(b)?
    }
}

impl Fixed for Event {
    const WIDTH: usize = 24;
    fn put(&self, out: &mut Vec<u8>) {
        self.time.put(out);
        self.name.put(out);
        self.attrs.put(out);
        self.dropped_attrs.put(out);
    }
    fn get(b: &[u8]) -> Option<Self> {
        Some(Event {
            time: i64::get(&b[..8])?,
            name: Sym::get(&b[8..12])?,
            attrs: Range32::get(&b[12..20])?,
            dropped_attrs: u32::get(&b[20..])?,
        })
    }
}

fn column<T: Fixed>(items: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(items.len() * T::WIDTH);
    for x in items {
        x.put(&mut out);
    }
    out
}

/// `n` elements from `bytes` (exactly `n * WIDTH` of them); `what` names
/// the column in the error.
fn decode<T: Fixed>(bytes: &[u8], n: usize, what: &str) -> Result<Vec<T>, String> {
    if bytes.len() != n * T::WIDTH {
        return Err(format!(
            "column {what} has {} bytes for {n} rows",
            bytes.len()
        ));
    }
    let mut out = Vec::with_capacity(n);
    for (i, b) in bytes.chunks_exact(T::WIDTH).enumerate() {
        out.push(T::get(b).ok_or_else(|| format!("column {what} row {i} is damaged"))?);
    }
    Ok(out)
}

/// Calls `$m!` with the span columns, in the order they are written.
macro_rules! span_fields {
    ($m:ident) => {
        $m!(
            trace id parent_id scope service name kind start duration status status_message
            attrs events links dropped flags parent depth
        )
    };
}

fn span_columns(spans: &Spans) -> Vec<ByteBuf> {
    macro_rules! encode {
        ($($f:ident)*) => { vec![$(ByteBuf::from(column(&spans.$f))),*] };
    }
    span_fields!(encode)
}

fn spans_from(columns: &[&Bytes], n: usize) -> Result<Spans, String> {
    let mut columns = columns.iter();
    macro_rules! decode {
        ($($f:ident)*) => {
            Ok(Spans {
                $($f: {
                    let bytes = columns.next().ok_or(concat!("column ", stringify!($f), " is missing"))?;
                    decode(bytes, n, stringify!($f))?
                }),*
            })
        };
    }
    span_fields!(decode)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Fixed + PartialEq + std::fmt::Debug>(items: &[T]) {
        let bytes = column(items);
        assert_eq!(bytes.len(), items.len() * T::WIDTH);
        assert_eq!(&decode::<T>(&bytes, items.len(), "x").unwrap(), items);
    }

    #[test]
    fn every_column_value_reads_back() {
        let mut strings = Strings::default();
        let sym = strings.intern("op");
        round_trip(&[0u32, 1, u32::MAX]);
        round_trip(&[i64::MIN, -1, 0, i64::MAX]);
        round_trip(&[sym]);
        round_trip(&[Text::from_bits(0), Text::from_bits(u64::MAX)]);
        round_trip(&[
            Range32::new(3, 9),
            Range32 {
                start: u32::MAX,
                len: 0,
            },
        ]);
        round_trip(&[Dropped {
            attrs: 1,
            events: 2,
            links: u32::MAX,
        }]);
        round_trip(&[SpanFlags::empty(), SpanFlags::all(), SpanFlags::ORPHAN]);
        let kinds = [
            SpanKind::Unspecified,
            SpanKind::Internal,
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Producer,
            SpanKind::Consumer,
        ];
        round_trip(&kinds);
        round_trip(&[StatusCode::Unset, StatusCode::Ok, StatusCode::Error]);
        let ids = [SpanId::Hex(0), SpanId::Hex(u64::MAX), SpanId::Text(sym)];
        round_trip(&ids);
        round_trip(&[None, Some(SpanId::Hex(7)), Some(SpanId::Text(sym))]);
        let event = Event {
            time: -5,
            name: sym,
            attrs: Range32::new(1, 4),
            dropped_attrs: 2,
        };
        let back = decode::<Event>(&column(std::slice::from_ref(&event)), 1, "events").unwrap();
        assert_eq!(format!("{:?}", back[0]), format!("{event:?}"));
    }

    #[test]
    fn damaged_columns_are_errors() {
        // Unknown tags and flags, and a column of the wrong length.
        assert!(decode::<SpanKind>(&[6], 1, "kind").is_err());
        assert!(decode::<StatusCode>(&[3], 1, "status").is_err());
        assert!(decode::<SpanFlags>(&[0, 0x80], 1, "flags").is_err());
        assert!(decode::<Option<SpanId>>(&[3, 0, 0, 0, 0, 0, 0, 0, 0], 1, "parent_id").is_err());
        assert!(decode::<Sym>(&u32::MAX.to_le_bytes(), 1, "name").is_err());
        let e = decode::<u32>(&[0; 7], 2, "trace").unwrap_err();
        assert_eq!(e, "column trace has 7 bytes for 2 rows");
    }
}
