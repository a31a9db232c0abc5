//! Slow vs the rest: what a chosen set of traces (brushed on the scatter
//! chart, or those slower than a duration) does differently from the other
//! loaded traces (issue 19, "Across loaded traces").
//!
//! The rule, per service + operation name: the mean *per trace* of its
//! total time (the sum of its spans' durations), self time ([`selftime`])
//! and time on the critical path ([`critical_path`]), in the selection and
//! in the rest — a trace without the operation counts as 0, so an operation
//! that only the slow traces call shows its whole time. The delta is
//! selection − rest; operations are ranked by the critical-path delta (then
//! self, then total), largest first: the time the slow traces lost, and
//! where. Per span attribute value (`key=value`, for string, bool and int
//! values): the share of the selected traces with at least one span
//! carrying it against the share of the rest, ranked by the difference of
//! the shares; only values more common in the selection are kept, and, when
//! more than one trace is selected, only values that at least two of them
//! carry (a value of one trace — its user id, its cart — is an anecdote,
//! not what the selection has in common). Keys with
//! more distinct values than half the spans carrying them (and more than
//! [`MANY_VALUES`]: ids, URLs with ids, statements) are skipped: every value
//! would be "unique to the selection".
//!
//! Where it differs: Honeycomb's BubbleUp does the attribute half on the
//! server, over raw events, and compares distributions of attribute values
//! only — no time breakdown by operation, no critical path. Datadog's
//! Watchdog finds the outliers itself, server-side. Jaeger and Zipkin have
//! nothing of the kind (one trace at a time, or two with Jaeger's compare).
//! Here it runs in the tab over whatever traces are loaded, and the time
//! half says which operation the selection's extra time is spent in.
//!
//! [`selftime`]: super::selftime
//! [`critical_path`]: super::critical_path

use rustc_hash::{FxHashMap, FxHashSet};

use super::Facts;
use crate::model::{Store, Sym, Value};

/// A key with more distinct values than this and than half the spans
/// carrying it is an identifier, not a property: its values are not ranked.
pub const MANY_VALUES: usize = 8;

/// Mean time per trace of one operation in one group of traces, ns.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Times {
    pub total: f64,
    pub self_: f64,
    pub critical: f64,
    /// Traces of the group with at least one span of the operation.
    pub traces: u32,
}

/// One service + operation in the selection and in the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRow {
    pub service: Sym,
    pub name: Sym,
    pub sel: Times,
    pub rest: Times,
}

impl OpRow {
    pub fn d_critical(&self) -> f64 {
        self.sel.critical - self.rest.critical
    }
    pub fn d_self(&self) -> f64 {
        self.sel.self_ - self.rest.self_
    }
    pub fn d_total(&self) -> f64 {
        self.sel.total - self.rest.total
    }
    /// "inventory-service SELECT shop.stock".
    pub fn label(&self, store: &Store) -> String {
        format!("{} {}", store.str(self.service), store.str(self.name))
    }
}

/// One attribute value, and how many traces of each group have it.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrRow {
    pub key: String,
    pub value: String,
    pub sel: u32,
    pub rest: u32,
    /// Shares of the groups' traces, 0..=1.
    pub sel_share: f64,
    pub rest_share: f64,
}

