//! Export round trips: every real trace file that imports, the built-in demo
//! and a big generated trace are imported; each trace is exported as OTLP/JSON
//! and as Jaeger JSON, the output imported into a fresh store and compared
//! span by span with the original (matched by position: Jaeger keeps the store
//! order, OTLP the order `export::otlp::span_order` reports, and the span id
//! is checked at every position).
//!
//! The comparisons are exact. Where a format cannot say something, the
//! expectation is the precise documented consequence (see `src/export/`), and
//! every such exception is counted and printed (`--nocapture`):
//! - OTLP has no FOLLOWS_FROM: the flag is expected cleared; link kinds come
//!   back as plain links (with an `opentracing.ref_type` attribute).
//! - OTLP reads a start time of 0 as "unset": such a span comes back flagged
//!   NO_START, its times placed by the tree builder.
//! - Opaque ids are FNV-1a hashed in OTLP (`export::otlp::span_id_value`).
//! - Jaeger has µs times: start, duration and event times are compared
//!   truncated to µs on both sides.
//! - Jaeger has no array/map tags: they come back as their JSON text (compared
//!   as parsed JSON); kind and status come back through added `span.kind`,
//!   `error`, `otel.status_code`, `otel.status_description` tags, and the scope
//!   through `otel.scope.name` / `otel.scope.version` (the only extra tags
//!   allowed); a log gets an `event` field with its name (the only extra event
//!   attribute allowed); link attributes and dropped counts are lost.
//! - Jaeger takes a span's first same-trace reference as its parent: a root
//!   span with a link into its own trace comes back as that span's child.
//! - Jaeger tags can add an error but not remove one: a span whose own
//!   `error` / `otel.status_code` attribute contradicts its status comes back
//!   with the status those attributes say.
//! - Zipkin shared server halves come back under a fresh span id (Jaeger's
//!   ZipkinSpanIDUniquifier rule), with the client half as declared parent and
//!   their children re-pointed at the fresh id; the tree is unchanged.

#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::time::Instant;

use base64::Engine;
use strata::export::{self, otlp};
use strata::import;
use strata::model::{Attr, LinkKind, SpanFlags, SpanId, StatusCode, Store, TraceId, Value, NONE};

use common::{real_files, traces_dir};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fmt {
    Otlp,
    Jaeger,
}

const BOTH: [Fmt; 2] = [Fmt::Otlp, Fmt::Jaeger];

fn export(store: &Store, t: u32, fmt: Fmt) -> Vec<u8> {
    match fmt {
        Fmt::Otlp => export::otlp_json(store, t),
        Fmt::Jaeger => export::jaeger_json(store, t),
    }
}

// ---------------------------------------------------------------------------
// Inputs

/// Files of ../shared/traces that are recognised and refused (as in
/// tests/real_traces.rs); every other file must import and round-trip.
const REFUSED: &[&str] = &[
    "otlp/otlp2parquet__invalid-trace_invalid_base64.json",
    "otlp/otlp2parquet__invalid-trace_mixed_encoding.json",
    "tempo/kiali__tracingtest-response.json",
    "tempo/kiali__tracingtest-responseAmbient.json",
    "zipkin/zipkin-lens__test-v1-2019.json",
];

fn load(name: &str, bytes: &[u8]) -> Store {
    let mut store = Store::default();
    import::load(&mut store, name, bytes).unwrap_or_else(|e| panic!("{e}"));
    store
}

fn big_bytes(spans: usize, seed: u64) -> Vec<u8> {
    let (spans, resources) = strata::demo::big::generate(spans, seed);
    let mut out = Vec::new();
    strata::demo::synth::write_jaeger_json(&spans, &resources, &mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------
// Owned values, comparable across stores

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum V {
    Str(String),
    Bool(bool),
    Int(i64),
    /// f64 bits, NaNs canonical.
    Double(u64),
    Bytes(Vec<u8>),
    Array(Vec<V>),
    Map(Attrs),
    Empty,
}

/// Attributes as (key, value) pairs.
type Attrs = Vec<(String, V)>;

fn own(s: &Store, v: &Value) -> V {
    match v {
        Value::Str(t) => V::Str(s.text(*t).to_owned()),
        Value::Bool(b) => V::Bool(*b),
        Value::Int(n) => V::Int(*n),
        Value::Double(f) if f.is_nan() => V::Double(f64::NAN.to_bits()),
        Value::Double(f) => V::Double(f.to_bits()),
        Value::Bytes(b) => V::Bytes(b.to_vec()),
        Value::Array(items) => V::Array(items.iter().map(|x| own(s, x)).collect()),
        Value::Map(entries) => V::Map(own_attrs(s, entries)),
        Value::Empty => V::Empty,
    }
}

fn own_attrs(s: &Store, attrs: &[Attr]) -> Attrs {
    attrs
        .iter()
        .map(|a| (s.str(a.key).to_owned(), own(s, &a.value)))
        .collect()
}

fn to_json(v: &V) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        V::Str(s) => J::String(s.clone()),
        V::Bool(b) => J::Bool(*b),
        V::Int(n) => J::from(*n),
        V::Double(bits) => {
            let f = f64::from_bits(*bits);
            match serde_json::Number::from_f64(f) {
                Some(n) => J::Number(n),
                None if f.is_nan() => J::String("NaN".into()),
                None if f > 0.0 => J::String("Infinity".into()),
                None => J::String("-Infinity".into()),
            }
        }
        V::Bytes(b) => J::String(base64::engine::general_purpose::STANDARD.encode(b)),
        V::Array(items) => J::Array(items.iter().map(to_json).collect()),
        V::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                m.insert(k.clone(), to_json(v));
            }
            J::Object(m)
        }
        V::Empty => J::Null,
    }
}

