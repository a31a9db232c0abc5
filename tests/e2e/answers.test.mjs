// The answers, on the demo: the trace summary (where it failed, where the
// time went, what looks wrong), the keys that go there, folded N+1 runs, the
// filter language's modes, the statistics tab and the flame graph's marks.

import { assert, assertEq, screenshot, text, waitText } from './harness.mjs';

/** Opens the trace list, scrolls it until a row passes `pred` (a function
 *  of its cells' text joined by "|"), and opens that trace. */
async function openTraceWhere(page, pred, what) {
  await page.click('.top-tab:has-text("Traces"), button:has-text("Traces")');
  await page.waitForSelector('.tl-row');
  const found = await page.evaluate(async (src) => {
    const test = new Function('t', `return (${src})(t)`);
    const scroll = document.querySelector('.tl-scroll');
    for (let top = 0; top <= scroll.scrollHeight; top += 200) {
      scroll.scrollTop = top;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      for (const row of document.querySelectorAll('.tl-row')) {
        if (test([...row.children].map((c) => c.textContent).join('|'))) {
          row.scrollIntoView({ block: 'center' });
          return row.dataset.trace;
        }
      }
    }
    return null;
  }, pred.toString());
  assert(found !== null, `a trace in the list: ${what}`);
  await page.click(`.tl-row[data-trace="${found}"]`);
  await page.waitForSelector('.summary');
  return found;
}

