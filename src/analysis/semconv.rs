//! OpenTelemetry semantic conventions, read the way real traces write them:
//! every lookup accepts the current attribute name and the older ones it
//! replaced (and the OpenTracing / Zipkin names where they differ), first
//! non-empty value wins, newest name first.
//!
//! | concept | names read, in order |
//! |---|---|
//! | db system | `db.system.name`, `db.system`, `db.type` |
//! | db statement | `db.query.text`, `db.statement`, `sql.query` |
//! | db operation | `db.operation.name`, `db.operation` |
//! | db collection | `db.collection.name`, `db.sql.table`, `db.mongodb.collection`, `db.cassandra.table` |
//! | db namespace | `db.namespace`, `db.name`, `db.instance` |
//! | http method | `http.request.method`, `http.method` |
//! | url | `url.full`, `http.url` |
//! | route | `url.template`, `http.route`, then the path of `http.target`, `url.path`, `http.path`, `url.full` / `http.url` |
//! | host | `server.address`, `net.peer.name`, `peer.hostname`, `http.host` (port dropped), the url's host |
//! | peer service | `peer.service`, `remoteEndpoint.serviceName` (Zipkin) |
//! | rpc | `rpc.system`, `rpc.service`, `rpc.method` |
//! | http status | `http.response.status_code`, `http.status_code` (int, or a string holding one) |
//! | messaging | `messaging.system`; `messaging.destination.name`, `messaging.destination` |
//! | timeouts | every attribute whose key contains `timeout` (any case) |
//!
//! Each concept is a free function of `(store, span)` for one-off use (one
//! symbol lookup per name), and a method of [`SpanSem`] for analyses that
//! read many spans: [`Sem::new`] resolves every name once and
//! [`Sem::span`] gathers a span's attributes in one pass over them.
//!
//! [`call_target`] says what kind of call a span is (database, HTTP, RPC),
//! which calls repeat the same call (its repeat key) and how to name it;
//! [`normalize_query`] is the SQL normalisation behind database keys.

use std::borrow::Cow;

use lasso::Key;

use crate::model::{SpanKind, Store, Value};

macro_rules! keys {
    ($($id:ident = $name:literal,)*) => {
        /// The attribute names this module reads.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        enum K { $($id,)* }
        const NAMES: &[&str] = &[$($name,)*];
    };
}

keys! {
    DbSystemName = "db.system.name",
    DbSystem = "db.system",
    DbType = "db.type",
    DbQueryText = "db.query.text",
    DbStatement = "db.statement",
    SqlQuery = "sql.query",
    DbOperationName = "db.operation.name",
    DbOperation = "db.operation",
    DbCollectionName = "db.collection.name",
    DbSqlTable = "db.sql.table",
    DbMongoCollection = "db.mongodb.collection",
    DbCassandraTable = "db.cassandra.table",
    DbNamespace = "db.namespace",
    DbName = "db.name",
    DbInstance = "db.instance",
    HttpRequestMethod = "http.request.method",
    HttpMethod = "http.method",
    UrlFull = "url.full",
    HttpUrl = "http.url",
    UrlTemplate = "url.template",
    HttpRoute = "http.route",
    HttpTarget = "http.target",
    UrlPath = "url.path",
    HttpPath = "http.path",
    ServerAddress = "server.address",
    NetPeerName = "net.peer.name",
    PeerHostname = "peer.hostname",
    HttpHost = "http.host",
    PeerService = "peer.service",
    RemoteService = "remoteEndpoint.serviceName",
    RpcSystem = "rpc.system",
    RpcService = "rpc.service",
    RpcMethod = "rpc.method",
    HttpResponseStatusCode = "http.response.status_code",
    HttpStatusCode = "http.status_code",
    MessagingSystem = "messaging.system",
    MessagingDestinationName = "messaging.destination.name",
    MessagingDestination = "messaging.destination",
}

const N: usize = NAMES.len();

const DB_SYSTEM: &[K] = &[K::DbSystemName, K::DbSystem, K::DbType];
const DB_STATEMENT: &[K] = &[K::DbQueryText, K::DbStatement, K::SqlQuery];
const DB_OPERATION: &[K] = &[K::DbOperationName, K::DbOperation];
const DB_COLLECTION: &[K] = &[
    K::DbCollectionName,
    K::DbSqlTable,
    K::DbMongoCollection,
    K::DbCassandraTable,
];
const DB_NAMESPACE: &[K] = &[K::DbNamespace, K::DbName, K::DbInstance];
const HTTP_METHOD: &[K] = &[K::HttpRequestMethod, K::HttpMethod];
const URL: &[K] = &[K::UrlFull, K::HttpUrl];
const TEMPLATE: &[K] = &[K::UrlTemplate, K::HttpRoute];
const PATHS: &[K] = &[K::HttpTarget, K::UrlPath, K::HttpPath];
const HOST: &[K] = &[K::ServerAddress, K::NetPeerName, K::PeerHostname];
const PEER_SERVICE: &[K] = &[K::PeerService, K::RemoteService];
const HTTP_STATUS: &[K] = &[K::HttpResponseStatusCode, K::HttpStatusCode];
const MESSAGING_DESTINATION: &[K] = &[K::MessagingDestinationName, K::MessagingDestination];