/// A value as Jaeger carries it: arrays and maps are strings of their JSON
/// text, compared as parsed JSON (so are strings holding a JSON array or
/// object, on both sides alike).
fn jaeger_view(v: V) -> V {
    match v {
        V::Array(_) | V::Map(_) => V::Str(to_json(&v).to_string()),
        V::Str(s) => match serde_json::from_str::<serde_json::Value>(&s) {
            Ok(j) if j.is_array() || j.is_object() => V::Str(j.to_string()),
            _ => V::Str(s),
        },
        other => other,
    }
}

fn sorted(mut v: Attrs) -> Attrs {
    v.sort();
    v
}

/// `actual` minus `expected` (multisets), or the expected entries missing.
fn multiset_extra(expected: &[(String, V)], actual: &[(String, V)]) -> Result<Attrs, Attrs> {
    let mut rest: Vec<Option<&(String, V)>> = actual.iter().map(Some).collect();
    let mut missing = Vec::new();
    for e in expected {
        match rest.iter().position(|a| *a == Some(e)) {
            Some(p) => rest[p] = None,
            None => missing.push(e.clone()),
        }
    }
    if missing.is_empty() {
        Ok(rest.into_iter().flatten().cloned().collect())
    } else {
        Err(missing)
    }
}

// ---------------------------------------------------------------------------
// Comparison

/// Failures and counted documented exceptions of a run.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    exceptions: HashMap<&'static str, usize>,
    spans: usize,
}

impl Report {
    fn fail(&mut self, msg: String) {
        if self.failures.len() < 200 {
            self.failures.push(msg);
        }
    }

    fn note(&mut self, what: &'static str) {
        *self.exceptions.entry(what).or_default() += 1;
    }

