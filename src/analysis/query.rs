//! The span filter language of the waterfall's and flame graph's find box.
//!
//! ```text
//! query   := or
//! or      := and (("OR" | "|") and)*
//! and     := unary (["AND"] unary)*          juxtaposition is AND
//! unary   := ("NOT" | "-") unary | primary   "-" only right before a term
//! primary := "(" or ")" | term
//! term    := text | flag | field op value
//! op      := = == != > >= < <= ~ !~         (=~ is ~)
//! ```
//!
//! Precedence: NOT > AND > OR, so `a OR b c` is `a OR (b AND c)`. Keywords
//! are case-insensitive; quoting one (`"or"`) searches for it as text.
//!
//! - Free text (a word, or a `"quoted phrase"`): case-insensitive substring of
//!   the service, operation, span id (16 hex digits), status message, span
//!   and resource attribute keys and values, event names and event attribute
//!   values.
//! - Fields: `service`, `name` (alias `operation`), `id`, `message` take
//!   `=` / `!=` (equal, ignoring case, to the whole value or to one word of
//!   it, words split at any non-alphanumeric character: `service=payment`
//!   matches `payment-service`, `service=pay` does not), `==` (the whole
//!   value, ignoring case: `name=="GET"` does not match `GET /cart`) and
//!   `~` / `!~` (substring). `id=3` also finds the span id `0000000000000003`.
//!   `status` (ok, error, unset) and `kind` (client, server, producer,
//!   consumer, internal, unspecified) take `=` / `!=`. `duration`, `self`
//!   (self time) and `critical` (time on the critical path) compare times:
//!   a number with a unit ns, us (µs), ms, s, m, h; a bare number is ms.
//! - Any other field is an attribute key (case-sensitive, dots allowed; a
//!   quoted field is always an attribute key: `"name"=x`). It matches when
//!   the span or its resource has the key with a value satisfying the
//!   comparison, so `key!=v` needs the key (`-key=v` does not). Ordering
//!   operators compare numbers (ints, doubles and strings that read as
//!   numbers); `=` compares numbers as numbers, bools with true/false and
//!   text as the fields above.
//! - Flags: `critical` (on the critical path), `origin` (an error origin),
//!   `pattern` (part of any pattern), and `pattern=n_plus_one` (also `n+1`),
//!   `sequential`, `slow_query`, `timeout`.
//! - Trace terms, for the trace list (inside one trace they hold for every
//!   span or none): `response` (the root span's duration: what the caller
//!   waited) and `extent` (first start to last end, async work included)
//!   compare times; `failed` is a flag (the root span is an error: the
//!   request failed), `source` (alias `file`) the name of the file or search
//!   the trace came from, with the text operators. In the trace list a trace
//!   matches when one of its spans matches the whole query, as Jaeger's tag
//!   search asks one span to carry all the tags: `service=cart failed` is a
//!   failed trace with a cart span; `status=error -failed` an error inside a
//!   request that succeeded.
//! - The directive `collapse<5ms` (or `<=`) is not a filter: it tells the
//!   view to collapse spans shorter than that ([`Query::collapse_below`]).
//!
//! Evaluation compiles the query against the store once: attribute keys
//! become symbols, and text tests on interned strings (service, operation,
//! attribute keys, event names) and on resources are decided once per
//! distinct string or resource. Substring search is ASCII case-insensitive
//! without allocating; text is lowercased (allocated) only when non-ASCII
//! characters are involved.
//!
//! Compared with Jaeger's find box (whitespace terms OR-ed, substring only)
//! and Grafana's span filters (an AND of field conditions): one line holds
//! both, with OR, NOT, parentheses, numeric attribute comparisons and the
//! derived facts (self time, critical path, error origins, patterns).

use std::cmp::Ordering;
use std::fmt::{self, Write as _};

use lasso::Key as _;

use super::{pattern_bits, Facts};
use crate::model::{SpanId, SpanKind, StatusCode, Store, Sym, Value};

/// The language, one `example — meaning` per line, for the "?" dialog.
pub const HELP: &[(&str, &str)] = &[
    (
        "payment",
        "text anywhere: service, operation, span id, status message, attributes, events",
    ),
    (
        "\"card declined\"",
        "a phrase; quotes also search for a keyword or field name as text: \"critical\"",
    ),
    (
        "service=payment",
        "service is payment, or has the word payment (payment-service); != for not",
    ),
    (
        "name==\"GET\"",
        "the whole value, ignoring case (not GET /cart); for any field or attribute",
    ),
    (
        "name~charge",
        "operation contains charge; !~ does not (name= compares words, as service=)",
    ),
    ("status=error", "status is error, ok or unset"),
    (
        "kind=client",
        "kind is client, server, producer, consumer or internal",
    ),
    (
        "id=3fa4",
        "span id (leading zeros optional); message=… the status message",
    ),
    (
        "duration>100ms",
        "longer than 100 ms; units ns, us, ms, s, m, h (1.5s); a bare number is ms",
    ),
    (
        "self>=10ms",
        "10 ms or more of its own time (not spent in children)",
    ),
    (
        "critical",
        "on the critical path; critical>1ms: more than 1 ms of it",
    ),
    (
        "origin",
        "where an error started (error span with no error below it)",
    ),
    (
        "pattern",
        "part of a pattern; pattern=n_plus_one, sequential, slow_query or timeout",
    ),
    (
        "response>500ms   extent>2s",
        "trace list: the root span's duration (what the caller waited) / first start to last end",
    ),
    (
        "failed   source~zipkin",
        "trace list: the request failed (its root is an error) / the file it came from",
    ),
    (
        "http.status_code>=500",
        "attribute of the span or its resource; numbers compare as numbers",
    ),
    (
        "db.system=postgresql",
        "attribute equal to (a word of) the value; ~ contains; != needs the key",
    ),
    ("a b   a AND b", "both"),
    (
        "a OR b   a | b",
        "either; AND binds tighter: a OR b c is a OR (b AND c)",
    ),
    ("-a   NOT a", "not a"),
    ("(a OR b) c", "parentheses group"),
    (
        "collapse<5ms",
        "not a filter: collapse spans shorter than 5 ms",
    ),
];

/// A malformed query: what is wrong, and where (in characters).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryError {
    pub message: String,
    /// Offset of the offending part, in characters (not bytes).
    pub at: usize,
    /// Its length, in characters.
    pub len: usize,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}

/// A parsed query (see the module documentation for the language).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    expr: Option<Node>,
    collapse: Option<i64>,
}

impl std::str::FromStr for Query {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Query, QueryError> {
        Query::parse(s)
    }
}

impl Query {
    /// Parses `text`; blank text is the empty query.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let chars: Vec<char> = text.chars().collect();
        let toks = lex(&chars)?;
        if toks.is_empty() {
            return Ok(Query::default());
        }
        let mut p = Parser {
            chars: &chars,
            toks,
            pos: 0,
            depth: 0,
            last_end: 0,
            collapse: None,
        };
        let expr = p.parse_or()?;
        if let Some(t) = p.toks.get(p.pos) {
            return Err(err(format!("unexpected {}", quote(&p.src(t))), t.at, t.len));
        }
        Ok(Query {
            expr,
            collapse: p.collapse,
        })
    }

    /// Whether the query filters at all (it has a term other than a directive).
    pub fn is_filter(&self) -> bool {
        self.expr.is_some()
    }

    /// The `collapse<…` directive, in ns: collapse spans shorter than this
    /// (`collapse<=5ms` gives 5 ms + 1 ns). The last one given wins.
    pub fn collapse_below(&self) -> Option<i64> {
        self.collapse
    }

    /// Spans of trace `facts.trace` that match, in store order (empty if
    /// `!is_filter()`).
    pub fn find(&self, store: &Store, facts: &Facts) -> Vec<u32> {
        let (Some(expr), Some(trace)) = (&self.expr, store.traces.get(facts.trace as usize)) else {
            return Vec::new();
        };
        let r = trace.spans.range();
        if r.end > store.spans.len() {
            return Vec::new();
        }
        let mut c = compile(expr, store, true);
        r.map(|i| i as u32)
            .filter(|&i| eval(&mut c, store, facts, i))
            .collect()
    }

    /// The traces (of `traces`, in their order) one of whose spans matches:
    /// the trace list's filter. Self time, critical path, origins and
    /// patterns are not known there (they read as zero); all traces pass
    /// when the query does not filter.
    pub fn traces(&self, store: &Store, traces: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let Some(expr) = &self.expr else {
            return traces.into_iter().collect();
        };
        let mut c = compile(expr, store, true);
        traces
            .into_iter()
            .filter(|&t| {
                let Some(tr) = store.traces.get(t as usize) else {
                    return false;
                };
                let facts = Facts {
                    trace: t,
                    base: tr.spans.start,
                    ..Facts::default()
                };
                let r = tr.spans.range();
                r.end <= store.spans.len()
                    && r.map(|i| i as u32).any(|i| eval(&mut c, store, &facts, i))
            })
            .collect()
    }

    /// Whether span `span` matches. Facts about spans outside `facts.trace`
    /// read as zero (not critical, no self time, no origin, no pattern).
    pub fn matches(&self, store: &Store, facts: &Facts, span: u32) -> bool {
        let Some(expr) = &self.expr else {
            return false;
        };
        if span as usize >= store.spans.len() {
            return false;
        }
        let none = Facts::default();
        let facts = if store.spans.trace[span as usize] == facts.trace {
            facts
        } else {
            &none
        };
        let mut c = compile(expr, store, false);
        eval(&mut c, store, facts, span)
    }
}

// ---------------------------------------------------------------------------
// The parsed form.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    /// `==`: the whole value, not one of its words.
    Is,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
    NotContains,
}

