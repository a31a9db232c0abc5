//! A file that holds spans of traces already loaded joins them
//! ([`crate::import::join`]): the store regroups the files, and here what the
//! page keeps by index (tabs, the open trace and its selection, folds,
//! picks, hidden files, loads, origins) follows the traces and spans to
//! their new places, found again by their ids. The open trace stays open and
//! grows in place; the page says what was added.

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::state::{AppState, LoadState, Origin};
use crate::import::join::{self, Joined};
use crate::model::{SpanId, Store, TraceId};

type SpanKey = (TraceId, SpanId);

/// What the page holds by index, by id instead.
struct Kept {
    tabs: Vec<TraceId>,
    trace: Option<TraceId>,
    picked: Option<Vec<TraceId>>,
    span: Option<SpanKey>,
    focus: Option<SpanKey>,
    collapsed: Vec<SpanKey>,
    expanded_runs: Vec<SpanKey>,
}

fn trace_key(s: &Store, t: u32) -> Option<TraceId> {
    s.traces.get(t as usize).map(|t| t.id)
}

fn span_key(s: &Store, i: u32) -> Option<SpanKey> {
    let trace = s.traces.get(*s.spans.trace.get(i as usize)? as usize)?;
    Some((trace.id, s.spans.id[i as usize]))
}

fn find_span(s: &Store, k: SpanKey) -> Option<u32> {
    s.find_span(k.0, k.1)
}

impl AppState {
    /// Joins file `file` (just loaded, named `name`) with the loaded files
    /// that share traces with it. Returns the file's index after the join
    /// (the joined file's) and what was joined.
    pub(super) fn join_loaded(&self, file: u32, name: &str) -> (u32, Option<Joined>) {
        let kept = self.store.with_value(|s| self.keep_by_id(s));
        let joined = self
            .store
            .try_update_value(|s| join::join_new(s, file))
            .flatten();
        let Some(j) = joined else {
            return (file, None);
        };
        self.store.with_value(|s| self.restore(s, &kept, &j));
        let notice = self.store.with_value(|s| j.notice(s, name));
        self.say(notice);
        (j.file, Some(j))
    }

    fn keep_by_id(&self, s: &Store) -> Kept {
        let spans = |set: &FxHashSet<u32>| set.iter().filter_map(|&i| span_key(s, i)).collect();
        Kept {
            tabs: self
                .tabs
                .with_untracked(|t| t.iter().filter_map(|&x| trace_key(s, x)).collect()),
            trace: self.trace.get_untracked().and_then(|t| trace_key(s, t)),
            picked: self.picked.with_untracked(|p| {
                p.as_ref()
                    .map(|p| p.iter().filter_map(|&t| trace_key(s, t)).collect())
            }),
            span: self.span.get_untracked().and_then(|i| span_key(s, i)),
            focus: self.focus.get_untracked().and_then(|i| span_key(s, i)),
            collapsed: self.collapsed.with_untracked(spans),
            expanded_runs: self.expanded_runs.with_untracked(spans),
        }
    }

    fn restore(&self, s: &Store, kept: &Kept, j: &Joined) {
        let trace = |id: &TraceId| s.find_trace(*id);
        let mut tabs: Vec<u32> = kept.tabs.iter().filter_map(trace).collect();
        tabs.dedup();
        self.tabs.set(tabs);
        if let Some(t) = kept.trace.as_ref().and_then(trace) {
            self.trace.set(Some(t));
        }
        if let Some(p) = &kept.picked {
            let mut p: Vec<u32> = p.iter().filter_map(trace).collect();
            p.sort_unstable();
            p.dedup();
            self.picked.set(Some(p));
        }
        self.span.set(kept.span.and_then(|k| find_span(s, k)));
        self.focus.set(kept.focus.and_then(|k| find_span(s, k)));
        let spans = |keys: &[SpanKey]| keys.iter().filter_map(|&k| find_span(s, k)).collect();
        self.collapsed.set(spans(&kept.collapsed));
        self.expanded_runs.set(spans(&kept.expanded_runs));
        self.span_filter.set(None);
        self.hidden.update(|h| {
            *h = h
                .iter()
                .filter(|f| j.members.binary_search(f).is_err())
                .map(|&f| j.file_index(f))
                .collect()
        });
        // The joined file is listed once: as the load that joined it.
        self.loads.update(|l| {
            l.retain(|x| {
                !matches!(x.state, LoadState::Loaded { file, .. } if j.members.binary_search(&file).is_ok())
            });
            for x in l.iter_mut() {
                if let LoadState::Loaded { file, .. } = &mut x.state {
                    *file = j.file_index(*file);
                }
            }
        });
        self.origins.update_value(|o| {
            let mut joined: Vec<Origin> = Vec::new();
            let mut rest = Vec::with_capacity(o.len());
            for (f, origin) in o.drain(..).enumerate() {
                match j.members.binary_search(&(f as u32)) {
                    Ok(_) => joined.push(origin),
                    Err(_) => rest.push(origin),
                }
            }
            *o = rest;
            // The new file's own origin is recorded after this.
            let all_alike = joined.windows(2).all(|w| w[0] == w[1]);
            o.push(match joined.into_iter().next() {
                Some(first) if all_alike => first,
                _ => Origin::Local,
            });
        });
    }
}
