//! The app's state: the store (not reactive itself; `rev` says when it
//! changed) and the signals that say what the user is looking at. Actions are
//! methods here so components stay thin: they call an action and draw.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use crate::import::{self, ImportError};
use crate::layout::waterfall::{self, Window};
use crate::model::Store;
use crate::sources::backend::{Backend, Summary};
use crate::sources::fetch::Cancel;
use crate::sources::link::{FlameMode, MapScope, View};
use crate::sources::worker::client::{self as worker, Event as WorkerEvent, Job, Loader};

/// Where a loaded file came from: what a link needs to load it again.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    Demo,
    /// A trace fetched from a backend by id.
    Backend(Backend),
    /// A search on a backend (its traces can be fetched again by id).
    Search(Backend),
    Url(String),
    /// A self-contained link's embedded data (kept to write the link again).
    Embedded(String),
    /// A dropped, picked or pasted file: nothing to fetch again.
    Local,
}

/// A fetch in progress, for the progress bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Busy {
    pub label: String,
    pub received: u64,
    pub total: Option<u64>,
}

/// A trace a backend search listed but that is not loaded yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Remote {
    pub backend: Backend,
    pub summary: Summary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Sources,
    Search,
}

/// How far a load has got (the worker reports as it reads and parses).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub read: u64,
    pub total: u64,
    pub spans: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LoadState {
    Reading(Progress),
    Loaded { file: u32, ms: f64 },
    Failed(ImportError),
}

/// One attempt to load something (a file, a paste, the demo).
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    pub id: u32,
    pub name: String,
    pub bytes: usize,
    pub state: LoadState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The list of loaded traces.
    Traces,
    /// One trace's waterfall.
    Trace,
    /// Two traces compared (`views::compare`).
    Compare,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    None,
    Paste,
    Help,
    Warnings,
    /// Asks before a link fetches from a server ([`AppState::confirm`]).
    ConfirmFetch,
    /// The traces picked on the chart against the rest (`views::contrast`).
    Contrast,
}

/// A fetch a link asks for: the exact URL, its origin, and the link to apply
/// once the user agrees.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfirmFetch {
    pub url: String,
    pub origin: String,
    pub hash: String,
    /// Whether the user has fetched from this origin here before.
    pub known: bool,
}

/// Spans the waterfall is filtered to, with what they are.
#[derive(Clone, Debug)]
pub struct SpanFilter {
    pub label: String,
    pub spans: std::sync::Arc<FxHashSet<u32>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

/// What the find box does with its matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FindMode {
    /// Mark the matches, dim the rest.
    #[default]
    Highlight,
    /// Show only the matching spans.
    Only,
    /// Show the matches and their ancestors.
    WithAncestors,
}

impl FindMode {
    pub const ALL: [FindMode; 3] = [FindMode::Highlight, FindMode::Only, FindMode::WithAncestors];

