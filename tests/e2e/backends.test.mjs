// Backends and share links, end to end, against the stand-in Jaeger / Tempo /
// Zipkin of tests/backends/server.mjs: connect (kind detected by probing),
// search, open, copy the link, reopen it in a fresh page; CORS explained;
// self-contained links with no network; #url=; progress and cancel; export.

import { readFile } from 'node:fs/promises';
import { assert, assertEq, dropFiles, dropOnZone, screenshot, text, trace, waitText } from './harness.mjs';

/** Connects the search panel to `base` (kind detected unless given). */
async function connect(page, base, kind) {
  await page.click('.side-tabs button:has-text("Search")');
  await page.fill('#backend-url', base);
  if (kind) await page.selectOption('#backend-kind', kind);
  await page.click('.search-panel button:has-text("Connect")');
  await page.waitForSelector('.connected', { timeout: 15000 });
  return text(page, '.connected');
}

/** Searches a service over a custom range that spans the recorded traces. */
async function search(page, service, { tags } = {}) {
  if (service) {
    await page.waitForFunction((s) => [...document.querySelectorAll('#search-service option')].some((o) => o.value === s), service);
    await page.selectOption('#search-service', service);
  }
  if (tags) await page.fill('#search-tags', tags);
  await page.selectOption('#search-range', '0');
  await page.fill('#search-from', '2016-01-01T00:00:00');
  await page.fill('#search-to', '2027-01-01T00:00:00');
  await page.click('.search-form button[type="submit"]');
}

