//! What looks wrong in a trace: performance patterns worth flagging, each
//! with the spans concerned, an estimate of the time it costs and whether it
//! lies on the critical path.
//!
//! Four rules, one file each (the file's doc comment states the rule, its
//! defaults and where it differs from Sentry's detectors,
//! getsentry/sentry `src/sentry/performance_issues/detectors/`):
//! - [`n_plus_one`]: one call repeated one after another under one parent;
//! - [`sequential`]: independent calls to different targets made one after
//!   another instead of at once;
//! - [`slow_query`]: a database call slow in itself or for its statement;
//! - [`timeout`]: a caller that gave up while its callee kept working, and
//!   calls that never got an answer.
//!
//! Calls are recognised by OpenTelemetry semantic conventions, old and new
//! names alike ([`crate::analysis::semconv`]), so the rules work for every
//! language's instrumentation. Every threshold is a field of [`Thresholds`]
//! ([`Thresholds::DOC`] lists them for the UI). Detection is linear in the
//! trace's spans (plus a sort of each parent's calls).
//!
//! Common definitions:
//! - *async child*: a consumer, a child of a producer, or a FOLLOWS_FROM
//!   child that starts after its parent ended
//!   ([`crate::analysis::critical_path::is_async_child`]); nobody waited for
//!   it, so it takes part in no rule as a callee.
//! - *one after another*: the later call starts no earlier than the earlier
//!   one's end minus a slack of a tenth of the shorter call (at least 1 µs:
//!   clock rounding, hand-off between threads).
//! - `saved_ns` estimates the latency a fix would save; `total_ns` is the
//!   time the pattern's spans took (for timeouts: how long work went on
//!   after the caller gave up). Patterns come ordered by `saved_ns`, then
//!   `total_ns`, largest first.

pub mod n_plus_one;
pub mod sequential;
pub mod slow_query;
pub mod timeout;

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::analysis::semconv::{self, CallKind, CallParts, Sem, Target};
use crate::analysis::services::service_name;
use crate::analysis::{pattern_bits, Facts};
use crate::model::Store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PatternKind {
    NPlusOne,
    Sequential,
    SlowQuery,
    Timeout,
}

impl PatternKind {
    pub const ALL: [PatternKind; 4] = [
        PatternKind::NPlusOne,
        PatternKind::Sequential,
        PatternKind::SlowQuery,
        PatternKind::Timeout,
    ];

    /// The name the query language and the UI use (`pattern:n_plus_one`).
    pub fn key(self) -> &'static str {
        match self {
            PatternKind::NPlusOne => "n_plus_one",
            PatternKind::Sequential => "sequential",
            PatternKind::SlowQuery => "slow_query",
            PatternKind::Timeout => "timeout",
        }
    }

    pub fn from_key(s: &str) -> Option<PatternKind> {
        PatternKind::ALL.into_iter().find(|k| k.key() == s)
    }

    /// Its bit in [`Facts::patterns`].
    pub fn bit(self) -> u8 {
        match self {
            PatternKind::NPlusOne => pattern_bits::N_PLUS_ONE,
            PatternKind::Sequential => pattern_bits::SEQUENTIAL,
            PatternKind::SlowQuery => pattern_bits::SLOW_QUERY,
            PatternKind::Timeout => pattern_bits::TIMEOUT,
        }
    }

    /// Human name: "N+1 calls".
    pub fn label(self) -> &'static str {
        match self {
            PatternKind::NPlusOne => "N+1 calls",
            PatternKind::Sequential => "Sequential calls",
            PatternKind::SlowQuery => "Slow query",
            PatternKind::Timeout => "Timeout",
        }
    }
}

const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;

/// The thresholds of the rules. `Default` gives the documented defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    /// N+1: fewest repeats of one database call in a run (5).
    pub n_plus_one_db_count: u32,
    /// N+1: least summed duration of a database run (50 ms).
    pub n_plus_one_db_total_ns: i64,
    /// N+1: fewest repeats of one HTTP or RPC call in a run (10).
    pub n_plus_one_call_count: u32,
    /// N+1: least summed duration of an HTTP or RPC run (300 ms, as Sentry).
    pub n_plus_one_call_total_ns: i64,
    /// N+1: most idle time between two repeats, i.e. time between them that
    /// no other child of the parent covers (5 ms).
    pub n_plus_one_max_gap_ns: i64,
    /// Sequential: shortest call that counts (30 ms); shorter calls neither
    /// join a chain nor break it.
    pub sequential_min_call_ns: i64,
    /// Sequential: least saving, the chain's total minus its longest call (100 ms).
    pub sequential_min_saved_ns: i64,
    /// Sequential: least saving as a share of the parent's duration (0.1).
    pub sequential_min_saved_ratio: f64,
    /// Slow query: a database call at least this long is slow (500 ms).
    pub slow_query_ns: i64,
    /// Slow query: fewest runs of a statement across loaded traces for its
    /// own p99 to judge it (20).
    pub slow_query_baseline_samples: u32,
    /// Slow query: how many times the p99 of the statement's other runs a
    /// call must take to be slow for its statement (2.0).
    pub slow_query_baseline_factor: f64,
    /// Timeout: least time a callee must keep working after its caller
    /// ended (100 ms; less is clock skew or hand-off).
    pub timeout_min_overrun_ns: i64,
    /// Timeout: least wait for a call that never got an answer (1 s).
    pub timeout_no_answer_ns: i64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            n_plus_one_db_count: 5,
            n_plus_one_db_total_ns: 50 * MS,
            n_plus_one_call_count: 10,
            n_plus_one_call_total_ns: 300 * MS,
            n_plus_one_max_gap_ns: 5 * MS,
            sequential_min_call_ns: 30 * MS,
            sequential_min_saved_ns: 100 * MS,
            sequential_min_saved_ratio: 0.1,
            slow_query_ns: 500 * MS,
            slow_query_baseline_samples: 20,
            slow_query_baseline_factor: 2.0,
            timeout_min_overrun_ns: 100 * MS,
            timeout_no_answer_ns: SEC,
        }
    }
}