/// Where attribute values come from: one span, looked up by name.
trait Attrs<'a> {
    fn store(&self) -> &'a Store;
    fn value(&self, k: K) -> Option<&'a Value>;

    /// The first of `keys` holding a non-empty string.
    fn text(&self, keys: &[K]) -> Option<&'a str> {
        keys.iter().find_map(|&k| match self.value(k)? {
            Value::Str(t) => Some(self.store().text(*t).trim()).filter(|s| !s.is_empty()),
            _ => None,
        })
    }

    /// The first of `keys` holding an integer (or a string or double holding one).
    fn int(&self, keys: &[K]) -> Option<i64> {
        keys.iter().find_map(|&k| match self.value(k)? {
            Value::Int(n) => Some(*n),
            Value::Str(t) => self.store().text(*t).trim().parse().ok(),
            Value::Double(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
            _ => None,
        })
    }
}

/// One-off lookups: each name resolved through the store's symbol table.
struct Direct<'a> {
    store: &'a Store,
    span: u32,
}

impl<'a> Attrs<'a> for Direct<'a> {
    fn store(&self) -> &'a Store {
        self.store
    }

    fn value(&self, k: K) -> Option<&'a Value> {
        self.store.attr(self.span, NAMES[k as usize])
    }
}

/// The names resolved once, for reading many spans.
pub struct Sem<'a> {
    store: &'a Store,
    /// Per symbol index up to the highest name read: 1 + the name's [`K`],
    /// or 0 for attributes this module does not read.
    slot: Vec<u8>,
}

impl<'a> Sem<'a> {
    pub fn new(store: &'a Store) -> Sem<'a> {
        let syms: Vec<Option<usize>> = NAMES
            .iter()
            .map(|n| store.strings.lookup(n).map(|s| s.into_usize()))
            .collect();
        let len = syms.iter().flatten().max().map_or(0, |&m| m + 1);
        let mut slot = vec![0u8; len];
        for (k, s) in syms.iter().enumerate() {
            if let Some(s) = *s {
                slot[s] = k as u8 + 1;
            }
        }
        Sem { store, slot }
    }

    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// The attributes of `span` this module reads, gathered in one pass.
    pub fn span(&self, span: u32) -> SpanSem<'a> {
        let mut vals: [Option<&'a Value>; N] = [None; N];
        if !self.slot.is_empty() {
            for a in self.store.span_attrs(span) {
                if let Some(&s) = self.slot.get(a.key.into_usize()) {
                    if s != 0 && vals[s as usize - 1].is_none() {
                        vals[s as usize - 1] = Some(&a.value);
                    }
                }
            }
        }
        SpanSem {
            store: self.store,
            span,
            vals,
        }
    }
}

/// One span's conventional attributes (see [`Sem::span`]).
pub struct SpanSem<'a> {
    store: &'a Store,
    span: u32,
    vals: [Option<&'a Value>; N],
}

impl<'a> Attrs<'a> for SpanSem<'a> {
    fn store(&self) -> &'a Store {
        self.store
    }

    fn value(&self, k: K) -> Option<&'a Value> {
        self.vals[k as usize]
    }
}

/// The concepts, once, for both kinds of lookup.
mod concept {
    use super::*;

    pub fn db_system<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(DB_SYSTEM)
    }
    pub fn db_statement<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(DB_STATEMENT)
    }
    pub fn db_operation<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(DB_OPERATION)
    }
    pub fn db_collection<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(DB_COLLECTION)
    }
    pub fn db_namespace<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(DB_NAMESPACE)
    }
    pub fn http_method<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(HTTP_METHOD)
    }
    pub fn url<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(URL)
    }
    pub fn route<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(TEMPLATE)
            .or_else(|| a.text(PATHS).map(path_of))
            .or_else(|| a.text(URL).map(|u| path_of(url_parts(u).1)))
            .filter(|p| !p.is_empty())
    }
    pub fn is_template<'a>(a: &impl Attrs<'a>) -> bool {
        a.text(TEMPLATE).is_some()
    }
    pub fn host<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(HOST)
            .or_else(|| a.text(&[K::HttpHost]).map(strip_port))
            .or_else(|| a.text(URL).map(|u| strip_port(url_parts(u).0)))
            .filter(|h| !h.is_empty())
    }
    pub fn peer_service<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(PEER_SERVICE)
    }
    pub fn rpc_system<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(&[K::RpcSystem])
    }
    pub fn rpc_service<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(&[K::RpcService])
    }
    pub fn rpc_method<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(&[K::RpcMethod])
    }
    pub fn http_status<'a>(a: &impl Attrs<'a>) -> Option<i64> {
        a.int(HTTP_STATUS)
    }
    pub fn messaging_system<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(&[K::MessagingSystem])
    }
    pub fn messaging_destination<'a>(a: &impl Attrs<'a>) -> Option<&'a str> {
        a.text(MESSAGING_DESTINATION)
    }
}

/// The free functions: one-off lookups of one span.
macro_rules! free {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(store: &Store, span: u32) -> $ty {
                concept::$name(&Direct { store, span })
            }
        )*
    };
}

free! {
    /// `db.system.name`, `db.system`, `db.type`.
    db_system -> Option<&str>;
    /// The query text: `db.query.text`, `db.statement`, `sql.query`.
    db_statement -> Option<&str>;
    /// `db.operation.name`, `db.operation`.
    db_operation -> Option<&str>;
    /// The table or collection: `db.collection.name`, `db.sql.table`,
    /// `db.mongodb.collection`, `db.cassandra.table`.
    db_collection -> Option<&str>;
    /// The database: `db.namespace`, `db.name`, `db.instance`.
    db_namespace -> Option<&str>;
    /// `http.request.method`, `http.method`.
    http_method -> Option<&str>;
    /// The full URL: `url.full`, `http.url`.
    url -> Option<&str>;
    /// The route template (`url.template`, `http.route`), else the path of
    /// `http.target`, `url.path`, `http.path` or the URL (query dropped).
    route -> Option<&str>;
    /// The host called: `server.address`, `net.peer.name`, `peer.hostname`,
    /// `http.host`, the URL's host (ports dropped).
    host -> Option<&str>;
    /// `peer.service` (Zipkin: the remote endpoint's service name).
    peer_service -> Option<&str>;
    /// `rpc.system` (grpc, jsonrpc, …).
    rpc_system -> Option<&str>;
    /// `rpc.service`.
    rpc_service -> Option<&str>;
    /// `rpc.method`.
    rpc_method -> Option<&str>;
    /// `http.response.status_code`, `http.status_code` (int, or a string of one).
    http_status -> Option<i64>;
    /// `messaging.system`.
    messaging_system -> Option<&str>;
    /// `messaging.destination.name`, `messaging.destination`.
    messaging_destination -> Option<&str>;
}

