// Slow vs the rest (issue 19): traces picked on the scatter chart compared
// with the other loaded traces, per operation (critical-path, self and
// total time gained per trace) and per attribute value. The demo's story:
// inventory-service `SELECT shop.stock` normally takes 5-20 ms and about
// 2 s in some traces. "Slower than 1.5s" picks five traces: three of about
// 2 s and two checkouts that waited 10 s for payment-service, whose
// payment call ranks first. Dragging across the three of about 2 s on the
// chart then puts the stock query first.

import { assert, assertEq, screenshot, text, waitText } from './harness.mjs';

const FIRST = '.contrast-ops tbody tr:first-child';

/** The scatter's dots, relative to the page. */
async function dots(page) {
  const scatter = await page.locator('.scatter').boundingBox();
  const at = await page.evaluate(() => {
    const out = [];
    for (let i = 0; window.__strataScatterDot(i); i++) out.push(window.__strataScatterDot(i));
    return out;
  });
  return at.map(([x, y]) => [scatter.x + x, scatter.y + y]);
}

/**
 * Jaeger JSON of `traces` traces of `width` spans each: a root
 * "GET /checkout" (svc-a) over width − 1 "SELECT" children (svc-b, 10 µs).
 * Every tenth trace also calls "POST /charge" (svc-c, 2 s, tier=gold);
 * the others have tier=free on the root.
 */
function manyTraces(traces, width) {
  const parts = ['{"data":['];
  const t0 = 1700000000000000;
  for (let t = 0; t < traces; t++) {
    const id = `c${t.toString(16).padStart(15, '0')}`;
    const slow = t % 10 === 0;
    const start = t0 + t * 5000000;
    const ref = `"references":[{"refType":"CHILD_OF","traceID":"${id}","spanID":"1"}]`;
    const spans = [`{"traceID":"${id}","spanID":"1","operationName":"GET /checkout","startTime":${start},"duration":${slow ? 2100000 : 100000},"processID":"p1","tags":[{"key":"tier","type":"string","value":"${slow ? 'gold' : 'free'}"}]}`];
    for (let i = 2; i <= width; i++) {
      spans.push(`{"traceID":"${id}","spanID":"${i.toString(16)}","operationName":"SELECT","startTime":${start + i},"duration":10,"processID":"p2",${ref}}`);
    }
    if (slow) spans[width - 1] = `{"traceID":"${id}","spanID":"${width.toString(16)}","operationName":"POST /charge","startTime":${start + 50000},"duration":2000000,"processID":"p3",${ref}}`;
    parts.push(`${t ? ',' : ''}{"traceID":"${id}","processes":{"p1":{"serviceName":"svc-a"},"p2":{"serviceName":"svc-b"},"p3":{"serviceName":"svc-c"}},"spans":[${spans.join(',')}]}`);
  }
  parts.push(']}');
  return parts;
}

