//! The state a URL hash carries: which trace, which view, what is selected.
//! Pure parsing and formatting; the views read it on load and on back/forward
//! and write it when the state changes. A hostile or truncated hash never
//! fails: unknown keys are ignored and bad values are reported and skipped.

/// The views of one trace (and the trace list).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    Traces,
    #[default]
    Waterfall,
    Flame,
    Map,
    Stats,
    /// Every event of the trace in time order (`views::logs`).
    Logs,
}

impl View {
    pub fn key(self) -> &'static str {
        match self {
            View::Traces => "traces",
            View::Waterfall => "waterfall",
            View::Flame => "flame",
            View::Map => "map",
            View::Stats => "stats",
            View::Logs => "logs",
        }
    }

    pub fn from_key(s: &str) -> Option<View> {
        match s {
            "traces" => Some(View::Traces),
            "waterfall" => Some(View::Waterfall),
            "flame" => Some(View::Flame),
            "map" => Some(View::Map),
            "stats" => Some(View::Stats),
            "logs" => Some(View::Logs),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FlameMode {
    #[default]
    Time,
    Merged,
}

/// What the service map covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MapScope {
    #[default]
    Trace,
    All,
}

/// Where the link's trace comes from, so a fresh page can load it again.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// The built-in demo (deterministic: regenerated).
    Demo,
    /// A backend (`kind:url`, see `backend::Backend::to_link`).
    Backend(String),
    /// Any URL returning trace JSON (also `#url=...`).
    Url(String),
    /// The trace itself, deflated and base64url-encoded.
    Data(String),
}

impl Source {
    fn format(&self) -> String {
        match self {
            Source::Demo => "demo".into(),
            Source::Backend(b) => b.clone(),
            Source::Url(u) => format!("url:{u}"),
            Source::Data(d) => format!("data:{d}"),
        }
    }

    fn parse(s: &str) -> Option<Source> {
        if s == "demo" {
            Some(Source::Demo)
        } else if let Some(u) = s.strip_prefix("url:") {
            Some(Source::Url(u.to_owned()))
        } else if let Some(d) = s.strip_prefix("data:") {
            Some(Source::Data(d.to_owned()))
        } else if s
            .split_once(':')
            .is_some_and(|(k, _)| super::backend::Kind::from_key(k).is_some())
        {
            Some(Source::Backend(s.to_owned()))
        } else {
            None
        }
    }
}

/// The most span ids a link keeps collapsed (more is not worth a long URL).
pub const MAX_COLLAPSED: usize = 500;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkState {
    pub source: Option<Source>,
    /// Collapsed spans, by span id.
    pub collapsed: Vec<String>,
    pub view: Option<View>,
    pub trace: Option<String>,
    pub span: Option<String>,
    pub service: Option<String>,
    pub query: Option<String>,
    /// Zoom window in ns from the trace start.
    pub window: Option<(f64, f64)>,
    pub flame: Option<FlameMode>,
    pub map: Option<MapScope>,
    /// The find box's mode (`highlight`, `only`, `tree`).
    pub find: Option<String>,
    /// Critical path only.
    pub critical: bool,
    /// The focused subtree's span id.
    pub focus: Option<String>,
    /// Folded runs the user unfolded, by their first span's id.
    pub unfolded: Vec<String>,
    /// The statistics table: `group[,sub][;all]`.
    pub stats: Option<String>,
    /// The trace list's filter.
    pub list_query: Option<String>,
    /// Raw times shown, clock skew not corrected: `skew=raw`.
    pub raw_times: bool,
    /// Two traces compared (A, B), by trace id: `cmp=<a>,<b>`.
    pub compare: Option<(String, String)>,
}

const MAX_VALUE: usize = 2048;
/// Embedded trace data: 64 KB compressed is ~88 KB of base64.
const MAX_DATA: usize = 96 * 1024;

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_graphic())
}