impl<'a> SpanSem<'a> {
    pub fn span(&self) -> u32 {
        self.span
    }
    pub fn db_system(&self) -> Option<&'a str> {
        concept::db_system(self)
    }
    pub fn db_statement(&self) -> Option<&'a str> {
        concept::db_statement(self)
    }
    pub fn db_operation(&self) -> Option<&'a str> {
        concept::db_operation(self)
    }
    pub fn db_collection(&self) -> Option<&'a str> {
        concept::db_collection(self)
    }
    pub fn db_namespace(&self) -> Option<&'a str> {
        concept::db_namespace(self)
    }
    pub fn http_method(&self) -> Option<&'a str> {
        concept::http_method(self)
    }
    pub fn url(&self) -> Option<&'a str> {
        concept::url(self)
    }
    pub fn route(&self) -> Option<&'a str> {
        concept::route(self)
    }
    pub fn host(&self) -> Option<&'a str> {
        concept::host(self)
    }
    pub fn peer_service(&self) -> Option<&'a str> {
        concept::peer_service(self)
    }
    pub fn rpc_system(&self) -> Option<&'a str> {
        concept::rpc_system(self)
    }
    pub fn rpc_service(&self) -> Option<&'a str> {
        concept::rpc_service(self)
    }
    pub fn rpc_method(&self) -> Option<&'a str> {
        concept::rpc_method(self)
    }
    pub fn http_status(&self) -> Option<i64> {
        concept::http_status(self)
    }
    pub fn messaging_system(&self) -> Option<&'a str> {
        concept::messaging_system(self)
    }
    pub fn messaging_destination(&self) -> Option<&'a str> {
        concept::messaging_destination(self)
    }
}

/// Every attribute of `span` whose key contains `timeout` (any case), as
/// (key, value as printed): `("http.client.timeout", "10s")`.
pub fn timeouts(store: &Store, span: u32) -> Vec<(String, String)> {
    store
        .span_attrs(span)
        .iter()
        .filter(|a| store.str(a.key).to_ascii_lowercase().contains("timeout"))
        .map(|a| (store.str(a.key).to_owned(), store.format_value(&a.value)))
        .collect()
}

// ---------------------------------------------------------------------------
// URLs and paths.

