//! The worker's side: read the file, import it into a fresh store, hand the
//! store back as a transferred snapshot. See the protocol in `super`.

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, MessagePort};

use crate::import::{self, ImportError, Part};
use crate::model::units::format_bytes;
use crate::model::Store;

/// Files up to this size get their store's columns reserved before parsing.
const RESERVE_UP_TO: usize = 400 << 20;

/// The worker's entry point (called by the `worker` binary's `main`).
pub fn start() {
    // A panic is logged here and told to the page (which names it in the
    // failed load's message) before the worker stops.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let text = JsValue::from(info.to_string());
        post(
            &message("panic", Reply { id: 0.0, part: 0.0 }, &[("text", text)]),
            None,
        );
    }));
    let warm = warm_up();
    let scope = scope();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| run(e.data()));
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let warm = Uint8Array::from(warm.as_slice()).buffer();
    post(
        &message(
            "ready",
            Reply { id: 0.0, part: 0.0 },
            &[("warm", warm.clone().into())],
        ),
        Some(&Array::of1(&warm)),
    );
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Absolute time in ms (`timeOrigin + now()`), comparable across threads.
fn now() -> f64 {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .map(|p| p.unchecked_into::<web_sys::Performance>())
        .map(|p| p.time_origin() + p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Times the built-in demo is parsed in each format at start.
const WARM_UP_ROUNDS: usize = 4;

/// V8 first runs wasm with its baseline compiler and optimises a function
/// only after it has run for a while; a user's first file would otherwise
/// parse up to 2x slower than the next one. Parsing the demo a few times as
/// OTLP/JSON and as Jaeger JSON (and encoding it) at start makes the
/// importer's hot paths hot before the user drops anything; the last round
/// also parses it in two parts, as a big file is (the structural scan, the
/// placeholders): every round delays the worker's readiness, and a file
/// dropped just after the page opens waits for it. Returns the last
/// snapshot, which the main thread decodes to warm its side of the hand-over.
fn warm_up() -> Vec<u8> {
    let samples = [
        crate::sources::demo::bytes(),
        crate::sources::demo::jaeger_bytes(),
    ];
    let mut snapshot = Vec::new();
    for round in 0..WARM_UP_ROUNDS {
        for sample in &samples {
            let mut store = Store::default();
            if import::load(&mut store, "warm-up", sample).is_ok() {
                snapshot = store.to_snapshot();
            }
            if round + 1 == WARM_UP_ROUNDS {
                for k in 0..super::WORKERS as u32 {
                    let mut bytes = sample.to_vec();
                    let part = Part::new(k, super::WORKERS as u32);
                    let mut store = Store::default();
                    let _ = import::load_part(&mut store, "warm-up", &mut bytes, part, &mut |_| {});
                }
            }
        }
    }
    snapshot
}

fn message(kind: &str, to: Reply, fields: &[(&str, JsValue)]) -> Object {
    let m = Object::new();
    let _ = Reflect::set(&m, &"type".into(), &kind.into());
    let _ = Reflect::set(&m, &"id".into(), &to.id.into());
    let _ = Reflect::set(&m, &"part".into(), &to.part.into());
    for (k, v) in fields {
        let _ = Reflect::set(&m, &(*k).into(), v);
    }
    m
}

fn post(m: &Object, transfer: Option<&Array>) {
    let _ = match transfer {
        Some(t) => scope().post_message_with_transfer(m, t),
        None => scope().post_message(m),
    };
}

/// Whom a message is about: the job, and which part of it this worker has.
#[derive(Clone, Copy)]
struct Reply {
    id: f64,
    part: f64,
}

fn progress(to: Reply, read: usize, total: usize, spans: usize) {
    let fields = [
        ("read", (read as f64).into()),
        ("total", (total as f64).into()),
        ("spans", (spans as f64).into()),
    ];
    post(&message("progress", to, &fields), None);
}

fn fail(to: Reply, e: &ImportError) {
    let json = serde_json::to_string(e).unwrap_or_default();
    post(&message("error", to, &[("error", json.into())]), None);
}

/// One job: take the bytes, or read this worker's share of the file and
/// gather the rest from its peers; then import this worker's part and send
/// the snapshot. The reading blocks (a worker may); the peers' slices arrive
/// as messages afterwards.
fn run(data: JsValue) {
    let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if get("panicForTest").is_truthy() {
        // The end-to-end tests' way to check what a panic in a load does
        // (`window.__strataPanic("worker")`).
        panic!("a panic the tests asked for");
    }
    let id = get("id").as_f64().unwrap_or(0.0);
    let name = get("name").as_string().unwrap_or_default();
    let (index, count) = (get("part").as_f64(), get("parts").as_f64());
    let part = match (index, count) {
        (Some(k), Some(n)) if k >= 0.0 && k < n => Part::new(k as u32, n as u32),
        _ => Part::WHOLE,
    };
    let job = Job {
        to: Reply {
            id,
            part: part.index as f64,
        },
        name,
        part,
        t0: now(),
    };
    if let Some(buf) = get("bytes").dyn_ref::<js_sys::ArrayBuffer>() {
        return parse(job, Uint8Array::new(buf).to_vec());
    }
    let Ok(file) = get("file").dyn_into::<web_sys::File>() else {
        let msg = format!("{}: the worker was given nothing to read", job.name);
        return fail(job.to, &ImportError::new(&job.name, msg));
    };
    let peers: Vec<MessagePort> = Array::from(&get("peers"))
        .iter()
        .filter_map(|p| p.dyn_into().ok())
        .collect();
    gather(job, file, peers);
}

/// What a worker knows about the job it is on.
struct Job {
    to: Reply,
    name: String,
    part: Part,
    /// When the job reached this worker (absolute ms).
    t0: f64,
}

/// Imports this worker's part of `bytes` and sends the store back. A
/// gzip-compressed or UTF-16 file is decoded first (by every worker of a
/// file parsed in parts: each parses its part of the decoded text), and the
/// compressed bytes are freed before parsing. When the decoded text is
/// bigger than files parsed in parts ([`super::SPLIT_UP_TO_BYTES`]: two
/// copies of it would crowd the tab's memory), or is a Zipkin list
/// ([`import::parts::plan`]), the first worker parses it whole and the
/// others send an empty store.
fn parse(job: Job, bytes: Vec<u8>) {
    let (to, mut part) = (job.to, job.part);
    let t1 = now();
    let mut text = match import::decoded(&job.name, &bytes) {
        Ok(text) => text,
        Err(e) => return fail(to, &e),
    };
    let mut bytes = bytes;
    if text.is_some() {
        bytes = Vec::new();
    }
    let total = text.as_ref().map_or(bytes.len(), |t| t.bytes.len());
    if part.count > 1 && total as u64 > super::SPLIT_UP_TO_BYTES {
        if part.index > 0 {
            return send(job, Store::default(), t1);
        }
        part = Part::WHOLE;
    }
    // A file that is not split (a Zipkin list): the first part reads it all.
    let body = text.as_ref().map_or(&bytes[..], |t| &t.bytes[..]);
    match import::parts::plan(part, body) {
        Some(p) => part = p,
        None => return send(job, Store::default(), t1),
    }
    let mut store = Store::default();
    // Up front room for the columns saves copying them as they grow; past a
    // few hundred MB the over-reserved room costs more than it saves (at 1M
    // spans, 1.2 GB, the hand-over took 6.2 s with it and 2.7 s without: the
    // worker's wasm memory nears its 4 GB limit).
    if total <= RESERVE_UP_TO {
        store.reserve_for_json(total / part.count as usize);
    }
    let mut told = |spans| progress(to, total, total, spans);
    let result = match &mut text {
        Some(text) => import::load_decoded_part(&mut store, &job.name, text, part, &mut told),
        None => import::load_part(&mut store, &job.name, &mut bytes, part, &mut told),
    };
    drop(bytes);
    drop(text);
    if let Err(e) = result {
        return fail(to, &e);
    }
    send(job, store, t1);
}

/// Sends the parsed `store` of `job` (parsing began at `t1`).
fn send(job: Job, store: Store, t1: f64) {
    let to = job.to;
    let t2 = now();
    let snapshot = store.to_snapshot();
    drop(store);
    let buf = Uint8Array::new_with_length(snapshot.len() as u32);
    buf.copy_from(&snapshot);
    drop(snapshot);
    let times = Array::of4(&job.t0.into(), &t1.into(), &t2.into(), &now().into());
    let fields = [("snapshot", buf.buffer().into()), ("times", times.into())];
    post(
        &message("done", to, &fields),
        Some(&Array::of1(&buf.buffer())),
    );
}

/// Room for a file of `size` bytes in wasm memory, zeroed.
fn allocate(size: usize, part: Part) -> Result<Vec<u8>, String> {
    if size as u64 > super::MAX_FILE_BYTES {
        return Err(super::too_big(size as u64));
    }
    // Reserve room for the file and its parsed store (about 0.6x the file,
    // shared by the parts) at once: one memory growth instead of dozens while
    // parsing. Freed, then reused below.
    let room = size + size / 10 * 6 / part.count as usize + (16 << 20);
    let mut reserve: Vec<u8> = Vec::new();
    if reserve.try_reserve_exact(room).is_err() {
        // Less headroom; the file itself must still fit.
        reserve = Vec::new();
    }
    drop(reserve);
    let mut out: Vec<u8> = Vec::new();
    out.try_reserve_exact(size).map_err(|_| {
        format!(
            "the browser could not give Strata enough memory to read the file ({}); \
             close other tabs or load a smaller file",
            format_bytes(size as u64)
        )
    })?;
    out.resize(size, 0);
    Ok(out)
}

/// A file job: its bytes, filled by this worker's reading and its peers'.
struct Gathering {
    /// None once the job is parsed or failed.
    job: Option<Job>,
    bytes: Vec<u8>,
    got: usize,
    /// `got` when progress was last told.
    told: usize,
    peers: Vec<MessagePort>,
    /// Read buffers ([`READ_BUFFER`] bytes) free for the next read: sent
    /// back by the peer they went to.
    pool: Vec<ArrayBuffer>,
    /// Read buffers made so far (at most [`READ_BUFFERS`]).
    made: usize,
    /// Resolves the read waiting for a buffer to come back.
    wake: Option<js_sys::Function>,
    /// The peers' message handlers; dropped when the next job replaces this
    /// one (never while it runs).
    _on_peer: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

thread_local! {
    static GATHERING: RefCell<Option<Gathering>> = const { RefCell::new(None) };
}

/// Bytes read at a time into one read buffer, and how many buffers a worker
/// has: a buffer goes to the peer with what was read into it, and comes
/// back once the peer has copied it. Reading into buffers that are used
/// again spares the memory a fresh buffer per read costs (memory written
/// for the first time costs a page fault per 4 KB): in a browser experiment
/// two workers read and exchanged a 117 MB file in 138-182 ms this way
/// against 206-248 ms with a fresh 16 MB buffer per read, 348 MB in
/// 331-405 against 518-652 ms.
const READ_BUFFER: usize = 4 << 20;
const READ_BUFFERS: usize = 4;

/// Bytes per read where the browser cannot read into a given buffer
/// (`FileReaderSync`: a fresh buffer each).
const SLICE: usize = 16 << 20;

/// Progress is told every this many bytes read or received.
const PROGRESS_STEP: usize = 16 << 20;

/// Reads this worker's share of `file` straight into wasm memory (never one
/// JS string or one JS buffer of the whole file), passing what it reads on
/// to the `peers`, which parse other parts of the same file and read the
/// other shares: every byte is read once, by one worker, and the reads run
/// side by side. Parses once every byte is in.
fn gather(job: Job, file: web_sys::File, peers: Vec<MessagePort>) {
    let size = file.size() as usize;
    let share = job.part.share(size);
    let bytes = match allocate(size, job.part) {
        Ok(b) => b,
        Err(msg) => return abandon(job, &peers, msg),
    };
    // The peers' reads arrive while this worker reads its own share.
    let on_peer: Vec<_> = peers
        .iter()
        .map(|port| {
            let port = port.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| on_peer(&port, e.data()))
        })
        .collect();
    for (p, f) in peers.iter().zip(&on_peer) {
        p.set_onmessage(Some(f.as_ref().unchecked_ref()));
    }
    GATHERING.with(|g| {
        *g.borrow_mut() = Some(Gathering {
            job: Some(job),
            bytes,
            got: 0,
            told: 0,
            peers,
            pool: Vec::new(),
            made: 0,
            wake: None,
            _on_peer: on_peer,
        })
    });
    let blob: &web_sys::Blob = &file;
    let read = blob
        .slice_with_f64_and_f64(share.start as f64, share.end as f64)
        .ok()
        .and_then(|b| web_sys::ReadableStreamByobReader::new(&b.stream()).ok());
    match read {
        Some(reader) => wasm_bindgen_futures::spawn_local(async move {
            match read_into_buffers(&reader, share).await {
                Ok(()) => try_finish(),
                Err(msg) => give_up(msg),
            }
        }),
        // No byte streams (older browsers): a fresh buffer per read.
        None => match read_slices(&file, share) {
            Ok(()) => try_finish(),
            Err(msg) => give_up(msg),
        },
    }
}

/// Reads `share` with a byte stream reader into the read buffers, one at a
/// time (waiting for one to come back when all are with the peer). The
/// caller parses once it is done (the peers' bytes may all be in by then).
async fn read_into_buffers(
    reader: &web_sys::ReadableStreamByobReader,
    share: std::ops::Range<usize>,
) -> Result<(), String> {
    let mut at = share.start;
    while at < share.end {
        let Some(mut buf) = free_buffer().await else {
            return Ok(()); // the job is over
        };
        let want = READ_BUFFER.min(share.end - at);
        let mut filled = 0;
        while filled < want {
            let view = Uint8Array::new_with_byte_offset_and_length(
                &buf,
                filled as u32,
                (want - filled) as u32,
            );
            let read =
                wasm_bindgen_futures::JsFuture::from(reader.read_with_array_buffer_view(&view))
                    .await
                    .map_err(|e| read_error(at + filled, &e))?;
            let value = Reflect::get(&read, &"value".into()).unwrap_or(JsValue::UNDEFINED);
            let Some(value) = value.dyn_ref::<Uint8Array>() else {
                return Err(changed(at + filled));
            };
            // The read hands the buffer back (moved), with what it read.
            buf = value.buffer();
            if Reflect::get(&read, &"done".into()).is_ok_and(|d| d.is_truthy()) {
                return Err(changed(at + filled));
            }
            filled += value.byte_length() as usize;
        }
        let got = Uint8Array::new_with_byte_offset_and_length(&buf, 0, want as u32);
        if !deliver(at, &got) {
            return Ok(());
        }
        pass_on(buf, at, want, true);
        at += want;
    }
    Ok(())
}

/// Reads `share` in [`SLICE`]s with `FileReaderSync`, each into a fresh
/// buffer that goes to the peer for good.
fn read_slices(file: &web_sys::File, share: std::ops::Range<usize>) -> Result<(), String> {
    let reader = web_sys::FileReaderSync::new()
        .map_err(|e| format!("the browser cannot read files in a worker: {e:?}"))?;
    let mut at = share.start;
    while at < share.end {
        let end = (at + SLICE).min(share.end);
        let slice = file
            .slice_with_f64_and_f64(at as f64, end as f64)
            .and_then(|b| reader.read_as_array_buffer(&b))
            .map_err(|e| read_error(at, &e))?;
        let view = Uint8Array::new(&slice);
        if view.length() as usize != end - at {
            return Err(changed(at));
        }
        if !deliver(at, &view) {
            return Ok(());
        }
        pass_on(slice, at, end - at, false);
        at = end;
    }
    Ok(())
}

fn read_error(at: usize, e: &JsValue) -> String {
    format!("the browser could not read the file at byte {at}: {e:?}")
}

fn changed(at: usize) -> String {
    format!("the file changed while it was read (at byte {at}); load it again")
}

/// A read buffer: a free one, a new one while there are fewer than
/// [`READ_BUFFERS`], or the next one a peer sends back. None once the job
/// is over.
async fn free_buffer() -> Option<ArrayBuffer> {
    loop {
        let wait = GATHERING.with(|g| {
            let mut g = g.borrow_mut();
            let st = g.as_mut().filter(|st| st.job.is_some())?;
            if let Some(buf) = st.pool.pop() {
                return Some(Ok(buf));
            }
            if st.made < READ_BUFFERS {
                st.made += 1;
                return Some(Ok(ArrayBuffer::new(READ_BUFFER as u32)));
            }
            let wake = js_sys::Promise::new(&mut |resolve, _| st.wake = Some(resolve));
            Some(Err(wake))
        })?;
        match wait {
            Ok(buf) => return Some(buf),
            Err(wake) => {
                let _ = wasm_bindgen_futures::JsFuture::from(wake).await;
            }
        }
    }
}

/// Copies `bytes` (read at byte `at` of the file, by this worker or a peer)
/// into the job's memory. False when the job is over, or they do not fit
/// (the job is then given up).
fn deliver(at: usize, bytes: &Uint8Array) -> bool {
    let fits = GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        let st = g.as_mut()?;
        let to = st.job.as_ref()?.to;
        let end = at + bytes.length() as usize;
        if end > st.bytes.len() {
            return Some(false);
        }
        bytes.copy_to(&mut st.bytes[at..end]);
        st.got += end - at;
        if st.got >= st.told + PROGRESS_STEP || st.got == st.bytes.len() {
            st.told = st.got;
            progress(to, st.got, st.bytes.len(), 0);
        }
        Some(true)
    });
    match fits {
        Some(true) => true,
        Some(false) => {
            give_up(format!(
                "the file grew while it was read (at byte {at}); load it again"
            ));
            false
        }
        None => false,
    }
}

