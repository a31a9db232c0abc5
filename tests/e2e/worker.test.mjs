// Big files load in the parsing Web Worker: progress is shown, the page keeps
// painting frames, a load can be cancelled, and a worker that never started
// or was stopped never costs the traces already open.

import { assert, assertEq, dropFiles, screenshot, text, trace, waitText } from './harness.mjs';

/**
 * The parts of a Jaeger file of `n` spans (one trace, 4 children per span);
 * span number `bad`, if given, has an object for its spanID (an error). Runs
 * in the page (as source text) and in node.
 */
function bigJaeger(n, bad = -1) {
  const parts = ['{"data":[{"traceID":"b16b16","processes":{"p1":{"serviceName":"svc-a"},"p2":{"serviceName":"svc-b"}},"spans":['];
  for (let i = 0; i < n; i++) {
    const ref = i ? `,"references":[{"refType":"CHILD_OF","traceID":"b16b16","spanID":"${(((i - 1) >> 2) + 1).toString(16)}"}]` : '';
    const id = i === bad ? '{}' : `"${(i + 1).toString(16)}"`;
    parts.push(`${i ? ',' : ''}{"traceID":"b16b16","spanID":${id},"operationName":"op ${i % 50}","startTime":${1700000000000000 + i},"duration":${1000 + (i % 7)},"processID":"p${1 + (i % 2)}"${ref},"tags":[{"key":"http.status_code","type":"int64","value":200},{"key":"note","type":"string","value":"value ${i}"}]}`);
  }
  parts.push(']}]}');
  return parts;
}

/** Counts painted frames and the longest gap between them, until `window.__stopFrames`. */
async function watchFrames(page) {
  await page.evaluate(() => {
    window.__frames = [];
    window.__maxGap = 0;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t);
      window.__maxGap = Math.max(window.__maxGap, t - last);
      last = t;
      if (!window.__stopFrames) requestAnimationFrame(tick);
    };
    window.__stopFrames = false;
    requestAnimationFrame(tick);
  });
}

/** Stops watching frames; returns how many were painted, the longest gap
 *  between them, and the longest stretch without a frame while the worker
 *  parsed (the strata:parse measure; the hand-over after it runs on the
 *  page, and is measured as strata:merge). */
async function stopFrames(page) {
  return page.evaluate(() => {
    window.__stopFrames = true;
    const parse = performance.getEntriesByName('strata:parse').at(-1);
    let gapInParse = null;
    if (parse) {
      const end = parse.startTime + parse.duration;
      const inside = window.__frames.filter((t) => t > parse.startTime && t < end);
      const points = [parse.startTime, ...inside, end];
      gapInParse = Math.round(Math.max(...points.slice(1).map((t, i) => t - points[i])));
    }
    return { frames: window.__frames.length, maxGap: Math.round(window.__maxGap), gapInParse };
  });
}

/** Drops a generated Jaeger file of `n` spans (see `bigJaeger`) named big.json. */
async function dropBig(page, n, bad = -1) {
  await page.evaluate(([src, n, bad]) => {
    window.__big = new File((0, eval)(`(${src})`)(n, bad), 'big.json', { type: 'application/json' });
  }, [bigJaeger.toString(), n, bad]);
  // Frames count from the drop on (generating the file above takes seconds).
  await watchFrames(page);
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(window.__big);
    window.__big = null;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  });
}

