// Hostile input, end to end (issue 21): servers that never stop sending or
// lie about their size, links that would fetch from anywhere, spans with
// 100,000 attributes or events, a map left while it moves, bidi overrides
// and endless strings, the Content-Security-Policy, and what a panic shows.

import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { assert, assertEq, dropFiles, screenshot, text } from './harness.mjs';

/** A server that misbehaves on purpose (started once, on a free port). */
let hostile;
function hostileServer() {
  if (hostile) return hostile;
  const hits = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    hits.push(path);
    const cors = { 'access-control-allow-origin': '*' };
    if (path === '/endless') {
      // Never ends: 4 MB chunks as fast as the client takes them.
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      const chunk = Buffer.alloc(4 << 20, 0x20);
      chunk[0] = 0x5b; // '['
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
    } else if (path === '/lying') {
      // Claims 2,000,000,000 bytes, sends 18, hangs up.
      res.writeHead(200, { ...cors, 'content-type': 'application/json', 'content-length': '2000000000' });
      res.write('{"resourceSpans":[');
      setTimeout(() => res.socket.destroy(), 50);
    } else if (path === '/redirect') {
      res.writeHead(302, { ...cors, location: 'ftp://127.0.0.1/trace.json' }).end();
    } else if (path.startsWith('/trace')) {
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      res.end(JSON.stringify(otlp([span({ name: `from ${path}` })])));
    } else {
      res.writeHead(404, cors).end('no');
    }
  });
  const ready = new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${server.address().port}`)));
  server.unref();
  hostile = { ready, hits };
  return hostile;
}

const hex = (n, len) => n.toString(16).padStart(len, '0');

/** One OTLP span (ids from `id`), its parent, attributes and events. */
function span({ id = 1, parent = 0, name = 'op', service = 'svc', attrs = [], events = [], start = 0, dur = 1e6 }) {
  return {
    service,
    span: {
      traceId: hex(0xabc, 32),
      spanId: hex(id, 16),
      parentSpanId: parent ? hex(parent, 16) : '',
      name,
      kind: 2,
      startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(start)),
      endTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(start + dur)),
      attributes: attrs,
      events,
    },
  };
}

/** OTLP/JSON with one resource per service. */
function otlp(spans) {
  const by = new Map();
  for (const s of spans) {
    if (!by.has(s.service)) by.set(s.service, []);
    by.get(s.service).push(s.span);
  }
  return {
    resourceSpans: [...by].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ spans: list }],
    })),
  };
}

const file = (name, doc) => ({ name, text: JSON.stringify(doc) });

async function fetchError(page) {
  await page.click('.side-tabs button:has-text("Search")');
  await page.waitForSelector('.fetch-error', { timeout: 60000 });
  return text(page, '.fetch-error');
}

/** A page on `url` in its own context (no remembered hosts), problems tracked. */
async function freshPage(ctx, url, context) {
  context = context || (await ctx.browser.newContext({ viewport: { width: 1500, height: 900 } }));
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return page;
}

export const tests = {
  async 'a body past the 2 GB limit stops with a clear message, keeps nothing, keeps the loaded traces'(page) {
    const base = await hostileServer().ready;
    const before = await page.evaluate(() => window.__strataMemory().wasm);
    await page.click('.side-tabs button:has-text("Search")');
    await page.fill('#open-url', `${base}/endless`);
    const t0 = Date.now();
    await page.click('.search-panel form:has(#open-url) button');
    await page.waitForSelector('.fetch-error', { timeout: 120000 });
    const msg = await text(page, '.fetch-error');
    assert(msg.includes('larger than 2.1 GB') && msg.includes('kept nothing'), msg);
    const after = await page.evaluate(() => window.__strataMemory().wasm);
    console.log(`     endless body stopped after ${Date.now() - t0} ms; wasm memory ${before} -> ${after} bytes`);
    assert(after - before < 64 << 20, `the page's wasm memory grew by ${after - before} bytes`);
    await page.waitForSelector('.fetch-status', { state: 'detached' });
    await page.click('.side-tabs button:has-text("Sources")');
    assert((await page.locator('.source.loaded .src-name').allTextContents()).some((n) => n.includes('demo: online shop')), 'the demo is still loaded');
  },

  async 'a Content-Length that lies reserves nothing and the broken answer is named'(page) {
    const base = await hostileServer().ready;
    const before = await page.evaluate(() => window.__strataMemory().wasm);
    await page.click('.side-tabs button:has-text("Search")');
    await page.fill('#open-url', `${base}/lying`);
    await page.click('.search-panel form:has(#open-url) button');
    await page.waitForSelector('.fetch-error', { timeout: 30000 });
    const msg = await text(page, '.fetch-error');
    assert(msg.includes('broke off'), msg);
    const after = await page.evaluate(() => window.__strataMemory().wasm);
    assert(after - before < 16 << 20, `the page's wasm memory grew by ${after - before} bytes`);
    page.problems = page.problems.filter((p) => !p.includes('ERR_CONTENT_LENGTH_MISMATCH'));
  },

  async 'a redirect to a non-http address is named as such'(page) {
    const base = await hostileServer().ready;
    await page.click('.side-tabs button:has-text("Search")');
    await page.fill('#open-url', `${base}/redirect`);
    await page.click('.search-panel form:has(#open-url) button');
    await page.waitForSelector('.fetch-error', { timeout: 30000 });
    const msg = await text(page, '.fetch-error');
    assert(msg.includes('redirect') && !msg.includes('server is running'), msg);
    page.problems = page.problems.filter((p) => !/redirect|ftp:|Fetch API cannot load/i.test(p));
  },

  async 'a link fetches from a new server only after the user says yes, and a changed link asks again'(page, ctx) {
    const server = hostileServer();
    const base = await server.ready;
    const url = `${base}/trace-a.json`;
    const link = `${ctx.url}#url=${encodeURIComponent(url)}`;
    const first = await freshPage(ctx, link);
    await first.waitForSelector('.modal[aria-label="Fetch a trace from another server?"]');
    assertEq(await text(first, '.confirm-url'), url, 'the full URL is shown');
    await screenshot(first, 'hostile-confirm-fetch');
    assert(!server.hits.includes('/trace-a.json'), 'nothing fetched before the answer');
    await first.click('.modal button:has-text("Don\'t fetch")');
    await first.waitForSelector('.notice');
    assert((await text(first, '.notice')).includes('Not fetched'), await text(first, '.notice'));
    assert(!server.hits.includes('/trace-a.json'), 'nothing fetched after no');

    await first.goto('about:blank');
    await first.goto(link);
    await first.click(`.modal button:has-text("Fetch from ${base}")`);
    await first.waitForSelector('.n-spans');
    assert(server.hits.includes('/trace-a.json'), 'fetched after yes');

    // Remembered in this browser: the same server's link opens directly...
    const second = await freshPage(ctx, `${ctx.url}#url=${encodeURIComponent(`${base}/trace-b.json`)}`, first.context());
    await second.waitForSelector('.n-spans');
    assertEq(await second.locator('.modal').count(), 0, 'no question for a remembered server');
    // ...but a link changed in the address bar never fetches silently.
    await second.evaluate((u) => { location.hash = `url=${encodeURIComponent(u)}`; }, `${base}/trace-c.json`);
    await second.waitForSelector('.modal .confirm-url');
    assert(!server.hits.includes('/trace-c.json'), 'a hash change does not fetch by itself');
    // A backend link with a script URL is refused, not rewritten into http.
    const evil = await freshPage(ctx, `${ctx.url}#src=jaeger:javascript:alert(1)&trace=abc`, first.context());
    await evil.waitForSelector('.notice');
    assert((await text(evil, '.notice')).includes('not a backend'), await text(evil, '.notice'));
    assertEq(await evil.locator('.modal').count(), 0, 'nothing to confirm');
    for (const p of [first, second, evil]) assertEq(p.problems, [], 'no page errors');
    await first.context().close();
  },

  async 'leaving a 1,200-service map while it moves does not panic'(page) {
    const spans = [span({ id: 1, service: 'svc-0', dur: 2e9 })];
    for (let i = 1; i < 1200; i++) spans.push(span({ id: i + 1, parent: 1, service: `svc-${i}`, start: i * 1000 }));
    await dropFiles(page, [file('services-1200.json', otlp(spans))]);
    await page.waitForFunction(() => document.querySelector('.n-spans')?.textContent === '1200');
    for (let round = 0; round < 3; round++) {
      await page.keyboard.press('m');
      await page.waitForTimeout(80 + round * 60);
      await page.keyboard.press('w');
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(500);
    assertEq(page.problems, [], 'no panic');
  },

  async 'a span with 100,000 attributes or events opens at once, a page at a time'(page) {
    const attrs = Array.from({ length: 100000 }, (_, i) => ({ key: `k${i}`, value: { intValue: String(i) } }));
    const events = Array.from({ length: 100000 }, (_, i) => ({ timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)), name: `e${i}` }));
    const doc = otlp([
      span({ id: 1, name: 'root', dur: 5e6 }),
      span({ id: 2, parent: 1, name: 'many-attributes', attrs }),
      span({ id: 3, parent: 1, name: 'many-events', events, start: 1e6 }),
    ]);
    await dropFiles(page, [file('huge-spans.json', doc)]);
    await page.waitForFunction(() => document.querySelector('.n-spans')?.textContent === '3');
    // Click to the next painted frame, measured in the page.
    const open = (name) => page.evaluate(async (name) => {
      const row = [...document.querySelectorAll('.wf-row')].find((r) => r.textContent.includes(name));
      const t0 = performance.now();
      row.click();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      return performance.now() - t0;
    }, name);
    const baseline = [];
    for (const [name, selector] of [['many-attributes', '.attributes .attrs tr'], ['many-events', '.events > li']]) {
      baseline.push(await open('root'));
      const ms = await open(name);
      await page.waitForSelector(selector);
      const rows = await page.locator(selector).count();
      console.log(`     ${name}: details painted ${ms.toFixed(0)} ms after the click (a 3-attribute span: ${baseline.at(-1).toFixed(0)} ms), ${rows} rows, ${await page.evaluate(() => document.querySelectorAll('*').length)} DOM nodes`);
      assert(rows <= 200, `${rows} rows`);
      assert(ms < 250, `${ms} ms to open`);
    }
    const more = page.locator('section:has(> .events) > .show-more');
    assert((await more.textContent()).includes('100 of 100,000 shown'), await more.textContent());
    await more.click();
    await page.waitForFunction(() => document.querySelectorAll('.events > li').length === 200);
    await page.locator('.wf-row:has-text("many-attributes")').first().click();
    await page.fill('.attributes .filter', 'k9999');
    await page.waitForFunction(() => document.querySelectorAll('.attributes .attrs tr').length === 11);
    const t0 = Date.now();
    await page.locator('.wf-row:has-text("root")').first().click();
    await page.keyboard.press('End');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('.detail .op')?.textContent === 'root');
    console.log(`     End + Home: ${Date.now() - t0} ms`);
    await screenshot(page, 'hostile-100k-attributes');
  },

  async 'bidi overrides and controls show as marks; an endless word does not widen the page'(page) {
    const long = 'x'.repeat(20000);
    const doc = otlp([span({ name: '\u202Eevil', attrs: [{ key: 'long', value: { stringValue: long } }, { key: 'esc', value: { stringValue: 'a\u001b[31mb' } }, { key: 'http.url', value: { stringValue: 'https://shop.example/api?x=1' } }, { key: 'next', value: { stringValue: 'javascript:alert(1)' } }] })]);
    await dropFiles(page, [file('bidi.json', doc)]);
    await page.waitForFunction(() => document.querySelector('.n-spans')?.textContent === '1');
    await page.locator('.wf-row').first().click();
    await page.waitForSelector('.detail .op');
    assertEq(await text(page, '.detail .op'), '[U+202E]evil', 'the override shows instead of reversing');
    const esc = await page.locator('.attrs tr:has(th:text("esc")) td').first().textContent();
    assertEq(esc, 'a␛[31mb', 'the escape character shows');
    const links = await page.evaluate(() => [...document.querySelectorAll('.attrs a')].map((a) => `${a.getAttribute('href')} ${a.rel} ${a.target}`));
    assertEq(links, ['https://shop.example/api?x=1 noopener noreferrer _blank'], 'only the http(s) URL is a link');
    const wide = await page.evaluate(() => {
      const out = [];
      if (document.documentElement.scrollWidth > innerWidth) out.push(`page ${document.documentElement.scrollWidth}`);
      for (const el of document.querySelectorAll('.app, .body, .content, .trace-view, .detail, .detail-scroll')) {
        if (el.scrollLeft > 0 || el.getBoundingClientRect().right > innerWidth + 1) out.push(`${el.className} right ${el.getBoundingClientRect().right}`);
      }
      return out;
    });
    assertEq(wide, [], 'nothing wider than the window');
    await screenshot(page, 'hostile-bidi');
  },

  async 'the app runs under its Content-Security-Policy; injected script does not run'(page) {
    const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content || '');
    for (const part of ["script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'"]) assert(csp.includes(part), `${part} in ${csp}`);
    assert(!csp.includes("'unsafe-eval'") && !/script-src[^;]*unsafe-inline/.test(csp), csp);
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 50));
      return window.__injected === 1;
    });
    assert(!ran, 'an inline script ran');
    // The violation is logged as a console error, as it should be.
    page.problems = page.problems.filter((p) => !p.includes('Content Security Policy'));
    assertEq(await page.locator('script:not([src])').count(), 1, 'only the injected inline script is in the page');
  },

  async 'gzip and UTF-16 files are decoded, then read like any other'(page) {
    const doc = JSON.stringify(otlp([span({ id: 1, name: 'zipped root' }), span({ id: 2, parent: 1, name: 'child' })]));
    // Another trace: the same one would join the first file (import::join).
    const other = doc.replaceAll(hex(0xabc, 32), hex(0xabd, 32));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(other, 'utf16le')]);
    await dropFiles(page, [{ name: 'trace.json.gz', text: gzipSync(Buffer.from(doc)) }]);
    await page.waitForFunction(() => document.querySelector('.n-spans')?.textContent === '2');
    await dropFiles(page, [{ name: 'trace-utf16.json', text: utf16 }]);
    await page.waitForFunction(() => document.querySelectorAll('.source.loaded').length === 3);
    const meta = await page.locator('.source.loaded').allTextContents();
    assert(meta.some((m) => m.includes('trace.json.gz') && m.includes('2 spans')), meta.join(' | '));
    assert(meta.some((m) => m.includes('trace-utf16.json') && m.includes('2 spans')), meta.join(' | '));
  },

  async 'a panic in the parser fails that load with its message; the traces stay'(page) {
    await page.evaluate(() => window.__strataPanic('worker'));
    await dropFiles(page, [file('any.json', otlp([span({})]))]);
    await page.waitForSelector('.source.failed .src-error');
    const msg = await text(page, '.source.failed .src-error');
    assert(msg.includes('a bug in Strata') && msg.includes('a panic the tests asked for'), msg);
    await page.click('.side-tabs button:has-text("Sources")');
    assert((await page.locator('.source.loaded .src-name').allTextContents()).some((n) => n.includes('demo: online shop')), 'the demo is still loaded');
    page.problems = page.problems.filter((p) => !p.includes('panicked'));
  },

  async 'a panic on the page shows what happened and a Reload that brings the link back'(page) {
    const hash = await page.evaluate(() => location.hash);
    await page.evaluate(() => setTimeout(() => window.__strataPanic('page'), 0));
    await page.waitForSelector('#strata-crash');
    assert((await text(page, '#strata-crash pre')).includes('a panic the tests asked for'), await text(page, '#strata-crash pre'));
    await screenshot(page, 'hostile-panic');
    page.problems = [];
    await page.click('#strata-crash button:has-text("Reload")');
    await page.waitForSelector('.wf-row');
    assertEq(await page.evaluate(() => location.hash), hash, 'the same link after reload');
    assertEq(await page.locator('#strata-crash').count(), 0, 'the crash screen is gone');
    page.problems = page.problems.filter((p) => !/panic|unreachable/i.test(p));
  },
};
