//! Large synthetic traces with the shape of a big production trace: one request
//! through an online shop's 20 services that fans out into thousands (or a
//! million) of spans, about 13 levels deep.
//!
//! Shape: every span of a service hop is a client (or Kafka producer) span in
//! the calling service whose only child is the server (or consumer, through
//! FOLLOWS_FROM) span in the called service; server, consumer and internal
//! spans fan out into more hops, internal spans and leaf calls (SQL, Redis,
//! MongoDB, Elasticsearch, third-party HTTP APIs). Each span carries about ten
//! typed attributes and 0-3 events. Children start within their parent and end
//! within it, at least 1 µs before it (so that Jaeger's microsecond rounding
//! keeps them inside), except asynchronous consumers, which may outlive their
//! producer. A few percent of spans fail; failures propagate up to the callers
//! with some probability, as they do in real systems.
//!
//! The count is exact: the tree is grown from a span budget, split between a
//! span's children, and the depth is capped (`MAX_DEPTH`) so that the maximum
//! depth is 13 from a few thousand to a million spans; smaller branches end a
//! few levels sooner, so most spans sit at depths 8-12. From 2,000 spans on,
//! all 20 services take part. Deterministic: the same `(spans, seed)` gives
//! the same spans (the size is part of the seed).

use fastrand::Rng;

use super::synth::{SynthEvent, SynthKind, SynthResource, SynthSpan, SynthValue};

/// The deepest level a span can be at (the root is at depth 0).
pub const MAX_DEPTH: u32 = 13;

/// Mean wall time per span: the root lasts `spans` times this (at least 20 ms).
const NS_PER_SPAN: f64 = 200_000.0;

/// 2025-03-14T09:26:53Z.
const BASE_TIME_NS: i64 = 1_741_944_413_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Proto {
    Http,
    Grpc,
    Kafka,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Db {
    Postgres,
    Mysql,
    Mongo,
    Redis,
    Elastic,
    Cassandra,
    Clickhouse,
}

struct Service {
    name: &'static str,
    /// CamelCase stem for class and gRPC service names.
    class: &'static str,
    lang: &'static str,
    /// Downstream services and how they are called.
    calls: &'static [(usize, Proto)],
    stores: &'static [Db],
    /// HTTP routes it serves: (method, route).
    routes: &'static [(&'static str, &'static str)],
    /// gRPC methods it serves.
    methods: &'static [&'static str],
    /// Tables (SQL), collections (MongoDB) or indices (Elasticsearch).
    tables: &'static [&'static str],
    /// Third-party API it calls, if any: (peer.service, host, path).
    external: Option<(&'static str, &'static str, &'static str)>,
}

use Db::*;
use Proto::*;

const GATEWAY: usize = 0;

static SERVICES: [Service; 20] = [
    Service {
        name: "api-gateway",
        class: "Gateway",
        lang: "go",
        calls: &[
            (1, Http),
            (2, Http),
            (3, Http),
            (4, Http),
            (5, Http),
            (13, Http),
            (14, Http),
            (15, Http),
        ],
        stores: &[Redis],
        routes: &[],
        methods: &[],
        tables: &[],
        external: None,
    },
    Service {
        name: "auth",
        class: "Auth",
        lang: "go",
        calls: &[(2, Grpc)],
        stores: &[Redis],
        routes: &[
            ("POST", "/api/v1/auth/token"),
            ("GET", "/api/v1/auth/session"),
        ],
        methods: &["VerifyToken", "GetSession"],
        tables: &[],
        external: None,
    },
    Service {
        name: "users",
        class: "Users",
        lang: "java",
        calls: &[(18, Grpc), (11, Kafka)],
        stores: &[Postgres, Redis],
        routes: &[
            ("GET", "/api/v1/users/{id}"),
            ("PATCH", "/api/v1/users/{id}"),
        ],
        methods: &["GetUser", "GetPreferences", "ListAddresses"],
        tables: &["users", "addresses", "preferences"],
        external: None,
    },
    Service {
        name: "orders",
        class: "Orders",
        lang: "java",
        calls: &[
            (4, Grpc),
            (6, Grpc),
            (7, Grpc),
            (8, Grpc),
            (10, Grpc),
            (2, Grpc),
            (11, Kafka),
            (19, Kafka),
        ],
        stores: &[Postgres],
        routes: &[
            ("POST", "/api/v1/orders"),
            ("GET", "/api/v1/orders/{id}"),
            ("POST", "/api/v1/checkout"),
        ],
        methods: &["CreateOrder", "GetOrder", "ListOrders"],
        tables: &["orders", "order_items", "order_events"],
        external: None,
    },
    Service {
        name: "cart",
        class: "Cart",
        lang: "node",
        calls: &[(5, Grpc), (7, Grpc), (6, Grpc)],
        stores: &[Redis],
        routes: &[("GET", "/api/v1/cart"), ("POST", "/api/v1/cart/items")],
        methods: &["GetCart", "AddItem", "EmptyCart"],
        tables: &[],
        external: None,
    },
    Service {
        name: "catalog",
        class: "Catalog",
        lang: "python",
        calls: &[(6, Grpc), (7, Grpc), (15, Http), (14, Grpc)],
        stores: &[Mongo, Redis],
        routes: &[
            ("GET", "/api/v1/products"),
            ("GET", "/api/v1/products/{id}"),
        ],
        methods: &["GetProduct", "ListProducts", "GetCategory"],
        tables: &["products", "categories"],
        external: None,
    },
    Service {
        name: "inventory",
        class: "Inventory",
        lang: "java",
        calls: &[(19, Kafka)],
        stores: &[Mysql],
        routes: &[],
        methods: &["CheckStock", "Reserve", "Release"],
        tables: &["stock", "reservations", "warehouses"],
        external: None,
    },
    Service {
        name: "pricing",
        class: "Pricing",
        lang: "go",
        calls: &[(16, Grpc), (17, Grpc), (18, Grpc)],
        stores: &[Redis],
        routes: &[],
        methods: &["GetPrice", "ApplyDiscounts", "Quote"],
        tables: &[],
        external: None,
    },
    Service {
        name: "payments",
        class: "Payments",
        lang: "java",
        calls: &[(9, Grpc), (16, Grpc), (11, Kafka), (19, Kafka)],
        stores: &[Postgres],
        routes: &[],
        methods: &["Authorize", "Capture", "Refund"],
        tables: &["payments", "ledger_entries"],
        external: Some(("stripe", "api.stripe.com", "/v1/payment_intents")),
    },
    Service {
        name: "fraud-detection",
        class: "FraudDetection",
        lang: "python",
        calls: &[(2, Grpc), (19, Kafka)],
        stores: &[Cassandra],
        routes: &[],
        methods: &["Score", "GetSignals"],
        tables: &["fraud.scores", "fraud.signals"],
        external: None,
    },
    Service {
        name: "shipping",
        class: "Shipping",
        lang: "go",
        calls: &[(6, Grpc), (17, Grpc), (11, Kafka)],
        stores: &[Postgres],
        routes: &[],
        methods: &["GetQuote", "CreateShipment", "Track"],
        tables: &["shipments", "carriers"],
        external: Some(("dhl-api", "api.dhl.com", "/shipments/v2/rates")),
    },
    Service {
        name: "notifications",
        class: "Notifications",
        lang: "node",
        calls: &[(12, Grpc), (2, Grpc)],
        stores: &[Redis],
        routes: &[],
        methods: &["Notify"],
        tables: &[],
        external: None,
    },
    Service {
        name: "email",
        class: "Email",
        lang: "python",
        calls: &[],
        stores: &[],
        routes: &[],
        methods: &["Send", "RenderTemplate"],
        tables: &[],
        external: Some(("sendgrid", "api.sendgrid.com", "/v3/mail/send")),
    },
    Service {
        name: "recommendations",
        class: "Recommendations",
        lang: "python",
        calls: &[(5, Grpc), (14, Grpc), (19, Kafka)],
        stores: &[Redis, Cassandra],
        routes: &[("GET", "/api/v1/recommendations")],
        methods: &["ListRecommendations"],
        tables: &["recs.user_vectors", "recs.item_vectors"],
        external: None,
    },
    Service {
        name: "search",
        class: "Search",
        lang: "java",
        calls: &[(5, Grpc), (6, Grpc)],
        stores: &[Elastic],
        routes: &[("GET", "/api/v1/search")],
        methods: &["Search", "Suggest"],
        tables: &["products-v7", "suggestions"],
        external: None,
    },
    Service {
        name: "reviews",
        class: "Reviews",
        lang: "node",
        calls: &[(2, Grpc)],
        stores: &[Mongo],
        routes: &[("GET", "/api/v1/products/{id}/reviews")],
        methods: &["ListReviews"],
        tables: &["reviews"],
        external: None,
    },
    Service {
        name: "currency",
        class: "Currency",
        lang: "go",
        calls: &[],
        stores: &[Redis],
        routes: &[],
        methods: &["Convert", "GetRates"],
        tables: &[],
        external: Some(("ecb-rates", "data-api.ecb.europa.eu", "/service/data/EXR")),
    },
    Service {
        name: "tax",
        class: "Tax",
        lang: "go",
        calls: &[(16, Grpc)],
        stores: &[Postgres],
        routes: &[],
        methods: &["Calculate"],
        tables: &["tax_rates", "jurisdictions"],
        external: None,
    },
    Service {
        name: "loyalty",
        class: "Loyalty",
        lang: "java",
        calls: &[(2, Grpc)],
        stores: &[Mysql],
        routes: &[],
        methods: &["GetPoints", "Accrue"],
        tables: &["accounts", "point_events"],
        external: None,
    },
    Service {
        name: "analytics",
        class: "Analytics",
        lang: "python",
        calls: &[],
        stores: &[Clickhouse],
        routes: &[],
        methods: &[],
        tables: &["events", "sessions"],
        external: None,
    },
];