/** Copies the page's link through the Copy link button and returns it. */
async function copiedLink(page, button = 'Copy link') {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click(`.share button:has-text("${button}")`);
  await page.waitForSelector('.toast');
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Opens `url` in a fresh browser context; returns the page. */
async function fresh(ctx, url, options = {}) {
  const context = await ctx.browser.newContext({ viewport: { width: 1500, height: 900 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return page;
}

/** Says yes to the question a link asks before fetching from a server this
 *  fresh browser has not used. */
async function acceptFetch(page) {
  await page.click('.modal button:has-text("Fetch from")', { timeout: 15000 });
}

async function header(page) {
  return { id: await text(page, '.tv-id .trace-id'), spans: await text(page, '.n-spans') };
}

export const tests = {
  async 'Jaeger API v3: detect, search, open, copy the link, reopen it elsewhere'(page, ctx) {
    const status = await connect(page, `${ctx.backends}/jaeger`);
    assert(status.includes('Jaeger (API v3)'), status);
    await search(page, 'cart');
    await page.waitForSelector('.tl-row:has(.c-file:text-matches("search"))');
    const rows = page.locator('.tl-row:has(.c-file:text-matches("Jaeger \\\\(API v3\\\\) search"))');
    assertEq(await rows.count(), 2, 'two cart traces');
    await screenshot(page, 'jaeger-v3-search');
    await rows.first().click();
    await page.waitForSelector('.trace-view');
    await page.keyboard.press('f');
    await page.waitForSelector('.flame-canvas');
    const before = await header(page);
    const link = await copiedLink(page);
    assert(link.includes('src=jaeger-v3%3A') && link.includes('view=flame'), link);
    const other = await fresh(ctx, link);
    await acceptFetch(other);
    await other.waitForSelector('.view-tab.active[data-view="flame"]', { timeout: 15000 });
    assertEq(await header(other), before, 'same trace in the fresh page');
    assertEq(await other.locator('.source.loaded').count(), 1, 'only the linked trace (no demo)');
    await screenshot(other, 'jaeger-v3-reopened');
    assertEq(other.problems, [], 'no errors');
    await other.context().close();
  },

  async 'Jaeger legacy JSON API: search by service and tag, open by id'(page, ctx) {
    const status = await connect(page, `${ctx.backends}/jaeger-v1`);
    assert(status.includes('Jaeger (JSON API)'), status);
    await search(page, 'jaeger-query');
    await page.waitForSelector('.tl-row:has(.c-file:text-matches("JSON API\\\\) search"))');
    await page.fill('#trace-id', '84b3fad94c6112edd6af3347d06f6f1d');
    await page.click('.search-panel form:has(#trace-id) button');
    await waitText(page, '.tv-id .trace-id', '84b3fad94c6112edd6af3347d06f6f1d', 15000);
    // A search with no service is refused with a clear message.
    await page.selectOption('#search-service', '');
    await page.click('.search-form button[type="submit"]');
    assert((await text(page, '.fetch-error')).includes('needs a service'), 'service required');
  },

  async 'Tempo: summaries listed, a click fetches the trace, the link reopens it'(page, ctx) {
    const status = await connect(page, `${ctx.backends}/tempo`);
    assert(status.includes('Tempo'), status);
    await search(page, 'cart');
    await page.waitForSelector('.tl-row.remote');
    assertEq(await page.locator('.tl-row.remote').count(), 2, 'two summaries');
    await screenshot(page, 'tempo-search');
    await page.locator('.tl-row.remote').first().click();
    await page.waitForSelector('.trace-view', { timeout: 15000 });
    const before = await header(page);
    const link = await copiedLink(page);
    assert(link.includes('src=tempo%3A'), link);
    const other = await fresh(ctx, link);
    await acceptFetch(other);
    await other.waitForSelector('.trace-view', { timeout: 15000 });
    assertEq(await header(other), before, 'same trace');
    await other.context().close();
    // An unknown id: Tempo answers an empty trace; Strata says it is missing.
    await page.fill('#trace-id', 'ffffffffffffffffffffffffffffffff');
    await page.click('.search-panel form:has(#trace-id) button');
    await page.waitForSelector('.fetch-error');
    assert((await text(page, '.fetch-error')).includes('no trace'), await text(page, '.fetch-error'));
  },

  async 'Zipkin: search, open, and the waterfall of the fetched trace'(page, ctx) {
    const status = await connect(page, `${ctx.backends}/zipkin`);
    assert(status.includes('Zipkin'), status);
    await search(page, 'routing');
    await page.waitForSelector('.tl-row:has(.c-file:text-matches("Zipkin search"))');
    await page.click('.tl-row:has(.c-file:text-matches("Zipkin search"))');
    await waitText(page, '.n-spans', 16);
    await screenshot(page, 'zipkin-opened');
  },

  async 'a backend without CORS gets the CORS explanation with the setting to change'(page, ctx) {
    await page.click('.side-tabs button:has-text("Search")');
    for (const [path, setting] of [['nocors/jaeger', '--query.additional-headers'], ['nocors/zipkin', 'ZIPKIN_QUERY_ALLOWED_ORIGINS'], ['nocors/tempo', 'reverse proxy']]) {
      const kind = { 'nocors/jaeger': 'jaeger-v3', 'nocors/zipkin': 'zipkin', 'nocors/tempo': 'tempo' }[path];
      await page.fill('#backend-url', `${ctx.backends}/${path}`);
      await page.selectOption('#backend-kind', kind);
      await page.click('.search-panel button:has-text("Connect")');
      await page.waitForFunction((s) => document.querySelector('.fetch-error')?.textContent.includes(s), setting, { timeout: 15000 });
      const msg = await text(page, '.fetch-error');
      assert(msg.includes('CORS') && msg.includes('Trunk'), msg);
    }
    await screenshot(page, 'cors-explained');
    // An address where nothing listens is not called a CORS problem.
    await page.fill('#backend-url', 'http://127.0.0.1:1');
    await page.selectOption('#backend-kind', 'zipkin');
    await page.click('.search-panel button:has-text("Connect")');
    await page.waitForFunction(() => document.querySelector('.fetch-error')?.textContent.includes('Could not reach'), null, { timeout: 15000 });
    page.problems = page.problems.filter((p) => !/Failed to load resource|CORS|ERR_/.test(p));
  },

  async 'a self-contained link of a small file trace reopens it with no network'(page, ctx) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__ascend.json')]);
    await waitText(page, '.n-spans', 8);
    await page.keyboard.press('m');
    await page.waitForSelector('.map-canvas');
    const link = await copiedLink(page, 'Copy self-contained link');
    assert(link.includes('src=data%3A'), 'data in the link');
    // The fresh page may only fetch the app itself: everything else is refused.
    const appOrigin = new URL(ctx.url).origin;
    const context = await ctx.browser.newContext({ viewport: { width: 1500, height: 900 } });
    await context.route('**/*', (route) => (new URL(route.request().url()).origin === appOrigin ? route.continue() : route.abort()));
    const other = await context.newPage();
    await other.goto(link);
    await other.waitForSelector('.view-tab.active[data-view="map"]', { timeout: 15000 });
    assertEq(await text(other, '.n-spans'), '8', 'the trace came from the link');
    assertEq(await text(other, '.source.loaded .src-name'), '✓shared link', 'source named');
    await screenshot(other, 'self-contained-link');
    await context.close();
    // A damaged link says so.
    const cut = link.slice(0, link.indexOf('src=data%3A') + 60);
    const broken = await fresh(ctx, cut);
    await broken.waitForSelector('.notice');
    assert((await text(broken, '.notice')).includes('damaged'), await text(broken, '.notice'));
    await broken.context().close();
  },

  async 'a trace too big for a link offers a download instead'(page) {
    await dropFiles(page, [trace('jaeger/jaeger-ui__genaiTestTrace.json')]);
    await waitText(page, '.n-spans', 57);
    // 57 spans compress well below 64 KB, so use a generated big trace.
    const { jaegerTrace } = await import('./harness.mjs');
    await dropFiles(page, [{ name: 'big.json', text: jaegerTrace(20000) }]);
    await waitText(page, '.n-spans', 20000, 30000);
    await page.click('.share button:has-text("Copy self-contained link")');
    await page.waitForSelector('.too-big');
    assert((await text(page, '.too-big')).includes('a link can carry 64 KB'), await text(page, '.too-big'));
  },

  async '#url= opens a URL directly; progress shows and cancel stops a slow fetch'(page, ctx) {
    const other = await fresh(ctx, `${ctx.url}#url=${encodeURIComponent(`${ctx.backends}/files/zipkin/zipkin-lens__yelp.json`)}`);
    await acceptFetch(other);
    await other.waitForSelector('.n-spans', { timeout: 15000 });
    await waitText(other, '.n-spans', 16);
    assert((await other.evaluate(() => location.hash)).includes('src=url%3A'), 'the link keeps the URL');
    await other.context().close();
    await page.click('.side-tabs button:has-text("Search")');
    await page.fill('#open-url', `${ctx.backends}/slow/4000/files/zipkin/zipkin-lens__smartthings-oauth-authorization.json?pause=400`);
    await page.click('.search-panel form:has(#open-url) button');
    await page.waitForSelector('.fetch-status');
    await screenshot(page, 'fetch-progress');
    await page.click('.fetch-status button:has-text("Cancel")');
    await page.waitForSelector('.fetch-error');
    assertEq(await text(page, '.fetch-error span'), 'Cancelled.', 'cancelled');
    await page.waitForSelector('.fetch-status', { state: 'detached' });
  },

  async 'export OTLP/JSON and Jaeger JSON re-import to the same trace; PNG of the view'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__yelp.json')]);
    await waitText(page, '.n-spans', 16);
    for (const [button, suffix] of [['OTLP/JSON', '.otlp.json'], ['Jaeger JSON', '.jaeger.json']]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`.share button:has-text("${button}")`)]);
      assert(download.suggestedFilename().endsWith(suffix), download.suggestedFilename());
      const path = await download.path();
      const body = await readFile(path, 'utf8');
      JSON.parse(body);
      // Alone: added to the trace it came from, the export would join it
      // (import::join; the Zipkin trace's shared client/server halves get
      // ids of their own in OTLP and Jaeger, so those spans differ).
      await dropOnZone(page, [{ name: download.suggestedFilename(), text: body }], 'replace');
      await page.locator('.source.loaded', { hasText: download.suggestedFilename() }).waitFor();
      assertEq(await page.locator('.source.loaded').count(), 1, 'only the export is loaded');
      await waitText(page, '.n-spans', 16);
      // OTLP writes every trace id with 32 digits; the value is the same.
      assertEq((await text(page, '.tv-id .trace-id')).replace(/^0+/, ''), 'a03ee8fff1dcd9b9', `${button} keeps the trace id`);
    }
    for (const view of ['w', 'f', 'm']) {
      await page.keyboard.press(view);
      await page.waitForTimeout(300);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('.share button:has-text("PNG")')]);
      const bytes = await readFile(await download.path());
      assertEq([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG', `${view}: a PNG`);
    }
  },

  async 'tabs hold several traces; back and forward move between states'(page) {
    await page.click('.tab >> text=Traces');
    await page.locator('.tl-row').nth(2).click();
    await page.waitForSelector('.trace-view');
    await page.click('.tab >> text=Traces');
    await page.locator('.tl-row').nth(5).click();
    await page.waitForSelector('.trace-view');
    const tabs = await page.locator('.trace-tab').count();
    assert(tabs >= 3, `${tabs} tabs`);
    const current = await text(page, '.tv-id .trace-id');
    await page.keyboard.press('f');
    await page.waitForSelector('.view-tab.active[data-view="flame"]');
    await page.goBack();
    await page.waitForSelector('.view-tab.active[data-view="waterfall"]');
    assertEq(await text(page, '.tv-id .trace-id'), current, 'back: same trace, previous view');
    await page.goForward();
    await page.waitForSelector('.view-tab.active[data-view="flame"]');
    await page.locator('.trace-tab.active .tab-close').click();
    assertEq(await page.locator('.trace-tab').count(), tabs - 1, 'tab closed');
    await screenshot(page, 'tabs');
  },

  async 'a hostile or truncated link gives a clear message, never a crash'(page, ctx) {
    const other = await fresh(ctx, `${ctx.url}#trace=zzz&view=nope&zoom=oops&span=%E0%A4&src=ftp:x`);
    await other.waitForSelector('.notice', { timeout: 15000 });
    const n = await text(other, '.notice');
    assert(n.includes('view') && n.includes('zoom') && n.includes('src'), n);
    await other.waitForSelector('.wf-row');
    assertEq(other.problems, [], 'no page errors');
    await other.context().close();
  },

  async 'a link naming a trace that is not loaded applies nothing to the trace on screen'(page, ctx) {
    const id = 'f'.repeat(32);
    const other = await fresh(ctx, `${ctx.url}#src=demo&trace=${id}&svc=nosuch&q=zzz&view=flame`);
    await other.waitForSelector('.notice', { timeout: 15000 });
    const n = await text(other, '.notice');
    assert(n.includes(`trace ${id}`) && n.includes('not loaded'), n);
    await other.waitForSelector('.wf-row');
    assertEq(await other.inputValue('#span-find'), '', 'the query is not applied to another trace');
    assertEq(await other.locator('.filter-chip').count(), 0, 'no service filter');
    await other.waitForTimeout(400);
    const hash = await other.evaluate(() => decodeURIComponent(location.hash));
    assert(!hash.includes('q=zzz') && !hash.includes('svc=nosuch'), `the link is not rewritten onto the trace on screen: ${hash}`);
    assertEq(other.problems, [], 'no page errors');
    await other.context().close();
  },
};
