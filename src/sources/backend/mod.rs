//! Trace backends Strata queries from the browser: what to ask (URLs), and
//! what the answers mean (services, operations, search results, errors).
//! Pure: the fetching lives in `sources::fetch`, the form in `views::search`.
//! One backend, one file: `jaeger` (API v3 and the legacy JSON API),
//! `tempo`, `zipkin`.

pub mod jaeger;
pub mod tempo;
pub mod zipkin;

use crate::model::time::format_duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Jaeger 2.x API v3 (OTLP answers).
    JaegerV3,
    /// Jaeger's JSON API (`/api/traces`, Jaeger 1.x and 2.x up to 2.20).
    JaegerLegacy,
    Tempo,
    Zipkin,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::JaegerV3,
        Kind::JaegerLegacy,
        Kind::Tempo,
        Kind::Zipkin,
    ];

    /// The name in links (`src=jaeger-v3:http://...`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::JaegerV3 => "jaeger-v3",
            Kind::JaegerLegacy => "jaeger",
            Kind::Tempo => "tempo",
            Kind::Zipkin => "zipkin",
        }
    }

    pub fn from_key(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::JaegerV3 => "Jaeger (API v3)",
            Kind::JaegerLegacy => "Jaeger (JSON API)",
            Kind::Tempo => "Grafana Tempo",
            Kind::Zipkin => "Zipkin",
        }
    }
}

/// A backend at a base URL (no trailing slash), e.g. `http://localhost:16686`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Backend {
    pub kind: Kind,
    pub base: String,
}

/// A trace search, in the form's terms; each backend turns it into its own
/// parameters and units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub service: String,
    pub operation: String,
    /// `key=value` pairs separated by spaces (values may be quoted); for Tempo
    /// a TraceQL query when it starts with `{`.
    pub tags: String,
    /// Unix ns.
    pub start_ns: i64,
    pub end_ns: i64,
    pub min_duration_ns: Option<i64>,
    pub max_duration_ns: Option<i64>,
    pub limit: u32,
}

/// A trace found by a search that only returns summaries (Tempo).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub trace_id: String,
    pub root_service: String,
    pub root_name: String,
    pub start_ns: i64,
    pub duration_ns: i64,
    /// Spans that matched the query.
    pub matched: u32,
}

/// What a search answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Listing {
    /// Whole traces (Jaeger, Zipkin): the body is imported as is.
    Traces,
    /// Summaries (Tempo): each trace is fetched when opened.
    Summaries(Vec<Summary>),
}

