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

/// A span's attributes, in the order they are added.
#[derive(Default)]
struct Attrs(Vec<(String, SynthValue)>);

impl Attrs {
    fn str(&mut self, key: &str, v: impl Into<String>) {
        self.0.push((key.into(), text(v)));
    }

    fn int(&mut self, key: &str, v: i64) {
        self.0.push((key.into(), SynthValue::Int(v)));
    }

    fn double(&mut self, key: &str, v: f64) {
        self.0.push((key.into(), SynthValue::Double(v)));
    }

    fn bool(&mut self, key: &str, v: bool) {
        self.0.push((key.into(), SynthValue::Bool(v)));
    }

    /// The service a client span talks to.
    fn peer(&mut self, service: &str, host: impl Into<String>, port: i64) {
        self.str("peer.service", service);
        self.str("net.peer.name", host);
        self.int("net.peer.port", port);
    }

    /// A gRPC call, as both of its sides describe it.
    fn rpc(&mut self, service: &str, method: &str, status: i64) {
        self.str("rpc.system", "grpc");
        self.str("rpc.service", service);
        self.str("rpc.method", method);
        self.int("rpc.grpc.status_code", status);
    }

    /// A Kafka message `operation` ("publish" or "process") on `topic`.
    fn kafka(&mut self, topic: &str, operation: &str) {
        self.str("messaging.system", "kafka");
        self.str("messaging.destination", topic);
        self.str("messaging.operation", operation);
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
        &items[super::draw::index(&mut self.rng, 0, items.len())]
    }