/// (authority, rest from the path on) of a URL; a bare path has no authority.
fn url_parts(url: &str) -> (&str, &str) {
    let Some(i) = url.find("://") else {
        return if url.starts_with('/') {
            ("", url)
        } else {
            let end = url.find('/').unwrap_or(url.len());
            (&url[..end], &url[end..])
        };
    };
    let rest = &url[i + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // user:password@host
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (authority, &rest[end..])
}

/// A path without its query string or fragment.
fn path_of(target: &str) -> &str {
    let end = target.find(['?', '#']).unwrap_or(target.len());
    &target[..end]
}

/// `host:port` -> `host` (IPv6 literals keep their brackets).
fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority.find(']').map_or(authority, |i| &authority[..=i]);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// A path with its ids replaced by `{id}`, so that `/products/SKU-10423`
/// and `/products/SKU-99812` read alike: a segment is an id when it holds a
/// digit (except API versions such as `v2`, `v1.1`) or is a long hex string.
/// The query string is dropped.
pub fn path_template(path: &str) -> Cow<'_, str> {
    let path = path_of(path);
    let is_id = |seg: &str| {
        if seg.is_empty() || seg.starts_with('{') || seg.starts_with(':') {
            return false;
        }
        let version = seg.len() > 1
            && (seg.starts_with('v') || seg.starts_with('V'))
            && seg[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let digit = seg.bytes().any(|b| b.is_ascii_digit());
        let hex = seg.len() >= 16 && seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
        (digit && !version) || hex
    };
    if !path.split('/').any(is_id) {
        return Cow::Borrowed(path);
    }
    let parts: Vec<&str> = path
        .split('/')
        .map(|s| if is_id(s) { "{id}" } else { s })
        .collect();
    Cow::Owned(parts.join("/"))
}

// ---------------------------------------------------------------------------
// SQL.

/// A query with its literals replaced by `?` and its whitespace collapsed, so
/// that runs of one statement with different values read alike:
/// numbers, `'strings'`, `$1` / `?` / `:name` / `@name` / `%s` parameters
/// become `?`; a parenthesised list of them (`IN (1, 2, 3)`, `VALUES ($1, $2)`)
/// becomes `(?)` and repeated `(?), (?)` tuples one `(?)`; comments
/// (`-- …`, `/* … */`) are dropped. `"quoted identifiers"` and keywords are
/// kept as written.
pub fn normalize_query(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    // Whether the last thing written was whitespace (collapsed lazily).
    let mut space = false;
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let push_space = |out: &mut String, space: &mut bool| {
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
    };
    while i < b.len() {
        let c = b[i];
        let prev = if out.is_empty() || space {
            b' '
        } else {
            *out.as_bytes().last().unwrap()
        };
        if c.is_ascii_whitespace() {
            space = true;
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            space = true;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            space = true;
        } else if c == b'\''
            || ((c == b'E' || c == b'e' || c == b'N')
                && b.get(i + 1) == Some(&b'\'')
                && !ident(prev))
        {
            // 'string' with '' escapes (and E'…' / N'…' prefixes).
            i += if c == b'\'' { 1 } else { 2 };
            while i < b.len() {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 2;
                } else if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                    } else {
                        i += 1;
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            push_space(&mut out, &mut space);
            out.push('?');
        } else if c == b'"' || c == b'`' {
            // A quoted identifier: kept.
            let start = i;
            i += 1;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            i = (i + 1).min(b.len());
            push_space(&mut out, &mut space);
            out.push_str(&sql[start..i]);
        } else if c.is_ascii_digit() && !ident(prev) {
            // 42, 3.14, 1e-3, 0xFF
            i += 1;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            push_space(&mut out, &mut space);
            out.push('?');
        } else if (c == b'$' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            || ((c == b':' || c == b'@')
                && prev != b':'
                && prev != b'@'
                && b.get(i + 1)
                    .is_some_and(|&n| n.is_ascii_alphabetic() || n == b'_')
                && b.get(i + 1) != Some(&c))
            || (c == b'%' && b.get(i + 1) == Some(&b's'))
        {
            i += 1;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            push_space(&mut out, &mut space);
            out.push('?');
        } else {
            // Anything else, whole UTF-8 characters at a time.
            let len = utf8_len(c);
            push_space(&mut out, &mut space);
            out.push_str(sql.get(i..(i + len).min(b.len())).unwrap_or(""));
            i += len;
        }
    }
    collapse_lists(&out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `( ?, ? , ?)` -> `(?)`, then `(?), (?)` -> `(?)`.
fn collapse_lists(s: &str) -> String {
    let b = s.as_bytes();
    let skip_ws = |mut j: usize| {
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        j
    };
    // The end of a `( ? {, ?} )` list starting at `j` (at the `(`).
    let list_end = |j: usize| -> Option<usize> {
        let mut k = skip_ws(j + 1);
        if b.get(k) != Some(&b'?') {
            return None;
        }
        k = skip_ws(k + 1);
        loop {
            match b.get(k) {
                Some(b')') => return Some(k + 1),
                Some(b',') => {
                    k = skip_ws(k + 1);
                    if b.get(k) != Some(&b'?') {
                        return None;
                    }
                    k = skip_ws(k + 1);
                }
                _ => return None,
            }
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'(' {
            if let Some(mut end) = list_end(i) {
                out.push_str("(?)");
                // Further `, (?…)` tuples.
                loop {
                    let k = skip_ws(end);
                    if b.get(k) != Some(&b',') {
                        break;
                    }
                    let k = skip_ws(k + 1);
                    match (b.get(k), list_end(k)) {
                        (Some(b'('), Some(e)) => end = e,
                        _ => break,
                    }
                }
                i = end;
                continue;
            }
        }
        let len = utf8_len(b[i]);
        out.push_str(s.get(i..(i + len).min(b.len())).unwrap_or(""));
        i += len;
    }
    out
}

// ---------------------------------------------------------------------------
// Calls.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallKind {
    Db,
    Http,
    Rpc,
}

impl CallKind {
    pub fn label(self) -> &'static str {
        match self {
            CallKind::Db => "database",
            CallKind::Http => "HTTP",
            CallKind::Rpc => "RPC",
        }
    }
}

/// What a span calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: CallKind,
    /// Calls with equal keys repeat the same call: database: the system,
    /// host and normalised statement (key-value and document stores, or no
    /// statement: the operation and collection, else the span name); HTTP: method, host and route template (or path
    /// with its ids replaced); RPC: `rpc.service/rpc.method` (else the peer
    /// service and the span name).
    pub key: String,
    /// How people name the call: "GET /products/{id}", "SELECT shop.stock",
    /// "auth.v1.AuthService/VerifyToken".
    pub label: String,
    /// Who is called: `peer.service`, else the instrumented service that
    /// answered (a child span in another service), else the host; for
    /// databases the system ("postgresql").
    pub peer: String,
}

/// Database systems whose "statements" carry keys or documents rather than
/// SQL: their calls repeat by operation (and collection), not by text.
const NOT_SQL: &[&str] = &[
    "redis",
    "memcached",
    "mongodb",
    "elasticsearch",
    "opensearch",
    "dynamodb",
    "aws.dynamodb",
    "couchdb",
    "couchbase",
    "aerospike",
    "cosmosdb",
    "azure.cosmosdb",
    "hbase",
    "geode",
];

/// The parts of a call's repeat key and label, borrowed where they can be.
pub(crate) struct CallParts<'a> {
    pub kind: CallKind,
    /// Database: the system ("" when unknown); HTTP: the method; RPC: the
    /// service (or peer).
    pub a: &'a str,
    /// Database: the host; HTTP: the host; RPC: "".
    pub b: &'a str,
    /// Database: the raw statement (to normalise) or the operation; HTTP:
    /// the route; RPC: the method (or span name).
    pub c: Cow<'a, str>,
    /// Database: whether `c` still needs [`normalize_query`].
    pub sql: bool,
}

/// Whether a span of this kind can be a call at all: client, internal
/// (database calls often are) or unset (Jaeger and Zipkin files often leave
/// the kind out). Cheap: check it before gathering a span's attributes.
pub fn may_call(kind: SpanKind) -> bool {
    matches!(
        kind,
        SpanKind::Client | SpanKind::Unspecified | SpanKind::Internal
    )
}

/// The repeat-key parts of `s` if it is a call (see [`call_target`]).
pub(crate) fn call_parts<'a>(s: &SpanSem<'a>) -> Option<CallParts<'a>> {
    let store = s.store;
    let kind = store.spans.kind[s.span as usize];
    if !may_call(kind) {
        return None;
    }
    let system = s.db_system();
    let statement = s.db_statement();
    if system.is_some() || statement.is_some() {
        let system = system.unwrap_or("");
        let host = s.host().unwrap_or("");
        let not_sql = NOT_SQL.iter().any(|n| n.eq_ignore_ascii_case(system));
        return Some(match statement {
            Some(q) if !not_sql => CallParts {
                kind: CallKind::Db,
                a: system,
                b: host,
                c: Cow::Borrowed(q),
                sql: true,
            },
            _ => {
                let op = s
                    .db_operation()
                    .map(Cow::Borrowed)
                    .or_else(|| {
                        statement
                            .and_then(|q| q.split_whitespace().next())
                            .map(|w| Cow::Owned(w.to_ascii_uppercase()))
                    })
                    .unwrap_or_else(|| Cow::Borrowed(store.str(store.spans.name[s.span as usize])));
                let c = match s.db_collection() {
                    Some(coll) => Cow::Owned(format!("{op} {coll}")),
                    None => op,
                };
                CallParts {
                    kind: CallKind::Db,
                    a: system,
                    b: host,
                    c,
                    sql: false,
                }
            }
        });
    }
    if kind == SpanKind::Internal {
        return None;
    }
    // An unset kind is an RPC client only with a peer.service (server spans
    // carry rpc.* too).
    let rpc = s.rpc_system().is_some() || s.rpc_service().is_some();
    if rpc && (kind == SpanKind::Client || s.peer_service().is_some()) {
        return Some(match (s.rpc_service(), s.rpc_method()) {
            (Some(svc), Some(m)) => CallParts {
                kind: CallKind::Rpc,
                a: svc,
                b: "",
                c: Cow::Borrowed(m),
                sql: false,
            },
            _ => CallParts {
                kind: CallKind::Rpc,
                a: s.peer_service().or(s.host()).unwrap_or(""),
                b: "",
                c: Cow::Borrowed(store.str(store.spans.name[s.span as usize])),
                sql: false,
            },
        });
    }
    let method = s.http_method();
    let url = s.url();
    // An unset kind is a client only with a full URL (server spans of old
    // instrumentations carry `http.method` too).
    if method.is_none() && url.is_none() || kind == SpanKind::Unspecified && url.is_none() {
        return None;
    }
    let route = s.route().unwrap_or("");
    let route = if concept::is_template(s) {
        Cow::Borrowed(route)
    } else {
        path_template(route)
    };
    Some(CallParts {
        kind: CallKind::Http,
        a: method.unwrap_or("GET"),
        b: s.host().unwrap_or(""),
        c: route,
        sql: false,
    })
}

