//! The built-in demo: one simulated hour of an online shop, as
//! OpenTelemetry-instrumented services would export it.
//!
//! api-gateway -> auth / loyalty (gRPC), cart, order-service (stores the order
//! and an outbox row in one transaction) -> outbox-worker publishes `orders` to
//! Kafka -> payment, inventory, notification (email) and loyalty consume it
//! asynchronously. Browsers (web-frontend) start some of the requests, the
//! gateway reports events to analytics without waiting for the answer.
//!
//! About 40 traces; most are healthy checkouts, product views and cart requests,
//! the rest tell the stories in [`STORIES`]. The trace a viewer should open
//! first (a 500 caused by a declined card) comes first in the output.
//! A consumer that refers to its producer by a span link rather than as its
//! parent starts a trace of its own (as OpenTelemetry messaging instrumentation
//! does), written right after the producer's trace.
//! Everything, ids included, is a function of the seed.

use fastrand::Rng;
use rustc_hash::FxHashSet;

use super::synth::{SynthEvent, SynthKind, SynthResource, SynthSpan, SynthValue};

/// 2026-11-20T14:00:00Z: the start of the simulated hour.
pub const EPOCH_NS: i64 = 1_795_269_600_000_000_000;

const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;

/// The demo's stories: (short title, where to look). The index is the story
/// number used by [`story_traces`].
pub const STORIES: &[(&str, &str)] = &[
    (
        "Card declined -> 500",
        "The first trace: POST /api/checkout answers 500. Follow the red spans down through order-service to payment-service's PaymentProcessor.authorize: exception \"card declined\" (Stripe said 402), mapped to a 500 on the way up.",
    ),
    (
        "Malformed message in a consumer",
        "A checkout whose notification-service `orders process` consumer span fails with \"malformed message: missing field customer_email\"; follow it back across the Kafka hop to outbox-worker's `orders publish`. In one checkout the consumer is the producer's child, in the same trace; in the other the consumer starts a trace of its own: select the failing consumer and follow its span link (Links section of the details panel) back to the producer's trace.",
    ),
    (
        "Slow only sometimes",
        "inventory-service `SELECT shop.stock` normally takes 5-20 ms; in four traces it takes about 2 s (two product views, an add-to-cart and the stock reservation of a checkout). Compare the slow product views with the fast ones.",
    ),
    (
        "Cascading failure: payment down",
        "Checkouts that last 30 s: order-service waits 30 s for payment-service (Read timed out), the gateway gave up at 10 s with a 504, and the order-service span keeps running after its caller left.",
    ),
    (
        "N+1 calls",
        "Premium checkouts where cart-service calls inventory-service GET /products/{id} once per cart item (about 30 sequential identical calls) instead of one batch GET /products.",
    ),
    (
        "Fire-and-forget failure",
        "Product views that answer 200, yet the gateway's POST /events to analytics-service failed (503 / timeout) after the response had gone: an error nobody waits for, ending after its parent.",
    ),
    (
        "Sequential external calls",
        "GET /api/cart/quote: cart-service asks pricing-a, pricing-b and pricing-c one after another (about 0.8 s in total) although the three calls are independent.",
    ),
    (
        "Incomplete trace",
        "Traces with spans whose parent never arrived: a checkout missing order-service's server span (its database calls and the outbox relay hang loose) and a product view missing the gateway span.",
    ),
];

/// Generates the demo: spans of about 40 traces (the featured trace first,
/// then the rest in time order, each link-style consumer's trace right after
/// its producer's; each trace's spans contiguous) and the resources of the
/// services.
pub fn generate(seed: u64) -> (Vec<SynthSpan>, Vec<SynthResource>) {
    let spans = build(seed).into_iter().flat_map(|t| t.spans).collect();
    (spans, resources())
}

/// The trace the demo opens with (a checkout that fails with a 500 because a
/// card was declined): the trace of the first span [`generate`] returns.
pub fn featured_trace_id(seed: u64) -> u128 {
    build(seed)[0].spans[0].trace_id
}

