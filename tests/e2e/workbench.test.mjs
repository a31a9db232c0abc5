// Many traces at once (issue 20): a frame that never scrolls sideways, tabs
// told apart, the trace list filtered with the query language, response time
// vs extent, distinct service colours; screenshots at three sizes, two themes.

import { assert, assertEq, dropFiles, dropOnZone, jaegerTrace, screenshot, text, waitText } from './harness.mjs';

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

/** A Jaeger file of one small trace that started `yearsAgo` years before
 *  the harness's usual 2023 start. */
function oldTrace(id, yearsAgo) {
  const doc = JSON.parse(jaegerTrace(12, id));
  const shift = Math.round(yearsAgo * 365.25 * 24 * 3600 * 1e6);
  for (const s of doc.data[0].spans) s.startTime -= shift;
  return JSON.stringify(doc);
}

/** The sources panel's loaded files, by name. */
async function sourceNames(page) {
  return page.locator('.source.loaded .src-name').allTextContents().then((l) => l.map((t) => t.replace('✓', '').trim()));
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

  async 'a source hidden, then removed: the list, tabs and scatter follow'(page) {
    await dropFiles(page, [{ name: 'extra.json', text: jaegerTrace(30, 'feedbeef00000001') }]);
    await page.waitForFunction(() => document.querySelector('.tv-id .trace-id')?.textContent === 'feedbeef00000001');
    assertEq(await sourceNames(page), ['extra.json', 'demo: online shop'], 'two sources, newest first');
    // A demo tab open too.
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '41 traces');
    await page.locator('.tl-row').nth(3).click();
    await page.waitForSelector('.trace-view');
    const tabsBefore = await page.locator('.trace-tab').count();

    await page.click('.tab >> text=Traces');
    await page.locator('.source.loaded', { hasText: 'Demo' }).locator('.hide-source').click();
    await waitText(page, '.tl-count', '1 of 41 traces · 40 hidden');
    assertEq(await page.locator('.tl-row').count(), 1, 'one row left');
    assertEq(await page.evaluate(() => [0, 1].map((i) => window.__strataScatterDot(i) !== null)), [true, false], 'one dot left');
    await screenshot(page, 'workbench-source-hidden');
    await page.locator('.source.loaded', { hasText: 'Demo' }).locator('.hide-source').click();
    await waitText(page, '.tl-count', '41 traces');

    await page.locator('.source.loaded', { hasText: 'Demo' }).locator('.remove-source').click();
    // The open demo trace is gone: the remaining tab opens.
    await waitText(page, '.tv-id .trace-id', 'feedbeef00000001');
    assertEq(await sourceNames(page), ['extra.json'], 'the demo is gone from Sources');
    assert(tabsBefore >= 2, `tabs before: ${tabsBefore}`);
    assertEq(await page.locator('.trace-tab').count(), 1, 'the demo\'s tabs closed');
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '1 trace');
    await page.locator('.tl-row').first().click();
    await waitText(page, '.tv-id .trace-id', 'feedbeef00000001');
    assert((await page.locator('.wf-row').count()) > 10, 'the remaining trace draws');
    await screenshot(page, 'workbench-source-removed');
    // Loading after a removal lands in the right place.
    await dropFiles(page, [{ name: 'more.json', text: jaegerTrace(5, 'feedbeef00000002') }]);
    await waitText(page, '.tv-id .trace-id', 'feedbeef00000002');
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '2 traces');
  },

  async 'a drop with traces loaded offers add or replace'(page) {
    const boxes = await dropOnZone(page, [{ name: 'added.json', text: jaegerTrace(8, 'add0000000000001') }], 'add');
    assert(boxes.length === 2 && /Add/.test(boxes[0]) && /Replace/.test(boxes[1]), `two zones: ${boxes}`);
    await waitText(page, '.tv-id .trace-id', 'add0000000000001');
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '41 traces');
    // The overlay, as a user sees it while dragging.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{}'], 'x.json'));
      document.querySelector('.content').dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: dt }));
    });
    await page.waitForSelector('.drop-overlay.split');
    await screenshot(page, 'workbench-drop-zones');
    await page.evaluate(() => document.querySelector('.content').dispatchEvent(new DragEvent('dragleave', { bubbles: true })));
    await dropOnZone(page, [{ name: 'replacing.json', text: jaegerTrace(8, 'beef000000000003') }], 'replace');
    await waitText(page, '.tv-id .trace-id', 'beef000000000003');
    assertEq(await sourceNames(page), ['replacing.json'], 'only the new file is loaded');
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '1 trace');
    assertEq(await page.locator('.trace-tab').count(), 1, 'one tab');
  },

  async 'scatter: dragging across dots lists only those; sources years apart each get room'(page) {
    await page.click('.tab >> text=Traces');
    const box = await page.locator('.scatter canvas').boundingBox();
    const dots = await page.evaluate(() => {
      const out = [];
      for (let i = 0; window.__strataScatterDot(i); i++) out.push(window.__strataScatterDot(i));
      return out;
    });
    assertEq(dots.length, 40, 'a dot per trace');
    // Drag across the left half of the chart, top to bottom.
    const scatter = await page.locator('.scatter').boundingBox();
    const midX = scatter.x + scatter.width / 2;
    const inside = dots.filter(([x, y]) => scatter.x + x <= midX && scatter.y + y >= box.y && scatter.y + y <= box.y + box.height).length;
    await page.mouse.move(box.x + 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(midX - 20, box.y + box.height / 2, { steps: 4 });
    await page.waitForSelector('.scatter .brush');
    await screenshot(page, 'workbench-scatter-brush');
    await page.mouse.move(midX, box.y + box.height - 2, { steps: 2 });
    await page.mouse.up();
    await page.waitForSelector('.picked-chip');
    assert(inside > 0 && inside < 40, `dots in the left half: ${inside}`);
    await waitText(page, '.tl-count', `${inside} of 40 traces`);
    assertEq(await page.locator('.tl-row').count(), inside, 'the list shows the picked traces');
    await screenshot(page, 'workbench-scatter-picked');
    await page.click('.picked-chip button');
    await waitText(page, '.tl-count', '40 traces');

    // A source from three years earlier: both clusters keep their spread.
    await dropFiles(page, [{ name: 'old.json', text: oldTrace('01d0000000000001', 3) }, { name: 'older.json', text: oldTrace('01d0000000000002', 3.001) }]);
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '42 traces');
    const xs = await page.evaluate(() => {
      const out = [];
      for (let i = 0; window.__strataScatterDot(i); i++) out.push(window.__strataScatterDot(i)[0]);
      return out;
    });
    const demo = xs.slice(0, 40);
    const spread = Math.max(...demo) - Math.min(...demo);
    assert(spread > box.width * 0.4, `the demo's 40 dots spread over ${spread.toFixed(0)} of ${box.width.toFixed(0)} px`);
    const old = xs.slice(40);
    assert(Math.abs(old[0] - old[1]) > 20, `the old traces (a third of a day apart) are told apart: ${old}`);
    await screenshot(page, 'workbench-scatter-years-apart');
  },

  async 'the time-order flame graph has a time axis; the statistics table is a grid'(page) {
    await page.keyboard.press('f');
    await page.waitForSelector('.flame-axis .tick');
    const ticks = await page.locator('.flame-axis .tick').allTextContents();
    assert(ticks.length >= 3 && ticks[0].trim() === '0', `ticks from 0: ${ticks}`);
    await screenshot(page, 'workbench-flame-axis');
    await page.keyboard.press('s');
    await page.waitForSelector('.stats [role=grid] [role=row][aria-rowindex="2"]');
    assert((await page.locator('.stats [role=columnheader]').count()) >= 5, 'column headers');
    await page.locator('.stats [role=row][aria-rowindex="2"]').focus();
    await page.keyboard.press('ArrowDown');
    assertEq(await page.evaluate(() => document.activeElement.getAttribute('aria-rowindex')), '3', 'one row down');
    await page.keyboard.press('End');
    const last = await page.evaluate(() => Number(document.activeElement.getAttribute('aria-rowindex')));
    assert(last > 3, `End goes to the last row: ${last}`);
    await page.keyboard.press('Home');
    assertEq(await page.evaluate(() => document.activeElement.getAttribute('aria-rowindex')), '2', 'Home goes to the first row');
    const first = await page.locator('.stats [role=row][aria-rowindex="2"] .name').textContent();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.wf-row');
    await page.waitForFunction(() => document.querySelector('#span-find')?.value !== '');
    assert((await page.inputValue('#span-find')).length > 0, `Enter opened the row's spans (${first})`);
  },
};
