#!/usr/bin/env node
/**
 * Strata test fixture: stand-in Jaeger / Tempo / Zipkin query servers.
 *
 * Node 20, built-ins only. Serves the real recorded trace files under the traces dir (default
 * $STRATA_TRACES or <repo>/../shared/traces) through each backend's own query API, in each
 * backend's own native wire format.
 *
 *   node tests/backends/server.mjs [--port N] [--traces DIR] [--shift-to-now]
 *        [--tempo-max-search-duration 168h|0]
 *   -> prints exactly one line {"url":"http://127.0.0.1:PORT"} and runs until SIGTERM/SIGINT.
 *   import { start } from './server.mjs'; const srv = await start({ port: 0, traces }); srv.url; await srv.close();
 *
 * Mounts (each a base URL, like Jaeger's --query.base-path):
 *   /jaeger         Jaeger 2.x query: API v3 (/api/v3/...) + legacy JSON API (/api/...), CORS on
 *   /jaeger-v1      old Jaeger, legacy JSON API only; /api/v3/* -> 404 "404 page not found"   CORS on
 *   /jaeger-v1-spa  old Jaeger exactly as 1.x behaves: every unknown path (including /api/v3/*)
 *                   gets the UI's index.html with 200 text/html (gorilla NotFoundHandler)   CORS on
 *   /tempo          Tempo HTTP API (as behind a reverse proxy that adds CORS)
 *   /zipkin         Zipkin v2 API (Zipkin allows all origins by default)
 *   /nocors/<any of the above or files>   same, but no CORS headers and no preflight answer (405)
 *   /files/<path>   static files of the traces dir, CORS on; /nocors/files/<path> without CORS
 *   /slow/<ms>/<any route above>   headers delayed by <ms>, then the body streamed in chunks
 *                   (?chunk=16384 bytes, ?pause=50 ms between chunks, ?length=0 drops Content-Length)
 *   /_fixture/catalog   JSON: every trace each backend holds (ids, services, times, files)
 *   /               small HTML page listing the mounts and the data
 *
 * FAITHFUL (checked against the real servers' source; file names in the report / comments):
 *  Jaeger legacy (cmd/query/app/http_handler.go, query_parser.go):
 *   - envelope {data,total,limit,offset,errors}; total = len(data) only for services/operations,
 *     0 for traces/dependencies (structuredResponse as the handler fills it); errors:null.
 *   - /api/traces: `service` required unless traceID= given ("parameter 'service' is required");
 *     start/end µs (defaults end=now, start=now-48h: defaultTraceQueryLookbackDuration);
 *     `lookback` is a UI-only hint and is ignored; limit default 100 (defaultQueryLimit);
 *     min/maxDuration via Go time.ParseDuration, errors "unable to parse param 'minDuration': time: ...";
 *     "'maxDuration' should be greater than 'minDuration'"; tag=k:v (repeated) and tags={json};
 *     a trace matches when ONE span has the service, operation, all tags (span+process+log fields),
 *     its own duration within bounds and its own start within [start,end] (memory store validSpan).
 *   - /api/traces/{id}: 404 {"errors":[{"code":404,"msg":"trace not found"}]}; non-hex -> 400
 *     (strconv.ParseUint message); ids normalised like model.TraceIDFromString (leading zeros).
 *   - /api/dependencies: endTs/lookback ms (lookback default 24h); parent->child service edges from
 *     CHILD_OF references across services, like the memory store.
 *  Jaeger API v3 (cmd/jaeger/internal/extension/jaegerquery/internal/apiv3/http_gateway.go,
 *   param_resolver.go, deprecation.go, query_parser.go):
 *   - canonical camelCase params (query.serviceName, query.startTimeMin, ...); the snake_case
 *     aliases (query.service_name, query.start_time_min, query.num_traces, span_kind, ...) still
 *     work and add Deprecation/Sunset/Link/Deprecated-Params headers.
 *   - "query.startTimeMin and query.startTimeMax are required"; "malformed parameter X: ..." (400);
 *     no match -> 404 {"error":{"httpCode":404,"message":"No traces found"}}; errors are written
 *     with Go's http.Error, i.e. Content-Type text/plain and a trailing newline, JSON body.
 *   - query.attributes = JSON map string ({"k":"v"}), as current Jaeger parses it.
 *   - all matching traces merged into ONE {"result":{"resourceSpans":[...]}}; payload re-encoded the
 *     way pdata's JSON marshaler does: camelCase, lowercase hex ids, integer enums, 64-bit ints as
 *     strings, empty/zero fields omitted, "resource":{} / "scope":{} / "status":{} always present.
 *   - operations spanKind "" is reported as "internal".
 *  Tempo (pkg/api/http.go, modules/frontend/combiner/*, modules/querier/http.go, pkg/util/traceid.go):
 *   - payloads as gogo jsonpb writes them: base64 trace/span ids, enum NAMES
 *     ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"), 64-bit ints as strings, zero values omitted.
 *   - /api/traces/{id} -> {"batches":[...]}; unknown -> 404 text "trace not found".
 *   - /api/v2/traces/{id} -> {"trace":{"resourceSpans":[...]},"metrics":{...}}; status COMPLETE is
 *     the proto3 zero value and is therefore OMITTED; "status":"PARTIAL","message" when partial.
 *     Unknown id -> 200 {"trace":{},"metrics":{}} (Tempo >= 2.7 answers an empty trace, not 404;
 *     grafana/tempo#3892, #5105, grafana/grafana#95256).
 *   - trace id parsing: hex only ("trace IDs can only contain hex characters: invalid character
 *     'x' at position N"), <= 128 bits, left-padded.
 *   - /api/search: q (TraceQL) or tags (logfmt) but not both ("invalid request: can't specify tags
 *     and q in the same query"); start/end epoch seconds ("http parameter start must be before
 *     end..."); range > 168h -> 400 "range specified by start and end exceeds 168h0m0s. received
 *     start=S end=E" (query_frontend search max_duration default; --tempo-max-search-duration 0
 *     disables); minDuration/maxDuration on the trace duration; limit default 20; spss default 3,
 *     max 100. Response: traceID with leading zeros trimmed (TraceIDToHexString), spanID padded to
 *     16, rootServiceName/rootTraceName, startTimeUnixNano, durationMs (omitted when 0),
 *     spanSet + spanSets [{spans, matched}], serviceStats; metrics {inspectedBytes, completedJobs,
 *     totalJobs} (the shape of the two recorded kiali responses). Newest traces first.
 *   - parse errors: 400 text "invalid TraceQL query: parse error at line 1, col N: syntax error:
 *     unexpected TOKEN". `{}` is never validated (as in Tempo).
 *  Zipkin (zipkin-server ZipkinQueryApiV2.java, zipkin2 QueryRequest.java / Span.java):
 *   - stored spans are re-encoded like SpanBytesEncoder.JSON_V2: lowercased span and service
 *     names, ids validated and left-padded (16/32), field order traceId,parentId,id,kind,name,...,
 *     tags sorted, annotations sorted.
 *   - /api/v2/traces: defaults endTs=now, lookback=86400000, limit=10; QueryRequest.test semantics
 *     (trace timestamp = root span's or earliest; serviceName/spanName/remoteServiceName/
 *     annotationQuery/duration on spans of that service); "maxDuration is only valid with
 *     minDuration", "minDuration <= 0", "maxDuration < minDuration", "limit <= 0" -> 400 text.
 *   - /api/v2/trace/{id}: Span.normalizeTraceId (lower-hex only: uppercase -> 400 "X should be
 *     lower-hex encoded with no prefix"; 32 hex with 16 leading zeros -> 16; shorter -> padded);
 *     strict trace id (a 16-hex query does not find a 128-bit trace); unknown -> 404 text
 *     "<id> not found".
 *   - /api/v2/traceMany: "traceIds parameter is empty", "redundant traceId: X",
 *     "Use /api/v2/trace/{traceId} endpoint to retrieve a single trace".
 *   - name lists sorted; Cache-Control max-age=300 once more than 3 services exist.
 *
 * SIMPLIFIED (know these when a test fails against a real server):
 *  - TraceQL: one spanset `{ ... }` with conditions joined by && / || (no parentheses, no
 *    pipelines, no structural operators, no aggregates, no select). Fields: resource.X, span.X, .X,
 *    name, status, statusMessage, duration, kind, traceDuration, rootName, rootServiceName (+ the
 *    span:/trace: colon forms). Operators = != > >= < <= =~ !~ (regex fully anchored). Anything else
 *    -> a 400 parse error in Tempo's format (real Tempo would accept pipelines etc.).
 *  - Tempo tags search: every key=value must hold on one span; values compared as strings (key
 *    `name` = span name, other keys span-or-resource attributes).
 *  - Tempo PARTIAL: real Tempo marks a trace PARTIAL only when it exceeds max_bytes_per_trace;
 *    here a trace is PARTIAL when spans reference parents that are absent from the trace (e.g. the
 *    otlp2parquet JSONL traces), so clients can exercise the PARTIAL path.
 *  - Tempo search special case: if the searched service name (q equality on service.name or
 *    tags service.name=) belongs to one of the two recorded kiali search responses (kiali queried
 *    productpage.bookinfo / waypoint.bookinfo) and no loaded trace has it, that recorded response
 *    is returned verbatim. The traces in those responses are not fetchable by id.
 *  - Jaeger v3 searchDepth default 20; serviceName optional (no filter). Adjusters (clock skew,
 *    span-id dedupe) are never applied; legacy traces are served as in the file (only the
 *    non-API keys like "_comment" dropped; the jaeger-ui internal-model file and bare span arrays
 *    are converted to the API shape: processes map + processID).
 *  - Non-hex Jaeger ids such as "trace-123" (a hand-written jaeger-ui fixture) cannot exist in a
 *    real Jaeger; they are nevertheless served by /api/traces/trace-123.
 *  - /jaeger: unknown non-/api paths answer 404 (real Jaeger serves its UI there).
 *  - Zipkin dependency linking is a simplified DependencyLinker (server spans link to the nearest
 *    ancestor with another service; client/producer spans with an uninstrumented remote link to
 *    the remote; consumer spans link from their remote). errorCount = spans tagged "error".
 *  - Methods: GET and HEAD answer; OPTIONS is a CORS preflight on CORS mounts (204) and 405 on
 *    /nocors; every other method is 405 "Method Not Allowed" (real Zipkin also accepts POST
 *    /api/v2/spans, real Tempo ignores the method).
 *  - When a trace id occurs in several files of one backend, the spans are merged into one trace
 *    (as a store keyed by trace id would hold them); spans that are exact copies of spans already
 *    loaded from another file are dropped (listed on stderr and in /_fixture/catalog "load.merged").
 *    Jaeger JSON processes are renamed (pN) when two files use the same key for different processes.
 *  - Times: traces whose times are absent or overflow int64 (the Go-zero-time 2023 v3 snapshot)
 *    are never found by searches but are served by id.
 *  - --shift-to-now: one common offset moves every trace with an epoch timestamp after 2000 so the
 *    newest trace ends 5 minutes ago (payload times and search indexes shifted consistently; the
 *    hand-made traces with tiny relative timestamps are left alone).
 */

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_TRACES = () => process.env.STRATA_TRACES || path.resolve(HERE, '..', '..', '..', 'shared', 'traces');
const MAX_I64 = (1n << 63n) - 1n;
const EPOCH_2000_US = 946684800000000;

// ---------------------------------------------------------------------------------------------
// JSON with 64-bit integers preserved (BigInt for integers beyond 2^53), and the matching writer.
// ---------------------------------------------------------------------------------------------

export function parseJSON(text) {
  let i = 0;
  const n = text.length;
  const fail = (msg) => { throw new SyntaxError(`${msg} at position ${i}`); };
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++; else break;
    }
  };
  const NUM = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  function str() {
    i++;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(from, i); i++; return out; }
      if (c === 92) {
        out += text.slice(from, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const h = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('bad unicode escape');
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
            break;
          }
          default: fail('bad escape');
        }
        from = i;
        continue;
      }
      if (c < 32) fail('control character in string');
      i++;
    }
  }
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o = {};
      ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected string key');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        const v = value();
        if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        else o[k] = v;
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return o; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return a; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) fail('unexpected character');
    i += m[0].length;
    if (!m[1] && !m[2]) {
      const v = Number(m[0]);
      return Number.isSafeInteger(v) ? v : BigInt(m[0]);
    }
    return Number(m[0]);
  }
  const v = value();
  ws();
  if (i < n) fail('unexpected data after JSON value');
  return v;
}

export function stringify(v) {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint': return v.toString();
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'string': return JSON.stringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined || typeof x === 'function' ? 'null' : stringify(x))).join(',') + ']';
      const parts = [];
      for (const k of Object.keys(v)) {
        const x = v[k];
        if (x === undefined || typeof x === 'function') continue;
        parts.push(JSON.stringify(k) + ':' + stringify(x));
      }
      return '{' + parts.join(',') + '}';
    }
    default: return 'null';
  }
}

// ---------------------------------------------------------------------------------------------
// Go-compatible parsers (messages as Go's strconv / time packages word them)
// ---------------------------------------------------------------------------------------------

const goQuote = (s) => JSON.stringify(s);
const DUR_UNITS = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration -> nanoseconds (Number). Throws Error with Go's message. */
export function goParseDuration(orig) {
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) { neg = s[0] === '-'; s = s.slice(1); }
  if (s === '0') return 0;
  if (s === '') throw new Error(`time: invalid duration ${goQuote(orig)}`);
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const ip = m[1];
    const fp = m[2];
    if (ip === '' && (fp === undefined || fp === '')) throw new Error(`time: invalid duration ${goQuote(orig)}`);
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)[0];
    if (u === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const mult = DUR_UNITS[u];
    if (!mult) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    total += (Number(ip || '0') + (fp ? Number('0.' + fp) : 0)) * mult;
  }
  return Math.round(neg ? -total : total);
}

