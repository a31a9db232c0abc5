//! The trace summary: the answers a trace owes its reader in the first
//! second, computed once when the trace opens.
//!
//! - **Where it failed**: the error origins ([`super::errors`]), the primary
//!   first, each with its chain of error ancestors.
//! - **Where the time went**: the spans and services with the most time on
//!   the critical path ([`super::critical_path`]), with their share of it.
//! - **What looks wrong**: the patterns found ([`super::patterns`]) and the
//!   trace's health warnings.
//! - A healthy trace says so in one line, with how its response time compares
//!   with the other loaded traces of the same root operation.
//!
//! No peer has this: Jaeger UI, Grafana and Zipkin Lens show the spans and
//! leave the reading to the reader.

use super::critical_path::{self, CriticalPath};
use super::errors::{self, Origin};
use super::patterns::{self, Baseline, Pattern, Thresholds};
use super::services::{percentile, service_name};
use super::{selftime, Facts};
use crate::model::time::format_duration;
use crate::model::{Store, Sym, NONE};

/// Spans and services listed under "where the time went".
pub const TOP: usize = 5;
/// Other traces of the same root operation needed to call one typical or slow.
pub const MIN_PEERS: usize = 5;

/// Everything the analyses say about one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Answers {
    pub trace: u32,
    pub facts: Facts,
    pub critical: CriticalPath,
    pub origins: Vec<Origin>,
    pub patterns: Vec<Pattern>,
    /// The root span that names the trace, and its duration (the response
    /// time; the trace's extent can be longer when async work outlives it).
    pub root: u32,
    pub response_ns: i64,
    /// Spans with the most time on the critical path: (span, ns), most first.
    pub top_spans: Vec<(u32, i64)>,
    /// Services by time on the critical path, most first.
    pub top_services: Vec<(Sym, i64)>,
    /// The same root operation across the loaded traces.
    pub peers: Option<Peers>,
}

/// How the trace's response time compares with the other loaded traces of
/// the same root service and operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peers {
    /// Traces of that root operation, this one included.
    pub traces: usize,
    pub median_ns: i64,
    pub p90_ns: i64,
}

impl Answers {
    /// The primary error origin.
    pub fn primary(&self) -> Option<&Origin> {
        self.origins.first()
    }

    /// Nothing failed and nothing looks wrong.
    pub fn healthy(&self, store: &Store) -> bool {
        self.origins.is_empty()
            && self.patterns.is_empty()
            && store.traces[self.trace as usize].problems() == 0
    }

    /// Share of the critical path (0..=1).
    pub fn share(&self, ns: i64) -> f64 {
        self.critical.share(ns)
    }

    /// Slower than 90% of its peers.
    pub fn slow(&self) -> bool {
        self.peers
            .is_some_and(|p| self.response_ns > p.p90_ns && self.response_ns > p.median_ns * 2)
    }
}

/// Analyses trace `t`.
pub fn analyze(store: &Store, t: u32, th: &Thresholds, baseline: &Baseline) -> Answers {
    let mut job = Job::new(store, t);
    loop {
        if let Some(a) = job.step(store, th, baseline, usize::MAX) {
            return a;
        }
    }
}

/// [`analyze`] in steps, so that a big trace never blocks the page for
/// long: the critical path, the self times and the error origins a step
/// each (one linear pass: ~4, ~12 and ~22 ms at 1M spans natively), then
/// the patterns a slice of spans or one rule per step. The store must not
/// change between steps.
#[derive(Debug)]
pub struct Job {
    t: u32,
    stage: u8,
    critical: Option<CriticalPath>,
    facts: Facts,
    origins: Vec<Origin>,
    detect: patterns::Detect,
}

impl Job {
    pub fn new(store: &Store, t: u32) -> Job {
        Job {
            t,
            stage: 0,
            critical: None,
            facts: Facts::empty(store, t),
            origins: Vec::new(),
            detect: patterns::Detect::new(store, t),
        }
    }

