// Runs every tests/e2e/*.test.mjs against a built app directory:
//   node tests/e2e/run.mjs dist-test [name-filter]
// Each test gets a fresh browser context on the app (demo open). Screenshots
// go to target/e2e/. Exits non-zero if any test fails.

import { readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch, openApp, serve, shots } from './harness.mjs';
import { start as startBackends } from '../backends/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.argv[2] || 'dist-test';
const filter = process.argv[3] || '';

const server = await serve(dist);
// The stand-in Jaeger/Tempo/Zipkin (tests/backends), with Tempo's 168 h search
// limit off so searches can span the recorded traces' years.
const backends = await startBackends({ port: 0, tempoMaxSearchDuration: 0 });
const browser = await launch();
let failed = 0;
let passed = 0;
for (const file of (await readdir(here)).filter((f) => f.endsWith('.test.mjs')).sort()) {
  const { tests } = await import(pathToFileURL(resolve(here, file)));
  for (const [name, fn] of Object.entries(tests)) {
    if (filter && !name.includes(filter)) continue;
    const t0 = Date.now();
    const page = await openApp(browser, server.url);
    try {
      await fn(page, { url: server.url, browser, backends: backends.url });
      if (page.problems.length) throw new Error(page.problems.join('\n'));
      passed++;
      console.log(`ok   ${file}: ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${file}: ${name}\n     ${String(e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
      await page.screenshot({ path: resolve(shots, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
    }
    await page.context().close();
  }
}
await browser.close();
server.close();
await backends.close();
console.log(`\n${passed} passed, ${failed} failed; screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
