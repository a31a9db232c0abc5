//! The statistics table: spans grouped by service, by operation or by any
//! attribute (plus an optional sub-group), for one trace or every loaded one.
//!
//! Per group: count, errors and error rate (errors / count), total
//! duration, self time total, avg, min, max, p50/p95/p99 of the duration
//! (nearest rank), time on the critical path and
//! its share of the path, and *wall-clock* time: the union of the group's
//! span intervals within each trace, so a group of concurrent spans counts
//! the time they took together once; its share is of the traces' extent.
//!
//! Where it differs from Jaeger UI's trace statistics: Jaeger's "self time in
//! duration" sums self times and can exceed 100% with concurrent leaves
//! (jaeger-ui#689); here both shares are wall-clock shares and never exceed
//! 100% (the summed self time is still shown, without a share). Jaeger has no
//! percentiles, errors or critical-path columns, groups by operation name
//! alone (here service + operation: the same name in two services is two
//! operations), and computes per render (slow past 10k spans, #1263); this is
//! one pass over the spans plus a sort per group. Grafana has no per-trace
//! statistics (tempo#3062).

use rustc_hash::FxHashMap;

use super::services::percentile;
use super::Facts;
use crate::model::{Store, Value};

/// What spans are grouped by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Service,
    /// Service and operation name.
    Operation,
    /// An attribute key (of the span, else its resource).
    Attribute(String),
}

impl GroupBy {
    /// Parses the URL/UI form: `service`, `operation`, or an attribute key.
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "" => None,
            "service" => Some(GroupBy::Service),
            "operation" => Some(GroupBy::Operation),
            k => Some(GroupBy::Attribute(k.to_owned())),
        }
    }

    pub fn key(&self) -> &str {
        match self {
            GroupBy::Service => "service",
            GroupBy::Operation => "operation",
            GroupBy::Attribute(k) => k,
        }
    }
}

/// What the table shows: its grouping, sub-grouping and scope. In links as
/// `group[,sub][;all]` (`operation`, `service,http.route;all`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsSpec {
    pub by: GroupBy,
    pub sub: Option<GroupBy>,
    /// Every loaded trace, not only the open one.
    pub all: bool,
}

impl Default for StatsSpec {
    fn default() -> Self {
        StatsSpec {
            by: GroupBy::Operation,
            sub: None,
            all: false,
        }
    }
}

impl StatsSpec {
    pub fn parse(s: &str) -> Option<StatsSpec> {
        let (groups, all) = match s.split_once(';') {
            Some((g, "all")) => (g, true),
            Some(_) => return None,
            None => (s, false),
        };
        let (by, sub) = match groups.split_once(',') {
            Some((a, b)) => (GroupBy::parse(a)?, Some(GroupBy::parse(b)?)),
            None => (GroupBy::parse(groups)?, None),
        };
        Some(StatsSpec { by, sub, all })
    }

    pub fn format(&self) -> String {
        let mut out = self.by.key().to_owned();
        if let Some(sub) = &self.sub {
            out.push(',');
            out.push_str(sub.key());
        }
        if self.all {
            out.push_str(";all");
        }
        out
    }
}

/// The label of the group a span without the attribute falls in.
pub const WITHOUT: &str = "(not set)";

/// One row of the table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub group: String,
    /// The sub-group's value, when sub-grouped.
    pub sub: Option<String>,
    pub count: u32,
    pub errors: u32,
    pub total_ns: i64,
    pub self_ns: i64,
    pub avg_ns: i64,
    pub min_ns: i64,
    pub max_ns: i64,
    pub p50_ns: i64,
    pub p95_ns: i64,
    pub p99_ns: i64,
    pub critical_ns: i64,
    /// Of the critical paths' total time (0..=1).
    pub critical_share: f64,
    /// Union of the group's span intervals, per trace, summed.
    pub wall_ns: i64,
    /// Of the traces' extent (0..=1).
    pub wall_share: f64,
    /// The spans in the group (to highlight them), in store order.
    pub spans: Vec<u32>,
    /// A find-box query ([`super::query`]) that matches the group's spans.
    pub filter: String,
}

impl Row {
    /// Errors of the group's spans (0..=1).
    pub fn error_rate(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.errors as f64 / self.count as f64
        }
    }
}

