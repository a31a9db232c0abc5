//! The Logs view's rows: every event of a trace (OpenTelemetry span events,
//! Jaeger logs, Zipkin annotations) in time order, filtered by text and by
//! service, and the text of the rows on screen.
//!
//! Rule: rows are sorted by the event's time as the store holds it (clock-skew
//! corrected unless raw times are shown), ties by span index, then by the
//! event's place in its span. Building the order sorts packed integer keys,
//! never strings, and formats nothing: a 100k-span trace with 300k+ events
//! orders in a few ms, and only the rows drawn are formatted
//! ([`row_text`]). The text filter matches, without case, the event name,
//! the span name, the service, and attribute keys and values.
//!
//! Exceptions: an event named `exception` (OpenTelemetry) or carrying
//! `exception.*` attributes reads as "type: message" with its stack trace on
//! lines of its own; Jaeger's error logs (`event=error`, `error.kind`,
//! `message`, `stack`, as OpenTracing wrote them) read the same way. Jaeger
//! UI lists a span's logs under that span only, and Sentry shows breadcrumbs
//! per event, not per trace: here one table holds the whole trace's.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::time::format_duration;
use crate::model::units::{clip, visible};
use crate::model::{Attr, Event, Store, Sym, Value};

/// One event of the trace: its span and its index in the store's event arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub span: u32,
    pub event: u32,
}

/// A trace's events in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs {
    pub trace: u32,
    /// The trace's start: offsets are from here.
    pub start: i64,
    pub rows: Vec<Row>,
}

