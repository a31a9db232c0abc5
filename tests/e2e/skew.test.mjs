// Clock skew, network time and span links on screen (issue 19): a real
// trace with skewed hosts (grafana-agent's TNS sample) shows "5 spans
// adjusted" and a badge with its shift on each moved span; the raw-times
// toggle moves the bars and comes back; a demo client span's network time
// is drawn on its bar and spelled out in the details; the demo's malformed
// message: the failing consumer's trace links to the producer, whose
// details list the failed consumer as a back-link, and Back returns to the
// producer with its selection.

import { assert, assertEq, dropFiles, openOnly, screenshot, text, trace, waitText } from './harness.mjs';

/** The rows' (operation, skew badge) pairs, in order. */
async function badges(page) {
  return page.evaluate(() => [...document.querySelectorAll('.wf-row')]
    .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
    .filter((r) => r.querySelector('.skew-badge'))
    .map((r) => [r.querySelector('.op').textContent, r.querySelector('.skew-badge').textContent]));
}

async function canvasPixels(page) {
  return page.evaluate(() => document.querySelector('.wf-timeline').toDataURL());
}

async function selectRow(page, svc, op) {
  await page.click(`.wf-row:has(.svc:text-is("${svc}")):has(.op:text-is("${op}"))`);
  await waitText(page, '.detail h2 .op', op);
}

