//! Which servers a link may make this browser fetch from.
//!
//! A link (`#url=…`, `#src=jaeger:…`) is written by someone else, and a
//! fetch it starts is a GET from the user's own network position: one click
//! could make the browser call an intranet host. So a link's fetch goes
//! ahead only from an origin the user has used here before (connected to,
//! opened a URL from, or accepted in the confirmation), and only while the
//! page opens; a later change of the link in the address bar always asks.
//! The page's own origin is trusted. Only `http:` and `https:` are fetched.

use url::Url;

/// Where the accepted origins are remembered (local storage), one per line.
pub const STORAGE_KEY: &str = "strata.trusted-origins";

/// How many accepted origins are remembered (the oldest are forgotten).
const REMEMBERED: usize = 200;

/// The origin (`scheme://host[:port]`) of an http(s) URL; an error that says
/// why for anything else (`javascript:`, `data:`, `file:`, no host...).
pub fn origin(url: &str) -> Result<String, String> {
    let shown = crate::model::units::clip(url, 200);
    let u = Url::parse(url.trim()).map_err(|e| format!("{shown:?} is not a URL ({e})"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?} is a {}: address; Strata fetches only http:// and https:// addresses",
            u.scheme()
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} names no host"));
    }
    Ok(u.origin().ascii_serialization())
}

/// The origins the user accepted, most recent last.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trusted(Vec<String>);

impl Trusted {
    /// Reads what [`Trusted::format`] wrote; anything else is ignored.
    pub fn parse(text: &str) -> Trusted {
        Trusted(
            text.lines()
                .filter_map(|l| origin(l).ok())
                .fold(Vec::new(), |mut all, o| {
                    if !all.contains(&o) {
                        all.push(o);
                    }
                    all
                }),
        )
    }

    pub fn format(&self) -> String {
        self.0.join("\n")
    }

    pub fn contains(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }

    /// Remembers `origin` (moved to the end if it was there already).
    pub fn add(&mut self, origin: &str) {
        self.0.retain(|o| o != origin);
        self.0.push(origin.to_owned());
        if self.0.len() > REMEMBERED {
            self.0.drain(..self.0.len() - REMEMBERED);
        }
    }
}

/// An attribute value that may be shown as a link: a whole http(s) URL with
/// a host (`http.url`, `url.full`), normalised by the URL parser. Anything
/// else (`javascript:`, `data:`, relative paths, text around a URL) stays text.
pub fn http_link(value: &str) -> Option<String> {
    if value.len() > 4096 || value.trim() != value || value.contains(char::is_whitespace) {
        return None;
    }
    let u = Url::parse(value).ok()?;
    (matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| u.to_string())
}

/// Whether a link's fetch of `url` may go ahead without asking: the page is
/// opening (not a later change of the link), and the origin is the page's
/// own or one the user accepted.
pub fn may_fetch(url: &str, opening: bool, page_origin: &str, trusted: &Trusted) -> bool {
    opening && origin(url).is_ok_and(|o| o == page_origin || trusted.contains(&o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_http_urls_only() {
        assert_eq!(
            origin("http://Jaeger.local:16686/api/traces/abc?x=1").unwrap(),
            "http://jaeger.local:16686"
        );
        assert_eq!(
            origin("https://user:pw@tempo.example.com/a").unwrap(),
            "https://tempo.example.com"
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "ftp://x/y",
            "http://",
            "not a url",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
        assert!(origin("javascript:alert(1)")
            .unwrap_err()
            .contains("javascript: address"));
    }

    #[test]
    fn only_whole_http_urls_become_links() {
        assert_eq!(
            http_link("https://shop.example/api/checkout?id=1").as_deref(),
            Some("https://shop.example/api/checkout?id=1")
        );
        for text in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<b>x</b>",
            "/api/checkout",
            "see https://x.example",
            " https://x.example",
            "http://",
            "file:///etc/passwd",
            "vbscript:msgbox(1)",
        ] {
            assert_eq!(http_link(text), None, "{text}");
        }
    }

    #[test]
    fn only_accepted_origins_fetch_and_only_while_opening() {
        let mut t = Trusted::default();
        let page = "http://127.0.0.1:8080";
        let url = "http://10.0.0.5:9411/api/v2/trace/ab";
        assert!(!may_fetch(url, true, page, &t));
        assert!(may_fetch("http://127.0.0.1:8080/t.json", true, page, &t));
        t.add("http://10.0.0.5:9411");
        assert!(may_fetch(url, true, page, &t));
        assert!(
            !may_fetch(url, false, page, &t),
            "a hash change always asks"
        );
        assert!(
            !may_fetch("http://10.0.0.5:9412/x", true, page, &t),
            "the port is part of the origin"
        );
        assert!(!may_fetch("javascript:alert(1)", true, page, &t));
    }

    #[test]
    fn remembered_across_reads_without_duplicates_or_junk() {
        let mut t = Trusted::default();
        t.add("http://a:1");
        t.add("https://b");
        t.add("http://a:1");
        let back = Trusted::parse(&format!("{}\njavascript:alert(1)\n\ngarbage", t.format()));
        assert_eq!(back, t);
        assert_eq!(back.format(), "https://b\nhttp://a:1");
        for i in 0..250 {
            t.add(&format!("http://h{i}"));
        }
        assert_eq!(t.0.len(), REMEMBERED);
        assert!(t.contains("http://h249") && !t.contains("http://a:1"));
    }
}
