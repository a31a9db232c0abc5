//! What the store's spans mean: tree structure and health, and the answers a
//! trace viewer owes its user: where a trace failed ([`errors`]), where its
//! time went ([`critical_path`], [`selftime`], [`stats`]), what looks wrong
//! ([`patterns`]), and which spans a query names ([`query`]). Each analysis is
//! a pure function of the store, in its own file, whose doc comment states its
//! rule and where it differs from Jaeger, Zipkin or Sentry.

pub mod anomaly;
pub mod answers;
pub mod compare;
pub mod contrast;
pub mod critical_path;
pub mod errors;
pub mod health;
pub mod links;
pub mod network;
pub mod patterns;
pub mod query;
pub mod search;
pub mod selftime;
pub mod semconv;
pub mod services;
pub mod skew;
pub mod stats;
#[cfg(test)]
pub(crate) mod testing;
pub mod tree;

use crate::model::Store;

/// Bits of [`Facts::patterns`]: the patterns a span takes part in.
pub mod pattern_bits {
    pub const N_PLUS_ONE: u8 = 1;
    pub const SEQUENTIAL: u8 = 1 << 1;
    pub const SLOW_QUERY: u8 = 1 << 2;
    pub const TIMEOUT: u8 = 1 << 3;
}

/// What the analyses derived about each span of one trace, as columns indexed
/// by the span's position in its trace (`span - trace.spans.start`). The
/// query language reads it (`self>10ms`, `critical`, `origin`, `pattern`),
/// the views draw it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    /// The trace these columns describe.
    pub trace: u32,
    /// Its first span (`trace.spans.start`).
    pub base: u32,
    /// Self time, ns ([`selftime`]).
    pub self_ns: Vec<i64>,
    /// Time on the critical path, ns (0: not on it; [`critical_path`]).
    pub critical_ns: Vec<i64>,
    /// An error origin ([`errors`]).
    pub origin: Vec<bool>,
    /// [`pattern_bits`] of the patterns the span is part of ([`patterns`]).
    pub patterns: Vec<u8>,
}

impl Facts {
    /// Columns of zeros for trace `t` (nothing derived yet).
    pub fn empty(store: &Store, t: u32) -> Facts {
        let r = store.traces[t as usize].spans;
        let n = r.len as usize;
        Facts {
            trace: t,
            base: r.start,
            self_ns: vec![0; n],
            critical_ns: vec![0; n],
            origin: vec![false; n],
            patterns: vec![0; n],
        }
    }

    /// Self times and critical path of trace `t` (no origins or patterns):
    /// what the statistics of a trace need.
    pub fn timing(store: &Store, t: u32) -> Facts {
        let mut f = Facts::empty(store, t);
        f.self_ns = selftime::all(store, t);
        f.critical_ns = critical_path::compute(store, t).span_ns;
        f
    }

    /// Index of store span `span` in the columns (it must be of this trace).
    pub fn at(&self, span: u32) -> usize {
        (span - self.base) as usize
    }

    pub fn self_of(&self, span: u32) -> i64 {
        self.self_ns[self.at(span)]
    }

    pub fn critical_of(&self, span: u32) -> i64 {
        self.critical_ns[self.at(span)]
    }

    pub fn is_critical(&self, span: u32) -> bool {
        self.critical_of(span) > 0
    }

    pub fn is_origin(&self, span: u32) -> bool {
        self.origin[self.at(span)]
    }

    pub fn patterns_of(&self, span: u32) -> u8 {
        self.patterns[self.at(span)]
    }
}
