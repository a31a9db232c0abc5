//! Fetching from the browser (gloo-net), with what a trace viewer needs on
//! top: progress (bytes received) while the body streams in, cancel, a
//! timeout, and an honest reason when the request fails: a fetch that dies
//! with a TypeError and no response is either CORS (the server answered, the
//! browser hid it) or an unreachable server; a second `no-cors` request tells
//! which.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    pub url: String,
    pub status: u16,
    pub content_type: String,
    pub bytes: Vec<u8>,
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
/// body arrives. Any HTTP status is a success here: callers read the body of
/// error replies for the backend's own message.
pub async fn get(
    url: &str,
    timeout_s: u32,
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
    let mut bytes: Vec<u8> = Vec::with_capacity(total.unwrap_or(0).min(1 << 30) as usize);
    progress(0, total);
    if let Some(body) = resp.body() {
        let reader: web_sys::ReadableStreamDefaultReader = match body.get_reader().dyn_into() {
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
                let start = bytes.len();
                bytes.resize(start + arr.length() as usize, 0);
                arr.copy_to(&mut bytes[start..]);
                progress(bytes.len() as u64, total);
            }
        }
    }
    clear();
    Ok(Fetched {
        url: url.to_owned(),
        status,
        content_type,
        bytes,
    })
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