export const tests = {
  async 'a big file parses in the worker with progress while the page keeps painting'(page) {
    const n = 300000;
    await dropBig(page, n);
    await page.waitForSelector('.source.reading .cancel-load');
    // Real progress, not the placeholder: bytes read, then spans parsed, and
    // a determinate bar that moves.
    await page.waitForFunction(() => /of [\d.]+ MB read|read · parsing|spans parsed/.test(document.querySelector('.source.reading .src-meta')?.textContent || ''));
    await page.waitForFunction(() => /[\d,]+ spans parsed/.test(document.querySelector('.source.reading .src-meta')?.textContent || ''), null, { timeout: 60000 });
    const bar = await page.evaluate(() => {
      const f = document.querySelector('.source.reading .fill');
      return { indeterminate: f.classList.contains('indeterminate'), width: parseFloat(f.style.width) };
    });
    assert(!bar.indeterminate && bar.width > 33, `the bar shows parsing progress (${JSON.stringify(bar)})`);
    await screenshot(page, 'worker-progress');
    await waitText(page, '.n-spans', n, 120000);
    const frames = await stopFrames(page);
    const r = await page.evaluate((frames) => {
      const m = (name) => performance.getEntriesByName(name).map((e) => Math.round(e.duration));
      return { ...frames, read: m('strata:read'), parse: m('strata:parse'), parts: m('strata:parse-part'), merge: m('strata:merge') };
    }, frames);
    console.log(`     300k spans: ${JSON.stringify(r)}`);
    assertEq(r.parse.length, 1, 'the parse ran in the worker (strata:parse measured)');
    assertEq(r.parts.length, 2, 'both workers parsed a part of the file');
    // While the worker parses (seconds), the page keeps drawing frames.
    assert(r.frames > 20, `only ${r.frames} frames were painted while loading`);
    assert(r.gapInParse < r.parse[0] / 2, `the page froze for ${r.gapInParse} ms of the ${r.parse[0]} ms parse`);
    assertEq(await text(page, '.tv-title h1'), 'svc-a: op 0', 'the big trace opened');
    await screenshot(page, 'worker-loaded');
  },

  async 'a big trace opened by URL parses in the worker while the page paints; the link keeps the URL'(page) {
    const n = 60000;
    const body = bigJaeger(n).join('');
    assert(body.length > 8 << 20, `a ${body.length}-byte answer is big enough to go to the worker`);
    const url = 'http://big.example/trace.json';
    await page.route(url, (r) => r.fulfill({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body }));
    await page.evaluate(() => performance.clearMeasures());
    await page.click('.side-tabs button:has-text("Search")');
    await page.fill('#open-url', url);
    await watchFrames(page);
    await page.click('.search-panel form:has(#open-url) button');
    await waitText(page, '.n-spans', n, 60000);
    const frames = await stopFrames(page);
    const r = await page.evaluate((frames) => ({ ...frames, parse: performance.getEntriesByName('strata:parse').map((e) => Math.round(e.duration)) }), frames);
    console.log(`     ${n} spans by URL: ${JSON.stringify(r)}`);
    assertEq(r.parse.length, 1, 'the answer was parsed in the worker (strata:parse measured)');
    assert(r.gapInParse < r.parse[0] / 2, `the page froze for ${r.gapInParse} ms of the ${r.parse[0]} ms parse`);
    assertEq(await text(page, '.tv-title h1'), 'svc-a: op 0', 'the trace opened');
    await page.waitForFunction(() => location.hash.includes('src=url%3A'));
  },

  async 'cancelling a load stops it and keeps the open trace; the next file still loads'(page) {
    const before = await text(page, '.tv-title h1');
    await dropBig(page, 400000);
    await page.waitForSelector('.source.reading .cancel-load');
    await page.click('.source.reading .cancel-load');
    await page.waitForSelector('.toast');
    assert((await text(page, '.toast')).includes('Cancelled loading big.json'), await text(page, '.toast'));
    assertEq(await page.locator('.source.reading').count(), 0, 'no load left running');
    assertEq(await text(page, '.tv-title h1'), before, 'the open trace stays');
    // A fresh worker takes the next file.
    await dropFiles(page, [trace('jaeger/jaeger-ui__genaiTestTrace.json')]);
    await waitText(page, '.n-spans', 57, 30000);
    assertEq(await page.locator('.source.failed').count(), 0, 'no failed load');
  },

  async 'in a browser without byte streams the workers read with FileReaderSync, and a big file loads alike'(page) {
    // Workers started from here on lack ReadableStreamBYOBReader (as older
    // browsers do) and say when they read with FileReaderSync.
    await page.route('**/worker_loader.js*', async (route) => {
      const r = await route.fetch();
      const shim = 'delete self.ReadableStreamBYOBReader; { const read = FileReaderSync.prototype.readAsArrayBuffer; '
        + 'FileReaderSync.prototype.readAsArrayBuffer = function (b) { if (!self.__said) { self.__said = true; console.log("strata-test: FileReaderSync"); } return read.call(this, b); }; }\n';
      await route.fulfill({ response: r, body: shim + (await r.text()) });
    });
    const said = [];
    page.on('worker', (w) => w.on('console', (m) => said.push(m.text())));
    // Cancelling a load starts fresh workers, which load the shimmed script.
    await dropBig(page, 300000);
    await page.waitForSelector('.source.reading .cancel-load');
    await page.click('.source.reading .cancel-load');
    await page.waitForSelector('.toast');
    const n = 120000;
    await dropBig(page, n);
    await waitText(page, '.n-spans', n, 120000);
    await stopFrames(page);
    const parts = await page.evaluate(() => performance.getEntriesByName('strata:parse-part').length);
    assertEq(parts, 2, 'both workers parsed a part of the file');
    assertEq(said.filter((s) => s === 'strata-test: FileReaderSync').length, 2, `both workers read with FileReaderSync (${JSON.stringify(said)})`);
    assertEq(await text(page, '.tv-title h1'), 'svc-a: op 0', 'the big trace opened');
  },

  async 'a damaged big file fails in the worker with its position, and loaded traces stay'(page) {
    const before = await text(page, '.tv-title h1');
    await dropFiles(page, [{ name: 'cut.json', text: '{"data":[{"traceID":"1","spans":[{"traceID":"1","spanID":"2",' }]);
    await page.waitForSelector('.source.failed');
    const err = await text(page, '.source.failed');
    assert(err.includes('cut.json') || err.includes('line 1'), err);
    assert(/line 1|byte/.test(err), `the error names where: ${err}`);
    assertEq(await text(page, '.tv-title h1'), before, 'the open trace stays');
  },

  async 'a bad span in the second half of a big file (parsed in two parts) fails with its line and field'(page) {
    const before = await text(page, '.tv-title h1');
    await dropBig(page, 100000, 90000);
    await page.waitForSelector('.source.failed', { timeout: 60000 });
    const err = await text(page, '.source.failed');
    assert(err.includes('big.json'), err);
    assert(/line 1/.test(err) && err.includes('data[0].spans[90000].spanID'), `the error names where: ${err}`);
    assertEq(await text(page, '.tv-title h1'), before, 'the open trace stays');
    // Both workers are fresh for the next file.
    await dropFiles(page, [trace('jaeger/jaeger-ui__genaiTestTrace.json')]);
    await waitText(page, '.n-spans', 57, 30000);
  },
};
