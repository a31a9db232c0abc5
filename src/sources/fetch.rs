//! Fetching from the browser (gloo-net), with what a trace viewer needs on
//! top: progress (bytes received) while the body streams in, cancel, a
//! timeout, and an honest reason when the request fails: a fetch that dies
//! with a TypeError and no response is either CORS (the server answered, the
//! browser hid it) or an unreachable server; a second `no-cors` request tells
//! which.
//!
//! A body is kept as the chunks the browser delivered (JS memory, outside
//! the wasm heap) and counted as it arrives, against a limit the caller
//! gives: a server that sends gigabytes, never ends, or inflates a small
//! gzip body into a huge one is stopped at the limit with a clear message,
//! and what was read is freed with it. Nothing is reserved ahead from a
//! Content-Length the server may not honour. A body that is loaded as a trace
//! goes to the parsing worker as a `File` made of those chunks, never copied
//! into the page's own wasm memory.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Debug)]
pub struct Fetched {
    pub url: String,
    pub status: u16,
    pub content_type: String,
    pub body: Body,
}

/// A fetched body: the chunks as they arrived, in JS memory.
#[derive(Clone, Debug)]
pub struct Body {
    chunks: js_sys::Array,
    len: u64,
}

impl Body {
    fn new() -> Body {
        Body {
            chunks: js_sys::Array::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole body in wasm memory (one allocation of its exact size), for
    /// answers parsed on the page; an error when memory cannot hold it.
    pub fn to_vec(&self) -> Result<Vec<u8>, String> {
        self.head_checked(usize::MAX)
    }

    /// At most the first `n` bytes: enough for an error reply's message or a
    /// quick look, whatever the server sent.
    pub fn head(&self, n: usize) -> Vec<u8> {
        self.head_checked(n).unwrap_or_default()
    }

    fn head_checked(&self, n: usize) -> Result<Vec<u8>, String> {
        let want = (self.len.min(usize::MAX as u64) as usize).min(n);
        let mut out: Vec<u8> = Vec::new();
        out.try_reserve_exact(want).map_err(|_| {
            format!(
                "the browser could not give Strata memory for the answer ({})",
                crate::model::units::format_bytes(want as u64)
            )
        })?;
        for chunk in self.chunks.iter() {
            let arr = js_sys::Uint8Array::new(&chunk);
            let take = (arr.length() as usize).min(want - out.len());
            let start = out.len();
            out.resize(start + take, 0);
            arr.subarray(0, take as u32).copy_to(&mut out[start..]);
            if out.len() == want {
                break;
            }
        }
        Ok(out)
    }

    /// The body as a file for the parsing worker (the chunks are not copied
    /// into the page's wasm memory).
    pub fn to_file(&self, name: &str) -> Option<web_sys::File> {
        web_sys::File::new_with_u8_array_sequence(&self.chunks, name).ok()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FetchError {
    /// The server answered but the browser withheld the answer: CORS.
    Cors,
    /// No answer at all: wrong address, server down, refused connection.
    Unreachable(String),
    Timeout(u32),
    Cancelled,
    /// The answer started but could not be read to the end.
    Read(String),
    /// The answer passed the caller's limit (bytes) and was stopped there.
    TooBig(u64),
    /// The server answered with a redirect the browser would not follow.
    Redirect,
}

impl FetchError {
    /// A sentence for the user; `cors_advice` says how to allow the origin.
    pub fn explain(&self, url: &str, cors_advice: &str) -> String {
        match self {
            FetchError::Cors => format!(
                "The browser blocked the answer from {url}: the server does not allow this page's origin \
                 (CORS: no Access-Control-Allow-Origin header). {cors_advice}"
            ),
            FetchError::Unreachable(detail) => format!(
                "Could not reach {url} ({detail}): check the address and that the server is running \
                 and reachable from this browser."
            ),
            FetchError::Timeout(s) => format!("{url} did not answer within {s} s (cancelled). Try a narrower search or a longer timeout."),
            FetchError::Cancelled => "Cancelled.".to_owned(),
            FetchError::Read(e) => format!("The answer from {url} broke off: {e}"),
            FetchError::Redirect => format!(
                "{url} answered with a redirect the browser will not follow from a page: it leads to an \
                 address that is not http(s) (ftp:, file:, javascript:…), or the redirect itself has no \
                 CORS headers. Open the address it redirects to instead."
            ),
            FetchError::TooBig(limit) => format!(
                "The answer from {url} is larger than {}, the most Strata reads from one file or \
                 answer (a browser tab's WebAssembly memory is 4 GB): it stopped reading there and \
                 kept nothing. Fetch a narrower answer (one trace, a shorter time range, a lower limit).",
                crate::model::units::format_bytes(*limit)
            ),
        }
    }
}

/// Cancels a fetch in flight (a user's Cancel button).
#[derive(Clone)]
pub struct Cancel {
    controller: Option<web_sys::AbortController>,
    cancelled: Rc<Cell<bool>>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel {
            controller: web_sys::AbortController::new().ok(),
            cancelled: Rc::new(Cell::new(false)),
        }
    }

    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(c) = &self.controller {
            c.abort();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.controller.as_ref().map(|c| c.signal())
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel::new()
    }
}

/// GET `url`, reporting bytes received (and the total when known) as the
/// body arrives, and stopping with [`FetchError::TooBig`] once more than
/// `limit` bytes (decoded) have arrived. Any HTTP status is a success here:
/// callers read the body of error replies for the backend's own message.
pub async fn get(
    url: &str,
    timeout_s: u32,
    limit: u64,
    cancel: &Cancel,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<Fetched, FetchError> {
    let timed_out = Rc::new(Cell::new(false));
    let timer = {
        let timed_out = timed_out.clone();
        let cancel = cancel.clone();
        let cb = Closure::once(move || {
            timed_out.set(true);
            if let Some(c) = &cancel.controller {
                c.abort();
            }
        });
        let id = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                cb.as_ref().unchecked_ref(),
                (timeout_s as i32).saturating_mul(1000),
            )
            .ok()
        });
        cb.forget();
        id
    };
    let clear = move || {
        if let (Some(w), Some(id)) = (web_sys::window(), timer) {
            w.clear_timeout_with_handle(id);
        }
    };
    let why = |detail: String| {
        if cancel.is_cancelled() {
            FetchError::Cancelled
        } else if timed_out.get() {
            FetchError::Timeout(timeout_s)
        } else {
            FetchError::Unreachable(detail)
        }
    };
    let signal = cancel.signal();
    let resp = match gloo_net::http::Request::get(url)
        .abort_signal(signal.as_ref())
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => {
            clear();
            let err = why(e.to_string());
            if let FetchError::Unreachable(detail) = &err {
                if redirects(url).await {
                    return Err(FetchError::Redirect);
                }
                if reachable_without_cors(url).await {
                    return Err(FetchError::Cors);
                }
                return Err(FetchError::Unreachable(detail.clone()));
            }
            return Err(err);
        }
    };
    let status = resp.status();
    let headers = resp.headers();
    let content_type = headers.get("content-type").unwrap_or_default();
    let total = headers
        .get("content-length")
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = Body::new();
    progress(0, total);
    if let Some(stream) = resp.body() {
        let reader: web_sys::ReadableStreamDefaultReader = match stream.get_reader().dyn_into() {
            Ok(r) => r,
            Err(_) => {
                clear();
                return Err(FetchError::Read("the body is not a readable stream".into()));
            }
        };
        loop {
            let chunk = match JsFuture::from(reader.read()).await {
                Ok(c) => c,
                Err(e) => {
                    clear();
                    return Err(match why(format!("{e:?}")) {
                        FetchError::Unreachable(d) => FetchError::Read(d),
                        other => other,
                    });
                }
            };
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .map(|d| d.is_truthy())
                .unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
                let arr = js_sys::Uint8Array::new(&value);
                body.len += arr.length() as u64;
                if body.len > limit {
                    clear();
                    let _ = reader.cancel();
                    if let Some(c) = &cancel.controller {
                        c.abort();
                    }
                    return Err(FetchError::TooBig(limit));
                }
                body.chunks.push(&arr);
                progress(body.len, total);
            }
        }
    }
    clear();
    Ok(Fetched {
        url: url.to_owned(),
        status,
        content_type,
        body,
    })
}

/// Whether the server answers `url` with a redirect (asked without following
/// it: the browser reports an opaque redirect, whatever its target).
async fn redirects(url: &str) -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let init = web_sys::RequestInit::new();
    init.set_redirect(web_sys::RequestRedirect::Manual);
    match JsFuture::from(w.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r
            .dyn_into::<web_sys::Response>()
            .is_ok_and(|r| r.type_() == web_sys::ResponseType::Opaqueredirect),
        Err(_) => false,
    }
}

/// Whether the server answers at all, ignoring CORS (an opaque `no-cors`
/// response resolves; an unreachable server rejects).
async fn reachable_without_cors(url: &str) -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    JsFuture::from(w.fetch_with_str_and_init(url, &init))
        .await
        .is_ok()
}