    fn push(
        &mut self,
        parent: Option<usize>,
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
            follows_from: false,
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

    /// Whether a span fails: a child's failure propagates with probability
    /// 0.4, and the span fails on its own with probability `p`.
    fn fails(&mut self, child_failed: bool, p: f64) -> bool {
        (child_failed && self.chance(0.4)) || self.chance(p)
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
    fn common(&mut self, attrs: &mut Attrs, component: &str) {
        attrs.str("component", component);
        attrs.int("thread.id", self.rng.i64(1..200));
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
            let take = super::draw::index(&mut self.rng, 1, 4);
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
                super::draw::index(&mut self.rng, 2, left.min(6) + 1)
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
            82..=96 => super::draw::index(&mut self.rng, 3, 9),
            // A loop: the same query for every item of a list.
            _ => super::draw::index(&mut self.rng, 10, 81),
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
        super::draw::shuffle(&mut self.rng, &mut plan);
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
        let idx = self.push(Some(parent), svc, SynthKind::Internal, name, start, dur);
        let child_failed = self.grow(idx, r, budget, svc);
        let error = self.fails(child_failed, 0.01).then(|| {
            *self.pick(&[
                "validation failed: item 'SKU-48213' is out of stock",
                "context deadline exceeded",
                "NullPointerException: Cannot invoke \"Order.getItems()\" because \"order\" is null",
            ])
        });
        let mut a = Attrs::default();
        a.str(
            "code.namespace",
            format!("shop.{}.{}Service", s.name, s.class),
        );
        a.str("code.function", op);
        a.int("code.lineno", self.rng.i64(20..2000));
        self.common(&mut a, "internal");
        a.str("order.id", format!("ord_{:08x}", self.rng.u32(..)));
        a.int("items.count", self.rng.i64(1..50));
        a.str("product.name", *self.pick(&PRODUCTS));
        a.bool("cache.hit", self.chance(0.7));
        a.double("score", self.rng.u32(0..1000) as f64 / 1000.0);
        self.finish(idx, a, error)
    }

    fn finish(&mut self, idx: usize, attrs: Attrs, error: Option<&str>) -> bool {
        let (start, dur) = (self.spans[idx].start_ns, self.spans[idx].duration_ns);
        let events = self.events(start, dur, error);
        let sp = &mut self.spans[idx];
        sp.attrs = attrs.0;
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
        if proto == Kafka {
            let topic = format!("shop.{}.requests", t.name);
            let name = format!("{topic} publish");
            let prod = self.push(Some(parent), svc, SynthKind::Producer, name, start, dur);
            // The consumer starts while the producer runs and may outlive it.
            let cstart = start + (dur as f64 * self.uniform(0.2, 0.9)) as i64;
            let cdur = (dur as f64 * self.uniform(0.4, 1.1)) as i64;
            let name = format!("{topic} process");
            let cons = self.push(Some(prod), target, SynthKind::Consumer, name, cstart, cdur);
            self.spans[cons].follows_from = true;
            let child_failed = self.grow(cons, r - 1, budget - 1, target);
            let cerr = self
                .fails(child_failed, 0.02)
                .then_some("Broker: Not enough in-sync replicas");
            let partition = self.rng.i64(0..24);
            let msg_id = format!("{:016x}", self.rng.u64(..));
            let mut a = Attrs::default();
            a.kafka(&topic, "process");
            a.str(
                "messaging.kafka.consumer_group",
                format!("{}-workers", t.name),
            );
            a.int("messaging.kafka.partition", partition);
            a.int(
                "messaging.kafka.message_offset",
                self.rng.i64(0..90_000_000),
            );
            a.str("messaging.message_id", msg_id.clone());
            self.common(&mut a, "kafka");
            a.bool("messaging.redelivered", self.chance(0.05));
            self.finish(cons, a, cerr);
            // Publishing is not affected by the consumer's failure.
            let perr = self.chance(0.005).then_some("Broker: Request timed out");
            let mut a = Attrs::default();
            a.kafka(&topic, "publish");
            a.str("messaging.message_id", msg_id);
            a.int("messaging.kafka.partition", partition);
            a.int(
                "messaging.message_payload_size_bytes",
                self.rng.i64(200..20_000),
            );
            a.str("peer.service", "kafka");
            self.common(&mut a, "kafka");
            a.bool("messaging.idempotent", true);
            return self.finish(prod, a, perr);
        }
        let http = proto == Http && !t.routes.is_empty() || t.methods.is_empty();
        let rpc_service = format!("shop.{}.v1.{}Service", t.name.replace('-', "_"), t.class);
        let (name, method, route) = if http {
            let (m, r) = *self.pick(t.routes);
            (format!("{m} {r}"), m, r)
        } else {
            let m = *self.pick(t.methods);
            (format!("{rpc_service}/{m}"), m, "")
        };
        let client = self.push(
            Some(parent),
            svc,
            SynthKind::Client,
            name.clone(),
            start,
            dur,
        );
        let (ss, se) = self.inner(start, dur);
        let server = self.push(Some(client), target, SynthKind::Server, name, ss, se - ss);
        let child_failed = self.grow(server, r - 1, budget - 1, target);
        let serr = self.fails(child_failed, 0.02).then_some(if http {
            "HTTP 503 Service Unavailable"
        } else {
            "rpc error: code = Unavailable desc = upstream connect error or disconnect/reset before headers"
        });
        let cerr = ((serr.is_some() && self.chance(0.9)) || self.chance(0.003))
            .then(|| serr.unwrap_or("context deadline exceeded"));
        let id = self.rng.u32(10_000..999_999);
        let path = route.replace("{id}", &id.to_string());
        let port = if http { 8080 } else { 50051 };
        let url = format!("http://{}.shop.svc:{port}{path}", t.name);
        // Server
        let mut a = Attrs::default();
        if http {
            a.str("http.method", method);
            a.str("http.route", route);
            a.str("http.url", url.clone());
            a.int("http.status_code", if serr.is_some() { 503 } else { 200 });
            a.str(
                "http.user_agent",
                format!("{}/2.3 (+shop)", SERVICES[svc].name),
            );
            a.int("http.request_content_length", self.rng.i64(0..8192));
        } else {
            a.rpc(&rpc_service, method, if serr.is_some() { 14 } else { 0 });
            a.int("message.uncompressed_size", self.rng.i64(16..65536));
            a.double("rpc.deadline_ms", self.rng.u32(1..40) as f64 * 250.0);
        }
        let ip = format!(
            "10.{}.{}.{}",
            self.rng.u8(0..16),
            self.rng.u8(..),
            self.rng.u8(1..255)
        );
        a.str("net.peer.ip", ip);
        a.int("net.host.port", port);
        self.common(&mut a, component(t.lang, http));
        self.finish(server, a, serr);
        // Client: a server error, or a timeout of its own.
        let (http_status, grpc_status) = match (serr, cerr) {
            (Some(_), _) => (503, 14),
            (None, Some(_)) => (504, 4),
            _ => (200, 0),
        };
        let mut a = Attrs::default();
        if http {
            a.str("http.method", method);
            a.str("http.url", url);
            a.int("http.status_code", http_status);
            a.int("http.retry_count", if self.chance(0.05) { 1 } else { 0 });
            a.double("http.timeout_s", self.rng.u32(1..20) as f64 * 0.5);
        } else {
            a.rpc(&rpc_service, method, grpc_status);
            a.double("rpc.deadline_ms", self.rng.u32(1..40) as f64 * 250.0);
        }
        a.peer(t.name, format!("{}.shop.svc", t.name), port);
        self.common(&mut a, component(SERVICES[svc].lang, http));
        self.finish(client, a, cerr)
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
            (60..=69, _, Some((peer, host, path))) => {
                let method = if path.contains("send") || path.contains("intents") {
                    "POST"
                } else {
                    "GET"
                };
                let name = format!("{method} {path}");
                let idx = self.push(Some(parent), svc, SynthKind::Client, name, start, dur);
                let error = self.chance(0.06).then_some("HTTP 429 Too Many Requests");
                let mut a = Attrs::default();
                a.str("http.method", method);
                a.str("http.url", format!("https://{host}{path}"));
                a.int("http.status_code", if error.is_some() { 429 } else { 200 });
                a.peer(peer, host, 443);
                self.common(&mut a, component(s.lang, true));
                a.int("http.retry_count", if error.is_some() { 3 } else { 0 });
                a.double("http.timeout_s", 10.0);
                self.finish(idx, a, error)
            }
            _ => {
                let op = *self.pick(&LEAF_OPS);
                let idx = self.push(
                    Some(parent),
                    svc,
                    SynthKind::Internal,
                    op.to_owned(),
                    start,
                    dur,
                );
                let error = self.chance(0.01).then_some("unexpected end of JSON input");
                let mut a = Attrs::default();
                a.str("code.function", op);
                a.str("code.namespace", format!("shop.{}.util", s.name));
                a.int("code.lineno", self.rng.i64(10..900));
                self.common(&mut a, "internal");
                a.int("payload.bytes", self.rng.i64(16..1 << 20));
                a.bool("payload.compressed", self.chance(0.3));
                a.double("payload.ratio", self.rng.u32(100..1000) as f64 / 1000.0);
                a.str("product.name", *self.pick(&PRODUCTS));
                a.str("tenant", "eu-west");
                self.finish(idx, a, error)
            }
        }
    }

    fn db_leaf(&mut self, parent: usize, svc: usize, db: Db, start: i64, dur: i64) -> bool {
        let s = &SERVICES[svc];
        let mut a = Attrs::default();
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
                let error = self.chance(0.03).then(|| {
                    *self.pick(&[
                        "deadlock detected",
                        "canceling statement due to statement timeout",
                        "duplicate key value violates unique constraint \"pk_id\"",
                    ])
                });
                let schema = s.name.replace('-', "_");
                a.str("db.system", system);
                a.str("db.name", format!("shop_{schema}"));
                a.str("db.user", format!("svc_{schema}"));
                a.str("db.statement", stmt);
                a.str("db.operation", op);
                a.str("db.sql.table", table);
                a.peer(peer, format!("{peer}-{}.db.svc", s.name), port);
                a.int("db.rows_affected", self.rng.i64(0..500));
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
                let error = self
                    .chance(0.02)
                    .then_some("READONLY You can't write against a read only replica.");
                a.str("db.system", "redis");
                a.str("db.statement", format!("{cmd} {key}"));
                a.str("db.operation", cmd);
                a.int("db.redis.database_index", self.rng.i64(0..4));
                a.peer("redis", "redis-master.cache.svc", 6379);
                a.bool("cache.hit", self.chance(0.8));
                (cmd.to_owned(), error)
            }
            Mongo => {
                let coll = *self.pick(s.tables);
                let product = *self.pick(&PRODUCTS);
                let stmt =
                    serde_json::json!({"find": coll, "filter": {"name": product}, "limit": 20})
                        .to_string();
                let error = self.chance(0.02).then_some("operation exceeded time limit");
                a.str("db.system", "mongodb");
                a.str("db.name", "shop");
                a.str("db.mongodb.collection", coll);
                a.str("db.statement", stmt);
                a.str("db.operation", "find");
                a.peer("mongodb", "mongo-0.mongo.svc", 27017);
                (format!("find {coll}"), error)
            }
            Elastic => {
                let index = *self.pick(s.tables);
                let product = *self.pick(&PRODUCTS);
                let stmt = serde_json::json!({"query": {"match": {"name": product}}, "size": 24})
                    .to_string();
                let error = self
                    .chance(0.02)
                    .then_some("search_phase_execution_exception");
                a.str("db.system", "elasticsearch");
                a.str("db.statement", stmt);
                a.str("db.operation", "search");
                a.str("http.method", "POST");
                a.str(
                    "http.url",
                    format!("http://es.search.svc:9200/{index}/_search"),
                );
                a.peer("elasticsearch", "es.search.svc", 9200);
                (format!("POST /{index}/_search"), error)
            }
        };
        let idx = self.push(Some(parent), svc, SynthKind::Client, name, start, dur);
        self.common(&mut a, db_component(s.lang, db));
        a.double("db.response_ms", (dur / 1000) as f64 / 1000.0);
        self.finish(idx, a, error)
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
            GATEWAY,
            SynthKind::Server,
            format!("{method} {route}"),
            start,
            dur,
        );
        let failed = self.grow(root, MAX_DEPTH, spans - 1, GATEWAY);
        let error = (failed && self.chance(0.5)).then_some("HTTP 502 Bad Gateway");
        let path = route.replace("{id}", &self.rng.u32(10_000..999_999).to_string());
        let mut a = Attrs::default();
        a.str("http.method", method);
        a.str("http.route", route);
        a.str(
            "http.url",
            format!("https://shop.example.com{path}?lang=fr&q=caf%C3%A9"),
        );
        a.int("http.status_code", if error.is_some() { 502 } else { 200 });
        a.str(
            "http.user_agent",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        );
        a.str(
            "http.client_ip",
            format!("203.0.113.{}", self.rng.u8(1..255)),
        );
        a.int("net.host.port", 443);
        self.common(&mut a, "net/http");
        a.str("enduser.id", format!("user-{}", self.rng.u32(1..5_000_000)));
        a.double("sampling.priority", 1.0);
        self.finish(root, a, error);
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
