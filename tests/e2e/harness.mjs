// End-to-end harness: a static server for the built app, Debian's Chromium
// driven by playwright-core (never a downloaded browser), and helpers that act
// like a user: drop files, paste, click, read what is on screen.

import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const traces = process.env.STRATA_TRACES || resolve(repo, '../shared/traces');
export const shots = resolve(repo, 'target/e2e');

const require = createRequire(import.meta.url);
const { chromium } = require(resolve(repo, '.tools/node_modules/playwright-core'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1 (a free port), plus `mounts` ({'/data/': dir});
 *  resolves to its base URL. */
export function serve(dir, mounts = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const mount = Object.keys(mounts).find((m) => path.startsWith(m));
    const root = resolve(mount ? mounts[mount] : dir);
    let file = normalize(join(root, mount ? path.slice(mount.length) : path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = await readFile(file);
      // What index.html's <meta> policy cannot say, as a deployment would send it.
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache', 'content-security-policy': "frame-ancestors 'none'" });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A fresh page on the app; page errors and console errors fail the test. */
export async function openApp(browser, url, { width = 1500, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The browser logs every non-2xx fetch; probing backends makes some on purpose.
    if (m.type() === 'error' && !/favicon|Failed to load resource: the server responded with a status of/.test(m.text())) {
      page.problems.push(`console error: ${m.text()}`);
    }
  });
  await page.goto(url);
  await page.waitForSelector('.wf-row');
  return page;
}

/** Drops files (paths, or {name, text}) on the page the way a browser does. */
export async function dropFiles(page, files) {
  const payload = [];
  for (const f of files) {
    if (typeof f === 'string') {
      const b64 = (await readFile(f)).toString('base64');
      payload.push({ name: basename(f), b64 });
    } else {
      payload.push({ name: f.name, b64: Buffer.from(f.text).toString('base64') });
    }
  }
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: 'application/json' }));
    }
    const target = document.querySelector('.content') || document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, payload);
}

/**
 * Drops files ({name, text}) on one zone of the overlay shown while dragging
 * over loaded traces: 'add' or 'replace'. Returns the zones' texts.
 */
export async function dropOnZone(page, files, zone) {
  return page.evaluate(([files, zone]) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([f.text], f.name, { type: 'application/json' }));
    const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    fire(document.querySelector('.content'), 'dragenter');
    return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
      const boxes = [...document.querySelectorAll('.drop-box')].map((b) => b.textContent);
      const target = document.querySelector(`.drop-box[data-drop=${zone}]`);
      fire(target, 'dragover');
      fire(target, 'drop');
      done(boxes);
    })));
  }, [files, zone]);
}

/**
 * Scrolls the (virtualized) trace list until the row of trace `id` exists
 * and is in view; its selector.
 */
export async function traceRow(page, id) {
  const found = await page.evaluate(async (id) => {
    const scroll = document.querySelector('.tl-scroll');
    for (let top = 0; top <= scroll.scrollHeight; top += 200) {
      scroll.scrollTop = top;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      for (const row of document.querySelectorAll('.tl-row')) {
        if (row.querySelector('.tl-id')?.textContent === id) {
          row.scrollIntoView({ block: 'center' });
          return true;
        }
      }
    }
    return false;
  }, id);
  assert(found, `trace ${id} in the list`);
  return `.tl-row:has(.tl-id:text("${id}"))`;
}

/** Opens trace `id` from the trace list. */
export async function openTraceId(page, id) {
  await page.click('.tab >> text=Traces');
  await page.waitForSelector('.tl-row');
  await page.click(await traceRow(page, id));
  await waitText(page, '.tv-id .trace-id', id);
}

/** Filters the trace list to `query` and opens its only trace. */
export async function openOnly(page, query) {
  await page.click('.top-tab:has-text("Traces"), button:has-text("Traces")');
  await page.fill('.tl-filter .filter', query);
  await page.waitForFunction(() => document.querySelectorAll('.tl-row').length === 1);
  await page.click('.tl-row');
  await page.waitForSelector('.tv-header');
}

/** Pastes text as Ctrl+V outside a text field would. */
export async function paste(page, text) {
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text', text);
    document.body.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt }));
  }, text);
}

export const trace = (rel) => join(traces, rel);

export async function text(page, selector) {
  return (await page.locator(selector).first().textContent())?.trim() ?? '';
}

export async function waitText(page, selector, expected, timeout = 10000) {
  await page.waitForFunction(
    ([sel, exp]) => document.querySelector(sel)?.textContent?.trim() === exp,
    [selector, String(expected)],
    { timeout },
  ).catch(async () => {
    throw new Error(`${selector}: expected ${JSON.stringify(String(expected))}, found ${JSON.stringify(await text(page, selector))}`);
  });
}

export async function screenshot(page, name) {
  await mkdir(shots, { recursive: true });
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

export async function marks(page) {
  return page.evaluate(() => performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime })));
}

export function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

export function assertEq(got, want, msg) {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${msg}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

/** A Jaeger JSON trace of `n` spans (a wide, 6-deep tree), for virtualization tests. */
export function jaegerTrace(n, traceId = 'abcdef0123456789') {
  const spans = [];
  const t0 = 1_700_000_000_000_000;
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? null : Math.floor((i - 1) / 8);
    spans.push({
      traceID: traceId,
      spanID: (i + 1).toString(16).padStart(16, '0'),
      operationName: `op-${i % 37}`,
      references: parent === null ? [] : [{ refType: 'CHILD_OF', traceID: traceId, spanID: (parent + 1).toString(16).padStart(16, '0') }],
      startTime: t0 + i * 10,
      duration: Math.max(1, (n - i) * 10),
      tags: [{ key: 'i', type: 'int64', value: i }],
      logs: [],
      processID: `p${i % 5}`,
    });
  }
  const processes = {};
  for (let p = 0; p < 5; p++) processes[`p${p}`] = { serviceName: `svc-${p}`, tags: [] };
  return JSON.stringify({ data: [{ traceID: traceId, spans, processes }] });
}