impl Backend {
    pub fn new(kind: Kind, base: &str) -> Backend {
        Backend {
            kind,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// `kind:url`, the form a link stores.
    pub fn to_link(&self) -> String {
        format!("{}:{}", self.kind.key(), self.base)
    }

    pub fn from_link(s: &str) -> Option<Backend> {
        let (k, url) = s.split_once(':')?;
        let kind = Kind::from_key(k)?;
        normalize_base(url).ok().map(|b| Backend::new(kind, &b))
    }

    pub fn services_url(&self) -> String {
        match self.kind {
            Kind::JaegerV3 => format!("{}/api/v3/services", self.base),
            Kind::JaegerLegacy => format!("{}/api/services", self.base),
            Kind::Tempo => format!("{}/api/search/tag/service.name/values", self.base),
            Kind::Zipkin => format!("{}/api/v2/services", self.base),
        }
    }

    pub fn operations_url(&self, service: &str) -> String {
        let s = enc(service);
        match self.kind {
            Kind::JaegerV3 => format!("{}/api/v3/operations?service={s}", self.base),
            Kind::JaegerLegacy => format!(
                "{}/api/services/{}/operations",
                self.base,
                path_enc(service)
            ),
            Kind::Tempo => format!(
                "{}/api/search/tag/name/values?q={}",
                self.base,
                enc(&format!(
                    "{{ resource.service.name = \"{}\" }}",
                    service.replace('"', "\\\"")
                ))
            ),
            Kind::Zipkin => format!("{}/api/v2/spans?serviceName={s}", self.base),
        }
    }

    /// Whether a search needs a service (Jaeger's APIs refuse one without).
    pub fn needs_service(&self) -> bool {
        matches!(self.kind, Kind::JaegerV3 | Kind::JaegerLegacy)
    }

    pub fn search_url(&self, q: &Query) -> Result<String, String> {
        if self.needs_service() && q.service.trim().is_empty() {
            return Err(format!(
                "{} needs a service to search: pick one",
                self.kind.label()
            ));
        }
        if q.end_ns <= q.start_ns {
            return Err("the time range is empty: its end must be after its start".into());
        }
        let tags = parse_tags(&q.tags)?;
        Ok(match self.kind {
            Kind::JaegerV3 => jaeger::v3_search_url(&self.base, q, &tags),
            Kind::JaegerLegacy => jaeger::legacy_search_url(&self.base, q, &tags),
            Kind::Tempo => tempo::search_url(&self.base, q),
            Kind::Zipkin => zipkin::search_url(&self.base, q, &tags),
        })
    }

    /// URLs that fetch one trace, tried in order (Tempo: v2, then v1).
    pub fn trace_urls(&self, id: &str) -> Vec<String> {
        // Zipkin refuses upper-case hex (400); every backend stores lower case.
        let id = enc(&id.trim().to_lowercase());
        match self.kind {
            Kind::JaegerV3 => vec![format!("{}/api/v3/traces/{id}", self.base)],
            Kind::JaegerLegacy => vec![format!("{}/api/traces/{id}", self.base)],
            Kind::Tempo => vec![
                format!("{}/api/v2/traces/{id}", self.base),
                format!("{}/api/traces/{id}", self.base),
            ],
            Kind::Zipkin => vec![format!("{}/api/v2/trace/{id}", self.base)],
        }
    }

    pub fn parse_services(&self, body: &[u8]) -> Result<Vec<String>, String> {
        let mut v = match self.kind {
            Kind::JaegerV3 => jaeger::v3_names(body, "services"),
            Kind::JaegerLegacy => jaeger::legacy_names(body),
            Kind::Tempo => tempo::tag_values(body),
            Kind::Zipkin => zipkin::names(body),
        }?;
        v.sort();
        v.dedup();
        Ok(v)
    }

    pub fn parse_operations(&self, body: &[u8]) -> Result<Vec<String>, String> {
        let mut v = match self.kind {
            Kind::JaegerV3 => jaeger::v3_operations(body),
            Kind::JaegerLegacy => jaeger::legacy_names(body),
            Kind::Tempo => tempo::tag_values(body),
            Kind::Zipkin => zipkin::names(body),
        }?;
        v.sort();
        v.dedup();
        Ok(v)
    }

    pub fn parse_search(&self, body: &[u8]) -> Result<Listing, String> {
        match self.kind {
            Kind::Tempo => tempo::summaries(body).map(Listing::Summaries),
            _ => Ok(Listing::Traces),
        }
    }

    /// A trace fetch that found nothing: Tempo 2.7+ answers an unknown id on
    /// `/api/v2/traces` with 200 and an empty `{"trace":{}}`.
    pub fn is_missing_trace(&self, status: u16, body: &[u8]) -> bool {
        if status == 404 {
            return true;
        }
        if self.kind != Kind::Tempo || status != 200 || body.len() > 4096 {
            return false;
        }
        serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| {
            let spans = v
                .pointer("/trace/resourceSpans")
                .or_else(|| v.get("batches"));
            spans.is_none_or(|s| s.as_array().is_none_or(|a| a.is_empty()))
        })
    }

    /// A search that found nothing, per backend (Jaeger v3 answers 404).
    pub fn is_empty_search(&self, status: u16, body: &[u8]) -> bool {
        match self.kind {
            Kind::JaegerV3 => status == 404,
            Kind::JaegerLegacy => status == 200 && jaeger::legacy_is_empty(body),
            Kind::Zipkin => {
                status == 200
                    && body
                        .iter()
                        .filter(|b| !b.is_ascii_whitespace())
                        .eq(b"[]".iter())
            }
            Kind::Tempo => false,
        }
    }

    /// The backend's own error message from an error reply.
    pub fn error_text(&self, status: u16, body: &[u8]) -> String {
        let own = match self.kind {
            Kind::JaegerV3 | Kind::JaegerLegacy => jaeger::error_message(body),
            Kind::Tempo | Kind::Zipkin => None,
        }
        .or_else(|| {
            let head = &body[..body.len().min(4096)];
            let t = String::from_utf8_lossy(head).trim().to_owned();
            (!t.is_empty() && !t.starts_with('<')).then_some(t)
        })
        // However long the reply, the message quotes a few lines of it.
        .map(|m| crate::model::units::clip(&m, 300));
        let what = match status {
            400 => "rejected the query (400)".to_owned(),
            401 | 403 => format!(
                "refused access ({status}): the backend needs credentials Strata cannot send"
            ),
            404 => "has no such trace or route (404)".to_owned(),
            429 => "is rate limiting (429)".to_owned(),
            s if s >= 500 => format!("failed ({s})"),
            s => format!("answered {s}"),
        };
        match own {
            Some(m) => format!("{} {what}: {m}", self.kind.label()),
            None => format!("{} {what}", self.kind.label()),
        }
    }

    /// What to change so the browser may read this backend from `origin`.
    pub fn cors_advice(&self, origin: &str) -> String {
        let setting = match self.kind {
            Kind::JaegerV3 | Kind::JaegerLegacy => format!(
                "Jaeger 1.x: start jaeger-query with --query.additional-headers \"Access-Control-Allow-Origin: {origin}\". \
                 Jaeger 2.x: in the jaeger_query extension's HTTP server settings add \
                 cors: {{ allowed_origins: [\"{origin}\"] }}."
            ),
            Kind::Tempo => format!(
                "Tempo cannot add CORS headers itself: put a reverse proxy in front of it that adds \
                 Access-Control-Allow-Origin: {origin} (e.g. nginx add_header, or the Grafana Agent/Alloy proxy)."
            ),
            Kind::Zipkin => format!(
                "Zipkin allows every origin by default; this server narrows it: set \
                 ZIPKIN_QUERY_ALLOWED_ORIGINS={origin} (or *) and restart it."
            ),
        };
        format!(
            "{setting} Or run Strata with Trunk's dev proxy so the requests are same-origin: in Trunk.toml add \
             [[proxy]] backend = \"{}/api/\" (and open Strata's /api/ URL instead).",
            self.base
        )
    }
}

/// Cleans what a user typed as a backend address: adds `http://` when no
/// scheme is given, drops a trailing slash and a pasted UI path (`/search`,
/// `/explore`, `/zipkin/` stays).
pub fn normalize_base(input: &str) -> Result<String, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err("type the backend's address, e.g. http://localhost:16686".into());
    }
    if t.chars().any(|c| c.is_whitespace()) {
        return Err(format!("{t:?} is not a URL: it contains spaces"));
    }
    // "host:port" has no scheme; "javascript:…", "data:…" name one, and are
    // refused rather than read as a host called "javascript".
    if let Some((scheme, rest)) = t.split_once(':') {
        let port = rest.split('/').next().unwrap_or("");
        let is_port = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
        if !rest.starts_with("//") && !is_port && !t.starts_with('[') {
            return Err(format!(
                "{:?}: a {scheme}: address; only http:// and https:// addresses can be queried from a browser",
                crate::model::units::clip(t, 200)
            ));
        }
    }
    let with_scheme = if t.contains("://") {
        t.to_owned()
    } else {
        format!("http://{t}")
    };
    if !(with_scheme.starts_with("http://") || with_scheme.starts_with("https://")) {
        return Err(format!(
            "{t:?}: only http:// and https:// addresses can be queried from a browser"
        ));
    }
    let mut s = with_scheme.trim_end_matches('/').to_owned();
    for suffix in ["/search", "/api/v3", "/api/v2", "/api", "/explore"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            if stripped.contains("://") && stripped.len() > "https://".len() {
                s = stripped.to_owned();
            }
        }
    }
    Ok(s)
}

