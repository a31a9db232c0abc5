//! The main thread's side: one worker, a queue of jobs, events for the app.
//! The app appends each parsed snapshot with `Store::append_snapshot`.
//! See the protocol in `super`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::import::ImportError;
use crate::model::units::format_bytes;

/// The worker's loader script (copied by Trunk next to `worker.js` and
/// `worker_bg.wasm`, whose names carry no hash): the version query keeps a
/// browser from pairing a new app with an old cached worker.
const WORKER_URL: &str = concat!("./worker_loader.js?v=", env!("CARGO_PKG_VERSION"));

/// Times the worker's warm-up snapshot is decoded (see `Loader::warm_up`).
const WARM_UP_ROUNDS: usize = 4;

pub enum Input {
    File(web_sys::File),
    Bytes(Vec<u8>),
}

pub struct Job {
    pub id: u32,
    pub name: String,
    pub input: Input,
}

impl Job {
    fn size(&self) -> u64 {
        match &self.input {
            Input::File(f) => f.size() as u64,
            Input::Bytes(b) => b.len() as u64,
        }
    }
}

/// Where the time of a load went, in ms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// File -> bytes in the worker's memory.
    pub read: f64,
    /// Bytes -> store (import, trees, summaries), in the worker.
    pub parse: f64,
    /// When the worker finished parsing (absolute ms, see [`absolute_now`]):
    /// the app measures the hand-over (encode, transfer, decode, append) from here.
    pub parsed_at: f64,
}

pub enum Event {
    Progress {
        id: u32,
        read: u64,
        total: u64,
        spans: u64,
    },
    /// Parsed: `snapshot` is the store to append (`Store::append_snapshot`).
    Done {
        id: u32,
        snapshot: Vec<u8>,
        timings: Timings,
    },
    Failed {
        id: u32,
        error: ImportError,
    },
    /// No worker could be started: the app loads this job itself.
    NoWorker(Job),
}

struct Inner {
    worker: Option<Worker>,
    ready: bool,
    /// The main thread's side of the hand-over has been warmed up.
    warmed: bool,
    /// The worker could not start; jobs go back to the app.
    broken: bool,
    queue: VecDeque<Job>,
    /// The job the worker is on: (id, name, bytes).
    current: Option<(u32, String, u64)>,
    on_event: Rc<dyn Fn(Event)>,
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// The app's handle on the parsing worker.
#[derive(Clone)]
pub struct Loader(Rc<RefCell<Inner>>);

impl Loader {
    /// Starts the worker at once (it warms up while the user looks around).
    pub fn new(on_event: impl Fn(Event) + 'static) -> Loader {
        let l = Loader(Rc::new(RefCell::new(Inner {
            worker: None,
            ready: false,
            warmed: false,
            broken: false,
            queue: VecDeque::new(),
            current: None,
            on_event: Rc::new(on_event),
            handlers: Vec::new(),
        })));
        l.spawn();
        l
    }

    fn spawn(&self) {
        let worker = match Worker::new(WORKER_URL) {
            Ok(w) => w,
            Err(_) => {
                self.0.borrow_mut().broken = true;
                return;
            }
        };
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(JsValue)>::new({
            let weak = weak.clone();
            move |e: JsValue| {
                if let Some(inner) = weak.upgrade() {
                    Loader(inner).on_message(e.unchecked_into());
                }
            }
        });
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if let Some(inner) = weak.upgrade() {
                Loader(inner).on_crash(&e);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut inner = self.0.borrow_mut();
        inner.handlers = vec![on_message, on_error];
        inner.worker = Some(worker);
        inner.ready = false;
    }

    fn respawn(&self) {
        if let Some(w) = self.0.borrow_mut().worker.take() {
            w.terminate();
        }
        self.spawn();
    }

    /// Queues a job; events about it arrive through the callback.
    pub fn submit(&self, job: Job) {
        self.0.borrow_mut().queue.push_back(job);
        self.pump();
    }

    /// Stops job `id` (running or queued). Returns whether there was one.
    pub fn cancel(&self, id: u32) -> bool {
        let running = self.0.borrow().current.as_ref().map(|c| c.0) == Some(id);
        if running {
            self.0.borrow_mut().current = None;
            self.respawn();
            self.pump();
            return true;
        }
        let mut inner = self.0.borrow_mut();
        let before = inner.queue.len();
        inner.queue.retain(|j| j.id != id);
        before != inner.queue.len()
    }

    fn emit(&self, e: Event) {
        let f = self.0.borrow().on_event.clone();
        f(e);
    }

    /// Sends the next job if the worker is free (or hands it back if there
    /// is no worker).
    fn pump(&self) {
        loop {
            let (job, broken) = {
                let mut inner = self.0.borrow_mut();
                if inner.broken {
                    (inner.queue.pop_front(), true)
                } else if inner.ready && inner.current.is_none() {
                    (inner.queue.pop_front(), false)
                } else {
                    return;
                }
            };
            let Some(job) = job else { return };
            if broken {
                self.emit(Event::NoWorker(job));
                continue;
            }
            self.send(job);
            return;
        }
    }

    fn send(&self, job: Job) {
        let msg = Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &job.id.into());
        let _ = Reflect::set(&msg, &"name".into(), &job.name.as_str().into());
        let size = job.size();
        let transfer = Array::new();
        match &job.input {
            Input::File(f) => {
                let _ = Reflect::set(&msg, &"file".into(), f);
            }
            Input::Bytes(b) => {
                let arr = Uint8Array::new_with_length(b.len() as u32);
                arr.copy_from(b);
                let _ = Reflect::set(&msg, &"bytes".into(), &arr.buffer());
                transfer.push(&arr.buffer());
            }
        }
        let mut inner = self.0.borrow_mut();
        let Some(worker) = inner.worker.clone() else {
            return;
        };
        if worker.post_message_with_transfer(&msg, &transfer).is_err() {
            inner.queue.push_front(job);
            inner.broken = true;
            drop(inner);
            self.pump();
            return;
        }
        inner.current = Some((job.id, job.name, size));
    }