/// (index into [`STORIES`], trace id) of every trace that tells a story, in
/// output order: the producer-side trace of each story (the one its request
/// started), and for the malformed-message story also the trace that the
/// failing link-style consumer starts (its producer's trace comes just before).
pub fn story_traces(seed: u64) -> Vec<(usize, u128)> {
    let mut out = Vec::new();
    for t in build(seed) {
        let Some(story) = t.story else { continue };
        out.push((story, t.traces[0]));
        if story == STORY_MALFORMED {
            out.extend(t.traces[1..].iter().map(|&id| (story, id)));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The plan: which traces, in which variant.

const STORY_DECLINED: usize = 0;
const STORY_MALFORMED: usize = 1;
const STORY_SLOW: usize = 2;
const STORY_PAYMENT_DOWN: usize = 3;
const STORY_N_PLUS_ONE: usize = 4;
const STORY_FIRE_AND_FORGET: usize = 5;
const STORY_SEQUENTIAL: usize = 6;
const STORY_INCOMPLETE: usize = 7;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Payment {
    /// Normal: the order is stored, payment happens asynchronously.
    #[default]
    Async,
    /// order-service authorizes synchronously and the card is declined.
    Declined,
    /// order-service authorizes synchronously and payment-service hangs.
    Down,
}

/// How a consumer span refers to the producer span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// The producer is its parent, as a FOLLOWS_FROM reference.
    FollowsFrom,
    /// No parent and a span link to the producer: the consumer and the spans
    /// under it form a trace of their own.
    Link,
}

#[derive(Clone, Copy, Debug, Default)]
struct Checkout {
    /// Cart lines; 0 = pick 1..=5.
    items: usize,
    /// Premium customer whose cart is loaded one product at a time.
    n_plus_one: bool,
    payment: Payment,
    slow_stock: bool,
    /// notification-service fails on the message (with this consumer style).
    malformed: Option<Style>,
    /// loyalty-service consumes with a span link instead of a parent.
    loyalty_link: bool,
    /// order-service's server span never arrived.
    drop_order_span: bool,
    guest: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Analytics {
    #[default]
    Ok,
    /// analytics-service answers 503 after the gateway has answered.
    Rejected,
    /// analytics-service never answers; the client gives up after 2 s.
    TimedOut,
}

#[derive(Clone, Copy, Debug, Default)]
struct ProductView {
    slow_stock: bool,
    analytics: Analytics,
    /// The gateway's server span never arrived.
    drop_gateway: bool,
}

#[derive(Clone, Copy, Debug)]
enum Scenario {
    Checkout(Checkout),
    ProductView(ProductView),
    AddToCart { slow_stock: bool },
    ViewCart,
    Quote,
}

#[derive(Clone, Copy, Debug)]
struct Plan {
    story: Option<usize>,
    /// Started by a browser (a web-frontend root span); None = decided by the rng.
    frontend: Option<bool>,
    scenario: Scenario,
}

fn plan(story: Option<usize>, frontend: Option<bool>, scenario: Scenario) -> Plan {
    Plan {
        story,
        frontend,
        scenario,
    }
}

/// All traces; the first is the featured one.
fn plans() -> Vec<Plan> {
    let co = Checkout::default();
    let pv = ProductView::default();
    let declined = Checkout {
        payment: Payment::Declined,
        ..co
    };
    let down = Checkout {
        payment: Payment::Down,
        ..co
    };
    let mut v = vec![
        plan(
            Some(STORY_DECLINED),
            Some(true),
            Scenario::Checkout(Checkout {
                items: 3,
                ..declined
            }),
        ),
        plan(
            Some(STORY_DECLINED),
            Some(false),
            Scenario::Checkout(Checkout {
                items: 1,
                ..declined
            }),
        ),
        plan(
            Some(STORY_DECLINED),
            Some(true),
            Scenario::Checkout(Checkout {
                items: 4,
                ..declined
            }),
        ),
        plan(
            Some(STORY_MALFORMED),
            Some(true),
            Scenario::Checkout(Checkout {
                malformed: Some(Style::FollowsFrom),
                guest: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_MALFORMED),
            Some(false),
            Scenario::Checkout(Checkout {
                malformed: Some(Style::Link),
                guest: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_SLOW),
            Some(true),
            Scenario::ProductView(ProductView {
                slow_stock: true,
                ..pv
            }),
        ),
        plan(
            Some(STORY_SLOW),
            Some(false),
            Scenario::ProductView(ProductView {
                slow_stock: true,
                ..pv
            }),
        ),
        plan(
            Some(STORY_SLOW),
            None,
            Scenario::AddToCart { slow_stock: true },
        ),
        plan(
            Some(STORY_SLOW),
            None,
            Scenario::Checkout(Checkout {
                slow_stock: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_PAYMENT_DOWN),
            Some(true),
            Scenario::Checkout(Checkout { items: 2, ..down }),
        ),
        plan(
            Some(STORY_PAYMENT_DOWN),
            Some(false),
            Scenario::Checkout(Checkout { items: 1, ..down }),
        ),
        plan(
            Some(STORY_N_PLUS_ONE),
            Some(true),
            Scenario::Checkout(Checkout {
                items: 32,
                n_plus_one: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_N_PLUS_ONE),
            Some(false),
            Scenario::Checkout(Checkout {
                items: 27,
                n_plus_one: true,
                loyalty_link: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_FIRE_AND_FORGET),
            Some(true),
            Scenario::ProductView(ProductView {
                analytics: Analytics::Rejected,
                ..pv
            }),
        ),
        plan(
            Some(STORY_FIRE_AND_FORGET),
            Some(false),
            Scenario::ProductView(ProductView {
                analytics: Analytics::TimedOut,
                ..pv
            }),
        ),
        plan(Some(STORY_SEQUENTIAL), Some(true), Scenario::Quote),
        plan(Some(STORY_SEQUENTIAL), Some(false), Scenario::Quote),
        plan(Some(STORY_SEQUENTIAL), None, Scenario::Quote),
        plan(
            Some(STORY_INCOMPLETE),
            Some(false),
            Scenario::Checkout(Checkout {
                drop_order_span: true,
                ..co
            }),
        ),
        plan(
            Some(STORY_INCOMPLETE),
            Some(true),
            Scenario::ProductView(ProductView {
                drop_gateway: true,
                ..pv
            }),
        ),
    ];
    for k in 0..6 {
        v.push(plan(
            None,
            None,
            Scenario::Checkout(Checkout {
                loyalty_link: k % 3 == 1,
                ..co
            }),
        ));
    }
    for _ in 0..4 {
        v.push(plan(None, None, Scenario::ProductView(pv)));
    }
    for _ in 0..3 {
        v.push(plan(None, None, Scenario::AddToCart { slow_stock: false }));
    }
    for _ in 0..3 {
        v.push(plan(None, None, Scenario::ViewCart));
    }
    v
}

struct Built {
    story: Option<usize>,
    /// The request's trace first, then the traces of link-style consumers;
    /// each trace's spans contiguous.
    spans: Vec<SynthSpan>,
    /// The trace ids in `spans`, in order.
    traces: Vec<u128>,
}

/// Builds every trace: the featured one first, then the others by start time.
fn build(seed: u64) -> Vec<Built> {
    let mut plans = plans();
    let featured = plans.remove(0);
    let mut rng = Rng::with_seed(seed);
    super::draw::shuffle(&mut rng, &mut plans);
    let featured_slot = super::draw::index(&mut rng, 3, plans.len() / 2);
    plans.insert(featured_slot, featured);

    let slot_ns = 3_590 * SEC / plans.len() as i64;
    let mut built: Vec<Built> = plans
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut tb = Tb::new(seed, k as u64);
            // Leave room at the end of the hour for the 30 s traces.
            let start = EPOCH_NS + k as i64 * slot_ns + tb.ms(0.0, 50_000.0);
            trace(&mut tb, p, start);
            let (spans, traces) = tb.finish();
            Built {
                story: p.story,
                spans,
                traces,
            }
        })
        .collect();
    let first = built.remove(featured_slot);
    built.insert(0, first);
    built
}

/// The id of the trace a link-style consumer starts: a function of the
/// producer's trace id and the consumer's span id, so that deriving it draws
/// nothing from the rng and leaves everything else as it was.
fn consumer_trace(producer_trace: u128, consumer_span: u64) -> u128 {
    fn mix(mut z: u64) -> u64 {
        // splitmix64's finalizer.
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let hi = mix((producer_trace >> 64) as u64 ^ consumer_span);
    let lo = mix(producer_trace as u64 ^ consumer_span.rotate_left(32) ^ 0x9E37_79B9_7F4A_7C15);
    match (u128::from(hi) << 64) | u128::from(lo) {
        0 => 1,
        t => t,
    }
}

// ---------------------------------------------------------------------------
// Span builder.

type S = usize;

/// A duration range in milliseconds: (shortest, longest).
type Ms = (f64, f64);

struct Tb {
    rng: Rng,
    trace: u128,
    spans: Vec<SynthSpan>,
    ids: FxHashSet<u64>,
    dropped: Vec<S>,
}

impl Tb {
    fn new(seed: u64, slot: u64) -> Tb {
        let mixed = seed ^ slot.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut rng = Rng::with_seed(mixed);
        let mut trace = 0;
        while trace == 0 {
            trace = rng.u128(..);
        }
        Tb {
            rng,
            trace,
            spans: Vec::new(),
            ids: FxHashSet::default(),
            dropped: Vec::new(),
        }
    }

    /// The spans that arrived, grouped by trace (the request's trace first,
    /// then consumer traces in the order they started; the spans of each in
    /// creation order), and the trace ids in that order.
    fn finish(mut self) -> (Vec<SynthSpan>, Vec<u128>) {
        let dropped = std::mem::take(&mut self.dropped);
        let mut traces = vec![self.trace];
        for s in &self.spans {
            if !traces.contains(&s.trace_id) {
                traces.push(s.trace_id);
            }
        }
        let mut groups: Vec<Vec<SynthSpan>> = vec![Vec::new(); traces.len()];
        for (i, s) in self.spans.into_iter().enumerate() {
            if !dropped.contains(&i) {
                let g = traces.iter().position(|&t| t == s.trace_id).unwrap();
                groups[g].push(s);
            }
        }
        (groups.concat(), traces)
    }

    // -- randomness --

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.f64()
    }

    /// A duration uniformly between `lo` and `hi` milliseconds.
    fn ms(&mut self, lo: f64, hi: f64) -> i64 {
        (self.uniform(lo, hi) * MS as f64) as i64
    }

    /// A one-way network hop inside the cluster: 0.2-2 ms, mostly short.
    fn net(&mut self) -> i64 {
        let u = self.rng.f64();
        ((0.2 + 1.8 * u * u * u) * MS as f64) as i64
    }

    /// In-process work between two calls: 20-300 µs.
    fn tiny(&mut self) -> i64 {
        20 * US + self.rng.i64(0..280 * US)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn digits(&mut self, n: u32) -> u64 {
        let lo = 10u64.pow(n - 1);
        self.rng.u64(lo..lo * 10)
    }

    // -- spans --

    fn open(
        &mut self,
        parent: Option<S>,
        service: &str,
        name: &str,
        kind: SynthKind,
        start: i64,
    ) -> S {
        let mut span_id = 0;
        while span_id == 0 || self.ids.contains(&span_id) {
            span_id = self.rng.u64(..);
        }
        self.ids.insert(span_id);
        let parent_id = parent.map(|p| {
            debug_assert!(
                start >= self.spans[p].start_ns,
                "{name} starts before its parent"
            );
            self.spans[p].span_id
        });
        // A child is in its parent's trace (which is not the request's trace
        // under a link-style consumer).
        let trace_id = parent.map_or(self.trace, |p| self.spans[p].trace_id);
        self.spans.push(SynthSpan {
            trace_id,
            span_id,
            parent_id,
            follows_from: false,
            service: service.to_owned(),
            name: name.to_owned(),
            kind,
            start_ns: start,
            duration_ns: 0,
            error: None,
            attrs: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
        });
        self.spans.len() - 1
    }

    /// A child of `parent` in the same service.
    fn open_in(&mut self, parent: S, name: &str, kind: SynthKind, start: i64) -> S {
        let service = self.spans[parent].service.clone();
        self.open(Some(parent), &service, name, kind, start)
    }

    /// Ends span `s` at `end` and returns `end`.
    fn close(&mut self, s: S, end: i64) -> i64 {
        let span = &mut self.spans[s];
        debug_assert!(end >= span.start_ns, "{} ends before it starts", span.name);
        span.duration_ns = end - span.start_ns;
        end
    }

    fn end(&self, s: S) -> i64 {
        self.spans[s].start_ns + self.spans[s].duration_ns
    }

    /// When the caller of `s` goes on: the end of `s` and a little work.
    fn after(&mut self, s: S) -> i64 {
        self.end(s) + self.tiny()
    }

    /// Adds attributes, replacing earlier values of the same keys.
    fn set<const N: usize>(&mut self, s: S, attrs: [(&str, SynthValue); N]) {
        for (k, v) in attrs {
            let list = &mut self.spans[s].attrs;
            match list.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v,
                None => list.push((k.to_owned(), v)),
            }
        }
    }

    fn set_default(&mut self, s: S, key: &str, v: SynthValue) {
        if self.attr(s, key).is_none() {
            self.set(s, [(key, v)]);
        }
    }

    fn unset(&mut self, s: S, key: &str) {
        self.spans[s].attrs.retain(|(k, _)| k != key);
    }

    /// Marks `s` failed, unless it already failed with a more specific message.
    fn fail(&mut self, s: S, message: &str) {
        if self.spans[s].error.is_none() {
            self.spans[s].error = Some(message.to_owned());
        }
    }

    /// Fails `s` with an HTTP status (`error.type` unless already set).
    fn fail_status(&mut self, s: S, status: u16) {
        self.fail(s, &status_text(status));
        self.set_default(s, "error.type", text(&status.to_string()));
    }

    /// Records exception `e` at `at` and fails the span with its message.
    fn exception(&mut self, s: S, at: i64, e: &Exception) {
        let mut attrs = vec![
            kv("exception.type", text(e.ty)),
            kv("exception.message", text(e.message)),
        ];
        if !e.stack.is_empty() {
            attrs.push(kv("exception.stacktrace", text(e.stack)));
        }
        self.spans[s].events.push(SynthEvent {
            time_ns: at,
            name: "exception".to_owned(),
            attrs,
        });
        self.fail(s, e.message);
        self.set(s, [("error.type", text(e.ty))]);
    }

    /// Client span `s` (Go) gave up waiting: its context deadline passed at `at`.
    fn deadline_exceeded(&mut self, s: S, at: i64) {
        self.exception(s, at, &DEADLINE_EXCEEDED);
        self.set(s, [("error.type", text("timeout"))]);
    }

    /// An internal span in the parent's service lasting `ms`; returns it.
    fn internal(&mut self, parent: S, name: &str, start: i64, (lo, hi): Ms) -> S {
        let dur = self.ms(lo, hi);
        let s = self.open_in(parent, name, SynthKind::Internal, start);
        self.close(s, start + dur);
        s
    }

    // -- calls --

    /// A call from `parent`'s service to the instrumented service `to`: a
    /// client span and, under it, the server span named alike. `body` does
    /// the server's work from the given time and returns (work end, result).
    fn call<F, R>(&mut self, parent: S, to: &str, name: &str, start: i64, body: F) -> (S, S, R)
    where
        F: FnOnce(&mut Tb, S, i64) -> (i64, R),
    {
        let c = self.open_in(parent, name, SynthKind::Client, start);
        let s_start = start + self.net();
        let s = self.open(Some(c), to, name, SynthKind::Server, s_start);
        let t = s_start + self.tiny();
        let (work_end, result) = body(self, s, t);
        let s_end = work_end + self.tiny();
        self.close(s, s_end);
        let c_end = s_end + self.net();
        self.close(c, c_end);
        (c, s, result)
    }

    /// An HTTP call to the instrumented service `to`. `body` does the
    /// server's work from the given time and returns (work end, status).
    fn http<F>(&mut self, parent: S, to: &str, req: Req, start: i64, body: F) -> (S, S)
    where
        F: FnOnce(&mut Tb, S, i64) -> (i64, u16),
    {
        let name = format!("{} {}", req.method, req.route);
        let (c, s, status) = self.call(parent, to, &name, start, body);
        let (host, port) = host_of(to);
        let url = format!("http://{host}:{port}{}", req.path);
        self.http_client_attrs(c, req.method, req.route, &url);
        self.set(
            c,
            [
                ("network.protocol.version", text("1.1")),
                ("peer.service", text(to)),
                ("http.response.status_code", int(status as i64)),
            ],
        );
        let client_ip = pod_ip(&self.spans[c].service);
        self.http_server_attrs(s, req.method, req.route, &url, &client_ip);
        self.set(
            s,
            [
                ("network.protocol.version", text("1.1")),
                ("http.response.status_code", int(status as i64)),
            ],
        );
        if status >= 400 {
            self.fail_status(c, status);
            if status >= 500 {
                self.fail_status(s, status);
            }
        }
        (c, s)
    }

    /// The request attributes of an HTTP client span.
    fn http_client_attrs(&mut self, c: S, method: &str, route: &str, url: &str) {
        let (_, host, port, _) = split_url(url);
        self.set(
            c,
            [
                ("http.request.method", text(method)),
                ("url.full", text(url)),
                ("url.template", text(route)),
                ("server.address", text(host)),
                ("server.port", int(port)),
            ],
        );
    }

    /// The request attributes of an HTTP server span.
    fn http_server_attrs(&mut self, s: S, method: &str, route: &str, url: &str, client: &str) {
        let (scheme, host, port, path) = split_url(url);
        self.set(
            s,
            [
                ("http.request.method", text(method)),
                ("http.route", text(route)),
                ("url.path", text(path)),
                ("url.scheme", text(scheme)),
                ("server.address", text(host)),
                ("server.port", int(port)),
                ("client.address", text(client)),
            ],
        );
    }

    /// An HTTP call to an API outside the shop (no server span).
    fn http_external(&mut self, parent: S, api: &Api, start: i64, dur: i64, status: u16) -> S {
        let name = format!("{} {}", api.method, api.route);
        let c = self.open_in(parent, &name, SynthKind::Client, start);
        self.close(c, start + dur);
        self.http_client_attrs(c, api.method, api.route, api.url);
        self.set(
            c,
            [
                ("network.protocol.version", text("2")),
                ("peer.service", text(api.peer)),
                ("http.response.status_code", int(status as i64)),
            ],
        );
        if status >= 400 {
            self.fail_status(c, status);
        }
        c
    }

    /// A gRPC call; `body` does the server's work and returns its end.
    fn grpc<F>(
        &mut self,
        parent: S,
        to: &str,
        service: &str,
        method: &str,
        start: i64,
        body: F,
    ) -> S
    where
        F: FnOnce(&mut Tb, S, i64) -> i64,
    {
        let name = format!("{service}/{method}");
        let (c, s, ()) = self.call(parent, to, &name, start, |tb, s, t| (body(tb, s, t), ()));
        let (host, _) = host_of(to);
        for span in [c, s] {
            self.set(
                span,
                [
                    ("rpc.system", text("grpc")),
                    ("rpc.service", text(service)),
                    ("rpc.method", text(method)),
                    ("rpc.grpc.status_code", int(0)),
                    ("server.address", text(host)),
                    ("server.port", int(50051)),
                ],
            );
        }
        self.set(c, [("peer.service", text(to))]);
        let client_ip = pod_ip(&self.spans[c].service);
        self.set(s, [("client.address", text(&client_ip))]);
        c
    }

    /// A database call of fixed duration from `parent`'s service. The
    /// operation is the statement's first word; `table` is empty for
    /// statements on no table.
    fn db(&mut self, parent: S, db: Db, table: &str, query: &str, start: i64, dur: i64) -> S {
        let op = query.split(' ').next().unwrap_or(query);
        let name = if db.system == "redis" || table.is_empty() {
            op.to_owned()
        } else {
            format!("{op} {}.{table}", db.namespace)
        };
        let s = self.open_in(parent, &name, SynthKind::Client, start);
        self.close(s, start + dur);
        // Older instrumentations (Go, .NET here) still write db.statement.
        let service = self.spans[s].service.as_str();
        let query_key = if matches!(service, "inventory-service" | "loyalty-service") {
            "db.statement"
        } else {
            "db.query.text"
        };
        self.set(
            s,
            [
                ("db.system", text(db.system)),
                ("db.system.name", text(db.system_name)),
                ("db.namespace", text(db.namespace)),
                ("db.operation.name", text(op)),
                (query_key, text(query)),
                ("server.address", text(db.host)),
                ("server.port", int(db.port)),
            ],
        );
        if !table.is_empty() {
            self.set(s, [("db.collection.name", text(table))]);
        }
        s
    }

    /// A database call lasting `ms`.
    fn query(
        &mut self,
        parent: S,
        db: Db,
        table: &str,
        query: &str,
        start: i64,
        (lo, hi): Ms,
    ) -> S {
        let dur = self.ms(lo, hi);
        self.db(parent, db, table, query, start, dur)
    }

    /// A Redis command; `hit` adds `app.cache.hit`.
    fn redis(&mut self, parent: S, cmd: &str, key: &str, start: i64, hit: Option<bool>) -> S {
        let dur = self.ms(0.15, 0.7);
        let s = self.db(parent, REDIS, "", &format!("{cmd} {key}"), start, dur);
        if let Some(hit) = hit {
            self.set(s, [("app.cache.hit", SynthValue::Bool(hit))]);
        }
        s
    }

    /// Reads `key` from Redis; on a miss, `load` queries the database from
    /// the given time and the value is written back. Returns the last Redis
    /// command.
    fn cached<F>(&mut self, parent: S, key: &str, hit: bool, start: i64, load: F) -> S
    where
        F: FnOnce(&mut Tb, i64) -> S,
    {
        let r = self.redis(parent, "GET", key, start, Some(hit));
        if hit {
            return r;
        }
        let t = self.after(r);
        let d = load(self, t);
        let t = self.after(d);
        self.redis(parent, "SET", key, t, None)
    }

    /// `{topic} publish`, a Kafka producer span.
    fn publish(&mut self, parent: S, topic: &str, key: &str, start: i64) -> S {
        let s = self.open_in(
            parent,
            &format!("{topic} publish"),
            SynthKind::Producer,
            start,
        );
        let dur = self.ms(1.5, 6.0);
        self.close(s, start + dur);
        let partition = (self.rng.u8(0..6)).to_string();
        let size = self.rng.i64(380..1400);
        self.set(
            s,
            [
                ("messaging.system", text("kafka")),
                ("messaging.destination.name", text(topic)),
                ("messaging.operation.type", text("send")),
                ("messaging.operation.name", text("publish")),
                ("messaging.kafka.message.key", text(key)),
                ("messaging.destination.partition.id", text(&partition)),
                ("messaging.message.body.size", int(size)),
                ("server.address", text("kafka-0.kafka.shop.svc")),
                ("server.port", int(9092)),
            ],
        );
        s
    }

    /// `{topic} process` in `service`, for the message `producer` sent.
    fn consume(&mut self, producer: S, service: &str, style: Style, start: i64) -> S {
        let topic = self.attr_str(producer, "messaging.destination.name");
        let key = self.attr_str(producer, "messaging.kafka.message.key");
        let partition = self.attr_str(producer, "messaging.destination.partition.id");
        let size = match self.attr(producer, "messaging.message.body.size") {
            Some(SynthValue::Int(n)) => n,
            _ => 0,
        };
        let name = format!("{topic} process");
        let s = match style {
            Style::FollowsFrom => {
                let s = self.open(Some(producer), service, &name, SynthKind::Consumer, start);
                self.spans[s].follows_from = true;
                s
            }
            Style::Link => {
                let s = self.open(None, service, &name, SynthKind::Consumer, start);
                let p = &self.spans[producer];
                let link = (p.trace_id, p.span_id);
                let span = &mut self.spans[s];
                span.trace_id = consumer_trace(link.0, span.span_id);
                span.links.push(link);
                s
            }
        };
        let offset = self.rng.i64(1_200_000..1_900_000);
        self.set(
            s,
            [
                ("messaging.system", text("kafka")),
                ("messaging.destination.name", text(&topic)),
                ("messaging.operation.type", text("process")),
                ("messaging.operation.name", text("process")),
                ("messaging.consumer.group.name", text(service)),
                ("messaging.destination.partition.id", text(&partition)),
                ("messaging.kafka.offset", int(offset)),
                ("messaging.kafka.message.key", text(&key)),
                ("messaging.message.body.size", int(size)),
            ],
        );
        s
    }

    fn attr(&self, s: S, key: &str) -> Option<SynthValue> {
        self.spans[s]
            .attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn attr_str(&self, s: S, key: &str) -> String {
        match self.attr(s, key) {
            Some(SynthValue::Str(v)) => v,
            _ => String::new(),
        }
    }
}

/// An HTTP request line as the caller sees it.
struct Req<'a> {
    method: &'a str,
    route: &'a str,
    path: String,
}

fn req<'a>(method: &'a str, route: &'a str, path: impl Into<String>) -> Req<'a> {
    Req {
        method,
        route,
        path: path.into(),
    }
}

/// (scheme, host, port, path) of an absolute URL.
fn split_url(url: &str) -> (&str, &str, i64, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, port.parse().unwrap_or(0)),
        None => (authority, if scheme == "http" { 80 } else { 443 }),
    };
    (scheme, host, port, path)
}

/// An HTTP API outside the shop.
struct Api {
    /// Its `peer.service`.
    peer: &'static str,
    method: &'static str,
    route: &'static str,
    url: &'static str,
}

const STRIPE: Api = Api {
    peer: "stripe",
    method: "POST",
    route: "/v1/payment_intents",
    url: "https://api.stripe.com/v1/payment_intents",
};

const IDP_JWKS: Api = Api {
    peer: "shop-idp",
    method: "GET",
    route: "/.well-known/jwks.json",
    url: "https://login.shop-idp.example/.well-known/jwks.json",
};

#[derive(Clone, Copy)]
struct Db {
    system: &'static str,
    system_name: &'static str,
    host: &'static str,
    port: i64,
    namespace: &'static str,
}

const PG_SHOP: Db = Db {
    system: "postgresql",
    system_name: "postgresql",
    host: "postgres-shop.shop.svc",
    port: 5432,
    namespace: "shop",
};
const PG_PAYMENTS: Db = Db {
    system: "postgresql",
    system_name: "postgresql",
    host: "postgres-payments.shop.svc",
    port: 5432,
    namespace: "payments",
};
const MSSQL_LOYALTY: Db = Db {
    system: "mssql",
    system_name: "microsoft.sql_server",
    host: "sql-loyalty.shop.svc",
    port: 1433,
    namespace: "loyalty",
};
const CLICKHOUSE: Db = Db {
    system: "clickhouse",
    system_name: "clickhouse",
    host: "clickhouse.analytics.svc",
    port: 8123,
    namespace: "analytics",
};
const REDIS: Db = Db {
    system: "redis",
    system_name: "redis",
    host: "redis-cache.shop.svc",
    port: 6379,
    namespace: "0",
};

fn text(s: &str) -> SynthValue {
    SynthValue::Str(s.to_owned())
}

fn int(n: i64) -> SynthValue {
    SynthValue::Int(n)
}

fn kv(k: &str, v: SynthValue) -> (String, SynthValue) {
    (k.to_owned(), v)
}

fn status_text(status: u16) -> String {
    let reason = match status {
        400 => "Bad Request",
        402 => "Payment Required",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    };
    format!("{status} {reason}").trim_end().to_owned()
}

/// Cluster DNS name and port of a service.
fn host_of(service: &str) -> (&'static str, i64) {
    match service {
        "auth-service" => ("auth-service.shop.svc", 8080),
        "cart-service" => ("cart-service.shop.svc", 8080),
        "order-service" => ("order-service.shop.svc", 8080),
        "payment-service" => ("payment-service.shop.svc", 8080),
        "inventory-service" => ("inventory-service.shop.svc", 8080),
        "loyalty-service" => ("loyalty-service.shop.svc", 8080),
        "analytics-service" => ("analytics-service.analytics.svc", 8000),
        _ => ("api-gateway.shop.svc", 8080),
    }
}

fn pod_ip(service: &str) -> String {
    let n = SERVICES.iter().position(|s| s.name == service).unwrap_or(0);
    format!("10.42.{}.{}", 3 + n, 17 + 9 * n)
}

// ---------------------------------------------------------------------------
// Traces.

/// Per-trace business data.
struct Ctx {
    user: String,
    cart: String,
    order: String,
    tier: &'static str,
    guest: bool,
    /// (sku, quantity, unit price in cents)
    items: Vec<(String, i64, i64)>,
}

impl Ctx {
    fn new(tb: &mut Tb, items: usize, premium: bool, guest: bool) -> Ctx {
        let items = (0..items)
            .map(|_| {
                let sku = format!("SKU-{}", tb.digits(5));
                let qty = if tb.chance(0.8) { 1 } else { tb.rng.i64(2..4) };
                let price = tb.rng.i64(3..130) * 100 - 1;
                (sku, qty, price)
            })
            .collect();
        let tier = if premium {
            "premium"
        } else if guest {
            "guest"
        } else {
            "standard"
        };
        Ctx {
            user: if guest {
                format!("guest-{:08x}", tb.rng.u32(..))
            } else {
                format!("u-{}", tb.digits(6))
            },
            cart: format!("cart-{:08x}", tb.rng.u32(..)),
            order: format!("ord-{}", tb.digits(7)),
            tier,
            guest,
            items,
        }
    }

    fn total_cents(&self) -> i64 {
        self.items.iter().map(|(_, q, p)| q * p).sum()
    }

    fn total(&self) -> SynthValue {
        SynthValue::Double(self.total_cents() as f64 / 100.0)
    }

    fn lines(&self) -> SynthValue {
        int(self.items.len() as i64)
    }

    fn customer_type(&self) -> SynthValue {
        text(if self.guest { "guest" } else { "registered" })
    }
}

fn trace(tb: &mut Tb, p: &Plan, start: i64) {
    let frontend = match p.frontend {
        Some(f) => f,
        None => tb.chance(0.4),
    };
    match p.scenario {
        Scenario::Checkout(c) => checkout(tb, frontend, c, start),
        Scenario::ProductView(v) => product_view(tb, frontend, v, start),
        Scenario::AddToCart { slow_stock } => add_to_cart(tb, frontend, slow_stock, start),
        Scenario::ViewCart => view_cart(tb, frontend, start),
        Scenario::Quote => quote(tb, frontend, start),
    }
}

const BROWSER_UA: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";

/// A request from the internet to api-gateway, optionally from a browser
/// (web-frontend root span). `body` does the gateway's work and returns
/// (the time the gateway answers, status). Returns the gateway span.
fn request<F>(tb: &mut Tb, frontend: bool, r: Req, user: Option<&str>, t0: i64, body: F) -> S
where
    F: FnOnce(&mut Tb, S, i64) -> (i64, u16),
{
    let name = format!("{} {}", r.method, r.route);
    let url = format!("https://shop.example.com{}", r.path);
    let fe = frontend.then(|| tb.open(None, "web-frontend", &name, SynthKind::Client, t0));
    let gw_start = if fe.is_some() {
        t0 + tb.ms(12.0, 45.0)
    } else {
        t0
    };
    let gw = tb.open(fe, "api-gateway", &name, SynthKind::Server, gw_start);
    let t = gw_start + tb.ms(0.1, 0.4);
    let (end, status) = body(tb, gw, t);
    tb.close(gw, end);
    let client_ip = format!("203.0.113.{}", tb.rng.u8(2..250));
    tb.http_server_attrs(gw, r.method, r.route, &url, &client_ip);
    tb.set(
        gw,
        [
            ("user_agent.original", text(BROWSER_UA)),
            ("network.protocol.version", text("2")),
            ("http.response.status_code", int(status as i64)),
        ],
    );
    if let Some(u) = user {
        tb.set(gw, [("enduser.id", text(u))]);
    }
    if status >= 500 {
        tb.fail_status(gw, status);
    }
    if let Some(fe) = fe {
        let back = tb.ms(10.0, 40.0);
        tb.close(fe, end + back);
        tb.http_client_attrs(fe, r.method, r.route, &url);
        tb.set(
            fe,
            [
                ("http.response.status_code", int(status as i64)),
                ("user_agent.original", text(BROWSER_UA)),
            ],
        );
        if status >= 400 {
            tb.fail_status(fe, status);
        }
    }
    gw
}

/// A request from a signed-in customer: the gateway has auth-service verify
/// the token, then `body` does the rest of the gateway's work.
fn signed_in<F>(tb: &mut Tb, frontend: bool, r: Req, ctx: &Ctx, t0: i64, body: F) -> S
where
    F: FnOnce(&mut Tb, S, i64) -> (i64, u16),
{
    request(tb, frontend, r, Some(&ctx.user), t0, |tb, gw, t| {
        let t = auth(tb, gw, t, &ctx.user) + tb.tiny();
        body(tb, gw, t)
    })
}

/// api-gateway -> auth-service VerifyToken. Returns when the gateway has the answer.
fn auth(tb: &mut Tb, gw: S, t: i64, user: &str) -> i64 {
    let jwks_miss = tb.chance(0.15);
    let c = tb.grpc(
        gw,
        "auth-service",
        "auth.v1.AuthService",
        "VerifyToken",
        t,
        |tb, s, mut t| {
            if jwks_miss {
                let dur = tb.ms(35.0, 90.0);
                let j = tb.http_external(s, &IDP_JWKS, t, dur, 200);
                tb.set(j, [("app.cache.hit", SynthValue::Bool(false))]);
                t = tb.after(j);
            }
            let v = tb.internal(s, "jwt.verify", t, (0.08, 0.45));
            let kid = format!("shop-2026-{}", if jwks_miss { "11b" } else { "11a" });
            tb.set(
                v,
                [
                    ("app.jwt.alg", text("RS256")),
                    ("app.jwt.kid", text(&kid)),
                    ("app.jwt.jwks_cached", SynthValue::Bool(!jwks_miss)),
                    ("enduser.id", text(user)),
                ],
            );
            let t = tb.after(v);
            let jti = format!("revoked:jti:{:012x}", tb.rng.u64(..) >> 16);
            let r = tb.redis(s, "EXISTS", &jti, t, None);
            tb.set(s, [("enduser.id", text(user))]);
            tb.after(r)
        },
    );
    tb.end(c)
}

/// Healthy fire-and-forget analytics event, started at `t`; returns its end.
fn analytics_ok(tb: &mut Tb, gw: S, t: i64, event: &str) -> i64 {
    let r = req("POST", "/events", "/events");
    let (c, s) = tb.http(gw, "analytics-service", r, t, |tb, s, t| {
        let q = "INSERT INTO events (ts, name, user_id, props) VALUES";
        let i = tb.query(s, CLICKHOUSE, "events", q, t, (1.5, 5.0));
        (tb.end(i), 202)
    });
    tb.set(s, [("app.analytics.event", text(event))]);
    tb.set(c, [("app.analytics.event", text(event))]);
    tb.end(c)
}

/// api-gateway -> loyalty-service GetBalance.
fn loyalty_balance(tb: &mut Tb, gw: S, t: i64, ctx: &Ctx) -> i64 {
    let hit = tb.chance(0.6);
    let balance = tb.rng.i64(0..9000);
    let c = tb.grpc(
        gw,
        "loyalty-service",
        "loyalty.v1.LoyaltyService",
        "GetBalance",
        t,
        |tb, s, t| {
            let key = format!("loyalty:balance:{}", ctx.user);
            let r = tb.cached(s, &key, hit, t, |tb, t| {
                let q = "SELECT points, tier FROM accounts WHERE user_id = @userId";
                tb.query(s, MSSQL_LOYALTY, "accounts", q, t, (2.0, 6.0))
            });
            // After a miss the answer goes out as soon as the value is cached.
            let t = if hit { tb.after(r) } else { tb.end(r) };
            tb.set(s, [("app.loyalty.balance", int(balance))]);
            t + tb.tiny()
        },
    );
    tb.end(c)
}

/// api-gateway -> cart-service GET /cart/{cartId}, products batched or (N+1)
/// one by one.
fn cart_get(tb: &mut Tb, gw: S, t: i64, ctx: &Ctx, n_plus_one: bool) -> i64 {
    let r = req("GET", "/cart/{cartId}", format!("/cart/{}", ctx.cart));
    let (c, s) = tb.http(gw, "cart-service", r, t, |tb, s, t| {
        let key = format!("cart:{}", ctx.cart);
        let hit = tb.chance(0.7);
        let r = tb.cached(s, &key, hit, t, |tb, t| {
            let q = "SELECT sku, quantity FROM cart_items WHERE cart_id = $1";
            tb.query(s, PG_SHOP, "cart_items", q, t, (1.5, 4.0))
        });
        let mut t = tb.after(r);
        if n_plus_one {
            for (sku, _, _) in &ctx.items {
                let r = req("GET", "/products/{id}", format!("/products/{sku}"));
                let (pc, _) = tb.http(s, "inventory-service", r, t, |tb, ps, t| {
                    // One by one, each a cold read (the batched call below
                    // takes 1.5-4 ms for all of them).
                    let q = "SELECT id, name, price_cents, image_url FROM products WHERE id = $1";
                    let d = tb.query(ps, PG_SHOP, "products", q, t, (8.0, 15.0));
                    tb.set(ps, [("app.product.sku", text(sku))]);
                    (tb.end(d), 200)
                });
                t = tb.end(pc) + tb.ms(0.05, 0.25);
            }
        } else {
            let ids: Vec<&str> = ctx.items.iter().map(|(s, _, _)| s.as_str()).collect();
            let r = req(
                "GET",
                "/products",
                format!("/products?ids={}", ids.join(",")),
            );
            let (pc, _) = tb.http(s, "inventory-service", r, t, |tb, ps, t| {
                let q = "SELECT id, name, price_cents, image_url FROM products WHERE id = ANY($1)";
                let d = tb.query(ps, PG_SHOP, "products", q, t, (1.5, 4.0));
                tb.set(ps, [("app.products.count", int(ids.len() as i64))]);
                (tb.end(d), 200)
            });
            t = tb.after(pc);
        }
        (t, 200)
    });
    for span in [c, s] {
        tb.set(
            span,
            [
                ("app.cart.id", text(&ctx.cart)),
                ("app.cart.items", ctx.lines()),
            ],
        );
    }
    tb.set(
        s,
        [
            ("app.cart.total", ctx.total()),
            ("app.customer.tier", text(ctx.tier)),
        ],
    );
    tb.end(c)
}

/// inventory-service's stock lookup: 5-20 ms, or about 2 s when `slow`.
fn stock_query(tb: &mut Tb, parent: S, t: i64, sku: &str, slow: bool) -> S {
    let ms = if slow {
        (1_850.0, 2_300.0)
    } else {
        (5.0, 20.0)
    };
    let q = "SELECT sku, quantity, reserved, warehouse_id FROM stock WHERE sku = $1";
    let d = tb.query(parent, PG_SHOP, "stock", q, t, ms);
    tb.set(d, [("app.product.sku", text(sku))]);
    d
}

/// inventory-service's stock read for an order's lines, locking them:
/// 5-20 ms, or about 2 s when `slow`.
fn stock_lines_query(tb: &mut Tb, parent: S, t: i64, skus: &[&str], slow: bool) -> S {
    let ms = if slow {
        (1_850.0, 2_300.0)
    } else {
        (5.0, 20.0)
    };
    let q =
        "SELECT sku, quantity, reserved, warehouse_id FROM stock WHERE sku = ANY($1) FOR UPDATE";
    let d = tb.query(parent, PG_SHOP, "stock", q, t, ms);
    tb.set(d, [("app.products.count", int(skus.len() as i64))]);
    d
}

struct OrderOut {
    client: S,
    server: S,
}

/// api-gateway -> order-service POST /orders.
fn order_create(tb: &mut Tb, gw: S, t: i64, ctx: &Ctx, c: Checkout) -> OrderOut {
    let r = req("POST", "/orders", "/orders");
    let (oc, os) = tb.http(gw, "order-service", r, t, |tb, s, t| {
        let v = tb.internal(s, "OrderValidator.validate", t, (0.3, 1.2));
        tb.set(v, [("app.order.lines", ctx.lines())]);
        let t = tb.after(v);
        let d = tb.query(s, PG_SHOP, "orders", Q_INSERT_ORDER, t, (1.5, 4.0));
        let t = tb.after(d);
        match c.payment {
            Payment::Async => {
                let lines = ctx.items.len() as i64;
                let dur = tb.ms(1.0, 3.0) + lines * 40 * US;
                let d = tb.db(s, PG_SHOP, "order_items", Q_INSERT_ORDER_ITEMS, t, dur);
                tb.set(d, [("db.operation.batch.size", int(lines))]);
                let t = tb.after(d);
                let d = tb.query(s, PG_SHOP, "outbox", Q_INSERT_OUTBOX, t, (0.8, 2.0));
                tb.set(d, [("app.outbox.event_type", text("OrderPlaced"))]);
                let t = tb.after(d);
                let d = tb.query(s, PG_SHOP, "", "COMMIT", t, (0.5, 2.0));
                (tb.end(d), 201)
            }
            Payment::Declined => {
                let (pc, _) = payment_authorize(tb, s, t, ctx);
                abandon_order(tb, s, pc, &PAYMENT_FAILED, 500)
            }
            Payment::Down => {
                // payment-service accepts the connection and never answers.
                let timeout = 30 * SEC + tb.ms(0.5, 3.0);
                let pc = tb.open_in(s, "POST /payments/authorize", SynthKind::Client, t);
                tb.close(pc, t + timeout);
                let route = "/payments/authorize";
                let url = "http://payment-service.shop.svc:8080/payments/authorize";
                tb.http_client_attrs(pc, "POST", route, url);
                tb.set(
                    pc,
                    [
                        ("network.protocol.version", text("1.1")),
                        ("peer.service", text("payment-service")),
                        ("app.order.id", text(&ctx.order)),
                        ("app.http.read_timeout_ms", int(30_000)),
                    ],
                );
                tb.exception(pc, t + timeout, &SOCKET_TIMEOUT);
                abandon_order(tb, s, pc, &PAYMENT_UNAVAILABLE, 503)
            }
        }
    });
    for span in [oc, os] {
        tb.set(span, [("app.order.id", text(&ctx.order))]);
    }
    tb.set(
        os,
        [
            ("app.order.total", ctx.total()),
            ("app.order.currency", text("EUR")),
            ("app.cart.items", ctx.lines()),
            ("app.customer.type", ctx.customer_type()),
            ("enduser.id", text(&ctx.user)),
        ],
    );
    OrderOut {
        client: oc,
        server: os,
    }
}

/// order-service gives the order up after the failed payment call `pc`: it
/// rolls the transaction back and fails with `e`. Returns (answer, status).
fn abandon_order(tb: &mut Tb, s: S, pc: S, e: &Exception, status: u16) -> (i64, u16) {
    let t = tb.after(pc);
    let d = tb.query(s, PG_SHOP, "", "ROLLBACK", t, (0.4, 1.5));
    let t = tb.after(d);
    tb.exception(s, t, e);
    (t + tb.tiny(), status)
}

/// order-service -> payment-service POST /payments/authorize, card declined.
fn payment_authorize(tb: &mut Tb, parent: S, t: i64, ctx: &Ctx) -> (S, S) {
    let code = ["insufficient_funds", "do_not_honor", "expired_card"]
        [super::draw::index(&mut tb.rng, 0, 3)];
    let r = req("POST", "/payments/authorize", "/payments/authorize");
    let (c, s) = tb.http(parent, "payment-service", r, t, |tb, s, t| {
        let d = charge(tb, s, t, ctx, Some(code));
        // A 402 is not a server error by the conventions; the service
        // marks it failed itself.
        tb.fail(s, CARD_DECLINED.message);
        tb.set(s, [("error.type", text(CARD_DECLINED.ty))]);
        (tb.end(d), 402)
    });
    tb.set(
        s,
        [
            ("app.order.id", text(&ctx.order)),
            ("app.payment.decline_code", text(code)),
        ],
    );
    (c, s)
}

/// payment-service charges the order to the customer's default card: it
/// loads the card, has Stripe authorize the payment (declined with
/// `decline_code`, if given) and records the transaction. Returns the
/// transaction's insert.
fn charge(tb: &mut Tb, s: S, t: i64, ctx: &Ctx, decline_code: Option<&str>) -> S {
    let d = tb.query(
        s,
        PG_PAYMENTS,
        "payment_methods",
        Q_PAYMENT_METHOD,
        t,
        (1.0, 3.0),
    );
    let t = tb.after(d);
    let p = tb.open_in(s, "PaymentProcessor.authorize", SynthKind::Internal, t);
    let (dur, status) = match decline_code {
        Some(_) => (tb.ms(180.0, 420.0), 402),
        None => (tb.ms(160.0, 450.0), 200),
    };
    let at = t + tb.tiny();
    let x = tb.http_external(p, &STRIPE, at, dur, status);
    if let Some(code) = decline_code {
        tb.set(x, [("app.payment.decline_code", text(code))]);
    }
    let t = tb.after(x);
    let p_end = match decline_code {
        Some(_) => {
            tb.exception(p, t, &CARD_DECLINED);
            t + tb.tiny()
        }
        None => t,
    };
    tb.close(p, p_end);
    tb.set(
        p,
        [
            ("app.payment.provider", text("stripe")),
            ("app.payment.amount", ctx.total()),
            ("app.payment.currency", text("EUR")),
        ],
    );
    if let Some(code) = decline_code {
        tb.set(p, [("app.payment.decline_code", text(code))]);
    }
    tb.set(p, [("app.payment.card_brand", text("visa"))]);
    let t = p_end + tb.tiny();
    let q = match decline_code {
        Some(_) => Q_DECLINED_TX,
        None => Q_AUTHORIZED_TX,
    };
    tb.query(s, PG_PAYMENTS, "transactions", q, t, (1.0, 2.5))
}

/// api-gateway -> cart-service DELETE /cart/{cartId} after the order.
fn cart_clear(tb: &mut Tb, gw: S, t: i64, ctx: &Ctx) -> i64 {
    let r = req("DELETE", "/cart/{cartId}", format!("/cart/{}", ctx.cart));
    let (c, _) = tb.http(gw, "cart-service", r, t, |tb, s, t| {
        let q = "DELETE FROM cart_items WHERE cart_id = $1";
        let r = cart_write(tb, s, t, ctx, q, (1.0, 3.0));
        (tb.end(r), 204)
    });
    tb.end(c)
}

/// cart-service changes the cart's rows with `q`, then drops the cached cart.
/// Returns the Redis DEL.
fn cart_write(tb: &mut Tb, s: S, t: i64, ctx: &Ctx, q: &str, ms: Ms) -> S {
    let d = tb.query(s, PG_SHOP, "cart_items", q, t, ms);
    let t = tb.after(d);
    tb.redis(s, "DEL", &format!("cart:{}", ctx.cart), t, None)
}

fn checkout(tb: &mut Tb, frontend: bool, c: Checkout, t0: i64) {
    let items = if c.items > 0 {
        c.items
    } else {
        super::draw::index(&mut tb.rng, 1, 6)
    };
    let ctx = Ctx::new(tb, items, c.n_plus_one, c.guest);
    let mut order: Option<OrderOut> = None;
    let r = req("POST", "/api/checkout", "/api/checkout");
    let gw = signed_in(tb, frontend, r, &ctx, t0, |tb, gw, mut t| {
        // Reported without waiting: normally done long before the answer.
        let a_end = analytics_ok(tb, gw, t, "checkout_started");
        t += tb.tiny();
        if !ctx.guest {
            t = loyalty_balance(tb, gw, t, &ctx) + tb.tiny();
        }
        t = cart_get(tb, gw, t, &ctx, c.n_plus_one) + tb.tiny();
        let o = order_create(tb, gw, t, &ctx, c);
        let gw_start = tb.spans[gw].start_ns;
        let answer = match c.payment {
            Payment::Async => {
                t = tb.after(o.client);
                t = cart_clear(tb, gw, t, &ctx) + tb.tiny();
                (t.max(a_end) + tb.tiny(), 201)
            }
            Payment::Declined => {
                let t = tb.after(o.client);
                (t.max(a_end) + tb.tiny(), 500)
            }
            Payment::Down => {
                // The gateway's 10 s route timeout fires first.
                let deadline = gw_start + 10 * SEC;
                let oc = o.client;
                let oc_end = deadline - tb.ms(0.02, 0.1);
                tb.close(oc, oc_end);
                tb.unset(oc, "http.response.status_code");
                tb.spans[oc].error = None;
                tb.deadline_exceeded(oc, deadline);
                (deadline + tb.ms(0.1, 0.3), 504)
            }
        };
        order = Some(o);
        answer
    });
    tb.set(
        gw,
        [
            ("app.cart.items", int(items as i64)),
            ("app.customer.tier", text(ctx.tier)),
            ("app.customer.type", ctx.customer_type()),
        ],
    );
    let Some(order) = order else { return };
    tb.set(gw, [("app.order.id", text(&ctx.order))]);
    if c.payment == Payment::Async {
        tb.set(gw, [("app.order.total", ctx.total())]);
        outbox(tb, order.server, &ctx, c);
    }
    if c.drop_order_span {
        tb.dropped.push(order.server);
    }
}

/// outbox-worker relays the order's outbox row to Kafka; the consumers follow.
fn outbox(tb: &mut Tb, order_server: S, ctx: &Ctx, c: Checkout) {
    // The row's trace context makes the relay part of the order's trace.
    let lag = tb.ms(8.0, 140.0);
    let t = tb.end(order_server) + lag;
    let relay = tb.open(
        Some(order_server),
        "outbox-worker",
        "OutboxRelay.relay",
        SynthKind::Internal,
        t,
    );
    tb.spans[relay].follows_from = true;
    let event_id = format!("evt-{:016x}", tb.rng.u64(..));
    tb.set(
        relay,
        [
            ("app.outbox.event_id", text(&event_id)),
            ("app.outbox.event_type", text("OrderPlaced")),
            ("app.outbox.lag_ms", int(lag / MS)),
            ("app.order.id", text(&ctx.order)),
        ],
    );
    let t = t + tb.tiny();
    let q = "SELECT id, aggregate_id, payload, trace_context FROM outbox WHERE id = $1 FOR UPDATE SKIP LOCKED";
    let d = tb.query(relay, PG_SHOP, "outbox", q, t, (0.6, 2.0));
    let t = tb.after(d);
    let prod = tb.publish(relay, "orders", &ctx.order, t);
    tb.set(
        prod,
        [
            ("app.order.id", text(&ctx.order)),
            ("app.outbox.event_id", text(&event_id)),
        ],
    );
    let t = tb.after(prod);
    let q = "UPDATE outbox SET sent_at = now() WHERE id = $1";
    let d = tb.query(relay, PG_SHOP, "outbox", q, t, (0.6, 2.0));
    let t = tb.after(d);
    tb.close(relay, t);

    payment_consumer(tb, prod, ctx);
    inventory_consumer(tb, prod, ctx, c.slow_stock);
    notification_consumer(tb, prod, ctx, c.malformed);
    let style = if c.loyalty_link {
        Style::Link
    } else {
        Style::FollowsFrom
    };
    if !ctx.guest {
        loyalty_consumer(tb, prod, ctx, style);
    }
}

/// `orders process` in `service`, 1-30 ms after `prod` sent the order. `work`
/// runs from just after the span starts and returns the span's end.
fn consumer<F>(tb: &mut Tb, prod: S, ctx: &Ctx, service: &str, style: Style, work: F)
where
    F: FnOnce(&mut Tb, S, i64) -> i64,
{
    let t = tb.end(prod) + tb.ms(1.0, 30.0);
    let s = tb.consume(prod, service, style, t);
    tb.set(s, [("app.order.id", text(&ctx.order))]);
    let t = t + tb.tiny();
    let end = work(tb, s, t);
    tb.close(s, end);
}

fn payment_consumer(tb: &mut Tb, prod: S, ctx: &Ctx) {
    let style = Style::FollowsFrom;
    consumer(tb, prod, ctx, "payment-service", style, |tb, s, t| {
        let d = charge(tb, s, t, ctx, None);
        tb.after(d)
    });
}

fn inventory_consumer(tb: &mut Tb, prod: S, ctx: &Ctx, slow: bool) {
    let style = Style::FollowsFrom;
    consumer(tb, prod, ctx, "inventory-service", style, |tb, s, t| {
        tb.set(s, [("app.order.lines", ctx.lines())]);
        // One read of every line's stock (about 2 s when `slow`), then a
        // reservation per line: a healthy order is not an N+1.
        let skus: Vec<&str> = ctx.items.iter().map(|(s, _, _)| s.as_str()).collect();
        let d = stock_lines_query(tb, s, t, &skus, slow);
        let mut t = tb.after(d);
        for (sku, qty, _) in &ctx.items {
            let q = "UPDATE stock SET reserved = reserved + $2 WHERE sku = $1 AND quantity - reserved >= $2";
            // 2-4 ms each: the N+1 stories' 27 and 32 lines pass the 50 ms
            // database-run threshold whatever the draws; five lines stay far below.
            let d = tb.query(s, PG_SHOP, "stock", q, t, (2.0, 4.0));
            tb.set(
                d,
                [
                    ("app.product.sku", text(sku)),
                    ("app.product.quantity", int(*qty)),
                ],
            );
            t = tb.after(d);
        }
        t
    });
}

fn notification_consumer(tb: &mut Tb, prod: S, ctx: &Ctx, malformed: Option<Style>) {
    let style = malformed.unwrap_or(Style::FollowsFrom);
    consumer(tb, prod, ctx, "notification-service", style, |tb, s, t| {
        let parse = tb.internal(s, "OrderPlaced.parse", t, (0.1, 0.6));
        let t = tb.after(parse);
        if malformed.is_some() {
            tb.exception(parse, tb.end(parse), &MALFORMED);
            tb.exception(s, t, &MALFORMED);
            // Parked on the dead-letter topic.
            let dlq = tb.publish(s, "orders.dlq", &ctx.order, t);
            tb.set(dlq, [("app.dlq.reason", text(MALFORMED.message))]);
            return tb.after(dlq);
        }
        let email = format!("{}@mail.example", ctx.user);
        let r = tb.internal(s, "render order_confirmation", t, (1.5, 6.0));
        tb.set(
            r,
            [
                ("app.email.template", text("order_confirmation")),
                ("app.email.locale", text("en-GB")),
            ],
        );
        let t = tb.after(r);
        let smtp = tb.open_in(s, "SMTP send", SynthKind::Client, t);
        let dur = tb.ms(70.0, 320.0);
        let t = tb.close(smtp, t + dur);
        let id = format!("<{:016x}@mail.shop.example>", tb.rng.u64(..));
        tb.set(
            smtp,
            [
                ("server.address", text("smtp.mailgun.org")),
                ("server.port", int(587)),
                ("network.protocol.name", text("smtp")),
                ("peer.service", text("mailgun")),
                ("app.email.to", text(&email)),
                ("app.email.message_id", text(&id)),
                ("app.email.template", text("order_confirmation")),
            ],
        );
        t + tb.tiny()
    });
}

fn loyalty_consumer(tb: &mut Tb, prod: S, ctx: &Ctx, style: Style) {
    consumer(tb, prod, ctx, "loyalty-service", style, |tb, s, t| {
        let points = ctx.total_cents() / 100;
        tb.set(s, [("app.loyalty.points_awarded", int(points))]);
        let q = "UPDATE accounts SET points = points + @points WHERE user_id = @userId";
        let d = tb.query(s, MSSQL_LOYALTY, "accounts", q, t, (2.0, 6.0));
        tb.after(d)
    });
}

fn product_view(tb: &mut Tb, frontend: bool, v: ProductView, t0: i64) {
    let ctx = Ctx::new(tb, 1, false, false);
    let sku = ctx.items[0].0.clone();
    let signed_in = tb.chance(0.6) || v.analytics != Analytics::Ok;
    let user = signed_in.then_some(ctx.user.as_str());
    let r = req("GET", "/api/products/{id}", format!("/api/products/{sku}"));
    let gw = request(tb, frontend, r, user, t0, |tb, gw, mut t| {
        if signed_in {
            t = auth(tb, gw, t, &ctx.user) + tb.tiny();
        }
        let mut a_end = t;
        if v.analytics == Analytics::Ok {
            a_end = analytics_ok(tb, gw, t, "product_viewed");
            t += tb.tiny();
        }
        let r = req("GET", "/products/{id}", format!("/products/{sku}"));
        let (pc, _) = tb.http(gw, "inventory-service", r, t, |tb, s, t| {
            let key = format!("product:{sku}");
            let hit = tb.chance(0.7);
            let r = tb.cached(s, &key, hit, t, |tb, t| {
                let q = "SELECT id, name, description, price_cents, image_url FROM products WHERE id = $1";
                tb.query(s, PG_SHOP, "products", q, t, (1.5, 5.0))
            });
            let t = tb.after(r);
            let d = stock_query(tb, s, t, &sku, v.slow_stock);
            tb.set(s, [("app.product.sku", text(&sku))]);
            (tb.end(d), 200)
        });
        t = tb.end(pc).max(a_end) + tb.tiny();
        if v.analytics != Analytics::Ok {
            // Fire and forget, just before answering: it ends after the gateway span.
            analytics_unawaited(tb, gw, t, v.analytics);
            t += tb.tiny();
        }
        (t, 200)
    });
    tb.set(gw, [("app.product.sku", text(&sku))]);
    if v.drop_gateway {
        tb.dropped.push(gw);
    }
}

/// The gateway's analytics call that fails after the gateway has answered.
fn analytics_unawaited(tb: &mut Tb, gw: S, t: i64, how: Analytics) {
    let event = "product_viewed";
    if how == Analytics::TimedOut {
        let c = tb.open_in(gw, "POST /events", SynthKind::Client, t);
        let end = t + 2 * SEC + tb.ms(0.1, 1.0);
        tb.close(c, end);
        let url = "http://analytics-service.analytics.svc:8000/events";
        tb.http_client_attrs(c, "POST", "/events", url);
        tb.set(
            c,
            [
                ("peer.service", text("analytics-service")),
                ("app.analytics.event", text(event)),
            ],
        );
        tb.deadline_exceeded(c, end);
        return;
    }
    let r = req("POST", "/events", "/events");
    let (c, s) = tb.http(gw, "analytics-service", r, t, |tb, s, t| {
        // The ingest buffer is full: the handler blocks, then gives up.
        let b = tb.internal(s, "EventBuffer.put", t, (150.0, 400.0));
        tb.exception(b, tb.end(b), &BUFFER_FULL);
        tb.set(b, [("app.analytics.buffer.size", int(50_000))]);
        tb.exception(s, tb.end(b), &BUFFER_FULL);
        (tb.end(b), 503)
    });
    for span in [c, s] {
        tb.set(span, [("app.analytics.event", text(event))]);
    }
}

fn add_to_cart(tb: &mut Tb, frontend: bool, slow: bool, t0: i64) {
    let ctx = Ctx::new(tb, 1, false, false);
    let (sku, qty, _) = ctx.items[0].clone();
    let r = req("POST", "/api/cart/items", "/api/cart/items");
    signed_in(tb, frontend, r, &ctx, t0, |tb, gw, t| {
        let a_end = analytics_ok(tb, gw, t, "add_to_cart");
        let t = t + tb.tiny();
        let r = req("GET", "/stock/{sku}", format!("/stock/{sku}"));
        let (sc, _) = tb.http(gw, "inventory-service", r, t, |tb, s, t| {
            let d = stock_query(tb, s, t, &sku, slow);
            tb.set(s, [("app.product.sku", text(&sku))]);
            (tb.end(d), 200)
        });
        let t = tb.after(sc);
        let r = req(
            "POST",
            "/cart/{cartId}/items",
            format!("/cart/{}/items", ctx.cart),
        );
        let (cc, cs) = tb.http(gw, "cart-service", r, t, |tb, s, t| {
            let q = "INSERT INTO cart_items (cart_id, sku, quantity) VALUES ($1, $2, $3) ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity";
            let r = cart_write(tb, s, t, &ctx, q, (1.5, 4.0));
            (tb.end(r), 201)
        });
        tb.set(
            cs,
            [
                ("app.cart.id", text(&ctx.cart)),
                ("app.product.sku", text(&sku)),
                ("app.product.quantity", int(qty)),
            ],
        );
        (tb.end(cc).max(a_end) + tb.tiny(), 201)
    });
}

fn view_cart(tb: &mut Tb, frontend: bool, t0: i64) {
    let items = super::draw::index(&mut tb.rng, 1, 7);
    let ctx = Ctx::new(tb, items, false, false);
    let r = req("GET", "/api/cart", "/api/cart");
    signed_in(tb, frontend, r, &ctx, t0, |tb, gw, t| {
        let t = cart_get(tb, gw, t, &ctx, false) + tb.tiny();
        let t = loyalty_balance(tb, gw, t, &ctx) + tb.tiny();
        (t, 200)
    });
}

fn quote(tb: &mut Tb, frontend: bool, t0: i64) {
    let items = super::draw::index(&mut tb.rng, 1, 5);
    let ctx = Ctx::new(tb, items, false, false);
    let r = req("GET", "/api/cart/quote", "/api/cart/quote");
    signed_in(tb, frontend, r, &ctx, t0, |tb, gw, t| {
        let r = req(
            "GET",
            "/cart/{cartId}/quote",
            format!("/cart/{}/quote", ctx.cart),
        );
        let (c, _) = tb.http(gw, "cart-service", r, t, |tb, s, t| {
            let key = format!("cart:{}", ctx.cart);
            let r = tb.redis(s, "GET", &key, t, Some(true));
            let mut t = tb.after(r);
            let mut best = (i64::MAX, "");
            // One after another, although none needs another's answer.
            for (api, (lo, hi)) in &PRICING {
                let dur = tb.ms(*lo, *hi);
                let x = tb.http_external(s, api, t, dur, 200);
                let price = ctx.total_cents() + tb.rng.i64(390..1290);
                tb.set(
                    x,
                    [
                        ("app.quote.provider", text(api.peer)),
                        ("app.quote.amount", SynthValue::Double(price as f64 / 100.0)),
                    ],
                );
                if price < best.0 {
                    best = (price, api.peer);
                }
                t = tb.end(x) + tb.ms(0.05, 0.3);
            }
            let b = tb.internal(s, "QuoteSelector.best", t, (0.05, 0.2));
            tb.set(
                b,
                [
                    ("app.quote.provider", text(best.1)),
                    (
                        "app.quote.amount",
                        SynthValue::Double(best.0 as f64 / 100.0),
                    ),
                    ("app.quote.candidates", int(PRICING.len() as i64)),
                ],
            );
            tb.set(
                s,
                [
                    ("app.cart.id", text(&ctx.cart)),
                    ("app.cart.items", ctx.lines()),
                ],
            );
            (tb.end(b), 200)
        });
        (tb.end(c) + tb.tiny(), 200)
    });
}

/// The pricing APIs a quote asks, and how long each takes to answer.
const PRICING: [(Api, Ms); 3] = [
    (
        Api {
            peer: "pricing-a",
            method: "POST",
            route: "/v2/quotes",
            url: "https://api.pricing-a.com/v2/quotes",
        },
        (180.0, 340.0),
    ),
    (
        Api {
            peer: "pricing-b",
            method: "GET",
            route: "/v1/quote",
            url: "https://quotes.pricing-b.net/v1/quote",
        },
        (210.0, 420.0),
    ),
    (
        Api {
            peer: "pricing-c",
            method: "POST",
            route: "/api/price",
            url: "https://pricing-c.io/api/price",
        },
        (150.0, 300.0),
    ),
];

// Queries.

const Q_INSERT_ORDER: &str =
    "INSERT INTO orders (id, user_id, status, total_cents, currency) VALUES ($1, $2, $3, $4, $5)";
const Q_INSERT_ORDER_ITEMS: &str =
    "INSERT INTO order_items (order_id, sku, quantity, unit_price_cents) VALUES ($1, $2, $3, $4)";
const Q_INSERT_OUTBOX: &str =
    "INSERT INTO outbox (id, aggregate_id, event_type, payload, trace_context) VALUES ($1, $2, $3, $4, $5)";
const Q_PAYMENT_METHOD: &str =
    "SELECT id, provider_token, brand, last4 FROM payment_methods WHERE user_id = $1 AND is_default";
const Q_DECLINED_TX: &str =
    "INSERT INTO transactions (order_id, status, amount_cents, decline_code) VALUES ($1, 'declined', $2, $3)";
const Q_AUTHORIZED_TX: &str =
    "INSERT INTO transactions (order_id, status, amount_cents, decline_code) VALUES ($1, 'authorized', $2, NULL)";

// ---------------------------------------------------------------------------
// Exceptions.

/// An exception as a service records it (type, message, stack trace).
struct Exception {
    ty: &'static str,
    message: &'static str,
    /// Empty where the instrumentation records none.
    stack: &'static str,
}

/// What Go's HTTP client reports when its context's deadline passes.
const DEADLINE_EXCEEDED: Exception = Exception {
    ty: "context.deadlineExceededError",
    message: "context deadline exceeded",
    stack: "",
};

const CARD_DECLINED: Exception = Exception {
    ty: "com.shop.payment.CardDeclinedException",
    message: "card declined",
    stack: "com.shop.payment.CardDeclinedException: card declined
\tat com.shop.payment.PaymentProcessor.authorize(PaymentProcessor.java:142)
\tat com.shop.payment.api.PaymentController.authorize(PaymentController.java:61)
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)
\tat org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:255)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
};

const PAYMENT_FAILED: Exception = Exception {
    ty: "com.shop.orders.PaymentFailedException",
    message: "payment authorization failed: card declined",
    stack: "com.shop.orders.PaymentFailedException: payment authorization failed: card declined
\tat com.shop.orders.CheckoutService.authorizePayment(CheckoutService.java:211)
\tat com.shop.orders.CheckoutService.placeOrder(CheckoutService.java:97)
\tat com.shop.orders.api.OrderController.create(OrderController.java:44)
\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)
Caused by: org.springframework.web.client.HttpClientErrorException$PaymentRequired: 402 Payment Required: \"{\"error\":\"card_declined\"}\"
\tat org.springframework.web.client.HttpClientErrorException.create(HttpClientErrorException.java:117)
\tat org.springframework.web.client.DefaultResponseErrorHandler.handleError(DefaultResponseErrorHandler.java:183)
\tat com.shop.orders.clients.PaymentClient.authorize(PaymentClient.java:57)
\t... 3 more",
};

const SOCKET_TIMEOUT: Exception = Exception {
    ty: "java.net.SocketTimeoutException",
    message: "Read timed out",
    stack: "java.net.SocketTimeoutException: Read timed out
\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)
\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:304)
\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)
\tat java.base/sun.net.www.http.HttpClient.parseHTTP(HttpClient.java:812)
\tat com.shop.orders.clients.PaymentClient.authorize(PaymentClient.java:57)
\tat com.shop.orders.CheckoutService.authorizePayment(CheckoutService.java:205)
\tat com.shop.orders.CheckoutService.placeOrder(CheckoutService.java:97)",
};