/** Go's Duration.String() for whole seconds (enough for config values such as 168h0m0s). */
function goDurationString(ns) {
  if (ns === 0) return '0s';
  let s = Math.floor(ns / 1e9);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

/** strconv.ParseInt(s, 10, bits) */
function goParseInt(s, bits = 64) {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  const lim = 1n << BigInt(bits - 1);
  if (v >= lim || v < -lim) throw new Error(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  return v;
}

/** strconv.Atoi */
function goAtoi(s) {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  return Number(s);
}

/** strconv.ParseBool */
function goParseBool(s) {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

/** time.Parse(time.RFC3339Nano, s) -> BigInt ns since epoch. */
export function parseRFC3339(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  const bad = () => new Error(`parsing time ${goQuote(s)} as "2006-01-02T15:04:05.999999999Z07:00": cannot parse ${goQuote(s)} as "2006"`);
  if (!m) throw bad();
  const [, Y, Mo, D, h, mi, se, frac, tz] = m;
  const ms = Date.UTC(+Y, +Mo - 1, +D, +h, +mi, +se);
  const d = new Date(ms);
  if (+Mo < 1 || +Mo > 12 || d.getUTCDate() !== +D || +h > 23 || +mi > 59 || +se > 59) {
    throw new Error(`parsing time ${goQuote(s)}: day, month, hour, minute or second out of range`);
  }
  let offMin = 0;
  if (tz !== 'Z') offMin = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  const nsFrac = frac ? BigInt(frac.padEnd(9, '0')) : 0n;
  return (BigInt(ms) - BigInt(offMin) * 60000n) * 1000000n + nsFrac;
}

// ---------------------------------------------------------------------------------------------
// OTLP normalisation
// ---------------------------------------------------------------------------------------------

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const KIND_JAEGER = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const pick = (o, ...keys) => {
  if (!o || typeof o !== 'object') return undefined;
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};
const num = (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0);

function enumInt(v, names) {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
    if (/^\d+$/.test(v)) return Number(v);
    const j = names.findIndex((x) => x.endsWith('_' + v.toUpperCase()));
    if (j >= 0) return j;
  }
  return 0;
}

/** hex (any case), base64, or short hex -> lowercase hex of `bytes` bytes; '' when absent; null when invalid. */
export function idHex(v, bytes) {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') return null;
  if (/^[0-9a-fA-F]+$/.test(v)) {
    if (v.length === bytes * 2) return v.toLowerCase();
    if (v.length < bytes * 2) return v.toLowerCase().padStart(bytes * 2, '0');
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0) {
    const b = Buffer.from(v, 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  return null;
}

function toBig(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.round(v)) : null;
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return null;
}

function normValue(v) {
  if (!v || typeof v !== 'object') return {};
  if (v.Value && typeof v.Value === 'object') v = v.Value;
  let x;
  if ((x = pick(v, 'stringValue', 'string_value')) !== undefined) return { stringValue: String(x) };
  if ((x = pick(v, 'boolValue', 'bool_value')) !== undefined) return { boolValue: x === true || x === 'true' };
  if ((x = pick(v, 'intValue', 'int_value')) !== undefined) return { intValue: typeof x === 'number' ? String(Math.trunc(x)) : String(x) };
  if ((x = pick(v, 'doubleValue', 'double_value')) !== undefined) return { doubleValue: Number(x) };
  if ((x = pick(v, 'arrayValue', 'array_value')) !== undefined) return { arrayValue: { values: (Array.isArray(x?.values) ? x.values : []).map(normValue) } };
  if ((x = pick(v, 'kvlistValue', 'kvlist_value')) !== undefined) return { kvlistValue: { values: normAttrs(x?.values) } };
  if ((x = pick(v, 'bytesValue', 'bytes_value')) !== undefined) return { bytesValue: String(x) };
  return {};
}

function normAttrs(list) {
  if (!Array.isArray(list)) return [];
  return list.filter((kv) => kv && typeof kv.key === 'string').map((kv) => ({ key: kv.key, value: normValue(kv.value) }));
}

/** AnyValue -> string, as Jaeger/Zipkin-style tag matching compares values. */
function anyToString(v) {
  if (!v) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue ? 'true' : 'false';
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return stringify(v.arrayValue.values.map(anyToString));
  if ('kvlistValue' in v) return stringify(Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, anyToString(kv.value)])));
  return '';
}

function normResource(r) {
  return { attributes: normAttrs(r?.attributes), droppedAttributesCount: num(pick(r, 'droppedAttributesCount', 'dropped_attributes_count')) };
}
function normScope(s) {
  return {
    name: typeof s?.name === 'string' ? s.name : '',
    version: typeof s?.version === 'string' ? s.version : '',
    attributes: normAttrs(s?.attributes),
    droppedAttributesCount: num(pick(s, 'droppedAttributesCount', 'dropped_attributes_count')),
  };
}

function normSpan(raw) {
  if (!raw || typeof raw !== 'object') return null;
  const traceId = idHex(pick(raw, 'traceId', 'trace_id'), 16);
  const spanId = idHex(pick(raw, 'spanId', 'span_id'), 8);
  if (!traceId || !spanId) return null;
  let parentSpanId = idHex(pick(raw, 'parentSpanId', 'parent_span_id'), 8);
  if (parentSpanId === null) return null;
  if (/^0+$/.test(parentSpanId)) parentSpanId = '';
  const st = raw.status && typeof raw.status === 'object' ? raw.status : {};
  return {
    traceId,
    spanId,
    traceState: String(pick(raw, 'traceState', 'trace_state') ?? ''),
    parentSpanId,
    flags: num(raw.flags),
    name: typeof raw.name === 'string' ? raw.name : '',
    kind: enumInt(raw.kind, KIND_NAMES),
    startNs: toBig(pick(raw, 'startTimeUnixNano', 'start_time_unix_nano')),
    endNs: toBig(pick(raw, 'endTimeUnixNano', 'end_time_unix_nano')),
    attributes: normAttrs(raw.attributes),
    droppedAttributesCount: num(pick(raw, 'droppedAttributesCount', 'dropped_attributes_count')),
    events: (Array.isArray(raw.events) ? raw.events : []).map((e) => ({
      timeNs: toBig(pick(e, 'timeUnixNano', 'time_unix_nano')),
      name: typeof e?.name === 'string' ? e.name : '',
      attributes: normAttrs(e?.attributes),
      droppedAttributesCount: num(pick(e, 'droppedAttributesCount', 'dropped_attributes_count')),
    })),
    droppedEventsCount: num(pick(raw, 'droppedEventsCount', 'dropped_events_count')),
    links: (Array.isArray(raw.links) ? raw.links : []).map((l) => ({
      traceId: idHex(pick(l, 'traceId', 'trace_id'), 16) || '',
      spanId: idHex(pick(l, 'spanId', 'span_id'), 8) || '',
      traceState: String(pick(l, 'traceState', 'trace_state') ?? ''),
      attributes: normAttrs(l?.attributes),
      droppedAttributesCount: num(pick(l, 'droppedAttributesCount', 'dropped_attributes_count')),
      flags: num(l?.flags),
    })),
    droppedLinksCount: num(pick(raw, 'droppedLinksCount', 'dropped_links_count')),
    status: { code: enumInt(st.code, STATUS_NAMES), message: typeof st.message === 'string' ? st.message : '' },
  };
}

/** The resourceSpans list of an OTLP-ish document, or null. Accepts the wrappers seen in real files. */
function otlpResourceSpans(doc) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return null;
  for (const w of ['result', 'trace']) {
    if (doc[w] && typeof doc[w] === 'object' && !Array.isArray(doc[w])) {
      const inner = otlpResourceSpans(doc[w]);
      if (inner) return inner;
    }
  }
  if (doc.traces && typeof doc.traces === 'object' && !Array.isArray(doc.traces)) {
    const inner = otlpResourceSpans(doc.traces); // Grafana Faro payload
    if (inner) return inner;
  }
  const rs = pick(doc, 'resourceSpans', 'resource_spans', 'batches');
  return Array.isArray(rs) ? rs : null;
}

function newOTrace(id) {
  return { kind: 'otlp', id, files: [], blocks: [], blockMap: new Map() };
}

/** Group the spans of OTLP docs (one file) by trace id. Returns { traces: Map, ok, bad }. */
function otlpTracesFromDocs(docs) {
  const traces = new Map();
  let ok = 0;
  let bad = 0;
  docs.forEach((doc, li) => {
    const rsList = otlpResourceSpans(doc);
    if (!rsList) return;
    rsList.forEach((rs, ri) => {
      if (!rs || typeof rs !== 'object') return;
      const resource = normResource(rs.resource);
      const rsSchemaUrl = String(pick(rs, 'schemaUrl', 'schema_url') ?? '');
      const ssList = pick(rs, 'scopeSpans', 'scope_spans', 'instrumentationLibrarySpans', 'instrumentation_library_spans') || [];
      ssList.forEach((ss, si) => {
        if (!ss || typeof ss !== 'object') return;
        const scope = normScope(pick(ss, 'scope', 'instrumentationLibrary', 'instrumentation_library'));
        const ssSchemaUrl = String(pick(ss, 'schemaUrl', 'schema_url') ?? '');
        for (const raw of Array.isArray(ss.spans) ? ss.spans : []) {
          const s = normSpan(raw);
          if (!s) { bad++; continue; }
          ok++;
          let t = traces.get(s.traceId);
          if (!t) traces.set(s.traceId, (t = newOTrace(s.traceId)));
          const bkey = `${li}/${ri}`;
          let b = t.blockMap.get(bkey);
          if (!b) { b = { resource, schemaUrl: rsSchemaUrl, scopes: [], scopeMap: new Map() }; t.blockMap.set(bkey, b); t.blocks.push(b); }
          let sc = b.scopeMap.get(si);
          if (!sc) { sc = { scope, schemaUrl: ssSchemaUrl, spans: [] }; b.scopeMap.set(si, sc); b.scopes.push(sc); }
          sc.spans.push(s);
        }
      });
    });
  });
  return { traces, ok, bad };
}

const validNs = (v) => v !== null && v > 0n && v <= MAX_I64;

function buildOtlpMeta(t) {
  const spans = [];
  const services = new Set();
  let overflow = false;
  let startNs = null;
  let endNs = null;
  for (const b of t.blocks) {
    const svcAttr = b.resource.attributes.find((a) => a.key === 'service.name');
    const service = svcAttr && 'stringValue' in svcAttr.value ? svcAttr.value.stringValue : null;
    if (service) services.add(service);
    for (const sc of b.scopes) {
      for (const s of sc.spans) {
        if ((s.startNs !== null && s.startNs > MAX_I64) || (s.endNs !== null && s.endNs > MAX_I64)) overflow = true;
        const valid = validNs(s.startNs);
        const end = validNs(s.endNs) && s.endNs >= (s.startNs ?? 0n) ? s.endNs : s.startNs;
        const durNs = valid ? end - s.startNs : null;
        if (valid) {
          if (startNs === null || s.startNs < startNs) startNs = s.startNs;
          if (endNs === null || end > endNs) endNs = end;
        }
        const attrs = new Map();
        for (const a of b.resource.attributes) attrs.set(a.key, anyToString(a.value));
        for (const a of sc.scope.attributes) attrs.set(a.key, anyToString(a.value));
        for (const e of s.events) for (const a of e.attributes) attrs.set(a.key, anyToString(a.value));
        for (const a of s.attributes) attrs.set(a.key, anyToString(a.value));
        spans.push({
          s, resource: b.resource, scope: sc.scope, service, valid,
          startNs: valid ? s.startNs : null,
          durNs,
          startUs: valid ? Number(s.startNs) / 1000 : null,
          durUs: durNs === null ? null : Number(durNs) / 1000,
          attrs,
          error: s.status.code === 2,
        });
      }
    }
  }
  const ids = new Set(spans.map((m) => m.s.spanId));
  const missingParents = spans.filter((m) => m.s.parentSpanId && !ids.has(m.s.parentSpanId)).length;
  const roots = spans.filter((m) => !m.s.parentSpanId).sort((a, b) => cmpBig(a.startNs, b.startNs));
  t.spans = spans;
  t.services = services;
  t.searchable = !overflow && startNs !== null;
  t.startNs = startNs;
  t.endNs = endNs;
  t.startUs = startNs === null ? null : Number(startNs) / 1000;
  t.endUs = endNs === null ? null : Number(endNs) / 1000;
  t.root = roots[0] || null;
  t.missingParents = missingParents;
  t.spanCount = spans.length;
}

function cmpBig(a, b) {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------
// Jaeger JSON (legacy API) normalisation
// ---------------------------------------------------------------------------------------------

const JAEGER_SPAN_KEYS = ['traceID', 'spanID', 'flags', 'operationName', 'references', 'startTime', 'duration', 'tags', 'logs', 'processID', 'warnings'];

/** Moves inline `process` objects into a processes map (API shape). */
function withProcessesMap(spans, processes, keepKeys) {
  const procs = { ...(processes || {}) };
  const byJson = new Map(Object.entries(procs).map(([k, p]) => [stringify(p), k]));
  let next = Object.keys(procs).length + 1;
  const out = spans.map((sp) => {
    const o = keepKeys ? Object.fromEntries(JAEGER_SPAN_KEYS.filter((k) => sp[k] !== undefined).map((k) => [k, sp[k]])) : { ...sp };
    if (sp.process && !sp.processID) {
      const j = stringify(sp.process);
      let key = byJson.get(j);
      if (!key) { while (procs['p' + next]) next++; key = 'p' + next++; procs[key] = sp.process; byJson.set(j, key); }
      o.processID = key;
    }
    if (keepKeys || !processes) delete o.process;
    return o;
  });
  return { spans: out, processes: procs };
}

/** Jaeger JSON document -> list of { trace (API shape), note } */
function jaegerTracesFromDoc(doc) {
  const out = [];
  const fromSpanArray = (spans) => {
    const groups = new Map();
    for (const sp of spans) {
      if (!sp || typeof sp !== 'object' || sp.traceID === undefined) continue;
      const k = String(sp.traceID);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(sp);
    }
    for (const [tid, group] of groups) {
      const { spans: s2, processes } = withProcessesMap(group, null, false);
      out.push({ trace: { traceID: tid, spans: s2, processes, warnings: null }, note: 'bare span array converted to the API shape' });
    }
  };
  const fromTraceObject = (t, note) => {
    if (!t || typeof t !== 'object' || !Array.isArray(t.spans)) return;
    const tid = t.traceID !== undefined ? String(t.traceID) : t.spans[0]?.traceID;
    if (tid === undefined) return;
    out.push({ trace: { traceID: tid, spans: t.spans, processes: t.processes || {}, warnings: t.warnings ?? null }, note });
  };
  if (Array.isArray(doc)) {
    fromSpanArray(doc);
  } else if (doc && typeof doc === 'object') {
    if (Array.isArray(doc.data)) {
      for (const t of doc.data) fromTraceObject(t, null);
    } else if (doc.data && typeof doc.data === 'object' && Array.isArray(doc.data.spans)) {
      // jaeger-ui internal (transformed) trace model: keep only the API fields
      const d = doc.data;
      const { spans, processes } = withProcessesMap(d.spans, d.processes, true);
      out.push({ trace: { traceID: String(d.traceID ?? spans[0]?.traceID), spans, processes, warnings: null }, note: 'jaeger-ui internal model converted to the API shape' });
    } else if (Array.isArray(doc.spans)) {
      fromTraceObject(doc, null);
    }
  }
  return out;
}

/** model.TraceIDFromString-style key: up to 32 hex digits -> canonical lowercase hex (16 or 32). */
function jaegerHexKey(id) {
  if (!/^[0-9a-fA-F]{1,32}$/.test(id)) return null;
  const s = id.toLowerCase();
  const lo = s.slice(-16).padStart(16, '0');
  const hi = s.length > 16 ? s.slice(0, -16).padStart(16, '0') : '0'.repeat(16);
  return /^0+$/.test(hi) ? lo : hi + lo;
}

function jaegerTagString(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return '';
  return stringify(v);
}

function buildJaegerMeta(t) {
  const tr = t.payload;
  const spans = [];
  const services = new Set();
  let start = null;
  let end = null;
  for (const sp of tr.spans) {
    const proc = sp.process || (sp.processID !== undefined ? tr.processes?.[sp.processID] : null) || null;
    const service = proc && typeof proc.serviceName === 'string' ? proc.serviceName : null;
    if (service) services.add(service);
    const tags = new Map();
    for (const kv of proc?.tags || []) tags.set(String(kv.key), jaegerTagString(kv.value));
    for (const l of sp.logs || []) for (const kv of l.fields || []) tags.set(String(kv.key), jaegerTagString(kv.value));
    for (const kv of sp.tags || []) tags.set(String(kv.key), jaegerTagString(kv.value));
    const st = typeof sp.startTime === 'number' ? sp.startTime : typeof sp.startTime === 'bigint' ? Number(sp.startTime) : null;
    const du = typeof sp.duration === 'number' ? sp.duration : typeof sp.duration === 'bigint' ? Number(sp.duration) : 0;
    if (st !== null) {
      if (start === null || st < start) start = st;
      if (end === null || st + du > end) end = st + du;
    }
    const refs = Array.isArray(sp.references) ? sp.references : [];
    const sameTrace = (r) => r && String(r.traceID) === String(sp.traceID);
    const parentRef = refs.find((r) => sameTrace(r) && r.refType === 'CHILD_OF') || refs.find((r) => sameTrace(r) && r.refType === 'FOLLOWS_FROM');
    spans.push({
      spanID: String(sp.spanID), parentID: parentRef ? String(parentRef.spanID) : null,
      service, operation: String(sp.operationName ?? ''), kind: tags.get('span.kind') || '',
      startUs: st, durUs: du, tags, error: tags.get('error') === 'true',
    });
  }
  t.spans = spans;
  t.services = services;
  t.startUs = start;
  t.endUs = end;
  t.searchable = start !== null;
  t.spanCount = spans.length;
  const roots = spans.filter((s) => !s.parentID).sort((a, b) => (a.startUs ?? 0) - (b.startUs ?? 0));
  t.root = roots[0] || null;
}

// ---------------------------------------------------------------------------------------------
// Zipkin v2 normalisation (as zipkin2.Span.Builder + SpanBytesEncoder.JSON_V2 would store/emit it)
// ---------------------------------------------------------------------------------------------

class ZipkinIdError extends Error {}

function zValidateHex(id) {
  let zeros = 0;
  let inPrefix = id[0] === '0';
  for (const c of id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) throw new ZipkinIdError(`${id} should be lower-hex encoded with no prefix`);
    if (c !== '0') inPrefix = false; else if (inPrefix) zeros++;
  }
  return zeros;
}

