// OpenTelemetry's own outputs (issue 22): a protobuf body the JavaScript
// SDK's OTLP/HTTP exporter sent loads through the parsing worker and reads
// like the JSON body of the same spans (the two join: every span the same).

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
    // The same spans: joined with the JSON file's, every one a duplicate
    // kept once (import::join compares them field by field).
    const notes = await page.locator('.source.loaded', { hasText: 'payment-1.bin' }).locator('.src-notes').textContent();
    assert(notes.includes('6 spans were in more than one file, the same in each: kept once'), `notes: ${notes}`);
    const marks = await page.evaluate(() => performance.getEntriesByName('strata:merge').length);
    assert(marks >= 2, `both went through the worker (${marks} merges)`);
    await screenshot(page, 'interop-protobuf');
  },
};
