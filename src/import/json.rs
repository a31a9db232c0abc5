//! serde building blocks shared by the importers.
//!
//! Importers deserialize straight into the store with `DeserializeSeed`s: no
//! `serde_json::Value` tree and no per-span structs (a `Value` tree of a 100 MB
//! file costs seconds in wasm). Strings arrive borrowed from the input and are
//! interned or copied into the text arena once. The pieces here read the loose
//! spellings real files use: numbers as strings, enums as names or integers.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{limits, Sink};
use crate::model::{Attr, Event, Link, Range32, Store};

/// A JSON object read with access to the sink (to intern names and push
/// attributes while it is read). Each format implements it for its small
/// objects (an OTLP KeyValue, a Jaeger tag, a Zipkin annotation...); [`One`],
/// [`Many`] and [`Arena`] read one, a list, or a list into a store arena.
pub trait Object {
    type Out;
    /// What the object is, for error messages ("a Jaeger tag").
    const WHAT: &'static str;
    /// What a list of them holds, for notes ("attributes"), and the most
    /// one list keeps ([`limits`]): the rest is skipped unread, and noted.
    const MANY: &'static str = "attributes";
    const LIMIT: usize = limits::MAX_ATTRS;
    fn read<'de, A: MapAccess<'de>>(sink: &mut Sink, map: A) -> Result<Self::Out, A::Error>;
    /// What a JSON null reads as; `None` makes null an error.
    fn null() -> Option<Self::Out> {
        None
    }
}

/// Reads one [`Object`].
pub struct One<'a, 's, R>(pub &'a mut Sink<'s>, PhantomData<fn() -> R>);

impl<'a, 's, R> One<'a, 's, R> {
    pub fn new(sink: &'a mut Sink<'s>) -> Self {
        One(sink, PhantomData)
    }
}

impl<'de, R: Object> DeserializeSeed<'de> for One<'_, '_, R> {
    type Value = R::Out;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<R::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, R: Object> Visitor<'de> for One<'_, '_, R> {
    type Value = R::Out;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(R::WHAT)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<R::Out, A::Error> {
        R::read(self.0, map)
    }
    fn visit_unit<E: de::Error>(self) -> Result<R::Out, E> {
        R::null().ok_or_else(|| E::custom(format!("expected {}, found null", R::WHAT)))
    }
}

/// Reads an array of [`Object`]s (null: none).
pub struct Many<'a, 's, R>(pub &'a mut Sink<'s>, PhantomData<fn() -> R>);

impl<'a, 's, R> Many<'a, 's, R> {
    pub fn new(sink: &'a mut Sink<'s>) -> Self {
        Many(sink, PhantomData)
    }
}

impl<'de, R: Object> DeserializeSeed<'de> for Many<'_, '_, R> {
    type Value = Vec<R::Out>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<R::Out>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, R: Object> Visitor<'de> for Many<'_, '_, R> {
    type Value = Vec<R::Out>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {}", R::WHAT)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<R::Out>, A::Error> {
        let mut out = Vec::new();
        while out.len() < R::LIMIT {
            match seq.next_element_seed(One::<R>::new(&mut *self.0))? {
                Some(x) => out.push(x),
                None => return Ok(out),
            }
        }
        over_limit::<R, A>(self.0, seq, out.len())?;
        Ok(out)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<R::Out>, E> {
        Ok(Vec::new())
    }
}

/// The store arena a kind of object is appended to.
pub trait Stored: Sized {
    fn arena(store: &mut Store) -> &mut Vec<Self>;
}

impl Stored for Attr {
    fn arena(store: &mut Store) -> &mut Vec<Attr> {
        &mut store.attrs
    }
}

impl Stored for Event {
    fn arena(store: &mut Store) -> &mut Vec<Event> {
        &mut store.events
    }
}

impl Stored for Link {
    fn arena(store: &mut Store) -> &mut Vec<Link> {
        &mut store.links
    }
}

/// What reading one list element gives: an element to keep, or none (a
/// link whose id could not be read, left out).
pub trait Kept {
    type Item: Stored;
    fn kept(self) -> Option<Self::Item>;
}

impl Kept for Attr {
    type Item = Attr;
    fn kept(self) -> Option<Attr> {
        Some(self)
    }
}