    fn finish(self, what: &str) {
        let mut ex: Vec<_> = self.exceptions.into_iter().collect();
        ex.sort();
        eprintln!("{what}: {} span comparisons", self.spans);
        for (k, n) in &ex {
            eprintln!("  documented exception x{n}: {k}");
        }
        assert!(
            self.failures.is_empty(),
            "{what}: {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

const JAEGER_ADDED_TAGS: &[&str] = &[
    "span.kind",
    "error",
    "otel.status_code",
    "otel.status_description",
    "otel.scope.name",
    "otel.scope.version",
];

const MATTER: SpanFlags = SpanFlags::ORPHAN
    .union(SpanFlags::DUPLICATE_ID)
    .union(SpanFlags::CYCLE)
    .union(SpanFlags::FOLLOWS_FROM);

/// Trace id as the format writes it, as text.
fn trace_text(s: &Store, id: TraceId, fmt: Fmt) -> String {
    match fmt {
        Fmt::Otlp => format!("{:032x}", otlp::trace_id_value(s, id)),
        Fmt::Jaeger => id.to_text(&s.strings),
    }
}

/// Span id as the format writes it, as text.
fn span_text(s: &Store, id: SpanId, fmt: Fmt) -> String {
    match fmt {
        Fmt::Otlp => format!("{:016x}", otlp::span_id_value(s, id)),
        Fmt::Jaeger => id.to_text(&s.strings),
    }
}

fn truncate_us(ns: i64) -> i64 {
    ns.max(0) / 1000 * 1000
}

/// Exports trace `t` of `orig` as `fmt`, re-imports it and compares.
fn round_trip(orig: &Store, t: u32, fmt: Fmt, label: &str, r: &mut Report) {
    let label = format!("{label} [trace {t}, {fmt:?}]");
    let bytes = export(orig, t, fmt);
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(j) => j,
        Err(e) => return r.fail(format!("{label}: output is not JSON: {e}")),
    };
    check_envelope(&json, fmt, &label, r);
    let trace = &orig.traces[t as usize];
    let n = trace.span_count();
    let mut re = Store::default();
    if let Err(e) = import::load(&mut re, "export", &bytes) {
        return r.fail(format!("{label}: re-import failed: {e}"));
    }
    if re.traces.len() != 1 || re.traces[0].span_count() != n {
        return r.fail(format!(
            "{label}: re-import gave {} traces / {} spans, expected 1 / {n}",
            re.traces.len(),
            re.spans.len()
        ));
    }
    let rt = &re.traces[0];
    if trace_text(&re, rt.id, fmt) != trace_text(orig, trace.id, fmt) {
        r.fail(format!(
            "{label}: trace id {} != {}",
            trace_text(&re, rt.id, fmt),
            trace_text(orig, trace.id, fmt)
        ));
    }

    // Position k of the re-imported trace holds original span order[k].
    let order: Vec<usize> = match fmt {
        Fmt::Otlp => otlp::span_order(orig, t)
            .into_iter()
            .map(|i| i as usize)
            .collect(),
        Fmt::Jaeger => trace.spans.range().collect(),
    };
    assert_eq!(order.len(), n, "{label}: span_order length");
    let mut re_of: HashMap<usize, usize> = HashMap::new();
    for (k, &i) in order.iter().enumerate() {
        re_of.insert(i, rt.spans.start as usize + k);
    }

    // Zipkin shared server halves whose client half is in the trace are renamed.
    let os = &orig.spans;
    let range = trace.spans.range();
    let shared = |i: usize| os.flags[i].contains(SpanFlags::SHARED);
    let client_ids: Vec<SpanId> = range
        .clone()
        .filter(|&i| !shared(i))
        .map(|i| os.id[i])
        .collect();
    let renamed = |i: usize| shared(i) && client_ids.contains(&os.id[i]);
    let mut fresh: HashMap<SpanId, SpanId> = HashMap::new();
    for i in range.clone().filter(|&i| renamed(i)) {
        let new = re.spans.id[re_of[&i]];
        let prev = *fresh.entry(os.id[i]).or_insert(new);
        if prev != new {
            r.fail(format!(
                "{label}: halves of one shared id renamed differently"
            ));
        }
        if range
            .clone()
            .any(|k| span_text(orig, os.id[k], fmt) == span_text(&re, new, fmt))
        {
            r.fail(format!(
                "{label}: fresh id of a shared span is already used"
            ));
        }
        r.note("Zipkin shared server half written under a fresh span id");
    }

    let mut seen_scopes: HashMap<u32, ()> = HashMap::new();
    for &i in &order {
        r.spans += 1;
        let j = re_of[&i];
        let rs = &re.spans;
        let name = orig.str(os.name[i]);
        let at = format!("{label} span {} {name:?}", span_text(orig, os.id[i], fmt));
        let mut errs: Vec<String> = Vec::new();
        let mut fail = |msg: String| errs.push(msg);

        // Ids.
        let expect_id = match fresh.get(&os.id[i]).filter(|_| renamed(i)) {
            Some(&new) => span_text(&re, new, fmt),
            None => span_text(orig, os.id[i], fmt),
        };
        if span_text(&re, rs.id[j], fmt) != expect_id {
            fail(format!(
                "id {} != {expect_id}",
                span_text(&re, rs.id[j], fmt)
            ));
        }
        let mut expect_parent = if renamed(i) {
            Some(span_text(orig, os.id[i], fmt))
        } else {
            os.parent_id[i].map(|p| match fresh.get(&p) {
                Some(&new) => span_text(&re, new, fmt),
                None => span_text(orig, p, fmt),
            })
        };
        // Jaeger: a root's first same-trace link becomes its parent.
        let mut links_expected: Vec<(String, String, LinkKind)> = orig
            .span_links(i as u32)
            .iter()
            .map(|l| {
                (
                    trace_text(orig, l.trace_id, fmt),
                    span_text(orig, l.span_id, fmt),
                    l.kind,
                )
            })
            .collect();
        let mut tree_changed = false;
        let mut expect_flags = os.flags[i] & MATTER;
        if fmt == Fmt::Jaeger && expect_parent.is_none() {
            let own_trace = trace_text(orig, trace.id, fmt);
            let same = |l: &(String, String, LinkKind)| l.0 == own_trace;
            let pick = links_expected
                .iter()
                .position(|l| same(l) && l.2 == LinkKind::ChildOf)
                .or_else(|| links_expected.iter().position(same));
            if let Some(p) = pick {
                let l = links_expected.remove(p);
                expect_parent = Some(l.1);
                expect_flags.remove(SpanFlags::ORPHAN | SpanFlags::CYCLE);
                if l.2 != LinkKind::ChildOf {
                    expect_flags.insert(SpanFlags::FOLLOWS_FROM);
                }
                tree_changed = true;
                r.note("Jaeger: a root's link into its own trace becomes its parent");
            }
        }
        let got_parent = rs.parent_id[j].map(|p| span_text(&re, p, fmt));
        if got_parent != expect_parent {
            fail(format!(
                "declared parent {got_parent:?} != {expect_parent:?}"
            ));
        }

        // Tree.
        let expect_tree_parent = match os.parent[i] {
            NONE => NONE,
            p => re_of[&(p as usize)] as u32,
        };
        if !tree_changed && rs.parent[j] != expect_tree_parent {
            fail(format!(
                "tree parent {} != {expect_tree_parent}",
                rs.parent[j]
            ));
        }

        // Names, kind, status.
        if re.str(rs.service[j]) != orig.str(os.service[i]) {
            fail(format!(
                "service {:?} != {:?}",
                re.str(rs.service[j]),
                orig.str(os.service[i])
            ));
        }
        if re.str(rs.name[j]) != name {
            fail(format!("name {:?}", re.str(rs.name[j])));
        }
        if rs.kind[j] != os.kind[i] {
            fail(format!("kind {:?} != {:?}", rs.kind[j], os.kind[i]));
        }
        let contradicted = fmt == Fmt::Jaeger
            && os.status[i] != StatusCode::Error
            && orig.span_attrs(i as u32).iter().any(|a| {
                let k = orig.str(a.key);
                k == "error" || k == "otel.status_code"
            });
        if rs.status[j] != os.status[i] {
            if contradicted {
                r.note("Jaeger: status contradicted by the span's own error / otel.status_code attribute");
            } else {
                fail(format!("status {:?} != {:?}", rs.status[j], os.status[i]));
            }
        }
        if re.text(rs.status_message[j]) != orig.text(os.status_message[i]) {
            fail(format!(
                "status message {:?} != {:?}",
                re.text(rs.status_message[j]),
                orig.text(os.status_message[i])
            ));
        }

        // Times.
        let (start, dur) = (os.start[i].max(0), os.duration[i].max(0));
        match fmt {
            Fmt::Otlp if start == 0 => {
                r.note("OTLP: a start time of 0 reads back as unset (NO_START)");
                if !rs.flags[j].contains(SpanFlags::NO_START) {
                    fail("start 0 not read back as unset".into());
                }
            }
            Fmt::Otlp => {
                if (rs.start[j], rs.duration[j]) != (start, dur) {
                    fail(format!(
                        "times {:?} != {:?}",
                        (rs.start[j], rs.duration[j]),
                        (start, dur)
                    ));
                }
                if rs.flags[j].intersects(SpanFlags::NO_START | SpanFlags::BAD_TIME) {
                    fail(format!("time flags {:?}", rs.flags[j]));
                }
            }
            Fmt::Jaeger => {
                let want = (truncate_us(start), truncate_us(dur));
                if (rs.start[j], rs.duration[j]) != want {
                    fail(format!(
                        "times {:?} != {want:?}",
                        (rs.start[j], rs.duration[j])
                    ));
                }
                let bad = SpanFlags::NO_START | SpanFlags::NO_DURATION | SpanFlags::BAD_TIME;
                if rs.flags[j].intersects(bad) {
                    fail(format!("time flags {:?}", rs.flags[j]));
                }
            }
        }
        if os.flags[i].contains(SpanFlags::NO_START) {
            r.note("span without a start in its file, exported where Strata placed it");
        }

        // Flags.
        if fmt == Fmt::Otlp && expect_flags.contains(SpanFlags::FOLLOWS_FROM) {
            expect_flags.remove(SpanFlags::FOLLOWS_FROM);
            r.note("OTLP: FOLLOWS_FROM parent written as a plain parent");
        }
        if rs.flags[j].contains(SpanFlags::SHARED) {
            fail("SHARED flag after round trip".into());
        }
        let got_flags = rs.flags[j] & MATTER;
        let flags_ok = if tree_changed {
            got_flags & SpanFlags::FOLLOWS_FROM == expect_flags & SpanFlags::FOLLOWS_FROM
        } else {
            got_flags == expect_flags
        };
        if !flags_ok {
            fail(format!("flags {got_flags:?} != {expect_flags:?}"));
        }

        // Span attributes.
        let o_attrs = own_attrs(orig, orig.span_attrs(i as u32));
        let r_attrs = own_attrs(&re, re.span_attrs(j as u32));
        match fmt {
            Fmt::Otlp => {
                if sorted(o_attrs.clone()) != sorted(r_attrs.clone()) {
                    fail(format!("attributes {r_attrs:?} != {o_attrs:?}"));
                }
                if rs.dropped[j] != os.dropped[i] {
                    fail(format!(
                        "dropped {:?} != {:?}",
                        rs.dropped[j], os.dropped[i]
                    ));
                }
            }
            Fmt::Jaeger => {
                let view = |a: Attrs| -> Attrs {
                    a.into_iter().map(|(k, v)| (k, jaeger_view(v))).collect()
                };
                match multiset_extra(&view(o_attrs.clone()), &view(r_attrs)) {
                    Err(missing) => fail(format!("attributes lost: {missing:?}")),
                    Ok(extra) => {
                        for (k, _) in &extra {
                            if !JAEGER_ADDED_TAGS.contains(&k.as_str()) {
                                fail(format!("unexpected extra tag {k:?}"));
                            }
                        }
                        if !extra.is_empty() {
                            r.note("Jaeger: kind/status/scope tags added");
                        }
                    }
                }
                if o_attrs
                    .iter()
                    .any(|(_, v)| matches!(v, V::Array(_) | V::Map(_)))
                {
                    r.note("Jaeger: array/map attribute read back as JSON text");
                }
            }
        }

        // Events.
        let (oe, re_ev) = (orig.span_events(i as u32), re.span_events(j as u32));
        if oe.len() != re_ev.len() {
            fail(format!("{} events != {}", re_ev.len(), oe.len()));
        } else {
            for (a, b) in oe.iter().zip(re_ev) {
                let want_time = match fmt {
                    Fmt::Otlp => a.time.max(0),
                    Fmt::Jaeger => truncate_us(a.time),
                };
                if b.time != want_time || re.str(b.name) != orig.str(a.name) {
                    fail(format!(
                        "event {:?}@{} != {:?}@{want_time}",
                        re.str(b.name),
                        b.time,
                        orig.str(a.name)
                    ));
                }
                let (ea, eb) = (
                    own_attrs(orig, orig.attrs_of(a.attrs)),
                    own_attrs(&re, re.attrs_of(b.attrs)),
                );
                match fmt {
                    Fmt::Otlp => {
                        if sorted(ea.clone()) != sorted(eb.clone())
                            || a.dropped_attrs != b.dropped_attrs
                        {
                            fail(format!("event attributes {eb:?} != {ea:?}"));
                        }
                    }
                    Fmt::Jaeger => {
                        let view = |a: Attrs| -> Attrs {
                            a.into_iter().map(|(k, v)| (k, jaeger_view(v))).collect()
                        };
                        match multiset_extra(&view(ea), &view(eb)) {
                            Err(missing) => fail(format!("event attributes lost: {missing:?}")),
                            Ok(extra) => {
                                let name = V::Str(orig.str(a.name).to_owned());
                                if extra.len() > 1
                                    || extra.iter().any(|(k, v)| k != "event" || *v != name)
                                {
                                    fail(format!("unexpected event fields {extra:?}"));
                                }
                                if !extra.is_empty() {
                                    r.note("Jaeger: log gets an `event` field with the event name");
                                }
                            }
                        }
                    }
                }
            }
        }

        // Links.
        let rl = re.span_links(j as u32);
        if rl.len() != links_expected.len() {
            fail(format!("{} links != {}", rl.len(), links_expected.len()));
        } else {
            for (n, (want, got)) in links_expected.iter().zip(rl).enumerate() {
                let got_target = (
                    trace_text(&re, got.trace_id, fmt),
                    span_text(&re, got.span_id, fmt),
                );
                if got_target != (want.0.clone(), want.1.clone()) {
                    fail(format!("link {n} target {got_target:?} != {want:?}"));
                }
                match fmt {
                    Fmt::Otlp => {
                        let o = &orig.span_links(i as u32)[n];
                        let mut ea = own_attrs(orig, orig.attrs_of(o.attrs));
                        match o.kind {
                            LinkKind::Link => {}
                            LinkKind::ChildOf => {
                                ea.push(("opentracing.ref_type".into(), V::Str("child_of".into())))
                            }
                            LinkKind::FollowsFrom => ea.push((
                                "opentracing.ref_type".into(),
                                V::Str("follows_from".into()),
                            )),
                        }
                        if o.kind != LinkKind::Link {
                            r.note("OTLP: link kind written as opentracing.ref_type");
                        }
                        let eb = own_attrs(&re, re.attrs_of(got.attrs));
                        if sorted(ea.clone()) != sorted(eb.clone())
                            || o.dropped_attrs != got.dropped_attrs
                        {
                            fail(format!("link {n} attributes {eb:?} != {ea:?}"));
                        }
                    }
                    Fmt::Jaeger => {
                        let want_kind = match want.2 {
                            LinkKind::ChildOf => LinkKind::ChildOf,
                            LinkKind::FollowsFrom | LinkKind::Link => LinkKind::FollowsFrom,
                        };
                        if got.kind != want_kind {
                            fail(format!("link {n} kind {:?} != {want_kind:?}", got.kind));
                        }
                    }
                }
            }
        }

        // Resource and scope (once per original scope).
        let scope = os.scope[i];
        if seen_scopes.insert(scope, ()).is_none() {
            let o_res = orig.resource_of(i as u32);
            let r_res = re.resource_of(j as u32);
            let service = orig.str(os.service[i]);
            let mut want = o_res
                .map(|res| own_attrs(orig, orig.attrs_of(res.attrs)))
                .unwrap_or_default();
            let has_service = want.iter().any(|(k, _)| k == "service.name");
            match fmt {
                Fmt::Otlp if !has_service && !service.is_empty() => {
                    want.push(("service.name".into(), V::Str(service.into())));
                }
                Fmt::Otlp => {}
                Fmt::Jaeger => want.retain(|(k, _)| k != "service.name"),
            }
            let got = r_res
                .map(|res| own_attrs(&re, re.attrs_of(res.attrs)))
                .unwrap_or_default();
            if sorted(want.clone()) != sorted(got.clone()) {
                fail(format!("resource attributes {got:?} != {want:?}"));
            }
            if fmt == Fmt::Otlp {
                let o_sc = orig.scope_of(i as u32);
                let r_sc = re.scope_of(j as u32);
                let view = |s: &Store, sc: Option<&strata::model::Scope>| {
                    sc.map(|sc| {
                        (
                            s.str(sc.name).to_owned(),
                            s.str(sc.version).to_owned(),
                            own_attrs(s, s.attrs_of(sc.attrs)),
                        )
                    })
                    .unwrap_or_default()
                };
                if view(orig, o_sc) != view(&re, r_sc) {
                    fail(format!(
                        "scope {:?} != {:?}",
                        view(&re, r_sc),
                        view(orig, o_sc)
                    ));
                }
                let dropped =
                    |res: Option<&strata::model::Resource>| res.map_or(0, |r| r.dropped_attrs);
                if dropped(o_res) != dropped(r_res) {
                    fail("resource dropped attributes count".into());
                }
            }
        }
        for e in errs {
            r.fail(format!("{at}: {e}"));
        }
    }
}

fn check_envelope(json: &serde_json::Value, fmt: Fmt, label: &str, r: &mut Report) {
    let ok = match fmt {
        Fmt::Otlp => json["resourceSpans"].is_array(),
        Fmt::Jaeger => {
            json["data"].is_array()
                && json["total"] == 0
                && json["limit"] == 0
                && json["offset"] == 0
                && json["errors"].is_null()
                && json["data"].as_array().unwrap().iter().all(|t| {
                    t["traceID"].is_string()
                        && t["spans"].is_array()
                        && t["processes"].is_object()
                        && t["warnings"].is_null()
                })
        }
    };
    if !ok {
        r.fail(format!("{label}: not the {fmt:?} envelope"));
    }
}

fn round_trip_store(store: &Store, label: &str, r: &mut Report) {
    for t in 0..store.traces.len() as u32 {
        for fmt in BOTH {
            round_trip(store, t, fmt, label, r);
        }
    }
}

// ---------------------------------------------------------------------------
// The round trips

#[test]
fn every_real_file_round_trips() {
    let mut r = Report::default();
    let mut refused = Vec::new();
    let mut loaded = 0;
    for (name, bytes) in real_files() {
        let mut store = Store::default();
        match import::load(&mut store, &name, &bytes) {
            Ok(_) => {
                loaded += 1;
                round_trip_store(&store, &name, &mut r);
            }
            Err(_) => refused.push(name),
        }
    }
    assert_eq!(refused, REFUSED, "files that do not import");
    assert!(loaded >= 40, "only {loaded} real files imported");
    r.finish(&format!("{loaded} real files"));
}

#[test]
fn demo_round_trips() {
    let store = load("demo", &strata::sources::demo::bytes());
    assert!(store.traces.len() > 10);
    let mut r = Report::default();
    round_trip_store(&store, "demo", &mut r);
    r.finish("demo");
}

#[test]
fn big_trace_round_trips() {
    let store = load("big", &big_bytes(5000, 3));
    assert_eq!(store.spans.len(), 5000);
    let mut r = Report::default();
    round_trip_store(&store, "big", &mut r);
    r.finish("big");
}

/// Round-trips a hand-written document and returns the report's exceptions.
fn round_trip_doc(name: &str, doc: &str) -> HashMap<&'static str, usize> {
    let store = load(name, doc.as_bytes());
    let mut r = Report::default();
    round_trip_store(&store, name, &mut r);
    let ex = r.exceptions.clone();
    r.finish(name);
    ex
}

#[test]
fn spans_without_times_are_exported_where_strata_placed_them() {
    // b has no start and no duration: placed at a's start, stretched over c.
    let doc = r#"{"data":[{"traceID":"7","spans":[
        {"traceID":"7","spanID":"a","operationName":"a","startTime":1700000000000001,"duration":50,"processID":"p1"},
        {"traceID":"7","spanID":"b","operationName":"b","references":[{"refType":"CHILD_OF","spanID":"a"}],"processID":"p1"},
        {"traceID":"7","spanID":"c","operationName":"c","references":[{"refType":"CHILD_OF","spanID":"b"}],"startTime":1700000000000010,"duration":20,"processID":"p1"}
    ],"processes":{"p1":{"serviceName":"svc","tags":[]}}}]}"#;
    let store = load("untimed", doc.as_bytes());
    let b = 1;
    assert!(store.spans.flags[b].contains(SpanFlags::NO_START | SpanFlags::NO_DURATION));
    assert_eq!(store.spans.start[b], 1_700_000_000_000_001_000);
    assert_eq!(store.spans.duration[b], 29_000);
    for fmt in BOTH {
        let mut re = Store::default();
        import::load(&mut re, "re", &export(&store, 0, fmt)).unwrap();
        assert_eq!(re.spans.start[b], 1_700_000_000_000_001_000, "{fmt:?}");
        assert_eq!(re.spans.duration[b], 29_000, "{fmt:?}");
        assert!(!re.spans.flags[b].intersects(SpanFlags::NO_START | SpanFlags::NO_DURATION));
    }
    let ex = round_trip_doc("untimed", doc);
    assert_eq!(
        ex["span without a start in its file, exported where Strata placed it"],
        2
    );

    // A start of 0 (a hand-written fixture) is "unset" in OTLP.
    let doc = r#"[{"traceID":"8","spanID":"1","operationName":"zero","startTime":0,"duration":5,"process":{"serviceName":"s"}}]"#;
    let ex = round_trip_doc("zero", doc);
    assert_eq!(
        ex["OTLP: a start time of 0 reads back as unset (NO_START)"],
        1
    );

    // OTLP's Go zero time (BAD_TIME) is written at its placed time.
    let store = load(
        "bad",
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
            {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","name":"r","startTimeUnixNano":"1000","endTimeUnixNano":"5000"},
            {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000002","parentSpanId":"0000000000000001","name":"c",
             "startTimeUnixNano":"11651379494838206464","endTimeUnixNano":"11651379494838206464"}]}]}]}"#,
    );
    assert!(store.spans.flags[1].contains(SpanFlags::BAD_TIME));
    let mut re = Store::default();
    import::load(&mut re, "re", &export::otlp_json(&store, 0)).unwrap();
    assert_eq!(re.spans.start[1], 1000);
    assert!(!re.spans.flags[1].contains(SpanFlags::BAD_TIME));
}