    /// One step (`spans`: how many spans a pattern slice reads); the
    /// answers once the last is done.
    pub fn step(
        &mut self,
        store: &Store,
        th: &Thresholds,
        baseline: &Baseline,
        spans: usize,
    ) -> Option<Answers> {
        let all = spans == usize::MAX;
        loop {
            match self.stage {
                0 => {
                    let c = critical_path::compute(store, self.t);
                    self.facts.critical_ns = c.span_ns.clone();
                    self.critical = Some(c);
                }
                1 => self.facts.self_ns = selftime::all(store, self.t),
                2 => {
                    self.origins = errors::origins(store, self.t);
                    for o in &self.origins {
                        let k = self.facts.at(o.span);
                        self.facts.origin[k] = true;
                    }
                }
                3 => {
                    if !self.detect.step(store, th, baseline, spans) {
                        if all {
                            continue;
                        }
                        return None;
                    }
                }
                _ => return Some(self.finish(store)),
            }
            self.stage += 1;
            if !all {
                return None;
            }
        }
    }

    fn finish(&mut self, store: &Store) -> Answers {
        let t = self.t;
        let detect = std::mem::replace(&mut self.detect, patterns::Detect::new(store, t));
        let mut facts = std::mem::replace(&mut self.facts, Facts::empty(store, t));
        let patterns = detect.finish(store, &mut facts);
        let critical = self.critical.take().unwrap_or_default();
        let mut top_spans: Vec<(u32, i64)> = critical
            .span_ns
            .iter()
            .enumerate()
            .filter(|(_, &ns)| ns > 0)
            .map(|(k, &ns)| (critical.base + k as u32, ns))
            .collect();
        top_spans.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top_spans.truncate(TOP);
        let top_services = critical.by_service(store);
        let root = store.traces[t as usize].summary.root;
        let response_ns = if root == NONE {
            0
        } else {
            store.spans.duration[root as usize]
        };
        Answers {
            trace: t,
            peers: peers(store, t),
            facts,
            critical,
            origins: std::mem::take(&mut self.origins),
            patterns,
            root,
            response_ns,
            top_spans,
            top_services,
        }
    }
}

/// The response times of the loaded traces whose root has the same service
/// and operation as `t`'s (at least [`MIN_PEERS`] of them).
fn peers(store: &Store, t: u32) -> Option<Peers> {
    let root = store.traces[t as usize].summary.root;
    if root == NONE {
        return None;
    }
    let key = (
        store.spans.service[root as usize],
        store.spans.name[root as usize],
    );
    let mut d: Vec<i64> = store
        .traces
        .iter()
        .map(|tr| tr.summary.root)
        .filter(|&r| {
            r != NONE
                && (
                    store.spans.service[r as usize],
                    store.spans.name[r as usize],
                ) == key
        })
        .map(|r| store.spans.duration[r as usize])
        .collect();
    if d.len() < MIN_PEERS {
        return None;
    }
    d.sort_unstable();
    Some(Peers {
        traces: d.len(),
        median_ns: percentile(&d, 50.0),
        p90_ns: percentile(&d, 90.0),
    })
}

/// "payment-service · stripe charge": a span as the summary names it.
pub fn span_label(store: &Store, span: u32) -> String {
    format!(
        "{} · {}",
        service_name(store, store.spans.service[span as usize]),
        store.str(store.spans.name[span as usize])
    )
}

/// "payment-service · stripe charge: card declined (402)".
pub fn origin_label(store: &Store, o: &Origin) -> String {
    format!("{}: {}", span_label(store, o.span), why(store, o))
}

/// What went wrong at an origin, as the summary says it: the origin's own
/// message, unless that only restates an HTTP status ("402 Payment
/// Required", "HTTP 402"; what an HTTP client span records); then the words
/// of the nearest error ancestor in the same service that says more (the
/// exception the service raised about it), with the status: "card declined
/// (402)".
pub fn why(store: &Store, o: &Origin) -> String {
    let own = errors::message(store, o.span);
    let code = errors::status_code(store, o.span);
    if !status_only(&own, code) {
        return own;
    }
    let service = store.spans.service[o.span as usize];
    for &s in &o.chain {
        if store.spans.service[s as usize] != service {
            break;
        }
        let m = errors::message(store, s);
        if !status_only(&m, errors::status_code(store, s)) {
            return match code {
                Some(c) if !m.contains(&c.to_string()) => format!("{m} ({c})"),
                _ => m,
            };
        }
    }
    own
}

/// Says no more than the status code: empty, "HTTP 402", "402" or "402
/// Payment Required".
fn status_only(m: &str, code: Option<i64>) -> bool {
    let m = m.trim();
    if m.is_empty() {
        return true;
    }
    let Some(c) = code else { return false };
    let c = c.to_string();
    let rest = m.strip_prefix("HTTP ").unwrap_or(m);
    rest.strip_prefix(c.as_str()).is_some_and(|phrase| {
        phrase.len() <= 40
            && phrase
                .chars()
                .all(|ch| ch.is_ascii_alphabetic() || ch == ' ' || ch == '-')
    })
}

