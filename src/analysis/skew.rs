//! Clock skew between hosts, corrected in the page.
//!
//! Rule: for a CLIENT span and its SERVER child on different hosts (or the
//! two halves of a Zipkin shared span, see [`network::is_call`]), when the
//! server starts before the client or ends after it, the server's host
//! clock is taken to be off: if the client is at least as long, the server
//! is centred in it (shift = client.start + (client.dur - server.dur) / 2 -
//! server.start: request and response gaps made equal); if not, it is moved
//! to start at the client's start, but only when it started before it. A
//! server longer than its client that starts after it is what a timeout
//! looks like (the client gave up, the server went on), and no clock offset
//! makes a span longer: it keeps its time, and the timeout pattern its
//! overrun. The shift moves the server span and every descendant on the
//! server's host (their events too); a child inherits its parent's shift
//! until its own pair is corrected, so a deeper pair on a third host is
//! judged against the already-moved client. A descendant on another host
//! that is not such a pair keeps its own clock (no shift), as does a pair
//! on one host (one clock cannot disagree with itself). A span without a
//! start time (placed at its parent's start) moves with its parent. Pairs
//! are only judged on measured times (a start and a duration from the file).
//!
//! The host of a span is the first of `host.id`, `host.name`, `host.ip`,
//! `net.host.ip` among its attributes, else among its resource's, which
//! also offer a Zipkin local endpoint's `localEndpoint.ipv4` / `ipv6` (how
//! `import::zipkin` keeps it) and a Jaeger client's process tags `hostname`
//! and `ip`; with none of these, its service and `service.instance.id`.
//!
//! Messaging is never corrected: a CONSUMER under a PRODUCER ran whenever
//! the queue handed the message over, so starting before or ending after
//! its producer says nothing about clocks (and a consumer on another host
//! takes no shift from its producer).
//!
//! The store holds corrected times by default: [`correct`] runs at import,
//! right after the trace's tree is built (in the parsing worker), applies
//! the shifts, rebuilds the tree on the corrected times (flags, child
//! order, summary, warnings) and records in `Trace::skew` what differs from
//! the raw state, so that `Store::set_skew_corrected` switches between the
//! two in time linear in the difference. A note "N spans adjusted for clock
//! skew (largest shift X)" lists the moved spans.
//!
//! Where it differs: Jaeger (`adjuster/clockskew.go`, a query-service
//! adjuster) recomputes a delta on every host change whatever the span
//! kinds (a consumer is "corrected" into its producer), knows hosts only by
//! `host.id` / `host.ip` / `host.name` (spans without one all count as
//! different hosts), and rewrites the times it returns: no raw view. Zipkin
//! Lens (`clock-skew.js`, recursive) only corrects a server that starts at
//! or before its client on another IP (one ending after it is left alone),
//! moves a longer server 1 µs after the client's start, and has no raw view
//! either. Strata follows Jaeger for a longer server and the iterative walk
//! (a million-span trace is fine), Zipkin for the CLIENT -> SERVER
//! restriction, and keeps both times.

use rustc_hash::FxHashMap;

use super::network::{self, is_call};
use super::tree;
use crate::model::store::Skew;
use crate::model::time::format_duration;
use crate::model::{SpanFlags, Store, Sym, TraceWarning, Value, WarningKind, NONE};

/// One span's correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shift {
    pub span: u32,
    /// Added to the span's start and its events' times.
    pub ns: i64,
}

/// Attributes naming a span's host, in order of preference, on the span.
const SPAN_KEYS: [&str; 4] = ["host.id", "host.name", "host.ip", "net.host.ip"];
/// The same on its resource, with Zipkin endpoints and Jaeger process tags.
const RESOURCE_KEYS: [&str; 8] = [
    "host.id",
    "host.name",
    "host.ip",
    "net.host.ip",
    "localEndpoint.ipv4",
    "localEndpoint.ipv6",
    "hostname",
    "ip",
];

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum HostKey<'a> {
    Named(&'a str),
    Number(i64),
    /// Service and `service.instance.id` ("" when none).
    Service(Sym, &'a str),
}

/// Host identities of one trace's spans, computed when first asked.
struct Hosts<'a> {
    store: &'a Store,
    base: u32,
    span_keys: Vec<Option<Sym>>,
    resource_keys: Vec<Option<Sym>>,
    instance: Option<Sym>,
    ids: FxHashMap<HostKey<'a>, u32>,
    /// By resource: its host key (when the span names none) and instance.
    of_resource: FxHashMap<u32, (Option<HostKey<'a>>, &'a str)>,
    /// By span offset: its host id, or NONE when not yet known (allocated
    /// on the first question: most traces never ask).
    of_span: Vec<u32>,
    spans: usize,
}