/** zipkin2.Span.normalizeTraceId */
export function zNormalizeTraceId(id) {
  if (id === null || id === undefined) throw new ZipkinIdError('traceId == null');
  const len = id.length;
  if (len === 0) throw new ZipkinIdError('traceId is empty');
  if (len > 32) throw new ZipkinIdError('traceId.length > 32');
  const zeros = zValidateHex(id);
  if (zeros === len) throw new ZipkinIdError('traceId is all zeros');
  if (len === 32 || len === 16) return len === 32 && zeros >= 16 ? id.slice(16) : id;
  return id.padStart(len < 16 ? 16 : 32, '0');
}

function zNormalizeSpanId(id, what) {
  if (typeof id !== 'string' || id === '') throw new ZipkinIdError(`${what} is empty`);
  if (id.length > 16) throw new ZipkinIdError(`${what}.length > 16`);
  const zeros = zValidateHex(id);
  if (zeros === id.length) return null;
  return id.padStart(16, '0');
}

function zEndpoint(e) {
  if (!e || typeof e !== 'object') return null;
  const o = {};
  if (typeof e.serviceName === 'string' && e.serviceName !== '') o.serviceName = e.serviceName.toLowerCase();
  if (typeof e.ipv4 === 'string' && e.ipv4) o.ipv4 = e.ipv4;
  if (typeof e.ipv6 === 'string' && e.ipv6) o.ipv6 = e.ipv6.toLowerCase();
  if (typeof e.port === 'number' && e.port > 0) o.port = e.port;
  return Object.keys(o).length ? o : null;
}