#[test]
fn zipkin_shared_spans_keep_their_tree() {
    // Client and server half of one RPC share id a; c is the server's child.
    let doc = r#"[
        {"traceId":"1","id":"1","name":"root","timestamp":100,"duration":100,"localEndpoint":{"serviceName":"front"}},
        {"traceId":"1","id":"a","parentId":"1","kind":"CLIENT","name":"call","timestamp":110,"duration":50,"localEndpoint":{"serviceName":"front"}},
        {"traceId":"1","id":"a","parentId":"1","kind":"SERVER","shared":true,"name":"serve","timestamp":115,"duration":40,"localEndpoint":{"serviceName":"back"}},
        {"traceId":"1","id":"c","parentId":"a","name":"db","timestamp":120,"duration":10,"localEndpoint":{"serviceName":"back"}}
    ]"#;
    let store = load("shared", doc.as_bytes());
    assert_eq!(store.spans.parent[2], 1);
    assert_eq!(store.spans.parent[3], 2);
    for fmt in BOTH {
        let mut re = Store::default();
        import::load(&mut re, "re", &export(&store, 0, fmt)).unwrap();
        let by_name = |n: &str| {
            (0..re.spans.len())
                .find(|&i| re.str(re.spans.name[i]) == n)
                .unwrap()
        };
        let (client, server, db) = (by_name("call"), by_name("serve"), by_name("db"));
        // Jaeger's rule: the smallest id the trace does not use (1, a, c are used).
        assert_eq!(re.spans.id[server], SpanId::Hex(2), "{fmt:?}");
        assert_eq!(re.spans.parent_id[server], Some(SpanId::Hex(0xa)));
        assert_eq!(re.spans.parent[server] as usize, client);
        assert_eq!(re.spans.parent_id[db], Some(SpanId::Hex(2)));
        assert_eq!(re.spans.parent[db] as usize, server);
        assert!(re
            .spans
            .flags
            .iter()
            .all(|f| !f.contains(SpanFlags::DUPLICATE_ID)));
    }
    let ex = round_trip_doc("shared", doc);
    assert_eq!(
        ex["Zipkin shared server half written under a fresh span id"],
        2
    );
}