/// The value of `by` for span `i`.
fn value_of(store: &Store, i: u32, by: &GroupBy) -> String {
    match by {
        GroupBy::Service => super::services::service_name(store, store.spans.service[i as usize]),
        GroupBy::Operation => format!(
            "{} · {}",
            super::services::service_name(store, store.spans.service[i as usize]),
            store.str(store.spans.name[i as usize])
        ),
        GroupBy::Attribute(k) => {
            let v = store.attr(i, k).or_else(|| {
                let key = store.strings.lookup(k)?;
                let r = store.resource_of(i)?;
                store
                    .attrs_of(r.attrs)
                    .iter()
                    .find(|a| a.key == key)
                    .map(|a| &a.value)
            });
            match v {
                Some(Value::Str(t)) => store.text(*t).to_owned(),
                Some(v) => store.format_value(v),
                None => WITHOUT.to_owned(),
            }
        }
    }
}

/// A query term matching spans whose `by` value is that of span `i`.
fn filter_of(store: &Store, i: u32, by: &GroupBy) -> String {
    let service = || {
        format!(
            "service=={}",
            quote(store.str(store.spans.service[i as usize]))
        )
    };
    match by {
        GroupBy::Service => service(),
        GroupBy::Operation => format!(
            "{} name=={}",
            service(),
            quote(store.str(store.spans.name[i as usize]))
        ),
        GroupBy::Attribute(k) => match value_of(store, i, by) {
            v if v == WITHOUT && store.attr(i, k).is_none() => format!("-{}~\"\"", quote(k)),
            v => format!("{}=={}", quote(k), quote(&v)),
        },
    }
}

/// `s` as a quoted query word.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The table over the traces of `facts` (one entry per trace, self times and
/// critical paths filled), grouped by `by` then `sub`. Rows by critical-path
/// time, then total time, most first.
pub fn table(store: &Store, facts: &[&Facts], by: &GroupBy, sub: Option<&GroupBy>) -> Vec<Row> {
    let mut job = TableJob::new(by.clone(), sub.cloned());
    loop {
        if let Some(rows) = job.step(store, facts, usize::MAX) {
            return rows;
        }
    }
}

/// [`table`] in steps of about `spans` spans each (for big traces: no step
/// blocks the page for long): the spans a slice at a time, then each
/// trace's wall-clock unions and the percentiles a few groups at a time.
/// `facts` and the store must not change between steps.
#[derive(Debug)]
pub struct TableJob {
    by: GroupBy,
    sub: Option<GroupBy>,
    index: FxHashMap<(String, Option<String>), usize>,
    rows: Vec<Row>,
    durations: Vec<Vec<i64>>,
    critical_total: i64,
    extent: i64,
    /// The trace being read (index into `facts`), and the next span of it.
    trace: usize,
    next: Option<u32>,
    /// Rows whose wall time of the current trace is done.
    walled: usize,
    /// Rows finished (percentiles, shares), once every trace is read.
    finished: usize,
}

impl TableJob {
    pub fn new(by: GroupBy, sub: Option<GroupBy>) -> TableJob {
        TableJob {
            by,
            sub,
            index: FxHashMap::default(),
            rows: Vec::new(),
            durations: Vec::new(),
            critical_total: 0,
            extent: 0,
            trace: 0,
            next: None,
            walled: 0,
            finished: 0,
        }
    }

    /// One step; the rows once done.
    pub fn step(&mut self, store: &Store, facts: &[&Facts], spans: usize) -> Option<Vec<Row>> {
        let mut budget = spans;
        while budget > 0 {
            let Some(f) = facts.get(self.trace) else {
                return self.finish_some(&mut budget);
            };
            let range = store.traces[f.trace as usize].spans;
            let next = match self.next {
                Some(n) => n,
                None => {
                    self.extent += store.traces[f.trace as usize].duration().max(0);
                    self.critical_total += f.critical_ns.iter().sum::<i64>();
                    range.start
                }
            };
            let end = range.start + range.len;
            if next < end {
                let upto = (next as usize).saturating_add(budget).min(end as usize) as u32;
                for i in next..upto {
                    self.add(store, f, i);
                }
                budget -= (upto - next) as usize;
                self.next = Some(upto);
                continue;
            }
            // Wall-clock time of each group in this trace: the union of its
            // spans' intervals (spans are added in store order, so this
            // trace's are the tail of each row's list).
            while self.walled < self.rows.len() && budget > 0 {
                let r = &mut self.rows[self.walled];
                let from = r.spans.partition_point(|&s| s < range.start);
                budget = budget.saturating_sub(r.spans.len() - from + 1);
                r.wall_ns += union_len(store, &r.spans[from..]);
                self.walled += 1;
            }
            if self.walled == self.rows.len() {
                self.trace += 1;
                self.next = None;
                self.walled = 0;
            }
        }
        None
    }