impl Thresholds {
    /// (field, meaning) of every threshold, for the UI; the defaults are
    /// `Thresholds::default().values()`.
    pub const DOC: &'static [(&'static str, &'static str)] = &[
        (
            "n_plus_one_db_count",
            "N+1: fewest repeats of one database statement in a run",
        ),
        (
            "n_plus_one_db_total_ns",
            "N+1: least summed duration of a database run",
        ),
        (
            "n_plus_one_call_count",
            "N+1: fewest repeats of one HTTP or RPC call in a run",
        ),
        (
            "n_plus_one_call_total_ns",
            "N+1: least summed duration of an HTTP or RPC run",
        ),
        (
            "n_plus_one_max_gap_ns",
            "N+1: most idle time between two repeats, not covered by other calls",
        ),
        (
            "sequential_min_call_ns",
            "Sequential: shortest call that counts",
        ),
        (
            "sequential_min_saved_ns",
            "Sequential: least time saved by running the calls at once",
        ),
        (
            "sequential_min_saved_ratio",
            "Sequential: least time saved as a share of the parent's duration",
        ),
        (
            "slow_query_ns",
            "Slow query: a database call this long is slow",
        ),
        (
            "slow_query_baseline_samples",
            "Slow query: runs of a statement across loaded traces needed to judge it by its p99",
        ),
        (
            "slow_query_baseline_factor",
            "Slow query: times the p99 of the statement's other runs that is slow",
        ),
        (
            "timeout_min_overrun_ns",
            "Timeout: least time a callee keeps working after its caller ended",
        ),
        (
            "timeout_no_answer_ns",
            "Timeout: least wait for a call that never got an answer",
        ),
    ];

    /// (field, current value as people read it), in [`Thresholds::DOC`] order.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        use crate::model::time::format_duration as d;
        vec![
            ("n_plus_one_db_count", self.n_plus_one_db_count.to_string()),
            ("n_plus_one_db_total_ns", d(self.n_plus_one_db_total_ns)),
            (
                "n_plus_one_call_count",
                self.n_plus_one_call_count.to_string(),
            ),
            ("n_plus_one_call_total_ns", d(self.n_plus_one_call_total_ns)),
            ("n_plus_one_max_gap_ns", d(self.n_plus_one_max_gap_ns)),
            ("sequential_min_call_ns", d(self.sequential_min_call_ns)),
            ("sequential_min_saved_ns", d(self.sequential_min_saved_ns)),
            (
                "sequential_min_saved_ratio",
                self.sequential_min_saved_ratio.to_string(),
            ),
            ("slow_query_ns", d(self.slow_query_ns)),
            (
                "slow_query_baseline_samples",
                self.slow_query_baseline_samples.to_string(),
            ),
            (
                "slow_query_baseline_factor",
                self.slow_query_baseline_factor.to_string(),
            ),
            ("timeout_min_overrun_ns", d(self.timeout_min_overrun_ns)),
            ("timeout_no_answer_ns", d(self.timeout_no_answer_ns)),
        ]
    }
}

