// Many traces at once (issue 20): a frame that never scrolls sideways, tabs
// told apart, the trace list filtered with the query language, response time
// vs extent, distinct service colours; screenshots at three sizes, two themes.

import { assert, assertEq, screenshot, text } from './harness.mjs';

/** What scrolls sideways: the page, a container of the frame with a
 *  horizontal scroll offset, or a top-bar button past the window's edge. */
async function sideways(page) {
  return page.evaluate(() => {
    const out = [];
    if (document.documentElement.scrollWidth > innerWidth) out.push(`page ${document.documentElement.scrollWidth} > ${innerWidth}`);
    for (const el of document.querySelectorAll('.app, .app *')) {
      // The tab strip scrolls on purpose (its own box, within the window).
      if (el.scrollLeft > 0 && !el.classList.contains('tabs')) out.push(`${el.tagName}.${el.className} scrollLeft ${el.scrollLeft}`);
    }
    for (const b of document.querySelectorAll('.topbar .actions > *, .brand')) {
      const r = b.getBoundingClientRect();
      if (r.left < 0 || r.right > innerWidth) out.push(`${b.textContent.trim()} at ${r.left}-${r.right}`);
    }
    const tabs = document.querySelector('.tabs').getBoundingClientRect();
    if (tabs.right > innerWidth) out.push(`tab strip ends at ${tabs.right}`);
    return out;
  });
}

async function openTraces(page, n) {
  for (let i = 0; i < n; i++) {
    await page.click('.tab >> text=Traces');
    await page.locator('.tl-row').nth(i).click();
    await page.waitForSelector('.trace-view');
  }
}