/// The error chain above an origin, one step per service it crossed (the
/// topmost span of each service, the one that answered its caller), with
/// the HTTP status where there is one: "order-service POST /orders 500 ->
/// api-gateway POST /api/checkout 500".
pub fn chain_steps(store: &Store, o: &Origin) -> Vec<(u32, String)> {
    let mut steps: Vec<u32> = Vec::new();
    for &s in &o.chain {
        let svc = store.spans.service[s as usize];
        match steps.last_mut() {
            Some(last) if store.spans.service[*last as usize] == svc => *last = s,
            _ => steps.push(s),
        }
    }
    // The origin's own service: its first step is the origin's service when
    // the chain starts there; skip it (the origin line names it).
    if let Some(&first) = steps.first() {
        if store.spans.service[first as usize] == store.spans.service[o.span as usize] {
            steps.remove(0);
        }
    }
    steps
        .into_iter()
        .map(|s| {
            let code = errors::status_code(store, s)
                .map(|c| format!(" {c}"))
                .unwrap_or_default();
            (
                s,
                format!(
                    "{} {}{code}",
                    service_name(store, store.spans.service[s as usize]),
                    store.str(store.spans.name[s as usize])
                ),
            )
        })
        .collect()
}

/// "inventory-service · SELECT shop.stock 2.01s, 81%".
pub fn contributor_label(a: &Answers, store: &Store, span: u32, ns: i64) -> String {
    format!(
        "{} {}, {:.0}%",
        span_label(store, span),
        format_duration(ns),
        a.share(ns) * 100.0
    )
}

/// The one line a healthy trace gets: "No errors, nothing unusual: 42ms,
/// typical for web-frontend · GET /api/products (median 40ms over 12
/// traces)".
pub fn healthy_line(a: &Answers, store: &Store) -> String {
    let took = format_duration(a.response_ns);
    let name = if a.root == NONE {
        String::new()
    } else {
        span_label(store, a.root)
    };
    match a.peers {
        Some(p) if a.slow() => format!(
            "No errors, nothing unusual, but slow: {took} against a median of {} over {} {name} traces",
            format_duration(p.median_ns),
            p.traces
        ),
        Some(p) => format!(
            "No errors, nothing unusual: {took}, typical for {name} (median {} over {} traces)",
            format_duration(p.median_ns),
            p.traces
        ),
        None => format!("No errors, nothing unusual: {took}"),
    }
}

/// The trace list's verdict column: the primary origin's service when the
/// trace failed, and the service with the most critical-path time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// Service of the primary error origin.
    pub failed_in: Option<String>,
    /// The primary origin reached the root: the request failed.
    pub request_failed: bool,
    /// The service with the most time on the critical path, and its share.
    pub time_in: Option<(String, f64)>,
}

impl Verdict {
    pub fn of(a: &Answers, store: &Store) -> Verdict {
        Verdict::from_parts(store, a.primary(), &a.critical)
    }

    /// The verdict of trace `t` alone (the error origins and the critical
    /// path, without the patterns): what the trace list shows of every trace.
    pub fn quick(store: &Store, t: u32) -> Verdict {
        let origins = errors::origins(store, t);
        let critical = critical_path::compute(store, t);
        Verdict::from_parts(store, origins.first(), &critical)
    }

    fn from_parts(store: &Store, primary: Option<&Origin>, cp: &CriticalPath) -> Verdict {
        Verdict {
            failed_in: primary.map(|o| service_name(store, store.spans.service[o.span as usize])),
            request_failed: primary.is_some_and(|o| o.reaches_root),
            time_in: cp
                .by_service(store)
                .first()
                .map(|&(s, ns)| (service_name(store, s), cp.share(ns))),
        }
    }

