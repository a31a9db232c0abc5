//! The worker's side: read the file, import it into a fresh store, hand the
//! store back as a transferred snapshot. See the protocol in `super`.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::import::{self, ImportError, Part};
use crate::model::units::format_bytes;
use crate::model::Store;

/// Bytes read per slice of a `File` (one progress message each).
const SLICE: usize = 64 << 20;

/// Files up to this size get their store's columns reserved before parsing.
const RESERVE_UP_TO: usize = 400 << 20;

/// The worker's entry point (called by the `worker` binary's `main`).
pub fn start() {
    console_error_panic_hook::set_once();
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
/// importer's hot paths hot before the user drops anything. Returns the last
/// snapshot, which the main thread decodes to warm its side of the hand-over.
fn warm_up() -> Vec<u8> {
    let samples = [
        crate::sources::demo::bytes(),
        crate::sources::demo::jaeger_bytes(),
    ];
    let mut snapshot = Vec::new();
    for _ in 0..WARM_UP_ROUNDS {
        for sample in &samples {
            let mut store = Store::default();
            if import::load(&mut store, "warm-up", sample).is_ok() {
                snapshot = store.to_snapshot();
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

/// One job, start to finish (synchronous: a worker may block).
fn run(data: JsValue) {
    let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    let id = get("id").as_f64().unwrap_or(0.0);
    let name = get("name").as_string().unwrap_or_default();
    let (index, count) = (get("part").as_f64(), get("parts").as_f64());
    let part = match (index, count) {
        (Some(k), Some(n)) if k >= 0.0 && k < n => Part::new(k as u32, n as u32),
        _ => Part::WHOLE,
    };
    let to = Reply {
        id,
        part: part.index as f64,
    };
    let t0 = now();
    let bytes = match read(to, &name, get("file"), get("bytes"), part) {
        Ok(b) => b,
        Err(msg) => return fail(to, &ImportError::new(&name, msg)),
    };
    let t1 = now();
    let total = bytes.len();
    let mut store = Store::default();
    // Up front room for the columns saves copying them as they grow; past a
    // few hundred MB the over-reserved room costs more than it saves (at 1M
    // spans, 1.2 GB, the hand-over took 6.2 s with it and 2.7 s without: the
    // worker's wasm memory nears its 4 GB limit).
    if total <= RESERVE_UP_TO {
        store.reserve_for_json(total / part.count as usize);
    }
    let result = import::load_part(&mut store, &name, &bytes, part, &mut |spans| {
        progress(to, total, total, spans)
    });
    drop(bytes);
    if let Err(e) = result {
        return fail(to, &e);
    }
    let t2 = now();
    let snapshot = store.to_snapshot();
    drop(store);
    let buf = Uint8Array::new_with_length(snapshot.len() as u32);
    buf.copy_from(&snapshot);
    drop(snapshot);
    let times = Array::of4(&t0.into(), &t1.into(), &t2.into(), &now().into());
    let fields = [("snapshot", buf.buffer().into()), ("times", times.into())];
    post(
        &message("done", to, &fields),
        Some(&Array::of1(&buf.buffer())),
    );
}

/// The job's bytes: a `File` read slice by slice straight into wasm memory
/// (never one JS string or one JS buffer of the whole file), or transferred
/// bytes.
fn read(
    to: Reply,
    name: &str,
    file: JsValue,
    bytes: JsValue,
    part: Part,
) -> Result<Vec<u8>, String> {
    if let Some(buf) = bytes.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(buf).to_vec());
    }
    let file: web_sys::File = file
        .dyn_into()
        .map_err(|_| format!("{name}: the worker was given nothing to read"))?;
    let size = file.size() as usize;
    if size as u64 > super::MAX_FILE_BYTES {
        return Err(super::too_big(size as u64));
    }
    let no_memory = || {
        format!(
            "the browser could not give Strata enough memory to read the file ({}); \
             close other tabs or load a smaller file",
            format_bytes(size as u64)
        )
    };
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
    out.try_reserve_exact(size).map_err(|_| no_memory())?;
    out.resize(size, 0);
    let reader = web_sys::FileReaderSync::new()
        .map_err(|e| format!("the browser cannot read files in a worker: {e:?}"))?;
    let mut at = 0;
    while at < size {
        let end = (at + SLICE).min(size);
        let part = file
            .slice_with_f64_and_f64(at as f64, end as f64)
            .and_then(|b| reader.read_as_array_buffer(&b))
            .map_err(|e| format!("the browser could not read the file at byte {at}: {e:?}"))?;
        let part = Uint8Array::new(&part);
        if part.length() as usize != end - at {
            return Err(format!(
                "the file changed while it was read (at byte {at}); load it again"
            ));
        }
        part.copy_to(&mut out[at..end]);
        at = end;
        progress(to, at, size, 0);
    }
    Ok(out)
}