const Z_KINDS = ['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

function zCanonSpan(raw) {
  const traceId = zNormalizeTraceId(typeof raw.traceId === 'string' ? raw.traceId : raw.traceId === undefined ? undefined : String(raw.traceId));
  const id = zNormalizeSpanId(raw.id, 'id');
  if (!id) throw new ZipkinIdError('id is all zeros');
  const parentId = raw.parentId === undefined || raw.parentId === null || raw.parentId === '' ? null : zNormalizeSpanId(String(raw.parentId), 'parentId');
  const o = { traceId };
  if (parentId) o.parentId = parentId;
  o.id = id;
  if (Z_KINDS.includes(raw.kind)) o.kind = raw.kind;
  if (typeof raw.name === 'string' && raw.name !== '') o.name = raw.name.toLowerCase();
  const ts = num(raw.timestamp);
  if (ts > 0) o.timestamp = ts;
  const du = num(raw.duration);
  if (du > 0) o.duration = du;
  const le = zEndpoint(raw.localEndpoint);
  if (le) o.localEndpoint = le;
  const re = zEndpoint(raw.remoteEndpoint);
  if (re) o.remoteEndpoint = re;
  const anns = (Array.isArray(raw.annotations) ? raw.annotations : [])
    .filter((a) => a && typeof a.value === 'string' && a.value !== '')
    .map((a) => ({ timestamp: num(a.timestamp), value: a.value }))
    .sort((a, b) => a.timestamp - b.timestamp || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  if (anns.length) o.annotations = anns;
  if (raw.tags && typeof raw.tags === 'object') {
    const keys = Object.keys(raw.tags).filter((k) => k !== '' && raw.tags[k] !== null && raw.tags[k] !== undefined).sort();
    if (keys.length) o.tags = Object.fromEntries(keys.map((k) => [k, typeof raw.tags[k] === 'string' ? raw.tags[k] : jaegerTagString(raw.tags[k])]));
  }
  if (raw.debug === true) o.debug = true;
  if (raw.shared === true) o.shared = true;
  return o;
}

function isZipkinV1(spans) {
  return spans.some((s) => s && (Array.isArray(s.binaryAnnotations) || (Array.isArray(s.annotations) && s.annotations.some((a) => a && a.endpoint))));
}

function buildZipkinMeta(t) {
  const spans = [];
  const services = new Set();
  for (const z of t.payload) {
    const service = z.localEndpoint?.serviceName ?? null;
    if (service) services.add(service);
    spans.push({
      z, id: z.id, parentId: z.parentId ?? null, kind: z.kind ?? null, shared: z.shared === true,
      service, remoteService: z.remoteEndpoint?.serviceName ?? null, name: z.name ?? '',
      ts: z.timestamp ?? 0, dur: z.duration ?? 0, tags: z.tags || {}, annotations: (z.annotations || []).map((a) => a.value),
      error: !!(z.tags && 'error' in z.tags),
    });
  }
  // QueryRequest.test: root span's timestamp, else the earliest
  let ts = 0;
  for (const s of spans) {
    if (!s.ts) continue;
    if (!s.parentId) { ts = s.ts; break; }
    if (ts === 0 || s.ts < ts) ts = s.ts;
  }
  let start = null;
  let end = null;
  for (const s of spans) {
    if (!s.ts) continue;
    if (start === null || s.ts < start) start = s.ts;
    if (end === null || s.ts + s.dur > end) end = s.ts + s.dur;
  }
  t.spans = spans;
  t.services = services;
  t.timestampUs = ts;
  t.startUs = start;
  t.endUs = end;
  t.searchable = ts > 0;
  t.spanCount = spans.length;
  t.root = spans.find((s) => !s.parentId) || null;
}

// ---------------------------------------------------------------------------------------------
// Loading the traces directory
// ---------------------------------------------------------------------------------------------

function listFiles(dir, rel = '') {
  const out = [];
  let ents = [];
  try { ents = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }); } catch { return out; }
  for (const e of ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

function readDocs(abs) {
  const text = fs.readFileSync(abs, 'utf8');
  try {
    return [parseJSON(text)];
  } catch (e) {
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    if (lines.length > 1) {
      try { return lines.map(parseJSON); } catch { /* fall through */ }
    }
    throw e;
  }
}

function otlpSpanKey(b, sc, s) {
  return stringify(b.resource) + '|' + stringify(sc.scope) + '|' + stringify(v3Span(s));
}

/** Adds the spans of `from` (one file's copy of a trace) to `into`, dropping exact duplicates. */
function mergeOtlpTrace(into, from, rel) {
  into.keys ||= new Set(into.blocks.flatMap((b) => b.scopes.flatMap((sc) => sc.spans.map((s) => otlpSpanKey(b, sc, s)))));
  let dropped = 0;
  const before = new Set(into.keys); // only copies already held (from other files) are dropped
  for (const b of from.blocks) {
    const scopes = [];
    for (const sc of b.scopes) {
      const spans = sc.spans.filter((s) => {
        const k = otlpSpanKey(b, sc, s);
        if (before.has(k)) { dropped++; return false; }
        into.keys.add(k);
        return true;
      });
      if (spans.length) scopes.push({ ...sc, spans });
    }
    if (scopes.length) into.blocks.push({ ...b, scopes });
  }
  if (!into.files.includes(rel)) into.files.push(rel);
  return dropped;
}

/** Merges a Jaeger JSON trace of another file into `into` (processes renamed on key clashes, exact duplicate spans dropped). */
function mergeJaegerTrace(into, from, rel) {
  const dst = into.payload;
  const src = from.payload;
  if (into.files.length === 1 && !into.merged) {
    into.payload = dst.spans ? { ...dst, spans: [...dst.spans], processes: { ...dst.processes } } : dst;
    into.merged = true;
  }
  const p = into.payload;
  const rename = new Map();
  for (const [k, proc] of Object.entries(src.processes || {})) {
    if (p.processes[k] === undefined) { p.processes[k] = proc; continue; }
    if (stringify(p.processes[k]) === stringify(proc)) continue;
    const same = Object.entries(p.processes).find(([, v]) => stringify(v) === stringify(proc));
    if (same) { rename.set(k, same[0]); continue; }
    let n = Object.keys(p.processes).length + 1;
    while (p.processes['p' + n]) n++;
    p.processes['p' + n] = proc;
    rename.set(k, 'p' + n);
  }
  const have = new Set(p.spans.map((sp) => stringify(sp)));
  let dropped = 0;
  for (const sp of src.spans) {
    const s2 = rename.has(sp.processID) ? { ...sp, processID: rename.get(sp.processID) } : sp;
    if (have.has(stringify(s2))) { dropped++; continue; }
    p.spans.push(s2);
  }
  if (!into.files.includes(rel)) into.files.push(rel);
  return dropped;
}

export function loadTraces(dir) {
  const report = { loaded: [], skipped: [], merged: [] };
  const jaegerLegacy = new Map(); // key -> JTrace
  const jaegerV3 = new Map(); // 32-hex -> OTrace
  const tempo = new Map(); // 32-hex -> OTrace
  const zipkin = new Map(); // normalized id -> ZTrace
  const tempoRecorded = []; // recorded search responses
  const otlpFiles = { 'jaeger-v3': [], tempo: [] };

  const noteMerge = (backend, id, t, dropped) => {
    let e = report.merged.find((x) => x.backend === backend && x.traceId === id);
    if (!e) report.merged.push((e = { backend, traceId: id, files: t.files, droppedDuplicateSpans: 0 }));
    e.files = t.files;
    e.droppedDuplicateSpans += dropped;
  };

  for (const rel of listFiles(dir)) {
    const top = rel.split('/')[0];
    if (!['jaeger', 'jaeger-apiv3', 'otlp', 'tempo', 'zipkin'].includes(top) || !/\.(json|jsonl|ndjson)$/i.test(rel)) continue;
    let docs;
    try { docs = readDocs(path.join(dir, rel)); } catch (e) { report.skipped.push({ file: rel, reason: `not JSON: ${e.message}` }); continue; }

    if (top === 'jaeger') {
      const items = docs.flatMap(jaegerTracesFromDoc);
      if (!items.length) { report.skipped.push({ file: rel, reason: 'no Jaeger JSON trace found' }); continue; }
      for (const { trace, note } of items) {
        const key = jaegerHexKey(trace.traceID) || trace.traceID;
        const t = { kind: 'jaeger', id: trace.traceID, key, payload: trace, note, files: [rel] };
        const prev = jaegerLegacy.get(key);
        if (prev) noteMerge('jaeger-legacy', key, prev, mergeJaegerTrace(prev, t, rel));
        else jaegerLegacy.set(key, t);
      }
      report.loaded.push({ file: rel, backend: 'jaeger-legacy', traces: items.length });
      continue;
    }

    if (top === 'zipkin') {
      const spans = docs.length === 1 ? (Array.isArray(docs[0]) ? docs[0] : [docs[0]]) : docs.flat();
      if (isZipkinV1(spans)) { report.skipped.push({ file: rel, reason: 'Zipkin v1 format' }); continue; }
      const groups = new Map();
      let bad = 0;
      for (const raw of spans) {
        if (!raw || typeof raw !== 'object') { bad++; continue; }
        let z;
        try { z = zCanonSpan(raw); } catch { bad++; continue; }
        if (!groups.has(z.traceId)) groups.set(z.traceId, []);
        groups.get(z.traceId).push(z);
      }
      if (!groups.size) { report.skipped.push({ file: rel, reason: 'no valid Zipkin v2 span' }); continue; }
      for (const [id, payload] of groups) {
        const prev = zipkin.get(id);
        if (!prev) { zipkin.set(id, { kind: 'zipkin', id, payload, files: [rel] }); continue; }
        const have = new Set(prev.payload.map(stringify));
        const add = payload.filter((z) => !have.has(stringify(z)));
        prev.payload.push(...add);
        if (!prev.files.includes(rel)) prev.files.push(rel);
        noteMerge('zipkin', id, prev, payload.length - add.length);
      }
      report.loaded.push({ file: rel, backend: 'zipkin', traces: groups.size, droppedSpans: bad || undefined });
      continue;
    }

    if (top === 'tempo') {
      const d = docs[0];
      if (docs.length === 1 && d && Array.isArray(d.traces) && d.traces.every((x) => x && typeof x.traceID === 'string')) {
        if (/kiali__tracingtest-response/.test(rel)) {
          const names = new Set();
          for (const x of d.traces) {
            if (x.rootServiceName) names.add(x.rootServiceName);
            for (const k of Object.keys(x.serviceStats || {})) names.add(k);
            for (const ss of [x.spanSet, ...(x.spanSets || [])]) for (const sp of ss?.spans || []) for (const a of sp.attributes || []) if (a.key === 'service.name' && a.value?.stringValue) names.add(a.value.stringValue);
          }
          // the service each kiali test searched for (kiali tracing/tempo/tempo_test.go)
          if (/responseAmbient/.test(rel)) names.add('waypoint.bookinfo'); else names.add('productpage.bookinfo');
          tempoRecorded.push({ file: rel, doc: d, text: fs.readFileSync(path.join(dir, rel), 'utf8'), services: names });
          report.loaded.push({ file: rel, backend: 'tempo (recorded search response)', traces: d.traces.length });
        } else {
          report.skipped.push({ file: rel, reason: 'Tempo search response (not a trace)' });
        }
        continue;
      }
      const { traces, ok, bad } = otlpTracesFromDocs(docs);
      if (!ok) { report.skipped.push({ file: rel, reason: bad ? 'no span with valid ids' : 'not OTLP' }); continue; }
      otlpFiles.tempo.push([rel, traces]);
      continue;
    }

    // otlp/ and jaeger-apiv3/
    const { traces, ok, bad } = otlpTracesFromDocs(docs);
    if (!ok) { report.skipped.push({ file: rel, reason: bad ? 'no span with valid (hex or base64) ids' : 'not OTLP trace data' }); continue; }
    if (bad) report.skipped.push({ file: rel, reason: `${bad} span(s) with invalid ids dropped` });
    if (top === 'jaeger-apiv3') otlpFiles['jaeger-v3'].push([rel, traces]);
    else { otlpFiles['jaeger-v3'].push([rel, traces]); otlpFiles.tempo.push([rel, traces]); }
  }

  for (const [backend, store] of [['jaeger-v3', jaegerV3], ['tempo', tempo]]) {
    for (const [rel, traces] of otlpFiles[backend]) {
      for (const [id, ft] of traces) {
        const prev = store.get(id);
        if (prev) { noteMerge(backend, id, prev, mergeOtlpTrace(prev, ft, rel)); continue; }
        const t = newOTrace(id);
        t.files = [rel];
        mergeOtlpTrace(t, ft, rel);
        store.set(id, t);
      }
      report.loaded.push({ file: rel, backend, traces: traces.size });
    }
  }

  return { jaegerLegacy, jaegerV3, tempo, zipkin, tempoRecorded, report };
}

function buildAllMeta(data) {
  for (const t of data.jaegerLegacy.values()) buildJaegerMeta(t);
  for (const t of [...data.jaegerV3.values(), ...data.tempo.values()]) buildOtlpMeta(t);
  for (const t of data.zipkin.values()) buildZipkinMeta(t);
}

/** --shift-to-now: one offset for everything so the newest trace ends 5 minutes ago. */
function shiftToNow(data, nowMs) {
  const plausibleUs = (us) => typeof us === 'number' && us >= EPOCH_2000_US;
  const plausibleNs = (ns) => validNs(ns) && ns >= BigInt(EPOCH_2000_US) * 1000n;
  let maxEnd = null;
  const consider = (t) => { if (t.searchable && plausibleUs(t.startUs) && (maxEnd === null || t.endUs > maxEnd)) maxEnd = t.endUs; };
  for (const m of [data.jaegerLegacy, data.jaegerV3, data.tempo, data.zipkin]) for (const t of m.values()) consider(t);
  if (maxEnd === null) return 0;
  const deltaUs = Math.round((nowMs - 5 * 60 * 1000) * 1000 - maxEnd);
  const dNs = BigInt(deltaUs) * 1000n;
  // span objects can be shared between the Jaeger v3 and Tempo stores: shift each object once
  const done = new Set();
  for (const t of data.jaegerLegacy.values()) {
    for (const sp of t.payload.spans) {
      if (done.has(sp) || !plausibleUs(sp.startTime)) continue;
      done.add(sp);
      sp.startTime += deltaUs;
      for (const l of sp.logs || []) if (plausibleUs(l.timestamp)) l.timestamp += deltaUs;
    }
  }
  for (const t of [...data.jaegerV3.values(), ...data.tempo.values()]) {
    for (const b of t.blocks) for (const sc of b.scopes) for (const s of sc.spans) {
      if (done.has(s) || !plausibleNs(s.startNs)) continue;
      done.add(s);
      s.startNs += dNs;
      if (plausibleNs(s.endNs)) s.endNs += dNs;
      for (const e of s.events) if (plausibleNs(e.timeNs)) e.timeNs += dNs;
    }
  }
  for (const t of data.zipkin.values()) {
    for (const z of t.payload) {
      if (done.has(z) || !plausibleUs(z.timestamp)) continue;
      done.add(z);
      z.timestamp += deltaUs;
      for (const a of z.annotations || []) if (plausibleUs(a.timestamp)) a.timestamp += deltaUs;
    }
  }
  for (const r of data.tempoRecorded) {
    const bump = (o) => { if (o && typeof o.startTimeUnixNano === 'string') o.startTimeUnixNano = String(BigInt(o.startTimeUnixNano) + dNs); };
    for (const x of r.doc.traces) {
      bump(x);
      const sets = new Set([x.spanSet, ...(x.spanSets || [])]);
      const spans = new Set();
      for (const ss of sets) for (const sp of ss?.spans || []) spans.add(sp);
      for (const sp of spans) bump(sp);
    }
    r.text = stringify(r.doc);
  }
  buildAllMeta(data);
  return deltaUs;
}

// ---------------------------------------------------------------------------------------------
// Response helpers
// ---------------------------------------------------------------------------------------------

const jsonRes = (status, obj, headers = {}) => ({ status, headers: { 'Content-Type': 'application/json', ...headers }, body: Buffer.from(typeof obj === 'string' ? obj : stringify(obj)) });
const textRes = (status, text, headers = {}) => ({ status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers }, body: Buffer.from(text) });
const goNotFound = () => textRes(404, '404 page not found\n');
const methodNotAllowed = (cors) => textRes(405, 'Method Not Allowed\n', { Allow: cors ? 'GET, HEAD, OPTIONS' : 'GET, HEAD' });

function decodeSeg(s) {
  try { return decodeURIComponent(s); } catch { return s; }
}

// ---------------------------------------------------------------------------------------------
// Jaeger legacy JSON API
// ---------------------------------------------------------------------------------------------

const jEnvelope = (data, total = 0, errors = null) => ({ data, total, limit: 0, offset: 0, errors });
const jError = (code, msg) => jsonRes(code, jEnvelope(null, 0, [{ code, msg }]));
const uniqSorted = (it) => [...new Set(it)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function jaegerParseTags(simple, jsonTags) {
  const out = new Map();
  for (const tag of simple) {
    const parts = tag.split(':');
    if (parts.length > 1) out.set(parts[0], parts.slice(1).join(':'));
    else throw new Error(`malformed 'tag' parameter, expecting key:value, received: ${tag}`);
  }
  for (const j of jsonTags) {
    let v;
    try { v = JSON.parse(j); } catch (e) { throw new Error(`malformed 'tags' parameter, cannot unmarshal JSON: invalid character looking for beginning of value (${e.message})`); }
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]string`);
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') throw new Error(`malformed 'tags' parameter, cannot unmarshal JSON: json: cannot unmarshal ${x === null ? 'null' : typeof x} into Go struct field of type string`);
      out.set(k, x);
    }
  }
  return out;
}

function jaegerLegacySearch(store, q, now) {
  const first = (k) => q.get(k) ?? '';
  const parseTimeUs = (name, defUs) => {
    const v = first(name);
    if (v === '') return defUs;
    try { return Number(goParseInt(v)); } catch (e) { throw new Error(`unable to parse param '${name}': ${e.message}`); }
  };
  const nowUs = now * 1000;
  const service = first('service');
  const operation = first('operation');
  const startUs = parseTimeUs('start', nowUs - 48 * 3600e6);
  const endUs = parseTimeUs('end', nowUs);
  const tags = jaegerParseTags(q.getAll('tag'), q.getAll('tags'));
  let limit = 100;
  if (first('limit') !== '') limit = Number(goParseInt(first('limit'), 32));
  const dur = (name) => {
    const v = first(name);
    if (v === '') return 0;
    try { return goParseDuration(v); } catch (e) { throw new Error(`unable to parse param '${name}': ${e.message}`); }
  };
  const minNs = dur('minDuration');
  const maxNs = dur('maxDuration');
  const traceIDs = [];
  for (const id of q.getAll('traceID')) {
    const key = jaegerHexKey(id) || (store.has(id) ? id : null);
    if (!key) throw new Error(`cannot parse traceID param: ${traceIdParseError(id)}`);
    traceIDs.push([id, key]);
  }
  if (!traceIDs.length && !service) throw new Error("parameter 'service' is required");
  if (minNs && maxNs && maxNs < minNs) throw new Error("'maxDuration' should be greater than 'minDuration'");

  if (traceIDs.length) {
    const data = [];
    const errors = [];
    for (const [id, key] of traceIDs) {
      const t = store.get(key);
      if (t) data.push(t.payload); else errors.push({ msg: 'trace not found', traceID: id });
    }
    return jEnvelope(data, 0, errors.length ? errors : null);
  }
  const matches = [];
  for (const t of store.values()) {
    if (!t.searchable) continue;
    const ok = t.spans.some((s) => {
      if (s.service !== service) return false;
      if (operation && s.operation !== operation) return false;
      if (minNs && s.durUs * 1000 < minNs) return false;
      if (maxNs && s.durUs * 1000 > maxNs) return false;
      if (s.startUs === null || s.startUs < startUs || s.startUs > endUs) return false;
      for (const [k, v] of tags) if (s.tags.get(k) !== v) return false;
      return true;
    });
    if (ok) matches.push(t);
  }
  matches.sort((a, b) => b.startUs - a.startUs);
  // memory store: NumTraces <= 0 means no limit
  return jEnvelope((limit > 0 ? matches.slice(0, limit) : matches).map((t) => t.payload));
}

function traceIdParseError(id) {
  if (id.length > 32) return `TraceID cannot be longer than 32 hex characters: ${id}`;
  const bad = id.length > 16 ? (/^[0-9a-fA-F]*$/.test(id.slice(0, -16)) ? id.slice(-16) : id.slice(0, -16)) : id;
  return `strconv.ParseUint: parsing ${goQuote(bad)}: invalid syntax`;
}

function jaegerDependencies(spansByTrace, q, now) {
  const get = (k) => q.get(k) ?? '';
  let endMs = now;
  if (get('endTs') !== '') {
    try { endMs = Number(goParseInt(get('endTs'))); } catch (e) { throw new Error(`unable to parse param 'endTs': ${e.message}`); }
  }
  let lookbackMs = 24 * 3600e3;
  if (get('lookback') !== '') {
    try { lookbackMs = Number(goParseInt(get('lookback'))); } catch (e) { throw new Error(`unable to parse param 'lookback': ${e.message}`); }
  }
  const fromUs = (endMs - lookbackMs) * 1000;
  const toUs = endMs * 1000;
  const links = new Map();
  for (const spans of spansByTrace) {
    if (!spans.some((s) => s.startUs !== null && s.startUs > fromUs && s.startUs < toUs)) continue;
    const byId = new Map(spans.map((s) => [s.spanID, s]));
    for (const s of spans) {
      const p = s.parentID ? byId.get(s.parentID) : null;
      if (!p || !p.service || !s.service || p.service === s.service) continue;
      const k = p.service + '\u0000' + s.service;
      links.set(k, (links.get(k) || 0) + 1);
    }
  }
  const service = get('service');
  return [...links].map(([k, c]) => { const [parent, child] = k.split('\u0000'); return { parent, child, callCount: c }; })
    .filter((l) => !service || l.parent === service || l.child === service)
    .sort((a, b) => (a.parent + a.child < b.parent + b.child ? -1 : 1));
}

function handleJaegerLegacy(store, sub, q, now) {
  if (sub === '/api/services') {
    const services = uniqSorted([...store.values()].flatMap((t) => [...t.services]));
    return jsonRes(200, jEnvelope(services, services.length));
  }
  let m;
  if ((m = /^\/api\/services\/([^/]+)\/operations$/.exec(sub))) {
    const service = decodeSeg(m[1]);
    const ops = uniqSorted([...store.values()].flatMap((t) => t.spans.filter((s) => s.service === service).map((s) => s.operation)));
    return jsonRes(200, jEnvelope(ops, ops.length));
  }
  if (sub === '/api/operations') {
    const service = q.get('service') ?? '';
    if (!service) return jError(400, "parameter 'service' is required");
    const kind = q.get('spanKind') ?? '';
    const seen = new Map();
    for (const t of store.values()) for (const s of t.spans) {
      if (s.service !== service || (kind && s.kind !== kind)) continue;
      seen.set(s.operation + '\u0000' + s.kind, { name: s.operation, spanKind: s.kind });
    }
    const data = [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind < b.spanKind ? -1 : 1));
    return jsonRes(200, jEnvelope(data, data.length));
  }
  if (sub === '/api/traces') {
    try { return jsonRes(200, jaegerLegacySearch(store, q, now)); } catch (e) { return jError(400, e.message); }
  }
  if ((m = /^\/api\/traces\/([^/]+)$/.exec(sub))) {
    const raw = decodeSeg(m[1]);
    for (const p of ['start', 'end']) {
      const v = q.get(p);
      if (v) { try { goParseInt(v); } catch (e) { return jError(400, `unable to parse param '${p}': ${e.message}`); } }
    }
    let t = store.get(raw);
    if (!t) {
      const key = jaegerHexKey(raw);
      if (!key) return jError(400, traceIdParseError(raw));
      t = store.get(key);
    }
    if (!t) return jError(404, 'trace not found');
    return jsonRes(200, jEnvelope([t.payload]));
  }
  if (sub === '/api/dependencies') {
    try {
      return jsonRes(200, jEnvelope(jaegerDependencies([...store.values()].map((t) => t.spans), q, now)));
    } catch (e) { return jError(400, e.message); }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Jaeger API v3 (OTLP)
// ---------------------------------------------------------------------------------------------

const V3_DEPRECATED = {
  startTime: ['start_time'], endTime: ['end_time'], rawTraces: ['raw_traces'],
  'query.serviceName': ['query.service_name'], 'query.operationName': ['query.operation_name'],
  'query.startTimeMin': ['query.start_time_min'], 'query.startTimeMax': ['query.start_time_max'],
  'query.searchDepth': ['query.num_traces', 'query.search_depth'],
  'query.durationMin': ['query.duration_min'], 'query.durationMax': ['query.duration_max'],
  'query.rawTraces': ['query.raw_traces'], spanKind: ['span_kind'],
};

function v3Resolver(q) {
  const deprecated = [];
  return {
    deprecated,
    get(canonical) {
      const v = q.get(canonical);
      if (v) return { value: v, name: canonical };
      for (const d of V3_DEPRECATED[canonical] || []) {
        const x = q.get(d);
        if (x) { if (!deprecated.includes(d)) deprecated.push(d); return { value: x, name: d }; }
      }
      return { value: '', name: canonical };
    },
  };
}

function v3DeprecationHeaders(dep) {
  if (!dep.length) return {};
  return {
    Deprecation: 'true',
    Sunset: 'Mon, 01 Nov 2026 00:00:00 GMT',
    Link: '<https://github.com/jaegertracing/jaeger/blob/main/docs/apis/api_v3_http.md>; rel="deprecation"',
    'Deprecated-Params': dep.join(','),
  };
}

const v3Error = (code, message, headers = {}) => textRes(code, stringify({ error: { httpCode: code, message } }) + '\n', headers);

function v3AttrsOut(attrs) { return attrs.length ? attrs : undefined; }

/** pdata-style JSON of one span */
function v3Span(s) {
  const o = { traceId: s.traceId, spanId: s.spanId };
  if (s.traceState) o.traceState = s.traceState;
  if (s.parentSpanId) o.parentSpanId = s.parentSpanId;
  if (s.flags) o.flags = s.flags;
  if (s.name) o.name = s.name;
  if (s.kind) o.kind = s.kind;
  if (s.startNs) o.startTimeUnixNano = s.startNs.toString();
  if (s.endNs) o.endTimeUnixNano = s.endNs.toString();
  o.attributes = v3AttrsOut(s.attributes);
  if (s.droppedAttributesCount) o.droppedAttributesCount = s.droppedAttributesCount;
  if (s.events.length) {
    o.events = s.events.map((e) => {
      const x = {};
      if (e.timeNs) x.timeUnixNano = e.timeNs.toString();
      if (e.name) x.name = e.name;
      x.attributes = v3AttrsOut(e.attributes);
      if (e.droppedAttributesCount) x.droppedAttributesCount = e.droppedAttributesCount;
      return x;
    });
  }
  if (s.droppedEventsCount) o.droppedEventsCount = s.droppedEventsCount;
  if (s.links.length) {
    o.links = s.links.map((l) => {
      const x = { traceId: l.traceId, spanId: l.spanId };
      if (l.traceState) x.traceState = l.traceState;
      x.attributes = v3AttrsOut(l.attributes);
      if (l.droppedAttributesCount) x.droppedAttributesCount = l.droppedAttributesCount;
      if (l.flags) x.flags = l.flags;
      return x;
    });
  }
  if (s.droppedLinksCount) o.droppedLinksCount = s.droppedLinksCount;
  o.status = {};
  if (s.status.message) o.status.message = s.status.message;
  if (s.status.code) o.status.code = s.status.code;
  return o;
}

function v3ResourceSpans(t) {
  return t.blocks.map((b) => {
    const resource = {};
    if (b.resource.attributes.length) resource.attributes = b.resource.attributes;
    if (b.resource.droppedAttributesCount) resource.droppedAttributesCount = b.resource.droppedAttributesCount;
    const rs = {
      resource,
      scopeSpans: b.scopes.map((sc) => {
        const scope = {};
        if (sc.scope.name) scope.name = sc.scope.name;
        if (sc.scope.version) scope.version = sc.scope.version;
        if (sc.scope.attributes.length) scope.attributes = sc.scope.attributes;
        if (sc.scope.droppedAttributesCount) scope.droppedAttributesCount = sc.scope.droppedAttributesCount;
        const ss = { scope, spans: sc.spans.map(v3Span) };
        if (sc.schemaUrl) ss.schemaUrl = sc.schemaUrl;
        return ss;
      }),
    };
    if (b.schemaUrl) rs.schemaUrl = b.schemaUrl;
    return rs;
  });
}

function v3ParseAttributes(values) {
  const out = new Map();
  for (const raw of values) {
    if (raw === '') continue;
    if (raw.trimStart().startsWith('{')) {
      let v;
      try { v = JSON.parse(raw); } catch (e) { throw new Error(`malformed parameter query.attributes: ${e.message}`); }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('malformed parameter query.attributes: json: cannot unmarshal into Go value of type map[string]string');
      for (const [k, x] of Object.entries(v)) {
        if (typeof x !== 'string') throw new Error(`malformed parameter query.attributes: json: cannot unmarshal ${typeof x} into Go value of type string`);
        out.set(k, x);
      }
    } else {
      // fixture extension: key:value (real Jaeger only accepts the JSON map)
      const i = raw.indexOf(':');
      if (i < 1) throw new Error(`malformed parameter query.attributes: invalid character ${goQuote(raw[0])} looking for beginning of value`);
      out.set(raw.slice(0, i), raw.slice(i + 1));
    }
  }
  return out;
}

/** model.TraceIDFromString -> 32 lowercase hex, or throws */
function v3TraceId(raw) {
  if (raw.length > 32) throw new Error(`TraceID cannot be longer than 32 hex characters: ${raw}`);
  if (!/^[0-9a-fA-F]+$/.test(raw)) throw new Error(traceIdParseError(raw));
  return raw.toLowerCase().padStart(32, '0');
}

function handleJaegerV3(store, sub, q) {
  if (sub === '/api/v3/services') {
    return jsonRes(200, { services: uniqSorted([...store.values()].flatMap((t) => [...t.services])) });
  }
  if (sub === '/api/v3/operations') {
    const r = v3Resolver(q);
    const service = q.get('service') ?? '';
    const kind = r.get('spanKind').value;
    const seen = new Map();
    for (const t of store.values()) for (const m of t.spans) {
      if (m.service !== service) continue;
      const k = KIND_JAEGER[m.s.kind] ?? '';
      if (kind && k !== kind) continue;
      seen.set(m.s.name + '\u0000' + k, { name: m.s.name, spanKind: k || 'internal' });
    }
    const ops = [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.spanKind < b.spanKind ? -1 : 1));
    return jsonRes(200, { operations: ops }, v3DeprecationHeaders(r.deprecated));
  }
  if (sub === '/api/v3/traces') {
    const r = v3Resolver(q);
    const fail = (msg) => v3Error(400, msg, v3DeprecationHeaders(r.deprecated));
    const service = r.get('query.serviceName').value;
    const operation = r.get('query.operationName').value;
    const tmin = r.get('query.startTimeMin');
    const tmax = r.get('query.startTimeMax');
    if (!tmin.value || !tmax.value) return fail('query.startTimeMin and query.startTimeMax are required');
    let minNs; let maxNs;
    try { minNs = parseRFC3339(tmin.value); } catch (e) { return fail(`malformed parameter ${tmin.name}: ${e.message}`); }
    try { maxNs = parseRFC3339(tmax.value); } catch (e) { return fail(`malformed parameter ${tmax.name}: ${e.message}`); }
    let depth = 20;
    const sd = r.get('query.searchDepth');
    if (sd.value) { try { depth = goAtoi(sd.value); } catch (e) { return fail(`malformed parameter ${sd.name}: ${e.message}`); } }
    let dmin = 0; let dmax = 0;
    for (const [canon, set] of [['query.durationMin', (v) => { dmin = v; }], ['query.durationMax', (v) => { dmax = v; }]]) {
      const d = r.get(canon);
      if (d.value) { try { set(goParseDuration(d.value)); } catch (e) { return fail(`malformed parameter ${d.name}: ${e.message}`); } }
    }
    const raw = r.get('query.rawTraces');
    if (raw.value) { try { goParseBool(raw.value); } catch (e) { return fail(`malformed parameter ${raw.name}: ${e.message}`); } }
    let attrs;
    try { attrs = v3ParseAttributes(q.getAll('query.attributes')); } catch (e) { return fail(e.message); }
    const matches = [];
    for (const t of store.values()) {
      if (!t.searchable) continue;
      const ok = t.spans.some((m) => {
        if (service && m.service !== service) return false;
        if (operation && m.s.name !== operation) return false;
        if (!m.valid || m.startNs < minNs || m.startNs > maxNs) return false;
        if (dmin && Number(m.durNs) < dmin) return false;
        if (dmax && Number(m.durNs) > dmax) return false;
        for (const [k, v] of attrs) if (m.attrs.get(k) !== v) return false;
        return true;
      });
      if (ok) matches.push(t);
    }
    const headers = v3DeprecationHeaders(r.deprecated);
    matches.sort((a, b) => cmpBig(b.startNs, a.startNs));
    const picked = depth > 0 ? matches.slice(0, depth) : matches;
    if (!picked.length) return v3Error(404, 'No traces found', headers);
    return jsonRes(200, { result: { resourceSpans: picked.flatMap(v3ResourceSpans) } }, headers);
  }
  let m;
  if ((m = /^\/api\/v3\/traces\/([^/]+)$/.exec(sub))) {
    const r = v3Resolver(q);
    let id;
    try { id = v3TraceId(decodeSeg(m[1])); } catch (e) { return v3Error(400, `malformed parameter trace_id: ${e.message}`); }
    for (const p of ['startTime', 'endTime']) {
      const v = r.get(p);
      if (v.value) { try { parseRFC3339(v.value); } catch (e) { return v3Error(400, `malformed parameter ${v.name}: ${e.message}`, v3DeprecationHeaders(r.deprecated)); } }
    }
    const raw = r.get('rawTraces');
    if (raw.value) { try { goParseBool(raw.value); } catch (e) { return v3Error(400, `malformed parameter ${raw.name}: ${e.message}`, v3DeprecationHeaders(r.deprecated)); } }
    const t = store.get(id);
    if (!t) return v3Error(404, 'No traces found', v3DeprecationHeaders(r.deprecated));
    return jsonRes(200, { result: { resourceSpans: v3ResourceSpans(t) } }, v3DeprecationHeaders(r.deprecated));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Tempo
// ---------------------------------------------------------------------------------------------

const b64 = (hex) => (hex ? Buffer.from(hex, 'hex').toString('base64') : undefined);

function tempoSpan(s) {
  const o = { traceId: b64(s.traceId), spanId: b64(s.spanId) };
  if (s.traceState) o.traceState = s.traceState;
  if (s.parentSpanId) o.parentSpanId = b64(s.parentSpanId);
  if (s.name) o.name = s.name;
  if (s.kind) o.kind = KIND_NAMES[s.kind] ?? s.kind;
  if (s.startNs) o.startTimeUnixNano = s.startNs.toString();
  if (s.endNs) o.endTimeUnixNano = s.endNs.toString();
  if (s.attributes.length) o.attributes = s.attributes;
  if (s.droppedAttributesCount) o.droppedAttributesCount = s.droppedAttributesCount;
  if (s.events.length) {
    o.events = s.events.map((e) => {
      const x = {};
      if (e.timeNs) x.timeUnixNano = e.timeNs.toString();
      if (e.name) x.name = e.name;
      if (e.attributes.length) x.attributes = e.attributes;
      if (e.droppedAttributesCount) x.droppedAttributesCount = e.droppedAttributesCount;
      return x;
    });
  }
  if (s.droppedEventsCount) o.droppedEventsCount = s.droppedEventsCount;
  if (s.links.length) {
    o.links = s.links.map((l) => {
      const x = { traceId: b64(l.traceId), spanId: b64(l.spanId) };
      if (l.traceState) x.traceState = l.traceState;
      if (l.attributes.length) x.attributes = l.attributes;
      if (l.droppedAttributesCount) x.droppedAttributesCount = l.droppedAttributesCount;
      return x;
    });
  }
  if (s.droppedLinksCount) o.droppedLinksCount = s.droppedLinksCount;
  o.status = {};
  if (s.status.message) o.status.message = s.status.message;
  if (s.status.code) o.status.code = STATUS_NAMES[s.status.code] ?? s.status.code;
  if (s.flags) o.flags = s.flags;
  return o;
}

function tempoResourceSpans(t) {
  return t.blocks.map((b) => {
    const resource = {};
    if (b.resource.attributes.length) resource.attributes = b.resource.attributes;
    if (b.resource.droppedAttributesCount) resource.droppedAttributesCount = b.resource.droppedAttributesCount;
    const rs = {
      resource,
      scopeSpans: b.scopes.map((sc) => {
        const scope = {};
        if (sc.scope.name) scope.name = sc.scope.name;
        if (sc.scope.version) scope.version = sc.scope.version;
        if (sc.scope.attributes.length) scope.attributes = sc.scope.attributes;
        const ss = { scope, spans: sc.spans.map(tempoSpan) };
        if (sc.schemaUrl) ss.schemaUrl = sc.schemaUrl;
        return ss;
      }),
    };
    if (b.schemaUrl) rs.schemaUrl = b.schemaUrl;
    return rs;
  });
}

/** util.HexStringToTraceID -> 32 lowercase hex, or throws with Tempo's message */
function tempoTraceId(id) {
  for (let i = 0; i < id.length; i++) {
    if (!/[0-9a-fA-F]/.test(id[i])) throw new Error(`trace IDs can only contain hex characters: invalid character '${id[i]}' at position ${i + 1}`);
  }
  const even = id.length % 2 ? '0' + id : id;
  if (even.length > 32) throw new Error("trace IDs can't be larger than 128 bits");
  return even.toLowerCase().padStart(32, '0');
}

const trimHex = (hex) => hex.replace(/^0+/, '');

// --- TraceQL subset ---

const TQL_TOKEN_NAMES = {
  '{': 'OPEN_BRACE', '}': 'CLOSE_BRACE', '(': 'OPEN_PARENS', ')': 'CLOSE_PARENS', '|': 'PIPE', ',': 'COMMA',
  '&&': 'AND', '||': 'OR', '=': 'EQ', '!=': 'NEQ', '=~': 'RE', '!~': 'NRE', '>': 'GT', '>=': 'GTE', '<': 'LT', '<=': 'LTE',
  '>>': 'DESC', '<<': 'ANCE', '~': 'SIBL', '!': 'NOT', '&': '&', STRING: 'STRING', INTEGER: 'INTEGER', FLOAT: 'FLOAT',
  DURATION: 'DURATION', IDENT: 'IDENTIFIER', EOF: '$end',
};
const TQL_KEYWORDS = {
  true: 'TRUE', false: 'FALSE', nil: 'NIL', error: 'ERROR', ok: 'OK', unset: 'UNSET',
  unspecified: 'KIND_UNSPECIFIED', internal: 'KIND_INTERNAL', server: 'KIND_SERVER', client: 'KIND_CLIENT', producer: 'KIND_PRODUCER', consumer: 'KIND_CONSUMER',
};
const TQL_INTRINSICS = {
  name: 'name', 'span:name': 'name', status: 'status', 'span:status': 'status', statusMessage: 'statusMessage', 'span:statusMessage': 'statusMessage',
  duration: 'duration', 'span:duration': 'duration', kind: 'kind', 'span:kind': 'kind', traceDuration: 'traceDuration', 'trace:duration': 'traceDuration',
  rootName: 'rootName', 'trace:rootName': 'rootName', rootServiceName: 'rootServiceName', 'trace:rootService': 'rootServiceName',
};
const TQL_STATUS = { unset: 0, ok: 1, error: 2 };
const TQL_KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

class TraceQLError extends Error {}

function tqlLex(src) {
  const toks = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (t, v, at) => toks.push({ t, v, line, col: at - lineStart + 1 });
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') { i++; line++; lineStart = i; continue; }
    if (/\s/.test(c)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (['&&', '||', '!=', '=~', '!~', '>=', '<=', '>>', '<<'].includes(two)) { push(two, two, i); i += 2; continue; }
    if ('{}()|=><!~,&'.includes(c)) { push(c, c, i); i++; continue; }
    if (c === '"' || c === '`') {
      const at = i;
      let j = i + 1;
      let out = '';
      while (j < src.length && src[j] !== c) {
        if (c === '"' && src[j] === '\\' && j + 1 < src.length) {
          const e = src[j + 1];
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else out += src[j++];
      }
      if (j >= src.length) throw new TraceQLError(`parse error at line ${line}, col ${at - lineStart + 1}: literal not terminated`);
      push('STRING', out, at);
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] || ''))) {
      const at = i;
      const m = /^-?\d+(\.\d+)?((?:\d*\.?\d+)?(?:ns|us|µs|μs|ms|s|m|h))*/.exec(src.slice(i));
      const text = m[0];
      if (/[a-zµμ]$/.test(text)) {
        push('DURATION', goParseDuration(text), at);
      } else if (m[1]) push('FLOAT', Number(text), at);
      else push('INTEGER', Number(text), at);
      i += text.length;
      continue;
    }
    if (/[A-Za-z_.]/.test(c)) {
      const at = i;
      const m = /^[A-Za-z0-9_.:\-/]+/.exec(src.slice(i));
      push('IDENT', m[0], at);
      i += m[0].length;
      continue;
    }
    push('?' + c, c, i);
    i++;
  }
  toks.push({ t: 'EOF', v: '', line, col: i - lineStart + 1 });
  return toks;
}