impl AttrRow {
    /// How many times more often it occurs in the selection (None: never
    /// in the rest).
    pub fn ratio(&self) -> Option<f64> {
        (self.rest_share > 0.0).then(|| self.sel_share / self.rest_share)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contrast {
    /// Traces in the selection and in the rest.
    pub selected: u32,
    pub rest: u32,
    /// Ranked by critical-path delta, largest first.
    pub ops: Vec<OpRow>,
    /// Ranked by share difference, largest first.
    pub attrs: Vec<AttrRow>,
}

/// The traces among `traces` whose response time (the root span's duration,
/// as the trace list shows it) is above `ns`.
pub fn slower_than(store: &Store, traces: &[u32], ns: i64) -> Vec<u32> {
    traces
        .iter()
        .copied()
        .filter(|&t| store.response_time(t) > ns)
        .collect()
}

/// The traces of `all` not in `selected`.
pub fn rest_of(all: &[u32], selected: &[u32]) -> Vec<u32> {
    let sel: FxHashSet<u32> = selected.iter().copied().collect();
    all.iter().copied().filter(|t| !sel.contains(t)).collect()
}

/// An attribute value that counts: strings (by their number in the job's
/// own table, so that a job holds no borrow of the store between steps),
/// bools, ints.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Val {
    Str(u32),
    Bool(bool),
    Int(i64),
}

#[derive(Default)]
struct Sums {
    total: i64,
    self_: i64,
    critical: i64,
    traces: u32,
}

/// Sums per operation and trace counts per attribute value of one group.
#[derive(Default)]
struct Group {
    ops: FxHashMap<(Sym, Sym), Sums>,
    attrs: FxHashMap<(Sym, Val), u32>,
}

fn mean(s: Option<&Sums>, n: u32) -> Times {
    let Some(s) = s else {
        return Times::default();
    };
    let n = n.max(1) as f64;
    Times {
        total: s.total as f64 / n,
        self_: s.self_ as f64 / n,
        critical: s.critical as f64 / n,
        traces: s.traces,
    }
}

/// Compares the traces `selected` with `rest` (see the module docs).
pub fn contrast(store: &Store, selected: &[u32], rest: &[u32]) -> Contrast {
    let mut job = ContrastJob::new(selected.to_vec(), rest.to_vec());
    loop {
        if let Some(c) = job.step(store, usize::MAX) {
            return c;
        }
    }
}

/// [`contrast`] in steps of about `spans` spans each (whole traces), so
/// that a million spans never block the page at once. The store must not
/// change between steps.
#[derive(Default)]
pub struct ContrastJob {
    selected: Vec<u32>,
    rest: Vec<u32>,
    /// The next trace to read, of `selected` then `rest`.
    next: usize,
    /// The selection's sums and the rest's.
    groups: [Group; 2],
    /// Per key: spans carrying it and its distinct values.
    keys: FxHashMap<Sym, (u32, FxHashSet<Val>)>,
    /// String values by their number.
    strs: FxHashMap<Box<str>, u32>,
    seen_ops: FxHashSet<(Sym, Sym)>,
    seen_vals: FxHashSet<(Sym, Val)>,
}

impl ContrastJob {
    pub fn new(selected: Vec<u32>, rest: Vec<u32>) -> ContrastJob {
        ContrastJob {
            selected,
            rest,
            ..ContrastJob::default()
        }
    }

    /// Reads traces until about `spans` spans are read (at least one
    /// trace); the comparison once every trace is read.
    pub fn step(&mut self, store: &Store, spans: usize) -> Option<Contrast> {
        let mut budget = spans;
        loop {
            let n = self.selected.len();
            let (t, g) = match self.next {
                i if i < n => (self.selected[i], 0),
                i if i - n < self.rest.len() => (self.rest[i - n], 1),
                _ => return Some(self.finish(store)),
            };
            self.next += 1;
            let read = self.read(store, t, g);
            budget = budget.saturating_sub(read.max(1));
            if budget == 0 {
                return None;
            }
        }
    }

    /// Adds trace `t` to group `g`; its span count.
    fn read(&mut self, store: &Store, t: u32, g: usize) -> usize {
        let f = Facts::timing(store, t);
        let group = &mut self.groups[g];
        self.seen_ops.clear();
        self.seen_vals.clear();
        let range = store.traces[t as usize].spans.range();
        let count = range.len();
        for i in range {
            let op = (store.spans.service[i], store.spans.name[i]);
            let s = group.ops.entry(op).or_default();
            s.total += store.spans.duration[i];
            s.self_ += f.self_of(i as u32);
            s.critical += f.critical_of(i as u32);
            if self.seen_ops.insert(op) {
                s.traces += 1;
            }
            for a in store.span_attrs(i as u32) {
                let v = match &a.value {
                    Value::Str(x) => {
                        let text = store.text(*x);
                        match self.strs.get(text) {
                            Some(&n) => Val::Str(n),
                            None => {
                                let n = self.strs.len() as u32;
                                self.strs.insert(text.into(), n);
                                Val::Str(n)
                            }
                        }
                    }
                    Value::Bool(b) => Val::Bool(*b),
                    Value::Int(n) => Val::Int(*n),
                    _ => continue,
                };
                let k = self.keys.entry(a.key).or_default();
                k.0 += 1;
                k.1.insert(v);
                if self.seen_vals.insert((a.key, v)) {
                    *group.attrs.entry((a.key, v)).or_default() += 1;
                }
            }
        }
        count
    }

