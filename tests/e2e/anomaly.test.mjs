// Anomalies (issue 19): a span unusually slow for its operation across the
// loaded traces is flagged in the waterfall, named in the trace summary and
// placed on its operation's histogram in the details. The demo's story:
// inventory-service `SELECT shop.stock` normally takes 5-20 ms and about
// 2 s in four traces; in the slow product view (1.87 s) it is slower than
// 84% of its 25 spans (median 12.46 ms) with a robust z-score far above 3.
// The fast product view of the compare test has no flag.

import { assert, assertEq, openTraceId, screenshot, text, waitText } from './harness.mjs';

const FAST = '7876bcf9cfcc205592703106af8988e7';
const SLOW = '2b1f6fb36b897e13165d353f7d15d580';
const STOCK = '.wf-row:has(.svc:text-is("inventory-service")):has(.op:text-is("SELECT shop.stock"))';

/** Opens trace `id` from the trace list, once its summary is there. */
async function openTrace(page, id) {
  await openTraceId(page, id);
  await page.waitForSelector('.summary .sum-line');
}

export const tests = {
  async 'anomaly: the slow stock query is flagged as an anomaly; a fast product view has none'(page) {
    await openTrace(page, SLOW);
    await page.waitForSelector('.sum-anomaly');
    const line = await text(page, '.sum-anomaly');
    assert(line.startsWith('Unusually slow'), line);
    const want = 'inventory-service SELECT shop.stock 1.87s, slower than 84% of 25 such spans (median 12.46ms)';
    const items = await page.locator('.sum-anomaly .sum-item').allTextContents();
    assert(items.includes(want), `summary names the stock query: ${JSON.stringify(items)}`);

    // Its row carries the flag, titled with the operation's distribution.
    await page.waitForSelector(`${STOCK} .anomaly-badge`);
    assertEq(await text(page, `${STOCK} .anomaly-badge`), '▲ p84', 'the flag');
    assertEq(
      await page.locator(`${STOCK} .anomaly-badge`).getAttribute('title'),
      'slower than 84% of 25 inventory-service SELECT shop.stock spans (median 12.46ms)',
      "the flag's title",
    );
    await screenshot(page, 'anomaly-summary-waterfall');

    // The summary's item selects it; the details place it on the histogram.
    await page.click(`.sum-anomaly .sum-item:text-is("${want}")`);
    await waitText(page, '.detail h2 .op', 'SELECT shop.stock');
    await page.waitForSelector('.detail .anomaly-standing.flagged');
    const standing = await text(page, '.detail .anomaly-standing');
    assert(standing.startsWith('▲ Unusually slowslower than 84% of 25 inventory-service SELECT shop.stock spans (median 12.46ms), robust z '), standing);
    assert((await text(page, '.detail .histogram .muted')).startsWith('25 spans'), 'the histogram of the 25 spans');
    await page.locator('.detail .histogram').scrollIntoViewIfNeeded();
    await screenshot(page, 'anomaly-details');

    // An ordinary product view: no flag anywhere, the stock query ranked
    // but not flagged.
    await openTrace(page, FAST);
    await page.waitForSelector(STOCK);
    assertEq(await page.locator('.sum-anomaly').count(), 0, 'no Unusually slow line');
    assertEq(await page.locator('.wf-row .anomaly-badge').count(), 0, 'no flag in the waterfall');
    await page.click(STOCK);
    await page.waitForSelector('.detail .anomaly-standing');
    assertEq(await page.locator('.detail .anomaly-standing.flagged').count(), 0, 'not flagged in the details');
    await screenshot(page, 'anomaly-none');
  },
};
