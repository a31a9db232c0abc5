// Compare two traces (issue 19): Ctrl+click a fast and a slow product view of
// the demo in the trace list; the comparison ranks inventory-service's
// `SELECT shop.stock` first with its exact delta (18.11 ms -> 1.87 s in the
// demo, story "Slow only sometimes"), the delta flame graph draws, and the
// share link (`cmp=`) opens the same comparison in a fresh page.

import { assert, assertEq, launch, screenshot, text, traceRow, waitText } from './harness.mjs';

// Product views at the gateway: stock 18.11 ms (fast) and 1.87 s (slow).
const FAST = '7876bcf9cfcc205592703106af8988e7';
const SLOW = '2b1f6fb36b897e13165d353f7d15d580';

/** What the comparison of FAST (A) and SLOW (B) must show. */
async function checkComparison(page, where) {
  await page.waitForSelector('.cmp-row[data-rank="1"]');
  const first = '.cmp-row[data-rank="1"]';
  assertEq(await text(page, `${first} .cmp-name`), 'inventory-service: SELECT shop.stock', `${where}: first ranked row`);
  assertEq(await text(page, `${first} .cmp-dd`), '+1.85s+10225%', `${where}: its duration delta`);
  assertEq(await text(page, `${first} .cmp-share`), '100.0%', `${where}: its share of the difference`);
  assertEq(await text(page, `${first} .cmp-status`), 'changed', `${where}: status`);
  // The first row is the first one on screen.
  const top = await page.evaluate(() => [...document.querySelectorAll('.cmp-row')].sort((a, b) => a.offsetTop - b.offsetTop)[0]?.dataset.rank);
  assertEq(top, '1', `${where}: rank 1 on top`);
  assertEq(await text(page, '.cmp-delta'), '+1.85s (+8305%)', `${where}: the roots' difference`);
  const ids = await page.locator('.cmp-id').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
  assertEq(ids, [FAST, SLOW], `${where}: A and B`);
}

/** A fresh page on `url` (no waiting for the waterfall: a link may open the comparison). */
async function fresh(browser, url, { width = 1500, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  page.freshProblems = problems;
  return page;
}

export const tests = {
  async 'compare: a slow and a fast product view rank the stock query first; the link round trips'(page, { url, browser }) {
    await page.click('.tab >> text=Traces');
    await page.waitForSelector('.tl-row');
    await waitText(page, '.cmp-bar', 'Ctrl+click two traces to compare them');
    await page.click(await traceRow(page, FAST), { modifiers: ['Control'] });
    await page.waitForSelector('.cmp-bar .cmp-picked');
    assert((await text(page, '.cmp-bar')).includes('api-gateway: GET /api/products/{id}'), 'the bar names the first pick');
    assertEq(await page.locator('.tl-row.cmp-picked').count(), 1, 'the picked row is marked');
    await page.click(await traceRow(page, SLOW), { modifiers: ['Control'] });
    await checkComparison(page, 'after picking');
    await screenshot(page, 'compare-table-1500-light');

    // Tree order: the root first, its most contributing child next.
    await page.click('.seg button:text("Tree")');
    await waitText(page, '.cmp-row[data-node="0"] .cmp-name', 'api-gateway: GET /api/products/{id}');
    await page.click('.seg button:text("Ranked")');

    await page.click('[data-cmp-view="flame"]');
    await page.waitForSelector('.cmp-flame canvas');
    await page.waitForFunction(() => Number(document.querySelector('.cmp-flame')?.dataset.items) > 5);
    await screenshot(page, 'compare-flame-1500-light');
    // Hovering the stock query's box names it with its delta.
    const box = await page.locator('.cmp-flame').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + 22 * 3 + 11);
    await page.waitForSelector('.cmp-tip');
    assert((await text(page, '.cmp-tip')).includes('SELECT shop.stock'), `tooltip: ${await text(page, '.cmp-tip')}`);
    await screenshot(page, 'compare-flame-tip-1500-light');

    const hash = await page.evaluate(() => location.hash);
    assert(hash.includes(`cmp=${FAST}%2C${SLOW}`) && hash.includes('src=demo'), `the link holds the pair: ${hash}`);
    for (const [width, height, colorScheme] of [[1500, 900, 'dark'], [1024, 700, 'light'], [1024, 700, 'dark']]) {
      const p = await fresh(browser, url + hash, { width, height, colorScheme });
      await checkComparison(p, `the link at ${width}x${height} ${colorScheme}`);
      await screenshot(p, `compare-table-${width}-${colorScheme}`);
      await p.click('[data-cmp-view="flame"]');
      await p.waitForFunction(() => Number(document.querySelector('.cmp-flame')?.dataset.items) > 5);
      await screenshot(p, `compare-flame-${width}-${colorScheme}`);
      // The page never grows wider than the window.
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `${width}x${height}: page ${overflow}px wider than the window`);
      assertEq(p.freshProblems, [], 'no page errors');
      await p.context().close();
    }
  },

  async 'compare: Compare with… on an open trace, Swap, and closing the comparison'(page) {
    await page.click('.tab >> text=Traces');
    await page.waitForSelector('.tl-row');
    await page.click(await traceRow(page, SLOW));
    await page.click('.cmp-with');
    await page.waitForSelector('.cmp-bar .cmp-picked');
    await page.click(await traceRow(page, FAST), { modifiers: ['Control'] });
    await page.waitForSelector('.cmp-row[data-rank="1"]');
    // A is the slow one now: the stock query got faster.
    assertEq(await text(page, '.cmp-row[data-rank="1"] .cmp-name'), 'inventory-service: SELECT shop.stock', 'first row');
    assertEq(await text(page, '.cmp-row[data-rank="1"] .cmp-dd'), '-1.85s-99%', 'faster');
    await page.click('.cmp-header button:text("Swap")');
    await checkComparison(page, 'after swapping');
    await page.click('.cmp-tab .tab-close');
    await page.waitForSelector('.tl-row');
    assertEq(await page.locator('.cmp-tab').count(), 0, 'no comparison tab');
  },

  async 'compare: a link to traces that are not loaded says so'(page, { url, browser }) {
    const p = await fresh(browser, `${url}#src=demo&cmp=aaaaaaaaaaaaaaaa%2Cbbbbbbbbbbbbbbbb`);
    await p.waitForSelector('.notice');
    assert((await text(p, '.notice')).includes('not both loaded here'), await text(p, '.notice'));
    assertEq(p.freshProblems, [], 'no page errors');
    await p.context().close();
  },
};
