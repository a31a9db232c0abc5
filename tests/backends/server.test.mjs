// Protocol tests for the Jaeger / Tempo / Zipkin stand-in (tests/backends/server.mjs).
// Run: node --test tests/backends/
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { start, parseTraceQL, goParseDuration, zNormalizeTraceId, idHex, parseJSON } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TRACES = process.env.STRATA_TRACES || path.resolve(HERE, '..', '..', '..', 'shared', 'traces');

let srv;
before(async () => { srv = await start({ port: 0, traces: TRACES }); });
after(async () => { await srv?.close(); });

/** raw HTTP request; resolves { status, headers, text, json(), chunks } */
function request(method, urlPath, headers = {}, base = srv.url) {
  return new Promise((resolve, reject) => {
    const u = new URL(urlPath, base);
    const t0 = Date.now();
    const req = http.request(u, { method, headers }, (res) => {
      const chunks = [];
      const tHeaders = Date.now() - t0;
      res.on('data', (c) => chunks.push({ at: Date.now() - t0, size: c.length, c }));
      res.on('end', () => {
        const buf = Buffer.concat(chunks.map((x) => x.c));
        const text = buf.toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, buf, chunks, tHeaders, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
const get = (p, h) => request('GET', p, h);
const getJSON = async (p, status = 200) => {
  const r = await get(p);
  assert.equal(r.status, status, `${p} -> ${r.status} ${r.text.slice(0, 300)}`);
  return r.json();
};
const enc = encodeURIComponent;
const usOf = (iso) => Date.parse(iso) * 1000;
const secOf = (iso) => Math.floor(Date.parse(iso) / 1000);

// ----------------------------------------------------------------------------------------------
describe('Jaeger legacy JSON API (/jaeger/api)', () => {
  test('services: every process serviceName of jaeger/*.json, sorted, envelope with total', async () => {
    const body = await getJSON('/jaeger/api/services');
    assert.deepEqual(body.data, [
      '16af988c443cff37', '3c220036602f839e', 'api-edge', 'auth-service', 'coding-agent', 'example-trace',
      'graphql-gateway', 'issue115', 'jaeger-query', 'k8s-api', 'load-generator', 'mcp-gateway', 'metrics-backend',
      'ride-sharing-app', 'service-one', 'service-two', 'service1', 'service2', 'summarizer-agent', 'telemetrygen',
      'trace-store', 'vector-store',
    ]);
    assert.equal(body.total, 22);
    assert.equal(body.limit, 0);
    assert.equal(body.offset, 0);
    assert.equal(body.errors, null);
  });

  test('operations (legacy route and /api/operations with spanKind)', async () => {
    const legacy = await getJSON('/jaeger/api/services/jaeger-query/operations');
    assert.deepEqual(legacy.data, ['/api/services/{service}/operations', 'GetOperations']);
    assert.equal(legacy.total, 2);
    const ops = await getJSON('/jaeger/api/operations?service=service1');
    assert.deepEqual(ops.data.find((o) => o.name === 'op1'), { name: 'op1', spanKind: 'server' });
    const servers = await getJSON('/jaeger/api/operations?service=service1&spanKind=server');
    assert.deepEqual(servers.data, [{ name: 'op1', spanKind: 'server' }]);
    const r = await get('/jaeger/api/operations');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json().errors, [{ code: 400, msg: "parameter 'service' is required" }]);
  });

  const oct2019 = `start=${usOf('2019-10-17T00:00:00Z')}&end=${usOf('2019-10-18T00:00:00Z')}`;

  test('search by service returns the trace exactly as in the file', async () => {
    const body = await getJSON(`/jaeger/api/traces?service=jaeger-query&${oct2019}`);
    assert.deepEqual(body.data.map((t) => t.traceID), ['2db17286b3e6b148']);
    assert.equal(body.total, 0); // the real handler leaves total at 0 for searches
    assert.equal(body.errors, null);
    const file = JSON.parse(fs.readFileSync(path.join(TRACES, 'jaeger/jaeger-analytics-java__ui-trace.json'), 'utf8'));
    assert.deepEqual(body.data[0], file.data[0]);
    const genai = await getJSON(`/jaeger/api/traces?service=coding-agent&start=${usOf('2026-02-01T00:00:00Z')}&end=${usOf('2026-02-03T00:00:00Z')}`);
    assert.deepEqual(genai.data.map((t) => t.traceID), ['4a1b2c3d4e5f60718293a4b5c6d7e8f9']);
    const op = await getJSON(`/jaeger/api/traces?service=jaeger-query&operation=GetOperations&${oct2019}`);
    assert.equal(op.data.length, 1);
    const noOp = await getJSON(`/jaeger/api/traces?service=jaeger-query&operation=nope&${oct2019}`);
    assert.deepEqual(noOp.data, []);
  });

  test('time range: default window (last 48h) finds nothing in old recordings; explicit window in/out', async () => {
    assert.deepEqual((await getJSON('/jaeger/api/traces?service=jaeger-query')).data, []);
    const before = await getJSON(`/jaeger/api/traces?service=jaeger-query&start=${usOf('2019-10-16T00:00:00Z')}&end=${usOf('2019-10-17T00:00:00Z')}`);
    assert.deepEqual(before.data, []);
    const all = await getJSON(`/jaeger/api/traces?service=service1&start=0&end=${usOf('2030-01-01T00:00:00Z')}`);
    assert.deepEqual(all.data.map((t) => t.traceID), ['trace-123']);
  });

  test('duration filters apply to a span of the service (in and out) and bad values are 400', async () => {
    assert.equal((await getJSON(`/jaeger/api/traces?service=jaeger-query&minDuration=4ms&${oct2019}`)).data.length, 1);
    assert.equal((await getJSON(`/jaeger/api/traces?service=jaeger-query&minDuration=4.5ms&${oct2019}`)).data.length, 0);
    assert.equal((await getJSON(`/jaeger/api/traces?service=jaeger-query&maxDuration=1ms&${oct2019}`)).data.length, 0);
    assert.equal((await getJSON(`/jaeger/api/traces?service=jaeger-query&minDuration=3800us&maxDuration=3.9ms&${oct2019}`)).data.length, 1);
    const bad = await get(`/jaeger/api/traces?service=jaeger-query&minDuration=abc`);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 400, msg: 'unable to parse param \'minDuration\': time: invalid duration "abc"' }] });
    const order = await get(`/jaeger/api/traces?service=jaeger-query&minDuration=2s&maxDuration=1s`);
    assert.equal(order.status, 400);
    assert.equal(order.json().errors[0].msg, "'maxDuration' should be greater than 'minDuration'");
  });

  test('tags filter: JSON tags= and repeated tag=k:v (span + process tags)', async () => {
    const hit = await getJSON(`/jaeger/api/traces?service=jaeger-query&tags=${enc('{"sampler.type":"probabilistic","http.method":"GET"}')}&${oct2019}`);
    assert.equal(hit.data.length, 1);
    const miss = await getJSON(`/jaeger/api/traces?service=jaeger-query&tags=${enc('{"sampler.type":"const"}')}&${oct2019}`);
    assert.equal(miss.data.length, 0);
    const proc = await getJSON(`/jaeger/api/traces?service=jaeger-query&tag=${enc('hostname:simple-streaming-query-66f49db66-8x9hd')}&${oct2019}`);
    assert.equal(proc.data.length, 1);
    const bad = await get(`/jaeger/api/traces?service=jaeger-query&tag=novalue`);
    assert.equal(bad.status, 400);
    assert.match(bad.json().errors[0].msg, /malformed 'tag' parameter/);
  });

  test('missing service -> 400 with the exact Jaeger envelope', async () => {
    const r = await get('/jaeger/api/traces');
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.text, '{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"parameter \'service\' is required"}]}');
  });

  test('trace by id: native shape, id normalisation, 404 and 400 bodies', async () => {
    const t = await getJSON('/jaeger/api/traces/2992f2a5b5d037a8aabffd08ef384237');
    assert.equal(t.data[0].traceID, '2992f2a5b5d037a8aabffd08ef384237');
    assert.equal(t.data[0].spans.length, 2);
    const padded = await getJSON('/jaeger/api/traces/00000000000000002db17286b3e6b148');
    assert.equal(padded.data[0].traceID, '2db17286b3e6b148');
    const nonHex = await getJSON('/jaeger/api/traces/trace-123');
    assert.equal(nonHex.data[0].traceID, 'trace-123');
    // bare span array converted to the API shape (processes map + processID)
    const anon = await getJSON('/jaeger/api/traces/2be38093ead7a083');
    assert.ok(anon.data[0].processes.p1);
    assert.ok(anon.data[0].spans.every((s) => s.processID && !s.process));
    const nf = await get('/jaeger/api/traces/00000000000000ff');
    assert.equal(nf.status, 404);
    assert.equal(nf.text, '{"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":404,"msg":"trace not found"}]}');
    const bad = await get('/jaeger/api/traces/xyz');
    assert.equal(bad.status, 400);
    assert.equal(bad.json().errors[0].msg, 'strconv.ParseUint: parsing "xyz": invalid syntax');
  });

  test('dependencies from the traces', async () => {
    const deps = await getJSON(`/jaeger/api/dependencies?endTs=${Date.parse('2027-01-01T00:00:00Z')}&lookback=${Date.parse('2027-01-01T00:00:00Z')}`);
    assert.deepEqual(deps.data.find((d) => d.parent === 'service1'), { parent: 'service1', child: 'service2', callCount: 2 });
    assert.deepEqual(deps.data.find((d) => d.parent === 'api-edge'), { parent: 'api-edge', child: 'graphql-gateway', callCount: 1 });
    const recent = await getJSON('/jaeger/api/dependencies');
    assert.deepEqual(recent.data, []);
  });

  test('/jaeger-v1 has the legacy API only; /api/v3 answers 404 like a missing route', async () => {
    assert.equal((await getJSON('/jaeger-v1/api/services')).total, 22);
    const r = await get('/jaeger-v1/api/v3/services');
    assert.equal(r.status, 404);
    assert.equal(r.text, '404 page not found\n');
    const spa = await get('/jaeger-v1-spa/api/v3/services');
    assert.equal(spa.status, 200);
    assert.match(spa.headers['content-type'], /^text\/html/);
  });
});

// ----------------------------------------------------------------------------------------------
describe('Jaeger API v3 (/jaeger/api/v3)', () => {
  const y2017 = `query.startTimeMin=${enc('2017-01-01T00:00:00Z')}&query.startTimeMax=${enc('2017-12-31T00:00:00Z')}`;
  const traceIdsOf = (body) => [...new Set(body.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.traceId))))];

  test('services from OTLP files (jaeger-apiv3/ + otlp/)', async () => {
    const body = await getJSON('/jaeger/api/v3/services');
    assert.deepEqual(body, {
      services: ['analytics-service', 'api-gateway', 'app', 'basic-otlp-tracing-example', 'cart', 'db', 'example-service-1',
        'example-service-2', 'example-service-3', 'example-trace', 'frontend-proxy', 'kafka', 'lb', 'my.service',
        'payment-service', 'product-catalog', 'query25-service', 'recommendation', 'service-x', 'telemetrygen', 'unknown_service'],
    });
  });

  test('operations with spanKind', async () => {
    const body = await getJSON('/jaeger/api/v3/operations?service=service-x');
    assert.deepEqual(body.operations, [
      { name: 'test-general-conversion-2', spanKind: 'server' }, { name: 'test-general-conversion-3', spanKind: 'client' },
      { name: 'test-general-conversion-4', spanKind: 'producer' }, { name: 'test-general-conversion-5', spanKind: 'consumer' },
    ]);
    assert.deepEqual((await getJSON('/jaeger/api/v3/operations?service=service-x&spanKind=client')).operations, [{ name: 'test-general-conversion-3', spanKind: 'client' }]);
  });

  test('search merges all matching traces into one result (hex ids, integer enums)', async () => {
    const body = await getJSON(`/jaeger/api/v3/traces?query.serviceName=service-x&${y2017}`);
    assert.deepEqual(traceIdsOf(body).sort(), ['00000000000000010000000000000000', '00000000000000020000000000000000']);
    const span = body.result.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(typeof span.kind, 'number');
    assert.equal(typeof span.startTimeUnixNano, 'string');
    assert.deepEqual(span.status, { code: 2 });
    const cart = await getJSON(`/jaeger/api/v3/traces?query.serviceName=cart&query.startTimeMin=${enc('2025-10-17T00:00:00Z')}&query.startTimeMax=${enc('2025-10-18T00:00:00Z')}`);
    assert.deepEqual(traceIdsOf(cart), ['43c0da4303a115879ac557df26bd499b', '082ec45e5305f35aae40a235a49990ab']);
    const op = await getJSON(`/jaeger/api/v3/traces?query.serviceName=service-x&query.operationName=test-general-conversion-3&${y2017}`);
    assert.deepEqual(traceIdsOf(op), ['00000000000000020000000000000000']);
    const depth = await getJSON(`/jaeger/api/v3/traces?query.serviceName=service-x&query.searchDepth=1&${y2017}`);
    assert.equal(traceIdsOf(depth).length, 1);
  });

  test('time range out, duration and attribute filters (in and out)', async () => {
    const out = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.startTimeMin=${enc('2018-01-01T00:00:00Z')}&query.startTimeMax=${enc('2018-12-31T00:00:00Z')}`);
    assert.equal(out.status, 404);
    assert.equal(out.text, '{"error":{"httpCode":404,"message":"No traces found"}}\n');
    assert.equal((await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.durationMin=1ms&${y2017}`)).status, 404);
    assert.equal((await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.durationMax=1ms&query.durationMin=1us&${y2017}`)).status, 200);
    const attrsHit = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.attributes=${enc('{"peer.service":"service-y"}')}&${y2017}`);
    assert.equal(attrsHit.status, 200);
    const attrsMiss = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.attributes=${enc('{"peer.service":"service-z"}')}&${y2017}`);
    assert.equal(attrsMiss.status, 404);
    const kv = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.attributes=${enc('peer.service:service-y')}&${y2017}`);
    assert.equal(kv.status, 200);
  });

  test('missing / malformed time range and bad duration -> 400 error objects', async () => {
    const missing = await get('/jaeger/api/v3/traces?query.serviceName=service-x');
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json(), { error: { httpCode: 400, message: 'query.startTimeMin and query.startTimeMax are required' } });
    const bad = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.startTimeMin=yesterday&query.startTimeMax=${enc('2017-12-31T00:00:00Z')}`);
    assert.equal(bad.status, 400);
    assert.match(bad.json().error.message, /^malformed parameter query\.startTimeMin: parsing time "yesterday"/);
    const dur = await get(`/jaeger/api/v3/traces?query.serviceName=service-x&query.durationMin=fast&${y2017}`);
    assert.equal(dur.status, 400);
    assert.equal(dur.json().error.message, 'malformed parameter query.durationMin: time: invalid duration "fast"');
  });

  test('snake_case aliases still work and are flagged deprecated', async () => {
    const r = await get(`/jaeger/api/v3/traces?query.service_name=service-x&query.start_time_min=${enc('2017-01-01T00:00:00Z')}&query.start_time_max=${enc('2017-12-31T00:00:00Z')}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.deprecation, 'true');
    assert.equal(r.headers['deprecated-params'], 'query.service_name,query.start_time_min,query.start_time_max');
  });

  test('trace by id: base64 source ids become hex; short ids are left-padded; 404/400', async () => {
    const t = await getJSON('/jaeger/api/v3/traces/9d79b1a37f31801cd11a6706fb40d6bd');
    const spans = t.result.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    assert.equal(spans.length, 2);
    for (const s of spans) {
      assert.equal(s.traceId, '9d79b1a37f31801cd11a6706fb40d6bd');
      assert.match(s.spanId, /^[0-9a-f]{16}$/);
      assert.equal(typeof s.kind, 'number');
    }
    const short = await getJSON('/jaeger/api/v3/traces/1');
    assert.equal(short.result.resourceSpans[0].scopeSpans[0].spans[0].traceId, '00000000000000000000000000000001');
    const zero = await getJSON('/jaeger/api/v3/traces/000000000000009600000000000000a0'); // Go-zero-time snapshot: by id only
    assert.equal(zero.result.resourceSpans[0].scopeSpans[0].spans[0].spanId, '00000000000000b4');
    const nf = await get('/jaeger/api/v3/traces/00000000000000000000000000000bad');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.json(), { error: { httpCode: 404, message: 'No traces found' } });
    const bad = await get('/jaeger/api/v3/traces/not-hex');
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error.httpCode, 400);
  });
});