impl Op {
    fn is_order(self) -> bool {
        matches!(self, Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Term(Term),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SymField {
    Service,
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeField {
    Duration,
    SelfTime,
    Critical,
    /// The duration of the span's trace's root.
    Response,
    /// The span's trace, first start to last end.
    Extent,
}

#[derive(Clone, Debug, PartialEq)]
enum Term {
    Text(Needle),
    Sym {
        field: SymField,
        op: Op,
        needle: Needle,
    },
    Id {
        op: Op,
        needle: Needle,
        hex: Option<u64>,
    },
    Message {
        op: Op,
        needle: Needle,
    },
    Status {
        eq: bool,
        code: StatusCode,
    },
    Kind {
        eq: bool,
        kind: SpanKind,
    },
    Time {
        field: TimeField,
        op: Op,
        ns: i64,
    },
    Attr {
        key: String,
        op: Op,
        value: AttrValue,
    },
    Critical,
    Origin,
    Pattern {
        mask: u8,
        eq: bool,
    },
    /// The span's trace's root is an error.
    Failed,
    /// The name of the file the span's trace came from.
    Source {
        op: Op,
        needle: Needle,
    },
}

/// Lowercased text to look for, with what is known about it up front.
#[derive(Clone, Debug, PartialEq)]
struct Needle {
    lower: String,
    ascii: bool,
    /// Could occur in a number's text (digits, sign, point, exponent, inf, nan).
    numeric: bool,
    /// Could occur in a hex span id.
    hex: bool,
}

impl Needle {
    fn new(text: &str) -> Needle {
        let lower = text.to_lowercase();
        Needle {
            ascii: lower.is_ascii(),
            numeric: lower
                .chars()
                .all(|c| c.is_ascii_digit() || ".-+einfa".contains(c)),
            hex: lower.chars().all(|c| c.is_ascii_hexdigit()),
            lower,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

fn parse_num(s: &str) -> Option<Num> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Num::Int(i));
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Num::Float)
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        _ => a.f().partial_cmp(&b.f()),
    }
}

fn op_holds(o: Option<Ordering>, op: Op) -> bool {
    let Some(o) = o else {
        return false;
    };
    match op {
        Op::Eq | Op::Is => o == Ordering::Equal,
        Op::Ne => o != Ordering::Equal,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Contains | Op::NotContains => false,
    }
}

/// The value of an attribute comparison, read every way it may be used.
#[derive(Clone, Debug, PartialEq)]
struct AttrValue {
    needle: Needle,
    num: Option<Num>,
    boolean: Option<bool>,
}

// ---------------------------------------------------------------------------
// Lexer.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Bar,
    Dash,
    Op(Op),
    Word { text: String, quoted: bool },
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    /// Characters, not bytes.
    at: usize,
    len: usize,
}

fn err(message: String, at: usize, len: usize) -> QueryError {
    QueryError { message, at, len }
}

/// `s` in double quotes, cut to 80 characters with "…".
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    if s.chars().count() > 80 {
        out.extend(s.chars().take(79));
        out.push('…');
    } else {
        out.push_str(s);
    }
    out.push('"');
    out
}

/// The operator starting at `chars[i]`, with its length.
fn op_at(chars: &[char], i: usize) -> Option<(Op, usize)> {
    let next = chars.get(i + 1).copied();
    Some(match (chars[i], next) {
        ('!', Some('=')) => (Op::Ne, 2),
        ('!', Some('~')) => (Op::NotContains, 2),
        ('>', Some('=')) => (Op::Ge, 2),
        ('<', Some('=')) => (Op::Le, 2),
        ('=', Some('~')) => (Op::Contains, 2),
        ('=', Some('=')) => (Op::Is, 2),
        ('=', _) => (Op::Eq, 1),
        ('>', _) => (Op::Gt, 1),
        ('<', _) => (Op::Lt, 1),
        ('~', _) => (Op::Contains, 1),
        _ => return None,
    })
}

fn lex(chars: &[char]) -> Result<Vec<Token>, QueryError> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    // Right after an operator: the value runs to whitespace, "|" or an
    // unbalanced ")", operator characters included (`url~/a?b=1`).
    let mut value_next = false;
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if std::mem::take(&mut value_next) && c != '"' && c != ')' && c != '|' {
            let mut depth = 0usize;
            while i < n {
                let c = chars[i];
                if c.is_whitespace() || c == '|' {
                    break;
                }
                if c == '(' {
                    depth += 1;
                } else if c == ')' {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word {
                    text: chars[start..i].iter().collect(),
                    quoted: false,
                },
                at: start,
                len: i - start,
            });
            continue;
        }
        let (tok, len) = match c {
            '(' => (Tok::Open, 1),
            ')' => (Tok::Close, 1),
            '|' => (Tok::Bar, if chars.get(i + 1) == Some(&'|') { 2 } else { 1 }),
            '"' => {
                let mut text = String::new();
                let mut j = i + 1;
                loop {
                    match chars.get(j) {
                        None => {
                            return Err(err(format!("unclosed quote at {start}"), start, n - start))
                        }
                        Some('"') => break,
                        Some('\\') if matches!(chars.get(j + 1), Some('"' | '\\')) => {
                            text.push(chars[j + 1]);
                            j += 2;
                        }
                        Some(&c) => {
                            text.push(c);
                            j += 1;
                        }
                    }
                }
                (Tok::Word { text, quoted: true }, j + 1 - i)
            }
            '-' if chars
                .get(i + 1)
                .is_some_and(|&c| !c.is_whitespace() && c != ')' && c != '|') =>
            {
                (Tok::Dash, 1)
            }
            _ => {
                if let Some((op, len)) = op_at(chars, i) {
                    value_next = true;
                    (Tok::Op(op), len)
                } else {
                    // A word: up to whitespace, a quote, "|", an operator or an
                    // unbalanced ")"; "(" inside a word is kept (`charge(card)`).
                    let mut depth = 0usize;
                    let mut j = i;
                    while j < n {
                        let c = chars[j];
                        if c.is_whitespace() || c == '"' || c == '|' {
                            break;
                        }
                        if c == '(' {
                            depth += 1;
                        } else if c == ')' {
                            if depth == 0 {
                                break;
                            }
                            depth -= 1;
                        } else if op_at(chars, j).is_some() {
                            break;
                        }
                        j += 1;
                    }
                    let text: String = chars[i..j].iter().collect();
                    (
                        Tok::Word {
                            text,
                            quoted: false,
                        },
                        j - i,
                    )
                }
            }
        };
        out.push(Token { tok, at: i, len });
        i += len;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Parser.

/// Nesting of parentheses and negations allowed (the parser and the
/// evaluator recurse).
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    chars: &'a [char],
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// End (in characters) of the last token taken.
    last_end: usize,
    collapse: Option<i64>,
}