#[test]
fn jaeger_references_round_trip() {
    // s: parent r, a second CHILD_OF and a FOLLOWS_FROM in the trace, and a
    // CHILD_OF into another trace (links of each kind); f: FOLLOWS_FROM only.
    let doc = r#"{"data":[{"traceID":"00000000000000000000000000000abc","spans":[
        {"traceID":"abc","spanID":"1","operationName":"r","startTime":10,"duration":100,"processID":"p1"},
        {"traceID":"abc","spanID":"2","operationName":"s","startTime":20,"duration":10,"processID":"p1","references":[
            {"refType":"CHILD_OF","traceID":"abc","spanID":"1"},
            {"refType":"CHILD_OF","traceID":"abc","spanID":"3"},
            {"refType":"FOLLOWS_FROM","traceID":"abc","spanID":"3"},
            {"refType":"CHILD_OF","traceID":"def","spanID":"9"}]},
        {"traceID":"abc","spanID":"3","operationName":"f","startTime":40,"duration":200,"processID":"p2","references":[
            {"refType":"FOLLOWS_FROM","traceID":"abc","spanID":"1"}]}
    ],"processes":{"p1":{"serviceName":"a","tags":[{"key":"ip","type":"string","value":"10.0.0.1"}]},"p2":{"serviceName":"b","tags":[]}}}]}"#;
    let store = load("refs", doc.as_bytes());
    let kinds: Vec<LinkKind> = store.span_links(1).iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [LinkKind::ChildOf, LinkKind::FollowsFrom, LinkKind::ChildOf]
    );
    assert!(store.spans.flags[2].contains(SpanFlags::FOLLOWS_FROM));
    let ex = round_trip_doc("refs", doc);
    assert_eq!(ex["OTLP: link kind written as opentracing.ref_type"], 3);
    assert_eq!(ex["OTLP: FOLLOWS_FROM parent written as a plain parent"], 1);
    let out = String::from_utf8(export::otlp_json(&store, 0)).unwrap();
    assert!(out.contains(r#""key":"opentracing.ref_type","value":{"stringValue":"follows_from"}"#));
    assert!(out.contains(r#""traceId":"00000000000000000000000000000def""#));
}

#[test]
fn opaque_ids_are_hashed_for_otlp() {
    let name = "jaeger/jaeger-ui__TraceGraph-testTrace.json";
    let bytes = std::fs::read(traces_dir().join(name)).unwrap();
    let store = load(name, &bytes);
    assert!(matches!(store.traces[0].id, TraceId::Text(_)));
    let out = String::from_utf8(export::otlp_json(&store, 0)).unwrap();
    let hashed = format!("{:032x}", strata::export::fnv1a_128(b"trace-123"));
    assert!(out.contains(&format!("\"traceId\":\"{hashed}\"")));
    // Jaeger keeps them as text.
    let out = String::from_utf8(export::jaeger_json(&store, 0)).unwrap();
    assert!(out.contains("\"traceID\":\"trace-123\""));
}

#[test]
fn typed_values_and_odd_spans_round_trip() {
    let t = "0af7651916cd43dd8448eb211c80319c";
    let doc = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"host.name","value":{{"stringValue":"h1"}}}}],"droppedAttributesCount":2}},
        "scopeSpans":[{{"scope":{{"name":"lib","version":"1.2","attributes":[{{"key":"x","value":{{"intValue":"1"}}}}]}},"spans":[
        {{"traceId":"{t}","spanId":"00000000000000a1","name":"root \"quoted\"\n\u0001","kind":2,
          "startTimeUnixNano":"1700000000000000123","endTimeUnixNano":"1700000000000999999",
          "attributes":[
            {{"key":"s","value":{{"stringValue":"ünïcödé \\ \" \t"}}}},
            {{"key":"empty-string","value":{{"stringValue":""}}}},
            {{"key":"b","value":{{"boolValue":false}}}},
            {{"key":"big","value":{{"intValue":"-9223372036854775808"}}}},
            {{"key":"max","value":{{"intValue":"9223372036854775807"}}}},
            {{"key":"d","value":{{"doubleValue":0.30000000000000004}}}},
            {{"key":"integral","value":{{"doubleValue":3.0}}}},
            {{"key":"tiny","value":{{"doubleValue":5e-324}}}},
            {{"key":"huge","value":{{"doubleValue":1.7976931348623157e308}}}},
            {{"key":"negzero","value":{{"doubleValue":-0.0}}}},
            {{"key":"nan","value":{{"doubleValue":"NaN"}}}},
            {{"key":"inf","value":{{"doubleValue":"Infinity"}}}},
            {{"key":"ninf","value":{{"doubleValue":"-Infinity"}}}},
            {{"key":"bytes","value":{{"bytesValue":"AAEC/w=="}}}},
            {{"key":"nothing","value":{{}}}},
            {{"key":"arr","value":{{"arrayValue":{{"values":[{{"stringValue":"a"}},{{"intValue":"2"}},{{"doubleValue":2.5}},{{"boolValue":true}},{{}},{{"arrayValue":{{"values":[]}}}}]}}}}}},
            {{"key":"map","value":{{"kvlistValue":{{"values":[{{"key":"k","value":{{"stringValue":"v"}}}},{{"key":"n","value":{{"kvlistValue":{{"values":[{{"key":"deep","value":{{"bytesValue":"AQ=="}}}}]}}}}}}]}}}}}},
            {{"key":"dup","value":{{"stringValue":"1"}}}},
            {{"key":"dup","value":{{"stringValue":"1"}}}}
          ],
          "droppedAttributesCount":1,"droppedEventsCount":2,"droppedLinksCount":3,
          "events":[
            {{"timeUnixNano":"1700000000000500001","name":"exception","attributes":[{{"key":"exception.message","value":{{"stringValue":"boom"}}}}],"droppedAttributesCount":4}},
            {{"timeUnixNano":"1700000000000600000","name":"named","attributes":[{{"key":"event","value":{{"stringValue":"named"}}}}]}},
            {{"timeUnixNano":"1700000000000700000","name":"other","attributes":[{{"key":"event","value":{{"intValue":"5"}}}}]}},
            {{"timeUnixNano":"1700000000000800000","name":""}}
          ],
          "links":[
            {{"traceId":"ffffffffffffffffffffffffffffffff","spanId":"00000000000000b2","attributes":[{{"key":"why","value":{{"stringValue":"batch"}}}}],"droppedAttributesCount":1}}
          ],
          "status":{{"code":2,"message":"it broke"}}}},
        {{"traceId":"{t}","spanId":"00000000000000a2","parentSpanId":"00000000000000a1","name":"ok","kind":3,
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000",
          "status":{{"code":1,"message":"fine"}}}},
        {{"traceId":"{t}","spanId":"00000000000000a3","parentSpanId":"00000000000000ff","name":"orphan",
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000",
          "attributes":[{{"key":"span.kind","value":{{"stringValue":"server"}}}},{{"key":"otel.status_description","value":{{"stringValue":"stale"}}}}]}},
        {{"traceId":"{t}","spanId":"00000000000000a4","parentSpanId":"00000000000000a4","name":"self",
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000"}},
        {{"traceId":"{t}","spanId":"00000000000000a2","parentSpanId":"00000000000000a1","name":"dup-id",
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000"}}
        ]}}]}},
        {{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"other"}}}}]}},"scopeSpans":[{{"spans":[
        {{"traceId":"{t}","spanId":"00000000000000c1","parentSpanId":"00000000000000a1","name":"in other service",
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000",
          "attributes":[{{"key":"error","value":{{"boolValue":true}}}}],
          "links":[{{"traceId":"{t}","spanId":"00000000000000a2"}}]}},
        {{"traceId":"{t}","spanId":"00000000000000c2","name":"second root",
          "startTimeUnixNano":"1700000000000001000","endTimeUnixNano":"1700000000000002000",
          "links":[{{"traceId":"{t}","spanId":"00000000000000a1"}}]}}
        ]}}]}}]}}"#
    );
    let ex = round_trip_doc("typed", &doc);
    // The unset-status span with `error: true` comes back as an error in Jaeger.
    assert_eq!(
        ex["Jaeger: status contradicted by the span's own error / otel.status_code attribute"],
        1
    );
    // The second root's link into its own trace becomes its Jaeger parent.
    assert_eq!(
        ex["Jaeger: a root's link into its own trace becomes its parent"],
        1
    );
    // Types survive OTLP -> Jaeger -> import.
    let store = load("typed", doc.as_bytes());
    let mut re = Store::default();
    import::load(&mut re, "re", &export::jaeger_json(&store, 0)).unwrap();
    let get = |k: &str| own(&re, re.attr(0, k).unwrap());
    assert_eq!(get("b"), V::Bool(false));
    assert_eq!(get("big"), V::Int(i64::MIN));
    assert_eq!(get("d"), V::Double(0.30000000000000004f64.to_bits()));
    assert_eq!(get("integral"), V::Double(3.0f64.to_bits()));
    assert_eq!(get("nan"), V::Double(f64::NAN.to_bits()));
    assert_eq!(get("ninf"), V::Double(f64::NEG_INFINITY.to_bits()));
    assert_eq!(get("negzero"), V::Double((-0.0f64).to_bits()));
    assert_eq!(get("bytes"), V::Bytes(vec![0, 1, 2, 255]));
    assert_eq!(get("nothing"), V::Empty);
    assert_eq!(get("arr"), V::Str(r#"["a",2,2.5,true,null,[]]"#.into()));
    assert_eq!(
        get("map"),
        V::Str(r#"{"k":"v","n":{"deep":"AQ=="}}"#.into())
    );
    assert_eq!(get("otel.scope.name"), V::Str("lib".into()));
    assert_eq!(get("otel.scope.version"), V::Str("1.2".into()));
    // The orphan's contradicting span.kind / description attributes are
    // overridden by tags added after them.
    let orphan = (0..re.spans.len())
        .find(|&i| re.str(re.spans.name[i]) == "orphan")
        .unwrap();
    assert_eq!(re.spans.kind[orphan], strata::model::SpanKind::Unspecified);
    assert!(re.spans.flags[orphan].contains(SpanFlags::ORPHAN));
}

#[test]
fn export_never_panics_and_empty_traces_are_valid_documents() {
    let empty = Store::default();
    for t in [0, 1, u32::MAX] {
        for fmt in BOTH {
            let out = export(&empty, t, fmt);
            let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert!(json.is_object());
        }
    }
    // A trace whose span range is empty, and one whose range runs past the spans.
    let mut store = load(
        "one",
        br#"[{"traceID":"1","spanID":"1","operationName":"x","startTime":1,"duration":1}]"#,
    );
    let mk = |spans| strata::model::Trace {
        id: TraceId::Hex64(9),
        file: 0,
        spans,
        tree: Default::default(),
        summary: Default::default(),
        warnings: Vec::new(),
        skew: Default::default(),
        sources: Vec::new(),
    };
    store.traces.push(mk(strata::model::Range32::default()));
    store.traces.push(mk(strata::model::Range32 {
        start: 0,
        len: 1000,
    }));
    for t in 0..store.traces.len() as u32 {
        for fmt in BOTH {
            let out = export(&store, t, fmt);
            let _: serde_json::Value = serde_json::from_slice(&out).unwrap();
        }
    }
    // A span without a process (its scope is unknown) round-trips.
    let store = load(
        "no process",
        br#"{"data":[{"traceID":"5","spans":[{"traceID":"5","spanID":"1","operationName":"x","startTime":5,"duration":1,"processID":"missing"}]}]}"#,
    );
    assert!(store.resource_of(0).is_none());
    let mut r = Report::default();
    round_trip_store(&store, "no process", &mut r);
    r.finish("no process");
}

/// Exports a 100k-span trace with both writers and prints the time taken.
/// `cargo test --release --test export_roundtrip -- --ignored --nocapture`
#[test]
#[ignore]
fn export_100k_spans_timing() {
    let store = load("big", &big_bytes(100_000, 1));
    assert_eq!(store.traces[0].span_count(), 100_000);
    for fmt in BOTH {
        let t0 = Instant::now();
        let out = export(&store, 0, fmt);
        let dt = t0.elapsed();
        eprintln!(
            "{fmt:?}: 100k spans -> {:.1} MB in {:.0} ms",
            out.len() as f64 / 1e6,
            dt.as_secs_f64() * 1e3
        );
        let t0 = Instant::now();
        let mut re = Store::default();
        import::load(&mut re, "re", &out).unwrap();
        eprintln!("  re-import {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
        assert_eq!(re.spans.len(), 100_000);
    }
}