/// Requests that tell backends apart, in order: each answers its own route
/// with a recognisable shape (see [`recognise`]).
pub fn probes(base: &str) -> Vec<(Kind, String)> {
    vec![
        (Kind::JaegerV3, format!("{base}/api/v3/services")),
        (Kind::JaegerLegacy, format!("{base}/api/services")),
        (Kind::Zipkin, format!("{base}/api/v2/services")),
        (Kind::Tempo, format!("{base}/api/search/tags")),
    ]
}

/// Whether a probe's answer comes from a backend of that kind.
pub fn recognise(kind: Kind, status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return false;
    };
    match kind {
        Kind::JaegerV3 => v.get("services").is_some_and(|s| s.is_array()),
        Kind::JaegerLegacy => v.get("data").is_some_and(|d| d.is_array() || d.is_null()),
        Kind::Zipkin => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.is_string())),
        Kind::Tempo => v.get("tagNames").is_some() || v.get("scopes").is_some(),
    }
}

/// `key=value` pairs, space separated; values may be double-quoted to hold
/// spaces. Errors name the piece that is not a pair.
pub fn parse_tags(s: &str) -> Result<Vec<(String, String)>, String> {
    let t = s.trim();
    if t.is_empty() || t.starts_with('{') {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut chars = t.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|&c| c != '=' && !c.is_whitespace())).collect();
        if chars.next_if_eq(&'=').is_none() {
            return Err(format!(
                "{key:?} is not a key=value pair (e.g. http.status_code=500)"
            ));
        }
        let value: String = if chars.next_if_eq(&'"').is_some() {
            let v: String = std::iter::from_fn(|| chars.next_if(|&c| c != '"')).collect();
            if chars.next_if_eq(&'"').is_none() {
                return Err(format!("the quoted value of {key:?} is not closed"));
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
        };
        if key.is_empty() {
            return Err("a tag has no key (write key=value)".into());
        }
        out.push((key, value));
    }
    Ok(out)
}