/// Entry points of the gateway (the root span's name).
static GATEWAY_ROUTES: [(&str, &str); 6] = [
    ("POST", "/api/v1/checkout"),
    ("GET", "/api/v1/home"),
    ("GET", "/api/v1/products/{id}"),
    ("POST", "/api/v1/orders/bulk-import"),
    ("GET", "/api/v1/search"),
    ("POST", "/api/v1/cart/items"),
];

/// Text with quotes, backslashes and non-ASCII, so that the writers' escaping
/// is exercised by every large trace.
static PRODUCTS: [&str; 8] = [
    "Café Crème \"Deluxe\"",
    "Zürich Müsli 500 g",
    "東京 green tea (抹茶)",
    "Crème brûlée kit",
    "Smörgåsbord platter 🍽️",
    "Piñata, large",
    "Back\\slash mug",
    "Plain T-shirt",
];

static INTERNAL_OPS: [&str; 16] = [
    "validate",
    "enrich",
    "serialize",
    "deserialize",
    "compute_totals",
    "load_context",
    "apply_rules",
    "build_response",
    "check_permissions",
    "resolve_dependencies",
    "merge_results",
    "process_batch",
    "render",
    "map_entities",
    "normalize",
    "fan_out",
];

static LEAF_OPS: [&str; 8] = [
    "json.marshal",
    "json.unmarshal",
    "cache.lookup",
    "hash",
    "compress",
    "template.render",
    "schema.validate",
    "lock.acquire",
];

fn text(s: impl Into<String>) -> SynthValue {
    SynthValue::Str(s.into())
}

/// A bijection on u64 (the splitmix64 finalizer): distinct inputs give distinct
/// ids, and only 0 maps to 0.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One planned child of a span.
#[derive(Clone, Copy)]
enum Plan {
    Leaf,
    /// An internal span with `budget` descendants, `r` levels planned below it.
    Internal {
        budget: usize,
        r: u32,
    },
    /// A call: a client (producer) span whose server (consumer) span in
    /// `target` has `budget - 1` descendants; `r` counts from the client.
    Hop {
        budget: usize,
        r: u32,
        target: usize,
        proto: Proto,
    },
}

impl Plan {
    fn budget(self) -> usize {
        match self {
            Plan::Leaf => 0,
            Plan::Internal { budget, .. } | Plan::Hop { budget, .. } => budget,
        }
    }

    fn weight(self) -> f64 {
        match self {
            Plan::Leaf => 1.0,
            _ => self.budget() as f64 + 1.0,
        }
    }
}

struct Gen {
    rng: Rng,
    spans: Vec<SynthSpan>,
    trace_id: u128,
    id_key: u64,
    /// Services that have a span already.
    seen: [bool; 20],
    /// Services that have had a span with more than `EXPAND` descendants.
    expanded: [bool; 20],
}

/// See `Gen::expanded`.
const EXPAND: usize = 4;

impl Gen {
    fn new(seed: u64, capacity: usize) -> Gen {
        let mut rng = Rng::with_seed(seed);
        let trace_id = rng.u128(1u128 << 64..);
        let id_key = rng.u64(1..1u64 << 62);
        Gen {
            rng,
            spans: Vec::with_capacity(capacity),
            trace_id,
            id_key,
            seen: [false; 20],
            expanded: [false; 20],
        }
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.f64()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        parent: Option<usize>,
        follows_from: bool,
        svc: usize,
        kind: SynthKind,
        name: String,
        start: i64,
        duration: i64,
    ) -> usize {
        let span_id = mix(self.id_key.wrapping_add(self.spans.len() as u64));
        let parent_id = parent.map(|p| self.spans[p].span_id);
        self.seen[svc] = true;
        self.spans.push(SynthSpan {
            trace_id: self.trace_id,
            span_id,
            parent_id,
            follows_from,
            service: SERVICES[svc].name.to_owned(),
            name,
            kind,
            start_ns: start,
            duration_ns: duration,
            error: None,
            attrs: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
        });
        self.spans.len() - 1
    }

