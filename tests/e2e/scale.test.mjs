// Scaled scrolling: a waterfall of 1.5M rows is 36M px tall at 24 px a row,
// past what browsers let an element be (Chrome ~33.5M px, Firefox ~17.9M px).
// The spacer is capped (8M px) and scrollTop maps proportionally onto the rows;
// the last row must be reachable and every "scroll to a span" path must land
// on the right rows. The trace is generated in wasm (window.__strataLoadSynthetic,
// src/views/probe.rs): span i in file order is row i, named "<op> #i".

import { assert, assertEq, screenshot, text, waitText } from './harness.mjs';

const N = 1_500_000;
const ROW_H = 24;
const CAP = 8_000_000;

/** The rendered rows, top to bottom: data-span, offset in the spacer (style.top reads back rounded to 6 digits), screen box, op name. */
async function rows(page) {
  return page.evaluate(() => [...document.querySelectorAll('.wf-row')]
    .map((r) => {
      const b = r.getBoundingClientRect();
      return { span: Number(r.dataset.span), top: r.offsetTop, y: b.top, bottom: b.bottom, op: r.querySelector('.op').textContent };
    })
    .sort((a, b) => a.top - b.top));
}

/** The part of the scroll container rows show in (below the sticky header). */
async function view(page) {
  return page.evaluate(() => {
    const s = document.querySelector('.wf-scroll').getBoundingClientRect();
    const h = document.querySelector('.wf-head').getBoundingClientRect();
    const el = document.querySelector('.wf-scroll');
    return { top: h.bottom, bottom: s.top + el.clientTop + el.clientHeight, scrollTop: el.scrollTop, max: el.scrollHeight - el.clientHeight };
  });
}

/** Rows are contiguous, on whole px (in span order unless rows are hidden);
 *  the view is covered. */
async function checkRows(page, what, { ordered = true } = {}) {
  const rs = await rows(page);
  const v = await view(page);
  assert(rs.length > 10 && rs.length < 120, `${what}: ${rs.length} rows in the DOM`);
  for (let k = 1; k < rs.length; k++) {
    assertEq(rs[k].top - rs[k - 1].top, ROW_H, `${what}: rows ${k - 1}, ${k} contiguous`);
    if (ordered) assertEq(rs[k].span - rs[k - 1].span, 1, `${what}: rows in order`);
  }
  assert(rs.every((r) => Number.isInteger(r.top)), `${what}: rows on whole px`);
  assert(rs[0].y <= v.top && rs[rs.length - 1].bottom >= v.bottom, `${what}: rows cover the view`);
  return { rs, v };
}

/** The row of span `span` is rendered and wholly in view. */
async function inView(page, span, what) {
  const sel = `.wf-row[data-span="${span}"]`;
  await page.waitForSelector(sel, { timeout: 20000 }).catch(() => { throw new Error(`${what}: row ${span} not rendered`); });
  const b = await page.locator(sel).boundingBox();
  const v = await view(page);
  assert(b.y >= v.top - 0.5 && b.y + b.height <= v.bottom + 0.5, `${what}: row ${span} at ${b.y}..${b.y + b.height}, view ${v.top}..${v.bottom}`);
  return { b, v };
}