impl Parser<'_> {
    fn src(&self, t: &Token) -> String {
        self.chars[t.at..t.at + t.len].iter().collect()
    }

    fn take(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        self.pos += 1;
        self.last_end = t.at + t.len;
        t
    }

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    /// Whether token `k` is the unquoted keyword `kw` (not a field name).
    fn keyword(&self, k: usize, kw: &str) -> bool {
        match self.toks.get(k) {
            Some(Token {
                tok:
                    Tok::Word {
                        text,
                        quoted: false,
                    },
                ..
            }) => {
                text.eq_ignore_ascii_case(kw)
                    && !matches!(
                        self.toks.get(k + 1),
                        Some(Token {
                            tok: Tok::Op(_),
                            ..
                        })
                    )
            }
            _ => false,
        }
    }

    fn is_or(&self, k: usize) -> bool {
        matches!(self.toks.get(k), Some(Token { tok: Tok::Bar, .. })) || self.keyword(k, "or")
    }

    fn is_and(&self, k: usize) -> bool {
        self.keyword(k, "and")
    }

    fn starts_unary(&self, k: usize) -> bool {
        match self.toks.get(k) {
            Some(Token {
                tok: Tok::Open | Tok::Dash | Tok::Op(_),
                ..
            }) => true,
            Some(Token {
                tok: Tok::Word { .. },
                ..
            }) => !self.is_or(k) && !self.is_and(k),
            _ => false,
        }
    }

    fn parse_or(&mut self) -> Result<Option<Node>, QueryError> {
        let mut alts = Vec::new();
        loop {
            if self.is_or(self.pos) {
                let t = self.peek().cloned().unwrap_or(Token {
                    tok: Tok::Bar,
                    at: 0,
                    len: 0,
                });
                let msg = format!("expected a term before {}", quote(&self.src(&t)));
                return Err(err(msg, t.at, t.len));
            }
            alts.extend(self.parse_and()?);
            if !self.is_or(self.pos) {
                break;
            }
            let t = self.take();
            if !self.starts_unary(self.pos) {
                let msg = format!("expected a term after {}", quote(&self.src(&t)));
                return Err(err(msg, t.at, t.len));
            }
        }
        Ok(match alts.len() {
            0 => None,
            1 => alts.pop(),
            _ => Some(Node::Or(alts)),
        })
    }

    fn parse_and(&mut self) -> Result<Option<Node>, QueryError> {
        if !self.starts_unary(self.pos) {
            return Err(match self.peek() {
                Some(t) if self.is_and(self.pos) => err(
                    format!("expected a term before {}", quote(&self.src(t))),
                    t.at,
                    t.len,
                ),
                Some(t) => err(format!("unexpected {}", quote(&self.src(t))), t.at, t.len),
                None => err("expected a term".into(), self.chars.len(), 0),
            });
        }
        let mut items = Vec::new();
        loop {
            items.extend(self.parse_unary()?);
            if self.is_and(self.pos) {
                let t = self.take();
                if !self.starts_unary(self.pos) {
                    let msg = format!("expected a term after {}", quote(&self.src(&t)));
                    return Err(err(msg, t.at, t.len));
                }
            } else if !self.starts_unary(self.pos) {
                break;
            }
        }
        Ok(match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(Node::And(items)),
        })
    }

    fn deeper(&mut self, t: &Token) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                format!("too deeply nested (more than {MAX_DEPTH} levels)"),
                t.at,
                t.len,
            ));
        }
        Ok(())
    }

    fn parse_unary(&mut self) -> Result<Option<Node>, QueryError> {
        let negation = matches!(self.peek(), Some(Token { tok: Tok::Dash, .. }))
            || self.keyword(self.pos, "not");
        if !negation {
            return self.parse_primary();
        }
        let t = self.take();
        if !self.starts_unary(self.pos) {
            let msg = format!("expected a term after {}", quote(&self.src(&t)));
            return Err(err(msg, t.at, t.len));
        }
        self.deeper(&t)?;
        let inner = self.parse_unary()?;
        self.depth -= 1;
        match inner {
            Some(n) => Ok(Some(Node::Not(Box::new(n)))),
            None => Err(err(
                "\"collapse\" is not a filter and cannot be negated".into(),
                t.at,
                self.last_end - t.at,
            )),
        }
    }

    fn parse_primary(&mut self) -> Result<Option<Node>, QueryError> {
        let t = self.take();
        match &t.tok {
            Tok::Open => {
                if self.peek().is_none() {
                    return Err(err(format!("unclosed \"(\" at {}", t.at), t.at, 1));
                }
                if let Some(c) = self.peek().filter(|c| c.tok == Tok::Close) {
                    let len = c.at + 1 - t.at;
                    return Err(err("nothing inside \"()\"".into(), t.at, len));
                }
                self.deeper(&t)?;
                let inner = self.parse_or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Token {
                        tok: Tok::Close, ..
                    }) => {
                        self.take();
                        Ok(inner)
                    }
                    _ => Err(err(format!("unclosed \"(\" at {}", t.at), t.at, 1)),
                }
            }
            Tok::Op(_) => Err(err(
                format!("expected a field name before {}", quote(&self.src(&t))),
                t.at,
                t.len,
            )),
            Tok::Word { text, quoted } => {
                if let Some(Token {
                    tok: Tok::Op(op), ..
                }) = self.peek()
                {
                    let op = *op;
                    let op_tok = self.take();
                    let value = match self.peek() {
                        Some(Token {
                            tok: Tok::Word { .. },
                            ..
                        }) => self.take(),
                        _ => {
                            let msg =
                                format!("expected a value after {}", quote(&self.src(&op_tok)));
                            return Err(err(msg, op_tok.at, op_tok.len));
                        }
                    };
                    return self.comparison(text, *quoted, op, &op_tok, &value);
                }
                if *quoted {
                    return Ok(Some(Node::Term(Term::Text(Needle::new(text)))));
                }
                let term = match text.to_ascii_lowercase().as_str() {
                    "critical" => Term::Critical,
                    "origin" => Term::Origin,
                    "failed" => Term::Failed,
                    "pattern" => Term::Pattern {
                        mask: u8::MAX,
                        eq: true,
                    },
                    _ => Term::Text(Needle::new(text)),
                };
                Ok(Some(Node::Term(term)))
            }
            Tok::Close | Tok::Bar | Tok::Dash => Err(err(
                format!("unexpected {}", quote(&self.src(&t))),
                t.at,
                t.len,
            )),
        }
    }

    fn comparison(
        &mut self,
        field: &str,
        quoted: bool,
        op: Op,
        op_tok: &Token,
        value_tok: &Token,
    ) -> Result<Option<Node>, QueryError> {
        let Tok::Word { text: value, .. } = &value_tok.tok else {
            unreachable!("a comparison's value is a word")
        };
        let name = field.to_lowercase();
        let op_text = self.src(op_tok);
        let bad_op = |takes: &str| {
            err(
                format!("{} takes {takes}, got {}", quote(&name), quote(&op_text)),
                op_tok.at,
                op_tok.len,
            )
        };
        let bad_value = |msg: String| err(msg, value_tok.at, value_tok.len);
        let text_op = || match op {
            Op::Eq | Op::Is | Op::Ne | Op::Contains | Op::NotContains => Ok(op),
            _ => Err(bad_op("=, !=, ~ or !~")),
        };
        let eq_op = || match op {
            Op::Eq | Op::Is => Ok(true),
            Op::Ne => Ok(false),
            _ => Err(bad_op("= or !=")),
        };
        let field_key = if quoted { "" } else { name.as_str() };
        let term = match field_key {
            "service" | "name" | "operation" => Term::Sym {
                field: if name == "service" {
                    SymField::Service
                } else {
                    SymField::Name
                },
                op: text_op()?,
                needle: Needle::new(value),
            },
            "id" => {
                let v = value.trim();
                let hex =
                    (!v.is_empty() && v.len() <= 16 && v.bytes().all(|b| b.is_ascii_hexdigit()))
                        .then(|| u64::from_str_radix(v, 16).ok())
                        .flatten();
                Term::Id {
                    op: text_op()?,
                    needle: Needle::new(value),
                    hex,
                }
            }
            "message" => Term::Message {
                op: text_op()?,
                needle: Needle::new(value),
            },
            "source" | "file" => Term::Source {
                op: text_op()?,
                needle: Needle::new(value),
            },
            "status" => {
                let eq = eq_op()?;
                let code = match value.to_ascii_lowercase().as_str() {
                    "ok" => StatusCode::Ok,
                    "error" => StatusCode::Error,
                    "unset" => StatusCode::Unset,
                    _ => return Err(bad_value("\"status\" is ok, error or unset".into())),
                };
                Term::Status { eq, code }
            }
            "kind" => {
                let eq = eq_op()?;
                let kind = match value.to_ascii_lowercase().as_str() {
                    "client" => SpanKind::Client,
                    "server" => SpanKind::Server,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    "internal" => SpanKind::Internal,
                    "unspecified" => SpanKind::Unspecified,
                    _ => {
                        return Err(bad_value(
                            "\"kind\" is client, server, producer, consumer or internal".into(),
                        ))
                    }
                };
                Term::Kind { eq, kind }
            }
            "duration" | "self" | "critical" | "response" | "extent" => {
                if matches!(op, Op::Contains | Op::NotContains) {
                    return Err(bad_op("=, !=, >, >=, < or <="));
                }
                let field = match field_key {
                    "duration" => TimeField::Duration,
                    "self" => TimeField::SelfTime,
                    "response" => TimeField::Response,
                    "extent" => TimeField::Extent,
                    _ => TimeField::Critical,
                };
                let ns = parse_time(&name, value).map_err(bad_value)?;
                Term::Time { field, op, ns }
            }
            "pattern" => {
                let eq = eq_op()?;
                let v = value.to_ascii_lowercase().replace('-', "_");
                let mask = match v.as_str() {
                    "n_plus_one" | "n+1" => pattern_bits::N_PLUS_ONE,
                    "sequential" => pattern_bits::SEQUENTIAL,
                    "slow_query" => pattern_bits::SLOW_QUERY,
                    "timeout" => pattern_bits::TIMEOUT,
                    _ => {
                        return Err(bad_value(
                            "\"pattern\" is n_plus_one, sequential, slow_query or timeout".into(),
                        ))
                    }
                };
                Term::Pattern { mask, eq }
            }
            "collapse" => {
                let ns = match op {
                    Op::Lt | Op::Le => parse_time(&name, value).map_err(bad_value)?,
                    _ => {
                        return Err(err(
                            "\"collapse\" takes < or <=, as in collapse<5ms".into(),
                            op_tok.at,
                            op_tok.len,
                        ))
                    }
                };
                self.collapse = Some(if op == Op::Le {
                    ns.saturating_add(1)
                } else {
                    ns
                });
                return Ok(None);
            }
            _ => {
                let num = parse_num(value.trim());
                if op.is_order() && num.is_none() {
                    return Err(bad_value(format!(
                        "{} needs a number, got {}",
                        quote(&op_text),
                        quote(value)
                    )));
                }
                let boolean = if value.eq_ignore_ascii_case("true") {
                    Some(true)
                } else if value.eq_ignore_ascii_case("false") {
                    Some(false)
                } else {
                    None
                };
                Term::Attr {
                    key: field.to_owned(),
                    op,
                    value: AttrValue {
                        needle: Needle::new(value),
                        num,
                        boolean,
                    },
                }
            }
        };
        Ok(Some(Node::Term(term)))
    }
}

/// A time such as `1.5s` or `250` (ms), in ns; `field` names it in messages.
pub(crate) fn parse_time(field: &str, value: &str) -> Result<i64, String> {
    let needs = || {
        format!(
            "{} needs a time such as 100ms, got {}",
            quote(field),
            quote(value)
        )
    };
    let (neg, body) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, unit) = body.split_at(split);
    if !number.bytes().any(|b| b.is_ascii_digit()) {
        return Err(needs());
    }
    let Ok(x) = number.parse::<f64>() else {
        return Err(needs());
    };
    let scale = match unit.to_lowercase().as_str() {
        "" | "ms" => 1e6,
        "ns" => 1.0,
        "us" | "µs" | "μs" => 1e3,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ if unit.chars().next().is_some_and(char::is_alphabetic) => {
            return Err(format!(
                "unknown unit {} in {} (use ns, us, ms, s, m, h)",
                quote(unit),
                quote(value)
            ))
        }
        _ => return Err(needs()),
    };
    let ns = (x * scale).round();
    if !ns.is_finite() || ns >= 9.2e18 {
        return Err(format!("time {} is too large", quote(value)));
    }
    Ok(if neg { -(ns as i64) } else { ns as i64 })
}

// ---------------------------------------------------------------------------
// Text matching.

/// Whether `hay` has a character outside ASCII whose lowercase is ASCII
/// (the Kelvin sign, dotted capital I): only then can an ASCII needle match
/// non-ASCII text that the byte search missed.
fn folds_to_ascii(hay: &str) -> bool {
    !hay.is_ascii()
        && hay
            .chars()
            .any(|c| !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()))
}

