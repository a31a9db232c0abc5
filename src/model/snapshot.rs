//! A store as bytes: what the parsing worker hands to the main thread.
//!
//! postcard (serde) encodes everything, except the attribute arena, which is
//! most of a store (10+ attributes per span) and would cost ~60 ns per
//! attribute through serde's enum machinery. It travels as columns of raw
//! little-endian bytes instead (key, tag, 8-byte payload), so reading it back
//! is one tight loop; the rare nested values (arrays, maps, bytes) go through
//! serde on the side.

use serde::{Deserialize, Serialize};

use super::store::{Event, Link, Resource, Scope, SourceFile, Spans, Store, Trace};
use super::strings::{Strings, Text, TextArena};
use super::value::{Attr, Value};

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
    spans: &'a Spans,
    #[serde(with = "serde_bytes")]
    attr_keys: &'a [u8],
    #[serde(with = "serde_bytes")]
    attr_tags: &'a [u8],
    #[serde(with = "serde_bytes")]
    attr_payloads: &'a [u8],
    attr_nested: Vec<&'a Value>,
    events: &'a [Event],
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
    spans: Spans,
    #[serde(borrow, with = "serde_bytes")]
    attr_keys: &'a [u8],
    #[serde(borrow, with = "serde_bytes")]
    attr_tags: &'a [u8],
    #[serde(borrow, with = "serde_bytes")]
    attr_payloads: &'a [u8],
    attr_nested: Vec<Value>,
    events: Vec<Event>,
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
            spans: &self.spans,
            attr_keys: &keys,
            attr_tags: &tags,
            attr_payloads: &payloads,
            attr_nested: nested,
            events: &self.events,
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
        let (keys, tags, payloads) = (w.attr_keys, w.attr_tags, w.attr_payloads);
        let mut nested = w.attr_nested.into_iter();
        let other = Store {
            strings: w.strings,
            text: w.text,
            files: w.files,
            traces: w.traces,
            spans: w.spans,
            attrs: Vec::new(),
            events: w.events,
            links: w.links,
            resources: w.resources,
            scopes: w.scopes,
        };
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