/// Parses a hash (with or without the leading `#`). Returns the state and a
/// message per value that was ignored.
pub fn parse(hash: &str) -> (LinkState, Vec<String>) {
    let hash = hash.strip_prefix('#').unwrap_or(hash);
    let mut st = LinkState::default();
    let mut problems = Vec::new();
    for (k, v) in form_urlencoded::parse(hash.as_bytes()) {
        if k == "src" && v.starts_with("data:") {
            if v.len() > MAX_DATA {
                problems.push(format!(
                    "src: embedded data longer than {MAX_DATA} characters, ignored"
                ));
            } else {
                st.source = Source::parse(&v);
            }
            continue;
        }
        if v.len() > MAX_VALUE {
            problems.push(format!(
                "{}: value longer than {MAX_VALUE} characters, ignored",
                crate::model::units::clip(&k, 60)
            ));
            continue;
        }
        match k.as_ref() {
            "view" => match View::from_key(&v) {
                Some(view) => st.view = Some(view),
                None => problems.push(format!("view: unknown view {v:?}")),
            },
            "trace" if is_id(&v) => st.trace = Some(v.into_owned()),
            "span" if is_id(&v) => st.span = Some(v.into_owned()),
            "trace" | "span" => problems.push(format!("{k}: {v:?} is not an id")),
            "svc" => st.service = Some(v.into_owned()),
            "src" => match Source::parse(&v) {
                Some(src) => st.source = Some(src),
                None => problems.push(format!("src: unknown source {v:?}")),
            },
            "url" if v.starts_with("http://") || v.starts_with("https://") => {
                st.source = Some(Source::Url(v.into_owned()))
            }
            "url" => problems.push(format!("url: {v:?} is not an http(s) URL")),
            "fold" => {
                st.collapsed = v
                    .split(',')
                    .filter(|id| is_id(id))
                    .take(MAX_COLLAPSED)
                    .map(str::to_owned)
                    .collect()
            }
            "q" => st.query = Some(v.into_owned()),
            "find" if matches!(v.as_ref(), "highlight" | "only" | "tree") => {
                st.find = Some(v.into_owned())
            }
            "find" => problems.push(format!("find: unknown mode {v:?}")),
            "cp" => st.critical = v == "1",
            "skew" => st.raw_times = v == "raw",
            "focus" if is_id(&v) => st.focus = Some(v.into_owned()),
            "focus" => problems.push(format!("focus: {v:?} is not an id")),
            "unfold" => {
                st.unfolded = v
                    .split(',')
                    .filter(|id| is_id(id))
                    .take(MAX_COLLAPSED)
                    .map(str::to_owned)
                    .collect()
            }
            "stats" => st.stats = Some(v.into_owned()),
            "tq" => st.list_query = Some(v.into_owned()),
            "cmp" => match v.split_once(',') {
                Some((a, b)) if is_id(a) && is_id(b) => {
                    st.compare = Some((a.to_owned(), b.to_owned()))
                }
                _ => problems.push(format!("cmp: {v:?} is not two trace ids like a1,b2")),
            },
            "zoom" => match v
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse::<f64>().ok()?, b.parse::<f64>().ok()?)))
            {
                Some((a, b)) if a.is_finite() && b.is_finite() && a >= 0.0 && b > a => {
                    st.window = Some((a, b))
                }
                _ => problems.push(format!("zoom: {v:?} is not a range like 1000-250000")),
            },
            "flame" => match v.as_ref() {
                "time" => st.flame = Some(FlameMode::Time),
                "merged" => st.flame = Some(FlameMode::Merged),
                _ => problems.push(format!("flame: unknown mode {v:?}")),
            },
            "map" => match v.as_ref() {
                "trace" => st.map = Some(MapScope::Trace),
                "all" => st.map = Some(MapScope::All),
                _ => problems.push(format!("map: unknown scope {v:?}")),
            },
            _ => {}
        }
    }
    // Quoted input is cut: a link of a million characters makes a short
    // message.
    let problems = problems
        .into_iter()
        .map(|p| crate::model::units::clip(&p, MAX_MESSAGE))
        .collect();
    (st, problems)
}

/// Longest message about a link value, in characters.
const MAX_MESSAGE: usize = 300;