impl Kept for Event {
    type Item = Event;
    fn kept(self) -> Option<Event> {
        Some(self)
    }
}

impl Kept for Link {
    type Item = Link;
    fn kept(self) -> Option<Link> {
        Some(self)
    }
}

impl Kept for Option<Link> {
    type Item = Link;
    fn kept(self) -> Option<Link> {
        self
    }
}

/// Reads an array of [`Object`]s straight into their store arena: a span's
/// attributes, events or links, as one [`Range32`] (null: empty). Reading an
/// element may push to *other* arenas (an event's attributes), never to this
/// one, so the range stays contiguous.
pub struct Arena<'a, 's, R>(pub &'a mut Sink<'s>, PhantomData<fn() -> R>);

impl<'a, 's, R> Arena<'a, 's, R> {
    pub fn new(sink: &'a mut Sink<'s>) -> Self {
        Arena(sink, PhantomData)
    }
}

impl<'de, R: Object> DeserializeSeed<'de> for Arena<'_, '_, R>
where
    R::Out: Kept,
{
    type Value = Range32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Range32, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, R: Object> Visitor<'de> for Arena<'_, '_, R>
where
    R::Out: Kept,
{
    type Value = Range32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {}", R::WHAT)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Range32, A::Error> {
        type Item<R> = <<R as Object>::Out as Kept>::Item;
        let start = Item::<R>::arena(self.0.store).len();
        let mut read = 0;
        while read < R::LIMIT {
            match seq.next_element_seed(One::<R>::new(&mut *self.0))? {
                Some(x) => {
                    read += 1;
                    if let Some(x) = x.kept() {
                        Item::<R>::arena(self.0.store).push(x);
                    }
                }
                None => return Ok(Range32::new(start, Item::<R>::arena(self.0.store).len())),
            }
        }
        over_limit::<R, A>(self.0, seq, read)?;
        Ok(Range32::new(start, Item::<R>::arena(self.0.store).len()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Range32, E> {
        Ok(Range32::default())
    }
}

/// A list that reached its limit after `kept` elements: the rest is skipped
/// unread (counted), and the span is told when there was more.
#[cold]
fn over_limit<'de, R: Object, A: SeqAccess<'de>>(
    sink: &mut Sink,
    mut seq: A,
    kept: usize,
) -> Result<(), A::Error> {
    let mut more = 0;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        more += 1;
    }
    if more > 0 {
        sink.issue(limits::cut_list(kept + more, R::MANY, kept));
    }
    Ok(())
}

/// A map key or string that borrows from the input unless it had escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads a string (or null, or a number, which some writers use for names) and
/// gives it to `f` without allocating. `None` for null.
pub struct StrWith<F>(pub F);

impl<'de, T, F: FnOnce(&str) -> T> DeserializeSeed<'de> for StrWith<F> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        struct V<F>(F);
        impl<'de, T, F: FnOnce(&str) -> T> Visitor<'de> for V<F> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
                Ok(Some((self.0)(&limits::cut(v))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
                Ok(Some((self.0)(&v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
                Ok(Some((self.0)(&v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
                Ok(Some((self.0)(&v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
                Ok(Some((self.0)(if v { "true" } else { "false" })))
            }
        }
        d.deserialize_any(V(self.0))
    }
}

/// A string whose content must be checked where it is read, so that an error
/// carries the input position: `f` returns `Err(message)` to reject it.
pub struct StrCheck<F>(pub F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> DeserializeSeed<'de> for StrCheck<F> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        struct V<F>(F);
        impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for V<F> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
                (self.0)(v).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<T, E> {
                (self.0)("").map_err(E::custom)
            }
        }
        d.deserialize_any(V(self.0))
    }
}

/// A 64-bit unsigned integer written as a JSON number or a decimal string (the
/// proto3 JSON mapping writes uint64 as strings; many writers use numbers).
/// `None` for null. Never goes through f64: nanosecond epochs exceed 2^53.
pub struct LooseU64;

impl<'de> DeserializeSeed<'de> for LooseU64 {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<u64>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an unsigned integer (a number or a decimal string)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<u64>, E> {
                Ok(Some(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<u64>, E> {
                u64::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format!("expected an unsigned integer, got {v}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<u64>, E> {
                if (0.0..1.8e19).contains(&v) {
                    Ok(Some(v as u64))
                } else {
                    Err(E::custom(format!(
                        "expected an unsigned integer, got {}",
                        super::error::rounded(v)
                    )))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<u64>, E> {
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse::<u64>().map(Some).map_err(|_| {
                    E::custom(format!(
                        "expected an unsigned integer, got the string {v:?}"
                    ))
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<u64>, E> {
                Ok(None)
            }
        }
        d.deserialize_any(V)
    }
}

/// A time (or a duration) as a file wrote it: a 64-bit unsigned integer,
/// as a JSON number or a decimal string, like [`LooseU64`]; but a value
/// that is not one (negative, past u64, a date string) is kept aside for the
/// span to flag, not an error that refuses the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Time {
    /// Null, or an empty string.
    #[default]
    Missing,
    At(u64),
    Negative(i64),
    /// Anything else, as written (at most 100 characters of it; boxed, so
    /// that a time is two words, as the common case wants).
    NotATime(Box<String>),
}

impl Time {
    /// The value when it is one.
    pub fn value(&self) -> Option<u64> {
        match self {
            Time::At(v) => Some(*v),
            _ => None,
        }
    }

    /// Whether a value was given but is not a time.
    pub fn is_bad(&self) -> bool {
        matches!(self, Time::Negative(_) | Time::NotATime(_))
    }

    /// What the file wrote, for a note: `-5`, `"2024-01-01"`.
    pub fn written(&self) -> String {
        match self {
            Time::Missing => "null".into(),
            Time::At(v) => v.to_string(),
            Time::Negative(v) => v.to_string(),
            Time::NotATime(s) => s.as_ref().clone(),
        }
    }
}

/// Reads a [`Time`].
pub struct LooseTime;

impl<'de> DeserializeSeed<'de> for LooseTime {
    type Value = Time;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Time, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Time;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a time (a number or a decimal string)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Time, E> {
                Ok(Time::At(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Time, E> {
                Ok(u64::try_from(v).map_or(Time::Negative(v), Time::At))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Time, E> {
                if (0.0..1.8e19).contains(&v) {
                    Ok(Time::At(v as u64))
                } else if v.abs() >= 1e16 {
                    // Past 2^53 an f64 has no exact digits to show.
                    Ok(Time::NotATime(Box::new(format!("{v:e}"))))
                } else {
                    Ok(Time::NotATime(Box::new(v.to_string())))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Time, E> {
                if v.is_empty() {
                    return Ok(Time::Missing);
                }
                Ok(match v.parse::<u64>() {
                    Ok(n) => Time::At(n),
                    Err(_) => match v.parse::<i64>() {
                        Ok(n) => Time::Negative(n),
                        Err(_) => Time::NotATime(Box::new(format!(
                            "{:?}",
                            crate::model::units::clip(v, 100)
                        ))),
                    },
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Time, E> {
                Ok(Time::Missing)
            }
        }
        d.deserialize_any(V)
    }
}

/// An enum written as its integer or its name (`2`, `"SPAN_KIND_SERVER"`).
pub enum IntOrName<'de> {
    Int(i64),
    Name(Cow<'de, str>),
    Null,
}

impl<'de> de::Deserialize<'de> for IntOrName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an enum integer or name")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(i64::try_from(v).unwrap_or(-1)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(IntOrName::Int(v as i64))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(match v.parse::<i64>() {
                    Ok(n) => IntOrName::Int(n),
                    Err(_) => IntOrName::Name(Cow::Borrowed(v)),
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(match v.parse::<i64>() {
                    Ok(n) => IntOrName::Int(n),
                    Err(_) => IntOrName::Name(Cow::Owned(v.to_owned())),
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(IntOrName::Null)
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON scalar of any type, for Jaeger tag values whose JSON type often
/// disagrees with their declared `type`.
#[derive(Debug, PartialEq)]
pub enum Scalar<'de> {
    Str(Cow<'de, str>),
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Null,
    /// An array or object where a scalar was expected (kept as JSON text).
    Json(String),
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::F64(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(limits::cut(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(limits::cut(v).into_owned())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            // An array or object kept as its JSON text, itself a string
            // under the length limit: once it passes, the rest is skipped.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = String::from("[");
                while out.len() <= limits::MAX_STRING_BYTES {
                    match seq.next_element::<Scalar>()? {
                        Some(v) => {
                            if out.len() > 1 {
                                out.push(',');
                            }
                            out.push_str(&v.to_json());
                        }
                        None => {
                            out.push(']');
                            return Ok(Scalar::Json(limits::cut_owned(out)));
                        }
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Json(limits::cut_owned(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = String::from("{");
                while out.len() <= limits::MAX_STRING_BYTES {
                    match map.next_key::<Key>()? {
                        Some(k) => {
                            let v = map.next_value::<Scalar>()?;
                            if out.len() > 1 {
                                out.push(',');
                            }
                            out.push_str(&format!("{:?}:{}", limits::cut(&k.0), v.to_json()));
                        }
                        None => {
                            out.push('}');
                            return Ok(Scalar::Json(limits::cut_owned(out)));
                        }
                    }
                }
                while map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(Scalar::Json(limits::cut_owned(out)))
            }
        }
        d.deserialize_any(V)
    }
}

impl Scalar<'_> {
    fn to_json(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Bool(b) => b.to_string(),
            Scalar::I64(n) => n.to_string(),
            Scalar::U64(n) => n.to_string(),
            Scalar::F64(f) => f.to_string(),
            Scalar::Null => "null".into(),
            Scalar::Json(s) => s.clone(),
        }
    }

    /// As text, for tags declared as strings and for names.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Str(s) => Cow::Borrowed(s.as_ref()),
            Scalar::Null => Cow::Borrowed(""),
            other => Cow::Owned(other.to_json()),
        }
    }
}

/// Skips a value of any shape.
pub fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// A string where a span should be: the placeholder of a span another part
/// keeps ([`super::blank`]), skipped, or the error a span visitor gives for a
/// string.
pub fn span_or_placeholder<E: de::Error>(
    sink: &mut Sink,
    s: &str,
    expected: &dyn de::Expected,
) -> Result<(), E> {
    if sink.placeholder(s) {
        Ok(())
    } else {
        Err(E::invalid_type(de::Unexpected::Str(s), expected))
    }
}

/// Reads a span list element: an object, or (when other parts' spans were
/// blanked) any value, so that a placeholder reaches `visit_borrowed_str`.
pub fn span_element<'de, D: Deserializer<'de>, V: Visitor<'de>>(
    has_placeholders: bool,
    d: D,
    visitor: V,
) -> Result<V::Value, D::Error> {
    if has_placeholders {
        d.deserialize_any(visitor)
    } else {
        d.deserialize_map(visitor)
    }
}

/// Skips the rest of an object whose key was just read: the key's value and
/// every entry after it (a span another part of the file keeps).
pub fn skip_rest<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    skip(map)?;
    while map.next_key::<IgnoredAny>()?.is_some() {
        skip(map)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeSeed;

    fn u64_of(json: &str) -> Result<Option<u64>, serde_json::Error> {
        LooseU64.deserialize(&mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn loose_u64_reads_strings_and_numbers_exactly() {
        assert_eq!(
            u64_of("\"1544712660300000000\"").unwrap(),
            Some(1_544_712_660_300_000_000)
        );
        assert_eq!(
            u64_of("1544712660300000001").unwrap(),
            Some(1_544_712_660_300_000_001)
        );
        assert_eq!(
            u64_of("\"11651379494838206464\"").unwrap(),
            Some(11_651_379_494_838_206_464)
        );
        assert_eq!(u64_of("null").unwrap(), None);
        assert_eq!(u64_of("\"\"").unwrap(), None);
        assert!(u64_of("\"12abc\"").is_err());
        assert!(u64_of("-5").is_err());
    }

    #[test]
    fn scalars() {
        let s: Scalar = serde_json::from_str("\"true\"").unwrap();
        assert_eq!(s, Scalar::Str(Cow::Borrowed("true")));
        let s: Scalar = serde_json::from_str("9007199254740993").unwrap();
        assert_eq!(s, Scalar::U64(9_007_199_254_740_993));
        let s: Scalar = serde_json::from_str("[1,\"a\"]").unwrap();
        assert_eq!(s.as_text(), "[1,\"a\"]");
    }
}