export const tests = {
  async 'scaled scrolling: a 1.5M-row waterfall reaches its last row; chosen spans scroll into view'(page) {
    const [first, ms] = await page.evaluate((n) => window.__strataLoadSynthetic(n), N);
    await waitText(page, '.n-spans', N, 120000);
    await page.waitForFunction((n) => document.querySelector('.wf-count')?.textContent.trim() === `${n.toLocaleString('en-US')} spans`, N);
    console.log(`     generated and loaded ${N} spans in ${Math.round(ms)} ms`);
    const last = first + N - 1;

    // The summary is computed in slices after the first paint: it says so,
    // then names where the trace failed.
    await page.waitForSelector('.sum-failed', { timeout: 60000 });
    const failed = await text(page, '.sum-failed');
    assert(/deadline exceeded/.test(failed), `summary of the big trace: ${failed}`);

    // The spacer is capped, not 36M px; the minimap and the axis are drawn.
    const spacer = await page.locator('.wf-canvas').evaluate((el) => el.getBoundingClientRect().height);
    assertEq(spacer, CAP, 'spacer height');
    assert((await page.locator('.wf-head-axis .tick').count()) > 2, 'axis ticks');
    assert(await page.locator('.minimap canvas').evaluate((c) => c.width > 100), 'minimap drawn');
    let { rs } = await checkRows(page, 'top');
    assertEq(rs[0].span, first, 'first row at the top');
    assertEq(rs[0].top, 0, 'first row unshifted');

    // The very bottom: the last span's row is in view, ending at the spacer's end.
    await page.locator('.wf-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await inView(page, last, 'bottom');
    ({ rs } = await checkRows(page, 'bottom'));
    assertEq(rs[rs.length - 1].span, last, 'last rendered row is the last span');
    assertEq(rs[rs.length - 1].top + ROW_H, CAP, 'last row ends the spacer');
    assert(rs[rs.length - 1].op.endsWith(`#${N - 1}`), `last row's name: ${rs[rs.length - 1].op}`);
    await screenshot(page, 'scale-bottom');

    // The middle: the thumb's position is the rows' position.
    await page.locator('.wf-scroll').evaluate((el) => { el.scrollTop = Math.round((el.scrollHeight - el.clientHeight) / 2); });
    await page.waitForFunction(([f, n]) => [...document.querySelectorAll('.wf-row')].some((r) => Math.abs(r.dataset.span - f - n / 2) < 40), [first, N]);
    await checkRows(page, 'middle');
    // A wheel turn moves the rows (more than 1:1) and keeps them whole.
    const before = (await rows(page))[0];
    const box = await page.locator('.wf-scroll').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 200);
    await page.waitForFunction((s) => !document.querySelector(`.wf-row[data-span="${s}"]`), before.span);
    ({ rs } = await checkRows(page, 'after the wheel'));
    assert(rs[0].span > before.span, 'scrolled down');

    // Search for a span near the end, Enter: selected and scrolled into view.
    const target = N - 1000;
    await page.fill('#span-find', `#${target}`);
    await waitText(page, '.find-count', '1 match', 30000);
    await page.locator('#span-find').press('Enter');
    await waitText(page, '.find-count', '1 of 1', 30000);
    await inView(page, first + target, 'search hit');
    assertEq(await page.locator('.wf-row.selected').getAttribute('data-span'), String(first + target), 'the hit is selected');
    assert((await text(page, '.wf-row.selected .op')).endsWith(`#${target}`), 'the hit is the right span');
    await page.waitForSelector('.detail');
    await checkRows(page, 'search hit');
    await screenshot(page, 'scale-search-hit');
    await page.fill('#span-find', '');

    // Keyboard: Home and End step to the ends, ArrowDown/Up one row.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Home');
    await inView(page, first, 'Home');
    assertEq((await view(page)).scrollTop, 0, 'Home scrolls to the top');
    await page.keyboard.press('End');
    await inView(page, last, 'End');
    await page.keyboard.press('ArrowUp');
    await inView(page, last - 1, 'ArrowUp');
    assertEq(await page.locator('.wf-row.selected').getAttribute('data-span'), String(last - 1), 'ArrowUp selects');

    // The middle of the trace through the search again, from the bottom.
    const mid = 987_654;
    await page.fill('#span-find', `#${mid}`);
    await waitText(page, '.find-count', '1 match', 30000);
    await page.locator('#span-find').press('Enter');
    const { v } = await inView(page, first + mid, 'search hit in the middle');
    const frac = v.scrollTop / v.max;
    assert(Math.abs(frac - mid / N) < 0.001, `thumb at ${frac}, row at ${mid / N}`);
    await page.fill('#span-find', '');

    // The parent link in the details selects the parent (far above) and reveals it.
    await page.waitForSelector('.detail');
    await page.click('.detail button.link.mono');
    await page.waitForFunction((s) => {
      const sel = document.querySelector('.wf-row.selected');
      return sel && sel.dataset.span !== String(s);
    }, first + mid);
    const parentSpan = Number(await page.locator('.wf-row.selected').getAttribute('data-span'));
    assert(parentSpan < first + mid, `parent ${parentSpan} above`);
    await inView(page, parentSpan, 'parent link');
    await checkRows(page, 'parent link');

    // Off to the flame graph and back: the waterfall opens on the selection.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('f');
    await page.waitForSelector('.flame-canvas');
    await page.keyboard.press('w');
    await inView(page, parentSpan, 'back from the flame graph');
    assertEq(await page.locator('.wf-row.selected').getAttribute('data-span'), String(parentSpan), 'still selected');
    await checkRows(page, 'back from the flame graph');

    // Collapsing a row keeps it where it is on screen.
    ({ rs } = await checkRows(page, 'before collapsing'));
    const parent = await page.evaluate(() => {
      // A parent row on screen, as a user would click (not one of the rows
      // drawn beyond the edges: clicking those scrolls, which moves scaled rows).
      const view = document.querySelector('.wf-scroll').getBoundingClientRect();
      const r = [...document.querySelectorAll('.wf-row')].find((r) => {
        const b = r.getBoundingClientRect();
        return r.querySelector('button.wf-toggle') && b.top > 300 && b.bottom < view.bottom;
      });
      return r && { span: r.dataset.span, y: r.getBoundingClientRect().top };
    });
    assert(parent, 'a parent row in view');
    await page.click(`.wf-row[data-span="${parent.span}"] button.wf-toggle`);
    await page.waitForFunction(() => document.querySelector('.wf-count').textContent.includes(' of '));
    const y = await page.locator(`.wf-row[data-span="${parent.span}"]`).evaluate((r) => r.getBoundingClientRect().top);
    assert(Math.abs(y - parent.y) <= 8, `collapsed row stays put: ${parent.y} -> ${y}`);
    await checkRows(page, 'after collapsing', { ordered: false });

    // Collapse all: one row, 1:1 again; expand all: scaled again.
    await page.click('button:has-text("Collapse all")');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 1);
    assertEq(await page.locator('.wf-canvas').evaluate((el) => el.getBoundingClientRect().height), ROW_H, 'one row, 1:1');
    await page.click('button:has-text("Expand all")');
    await page.waitForFunction((n) => document.querySelector('.wf-count')?.textContent.trim() === `${n.toLocaleString('en-US')} spans`, N);
    assertEq(await page.locator('.wf-canvas').evaluate((el) => el.getBoundingClientRect().height), CAP, 'capped again');
  },
};