/// The hash for a state (without `#`); keys in a fixed order, defaults left out.
pub fn format(st: &LinkState) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if let Some(src) = &st.source {
        out.append_pair("src", &src.format());
    }
    if let Some(t) = &st.trace {
        out.append_pair("trace", t);
    }
    if let Some(v) = st.view {
        out.append_pair("view", v.key());
    }
    if let Some(s) = &st.span {
        out.append_pair("span", s);
    }
    if let Some(s) = &st.service {
        out.append_pair("svc", s);
    }
    if let Some(q) = st.query.as_deref().filter(|q| !q.is_empty()) {
        out.append_pair("q", q);
    }
    if let Some(f) = st.find.as_deref().filter(|f| *f != "highlight") {
        out.append_pair("find", f);
    }
    if st.critical {
        out.append_pair("cp", "1");
    }
    if st.raw_times {
        out.append_pair("skew", "raw");
    }
    if let Some(f) = &st.focus {
        out.append_pair("focus", f);
    }
    if let Some(x) = &st.stats {
        out.append_pair("stats", x);
    }
    if let Some(q) = st.list_query.as_deref().filter(|q| !q.is_empty()) {
        out.append_pair("tq", q);
    }
    if let Some((a, b)) = &st.compare {
        out.append_pair("cmp", &format!("{a},{b}"));
    }
    if let Some((a, b)) = st.window {
        out.append_pair("zoom", &format!("{}-{}", a.round(), b.round()));
    }
    if st.flame == Some(FlameMode::Merged) {
        out.append_pair("flame", "merged");
    }
    if st.map == Some(MapScope::All) {
        out.append_pair("map", "all");
    }
    if !st.collapsed.is_empty() {
        let ids: Vec<&str> = st
            .collapsed
            .iter()
            .take(MAX_COLLAPSED)
            .map(String::as_str)
            .collect();
        out.append_pair("fold", &ids.join(","));
    }
    if !st.unfolded.is_empty() {
        let ids: Vec<&str> = st
            .unfolded
            .iter()
            .take(MAX_COLLAPSED)
            .map(String::as_str)
            .collect();
        out.append_pair("unfold", &ids.join(","));
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let st = LinkState {
            source: Some(Source::Backend("jaeger-v3:http://localhost:16686".into())),
            collapsed: vec!["b7ad6b7169203331".into(), "00000000000000a1".into()],
            view: Some(View::Flame),
            trace: Some("0af7651916cd43dd8448eb211c80319c".into()),
            span: Some("b7ad6b7169203331".into()),
            service: Some("payment service & co".into()),
            query: Some("http.status_code=500".into()),
            window: Some((1000.0, 250000.0)),
            flame: Some(FlameMode::Merged),
            map: Some(MapScope::All),
            find: Some("only".into()),
            critical: true,
            focus: Some("00000000000000a1".into()),
            unfolded: vec!["00000000000000b2".into()],
            stats: Some("operation,http.route;all".into()),
            list_query: Some("service=cart failed response>500ms".into()),
            raw_times: true,
            compare: Some(("0af7651916cd43dd".into(), "b7ad6b7169203331".into())),
        };
        let h = format(&st);
        assert_eq!(parse(&h), (st.clone(), vec![]));
        assert_eq!(parse(&format!("#{h}")).0, st);
    }

    #[test]
    fn compared_pair() {
        let (st, problems) = parse("src=demo&cmp=2073d707d3020f13,96236d630a79e49b");
        assert_eq!(
            st.compare,
            Some(("2073d707d3020f13".into(), "96236d630a79e49b".into()))
        );
        assert!(problems.is_empty());
        assert_eq!(
            format(&st),
            "src=demo&cmp=2073d707d3020f13%2C96236d630a79e49b"
        );
        let (st, problems) = parse("cmp=onlyone");
        assert_eq!(st.compare, None);
        assert_eq!(
            problems,
            ["cmp: \"onlyone\" is not two trace ids like a1,b2"]
        );
    }

    #[test]
    fn hostile_and_truncated_hashes_never_fail() {
        for h in [
            "",
            "#",
            "view",
            "view=",
            "view=%",
            "trace=%ZZ",
            "zoom=5-1",
            "zoom=nan-inf",
            "zoom=1-",
            "&&&==",
            "q=%F0%9F",
            "span=a%20b",
        ] {
            let (st, _) = parse(h);
            assert!(st.window.is_none_or(|(a, b)| b > a), "{h}");
        }
        let (st, problems) = parse("view=nope&trace=abc&zoom=oops&extra=1");
        assert_eq!(st.trace.as_deref(), Some("abc"));
        assert_eq!(st.view, None);
        assert_eq!(problems.len(), 2, "{problems:?}");
        let long = format!("q={}", "x".repeat(5000));
        let (st, problems) = parse(&long);
        assert!(st.query.is_none() && problems.len() == 1);
        let (st, problems) = parse("src=ftp:x&url=javascript:alert(1)");
        assert_eq!(st.source, None);
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn sources() {
        for src in [
            Source::Demo,
            Source::Url("https://example.com/t.json?a=1&b=2".into()),
            Source::Data("eJzLSM3JyQcABiwCFQ".into()),
            Source::Backend("tempo:http://tempo:3200".into()),
        ] {
            let st = LinkState {
                source: Some(src.clone()),
                ..LinkState::default()
            };
            assert_eq!(parse(&format(&st)).0.source, Some(src));
        }
        assert_eq!(
            parse("url=https://x/t.json").0.source,
            Some(Source::Url("https://x/t.json".into()))
        );
        let big = format!("src=data:{}", "A".repeat(200_000));
        assert!(parse(&big).0.source.is_none());
    }

    /// A million-character key or value makes a short message.
    #[test]
    fn messages_quote_a_little() {
        let key = "k".repeat(1_000_000);
        let (_, p) = parse(&format!(
            "{key}=x&view={}&{key}={}",
            "v".repeat(1000),
            "z".repeat(5000)
        ));
        assert_eq!(p.len(), 2);
        for m in &p {
            assert!(m.chars().count() <= MAX_MESSAGE + 1, "{} chars", m.len());
        }
        assert!(p[0].starts_with("view: unknown view \"vvv") && p[0].ends_with('…'));
        assert!(p[1].contains("value longer than") && p[1].starts_with("kkk"));
    }
}