impl Thresholds {
    /// Sets threshold `key` from text as [`Thresholds::values`] shows it
    /// (times with a unit, `300ms`; counts; ratios), or says what is wrong.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let text = text.trim();
        let time = || {
            crate::analysis::query::parse_time(key, text).and_then(|ns| {
                if ns < 0 {
                    Err(format!("{key} cannot be negative"))
                } else {
                    Ok(ns)
                }
            })
        };
        let count = || {
            text.parse::<u32>()
                .ok()
                .filter(|&n| n >= 2)
                .ok_or_else(|| format!("{key} needs a whole number of 2 or more, got {text:?}"))
        };
        let ratio = |max: f64| {
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0 && *x <= max)
                .ok_or_else(|| format!("{key} needs a number from 0 to {max}, got {text:?}"))
        };
        match key {
            "n_plus_one_db_count" => self.n_plus_one_db_count = count()?,
            "n_plus_one_db_total_ns" => self.n_plus_one_db_total_ns = time()?,
            "n_plus_one_call_count" => self.n_plus_one_call_count = count()?,
            "n_plus_one_call_total_ns" => self.n_plus_one_call_total_ns = time()?,
            "n_plus_one_max_gap_ns" => self.n_plus_one_max_gap_ns = time()?,
            "sequential_min_call_ns" => self.sequential_min_call_ns = time()?,
            "sequential_min_saved_ns" => self.sequential_min_saved_ns = time()?,
            "sequential_min_saved_ratio" => self.sequential_min_saved_ratio = ratio(1.0)?,
            "slow_query_ns" => self.slow_query_ns = time()?,
            "slow_query_baseline_samples" => self.slow_query_baseline_samples = count()?,
            "slow_query_baseline_factor" => self.slow_query_baseline_factor = ratio(1000.0)?,
            "timeout_min_overrun_ns" => self.timeout_min_overrun_ns = time()?,
            "timeout_no_answer_ns" => self.timeout_no_answer_ns = time()?,
            _ => return Err(format!("no threshold called {key:?}")),
        }
        Ok(())
    }

    /// The values that differ from the defaults, as `key=value;key=value`
    /// (what the app remembers between visits).
    pub fn changes(&self) -> String {
        let d = Thresholds::default().values();
        self.values()
            .into_iter()
            .zip(d)
            .filter(|((_, v), (_, dv))| v != dv)
            .map(|((k, v), _)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The defaults with [`Thresholds::changes`] applied (bad entries
    /// skipped).
    pub fn with_changes(text: &str) -> Thresholds {
        let mut th = Thresholds::default();
        for item in text.split(';') {
            if let Some((k, v)) = item.split_once('=') {
                let _ = th.set(k, v);
            }
        }
        th
    }

    /// One line per threshold, "meaning: value", for the UI.
    pub fn describe(&self) -> Vec<String> {
        Thresholds::DOC
            .iter()
            .zip(self.values())
            .map(|((_, meaning), (_, value))| format!("{meaning}: {value}"))
            .collect()
    }
}

/// One flagged pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    /// The common parent span ([`crate::model::NONE`] when none).
    pub parent: u32,
    /// The spans concerned, by start time.
    pub spans: Vec<u32>,
    /// How many spans (`spans.len()`).
    pub count: u32,
    /// Their summed duration (timeout: how long work went on after the
    /// caller gave up; no answer: how long the caller waited).
    pub total_ns: i64,
    /// Estimated saving (0 where it does not apply).
    pub saved_ns: i64,
    /// Any of `spans` is on the critical path.
    pub on_critical_path: bool,
    /// Short: "GET /products/{id} ×30".
    pub title: String,
    /// One sentence: what happened and what a fix could save.
    pub detail: String,
}

impl Pattern {
    /// The title without its "×N" count: "GET /products/{id}".
    pub fn title_name(&self) -> String {
        match self.title.rsplit_once(" ×") {
            Some((name, n)) if n.bytes().all(|b| b.is_ascii_digit()) => name.to_owned(),
            _ => self.title.clone(),
        }
    }
}

/// [`Baseline::build`] a slice of spans at a time (for big stores: no step
/// blocks the page for long). The store must not change between steps.
#[derive(Debug, Default)]
pub struct BaselineBuilder {
    next: usize,
    by_key: FxHashMap<String, Vec<i64>>,
}

impl BaselineBuilder {
    /// Reads up to `spans` more spans; true once every span is read.
    pub fn step(&mut self, store: &Store, spans: usize) -> bool {
        let end = self.next.saturating_add(spans).min(store.spans.len());
        let sem = Sem::new(store);
        let mut table = KeyTable::default();
        let mut samples: Vec<Vec<i64>> = Vec::new();
        for i in self.next..end {
            if !semconv::may_call(store.spans.kind[i]) {
                continue;
            }
            let s = sem.span(i as u32);
            let Some(p) = semconv::call_parts(&s) else {
                continue;
            };
            if p.kind != CallKind::Db {
                continue;
            }
            let id = table.id(&p) as usize;
            if samples.len() <= id {
                samples.resize_with(id + 1, Vec::new);
            }
            samples[id].push(store.spans.duration[i]);
        }
        for (key, v) in table.keys.into_iter().zip(samples) {
            if !v.is_empty() {
                self.by_key.entry(key).or_default().extend(v);
            }
        }
        self.next = end;
        end == store.spans.len()
    }

    pub fn finish(mut self) -> Baseline {
        for v in self.by_key.values_mut() {
            v.sort_unstable();
        }
        Baseline {
            by_key: self.by_key,
        }
    }
}

/// Statistics of one statement in a [`Baseline`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementStats {
    pub samples: u32,
    pub p50: i64,
    pub p99: i64,
}

/// p99 (nearest rank) of DB span durations per normalised statement across
/// every loaded trace, with sample counts. Statements are database repeat
/// keys ([`semconv::Target::key`]: system, host and normalised statement).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Baseline {
    /// Sorted durations per statement.
    by_key: FxHashMap<String, Vec<i64>>,
}

impl Baseline {
    pub fn build(store: &Store) -> Baseline {
        let mut b = BaselineBuilder::default();
        while !b.step(store, usize::MAX) {}
        b.finish()
    }

    /// Statements known.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Samples, p50 and p99 of statement `key`.
    pub fn stats(&self, key: &str) -> Option<StatementStats> {
        self.samples(key).map(stats_of)
    }

    /// The durations of statement `key`, sorted.
    pub fn samples(&self, key: &str) -> Option<&[i64]> {
        self.by_key.get(key).map(Vec::as_slice)
    }

    /// The stats of the *other* runs of `key` than one that took `d` (one
    /// sample of `d` left out when there is one): a run is never judged
    /// against itself.
    pub fn others(&self, key: &str, d: i64) -> Option<StatementStats> {
        others_of(self.samples(key)?, d)
    }
}

/// Samples, p50 and p99 of sorted durations.
pub(crate) fn stats_of(v: &[i64]) -> StatementStats {
    StatementStats {
        samples: v.len() as u32,
        p50: percentile(v, 50.0),
        p99: percentile(v, 99.0),
    }
}