impl<'a> Hosts<'a> {
    fn new(store: &'a Store, t: u32) -> Hosts<'a> {
        let r = store.traces[t as usize].spans;
        let look = |k: &&str| store.strings.lookup(k);
        Hosts {
            store,
            base: r.start,
            span_keys: SPAN_KEYS.iter().map(look).collect(),
            resource_keys: RESOURCE_KEYS.iter().map(look).collect(),
            instance: store.strings.lookup("service.instance.id"),
            ids: FxHashMap::default(),
            of_resource: FxHashMap::default(),
            of_span: Vec::new(),
            spans: r.len as usize,
        }
    }

    /// The first of `keys` found in `attrs`, as a host key.
    fn named(&self, attrs: &'a [crate::model::Attr], keys: &[Option<Sym>]) -> Option<HostKey<'a>> {
        let mut best: Option<(usize, HostKey<'a>)> = None;
        for a in attrs {
            let Some(rank) = keys.iter().position(|k| *k == Some(a.key)) else {
                continue;
            };
            if best.is_some_and(|(b, _)| b <= rank) {
                continue;
            }
            let key = match &a.value {
                Value::Str(t) if !self.store.text(*t).is_empty() => {
                    HostKey::Named(self.store.text(*t))
                }
                Value::Int(n) => HostKey::Number(*n),
                _ => continue,
            };
            best = Some((rank, key));
        }
        best.map(|(_, k)| k)
    }

    fn key(&mut self, span: u32) -> HostKey<'a> {
        let store = self.store;
        if let Some(k) = self.named(store.span_attrs(span), &self.span_keys) {
            return k;
        }
        let scope = store.spans.scope[span as usize];
        let resource = store.scopes.get(scope as usize).map(|s| s.resource);
        let (named, instance) = match resource {
            None => (None, ""),
            Some(r) => match self.of_resource.get(&r) {
                Some(&known) => known,
                None => {
                    let attrs = store
                        .resources
                        .get(r as usize)
                        .map(|x| store.attrs_of(x.attrs))
                        .unwrap_or_default();
                    let instance = match self.named(attrs, &[self.instance]) {
                        Some(HostKey::Named(s)) => s,
                        _ => "",
                    };
                    let known = (self.named(attrs, &self.resource_keys), instance);
                    self.of_resource.insert(r, known);
                    known
                }
            },
        };
        named.unwrap_or(HostKey::Service(
            store.spans.service[span as usize],
            instance,
        ))
    }

    /// The host id of `span` (equal ids: the same host).
    fn of(&mut self, span: u32) -> u32 {
        let k = (span - self.base) as usize;
        if self.of_span.is_empty() {
            self.of_span = vec![NONE; self.spans];
        }
        if self.of_span[k] == NONE {
            let key = self.key(span);
            let next = self.ids.len() as u32;
            self.of_span[k] = *self.ids.entry(key).or_insert(next);
        }
        self.of_span[k]
    }
}

/// The shift that puts a server `(start, dur)` inside its client (whose
/// start is already corrected), 0 when it fits. A server longer than its
/// client never fits: it only moves when it starts first.
fn fit(client_start: i64, client_dur: i64, start: i64, dur: i64) -> i64 {
    let end = start.saturating_add(dur);
    if start >= client_start && end <= client_start.saturating_add(client_dur) {
        0
    } else if client_dur >= dur {
        client_start
            .saturating_add((client_dur - dur) / 2)
            .saturating_sub(start)
    } else if start < client_start {
        client_start - start
    } else {
        0
    }
}

/// The clock-skew corrections of trace `t` (see the module doc), computed
/// on the times the store holds (raw at import), by span index. Iterative:
/// linear in the spans, with host lookups only below a moved span or where
/// a pair overlaps badly.
pub fn corrections(store: &Store, t: u32) -> Vec<Shift> {
    let tr = &store.traces[t as usize];
    let spans = &store.spans;
    let base = tr.spans.start;
    let tree = &tr.tree;
    let children = |i: u32| {
        let k = (i - base) as usize;
        match (tree.child_start.get(k), tree.child_start.get(k + 1)) {
            (Some(&a), Some(&b)) => &tree.children[a as usize..b as usize],
            _ => &[],
        }
    };
    let untimed = SpanFlags::NO_START | SpanFlags::BAD_TIME;
    let mut hosts = Hosts::new(store, t);
    let mut out = Vec::new();
    let mut stack: Vec<(u32, i64)> = tree.roots.iter().map(|&r| (r, 0)).collect();
    while let Some((p, s)) = stack.pop() {
        let pu = p as usize;
        let measured_p = network::measured(store, p);
        let client_start = spans.start[pu].saturating_add(s);
        for &c in children(p) {
            let cu = c as usize;
            let pair = measured_p && network::measured(store, c) && is_call(store, p, c);
            let outside = || {
                fit(
                    client_start,
                    spans.duration[pu],
                    spans.start[cu],
                    spans.duration[cu],
                )
            };
            let cs = if spans.flags[cu].intersects(untimed) {
                s
            } else if s == 0 {
                // Nothing to inherit: only a badly placed pair moves.
                match pair.then(outside) {
                    Some(d) if d != 0 && hosts.of(p) != hosts.of(c) => d,
                    _ => 0,
                }
            } else if hosts.of(p) == hosts.of(c) {
                s
            } else if pair {
                outside()
            } else {
                0
            };
            if cs != 0 {
                out.push(Shift { span: c, ns: cs });
            }
            if !children(c).is_empty() {
                stack.push((c, cs));
            }
        }
    }
    out.sort_unstable_by_key(|x| x.span);
    out
}

/// Computes trace `t`'s corrections on its raw times, applies them, rebuilds
/// its tree on the corrected times and records in `Trace::skew` what
/// differs from the raw state (see `Store::set_skew_corrected`). Called at
/// import right after [`tree::build`]; calling it again starts from the raw
/// times. A correction that would change the tree itself (a cut cycle whose
/// earliest span moved) is left out: the trace keeps its raw times.
pub fn correct(store: &mut Store, t: u32) {
    if store.traces[t as usize].skew.applied {
        store.swap_skew(t);
    }
    let tr = &mut store.traces[t as usize];
    tr.skew = Skew::default();
    tr.warnings.retain(|w| w.kind != WarningKind::ClockSkew);
    let shifts: Vec<(u32, i64)> = corrections(store, t)
        .into_iter()
        .map(|s| (s.span, s.ns))
        .collect();
    if shifts.is_empty() {
        return;
    }
    let tr = &store.traces[t as usize];
    let r = tr.spans.range();
    let base = tr.spans.start;
    let start = store.spans.start[r.clone()].to_vec();
    let duration = store.spans.duration[r.clone()].to_vec();
    let flags = store.spans.flags[r.clone()].to_vec();
    let parent = store.spans.parent[r.clone()].to_vec();
    let child_start = tr.tree.child_start.clone();
    let children = tr.tree.children.clone();
    let roots = tr.tree.roots.clone();
    let summary = (tr.summary.start, tr.summary.end, tr.summary.root);
    let mut warnings = tr.warnings.clone();

    store.shift_spans(&shifts, 1);
    tree::build(store, t);
    let tr = &store.traces[t as usize];
    if store.spans.parent[r.clone()] != parent[..] || tr.tree.child_start != child_start {
        store.shift_spans(&shifts, -1);
        tree::build(store, t);
        return;
    }
    let s = &store.spans;
    let mut skew = Skew {
        shifts: shifts.iter().map(|&(i, ns)| (i - base, ns)).collect(),
        applied: true,
        spans: Vec::new(),
        children: differ(&tr.tree.children, &children, base),
        roots: differ(&tr.tree.roots, &roots, base),
        summary: (
            summary.0,
            summary.1,
            if summary.2 == NONE {
                NONE
            } else {
                summary.2 - base
            },
        ),
        warnings: Vec::new(),
    };
    for (k, i) in r.enumerate() {
        if (s.start[i], s.duration[i], s.flags[i]) != (start[k], duration[k], flags[k]) {
            skew.spans.push((k as u32, start[k], duration[k], flags[k]));
        }
    }
    let (count, largest) = (skew.adjusted(), skew.largest());
    let moved: Vec<u32> = shifts
        .iter()
        .take(TraceWarning::MAX_SPANS)
        .map(|&(i, _)| i)
        .collect();
    let note = |message: String| TraceWarning {
        kind: WarningKind::ClockSkew,
        count: count as u32,
        message,
        spans: moved.clone(),
    };
    let n = if count == 1 {
        "1 span".to_owned()
    } else {
        format!("{count} spans")
    };
    let largest = signed(largest);
    let what = format!("{n} adjusted for clock skew (largest shift {largest})");
    warnings.push(note(format!(
        "raw times shown: {n} not adjusted for clock skew (largest shift {largest})"
    )));
    warnings.sort_by_key(|w| w.kind);
    for w in &mut warnings {
        w.spans.iter_mut().for_each(|x| *x -= base);
    }
    skew.warnings = warnings;
    let tr = &mut store.traces[t as usize];
    tr.warnings.push(note(what));
    tr.warnings.sort_by_key(|w| w.kind);
    tr.skew = skew;
}

/// (position, offset of `was`'s span) wherever `now` and `was` differ.
fn differ(now: &[u32], was: &[u32], base: u32) -> Vec<(u32, u32)> {
    now.iter()
        .zip(was)
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(at, (_, &b))| (at as u32, b - base))
        .collect()
}

/// "+1.2ms", "-250µs": a shift as the note and the span badges print it.
pub fn signed(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", format_duration(ns))
    } else {
        format_duration(ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::network;
    use crate::analysis::testing::zipkin_store;
    use crate::import;
    use crate::model::describe::describe;

    /// 2001-09-09: a real epoch, so no time reads as unset.
    const BASE: i64 = 1_000_000_000_000_000_000;
    const US: i64 = 1_000;

    /// (service, host.name, service.instance.id), "" for none.
    type Res<'a> = (&'a str, &'a str, &'a str);
    /// (resource, span id, parent id (0: none), kind, start µs, end µs,
    /// event times µs).
    type Sp<'a> = (usize, u64, u64, u8, i64, i64, &'a [i64]);