/// Sends `len` bytes read at byte `at` in `buf` to the peers: copies to all
/// but the last, which gets `buf` itself (transferred; this worker copied it
/// already). A read buffer (`pooled`) comes back from that peer; with no
/// peers it is free again at once.
fn pass_on(buf: ArrayBuffer, at: usize, len: usize, pooled: bool) {
    let peers = GATHERING.with(|g| g.borrow().as_ref().map(|st| st.peers.clone()));
    let peers = peers.unwrap_or_default();
    if peers.is_empty() {
        if pooled {
            give_back(buf);
        }
        return;
    }
    for (k, port) in peers.iter().enumerate() {
        let last = k + 1 == peers.len();
        let bytes = if last { buf.clone() } else { buf.slice(0) };
        let m = Object::new();
        let _ = Reflect::set(&m, &"at".into(), &(at as f64).into());
        let _ = Reflect::set(&m, &"len".into(), &(len as f64).into());
        let _ = Reflect::set(&m, &"bytes".into(), &bytes);
        let _ = Reflect::set(&m, &"pooled".into(), &(pooled && last).into());
        let _ = port.post_message_with_transferable(&m, &Array::of1(&bytes));
    }
}

/// A read buffer is free again: the read waiting for one goes on.
fn give_back(buf: ArrayBuffer) {
    let wake = GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        let st = g.as_mut()?;
        st.pool.push(buf);
        st.wake.take()
    });
    resume(wake);
}

