// Trace health (issue 19): the header's health badge, the panel's checks
// with counts and what they mean, and "Show in waterfall" filtering the
// waterfall to the spans a check names.

import { assert, assertEq, openTraceId, screenshot, text, waitText } from './harness.mjs';

export const tests = {
  async 'health: orphans counted, their missing parent named, the waterfall filtered to them'(page) {
    await openTraceId(page, '8df1443c693be67b5b5ddcd8644dbd9a');
    await waitText(page, '.health-badge', '1 problem — show');
    await page.click('.health-badge');
    await page.waitForSelector('.health li');
    const items = await page.locator('.health li').allTextContents();
    assertEq(items.length, 1, `one check: ${items}`);
    assert(items[0].includes('6 orphan spans') && items[0].includes('1ff419805aeb41a3 (6 children)'), items[0]);
    await screenshot(page, 'health-panel');
    await page.click('.health .show-spans');
    await page.waitForSelector('.wf-toolbar .filter-chip');
    assertEq(await text(page, '.wf-toolbar .filter-chip'), '6 orphan spans×', 'the chip says what is shown');
    const total = Number(await text(page, '.n-spans'));
    await waitText(page, '.wf-count', `6 of ${total} spans shown`);
    await screenshot(page, 'health-filtered');
    await page.click('.wf-toolbar .filter-chip button');
    await waitText(page, '.wf-count', `${total} spans`);
  },

  async 'health: a healthy trace says so'(page) {
    await openTraceId(page, 'c5160c749fcaf311256ffa7c46b64dd1');
    assertEq(await page.locator('.health-badge').count(), 0, 'no problem badge');
  },
};