/// [`Baseline::others`] of sorted durations `v`.
pub(crate) fn others_of(v: &[i64], d: i64) -> Option<StatementStats> {
    let Ok(at) = v.binary_search(&d) else {
        return (!v.is_empty()).then(|| stats_of(v));
    };
    let n = v.len() - 1;
    if n == 0 {
        return None;
    }
    // The k-th (1-based) of the others.
    let kth = |k: usize| if k - 1 < at { v[k - 1] } else { v[k] };
    let rank = |p: f64| ((p / 100.0) * n as f64).ceil().clamp(1.0, n as f64) as usize;
    Some(StatementStats {
        samples: n as u32,
        p50: kth(rank(50.0)),
        p99: kth(rank(99.0)),
    })
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> i64 {
    crate::analysis::services::percentile(sorted, p)
}

/// Repeat keys interned as small ids; a statement seen before in the same
/// words is not normalised again.
#[derive(Default)]
pub(crate) struct KeyTable<'a> {
    pub keys: Vec<String>,
    ids: FxHashMap<String, u32>,
    raw: FxHashMap<(CallKind, &'a str, &'a str, &'a str), u32>,
}

impl<'a> KeyTable<'a> {
    pub fn id(&mut self, p: &CallParts<'a>) -> u32 {
        if let Cow::Borrowed(c) = p.c {
            if let Some(&id) = self.raw.get(&(p.kind, p.a, p.b, c)) {
                return id;
            }
            let id = self.intern(semconv::key_of(p));
            self.raw.insert((p.kind, p.a, p.b, c), id);
            return id;
        }
        self.intern(semconv::key_of(p))
    }

    fn intern(&mut self, key: String) -> u32 {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.clone());
        self.ids.insert(key, id);
        id
    }
}

/// A span that is a call: its kind and repeat key id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Call {
    pub kind: CallKind,
    pub key: u32,
}

/// What every rule reads about one trace.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub sem: Sem<'a>,
    pub th: &'a Thresholds,
    pub baseline: &'a Baseline,
    /// The trace's first span.
    pub base: u32,
    /// Its spans.
    pub n: usize,
    /// Per span of the trace: the call it is, if any.
    pub calls: &'a [Option<Call>],
    /// Repeat keys by id.
    pub keys: &'a [String],
}

/// The calls of a trace's spans ([`Ctx::calls`]), read a slice of spans at a
/// time; repeat keys are shared across slices.
#[derive(Debug, Default)]
pub(crate) struct Calls {
    base: u32,
    n: usize,
    calls: Vec<Option<Call>>,
    keys: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl Calls {
    fn new(store: &Store, t: u32) -> Calls {
        let r = store.traces[t as usize].spans;
        Calls {
            base: r.start,
            n: r.len as usize,
            calls: Vec::with_capacity(r.len as usize),
            ..Calls::default()
        }
    }

    fn done(&self) -> bool {
        self.calls.len() == self.n
    }

    /// Reads up to `spans` more spans of the trace.
    fn step(&mut self, store: &Store, spans: usize) {
        let from = self.calls.len();
        let end = from.saturating_add(spans).min(self.n);
        let sem = Sem::new(store);
        let mut table = KeyTable::default();
        let local: Vec<Option<Call>> = (from..end)
            .map(|k| {
                let i = self.base as usize + k;
                if !semconv::may_call(store.spans.kind[i]) {
                    return None;
                }
                let s = sem.span(i as u32);
                let p = semconv::call_parts(&s)?;
                Some(Call {
                    kind: p.kind,
                    key: table.id(&p),
                })
            })
            .collect();
        // This slice's key ids -> the trace's.
        let map: Vec<u32> = table
            .keys
            .into_iter()
            .map(|key| {
                let next = self.keys.len() as u32;
                *self.ids.entry(key).or_insert_with_key(|key| {
                    self.keys.push(key.clone());
                    next
                })
            })
            .collect();
        self.calls.extend(local.into_iter().map(|c| {
            c.map(|c| Call {
                kind: c.kind,
                key: map[c.key as usize],
            })
        }));
    }
}

impl<'a> Ctx<'a> {
    fn new(
        store: &'a Store,
        th: &'a Thresholds,
        baseline: &'a Baseline,
        calls: &'a Calls,
    ) -> Ctx<'a> {
        Ctx {
            store,
            sem: Sem::new(store),
            th,
            baseline,
            base: calls.base,
            n: calls.n,
            calls: &calls.calls,
            keys: &calls.keys,
        }
    }

    pub fn at(&self, span: u32) -> usize {
        (span - self.base) as usize
    }

    pub fn call(&self, span: u32) -> Option<Call> {
        self.calls[self.at(span)]
    }

    pub fn start(&self, span: u32) -> i64 {
        self.store.spans.start[span as usize]
    }

    pub fn end(&self, span: u32) -> i64 {
        self.store.span_end(span)
    }

    pub fn dur(&self, span: u32) -> i64 {
        self.store.spans.duration[span as usize].max(0)
    }

    /// The full target of a call span (label and peer), for reports.
    pub fn target(&self, span: u32) -> Option<Target> {
        semconv::target_of(&self.sem.span(span))
    }

    /// "GET /products/{id}" for a call, the span name otherwise.
    pub fn label(&self, span: u32) -> String {
        match self.target(span) {
            Some(t) => t.label,
            None => self
                .store
                .str(self.store.spans.name[span as usize])
                .to_owned(),
        }
    }

    /// "inventory-service GET /products/{id}" for a call (the callee's
    /// name first), the service and span name otherwise.
    pub fn who_what(&self, span: u32) -> String {
        match self.target(span) {
            Some(t) if t.kind == CallKind::Db => format!("{} ({})", t.label, t.peer),
            Some(t) => format!("{} {}", t.peer, t.label),
            None => format!(
                "{} {}",
                self.service(span),
                self.store.str(self.store.spans.name[span as usize])
            ),
        }
    }