    fn on_message(&self, e: MessageEvent) {
        let data = e.data();
        let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let num = |k: &str| get(k).as_f64().unwrap_or(0.0);
        let id = num("id") as u32;
        let kind = get("type").as_string().unwrap_or_default();
        let current = self.0.borrow().current.clone();
        let is_current = current.as_ref().map(|c| c.0) == Some(id);
        match kind.as_str() {
            "ready" => {
                self.0.borrow_mut().ready = true;
                self.pump();
                self.warm_up(&get("warm"));
            }
            "progress" if is_current => self.emit(Event::Progress {
                id,
                read: num("read") as u64,
                total: num("total") as u64,
                spans: num("spans") as u64,
            }),
            "done" if is_current => {
                let t: Vec<f64> = Array::from(&get("times"))
                    .iter()
                    .map(|x| x.as_f64().unwrap_or(0.0))
                    .collect();
                let snapshot = Uint8Array::new(&get("snapshot")).to_vec();
                let size = current.map(|c| c.2).unwrap_or_default();
                self.finish(size);
                let timings = match t.as_slice() {
                    &[t0, t1, t2, t3] => {
                        measure("strata:read", t0, t1);
                        measure("strata:parse", t1, t2);
                        // Part of strata:merge: the worker's encoding.
                        measure("strata:encode", t2, t3);
                        Timings {
                            read: t1 - t0,
                            parse: t2 - t1,
                            parsed_at: t2,
                        }
                    }
                    _ => Timings::default(),
                };
                self.emit(Event::Done {
                    id,
                    snapshot,
                    timings,
                });
                self.pump();
            }
            "error" if is_current => {
                let (name, size) = current.map(|c| (c.1, c.2)).unwrap_or_default();
                let error = get("error")
                    .as_string()
                    .and_then(|s| serde_json::from_str::<ImportError>(&s).ok())
                    .unwrap_or_else(|| ImportError::new(&name, "the worker failed to load it"));
                self.finish(size);
                self.emit(Event::Failed { id, error });
                self.pump();
            }
            _ => {}
        }
    }

    /// Decodes the worker's warm-up snapshot (the demo) into a scratch store
    /// a few times, once per page: V8 optimises wasm functions only after they
    /// have run for a while, and the first big hand-over would otherwise
    /// decode and append at baseline speed.
    fn warm_up(&self, snapshot: &JsValue) {
        if std::mem::replace(&mut self.0.borrow_mut().warmed, true) {
            return;
        }
        let Some(buf) = snapshot.dyn_ref::<js_sys::ArrayBuffer>() else {
            return;
        };
        let bytes = Uint8Array::new(buf).to_vec();
        for _ in 0..WARM_UP_ROUNDS {
            let _ = crate::model::Store::default().append_snapshot(&bytes);
        }
    }

    /// The job is over: a worker that held a big file is replaced, to give
    /// its memory back.
    fn finish(&self, size: u64) {
        self.0.borrow_mut().current = None;
        if size >= super::RECYCLE_AFTER_BYTES {
            self.respawn();
        }
    }

    /// The worker died (out of memory, or its script failed to load).
    fn on_crash(&self, e: &JsValue) {
        let detail = Reflect::get(e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        let (current, ready) = {
            let mut inner = self.0.borrow_mut();
            (inner.current.take(), inner.ready)
        };
        match current {
            Some((id, name, size)) => {
                self.respawn();
                let msg = format!(
                    "the parser stopped while loading this {} file ({}), most likely out of \
                     memory; traces loaded before are kept. Close other tabs or load a smaller file",
                    format_bytes(size),
                    if detail.is_empty() { "no detail" } else { &detail },
                );
                self.emit(Event::Failed {
                    id,
                    error: ImportError::new(&name, msg),
                });
            }
            None if !ready => {
                // It never started: no worker here (e.g. its files are missing).
                if let Some(w) = self.0.borrow_mut().worker.take() {
                    w.terminate();
                }
                self.0.borrow_mut().broken = true;
            }
            None => self.respawn(),
        }
        self.pump();
    }
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|w| w.performance())
}

/// `timeOrigin + now()`: comparable with the worker's clock.
pub fn absolute_now() -> f64 {
    performance()
        .map(|p| p.time_origin() + p.now())
        .unwrap_or(0.0)
}

/// A `performance.measure` between two absolute times (for benchmarks).
pub fn measure(name: &str, start: f64, end: f64) {
    let Some(p) = performance() else { return };
    let origin = p.time_origin();
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"start".into(), &(start - origin).into());
    let _ = Reflect::set(&opts, &"end".into(), &(end - origin).into());
    if let Ok(f) = Reflect::get(&p, &"measure".into()) {
        let _ = f
            .unchecked_into::<js_sys::Function>()
            .call2(&p, &name.into(), &opts);
    }
}