    /// The part of a span's time its children may use: a little after its
    /// start, and at least 1 µs before its end.
    fn inner(&mut self, start: i64, duration: i64) -> (i64, i64) {
        let lead = (duration as f64 * self.uniform(0.002, 0.03)) as i64;
        let tail = ((duration as f64 * self.uniform(0.002, 0.03)) as i64).max(1000);
        if duration > lead + tail {
            (start + lead, start + duration - tail)
        } else {
            (start, start + duration / 2)
        }
    }

    /// Common attributes: component and thread.
    fn common(&mut self, attrs: &mut Vec<(String, SynthValue)>, component: &str) {
        attrs.push(("component".into(), text(component)));
        attrs.push(("thread.id".into(), SynthValue::Int(self.rng.i64(1..200))));
    }

    /// 0-3 events (an "exception" first for failed spans), 1-3 attributes each.
    fn events(&mut self, start: i64, duration: i64, error: Option<&str>) -> Vec<SynthEvent> {
        let n = match self.rng.u32(0..100) {
            0..=54 => 0,
            55..=84 => 1,
            85..=94 => 2,
            _ => 3,
        };
        let n = if error.is_some() { n.max(1) } else { n };
        let mut times: Vec<i64> = (0..n)
            .map(|_| start + (duration as f64 * self.rng.f64()) as i64)
            .collect();
        times.sort_unstable();
        let mut out = Vec::with_capacity(n);
        for (k, time_ns) in times.into_iter().enumerate() {
            let take = self.rng.usize(1..=3);
            let (name, mut attrs): (&str, Vec<(String, SynthValue)>) = match (k, error) {
                (0, Some(msg)) => (
                    "exception",
                    vec![
                        ("exception.type".into(), text(*self.pick(&EXCEPTION_TYPES))),
                        ("exception.message".into(), text(msg)),
                        (
                            "exception.escaped".into(),
                            SynthValue::Bool(self.rng.bool()),
                        ),
                    ],
                ),
                _ => match self.rng.u32(0..7) {
                    0 => (
                        "cache.miss",
                        vec![
                            (
                                "cache.key".into(),
                                text(format!("product:{}", self.rng.u32(1000..99999))),
                            ),
                            (
                                "cache.ttl_s".into(),
                                SynthValue::Int(self.rng.i64(30..3600)),
                            ),
                            ("cache.tier".into(), text("l2")),
                        ],
                    ),
                    1 => (
                        "retry",
                        vec![
                            ("retry.attempt".into(), SynthValue::Int(self.rng.i64(1..4))),
                            (
                                "retry.backoff_ms".into(),
                                SynthValue::Double(self.rng.u32(1..4000) as f64 / 8.0),
                            ),
                            ("retry.reason".into(), text("connection reset by peer")),
                        ],
                    ),
                    2 => (
                        "connection.acquired",
                        vec![
                            ("pool.name".into(), text("primary")),
                            (
                                "pool.wait_ms".into(),
                                SynthValue::Double(self.rng.u32(0..2000) as f64 / 16.0),
                            ),
                            ("pool.active".into(), SynthValue::Int(self.rng.i64(1..64))),
                        ],
                    ),
                    3 => (
                        "message",
                        vec![
                            (
                                "message.type".into(),
                                text(if self.rng.bool() { "SENT" } else { "RECEIVED" }),
                            ),
                            ("message.id".into(), SynthValue::Int(self.rng.i64(1..1000))),
                            (
                                "message.uncompressed_size".into(),
                                SynthValue::Int(self.rng.i64(64..65536)),
                            ),
                        ],
                    ),
                    4 => (
                        "validation.passed",
                        vec![
                            ("rules.checked".into(), SynthValue::Int(self.rng.i64(1..40))),
                            ("strict".into(), SynthValue::Bool(self.rng.bool())),
                        ],
                    ),
                    5 => (
                        "log",
                        vec![
                            ("level".into(), text("info")),
                            (
                                "message".into(),
                                text(format!("priced item \"{}\"", self.pick(&PRODUCTS))),
                            ),
                            ("logger".into(), text("app.handlers")),
                        ],
                    ),
                    _ => (
                        "feature_flag",
                        vec![
                            ("feature_flag.key".into(), text("new-checkout-flow")),
                            (
                                "feature_flag.variant".into(),
                                text(if self.rng.bool() { "on" } else { "off" }),
                            ),
                            (
                                "feature_flag.enabled".into(),
                                SynthValue::Bool(self.rng.bool()),
                            ),
                        ],
                    ),
                },
            };
            attrs.truncate(take.min(attrs.len()));
            out.push(SynthEvent {
                time_ns,
                name: name.to_owned(),
                attrs,
            });
        }
        out
    }

    /// Plans and creates the children of container span `idx` (server,
    /// consumer or internal) in service `svc`, with `budget` descendants in
    /// all and at most `r` levels below it. True if a child failed.
    fn grow(&mut self, idx: usize, r: u32, budget: usize, svc: usize) -> bool {
        if budget == 0 {
            return false;
        }
        debug_assert!(r >= 1, "budget left at the maximum depth");
        if budget > EXPAND {
            self.expanded[svc] = true;
        }
        let plan = if r == 1 {
            vec![Plan::Leaf; budget]
        } else {
            self.plan(idx, r, budget, svc)
        };
        // Layout: consecutive groups of children, each group sequential or a
        // parallel fan-out; a group's slot is proportional to its weight.
        let (s, e) = {
            let sp = &self.spans[idx];
            (sp.start_ns, sp.duration_ns)
        };
        let (lo, hi) = self.inner(s, e);
        let avail = (hi - lo).max(0) as f64;
        let mut groups: Vec<(usize, usize, f64)> = Vec::new(); // (from, to, weight)
        let mut i = 0;
        while i < plan.len() {
            let left = plan.len() - i;
            let g = if left >= 2 && self.chance(0.3) {
                self.rng.usize(2..=left.min(6))
            } else {
                1
            };
            let w = plan[i..i + g]
                .iter()
                .map(|p| p.weight())
                .fold(0.0, f64::max);
            groups.push((i, i + g, w * if g > 1 { 1.15 } else { 1.0 }));
            i += g;
        }
        let total: f64 = groups.iter().map(|g| g.2).sum();
        let mut windows: Vec<(i64, i64)> = Vec::with_capacity(plan.len());
        let mut cursor = lo as f64;
        for &(from, to, w) in &groups {
            let len = avail * w / total;
            for _ in from..to {
                let dur = (len * self.uniform(0.6, 0.97)) as i64;
                let slack = (len as i64 - dur).max(0);
                let start = cursor as i64 + (slack as f64 * self.rng.f64()) as i64;
                windows.push((start, dur.max(0)));
            }
            cursor += len;
        }

        let mut failed = false;
        for (p, (start, dur)) in plan.into_iter().zip(windows) {
            failed |= match p {
                Plan::Leaf => self.leaf(idx, svc, start, dur),
                Plan::Internal { budget, r } => self.internal(idx, r, svc, budget, start, dur),
                Plan::Hop {
                    budget,
                    r,
                    target,
                    proto,
                } => self.hop(idx, r, svc, target, proto, budget, start, dur),
            };
        }
        failed
    }

