// OpenTelemetry's own outputs (issue 22): a protobuf body the JavaScript
// SDK's OTLP/HTTP exporter sent loads through the parsing worker and reads
// like the JSON body of the same spans.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, assertEq, dropFiles, screenshot } from './harness.mjs';

const captures = resolve(dirname(fileURLToPath(import.meta.url)), '../captures/node');

/** The sources panel's item for `name`: format and "traces · spans". */
async function source(page, name) {
  const item = page.locator('.source.loaded', { hasText: name });
  await item.waitFor();
  return {
    format: (await item.locator('.src-format').textContent()).trim(),
    counts: (await item.locator('.src-meta').textContent()).split(' · ').slice(0, 2).join(' · '),
  };
}

export const tests = {
  async 'interop: an SDK protobuf body loads through the worker like its JSON twin'(page) {
    await dropFiles(page, [resolve(captures, 'json/payment-1.json')]);
    const json = await source(page, 'payment-1.json');
    await dropFiles(page, [resolve(captures, 'proto/payment-1.bin')]);
    const proto = await source(page, 'payment-1.bin');
    assert(/protobuf/i.test(proto.format), `format: ${proto.format}`);
    assertEq(proto.counts, json.counts, 'the same traces and spans');
    const marks = await page.evaluate(() => performance.getEntriesByName('strata:merge').length);
    assert(marks >= 2, `both went through the worker (${marks} merges)`);
    await screenshot(page, 'interop-protobuf');
  },
};