    fn add(&mut self, store: &Store, f: &Facts, i: u32) {
        let key = (
            value_of(store, i, &self.by),
            self.sub.as_ref().map(|s| value_of(store, i, s)),
        );
        let (by, sub) = (&self.by, self.sub.as_ref());
        let rows = &mut self.rows;
        let durations = &mut self.durations;
        let k = *self.index.entry(key).or_insert_with_key(|key| {
            let mut filter = filter_of(store, i, by);
            if let Some(sub) = sub {
                filter.push(' ');
                filter.push_str(&filter_of(store, i, sub));
            }
            rows.push(Row {
                group: key.0.clone(),
                sub: key.1.clone(),
                filter,
                min_ns: i64::MAX,
                ..Row::default()
            });
            durations.push(Vec::new());
            rows.len() - 1
        });
        let d = store.spans.duration[i as usize];
        let r = &mut self.rows[k];
        r.count += 1;
        r.errors += store.is_error(i) as u32;
        r.total_ns += d;
        r.self_ns += f.self_of(i);
        r.critical_ns += f.critical_of(i);
        r.min_ns = r.min_ns.min(d);
        r.max_ns = r.max_ns.max(d);
        r.spans.push(i);
        self.durations[k].push(d);
    }

    /// Percentiles and shares of a few more rows; the sorted rows once all
    /// are done.
    fn finish_some(&mut self, budget: &mut usize) -> Option<Vec<Row>> {
        while self.finished < self.rows.len() && *budget > 0 {
            let k = self.finished;
            let d = &mut self.durations[k];
            *budget = budget.saturating_sub(d.len() + 1);
            d.sort_unstable();
            let r = &mut self.rows[k];
            r.avg_ns = r.total_ns / r.count.max(1) as i64;
            r.p50_ns = percentile(d, 50.0);
            r.p95_ns = percentile(d, 95.0);
            r.p99_ns = percentile(d, 99.0);
            r.critical_share = share(r.critical_ns, self.critical_total);
            r.wall_share = share(r.wall_ns, self.extent);
            self.durations[k] = Vec::new();
            self.finished += 1;
        }
        if self.finished < self.rows.len() {
            return None;
        }
        let mut rows = std::mem::take(&mut self.rows);
        rows.sort_by(|a, b| {
            b.critical_ns
                .cmp(&a.critical_ns)
                .then(b.total_ns.cmp(&a.total_ns))
                .then_with(|| a.group.cmp(&b.group))
                .then_with(|| a.sub.cmp(&b.sub))
        });
        Some(rows)
    }
}

fn share(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        (part as f64 / whole as f64).clamp(0.0, 1.0)
    }
}

