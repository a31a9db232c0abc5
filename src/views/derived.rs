//! What the views derive from the app state, computed once for all of them:
//! the open trace's answers (critical path, error origins, patterns), the
//! find box's query and its matches, the folded runs and the waterfall's
//! rows. Components read these memos and draw; the rules live in
//! `analysis` and `layout`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use rustc_hash::FxHashSet;

use super::state::{AppState, FindMode};
use crate::analysis::anomaly::Anomalies;
use crate::analysis::answers::{self, Answers, Verdict};
use crate::analysis::patterns::{Baseline, BaselineBuilder, PatternKind, Thresholds};
use crate::analysis::query::{Query, QueryError};
use crate::analysis::{services, Facts};
use crate::layout::waterfall::{self as wl, Fold, RowSpec, Rows};

/// A value shared by reference between memos: equal when it is the same
/// allocation (comparing the contents would cost as much as computing them).
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Shared<T> {
    pub fn new(v: T) -> Shared<T> {
        Shared(Arc::new(v))
    }
}

/// The find box's matches: as a set (to mark rows) and in row order (to
/// step through them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matches {
    pub set: FxHashSet<u32>,
    pub ordered: Vec<u32>,
}

impl Matches {
    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }
}

/// Traces up to this many spans (in a store up to [`SYNC_STORE`]) are
/// analysed at once when they open (20k: ~5 ms natively, ~15 in wasm);
/// bigger ones after their first paint, in slices between frames, the
/// summary saying so meanwhile (at 100k the analyses take ~70 ms in wasm:
/// at once, they would delay the first paint by that much).
const SYNC_TRACE: u32 = 20_000;
const SYNC_STORE: usize = 100_000;
/// Spans a slice reads (pattern calls, the baseline, statistics): ~20-40
/// ms natively.
pub const SLICE: usize = 200_000;

#[derive(Clone, Copy)]
pub struct Derived {
    /// The open trace's answers (None while a big trace is being analysed).
    pub answers: RwSignal<Option<Shared<Answers>>>,
    /// A big trace's analysis is under way.
    pub analysing: RwSignal<bool>,
    /// The find box's text, parsed.
    pub query: Memo<Result<Query, QueryError>>,
    pub matches: Memo<Shared<Matches>>,
    /// The spans a service chosen on the map keeps (with ancestors).
    pub service_spans: Memo<Option<Shared<FxHashSet<u32>>>>,
    /// N+1 runs folded into one row each (those not expanded).
    pub folds: Memo<Shared<Vec<Fold>>>,
    pub rows: Memo<Shared<Rows>>,
    /// Every loaded trace's verdict (the trace list's column), by trace.
    pub verdicts: Memo<Shared<Vec<Verdict>>>,
    /// The trace list's filter, parsed.
    pub list_query: Memo<Result<Query, QueryError>>,
    /// The loaded traces the trace list's filter keeps (list and scatter).
    pub listed: Memo<Shared<Vec<u32>>>,
    /// The loaded traces of the files not hidden: what the list, the
    /// scatter and the all-traces map, flame graph and statistics read.
    pub shown: Memo<Shared<Vec<u32>>>,
    /// Spans unusually slow for their operation across the shown traces
    /// (`analysis::anomaly`), built once per store or shown-files change.
    pub anomalies: Memo<Shared<Anomalies>>,
}