// ----------------------------------------------------------------------------------------------
describe('Tempo (/tempo)', () => {
  const oct17 = `start=${secOf('2025-10-17T00:00:00Z')}&end=${secOf('2025-10-18T00:00:00Z')}`;
  const q = (s) => `q=${enc(s)}`;
  const ids = (body) => body.traces.map((t) => t.traceID);
  // Tempo's search writes trace ids with leading zeros trimmed (util.TraceIDToHexString)
  const CART = ['43c0da4303a115879ac557df26bd499b', '82ec45e5305f35aae40a235a49990ab'];

  test('tag names and values', async () => {
    const tags = await getJSON('/tempo/api/search/tags');
    assert.ok(tags.tagNames.includes('service.name'));
    assert.ok(tags.tagNames.includes('rpc.method'));
    const v2 = await getJSON('/tempo/api/v2/search/tags');
    assert.deepEqual(v2.scopes.map((s) => s.name), ['resource', 'span', 'intrinsic']);
    assert.ok(v2.scopes[0].tags.includes('service.name'));
    const vals = await getJSON('/tempo/api/search/tag/service.name/values');
    assert.deepEqual(vals.tagValues, [
      'analytics-service', 'api-gateway', 'app', 'basic-otlp-tracing-example', 'cart', 'db', 'example-service-1', 'example-service-2',
      'example-service-3', 'example-trace', 'frontend-proxy', 'kafka', 'lb', 'my.service', 'payment-service', 'product-catalog',
      'query25-service', 'recommendation', 'service-x', 'telemetrygen', 'unknown_service',
    ]);
    const v2vals = await getJSON(`/tempo/api/v2/search/tag/${enc('span.rpc.grpc.status_code')}/values`);
    assert.deepEqual(v2vals.tagValues, [{ type: 'int', value: '0' }]);
  });

  test('TraceQL search by service: exact trace ids, newest first, Tempo response shape', async () => {
    const body = await getJSON(`/tempo/api/search?${q('{ resource.service.name = "cart" }')}&${oct17}`);
    assert.deepEqual(ids(body), CART);
    const t = body.traces[1];
    assert.equal(t.rootServiceName, 'cart');
    assert.equal(t.rootTraceName, 'cart.execute');
    assert.equal(t.startTimeUnixNano, '1760738069624180000');
    assert.equal(t.durationMs, 312);
    assert.equal(t.spanSets[0].matched, 1);
    assert.deepEqual(t.spanSet, t.spanSets[0]);
    assert.deepEqual(t.spanSets[0].spans[0].attributes, [{ key: 'service.name', value: { stringValue: 'cart' } }]);
    assert.match(t.spanSets[0].spans[0].spanID, /^[0-9a-f]{16}$/);
    assert.deepEqual(Object.keys(body.metrics).sort(), ['completedJobs', 'inspectedBytes', 'totalJobs']);
    const unscoped = await getJSON(`/tempo/api/search?${q('{ .service.name = "cart" }')}&${oct17}`);
    assert.deepEqual(ids(unscoped), ids(body));
  });

  test('TraceQL: name, status, int attribute, duration, &&, {} and leading-zero trimming', async () => {
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?${q('{ name = "cart.execute" }')}&${oct17}`)), CART);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?${q('{ span.rpc.grpc.status_code = 0 && resource.service.name = "cart" }')}&${oct17}`)), CART);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?${q('{ span.rpc.grpc.status_code = 500 && resource.service.name = "cart" }')}&${oct17}`)), []);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?${q('{ resource.service.name = "cart" && duration > 1s }')}&${oct17}`)), []);
    const y2017 = `start=${secOf('2017-01-26T00:00:00Z')}&end=${secOf('2017-01-27T00:00:00Z')}`;
    const errs = await getJSON(`/tempo/api/search?${q('{ status = error }')}&${y2017}`);
    assert.deepEqual(ids(errs).sort(), ['10000000000000000', '20000000000000000']); // Tempo trims leading zeros
    const all = await getJSON(`/tempo/api/search?q=${enc('{}')}&${oct17}&limit=100`);
    assert.equal(all.traces.length, 20); // 19 one-span traces of otlp2parquet__traces.jsonl + otlp2parquet__trace.json
    assert.equal((await getJSON(`/tempo/api/search?q=${enc('{}')}&${oct17}`)).traces.length, 20); // default limit 20
    const limited = await getJSON(`/tempo/api/search?q=${enc('{}')}&${oct17}&limit=2`);
    assert.equal(limited.traces.length, 2);
  });

  test('tags (logfmt) search, trace duration filters in and out', async () => {
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?tags=${enc('service.name=cart')}&${oct17}`)), CART);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?tags=${enc('service.name=cart rpc.method=Get')}&${oct17}`)), ['82ec45e5305f35aae40a235a49990ab']);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?${q('{ resource.service.name = "cart" && span.rpc.method = "Update" }')}&${oct17}`)), ['43c0da4303a115879ac557df26bd499b']);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?tags=${enc('service.name=cart')}&minDuration=1s&${oct17}`)), []);
    assert.deepEqual(ids(await getJSON(`/tempo/api/search?tags=${enc('service.name=cart')}&maxDuration=1s&${oct17}`)).length, 2);
  });

  test('time range: out of range finds nothing; over 168h is rejected like Tempo', async () => {
    const out = await getJSON(`/tempo/api/search?${q('{ resource.service.name = "cart" }')}&start=${secOf('2025-10-18T00:00:00Z')}&end=${secOf('2025-10-19T00:00:00Z')}`);
    assert.deepEqual(out.traces, []);
    const s = secOf('2017-01-01T00:00:00Z');
    const e = secOf('2026-01-01T00:00:00Z');
    const wide = await get(`/tempo/api/search?${q('{}')}&start=${s}&end=${e}`);
    assert.equal(wide.status, 400);
    assert.equal(wide.text, `range specified by start and end exceeds 168h0m0s. received start=${s} end=${e}`);
    const order = await get(`/tempo/api/search?start=20&end=10`);
    assert.equal(order.status, 400);
    assert.equal(order.text, 'http parameter start must be before end. received start=20 end=10');
  });

  test('bad TraceQL and bad parameters -> 400 plain text', async () => {
    const r = await get(`/tempo/api/search?${q('{ foo }')}`);
    assert.equal(r.status, 400);
    assert.match(r.headers['content-type'], /^text\/plain/);
    assert.equal(r.text, 'invalid TraceQL query: parse error at line 1, col 3: syntax error: unexpected IDENTIFIER');
    const pipe = await get(`/tempo/api/search?${q('{ name = "x" } | count() > 1')}`);
    assert.equal(pipe.status, 400);
    assert.equal(pipe.text, 'invalid TraceQL query: parse error at line 1, col 16: syntax error: unexpected PIPE');
    const both = await get(`/tempo/api/search?${q('{}')}&tags=a=b`);
    assert.equal(both.text, "invalid request: can't specify tags and q in the same query");
    const dur = await get('/tempo/api/search?minDuration=soon');
    assert.equal(dur.text, 'invalid minDuration: time: invalid duration "soon"');
  });

  test('the recorded kiali search responses are served verbatim for their services', async () => {
    const r = await get(`/tempo/api/search?${q('{ resource.service.name = "productpage.bookinfo" }')}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, fs.readFileSync(path.join(TRACES, 'tempo/kiali__tracingtest-response.json'), 'utf8'));
    const amb = await get(`/tempo/api/search?tags=${enc('service.name=waypoint.bookinfo')}`);
    assert.equal(amb.json().traces[0].traceID, '2e299711ce47710289dc6640727404f');
  });

  test('trace by id v2: {trace:{resourceSpans}}, COMPLETE omitted, PARTIAL flagged, unknown = empty trace', async () => {
    const t = await getJSON('/tempo/api/v2/traces/082ec45e5305f35aae40a235a49990ab');
    const span = t.trace.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(span.traceId, Buffer.from('082ec45e5305f35aae40a235a49990ab', 'hex').toString('base64'));
    assert.equal(span.kind, 'SPAN_KIND_INTERNAL');
    assert.equal(t.status, undefined); // COMPLETE is the proto3 zero value: jsonpb omits it
    const p = await getJSON('/tempo/api/v2/traces/1131be177dea42619767c2188e12e65b');
    assert.equal(p.status, 'PARTIAL');
    assert.equal(typeof p.message, 'string');
    const short = await getJSON('/tempo/api/v2/traces/11');
    assert.equal(short.trace.resourceSpans.length, 3);
    const nf = await get('/tempo/api/v2/traces/abcdef');
    assert.equal(nf.status, 200);
    assert.deepEqual(nf.json(), { trace: {}, metrics: {} });
    const bad = await get('/tempo/api/v2/traces/xyz');
    assert.equal(bad.status, 400);
    assert.equal(bad.text, "trace IDs can only contain hex characters: invalid character 'x' at position 1");
  });

  test('trace by id v1: {batches}, 404 text for unknown', async () => {
    const t = await getJSON('/tempo/api/traces/5B8EFFF798038103D269B633813FC60C');
    const spans = t.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans));
    assert.ok(spans.some((s) => s.name === "I'm a server span" && s.kind === 'SPAN_KIND_SERVER'));
    assert.ok(spans.every((s) => s.traceId === 'W47/95gDgQPSabYzgT/GDA=='));
    const nf = await get('/tempo/api/traces/abcdef');
    assert.equal(nf.status, 404);
    assert.equal(nf.text, 'trace not found');
  });

  test('echo and buildinfo', async () => {
    const e = await get('/tempo/api/echo');
    assert.equal(e.text, 'echo');
    assert.equal((await getJSON('/tempo/api/status/buildinfo')).version, '2.6.0');
  });
});

// ----------------------------------------------------------------------------------------------
describe('Zipkin v2 (/zipkin)', () => {
  const window = (fromIso, toIso) => `endTs=${Date.parse(toIso)}&lookback=${Date.parse(toIso) - Date.parse(fromIso)}`;
  const oct2019 = window('2019-10-24T00:00:00Z', '2019-10-25T00:00:00Z');
  const ids = (traces) => traces.map((t) => t[0].traceId);

  test('services (lowercase local service names) including the Yelp trace services', async () => {
    const services = await getJSON('/zipkin/api/v2/services');
    assert.deepEqual(services, [
      'account', 'auth', 'auth-service', 'backend', 'bar', 'bootifulmeters', 'bouncer', 'content-service', 'datamgmt', 'dove',
      'frontend', 'mobile-gateway', 'mobile_api', 'notification-service', 'paperboy', 'pusher', 'rewards', 'routing',
      'schemas-service', 'servicea', 'serviceb', 'spectre', 'stlogin', 'transfer-service', 'unknown', 'yelp-main',
      'yelp_main/api_proxy', '订单维护服务',
    ]);
    for (const s of ['mobile_api', 'routing', 'spectre', 'unknown', 'yelp-main', 'yelp_main/api_proxy']) assert.ok(services.includes(s));
  });

  test('span names, remote services; missing serviceName -> 400', async () => {
    assert.deepEqual(await getJSON('/zipkin/api/v2/spans?serviceName=routing'), ['post /location/update/v4']);
    assert.deepEqual(await getJSON('/zipkin/api/v2/spans?serviceName=ROUTING'), ['post /location/update/v4']);
    assert.deepEqual(await getJSON('/zipkin/api/v2/remoteServices?serviceName=yelp-main'), ['memcache', 'mobile_api', 'mysql']);
    const r = await get('/zipkin/api/v2/spans');
    assert.equal(r.status, 400);
    assert.match(r.headers['content-type'], /^text\/plain/);
  });

  test('search by service, time window in/out, default window finds nothing old', async () => {
    assert.deepEqual(ids(await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&${oct2019}`)), ['a03ee8fff1dcd9b9']);
    assert.deepEqual(await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&${window('2019-10-25T00:00:00Z', '2019-10-26T00:00:00Z')}`), []);
    assert.deepEqual(await getJSON('/zipkin/api/v2/traces?serviceName=yelp-main'), []);
    const all = await getJSON(`/zipkin/api/v2/traces?${window('2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z')}&limit=100`);
    assert.deepEqual(ids(all), ['8ce82b2e9ed820ba', '19f84f102048e047', '0562809467078eab', '0d1a94ebc9256244', 'ef86c83c0a05a6d6', '5aab74dbb904746bb33447baae403ed6']);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?${window('2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z')}`)).length, 6);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?${window('2018-01-01T00:00:00Z', '2019-01-01T00:00:00Z')}&limit=2`)).length, 2);
  });

  test('spanName, remoteServiceName, durations (µs) and annotationQuery', async () => {
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&spanName=commit&${oct2019}`)).length, 1);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&spanName=nope&${oct2019}`)).length, 0);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&remoteServiceName=mysql&${oct2019}`)).length, 1);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&minDuration=50000&${oct2019}`)).length, 1);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&minDuration=60000&${oct2019}`)).length, 0);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=yelp-main&minDuration=100&maxDuration=300&${oct2019}`)).length, 1);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?annotationQuery=${enc('py_zipkin.logging_end')}&${oct2019}`)).length, 1);
    const nov2018 = window('2018-11-27T00:00:00Z', '2018-11-28T00:00:00Z');
    assert.deepEqual(ids(await getJSON(`/zipkin/api/v2/traces?serviceName=auth&annotationQuery=error&${nov2018}`)), ['8ce82b2e9ed820ba']);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=auth&annotationQuery=${enc('error=401')}&${nov2018}`)).length, 1);
    assert.equal((await getJSON(`/zipkin/api/v2/traces?serviceName=auth&annotationQuery=${enc('error=500')}&${nov2018}`)).length, 0);
    const bad = await get('/zipkin/api/v2/traces?maxDuration=10');
    assert.equal(bad.status, 400);
    assert.equal(bad.text, 'maxDuration is only valid with minDuration');
  });

  test('trace by id: array of spans, lowercase-hex rules, 404 text', async () => {
    const spans = await getJSON('/zipkin/api/v2/trace/a03ee8fff1dcd9b9');
    assert.equal(spans.length, 16);
    assert.ok(spans.every((s) => s.traceId === 'a03ee8fff1dcd9b9'));
    assert.deepEqual(Object.keys(spans[0]).slice(0, 3), ['traceId', 'parentId', 'id']);
    const wide = await getJSON('/zipkin/api/v2/trace/0000000000000000a03ee8fff1dcd9b9');
    assert.equal(wide.length, 16);
    const padded = await getJSON('/zipkin/api/v2/trace/2'); // stored from an unpadded id
    assert.equal(padded[0].traceId, '0000000000000002');
    const nf = await get('/zipkin/api/v2/trace/00000000000000aa');
    assert.equal(nf.status, 404);
    assert.equal(nf.text, '00000000000000aa not found');
    const upper = await get('/zipkin/api/v2/trace/A03EE8FFF1DCD9B9');
    assert.equal(upper.status, 400);
    assert.equal(upper.text, 'A03EE8FFF1DCD9B9 should be lower-hex encoded with no prefix');
  });

  test('traceMany and dependencies', async () => {
    const many = await getJSON('/zipkin/api/v2/traceMany?traceIds=a03ee8fff1dcd9b9,ef86c83c0a05a6d6,00000000000000aa');
    assert.deepEqual(ids(many).sort(), ['a03ee8fff1dcd9b9', 'ef86c83c0a05a6d6']);
    assert.equal((await get('/zipkin/api/v2/traceMany?traceIds=a03ee8fff1dcd9b9')).text, 'Use /api/v2/trace/{traceId} endpoint to retrieve a single trace');
    const deps = await getJSON(`/zipkin/api/v2/dependencies?${oct2019}`);
    assert.deepEqual(deps.find((d) => d.parent === 'yelp-main' && d.child === 'mobile_api'), { parent: 'yelp-main', child: 'mobile_api', callCount: 1 });
    const errs = await getJSON(`/zipkin/api/v2/dependencies?${window('2018-11-27T00:00:00Z', '2018-11-28T00:00:00Z')}`);
    assert.deepEqual(errs.find((d) => d.parent === 'stlogin' && d.child === 'auth'), { parent: 'stlogin', child: 'auth', callCount: 2, errorCount: 1 });
    assert.equal((await get('/zipkin/api/v2/dependencies')).status, 400);
  });
});

// ----------------------------------------------------------------------------------------------
describe('CORS, methods, files, slow streaming', () => {
  const preflight = (p) => request('OPTIONS', p, { Origin: 'http://strata.test', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'accept' });

  for (const [mount, probe] of [['jaeger', '/api/services'], ['tempo', '/api/echo'], ['zipkin', '/api/v2/services']]) {
    test(`/${mount} has CORS (incl. preflight), /nocors/${mount} has none`, async () => {
      const on = await get(`/${mount}${probe}`, { Origin: 'http://strata.test' });
      assert.equal(on.status, 200);
      assert.equal(on.headers['access-control-allow-origin'], '*');
      assert.match(on.headers['access-control-expose-headers'], /Content-Length/);
      const pf = await preflight(`/${mount}${probe}`);
      assert.equal(pf.status, 204);
      assert.equal(pf.headers['access-control-allow-origin'], '*');
      assert.match(pf.headers['access-control-allow-methods'], /GET/);
      assert.match(pf.headers['access-control-allow-headers'], /accept/);
      const off = await get(`/nocors/${mount}${probe}`, { Origin: 'http://strata.test' });
      assert.equal(off.status, 200);
      assert.equal(off.text, on.text);
      assert.equal(off.headers['access-control-allow-origin'], undefined);
      const pfOff = await preflight(`/nocors/${mount}${probe}`);
      assert.notEqual(pfOff.status, 204);
      assert.equal(pfOff.headers['access-control-allow-origin'], undefined);
      assert.equal(pfOff.headers['access-control-allow-methods'], undefined);
    });
  }

  test('CORS headers also on error responses', async () => {
    const r = await get('/jaeger/api/traces');
    assert.equal(r.status, 400);
    assert.equal(r.headers['access-control-allow-origin'], '*');
  });

  test('methods other than GET/HEAD/OPTIONS -> 405; HEAD works', async () => {
    for (const [m, p] of [['POST', '/jaeger/api/services'], ['DELETE', '/tempo/api/search'], ['PUT', '/zipkin/api/v2/services'], ['POST', '/nocors/jaeger/api/v3/services'], ['PATCH', '/files/SOURCES.tsv']]) {
      const r = await request(m, p);
      assert.equal(r.status, 405, `${m} ${p}`);
    }
    const h = await request('HEAD', '/zipkin/api/v2/services');
    assert.equal(h.status, 200);
    assert.equal(h.text, '');
    assert.ok(Number(h.headers['content-length']) > 0);
  });

  test('unknown routes -> 404 per backend', async () => {
    const j = await get('/jaeger/api/nope');
    assert.equal(j.status, 404);
    assert.equal(j.text, '404 page not found\n');
    assert.equal((await get('/tempo/api/nope')).status, 404);
    assert.equal((await get('/zipkin/api/v2/nope')).status, 404);
    assert.equal((await get('/nowhere')).status, 404);
  });

  test('/files serves the traces dir with CORS; /nocors/files without; unknown 404', async () => {
    const disk = fs.readFileSync(path.join(TRACES, 'zipkin/zipkin-lens__yelp.json'));
    const r = await get('/files/zipkin/zipkin-lens__yelp.json');
    assert.equal(r.status, 200);
    assert.ok(r.buf.equals(disk));
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(Number(r.headers['content-length']), disk.length);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const n = await get('/nocors/files/zipkin/zipkin-lens__yelp.json');
    assert.ok(n.buf.equals(disk));
    assert.equal(n.headers['access-control-allow-origin'], undefined);
    assert.equal((await get('/files/zipkin/none.json')).status, 404);
    assert.equal((await get('/files/zipkin')).status, 404);
    assert.equal((await get('/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd')).status, 404);
  });

  test('/slow delays the headers and streams the body in several chunks', async () => {
    const rel = 'zipkin/zipkin-lens__smartthings-oauth-authorization.json';
    const disk = fs.readFileSync(path.join(TRACES, rel));
    const r = await get(`/slow/250/files/${rel}?pause=30`);
    assert.equal(r.status, 200);
    assert.ok(r.tHeaders >= 240, `headers after ${r.tHeaders} ms`);
    assert.ok(r.buf.equals(disk));
    assert.equal(Number(r.headers['content-length']), disk.length);
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.ok(r.chunks.length >= Math.floor(disk.length / 16384), `${r.chunks.length} chunks`);
    assert.ok(r.chunks.at(-1).at - r.chunks[0].at >= 30 * 4, 'chunks spread over time');
    const nolen = await get(`/slow/0/files/${rel}?length=0&pause=1`);
    assert.equal(nolen.headers['content-length'], undefined);
    assert.equal(nolen.headers['transfer-encoding'], 'chunked');
    assert.ok(nolen.buf.equals(disk));
    const api = await get('/slow/50/zipkin/api/v2/services');
    assert.equal(api.status, 200);
    assert.ok(api.tHeaders >= 45);
    assert.equal((await get('/slow/x/files/SOURCES.tsv')).status, 400);
  });

  test('a client can abort a slow response (server keeps serving)', async () => {
    await new Promise((resolve) => {
      const req = http.get(new URL('/slow/5000/files/SOURCES.tsv', srv.url));
      req.on('error', () => resolve());
      setTimeout(() => { req.destroy(); resolve(); }, 50);
    });
    assert.equal((await get('/tempo/api/echo')).text, 'echo');
  });

  test('index page and catalog', async () => {
    const idx = await get('/');
    assert.match(idx.headers['content-type'], /text\/html/);
    assert.match(idx.text, /\/jaeger/);
    const cat = await getJSON('/_fixture/catalog');
    assert.equal(cat.jaegerLegacy.length, 9);
    assert.equal(cat.jaegerV3.length, 35);
    assert.equal(cat.tempo.length, 33);
    assert.equal(cat.zipkin.length, 12);
  });
});

// ----------------------------------------------------------------------------------------------
describe('helpers and process behaviour', () => {
  test('Go duration parser', () => {
    assert.equal(goParseDuration('1.5s'), 1.5e9);
    assert.equal(goParseDuration('250ms'), 250e6);
    assert.equal(goParseDuration('500us'), 500e3);
    assert.equal(goParseDuration('1h30m'), 5400e9);
    assert.throws(() => goParseDuration('1'), /missing unit in duration "1"/);
    assert.throws(() => goParseDuration('1x'), /unknown unit "x" in duration "1x"/);
  });

  test('TraceQL subset parser', () => {
    assert.equal(parseTraceQL('{}').expr, null);
    assert.equal(parseTraceQL('{ resource.service.name = "a" && span.http.status_code >= 500 || name =~ "GET.*" }').refs.length, 3);
    assert.throws(() => parseTraceQL('{ foo }'), /col 3: syntax error: unexpected IDENTIFIER/);
    assert.throws(() => parseTraceQL('{ status = 500 }'), /types differ/);
  });

  test('id helpers', () => {
    assert.equal(idHex('aYQql5kRA2zz6CIIbsqgBw==', 16), '69842a979911036cf3e822086ecaa007');
    assert.equal(idHex('EEE19B7EC3C1B174', 8), 'eee19b7ec3c1b174');
    assert.equal(idHex('INVALID==', 8), null);
    assert.equal(zNormalizeTraceId('0000000000000000a03ee8fff1dcd9b9'), 'a03ee8fff1dcd9b9');
    assert.equal(zNormalizeTraceId('abc'), '0000000000000abc');
    assert.equal(typeof parseJSON('{"t":1646228314336100000}').t, 'bigint');
  });

  test('--shift-to-now moves the newest trace to end 5 minutes ago (payload and search agree)', async () => {
    const now = Date.now();
    const s2 = await start({ port: 0, traces: TRACES, shiftToNow: true, now: () => now });
    try {
      const genai = (await getJSON(`${s2.url}/jaeger/api/traces/4a1b2c3d4e5f60718293a4b5c6d7e8f9`)).data[0];
      const end = Math.max(...genai.spans.map((s) => s.startTime + s.duration));
      assert.ok(Math.abs(end - (now - 5 * 60 * 1000) * 1000) < 2, `end ${end}`);
      const found = await getJSON(`${s2.url}/jaeger/api/traces?service=api-edge`); // default window: last 48h
      assert.deepEqual(found.data.map((t) => t.traceID), ['4a1b2c3d4e5f60718293a4b5c6d7e8f9']);
      // one common offset: older traces keep their distance to the newest one
      const cart = s2.catalog.tempo.find((t) => t.traceId === '082ec45e5305f35aae40a235a49990ab');
      assert.equal(cart.startUs, 1760738069624180 + s2.catalog.shiftedByUs);
      const sec = Math.floor(cart.startUs / 1e6);
      const tempo = await getJSON(`${s2.url}/tempo/api/search?q=${enc('{ resource.service.name = "cart" }')}&start=${sec - 3600}&end=${sec + 3600}`);
      assert.deepEqual(tempo.traces.map((t) => t.traceID), ['43c0da4303a115879ac557df26bd499b', '82ec45e5305f35aae40a235a49990ab']);
      assert.equal(tempo.traces[1].startTimeUnixNano, String(BigInt(cart.startUs) * 1000n));
      const v3 = await getJSON(`${s2.url}/tempo/api/v2/traces/082ec45e5305f35aae40a235a49990ab`);
      assert.equal(v3.trace.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano, String(BigInt(cart.startUs) * 1000n));
    } finally {
      await s2.close();
    }
  });

  test('CLI prints one JSON line with the url and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(HERE, 'server.mjs'), '--port', '0', '--traces', TRACES], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => reject(new Error('timeout')), 10000);
        child.stdout.on('data', (d) => { buf += d; const i = buf.indexOf('\n'); if (i >= 0) { clearTimeout(timer); resolve(buf.slice(0, i)); } });
        child.on('exit', (c) => { clearTimeout(timer); reject(new Error(`exited ${c}`)); });
      });
      const parsed = JSON.parse(line);
      assert.deepEqual(Object.keys(parsed), ['url']);
      assert.match(parsed.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await request('GET', '/zipkin/api/v2/services', {}, parsed.url);
      assert.equal(r.status, 200);
      const code = await new Promise((resolve) => { child.on('exit', (c) => resolve(c)); child.kill('SIGTERM'); });
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