    /// The children of a container with `budget` descendants and `r >= 2`
    /// levels below it: a few branches (calls to other services, internal
    /// spans) that share most of the budget, and leaf calls.
    fn plan(&mut self, idx: usize, r: u32, budget: usize, svc: usize) -> Vec<Plan> {
        let calls = SERVICES[svc].calls;
        // Fan-out such that the budget runs out near the depth cap: hops use
        // two levels per fan-out, so spread it over ~r/1.5 levels.
        let f = (budget as f64).powf(1.5 / r as f64);
        let mut m = ((f * self.uniform(0.4, 1.6)).round() as usize).clamp(1, budget);
        if idx == 0 {
            // The gateway calls each of its services for the request.
            m = m.max(calls.len()).min(budget);
        } else {
            // A service calls the services it depends on that have not been
            // called with a budget yet (checkout: cart, inventory, payments...).
            let fresh = calls.iter().filter(|(t, _)| !self.expanded[*t]).count();
            m = m.max(fresh.min(budget / 8));
        }
        let leaves = match self.rng.u32(0..100) {
            0..=34 => 0,
            35..=64 => 1,
            65..=81 => 2,
            82..=96 => self.rng.usize(3..=8),
            // A loop: the same query for every item of a list.
            _ => self.rng.usize(10..=80),
        }
        .min(budget - m);
        let mut rem = budget - m - leaves;

        // What each branch is. Services that have not had a large span yet
        // come first, so that every service takes part (and calls its own
        // downstream services) once the trace has a few thousand spans.
        let mut targets: Vec<Option<(usize, Proto)>> = Vec::with_capacity(m);
        for k in 0..m {
            let t = if calls.is_empty() {
                None
            } else if idx == 0 && k < calls.len() {
                Some(calls[k])
            } else {
                let wanted: Vec<(usize, Proto)> = calls
                    .iter()
                    .copied()
                    .filter(|(t, _)| {
                        !self.expanded[*t] && !targets.iter().any(|x| x.map(|x| x.0) == Some(*t))
                    })
                    .collect();
                if !wanted.is_empty() && self.chance(0.9) {
                    Some(*self.pick(&wanted))
                } else if self.chance(0.65) {
                    Some(*self.pick(calls))
                } else {
                    None
                }
            };
            targets.push(t);
        }
        // Every call gets one span of budget for its server span first.
        let mut budgets = vec![0usize; m];
        for (b, t) in budgets.iter_mut().zip(&targets) {
            if t.is_some() && rem > 0 {
                *b = 1;
                rem -= 1;
            }
        }
        // The rest is shared unevenly. Services that have not spread yet get a
        // fair share; services that call nobody (currency, email) get little:
        // they do not do thousands of things for one call.
        let weights: Vec<f64> = targets
            .iter()
            .map(|t| {
                let w = self.rng.f64().powi(2) + 0.02;
                match t {
                    Some((t, _)) if SERVICES[*t].calls.is_empty() => w * 0.15,
                    // Hubs (orders calls eight services) need room to call them all.
                    Some((t, _)) if !self.expanded[*t] => {
                        w.max(0.3) * (1.0 + SERVICES[*t].calls.len() as f64 / 2.0)
                    }
                    _ => w,
                }
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let mut cum = 0.0;
        let mut given = 0usize;
        for (b, w) in budgets.iter_mut().zip(&weights) {
            cum += w;
            let upto = (((cum / total) * rem as f64).round() as usize).min(rem);
            *b += upto - given;
            given = upto;
        }
        // Rounding leaves nothing behind (the last cumulative share is rem).
        debug_assert_eq!(given, rem);

        let biggest = budgets.iter().copied().max().unwrap_or(0);
        let mut plan: Vec<Plan> = Vec::with_capacity(m + leaves);
        let mut kept_deep = false;
        for (budget, t) in budgets.into_iter().zip(targets) {
            // Half the smaller branches end sooner, so that spans spread over
            // the levels instead of piling up at the depth cap.
            let deep = budget == biggest && !kept_deep;
            kept_deep |= deep;
            let shrink = if !deep && self.chance(0.5) {
                self.rng.u32(1..=3)
            } else {
                0
            };
            // ...but keep enough levels that the fan-out stays moderate.
            let need = ((budget as f64).ln() / 8f64.ln()).ceil() as u32;
            let rc = (r - 1).saturating_sub(shrink).max(need).clamp(1, r - 1);
            plan.push(match t {
                _ if budget == 0 => Plan::Leaf,
                // A call needs two levels unless its server span is a leaf.
                Some((target, proto)) if budget == 1 || r > 2 => Plan::Hop {
                    budget,
                    r: if budget == 1 { rc } else { rc.max(2) },
                    target,
                    proto,
                },
                _ => Plan::Internal { budget, r: rc },
            });
        }
        plan.resize(plan.len() + leaves, Plan::Leaf);
        self.rng.shuffle(&mut plan);
        plan
    }

    fn internal(
        &mut self,
        parent: usize,
        r: u32,
        svc: usize,
        budget: usize,
        start: i64,
        dur: i64,
    ) -> bool {
        let s = &SERVICES[svc];
        let op = *self.pick(&INTERNAL_OPS);
        let name = format!("{}Service.{}", s.class, op);
        let idx = self.push(
            Some(parent),
            false,
            svc,
            SynthKind::Internal,
            name,
            start,
            dur,
        );
        let child_failed = self.grow(idx, r, budget, svc);
        let error = if (child_failed && self.chance(0.4)) || self.chance(0.01) {
            Some(
                *self.pick(&[
                    "validation failed: item 'SKU-48213' is out of stock",
                    "context deadline exceeded",
                    "NullPointerException: Cannot invoke \"Order.getItems()\" because \"order\" is null",
                ]),
            )
        } else {
            None
        };
        let mut attrs = Vec::with_capacity(10);
        attrs.push((
            "code.namespace".into(),
            text(format!("shop.{}.{}Service", s.name, s.class)),
        ));
        attrs.push(("code.function".into(), text(op)));
        attrs.push((
            "code.lineno".into(),
            SynthValue::Int(self.rng.i64(20..2000)),
        ));
        self.common(&mut attrs, "internal");
        attrs.push((
            "order.id".into(),
            text(format!("ord_{:08x}", self.rng.u32(..))),
        ));
        attrs.push(("items.count".into(), SynthValue::Int(self.rng.i64(1..50))));
        attrs.push(("product.name".into(), text(*self.pick(&PRODUCTS))));
        attrs.push(("cache.hit".into(), SynthValue::Bool(self.chance(0.7))));
        attrs.push((
            "score".into(),
            SynthValue::Double(self.rng.u32(0..1000) as f64 / 1000.0),
        ));
        self.finish(idx, attrs, error)
    }

    fn finish(
        &mut self,
        idx: usize,
        attrs: Vec<(String, SynthValue)>,
        error: Option<&str>,
    ) -> bool {
        let (start, dur) = (self.spans[idx].start_ns, self.spans[idx].duration_ns);
        let events = self.events(start, dur, error);
        let sp = &mut self.spans[idx];
        sp.attrs = attrs;
        sp.events = events;
        sp.error = error.map(str::to_owned);
        error.is_some()
    }

    /// A client (or producer) span in `svc` and, under it, the server (or
    /// consumer) span in `target` with `budget - 1` descendants.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &mut self,
        parent: usize,
        r: u32,
        svc: usize,
        target: usize,
        proto: Proto,
        budget: usize,
        start: i64,
        dur: i64,
    ) -> bool {
        let t = &SERVICES[target];
        match proto {
            Kafka => {
                let topic = format!("shop.{}.requests", t.name);
                let name = format!("{topic} publish");
                let prod = self.push(
                    Some(parent),
                    false,
                    svc,
                    SynthKind::Producer,
                    name,
                    start,
                    dur,
                );
                // The consumer starts while the producer runs and may outlive it.
                let cstart = start + (dur as f64 * self.uniform(0.2, 0.9)) as i64;
                let cdur = (dur as f64 * self.uniform(0.4, 1.1)) as i64;
                let name = format!("{topic} process");
                let cons = self.push(
                    Some(prod),
                    true,
                    target,
                    SynthKind::Consumer,
                    name,
                    cstart,
                    cdur,
                );
                let child_failed = self.grow(cons, r - 1, budget - 1, target);
                let cerr = if (child_failed && self.chance(0.4)) || self.chance(0.02) {
                    Some("Broker: Not enough in-sync replicas")
                } else {
                    None
                };
                let partition = self.rng.i64(0..24);
                let msg_id = format!("{:016x}", self.rng.u64(..));
                let mut attrs = Vec::with_capacity(10);
                attrs.push(("messaging.system".into(), text("kafka")));
                attrs.push(("messaging.destination".into(), text(topic.clone())));
                attrs.push(("messaging.operation".into(), text("process")));
                attrs.push((
                    "messaging.kafka.consumer_group".into(),
                    text(format!("{}-workers", t.name)),
                ));
                attrs.push((
                    "messaging.kafka.partition".into(),
                    SynthValue::Int(partition),
                ));
                attrs.push((
                    "messaging.kafka.message_offset".into(),
                    SynthValue::Int(self.rng.i64(0..90_000_000)),
                ));
                attrs.push(("messaging.message_id".into(), text(msg_id.clone())));
                self.common(&mut attrs, "kafka");
                attrs.push((
                    "messaging.redelivered".into(),
                    SynthValue::Bool(self.chance(0.05)),
                ));
                self.finish(cons, attrs, cerr);
                // Publishing is not affected by the consumer's failure.
                let perr = if self.chance(0.005) {
                    Some("Broker: Request timed out")
                } else {
                    None
                };
                let mut attrs = Vec::with_capacity(10);
                attrs.push(("messaging.system".into(), text("kafka")));
                attrs.push(("messaging.destination".into(), text(topic)));
                attrs.push(("messaging.operation".into(), text("publish")));
                attrs.push(("messaging.message_id".into(), text(msg_id)));
                attrs.push((
                    "messaging.kafka.partition".into(),
                    SynthValue::Int(partition),
                ));
                attrs.push((
                    "messaging.message_payload_size_bytes".into(),
                    SynthValue::Int(self.rng.i64(200..20_000)),
                ));
                attrs.push(("peer.service".into(), text("kafka")));
                self.common(&mut attrs, "kafka");
                attrs.push(("messaging.idempotent".into(), SynthValue::Bool(true)));
                self.finish(prod, attrs, perr)
            }
            Http | Grpc => {
                let http = proto == Http && !t.routes.is_empty() || t.methods.is_empty();
                let (name, method, route) = if http {
                    let (m, r) = *self.pick(t.routes);
                    (format!("{m} {r}"), m, r)
                } else {
                    let m = *self.pick(t.methods);
                    (
                        format!(
                            "shop.{}.v1.{}Service/{}",
                            t.name.replace('-', "_"),
                            t.class,
                            m
                        ),
                        m,
                        "",
                    )
                };
                let client = self.push(
                    Some(parent),
                    false,
                    svc,
                    SynthKind::Client,
                    name.clone(),
                    start,
                    dur,
                );
                let (ss, se) = self.inner(start, dur);
                let server = self.push(
                    Some(client),
                    false,
                    target,
                    SynthKind::Server,
                    name,
                    ss,
                    se - ss,
                );
                let child_failed = self.grow(server, r - 1, budget - 1, target);
                let serr = if (child_failed && self.chance(0.4)) || self.chance(0.02) {
                    Some(if http {
                        "HTTP 503 Service Unavailable"
                    } else {
                        "rpc error: code = Unavailable desc = upstream connect error or disconnect/reset before headers"
                    })
                } else {
                    None
                };
                let cerr = if (serr.is_some() && self.chance(0.9)) || self.chance(0.003) {
                    Some(serr.unwrap_or("context deadline exceeded"))
                } else {
                    None
                };
                let id = self.rng.u32(10_000..999_999);
                let path = route.replace("{id}", &id.to_string());
                let port = if http { 8080 } else { 50051 };
                // Server
                let mut attrs = Vec::with_capacity(10);
                if http {
                    attrs.push(("http.method".into(), text(method)));
                    attrs.push(("http.route".into(), text(route)));
                    attrs.push((
                        "http.url".into(),
                        text(format!("http://{}.shop.svc:{port}{path}", t.name)),
                    ));
                    attrs.push((
                        "http.status_code".into(),
                        SynthValue::Int(if serr.is_some() { 503 } else { 200 }),
                    ));
                    attrs.push((
                        "http.user_agent".into(),
                        text(format!("{}/2.3 (+shop)", SERVICES[svc].name)),
                    ));
                    attrs.push((
                        "http.request_content_length".into(),
                        SynthValue::Int(self.rng.i64(0..8192)),
                    ));
                } else {
                    attrs.push(("rpc.system".into(), text("grpc")));
                    attrs.push((
                        "rpc.service".into(),
                        text(format!(
                            "shop.{}.v1.{}Service",
                            t.name.replace('-', "_"),
                            t.class
                        )),
                    ));
                    attrs.push(("rpc.method".into(), text(method)));
                    attrs.push((
                        "rpc.grpc.status_code".into(),
                        SynthValue::Int(if serr.is_some() { 14 } else { 0 }),
                    ));
                    attrs.push((
                        "message.uncompressed_size".into(),
                        SynthValue::Int(self.rng.i64(16..65536)),
                    ));
                    attrs.push((
                        "rpc.deadline_ms".into(),
                        SynthValue::Double(self.rng.u32(1..40) as f64 * 250.0),
                    ));
                }
                attrs.push((
                    "net.peer.ip".into(),
                    text(format!(
                        "10.{}.{}.{}",
                        self.rng.u8(0..16),
                        self.rng.u8(..),
                        self.rng.u8(1..255)
                    )),
                ));
                attrs.push(("net.host.port".into(), SynthValue::Int(port)));
                self.common(&mut attrs, component(t.lang, http));
                self.finish(server, attrs, serr);
                // Client
                let mut attrs = Vec::with_capacity(10);
                if http {
                    attrs.push(("http.method".into(), text(method)));
                    attrs.push((
                        "http.url".into(),
                        text(format!("http://{}.shop.svc:{port}{path}", t.name)),
                    ));
                    attrs.push((
                        "http.status_code".into(),
                        SynthValue::Int(match (serr, cerr) {
                            (Some(_), _) => 503,
                            (None, Some(_)) => 504,
                            _ => 200,
                        }),
                    ));
                    attrs.push((
                        "http.retry_count".into(),
                        SynthValue::Int(if self.chance(0.05) { 1 } else { 0 }),
                    ));
                    attrs.push((
                        "http.timeout_s".into(),
                        SynthValue::Double(self.rng.u32(1..20) as f64 * 0.5),
                    ));
                } else {
                    attrs.push(("rpc.system".into(), text("grpc")));
                    attrs.push((
                        "rpc.service".into(),
                        text(format!(
                            "shop.{}.v1.{}Service",
                            t.name.replace('-', "_"),
                            t.class
                        )),
                    ));
                    attrs.push(("rpc.method".into(), text(method)));
                    attrs.push((
                        "rpc.grpc.status_code".into(),
                        SynthValue::Int(match (serr, cerr) {
                            (Some(_), _) => 14,
                            (None, Some(_)) => 4,
                            _ => 0,
                        }),
                    ));
                    attrs.push((
                        "rpc.deadline_ms".into(),
                        SynthValue::Double(self.rng.u32(1..40) as f64 * 250.0),
                    ));
                }
                attrs.push(("peer.service".into(), text(t.name)));
                attrs.push(("net.peer.name".into(), text(format!("{}.shop.svc", t.name))));
                attrs.push(("net.peer.port".into(), SynthValue::Int(port)));
                self.common(&mut attrs, component(SERVICES[svc].lang, http));
                self.finish(client, attrs, cerr)
            }
        }
    }

    /// A leaf call: a database or cache query, a third-party API call, or a
    /// small piece of internal work.
    fn leaf(&mut self, parent: usize, svc: usize, start: i64, dur: i64) -> bool {
        let s = &SERVICES[svc];
        let roll = self.rng.u32(0..100);
        let store = if s.stores.is_empty() {
            None
        } else {
            Some(*self.pick(s.stores))
        };
        match (roll, store, s.external) {
            (0..=59, Some(db), _) => self.db_leaf(parent, svc, db, start, dur),
            (60..=69, _, Some(ext)) => {
                let (peer, host, path) = ext;
                let method = if path.contains("send") || path.contains("intents") {
                    "POST"
                } else {
                    "GET"
                };
                let name = format!("{method} {path}");
                let idx = self.push(
                    Some(parent),
                    false,
                    svc,
                    SynthKind::Client,
                    name,
                    start,
                    dur,
                );
                let error = if self.chance(0.06) {
                    Some("HTTP 429 Too Many Requests")
                } else {
                    None
                };
                let mut attrs = Vec::with_capacity(10);
                attrs.push(("http.method".into(), text(method)));
                attrs.push(("http.url".into(), text(format!("https://{host}{path}"))));
                attrs.push((
                    "http.status_code".into(),
                    SynthValue::Int(if error.is_some() { 429 } else { 200 }),
                ));
                attrs.push(("peer.service".into(), text(peer)));
                attrs.push(("net.peer.name".into(), text(host)));
                attrs.push(("net.peer.port".into(), SynthValue::Int(443)));
                self.common(&mut attrs, component(s.lang, true));
                attrs.push((
                    "http.retry_count".into(),
                    SynthValue::Int(if error.is_some() { 3 } else { 0 }),
                ));
                attrs.push(("http.timeout_s".into(), SynthValue::Double(10.0)));
                self.finish(idx, attrs, error)
            }
            _ => {
                let op = *self.pick(&LEAF_OPS);
                let idx = self.push(
                    Some(parent),
                    false,
                    svc,
                    SynthKind::Internal,
                    op.to_owned(),
                    start,
                    dur,
                );
                let error = if self.chance(0.01) {
                    Some("unexpected end of JSON input")
                } else {
                    None
                };
                let mut attrs = Vec::with_capacity(10);
                attrs.push(("code.function".into(), text(op)));
                attrs.push((
                    "code.namespace".into(),
                    text(format!("shop.{}.util", s.name)),
                ));
                attrs.push(("code.lineno".into(), SynthValue::Int(self.rng.i64(10..900))));
                self.common(&mut attrs, "internal");
                attrs.push((
                    "payload.bytes".into(),
                    SynthValue::Int(self.rng.i64(16..1 << 20)),
                ));
                attrs.push((
                    "payload.compressed".into(),
                    SynthValue::Bool(self.chance(0.3)),
                ));
                attrs.push((
                    "payload.ratio".into(),
                    SynthValue::Double(self.rng.u32(100..1000) as f64 / 1000.0),
                ));
                attrs.push(("product.name".into(), text(*self.pick(&PRODUCTS))));
                attrs.push(("tenant".into(), text("eu-west")));
                self.finish(idx, attrs, error)
            }
        }
    }

    fn db_leaf(&mut self, parent: usize, svc: usize, db: Db, start: i64, dur: i64) -> bool {
        let s = &SERVICES[svc];
        let mut attrs: Vec<(String, SynthValue)> = Vec::with_capacity(12);
        let (name, error): (String, Option<&str>) = match db {
            Postgres | Mysql | Cassandra | Clickhouse => {
                let table = *self.pick(s.tables);
                let (system, peer, port) = match db {
                    Postgres => ("postgresql", "postgres", 5432),
                    Mysql => ("mysql", "mysql", 3306),
                    Cassandra => ("cassandra", "cassandra", 9042),
                    _ => ("clickhouse", "clickhouse", 9000),
                };
                let (op, stmt) = match self.rng.u32(0..10) {
                    0..=5 => ("SELECT", format!("SELECT * FROM {table} WHERE id = $1 AND tenant = 'eu-west' LIMIT 50")),
                    6..=7 => ("INSERT", format!("INSERT INTO {table} (id, payload, created_at) VALUES ($1, $2, now())")),
                    8 => ("UPDATE", format!("UPDATE {table} SET status = 'done', \"updatedAt\" = now() WHERE id = $1")),
                    _ => ("DELETE", format!("DELETE FROM {table} WHERE expires_at < now()")),
                };
                let error = if self.chance(0.03) {
                    Some(*self.pick(&[
                        "deadlock detected",
                        "canceling statement due to statement timeout",
                        "duplicate key value violates unique constraint \"pk_id\"",
                    ]))
                } else {
                    None
                };
                attrs.push(("db.system".into(), text(system)));
                attrs.push((
                    "db.name".into(),
                    text(format!("shop_{}", s.name.replace('-', "_"))),
                ));
                attrs.push((
                    "db.user".into(),
                    text(format!("svc_{}", s.name.replace('-', "_"))),
                ));
                attrs.push(("db.statement".into(), text(stmt)));
                attrs.push(("db.operation".into(), text(op)));
                attrs.push(("db.sql.table".into(), text(table)));
                attrs.push(("peer.service".into(), text(peer)));
                attrs.push((
                    "net.peer.name".into(),
                    text(format!("{peer}-{}.db.svc", s.name)),
                ));
                attrs.push(("net.peer.port".into(), SynthValue::Int(port)));
                attrs.push((
                    "db.rows_affected".into(),
                    SynthValue::Int(self.rng.i64(0..500)),
                ));
                (format!("{op} {table}"), error)
            }
            Redis => {
                let (cmd, key) = match self.rng.u32(0..4) {
                    0 => ("GET", format!("{}:{}", s.name, self.rng.u32(1..1_000_000))),
                    1 => ("HGETALL", format!("session:{:08x}", self.rng.u32(..))),
                    2 => ("SET", format!("{}:{}", s.name, self.rng.u32(1..1_000_000))),
                    _ => (
                        "MGET",
                        format!(
                            "price:{} price:{}",
                            self.rng.u32(1..9999),
                            self.rng.u32(1..9999)
                        ),
                    ),
                };
                let error = if self.chance(0.02) {
                    Some("READONLY You can't write against a read only replica.")
                } else {
                    None
                };
                attrs.push(("db.system".into(), text("redis")));
                attrs.push(("db.statement".into(), text(format!("{cmd} {key}"))));
                attrs.push(("db.operation".into(), text(cmd)));
                attrs.push((
                    "db.redis.database_index".into(),
                    SynthValue::Int(self.rng.i64(0..4)),
                ));
                attrs.push(("peer.service".into(), text("redis")));
                attrs.push(("net.peer.name".into(), text("redis-master.cache.svc")));
                attrs.push(("net.peer.port".into(), SynthValue::Int(6379)));
                attrs.push(("cache.hit".into(), SynthValue::Bool(self.chance(0.8))));
                (cmd.to_owned(), error)
            }
            Mongo => {
                let coll = *self.pick(s.tables);
                let product = *self.pick(&PRODUCTS);
                let stmt =
                    serde_json::json!({"find": coll, "filter": {"name": product}, "limit": 20})
                        .to_string();
                let error = if self.chance(0.02) {
                    Some("operation exceeded time limit")
                } else {
                    None
                };
                attrs.push(("db.system".into(), text("mongodb")));
                attrs.push(("db.name".into(), text("shop")));
                attrs.push(("db.mongodb.collection".into(), text(coll)));
                attrs.push(("db.statement".into(), text(stmt)));
                attrs.push(("db.operation".into(), text("find")));
                attrs.push(("peer.service".into(), text("mongodb")));
                attrs.push(("net.peer.name".into(), text("mongo-0.mongo.svc")));
                attrs.push(("net.peer.port".into(), SynthValue::Int(27017)));
                (format!("find {coll}"), error)
            }
            Elastic => {
                let index = *self.pick(s.tables);
                let product = *self.pick(&PRODUCTS);
                let stmt = serde_json::json!({"query": {"match": {"name": product}}, "size": 24})
                    .to_string();
                let error = if self.chance(0.02) {
                    Some("search_phase_execution_exception")
                } else {
                    None
                };
                attrs.push(("db.system".into(), text("elasticsearch")));
                attrs.push(("db.statement".into(), text(stmt)));
                attrs.push(("db.operation".into(), text("search")));
                attrs.push(("http.method".into(), text("POST")));
                attrs.push((
                    "http.url".into(),
                    text(format!("http://es.search.svc:9200/{index}/_search")),
                ));
                attrs.push(("peer.service".into(), text("elasticsearch")));
                attrs.push(("net.peer.name".into(), text("es.search.svc")));
                attrs.push(("net.peer.port".into(), SynthValue::Int(9200)));
                (format!("POST /{index}/_search"), error)
            }
        };
        let idx = self.push(
            Some(parent),
            false,
            svc,
            SynthKind::Client,
            name,
            start,
            dur,
        );
        self.common(&mut attrs, db_component(s.lang, db));
        attrs.push((
            "db.response_ms".into(),
            SynthValue::Double((dur / 1000) as f64 / 1000.0),
        ));
        self.finish(idx, attrs, error)
    }

    /// Grows one whole trace of `spans` spans rooted at a gateway request.
    fn trace(&mut self, spans: usize, start: i64) {
        if spans == 0 {
            return;
        }
        let (method, route) = *self.pick(&GATEWAY_ROUTES);
        let dur = ((spans as f64 * NS_PER_SPAN).max(20e6) * self.uniform(0.9, 1.1)) as i64;
        let root = self.push(
            None,
            false,
            GATEWAY,
            SynthKind::Server,
            format!("{method} {route}"),
            start,
            dur,
        );
        let failed = self.grow(root, MAX_DEPTH, spans - 1, GATEWAY);
        let error = if failed && self.chance(0.5) {
            Some("HTTP 502 Bad Gateway")
        } else {
            None
        };
        let path = route.replace("{id}", &self.rng.u32(10_000..999_999).to_string());
        let mut attrs = Vec::with_capacity(10);
        attrs.push(("http.method".into(), text(method)));
        attrs.push(("http.route".into(), text(route)));
        attrs.push((
            "http.url".into(),
            text(format!(
                "https://shop.example.com{path}?lang=fr&q=caf%C3%A9"
            )),
        ));
        attrs.push((
            "http.status_code".into(),
            SynthValue::Int(if error.is_some() { 502 } else { 200 }),
        ));
        attrs.push((
            "http.user_agent".into(),
            text("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
        ));
        attrs.push((
            "http.client_ip".into(),
            text(format!("203.0.113.{}", self.rng.u8(1..255))),
        ));
        attrs.push(("net.host.port".into(), SynthValue::Int(443)));
        self.common(&mut attrs, "net/http");
        attrs.push((
            "enduser.id".into(),
            text(format!("user-{}", self.rng.u32(1..5_000_000))),
        ));
        attrs.push(("sampling.priority".into(), SynthValue::Double(1.0)));
        self.finish(root, attrs, error);
    }
}

fn component(lang: &str, http: bool) -> &'static str {
    match (lang, http) {
        ("go", true) => "net/http",
        ("java", true) => "spring-webmvc",
        ("node", true) => "express",
        ("python", true) => "flask",
        (_, _) => "grpc",
    }
}

fn db_component(lang: &str, db: Db) -> &'static str {
    match (lang, db) {
        (_, Redis) => "redis",
        (_, Mongo) => "mongodb-driver",
        (_, Elastic) => "elasticsearch-rest",
        ("java", _) => "jdbc",
        ("go", _) => "database/sql",
        ("python", _) => "sqlalchemy",
        _ => "pg",
    }
}