/// ASCII case-insensitive search of lowercase `needle` in `hay`.
fn ascii_find(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last = hay.len() - needle.len();
    let (lo, up) = (first, first.to_ascii_uppercase());
    let mut from = 0;
    while from <= last {
        let window = &hay[from..=last];
        let found = if lo == up {
            memchr::memchr(lo, window)
        } else {
            memchr::memchr2(lo, up, window)
        };
        let Some(k) = found else {
            return false;
        };
        let p = from + k;
        if hay[p + 1..p + needle.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        from = p + 1;
    }
    false
}

/// Case-insensitive substring.
fn contains(hay: &str, n: &Needle) -> bool {
    if n.ascii {
        ascii_find(hay.as_bytes(), n.lower.as_bytes())
            || (folds_to_ascii(hay) && hay.to_lowercase().contains(&n.lower))
    } else {
        !hay.is_ascii() && hay.to_lowercase().contains(&n.lower)
    }
}

/// Equal ignoring case to `hay`, or to one of its words (maximal runs of
/// alphanumeric characters).
fn word_eq(hay: &str, n: &Needle) -> bool {
    text_eq(hay, n, false)
}

/// Equal to the needle ignoring case: the whole of `hay`, or (unless
/// `whole`) one of its words.
fn text_eq(hay: &str, n: &Needle, whole: bool) -> bool {
    let is_word = |c: char| c.is_alphanumeric();
    if n.ascii && !folds_to_ascii(hay) {
        hay.eq_ignore_ascii_case(&n.lower)
            || !whole
                && hay
                    .split(|c: char| !is_word(c))
                    .any(|w| !w.is_empty() && w.eq_ignore_ascii_case(&n.lower))
    } else {
        let h = hay.to_lowercase();
        h == n.lower
            || !whole
                && h.split(|c: char| !is_word(c))
                    .any(|w| !w.is_empty() && w == n.lower)
    }
}

fn text_op(hay: &str, op: Op, n: &Needle) -> bool {
    match op {
        Op::Eq => word_eq(hay, n),
        Op::Is => text_eq(hay, n, true),
        Op::Ne => !word_eq(hay, n),
        Op::Contains => contains(hay, n),
        Op::NotContains => !contains(hay, n),
        _ => false,
    }
}

fn hex16(v: u64, buf: &mut [u8; 16]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (k, b) in buf.iter_mut().enumerate() {
        *b = DIGITS[((v >> ((15 - k) * 4)) & 0xf) as usize];
    }
    std::str::from_utf8(buf).unwrap_or("")
}

fn write_double(out: &mut String, f: f64) {
    out.clear();
    // As `store::format_double` prints it (the detail panel's text).
    let _ = if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{f:.1}")
    } else {
        write!(out, "{f}")
    };
}

/// Whether the text of `v` (as the detail panel prints it; arrays and maps:
/// any element) contains the needle.
fn value_contains(store: &Store, v: &Value, n: &Needle, scratch: &mut String) -> bool {
    match v {
        Value::Str(t) => contains(store.text(*t), n),
        Value::Int(i) => {
            n.numeric && {
                scratch.clear();
                let _ = write!(scratch, "{i}");
                contains(scratch, n)
            }
        }
        Value::Double(f) => {
            n.numeric && {
                write_double(scratch, *f);
                contains(scratch, n)
            }
        }
        Value::Bool(b) => contains(if *b { "true" } else { "false" }, n),
        Value::Bytes(b) => {
            n.hex && {
                scratch.clear();
                for x in b.iter() {
                    let _ = write!(scratch, "{x:02x}");
                }
                contains(scratch, n)
            }
        }
        Value::Array(items) => items.iter().any(|x| value_contains(store, x, n, scratch)),
        Value::Map(entries) => entries
            .iter()
            .any(|a| contains(store.str(a.key), n) || value_contains(store, &a.value, n, scratch)),
        Value::Empty => n.lower.is_empty(),
    }
}

fn value_num(store: &Store, v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Double(f) => Some(Num::Float(*f)),
        Value::Str(t) => parse_num(store.text(*t).trim()),
        _ => None,
    }
}

fn value_eq(store: &Store, v: &Value, q: &AttrValue, whole: bool) -> bool {
    match v {
        Value::Str(t) => {
            let s = store.text(*t);
            text_eq(s, &q.needle, whole)
                || matches!((q.num, parse_num(s.trim())), (Some(a), Some(b)) if num_cmp(b, a) == Some(Ordering::Equal))
        }
        Value::Int(_) | Value::Double(_) => match (value_num(store, v), q.num) {
            (Some(a), Some(b)) => num_cmp(a, b) == Some(Ordering::Equal),
            _ => false,
        },
        Value::Bool(b) => q.boolean == Some(*b),
        Value::Empty => q.needle.lower.is_empty(),
        other => text_eq(&store.format_value(other), &q.needle, whole),
    }
}

fn value_cmp(store: &Store, v: &Value, op: Op, q: &AttrValue, scratch: &mut String) -> bool {
    match op {
        Op::Eq => value_eq(store, v, q, false),
        Op::Is => value_eq(store, v, q, true),
        Op::Ne => !value_eq(store, v, q, false),
        Op::Contains => value_contains(store, v, &q.needle, scratch),
        Op::NotContains => !value_contains(store, v, &q.needle, scratch),
        _ => match (value_num(store, v), q.num) {
            (Some(a), Some(b)) => op_holds(num_cmp(a, b), op),
            _ => false,
        },
    }
}

// ---------------------------------------------------------------------------
// Compiled form and evaluation.

/// A predicate's answers by index (of a symbol, or of a resource): 0 not
/// known yet, 1 false, 2 true. Not kept when one span is tested.
struct Memo(Option<Vec<u8>>);

impl Memo {
    fn new(keep: bool, n: usize) -> Memo {
        Memo(keep.then(|| vec![0; n]))
    }

    #[inline]
    fn get(&mut self, k: usize, f: impl FnOnce() -> bool) -> bool {
        if let Some(slot) = self.0.as_mut().and_then(|v| v.get_mut(k)) {
            if *slot != 0 {
                return *slot == 2;
            }
            let r = f();
            *slot = 1 + r as u8;
            return r;
        }
        f()
    }
}

enum C<'q> {
    And(Vec<C<'q>>),
    Or(Vec<C<'q>>),
    Not(Box<C<'q>>),
    Never,
    Text {
        n: &'q Needle,
        syms: Memo,
        resources: Memo,
        scratch: String,
    },
    Sym {
        field: SymField,
        op: Op,
        n: &'q Needle,
        memo: Memo,
    },
    Id {
        op: Op,
        n: &'q Needle,
        hex: Option<u64>,
    },
    Message {
        op: Op,
        n: &'q Needle,
    },
    Status {
        eq: bool,
        code: StatusCode,
    },
    Kind {
        eq: bool,
        kind: SpanKind,
    },
    Time {
        field: TimeField,
        op: Op,
        ns: i64,
    },
    Attr {
        key: Sym,
        op: Op,
        q: &'q AttrValue,
        resources: Memo,
        scratch: String,
    },
    Critical,
    Origin,
    Pattern {
        mask: u8,
        eq: bool,
    },
    Failed,
    Source {
        op: Op,
        n: &'q Needle,
    },
}

impl C<'_> {
    /// Rough cost of testing one span, to test cheap terms first.
    fn cost(&self) -> u32 {
        match self {
            C::And(v) | C::Or(v) => v.iter().map(C::cost).sum(),
            C::Not(c) => c.cost(),
            C::Never
            | C::Status { .. }
            | C::Kind { .. }
            | C::Time { .. }
            | C::Critical
            | C::Origin
            | C::Failed
            | C::Pattern { .. } => 1,
            C::Sym { .. } => 2,
            C::Id { .. } | C::Message { .. } | C::Source { .. } => 4,
            C::Attr { .. } => 8,
            C::Text { .. } => 30,
        }
    }
}

fn compile<'q>(node: &'q Node, store: &Store, keep: bool) -> C<'q> {
    let syms = || Memo::new(keep, store.strings.len() + 1);
    let resources = || Memo::new(keep, store.resources.len());
    let group = |v: &'q [Node]| {
        let mut v: Vec<C<'q>> = v.iter().map(|n| compile(n, store, keep)).collect();
        v.sort_by_key(C::cost);
        v
    };
    match node {
        Node::And(v) => C::And(group(v)),
        Node::Or(v) => C::Or(group(v)),
        Node::Not(n) => C::Not(Box::new(compile(n, store, keep))),
        Node::Term(t) => match t {
            Term::Text(n) => C::Text {
                n,
                syms: syms(),
                resources: resources(),
                scratch: String::new(),
            },
            Term::Sym { field, op, needle } => C::Sym {
                field: *field,
                op: *op,
                n: needle,
                memo: syms(),
            },
            Term::Id { op, needle, hex } => C::Id {
                op: *op,
                n: needle,
                hex: *hex,
            },
            Term::Message { op, needle } => C::Message { op: *op, n: needle },
            Term::Status { eq, code } => C::Status {
                eq: *eq,
                code: *code,
            },
            Term::Kind { eq, kind } => C::Kind {
                eq: *eq,
                kind: *kind,
            },
            Term::Time { field, op, ns } => C::Time {
                field: *field,
                op: *op,
                ns: *ns,
            },
            Term::Attr { key, op, value } => match store.strings.lookup(key) {
                Some(key) => C::Attr {
                    key,
                    op: *op,
                    q: value,
                    resources: resources(),
                    scratch: String::new(),
                },
                None => C::Never,
            },
            Term::Critical => C::Critical,
            Term::Origin => C::Origin,
            Term::Pattern { mask, eq } => C::Pattern {
                mask: *mask,
                eq: *eq,
            },
            Term::Failed => C::Failed,
            Term::Source { op, needle } => C::Source { op: *op, n: needle },
        },
    }
}

/// Column `col` of `facts` at `span`; the default outside it.
fn fact<T: Copy + Default>(col: &[T], facts: &Facts, span: u32) -> T {
    col.get(span.wrapping_sub(facts.base) as usize)
        .copied()
        .unwrap_or_default()
}

fn resource_index(store: &Store, span: u32) -> Option<usize> {
    let scope = store
        .scopes
        .get(store.spans.scope[span as usize] as usize)?;
    let r = scope.resource as usize;
    (r < store.resources.len()).then_some(r)
}