/// Length of the union of the spans' intervals.
fn union_len(store: &Store, spans: &[u32]) -> i64 {
    let mut iv: Vec<(i64, i64)> = spans
        .iter()
        .map(|&s| (store.spans.start[s as usize], store.span_end(s)))
        .filter(|(a, b)| b > a)
        .collect();
    iv.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for (a, b) in iv {
        cur = match cur {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    total + cur.map_or(0, |(a, b)| b - a)
}

/// A column of the table, to sort by and to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Count,
    Errors,
    ErrorRate,
    Total,
    SelfTotal,
    Avg,
    Min,
    Max,
    P50,
    P95,
    P99,
    Critical,
    CriticalShare,
    WallShare,
}

impl Column {
    pub const ALL: [Column; 15] = [
        Column::Name,
        Column::Count,
        Column::Errors,
        Column::ErrorRate,
        Column::Total,
        Column::SelfTotal,
        Column::Avg,
        Column::Min,
        Column::Max,
        Column::P50,
        Column::P95,
        Column::P99,
        Column::Critical,
        Column::CriticalShare,
        Column::WallShare,
    ];

    /// Header and its tooltip.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Column::Name => ("Name", "The group (and sub-group)"),
            Column::Count => ("Count", "Spans in the group"),
            Column::Errors => ("Errors", "Spans with error status"),
            Column::ErrorRate => ("Error rate", "Share of the group's spans with error status"),
            Column::Total => ("Total", "Sum of the spans' durations"),
            Column::SelfTotal => ("Self", "Sum of the spans' self time (not spent in children)"),
            Column::Avg => ("Avg", "Mean duration"),
            Column::Min => ("Min", "Shortest span"),
            Column::Max => ("Max", "Longest span"),
            Column::P50 => ("p50", "Median duration (nearest rank)"),
            Column::P95 => ("p95", "95th percentile duration"),
            Column::P99 => ("p99", "99th percentile duration"),
            Column::Critical => ("Critical path", "Time on the critical path"),
            Column::CriticalShare => ("% of path", "Share of the critical path"),
            Column::WallShare => (
                "% of trace",
                "Wall-clock share: the time the group's spans cover together, of the trace's extent (never over 100%)",
            ),
        }
    }

    /// The cell's value, as a sort key.
    pub fn value(self, r: &Row) -> f64 {
        match self {
            Column::Name => 0.0,
            Column::Count => r.count as f64,
            Column::Errors => r.errors as f64,
            Column::ErrorRate => r.error_rate(),
            Column::Total => r.total_ns as f64,
            Column::SelfTotal => r.self_ns as f64,
            Column::Avg => r.avg_ns as f64,
            Column::Min => r.min_ns as f64,
            Column::Max => r.max_ns as f64,
            Column::P50 => r.p50_ns as f64,
            Column::P95 => r.p95_ns as f64,
            Column::P99 => r.p99_ns as f64,
            Column::Critical => r.critical_ns as f64,
            Column::CriticalShare => r.critical_share,
            Column::WallShare => r.wall_share,
        }
    }

    /// The cell as shown.
    pub fn text(self, r: &Row) -> String {
        use crate::model::time::format_duration as d;
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        match self {
            Column::Name => r.sub.clone().unwrap_or_else(|| r.group.clone()),
            Column::Count => r.count.to_string(),
            Column::Errors => r.errors.to_string(),
            Column::ErrorRate => pct(r.error_rate()),
            Column::CriticalShare => pct(r.critical_share),
            Column::WallShare => pct(r.wall_share),
            c => d(c.value(r) as i64),
        }
    }
}

/// Orders rows by `col` (names A-Z when ascending), ties by name.
pub fn sort(rows: &mut [Row], col: Column, desc: bool) {
    rows.sort_by(|a, b| {
        let o = match col {
            Column::Name => a.sub.cmp(&b.sub).then_with(|| a.group.cmp(&b.group)),
            c => c.value(a).total_cmp(&c.value(b)),
        };
        let o = if desc { o.reverse() } else { o };
        o.then_with(|| a.group.cmp(&b.group))
            .then_with(|| a.sub.cmp(&b.sub))
    });
}

/// The rows by a spec's grouping, and by its grouping and sub-grouping
/// (what [`nest`] lays out).
pub type Tables = (Vec<Row>, Option<Vec<Row>>);

/// The tables of a [`StatsSpec`] in steps: the grouping's, then (when
/// sub-grouped) the grouping and sub-grouping's.
#[derive(Debug)]
pub struct SpecJob {
    spec: StatsSpec,
    groups: Option<Vec<Row>>,
    job: TableJob,
}

impl SpecJob {
    pub fn new(spec: StatsSpec) -> SpecJob {
        let job = TableJob::new(spec.by.clone(), None);
        SpecJob {
            spec,
            groups: None,
            job,
        }
    }