const PAYMENT_UNAVAILABLE: Exception = Exception {
    ty: "com.shop.orders.PaymentUnavailableException",
    message: "payment-service unavailable: Read timed out",
    stack:
        "com.shop.orders.PaymentUnavailableException: payment-service unavailable: Read timed out
\tat com.shop.orders.CheckoutService.authorizePayment(CheckoutService.java:219)
\tat com.shop.orders.CheckoutService.placeOrder(CheckoutService.java:97)
\tat com.shop.orders.api.OrderController.create(OrderController.java:44)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)
\t... 6 more",
};

const MALFORMED: Exception = Exception {
    ty: "notification.events.MalformedMessageError",
    message: "malformed message: missing field customer_email",
    stack: "Traceback (most recent call last):
  File \"/app/notification/consumer.py\", line 73, in handle_order_placed
    event = OrderPlaced.parse(message.value())
  File \"/app/notification/events.py\", line 38, in parse
    raise MalformedMessageError(f\"malformed message: missing field {name}\")
notification.events.MalformedMessageError: malformed message: missing field customer_email",
};

const BUFFER_FULL: Exception = Exception {
    ty: "analytics.ingest.BufferFullError",
    message: "event buffer full (50000 events), dropping event",
    stack: "Traceback (most recent call last):
  File \"/app/analytics/api.py\", line 52, in post_events
    await buffer.put(event, timeout=0.25)
  File \"/app/analytics/ingest.py\", line 117, in put
    raise BufferFullError(f\"event buffer full ({self.capacity} events), dropping event\")
analytics.ingest.BufferFullError: event buffer full (50000 events), dropping event",
};

// ---------------------------------------------------------------------------
// Resources.

struct Service {
    name: &'static str,
    version: &'static str,
    language: &'static str,
    sdk_version: &'static str,
    runtime: (&'static str, &'static str),
}

const SERVICES: &[Service] = &[
    Service {
        name: "web-frontend",
        version: "3.14.2",
        language: "webjs",
        sdk_version: "1.28.0",
        runtime: ("browser", ""),
    },
    Service {
        name: "api-gateway",
        version: "1.22.0",
        language: "go",
        sdk_version: "1.32.0",
        runtime: ("go", "go1.23.3"),
    },
    Service {
        name: "auth-service",
        version: "2.3.1",
        language: "go",
        sdk_version: "1.32.0",
        runtime: ("go", "go1.23.3"),
    },
    Service {
        name: "cart-service",
        version: "4.0.7",
        language: "nodejs",
        sdk_version: "1.28.0",
        runtime: ("nodejs", "22.11.0"),
    },
    Service {
        name: "order-service",
        version: "5.12.0",
        language: "java",
        sdk_version: "1.44.1",
        runtime: ("OpenJDK Runtime Environment", "21.0.5+11-LTS"),
    },
    Service {
        name: "outbox-worker",
        version: "5.12.0",
        language: "java",
        sdk_version: "1.44.1",
        runtime: ("OpenJDK Runtime Environment", "21.0.5+11-LTS"),
    },
    Service {
        name: "payment-service",
        version: "3.8.4",
        language: "java",
        sdk_version: "1.44.1",
        runtime: ("OpenJDK Runtime Environment", "21.0.5+11-LTS"),
    },
    Service {
        name: "notification-service",
        version: "1.9.2",
        language: "python",
        sdk_version: "1.28.2",
        runtime: ("cpython", "3.12.7"),
    },
    Service {
        name: "inventory-service",
        version: "2.17.0",
        language: "go",
        sdk_version: "1.24.0",
        runtime: ("go", "go1.22.9"),
    },
    Service {
        name: "loyalty-service",
        version: "1.4.0",
        language: "dotnet",
        sdk_version: "1.9.0",
        runtime: (".NET", "8.0.11"),
    },
    Service {
        name: "analytics-service",
        version: "0.31.5",
        language: "python",
        sdk_version: "1.28.2",
        runtime: ("cpython", "3.12.7"),
    },
];

/// Resource attributes of every service of the demo.
pub fn resources() -> Vec<SynthResource> {
    SERVICES
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let mut attrs = vec![
                kv("service.namespace", text("shop")),
                kv("service.version", text(s.version)),
                kv(
                    "service.instance.id",
                    text(&format!(
                        "{:08x}-5f1c-4e2a-9b7d-{:012x}",
                        0x3a41_0000 + n * 7919,
                        0x1f2e_3d4c_5b6a_u64 + n as u64 * 104_729
                    )),
                ),
                kv("deployment.environment", text("production")),
                kv("deployment.environment.name", text("production")),
                kv("telemetry.sdk.name", text("opentelemetry")),
                kv("telemetry.sdk.language", text(s.language)),
                kv("telemetry.sdk.version", text(s.sdk_version)),
            ];
            if s.language == "webjs" {
                attrs.push(kv("browser.platform", text("macOS")));
                attrs.push(kv("browser.language", text("en-GB")));
                attrs.push(kv("user_agent.original", text(BROWSER_UA)));
            } else {
                let namespace = if s.name == "analytics-service" {
                    "analytics"
                } else {
                    "shop"
                };
                let suffix = ["x2kqp", "7hd4m", "q9wzt", "bk3nf", "m8rvl", "t5gcx"][n % 6];
                let pod = format!("{}-6f7c9d8b{n}-{suffix}", s.name);
                attrs.push(kv("host.name", text(&pod)));
                attrs.push(kv("k8s.namespace.name", text(namespace)));
                attrs.push(kv("k8s.pod.name", text(&pod)));
                attrs.push(kv("k8s.deployment.name", text(s.name)));
                attrs.push(kv("cloud.provider", text("aws")));
                attrs.push(kv("cloud.region", text("eu-west-1")));
                attrs.push(kv("process.runtime.name", text(s.runtime.0)));
                attrs.push(kv("process.runtime.version", text(s.runtime.1)));
            }
            SynthResource {
                service: s.name.to_owned(),
                attrs,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    fn by_trace(spans: &[SynthSpan]) -> Vec<(u128, Vec<&SynthSpan>)> {
        let mut out: Vec<(u128, Vec<&SynthSpan>)> = Vec::new();
        for s in spans {
            match out.iter_mut().find(|(t, _)| *t == s.trace_id) {
                Some((_, v)) => v.push(s),
                None => out.push((s.trace_id, vec![s])),
            }
        }
        out
    }

    fn int_attr(s: &SynthSpan, key: &str) -> Option<i64> {
        s.attrs.iter().find_map(|(k, v)| match v {
            SynthValue::Int(n) if k == key => Some(*n),
            _ => None,
        })
    }

    fn end(s: &SynthSpan) -> i64 {
        s.start_ns + s.duration_ns
    }

    #[test]
    fn deterministic() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7).0, generate(8).0);
        assert_eq!(featured_trace_id(7), generate(7).0[0].trace_id);
    }

    #[test]
    fn counts_ids_and_times() {
        let (spans, resources) = generate(42);
        let traces = by_trace(&spans);
        assert!((36..=46).contains(&traces.len()), "{} traces", traces.len());
        assert!((800..=3000).contains(&spans.len()), "{} spans", spans.len());
        // Each trace's spans are contiguous.
        let mut seen = FxHashSet::default();
        for w in spans.windows(2) {
            if w[0].trace_id != w[1].trace_id {
                assert!(seen.insert(w[0].trace_id));
                assert!(!seen.contains(&w[1].trace_id));
            }
        }
        let hour = EPOCH_NS..EPOCH_NS + 3600 * SEC;
        for (trace, list) in &traces {
            assert_ne!(*trace, 0);
            let ids: FxHashSet<u64> = list.iter().map(|s| s.span_id).collect();
            assert_eq!(ids.len(), list.len(), "duplicate span id");
            assert!(!ids.contains(&0));
            for s in list {
                assert!(s.duration_ns >= 0);
                assert!(
                    hour.contains(&s.start_ns) && hour.contains(&end(s)),
                    "{} outside the hour",
                    s.name
                );
            }
        }
        for s in &spans {
            assert!(
                resources.iter().any(|r| r.service == s.service),
                "no resource for {}",
                s.service
            );
        }
    }

    /// One root per trace: a link-style consumer starts its own trace instead
    /// of being a second root of its producer's. Only the deliberately
    /// incomplete traces may lack theirs (their loose spans have parent ids).
    #[test]
    fn one_root_per_trace() {
        for seed in [0, 5, 11, 19] {
            let (spans, _) = generate(seed);
            let incomplete: FxHashSet<u128> = story_traces(seed)
                .into_iter()
                .filter(|&(s, _)| s == STORY_INCOMPLETE)
                .map(|(_, t)| t)
                .collect();
            for (trace, list) in by_trace(&spans) {
                let roots = list.iter().filter(|s| s.parent_id.is_none()).count();
                if incomplete.contains(&trace) {
                    assert!(roots <= 1, "{roots} roots in an incomplete trace");
                } else {
                    assert_eq!(roots, 1, "{roots} roots in trace {trace:032x}");
                }
            }
        }
    }

    /// Children start after their parents and end before them, except where a
    /// story says otherwise (async work, the cascading timeout, fire and forget).
    #[test]
    fn children_inside_parents() {
        let (spans, _) = generate(3);
        let stories: FxHashMap<u128, usize> =
            story_traces(3).into_iter().map(|(s, t)| (t, s)).collect();
        for (trace, list) in by_trace(&spans) {
            let index: FxHashMap<u64, &SynthSpan> = list.iter().map(|s| (s.span_id, *s)).collect();
            for s in &list {
                let Some(p) = s.parent_id.and_then(|p| index.get(&p)) else {
                    continue;
                };
                assert!(
                    s.start_ns >= p.start_ns,
                    "{} starts before {}",
                    s.name,
                    p.name
                );
                let allowed = s.follows_from
                    || p.kind == SynthKind::Producer
                    || matches!(
                        stories.get(&trace),
                        Some(&STORY_PAYMENT_DOWN | &STORY_FIRE_AND_FORGET)
                    );
                assert!(
                    allowed || end(s) <= end(p),
                    "{} ends after {}",
                    s.name,
                    p.name
                );
                // Inside the cluster; the browser's request crosses the internet.
                if s.kind == SynthKind::Server
                    && p.kind == SynthKind::Client
                    && p.service != "web-frontend"
                {
                    let gap = s.start_ns - p.start_ns;
                    assert!((200 * US..=2 * MS).contains(&gap), "network gap {gap}");
                }
            }
        }
    }

    #[test]
    fn stories_present() {
        let seed = 11;
        let (spans, _) = generate(seed);
        let traces = by_trace(&spans);
        let featured = featured_trace_id(seed);
        assert_eq!(traces[0].0, featured);
        let story_ids = story_traces(seed);
        for k in 0..STORIES.len() {
            assert!(story_ids.iter().any(|&(s, _)| s == k), "story {k} missing");
        }

        // 1. Card declined -> 500 at the gateway, in the featured trace.
        let declined: Vec<u128> = traces
            .iter()
            .filter(|(_, l)| {
                l.iter()
                    .any(|s| s.error.as_deref() == Some("card declined") && !s.events.is_empty())
                    && l.iter().any(|s| {
                        s.service == "api-gateway"
                            && s.kind == SynthKind::Server
                            && int_attr(s, "http.response.status_code") == Some(500)
                            && s.error.is_some()
                    })
            })
            .map(|(t, _)| *t)
            .collect();
        assert!(declined.len() >= 2 && declined.contains(&featured));

        // 2. A failing consumer, both styles, leading back to the producer:
        //    as the producer's child in the same trace, or as the root of a
        //    trace of its own with a span link to the producer, that trace
        //    coming right after the producer's.
        let producers: FxHashMap<(u128, u64), usize> = traces
            .iter()
            .enumerate()
            .flat_map(|(k, (t, l))| {
                l.iter()
                    .filter(|s| s.kind == SynthKind::Producer && s.name == "orders publish")
                    .map(move |s| ((*t, s.span_id), k))
            })
            .collect();
        let mut styles = (false, false);
        let mut link_traces = 0;
        for (k, (trace, l)) in traces.iter().enumerate() {
            for s in l.iter().filter(|s| s.kind == SynthKind::Consumer) {
                let via_parent = s.follows_from
                    && s.parent_id
                        .is_some_and(|p| producers.contains_key(&(*trace, p)));
                let via_link = s.parent_id.is_none()
                    && s.links.len() == 1
                    && s.links[0].0 != *trace
                    && producers.get(&s.links[0]).is_some_and(|&pk| {
                        // Its own trace, right after (or among the consumer
                        // traces right after) the producer's.
                        pk < k
                            && traces[pk + 1..k].iter().all(|(_, m)| {
                                m[0].kind == SynthKind::Consumer
                                    && m[0].links.first().map(|l| l.0) == Some(traces[pk].0)
                            })
                    })
                    && l.iter().filter(|x| x.parent_id.is_none()).count() == 1;
                assert!(
                    via_parent || via_link,
                    "consumer {} not tied to a producer",
                    s.service
                );
                if via_link {
                    assert_eq!(l[0].span_id, s.span_id, "consumer trace starts elsewhere");
                    link_traces += 1;
                }
                if s.service == "notification-service"
                    && s.error.as_deref() == Some("malformed message: missing field customer_email")
                {
                    assert!(s.events.iter().any(|e| e.name == "exception"));
                    let story = story_ids.iter().filter(|&&(st, _)| st == STORY_MALFORMED);
                    assert!(story.clone().any(|&(_, t)| t == *trace));
                    if via_link {
                        // The producer's trace is a story trace as well.
                        let pk = producers[&s.links[0]];
                        assert!(story.clone().any(|&(_, t)| t == traces[pk].0));
                    }
                    styles.0 |= via_parent;
                    styles.1 |= via_link;
                }
            }
        }
        assert_eq!(styles, (true, true));
        // The malformed-message consumer and the loyalty consumers that link.
        assert!(link_traces >= 2, "{link_traces} consumer traces");
        assert_eq!(
            story_ids
                .iter()
                .filter(|&&(s, _)| s == STORY_MALFORMED)
                .count(),
            3
        );

        // 3. The stock query: ~2 s in 3-4 traces, 5-20 ms elsewhere.
        let stock: Vec<&SynthSpan> = spans
            .iter()
            .filter(|s| s.name == "SELECT shop.stock")
            .collect();
        let slow: FxHashSet<u128> = stock
            .iter()
            .filter(|s| s.duration_ns > SEC)
            .map(|s| s.trace_id)
            .collect();
        assert!((3..=4).contains(&slow.len()), "{} slow traces", slow.len());
        for s in &stock {
            let d = s.duration_ns;
            assert!((5 * MS..=20 * MS).contains(&d) || (1_800 * MS..=2_400 * MS).contains(&d));
        }

        // 4. Payment down: a 30 s client wait, the gateway's 504 at 10 s, and
        //    order-service still running after its caller gave up.
        let down: Vec<&(u128, Vec<&SynthSpan>)> = traces
            .iter()
            .filter(|(_, l)| {
                l.iter().any(|s| {
                    s.service == "order-service"
                        && s.name == "POST /payments/authorize"
                        && s.duration_ns >= 30 * SEC
                        && s.error.is_some()
                })
            })
            .collect();
        assert_eq!(down.len(), 2);
        for (_, l) in &down {
            let gw = l
                .iter()
                .find(|s| s.service == "api-gateway" && s.kind == SynthKind::Server)
                .unwrap();
            assert_eq!(int_attr(gw, "http.response.status_code"), Some(504));
            assert!(gw.error.is_some() && (10 * SEC..10 * SEC + MS).contains(&gw.duration_ns));
            let os = l
                .iter()
                .find(|s| s.service == "order-service" && s.kind == SynthKind::Server)
                .unwrap();
            let caller = l.iter().find(|s| Some(s.span_id) == os.parent_id).unwrap();
            assert!(end(os) > end(caller) + 19 * SEC);
        }

        // 5. N+1: one trace with >= 20 identical sequential calls under one parent.
        let n_plus_one = traces.iter().filter(|(_, l)| {
            let mut per_parent: FxHashMap<(u64, &str), usize> = FxHashMap::default();
            for s in l.iter().filter(|s| s.kind == SynthKind::Client) {
                *per_parent
                    .entry((s.parent_id.unwrap_or(0), s.name.as_str()))
                    .or_default() += 1;
            }
            per_parent
                .iter()
                .any(|(&(_, name), &n)| name == "GET /products/{id}" && n >= 20)
        });
        assert_eq!(n_plus_one.count(), 2);

        // 6. Fire and forget: a failed analytics call under a 200, ending after it.
        let ff = traces.iter().filter(|(_, l)| {
            l.iter().any(|c| {
                c.service == "api-gateway" && c.name == "POST /events" && c.error.is_some() && {
                    let p = l.iter().find(|p| Some(p.span_id) == c.parent_id);
                    p.is_some_and(|p| {
                        int_attr(p, "http.response.status_code") == Some(200)
                            && p.error.is_none()
                            && end(c) > end(p)
                    })
                }
            })
        });
        assert_eq!(ff.count(), 2);

        // 7. Three sequential external pricing calls.
        let seq = traces.iter().filter(|(_, l)| {
            let mut calls: Vec<&&SynthSpan> = l
                .iter()
                .filter(|s| {
                    s.attrs.iter().any(|(k, v)| {
                        k == "peer.service"
                            && matches!(v, SynthValue::Str(p) if p.starts_with("pricing-"))
                    })
                })
                .collect();
            calls.sort_by_key(|s| s.start_ns);
            calls.len() == 3 && calls.windows(2).all(|w| w[1].start_ns >= end(w[0]))
        });
        assert_eq!(seq.count(), 3);

        // 8. Orphans: parent ids that are not in the trace.
        let incomplete = traces.iter().filter(|(_, l)| {
            let ids: FxHashSet<u64> = l.iter().map(|s| s.span_id).collect();
            l.iter()
                .filter(|s| s.parent_id.is_some_and(|p| !ids.contains(&p)))
                .count()
                >= 2
        });
        assert_eq!(incomplete.count(), 2);
    }

    type Writer = fn(&[SynthSpan], &[SynthResource], &mut Vec<u8>) -> std::io::Result<()>;

    fn load(write: Writer) -> crate::model::Store {
        let (spans, resources) = generate(5);
        let mut bytes = Vec::new();
        write(&spans, &resources, &mut bytes).unwrap();
        let mut store = crate::model::Store::default();
        crate::import::load(&mut store, "demo", &bytes).unwrap();
        assert_eq!(store.spans.len(), spans.len());
        store
    }

    fn trace_id(id: u128) -> crate::model::TraceId {
        crate::model::TraceId::Hex128((id >> 64) as u64, id as u64)
    }

    #[test]
    fn loads_as_otlp_json() {
        let store = load(crate::demo::synth::write_otlp_json);
        let n = by_trace(&generate(5).0).len();
        assert_eq!(store.traces.len(), n);
        let featured = &store.traces[0];
        assert_eq!(featured.id, trace_id(featured_trace_id(5)));
        assert!(featured.summary.errors > 0);
        assert_eq!(featured.summary.orphans, 0);
        let root = featured.summary.root;
        assert_eq!(
            store.str(store.spans.service[root as usize]),
            "web-frontend"
        );
        for (story, id) in story_traces(5) {
            let t = &store.traces[store.find_trace(trace_id(id)).unwrap() as usize];
            match story {
                STORY_INCOMPLETE => assert!(t.summary.orphans >= 2),
                _ => assert_eq!(t.summary.orphans, 0, "story {story}"),
            }
        }
    }

    /// Link-style consumers live in traces of their own: no trace has several
    /// roots, and every link resolves to a span of another trace.
    #[test]
    fn consumer_traces_load_as_otlp_json() {
        use crate::model::WarningKind;
        let store = load(crate::demo::synth::write_otlp_json);
        for t in &store.traces {
            assert!(
                t.warnings
                    .iter()
                    .all(|w| w.kind != WarningKind::MultipleRoots),
                "trace {:?} has several roots",
                t.id
            );
        }
        let mut n = 0;
        for i in 0..store.spans.len() as u32 {
            for l in store.span_links(i) {
                let target = store
                    .find_span(l.trace_id, l.span_id)
                    .expect("link resolves");
                assert_ne!(
                    store.spans.trace[target as usize],
                    store.spans.trace[i as usize]
                );
                n += 1;
            }
        }
        assert!(n >= 2, "{n} links");
    }

    #[test]
    fn loads_as_jaeger_json() {
        let store = load(crate::demo::synth::write_jaeger_json);
        assert_eq!(store.traces.len(), by_trace(&generate(5).0).len());
        assert!(store.traces[0].summary.errors > 0);
    }
}