/// Query-string encoding of a value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Path-segment encoding (spaces as %20, not +).
pub fn path_enc(s: &str) -> String {
    enc(s).replace('+', "%20")
}

/// Go's duration syntax (`1.5s`, `250ms`, `120us`), which Jaeger and Tempo parse.
pub fn go_duration(ns: i64) -> String {
    let ns = ns.max(0);
    if ns == 0 {
        return "0s".into();
    }
    if ns % 1_000_000_000 == 0 {
        format!("{}s", ns / 1_000_000_000)
    } else if ns % 1_000_000 == 0 {
        format!("{}ms", ns / 1_000_000)
    } else if ns % 1_000 == 0 {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

/// `2026-11-21T14:00:00.123456789Z` for Unix ns.
pub fn rfc3339(ns: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(ns as i128) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond()
        ),
        Err(_) => "1970-01-01T00:00:00Z".into(),
    }
}

/// Parses durations as people type them in the form: `250ms`, `1.5s`,
/// `2m`, `300us`, `800` (ms).
pub fn parse_duration(s: &str) -> Result<Option<i64>, String> {
    let t = s.trim().replace('µ', "u");
    if t.is_empty() {
        return Ok(None);
    }
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 250ms, 1.5s)"))?;
    let mult = match unit.trim() {
        "ns" => 1.0,
        "us" => 1e3,
        "" | "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        u => {
            return Err(format!(
                "unknown unit {u:?} in {s:?} (use ns, us, ms, s, m, h)"
            ))
        }
    };
    if !n.is_finite() || n < 0.0 {
        return Err(format!("{s:?} is not a duration"));
    }
    Ok(Some((n * mult).round() as i64))
}