    /// One step of about `spans` spans; the tables once done.
    pub fn step(&mut self, store: &Store, facts: &[&Facts], spans: usize) -> Option<Tables> {
        loop {
            let rows = self.job.step(store, facts, spans)?;
            match (self.groups.take(), &self.spec.sub) {
                (None, Some(sub)) => {
                    self.groups = Some(rows);
                    self.job = TableJob::new(self.spec.by.clone(), Some(sub.clone()));
                    if spans != usize::MAX {
                        return None;
                    }
                }
                (None, None) => return Some((rows, None)),
                (Some(groups), _) => return Some((groups, Some(rows))),
            }
        }
    }
}

/// The table as shown: each group, sorted, followed by its sub-groups
/// (sorted the same way) when `sub` is set.
pub fn nested(
    store: &Store,
    facts: &[&Facts],
    by: &GroupBy,
    sub: Option<&GroupBy>,
    col: Column,
    desc: bool,
) -> Vec<(Row, Vec<Row>)> {
    let groups = table(store, facts, by, None);
    let subs = sub.map(|sub| table(store, facts, by, Some(sub)));
    nest(groups, subs, col, desc)
}

/// Groups (a table without sub-groups) and, when sub-grouped, the table by
/// both, as [`nested`] shows them.
pub fn nest(
    mut groups: Vec<Row>,
    subs: Option<Vec<Row>>,
    col: Column,
    desc: bool,
) -> Vec<(Row, Vec<Row>)> {
    sort(&mut groups, col, desc);
    let Some(subs) = subs else {
        return groups.into_iter().map(|g| (g, Vec::new())).collect();
    };
    let mut by_group: FxHashMap<String, Vec<Row>> = FxHashMap::default();
    for r in subs {
        by_group.entry(r.group.clone()).or_default().push(r);
    }
    groups
        .into_iter()
        .map(|g| {
            let mut mine = by_group.remove(&g.group).unwrap_or_default();
            sort(&mut mine, col, desc);
            (g, mine)
        })
        .collect()
}