static EXCEPTION_TYPES: [&str; 5] = [
    "java.net.SocketTimeoutException",
    "io.grpc.StatusRuntimeException",
    "psycopg2.errors.DeadlockDetected",
    "Error",
    "context.DeadlineExceeded",
];

/// Resource attributes of the 20 services.
fn resources(seed: u64) -> Vec<SynthResource> {
    let mut rng = Rng::with_seed(seed ^ 0x0005_eed0_f5e7_1ce5);
    SERVICES
        .iter()
        .map(|s| {
            let (sdk_lang, runtime) = match s.lang {
                "go" => ("go", "go1.22.1"),
                "java" => ("java", "21.0.2+13-LTS"),
                "node" => ("nodejs", "v20.11.1"),
                _ => ("python", "3.12.2"),
            };
            SynthResource {
                service: s.name.to_owned(),
                attrs: vec![
                    ("service.namespace".into(), text("shop")),
                    (
                        "service.version".into(),
                        text(format!("1.{}.{}", rng.u8(0..30), rng.u8(0..10))),
                    ),
                    ("deployment.environment".into(), text("production")),
                    (
                        "host.name".into(),
                        text(format!(
                            "{}-{:08x}-{:05x}",
                            s.name,
                            rng.u32(..),
                            rng.u32(..0xfffff)
                        )),
                    ),
                    ("k8s.namespace.name".into(), text("shop")),
                    ("telemetry.sdk.name".into(), text("opentelemetry")),
                    ("telemetry.sdk.language".into(), text(sdk_lang)),
                    ("process.runtime.version".into(), text(runtime)),
                    ("process.pid".into(), SynthValue::Int(rng.i64(1..65536))),
                    (
                        "container.cpu.limit".into(),
                        SynthValue::Double(rng.u8(1..9) as f64 * 0.5),
                    ),
                ],
            }
        })
        .collect()
}

