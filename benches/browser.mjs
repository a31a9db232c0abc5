// Browser benchmark of the release build in headless Chromium:
//   node benches/browser.mjs dist-bench [sizes...]
// For each generated Jaeger JSON file (target/bench/jaeger-<N>.json, written by
// `cargo run --release --example gen`), a fresh page drops it like a user and
// reads the app's marks: strata:file-dropped -> strata:trace-rendered (first
// painted waterfall frame). Then it scrolls the waterfall for 2 s and records
// every frame (requestAnimationFrame deltas) and long tasks. Medians of RUNS
// runs are printed as one table.

import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { launch, repo, serve } from '../tests/e2e/harness.mjs';

const dist = process.argv[2] || 'dist-bench';
const sizes = (process.argv.slice(3).length ? process.argv.slice(3) : ['10000', '100000']).map(Number);
const RUNS = Number(process.env.RUNS || 3);
const data = resolve(repo, 'target/bench');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run(browser, url, file) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('.wf-row');
  // Fetch first (not measured): the benchmark measures the app, not the disk.
  await page.evaluate(async (file) => {
    const blob = await (await fetch(`/data/${file}`)).blob();
    window.__file = new File([blob], file, { type: 'application/json' });
    performance.clearMarks();
  }, file);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(window.__file);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  });
  await page.waitForFunction(() => performance.getEntriesByName('strata:trace-rendered').length > 0, null, { timeout: 120000 });
  const load = await page.evaluate(() => {
    const d = performance.getEntriesByName('strata:file-dropped')[0].startTime;
    const r = performance.getEntriesByName('strata:trace-rendered')[0].startTime;
    return r - d;
  });
  await page.waitForTimeout(300);
  // Scroll 240 px per frame for 2 s, recording frame deltas and long tasks.
  const scroll = await page.evaluate(() => new Promise((done) => {
    const el = document.querySelector('.wf-scroll');
    const longTasks = [];
    const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask', buffered: false });
    const deltas = [];
    let last = performance.now();
    const t0 = last;
    const step = (now) => {
      deltas.push(now - last);
      last = now;
      el.scrollTop += 240;
      if (now - t0 < 2000) requestAnimationFrame(step);
      else {
        obs.disconnect();
        done({ deltas: deltas.slice(1), longTasks, rowsInDom: document.querySelectorAll('.wf-row').length });
      }
    };
    requestAnimationFrame(step);
  }));
  const spans = Number(await page.locator('.n-spans').textContent());
  const flame = await flameBench(page);
  await context.close();
  if (errors.length) throw new Error(errors.join('\n'));
  const d = [...scroll.deltas].sort((a, b) => a - b);
  return {
    flamePaint: flame.paint,
    flameDrawMedian: flame.drawMedian,
    flameDrawMax: flame.drawMax,
    flameFrameP95: flame.frameP95,
    load,
    spans,
    frames: d.length,
    p95: d[Math.floor(d.length * 0.95)],
    max: d[d.length - 1],
    over50: d.filter((x) => x > 50).length,
    longTasks: scroll.longTasks.length,
    rowsInDom: scroll.rowsInDom,
  };
}

/** Switch to the flame graph: time to its first painted frame; then 40
 *  wheel-zoom steps, one per frame: the canvas redraw time of each step (the
 *  app records it) and the frame deltas. */
async function flameBench(page) {
  const paint = await page.evaluate(() => new Promise((done) => {
    performance.clearMarks('strata:flame-painted');
    const t0 = performance.now();
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', bubbles: true }));
    const poll = () => {
      const m = performance.getEntriesByName('strata:flame-painted')[0];
      if (m) done(m.startTime - t0);
      else setTimeout(poll, 2);
    };
    poll();
  }));
  const zoom = await page.evaluate(() => new Promise((done) => {
    const el = document.querySelector('.flame-canvas');
    const r = el.getBoundingClientRect();
    const draws = [];
    const deltas = [];
    let last = performance.now();
    let n = 0;
    const step = (now) => {
      deltas.push(now - last);
      last = now;
      draws.push(Number(el.dataset.drawMs));
      // zoom in for 20 steps around a point a third of the way in, then out
      const dy = n < 20 ? -120 : 120;
      el.dispatchEvent(new WheelEvent('wheel', { deltaY: dy, clientX: r.left + r.width / 3, clientY: r.top + 100, bubbles: true, cancelable: true }));
      if (++n < 40) requestAnimationFrame(step);
      else done({ draws: draws.slice(1), deltas: deltas.slice(1) });
    };
    requestAnimationFrame(step);
  }));
  const s = [...zoom.draws].sort((a, b) => a - b);
  const f = [...zoom.deltas].sort((a, b) => a - b);
  return { paint, drawMedian: s[s.length >> 1], drawMax: s[s.length - 1], frameP95: f[Math.floor(f.length * 0.95)] };
}