export const tests = {
  async 'summary: the featured checkout failed in payment-service (card declined); x lands on the origin'(page) {
    const failed = await text(page, '.sum-failed');
    assert(failed.includes('payment-service · POST /v1/payment_intents: card declined (402)'), `failed line: ${failed}`);
    assert(/order-service POST \/orders 500.*api-gateway POST \/api\/checkout 500/.test(failed), `chain: ${failed}`);
    const time = await text(page, '.sum-time');
    assert(/payment-service · POST \/v1\/payment_intents [\d.]+ms, \d+%/.test(time), `where the time went: ${time}`);
    await screenshot(page, 'answers-summary-failed');
    await page.keyboard.press('x');
    await page.waitForSelector('.wf-row.selected .origin-badge');
    assertEq(await text(page, '.detail h2 .svc'), 'payment-service', 'origin selected');
    assertEq(await text(page, '.detail h2 .op'), 'POST /v1/payment_intents', 'origin operation');
    const facts = await text(page, '.detail');
    assert(/Critical path/.test(facts) && /Self time/.test(facts), 'details show self time and critical path');
    // The row is in view.
    const row = await page.locator('.wf-row.selected').boundingBox();
    const scroll = await page.locator('.wf-scroll').boundingBox();
    assert(row.y >= scroll.y && row.y + row.height <= scroll.y + scroll.height, 'origin row scrolled into view');
    await screenshot(page, 'answers-origin-selected');
  },

  async 'summary: a slow product view names the 2 s stock query'(page) {
    await openTraceWhere(page, (t) => t.includes('GET /api/products/{id}') && /\|(1\.9\d*|2\.\d+)s\|/.test(t) && !t.includes('✗'), 'a slow product view');
    const time = await text(page, '.sum-time');
    assert(/inventory-service · SELECT shop\.stock (1\.9|2\.[0-3])\d*s, 9\d%/.test(time), `where the time went: ${time}`);
    const wrong = await text(page, '.sum-wrong');
    assert(wrong.includes('Slow query'), `looks wrong: ${wrong}`);
    await screenshot(page, 'answers-slow-stock');
  },

  async 'N+1: the biggest checkout folds its 32 product lookups into one row'(page) {
    await page.click('button:has-text("Traces")');
    await page.click('.th:has-text("Spans")');
    await page.click('.tl-row[style*="top: 0px"]');
    await page.waitForSelector('.wf-row.folded');
    const folded = await page.locator('.wf-row.folded').allTextContents();
    const run = folded.find((t) => t.includes('GET /products/{id} ×32'));
    assert(run, `a folded row "GET /products/{id} ×32": ${folded}`);
    assert(/×32, [\d.]+ms total, avg [\d.]+ms/.test(run), `fold label: ${run}`);
    const wrong = await text(page, '.sum-wrong');
    assert(/N\+1/.test(wrong) && /could save ~[\d.]+ms/.test(wrong), `looks wrong: ${wrong}`);
    await screenshot(page, 'answers-n-plus-one');
    const before = await text(page, '.wf-count');
    await page.locator('.wf-row.folded:has-text("GET /products/{id}") .wf-toggle').click();
    await page.waitForFunction((b) => document.querySelector('.wf-count').textContent.trim() !== b, before);
    assert((await page.locator('.fold-again').count()) === 1, 'the unfolded run can fold again');
  },

  async 'sequential: the quote names its pricing calls and what overlapping them saves'(page) {
    await openTraceWhere(page, (t) => t.includes('GET /api/cart/quote'), 'a quote');
    const wrong = await text(page, '.sum-wrong');
    assert(wrong.includes('pricing-a → pricing-b → pricing-c'), `names the calls: ${wrong}`);
    assert(/could save ~[\d.]+ms, on the critical path/.test(wrong), `saving: ${wrong}`);
    await page.click('.sum-item.pattern');
    await page.waitForSelector('.wf-row.selected .pattern-badge');
    assert((await page.locator('.wf-row.match').count()) >= 3, 'the pattern\'s spans are marked');
    await screenshot(page, 'answers-sequential');
  },

  async 'timeout: the 30 s checkout names who gave up and who never answered'(page) {
    await page.click('button:has-text("Traces")');
    // The gateway answered after 10 s; the trace's extent is the 30 s wait.
    await page.click('.th:has-text("Extent")');
    const first = await text(page, '.tl-row[style*="top: 0px"] .c-ext');
    if (!/^30/.test(first)) await page.click('.th:has-text("Extent")');
    await page.click('.tl-row[style*="top: 0px"]');
    await page.waitForSelector('.summary');
    const wrong = await text(page, '.sum-wrong');
    assert(/api-gateway gave up on order-service after (9|10)\.\d+s/.test(wrong), `gave up: ${wrong}`);
    assert(wrong.includes('No answer from payment-service in 30'), `no answer: ${wrong}`);
    const failed = await text(page, '.sum-failed');
    assert(failed.includes('Read timed out'), `failed: ${failed}`);
    await screenshot(page, 'answers-timeout');
  },

  async 'filter language: status=error in matches-only mode hides the rest; a malformed query says where'(page) {
    const errors = Number(await text(page, '.tv-stats .errors dd, .n-errors'));
    await page.fill('#span-find', 'status=error');
    await page.selectOption('#find-mode', 'only');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row:not(.error)').length === 0 && document.querySelectorAll('.wf-row.error').length > 0);
    const shown = await page.locator('.wf-row.error').count();
    if (errors) assertEq(shown, errors, 'every error row, nothing else');
    assert(shown >= 5, `${shown} error rows`);
    // The query and its mode are in the link (rewritten at most every 200 ms).
    await page.waitForFunction(() => /[#&]q=status%3Derror/.test(location.hash) && location.hash.includes('find=only'));
    await screenshot(page, 'answers-only-errors');
    await page.fill('#span-find', 'duration>(');
    await page.waitForSelector('.find-error');
    assert((await text(page, '.find-error')).length > 5, 'error message');
    assertEq(await page.getAttribute('#span-find', 'aria-invalid'), 'true', 'input marked invalid');
    assert((await page.locator('.wf-row').count()) > 5, 'rows stay while the query is malformed');
  },

  async 'statistics: grouped, sorted, all traces; a row shows its spans'(page) {
    await page.keyboard.press('s');
    await page.waitForSelector('.stats tbody tr');
    await page.selectOption('#stats-by', 'service');
    await page.waitForFunction(() => document.querySelectorAll('.stats tbody tr').length === 9);
    await page.click('.stats th:has-text("Errors") button');
    const errs = await page.locator('.stats tbody tr td:nth-child(3)').allTextContents();
    const nums = errs.map(Number);
    assert(nums.every((n, k) => k === 0 || nums[k - 1] >= n), `sorted by errors: ${nums}`);
    await page.selectOption('#stats-sub', 'operation');
    await page.waitForSelector('.stats tr.sub');
    await page.click('.stats .seg button:has-text("All")');
    await page.waitForFunction(() => /^\d+ groups/.test(document.querySelector('.stats-toolbar .muted')?.textContent || ''));
    // The link keeps the grouping (the hash is rewritten at most every 200 ms).
    await page.waitForFunction(() => decodeURIComponent(location.hash).includes('stats=service,operation;all'));
    await screenshot(page, 'answers-statistics');
    const name = await text(page, '.stats tbody tr.group td.name');
    await page.click('.stats tbody tr.group >> nth=0');
    await page.waitForSelector('.wf-row.selected');
    const q = await page.inputValue('#span-find');
    assertEq(q, `service=="${name}"`, 'the row\'s filter');
    assert((await page.locator('.wf-row.match').count()) > 0, 'its spans are highlighted');
  },

  async 'flame graph: find box, critical path only, answers in the tooltip'(page) {
    await page.keyboard.press('f');
    await page.waitForFunction(() => Number(document.querySelector('.flame-canvas')?.dataset.items) > 0);
    await page.check('#critical-only');
    await page.fill('#span-find', 'origin');
    await waitText(page, '.find-count', '1 match');
    await screenshot(page, 'answers-flame');
  },

  async 'focus: z re-roots the waterfall at a span, Backspace steps out; collapse<1ms hides short spans'(page) {
    const all = Number(await text(page, '.n-spans'));
    // The first step of the error chain (order-service POST /orders), then focus it.
    await page.click('.sum-item.chain >> nth=0');
    await page.waitForFunction(() => document.querySelector('.detail h2 .svc')?.textContent === 'order-service');
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('z');
    await page.waitForSelector('.wf-focus');
    const crumbs = await text(page, '.wf-focus');
    assert(crumbs.startsWith('Whole trace'), `breadcrumb: ${crumbs}`);
    const focused = await page.locator('.wf-row').count();
    assert(focused > 1 && focused < all, `focused rows: ${focused} of ${all}`);
    assert((await page.evaluate(() => location.hash)).length > 0, 'hash');
    await page.waitForFunction(() => location.hash.includes('focus='));
    await screenshot(page, 'answers-focus');
    await page.keyboard.press('Backspace');
    await page.waitForFunction((n) => document.querySelectorAll('.wf-row').length > n, focused);
    await page.click('.wf-focus button:has-text("Whole trace")');
    await page.waitForSelector('.wf-focus', { state: 'detached' });
    await waitText(page, '.wf-count', `${all} spans`);
    await page.fill('#span-find', 'collapse<1ms');
    await page.waitForFunction((n) => /^\d+ of \d+ spans shown$/.test(document.querySelector('.wf-count').textContent.trim()), all);
    const shown = Number((await text(page, '.wf-count')).split(' ')[0]);
    assert(shown < all && shown > 5, `collapse<1ms shows ${shown} of ${all}`);
  },

  async 'thresholds: changed in the help dialog, the patterns follow and the change is remembered'(page) {
    await page.click('button:has-text("Traces")');
    await page.click('.th:has-text("Spans")');
    await page.click('.tl-row[style*="top: 0px"]');
    await page.waitForSelector('.sum-wrong');
    assert((await text(page, '.sum-wrong')).includes('GET /products/{id} ×32'), 'the HTTP N+1 run is flagged');
    await page.keyboard.press('?');
    const field = page.locator('input.threshold[data-key="n_plus_one_call_total_ns"]');
    assertEq(await field.inputValue(), '300ms', 'the default');
    await field.fill('2s');
    await field.press('Enter');
    await field.dispatchEvent('change');
    await screenshot(page, 'answers-thresholds');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !(document.querySelector('.sum-wrong')?.textContent || '').includes('GET /products/{id}'));
    assert((await text(page, '.sum-wrong')).includes('UPDATE shop.stock ×32'), 'the database run is still flagged');
    await page.reload();
    await page.waitForSelector('.sum-wrong');
    assert(!(await text(page, '.sum-wrong')).includes('GET /products/{id}'), 'remembered after a reload');
    await page.keyboard.press('?');
    await page.click('button:has-text("Defaults")');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => (document.querySelector('.sum-wrong')?.textContent || '').includes('GET /products/{id}'));
    // A bad value says why and changes nothing.
    await page.keyboard.press('?');
    await page.locator('input.threshold[data-key="slow_query_ns"]').fill('fast');
    await page.locator('input.threshold[data-key="slow_query_ns"]').dispatchEvent('change');
    assert((await text(page, '.modal .find-error')).includes('slow_query_ns'), 'the error names the threshold');
  },
};