    fn finish(&mut self, store: &Store) -> Contrast {
        let [sel, oth] = std::mem::take(&mut self.groups);
        let (ns, nr) = (self.selected.len() as u32, self.rest.len() as u32);

        let all_ops: FxHashSet<(Sym, Sym)> =
            sel.ops.keys().chain(oth.ops.keys()).copied().collect();
        let mut ops: Vec<OpRow> = all_ops
            .into_iter()
            .map(|op| OpRow {
                service: op.0,
                name: op.1,
                sel: mean(sel.ops.get(&op), ns),
                rest: mean(oth.ops.get(&op), nr),
            })
            .collect();
        let by = |a: f64, b: f64| b.total_cmp(&a);
        ops.sort_by(|a, b| {
            by(a.d_critical(), b.d_critical())
                .then_with(|| by(a.d_self(), b.d_self()))
                .then_with(|| by(a.d_total(), b.d_total()))
                .then_with(|| a.label(store).cmp(&b.label(store)))
        });

        let mut strs: Vec<&str> = vec![""; self.strs.len()];
        for (text, &n) in &self.strs {
            strs[n as usize] = text;
        }
        let text = |v: Val| match v {
            Val::Str(n) => strs[n as usize].to_owned(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
        };
        let share = |c: u32, n: u32| if n == 0 { 0.0 } else { c as f64 / n as f64 };
        let keys = &self.keys;
        let mut attrs: Vec<AttrRow> = sel
            .attrs
            .iter()
            .filter(|((k, _), _)| {
                let (spans, vals) = &keys[k];
                vals.len() <= MANY_VALUES || vals.len() * 2 <= *spans as usize
            })
            .map(|(&(k, v), &c)| {
                let r = oth.attrs.get(&(k, v)).copied().unwrap_or(0);
                AttrRow {
                    key: store.str(k).to_owned(),
                    value: text(v),
                    sel: c,
                    rest: r,
                    sel_share: share(c, ns),
                    rest_share: share(r, nr),
                }
            })
            .filter(|a| a.sel_share > a.rest_share && a.sel >= ns.min(2))
            .collect();
        attrs.sort_by(|a, b| {
            by(a.sel_share - a.rest_share, b.sel_share - b.rest_share)
                .then_with(|| a.key.cmp(&b.key))
                .then_with(|| a.value.cmp(&b.value))
        });

        Contrast {
            selected: ns,
            rest: nr,
            ops,
            attrs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testing::zipkin_store;

    fn span(trace: &str, id: &str, parent: &str, name: &str, svc: &str, ts: i64, d: i64) -> String {
        span_tags(trace, id, parent, name, svc, ts, d, "{}")
    }

    #[allow(clippy::too_many_arguments)]
    fn span_tags(
        trace: &str,
        id: &str,
        parent: &str,
        name: &str,
        svc: &str,
        ts: i64,
        d: i64,
        tags: &str,
    ) -> String {
        let parent = if parent.is_empty() {
            String::new()
        } else {
            format!(r#""parentId":"{parent}","#)
        };
        format!(
            r#"{{"traceId":"{trace}","id":"{id}",{parent}"name":"{name}","timestamp":{ts},"duration":{d},"localEndpoint":{{"serviceName":"{svc}"}},"tags":{tags}}}"#
        )
    }

    /// Three traces of root → (db query, cache get); in trace 3 the query
    /// takes 1 s and carries `db.slow=true`.
    fn store() -> Store {
        let mut items = vec![];
        for (t, q, tags) in [
            ("1", 10_000, r#"{"region":"eu"}"#),
            ("2", 20_000, r#"{"region":"eu"}"#),
            ("3", 1_000_000, r#"{"region":"us","db.slow":"true"}"#),
        ] {
            items.push(span(t, "1", "", "GET /", "web", 0, q + 5_000));
            items.push(span_tags(t, "2", "1", "SELECT", "db", 1_000, q, tags));
            items.push(span(t, "3", "1", "GET", "cache", 1_000 + q, 2_000));
        }
        zipkin_store(&items)
    }

    fn all(s: &Store) -> Vec<u32> {
        (0..s.traces.len() as u32).collect()
    }

    fn trace(s: &Store, id: &str) -> u32 {
        (0..s.traces.len() as u32)
            .find(|&t| s.traces[t as usize].id.to_text(&s.strings).ends_with(id))
            .unwrap()
    }

    #[test]
    fn slow_query_ranks_first() {
        let s = store();
        let sel = slower_than(&s, &all(&s), 500_000_000);
        assert_eq!(sel, vec![trace(&s, "3")]);
        let c = contrast(&s, &sel, &rest_of(&all(&s), &sel));
        assert_eq!((c.selected, c.rest), (1, 2));
        let top = &c.ops[0];
        assert_eq!(top.label(&s), "db SELECT");
        // Selection: 1 s; rest: (10 + 20) / 2 = 15 ms, all on the path.
        assert_eq!(top.sel.critical, 1e9);
        assert_eq!(top.rest.critical, 15e6);
        assert_eq!(top.d_critical(), 1e9 - 15e6);
        assert_eq!(top.d_total(), 1e9 - 15e6);
        // The root's own time does not change; the cache call neither.
        let cache = c.ops.iter().find(|o| o.label(&s) == "cache GET").unwrap();
        assert_eq!(cache.d_total(), 0.0);
        // Attribute values: region=us and db.slow=true in all selected
        // traces and none of the rest.
        let attrs: Vec<(String, String, u32, u32)> = c
            .attrs
            .iter()
            .map(|a| (a.key.clone(), a.value.clone(), a.sel, a.rest))
            .collect();
        assert_eq!(
            attrs,
            vec![
                ("db.slow".into(), "true".into(), 1, 0),
                ("region".into(), "us".into(), 1, 0),
            ]
        );
        assert_eq!(c.attrs[0].ratio(), None);
    }

    #[test]
    fn operation_only_in_the_rest_counts_as_negative() {
        let s = store();
        let sel = vec![trace(&s, "1")];
        let c = contrast(&s, &sel, &rest_of(&all(&s), &sel));
        let q = c.ops.iter().find(|o| o.label(&s) == "db SELECT").unwrap();
        assert!(q.d_critical() < 0.0);
        assert_eq!(q.sel.traces, 1);
        assert_eq!(q.rest.traces, 2);
        // region=eu is in half the rest, all of the selection.
        let eu = c.attrs.iter().find(|a| a.value == "eu").unwrap();
        assert_eq!(eu.ratio(), Some(2.0));
    }

    /// Traces "1" to "n", each one web GET span with the duration and
    /// tags (a JSON object) `of` gives it.
    fn one_span_traces(n: i64, of: impl Fn(i64) -> (i64, String)) -> Store {
        let items: Vec<String> = (1..=n)
            .map(|t| {
                let (d, tags) = of(t);
                span_tags(&t.to_string(), "1", "", "GET", "web", 0, d, &tags)
            })
            .collect();
        zipkin_store(&items)
    }

    #[test]
    fn high_cardinality_keys_are_skipped() {
        let s = one_span_traces(12, |t| {
            (
                t * 1000,
                format!(r#"{{"request.id":"r{t}","tier":"gold"}}"#),
            )
        });
        let sel = vec![trace(&s, "12")];
        let c = contrast(&s, &sel, &rest_of(&all(&s), &sel));
        assert!(
            c.attrs.iter().all(|a| a.key != "request.id"),
            "{:?}",
            c.attrs
        );
        // tier=gold is everywhere: not more common in the selection.
        assert!(c.attrs.is_empty());
    }

    #[test]
    fn a_value_of_one_picked_trace_is_not_listed() {
        let s = one_span_traces(6, |t| {
            let tier = if t <= 2 { "gold" } else { "free" };
            (
                1000,
                format!(r#"{{"tier":"{tier}","region":"r{}"}}"#, t % 4),
            )
        });
        let sel = vec![trace(&s, "1"), trace(&s, "2"), trace(&s, "3")];
        let c = contrast(&s, &sel, &rest_of(&all(&s), &sel));
        let got: Vec<String> = c
            .attrs
            .iter()
            .map(|a| format!("{}={} {}", a.key, a.value, a.sel))
            .collect();
        // tier=gold: two of the three; region=r2 and r3 each in one picked
        // trace only (r1 is in trace 5 too).
        assert_eq!(got, ["tier=gold 2"]);
        // A single picked trace still lists its values.
        let one = vec![trace(&s, "1")];
        let c = contrast(&s, &one, &rest_of(&all(&s), &one));
        let got: Vec<String> = c
            .attrs
            .iter()
            .map(|a| format!("{}={} {}", a.key, a.value, a.sel))
            .collect();
        assert_eq!(got, ["region=r1 1", "tier=gold 1"]);
    }

    #[test]
    fn empty_selection() {
        let s = store();
        let c = contrast(&s, &[], &all(&s));
        assert_eq!((c.selected, c.rest), (0, 3));
        assert!(c.attrs.is_empty());
        assert!(c.ops.iter().all(|o| o.d_critical() <= 0.0));
    }

    /// The demo's story: the traces of about 2 s (brushed on the scatter
    /// chart between 1.5 s and 5 s) spend their extra time in
    /// inventory-service's stock query. Everything slower than 1.5 s also
    /// takes in the two checkouts that waited 10 s for payment-service:
    /// there the payment call ranks first, rightly.
    #[test]
    fn demo_slow_traces_rank_the_stock_query_first() {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let slow = slower_than(&s, &all(&s), 1_500_000_000);
        let very = slower_than(&s, &all(&s), 5_000_000_000);
        let sel = rest_of(&slow, &very);
        assert_eq!((slow.len(), sel.len()), (5, 3));
        let c = contrast(&s, &sel, &rest_of(&all(&s), &sel));
        let top = &c.ops[0];
        assert_eq!(top.label(&s), "inventory-service SELECT shop.stock");
        assert_eq!(top.sel.traces, 3);
        assert!(top.d_critical() > 1.5e9, "{top:?}");
        assert!(top.rest.critical < 50e6, "{top:?}");
        // What the three have in common: the stock query's statement (in all
        // three, in 27% of the rest); a user id or address of one of them
        // is not listed.
        let a = &c.attrs[0];
        assert_eq!((a.key.as_str(), a.sel, a.rest), ("db.statement", 3, 10));
        assert!(a.value.starts_with("SELECT sku, quantity"), "{a:?}");
        assert!(c.attrs.iter().all(|a| a.sel >= 2), "{:?}", c.attrs);

        // In steps of about 50 spans (one trace at least), alike.
        let mut job = ContrastJob::new(sel.clone(), rest_of(&all(&s), &sel));
        let mut steps = 1;
        let stepped = loop {
            match job.step(&s, 50) {
                Some(c) => break c,
                None => steps += 1,
            }
        };
        assert_eq!(stepped, c);
        assert!(steps > 10, "{steps} steps");

        let c = contrast(&s, &slow, &rest_of(&all(&s), &slow));
        assert_eq!(c.ops[0].label(&s), "order-service POST /payments/authorize");
        assert_eq!(c.ops[1].label(&s), "inventory-service SELECT shop.stock");
    }
}