export const tests = {
  async 'contrast: the slow stock query ranks first in slow vs the rest'(page) {
    await page.click('.tab >> text=Traces');
    await page.waitForSelector('.tl-row');
    await page.fill('.slower-than input', '1.5s');
    await page.press('.slower-than input', 'Enter');
    await waitText(page, '.picked-chip .picked-count', '5 traces picked on the chart');
    await waitText(page, '.tl-count', '5 of 40 traces');

    await page.click('button.compare-rest');
    await page.waitForSelector('.modal.contrast .contrast-ops');
    assert((await text(page, '.modal.contrast p.muted')).startsWith('5 traces picked against the other 35 traces'), 'the groups');
    assertEq(await text(page, `${FIRST} td.op`), 'order-service POST /payments/authorize', 'the 10 s checkouts lost their time in the payment call');
    await screenshot(page, 'contrast-slower-than');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.modal.contrast', { state: 'detached' });

    // The chart now shows the five: drag across the three of about 2 s
    // (the lowest dots) and compare again.
    const box = await page.locator('.scatter canvas').boundingBox();
    const ys = (await dots(page)).map(([, y]) => y).sort((a, b) => b - a);
    assertEq(ys.length, 5, 'the chart shows the five picked traces');
    const top = (ys[2] + ys[3]) / 2;
    assert(ys[2] - ys[3] > 10, `the 2 s and 10 s dots apart: ${ys}`);
    await page.mouse.move(box.x + 2, top);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10, { steps: 4 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 2 });
    await page.mouse.up();
    await waitText(page, '.picked-chip .picked-count', '3 traces picked on the chart');

    await page.click('button.compare-rest');
    await page.waitForSelector('.modal.contrast .contrast-ops');
    assert((await text(page, '.modal.contrast p.muted')).startsWith('3 traces picked against the other 37 traces'), 'the groups');
    assertEq(await text(page, `${FIRST} td.op`), 'inventory-service SELECT shop.stock', 'the stock query first');
    const cells = await page.locator(`${FIRST} td.num`).allTextContents();
    // The three ~2 s traces spend 2.02 s on average in the stock query, the
    // other 37 traces 3.23 ms on its critical path.
    assertEq(cells.join(' | '), '+2.02s | +1.96s | +1.96s | 2.02s / 3.23ms', 'its deltas (critical path, self, total) and means');
    assert(await page.locator(`${FIRST} td.num.up`).count() === 1, 'the delta marked');
    assert(await page.locator('.contrast-chart canvas').count() === 1, 'the bar chart');
    assert(await page.locator('.contrast-attrs tr').count() > 0, 'attribute values');
    console.log(`     first row: ${await text(page, FIRST)}`);
    await screenshot(page, 'contrast-stock-query');
    await page.locator('.contrast-attrs').scrollIntoViewIfNeeded();
    await screenshot(page, 'contrast-attributes');
  },

  async 'contrast: 150,000 spans compare in slices, the page painting meanwhile'(page) {
    // The demo hidden: only the generated traces are shown.
    await page.click('.tab >> text=Traces');
    await page.locator('.source.loaded', { hasText: 'Demo' }).locator('.hide-source').click();
    await page.evaluate(([src]) => {
      const file = new File((0, eval)(`(${src})`)(150, 1000), 'many.json', { type: 'application/json' });
      const dt = new DataTransfer();
      dt.items.add(file);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    }, [manyTraces.toString()]);
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '150 of 190 traces · 40 hidden', 60000);
    await page.fill('.slower-than input', '1s');
    await page.press('.slower-than input', 'Enter');
    await waitText(page, '.picked-chip .picked-count', '15 traces picked on the chart');
    // Frames are counted from the click: slices leave room for them.
    await page.evaluate(() => {
      window.__gaps = [];
      let last = performance.now();
      const tick = (t) => {
        window.__gaps.push(t - last);
        last = t;
        if (!document.querySelector('.modal.contrast .contrast-ops')) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.click('button.compare-rest');
    await page.waitForSelector('.modal.contrast .contrast-ops', { timeout: 60000 });
    const gaps = await page.evaluate(() => window.__gaps);
    console.log(`     150k spans: ${gaps.length} frames while comparing, longest gap ${Math.round(Math.max(...gaps))} ms`);
    assert(gaps.length >= 3, `frames painted while comparing: ${gaps.length}`);
    assert((await text(page, '.modal.contrast p.muted')).startsWith('15 traces picked against the other 135 traces'), 'the groups');
    assertEq(await text(page, `${FIRST} td.op`), 'svc-c POST /charge', 'the 2 s call first');
    const cells = await page.locator(`${FIRST} td.num`).allTextContents();
    assertEq(cells.join(' | '), '+2s | +2s | +2s | 2s / 0ns', 'its deltas and means');
    assertEq(await text(page, '.contrast-attrs tbody tr:first-child td.attr'), 'tier=gold', 'the attribute value of the slow ones');
    await screenshot(page, 'contrast-150k');
  },
};