export const tests = {
  async 'ten tabs at 1024x700 never widen the page; the open tab stays in view; same titles told apart'(page) {
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.click('.tab >> text=Traces');
    await page.click('.th.c-name');
    await openTraces(page, 10);
    assertEq(await sideways(page), [], 'nothing scrolls sideways');
    const active = await page.locator('.trace-tab.active').boundingBox();
    assert(active && active.x >= 0 && active.x + active.width <= 1024, `the open tab is visible: ${JSON.stringify(active)}`);
    const labels = await page.locator('.trace-tab .tab-open').allTextContents();
    assertEq(new Set(labels).size, labels.length, `tab labels differ: ${labels.join(' | ')}`);
    assert(labels.some((l) => / · \d\d:\d\d:\d\d · [0-9a-f]{7}$/.test(l)), labels.join(' | '));
    await page.locator('.wf-row').nth(3).click();
    await page.waitForSelector('.detail');
    assertEq(await sideways(page), [], 'nothing scrolls sideways with the details open');
    const timeline = await page.locator('.wf-scroll').first().boundingBox();
    assert(timeline && timeline.width > 500, `the timeline keeps its room: ${JSON.stringify(timeline)}`);
    await screenshot(page, 'workbench-1024x700-tabs');
  },

  async 'the trace list filters with the query language, in the scatter and the URL'(page) {
    await page.click('.tab >> text=Traces');
    await page.fill('.tl-filter .filter', 'service=payment status=error response>100ms');
    await page.waitForFunction(() => document.querySelector('.tl-count')?.textContent === '3 of 40 traces');
    const ids = (await page.locator('.tl-row .tl-id').allTextContents()).sort();
    // The same three as the native query (the declined card, and two more declines).
    assertEq(ids, ['c5160c749fcaf311256ffa7c46b64dd1', 'd529d632f1b670d52a93a301caf032cf', 'e15fda7f6b60df18606ed0d72aaaadce'], 'the payment failures over 100 ms');
    const dots = await page.evaluate(() => [0, 1, 2, 3].map((i) => window.__strataScatterDot(i) !== null));
    assertEq(dots, [true, true, true, false], 'the scatter shows the same three');
    await page.waitForFunction(() => location.hash.includes('tq=service'));
    await page.fill('.tl-filter .filter', 'status=error -failed');
    await page.waitForFunction(() => document.querySelector('.tl-count')?.textContent === '3 of 40 traces');
    await page.fill('.tl-filter .filter', 'failed');
    await page.waitForFunction(() => document.querySelector('.tl-count')?.textContent === '6 of 40 traces');
    await page.fill('.tl-filter .filter', 'response>(');
    await page.waitForSelector('.tl-filter .query-error');
    await screenshot(page, 'workbench-filter-error');
    await page.fill('.tl-filter .filter', '');
    await page.waitForFunction(() => document.querySelector('.tl-count')?.textContent === '40 traces');
  },

  async 'response time and extent: a checkout that answered in 15 ms is not a 2 s trace'(page) {
    await page.click('.tab >> text=Traces');
    await page.fill('.tl-filter .filter', 'status=error -failed');
    const row = page.locator('.tl-row:has(.tl-id:text("5ce9654bea745e2f06f0669568aa2130"))');
    await row.waitFor();
    const [response, extent] = [await row.locator('.c-dur').textContent(), await row.locator('.c-ext').textContent()];
    assert(/^15\.\d+ms$/.test(response) && /^2\.0\ds$/.test(extent), `response ${response}, extent ${extent}`);
    await page.fill('.tl-filter .filter', '');
    await page.click('.th.c-dur');
    const sorted = await page.locator('.tl-row .c-dur').allTextContents();
    assert(sorted[0].endsWith('s') && !sorted[0].endsWith('ms'), `longest response first: ${sorted.slice(0, 3)}`);
  },

  async 'the grid: roles, aria-sort, arrow keys and Enter'(page) {
    await page.click('.tab >> text=Traces');
    assertEq(await page.locator('[role=grid] [role=columnheader]').count(), 9, 'column headers');
    await page.click('.th.c-start');
    assertEq(await page.locator('.th.c-start').getAttribute('aria-sort'), 'descending', 'aria-sort');
    await page.locator('.tl-row').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement.getAttribute('aria-rowindex'));
    assertEq(focused, '4', 'two rows down');
    const id = await page.evaluate(() => document.activeElement.querySelector('.tl-id').textContent);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.trace-view');
    assertEq((await text(page, '.tv-id .trace-id')), id, 'Enter opened the focused trace');
  },

  async 'service colours of the demo are pairwise distinct and the same in every view'(page) {
    // Every service of the demo, with the colour of its dot, from the
    // waterfalls of the traces with the most services.
    await page.click('.tab >> text=Traces');
    await page.click('.th.c-svcs');
    const seen = new Map();
    for (let k = 0; k < 6; k++) {
      await page.click('.tab >> text=Traces');
      await page.locator('.tl-row').nth(k).click();
      await page.waitForSelector('.wf-row');
      const rows = await page.evaluate(async () => {
        const out = [];
        const box = document.querySelector('.wf-scroll');
        for (let y = 0; y <= box.scrollHeight; y += box.clientHeight / 2) {
          box.scrollTop = y;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          for (const r of document.querySelectorAll('.wf-row')) out.push([r.querySelector('.svc').textContent, getComputedStyle(r.querySelector('.svc-dot')).backgroundColor]);
        }
        return out;
      });
      for (const [svc, c] of rows) {
        if (seen.has(svc)) assertEq(c, seen.get(svc), `${svc} keeps its colour across traces`);
        seen.set(svc, c);
      }
    }
    const colours = [...seen];
    assert(colours.length >= 11, `${colours.length} services seen: ${colours.map((c) => c[0])}`);
    const values = colours.map(([, c]) => c);
    assertEq(new Set(values).size, values.length, `distinct: ${JSON.stringify(colours)}`);
    // The same colours in the trace list's chips.
    await page.click('.tab >> text=Traces');
    const chips = await page.evaluate(() => [...document.querySelectorAll('.tl-row .chip[title]')].map((c) => [c.title, getComputedStyle(c.querySelector('.svc-dot')).backgroundColor]));
    for (const [svc, c] of chips) if (seen.has(svc)) assertEq(c, seen.get(svc), `${svc} in the list`);
  },

  async 'screenshots at 1024x700, 1500x900 and 1920x1080 in both themes, nothing sideways'(page) {
    for (const theme of ['light', 'dark']) {
      for (const [w, h] of [[1024, 700], [1500, 900], [1920, 1080]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.emulateMedia({ colorScheme: theme });
        await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
        await page.click('.tab >> text=Traces');
        await page.waitForTimeout(200);
        assertEq(await sideways(page), [], `${w}x${h} ${theme}: trace list`);
        await screenshot(page, `workbench-${w}x${h}-${theme}-list`);
        await page.locator('.tl-row').first().click();
        await page.locator('.wf-row').nth(2).click();
        await page.waitForSelector('.detail');
        await page.waitForTimeout(200);
        assertEq(await sideways(page), [], `${w}x${h} ${theme}: trace with details`);
        await screenshot(page, `workbench-${w}x${h}-${theme}-trace`);
      }
    }
  },
};