/// The repeat key of a call from its parts (normalising SQL).
pub(crate) fn key_of(p: &CallParts) -> String {
    let join = |parts: &[&str]| {
        let parts: Vec<&str> = parts.iter().copied().filter(|s| !s.is_empty()).collect();
        parts.join(" ")
    };
    match p.kind {
        CallKind::Db => {
            let text = if p.sql {
                Cow::Owned(normalize_query(&p.c))
            } else {
                Cow::Borrowed(&*p.c)
            };
            join(&["db", p.a, p.b, &text])
        }
        CallKind::Http => join(&["http", &p.a.to_ascii_uppercase(), p.b, &p.c]),
        CallKind::Rpc => format!("rpc {}/{}", p.a, p.c),
    }
}

/// What kind of call `span` is, if any: a database call (a CLIENT,
/// INTERNAL or unset-kind span with a db system or statement), an RPC (a
/// CLIENT or unset-kind span with `rpc.system` or `rpc.service`) or an HTTP
/// call (a CLIENT span with a method or URL; an unset-kind span with a URL).
/// Server, producer and consumer spans are not calls.
pub fn call_target(store: &Store, span: u32) -> Option<Target> {
    let sem = Sem::new(store);
    target_of(&sem.span(span))
}

/// [`call_target`] with the names already resolved.
pub fn target_of(s: &SpanSem) -> Option<Target> {
    let p = call_parts(s)?;
    let key = key_of(&p);
    Some(Target {
        kind: p.kind,
        label: label_of(s, &p),
        peer: peer_of(s, &p),
        key,
    })
}

/// "GET /products/{id}", "SELECT shop.stock", "auth.v1.AuthService/VerifyToken".
fn label_of(s: &SpanSem, p: &CallParts) -> String {
    let store = s.store;
    let name = store.str(store.spans.name[s.span as usize]);
    match p.kind {
        CallKind::Db => {
            let op = s.db_operation().map(str::to_owned).or_else(|| {
                s.db_statement()
                    .and_then(|q| q.split_whitespace().next())
                    .map(|w| w.to_ascii_uppercase())
            });
            match (op, s.db_collection()) {
                (Some(op), Some(coll)) => match s.db_namespace() {
                    Some(ns) if !coll.contains('.') => format!("{op} {ns}.{coll}"),
                    _ => format!("{op} {coll}"),
                },
                (Some(_), None) if !name.is_empty() && name.len() <= 60 => name.to_owned(),
                (Some(op), None) => match s.db_system() {
                    Some(sys) => format!("{sys} {op}"),
                    None => op,
                },
                (None, _) if !name.is_empty() && name.len() <= 60 => name.to_owned(),
                (None, _) => {
                    let q = if p.sql {
                        normalize_query(&p.c)
                    } else {
                        p.c.clone().into_owned()
                    };
                    shorten(&q, 60)
                }
            }
        }
        CallKind::Http => {
            if p.c.is_empty() {
                p.a.to_ascii_uppercase()
            } else {
                format!("{} {}", p.a.to_ascii_uppercase(), p.c)
            }
        }
        CallKind::Rpc => match (s.rpc_service(), s.rpc_method()) {
            (Some(svc), Some(m)) => format!("{svc}/{m}"),
            _ => name.to_owned(),
        },
    }
}