/// Lets the read waiting for a buffer (if any) go on.
fn resume(wake: Option<js_sys::Function>) {
    if let Some(f) = wake {
        let _ = f.call0(&JsValue::UNDEFINED);
    }
}

/// A message from a peer on `port`: bytes it read (a read buffer of its
/// goes back to it once copied), a read buffer of this worker's coming
/// back, or why it could not read its share (then this part fails with the
/// same message: the job is over).
fn on_peer(port: &MessagePort, data: JsValue) {
    let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(msg) = get("failed").as_string() {
        if let Some((job, peers)) = stop() {
            close(&peers);
            fail(job.to, &ImportError::new(&job.name, msg));
        }
        return;
    }
    if let Some(buf) = get("back").dyn_ref::<ArrayBuffer>() {
        return give_back(buf.clone());
    }
    let at = get("at").as_f64().unwrap_or(0.0) as usize;
    let Some(buf) = get("bytes").dyn_into::<ArrayBuffer>().ok() else {
        return;
    };
    let len = get("len").as_f64().map_or(buf.byte_length(), |l| l as u32);
    if !deliver(
        at,
        &Uint8Array::new_with_byte_offset_and_length(&buf, 0, len),
    ) {
        return;
    }
    if get("pooled").is_truthy() {
        let m = Object::new();
        let _ = Reflect::set(&m, &"back".into(), &buf);
        let _ = port.post_message_with_transferable(&m, &Array::of1(&buf));
    }
    try_finish();
}