/// The attribute keys spans of these traces have (span and resource), most
/// common first: what the "group by" menu offers.
pub fn attribute_keys(store: &Store, traces: &[u32]) -> Vec<String> {
    let mut counts: FxHashMap<crate::model::Sym, u32> = FxHashMap::default();
    for &t in traces {
        for i in store.traces[t as usize].spans.range() {
            for a in store.span_attrs(i as u32) {
                *counts.entry(a.key).or_default() += 1;
            }
        }
    }
    let mut keys: Vec<(crate::model::Sym, u32)> = counts.into_iter().collect();
    keys.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| store.str(a.0).cmp(store.str(b.0)))
    });
    keys.into_iter()
        .map(|(k, _)| store.str(k).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::query::Query;
    use crate::import;

    fn facts(s: &Store, t: u32) -> Facts {
        Facts::timing(s, t)
    }

    /// Jaeger UI's own statistics fixture: overlapping children that outlive
    /// their parent, on relative times.
    #[test]
    fn jaeger_ui_fixture_overlapping_children() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/traces/jaeger/jaeger-ui__stats-traceWithOverlappingChildrenLongerThanParent.json"
        );
        let Ok(bytes) = std::fs::read(path) else {
            return; // the shared traces are not in this checkout
        };
        let mut s = Store::default();
        import::load(&mut s, "fixture.json", &bytes).unwrap();
        let f = facts(&s, 0);
        let rows = table(&s, &[&f], &GroupBy::Operation, None);
        let view: Vec<(String, u32, i64, i64, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r.group.clone(),
                    r.count,
                    r.total_ns / 1000,
                    r.self_ns / 1000,
                    r.critical_ns / 1000,
                )
            })
            .collect();
        // send 100..140 µs; short child 115..125; async task 1 200..500 and
        // async task 2 300..400 lie wholly after their parent: off its path.
        let row = |g: &str, n, total, own, cp| (g.to_owned(), n, total, own, cp);
        assert_eq!(
            view,
            vec![
                row("service-one · send", 1, 40, 30, 30),
                row("service-two · short child span", 1, 10, 10, 10),
                row("service-two · async task 1", 1, 300, 300, 0),
                row("service-two · async task 2", 1, 100, 100, 0),
            ]
        );
        // Wall-clock shares of the trace's 400 µs extent.
        let walls: Vec<f64> = rows.iter().map(|r| r.wall_share).collect();
        assert_eq!(walls, vec![0.1, 0.025, 0.75, 0.25]);
        assert!(rows
            .iter()
            .all(|r| r.wall_share <= 1.0 && r.critical_share <= 1.0));
        let cp: f64 = rows.iter().map(|r| r.critical_share).sum();
        assert!((cp - 1.0).abs() < 1e-9);
    }

    #[test]
    fn specs_round_trip() {
        for text in [
            "operation",
            "service,http.route;all",
            "db.system;all",
            "http.method,service",
        ] {
            assert_eq!(StatsSpec::parse(text).unwrap().format(), text);
        }
        assert_eq!(StatsSpec::parse(""), None);
        assert_eq!(StatsSpec::parse("service;some"), None);
        assert_eq!(StatsSpec::default().format(), "operation");
    }

    #[test]
    fn grouped_by_service_and_sub_grouped() {
        // root A 0..100; B 10..60 and B 30..80 overlap (wall 70, total 100);
        // C 80..90 with tag db=x.
        let json = r#"[
          {"traceId":"1","id":"1","name":"GET /","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"a"}},
          {"traceId":"1","id":"2","parentId":"1","name":"q","timestamp":1010,"duration":50,"localEndpoint":{"serviceName":"b"},"tags":{"db":"x"}},
          {"traceId":"1","id":"3","parentId":"1","name":"q","timestamp":1030,"duration":50,"localEndpoint":{"serviceName":"b"},"tags":{"db":"y","error":"boom"}},
          {"traceId":"1","id":"4","parentId":"1","name":"r","timestamp":1080,"duration":10,"localEndpoint":{"serviceName":"c"},"tags":{"db":"x"}}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        let f = facts(&s, 0);
        let rows = table(&s, &[&f], &GroupBy::Service, None);
        let b = rows.iter().find(|r| r.group == "b").unwrap();
        assert_eq!(
            (b.count, b.errors, b.total_ns, b.wall_ns, b.min_ns, b.max_ns, b.p50_ns),
            (2, 1, 100_000, 70_000, 50_000, 50_000, 50_000)
        );
        assert!((b.wall_share - 0.7).abs() < 1e-9);
        assert_eq!(Column::ErrorRate.text(b), "50.0%");
        // The path: a 0..10, b(3) 30..80, c 80..90, a 90..100.
        assert_eq!(b.critical_ns, 50_000);
        let a = rows.iter().find(|r| r.group == "a").unwrap();
        assert_eq!((a.self_ns, a.critical_ns), (20_000, 40_000));
        assert_eq!(rows[0].group, "b");
        let by_tag = table(
            &s,
            &[&f],
            &GroupBy::Attribute("db".into()),
            Some(&GroupBy::Service),
        );
        let keys: Vec<(String, Option<String>, u32)> = by_tag
            .iter()
            .map(|r| (r.group.clone(), r.sub.clone(), r.count))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("y".into(), Some("b".into()), 1),
                ("(not set)".into(), Some("a".into()), 1),
                ("x".into(), Some("c".into()), 1),
                ("x".into(), Some("b".into()), 1),
            ]
        );
        assert_eq!(attribute_keys(&s, &[0])[0], "db");
    }

    /// Each row's filter finds exactly its spans, for every grouping of the
    /// demo (attributes with values and spans without them, sub-groups).
    #[test]
    fn a_rows_filter_finds_its_spans() {
        let mut s = Store::default();
        import::load(&mut s, "demo.json", &crate::sources::demo::bytes()).unwrap();
        let traces: Vec<u32> = (0..s.traces.len() as u32).collect();
        let mut checked = 0;
        for t in [0, 5, 12] {
            let f = facts(&s, t);
            let groupings = [
                (GroupBy::Service, None),
                (GroupBy::Operation, None),
                (
                    GroupBy::Attribute("http.route".into()),
                    Some(GroupBy::Service),
                ),
                (GroupBy::Attribute("db.system".into()), None),
                (GroupBy::Attribute("service.version".into()), None),
            ];
            for (by, sub) in &groupings {
                for r in table(&s, &[&f], by, sub.as_ref()) {
                    let q =
                        Query::parse(&r.filter).unwrap_or_else(|e| panic!("{}: {e:?}", r.filter));
                    assert_eq!(q.find(&s, &f), r.spans, "{}", r.filter);
                    checked += 1;
                }
            }
        }
        assert!(checked > 60, "{checked} rows");
        assert!(attribute_keys(&s, &traces).len() > 20);
    }

    /// In slices of a few spans, over several traces, as in one go.
    #[test]
    fn a_table_in_steps_equals_one_pass() {
        let mut s = Store::default();
        import::load(&mut s, "demo.json", &crate::sources::demo::bytes()).unwrap();
        let all: Vec<Facts> = (0..s.traces.len() as u32).map(|t| facts(&s, t)).collect();
        let refs: Vec<&Facts> = all.iter().collect();
        for (by, sub) in [
            (GroupBy::Operation, None),
            (
                GroupBy::Service,
                Some(GroupBy::Attribute("http.route".into())),
            ),
        ] {
            let at_once = table(&s, &refs, &by, sub.as_ref());
            let mut job = TableJob::new(by.clone(), sub.clone());
            let mut steps = 0;
            let rows = loop {
                steps += 1;
                if let Some(r) = job.step(&s, &refs, 13) {
                    break r;
                }
            };
            assert!(steps > 100, "{steps} steps");
            assert_eq!(rows, at_once);
        }
    }

    /// A spec's tables in steps are what [`nested`] lays out in one go.
    #[test]
    fn a_spec_in_steps_nests_as_nested() {
        let mut s = Store::default();
        import::load(&mut s, "demo.json", &crate::sources::demo::bytes()).unwrap();
        let f = facts(&s, 0);
        let spec = StatsSpec::parse("service,operation").unwrap();
        let mut job = SpecJob::new(spec.clone());
        let (groups, subs) = loop {
            if let Some(t) = job.step(&s, &[&f], 5) {
                break t;
            }
        };
        let want = nested(&s, &[&f], &spec.by, spec.sub.as_ref(), Column::Total, true);
        assert_eq!(nest(groups, subs, Column::Total, true), want);
        assert!(want.iter().all(|(_, subs)| !subs.is_empty()));
    }

    #[test]
    fn nested_rows_sort_within_their_group() {
        let json = r#"[
          {"traceId":"1","id":"1","name":"GET /","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"a"}},
          {"traceId":"1","id":"2","parentId":"1","name":"q","timestamp":1010,"duration":50,"localEndpoint":{"serviceName":"b"},"tags":{"db":"x"}},
          {"traceId":"1","id":"3","parentId":"1","name":"r","timestamp":1030,"duration":20,"localEndpoint":{"serviceName":"b"},"tags":{"db":"y"}},
          {"traceId":"1","id":"4","parentId":"1","name":"r","timestamp":1060,"duration":30,"localEndpoint":{"serviceName":"c"},"tags":{"db":"x"}}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        let f = facts(&s, 0);
        let t = nested(
            &s,
            &[&f],
            &GroupBy::Service,
            Some(&GroupBy::Attribute("db".into())),
            Column::Total,
            true,
        );
        type Shape = (String, i64, Vec<(String, i64)>);
        let shape: Vec<Shape> = t
            .iter()
            .map(|(g, subs)| {
                (
                    g.group.clone(),
                    g.total_ns,
                    subs.iter()
                        .map(|r| (r.sub.clone().unwrap(), r.total_ns))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("a".into(), 100_000, vec![("(not set)".into(), 100_000)]),
                (
                    "b".into(),
                    70_000,
                    vec![("x".into(), 50_000), ("y".into(), 20_000)]
                ),
                ("c".into(), 30_000, vec![("x".into(), 30_000)]),
            ]
        );
        let by_name = nested(&s, &[&f], &GroupBy::Service, None, Column::Name, false);
        let names: Vec<&str> = by_name.iter().map(|(g, _)| g.group.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        // b: 10..60 and 30..50 overlap: 50 of the trace's 100.
        assert_eq!(Column::WallShare.text(&t[1].0), "50.0%");
        assert_eq!(Column::Total.text(&t[1].0), "70µs");
    }
}