fn eval(c: &mut C, store: &Store, facts: &Facts, span: u32) -> bool {
    let i = span as usize;
    match c {
        C::And(v) => v.iter_mut().all(|c| eval(c, store, facts, span)),
        C::Or(v) => v.iter_mut().any(|c| eval(c, store, facts, span)),
        C::Not(c) => !eval(c, store, facts, span),
        C::Never => false,
        C::Text {
            n,
            syms,
            resources,
            scratch,
        } => {
            let n: &Needle = n;
            let mut sym = |s: Sym| syms.get(s.into_usize(), || contains(store.str(s), n));
            if sym(store.spans.service[i]) || sym(store.spans.name[i]) {
                return true;
            }
            let id = match store.spans.id[i] {
                SpanId::Hex(v) => n.hex && contains(hex16(v, &mut [0; 16]), n),
                SpanId::Text(s) => contains(store.str(s), n),
            };
            if id || contains(store.text(store.spans.status_message[i]), n) {
                return true;
            }
            for a in store.span_attrs(span) {
                if sym(a.key) || value_contains(store, &a.value, n, scratch) {
                    return true;
                }
            }
            for e in store.span_events(span) {
                if sym(e.name)
                    || store
                        .attrs_of(e.attrs)
                        .iter()
                        .any(|a| value_contains(store, &a.value, n, scratch))
                {
                    return true;
                }
            }
            resource_index(store, span).is_some_and(|r| {
                resources.get(r, || {
                    store.attrs_of(store.resources[r].attrs).iter().any(|a| {
                        contains(store.str(a.key), n) || value_contains(store, &a.value, n, scratch)
                    })
                })
            })
        }
        C::Sym { field, op, n, memo } => {
            let s = match field {
                SymField::Service => store.spans.service[i],
                SymField::Name => store.spans.name[i],
            };
            memo.get(s.into_usize(), || text_op(store.str(s), *op, n))
        }
        C::Id { op, n, hex } => {
            let id = store.spans.id[i];
            let eq = |n: &Needle| match (id, *hex) {
                (SpanId::Hex(v), Some(h)) => v == h,
                (SpanId::Hex(v), None) => word_eq(hex16(v, &mut [0; 16]), n),
                (SpanId::Text(s), _) => word_eq(store.str(s), n),
            };
            let has = |n: &Needle| match id {
                SpanId::Hex(v) => contains(hex16(v, &mut [0; 16]), n),
                SpanId::Text(s) => contains(store.str(s), n),
            };
            match op {
                Op::Eq | Op::Is => eq(n),
                Op::Ne => !eq(n),
                Op::Contains => has(n),
                Op::NotContains => !has(n),
                _ => false,
            }
        }
        C::Message { op, n } => text_op(store.text(store.spans.status_message[i]), *op, n),
        C::Status { eq, code } => (store.spans.status[i] == *code) == *eq,
        C::Kind { eq, kind } => (store.spans.kind[i] == *kind) == *eq,
        C::Time { field, op, ns } => {
            let t = match field {
                TimeField::Duration => store.spans.duration[i],
                TimeField::SelfTime => fact(&facts.self_ns, facts, span),
                TimeField::Critical => fact(&facts.critical_ns, facts, span),
                TimeField::Response => store.response_time(store.spans.trace[i]),
                TimeField::Extent => store.trace_of(span).duration(),
            };
            op_holds(Some(t.cmp(ns)), *op)
        }
        C::Attr {
            key,
            op,
            q,
            resources,
            scratch,
        } => {
            let (key, op, q) = (*key, *op, &**q);
            store
                .span_attrs(span)
                .iter()
                .any(|a| a.key == key && value_cmp(store, &a.value, op, q, scratch))
                || resource_index(store, span).is_some_and(|r| {
                    resources.get(r, || {
                        store
                            .attrs_of(store.resources[r].attrs)
                            .iter()
                            .any(|a| a.key == key && value_cmp(store, &a.value, op, q, scratch))
                    })
                })
        }
        C::Critical => fact(&facts.critical_ns, facts, span) > 0,
        C::Origin => fact(&facts.origin, facts, span),
        C::Pattern { mask, eq } => (fact(&facts.patterns, facts, span) & *mask != 0) == *eq,
        C::Failed => {
            let root = store.trace_of(span).summary.root;
            root != crate::model::NONE && store.is_error(root)
        }
        C::Source { op, n } => store
            .files
            .get(store.trace_of(span).file as usize)
            .is_some_and(|f| text_op(&f.name, *op, n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;

    const MS: i64 = 1_000_000;

    /// One Jaeger trace: typed tags, process (resource) tags, a log.
    const JAEGER: &str = r#"{"data":[{"traceID":"t1","spans":[
      {"traceID":"t1","spanID":"a1","operationName":"GET /cart","startTime":1000000,"duration":120000,"processID":"p1",
       "tags":[{"key":"span.kind","type":"string","value":"server"},{"key":"http.status_code","type":"int64","value":200},
               {"key":"http.method","type":"string","value":"GET"}]},
      {"traceID":"t1","spanID":"b2","operationName":"stripe charge","startTime":1010000,"duration":50000,"processID":"p2",
       "references":[{"refType":"CHILD_OF","traceID":"t1","spanID":"a1"}],
       "tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"http.status_code","type":"int64","value":502},
               {"key":"error","type":"bool","value":true},{"key":"otel.status_description","type":"string","value":"Card declined by issuer"},
               {"key":"charge.ratio","type":"float64","value":0.75},{"key":"cache.hit","type":"bool","value":false}],
       "logs":[{"timestamp":1020000,"fields":[{"key":"event","type":"string","value":"retry"},
                                              {"key":"attempt.reason","type":"string","value":"Connection Reset"}]}]},
      {"traceID":"t1","spanID":"c3","operationName":"SELECT orders","startTime":1070000,"duration":2500,"processID":"p3",
       "references":[{"refType":"CHILD_OF","traceID":"t1","spanID":"a1"}],
       "tags":[{"key":"span.kind","type":"string","value":"client"},{"key":"db.system","type":"string","value":"postgresql"},
               {"key":"db.rows","type":"int64","value":12},{"key":"db.statement","type":"string","value":"SELECT * FROM orders WHERE id = ?"},
               {"key":"otel.status_code","type":"string","value":"OK"},{"key":"alert","type":"string","value":"critical disk"}]},
      {"traceID":"t1","spanID":"d4","operationName":"publish order","startTime":1080000,"duration":800,"processID":"p1",
       "references":[{"refType":"CHILD_OF","traceID":"t1","spanID":"a1"}],
       "tags":[{"key":"span.kind","type":"string","value":"producer"},{"key":"messaging.system","type":"string","value":"kafka"},
               {"key":"http.response.status_code","type":"string","value":"503"},{"key":"weird key","type":"string","value":"x y"}]},
      {"traceID":"t1","spanID":"e5","operationName":"consume order","startTime":1081000,"duration":1,"processID":"p4",
       "references":[{"refType":"CHILD_OF","traceID":"t1","spanID":"d4"}],
       "tags":[{"key":"span.kind","type":"string","value":"consumer"},{"key":"note","type":"string","value":"Straße gesperrt"}]},
      {"traceID":"t1","spanID":"f6","operationName":"internal step","startTime":1090000,"duration":0,"processID":"p1",
       "references":[{"refType":"CHILD_OF","traceID":"t1","spanID":"a1"}]}],
     "processes":{"p1":{"serviceName":"frontend","tags":[{"key":"host.name","type":"string","value":"web-7"},
                                                        {"key":"deployment.environment","type":"string","value":"prod"}]},
                  "p2":{"serviceName":"payment-service","tags":[{"key":"region","type":"string","value":"eu-west"},
                                                               {"key":"cloud.zone","type":"int64","value":3}]},
                  "p3":{"serviceName":"orders-db"},
                  "p4":{"serviceName":"Zürich-Worker"}}}]}"#;

    fn load(json: &str) -> Store {
        let mut s = Store::default();
        import::load(&mut s, "t.json", json.as_bytes()).unwrap();
        s
    }

    #[test]
    fn trace_terms_filter_the_trace_list() {
        let mut s = Store::default();
        let demo = crate::sources::demo::bytes();
        import::load(&mut s, "demo.json", &demo).unwrap();
        let all: Vec<u32> = (0..s.traces.len() as u32).collect();
        let pick = |q: &str| Query::parse(q).unwrap().traces(&s, all.iter().copied());
        assert_eq!(pick("").len(), 40);
        let failed = pick("failed");
        let with_errors = pick("status=error");
        let inside = pick("status=error -failed");
        assert!(
            !failed.is_empty() && !inside.is_empty(),
            "{failed:?} {inside:?}"
        );
        // Every failed request has an error span; the rest split exactly.
        assert!(failed.iter().all(|t| with_errors.contains(t)));
        assert_eq!(failed.len() + inside.len(), with_errors.len());
        for &t in &failed {
            let root = s.traces[t as usize].summary.root;
            assert!(s.is_error(root));
        }
        // Response time is the root's duration; extent covers async work after it.
        let slow = pick("response>1s");
        for t in 0..s.traces.len() as u32 {
            let tr = &s.traces[t as usize];
            let response = s.spans.duration[tr.summary.root as usize];
            assert_eq!(slow.contains(&t), response > 1_000_000_000, "trace {t}");
            assert!(tr.duration() >= response);
        }
        assert!(
            pick("extent>1s").len() > slow.len(),
            "async work outlives some responses"
        );
        assert_eq!(pick("source~demo").len(), 40);
        assert_eq!(pick("file=nosuch").len(), 0);
        assert_eq!(
            pick("service=payment failed response>100ms"),
            failed
                .iter()
                .copied()
                .filter(|&t| {
                    let tr = &s.traces[t as usize];
                    s.spans.duration[tr.summary.root as usize] > 100_000_000
                        && tr
                            .spans
                            .range()
                            .any(|i| s.str(s.spans.service[i]).contains("payment"))
                })
                .collect::<Vec<_>>()
        );
    }

    /// The Jaeger trace with facts: self time, critical path, the error
    /// origin and patterns set by hand.
    fn fixture() -> (Store, Facts) {
        let s = load(JAEGER);
        let mut f = Facts::empty(&s, 0);
        assert_eq!(f.self_ns.len(), 6);
        f.self_ns = vec![60 * MS, 50 * MS, 2_500_000, 799_000, 1_000, 0];
        f.critical_ns = vec![70 * MS, 50 * MS, 0, 0, 0, 0];
        f.origin = vec![false, true, false, false, false, false];
        f.patterns = vec![
            0,
            pattern_bits::TIMEOUT,
            pattern_bits::SLOW_QUERY,
            pattern_bits::N_PLUS_ONE | pattern_bits::SEQUENTIAL,
            0,
            0,
        ];
        (s, f)
    }

    fn names_in(s: &Store, f: &Facts, q: &str) -> Vec<String> {
        let query = Query::parse(q).unwrap_or_else(|e| panic!("{q:?}: {e:?}"));
        let found = query.find(s, f);
        // find and matches agree.
        let each: Vec<u32> = s.traces[f.trace as usize]
            .spans
            .range()
            .map(|i| i as u32)
            .filter(|&i| query.matches(s, f, i))
            .collect();
        assert_eq!(found, each, "{q:?}");
        found
            .iter()
            .map(|&i| s.str(s.spans.name[i as usize]).to_owned())
            .collect()
    }

    const ALL: [&str; 6] = [
        "GET /cart",
        "stripe charge",
        "SELECT orders",
        "publish order",
        "consume order",
        "internal step",
    ];

    /// Checks each (query, expected operation names) pair.
    fn check(cases: &[(&str, &[&str])]) {
        let (s, f) = fixture();
        for (q, want) in cases {
            assert_eq!(names_in(&s, &f, q), *want, "query {q:?}");
        }
    }

    fn fails(q: &str) -> (String, usize, usize) {
        match Query::parse(q) {
            Ok(x) => panic!("{q:?} parsed: {x:?}"),
            Err(e) => (e.message, e.at, e.len),
        }
    }

    fn e(m: &str, at: usize, len: usize) -> (String, usize, usize) {
        (m.to_owned(), at, len)
    }

    #[test]
    fn the_fixture_is_what_the_tests_assume() {
        let (s, _) = fixture();
        let kinds: Vec<SpanKind> = s.spans.kind.clone();
        use SpanKind::*;
        assert_eq!(
            kinds,
            [Server, Client, Client, Producer, Consumer, Unspecified]
        );
        let st: Vec<StatusCode> = s.spans.status.clone();
        use StatusCode::{Error, Ok as Fine, Unset};
        assert_eq!(st, [Unset, Error, Fine, Unset, Unset, Unset]);
        assert_eq!(s.spans.duration[3], 800_000);
        assert_eq!(s.text(s.spans.status_message[1]), "Card declined by issuer");
    }

    #[test]
    fn free_text_searches_every_field() {
        check(&[
            ("cart", &["GET /cart"]),
            (
                "ORDER",
                &["SELECT orders", "publish order", "consume order"],
            ),
            // resource attribute value and key
            ("web-7", &["GET /cart", "publish order", "internal step"]),
            ("eu-west", &["stripe charge"]),
            ("REGION", &["stripe charge"]),
            // attribute keys
            ("messaging", &["publish order"]),
            // event name and event attribute value
            ("retry", &["stripe charge"]),
            ("connection reset", &["stripe charge"]),
            ("attempt.reason", &[]),
            // span id as hex text
            ("00000000000000c3", &["SELECT orders"]),
            ("000c3", &["SELECT orders"]),
            // status message
            ("declined", &["stripe charge"]),
            // typed values as printed: int, double, bool
            ("502", &["stripe charge"]),
            ("0.75", &["stripe charge"]),
            ("postgres", &["SELECT orders"]),
            // non-ASCII, both ways
            ("zürich", &["consume order"]),
            ("ZÜRICH-w", &["consume order"]),
            ("STRAßE", &["consume order"]),
            // quoted phrases, and keywords searched as text
            ("\"GET /cart\"", &["GET /cart"]),
            ("\"stripe charge\" service=payment", &["stripe charge"]),
            ("\"critical\"", &["SELECT orders"]),
            ("\"and\"", &[]),
            ("\"pattern\"", &[]),
            ("\"a \\\"b\\\"\"", &[]),
            ("nothing-like-this", &[]),
        ]);
    }

    #[test]
    fn text_fields_compare_words_or_substrings() {
        check(&[
            ("service=payment", &["stripe charge"]),
            ("service=PAYMENT-SERVICE", &["stripe charge"]),
            ("service=pay", &[]),
            // `==` takes the whole value only.
            ("service==payment", &[]),
            ("service==Payment-Service", &["stripe charge"]),
            ("name==\"GET\"", &[]),
            ("name==\"get /cart\"", &["GET /cart"]),
            (
                "service!=frontend",
                &["stripe charge", "SELECT orders", "consume order"],
            ),
            ("service~pay", &["stripe charge"]),
            ("service=~PAY", &["stripe charge"]),
            (
                "service!~end",
                &["stripe charge", "SELECT orders", "consume order"],
            ),
            ("service=zürich", &["consume order"]),
            ("service=ZÜRICH", &["consume order"]),
            ("service=worker", &["consume order"]),
            ("name=charge", &["stripe charge"]),
            ("name=order", &["publish order", "consume order"]),
            ("operation=order", &["publish order", "consume order"]),
            ("Name=\"stripe charge\"", &["stripe charge"]),
            ("name=\"GET /cart\"", &["GET /cart"]),
            ("name=/cart", &[]),
            ("name=cart", &["GET /cart"]),
            (
                "name~ORDER",
                &["SELECT orders", "publish order", "consume order"],
            ),
            ("id=c3", &["SELECT orders"]),
            ("id=00000000000000C3", &["SELECT orders"]),
            ("id=0c3", &["SELECT orders"]),
            (
                "id!=c3",
                &[
                    "GET /cart",
                    "stripe charge",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            ("id~0c", &["SELECT orders"]),
            ("id=xyz", &[]),
            ("message=declined", &["stripe charge"]),
            ("message=decline", &[]),
            ("message~\"by iss\"", &["stripe charge"]),
            (
                "message!~card",
                &[
                    "GET /cart",
                    "SELECT orders",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            ("service = payment", &["stripe charge"]),
            ("service= payment", &["stripe charge"]),
        ]);
    }

    #[test]
    fn status_and_kind() {
        check(&[
            ("status=error", &["stripe charge"]),
            ("STATUS=Error", &["stripe charge"]),
            ("status=ok", &["SELECT orders"]),
            (
                "status=unset",
                &[
                    "GET /cart",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            ("status!=unset", &["stripe charge", "SELECT orders"]),
            ("kind=client", &["stripe charge", "SELECT orders"]),
            ("kind=server", &["GET /cart"]),
            ("kind=producer", &["publish order"]),
            ("kind=consumer", &["consume order"]),
            ("kind=internal", &[]),
            ("kind=unspecified", &["internal step"]),
            (
                "kind!=client",
                &[
                    "GET /cart",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            // `error` is text, not a flag: the Jaeger tag's key.
            ("error", &["stripe charge"]),
        ]);
    }

    #[test]
    fn times_with_units() {
        check(&[
            ("duration>=50ms", &["GET /cart", "stripe charge"]),
            ("duration>50ms", &["GET /cart"]),
            ("duration>50", &["GET /cart"]),
            ("duration > 50ms", &["GET /cart"]),
            ("duration>0.05s", &["GET /cart"]),
            ("duration>49999999ns", &["GET /cart", "stripe charge"]),
            ("duration>120000us", &[]),
            ("duration>=120000µs", &["GET /cart"]),
            ("duration>=120000μs", &["GET /cart"]),
            ("DURATION>=120000US", &["GET /cart"]),
            ("duration=2.5ms", &["SELECT orders"]),
            ("duration=2500us", &["SELECT orders"]),
            (
                "duration!=2.5ms",
                &[
                    "GET /cart",
                    "stripe charge",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            (
                "duration<1ms",
                &["publish order", "consume order", "internal step"],
            ),
            ("duration<=1us", &["consume order", "internal step"]),
            ("duration<=.001", &["consume order", "internal step"]),
            ("duration>1m", &[]),
            ("duration<1h", &ALL),
            ("duration<0.0021m", &ALL),
            ("duration<0.002m", &ALL[1..]),
            ("duration>-1ms", &ALL),
            ("self>40ms", &["GET /cart", "stripe charge"]),
            ("self<1us", &["internal step"]),
            ("self=799us", &["publish order"]),
            ("critical>60ms", &["GET /cart"]),
            ("critical>=50ms", &["GET /cart", "stripe charge"]),
            (
                "critical<1ns",
                &[
                    "SELECT orders",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
        ]);
    }

    #[test]
    fn flags() {
        check(&[
            ("critical", &["GET /cart", "stripe charge"]),
            ("CRITICAL", &["GET /cart", "stripe charge"]),
            ("origin", &["stripe charge"]),
            (
                "pattern",
                &["stripe charge", "SELECT orders", "publish order"],
            ),
            ("pattern=slow_query", &["SELECT orders"]),
            ("pattern=slow-query", &["SELECT orders"]),
            ("pattern=n+1", &["publish order"]),
            ("pattern=N_PLUS_ONE", &["publish order"]),
            ("pattern=sequential", &["publish order"]),
            ("pattern=timeout", &["stripe charge"]),
            (
                "pattern!=timeout",
                &[
                    "GET /cart",
                    "SELECT orders",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            (
                "-critical",
                &[
                    "SELECT orders",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
        ]);
    }

    #[test]
    fn attributes() {
        check(&[
            ("http.status_code>=500", &["stripe charge"]),
            ("http.status_code=200", &["GET /cart"]),
            ("http.status_code==200.0", &["GET /cart"]),
            ("http.status_code<300", &["GET /cart"]),
            ("http.status_code!=200", &["stripe charge"]),
            ("http.status_code~50", &["stripe charge"]),
            // a string that reads as a number
            ("http.response.status_code>=500", &["publish order"]),
            ("http.response.status_code=503", &["publish order"]),
            ("http.response.status_code=503.0", &["publish order"]),
            ("http.response.status_code<500", &[]),
            ("db.system=postgresql", &["SELECT orders"]),
            ("db.system=POSTGRESQL", &["SELECT orders"]),
            ("db.system=postgres", &[]),
            ("db.system~postgres", &["SELECT orders"]),
            ("db.system=mysql", &[]),
            // != needs the key; NOT does not
            ("db.system!=mysql", &["SELECT orders"]),
            ("-db.system=mysql", &ALL),
            ("db.rows>10", &["SELECT orders"]),
            ("db.rows>12.5", &[]),
            ("db.rows=12.0", &["SELECT orders"]),
            ("db.rows>=1.2e1", &["SELECT orders"]),
            ("db.statement~\"from orders\"", &["SELECT orders"]),
            ("db.statement=orders", &["SELECT orders"]),
            ("db.statement=order", &[]),
            ("charge.ratio<1", &["stripe charge"]),
            ("charge.ratio>=0.75", &["stripe charge"]),
            ("charge.ratio=0.75", &["stripe charge"]),
            ("charge.ratio>0.75", &[]),
            ("error=true", &["stripe charge"]),
            ("error=TRUE", &["stripe charge"]),
            ("error=false", &[]),
            ("cache.hit=false", &["stripe charge"]),
            ("cache.hit!=true", &["stripe charge"]),
            // resource attributes
            (
                "deployment.environment=prod",
                &["GET /cart", "publish order", "internal step"],
            ),
            ("cloud.zone=3", &["stripe charge"]),
            ("cloud.zone>2", &["stripe charge"]),
            ("host.name!~web", &[]),
            (
                "host.name~WEB",
                &["GET /cart", "publish order", "internal step"],
            ),
            // quoted keys (spaces, or a field's name)
            ("\"weird key\"=y", &["publish order"]),
            ("\"service\"=frontend", &[]),
            // unknown keys match nothing
            ("nosuch.key=1", &[]),
            ("nosuch.key>1", &[]),
            ("-nosuch.key=1", &ALL),
            // origin / collapse-like names used with an operator
            ("origin=x", &[]),
        ]);
    }

    #[test]
    fn combinations_and_precedence() {
        check(&[
            ("service=frontend kind=producer", &["publish order"]),
            ("service=frontend AND kind=producer", &["publish order"]),
            ("service=frontend and kind=producer", &["publish order"]),
            (
                "kind=server OR kind=consumer",
                &["GET /cart", "consume order"],
            ),
            (
                "kind=server or kind=consumer",
                &["GET /cart", "consume order"],
            ),
            (
                "kind=server | kind=consumer",
                &["GET /cart", "consume order"],
            ),
            ("kind=server|kind=consumer", &["GET /cart", "consume order"]),
            (
                "kind=server || kind=consumer",
                &["GET /cart", "consume order"],
            ),
            // AND binds tighter than OR
            (
                "kind=server OR service=frontend kind=producer",
                &["GET /cart", "publish order"],
            ),
            (
                "(kind=server OR service=frontend) kind=producer",
                &["publish order"],
            ),
            // NOT binds tighter than AND
            (
                "-service=frontend",
                &["stripe charge", "SELECT orders", "consume order"],
            ),
            (
                "NOT service=frontend",
                &["stripe charge", "SELECT orders", "consume order"],
            ),
            (
                "not service=frontend",
                &["stripe charge", "SELECT orders", "consume order"],
            ),
            ("-kind=client service=payment", &[]),
            (
                "NOT kind=client OR status=error",
                &[
                    "GET /cart",
                    "stripe charge",
                    "publish order",
                    "consume order",
                    "internal step",
                ],
            ),
            (
                "-(kind=client OR kind=server)",
                &["publish order", "consume order", "internal step"],
            ),
            ("NOT NOT status=error", &["stripe charge"]),
            ("--status=error", &["stripe charge"]),
            ("((status=error))", &["stripe charge"]),
            ("(status=error)(kind=client)", &["stripe charge"]),
            // "-" inside a word, or alone, is text
            ("payment-service", &["stripe charge"]),
            ("zq -", &[]),
            // a word may hold balanced parentheses
            ("charge(card)", &[]),
            ("(cart)", &["GET /cart"]),
            // keywords used as field names are fields
            ("not=1 OR status=error", &["stripe charge"]),
        ]);
        let p = |q: &str| Query::parse(q).unwrap();
        assert_eq!(p("a OR b c"), p("a OR (b AND c)"));
        assert_ne!(p("a OR b c"), p("(a OR b) c"));
        assert_eq!(p("-a b"), p("(NOT a) AND b"));
        assert_eq!(p("a b c"), p("a AND b AND c"));
        assert_eq!(p("\"or\""), p("\"OR\""));
        assert!(p("\"or\"").is_filter());
    }

    #[test]
    fn collapse_directive() {
        let (s, f) = fixture();
        let q = Query::parse("collapse<5ms").unwrap();
        assert!(!q.is_filter());
        assert_eq!(q.collapse_below(), Some(5 * MS));
        assert!(q.find(&s, &f).is_empty());
        assert!(!q.matches(&s, &f, 0));
        assert_eq!(
            Query::parse("collapse<=5ms").unwrap().collapse_below(),
            Some(5 * MS + 1)
        );
        assert_eq!(
            Query::parse("Collapse < 1.5s").unwrap().collapse_below(),
            Some(1_500 * MS)
        );
        assert_eq!(
            Query::parse("collapse<2").unwrap().collapse_below(),
            Some(2 * MS)
        );
        assert_eq!(
            Query::parse("collapse<2ms collapse<3ms")
                .unwrap()
                .collapse_below(),
            Some(3 * MS)
        );
        assert!(!Query::parse("(collapse<5ms)").unwrap().is_filter());
        let q = Query::parse("service=frontend collapse<1ms").unwrap();
        assert!(q.is_filter());
        assert_eq!(q.collapse_below(), Some(MS));
        assert_eq!(
            names_in(&s, &f, "service=frontend collapse<1ms"),
            ["GET /cart", "publish order", "internal step"]
        );
        assert_eq!(
            names_in(&s, &f, "collapse<1ms OR kind=server"),
            ["GET /cart"]
        );
        // `collapse` alone is text; quoted with an operator, an attribute.
        assert_eq!(names_in(&s, &f, "collapse"), Vec::<String>::new());
        assert!(Query::parse("\"collapse\"<5").unwrap().is_filter());
        // Empty queries.
        for blank in ["", "   ", "\t\n"] {
            let q = Query::parse(blank).unwrap();
            assert_eq!(q, Query::default());
            assert!(!q.is_filter());
            assert_eq!(q.collapse_below(), None);
            assert!(q.find(&s, &f).is_empty());
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let long = "x".repeat(100);
        let cases = [
            ("(a b", e("unclosed \"(\" at 0", 0, 1)),
            ("a (b OR (c)", e("unclosed \"(\" at 2", 2, 1)),
            ("ü (a", e("unclosed \"(\" at 2", 2, 1)),
            ("a)", e("unexpected \")\"", 1, 1)),
            (")", e("unexpected \")\"", 0, 1)),
            ("(a))", e("unexpected \")\"", 3, 1)),
            ("\"abc", e("unclosed quote at 0", 0, 4)),
            ("x \"ab", e("unclosed quote at 2", 2, 3)),
            ("service=\"ab", e("unclosed quote at 8", 8, 3)),
            (
                "duration>abc",
                e("\"duration\" needs a time such as 100ms, got \"abc\"", 9, 3),
            ),
            (
                "self>=1.2.3",
                e("\"self\" needs a time such as 100ms, got \"1.2.3\"", 6, 5),
            ),
            (
                "critical>.",
                e("\"critical\" needs a time such as 100ms, got \".\"", 9, 1),
            ),
            (
                "duration>12mss",
                e(
                    "unknown unit \"mss\" in \"12mss\" (use ns, us, ms, s, m, h)",
                    9,
                    5,
                ),
            ),
            (
                "duration > 99999999999h",
                e("time \"99999999999h\" is too large", 11, 12),
            ),
            ("status=bad", e("\"status\" is ok, error or unset", 7, 3)),
            (
                "kind=foo",
                e(
                    "\"kind\" is client, server, producer, consumer or internal",
                    5,
                    3,
                ),
            ),
            (
                "pattern=foo",
                e(
                    "\"pattern\" is n_plus_one, sequential, slow_query or timeout",
                    8,
                    3,
                ),
            ),
            ("duration>=", e("expected a value after \">=\"", 8, 2)),
            ("(duration>= )", e("expected a value after \">=\"", 9, 2)),
            ("a=|b", e("expected a value after \"=\"", 1, 1)),
            ("=5", e("expected a field name before \"=\"", 0, 1)),
            ("<init>", e("expected a field name before \"<\"", 0, 1)),
            // spaces around an operator are allowed: `a <init>` compares `a`
            ("a <init>", e("\"<\" needs a number, got \"init>\"", 3, 5)),
            (
                "service>x",
                e("\"service\" takes =, !=, ~ or !~, got \">\"", 7, 1),
            ),
            ("status~x", e("\"status\" takes = or !=, got \"~\"", 6, 1)),
            ("kind>=x", e("\"kind\" takes = or !=, got \">=\"", 4, 2)),
            ("pattern<x", e("\"pattern\" takes = or !=, got \"<\"", 7, 1)),
            (
                "duration!~5",
                e("\"duration\" takes =, !=, >, >=, < or <=, got \"!~\"", 8, 2),
            ),
            (
                "collapse>5ms",
                e("\"collapse\" takes < or <=, as in collapse<5ms", 8, 1),
            ),
            (
                "collapse<abc",
                e("\"collapse\" needs a time such as 100ms, got \"abc\"", 9, 3),
            ),
            (
                "NOT collapse<5ms",
                e("\"collapse\" is not a filter and cannot be negated", 0, 16),
            ),
            (
                "a -collapse<5ms",
                e("\"collapse\" is not a filter and cannot be negated", 2, 13),
            ),
            (
                "http.status_code>=abc",
                e("\">=\" needs a number, got \"abc\"", 18, 3),
            ),
            ("a OR", e("expected a term after \"OR\"", 2, 2)),
            ("a or )", e("expected a term after \"or\"", 2, 2)),
            ("OR a", e("expected a term before \"OR\"", 0, 2)),
            ("|", e("expected a term before \"|\"", 0, 1)),
            ("a | | b", e("expected a term after \"|\"", 2, 1)),
            ("(OR a)", e("expected a term before \"OR\"", 1, 2)),
            ("a AND", e("expected a term after \"AND\"", 2, 3)),
            ("a AND OR b", e("expected a term after \"AND\"", 2, 3)),
            ("AND a", e("expected a term before \"AND\"", 0, 3)),
            ("NOT", e("expected a term after \"NOT\"", 0, 3)),
            ("a NOT", e("expected a term after \"NOT\"", 2, 3)),
            ("-(", e("unclosed \"(\" at 1", 1, 1)),
            ("()", e("nothing inside \"()\"", 0, 2)),
            ("a ( )", e("nothing inside \"()\"", 2, 3)),
        ];
        for (q, want) in cases {
            assert_eq!(fails(q), want, "query {q:?}");
            let err = Query::parse(q).unwrap_err();
            assert_eq!(err.to_string(), err.message);
        }
        // Quoted input is cut at 80 characters.
        let (m, at, len) = fails(&format!("duration>{long}"));
        assert_eq!(
            m,
            format!(
                "\"duration\" needs a time such as 100ms, got \"{}…\"",
                "x".repeat(79)
            )
        );
        assert_eq!((at, len), (9, 100));
        // Nesting is bounded (the parser and the evaluator recurse).
        let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
        assert!(Query::parse(&deep).is_ok());
        let deeper = format!("{}a{}", "(".repeat(101), ")".repeat(101));
        assert_eq!(
            fails(&deeper),
            e("too deeply nested (more than 100 levels)", 100, 1)
        );
        let nots = "NOT ".repeat(5000) + "a";
        assert_eq!(fails(&nots).0, "too deeply nested (more than 100 levels)");
    }

    #[test]
    fn zipkin_string_tags_compare_as_numbers() {
        let s = load(
            r#"[
          {"traceId":"1","id":"1","name":"GET /cart","timestamp":1000,"duration":100,"localEndpoint":{"serviceName":"gateway"},"tags":{"http.status_code":"500","retries":"2.5","ok":"true"}},
          {"traceId":"1","id":"2","parentId":"1","name":"charge","timestamp":1010,"duration":30,"localEndpoint":{"serviceName":"payment"},"tags":{"http.status_code":"200","error":"card declined"}},
          {"traceId":"2","id":"3","name":"other trace","timestamp":1010,"duration":30,"localEndpoint":{"serviceName":"payment"},"tags":{"http.status_code":"503"}}
        ]"#,
        );
        let f = Facts::empty(&s, 0);
        let n = |q: &str| names_in(&s, &f, q);
        assert_eq!(n("http.status_code>=500"), ["GET /cart"]);
        assert_eq!(n("http.status_code=500"), ["GET /cart"]);
        assert_eq!(n("http.status_code<500"), ["charge"]);
        assert_eq!(n("http.status_code>100 http.status_code<=200"), ["charge"]);
        assert_eq!(n("retries>2"), ["GET /cart"]);
        assert_eq!(n("retries=2.50"), ["GET /cart"]);
        assert_eq!(n("ok=true"), ["GET /cart"]);
        assert_eq!(n("error=card"), ["charge"]);
        assert_eq!(n("status=error"), ["charge"]);
        assert_eq!(n("message=declined"), ["charge"]);
        assert_eq!(n("id=2"), ["charge"]);
        assert_eq!(n("id=0000000000000002"), ["charge"]);
        // The other trace's facts: find looks at trace 1 only.
        let f1 = Facts::empty(&s, 1);
        assert_eq!(names_in(&s, &f1, "service=payment"), ["other trace"]);
        // matches() on a span outside the facts' trace reads no facts.
        let mut crit = Facts::empty(&s, 0);
        crit.critical_ns = vec![5, 5];
        let q = Query::parse("critical").unwrap();
        assert!(q.matches(&s, &crit, 0));
        assert!(!q.matches(&s, &crit, 2));
        assert!(!q.matches(&s, &crit, 99));
        // Facts of a trace that does not exist: nothing.
        let bogus = Facts {
            trace: 7,
            ..Facts::default()
        };
        assert!(q.find(&s, &bogus).is_empty());
        // Short columns read as zero.
        let short = Facts::default();
        assert_eq!(
            Query::parse("critical OR self>0").unwrap().find(&s, &short),
            Vec::<u32>::new()
        );
        assert_eq!(
            Query::parse("service=gateway").unwrap().find(&s, &short),
            vec![0]
        );
    }

    #[test]
    fn the_demo_first_trace() {
        let mut s = Store::default();
        import::load(&mut s, "demo", &crate::sources::demo::bytes()).unwrap();
        let f = Facts::empty(&s, 0);
        let spans: Vec<u32> = s.traces[0].spans.range().map(|i| i as u32).collect();
        let find = |q: &str| Query::parse(q).unwrap().find(&s, &f);

        let errors: Vec<u32> = spans.iter().copied().filter(|&i| s.is_error(i)).collect();
        assert!(!errors.is_empty());
        assert_eq!(find("status=error"), errors);
        let healthy: Vec<u32> = spans.iter().copied().filter(|&i| !s.is_error(i)).collect();
        assert_eq!(find("-status=error"), healthy);
        assert_eq!(find("status!=error"), healthy);

        let servers: Vec<u32> = spans
            .iter()
            .copied()
            .filter(|&i| s.spans.kind[i as usize] == SpanKind::Server)
            .collect();
        assert!(!servers.is_empty());
        assert_eq!(find("kind=server"), servers);

        // service=payment: the word "payment" in the service name.
        let payment: Vec<u32> = spans
            .iter()
            .copied()
            .filter(|&i| {
                s.str(s.spans.service[i as usize])
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "payment")
            })
            .collect();
        assert!(!payment.is_empty());
        assert_eq!(find("service=payment"), payment);
        let both: Vec<u32> = payment
            .iter()
            .copied()
            .filter(|i| errors.contains(i))
            .collect();
        assert!(!both.is_empty());
        assert_eq!(find("service=payment status=error"), both);

        let long: Vec<u32> = spans
            .iter()
            .copied()
            .filter(|&i| s.spans.duration[i as usize] > 100 * MS)
            .collect();
        assert_eq!(find("duration>100ms"), long);
        // The card declined: in a status message, an exception event or an attribute.
        assert!(!find("declined").is_empty());
        // Free text agrees with the old search on a plain word.
        assert!(find("payment").len() >= payment.len());
    }

    /// Random printable queries never panic; every error points inside the input.
    #[test]
    fn fuzz_never_panics() {
        let (s, f) = fixture();
        let mut rng = fastrand::Rng::with_seed(0x0005_eed0_f9e7);
        let pieces = [
            "(",
            ")",
            "\"",
            "|",
            "||",
            "-",
            "!",
            "=",
            "!=",
            ">",
            ">=",
            "<",
            "<=",
            "~",
            "!~",
            "=~",
            " ",
            " ",
            " ",
            "AND",
            "OR",
            "NOT",
            "and",
            "service",
            "name",
            "status",
            "kind",
            "id",
            "message",
            "duration",
            "self",
            "critical",
            "origin",
            "pattern",
            "collapse",
            "failed",
            "response",
            "extent",
            "source",
            "error",
            "ok",
            "5ms",
            "1.5s",
            "12mss",
            "http.status_code",
            "500",
            "n+1",
            "µs",
            "ü",
            "\\",
            ".",
            "a",
            "0",
            "e",
            "😀",
            "\t",
            "timeout",
        ];
        let mut ok = 0;
        for case in 0..20_000 {
            let mut q = String::new();
            let n = rng.usize(0..12);
            for _ in 0..n {
                match rng.u8(0..4) {
                    0 => q.push(rng.char(' '..='~')),
                    1 => q.push(rng.char('\u{80}'..='\u{10ffff}')),
                    _ => q.push_str(pieces[rng.usize(0..pieces.len())]),
                }
            }
            let chars = q.chars().count();
            match Query::parse(&q) {
                Ok(query) => {
                    ok += 1;
                    let found = query.find(&s, &f);
                    if case % 16 == 0 {
                        let each: Vec<u32> = (0..6).filter(|&i| query.matches(&s, &f, i)).collect();
                        assert_eq!(found, each, "{q:?}");
                    }
                }
                Err(e) => {
                    assert!(e.at + e.len <= chars, "{q:?}: {e:?}");
                    assert!(!e.message.is_empty());
                }
            }
        }
        // Both paths were exercised.
        assert!(ok > 2_000 && ok < 19_000, "{ok} of 20000 parsed");
    }

    #[test]
    fn substring_helpers() {
        let n = Needle::new;
        assert!(contains("Hello World", &n("o w")));
        assert!(contains("Hello World", &n("")));
        assert!(!contains("Hello", &n("hello!")));
        assert!(contains("aaab", &n("AAB")));
        assert!(contains("Größe", &n("GRÖ")));
        assert!(!contains("ascii only", &n("ö")));
        // The Kelvin sign lowercases to an ASCII k.
        assert!(contains("5 \u{212A}", &n("k")));
        assert!(word_eq("payment-service", &n("Payment")));
        assert!(word_eq("payment-service", &n("payment-service")));
        assert!(!word_eq("payment-service", &n("pay")));
        assert!(!word_eq("a--b", &n("")));
        assert!(word_eq("", &n("")));
        assert!(word_eq("Zürich-Worker", &n("zürich")));
        assert_eq!(hex16(0xc3, &mut [0; 16]), "00000000000000c3");
        assert_eq!(parse_time("x", "1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_time("x", "2"), Ok(2_000_000));
        assert_eq!(parse_time("x", "1.5ns"), Ok(2));
        assert_eq!(parse_time("x", "2h"), Ok(7_200_000_000_000));
        assert_eq!(parse_time("x", "3m"), Ok(180_000_000_000));
        assert_eq!(quote(&"y".repeat(80)).chars().count(), 82);
        assert_eq!(quote(&"y".repeat(81)).chars().count(), 82);
    }

    #[test]
    fn help_lists_the_language() {
        assert!(HELP.len() >= 10);
        for (example, meaning) in HELP {
            assert!(!example.is_empty() && !meaning.is_empty());
        }
        // Every single-term example parses.
        for (example, _) in HELP {
            for part in example.split("   ") {
                assert!(Query::parse(part).is_ok(), "{part:?}");
            }
        }
    }

    /// `cargo test --release --lib analysis::query::tests::timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn timing() {
        use crate::demo::{big, synth};
        use std::time::Instant;
        let spans = 100_000;
        let (sp, r) = big::generate(spans, 1);
        let mut bytes = Vec::new();
        synth::write_jaeger_json(&sp, &r, &mut bytes).unwrap();
        let mut s = Store::default();
        import::load(&mut s, "big", &bytes).unwrap();
        let f = Facts::empty(&s, 0);
        for q in [
            "timeout",
            "TIMEOUT",
            "zzzz-not-there",
            "\"connection refused\"",
            "grüße",
            "http.status_code>=500",
            "service=payment status=error",
            "duration>10ms -kind=client",
            "db.system=postgresql OR name~select",
        ] {
            let query = Query::parse(q).unwrap();
            let t = Instant::now();
            let mut n = 0;
            let runs = 5;
            for _ in 0..runs {
                n = query.find(&s, &f).len();
            }
            let ms = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
            let t = Instant::now();
            let old = crate::analysis::search::find(&s, 0, q).len();
            let old_ms = t.elapsed().as_secs_f64() * 1e3;
            println!("{q:40} {n:6} spans {ms:7.2} ms   (search.rs: {old:6} in {old_ms:7.2} ms)");
        }
    }
}