function tqlTokName(tok) {
  if (tok.t === 'IDENT' && TQL_KEYWORDS[tok.v]) return TQL_KEYWORDS[tok.v];
  return TQL_TOKEN_NAMES[tok.t] || tok.v;
}

/** -> { expr } (expr null = match every span) ; throws TraceQLError with Tempo-style text */
export function parseTraceQL(src) {
  const toks = tqlLex(src);
  let p = 0;
  const peek = () => toks[p];
  const unexpected = (tok) => new TraceQLError(`parse error at line ${tok.line}, col ${tok.col}: syntax error: unexpected ${tqlTokName(tok)}`);
  const expect = (t) => { const tok = toks[p]; if (tok.t !== t) throw unexpected(tok); p++; return tok; };
  const refs = [];
  function cond() {
    const ft = peek();
    if (ft.t !== 'IDENT' || TQL_KEYWORDS[ft.v]) throw unexpected(ft);
    let field;
    if (TQL_INTRINSICS[ft.v]) field = { intrinsic: TQL_INTRINSICS[ft.v] };
    else if (ft.v.startsWith('.') && ft.v.length > 1) field = { scope: 'any', name: ft.v.slice(1) };
    else if (ft.v.startsWith('resource.') && ft.v.length > 9) field = { scope: 'resource', name: ft.v.slice(9) };
    else if (ft.v.startsWith('span.') && ft.v.length > 5) field = { scope: 'span', name: ft.v.slice(5) };
    else throw unexpected(ft);
    p++;
    const ot = peek();
    if (!['=', '!=', '>', '>=', '<', '<=', '=~', '!~'].includes(ot.t)) throw unexpected(ot);
    p++;
    const vt = peek();
    let lit;
    if (vt.t === 'STRING') lit = { t: 'str', v: vt.v };
    else if (vt.t === 'INTEGER') lit = { t: 'int', v: vt.v };
    else if (vt.t === 'FLOAT') lit = { t: 'float', v: vt.v };
    else if (vt.t === 'DURATION') lit = { t: 'dur', v: vt.v };
    else if (vt.t === 'IDENT' && (vt.v === 'true' || vt.v === 'false')) lit = { t: 'bool', v: vt.v === 'true' };
    else if (vt.t === 'IDENT' && vt.v in TQL_STATUS) lit = { t: 'status', v: TQL_STATUS[vt.v] };
    else if (vt.t === 'IDENT' && vt.v in TQL_KIND) lit = { t: 'kind', v: TQL_KIND[vt.v] };
    else throw unexpected(vt);
    p++;
    const c = { field, op: ot.t, lit };
    if ((ot.t === '=~' || ot.t === '!~')) {
      if (lit.t !== 'str') throw new TraceQLError(`invalid ${ot.t} operation: regex requires a string`);
      try { c.re = new RegExp('^(?:' + lit.v + ')$', 's'); } catch (e) { throw new TraceQLError(`error parsing regexp: ${e.message}`); }
    }
    const it = field.intrinsic;
    const need = { name: 'str', statusMessage: 'str', rootName: 'str', rootServiceName: 'str', status: 'status', kind: 'kind', duration: 'dur', traceDuration: 'dur' }[it];
    if (need && lit.t !== need && !(need === 'dur' && lit.t === 'int' && lit.v === 0)) {
      throw new TraceQLError(`invalid binary operation: ${it} ${ot.t} ${lit.t === 'str' ? goQuote(lit.v) : lit.v} (types differ)`);
    }
    if ((need === 'status' || need === 'kind') && !['=', '!='].includes(ot.t)) throw new TraceQLError(`illegal operation for the type: ${ot.t}`);
    refs.push(c);
    return c;
  }
  function andExpr() {
    let left = cond();
    while (peek().t === '&&') { p++; left = { and: [left, cond()] }; }
    return left;
  }
  function orExpr() {
    let left = andExpr();
    while (peek().t === '||') { p++; left = { or: [left, andExpr()] }; }
    return left;
  }
  expect('{');
  let expr = null;
  if (peek().t !== '}') expr = orExpr();
  expect('}');
  if (peek().t !== 'EOF') throw unexpected(peek());
  return { expr, refs };
}