impl Derived {
    pub fn new(app: AppState) -> Derived {
        let answers = RwSignal::new(None);
        let analysing = RwSignal::new(false);
        let runner = Runner::default();
        Effect::new(move |_| {
            let t = app.trace.get();
            let th = app.thresholds.get();
            let rev = app.rev.get();
            runner.start(app, t, th, rev, answers, analysing);
        });
        let query = Memo::new(move |_| Query::parse(&app.query.get()));
        let matches = Memo::new(move |_| {
            let none = || Shared::new(Matches::default());
            let Some(t) = app.trace.get() else {
                return none();
            };
            query.with(|q| {
                let Ok(q) = q else { return none() };
                if !q.is_filter() {
                    return none();
                }
                answers.with(|a| {
                    app.with_store(|s| {
                        let empty;
                        let facts: &Facts = match a {
                            Some(a) if a.trace == t => &a.facts,
                            _ => {
                                empty = Facts::empty(s, t);
                                &empty
                            }
                        };
                        let found = q.find(s, facts);
                        let set: FxHashSet<u32> = found.iter().copied().collect();
                        let ordered = if set.is_empty() {
                            Vec::new()
                        } else {
                            wl::rows(s, t, &FxHashSet::default())
                                .into_iter()
                                .filter(|i| set.contains(i))
                                .collect()
                        };
                        Shared::new(Matches { set, ordered })
                    })
                })
            })
        });
        let service_spans = Memo::new(move |_| {
            let name = app.service.get()?;
            let t = app.trace.get()?;
            Some(Shared::new(app.with_store(|s| {
                services::spans_of(s, t, &name)
                    .into_iter()
                    .collect::<FxHashSet<u32>>()
            })))
        });
        let folds = Memo::new(move |_| {
            let expanded = app.expanded_runs.get();
            answers.with(|a| {
                let Some(a) = a else {
                    return Shared::new(Vec::new());
                };
                app.with_store(|s| {
                    Shared::new(
                        a.patterns
                            .iter()
                            .filter(|p| p.kind == PatternKind::NPlusOne && p.spans.len() > 1)
                            .filter(|p| !expanded.contains(&p.spans[0]))
                            .map(|p| Fold::new(s, &p.title_name(), p.spans.clone()))
                            .collect(),
                    )
                })
            })
        });
        let rows = Memo::new(move |_| {
            let Some(t) = app.trace.get() else {
                return Shared::new(Rows::default());
            };
            let mode = app.find_mode.get();
            let critical_only = app.critical_only.get();
            let focus = app.focus.get();
            let shorter = query.with(|q| q.as_ref().ok().and_then(|q| q.collapse_below()));
            let critical: Option<FxHashSet<u32>> = critical_only
                .then(|| {
                    answers.with(|a| {
                        a.as_ref().map(|a| {
                            a.critical
                                .span_ns
                                .iter()
                                .enumerate()
                                .filter(|(_, &ns)| ns > 0)
                                .map(|(k, _)| a.critical.base + k as u32)
                                .collect()
                        })
                    })
                })
                .flatten();
            let chosen = app.span_filter.get();
            matches.with(|m| {
                service_spans.with(|svc| {
                    folds.with(|folds| {
                        app.collapsed.with(|c| {
                            app.with_store(|s| {
                                // The service filter, the critical path and
                                // "matches and their ancestors" each keep a
                                // set with its ancestors: together, their
                                // intersection.
                                let mut keep: Option<FxHashSet<u32>> =
                                    svc.as_ref().map(|x| (**x).clone());
                                let mut narrow = |set: &FxHashSet<u32>| {
                                    keep = Some(match keep.take() {
                                        None => set.clone(),
                                        Some(k) => k.intersection(set).copied().collect(),
                                    });
                                };
                                if let Some(cp) = &critical {
                                    narrow(cp);
                                }
                                if let Some(f) = &chosen {
                                    narrow(&f.spans);
                                }
                                let filtering = !m.set.is_empty()
                                    || query.with(|q| q.as_ref().is_ok_and(|q| q.is_filter()));
                                if filtering && mode == FindMode::WithAncestors {
                                    narrow(&m.set);
                                }
                                let only = (filtering && mode == FindMode::Only).then_some(&m.set);
                                let spec = RowSpec {
                                    collapsed: Some(c),
                                    keep: keep.as_ref(),
                                    only,
                                    focus,
                                    shorter_than: shorter,
                                    folds: &folds[..],
                                };
                                Shared::new(wl::layout_rows(s, t, &spec))
                            })
                        })
                    })
                })
            })
        });
        let verdicts = Memo::new(move |_| {
            app.with_store(|s| {
                Shared::new(
                    (0..s.traces.len() as u32)
                        .map(|t| Verdict::quick(s, t))
                        .collect(),
                )
            })
        });
        let list_query = Memo::new(move |_| Query::parse(&app.list_query.get()));
        let shown = Memo::new(move |_| {
            app.hidden.with(|hidden| {
                app.with_store(|s| {
                    Shared::new(
                        (0..s.traces.len() as u32)
                            .filter(|&t| !hidden.contains(&s.traces[t as usize].file))
                            .collect::<Vec<u32>>(),
                    )
                })
            })
        });
        let anomalies = Memo::new(move |_| {
            shown.with(|t| app.with_store(|s| Shared::new(Anomalies::build(s, t))))
        });
        let listed = Memo::new(move |_| {
            list_query.with(|q| {
                shown.with(|shown| {
                    let picked = app.picked.get();
                    app.with_store(|s| {
                        let all = shown
                            .iter()
                            .copied()
                            .filter(|t| picked.as_ref().is_none_or(|p| p.binary_search(t).is_ok()));
                        Shared::new(match q {
                            Ok(q) => q.traces(s, all),
                            // A query being typed that does not parse yet keeps the list.
                            Err(_) => all.collect(),
                        })
                    })
                })
            })
        });
        Derived {
            verdicts,
            list_query,
            listed,
            shown,
            anomalies,
            answers,
            analysing,
            query,
            matches,
            service_spans,
            folds,
            rows,
        }
    }
}

/// Runs the open trace's analyses: at once for a small trace, else in
/// slices between frames (`set_timeout(0)`), each short enough not to block
/// the page; a newer request (another trace, thresholds, a load) stops the
/// slices of the older one. The baseline (every loaded trace's statements)
/// is kept until the store changes.
#[derive(Clone, Copy, Default)]
struct Runner {
    state: StoredValue<Rc<RefCell<RunState>>, LocalStorage>,
}