    pub fn service(&self, span: u32) -> String {
        service_name(self.store, self.store.spans.service[span as usize])
    }

    pub fn parent(&self, span: u32) -> u32 {
        self.store.spans.parent[span as usize]
    }

    /// The children of `parent` someone waited for (not async ones).
    pub fn sync_children(&self, parent: u32) -> impl Iterator<Item = u32> + '_ {
        self.store
            .children(parent)
            .iter()
            .copied()
            .filter(move |&c| {
                !crate::analysis::critical_path::is_async_child(self.store, parent, c)
            })
    }

    /// Whether `b` starts after `a` ends, allowing the slack of the module doc.
    pub fn after(&self, a_end: i64, a_dur: i64, b: u32) -> bool {
        let slack = (a_dur.min(self.dur(b)) / 10).max(1_000);
        self.start(b) >= a_end - slack
    }
}

/// Every pattern in trace `facts.trace`, ordered by `saved_ns`, then
/// `total_ns`, largest first. Also sets `facts.patterns` (cleared first).
pub fn detect(
    store: &Store,
    facts: &mut Facts,
    th: &Thresholds,
    baseline: &Baseline,
) -> Vec<Pattern> {
    let mut d = Detect::new(store, facts.trace);
    while !d.step(store, th, baseline, usize::MAX) {}
    d.finish(store, facts)
}

/// [`detect`] in steps, for big traces: the calls of a slice of spans per
/// step, then one rule per step. The store must not change between steps.
#[derive(Debug)]
pub struct Detect {
    calls: Calls,
    /// Rules run so far (0..=4).
    rules: u8,
    out: Vec<Pattern>,
}

impl Detect {
    pub fn new(store: &Store, t: u32) -> Detect {
        Detect {
            calls: Calls::new(store, t),
            rules: 0,
            out: Vec::new(),
        }
    }

    /// Reads up to `spans` spans' calls, or runs the next rule; true once
    /// every rule ran.
    pub fn step(
        &mut self,
        store: &Store,
        th: &Thresholds,
        baseline: &Baseline,
        spans: usize,
    ) -> bool {
        if !self.calls.done() {
            self.calls.step(store, spans);
            if spans != usize::MAX {
                return false;
            }
        }
        let ctx = Ctx::new(store, th, baseline, &self.calls);
        loop {
            match self.rules {
                0 => {
                    let found = n_plus_one::detect(&ctx);
                    self.out.extend(found);
                }
                1 => {
                    let mut in_run = vec![false; ctx.n];
                    for p in &self.out {
                        for &s in &p.spans {
                            in_run[ctx.at(s)] = true;
                        }
                    }
                    self.out.extend(sequential::detect(&ctx, &in_run));
                }
                2 => self.out.extend(slow_query::detect(&ctx)),
                3 => self.out.extend(timeout::detect(&ctx)),
                _ => return true,
            }
            self.rules += 1;
            if spans != usize::MAX {
                return self.rules == 4;
            }
        }
    }

    /// The patterns found, most costly first; marks their spans in `facts`
    /// (whose critical path must be filled).
    pub fn finish(self, store: &Store, facts: &mut Facts) -> Vec<Pattern> {
        let mut out = self.out;
        let (base, n) = (self.calls.base, self.calls.n);
        facts.base = base;
        facts.patterns.clear();
        facts.patterns.resize(n, 0);
        for p in &mut out {
            p.spans.sort_by_key(|&s| (store.spans.start[s as usize], s));
            p.count = p.spans.len() as u32;
            p.on_critical_path = p.spans.iter().any(|&s| {
                facts
                    .critical_ns
                    .get((s - base) as usize)
                    .is_some_and(|&c| c > 0)
            });
            for &s in &p.spans {
                facts.patterns[(s - base) as usize] |= p.kind.bit();
            }
        }
        out.sort_by(|a, b| {
            b.saved_ns
                .cmp(&a.saved_ns)
                .then(b.total_ns.cmp(&a.total_ns))
                .then(a.kind.cmp(&b.kind))
                .then(a.spans.first().cmp(&b.spans.first()))
        });
        out
    }
}

/// A duration as people read it ("330ms", "2.1s").
pub(crate) fn dur(ns: i64) -> String {
    crate::model::time::format_duration(ns)
}

