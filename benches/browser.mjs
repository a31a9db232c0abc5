// Browser benchmark of the release build in headless Chromium:
//   node benches/browser.mjs dist-bench [sizes...]
//
// For each generated Jaeger JSON file (target/bench/jaeger-<N>.json, written by
// `cargo run --release --example gen`), a fresh page per run drops it like a
// user and measures:
//   - load: strata:file-dropped -> strata:trace-rendered (first painted
//     waterfall frame), the strata:read / strata:parse / strata:merge
//     performance.measure entries when the app records them (parsing in a
//     worker), and the longest gap between animation frames while loading
//     (how long the page stops responding);
//   - memory after load: wasm memory + JS heap (window.__strataMemory(), after
//     two forced GCs), their sum over the file size, and the resident size of
//     the page's renderer process (with the parsing worker in it);
//   - frames while scripted input runs, one input per frame: waterfall scroll,
//     zoom (drags on the minimap) and pan (clicks on the minimap), flame graph
//     zoom (wheel) and pan (horizontal wheel); for each, the p95 and max of the
//     requestAnimationFrame deltas (vsync-capped: 16.7 is a frame on time) and
//     the share of late frames; long tasks over all of them;
//   - collapse all, expand all, opening a span's details: click -> next
//     painted frame;
//   - flame graph first paint, canvas redraw time while zooming, service map
//     settle (switch -> strata:map-settled);
//   - a file of up to 64 MB is dropped again at the end: the parse of a page
//     whose workers' code V8 has optimised by then.
// Medians of RUNS runs (RUNS_1M for files of 1M spans and more) are printed as
// one markdown table, next to the native criterion medians of the same bytes
// (target/criterion, from `cargo bench --bench import`), and written to
// target/bench/results.md; the native medians also go to target/bench/native.json.
// MAP_BENCH=1 adds the older service-map benchmark on synthetic 50 / 500
// service traces.

import { resolve, join } from 'node:path';
import { stat, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { repo, serve } from '../tests/e2e/harness.mjs';

const dist = process.argv[2] || 'dist-bench';
const sizes = (process.argv.slice(3).length ? process.argv.slice(3) : ['10000', '100000']).map(Number);
const RUNS = Number(process.env.RUNS || 3);
const RUNS_1M = Number(process.env.RUNS_1M || 1);
const runsFor = (n) => (n >= 1_000_000 ? RUNS_1M : RUNS);
const data = resolve(repo, 'target/bench');
const criterionDir = resolve(repo, 'target/criterion');

const require = createRequire(import.meta.url);
const { chromium } = require(resolve(repo, '.tools/node_modules/playwright-core'));

/** Debian's Chromium, with the flags of tests/e2e/harness.mjs plus: exact
 *  performance.memory, gc() for a settled heap, a 4 GB JS heap (a 1M-span
 *  trace is a 1.2 GB file; wasm memory may grow to 4 GB anyway), and no
 *  throttling of a page that a headless browser considers hidden. */
function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // The marker finds this browser's processes in /proc (see rendererRss).
    args: [`--strata-bench=${process.pid}`, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
      '--enable-precise-memory-info', '--js-flags=--max-old-space-size=4096 --expose-gc',
      '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows'],
  });
}

/** The largest resident set (bytes) among the renderer processes of the
 *  browser launched here (found through its marker switch and the parent
 *  links in /proc): the page's renderer, with its JS heap, its wasm memory
 *  and the parsing worker's (a dedicated worker runs in its page's renderer),
 *  the DOM and everything else. Null where /proc is not readable. */
async function rendererRss() {
  try {
    const procs = new Map();
    for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
        const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
        procs.set(pid, { ppid, cmd });
      } catch {
        // gone meanwhile
      }
    }
    const root = [...procs].find(([, p]) => p.cmd.includes(`--strata-bench=${process.pid}\0`))?.[0];
    if (!root) return null;
    const ours = (pid) => {
      for (let p = pid, k = 0; p && p !== '0' && k < 20; p = procs.get(p)?.ppid, k++) if (p === root) return true;
      return false;
    };
    let max = null;
    for (const [pid, p] of procs) {
      if (!p.cmd.includes('--type=renderer') || !ours(pid)) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
      if (m) max = Math.max(max ?? 0, Number(m[1]) * 1024);
    }
    return max;
  } catch {
    return null;
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))] : NaN;
};
const fmt = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