    pub fn key(self) -> &'static str {
        match self {
            FindMode::Highlight => "highlight",
            FindMode::Only => "only",
            FindMode::WithAncestors => "tree",
        }
    }

    pub fn from_key(s: &str) -> Option<FindMode> {
        FindMode::ALL.into_iter().find(|m| m.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            FindMode::Highlight => "Highlight",
            FindMode::Only => "Matches only",
            FindMode::WithAncestors => "Matches + ancestors",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    /// The root span's duration: what the caller waited.
    Response,
    /// First start to last end, async work included.
    Extent,
    Spans,
    Errors,
    Services,
    Name,
    /// Where it failed, then where its time went.
    Verdict,
}

/// Where the pattern thresholds the user changed are remembered.
pub const THRESHOLDS_KEY: &str = "strata.thresholds";

#[derive(Clone, Copy)]
pub struct AppState {
    pub store: StoredValue<Store, LocalStorage>,
    /// Bumped whenever the store changes.
    pub rev: RwSignal<u64>,
    pub loads: RwSignal<Vec<Load>>,
    pub page: RwSignal<Page>,
    pub trace: RwSignal<Option<u32>>,
    pub span: RwSignal<Option<u32>>,
    pub collapsed: RwSignal<FxHashSet<u32>>,
    /// Zoom window of the open trace (ns from its start); None = whole trace.
    pub window: RwSignal<Option<Window>>,
    pub dialog: RwSignal<Dialog>,
    pub theme: RwSignal<Theme>,
    pub sort: RwSignal<(SortKey, bool)>,
    /// A load is waiting for its first painted waterfall (performance mark).
    pub mark_pending: RwSignal<bool>,
    /// Asks the waterfall to scroll the selected span into view.
    pub reveal: RwSignal<u64>,
    /// Text of the span search (waterfall and flame graph): the filter
    /// language of `analysis::query`.
    pub query: RwSignal<String>,
    /// The trace list's filter (the same language, see `Query::traces`).
    pub list_query: RwSignal<String>,
    /// Traces picked by dragging across the scatter chart (sorted): the
    /// list and the chart show only these until cleared.
    pub picked: RwSignal<Option<Vec<u32>>>,
    pub find_mode: RwSignal<FindMode>,
    /// Show only the critical path (waterfall) or dim the rest (flame graph).
    pub critical_only: RwSignal<bool>,
    /// The waterfall shows only this span's subtree.
    pub focus: RwSignal<Option<u32>>,
    /// Folded runs of repeated calls the user expanded (by their first span).
    pub expanded_runs: RwSignal<FxHashSet<u32>>,
    /// The statistics table's grouping and scope.
    pub stats: RwSignal<crate::analysis::stats::StatsSpec>,
    /// The pattern detectors' thresholds.
    pub thresholds: RwSignal<crate::analysis::patterns::Thresholds>,
    /// What the views derive from this state (set once, right after it).
    pub derived: StoredValue<Option<super::derived::Derived>>,
    /// Which view of the open trace: waterfall, flame graph or service map.
    pub view: RwSignal<View>,
    /// The selected service (from the service map); filters the waterfall.
    pub service: RwSignal<Option<String>>,
    /// A set of spans the waterfall is filtered to (with their ancestors),
    /// and what they are ("3 orphan spans", from the health panel).
    pub span_filter: RwSignal<Option<SpanFilter>>,
    pub flame_mode: RwSignal<FlameMode>,
    pub map_scope: RwSignal<MapScope>,
    /// A message about the page's link (a trace it names is not loaded...).
    pub notice: RwSignal<Option<String>>,
    /// A link's fetch waiting for the user's yes (see [`crate::sources::trust`]).
    pub confirm: RwSignal<Option<ConfirmFetch>>,
    /// Open traces, as tabs.
    pub tabs: RwSignal<Vec<u32>>,
    pub side: RwSignal<Side>,
    /// The connected backend, its services and the chosen service's operations.
    pub backend: RwSignal<Option<Backend>>,
    pub services: RwSignal<Vec<String>>,
    pub operations: RwSignal<Vec<String>>,
    /// Traces a search listed that are not loaded (Tempo summaries).
    pub remote: RwSignal<Vec<Remote>>,
    /// The fetch in progress, and how to cancel it.
    pub busy: RwSignal<Option<Busy>>,
    pub cancel: StoredValue<Option<Cancel>, LocalStorage>,
    /// The last backend or URL failure, explained.
    pub fetch_error: RwSignal<Option<String>>,
    /// Where each file (by index) came from.
    pub origins: StoredValue<Vec<Origin>>,
    /// Files (by index) whose traces the trace list, the scatter and the
    /// all-traces views leave out (see `unload`).
    pub hidden: RwSignal<FxHashSet<u32>>,
    /// A short confirmation ("Link copied"), shown for a few seconds.
    pub toast: RwSignal<Option<String>>,
    /// The traces compared (A, the baseline, then B), by id: they stay
    /// right when files before them are removed (`views::compare`).
    pub compare: RwSignal<Option<(crate::model::TraceId, crate::model::TraceId)>>,
    /// Traces Ctrl+clicked in the trace list to compare (at most two).
    pub compare_pick: RwSignal<Vec<crate::model::TraceId>>,
    next_load: StoredValue<u32>,
    /// The parsing worker (files are read and parsed off the main thread).
    loader: StoredValue<Option<Loader>, LocalStorage>,
    /// Loads of in-memory bytes sent to the worker: where they came from,
    /// and what runs when they are in (see [`load_bytes_then`](Self::load_bytes_then)).
    pending: StoredValue<Vec<(u32, Pending)>, LocalStorage>,
}

/// Bytes already in memory (a paste, a fetched URL, a backend's answer) from
/// this size on are parsed in the worker, as files are: parsing them on the
/// page would pause it (a warm importer here takes 100-130 ms for 11.6 MB of
/// Jaeger JSON, so under 4 MB the page pauses for less than ~50 ms, and
/// the trace is there at once).
pub const WORKER_FROM_BYTES: usize = 4 << 20;

/// What runs once a load is in: with its file's index, or None when it failed
/// (the error is in Sources).
pub type Then = Box<dyn FnOnce(Option<u32>)>;

struct Pending {
    origin: Origin,
    then: Then,
}

impl AppState {
    /// The state and what the views derive from it.
    pub fn new() -> AppState {
        let app = AppState::bare();
        app.derived
            .set_value(Some(super::derived::Derived::new(app)));
        app
    }

    fn bare() -> AppState {
        AppState {
            store: StoredValue::new_local(Store::default()),
            rev: RwSignal::new(0),
            loads: RwSignal::new(Vec::new()),
            page: RwSignal::new(Page::Traces),
            trace: RwSignal::new(None),
            span: RwSignal::new(None),
            collapsed: RwSignal::new(FxHashSet::default()),
            window: RwSignal::new(None),
            dialog: RwSignal::new(Dialog::None),
            theme: RwSignal::new(super::platform::preferred_theme()),
            sort: RwSignal::new((SortKey::Start, false)),
            mark_pending: RwSignal::new(false),
            reveal: RwSignal::new(0),
            query: RwSignal::new(String::new()),
            list_query: RwSignal::new(String::new()),
            picked: RwSignal::new(None),
            find_mode: RwSignal::new(FindMode::Highlight),
            critical_only: RwSignal::new(false),
            focus: RwSignal::new(None),
            expanded_runs: RwSignal::new(FxHashSet::default()),
            thresholds: RwSignal::new(
                super::platform::saved_text(THRESHOLDS_KEY)
                    .map(|t| crate::analysis::patterns::Thresholds::with_changes(&t))
                    .unwrap_or_default(),
            ),
            stats: RwSignal::new(Default::default()),
            derived: StoredValue::new(None),
            view: RwSignal::new(View::Waterfall),
            service: RwSignal::new(None),
            span_filter: RwSignal::new(None),
            flame_mode: RwSignal::new(FlameMode::Time),
            map_scope: RwSignal::new(MapScope::Trace),
            notice: RwSignal::new(None),
            confirm: RwSignal::new(None),
            tabs: RwSignal::new(Vec::new()),
            side: RwSignal::new(Side::Sources),
            backend: RwSignal::new(None),
            services: RwSignal::new(Vec::new()),
            operations: RwSignal::new(Vec::new()),
            remote: RwSignal::new(Vec::new()),
            busy: RwSignal::new(None),
            cancel: StoredValue::new_local(None),
            fetch_error: RwSignal::new(None),
            origins: StoredValue::new(Vec::new()),
            hidden: RwSignal::new(FxHashSet::default()),
            toast: RwSignal::new(None),
            compare: RwSignal::new(None),
            compare_pick: RwSignal::new(Vec::new()),
            next_load: StoredValue::new(0),
            loader: StoredValue::new_local(None),
            pending: StoredValue::new_local(Vec::new()),
        }
    }

    /// Starts the parsing worker; events come back to [`on_worker`](Self::on_worker).
    pub fn start_worker(&self) {
        let app = *self;
        self.loader
            .set_value(Some(Loader::new(move |e| app.on_worker(e))));
    }

    /// The next load in the parsing worker panics (the end-to-end tests'
    /// `window.__strataPanic("worker")`).
    pub fn panic_worker_for_test(&self) {
        self.loader.with_value(|l| {
            if let Some(l) = l {
                l.panic_for_test();
            }
        });
    }

    /// A file is on its way (dragged over the page, the picker opened): have
    /// the parsing workers ready for it (see `Loader::prepare`).
    pub fn prepare_workers(&self) {
        self.loader.with_value(|l| {
            if let Some(l) = l {
                l.prepare();
            }
        });
    }

    /// Reads the store (subscribing to its changes when called in a reactive context).
    pub fn with_store<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        self.rev.track();
        self.store.with_value(f)
    }

    /// Registers a load in progress; returns its id.
    pub fn begin_load(&self, name: &str, bytes: usize) -> u32 {
        let id = self.next_load.get_value();
        self.next_load.set_value(id + 1);
        self.loads.update(|l| {
            l.push(Load {
                id,
                name: name.to_owned(),
                bytes,
                state: LoadState::Reading(Progress::default()),
            })
        });
        id
    }

    pub fn fail_load(&self, id: u32, e: ImportError) {
        self.set_load(id, LoadState::Failed(e));
    }

    fn set_load(&self, id: u32, state: LoadState) {
        self.loads.update(|l| {
            if let Some(x) = l.iter_mut().find(|x| x.id == id) {
                x.state = state;
            }
        });
    }

    /// Imports `bytes` as load `id`. On success the file's trace opens (or the
    /// trace list, when the file holds several); on failure nothing loaded
    /// before is touched and the load shows the error.
    pub fn finish_load(&self, id: u32, name: &str, bytes: &[u8]) {
        let (origin, then) = self.take_pending(id);
        let file = self.finish_load_from(id, name, bytes, origin);
        then(file);
    }

    /// Where load `id`'s bytes came from and what runs when it is in
    /// (a file or a dropped file: local, nothing).
    fn take_pending(&self, id: u32) -> (Origin, Then) {
        let found = self.pending.try_update_value(|p| {
            p.iter()
                .position(|(x, _)| *x == id)
                .map(|k| p.swap_remove(k).1)
        });
        match found.flatten() {
            Some(Pending { origin, then }) => (origin, then),
            None => (Origin::Local, Box::new(|_| {})),
        }
    }

    /// [`finish_load`](Self::finish_load), remembering where the bytes came from.
    pub fn finish_load_from(
        &self,
        id: u32,
        name: &str,
        bytes: &[u8],
        origin: Origin,
    ) -> Option<u32> {
        let t0 = super::platform::now_ms();
        let result = self
            .store
            .try_update_value(|s| import::load(s, name, bytes));
        let ms = super::platform::now_ms() - t0;
        match result {
            Some(Ok(loaded)) => Some(self.loaded(id, loaded.file, origin, ms)),
            Some(Err(e)) => {
                self.mark_pending.set(false);
                self.fail_load(id, e);
                None
            }
            None => None,
        }
    }

    /// A load succeeded as file `file`: join it with the loaded files that
    /// share its traces (`join`), record it and open what it holds (its
    /// trace, or the trace list when it holds several; a trace open that it
    /// added spans to stays open). Returns the file's index (after a join,
    /// the joined file's).
    fn loaded(&self, id: u32, file: u32, origin: Origin, ms: f64) -> u32 {
        let (file, joined) = self.join_loaded(file, &self.load_name(id));
        self.origins.update_value(|o| {
            // A joined file's origin is its members' when they agree.
            let before = o.get(file as usize).cloned();
            o.truncate(file as usize);
            o.resize(file as usize, Origin::Local);
            o.push(match before {
                Some(b) if b != origin => Origin::Local,
                _ => origin,
            });
        });
        let (bytes, traces) = self.store.with_value(|s| {
            let f = &s.files[file as usize];
            if f.traces.len > 0 {
                let first = s.traces[f.traces.start as usize].spans.start;
                let spans = s.spans.service.len() as u32 - first;
                crate::layout::colors::register(
                    s,
                    crate::model::Range32 {
                        start: first,
                        len: spans,
                    },
                );
            }
            (f.bytes, f.traces)
        });
        self.loads.update(|l| {
            if let Some(x) = l.iter_mut().find(|x| x.id == id) {
                x.bytes = bytes;
            }
        });
        self.set_load(id, LoadState::Loaded { file, ms });
        self.rev.update(|r| *r += 1);
        let on_trace =
            self.page.get_untracked() == Page::Trace && self.trace.get_untracked().is_some();
        if joined.is_some() && on_trace {
            // The trace open stays open, with what was added (`join`).
            self.mark_pending.set(false);
        } else if traces.len == 1 {
            self.open_trace(traces.start);
        } else {
            self.mark_pending.set(false);
            self.show(Page::Traces);
        }
        file
    }

    /// What the parsing worker reports.
    fn on_worker(&self, e: WorkerEvent) {
        match e {
            WorkerEvent::Progress {
                id,
                read,
                total,
                spans,
            } => self.set_load(id, LoadState::Reading(Progress { read, total, spans })),
            WorkerEvent::Done { id, parts, timings } => {
                let file = self.store.try_update_value(|s| {
                    import::parts::append(s, parts.iter().map(|p| p.to_vec()))
                });
                drop(parts);
                let now = worker::absolute_now();
                worker::measure("strata:merge", timings.parsed_at, now);
                let ms = timings.read + timings.parse + (now - timings.parsed_at);
                let (origin, then) = self.take_pending(id);
                match file {
                    Some(Ok(file)) => {
                        let file = self.loaded(id, file, origin, ms);
                        then(Some(file));
                    }
                    Some(Err(e)) => {
                        let name = self.load_name(id);
                        self.mark_pending.set(false);
                        self.fail_load(id, ImportError::new(&name, e.0));
                        then(None);
                    }
                    None => {}
                }
            }
            WorkerEvent::Failed { id, error } => {
                self.mark_pending.set(false);
                self.fail_load(id, error);
                self.take_pending(id).1(None);
            }
            WorkerEvent::NoWorker(job) => self.load_here(job),
        }
    }

    /// Loads a job on the main thread (no worker could start).
    fn load_here(&self, job: Job) {
        let Job { id, name, input } = job;
        let app = *self;
        match input {
            worker::Input::Bytes(bytes) => app.finish_load(id, &name, &bytes),
            worker::Input::File(f) => {
                if f.size() as u64 > crate::sources::worker::MAIN_THREAD_FALLBACK_BYTES {
                    app.mark_pending.set(false);
                    let msg = format!(
                        "this browser could not start Strata's parsing worker, and a file of {} is too big to parse on the page itself",
                        crate::model::units::format_bytes(f.size() as u64)
                    );
                    app.fail_load(id, ImportError::new(&name, msg));
                    return;
                }
                leptos::task::spawn_local(async move {
                    match crate::sources::file::read(&f).await {
                        Ok(bytes) => app.finish_load(id, &name, &bytes),
                        Err(msg) => {
                            app.mark_pending.set(false);
                            app.fail_load(id, ImportError::new(&name, msg));
                        }
                    }
                });
            }
        }
    }

    fn load_name(&self, id: u32) -> String {
        self.loads.with_untracked(|l| {
            l.iter()
                .find(|x| x.id == id)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        })
    }

    /// Stops a load in progress; what was loaded before stays.
    pub fn cancel_load(&self, id: u32) {
        let stopped = self
            .loader
            .with_value(|l| l.as_ref().map(|l| l.cancel(id)))
            .unwrap_or(false);
        if stopped {
            // Nothing was loaded: what was to run after it never does.
            drop(self.take_pending(id));
            let name = self
                .loads
                .with_untracked(|l| l.iter().find(|x| x.id == id).map(|x| x.name.clone()));
            self.loads.update(|l| l.retain(|x| x.id != id));
            self.mark_pending.set(false);
            self.say(format!("Cancelled loading {}", name.unwrap_or_default()));
        }
    }

    /// Where the file holding trace `t` came from.
    pub fn origin_of(&self, t: u32) -> Origin {
        let file = self
            .store
            .with_value(|s| s.traces.get(t as usize).map(|tr| tr.file));
        file.and_then(|f| self.origins.with_value(|o| o.get(f as usize).cloned()))
            .unwrap_or(Origin::Local)
    }

    /// Loads bytes that are already in memory (paste, demo, a link's data).
    pub fn load_bytes(&self, name: &str, bytes: &[u8]) -> Option<u32> {
        self.load_bytes_from(name, bytes, Origin::Local)
    }

    /// Loads pasted text (the paste dialog, Ctrl+V on the page); false when
    /// it is blank.
    pub fn load_pasted(&self, text: String) -> bool {
        if text.trim().is_empty() {
            return false;
        }
        self.load_bytes_then("pasted text", text.into_bytes(), Origin::Local, |_| {});
        true
    }

    /// Loads bytes that are already in memory; from [`WORKER_FROM_BYTES`] on
    /// in the parsing worker, as a dropped file is (progress, Cancel, the page
    /// keeps painting), else here at once. `then` runs when the load is in.
    pub fn load_bytes_then(
        &self,
        name: &str,
        bytes: Vec<u8>,
        origin: Origin,
        then: impl FnOnce(Option<u32>) + 'static,
    ) {
        if bytes.len() < WORKER_FROM_BYTES {
            let file = self.load_bytes_from(name, &bytes, origin);
            return then(file);
        }
        let size = bytes.len();
        self.run_in_worker_then(name, size, worker::Input::Bytes(bytes), origin, then);
    }

    /// Hands `input` to the parsing worker; `then` runs once it is loaded.
    fn run_in_worker_then(
        &self,
        name: &str,
        size: usize,
        input: worker::Input,
        origin: Origin,
        then: impl FnOnce(Option<u32>) + 'static,
    ) {
        super::platform::mark("strata:file-dropped");
        self.mark_pending.set(true);
        let id = self.begin_load(name, size);
        let then: Then = Box::new(then);
        self.pending
            .update_value(|p| p.push((id, Pending { origin, then })));
        self.run_job(Job {
            id,
            name: name.to_owned(),
            input,
        });
    }

    /// Loads a fetched answer: a small one here (as bytes), a bigger one in
    /// the parsing worker as a file made of the chunks as they arrived, never
    /// copied into the page's memory.
    pub fn load_fetched_then(
        &self,
        name: &str,
        body: &crate::sources::fetch::Body,
        origin: Origin,
        then: impl FnOnce(Option<u32>) + 'static,
    ) {
        let file = (body.len() >= WORKER_FROM_BYTES as u64)
            .then(|| body.to_file(name))
            .flatten();
        let Some(file) = file else {
            return match body.to_vec() {
                Ok(bytes) => self.load_bytes_then(name, bytes, origin, then),
                Err(msg) => {
                    let id = self.begin_load(name, body.len() as usize);
                    self.fail_load(id, ImportError::new(name, msg));
                    then(None)
                }
            };
        };
        let size = body.len() as usize;
        self.run_in_worker_then(name, size, worker::Input::File(file), origin, then);
    }

    /// Hands a load to the parsing worker, or loads it here when there is none.
    fn run_job(&self, job: Job) {
        match self.loader.with_value(|l| l.clone()) {
            Some(l) => l.submit(job),
            None => self.load_here(job),
        }
    }

    pub fn load_bytes_from(&self, name: &str, bytes: &[u8], origin: Origin) -> Option<u32> {
        super::platform::mark("strata:file-dropped");
        self.mark_pending.set(true);
        let id = self.begin_load(name, bytes.len());
        self.finish_load_from(id, name, bytes, origin)
    }

    /// Reads dropped or picked files and loads each (in the order given), in
    /// the parsing worker: the page stays responsive, the load shows progress
    /// and can be cancelled.
    pub fn load_files(&self, files: Vec<web_sys::File>) {
        super::platform::mark("strata:file-dropped");
        self.mark_pending.set(true);
        for f in files {
            let name = f.name();
            let size = f.size() as u64;
            let id = self.begin_load(&name, size as usize);
            if size > crate::sources::worker::MAX_FILE_BYTES {
                self.mark_pending.set(false);
                let msg = crate::sources::worker::too_big(size);
                self.fail_load(id, ImportError::new(&name, msg));
                continue;
            }
            self.run_job(Job {
                id,
                name,
                input: worker::Input::File(f),
            });
        }
    }

    /// The built-in demo, with its featured trace (the declined card) open.
    pub fn load_demo(&self) {
        let bytes = crate::sources::demo::bytes();
        self.load_bytes_from(crate::sources::demo::NAME, &bytes, Origin::Demo);
        let first = self.store.with_value(|s| {
            s.files
                .iter()
                .rposition(|f| f.name == crate::sources::demo::NAME)
                .map(|f| s.files[f].traces.start)
        });
        if let Some(t) = first {
            self.mark_pending.set(true);
            self.open_trace(t);
        }
    }

    /// Closes a trace's tab; the neighbour (or the trace list) takes its place.
    pub fn close_tab(&self, t: u32) {
        let mut next = None;
        self.tabs.update(|tabs| {
            if let Some(pos) = tabs.iter().position(|&x| x == t) {
                tabs.remove(pos);
                next = tabs.get(pos).or(tabs.get(pos.wrapping_sub(1))).copied();
            }
        });
        if self.trace.get_untracked() == Some(t) {
            match next {
                Some(n) => self.open_trace(n),
                None => {
                    self.trace.set(None);
                    self.span.set(None);
                    self.show(Page::Traces);
                }
            }
        }
    }

    /// Switches page. Setting a signal notifies even when the value is the
    /// same, and the page switch rebuilds the whole content (losing focus and
    /// scroll), so only a real change is written.
    pub fn show(&self, page: Page) {
        if self.page.get_untracked() != page {
            self.page.set(page);
        }
    }

    pub fn open_trace(&self, t: u32) {
        if self.trace.get_untracked() != Some(t) {
            self.query.set(String::new());
            self.service.set(None);
            self.span_filter.set(None);
            self.trace.set(Some(t));
        }
        if !self.tabs.with_untracked(|tabs| tabs.contains(&t)) {
            self.tabs.update(|tabs| tabs.push(t));
        }
        self.span.set(None);
        self.collapsed.set(FxHashSet::default());
        self.window.set(None);
        self.focus.set(None);
        self.expanded_runs.set(FxHashSet::default());
        self.show(Page::Trace);
    }

    /// Selects a span, opening its trace and expanding its ancestors if needed.
    pub fn select_span(&self, span: u32) {
        let (trace, ancestors) = self
            .store
            .with_value(|s| (s.spans.trace[span as usize], waterfall::ancestors(s, span)));
        if self.trace.get_untracked() != Some(trace) {
            self.open_trace(trace);
        }
        self.show(Page::Trace);
        if let Some(f) = self.focus.get_untracked() {
            if f != span && !ancestors.contains(&f) {
                self.focus.set(None);
            }
        }
        // A span folded into a run of repeated calls: unfold the run.
        let head = self.derived.get_value().and_then(|d| {
            d.folds.with_untracked(|folds| {
                folds
                    .iter()
                    .find(|f| f.spans[1..].contains(&span))
                    .map(|f| f.spans[0])
            })
        });
        if let Some(h) = head {
            self.expanded_runs.update(|e| {
                e.insert(h);
            });
        }
        if ancestors
            .iter()
            .any(|a| self.collapsed.with_untracked(|c| c.contains(a)))
        {
            self.collapsed.update(|c| {
                for a in &ancestors {
                    c.remove(a);
                }
            });
        }
        self.span.set(Some(span));
        self.reveal.update(|r| *r += 1);
    }

    /// Shows one view of the open trace.
    pub fn show_view(&self, view: View) {
        if view == View::Traces {
            self.show(Page::Traces);
            return;
        }
        if self.view.get_untracked() != view {
            self.view.set(view);
        }
        self.show(Page::Trace);
    }

    /// Selects a service (map node), or clears the selection.
    pub fn select_service(&self, name: Option<String>) {
        if self.service.get_untracked() != name {
            self.service.set(name);
        }
    }

    pub fn toggle_collapsed(&self, span: u32) {
        self.collapsed.update(|c| {
            if !c.remove(&span) {
                c.insert(span);
            }
        });
    }

    pub fn collapse_all(&self) {
        if let Some(t) = self.trace.get_untracked() {
            let all = self.store.with_value(|s| waterfall::parents(s, t));
            self.collapsed.set(all);
        }
    }

    pub fn expand_all(&self) {
        self.collapsed.set(FxHashSet::default());
    }

    pub fn window_or_whole(&self) -> Option<Window> {
        let t = self.trace.get()?;
        Some(
            self.window
                .get()
                .unwrap_or_else(|| self.store.with_value(|s| Window::whole(s, t))),
        )
    }

    /// Shows a short confirmation.
    pub fn say(&self, text: impl Into<String>) {
        let text = text.into();
        self.toast.set(Some(text.clone()));
        let toast = self.toast;
        set_timeout(
            move || {
                if toast.get_untracked().as_deref() == Some(text.as_str()) {
                    toast.set(None);
                }
            },
            std::time::Duration::from_millis(3500),
        );
    }

    pub fn toggle_theme(&self) {
        let next = match self.theme.get_untracked() {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Light,
        };
        self.theme.set(next);
        super::platform::save_theme(next);
    }
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

impl AppState {
    /// What the views derive from the state.
    pub fn derived(&self) -> super::derived::Derived {
        self.derived
            .get_value()
            .expect("AppState::new sets the derived state")
    }
}
