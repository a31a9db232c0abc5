//! Actions that fetch: connect to a backend (probing its kind), list its
//! services and operations, search, open a trace by id, open a URL. Each
//! shows progress with a cancel, and on failure says why in the user's terms
//! (CORS with the exact setting to change, unreachable, HTTP errors with the
//! backend's own message, timeouts, non-JSON answers).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, Busy, Origin, Page, Remote, Side};
use crate::sources::backend::{self, Backend, Kind, Listing, Query};
use crate::sources::fetch::{self, Cancel, FetchError, Fetched};

const TIMEOUT_S: u32 = 60;

/// The most read from an answer parsed on the page (service and operation
/// lists, probes, Tempo's search summaries).
const LIST_LIMIT: u64 = 64 << 20;

/// Answers loaded as traces: the same limit as a file.
const TRACE_LIMIT: u64 = crate::sources::worker::MAX_FILE_BYTES;

/// Enough of an answer for its error message or an "empty" check.
const HEAD: usize = 64 << 10;

fn page_origin() -> String {
    Some(super::platform::page_origin())
        .filter(|o| !o.is_empty())
        .unwrap_or_else(|| "this page's origin".into())
}

/// Fetches with the progress bar and cancel button; errors explained.
async fn fetch_ui(
    app: AppState,
    url: &str,
    label: &str,
    backend: Option<&Backend>,
    limit: u64,
) -> Result<Fetched, String> {
    let cancel = Cancel::new();
    app.cancel.set_value(Some(cancel.clone()));
    app.busy.set(Some(Busy {
        label: label.to_owned(),
        received: 0,
        total: None,
    }));
    let progress = |received: u64, total: Option<u64>| {
        app.busy.update(|b| {
            if let Some(b) = b {
                b.received = received;
                b.total = total;
            }
        })
    };
    let r = fetch::get(url, TIMEOUT_S, limit, &cancel, &progress).await;
    app.busy.set(None);
    app.cancel.set_value(None);
    if r.is_ok() {
        // Fetches start from what the user typed or accepted: a link may
        // fetch from here again without asking (see sources::trust).
        super::platform::trust_origin_of(url);
    }
    r.map_err(|e| {
        let advice = match (&e, backend) {
            (FetchError::Cors, Some(b)) => b.cors_advice(&page_origin()),
            (FetchError::Cors, None) => format!(
                "The server must send Access-Control-Allow-Origin: {} (or *) for Strata to read it from the browser.",
                page_origin()
            ),
            _ => String::new(),
        };
        e.explain(url, &advice)
    })
}

pub fn cancel(app: AppState) {
    if let Some(c) = app.cancel.get_value() {
        c.cancel();
    }
}

fn fail(app: AppState, msg: String) {
    app.fetch_error.set(Some(msg));
}

/// Connects to `input` (an address as typed); `kind` forces the backend kind,
/// otherwise the backends' own routes are probed in turn.
pub fn connect(app: AppState, input: String, kind: Option<Kind>) {
    app.fetch_error.set(None);
    let base = match backend::normalize_base(&input) {
        Ok(b) => b,
        Err(e) => return fail(app, e),
    };
    spawn_local(async move {
        let found = match kind {
            Some(k) => Some(Backend::new(k, &base)),
            None => {
                let mut found = None;
                let mut last_error = None;
                for (k, url) in backend::probes(&base) {
                    match fetch_ui(
                        app,
                        &url,
                        &format!("Probing {} at {base}", k.label()),
                        Some(&Backend::new(k, &base)),
                        LIST_LIMIT,
                    )
                    .await
                    {
                        Ok(f) if backend::recognise(k, f.status, &f.body.head(HEAD)) => {
                            found = Some(Backend::new(k, &base));
                            break;
                        }
                        Ok(_) => {}
                        // CORS or an unreachable server fails every probe alike.
                        Err(e) => {
                            last_error = Some(e);
                            break;
                        }
                    }
                }
                if found.is_none() {
                    fail(
                        app,
                        last_error.unwrap_or_else(|| {
                            format!(
                                "{base} does not answer like Jaeger (/api/v3/services, /api/services), Zipkin (/api/v2/services) \
                                 or Tempo (/api/search/tags). Check the address (include a base path such as /jaeger if the UI has one), \
                                 or choose the kind by hand."
                            )
                        }),
                    );
                }
                found
            }
        };
        if let Some(b) = found {
            // Connected only once the backend answers its service list.
            if load_services(app, b.clone()).await {
                app.backend.set(Some(b));
                app.side.set(Side::Search);
            } else {
                app.backend.set(None);
            }
        }
    });
}

async fn load_services(app: AppState, b: Backend) -> bool {
    match fetch_ui(
        app,
        &b.services_url(),
        "Listing services",
        Some(&b),
        LIST_LIMIT,
    )
    .await
    {
        Ok(f) if f.status == 200 => match f.body.to_vec().and_then(|v| b.parse_services(&v)) {
            Ok(s) => {
                app.services.set(s);
                app.operations.set(Vec::new());
                true
            }
            Err(e) => {
                fail(
                    app,
                    format!(
                        "{} answered the service list in an unexpected shape: {e}",
                        b.kind.label()
                    ),
                );
                false
            }
        },
        Ok(f) => {
            fail(app, b.error_text(f.status, &f.body.head(HEAD)));
            false
        }
        Err(e) => {
            fail(app, e);
            false
        }
    }
}

