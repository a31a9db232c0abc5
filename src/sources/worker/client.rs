//! The main thread's side: one worker, a queue of jobs, events for the app.
//! The app appends each parsed snapshot with `Store::append_snapshot`.
//! See the protocol in `super`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::import::{parts, ImportError};
use crate::model::units::format_bytes;

/// The worker's loader script (copied by Trunk next to `worker.js` and
/// `worker_bg.wasm`, whose names carry no hash): the version query keeps a
/// browser from pairing a new app with an old cached worker.
const WORKER_URL: &str = concat!("./worker_loader.js?v=", env!("CARGO_PKG_VERSION"));

/// Times the worker's warm-up snapshot is decoded (see `Loader::warm_up`).
const WARM_UP_ROUNDS: usize = 4;

/// The page's memory for a parsed file, as a share of the file's size (the
/// store takes ~0.6x; the snapshots pass through on their way in), and at
/// most this much of it touched ahead (see [`Loader::touch_memory`]).
const STORE_PER_FILE_BYTE: f64 = 0.7;
const TOUCH_AT_MOST: usize = 512 << 20;

/// Memory touched per step while the workers parse (a few ms of the page's
/// time each; the page paints between steps).
const TOUCH_STEP: usize = 4 << 20;

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

    /// Parsed in parts by every worker (see `super::SPLIT_FROM_BYTES`).
    fn splits(&self) -> bool {
        matches!(self.input, Input::File(_))
            && (super::SPLIT_FROM_BYTES..=super::SPLIT_UP_TO_BYTES).contains(&self.size())
    }
}

/// Where the time of a load went, in ms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// File -> bytes in the worker's memory.
    pub read: f64,
    /// Bytes -> store (import, trees, summaries), in the workers.
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
    /// Parsed: `parts` are the snapshots of the file's parts, in order (one
    /// when it was parsed whole), for `import::parts::append`, as the workers
    /// sent them: copied into wasm memory one at a time while appending.
    Done {
        id: u32,
        parts: Vec<Uint8Array>,
        timings: Timings,
    },
    Failed {
        id: u32,
        error: ImportError,
    },
    /// No worker could be started: the app loads this job itself.
    NoWorker(Job),
}

/// One worker of the pool.
#[derive(Default)]
struct Slot {
    worker: Option<Worker>,
    ready: bool,
    /// It failed to start: not used again (slot 0: no workers at all).
    dead: bool,
    handlers: Vec<Closure<dyn FnMut(JsValue)>>,
    /// What the worker said when it panicked (it stops right after).
    panic: Option<String>,
}

/// What one worker made of its part of the running job.
enum Outcome {
    Parsed {
        snapshot: Uint8Array,
        times: [f64; 4],
    },
    Failed(ImportError),
}

/// One part of the running job (part `k` runs on slot `k`).
#[derive(Default)]
struct PartState {
    read: u64,
    spans: u64,
    /// None while its worker is on it.
    outcome: Option<Outcome>,
}

/// The job the workers are on.
struct Running {
    id: u32,
    name: String,
    size: u64,
    parts: Vec<PartState>,
    /// Memory touched ahead of its hand-over ([`Loader::touch_memory`]):
    /// None until the file is read; freed with the job, just before the
    /// hand-over.
    touched: Option<Vec<u8>>,
}

struct Inner {
    slots: Vec<Slot>,
    /// The main thread's side of the hand-over has been warmed up.
    warmed: bool,
    /// The next job's workers panic (the end-to-end tests' trigger).
    panic_next: bool,
    queue: VecDeque<Job>,
    current: Option<Running>,
    on_event: Rc<dyn Fn(Event)>,
}

impl Inner {
    /// No worker at all could start: jobs go back to the app.
    fn broken(&self) -> bool {
        self.slots[0].dead
    }

    /// Whether the next job can go now: the first worker is ready, and for a
    /// file parsed in parts every worker that is alive is (one still warming
    /// up is ready within a second; parsing without it would take twice as
    /// long).
    fn front_can_start(&self) -> bool {
        let all = self.queue.front().is_some_and(Job::splits);
        let waiting = |s: &Slot| !s.dead && !s.ready;
        self.slots[0].ready && !(all && self.slots.iter().any(waiting))
    }
}