function tqlCompare(a, op, b) {
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    default: return false;
  }
}

function tqlAttr(m, scope, name) {
  if (scope !== 'resource') {
    const a = m.s.attributes.find((x) => x.key === name);
    if (a) return a.value;
    if (scope === 'span') return undefined;
  }
  const r = m.resource.attributes.find((x) => x.key === name);
  return r ? r.value : undefined;
}

function tqlEvalCond(c, m, t) {
  const { field, op, lit } = c;
  if (field.intrinsic) {
    switch (field.intrinsic) {
      case 'name': return c.re ? (op === '=~') === c.re.test(m.s.name) : tqlCompare(m.s.name, op, lit.v);
      case 'statusMessage': return c.re ? (op === '=~') === c.re.test(m.s.status.message) : tqlCompare(m.s.status.message, op, lit.v);
      case 'status': return tqlCompare(m.s.status.code, op, lit.v);
      case 'kind': return tqlCompare(m.s.kind, op, lit.v);
      case 'duration': return m.durNs !== null && tqlCompare(Number(m.durNs), op, lit.v);
      case 'traceDuration': return t.startNs !== null && tqlCompare(Number(t.endNs - t.startNs), op, lit.v);
      case 'rootName': { const v = t.root ? t.root.s.name : ''; return c.re ? (op === '=~') === c.re.test(v) : tqlCompare(v, op, lit.v); }
      case 'rootServiceName': { const v = t.root?.service ?? ''; return c.re ? (op === '=~') === c.re.test(v) : tqlCompare(v, op, lit.v); }
      default: return false;
    }
  }
  const v = tqlAttr(m, field.scope, field.name);
  if (v === undefined) return false;
  if (c.re) return 'stringValue' in v && (op === '=~') === c.re.test(v.stringValue);
  switch (lit.t) {
    case 'str': return 'stringValue' in v && tqlCompare(v.stringValue, op, lit.v);
    case 'int':
    case 'float': {
      const x = 'intValue' in v ? Number(v.intValue) : 'doubleValue' in v ? v.doubleValue : null;
      return x !== null && tqlCompare(x, op, lit.v);
    }
    case 'bool': return 'boolValue' in v && tqlCompare(v.boolValue, op, lit.v);
    default: return false;
  }
}

function tqlEval(expr, m, t) {
  if (!expr) return true;
  if (expr.and) return tqlEval(expr.and[0], m, t) && tqlEval(expr.and[1], m, t);
  if (expr.or) return tqlEval(expr.or[0], m, t) || tqlEval(expr.or[1], m, t);
  return tqlEvalCond(expr, m, t);
}

/** Service names a query pins with equality (for the recorded-response special case). */
function tqlPinnedServices(refs) {
  return refs.filter((c) => !c.field.intrinsic && c.field.name === 'service.name' && c.op === '=' && c.lit.t === 'str').map((c) => c.lit.v);
}

function tempoSpanSetSpan(m, attrRefs) {
  const o = { spanID: m.s.spanId, name: m.s.name || undefined };
  if (m.startNs !== null) o.startTimeUnixNano = m.startNs.toString();
  if (m.durNs !== null) o.durationNanos = m.durNs.toString();
  const attrs = [];
  const seen = new Set();
  for (const r of attrRefs) {
    if (r.intrinsic === 'status') {
      if (!seen.has('status')) { seen.add('status'); attrs.push({ key: 'status', value: { stringValue: ['unset', 'ok', 'error'][m.s.status.code] || 'unset' } }); }
      continue;
    }
    if (!r.name || seen.has(r.name)) continue;
    const v = tqlAttr(m, r.scope, r.name);
    if (v !== undefined) { seen.add(r.name); attrs.push({ key: r.name, value: v }); }
  }
  if (attrs.length) o.attributes = attrs;
  return o;
}

function tempoSearchTrace(t, matched, spss, attrRefs) {
  const spans = matched.slice().sort((a, b) => cmpBig(a.startNs, b.startNs)).slice(0, spss).map((m) => tempoSpanSetSpan(m, attrRefs));
  const spanSet = { spans, matched: matched.length };
  const o = { traceID: trimHex(t.id) };
  if (t.root) o.rootServiceName = t.root.service || undefined; else o.rootServiceName = '<root span not yet received>';
  if (t.root && t.root.s.name) o.rootTraceName = t.root.s.name;
  o.startTimeUnixNano = t.startNs.toString();
  const durMs = Number((t.endNs - t.startNs) / 1000000n);
  if (durMs) o.durationMs = durMs;
  o.spanSet = spanSet;
  o.spanSets = [spanSet];
  const stats = {};
  for (const m of t.spans) {
    if (!m.service) continue;
    const st = (stats[m.service] ||= { spanCount: 0 });
    st.spanCount++;
    if (m.error) st.errorCount = (st.errorCount || 0) + 1;
  }
  if (Object.keys(stats).length) o.serviceStats = stats;
  return o;
}

function parseLogfmt(s) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    let key = '';
    while (i < s.length && !/[\s=]/.test(s[i])) { if (s[i] === '"') throw new Error(`invalid tags: unexpected '"' at pos ${i + 1}`); key += s[i++]; }
    let val = '';
    if (s[i] === '=') {
      i++;
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') { if (s[i] === '\\' && i + 1 < s.length) { val += s[i + 1]; i += 2; } else val += s[i++]; }
        if (i >= s.length) throw new Error(`invalid tags: unterminated quoted value at pos ${i + 1}`);
        i++;
      } else {
        while (i < s.length && !/\s/.test(s[i])) val += s[i++];
      }
    }
    if (out.some(([k]) => k === key)) throw new Error(`invalid tags: tag ${key} has been set twice`);
    out.push([key, val]);
  }
  return out;
}

function handleTempoSearch(ctx, q) {
  const { store, recorded, maxSearchNs } = ctx;
  const get = (k) => q.get(k) ?? '';
  const bad = (msg) => textRes(400, msg);
  let start = 0;
  let end = 0;
  try {
    if (get('start')) start = Number(goParseInt(get('start'), 32));
  } catch (e) { return bad(`invalid start: ${e.message}`); }
  try {
    if (get('end')) end = Number(goParseInt(get('end'), 32));
  } catch (e) { return bad(`invalid end: ${e.message}`); }
  const query = get('q');
  let parsed = null;
  if (query) {
    if (query !== '{}') {
      try { parsed = parseTraceQL(query); } catch (e) { return bad(`invalid TraceQL query: ${e.message}`); }
    } else parsed = { expr: null, refs: [] };
  }
  let tags = null;
  if (get('tags')) {
    if (query) return bad("invalid request: can't specify tags and q in the same query");
    try { tags = parseLogfmt(get('tags')); } catch (e) { return bad(e.message); }
  }
  if (!query && !tags && !start && !end) {
    const reserved = new Set(['q', 'tags', 'minDuration', 'maxDuration', 'limit', 'spss', 'start', 'end']);
    const legacy = [...q.keys()].filter((k) => !reserved.has(k) && q.get(k)).map((k) => [k, q.get(k)]);
    if (legacy.length) tags = legacy;
  }
  let minMs = 0;
  let maxMs = 0;
  try { if (get('minDuration')) minMs = Math.floor(goParseDuration(get('minDuration')) / 1e6); } catch (e) { return bad(`invalid minDuration: ${e.message}`); }
  try {
    if (get('maxDuration')) {
      maxMs = Math.floor(goParseDuration(get('maxDuration')) / 1e6);
      if (minMs !== 0 && minMs > maxMs) return bad('invalid maxDuration: must be greater than minDuration');
    }
  } catch (e) { return bad(`invalid maxDuration: ${e.message}`); }
  let limit = 20;
  if (get('limit')) {
    try { limit = goAtoi(get('limit')); } catch (e) { return bad(`invalid limit: ${e.message}`); }
    if (limit <= 0) return bad('invalid limit: must be a positive number');
  }
  let spss = 3;
  if (get('spss')) {
    try { spss = goAtoi(get('spss')); } catch (e) { return bad(`invalid spss: ${e.message}`); }
    if (spss <= 0) return bad('invalid spss: must be a positive number');
    if (spss > 100) return bad(`spans per span set exceeds 100. received ${spss}`);
  }
  if ((start || end) && end <= start) return bad(`http parameter start must be before end. received start=${start} end=${end}`);
  if (maxSearchNs && (end - start) * 1e9 > maxSearchNs) return bad(`range specified by start and end exceeds ${goDurationString(maxSearchNs)}. received start=${start} end=${end}`);

  // conditions
  let match;
  let attrRefs = [];
  let pinned = [];
  if (parsed) {
    match = (m, t) => tqlEval(parsed.expr, m, t);
    attrRefs = parsed.refs.map((c) => (c.field.intrinsic ? { intrinsic: c.field.intrinsic } : { scope: c.field.scope, name: c.field.name }));
    pinned = tqlPinnedServices(parsed.refs);
  } else if (tags && tags.length) {
    match = (m) => tags.every(([k, v]) => {
      if (k === 'name') return m.s.name === v;
      const a = tqlAttr(m, 'any', k);
      return a !== undefined && anyToString(a) === v;
    });
    attrRefs = tags.map(([k]) => (k === 'name' ? { intrinsic: 'name' } : { scope: 'any', name: k }));
    pinned = tags.filter(([k]) => k === 'service.name').map(([, v]) => v);
  } else {
    match = () => true;
  }
  const startNs = BigInt(start) * 1000000000n;
  const endNs = BigInt(end) * 1000000000n;
  const results = [];
  let inspected = 0;
  for (const t of store.values()) {
    if (!t.searchable) continue;
    if ((start || end) && (t.startNs > endNs || t.endNs < startNs)) continue;
    inspected += t.bytes ?? 0;
    const durMs = Number((t.endNs - t.startNs) / 1000000n);
    if (minMs && durMs < minMs) continue;
    if (maxMs && durMs > maxMs) continue;
    const matched = t.spans.filter((m) => m.valid && match(m, t));
    if (matched.length) results.push(tempoSearchTrace(t, matched, spss, attrRefs));
  }
  if (!results.length && pinned.length) {
    const loaded = new Set([...store.values()].flatMap((t) => [...t.services]));
    for (const r of recorded) {
      if (!pinned.some((svc) => r.services.has(svc) && !loaded.has(svc))) continue;
      const inRange = !(start || end) || r.doc.traces.some((x) => {
        const s = BigInt(x.startTimeUnixNano || '0');
        return s <= endNs && s + BigInt(x.durationMs || 0) * 1000000n >= startNs;
      });
      if (inRange) return { status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(r.text) };
    }
  }
  results.sort((a, b) => cmpBig(BigInt(b.startTimeUnixNano), BigInt(a.startTimeUnixNano)));
  return jsonRes(200, { traces: results.slice(0, limit), metrics: { inspectedBytes: String(inspected), completedJobs: 1, totalJobs: 1 } });
}

