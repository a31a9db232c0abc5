// Three views of one trace: flame graph, service map, charts; one selection
// shared by all; the URL hash remembers the view.

import { assert, assertEq, dropFiles, screenshot, text, trace, waitText } from './harness.mjs';

async function canvasBox(page, selector) {
  const box = await page.locator(selector).boundingBox();
  assert(box && box.width > 100 && box.height > 100, `${selector} has a size`);
  return box;
}

export const tests = {
  async 'flame graph: boxes drawn, click selects the span, hash remembers the view'(page) {
    await page.click('.view-tab[data-view="flame"]');
    await page.waitForFunction(() => Number(document.querySelector('.flame-canvas')?.dataset.items) > 0);
    const box = await canvasBox(page, '.flame-canvas');
    // The root box spans the first row: click it.
    await page.mouse.click(box.x + box.width * 0.5, box.y + 10);
    await page.waitForSelector('.detail');
    const title = await text(page, '.tv-title h1');
    assertEq(`${await text(page, '.detail h2 .svc')}: ${await text(page, '.detail h2 .op')}`, title.replace(': ', ': '), 'the root span is selected');
    assert((await page.evaluate(() => location.hash)).includes('view=flame'), 'hash has the view');
    await screenshot(page, 'flame-time');
    // Zoom with the keyboard and the wheel, then reset.
    await page.locator('.flame-canvas').focus();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await page.waitForFunction(() => !document.querySelector('.flame-toolbar button:last-of-type')?.disabled);
    await page.mouse.move(box.x + box.width * 0.3, box.y + 60);
    await page.mouse.wheel(0, -400);
    const crumbs = await text(page, '.crumbs');
    assert(!crumbs.includes('100.0%'), `zoomed: ${crumbs}`);
    await page.keyboard.press('0');
    await page.waitForFunction(() => document.querySelector('.crumbs').textContent.includes('100.0%'));
    // Reload: the flame view comes back with the same span selected.
    const span = await text(page, '.detail .facts code');
    await page.reload();
    await page.waitForSelector('.flame-canvas');
    await page.waitForSelector('.detail');
    assertEq(await text(page, '.detail .facts code'), span, 'selection restored');
    assert(await page.locator('.view-tab.active[data-view="flame"]').count() === 1, 'flame view restored');
  },

  async 'flame graph merged mode and search dimming'(page) {
    await page.click('.view-tab[data-view="flame"]');
    await page.click('.seg button:has-text("Merged")');
    await page.click('.seg button:has-text("All traces")');
    await page.waitForFunction(() => Number(document.querySelector('.flame-canvas')?.dataset.items) > 0);
    await page.fill('#span-find', 'payment');
    await page.waitForTimeout(200);
    await screenshot(page, 'flame-merged-all');
    const box = await canvasBox(page, '.flame-canvas');
    await page.mouse.move(box.x + 40, box.y + 50);
    await page.waitForSelector('.tooltip');
    const tip = await text(page, '.tooltip');
    assert(/total .* in \d+ spans/.test(tip) && tip.includes('self'), `tooltip: ${tip}`);
    // The current history entry is rewritten at most every 200 ms.
    await page.waitForFunction(() => location.hash.includes('flame=merged'), null, { timeout: 2000 });
  },

  async 'flame graph on a real Zipkin file'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__smartthings-oauth-authorization.json')]);
    await waitText(page, '.n-spans', 175);
    await page.keyboard.press('f');
    await page.waitForFunction(() => Number(document.querySelector('.flame-canvas')?.dataset.items) > 10);
    // The long "redirect" span sits around 75% of the width, row 21.
    const box = await canvasBox(page, '.flame-canvas');
    await page.mouse.dblclick(box.x + box.width * 0.85, box.y + 21 * 20 + 10);
    await page.waitForFunction(() => !document.querySelector('.crumbs').textContent.includes('100.0%'));
    await page.locator('.flame-canvas').focus();
    await page.keyboard.press('ArrowLeft');
    await screenshot(page, 'flame-zipkin');
  },

  async 'service map: nodes settle, clicking a node filters the waterfall, an edge lists its calls'(page) {
    await page.keyboard.press('m');
    await page.waitForSelector('.map-canvas[data-settled="true"]', { timeout: 15000 });
    const nodes = Number(await page.getAttribute('.map-canvas', 'data-nodes'));
    assert(nodes >= 8, `${nodes} services`);
    await screenshot(page, 'map');
    // Pick a node: find a service by clicking where the layout put it.
    const hit = await page.evaluate(() => window.__strataMapNode?.('payment-service'));
    assert(hit, 'map exposes node positions for tests');
    const box = await page.locator('.map-canvas').boundingBox();
    await page.mouse.click(box.x + hit[0], box.y + hit[1]);
    await page.waitForSelector('.map-panel h3:has-text("payment-service")');
    await page.click('.map-panel button:has-text("Show its spans")');
    await page.waitForSelector('.filter-chip');
    assert((await text(page, '.filter-chip')).startsWith('payment-service:'), 'waterfall filtered');
    const svcs = await page.locator('.wf-row:not(.context) .svc').allTextContents();
    assert(svcs.length > 0 && svcs.every((s) => s === 'payment-service'), `only payment spans: ${svcs}`);
    await screenshot(page, 'waterfall-filtered');
    // Back to the map; click an edge's midpoint.
    await page.keyboard.press('m');
    await page.waitForSelector('.map-canvas[data-settled="true"]');
    const mid = await page.evaluate(() => window.__strataMapEdge?.(0));
    await page.mouse.click(box.x + mid[0], box.y + mid[1]);
    await page.waitForSelector('.map-panel .calls li');
    await page.click('.map-panel .calls li button');
    await page.waitForSelector('.detail');
    assert(await page.locator('.view-tab.active[data-view="waterfall"]').count() === 1, 'jumped to the waterfall');
  },

  async 'service map of all traces and of a Jaeger file'(page) {
    await page.keyboard.press('m');
    await page.click('.map-toolbar .seg button:has-text("All traces")');
    await page.waitForSelector('.map-canvas[data-settled="true"]', { timeout: 15000 });
    await screenshot(page, 'map-all');
    await dropFiles(page, [trace('jaeger/jaeger-ui__genaiTestTrace.json')]);
    await waitText(page, '.n-spans', 57);
    await page.waitForSelector('.map-canvas[data-settled="true"]', { timeout: 15000 });
    await screenshot(page, 'map-genai');
  },

  async 'trace scatter: a dot per trace, click opens the trace; latency histogram in the details'(page) {
    await page.click('.tab >> text=Traces');
    await page.waitForSelector('.scatter canvas[data-dots]');
    assertEq(await page.getAttribute('.scatter canvas', 'data-dots'), '40', 'one dot per trace');
    const dot = await page.evaluate(() => window.__strataScatterDot?.(5));
    const box = await page.locator('.scatter').boundingBox();
    await page.mouse.click(box.x + dot[0], box.y + dot[1]);
    await page.waitForSelector('.trace-view');
    await page.click('.wf-row >> nth=1');
    await page.waitForSelector('.histogram canvas');
    assert((await text(page, '.histogram .muted')).includes('p95'), 'percentiles shown');
    await screenshot(page, 'histogram');
  },
};