    /// One sortable text: "failed in payment-service" first, then "time in
    /// inventory-service 81%".
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.failed_in {
            parts.push(format!("failed in {s}"));
        }
        if let Some((s, share)) = &self.time_in {
            parts.push(format!("time in {s} {:.0}%", share * 100.0));
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    #[test]
    fn the_demo_featured_checkout_says_card_declined() {
        let mut s = Store::default();
        import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let id = crate::demo::shop::featured_trace_id(crate::sources::demo::SEED);
        let t = (0..s.traces.len() as u32)
            .find(|&t| s.traces[t as usize].id.to_text(&s.strings) == format!("{id:032x}"))
            .unwrap();
        let a = analyze(&s, t, &Thresholds::default(), &Baseline::build(&s));
        let o = a.primary().unwrap();
        // The origin is the Stripe call (its status says only "402 Payment
        // Required"); the words come from the exception payment-service
        // raised about it.
        assert_eq!(
            origin_label(&s, o),
            "payment-service · POST /v1/payment_intents: card declined (402)"
        );
        assert!(o.reaches_root);
        let chain: Vec<String> = chain_steps(&s, o).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            chain,
            [
                "order-service POST /orders 500",
                "api-gateway POST /api/checkout 500",
                "web-frontend POST /api/checkout 500"
            ]
        );
        assert_eq!(
            a.top_services.first().map(|&(svc, _)| s.str(svc)),
            Some("payment-service")
        );
    }

    /// Step by step (a few spans per slice) as in one go, on every demo
    /// trace.
    #[test]
    fn a_job_in_steps_answers_as_analyze() {
        let mut s = Store::default();
        import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let th = Thresholds::default();
        let b = Baseline::build(&s);
        for t in 0..s.traces.len() as u32 {
            let mut job = Job::new(&s, t);
            let mut steps = 0;
            let a = loop {
                steps += 1;
                if let Some(a) = job.step(&s, &th, &b, 7) {
                    break a;
                }
            };
            assert!(steps >= 8, "trace {t}: {steps} steps");
            assert_eq!(a, analyze(&s, t, &th, &b), "trace {t}");
        }
    }

    #[test]
    fn a_failed_trace_names_its_origin_and_chain() {
        let json = r#"[
          {"traceId":"1","id":"1","name":"POST /api/checkout","kind":"SERVER","timestamp":1000,"duration":100000,"localEndpoint":{"serviceName":"api-gateway"},"tags":{"http.status_code":"500","error":"true"}},
          {"traceId":"1","id":"2","parentId":"1","name":"POST /orders","kind":"SERVER","timestamp":2000,"duration":90000,"localEndpoint":{"serviceName":"order-service"},"tags":{"http.status_code":"500","error":"true"}},
          {"traceId":"1","id":"3","parentId":"2","name":"POST /payments","kind":"CLIENT","timestamp":3000,"duration":80000,"localEndpoint":{"serviceName":"order-service"},"tags":{"error":"true","http.status_code":"402"}},
          {"traceId":"1","id":"4","parentId":"3","name":"stripe charge","timestamp":4000,"duration":70000,"localEndpoint":{"serviceName":"payment-service"},"tags":{"error":"card declined","http.status_code":"402"}}
        ]"#;
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        let a = analyze(&s, 0, &Thresholds::default(), &Baseline::build(&s));
        let o = a.primary().unwrap();
        assert_eq!(
            origin_label(&s, o),
            "payment-service · stripe charge: card declined (402)"
        );
        let chain: Vec<String> = chain_steps(&s, o).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            chain,
            [
                "order-service POST /orders 500",
                "api-gateway POST /api/checkout 500"
            ]
        );
        let v = Verdict::of(&a, &s);
        assert_eq!(v.failed_in.as_deref(), Some("payment-service"));
        assert_eq!(Verdict::quick(&s, 0), v);
        assert!(v.request_failed);
        // The path: 1ms in the gateway, 1 in orders' server span, 1 in the
        // client span, 70 in the charge, then 10+10+10 back up.
        assert_eq!(a.top_spans[0], (3, 70_000_000));
        assert_eq!(
            contributor_label(&a, &s, 3, 70_000_000),
            "payment-service · stripe charge 70ms, 70%"
        );
        assert_eq!(
            v.text(),
            "failed in payment-service; time in payment-service 70%"
        );
        assert!(!a.healthy(&s));
    }

    #[test]
    fn a_healthy_trace_says_so() {
        let json = r#"[{"traceId":"1","id":"1","name":"GET /","timestamp":1000,"duration":42000,"localEndpoint":{"serviceName":"web"}}]"#;
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        let a = analyze(&s, 0, &Thresholds::default(), &Baseline::build(&s));
        assert!(a.healthy(&s));
        assert_eq!(healthy_line(&a, &s), "No errors, nothing unusual: 42ms");
        assert_eq!(Verdict::of(&a, &s).text(), "time in web 100%");
    }
}
