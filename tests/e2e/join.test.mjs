// One trace from many files (issue 22): the OpenTelemetry JavaScript SDK's
// exporters sent one request per service (tests/captures/node); dropped
// together or one by one, the files make whole traces.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, assertEq, dropFiles, screenshot, text, waitText } from './harness.mjs';

const captures = resolve(dirname(fileURLToPath(import.meta.url)), '../captures/node');
const json = (service) => resolve(captures, `json/${service}-1.json`);
const DECLINED = 'a54729c8f5f5cadfdeb3b31ca34bef10';

/** Opens trace `id` from the trace list, filtered to a file it came from. */
async function openTrace(page, id, file) {
  await page.click('.tab >> text=Traces');
  await page.fill('input[aria-label="Filter traces"]', `source~${file}`);
  const row = page.locator('.tl-row', { has: page.locator('.tl-id', { hasText: id.slice(0, 8) }) });
  await row.first().click();
  await waitText(page, '.tv-id .trace-id', id);
}

export const tests = {
  async 'join: per-service files dropped together make whole traces'(page) {
    await dropFiles(page, ['api-gateway', 'orders', 'payment'].map(json));
    const joined = page.locator('.source.loaded', { hasText: 'Joined from 3 files' });
    await joined.waitFor();
    const meta = (await joined.locator('.src-meta').textContent()).split(' · ').slice(0, 2).join(' · ');
    assertEq(meta, '4 traces · 18 spans', 'eight fragments became four traces');
    assertEq(
      (await joined.locator('.src-name').textContent()).replace('✓', '').trim(),
      'api-gateway-1.json + orders-1.json + payment-1.json',
      'the source names its files',
    );
    assertEq(await page.locator('.source.loaded').count(), 2, 'the joined source and the demo');
    await page.click('.tab >> text=Traces');
    await waitText(page, '.tl-count', '44 traces');
    await openTrace(page, DECLINED, 'payment-1.json');
    await waitText(page, '.n-spans', '8');
    assertEq(await text(page, '.tv-file'), 'api-gateway-1.json + orders-1.json + payment-1.json', 'the header lists its sources');
    assertEq(await page.locator('.wf-row').count(), 8, 'one tree: no false roots');
    await screenshot(page, 'join-together');
  },

  async 'join: files dropped one by one join the open trace with a notice'(page) {
    await dropFiles(page, [json('api-gateway')]);
    await page.locator('.source.loaded', { hasText: 'api-gateway-1.json' }).waitFor();
    await openTrace(page, DECLINED, 'api-gateway-1.json');
    await waitText(page, '.n-spans', '2');
    await dropFiles(page, [json('orders')]);
    await waitText(page, '.toast', '+8 spans from orders-1.json in 2 loaded traces');
    // The open trace grew in place: still open, now 6 spans.
    await waitText(page, '.n-spans', '6');
    assertEq(await text(page, '.tv-id .trace-id'), DECLINED, 'the same trace stays open');
    await dropFiles(page, [json('payment')]);
    await waitText(page, '.toast', '+4 spans from payment-1.json in 2 loaded traces');
    await waitText(page, '.n-spans', '8');
    assertEq(await page.locator('.wf-row').count(), 8, 'one tree');
    assertEq(await page.locator('.source.loaded').count(), 2, 'one joined source and the demo');
    await screenshot(page, 'join-one-by-one');
    // The joined source removes as one.
    await page.locator('.source.loaded', { hasText: 'Joined from 3 files' }).locator('.remove-source').click();
    await page.click('.tab >> text=Traces');
    await page.fill('input[aria-label="Filter traces"]', '');
    await waitText(page, '.tl-count', '40 traces');
    assert(!page.problems.length, page.problems.join('\n'));
  },
};