/// Grows one trace of `spans` spans starting at `start`. A trace of a few
/// thousand spans nearly always reaches all 20 services; when one does not,
/// the next of a few seeds derived from `seed` is tried (deterministically).
fn one_trace(spans: usize, seed: u64, start: Option<i64>) -> Gen {
    let mut best: Option<Gen> = None;
    // The size is part of the seed: traces of different sizes made with the
    // same seed get different trace ids.
    let seed = seed ^ mix(spans as u64 + 1);
    for attempt in 0..8u64 {
        let s = if attempt == 0 {
            seed
        } else {
            mix(seed ^ attempt.wrapping_mul(0xa076_1d64_78bd_642f))
        };
        let mut g = Gen::new(s, spans);
        let start = start.unwrap_or_else(|| BASE_TIME_NS + g.rng.i64(0..86_400_000_000_000));
        g.trace(spans, start);
        let covered = g.seen.iter().filter(|&&x| x).count();
        if covered == SERVICES.len() || spans < 2000 {
            return g;
        }
        if best
            .as_ref()
            .is_none_or(|b| b.seen.iter().filter(|&&x| x).count() < covered)
        {
            best = Some(g);
        }
    }
    best.expect("at least one attempt")
}

/// One trace of exactly `spans` spans (see the module docs for its shape),
/// and the resource attributes of its 20 services.
pub fn generate(spans: usize, seed: u64) -> (Vec<SynthSpan>, Vec<SynthResource>) {
    (one_trace(spans, seed, None).spans, resources(seed))
}