// In every page: helpers to step scripted input one frame at a time and to
// wait for the next painted frame.
const pageHelpers = () => {
  /** Resolves at the end of the next frame's rendering: a message posted from
   *  a frame callback runs after that frame's style, layout and paint. */
  const nextPaint = () => new Promise((done) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      done(performance.now());
    };
    ch.port2.postMessage(0);
  }));
  /** Runs `step(i)` in the frame callbacks of `n` consecutive frames; records
   *  the frame deltas and the long tasks meanwhile. */
  const frames = (n, step) => new Promise((done) => {
    const deltas = [];
    const longTasks = [];
    const obs = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
    obs.observe({ type: 'longtask' });
    let last = null;
    let i = 0;
    const tick = (now) => {
      if (last !== null) deltas.push(now - last);
      last = now;
      if (i < n) {
        step(i++);
        requestAnimationFrame(tick);
      } else {
        setTimeout(() => {
          obs.disconnect();
          done({ deltas, longTasks });
        }, 100);
      }
    };
    requestAnimationFrame(tick);
  });
  /** ms from calling `act` to the end of the next painted frame in which
   *  `ready()` holds (checked for up to 300 frames). */
  const timeToPaint = async (act, ready = () => true) => {
    const t0 = performance.now();
    act();
    for (let k = 0; k < 300; k++) {
      const t1 = await nextPaint();
      if (ready()) return t1 - t0;
    }
    return NaN;
  };
  /** Waits (polling) for a performance mark made after `t0`; ms since `t0`. */
  const markAfter = (name, t0, timeoutMs) => new Promise((done) => {
    const poll = () => {
      const m = performance.getEntriesByName(name).find((e) => e.startTime >= t0);
      if (m) done(m.startTime - t0);
      else if (performance.now() - t0 > timeoutMs) done(NaN);
      else setTimeout(poll, 2);
    };
    poll();
  });
  const key = (k) => document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  /** Drops `file` on the page as a browser does. */
  const drop = (file) => {
    const dt = new DataTransfer();
    dt.items.add(file);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  };
  window.__bench = { nextPaint, frames, timeToPaint, markAfter, key, drop };
};

/** Frame stats under `prefix`: p95 and max of the frame deltas, and the
 *  share of late frames (a delta over 20 ms: a vsync missed; p95 alone flips
 *  between 16.7 and 33.3 around 5% late). */
function frameStats(prefix, r) {
  return {
    [`${prefix}P95`]: quantile(r.deltas, 0.95),
    [`${prefix}Max`]: Math.max(...r.deltas),
    [`${prefix}Late`]: (100 * r.deltas.filter((d) => d > 20).length) / r.deltas.length,
  };
}
const concat = (a, b) => ({ deltas: [...a.deltas, ...b.deltas], longTasks: [...a.longTasks, ...b.longTasks] });

async function run(browser, url, file, spansHint) {
  const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
  await context.addInitScript(pageHelpers);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('crash', () => errors.push('renderer crashed'));
  try {
    return await measure(page, url, file, spansHint, errors);
  } finally {
    await context.close().catch(() => {});
  }
}