/// Parses the file once every byte is in.
fn try_finish() {
    let ready = GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        let st = g.as_mut()?;
        if st.got < st.bytes.len() || st.job.is_none() {
            return None;
        }
        close(&std::mem::take(&mut st.peers));
        st.pool.clear();
        Some((st.job.take()?, std::mem::take(&mut st.bytes)))
    });
    if let Some((job, bytes)) = ready {
        parse(job, bytes);
    }
}

/// Ends the job being gathered (its bytes freed; a read waiting for a
/// buffer wakes and sees the job over); returns it and its peers for the
/// caller to close, or None when it was over already.
fn stop() -> Option<(Job, Vec<MessagePort>)> {
    let (job, peers, wake) = GATHERING.with(|g| {
        let mut g = g.borrow_mut();
        let st = g.as_mut()?;
        let job = st.job.take()?;
        st.bytes = Vec::new();
        st.pool.clear();
        Some((job, std::mem::take(&mut st.peers), st.wake.take()))
    })?;
    resume(wake);
    Some((job, peers))
}

/// This worker could not read its share: the job being gathered fails.
fn give_up(msg: String) {
    if let Some((job, peers)) = stop() {
        abandon(job, &peers, msg);
    }
}

fn close(peers: &[MessagePort]) {
    for p in peers {
        p.set_onmessage(None);
        p.close();
    }
}

/// This part cannot be parsed: it fails, and tells the peers, which wait for
/// its share of the file, to fail with the same message.
fn abandon(job: Job, peers: &[MessagePort], msg: String) {
    let m = Object::new();
    let _ = Reflect::set(&m, &"failed".into(), &msg.as_str().into());
    for p in peers {
        let _ = p.post_message(&m);
    }
    close(peers);
    fail(job.to, &ImportError::new(&job.name, msg));
}