/// `traces` traces of `spans_per_trace` spans each, a few seconds apart (in
/// time order), each with its own seed derived from `seed`. Every root after
/// the first links to the previous trace's root (a cross-trace link).
pub fn generate_many(
    traces: usize,
    spans_per_trace: usize,
    seed: u64,
) -> (Vec<SynthSpan>, Vec<SynthResource>) {
    let mut out = Vec::with_capacity(traces * spans_per_trace);
    let mut rng = Rng::with_seed(seed);
    let mut start = BASE_TIME_NS + rng.i64(0..86_400_000_000_000);
    let mut prev_root: Option<(u128, u64)> = None;
    for k in 0..traces {
        let trace_seed = mix(seed ^ (k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut g = one_trace(spans_per_trace, trace_seed, Some(start));
        if let (Some(link), Some(root)) = (prev_root, g.spans.first_mut()) {
            root.links.push(link);
        }
        if let Some(root) = g.spans.first() {
            prev_root = Some((root.trace_id, root.span_id));
            start += root.duration_ns / 4 + rng.i64(1_000_000_000..5_000_000_000);
        }
        out.append(&mut g.spans);
    }
    (out, resources(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(spans: &[SynthSpan]) -> Vec<u32> {
        let index: rustc_hash::FxHashMap<u64, usize> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id, i))
            .collect();
        let mut depth = vec![0u32; spans.len()];
        // Spans come in preorder: a parent before its children.
        for i in 0..spans.len() {
            if let Some(p) = spans[i].parent_id {
                depth[i] = depth[index[&p]] + 1;
            }
        }
        depth
    }

    #[test]
    fn exact_counts_and_shape() {
        for n in [0usize, 1, 2, 3, 10, 100, 1000, 10_000] {
            let (spans, res) = generate(n, 7);
            assert_eq!(spans.len(), n);
            assert_eq!(res.len(), 20);
            let d = depth_of(&spans);
            assert!(d.iter().all(|&x| x <= MAX_DEPTH));
            let ids: rustc_hash::FxHashSet<u64> = spans.iter().map(|s| s.span_id).collect();
            assert_eq!(ids.len(), n);
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(generate(2000, 3).0, generate(2000, 3).0);
        assert_ne!(generate(2000, 3).0, generate(2000, 4).0);
    }
}