impl Logs {
    /// Every event of trace `t`, ordered by (time, span, event index).
    pub fn build(s: &Store, t: u32) -> Logs {
        let Some(tr) = s.traces.get(t as usize) else {
            return Logs::default();
        };
        let range = tr.spans.range();
        let n: usize = range.clone().map(|i| s.spans.events[i].len as usize).sum();
        // (time, span, event) packed in a u128 whose order is the rows' order:
        // the time's sign bit flipped makes signed order unsigned.
        let mut keys: Vec<u128> = Vec::with_capacity(n);
        for i in range {
            let r = s.spans.events[i];
            for (k, e) in s.events[r.range()].iter().enumerate() {
                let time = (e.time as u64 ^ (1 << 63)) as u128;
                keys.push(time << 64 | (i as u128) << 32 | (r.start as u128 + k as u128));
            }
        }
        keys.sort_unstable();
        Logs {
            trace: t,
            start: tr.summary.start,
            rows: keys
                .into_iter()
                .map(|k| Row {
                    span: (k >> 32) as u32,
                    event: k as u32,
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row positions of span `span`'s events (the first is where a
    /// selection scrolls to).
    pub fn first_of(&self, span: u32, shown: &[u32]) -> Option<usize> {
        shown
            .iter()
            .position(|&p| self.rows.get(p as usize).is_some_and(|r| r.span == span))
    }
}

/// What the table shows: rows whose text contains `text` (any case; empty:
/// all), of services not in `hidden`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub text: String,
    pub hidden: Vec<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.hidden.is_empty()
    }
}

/// The positions (into `logs.rows`) of the rows `f` lets through, in order.
pub fn filter(s: &Store, logs: &Logs, f: &Filter) -> Vec<u32> {
    if f.is_empty() {
        return (0..logs.rows.len() as u32).collect();
    }
    let hidden: FxHashSet<Sym> = f
        .hidden
        .iter()
        .filter_map(|h| s.strings.lookup(h))
        .collect();
    let needle = f.text.trim().to_lowercase();
    let mut syms: FxHashMap<Sym, bool> = FxHashMap::default();
    let mut sym_has = |x: Sym| *syms.entry(x).or_insert_with(|| has(s.str(x), &needle));
    let mut out = Vec::new();
    for (p, r) in logs.rows.iter().enumerate() {
        let i = r.span as usize;
        if hidden.contains(&s.spans.service[i]) {
            continue;
        }
        if !needle.is_empty() {
            let e = &s.events[r.event as usize];
            let hit = sym_has(e.name)
                || sym_has(s.spans.name[i])
                || sym_has(s.spans.service[i])
                || s.attrs_of(e.attrs)
                    .iter()
                    .any(|a| sym_has(a.key) || value_has(s, &a.value, &needle));
            if !hit {
                continue;
            }
        }
        out.push(p as u32);
    }
    out
}

/// `hay` contains `needle` (lowercase), ignoring case; no allocation for
/// ASCII text.
fn has(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return h.len() >= n.len()
            && h.windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    hay.to_lowercase().contains(needle)
}

fn value_has(s: &Store, v: &Value, needle: &str) -> bool {
    match v {
        Value::Str(t) => has(s.text(*t), needle),
        other => has(&s.format_value(other), needle),
    }
}

/// The services with events in the trace and how many each has, most first
/// (ties by name): the service picker's list.
pub fn services(s: &Store, logs: &Logs) -> Vec<(String, usize)> {
    let mut counts: FxHashMap<Sym, usize> = FxHashMap::default();
    for r in &logs.rows {
        *counts.entry(s.spans.service[r.span as usize]).or_default() += 1;
    }
    let mut out: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, n)| (s.str(k).to_owned(), n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// An exception event made readable.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exception {
    /// `exception.type` (Jaeger: `error.kind`), may be empty.
    pub ty: String,
    /// `exception.message` (Jaeger: `message`), may be empty.
    pub message: String,
    /// `exception.stacktrace` (Jaeger: `stack`), one entry a line.
    pub stack: Vec<String>,
}

impl Exception {
    /// "type: message", or whichever of them there is.
    pub fn heading(&self) -> String {
        match (self.ty.is_empty(), self.message.is_empty()) {
            (false, false) => format!("{}: {}", self.ty, self.message),
            (false, true) => self.ty.clone(),
            _ => self.message.clone(),
        }
    }
}

const TYPE_KEYS: &[&str] = &["exception.type", "error.kind"];
const MESSAGE_KEYS: &[&str] = &["exception.message", "message", "error.message"];
const STACK_KEYS: &[&str] = &["exception.stacktrace", "stack"];

/// Keys shown in an exception's heading or stack, not among its attributes.
fn exception_key(k: &str) -> bool {
    TYPE_KEYS.contains(&k) || MESSAGE_KEYS.contains(&k) || STACK_KEYS.contains(&k) || k == "event"
}

/// The exception event `e` records, if it is one: named `exception`, or
/// carrying `exception.type`/`exception.message`, or a Jaeger error log
/// (`event=error` or `error.kind`).
pub fn exception(s: &Store, e: &Event) -> Option<Exception> {
    let attrs = s.attrs_of(e.attrs);
    let get = |keys: &[&str]| -> Option<String> {
        keys.iter().find_map(|k| {
            attrs
                .iter()
                .find(|a| s.str(a.key) == *k)
                .map(|a| s.format_value(&a.value))
        })
    };
    let name = s.str(e.name);
    let jaeger_error = name == "error"
        || attrs.iter().any(|a| {
            s.str(a.key) == "event" && matches!(&a.value, Value::Str(t) if s.text(*t) == "error")
        });
    let otel = name == "exception"
        || attrs
            .iter()
            .any(|a| matches!(s.str(a.key), "exception.type" | "exception.message"));
    let ty = get(TYPE_KEYS);
    if !otel && !jaeger_error && ty.is_none() {
        return None;
    }
    let one_line = |t: String| visible(&t, false).into_owned();
    Some(Exception {
        ty: ty.map(one_line).unwrap_or_default(),
        message: get(MESSAGE_KEYS).map(one_line).unwrap_or_default(),
        stack: get(STACK_KEYS)
            .map(|st| stack_lines(&st))
            .unwrap_or_default(),
    })
}

/// A stack trace as lines: split at \n, \r\n or \r, tabs as four spaces,
/// control characters made visible, trailing blank lines dropped.
pub fn stack_lines(stack: &str) -> Vec<String> {
    let mut lines: Vec<String> = stack
        .split('\n')
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            visible(&l.replace('\t', "    "), false).into_owned()
        })
        .flat_map(|l| {
            // A lone \r (old Mac line ends) shows as ␍ after `visible`.
            l.split('␍').map(str::to_owned).collect::<Vec<_>>()
        })
        .collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// What one row shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RowText {
    /// Time from the trace's start ("+12.5ms").
    pub offset: String,
    pub service: String,
    pub span: String,
    pub name: String,
    /// The attributes as `key=value`, two spaces apart (an exception's
    /// type, message and stack left out), clipped.
    pub attrs: String,
    pub exception: Option<Exception>,
}