    const SERVER: u8 = 2;
    const CLIENT: u8 = 3;
    const INTERNAL: u8 = 1;
    const PRODUCER: u8 = 4;
    const CONSUMER: u8 = 5;

    fn otlp_json(resources: &[Res], spans: &[Sp]) -> String {
        let str_attr =
            |k: &str, v: &str| format!(r#"{{"key":"{k}","value":{{"stringValue":"{v}"}}}}"#);
        let groups: Vec<String> = resources
            .iter()
            .enumerate()
            .map(|(r, (service, host, instance))| {
                let mut attrs = vec![str_attr("service.name", service)];
                if !host.is_empty() {
                    attrs.push(str_attr("host.name", host));
                }
                if !instance.is_empty() {
                    attrs.push(str_attr("service.instance.id", instance));
                }
                let spans: Vec<String> = spans
                    .iter()
                    .filter(|s| s.0 == r)
                    .map(|&(_, id, parent, kind, start, end, events)| {
                        let parent = if parent == 0 {
                            String::new()
                        } else {
                            format!(r#""parentSpanId":"{parent:016x}","#)
                        };
                        let events: Vec<String> = events
                            .iter()
                            .map(|t| format!(r#"{{"timeUnixNano":"{}","name":"e"}}"#, BASE + t * US))
                            .collect();
                        format!(
                            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{id:016x}",{parent}"name":"op{id}","kind":{kind},"startTimeUnixNano":"{}","endTimeUnixNano":"{}","events":[{}]}}"#,
                            BASE + start * US,
                            BASE + end * US,
                            events.join(",")
                        )
                    })
                    .collect();
                format!(
                    r#"{{"resource":{{"attributes":[{}]}},"scopeSpans":[{{"spans":[{}]}}]}}"#,
                    attrs.join(","),
                    spans.join(",")
                )
            })
            .collect();
        format!(r#"{{"resourceSpans":[{}]}}"#, groups.join(","))
    }

    fn otlp(resources: &[Res], spans: &[Sp]) -> Store {
        let mut s = Store::default();
        import::load(&mut s, "t.json", otlp_json(resources, spans).as_bytes()).unwrap();
        s
    }

    /// The store index of the span with id `id`.
    fn at(s: &Store, id: u64) -> u32 {
        let text = format!("{id:016x}");
        (0..s.spans.len() as u32)
            .find(|&i| s.spans.id[i as usize].to_text(&s.strings).ends_with(&text))
            .unwrap()
    }

    /// (span id, shift µs) of trace 0's moved spans, by id.
    fn shifts(s: &Store) -> Vec<(u64, i64)> {
        let tr = &s.traces[0];
        let mut out: Vec<(u64, i64)> = tr
            .skew
            .shifts
            .iter()
            .map(|&(k, ns)| {
                let i = tr.spans.start + k;
                let id = s.spans.id[i as usize].to_text(&s.strings);
                (u64::from_str_radix(&id, 16).unwrap(), ns / US)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Start and end of span `id`, µs from BASE.
    fn times(s: &Store, id: u64) -> (i64, i64) {
        let i = at(s, id);
        (
            (s.spans.start[i as usize] - BASE) / US,
            (s.span_end(i) - BASE) / US,
        )
    }

    fn event_times(s: &Store, id: u64) -> Vec<i64> {
        s.span_events(at(s, id))
            .iter()
            .map(|e| (e.time - BASE) / US)
            .collect()
    }

    const AB: &[Res] = &[("a", "h1", ""), ("b", "h2", "")];

    #[test]
    fn early_and_late_servers_are_centred_in_longer_clients() {
        let s = otlp(
            AB,
            &[
                (0, 1, 0, SERVER, 0, 1000, &[]),
                // Starts 50 µs before its client: centred, +100 µs.
                (0, 2, 1, CLIENT, 100, 500, &[]),
                (1, 3, 2, SERVER, 50, 350, &[]),
                // Ends 50 µs after its client: centred, -100 µs.
                (0, 4, 1, CLIENT, 600, 900, &[]),
                (1, 5, 4, SERVER, 750, 950, &[]),
            ],
        );
        assert_eq!(shifts(&s), [(3, 100), (5, -100)]);
        assert_eq!(times(&s, 3), (150, 450));
        assert_eq!(times(&s, 5), (650, 850));
        assert_eq!(
            corrections(&s, 0),
            [],
            "the store holds corrected times: nothing left to correct"
        );
        // Network time on the corrected times: 50 µs each way.
        let c = network::calls(&s, 0);
        assert_eq!(
            c.iter()
                .map(|c| (c.request_ns / US, c.response_ns / US))
                .collect::<Vec<_>>(),
            [(50, 50), (50, 50)]
        );
        let tr = &s.traces[0];
        assert_eq!((tr.skew.adjusted(), tr.skew.largest()), (2, 100 * US));
        let note = tr
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::ClockSkew)
            .unwrap();
        assert_eq!(
            note.message,
            "2 spans adjusted for clock skew (largest shift +100µs)"
        );
        assert_eq!(note.spans, [at(&s, 3), at(&s, 5)]);
        assert!(!tr
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::StartsBeforeParent));
        assert!(!tr
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::EndsAfterParent));
    }

    #[test]
    fn longer_servers_move_to_the_client_start_only_when_early() {
        let s = otlp(
            AB,
            &[
                (0, 1, 0, SERVER, 0, 1000, &[]),
                // 150 µs server under a 100 µs client, 20 µs early: +20.
                (0, 2, 1, CLIENT, 100, 200, &[]),
                (1, 3, 2, SERVER, 80, 230, &[]),
                // Starts after its client and outlives it: a timeout, kept.
                (0, 4, 1, CLIENT, 300, 400, &[]),
                (1, 5, 4, SERVER, 310, 460, &[]),
                // As long as its client, 20 µs late: centred (at its start).
                (0, 6, 1, CLIENT, 500, 600, &[]),
                (1, 7, 6, SERVER, 520, 620, &[]),
            ],
        );
        assert_eq!(shifts(&s), [(3, 20), (7, -20)]);
        assert_eq!(times(&s, 3), (100, 250));
        assert_eq!(times(&s, 5), (310, 460));
        assert_eq!(times(&s, 7), (500, 600));
    }

    /// a -> b -> c: b's spans inherit b's shift, c's pairs are judged
    /// against the moved b client, and a span on another host that is no
    /// pair keeps its clock.
    #[test]
    fn nested_pairs_across_three_hosts() {
        let s = otlp(
            &[("a", "h1", ""), ("b", "h2", ""), ("c", "h3", "")],
            &[
                (0, 1, 0, SERVER, 50, 1000, &[]),
                (0, 2, 1, CLIENT, 100, 900, &[]),
                // 100 µs before its client: centred, +200.
                (1, 3, 2, SERVER, 0, 600, &[]),
                (1, 4, 3, INTERNAL, 50, 550, &[100]),
                // Raw, the c server ends after this client; moved by +200
                // (to 300..700) it fits: no shift of its own.
                (1, 5, 4, CLIENT, 100, 500, &[]),
                (2, 6, 5, SERVER, 350, 650, &[]),
                (2, 10, 6, INTERNAL, 400, 600, &[]),
                // Moved to 600..740; its c server 700..800 ends after: -80.
                (1, 7, 4, CLIENT, 400, 540, &[]),
                (2, 8, 7, SERVER, 700, 800, &[]),
                (2, 9, 8, INTERNAL, 710, 790, &[750]),
                // On host a under b's server, not a pair: a's clock.
                (0, 11, 3, INTERNAL, 150, 160, &[]),
            ],
        );
        assert_eq!(
            shifts(&s),
            [(3, 200), (4, 200), (5, 200), (7, 200), (8, -80), (9, -80)]
        );
        assert_eq!(times(&s, 5), (300, 700));
        assert_eq!(times(&s, 6), (350, 650));
        assert_eq!(times(&s, 8), (620, 720));
        assert_eq!(times(&s, 9), (630, 710));
        assert_eq!(times(&s, 11), (150, 160));
        assert_eq!(event_times(&s, 4), [300]);
        assert_eq!(event_times(&s, 9), [670]);
        // The summary follows: the b server no longer starts first.
        assert_eq!(s.traces[0].summary.start, BASE + 50 * US);
        assert_eq!(s.traces[0].summary.end, BASE + 1000 * US);
    }

    #[test]
    fn one_host_is_never_shifted() {
        let s = otlp(
            &[
                ("a", "h1", ""),
                // Another service on host h1.
                ("b", "h1", ""),
                // No host: service and instance decide.
                ("x", "", "i1"),
                ("x", "", "i1"),
                ("x", "", "i2"),
            ],
            &[
                (0, 1, 0, SERVER, 0, 1000, &[]),
                (0, 2, 1, CLIENT, 100, 200, &[]),
                (1, 3, 2, SERVER, 50, 250, &[]),
                (2, 4, 1, CLIENT, 300, 400, &[]),
                (3, 5, 4, SERVER, 250, 350, &[]),
                (2, 6, 1, CLIENT, 500, 600, &[]),
                (4, 7, 6, SERVER, 450, 550, &[]),
            ],
        );
        // Only x/i1 -> x/i2 crosses hosts: centred, +50.
        assert_eq!(shifts(&s), [(7, 50)]);
        assert_eq!(times(&s, 3), (50, 250));
        assert_eq!(times(&s, 5), (250, 350));
    }

    #[test]
    fn descendants_and_events_inherit_but_messaging_is_never_corrected() {
        let s = otlp(
            &[("a", "h1", ""), ("b", "h2", ""), ("c", "h3", "")],
            &[
                (0, 1, 0, SERVER, 0, 1000, &[]),
                (0, 2, 1, CLIENT, 100, 500, &[]),
                (1, 3, 2, SERVER, 0, 200, &[10, 190]),
                (1, 4, 3, PRODUCER, 150, 160, &[155]),
                // A consumer elsewhere that "starts before" its producer.
                (2, 5, 4, CONSUMER, 100, 300, &[]),
                // A consumer on the producer's host shares its clock.
                (1, 6, 4, CONSUMER, 170, 180, &[]),
            ],
        );
        assert_eq!(shifts(&s), [(3, 200), (4, 200), (6, 200)]);
        assert_eq!(event_times(&s, 3), [210, 390]);
        assert_eq!(event_times(&s, 4), [355]);
        assert_eq!(times(&s, 5), (100, 300));
        assert_eq!(times(&s, 6), (370, 380));
    }

    fn without_note(s: &mut Store) {
        for t in &mut s.traces {
            t.warnings.retain(|w| w.kind != WarningKind::ClockSkew);
        }
    }

    /// Switching to raw times gives exactly the store a build on the file's
    /// times gives (tree order, flags, summary, warnings), and back.
    #[test]
    fn raw_times_are_restored_exactly() {
        let spans: &[Sp] = &[
            (0, 1, 0, SERVER, 50, 1000, &[]),
            (0, 2, 1, CLIENT, 100, 900, &[]),
            (1, 3, 2, SERVER, 0, 600, &[]),
            (1, 4, 3, INTERNAL, 50, 550, &[100]),
            (1, 7, 4, CLIENT, 400, 540, &[]),
            (2, 8, 7, SERVER, 700, 800, &[]),
            (2, 9, 8, INTERNAL, 710, 790, &[750]),
            // A sibling the moved server overtakes in start order.
            (0, 12, 1, INTERNAL, 60, 70, &[]),
        ];
        let res: &[Res] = &[("a", "h1", ""), ("b", "h2", ""), ("c", "h3", "")];
        let mut s = otlp(res, spans);
        let corrected = describe(&s);
        let one = at(&s, 1);
        assert_eq!(s.children(one), [at(&s, 12), at(&s, 2)]);

        s.set_skew_corrected(false);
        assert_eq!(times(&s, 3), (0, 600));
        assert_eq!(times(&s, 8), (700, 800));
        assert_eq!(event_times(&s, 9), [750]);
        assert_eq!(s.traces[0].summary.start, BASE);
        let tr = &s.traces[0];
        assert!(!tr.skew.applied);
        let note = tr
            .warnings
            .iter()
            .find(|w| w.kind == WarningKind::ClockSkew)
            .unwrap();
        assert_eq!(
            note.message,
            "raw times shown: 5 spans not adjusted for clock skew (largest shift +200µs)"
        );
        assert!(tr
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::StartsBeforeParent));
        // The build on raw times.
        let mut raw = otlp(res, spans);
        raw.set_skew_corrected(false);
        tree::build(&mut raw, 0);
        without_note(&mut raw);
        let mut bare = Store::from_snapshot(&s.to_snapshot()).unwrap();
        without_note(&mut bare);
        assert_eq!(describe(&bare), describe(&raw));

        s.set_skew_corrected(true);
        assert_eq!(describe(&s), corrected);
        s.set_skew_corrected(true);
        assert_eq!(describe(&s), corrected);
        assert_eq!(s.children(one), [at(&s, 12), at(&s, 2)]);
        // Correcting again, from either state, changes nothing.
        correct(&mut s, 0);
        assert_eq!(describe(&s), corrected);
        s.set_skew_corrected(false);
        correct(&mut s, 0);
        assert_eq!(describe(&s), corrected);
        let notes = s.traces[0]
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::ClockSkew);
        assert_eq!(notes.count(), 1);
    }

    /// The correction travels in the worker's snapshot and survives
    /// appending and removing files (offsets, not indices).
    #[test]
    fn travels_with_snapshots_appends_and_removals() {
        let res: &[Res] = AB;
        let spans: &[Sp] = &[
            (0, 1, 0, SERVER, 0, 1000, &[]),
            (0, 2, 1, CLIENT, 100, 500, &[]),
            (1, 3, 2, SERVER, 50, 350, &[5]),
        ];
        let mut s = otlp(&[("z", "hz", "")], &[(0, 9, 0, SERVER, 0, 10, &[])]);
        let part = otlp(res, spans);
        s.append(Store::from_snapshot(&part.to_snapshot()).unwrap());
        let three = at(&s, 3) as usize;
        assert_eq!(s.spans.start[three], BASE + 150 * US);
        s.set_skew_corrected(false);
        assert_eq!(s.spans.start[three], BASE + 50 * US);
        s.remove_file(0).unwrap();
        let three = at(&s, 3) as usize;
        assert_eq!(s.spans.start[three], BASE + 50 * US);
        s.set_skew_corrected(true);
        assert_eq!(s.spans.start[three], BASE + 150 * US);
        assert_eq!(event_times(&s, 3), [105]);
        assert_eq!(describe(&s), describe(&part));
    }

    #[test]
    fn damaged_corrections_in_a_snapshot_are_errors() {
        let mut s = otlp(
            AB,
            &[
                (0, 1, 0, SERVER, 0, 1000, &[]),
                (0, 2, 1, CLIENT, 100, 500, &[]),
                (1, 3, 2, SERVER, 50, 350, &[]),
            ],
        );
        assert!(Store::from_snapshot(&s.to_snapshot()).is_ok());
        s.traces[0].skew.shifts[0].0 = 3;
        assert!(Store::from_snapshot(&s.to_snapshot()).is_err());
        s.traces[0].skew.shifts[0].0 = 2;
        s.traces[0].skew.children.push((7, 0));
        assert!(Store::from_snapshot(&s.to_snapshot()).is_err());
    }

    /// Zipkin: shared halves on different IPs are corrected; the same IP is
    /// one host whatever the service; a span without a timestamp moves with
    /// its parent.
    #[test]
    fn zipkin_shared_halves_and_endpoints() {
        let span = |id: &str,
                    parent: &str,
                    kind: &str,
                    shared: bool,
                    service: &str,
                    ip: &str,
                    ts: Option<i64>,
                    dur: i64,
                    ann: &str| {
            let ts = ts
                .map(|t| format!(r#""timestamp":{},"duration":{dur},"#, 1_000_000_000_000 + t))
                .unwrap_or_default();
            let parent = if parent.is_empty() {
                String::new()
            } else {
                format!(r#""parentId":"{parent}","#)
            };
            format!(
                r#"{{"traceId":"1","id":"{id}",{parent}"kind":"{kind}","shared":{shared},"name":"op",{ts}"localEndpoint":{{"serviceName":"{service}","ipv4":"{ip}"}},"annotations":[{ann}]}}"#
            )
        };
        let s = zipkin_store(&[
            span("1", "", "SERVER", false, "a", "10.0.0.1", Some(0), 1000, ""),
            span(
                "2",
                "1",
                "CLIENT",
                false,
                "a",
                "10.0.0.1",
                Some(100),
                400,
                "",
            ),
            span("2", "1", "SERVER", true, "b", "10.0.0.2", Some(50), 300, ""),
            span("3", "2", "CLIENT", false, "b", "10.0.0.2", None, 0, ""),
            span(
                "4",
                "2",
                "CLIENT",
                false,
                "b",
                "10.0.0.2",
                Some(60),
                40,
                r#"{"timestamp":1000000000070,"value":"ws"}"#,
            ),
            span(
                "5",
                "1",
                "CLIENT",
                false,
                "a",
                "10.0.0.1",
                Some(600),
                100,
                "",
            ),
            span(
                "5",
                "1",
                "SERVER",
                true,
                "c",
                "10.0.0.1",
                Some(550),
                100,
                "",
            ),
        ]);
        let id = |i: u32| crate::analysis::testing::short_id(&s, i);
        let tr = &s.traces[0];
        let got: Vec<(String, bool, i64)> = tr
            .skew
            .shifts
            .iter()
            .map(|&(k, ns)| {
                let i = tr.spans.start + k;
                (
                    id(i),
                    s.spans.flags[i as usize].contains(SpanFlags::SHARED),
                    ns / US,
                )
            })
            .collect();
        let mut got = got;
        got.sort();
        assert_eq!(
            got,
            [
                ("2".to_owned(), true, 100),
                ("3".into(), false, 100),
                ("4".into(), false, 100)
            ]
        );
        let zero = 1_000_000_000_000 * US;
        let find = |name: &str| {
            (0..s.spans.len() as u32)
                .find(|&i| id(i) == name && !s.spans.flags[i as usize].contains(SpanFlags::SHARED))
                .unwrap()
        };
        let three = find("3") as usize;
        let four = find("4");
        assert_eq!(s.spans.start[three] - zero, 150 * US);
        assert_eq!(s.spans.start[four as usize] - zero, 160 * US);
        assert_eq!(s.span_events(four)[0].time - zero, 170 * US);
    }

    #[test]
    fn a_deep_chain_does_not_overflow_the_stack() {
        // CLIENT a -> SERVER b -> CLIENT b -> SERVER a ..., each server 1 µs
        // early: every server is moved +1 µs against its moved client.
        let n = 20_000u64;
        let spans: Vec<Sp> = (1..=n)
            .map(|id| {
                let host = (((id - 1) / 2 + (id - 1) % 2) % 2) as usize;
                let (kind, start) = if id % 2 == 1 {
                    (CLIENT, id as i64)
                } else {
                    (SERVER, id as i64 - 2)
                };
                (
                    host,
                    id,
                    id - 1,
                    kind,
                    start,
                    1_000_000 - id as i64,
                    &[][..],
                )
            })
            .collect();
        let s = otlp(AB, &spans);
        assert_eq!(s.traces[0].summary.max_depth, n as u32 - 1);
        assert!(s.traces[0].skew.adjusted() > 0);
    }
}