async function measure(page, url, file, spansHint, errors) {
  // Generous: loading 1M spans may take minutes on a slow machine.
  const timeout = Math.max(120_000, spansHint * 0.6);
  page.setDefaultTimeout(timeout);
  await page.goto(url);
  await page.waitForSelector('.wf-row');
  // Fetch first (not measured): the benchmark measures the app, not the disk.
  await page.evaluate(async (file) => {
    const blob = await (await fetch(`/data/${file}`)).blob();
    window.__file = new File([blob], file, { type: 'application/json' });
  }, file);
  await page.waitForTimeout(300);
  // Drop it, watching the gaps between frames until the trace is painted.
  await page.evaluate(() => {
    performance.clearMarks();
    performance.clearMeasures();
    const gap = { max: 0, last: performance.now(), on: true };
    window.__gap = gap;
    const tick = (now) => {
      gap.max = Math.max(gap.max, now - gap.last);
      gap.last = now;
      if (gap.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__bench.drop(window.__file);
  });
  await page.waitForFunction(() => performance.getEntriesByName('strata:trace-rendered').length > 0, null, { timeout, polling: 50 });
  const load = await page.evaluate(() => {
    window.__gap.on = false;
    const d = performance.getEntriesByName('strata:file-dropped')[0].startTime;
    const r = performance.getEntriesByName('strata:trace-rendered')[0].startTime;
    // The gap still open when the trace painted counts too.
    const gap = Math.max(window.__gap.max, r - window.__gap.last);
    const measure = (name) => {
      const m = performance.getEntriesByName(name, 'measure');
      return m.length ? m[m.length - 1].duration : null;
    };
    return { ms: r - d, gap, read: measure('strata:read'), parse: measure('strata:parse'), merge: measure('strata:merge'), answers: measure('strata:answers') };
  });
  // The trace's answers (analysed in slices after the first paint for a big
  // trace): the longest gap between frames until they are in.
  const analysing = await page.evaluate(async () => {
    const gap = { max: 0, last: performance.now(), on: true };
    const tick = (now) => {
      gap.max = Math.max(gap.max, now - gap.last);
      gap.last = now;
      if (gap.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    while (!performance.getEntriesByName('strata:answers', 'measure').length) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    gap.on = false;
    const m = performance.getEntriesByName('strata:answers', 'measure');
    return { gap: gap.max, ms: m[m.length - 1].duration };
  });
  load.analysingGap = analysing.gap;
  load.answers = analysing.ms;
  const spans = Number(await page.locator('.n-spans').textContent());
  await page.waitForTimeout(500);
  const memory = await page.evaluate(async () => {
    // A small file is dropped once more at the end (see `again`).
    window.__again = window.__file.size <= 64e6 ? window.__file : null;
    window.__file = null;
    // Twice: the buffers the workers transferred (the parts' snapshots) are
    // freed only by a collection after the one that finds them dead (one
    // gc() left ~2x the snapshots counted: 45 MB at 100k spans, 3 MB after
    // the second).
    if (window.gc) {
      for (let k = 0; k < 2; k++) {
        window.gc();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const m = window.__strataMemory ? window.__strataMemory() : { wasm: null, js: performance.memory?.usedJSHeapSize };
    return { wasm: m.wasm ?? null, js: m.js ?? null };
  });
  memory.rss = await rendererRss();

  // Waterfall: scroll 240 px per frame (2.4 s of frames at 60 Hz).
  await page.evaluate(() => { document.querySelector('.wf-scroll').scrollTop = 0; });
  await page.waitForTimeout(200);
  const scroll = await page.evaluate(() => {
    const el = document.querySelector('.wf-scroll');
    return window.__bench.frames(144, () => { el.scrollTop += 240; });
  });
  // Waterfall zoom: 20 drags across the minimap, each a narrower range around
  // 37% of the trace; then pan: 20 clicks on the minimap, each centring the
  // zoom window a bit further right.
  await page.evaluate(() => { document.querySelector('.wf-scroll').scrollTop = 0; });
  await page.waitForTimeout(200);
  const wfZoom = await page.evaluate(() => {
    const mm = document.querySelector('.minimap');
    const r = mm.getBoundingClientRect();
    const y = r.top + r.height / 2;
    const fire = (el, type, f) => el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, button: 0, clientX: r.left + f * r.width, clientY: y }));
    const zoom = window.__bench.frames(20, (i) => {
      const w = 0.8 * 0.82 ** i;
      fire(mm, 'mousedown', 0.37 - w / 2);
      fire(document, 'mousemove', 0.37 + w / 2);
      fire(document, 'mouseup', 0.37 + w / 2);
    });
    return zoom.then((zoom) => window.__bench.frames(20, (i) => {
      const f = 0.25 + 0.5 * (i / 19);
      fire(mm, 'mousedown', f);
      fire(document, 'mouseup', f);
    }).then((pan) => ({ zoom, pan })));
  });
  await page.evaluate(() => document.querySelector('.wf-toolbar button[title^="Reset zoom"]')?.click());
  await page.waitForTimeout(200);

  // Collapse all / expand all, three times each: click -> next painted frame.
  const toggles = await page.evaluate(async () => {
    const b = window.__bench;
    const btn = (t) => document.querySelector(`.wf-toolbar button[title^="${t}"]`);
    const count = () => document.querySelector('.wf-count')?.textContent ?? '';
    const collapse = [];
    const expand = [];
    for (let k = 0; k < 3; k++) {
      collapse.push(await b.timeToPaint(() => btn('Collapse all').click(), () => /shown/.test(count())));
      await new Promise((r) => setTimeout(r, 150));
      expand.push(await b.timeToPaint(() => btn('Expand all').click(), () => !/shown/.test(count())));
      await new Promise((r) => setTimeout(r, 150));
    }
    return { collapse, expand };
  });

  // Span details: click a row -> the detail panel painted; three rows, the
  // panel closed before each.
  const details = await page.evaluate(async () => {
    const b = window.__bench;
    const out = [];
    for (const k of [3, 8, 14]) {
      document.querySelector('.detail button[title^="Close"]')?.click();
      await new Promise((r) => setTimeout(r, 200));
      const row = [...document.querySelectorAll('.wf-row')].sort((x, y) => x.offsetTop - y.offsetTop)[k];
      const span = row.dataset.span;
      out.push(await b.timeToPaint(() => row.querySelector('.wf-name').click(),
        () => document.querySelector('aside.detail') !== null && document.querySelector(`.wf-row.selected[data-span="${span}"]`) !== null));
    }
    document.querySelector('.detail button[title^="Close"]')?.click();
    return out;
  });
  await page.waitForTimeout(200);

  const flame = await flameBench(page);
  const map = await page.evaluate(() => {
    const t0 = performance.now();
    window.__bench.key('m');
    return window.__bench.markAfter('strata:map-settled', t0, 60000);
  });
  const again = await dropAgain(page, timeout);
  if (errors.length) throw new Error(errors.join('\n'));
  return {
    again,
    spans,
    load: load.ms,
    gap: load.gap,
    read: load.read,
    parse: load.parse,
    merge: load.merge,
    answers: load.answers,
    analysingGap: load.analysingGap,
    wasm: memory.wasm,
    js: memory.js,
    rss: memory.rss,
    ...frameStats('scroll', scroll),
    ...frameStats('zoom', wfZoom.zoom),
    ...frameStats('pan', wfZoom.pan),
    longTasks: [scroll, wfZoom.zoom, wfZoom.pan].reduce((n, r) => n + r.longTasks.length, flame.longTasks),
    collapse: median(toggles.collapse),
    expand: median(toggles.expand),
    details: median(details),
    ...Object.fromEntries(Object.entries(flame).map(([k, v]) => [`flame_${k}`, v])),
    map,
  };
}

/** The wasm parse of a file the page has parsed before (strata:parse, ms),
 *  for files of up to 64 MB (null for bigger ones): by then V8 has optimised
 *  the workers' code, which a page dropped on 0.3 s after it opened has not
 *  done yet (a just-opened page's workers run part of their code unoptimised:
 *  the first drop measures that, this one the importer at speed). */
async function dropAgain(page, timeout) {
  return page.evaluate(async (timeout) => {
    if (!window.__again) return null;
    performance.clearMarks();
    performance.clearMeasures();
    window.__bench.drop(window.__again);
    window.__again = null;
    const t0 = performance.now();
    while (!performance.getEntriesByName('strata:parse', 'measure').length) {
      if (performance.now() - t0 > timeout) return null;
      await new Promise((r) => setTimeout(r, 20));
    }
    return performance.getEntriesByName('strata:parse', 'measure')[0].duration;
  }, timeout);
}

/** Switch to the flame graph: time to its first painted frame; then zoom in
 *  with 20 wheel steps, pan with 40 horizontal wheel steps (20 right, 20 left),
 *  and zoom out with 20 steps, one input per frame: frame stats, and the
 *  canvas redraw time the app records (data-draw-ms) while zooming. */
async function flameBench(page) {
  const paint = await page.evaluate(() => {
    const t0 = performance.now();
    window.__bench.key('f');
    return window.__bench.markAfter('strata:flame-painted', t0, 60000);
  });
  await page.waitForSelector('.flame-canvas');
  await page.waitForTimeout(200);
  const r = await page.evaluate(async () => {
    const el = document.querySelector('.flame-canvas');
    const box = el.getBoundingClientRect();
    const draws = [];
    const wheel = (dx, dy) => {
      draws.push(Number(el.dataset.drawMs));
      el.dispatchEvent(new WheelEvent('wheel', { deltaX: dx, deltaY: dy, clientX: box.left + box.width / 3, clientY: box.top + 100, bubbles: true, cancelable: true }));
    };
    const zin = await window.__bench.frames(20, () => wheel(0, -120));
    const pan = await window.__bench.frames(40, (i) => wheel(i < 20 ? 200 : -200, 0));
    const zout = await window.__bench.frames(20, () => wheel(0, 120));
    draws.push(Number(el.dataset.drawMs));
    return { zin, pan, zout, draws: draws.slice(1) };
  });
  const zoom = concat(r.zin, r.zout);
  const d = r.draws.filter(Number.isFinite);
  return {
    paint,
    ...frameStats('zoom', zoom),
    ...frameStats('pan', r.pan),
    drawMedian: median(d),
    drawMax: Math.max(...d),
    longTasks: zoom.longTasks.length + r.pan.longTasks.length,
  };
}

/** Criterion's medians (ms) for `sizes`, by "group/function", from
 *  target/criterion/<group>/<function>/<size>/new/, with the bytes benchmarked
 *  (import only; the table shows an import median only if they are the file's). */
async function nativeMedians(sizes) {
  const out = {};
  // `make bench` touches this before running the native benches: older
  // results are from an earlier run (a size or benchmark not run this time).
  const since = (await stat(resolve(data, 'native.stamp')).catch(() => null))?.mtimeMs ?? 0;
  const groups = await readdir(criterionDir).catch(() => []);
  for (const n of sizes) {
    out[n] = {};
    for (const g of groups) {
      for (const f of await readdir(join(criterionDir, g)).catch(() => [])) {
        const dir = join(criterionDir, g, f, String(n), 'new');
        try {
          const info = JSON.parse(await readFile(join(dir, 'benchmark.json'), 'utf8'));
          if ((await stat(join(dir, 'estimates.json'))).mtimeMs < since) continue;
          const est = JSON.parse(await readFile(join(dir, 'estimates.json'), 'utf8'));
          out[n][`${info.group_id}/${info.function_id}`] = { ms: est.median.point_estimate / 1e6, bytes: info.throughput?.Bytes ?? null };
        } catch {
          // not benchmarked at this size
        }
      }
    }
  }
  return out;
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

const frameCell = (m, k) => `${fmt(m(`${k}P95`), 1)} / ${fmt(m(`${k}Max`), 1)} (${fmt(m(`${k}Late`))}%)`;

// Other work on the machine skews every number here: say how busy it was.
const loadStart = loadavg()[0];
const native = await nativeMedians(sizes);
await mkdir(data, { recursive: true });
await writeFile(resolve(data, 'native.json'), `${JSON.stringify(native, null, 2)}\n`);

const server = await serve(dist, { '/data/': data });
let browser = await launch();
const rows = [];
for (const n of sizes) {
  const file = `jaeger-${n}.json`;
  const size = (await stat(resolve(data, file))).size;
  const runs = runsFor(n);
  const results = [];
  const failures = [];
  for (let i = 0; i < runs; i++) {
    const t = Date.now();
    try {
      results.push(await run(browser, server.url, file, n));
      process.stderr.write(`browser bench: ${n} spans, run ${i + 1}/${runs}: ${((Date.now() - t) / 1000).toFixed(0)} s\n`);
    } catch (e) {
      failures.push(e.message.split('\n')[0]);
      process.stderr.write(`browser bench: ${n} spans, run ${i + 1}/${runs} failed after ${((Date.now() - t) / 1000).toFixed(0)} s: ${e.message}\n`);
      // A crashed renderer can take the browser with it: start a new one.
      await browser.close().catch(() => {});
      browser = await launch();
    }
  }
  const nat = native[n] || {};
  const importNative = nat['import/jaeger'];
  // Criterion's numbers are for the same bytes only if the sizes agree.
  const nativeMs = importNative && importNative.bytes === size ? importNative.ms : NaN;
  const serdeMs = nat['import/serde_json_value(jaeger)']?.ms ?? NaN;
  const m = (k) => median(results.map((r) => r[k] ?? NaN));
  const mem = m('wasm') + m('js');
  rows.push({
    spans: results[0]?.spans ?? n,
    'file MB': (size / 1e6).toFixed(1),
    'native import ms': fmt(nativeMs),
    'serde Value ms': fmt(serdeMs),
    'native/serde': fmt(nativeMs / serdeMs, 2),
    'read ms': fmt(m('read')),
    'parse ms': fmt(m('parse')),
    'wasm/native': fmt(m('parse') / nativeMs, 2),
    'parse, 2nd drop ms': fmt(m('again')),
    'wasm/native, 2nd drop': fmt(m('again') / nativeMs, 2),
    'merge ms': fmt(m('merge')),
    'answers ms': fmt(m('answers')),
    'longest frame gap while analysing ms': fmt(m('analysingGap')),
    'drop→painted ms': fmt(m('load')),
    'longest frame gap while loading ms': fmt(m('gap')),
    'wasm MB': fmt(m('wasm') / 1e6),
    'JS heap MB': fmt(m('js') / 1e6),
    'memory/file': fmt(mem / size, 2),
    'renderer RSS MB': fmt(m('rss') / 1e6),
    'wf scroll': frameCell(m, 'scroll'),
    'wf zoom': frameCell(m, 'zoom'),
    'wf pan': frameCell(m, 'pan'),
    'flame first paint ms': fmt(m('flame_paint')),
    'flame zoom': frameCell(m, 'flame_zoom'),
    'flame pan': frameCell(m, 'flame_pan'),
    'flame redraw median/max ms': `${fmt(m('flame_drawMedian'), 2)} / ${fmt(m('flame_drawMax'), 2)}`,
    'long tasks': fmt(m('longTasks')),
    'collapse all ms': fmt(m('collapse'), 1),
    'expand all ms': fmt(m('expand'), 1),
    'open details ms': fmt(m('details'), 1),
    'map settle ms': fmt(m('map')),
    runs: failures.length ? `${results.length} of ${runs} (${failures.join('; ')})` : `${runs}`,
  });
}

const maps = [];
if (process.env.MAP_BENCH === '1') {
  for (const n of [50, 500]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await mapBench(browser, server.url, n));
    maps.push({ services: runs[0].nodes, 'map settle ms (switch to map -> settled)': median(runs.map((r) => r.ms)).toFixed(0), runs: RUNS });
  }
}
const version = browser.version();
await browser.close();
server.close();

const table = (rows) => {
  const cols = Object.keys(rows[0]);
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`)].join('\n');
};
const legend = [
  'Medians of the runs. native import / serde Value: criterion medians on the same bytes (target/criterion);',
  'read / parse / merge / answers: the app\'s strata:read / strata:parse / strata:merge / strata:answers measures ("-": not recorded; answers: the trace summary\'s analyses, on the page, once the trace opens); wasm/native = parse / native import.',
  'The file is dropped 0.3 s after the page opened; parse, 2nd drop: the same file dropped again at the end of the run (files up to 64 MB).',
  'Frame cells: requestAnimationFrame delta p95 / max ms (vsync-capped: 16.7 = on time) and (share of late frames: delta > 20 ms).',
  'Long tasks: count during all scripted input (waterfall scroll, zoom, pan; flame zoom, pan).',
  'memory/file = (main-thread wasm memory + JS heap, after load and GC) / file size; renderer RSS: the page\'s whole renderer process',
  '(includes the parsing worker\'s wasm memory, which __strataMemory cannot see). Collapse, expand, details: click -> end of the next painted frame.',
  'Targets: 100k drop→painted ≤ 1000 ms, 300k ≤ 3000 ms; frames ≤ 16 ms at 100k; collapse/expand all ≤ 100 ms; details ≤ 50 ms;',
  'memory/file ≤ 2; wasm/native ≤ 2; native/serde ≤ 2; 1M loads and stays navigable within 2 GB.',
].join('\n');
const machine = `${cpus().length} cores, 1-min load average ${loadStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`;
let out = `Strata benchmark (headless Chromium ${version}; ${machine}; ${new Date().toISOString()})\n\n${table(rows)}\n\n${legend}\n`;
if (maps.length) out += `\n${table(maps)}\n`;
console.log(`\n${out}`);

// results.md also gets every native median, one row per benchmark.
const names = [...new Set(sizes.flatMap((n) => Object.keys(native[n] || {})))].sort();
let md = out;
if (names.length) {
  md += `\nNative criterion medians, ms\n\n| benchmark | ${sizes.join(' | ')} |\n|---|${sizes.map(() => '---').join('|')}|\n`;
  const sig = (x) => (Number.isFinite(x) ? String(Number(x.toPrecision(3))) : '-');
  for (const k of names) md += `| ${k} | ${sizes.map((n) => sig(native[n]?.[k]?.ms)).join(' | ')} |\n`;
}
await writeFile(resolve(data, 'results.md'), md);