#[derive(Default)]
struct RunState {
    generation: u64,
    baseline: Option<(u64, Shared<Baseline>)>,
}

impl Runner {
    fn start(
        self,
        app: AppState,
        t: Option<u32>,
        th: Thresholds,
        rev: u64,
        out: RwSignal<Option<Shared<Answers>>>,
        analysing: RwSignal<bool>,
    ) {
        let state = self.state.get_value();
        let generation = {
            let mut st = state.borrow_mut();
            st.generation += 1;
            st.generation
        };
        let Some(t) = t else {
            out.set(None);
            analysing.set(false);
            return;
        };
        let (spans, total) = app.store.with_value(|s| {
            (
                s.traces.get(t as usize).map_or(0, |tr| tr.spans.len),
                s.spans.len(),
            )
        });
        let cached = state
            .borrow()
            .baseline
            .as_ref()
            .filter(|(r, _)| *r == rev)
            .map(|(_, b)| b.clone());
        if spans <= SYNC_TRACE && (total <= SYNC_STORE || cached.is_some()) {
            let a = app.store.with_value(|s| {
                let b = cached.unwrap_or_else(|| Shared::new(Baseline::build(s)));
                state.borrow_mut().baseline = Some((rev, b.clone()));
                timed(|| answers::analyze(s, t, &th, &b))
            });
            out.set(Some(Shared::new(a)));
            analysing.set(false);
            return;
        }
        out.set(None);
        analysing.set(true);
        let mut job = app.store.with_value(|s| answers::Job::new(s, t));
        let mut baseline = cached.ok_or_else(BaselineBuilder::default);
        let live = state.clone();
        let t0 = crate::sources::worker::client::absolute_now();
        // After the trace's first frame: the rows come first.
        let go = move || {
            in_slices(
                move || live.borrow().generation == generation,
                move || {
                    app.store.with_value(|s| match &mut baseline {
                        Err(builder) => {
                            if builder.step(s, SLICE) {
                                let b = Shared::new(std::mem::take(builder).finish());
                                state.borrow_mut().baseline = Some((rev, b.clone()));
                                baseline = Ok(b);
                            }
                            None
                        }
                        Ok(b) => job.step(s, &th, b, SLICE),
                    })
                },
                move |a| {
                    use crate::sources::worker::client::{absolute_now, measure};
                    measure("strata:answers", t0, absolute_now());
                    out.set(Some(Shared::new(a)));
                    analysing.set(false);
                },
            )
        };
        super::platform::after_paint(go);
    }
}

/// Runs `f` inside a `strata:answers` measure (read by the benchmarks).
fn timed<R>(f: impl FnOnce() -> R) -> R {
    use crate::sources::worker::client::{absolute_now, measure};
    let t0 = absolute_now();
    let r = f();
    measure("strata:answers", t0, absolute_now());
    r
}

/// Work over up to this many spans (a statistics table, slow vs the rest)
/// runs at once (~20-70 ms natively at 100k); more runs in slices.
pub const SYNC_SPANS: usize = 100_000;

/// Runs a job over `spans` spans into `out`: at once (one step of any size)
/// when they are at most [`SYNC_SPANS`]; else `out` is None and the job
/// goes on between frames, `slice` spans a step, while `live` holds.
pub fn run_job<R: Send + Sync + 'static>(
    spans: usize,
    slice: usize,
    out: RwSignal<Option<R>>,
    live: impl Fn() -> bool + 'static,
    mut step: impl FnMut(usize) -> Option<R> + 'static,
) {
    if spans <= SYNC_SPANS {
        out.set(step(usize::MAX));
        return;
    }
    out.set(None);
    in_slices(
        live,
        move || step(slice),
        move |r| {
            let _ = out.try_set(Some(r));
        },
    );
}

/// Calls `step` between frames (`set_timeout(0)`) until it returns a
/// result, then `done` with it; stops as soon as `live` says the work is
/// no longer wanted.
pub fn in_slices<R: 'static>(
    live: impl Fn() -> bool + 'static,
    step: impl FnMut() -> Option<R> + 'static,
    done: impl FnOnce(R) + 'static,
) {
    type Step<R> = Box<dyn FnMut() -> Option<R>>;
    fn go<R: 'static>(live: Rc<dyn Fn() -> bool>, mut step: Step<R>, done: Box<dyn FnOnce(R)>) {
        if !live() {
            return;
        }
        match step() {
            Some(r) => done(r),
            None => set_timeout(move || go(live, step, done), Duration::ZERO),
        }
    }
    let live: Rc<dyn Fn() -> bool> = Rc::new(live);
    let step: Step<R> = Box::new(step);
    let done: Box<dyn FnOnce(R)> = Box::new(done);
    set_timeout(move || go(live, step, done), Duration::ZERO);
}