/// The app's handle on the parsing workers.
#[derive(Clone)]
pub struct Loader(Rc<RefCell<Inner>>);

impl Loader {
    /// Starts the workers at once (they warm up while the user looks around).
    pub fn new(on_event: impl Fn(Event) + 'static) -> Loader {
        let l = Loader(Rc::new(RefCell::new(Inner {
            slots: (0..super::WORKERS).map(|_| Slot::default()).collect(),
            warmed: false,
            panic_next: false,
            queue: VecDeque::new(),
            current: None,
            on_event: Rc::new(on_event),
        })));
        for k in 0..super::WORKERS {
            l.spawn(k);
        }
        l
    }

    fn spawn(&self, k: usize) {
        let worker = match Worker::new(WORKER_URL) {
            Ok(w) => w,
            Err(_) => {
                self.0.borrow_mut().slots[k].dead = true;
                return;
            }
        };
        let weak = Rc::downgrade(&self.0);
        let on_message = Closure::<dyn FnMut(JsValue)>::new({
            let weak = weak.clone();
            move |e: JsValue| {
                if let Some(inner) = weak.upgrade() {
                    Loader(inner).on_message(k, e.unchecked_into());
                }
            }
        });
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if let Some(inner) = weak.upgrade() {
                Loader(inner).on_crash(k, &e);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut inner = self.0.borrow_mut();
        let slot = &mut inner.slots[k];
        slot.handlers = vec![on_message, on_error];
        slot.worker = Some(worker);
        slot.ready = false;
    }

    fn respawn(&self, k: usize) {
        self.retire(k);
        self.spawn(k);
    }

    /// Stops worker `k` and gives its memory back; [`prepare`](Self::prepare)
    /// starts a fresh one.
    fn retire(&self, k: usize) {
        let mut inner = self.0.borrow_mut();
        let slot = &mut inner.slots[k];
        if let Some(w) = slot.worker.take() {
            w.terminate();
        }
        slot.ready = false;
        slot.handlers.clear();
    }

    /// Starts a fresh worker in every slot that has none (stopped after a big
    /// load). The app also calls this when a file is on its way (dragged over
    /// the page, the file picker opened), so that the workers compile and
    /// warm up while the user picks the file, not after.
    pub fn prepare(&self) {
        let idle: Vec<usize> = {
            let inner = self.0.borrow();
            (0..inner.slots.len())
                .filter(|&k| inner.slots[k].worker.is_none() && !inner.slots[k].dead)
                .collect()
        };
        for k in idle {
            self.spawn(k);
        }
    }

    /// Queues a job; events about it arrive through the callback.
    pub fn submit(&self, job: Job) {
        self.0.borrow_mut().queue.push_back(job);
        self.prepare();
        self.pump();
    }

    /// Stops job `id` (running or queued). Returns whether there was one.
    pub fn cancel(&self, id: u32) -> bool {
        let running = self.0.borrow().current.as_ref().map(|c| c.id) == Some(id);
        if running {
            self.end_job(true);
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

    /// Sends the next job if the workers are free (or hands it back if there
    /// are none).
    fn pump(&self) {
        loop {
            let (job, broken) = {
                let mut inner = self.0.borrow_mut();
                if inner.broken() {
                    (inner.queue.pop_front(), true)
                } else if inner.current.is_none() && inner.front_can_start() {
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

    /// How many parts `job` is parsed in: a file big enough to gain from it
    /// (and small enough that two copies of it fit in memory) goes to every
    /// worker, anything else to the first.
    fn parts_for(&self, job: &Job) -> usize {
        if !job.splits() {
            return 1;
        }
        let inner = self.0.borrow();
        inner.slots.iter().take_while(|s| s.ready).count().max(1)
    }

    fn send(&self, job: Job) {
        // The workers read a share of the file each and pass it on to the
        // others: every byte is read once.
        let (count, peers) = match peer_ports(self.parts_for(&job)) {
            Some(peers) => (peers.len(), peers),
            None => (1, vec![Array::new()]),
        };
        self.0.borrow_mut().current = Some(Running {
            id: job.id,
            name: job.name.clone(),
            size: job.size(),
            parts: (0..count).map(|_| PartState::default()).collect(),
            touched: None,
        });
        for (k, ports) in peers.iter().enumerate() {
            let msg = Object::new();
            let _ = Reflect::set(&msg, &"id".into(), &job.id.into());
            let _ = Reflect::set(&msg, &"name".into(), &job.name.as_str().into());
            let _ = Reflect::set(&msg, &"part".into(), &(k as u32).into());
            let _ = Reflect::set(&msg, &"parts".into(), &(count as u32).into());
            if self.0.borrow().panic_next {
                let _ = Reflect::set(&msg, &"panicForTest".into(), &true.into());
            }
            let transfer = Array::new();
            match &job.input {
                Input::File(f) => {
                    let _ = Reflect::set(&msg, &"file".into(), f);
                    let _ = Reflect::set(&msg, &"peers".into(), ports);
                    ports.iter().for_each(|p| {
                        transfer.push(&p);
                    });
                }
                Input::Bytes(b) => {
                    let arr = Uint8Array::new_with_length(b.len() as u32);
                    arr.copy_from(b);
                    let _ = Reflect::set(&msg, &"bytes".into(), &arr.buffer());
                    transfer.push(&arr.buffer());
                }
            }
            let worker = self.0.borrow().slots[k].worker.clone();
            let sent =
                worker.is_some_and(|w| w.post_message_with_transfer(&msg, &transfer).is_ok());
            if !sent {
                return self.resend_without(k, job);
            }
        }
        self.0.borrow_mut().panic_next = false;
    }

    /// Writes to the memory the page will need for job `id`'s hand-over
    /// while the workers parse a file of `file_bytes`, a step per timer task
    /// (the page keeps painting). Memory a wasm page has never written costs
    /// a page fault on first write, ~1 ms per MB on the 2-core VM of the
    /// benchmarks: the hand-over would pay it while decoding the parts
    /// (strata:merge at 100k spans: ~240 -> ~150 ms). Freed just before the
    /// hand-over ([`end_job`](Self::end_job)), this memory is where the
    /// snapshots and the store's new columns land. The faults cost the same
    /// CPU time earlier: on 2 cores the workers' parse slows by about as much
    /// (the load as a whole took as long in interleaved runs); with a core
    /// to spare it is a net gain. A wasm memory never shrinks: after a failed
    /// load the page keeps the room (reused by the next one).
    fn touch_memory(&self, id: u32, file_bytes: u64) {
        let mut room = Vec::new();
        if file_bytes >= super::SPLIT_FROM_BYTES {
            let want = ((file_bytes as f64 * STORE_PER_FILE_BYTE) as usize).min(TOUCH_AT_MOST);
            // Without the room, nothing is touched.
            let _ = room.try_reserve_exact(want);
        }
        if let Some(c) = self.0.borrow_mut().current.as_mut().filter(|c| c.id == id) {
            c.touched = Some(room);
        }
        self.touch_step(id);
    }

    /// Touches the next [`TOUCH_STEP`] bytes of job `id`'s room, then
    /// schedules the next step (none once the room is full or the job over).
    fn touch_step(&self, id: u32) {
        {
            let mut inner = self.0.borrow_mut();
            let Some(room) = inner
                .current
                .as_mut()
                .filter(|c| c.id == id)
                .and_then(|c| c.touched.as_mut())
            else {
                return;
            };
            let end = (room.len() + TOUCH_STEP).min(room.capacity());
            if end == room.len() {
                return;
            }
            room.resize(end, 1);
            std::hint::black_box(room.as_mut_ptr());
        }
        let this = self.clone();
        let next = Closure::once_into_js(move || this.touch_step(id));
        if let Some(w) = web_sys::window() {
            let _ =
                w.set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
        }
    }

    /// Worker `k` is unusable: `job` goes again, to the others (or, without
    /// any, to the app).
    fn resend_without(&self, k: usize, job: Job) {
        self.0.borrow_mut().slots[k].dead = true;
        self.end_job(true);
        self.0.borrow_mut().queue.push_front(job);
        self.pump();
    }

    fn on_message(&self, slot: usize, e: MessageEvent) {
        let data = e.data();
        let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let num = |k: &str| get(k).as_f64().unwrap_or(0.0);
        let id = num("id") as u32;
        let part = num("part") as usize;
        let kind = get("type").as_string().unwrap_or_default();
        if kind == "panic" {
            self.0.borrow_mut().slots[slot].panic = get("text").as_string();
            return;
        }
        if kind == "ready" {
            self.0.borrow_mut().slots[slot].ready = true;
            self.pump();
            if slot == 0 {
                self.warm_up(&get("warm"));
            }
            return;
        }
        // Part `k` runs on slot `k`; anything else is about a stopped job.
        let current = {
            let inner = self.0.borrow();
            inner
                .current
                .as_ref()
                .filter(|c| c.id == id && part == slot && part < c.parts.len())
                .map(|c| c.name.clone())
        };
        let Some(name) = current else { return };
        match kind.as_str() {
            "progress" => {
                let total = num("total") as u64;
                let (read, spans, touch) = {
                    let mut inner = self.0.borrow_mut();
                    let Some(c) = inner.current.as_mut() else {
                        return;
                    };
                    c.parts[part].read = num("read") as u64;
                    c.parts[part].spans = num("spans") as u64;
                    // Every part gathers the whole file.
                    let read = c.parts.iter().map(|p| p.read).sum::<u64>() / c.parts.len() as u64;
                    // Once the file is read: while it is read, the page's
                    // work would take a core from the reading.
                    let touch = read >= total && c.touched.is_none();
                    (read, c.parts.iter().map(|p| p.spans).sum(), touch)
                };
                if touch {
                    self.touch_memory(id, total);
                }
                self.emit(Event::Progress {
                    id,
                    read,
                    total,
                    spans,
                });
            }
            "done" => {
                let t: Vec<f64> = Array::from(&get("times"))
                    .iter()
                    .map(|x| x.as_f64().unwrap_or(0.0))
                    .collect();
                let times = match t.as_slice() {
                    &[a, b, c, d] => [a, b, c, d],
                    _ => [0.0; 4],
                };
                let snapshot = Uint8Array::new(&get("snapshot"));
                self.outcome(part, Outcome::Parsed { snapshot, times });
            }
            "error" => {
                let error = get("error")
                    .as_string()
                    .and_then(|s| serde_json::from_str::<ImportError>(&s).ok())
                    .unwrap_or_else(|| ImportError::new(&name, "the worker failed to load it"));
                self.outcome(part, Outcome::Failed(error));
            }
            _ => {}
        }
    }

    /// Records a part's outcome and, once every part has one, ends the job:
    /// with the error found first in the file if any part failed
    /// ([`parts::first_error`]; a later part may hold it), else with the
    /// parts' snapshots.
    fn outcome(&self, part: usize, outcome: Outcome) {
        let result = {
            let mut inner = self.0.borrow_mut();
            let Some(c) = inner.current.as_mut() else {
                return;
            };
            c.parts[part].outcome = Some(outcome);
            if c.parts.iter().any(|p| p.outcome.is_none()) {
                return;
            }
            let failed = parts::first_error(c.parts.iter().filter_map(|p| match &p.outcome {
                Some(Outcome::Failed(e)) => Some(e.clone()),
                _ => None,
            }));
            if let Some(e) = failed {
                Err(e)
            } else {
                let mut snapshots = Vec::new();
                let mut t = [f64::MAX, 0.0, 0.0, 0.0];
                for p in c.parts.iter() {
                    if let Some(Outcome::Parsed { snapshot, times }) = &p.outcome {
                        // Each worker's own parse of its part.
                        measure("strata:parse-part", times[1], times[2]);
                        snapshots.push(snapshot.clone());
                        t[0] = t[0].min(times[0]);
                        for k in 1..4 {
                            t[k] = t[k].max(times[k]);
                        }
                    }
                }
                Ok((snapshots, t))
            }
        };
        let id = self.0.borrow().current.as_ref().map_or(0, |c| c.id);
        self.end_job(false);
        match result {
            Err(error) => self.emit(Event::Failed { id, error }),
            Ok((parts, [t0, t1, t2, t3])) => {
                // Read: until every part had the whole file; parse: until
                // the last part was parsed; encode: until it was sent.
                measure("strata:read", t0, t1);
                measure("strata:parse", t1, t2);
                // Part of strata:merge: the workers' encoding.
                measure("strata:encode", t2, t3);
                let timings = Timings {
                    read: t1 - t0,
                    parse: t2 - t1,
                    parsed_at: t2,
                };
                self.emit(Event::Done { id, parts, timings });
            }
        }
        self.pump();
    }

    /// The running job is over (or stopped, when `stopped`): a worker still on
    /// it is replaced at once; one that held a big file is stopped (wasm
    /// memory never shrinks) and replaced when the next file comes.
    fn end_job(&self, stopped: bool) {
        let Some(c) = self.0.borrow_mut().current.take() else {
            return;
        };
        let big = c.size >= super::RECYCLE_AFTER_BYTES;
        let mut retired = false;
        for (k, p) in c.parts.iter().enumerate() {
            if self.0.borrow().slots[k].dead {
                continue;
            }
            if stopped || p.outcome.is_none() {
                self.respawn(k);
            } else if big {
                self.retire(k);
                retired = true;
            }
        }
        // Stopped workers come back when a file is on its way (`prepare`) or
        // submitted: starting them now would compile and warm up for about a
        // second of both cores while the page decodes and paints this file
        // and the user starts to scroll it.
        if retired && !self.0.borrow().queue.is_empty() {
            self.prepare();
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

    /// Makes the workers of the next job panic (what
    /// `window.__strataPanic("worker")` asks for in the end-to-end tests).
    pub fn panic_for_test(&self) {
        self.0.borrow_mut().panic_next = true;
    }

    /// Worker `k` died (out of memory, a panic, or its script failed to load).
    fn on_crash(&self, k: usize, e: &JsValue) {
        let detail = Reflect::get(e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        let (job, ready, panic) = {
            let mut inner = self.0.borrow_mut();
            let job = inner
                .current
                .as_ref()
                .filter(|c| k < c.parts.len())
                .map(|c| (c.id, c.name.clone(), c.size));
            (job, inner.slots[k].ready, inner.slots[k].panic.take())
        };
        if let Some(text) = &panic {
            web_sys::console::error_1(&format!("Strata's parsing worker panicked: {text}").into());
        }
        match job {
            Some((id, name, size)) => {
                self.end_job(true);
                let msg = match panic {
                    Some(text) => format!(
                        "Strata's parser failed on this file (a bug in Strata: {}); traces loaded \
                         before are kept. Please report it, with the file if you can",
                        crate::model::units::clip(&text, 300)
                    ),
                    None => format!(
                        "the parser stopped while loading this {} file ({}), most likely out of \
                         memory; traces loaded before are kept. Close other tabs or load a smaller file",
                        format_bytes(size),
                        if detail.is_empty() { "no detail" } else { &detail },
                    ),
                };
                self.emit(Event::Failed {
                    id,
                    error: ImportError::new(&name, msg),
                });
            }
            None if !ready => {
                // It never started: no worker here (e.g. its files are missing).
                self.retire(k);
                self.0.borrow_mut().slots[k].dead = true;
            }
            None => self.respawn(k),
        }
        self.pump();
    }
}

/// For each of `count` workers, its ends of a channel to every other
/// worker (None if the browser has no channels: then one worker parses).
fn peer_ports(count: usize) -> Option<Vec<Array>> {
    let peers: Vec<Array> = (0..count).map(|_| Array::new()).collect();
    for i in 0..count {
        for j in i + 1..count {
            let c = web_sys::MessageChannel::new().ok()?;
            peers[i].push(&c.port1());
            peers[j].push(&c.port2());
        }
    }
    Some(peers)
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