pub fn load_operations(app: AppState, service: String) {
    let Some(b) = app.backend.get_untracked() else {
        return;
    };
    app.operations.set(Vec::new());
    if service.is_empty() {
        return;
    }
    spawn_local(async move {
        match fetch_ui(
            app,
            &b.operations_url(&service),
            "Listing operations",
            Some(&b),
            LIST_LIMIT,
        )
        .await
        {
            Ok(f) if f.status == 200 => {
                if let Ok(ops) = f.body.to_vec().and_then(|v| b.parse_operations(&v)) {
                    app.operations.set(ops);
                }
            }
            // Operations are a convenience: a failure leaves the field free-text.
            _ => {}
        }
    });
}

/// Runs a search; whole traces are loaded, Tempo summaries listed.
pub fn search(app: AppState, q: Query) {
    app.fetch_error.set(None);
    let Some(b) = app.backend.get_untracked() else {
        return fail(app, "Connect to a backend first.".into());
    };
    let url = match b.search_url(&q) {
        Ok(u) => u,
        Err(e) => return fail(app, e),
    };
    spawn_local(async move {
        let f = match fetch_ui(app, &url, "Searching", Some(&b), TRACE_LIMIT).await {
            Ok(f) => f,
            Err(e) => return fail(app, e),
        };
        let head = f.body.head(HEAD);
        if b.is_empty_search(f.status, &head) {
            app.remote.set(Vec::new());
            return fail(
                app,
                "No traces match this search: widen the time range or remove filters.".into(),
            );
        }
        if f.status != 200 {
            return fail(app, b.error_text(f.status, &head));
        }
        let listing = match b.kind {
            // Summaries are parsed here; whole traces go to the loader as they are.
            Kind::Tempo => f.body.to_vec().and_then(|v| b.parse_search(&v)),
            _ => Ok(Listing::Traces),
        };
        match listing {
            Ok(Listing::Traces) => {
                let name = search_name(&b, &q);
                let what = name.clone();
                app.load_fetched_then(&name, &f.body, Origin::Search(b.clone()), move |file| {
                    if file.is_some() {
                        app.show(Page::Traces);
                    } else {
                        fail(
                            app,
                            format!(
                                "The search answer could not be read: see \"{what}\" in Sources."
                            ),
                        );
                    }
                });
            }
            Ok(Listing::Summaries(list)) => {
                if list.is_empty() {
                    fail(
                        app,
                        "No traces match this search: widen the time range or remove filters."
                            .into(),
                    );
                }
                app.remote.set(
                    list.into_iter()
                        .map(|summary| Remote {
                            backend: b.clone(),
                            summary,
                        })
                        .collect(),
                );
                app.show(Page::Traces);
            }
            Err(e) => fail(
                app,
                format!(
                    "{} answered the search in an unexpected shape: {e}",
                    b.kind.label()
                ),
            ),
        }
    });
}

fn search_name(b: &Backend, q: &Query) -> String {
    let mut parts = vec![format!("{} search", b.kind.label())];
    if !q.service.is_empty() {
        parts.push(q.service.clone());
    }
    if !q.operation.is_empty() {
        parts.push(q.operation.clone());
    }
    if !q.tags.trim().is_empty() {
        parts.push(q.tags.trim().to_owned());
    }
    parts.join(" · ")
}

/// Fetches one trace by id from `b` and opens it; `then` runs once it is open.
pub fn open_remote(app: AppState, b: Backend, trace_id: String, then: Option<Box<dyn FnOnce()>>) {
    app.fetch_error.set(None);
    spawn_local(async move {
        let mut last = None;
        for url in b.trace_urls(&trace_id) {
            let label = format!("Fetching trace {trace_id}");
            match fetch_ui(app, &url, &label, Some(&b), TRACE_LIMIT).await {
                Ok(f) if b.is_missing_trace(f.status, &f.body.head(HEAD)) => {
                    last = Some(format!("{} has no trace {trace_id} (it may have expired from storage, or lives in another backend)", b.kind.label()));
                }
                Ok(f) if f.status == 200 => {
                    let name = format!("{} trace {trace_id}", b.kind.label());
                    app.load_fetched_then(
                        &name,
                        &f.body,
                        Origin::Backend(b.clone()),
                        after_load(then),
                    );
                    return;
                }
                // Tempo: v2 first, then v1.
                Ok(f) => last = Some(b.error_text(f.status, &f.body.head(HEAD))),
                Err(e) => return fail(app, e),
            }
        }
        fail(
            app,
            last.unwrap_or_else(|| format!("trace {trace_id} not found")),
        );
    });
}

/// Runs `then` once the fetched trace is loaded (not when loading it failed:
/// the error is in Sources).
fn after_load(then: Option<Box<dyn FnOnce()>>) -> impl FnOnce(Option<u32>) {
    move |file| {
        if let (Some(_), Some(then)) = (file, then) {
            then();
        }
    }
}

/// Fetches any URL that returns trace JSON and loads it.
pub fn open_url(app: AppState, url: String, then: Option<Box<dyn FnOnce()>>) {
    app.fetch_error.set(None);
    let url = url.trim().to_owned();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return fail(app, format!("{url:?} is not an http(s) URL"));
    }
    spawn_local(async move {
        match fetch_ui(app, &url, &format!("Fetching {url}"), None, TRACE_LIMIT).await {
            Ok(f) if f.status == 200 => {
                let name = url
                    .rsplit('/')
                    .next()
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&url)
                    .to_owned();
                app.load_fetched_then(&name, &f.body, Origin::Url(url.clone()), after_load(then));
            }
            Ok(f) => fail(
                app,
                format!(
                    "{url} answered {} {}",
                    f.status,
                    crate::model::units::clip(&String::from_utf8_lossy(&f.body.head(HEAD)), 200)
                ),
            ),
            Err(e) => fail(app, e),
        }
    });
}