/// Longest attribute text a row shows (the details panel has the rest).
const ATTRS_CHARS: usize = 400;

/// "+12.5ms" from the trace's start ("-3µs" before it).
pub fn offset(ns: i64) -> String {
    if ns < 0 {
        format_duration(ns)
    } else {
        format!("+{}", format_duration(ns))
    }
}

/// The text of row `r`.
pub fn row_text(s: &Store, logs: &Logs, r: Row) -> RowText {
    let i = r.span as usize;
    let Some(e) = s.events.get(r.event as usize) else {
        return RowText {
            offset: String::new(),
            service: String::new(),
            span: String::new(),
            name: String::new(),
            attrs: String::new(),
            exception: None,
        };
    };
    let exception = exception(s, e);
    let attrs: Vec<String> = s
        .attrs_of(e.attrs)
        .iter()
        .filter(|a| exception.is_none() || !exception_key(s.str(a.key)))
        .map(|a: &Attr| format!("{}={}", s.str(a.key), s.format_value(&a.value)))
        .collect();
    let name = s.str(e.name);
    RowText {
        offset: offset(e.time.saturating_sub(logs.start)),
        service: visible(s.str(s.spans.service[i]), false).into_owned(),
        span: visible(s.str(s.spans.name[i]), false).into_owned(),
        name: if name.is_empty() {
            "(unnamed)".to_owned()
        } else {
            visible(name, false).into_owned()
        },
        attrs: visible(&clip(&attrs.join("  "), ATTRS_CHARS), false).into_owned(),
        exception,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two services; span a (api) has events at 3000 "b" and 1000 "retry"
    // (out of order in the file); span c (db) has one at 1000 (a tie with
    // a's "retry": span index decides) and an exception at 5000; the trace
    // starts at 500.
    const OTLP: &str = r#"{"resourceSpans":[
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
       "scopeSpans":[{"spans":[
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /x",
         "startTimeUnixNano":"500","endTimeUnixNano":"9000",
         "events":[{"timeUnixNano":"3000","name":"b","attributes":[{"key":"n","value":{"intValue":"7"}}]},
                   {"timeUnixNano":"1000","name":"retry","attributes":[{"key":"why","value":{"stringValue":"Timeout"}}]}]}]}]},
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"db"}}]},
       "scopeSpans":[{"spans":[
        {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"c7ad6b7169203331","parentSpanId":"b7ad6b7169203331","name":"SELECT",
         "startTimeUnixNano":"900","endTimeUnixNano":"6000",
         "events":[{"timeUnixNano":"5000","name":"exception","attributes":[
                     {"key":"exception.type","value":{"stringValue":"DbError"}},
                     {"key":"exception.message","value":{"stringValue":"deadlock"}},
                     {"key":"exception.stacktrace","value":{"stringValue":"at a()\r\n\tat b()\n\n"}},
                     {"key":"exception.escaped","value":{"boolValue":true}}]},
                   {"timeUnixNano":"1000","name":"acquire"}]}]}]}]}"#;

    fn store() -> Store {
        let mut s = Store::default();
        crate::import::load(&mut s, "t.json", OTLP.as_bytes()).unwrap();
        s
    }

    fn names(s: &Store, logs: &Logs, shown: &[u32]) -> Vec<String> {
        shown
            .iter()
            .map(|&p| {
                s.str(s.events[logs.rows[p as usize].event as usize].name)
                    .to_owned()
            })
            .collect()
    }

    fn all(logs: &Logs) -> Vec<u32> {
        (0..logs.len() as u32).collect()
    }

    #[test]
    fn rows_are_in_time_order_ties_by_span_then_event() {
        let s = store();
        let logs = Logs::build(&s, 0);
        assert_eq!(logs.start, 500);
        // retry (span 0) and acquire (span 1) both at 1000: span 0 first.
        assert_eq!(
            names(&s, &logs, &all(&logs)),
            ["retry", "acquire", "b", "exception"]
        );
        assert_eq!(logs.rows[0].span, 0);
        assert_eq!(logs.rows[1].span, 1);
        // Same time, same span: the event's place in the span decides.
        let mut s2 = store();
        let r = s2.spans.events[0];
        s2.events[r.start as usize].time = 1000;
        let logs = Logs::build(&s2, 0);
        assert_eq!(
            names(&s2, &logs, &all(&logs)),
            ["b", "retry", "acquire", "exception"]
        );
        // A time before the epoch sorts first (signed order).
        s2.events[r.start as usize].time = -5;
        assert_eq!(names(&s2, &Logs::build(&s2, 0), &[0]), ["b"]);
        assert_eq!(Logs::build(&s2, 7), Logs::default());
    }

    #[test]
    fn filter_by_text_and_service() {
        let s = store();
        let logs = Logs::build(&s, 0);
        let f = |text: &str, hidden: &[&str]| {
            let f = Filter {
                text: text.into(),
                hidden: hidden.iter().map(|h| h.to_string()).collect(),
            };
            names(&s, &logs, &filter(&s, &logs, &f))
        };
        assert_eq!(f("", &[]).len(), 4);
        // Attribute value, any case.
        assert_eq!(f("timeout", &[]), ["retry"]);
        // Span name and service.
        assert_eq!(f("select", &[]), ["acquire", "exception"]);
        assert_eq!(f("API", &[]), ["retry", "b"]);
        // Event name, attribute key, a non-string value.
        assert_eq!(f("acq", &[]), ["acquire"]);
        assert_eq!(f("exception.type", &[]), ["exception"]);
        assert_eq!(f("7", &[]), ["b"]);
        assert_eq!(f("deadlock", &[]), ["exception"]);
        // Service picker.
        assert_eq!(f("", &["db"]), ["retry", "b"]);
        assert_eq!(f("select", &["db"]), Vec::<String>::new());
        assert_eq!(f("", &["db", "api", "unknown"]), Vec::<String>::new());
        assert_eq!(f("nothing like it", &[]), Vec::<String>::new());
        assert_eq!(
            services(&s, &logs),
            [("api".to_owned(), 2), ("db".to_owned(), 2)]
        );
        assert_eq!(logs.first_of(1, &all(&logs)), Some(1));
        assert_eq!(logs.first_of(1, &[0, 2]), None);
    }

    #[test]
    fn exceptions_read_as_type_message_and_stack_lines() {
        let s = store();
        let logs = Logs::build(&s, 0);
        let t = row_text(&s, &logs, logs.rows[3]);
        assert_eq!(t.offset, "+4.5µs");
        assert_eq!((t.service.as_str(), t.span.as_str()), ("db", "SELECT"));
        let x = t.exception.unwrap();
        assert_eq!(x.heading(), "DbError: deadlock");
        assert_eq!(x.stack, ["at a()", "    at b()"]);
        // Only what the heading and stack do not show stays an attribute.
        assert_eq!(t.attrs, "exception.escaped=true");
        let t = row_text(&s, &logs, logs.rows[0]);
        assert_eq!(
            (t.offset.as_str(), t.name.as_str(), t.attrs.as_str()),
            ("+500ns", "retry", "why=Timeout")
        );
        assert!(t.exception.is_none());
        assert_eq!(offset(-3000), "-3µs");
        assert_eq!(stack_lines("a\rb\n\tc\u{1b}\n \n"), ["a", "b", "    c␛"]);
        let e = Exception {
            ty: String::new(),
            message: "boom".into(),
            stack: vec![],
        };
        assert_eq!(e.heading(), "boom");
    }

    #[test]
    fn jaeger_error_logs_are_exceptions() {
        let json = r#"{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2","operationName":"op",
          "references":[],"startTime":10,"duration":5,"processID":"p1","tags":[],
          "logs":[{"timestamp":12,"fields":[{"key":"event","type":"string","value":"error"},
                   {"key":"error.kind","type":"string","value":"IOError"},
                   {"key":"message","type":"string","value":"disk full"},
                   {"key":"stack","type":"string","value":"f()\ng()"},
                   {"key":"path","type":"string","value":"/var"}]},
                  {"timestamp":13,"fields":[{"key":"message","type":"string","value":"just a note"}]}]}],
          "processes":{"p1":{"serviceName":"svc","tags":[]}}}]}"#;
        let mut s = Store::default();
        crate::import::load(&mut s, "j.json", json.as_bytes()).unwrap();
        let logs = Logs::build(&s, 0);
        assert_eq!(logs.len(), 2);
        let t = row_text(&s, &logs, logs.rows[0]);
        let x = t.exception.unwrap();
        assert_eq!(x.heading(), "IOError: disk full");
        assert_eq!(x.stack, ["f()", "g()"]);
        assert_eq!(t.attrs, "path=/var");
        assert_eq!(t.offset, "+2µs");
        let t = row_text(&s, &logs, logs.rows[1]);
        assert!(t.exception.is_none(), "{t:?}");
    }

    /// The demo's malformed-message consumer that starts a trace of its own
    /// (what the e2e test opens): its two exceptions, the parse step's
    /// first (it ends before its parent records the same error), and what
    /// the filter keeps (the stack trace names OrderPlaced.parse, so both
    /// rows match it; only one row's span is `orders process`).
    #[test]
    fn demo_malformed_consumer() {
        let mut s = Store::default();
        crate::import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let t = (0..s.traces.len() as u32)
            .find(|&t| {
                let tr = &s.traces[t as usize];
                tr.spans.len == 3
                    && s.str(s.spans.name[tr.summary.root as usize]) == "orders process"
            })
            .unwrap();
        let logs = Logs::build(&s, t);
        let rows: Vec<(String, String, usize)> = logs
            .rows
            .iter()
            .map(|&r| {
                let x = row_text(&s, &logs, r);
                let e = x.exception.unwrap();
                (x.span, e.heading(), e.stack.len())
            })
            .collect();
        let heading = "notification.events.MalformedMessageError: malformed message: missing field customer_email";
        assert_eq!(
            rows,
            [
                ("OrderPlaced.parse".to_owned(), heading.to_owned(), 6),
                ("orders process".to_owned(), heading.to_owned(), 6),
            ]
        );
        let f = |text: &str, hidden: &[&str]| {
            let f = Filter {
                text: text.into(),
                hidden: hidden.iter().map(|h| h.to_string()).collect(),
            };
            filter(&s, &logs, &f).len()
        };
        assert_eq!(f("customer_email", &[]), 2);
        assert_eq!(f("orders process", &[]), 1);
        assert_eq!(f("OrderPlaced.parse", &[]), 2);
        assert_eq!(f("", &["notification-service"]), 0);
        assert_eq!(
            services(&s, &logs),
            [("notification-service".to_owned(), 2)]
        );
    }
}