/// The duration as the form shows it back.
pub fn show_duration(ns: i64) -> String {
    format_duration(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q() -> Query {
        Query {
            service: "frontend".into(),
            operation: "GET /cart".into(),
            tags: "http.status_code=500 error=true".into(),
            start_ns: 1_700_000_000_000_000_000,
            end_ns: 1_700_003_600_000_000_000,
            min_duration_ns: Some(250_000_000),
            max_duration_ns: Some(1_500_000_000),
            limit: 20,
        }
    }

    #[test]
    fn bases_are_cleaned() {
        assert_eq!(
            normalize_base("localhost:16686/").unwrap(),
            "http://localhost:16686"
        );
        assert_eq!(
            normalize_base(" https://jaeger.example.com/search ").unwrap(),
            "https://jaeger.example.com"
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:9/zipkin").unwrap(),
            "http://127.0.0.1:9/zipkin"
        );
        assert_eq!(
            normalize_base("http://x:3200/api").unwrap(),
            "http://x:3200"
        );
        assert!(normalize_base("").is_err());
        assert!(normalize_base("ftp://x").is_err());
        // A scheme without "//" is refused, not read as a host name.
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "jaVaScript:void(0)//x",
        ] {
            let e = normalize_base(bad).unwrap_err();
            assert!(e.contains("only http:// and https://"), "{bad}: {e}");
        }
        assert_eq!(Backend::from_link("jaeger:javascript:alert(1)"), None);
        assert_eq!(normalize_base("[::1]:16686").unwrap(), "http://[::1]:16686");
        assert!(normalize_base("a b").is_err());
    }

    #[test]
    fn tags_and_durations() {
        assert_eq!(
            parse_tags(r#"a=1 b="x y"  c="#).unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into())
            ]
        );
        assert!(parse_tags("oops").is_err());
        assert!(parse_tags("a=\"open").is_err());
        assert_eq!(parse_tags("{ status = error }").unwrap(), vec![]);
        assert_eq!(parse_duration("250ms").unwrap(), Some(250_000_000));
        assert_eq!(parse_duration("1.5s").unwrap(), Some(1_500_000_000));
        assert_eq!(parse_duration("300µs").unwrap(), Some(300_000));
        assert_eq!(parse_duration("800").unwrap(), Some(800_000_000));
        assert_eq!(parse_duration("").unwrap(), None);
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3 parsecs").is_err());
        assert_eq!(go_duration(1_500_000_000), "1500ms");
        assert_eq!(go_duration(2_000_000_000), "2s");
        assert_eq!(go_duration(120_000), "120us");
        assert_eq!(
            rfc3339(1_700_000_000_123_000_000),
            "2023-11-14T22:13:20.123000000Z"
        );
    }

    #[test]
    fn search_urls_per_backend() {
        let b = Backend::new(Kind::JaegerV3, "http://h/");
        let u = b.search_url(&q()).unwrap();
        assert!(u.starts_with("http://h/api/v3/traces?"), "{u}");
        for part in [
            "query.serviceName=frontend",
            "query.operationName=GET+%2Fcart",
            "query.startTimeMin=2023-11-14T22%3A13%3A20.000000000Z",
            "query.durationMin=250ms",
            "query.durationMax=1500ms",
            "query.searchDepth=20",
            "query.attributes=%7B%22error%22%3A%22true%22%2C%22http.status_code%22%3A%22500%22%7D",
            // older Jaeger 2.x read the snake_case names
            "query.service_name=frontend",
            "query.start_time_min=",
        ] {
            assert!(u.contains(part), "{part} missing in {u}");
        }
        let u = Backend::new(Kind::JaegerLegacy, "http://h")
            .search_url(&q())
            .unwrap();
        for part in [
            "/api/traces?service=frontend",
            "operation=GET+%2Fcart",
            "start=1700000000000000",
            "end=1700003600000000",
            "minDuration=250ms",
            "maxDuration=1500ms",
            "limit=20",
            "tags=%7B%22error%22%3A%22true%22%2C%22http.status_code%22%3A%22500%22%7D",
        ] {
            assert!(u.contains(part), "{part} missing in {u}");
        }
        let u = Backend::new(Kind::Zipkin, "http://h")
            .search_url(&q())
            .unwrap();
        for part in [
            "/api/v2/traces?serviceName=frontend",
            "spanName=GET+%2Fcart",
            "annotationQuery=http.status_code%3D500+and+error%3Dtrue",
            "minDuration=250000",
            "maxDuration=1500000",
            "endTs=1700003600000",
            "lookback=3600000",
            "limit=20",
        ] {
            assert!(u.contains(part), "{part} missing in {u}");
        }
        let u = Backend::new(Kind::Tempo, "http://h")
            .search_url(&q())
            .unwrap();
        for part in [
            "/api/search?",
            "start=1700000000",
            "end=1700003600",
            "minDuration=250ms",
            "maxDuration=1500ms",
            "limit=20",
            "q=%7B",
        ] {
            assert!(u.contains(part), "{part} missing in {u}");
        }
        let mut no_service = q();
        no_service.service.clear();
        assert!(Backend::new(Kind::JaegerV3, "http://h")
            .search_url(&no_service)
            .is_err());
        assert!(Backend::new(Kind::Zipkin, "http://h")
            .search_url(&no_service)
            .is_ok());
        let mut backwards = q();
        backwards.end_ns = backwards.start_ns;
        assert!(Backend::new(Kind::Zipkin, "http://h")
            .search_url(&backwards)
            .is_err());
    }

    #[test]
    fn probes_recognise_each_backend() {
        assert!(recognise(Kind::JaegerV3, 200, br#"{"services":["a"]}"#));
        assert!(!recognise(Kind::JaegerV3, 404, b"404 page not found"));
        assert!(recognise(
            Kind::JaegerLegacy,
            200,
            br#"{"data":["a"],"total":1}"#
        ));
        assert!(recognise(Kind::Zipkin, 200, br#"["a","b"]"#));
        assert!(!recognise(Kind::Zipkin, 200, br#"[{"a":1}]"#));
        assert!(recognise(
            Kind::Tempo,
            200,
            br#"{"tagNames":["service.name"]}"#
        ));
        assert!(!recognise(Kind::Tempo, 200, b"<html>"));
    }

    #[test]
    fn errors_carry_the_backends_message() {
        let b = Backend::new(Kind::JaegerV3, "http://h");
        let m = b.error_text(400, br#"{"error":{"httpCode":400,"message":"query.startTimeMin and query.startTimeMax are required"}}"#);
        assert!(
            m.contains("rejected the query (400)") && m.contains("are required"),
            "{m}"
        );
        let b = Backend::new(Kind::JaegerLegacy, "http://h");
        let m = b.error_text(404, br#"{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}"#);
        assert!(m.ends_with("trace not found"), "{m}");
        let m = Backend::new(Kind::Zipkin, "http://h").error_text(500, b"<html>boom</html>");
        assert_eq!(m, "Zipkin failed (500)");
        let m = Backend::new(Kind::Tempo, "http://h")
            .error_text(400, b"invalid TraceQL query: parse error at line 1");
        assert!(m.contains("parse error"));
        // A megabyte of reply, as text or as Jaeger's message: a short message.
        let huge = "x".repeat(1 << 20);
        let m = Backend::new(Kind::Tempo, "http://h").error_text(500, huge.as_bytes());
        assert!(
            m.chars().count() < 400 && m.ends_with('…'),
            "{} chars",
            m.len()
        );
        let body = format!(r#"{{"error":{{"httpCode":500,"message":"{huge}"}}}}"#);
        let m = Backend::new(Kind::JaegerV3, "http://h").error_text(500, body.as_bytes());
        assert!(
            m.chars().count() < 400 && m.ends_with('…'),
            "{} chars",
            m.len()
        );
        assert!(Backend::new(Kind::Zipkin, "http://h")
            .cors_advice("http://127.0.0.1:8080")
            .contains("ZIPKIN_QUERY_ALLOWED_ORIGINS"));
        assert!(Backend::new(Kind::JaegerV3, "http://h")
            .cors_advice("o")
            .contains("--query.additional-headers"));
    }

    #[test]
    fn links_round_trip() {
        let b = Backend::new(Kind::Tempo, "http://tempo:3200");
        assert_eq!(Backend::from_link(&b.to_link()), Some(b));
        assert_eq!(Backend::from_link("nope:http://x"), None);
        let urls = Backend::new(Kind::Tempo, "http://t").trace_urls("ABC");
        assert_eq!(
            urls,
            vec!["http://t/api/v2/traces/abc", "http://t/api/traces/abc"]
        );
        let tempo = Backend::new(Kind::Tempo, "http://t");
        assert!(tempo.is_missing_trace(200, br#"{"trace":{},"metrics":{}}"#));
        assert!(!tempo.is_missing_trace(200, br#"{"trace":{"resourceSpans":[{}]}}"#));
        assert!(tempo.is_missing_trace(404, b"trace not found"));
        assert!(!Backend::new(Kind::Zipkin, "http://z").is_missing_trace(200, b"[]"));
    }
}
