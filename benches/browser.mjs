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
  await context.close();
  if (errors.length) throw new Error(errors.join('\n'));
  const d = [...scroll.deltas].sort((a, b) => a - b);
  return {
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
    runs: RUNS,
  });
}
await browser.close();
server.close();
const cols = Object.keys(rows[0]);
console.log(`\nStrata browser benchmark (headless Chromium, medians of ${RUNS} runs)\n`);
console.log(`| ${cols.join(' | ')} |`);
console.log(`|${cols.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${cols.map((c) => r[c]).join(' | ')} |`);