export const tests = {
  async 'skew: the TNS sample says 5 spans adjusted, badges their shifts; raw times move the bars and back'(page) {
    await dropFiles(page, [trace('otlp/grafana-agent__trace-sample.json')]);
    await openOnly(page, 'service=db name~"HTTP POST"');
    await waitText(page, '.tv-stats .skew .skew-count', '5 spans adjusted');
    assertEq(await badges(page), SKEW_BADGES, 'badges on the moved spans');
    await selectRow(page, 'app', 'HTTP GET - root');
    assertEq(await text(page, '.detail .skew-fact'), SKEW_FACT, 'the details say the shift');
    await screenshot(page, 'skew-corrected');
    const before = await canvasPixels(page);
    const startCorrected = await text(page, '.detail .facts dd:nth-of-type(5)');

    await page.click('.skew-toggle input');
    await waitText(page, '.tv-stats .skew .skew-count', '5 spans not adjusted');
    assertEq(await badges(page), [], 'no badges on raw times');
    await page.waitForFunction(() => location.hash.includes('skew=raw'));
    const raw = await canvasPixels(page);
    assert(raw !== before, 'the bars moved');
    const startRaw = await text(page, '.detail .facts dd:nth-of-type(5)');
    assert(startRaw !== startCorrected, `start offset changed: ${startCorrected} -> ${startRaw}`);
    await screenshot(page, 'skew-raw');

    await page.keyboard.press('r');
    await waitText(page, '.tv-stats .skew .skew-count', '5 spans adjusted');
    assertEq(await badges(page), SKEW_BADGES, 'badges back');
    await page.waitForFunction(() => !location.hash.includes('skew=raw'));
    await page.waitForTimeout(100);
    assertEq(await canvasPixels(page), before, 'the bars are back where they were');
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'skew-corrected-1024-dark');
  },

  async 'skew: a file loaded while raw times are shown comes in raw'(page) {
    await page.keyboard.press('r');
    await page.waitForFunction(() => location.hash.includes('skew=raw'));
    await dropFiles(page, [trace('otlp/grafana-agent__trace-sample.json')]);
    await openOnly(page, 'service=db name~"HTTP POST"');
    await waitText(page, '.tv-stats .skew .skew-count', '5 spans not adjusted');
    assertEq(await badges(page), [], 'no badges');
  },

  async 'network: a demo client span shows its request and response gaps on its bar and in the details'(page) {
    await selectRow(page, NET_SERVICE, NET_OP);
    assertEq(await text(page, '.detail .network-fact'), NET_TEXT, 'the details');
    // Zoom to the call's start, then to its end (ns from the trace start:
    // the call runs +54.68ms..+479.81ms): each gap wide enough for its label.
    for (const [zoom, want] of NET_ZOOMS) {
      await page.evaluate((z) => { location.hash = location.hash.replace(/&zoom=[^&]*/, '') + `&zoom=${z}`; }, zoom);
      await page.waitForFunction((w) => document.querySelector('.wf-timeline')?.dataset.net?.includes(w), want);
      const net = await page.evaluate(() => document.querySelector('.wf-timeline').dataset.net);
      const seg = net.split('; ').find((n) => n.includes(` ${want} `));
      const w = Number(seg.split(' ').at(-1));
      assert(w > 80, `wide enough to read: ${net}`);
      await screenshot(page, `network-${want.split(' ')[0]}`);
    }
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'network-resp-dark');
  },

  async 'map: an edge sums its calls\' network time with the share of their time'(page) {
    await page.keyboard.press('m');
    await page.waitForSelector('.map-canvas[data-settled="true"]', { timeout: 20000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const s = JSON.parse(await page.evaluate(() => window.__strataMapScene?.()));
    const box = await page.locator('.map-canvas').boundingBox();
    // The featured checkout's one api-gateway -> order-service call.
    let tip = '';
    for (let i = 0; i < s.edges && !tip.startsWith('api-gateway → order-service'); i++) {
      const mid = await page.evaluate((i) => window.__strataMapEdge?.(i), i);
      if (!mid) continue;
      await page.mouse.move(box.x + mid[0], box.y + mid[1]);
      await page.waitForTimeout(50);
      tip = (await page.locator('.map-tip').count()) ? await text(page, '.map-tip') : '';
    }
    assert(tip.includes(MAP_NETWORK), `edge tooltip: ${tip}`);
    await screenshot(page, 'network-map-edge');
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'network-map-edge-dark');
  },

  async 'links: the producer of a malformed message lists its failed consumer; following links and Back keep the place'(page) {
    // A short window: the producer's row lies below the first screen.
    await page.setViewportSize({ width: 1024, height: 600 });
    // The consumer that starts a trace of its own (its producer is in another).
    await openOnly(page, 'service=notification-service status=error failed');
    await selectRow(page, 'notification-service', 'orders process');
    await page.click('.detail .links .link');
    await waitText(page, '.detail h2 .op', 'orders publish');
    assertEq(await text(page, '.detail h2 .svc'), 'outbox-worker', 'the producer selected');
    const producerTrace = await text(page, '.tv-id .trace-id');
    assertEq(await text(page, '.detail .back-links .back-link'), 'consumed by notification-service orders process — failed', 'the back-link');
    assert(await page.locator('.wf-row.selected .link-badge.back.bad').count() === 1, 'the row marks the failed back-link');
    const summary = await text(page, '.sum-links');
    assert(summary.includes('orders publish: consumed by notification-service orders process — failed'), `summary: ${summary}`);
    await page.waitForTimeout(300);
    const top = await page.evaluate(() => document.querySelector('.wf-scroll').scrollTop);
    assert(top > 0, `the producer's row is scrolled to (${top})`);
    await screenshot(page, 'links-producer-1024');
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'links-producer-1024-dark');

    await page.click('.detail .back-links .back-link');
    await waitText(page, '.detail h2 .svc', 'notification-service');
    assert(await text(page, '.tv-id .trace-id') !== producerTrace, 'the consumer trace opened');
    await page.goBack();
    await waitText(page, '.tv-id .trace-id', producerTrace);
    await waitText(page, '.detail h2 .op', 'orders publish');
    await page.waitForTimeout(200);
    const back = await page.evaluate(() => document.querySelector('.wf-scroll').scrollTop);
    assertEq(back, top, 'the scroll is where it was');
  },
};

// Filled in from the rules (see tests/real_traces.rs and src/demo/shop.rs).
// The hand-worked shifts of tests/real_traces.rs: the app server of `HTTP
// GET` moved to its loadgen client's start (+699.994 ms) with its two app
// descendants, the db server below centred in the moved client
// (+700.479 ms), the db server of `HTTP POST` moved to its client's start
// (+600.303 ms); rows in waterfall order.
const SKEW_BADGES = [
  ['HTTP POST - post', '⇄ +600.3ms'],
  ['HTTP GET - root', '⇄ +699.99ms'],
  ['HTTP Client', '⇄ +699.99ms'],
  ['HTTP GET', '⇄ +699.99ms'],
  ['HTTP GET - root', '⇄ +700.48ms'],
];
const SKEW_FACT = "moved +699.99ms: its host's clock disagrees with its caller's";
const NET_SERVICE = 'api-gateway';
const NET_OP = 'POST /orders';
const NET_TEXT = 'network 2.26 ms = 0.58 request + 1.69 response, 1% of the call';
const MAP_NETWORK = 'network 2.26ms over 1 call, 1% of their time';
const NET_ZOOMS = [['54300000-56000000', 'req 577.57µs'], ['477500000-480500000', 'resp 1.69ms']];