/// Who a call goes to (see [`Target::peer`]).
fn peer_of(s: &SpanSem, p: &CallParts) -> String {
    let store = s.store;
    let i = s.span as usize;
    if p.kind == CallKind::Db {
        return s
            .db_system()
            .or(s.peer_service())
            .or(s.host())
            .unwrap_or("database")
            .to_owned();
    }
    if let Some(peer) = s.peer_service() {
        return peer.to_owned();
    }
    let own = store.spans.service[i];
    if let Some(&c) = store
        .children(s.span)
        .iter()
        .find(|&&c| store.spans.service[c as usize] != own)
    {
        return store.str(store.spans.service[c as usize]).to_owned();
    }
    s.host()
        .or(s.rpc_service())
        .unwrap_or("(unknown)")
        .to_owned()
}

/// `s` cut to about `max` characters, with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    /// One OTLP/JSON trace: spans as (id, parent, kind, name, attributes as
    /// JSON key/value objects).
    fn store(spans: &[(&str, Option<&str>, i64, &str, &str)]) -> Store {
        let items: Vec<String> = spans
            .iter()
            .map(|(id, parent, kind, name, attrs)| {
                let parent = parent
                    .map(|p| format!(r#""parentSpanId":"{p:0>16}","#))
                    .unwrap_or_default();
                format!(
                    r#"{{"traceId":"{:0>32}","spanId":"{id:0>16}",{parent}"name":"{name}","kind":{kind},"startTimeUnixNano":"1000","endTimeUnixNano":"2000","attributes":[{attrs}]}}"#,
                    "1"
                )
            })
            .collect();
        let json = format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            items.join(",")
        );
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        s
    }

    fn s(k: &str, v: &str) -> String {
        format!(r#"{{"key":"{k}","value":{{"stringValue":"{v}"}}}}"#)
    }

    fn n(k: &str, v: i64) -> String {
        format!(r#"{{"key":"{k}","value":{{"intValue":"{v}"}}}}"#)
    }

    fn one(kind: i64, attrs: &[String]) -> Store {
        store(&[("1", None, kind, "op", &attrs.join(","))])
    }

    const CLIENT: i64 = 3;
    const SERVER: i64 = 2;
    const INTERNAL: i64 = 1;

    #[test]
    fn old_and_new_db_names() {
        let new = one(
            CLIENT,
            &[
                s("db.system.name", "postgresql"),
                s("db.query.text", "SELECT 1"),
                s("db.operation.name", "SELECT"),
                s("db.collection.name", "stock"),
                s("db.namespace", "shop"),
            ],
        );
        let old = one(
            CLIENT,
            &[
                s("db.system", "postgresql"),
                s("db.statement", "SELECT 1"),
                s("db.operation", "SELECT"),
                s("db.sql.table", "stock"),
                s("db.name", "shop"),
            ],
        );
        for st in [&new, &old] {
            assert_eq!(db_system(st, 0), Some("postgresql"));
            assert_eq!(db_statement(st, 0), Some("SELECT 1"));
            assert_eq!(db_operation(st, 0), Some("SELECT"));
            assert_eq!(db_collection(st, 0), Some("stock"));
            assert_eq!(db_namespace(st, 0), Some("shop"));
            let sem = Sem::new(st);
            let sp = sem.span(0);
            assert_eq!(sp.db_system(), Some("postgresql"));
            assert_eq!(sp.db_statement(), Some("SELECT 1"));
            assert_eq!(sp.db_collection(), Some("stock"));
        }
        // The newer name wins when both are present; empty values do not count.
        let both = one(
            CLIENT,
            &[
                s("db.system", "mssql"),
                s("db.system.name", "microsoft.sql_server"),
                s("db.query.text", " "),
                s("db.statement", "SELECT 2"),
            ],
        );
        assert_eq!(db_system(&both, 0), Some("microsoft.sql_server"));
        assert_eq!(db_statement(&both, 0), Some("SELECT 2"));
        let none = one(CLIENT, &[s("other", "x")]);
        assert_eq!(db_system(&none, 0), None);
        assert_eq!(Sem::new(&none).span(0).db_system(), None);
    }

    #[test]
    fn http_names_routes_and_hosts() {
        let new = one(
            CLIENT,
            &[
                s("http.request.method", "GET"),
                s(
                    "url.full",
                    "https://user:pw@api.example.com:8443/products/SKU-1?x=1",
                ),
                s("url.template", "/products/{id}"),
                n("http.response.status_code", 404),
            ],
        );
        assert_eq!(http_method(&new, 0), Some("GET"));
        assert_eq!(
            url(&new, 0),
            Some("https://user:pw@api.example.com:8443/products/SKU-1?x=1")
        );
        assert_eq!(route(&new, 0), Some("/products/{id}"));
        assert_eq!(host(&new, 0), Some("api.example.com"));
        assert_eq!(http_status(&new, 0), Some(404));

        let old = one(
            CLIENT,
            &[
                s("http.method", "POST"),
                s("http.url", "http://10.0.0.1:8080/orders/42?debug=1"),
                s("http.status_code", "503"),
                s("net.peer.name", "orders.svc"),
            ],
        );
        assert_eq!(http_method(&old, 0), Some("POST"));
        assert_eq!(route(&old, 0), Some("/orders/42"));
        assert_eq!(host(&old, 0), Some("orders.svc"));
        assert_eq!(http_status(&old, 0), Some(503));

        // http.route over http.target; http.target's path as a last resort.
        let server = one(
            SERVER,
            &[
                s("http.target", "/cart/abc123?full=1"),
                s("http.host", "shop:80"),
            ],
        );
        assert_eq!(route(&server, 0), Some("/cart/abc123"));
        assert_eq!(host(&server, 0), Some("shop"));
        let routed = one(
            SERVER,
            &[
                s("http.target", "/cart/abc123"),
                s("http.route", "/cart/:id"),
            ],
        );
        assert_eq!(route(&routed, 0), Some("/cart/:id"));
        // The URL's host when nothing else names it.
        let bare = one(CLIENT, &[s("url.full", "https://[::1]:9000/x")]);
        assert_eq!(host(&bare, 0), Some("[::1]"));
        assert_eq!(route(&bare, 0), Some("/x"));
    }

    #[test]
    fn rpc_peer_messaging_and_timeouts() {
        let st = one(
            CLIENT,
            &[
                s("rpc.system", "grpc"),
                s("rpc.service", "auth.v1.AuthService"),
                s("rpc.method", "VerifyToken"),
                s("peer.service", "auth-service"),
                s("messaging.system", "kafka"),
                s("messaging.destination", "orders"),
                n("app.http.read_timeout_ms", 30_000),
                s("http.client.Timeout", "10s"),
            ],
        );
        assert_eq!(rpc_system(&st, 0), Some("grpc"));
        assert_eq!(rpc_service(&st, 0), Some("auth.v1.AuthService"));
        assert_eq!(rpc_method(&st, 0), Some("VerifyToken"));
        assert_eq!(peer_service(&st, 0), Some("auth-service"));
        assert_eq!(messaging_system(&st, 0), Some("kafka"));
        assert_eq!(messaging_destination(&st, 0), Some("orders"));
        assert_eq!(
            timeouts(&st, 0),
            vec![
                ("app.http.read_timeout_ms".to_owned(), "30000".to_owned()),
                ("http.client.Timeout".to_owned(), "10s".to_owned()),
            ]
        );
        assert!(timeouts(&one(CLIENT, &[s("a", "b")]), 0).is_empty());
    }

    #[test]
    fn unset_kinds() {
        const UNSET: i64 = 0;
        let db = one(
            UNSET,
            &[s("db.system", "mysql"), s("db.statement", "SELECT 1")],
        );
        assert_eq!(call_target(&db, 0).unwrap().kind, CallKind::Db);
        // rpc.* without a peer.service may be the server side.
        let rpc = one(
            UNSET,
            &[
                s("rpc.system", "grpc"),
                s("rpc.service", "a.B"),
                s("rpc.method", "C"),
            ],
        );
        assert_eq!(call_target(&rpc, 0), None);
        let rpc = one(
            UNSET,
            &[
                s("rpc.service", "a.B"),
                s("rpc.method", "C"),
                s("peer.service", "b"),
            ],
        );
        assert_eq!(call_target(&rpc, 0).unwrap().label, "a.B/C");
        // http.method alone may be a server span; a full URL makes a client.
        let http = one(UNSET, &[s("http.method", "GET")]);
        assert_eq!(call_target(&http, 0), None);
        let http = one(
            UNSET,
            &[s("http.method", "GET"), s("http.url", "http://h/a/1")],
        );
        let t = call_target(&http, 0).unwrap();
        assert_eq!(
            (t.kind, t.key.as_str(), t.label.as_str()),
            (CallKind::Http, "http GET h /a/{id}", "GET /a/{id}")
        );
        // Producers and consumers are not calls.
        let prod = one(4, &[s("db.system", "kafka"), s("db.statement", "x")]);
        assert_eq!(call_target(&prod, 0), None);
    }

    #[test]
    fn queries_normalise_alike() {
        assert_eq!(
            normalize_query("SELECT * FROM stock WHERE sku = 'A1'"),
            normalize_query("SELECT *  FROM stock\n WHERE sku = 'B2'")
        );
        assert_eq!(
            normalize_query("SELECT * FROM stock WHERE sku = 'A1'"),
            "SELECT * FROM stock WHERE sku = ?"
        );
        assert_eq!(
            normalize_query("select a from t where id=42 and x > 3.5e-2 and h = 0xFF"),
            "select a from t where id=? and x > ? and h = ?"
        );
        assert_eq!(
            normalize_query(
                "SELECT * FROM t WHERE a = $1 AND b = ? AND c = :name AND d = @userId AND e = %s"
            ),
            "SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ?"
        );
        assert_eq!(
            normalize_query("SELECT * FROM t WHERE id IN (1, 2, 3) AND k IN ('a','b')"),
            "SELECT * FROM t WHERE id IN (?) AND k IN (?)"
        );
        assert_eq!(
            normalize_query("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"),
            "INSERT INTO t (a, b) VALUES (?)"
        );
        assert_eq!(
            normalize_query("SELECT 'it''s' /* c */ FROM t2 -- trailing\nWHERE x = E'\\n'"),
            "SELECT ? FROM t2 WHERE x = ?"
        );
        // Identifiers with digits, quoted identifiers and casts stay.
        assert_eq!(
            normalize_query(r#"SELECT "Col1", v2 FROM t2 WHERE d = now()::date"#),
            r#"SELECT "Col1", v2 FROM t2 WHERE d = now()::date"#
        );
        assert_eq!(normalize_query("  "), "");
        assert_eq!(normalize_query("SELECT 'ü' FROM t"), "SELECT ? FROM t");
    }

    #[test]
    fn paths_lose_their_ids() {
        assert_eq!(path_template("/products/SKU-10423"), "/products/{id}");
        assert_eq!(
            path_template("/v2/users/42/orders/9f8e7d6c5b4a39281706f5e4d3c2b1a0?x=1"),
            "/v2/users/{id}/orders/{id}"
        );
        assert_eq!(path_template("/api/cart/quote"), "/api/cart/quote");
        assert!(matches!(path_template("/a/b"), Cow::Borrowed(_)));
    }

    fn target(st: &Store, span: u32) -> Option<(CallKind, String, String, String)> {
        call_target(st, span).map(|t| (t.kind, t.key, t.label, t.peer))
    }

    #[test]
    fn call_targets() {
        let st = store(&[
            (
                "1",
                None,
                CLIENT,
                "SELECT shop.stock",
                &[
                    s("db.system", "postgresql"),
                    s("db.statement", "SELECT sku FROM stock WHERE sku = 'A1'"),
                    s("db.operation.name", "SELECT"),
                    s("db.collection.name", "stock"),
                    s("db.namespace", "shop"),
                    s("server.address", "pg"),
                ]
                .join(","),
            ),
            (
                "2",
                None,
                INTERNAL,
                "query",
                &[
                    s("db.system", "postgresql"),
                    s("db.statement", "SELECT sku FROM stock WHERE sku = 'B2'"),
                    s("server.address", "pg"),
                ]
                .join(","),
            ),
            (
                "3",
                None,
                CLIENT,
                "GET",
                &[
                    s("http.request.method", "GET"),
                    s("url.full", "http://inventory:8080/products/SKU-1"),
                    s("peer.service", "inventory-service"),
                ]
                .join(","),
            ),
            (
                "4",
                None,
                CLIENT,
                "GET /products/{id}",
                &[
                    s("http.method", "GET"),
                    s("http.url", "http://inventory:8080/products/SKU-2"),
                ]
                .join(","),
            ),
            (
                "5",
                None,
                CLIENT,
                "auth.v1.AuthService/VerifyToken",
                &[
                    s("rpc.system", "grpc"),
                    s("rpc.service", "auth.v1.AuthService"),
                    s("rpc.method", "VerifyToken"),
                    s("peer.service", "auth-service"),
                ]
                .join(","),
            ),
            (
                "6",
                None,
                SERVER,
                "GET /x",
                &[s("http.request.method", "GET"), s("db.system", "x")].join(","),
            ),
            (
                "7",
                None,
                CLIENT,
                "GET",
                &[
                    s("db.system", "redis"),
                    s("db.statement", "GET cart:abc"),
                    s("server.address", "redis"),
                ]
                .join(","),
            ),
            (
                "8",
                None,
                CLIENT,
                "GET",
                &[
                    s("db.system", "redis"),
                    s("db.statement", "get cart:def"),
                    s("server.address", "redis"),
                ]
                .join(","),
            ),
            ("9", None, INTERNAL, "work", ""),
            ("a", Some("4"), SERVER, "GET /products/{id}", ""),
        ]);
        let idx = |id: &str| {
            (0..st.spans.len() as u32)
                .find(|&i| {
                    st.spans.id[i as usize]
                        .to_text(&st.strings)
                        .trim_start_matches('0')
                        == id
                })
                .unwrap()
        };
        let a = target(&st, idx("1")).unwrap();
        let b = target(&st, idx("2")).unwrap();
        assert_eq!(a.0, CallKind::Db);
        assert_eq!(a.1, b.1, "the same statement with other literals repeats");
        assert_eq!(a.1, "db postgresql pg SELECT sku FROM stock WHERE sku = ?");
        assert_eq!(a.2, "SELECT shop.stock");
        assert_eq!(a.3, "postgresql");
        // No operation attribute: the span name.
        assert_eq!(b.2, "query");

        let h1 = target(&st, idx("3")).unwrap();
        let h2 = target(&st, idx("4")).unwrap();
        assert_eq!(h1.0, CallKind::Http);
        assert_eq!(h1.1, h2.1);
        assert_eq!(h1.1, "http GET inventory /products/{id}");
        assert_eq!(h1.2, "GET /products/{id}");
        assert_eq!(h1.3, "inventory-service");
        // No peer.service, and the span that answered is in the caller's
        // service: the host.
        assert_eq!(h2.3, "inventory");

        let r = target(&st, idx("5")).unwrap();
        assert_eq!(
            r,
            (
                CallKind::Rpc,
                "rpc auth.v1.AuthService/VerifyToken".to_owned(),
                "auth.v1.AuthService/VerifyToken".to_owned(),
                "auth-service".to_owned()
            )
        );
        // Server spans and plain internal spans are not calls.
        assert_eq!(target(&st, idx("6")), None);
        assert_eq!(target(&st, idx("9")), None);
        // Key-value stores repeat by command, not by key.
        let r1 = target(&st, idx("7")).unwrap();
        let r2 = target(&st, idx("8")).unwrap();
        assert_eq!(r1.1, r2.1);
        assert_eq!(r1.1, "db redis redis GET");
        assert_eq!(r1.2, "GET");
    }
}