/** A Jaeger trace with `services` services calling each other (a tree of
 *  calls plus cross links), for the service-map benchmark. */
function serviceTrace(services) {
  const traceID = 'feedfacecafebeef';
  const spans = [];
  const processes = {};
  for (let s = 0; s < services; s++) processes[`p${s}`] = { serviceName: `service-${String(s).padStart(3, '0')}`, tags: [] };
  const t0 = 1_700_000_000_000_000;
  let id = 1;
  const span = (svc, parent, start) => {
    const sid = (id++).toString(16).padStart(16, '0');
    spans.push({ traceID, spanID: sid, operationName: `op-${svc % 7}`, references: parent ? [{ refType: 'CHILD_OF', traceID, spanID: parent }] : [],
      startTime: t0 + start, duration: 1000, tags: [], logs: [], processID: `p${svc}` });
    return sid;
  };
  const ids = [span(0, null, 0)];
  for (let s = 1; s < services; s++) {
    // each service is called by a lower one (a tree), and by one more (cross edges)
    const a = Math.floor((s - 1) / 3);
    const b = (s * 7919) % s;
    ids[s] = span(s, ids[a], s);
    if (b !== a) span(s, ids[b], s + 1);
  }
  return JSON.stringify({ data: [{ traceID, spans, processes }] });
}

async function mapBench(browser, url, services) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('.wf-row');
  const json = serviceTrace(services);
  await page.evaluate((json) => {
    const dt = new DataTransfer();
    dt.items.add(new File([json], 'services.json', { type: 'application/json' }));
    document.body.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, json);
  await page.waitForFunction(() => performance.getEntriesByName('strata:trace-rendered').length > 1 || document.querySelector('.tv-file')?.textContent === 'services.json');
  const ms = await page.evaluate(() => new Promise((done) => {
    performance.clearMarks('strata:map-settled');
    const t0 = performance.now();
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'm', bubbles: true }));
    const poll = () => {
      const m = performance.getEntriesByName('strata:map-settled')[0];
      if (m) done(m.startTime - t0);
      else setTimeout(poll, 5);
    };
    poll();
  }));
  const nodes = Number(await page.getAttribute('.map-canvas', 'data-nodes'));
  await context.close();
  return { ms, nodes };
}

const server = await serve(dist, { '/data/': data });
const browser = await launch();
const rows = [];
for (const n of sizes) {
  const file = `jaeger-${n}.json`;
  const size = (await stat(resolve(data, file))).size;
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await run(browser, server.url, file));
  const m = (k) => median(results.map((r) => r[k]));
  rows.push({
    spans: results[0].spans,
    'file MB': (size / 1e6).toFixed(1),
    'drop→painted ms': m('load').toFixed(0),
    'scroll frame p95 ms': m('p95').toFixed(1),
    'scroll frame max ms': m('max').toFixed(1),
    'frames >50ms': m('over50'),
    'long tasks': m('longTasks'),
    'rows in DOM': m('rowsInDom'),
    'flame first paint ms': m('flamePaint').toFixed(0),
    'flame zoom redraw median/max ms': `${m('flameDrawMedian').toFixed(2)} / ${m('flameDrawMax').toFixed(2)}`,
    'flame zoom frame p95 ms': m('flameFrameP95').toFixed(1),
    runs: RUNS,
  });
}
const maps = [];
for (const n of [50, 500]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await mapBench(browser, server.url, n));
  maps.push({ services: runs[0].nodes, 'map settle ms (switch to map -> settled)': median(runs.map((r) => r.ms)).toFixed(0), runs: RUNS });
}
await browser.close();
server.close();
const cols = Object.keys(rows[0]);
console.log(`\nStrata browser benchmark (headless Chromium, medians of ${RUNS} runs)\n`);
console.log(`| ${cols.join(' | ')} |`);
console.log(`|${cols.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
const mcols = Object.keys(maps[0]);
console.log(`\n| ${mcols.join(' | ')} |`);
console.log(`|${mcols.map(() => '---').join('|')}|`);
for (const r of maps) console.log(`| ${mcols.map((c) => r[c]).join(' | ')} |`);