const TEMPO_INTRINSICS = ['duration', 'event:name', 'event:timeSinceStart', 'instrumentation:name', 'instrumentation:version', 'kind', 'link:spanID', 'link:traceID', 'name', 'rootName', 'rootServiceName', 'span:duration', 'span:id', 'span:kind', 'span:name', 'span:parentID', 'span:status', 'span:statusMessage', 'status', 'statusMessage', 'trace:duration', 'trace:id', 'trace:rootName', 'trace:rootService', 'traceDuration'];

function tempoAttrKeys(store, scope) {
  const keys = new Set();
  for (const t of store.values()) for (const m of t.spans) {
    const list = scope === 'resource' ? m.resource.attributes : m.s.attributes;
    for (const a of list) keys.add(a.key);
  }
  return uniqSorted(keys);
}

function tempoValueOut(v) {
  if ('stringValue' in v) return { type: 'string', value: v.stringValue };
  if ('intValue' in v) return { type: 'int', value: v.intValue };
  if ('doubleValue' in v) return { type: 'float', value: String(v.doubleValue) };
  if ('boolValue' in v) return { type: 'bool', value: v.boolValue ? 'true' : 'false' };
  return null;
}

function handleTempo(ctx, sub, q) {
  const { store } = ctx;
  if (sub === '/api/echo') return textRes(200, 'echo');
  if (sub === '/api/status/buildinfo') {
    return jsonRes(200, { version: '2.6.0', revision: 'strata-fixture', branch: 'HEAD', buildUser: 'strata-fixture', buildDate: '2024-09-05T00:00:00Z', goVersion: 'go1.22.6' });
  }
  if (sub === '/api/search') return handleTempoSearch(ctx, q);
  if (sub === '/api/search/tags') {
    const scope = q.get('scope') || '';
    const names = scope === 'resource' ? tempoAttrKeys(store, 'resource') : scope === 'span' ? tempoAttrKeys(store, 'span') : scope === 'intrinsic' ? TEMPO_INTRINSICS : uniqSorted([...tempoAttrKeys(store, 'span'), ...tempoAttrKeys(store, 'resource')]);
    return jsonRes(200, { tagNames: names, metrics: {} });
  }
  if (sub === '/api/v2/search/tags') {
    const scope = q.get('scope') || '';
    const scopes = [];
    if (!scope || scope === 'resource') scopes.push({ name: 'resource', tags: tempoAttrKeys(store, 'resource') });
    if (!scope || scope === 'span') scopes.push({ name: 'span', tags: tempoAttrKeys(store, 'span') });
    if (!scope || scope === 'intrinsic') scopes.push({ name: 'intrinsic', tags: TEMPO_INTRINSICS });
    return jsonRes(200, { scopes, metrics: {} });
  }
  let m;
  if ((m = /^\/api\/search\/tag\/([^/]+)\/values$/.exec(sub))) {
    const tag = decodeSeg(m[1]);
    const vals = new Set();
    for (const t of store.values()) for (const sp of t.spans) {
      for (const a of [...sp.s.attributes, ...sp.resource.attributes]) if (a.key === tag) vals.add(anyToString(a.value));
    }
    return jsonRes(200, { tagValues: uniqSorted(vals), metrics: {} });
  }
  if ((m = /^\/api\/v2\/search\/tag\/([^/]+)\/values$/.exec(sub))) {
    const tag = decodeSeg(m[1]);
    const out = new Map();
    const add = (v) => { if (v) out.set(v.type + '\u0000' + v.value, v); };
    for (const t of store.values()) for (const sp of t.spans) {
      if (tag === 'name' || tag === 'span:name') add({ type: 'string', value: sp.s.name });
      else if (tag === 'status' || tag === 'span:status') add({ type: 'keyword', value: ['unset', 'ok', 'error'][sp.s.status.code] || 'unset' });
      else if (tag === 'kind' || tag === 'span:kind') add({ type: 'keyword', value: Object.keys(TQL_KIND)[sp.s.kind] || 'unspecified' });
      else if (tag === 'rootServiceName' || tag === 'trace:rootService') { if (t.root === sp && sp.service) add({ type: 'string', value: sp.service }); }
      else if (tag === 'rootName' || tag === 'trace:rootName') { if (t.root === sp && sp.s.name) add({ type: 'string', value: sp.s.name }); }
      else {
        let scope = 'any';
        let name = tag;
        if (tag.startsWith('resource.')) { scope = 'resource'; name = tag.slice(9); } else if (tag.startsWith('span.')) { scope = 'span'; name = tag.slice(5); } else if (tag.startsWith('.')) name = tag.slice(1);
        const lists = scope === 'resource' ? [sp.resource.attributes] : scope === 'span' ? [sp.s.attributes] : [sp.s.attributes, sp.resource.attributes];
        for (const l of lists) for (const a of l) if (a.key === name) add(tempoValueOut(a.value));
      }
    }
    const tagValues = [...out.values()].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return jsonRes(200, { tagValues, metrics: {} });
  }
  const tv1 = /^\/api\/traces\/([^/]+)$/.exec(sub);
  const tv2 = /^\/api\/v2\/traces\/([^/]+)$/.exec(sub);
  if (tv1 || tv2) {
    let id;
    try { id = tempoTraceId(decodeSeg((tv1 || tv2)[1])); } catch (e) { return textRes(400, e.message); }
    let start = 0;
    let end = 0;
    try {
      if (q.get('start')) start = Number(goParseInt(q.get('start')));
      if (q.get('end')) end = Number(goParseInt(q.get('end')));
    } catch (e) { return textRes(400, e.message); }
    if (start && end && end < start) return textRes(400, `http parameter start must be before end. received start=${start} end=${end}`);
    let t = store.get(id);
    if (t && (start || end) && t.searchable) {
      const s = BigInt(start) * 1000000000n;
      const e = end ? BigInt(end) * 1000000000n : MAX_I64;
      if (t.startNs > e || t.endNs < s) t = null;
    }
    if (tv1) {
      if (!t) return textRes(404, 'trace not found');
      return jsonRes(200, { batches: tempoResourceSpans(t) });
    }
    if (!t) return jsonRes(200, { trace: {}, metrics: {} });
    const body = { trace: { resourceSpans: tempoResourceSpans(t) }, metrics: { inspectedBytes: String(t.bytes ?? 0) } };
    if (t.missingParents) {
      body.status = 'PARTIAL';
      body.message = `Trace is incomplete: ${t.missingParents} span(s) reference a parent span that is not in the trace (fixture rule; real Tempo reports PARTIAL when a trace exceeds max_bytes_per_trace)`;
    }
    return jsonRes(200, body);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Zipkin
// ---------------------------------------------------------------------------------------------

function zipkinNames(ctx, values) {
  const sorted = uniqSorted(values);
  const headers = { 'Content-Type': 'application/json' };
  if (ctx.serviceCount > 3) headers['Cache-Control'] = 'max-age=300, must-revalidate';
  return { status: 200, headers, body: Buffer.from(stringify(sorted)) };
}

function zParseLong(q, name) {
  const v = q.get(name);
  if (v === null || v === '') return null;
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`Failed to convert ${goQuote(v)} for parameter '${name}': For input string: ${goQuote(v)}`);
  return Number(v);
}

function zParseAnnotationQuery(s) {
  const map = new Map();
  if (!s) return map;
  for (const ann of s.split(' and ')) {
    const idx = ann.indexOf('=');
    if (idx === -1) map.set(ann, '');
    else map.set(ann.slice(0, idx), ann.split('=').length < 2 ? '' : ann.slice(idx + 1));
  }
  map.delete('');
  return map;
}

/** zipkin2.storage.QueryRequest.test */
function zTest(t, r) {
  const ts = t.timestampUs;
  if (!ts || ts < (r.endTs - r.lookback) * 1000 || ts > r.endTs * 1000) return false;
  const services = new Set();
  let testedDuration = r.minDuration === null && r.maxDuration === null;
  let spanNameToMatch = r.spanName;
  let remoteToMatch = r.remoteServiceName;
  const remaining = new Map(r.annotationQuery);
  for (const s of t.spans) {
    if (s.service) services.add(s.service);
    if (r.serviceName === null || r.serviceName === s.service) {
      for (const a of s.annotations) if (remaining.get(a) === '') remaining.delete(a);
      for (const [k, v] of Object.entries(s.tags)) {
        const want = remaining.get(k);
        if (want === undefined) continue;
        if (want === '' || want === v) remaining.delete(k);
      }
      if (spanNameToMatch === null || spanNameToMatch === s.name) spanNameToMatch = null;
      if (remoteToMatch !== null && remoteToMatch === s.remoteService) remoteToMatch = null;
      if (!testedDuration) {
        if (r.minDuration !== null && r.maxDuration !== null) testedDuration = s.dur >= r.minDuration && s.dur <= r.maxDuration;
        else if (r.minDuration !== null) testedDuration = s.dur >= r.minDuration;
      }
    }
  }
  return (r.serviceName === null || services.has(r.serviceName)) && spanNameToMatch === null && remoteToMatch === null && remaining.size === 0 && testedDuration;
}

function zDependencies(traces) {
  const links = new Map();
  const add = (parent, child, err) => {
    if (!parent || !child || parent === child) return;
    const k = parent + '\u0000' + child;
    const l = links.get(k) || { parent, child, callCount: 0, errorCount: 0 };
    l.callCount++;
    if (err) l.errorCount++;
    links.set(k, l);
  };
  for (const t of traces) {
    const byId = new Map();
    for (const s of t.spans) {
      if (!byId.has(s.id)) byId.set(s.id, []);
      byId.get(s.id).push(s);
    }
    const parentOf = (s) => {
      if (s.shared) {
        const client = (byId.get(s.id) || []).find((x) => x !== s && !x.shared);
        if (client) return client;
      }
      if (!s.parentId) return null;
      const cands = byId.get(s.parentId) || [];
      return cands.find((x) => x.shared) || cands[0] || null;
    };
    for (const s of t.spans) {
      if (s.kind === 'SERVER') {
        let p = parentOf(s);
        const guard = new Set();
        while (p && !p.service && !guard.has(p)) { guard.add(p); p = parentOf(p); }
        if (p && p.service) add(p.service, s.service, s.error);
        else add(s.remoteService, s.service, s.error);
      } else if (s.kind === 'CLIENT') {
        const hasServer = t.spans.some((x) => x !== s && x.kind === 'SERVER' && parentOf(x) === s);
        if (!hasServer) add(s.service, s.remoteService, s.error);
      } else if (s.kind === 'PRODUCER') {
        add(s.service, s.remoteService, s.error);
      } else if (s.kind === 'CONSUMER') {
        add(s.remoteService, s.service, s.error);
      }
    }
  }
  return [...links.values()].sort((a, b) => (a.parent + '\u0000' + a.child < b.parent + '\u0000' + b.child ? -1 : 1))
    .map((l) => (l.errorCount ? l : { parent: l.parent, child: l.child, callCount: l.callCount }));
}

function handleZipkin(ctx, sub, q, now) {
  const { store } = ctx;
  const bad = (msg) => textRes(400, msg);
  if (sub === '/api/v2/services') return zipkinNames(ctx, [...store.values()].flatMap((t) => [...t.services]));
  if (sub === '/api/v2/spans' || sub === '/api/v2/remoteServices') {
    if (q.get('serviceName') === null) return bad('Mandatory parameter/header is missing: serviceName');
    const svc = q.get('serviceName').toLowerCase();
    const vals = [];
    for (const t of store.values()) for (const s of t.spans) {
      if (s.service !== svc || !svc) continue;
      if (sub === '/api/v2/spans') { if (s.name) vals.push(s.name); } else if (s.remoteService) vals.push(s.remoteService);
    }
    return zipkinNames(ctx, vals);
  }
  if (sub === '/api/v2/autocompleteKeys') return zipkinNames(ctx, []);
  if (sub === '/api/v2/autocompleteValues') {
    if (q.get('key') === null) return bad('Mandatory parameter/header is missing: key');
    return zipkinNames(ctx, []);
  }
  if (sub === '/api/v2/traces') {
    let r;
    try {
      const lower = (k) => { const v = q.get(k); return v === null || v === '' ? null : v.toLowerCase(); };
      r = {
        serviceName: lower('serviceName'),
        remoteServiceName: lower('remoteServiceName'),
        spanName: lower('spanName'),
        annotationQuery: zParseAnnotationQuery(q.get('annotationQuery')),
        minDuration: zParseLong(q, 'minDuration'),
        maxDuration: zParseLong(q, 'maxDuration'),
        endTs: zParseLong(q, 'endTs') ?? now,
        lookback: zParseLong(q, 'lookback') ?? 86400000,
        limit: zParseLong(q, 'limit') ?? 10,
      };
    } catch (e) { return bad(e.message); }
    if (r.spanName === 'all') r.spanName = null;
    if (r.endTs <= 0) return bad('endTs <= 0');
    if (r.limit <= 0) return bad('limit <= 0');
    if (r.lookback <= 0) return bad('lookback <= 0');
    if (r.minDuration !== null) {
      if (r.minDuration <= 0) return bad('minDuration <= 0');
      if (r.maxDuration !== null && r.maxDuration < r.minDuration) return bad('maxDuration < minDuration');
    } else if (r.maxDuration !== null) return bad('maxDuration is only valid with minDuration');
    const matches = [...store.values()].filter((t) => t.searchable && zTest(t, r)).sort((a, b) => b.timestampUs - a.timestampUs).slice(0, r.limit);
    return jsonRes(200, '[' + matches.map((t) => stringify(t.payload)).join(',') + ']');
  }
  let m;
  if ((m = /^\/api\/v2\/trace\/([^/]+)$/.exec(sub))) {
    let id;
    try { id = zNormalizeTraceId(decodeSeg(m[1]).trim()); } catch (e) { return bad(e.message); }
    const t = store.get(id);
    if (!t) return textRes(404, `${id} not found`);
    return jsonRes(200, t.payload);
  }
  if (sub === '/api/v2/traceMany') {
    const raw = q.get('traceIds');
    if (raw === null) return bad('Mandatory parameter/header is missing: traceIds');
    if (raw === '') return bad('traceIds parameter is empty');
    const ids = [];
    try {
      for (const part of raw.split(',')) {
        const id = zNormalizeTraceId(part);
        if (ids.includes(id)) return bad(`redundant traceId: ${part}`);
        ids.push(id);
      }
    } catch (e) { return bad(e.message); }
    if (ids.length === 1) return bad('Use /api/v2/trace/{traceId} endpoint to retrieve a single trace');
    const found = ids.map((id) => store.get(id)).filter(Boolean);
    return jsonRes(200, '[' + found.map((t) => stringify(t.payload)).join(',') + ']');
  }
  if (sub === '/api/v2/dependencies') {
    let endTs; let lookback;
    try {
      endTs = zParseLong(q, 'endTs');
      lookback = zParseLong(q, 'lookback') ?? 86400000;
    } catch (e) { return bad(e.message); }
    if (endTs === null) return bad('Mandatory parameter/header is missing: endTs');
    if (endTs <= 0) return bad('endTs <= 0');
    if (lookback <= 0) return bad('lookback <= 0');
    const traces = [...store.values()].filter((t) => t.searchable && t.timestampUs >= (endTs - lookback) * 1000 && t.timestampUs <= endTs * 1000);
    return jsonRes(200, zDependencies(traces));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Static files
// ---------------------------------------------------------------------------------------------

const MIME = { '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.ndjson': 'application/x-ndjson', '.tsv': 'text/tab-separated-values; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.txt': 'text/plain; charset=utf-8' };

function handleFile(root, rel) {
  let decoded;
  try { decoded = decodeURIComponent(rel); } catch { return textRes(400, 'bad path\n'); }
  if (decoded.includes('\0')) return textRes(400, 'bad path\n');
  const abs = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (abs !== root && !abs.startsWith(root + path.sep)) return textRes(404, '404 page not found\n');
  let st;
  try { st = fs.statSync(abs); } catch { return textRes(404, '404 page not found\n'); }
  if (!st.isFile()) return textRes(404, '404 page not found\n');
  const body = fs.readFileSync(abs);
  return { status: 200, headers: { 'Content-Type': MIME[path.extname(abs).toLowerCase()] || 'application/octet-stream', 'Last-Modified': st.mtime.toUTCString() }, body };
}

// ---------------------------------------------------------------------------------------------
// Catalog + index page
// ---------------------------------------------------------------------------------------------

const isoUs = (us) => (us === null || us === undefined ? null : new Date(Math.floor(us / 1000)).toISOString());

function catalogEntry(t, extra = {}) {
  return {
    traceId: t.id,
    services: uniqSorted(t.services),
    spans: t.spanCount,
    start: isoUs(t.startUs),
    end: isoUs(t.endUs),
    startUs: t.startUs === null ? null : Math.floor(t.startUs),
    endUs: t.endUs === null ? null : Math.ceil(t.endUs),
    searchable: t.searchable,
    files: t.files,
    ...extra,
  };
}

function buildCatalog(data, deltaUs) {
  const sortId = (a, b) => (a.traceId < b.traceId ? -1 : 1);
  return {
    shiftedByUs: deltaUs,
    jaegerLegacy: [...data.jaegerLegacy.values()].map((t) => catalogEntry(t, { note: t.note || undefined })).sort(sortId),
    jaegerV3: [...data.jaegerV3.values()].map((t) => catalogEntry(t)).sort(sortId),
    tempo: [...data.tempo.values()].map((t) => catalogEntry(t, { partial: t.missingParents > 0, searchTraceID: trimHex(t.id) })).sort(sortId),
    tempoRecordedSearches: data.tempoRecorded.map((r) => ({ file: r.file, services: uniqSorted(r.services), traceIDs: r.doc.traces.map((x) => x.traceID) })),
    zipkin: [...data.zipkin.values()].map((t) => catalogEntry(t)).sort(sortId),
    load: data.report,
  };
}

function indexPage(catalog) {
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const table = (title, rows, link) => `<h2>${esc(title)} (${rows.length})</h2><table><tr><th>trace id</th><th>services</th><th>spans</th><th>start</th><th>files</th></tr>${rows.map((r) => `<tr><td><a href="${esc(link(r.traceId))}">${esc(r.traceId)}</a></td><td>${esc(r.services.join(', '))}</td><td>${r.spans}</td><td>${esc(r.start ?? '-')}${r.searchable ? '' : ' (not searchable)'}</td><td>${esc(r.files.join(', '))}</td></tr>`).join('')}</table>`;
  return `<!doctype html><meta charset="utf-8"><title>Strata backend fixture</title>
<style>body{font:14px system-ui;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}code{background:#eee}</style>
<h1>Strata backend fixture</h1>
<ul>
<li><code>/jaeger</code> Jaeger 2.x: <a href="/jaeger/api/v3/services">/api/v3/services</a>, <a href="/jaeger/api/services">/api/services</a> (CORS)</li>
<li><code>/jaeger-v1</code> legacy API only (CORS); <code>/jaeger-v1-spa</code> same, unknown paths answer the UI page (like Jaeger 1.x)</li>
<li><code>/tempo</code> <a href="/tempo/api/search?q=%7B%7D">/api/search</a>, <a href="/tempo/api/status/buildinfo">/api/status/buildinfo</a> (CORS)</li>
<li><code>/zipkin</code> <a href="/zipkin/api/v2/services">/api/v2/services</a> (CORS)</li>
<li><code>/nocors/&lt;mount&gt;</code> the same without CORS; <code>/files/&lt;path&gt;</code>, <code>/nocors/files/&lt;path&gt;</code>, <code>/slow/&lt;ms&gt;/&lt;route&gt;</code></li>
<li><a href="/_fixture/catalog">/_fixture/catalog</a> (JSON)</li>
</ul>
${table('Jaeger legacy (/jaeger/api/traces/{id})', catalog.jaegerLegacy, (id) => `/jaeger/api/traces/${encodeURIComponent(id)}`)}
${table('Jaeger API v3 (/jaeger/api/v3/traces/{id})', catalog.jaegerV3, (id) => `/jaeger/api/v3/traces/${id}`)}
${table('Tempo (/tempo/api/v2/traces/{id})', catalog.tempo, (id) => `/tempo/api/v2/traces/${id}`)}
${table('Zipkin (/zipkin/api/v2/trace/{id})', catalog.zipkin, (id) => `/zipkin/api/v2/trace/${id}`)}
`;
}

const SPA_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Jaeger UI</title></head><body><div id="jaeger-ui-root"></div><!-- strata fixture: Jaeger 1.x serves its UI for every unknown path --></body></html>\n';

// ---------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------

const MOUNTS = ['jaeger', 'jaeger-v1', 'jaeger-v1-spa', 'tempo', 'zipkin', 'files'];

function corsHeaders(req) {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Content-Length, Content-Type, Cache-Control, Deprecation, Sunset, Link, Deprecated-Params',
  };
}

export async function start(opts = {}) {
  const traces = path.resolve(opts.traces || DEFAULT_TRACES());
  const port = opts.port ?? 0;
  const host = opts.host || '127.0.0.1';
  const now = opts.now || (() => Date.now());
  const maxSearchNs = opts.tempoMaxSearchDuration === undefined ? 168 * 3600e9 : typeof opts.tempoMaxSearchDuration === 'number' ? opts.tempoMaxSearchDuration : goParseDuration(String(opts.tempoMaxSearchDuration));

  const data = loadTraces(traces);
  buildAllMeta(data);
  let deltaUs = 0;
  if (opts.shiftToNow) deltaUs = shiftToNow(data, now());
  for (const t of data.tempo.values()) t.bytes = stringify({ batches: tempoResourceSpans(t) }).length;
  const catalog = buildCatalog(data, deltaUs);
  const tempoCtx = { store: data.tempo, recorded: data.tempoRecorded, maxSearchNs };
  const zipkinCtx = { store: data.zipkin, serviceCount: new Set([...data.zipkin.values()].flatMap((t) => [...t.services])).size };

  const route = (method, pathname, q) => {
    if (pathname === '/' || pathname === '') return { res: { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: Buffer.from(indexPage(catalog)) }, cors: true };
    if (pathname === '/_fixture/catalog') return { res: jsonRes(200, catalog), cors: true };
    let rest = pathname;
    let cors = true;
    if (rest.startsWith('/nocors/')) { cors = false; rest = rest.slice(7); }
    const mm = /^\/([^/]+)(\/.*)?$/.exec(rest);
    if (!mm || !MOUNTS.includes(mm[1])) return { res: textRes(404, '404 page not found\n'), cors };
    const mount = mm[1];
    const sub = mm[2] || '/';
    if (method === 'OPTIONS') return { res: cors ? { status: 204, headers: {}, body: null, preflight: true } : methodNotAllowed(false), cors };
    if (method !== 'GET' && method !== 'HEAD') return { res: methodNotAllowed(cors), cors };
    const nowMs = now();
    let res = null;
    switch (mount) {
      case 'files':
        res = handleFile(traces, sub.replace(/^\/+/, ''));
        break;
      case 'jaeger':
        res = handleJaegerV3(data.jaegerV3, sub, q) || handleJaegerLegacy(data.jaegerLegacy, sub, q, nowMs) || goNotFound();
        break;
      case 'jaeger-v1':
        res = handleJaegerLegacy(data.jaegerLegacy, sub, q, nowMs) || goNotFound();
        break;
      case 'jaeger-v1-spa':
        res = handleJaegerLegacy(data.jaegerLegacy, sub, q, nowMs) || { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: Buffer.from(SPA_PAGE) };
        break;
      case 'tempo':
        res = handleTempo(tempoCtx, sub, q) || goNotFound();
        break;
      case 'zipkin':
        res = handleZipkin(zipkinCtx, sub, q, nowMs) || textRes(404, `Not Found: ${sub}`);
        break;
      default:
        res = goNotFound();
    }
    return { res, cors };
  };

  const pending = new Set();
  const server = http.createServer((req, res) => {
    let closed = false;
    res.on('close', () => { closed = true; });
    let url;
    try { url = new URL(req.url, 'http://fixture'); } catch { res.writeHead(400).end(); return; }
    let pathname = url.pathname;
    let slow = null;
    const sm = /^\/slow\/([^/]+)(\/.*)$/.exec(pathname);
    if (sm) {
      if (!/^\d+$/.test(sm[1]) || Number(sm[1]) > 600000) {
        res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Access-Control-Allow-Origin': '*' }).end('slow: <ms> must be an integer between 0 and 600000\n');
        return;
      }
      const chunk = Number(url.searchParams.get('chunk') || 16384);
      const pause = Number(url.searchParams.get('pause') ?? 50);
      slow = {
        delay: Number(sm[1]),
        chunk: Number.isFinite(chunk) && chunk > 0 ? Math.floor(chunk) : 16384,
        pause: Number.isFinite(pause) && pause >= 0 ? pause : 50,
        length: url.searchParams.get('length') !== '0',
      };
      pathname = sm[2];
    }
    let out;
    try {
      out = route(req.method, pathname, url.searchParams);
    } catch (e) {
      out = { res: textRes(500, `fixture error: ${e.stack || e}\n`), cors: true };
    }
    const { res: r, cors } = out;
    const headers = { ...r.headers };
    if (cors) {
      Object.assign(headers, corsHeaders(req));
      if (r.preflight) {
        headers['Access-Control-Allow-Methods'] = 'GET, HEAD, OPTIONS';
        headers['Access-Control-Allow-Headers'] = req.headers['access-control-request-headers'] || 'Accept, Content-Type, Authorization, X-Scope-OrgID';
        headers['Access-Control-Max-Age'] = '600';
        headers.Vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
      }
    }
    const body = r.body || Buffer.alloc(0);
    if (r.status !== 204 && r.status !== 304 && (!slow || slow.length)) headers['Content-Length'] = String(body.length);
    const isHead = req.method === 'HEAD';
    const finish = () => {
      if (closed) return;
      if (!slow || isHead || body.length === 0) {
        res.writeHead(r.status, headers);
        res.end(isHead || r.status === 204 ? undefined : body);
        return;
      }
      res.writeHead(r.status, headers);
      let off = 0;
      const step = () => {
        if (closed) return;
        const next = body.subarray(off, off + slow.chunk);
        off += next.length;
        if (off >= body.length) { res.end(next); return; }
        res.write(next);
        const tm = setTimeout(() => { pending.delete(tm); step(); }, slow.pause);
        pending.add(tm);
      };
      step();
    };
    if (slow && slow.delay > 0) {
      const tm = setTimeout(() => { pending.delete(tm); finish(); }, slow.delay);
      pending.add(tm);
    } else finish();
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address();
  const url = `http://${host}:${addr.port}`;
  let closing = null;
  return {
    url,
    port: addr.port,
    catalog,
    report: data.report,
    close() {
      if (!closing) {
        closing = new Promise((resolve) => {
          for (const tm of pending) clearTimeout(tm);
          pending.clear();
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
      }
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port' || a.startsWith('--port=')) o.port = Number(val());
    else if (a === '--traces' || a.startsWith('--traces=')) o.traces = val();
    else if (a === '--shift-to-now') o.shiftToNow = true;
    else if (a === '--tempo-max-search-duration' || a.startsWith('--tempo-max-search-duration=')) o.tempoMaxSearchDuration = val();
    else if (a === '--help' || a === '-h') {
      process.stderr.write('usage: node tests/backends/server.mjs [--port N] [--traces DIR] [--shift-to-now] [--tempo-max-search-duration 168h|0]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port < 65536)) throw new Error('--port must be 0..65535');
  return o;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) { process.stderr.write(`${e.message}\n`); process.exit(2); }
  const srv = await start(args);
  for (const s of srv.report.skipped) process.stderr.write(`skipped ${s.file}: ${s.reason}\n`);
  for (const d of srv.report.merged) process.stderr.write(`trace ${d.traceId} (${d.backend}) merged from ${d.files.join(', ')}; ${d.droppedDuplicateSpans} duplicate span(s) dropped\n`);
  process.stdout.write(JSON.stringify({ url: srv.url }) + '\n');
  const stop = () => { srv.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