/// "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built traces for the rules' tests.

    use crate::analysis::{critical_path, Facts};
    use crate::import;
    use crate::model::Store;

    /// A span: id, parent, service, kind ("" = unset; CLIENT, SERVER,
    /// PRODUCER, CONSUMER), name, start µs, duration µs, tags.
    pub type S<'a> = (
        &'a str,
        Option<&'a str>,
        &'a str,
        &'a str,
        &'a str,
        i64,
        i64,
        &'a [(&'a str, &'a str)],
    );

    /// One Zipkin trace (traceId 1) per call; several calls add traces.
    pub fn zipkin(spans: &[S]) -> String {
        let items: Vec<String> = spans
            .iter()
            .map(|(id, parent, svc, kind, name, start, dur, tags)| {
                let parent = parent
                    .map(|p| format!(r#""parentId":"{p}","#))
                    .unwrap_or_default();
                let kind = if kind.is_empty() {
                    String::new()
                } else {
                    format!(r#""kind":"{kind}","#)
                };
                let tags: Vec<String> = tags
                    .iter()
                    .map(|(k, v)| format!("{}:{}", json(k), json(v)))
                    .collect();
                format!(
                    r#"{{"traceId":"1","id":"{id}",{parent}{kind}"name":{},"timestamp":{},"duration":{dur},"localEndpoint":{{"serviceName":"{svc}"}},"tags":{{{}}}}}"#,
                    json(name),
                    1_000_000 + start,
                    tags.join(",")
                )
            })
            .collect();
        format!("[{}]", items.join(","))
    }

    fn json(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    pub fn store(spans: &[S]) -> Store {
        let mut s = Store::default();
        import::load(&mut s, "t.json", zipkin(spans).as_bytes()).unwrap();
        s
    }

    /// Facts of trace `t` with its critical path filled in.
    pub fn facts(store: &Store, t: u32) -> Facts {
        let mut f = Facts::empty(store, t);
        f.critical_ns = critical_path::compute(store, t).span_ns;
        f
    }

    /// The patterns of `kind` that [`super::detect`] finds in trace `t`.
    pub fn of_kind(
        store: &Store,
        t: u32,
        baseline: &super::Baseline,
        kind: super::PatternKind,
    ) -> Vec<super::Pattern> {
        let mut f = facts(store, t);
        super::detect(store, &mut f, &super::Thresholds::default(), baseline)
            .into_iter()
            .filter(|p| p.kind == kind)
            .collect()
    }

    /// The span with Zipkin id `id`.
    pub fn idx(store: &Store, id: &str) -> u32 {
        (0..store.spans.len() as u32)
            .find(|&i| {
                store.spans.id[i as usize]
                    .to_text(&store.strings)
                    .trim_start_matches('0')
                    == id
            })
            .unwrap_or_else(|| panic!("no span {id}"))
    }

    /// Ids of spans, as written.
    pub fn ids(store: &Store, spans: &[u32]) -> Vec<String> {
        spans
            .iter()
            .map(|&i| {
                store.spans.id[i as usize]
                    .to_text(&store.strings)
                    .trim_start_matches('0')
                    .to_owned()
            })
            .collect()
    }

    pub const PG: &[(&str, &str)] = &[
        ("db.system", "postgresql"),
        ("db.statement", "SELECT * FROM stock WHERE sku = 'A1'"),
        ("db.operation", "SELECT"),
        ("db.sql.table", "stock"),
    ];
}

#[cfg(test)]
mod tests {
    use super::testing::facts;
    use super::*;

    fn demo() -> Store {
        let bytes = crate::sources::demo::bytes();
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &bytes).unwrap();
        s
    }

    /// Every pattern of every trace, with its trace.
    fn every(s: &Store) -> Vec<(u32, Pattern)> {
        let th = Thresholds::default();
        let b = Baseline::build(s);
        (0..s.traces.len() as u32)
            .flat_map(|t| {
                let mut f = facts(s, t);
                detect(s, &mut f, &th, &b).into_iter().map(move |p| (t, p))
            })
            .collect()
    }

    fn story(name: &str) -> usize {
        crate::demo::shop::STORIES
            .iter()
            .position(|s| s.0 == name)
            .unwrap()
    }

    /// The demo's traces that tell story `name`.
    fn story_traces(s: &Store, name: &str) -> Vec<u32> {
        let k = story(name);
        let mut v: Vec<u32> = crate::demo::shop::story_traces(crate::sources::demo::SEED)
            .into_iter()
            .filter(|&(st, _)| st == k)
            .map(|(_, id)| {
                let id = crate::model::TraceId::Hex128((id >> 64) as u64, id as u64);
                s.find_trace(id).unwrap()
            })
            .collect();
        v.sort_unstable();
        v
    }

    fn of(all: &[(u32, Pattern)], kind: PatternKind) -> Vec<(u32, &Pattern)> {
        all.iter()
            .filter(|(_, p)| p.kind == kind)
            .map(|(t, p)| (*t, p))
            .collect()
    }

    fn name(s: &Store, span: u32) -> &str {
        s.str(s.spans.name[span as usize])
    }

    fn service(s: &Store, span: u32) -> &str {
        s.str(s.spans.service[span as usize])
    }

    fn traces_of(v: &[(u32, &Pattern)]) -> Vec<u32> {
        let mut t: Vec<u32> = v.iter().map(|(t, _)| *t).collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// Over the whole demo: 4 N+1 runs, 3 sequential chains, 4 slow
    /// queries, 4 timeouts, each one a story or justified below.
    #[test]
    fn the_demo_patterns() {
        let s = demo();
        let all = every(&s);
        let counts: Vec<usize> = PatternKind::ALL
            .iter()
            .map(|&k| of(&all, k).len())
            .collect();
        assert_eq!(counts, [4, 3, 4, 4], "{all:#?}");

        // N+1 story: cart-service fetches each product on its own, once per
        // cart line: exactly as many calls as GET /products/{id} spans
        // under cart-service's server span.
        let n1 = of(&all, PatternKind::NPlusOne);
        let story = story_traces(&s, "N+1 calls");
        assert_eq!(story.len(), 2);
        for &t in &story {
            let http: Vec<&Pattern> = n1
                .iter()
                .filter(|(pt, p)| *pt == t && p.title.starts_with("GET /products/{id}"))
                .map(|(_, p)| *p)
                .collect();
            assert_eq!(http.len(), 1);
            let p = http[0];
            let calls: Vec<u32> = s
                .children(p.parent)
                .iter()
                .copied()
                .filter(|&c| name(&s, c) == "GET /products/{id}")
                .collect();
            assert_eq!(p.spans, calls);
            assert_eq!(service(&s, p.parent), "cart-service");
            assert!(p.on_critical_path);
            let total: i64 = calls.iter().map(|&c| s.spans.duration[c as usize]).sum();
            let longest = calls
                .iter()
                .map(|&c| s.spans.duration[c as usize])
                .max()
                .unwrap();
            assert_eq!((p.total_ns, p.saved_ns), (total, total - longest));
        }
        let counts: Vec<u32> = story
            .iter()
            .map(|&t| {
                n1.iter()
                    .find(|(pt, p)| *pt == t && p.title.starts_with("GET"))
                    .unwrap()
                    .1
                    .count
            })
            .collect();
        let mut counts = counts;
        counts.sort_unstable();
        assert_eq!(counts, [27, 32]);
        // The same carts make inventory-service's order consumer reserve
        // stock line by line: one UPDATE per line after one batched read, a
        // run per story trace, off the critical path (nobody waits for a
        // consumer). Healthy checkouts of up to five lines reserve in
        // 1-2 ms UPDATEs, below 50 ms in all: no pattern.
        let loops: Vec<(u32, &Pattern)> = n1
            .iter()
            .filter(|(_, p)| !p.title.starts_with("GET"))
            .copied()
            .collect();
        assert_eq!(traces_of(&loops), story);
        for (t, p) in &loops {
            assert_eq!(service(&s, p.parent), "inventory-service");
            assert_eq!(name(&s, p.parent), "orders process");
            assert!(!p.on_critical_path);
            assert!(p.title.starts_with("UPDATE shop.stock ×"), "{}", p.title);
            let lines = s.children(p.parent).len() as u32 - 1;
            assert_eq!(p.count, lines, "trace {t}");
        }

        // Sequential: the three quotes, over pricing-a, -b and -c, saving
        // their total minus the longest.
        let seq = of(&all, PatternKind::Sequential);
        assert_eq!(
            traces_of(&seq),
            story_traces(&s, "Sequential external calls")
        );
        for (t, p) in &seq {
            let peers: Vec<String> = p
                .spans
                .iter()
                .map(|&c| {
                    crate::analysis::semconv::peer_service(&s, c)
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(peers, ["pricing-a", "pricing-b", "pricing-c"], "trace {t}");
            assert_eq!(p.title, "pricing-a → pricing-b → pricing-c");
            let d: Vec<i64> = p
                .spans
                .iter()
                .map(|&c| s.spans.duration[c as usize])
                .collect();
            assert_eq!(p.saved_ns, d.iter().sum::<i64>() - d.iter().max().unwrap());
            assert!(p.saved_ns > 400_000_000 && p.on_critical_path);
        }

        // Slow queries: the four 2 s stock lookups, one per slow trace.
        let slow = of(&all, PatternKind::SlowQuery);
        assert_eq!(traces_of(&slow), story_traces(&s, "Slow only sometimes"));
        for (_, p) in &slow {
            assert_eq!(name(&s, p.spans[0]), "SELECT shop.stock");
            assert!(p.total_ns > 1_800_000_000);
            assert!(p.detail.contains("over the 500ms limit"), "{}", p.detail);
        }

        // Timeouts: two per payment-down checkout: the gateway gave up on
        // order-service, and payment-service never answered.
        let to = of(&all, PatternKind::Timeout);
        let down = story_traces(&s, "Cascading failure: payment down");
        assert_eq!(traces_of(&to), down);
        for &t in &down {
            let mine: Vec<&Pattern> = to
                .iter()
                .filter(|(pt, _)| *pt == t)
                .map(|(_, p)| *p)
                .collect();
            assert_eq!(mine.len(), 2);
            let gave_up = mine.iter().find(|p| p.title.contains("gave up")).unwrap();
            assert_eq!(service(&s, gave_up.parent), "api-gateway");
            assert_eq!(name(&s, gave_up.parent), "POST /orders");
            assert!(gave_up.total_ns > 19_000_000_000, "{}", gave_up.total_ns);
            assert!(gave_up.on_critical_path);
            assert!(
                gave_up
                    .detail
                    .contains("waiting for payment-service POST /payments/authorize"),
                "{}",
                gave_up.detail
            );
            let none = mine
                .iter()
                .find(|p| p.title.starts_with("No answer"))
                .unwrap();
            assert_eq!(none.title, "No answer from payment-service in 30s");
            assert_eq!(service(&s, none.parent), "order-service");
        }

        // Nothing else: every other trace is clean.
        let flagged: Vec<u32> = traces_of(&all.iter().map(|(t, p)| (*t, p)).collect::<Vec<_>>());
        let mut expected: Vec<u32> = [story, traces_of(&seq), traces_of(&slow), down].concat();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(flagged, expected);
        assert!(
            s.traces.len() >= 40 && flagged.len() == 11,
            "{} traces, {} flagged",
            s.traces.len(),
            flagged.len()
        );
    }

    /// The facts' pattern bits cover exactly the patterns' spans.
    #[test]
    fn bits_follow_the_patterns() {
        let s = demo();
        let th = Thresholds::default();
        let b = Baseline::build(&s);
        for t in 0..s.traces.len() as u32 {
            let mut f = facts(&s, t);
            f.patterns[0] = 0xff; // cleared by detect
            let found = detect(&s, &mut f, &th, &b);
            let mut want = vec![0u8; f.patterns.len()];
            for p in &found {
                assert_eq!(p.count as usize, p.spans.len());
                assert!(p
                    .spans
                    .windows(2)
                    .all(|w| s.spans.start[w[0] as usize] <= s.spans.start[w[1] as usize]));
                assert!(found
                    .windows(2)
                    .all(|w| (w[0].saved_ns, w[0].total_ns) >= (w[1].saved_ns, w[1].total_ns)));
                for &sp in &p.spans {
                    want[f.at(sp)] |= p.kind.bit();
                }
            }
            assert_eq!(f.patterns, want, "trace {t}");
        }
    }

    /// Detection and the baseline in small slices find exactly what one
    /// pass finds.
    #[test]
    fn in_slices_as_at_once() {
        let s = demo();
        let th = Thresholds::default();
        let whole = Baseline::build(&s);
        let mut b = BaselineBuilder::default();
        let mut steps = 0;
        while !b.step(&s, 37) {
            steps += 1;
        }
        assert!(steps > 10);
        assert_eq!(b.finish(), whole);
        for t in 0..s.traces.len() as u32 {
            let mut f1 = facts(&s, t);
            let at_once = detect(&s, &mut f1, &th, &whole);
            let mut f2 = facts(&s, t);
            let mut d = Detect::new(&s, t);
            while !d.step(&s, &th, &whole, 5) {}
            assert_eq!(d.finish(&s, &mut f2), at_once, "trace {t}");
            assert_eq!(f1, f2);
        }
    }

    #[test]
    fn thresholds_are_adjustable() {
        let mut th = Thresholds::default();
        th.set("n_plus_one_call_total_ns", "120ms").unwrap();
        th.set("sequential_min_saved_ratio", "0.25").unwrap();
        th.set("n_plus_one_db_count", " 8 ").unwrap();
        assert_eq!(th.n_plus_one_call_total_ns, 120 * MS);
        assert_eq!(
            th.changes(),
            "n_plus_one_db_count=8;n_plus_one_call_total_ns=120ms;sequential_min_saved_ratio=0.25"
        );
        assert_eq!(Thresholds::with_changes(&th.changes()), th);
        assert!(th
            .set("slow_query_ns", "fast")
            .unwrap_err()
            .contains("slow_query_ns"));
        assert!(th.set("n_plus_one_db_count", "1").is_err());
        assert!(th.set("sequential_min_saved_ratio", "2").is_err());
        assert!(th.set("nope", "1").is_err());
        assert_eq!(
            Thresholds::with_changes("nope=1;slow_query_ns=x"),
            Thresholds::default()
        );
    }

    #[test]
    fn thresholds_are_documented() {
        let th = Thresholds::default();
        let v = th.values();
        assert_eq!(v.len(), Thresholds::DOC.len());
        for ((a, _), (b, _)) in Thresholds::DOC.iter().zip(&v) {
            assert_eq!(a, b);
        }
        assert_eq!(v[0].1, "5");
        assert_eq!(v[3].1, "300ms");
        let lines = th.describe();
        assert_eq!(
            lines[8],
            "Slow query: a database call this long is slow: 500ms"
        );
        for k in PatternKind::ALL {
            assert_eq!(PatternKind::from_key(k.key()), Some(k));
        }
        let p = Pattern {
            kind: PatternKind::NPlusOne,
            parent: 0,
            spans: vec![],
            count: 0,
            total_ns: 0,
            saved_ns: 0,
            on_critical_path: false,
            title: "GET /products/{id} ×30".into(),
            detail: String::new(),
        };
        assert_eq!(p.title_name(), "GET /products/{id}");
    }

    /// `cargo test --release --lib -- --ignored patterns::tests::timing --nocapture`
    #[test]
    #[ignore]
    fn timing() {
        let (spans, resources) = crate::demo::big::generate(100_000, 7);
        let mut bytes = Vec::new();
        crate::demo::synth::write_otlp_json(&spans, &resources, &mut bytes).unwrap();
        let mut s = Store::default();
        crate::import::load(&mut s, "big", &bytes).unwrap();
        let t = (0..s.traces.len() as u32)
            .max_by_key(|&t| s.traces[t as usize].spans.len)
            .unwrap();
        let th = Thresholds::default();
        let mut f = facts(&s, t);
        let start = std::time::Instant::now();
        let b = Baseline::build(&s);
        let base = start.elapsed();
        let mut best = std::time::Duration::MAX;
        let mut found = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            found = detect(&s, &mut f, &th, &b);
            best = best.min(start.elapsed());
        }
        let counts: Vec<usize> = PatternKind::ALL
            .iter()
            .map(|&k| found.iter().filter(|p| p.kind == k).count())
            .collect();
        let clock = std::time::Instant::now();
        let mut calls = Calls::new(&s, t);
        calls.step(&s, usize::MAX);
        let ctx = Ctx::new(&s, &th, &b, &calls);
        let c0 = clock.elapsed();
        let np = n_plus_one::detect(&ctx);
        let c1 = clock.elapsed();
        let in_run = vec![false; ctx.n];
        let sq = sequential::detect(&ctx, &in_run);
        let c2 = clock.elapsed();
        let sl = slow_query::detect(&ctx);
        let c3 = clock.elapsed();
        let to = timeout::detect(&ctx);
        let c4 = clock.elapsed();
        eprintln!(
            "phases: ctx {c0:?}, n+1 {:?}, sequential {:?}, slow {:?}, timeout {:?} ({} {} {} {})",
            c1 - c0,
            c2 - c1,
            c3 - c2,
            c4 - c3,
            np.len(),
            sq.len(),
            sl.len(),
            to.len()
        );
        eprintln!(
            "{} spans: baseline {:?}, detect {:?} (best of 5), patterns {counts:?}",
            s.traces[t as usize].spans.len, base, best
        );
    }
}
