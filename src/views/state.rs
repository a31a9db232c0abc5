//! The app's state: the store (not reactive itself; `rev` says when it
//! changed) and the signals that say what the user is looking at. Actions are
//! methods here so components stay thin: they call an action and draw.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use crate::import::{self, ImportError};
use crate::layout::waterfall::{self, Window};
use crate::model::Store;
use crate::sources::link::{FlameMode, MapScope, View};

#[derive(Clone, Debug, PartialEq)]
pub enum LoadState {
    Reading,
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    None,
    Paste,
    Help,
    Warnings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Start,
    Duration,
    Spans,
    Errors,
    Services,
    Name,
}

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
    /// Text of the span search (waterfall and flame graph).
    pub query: RwSignal<String>,
    /// Which view of the open trace: waterfall, flame graph or service map.
    pub view: RwSignal<View>,
    /// The selected service (from the service map); filters the waterfall.
    pub service: RwSignal<Option<String>>,
    pub flame_mode: RwSignal<FlameMode>,
    pub map_scope: RwSignal<MapScope>,
    /// A message about the page's link (a trace it names is not loaded...).
    pub notice: RwSignal<Option<String>>,
    next_load: StoredValue<u32>,
}

impl AppState {
    pub fn new() -> AppState {
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
            view: RwSignal::new(View::Waterfall),
            service: RwSignal::new(None),
            flame_mode: RwSignal::new(FlameMode::Time),
            map_scope: RwSignal::new(MapScope::Trace),
            notice: RwSignal::new(None),
            next_load: StoredValue::new(0),
        }
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
                state: LoadState::Reading,
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
        let t0 = super::platform::now_ms();
        let result = self
            .store
            .try_update_value(|s| import::load(s, name, bytes));
        let ms = super::platform::now_ms() - t0;
        match result {
            Some(Ok(loaded)) => {
                self.loads.update(|l| {
                    if let Some(x) = l.iter_mut().find(|x| x.id == id) {
                        x.bytes = bytes.len();
                    }
                });
                self.set_load(
                    id,
                    LoadState::Loaded {
                        file: loaded.file,
                        ms,
                    },
                );
                self.rev.update(|r| *r += 1);
                let traces = self
                    .store
                    .with_value(|s| s.files[loaded.file as usize].traces);
                if traces.len == 1 {
                    self.open_trace(traces.start);
                } else {
                    self.mark_pending.set(false);
                    self.show(Page::Traces);
                }
            }
            Some(Err(e)) => {
                self.mark_pending.set(false);
                self.fail_load(id, e);
            }
            None => {}
        }
    }

    /// Loads bytes that are already in memory (paste, demo).
    pub fn load_bytes(&self, name: &str, bytes: &[u8]) {
        super::platform::mark("strata:file-dropped");
        self.mark_pending.set(true);
        let id = self.begin_load(name, bytes.len());
        self.finish_load(id, name, bytes);
    }

    /// Reads dropped or picked files and loads each (in the order given).
    pub fn load_files(&self, files: Vec<web_sys::File>) {
        super::platform::mark("strata:file-dropped");
        self.mark_pending.set(true);
        let app = *self;
        for f in files {
            let name = f.name();
            let id = app.begin_load(&name, f.size() as usize);
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

    /// The built-in demo, with its featured trace (the declined card) open.
    pub fn load_demo(&self) {
        let bytes = crate::sources::demo::bytes();
        self.load_bytes(crate::sources::demo::NAME, &bytes);
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
            self.trace.set(Some(t));
        }
        self.span.set(None);
        self.collapsed.set(FxHashSet::default());
        self.window.set(None);
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
