//! Taking loaded sources out again: removing a file (the demo too), hiding
//! its traces, replacing everything loaded. The store does the cutting
//! ([`Store::remove_file`]); here every index the page keeps (tabs, the
//! open trace, the selected span, folded rows, loads, hidden files) is
//! renumbered with what it returns.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::state::{AppState, LoadState, Page};
use crate::model::merge::Removed;
use crate::model::Store;

/// Renumbers a set of indices, dropping the removed ones.
fn renumber(set: &FxHashSet<u32>, f: impl Fn(u32) -> Option<u32>) -> FxHashSet<u32> {
    set.iter().filter_map(|&x| f(x)).collect()
}

impl AppState {
    /// The files loaded now, in order.
    pub fn file_count(&self) -> usize {
        self.store.with_value(|s| s.files.len())
    }

    /// Removes file `file` and its traces; what pointed past it is
    /// renumbered, its tabs close. Says what went.
    pub fn remove_source(&self, file: u32) {
        let name = self
            .store
            .with_value(|s| s.files.get(file as usize).map(|f| f.name.clone()));
        let Some(name) = name else { return };
        let removed = self
            .store
            .try_update_value(|s| s.remove_file(file))
            .flatten();
        let Some(r) = removed else {
            self.say(format!("Could not remove {name}"));
            return;
        };
        self.renumber_after(&r);
        self.rev.update(|x| *x += 1);
        self.say(format!(
            "Removed {name} ({})",
            crate::model::units::counted(r.traces.len as u64, "trace")
        ));
    }

    /// Removes every loaded file (a drop that replaces them). Loads still
    /// under way stay and land in the emptied store.
    pub fn remove_all_sources(&self) {
        // The raw/corrected clock-skew choice stays for what comes next.
        let raw_times = self.store.with_value(|s| s.raw_times);
        self.store.set_value(Store {
            raw_times,
            ..Store::default()
        });
        self.origins.set_value(Vec::new());
        self.loads
            .update(|l| l.retain(|x| matches!(x.state, LoadState::Reading(_))));
        self.hidden.set(FxHashSet::default());
        self.picked.set(None);
        self.span_filter.set(None);
        self.tabs.set(Vec::new());
        self.close_open_trace();
        crate::layout::colors::reset();
        self.rev.update(|x| *x += 1);
    }

    /// Shows or hides file `file`'s traces in the trace list, the scatter
    /// and the all-traces views (open tabs stay).
    pub fn toggle_hidden(&self, file: u32) {
        self.hidden.update(|h| {
            if !h.remove(&file) {
                h.insert(file);
            }
        });
    }

    fn close_open_trace(&self) {
        self.trace.set(None);
        self.span.set(None);
        self.focus.set(None);
        self.window.set(None);
        self.show(Page::Traces);
    }

    fn renumber_after(&self, r: &Removed) {
        self.span_filter.set(None);
        self.origins.update_value(|o| {
            if (r.file as usize) < o.len() {
                o.remove(r.file as usize);
            }
        });
        self.loads.update(|l| {
            l.retain(|x| !matches!(x.state, LoadState::Loaded { file, .. } if file == r.file));
            for x in l.iter_mut() {
                if let LoadState::Loaded { file, .. } = &mut x.state {
                    *file = r.file(*file).unwrap_or(*file);
                }
            }
        });
        if self.picked.with_untracked(|p| p.is_some()) {
            self.picked.update(|p| {
                if let Some(p) = p {
                    *p = p.iter().filter_map(|&t| r.trace(t)).collect();
                }
            });
        }
        if self.hidden.with_untracked(|h| !h.is_empty()) {
            self.hidden.update(|h| *h = renumber(h, |f| r.file(f)));
        }
        self.tabs
            .update(|t| *t = t.iter().filter_map(|&x| r.trace(x)).collect());
        let Some(open) = self.trace.get_untracked() else {
            return;
        };
        match r.trace(open) {
            None => match self.tabs.with_untracked(|t| t.first().copied()) {
                Some(next) => self.open_trace(next),
                None => self.close_open_trace(),
            },
            Some(now) => {
                let span = |x: Option<u32>| x.and_then(|i| r.span(i));
                if now != open {
                    self.trace.set(Some(now));
                }
                self.span.set(span(self.span.get_untracked()));
                self.focus.set(span(self.focus.get_untracked()));
                self.collapsed.update(|c| *c = renumber(c, |i| r.span(i)));
                self.expanded_runs
                    .update(|c| *c = renumber(c, |i| r.span(i)));
            }
        }
    }
}
