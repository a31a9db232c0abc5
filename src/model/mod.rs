//! The trace store and the types it is made of. No I/O, no browser.

pub mod describe;
pub mod ids;
pub mod merge;
pub mod snapshot;
pub mod store;
pub mod strings;
pub mod time;
pub mod units;
pub mod value;

pub use ids::{SpanId, TraceId};
pub use store::{
    Dropped, Event, FilePart, Link, LinkKind, NewSpan, Range32, Resource, Scope, SourceFile,
    SpanFlags, Store, Trace, TraceSummary, TraceWarning, Tree, WarningKind, NONE,
};
pub use strings::{Strings, Sym, Text, TextArena};
pub use value::{Attr, SpanKind, StatusCode, Value};
