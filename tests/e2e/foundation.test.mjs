// The foundation, end to end: demo, dropping real files of each format,
// details, errors that keep earlier traces, paste, picker, keyboard, zoom,
// virtualization, links, themes, text never rendered as HTML.

import { readFile } from 'node:fs/promises';
import {
  assert, assertEq, dropFiles, jaegerTrace, marks, paste, screenshot, text, trace, waitText,
} from './harness.mjs';

const lastSource = '.sources .source:first-child';

export const tests = {
  async 'the demo opens on first visit, with performance marks'(page) {
    const spans = Number(await text(page, '.n-spans'));
    assert(spans > 10, `demo trace has ${spans} spans`);
    const title = await text(page, '.tv-title h1');
    assert(title.startsWith('web-frontend'), `demo title ${title}`);
    assert(Number(await text(page, '.n-errors')) > 0, 'the featured demo trace has errors');
    assertEq(await page.locator('.tl-row').count(), 0, 'trace page shown');
    const names = (await marks(page)).map((m) => m.name);
    assert(names.includes('strata:file-dropped') && names.includes('strata:trace-rendered'), `marks ${names}`);
    await screenshot(page, 'demo');
    // The trace list has the demo's 40 traces.
    await page.click('.tab >> text=Traces');
    await page.waitForSelector('.tl-row');
    assertEq(await text(page, '.tab .count'), '40', 'trace count');
    await screenshot(page, 'trace-list');
  },

  async 'dropping a Jaeger, an OTLP and a Zipkin file shows each trace with its span count'(page) {
    const cases = [
      ['jaeger/jaeger-ui__genaiTestTrace.json', 57, 'Jaeger JSON'],
      ['otlp/jaeger-ui__otlp2jaeger-multi-in-combined.json', 4, 'OTLP/JSON'],
      ['zipkin/zipkin-lens__smartthings-oauth-authorization.json', 175, 'Zipkin v2 JSON'],
      ['jaeger-apiv3/jaeger__apiv3-GetTrace.json', 1, 'Jaeger API v3 (OTLP/JSON)'],
      ['tempo/tempo__tempopb-trace.json', 1, 'Tempo (OTLP/JSON batches)'],
    ];
    for (const [file, spans, format] of cases) {
      await dropFiles(page, [trace(file)]);
      await waitText(page, '.n-spans', spans);
      assertEq(await text(page, `${lastSource} .src-format`), format, `${file} format`);
      assert((await text(page, '.tv-file')).endsWith(file.split('/')[1]), 'header names the file');
      // Virtualized: every row when they fit, else only those in view.
      const rows = await page.locator('.wf-row').count();
      if (spans <= 25) assertEq(rows, spans, `${file} rows`);
      else assert(rows >= 25 && rows < Math.min(spans, 80), `${file}: ${rows} rows in the DOM`);
      await screenshot(page, `drop-${file.split('/')[0]}`);
    }
    assertEq(await page.locator('.source.loaded').count(), 6, 'demo + 5 files listed');
  },

  async 'several files dropped at once all load; a file with many traces opens the list'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__yelp.json'), trace('otlp/otlp2parquet__traces.jsonl'), trace('otlp/grafana-agent__trace-sample.json')]);
    await page.waitForFunction(() => document.querySelectorAll('.source.loaded').length === 4);
    await page.waitForSelector('.tl-row');
    assertEq(await text(page, '.tab .count'), String(40 + 1 + 19 + 2), 'traces listed');
    const jsonl = await text(page, '.source.loaded:has-text("traces.jsonl") .src-format');
    assertEq(jsonl, 'OTLP/JSON (JSON Lines)', 'JSON Lines detected');
    // Sort by span count, largest first: the biggest demo trace leads.
    await page.click('.th:has-text("Spans")');
    const first = Number(await text(page, '.tl-row[style*="top: 0px"] .c-num'));
    const second = Number(await text(page, '.tl-row[style*="top: 40px"] .c-num'));
    assert(first >= second && first > 100, `sorted by spans: ${first}, ${second}`);
    await screenshot(page, 'trace-list-sorted');
    await page.click('.tl-row[style*="top: 40px"]');
    await waitText(page, '.n-spans', second);
  },

  async 'clicking a row opens its details, attributes are searchable'(page) {
    await dropFiles(page, [trace('jaeger/jaeger-ui__genaiTestTrace.json')]);
    await waitText(page, '.n-spans', 57);
    const row = page.locator('.wf-row').nth(3);
    const op = await row.locator('.op').textContent();
    await row.click();
    await page.waitForSelector('.detail');
    assertEq(await text(page, '.detail h2 .op'), op, 'details of the clicked span');
    const total = await page.locator('.detail .attributes .attrs tr').count();
    assert(total > 2, `${total} attributes`);
    await page.fill('.detail .filter', 'gen_ai');
    const filtered = await page.locator('.detail .attributes .attrs tr').count();
    assert(filtered < total && filtered > 0, `filter: ${filtered} of ${total}`);
    await screenshot(page, 'details');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.detail', { state: 'detached' });
  },

  async 'a bad file shows its error with the position, the earlier trace stays'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__yelp.json')]);
    await waitText(page, '.n-spans', 16);
    await dropFiles(page, [trace('otlp/otlp2parquet__invalid-trace_invalid_base64.json')]);
    await page.waitForSelector('.source.failed');
    const err = await text(page, '.source.failed .src-error');
    assert(err.includes('!!!INVALID_BASE64!!!'), err);
    const loc = await text(page, '.source.failed .src-loc');
    assert(loc.includes('line 21') && loc.includes('byte 401') && loc.includes('traceId'), loc);
    await waitText(page, '.n-spans', 16);
    assertEq(await page.locator('.wf-row').count(), 16, 'earlier trace still drawn');
    // Not JSON at all, and Zipkin v1: clear messages too.
    await dropFiles(page, [{ name: 'notes.txt', text: 'hello' }, trace('zipkin/zipkin-lens__test-v1-2019.json')]);
    await page.waitForFunction(() => document.querySelectorAll('.source.failed').length === 3);
    const all = await page.locator('.source.failed .src-error').allTextContents();
    assert(all.some((e) => e.includes('not JSON')), all.join(' | '));
    assert(all.some((e) => e.includes('Zipkin v1')), all.join(' | '));
    await screenshot(page, 'bad-file');
  },

  async 'Ctrl+V of JSON loads it; the paste box does too'(page) {
    const json = await readFile(trace('zipkin/zipkin-lens__ascend.json'), 'utf8');
    await paste(page, json);
    await waitText(page, '.n-spans', 8);
    assertEq(await text(page, `${lastSource} .src-name`), '✓pasted text', 'pasted source');
    await page.keyboard.press('p');
    await page.waitForSelector('.paste-box');
    await page.fill('.paste-box', await readFile(trace('jaeger/jaeger-analytics-java__ui-trace.json'), 'utf8'));
    await page.click('.modal .btn.primary');
    await waitText(page, '.n-spans', 2);
  },

  async 'the file picker opens files'(page) {
    await page.setInputFiles('#file-input', [trace('zipkin/zipkin-lens__messaging-kafka.json')]);
    await waitText(page, '.n-spans', 28);
  },

  async 'keyboard: move, collapse, expand, help'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__yelp.json')]);
    await waitText(page, '.n-spans', 16);
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('.wf-row.selected');
    const firstSel = await page.locator('.wf-row.selected').getAttribute('data-span');
    await page.keyboard.press('j');
    const second = await page.locator('.wf-row.selected').getAttribute('data-span');
    assert(firstSel !== second, 'j moves down');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    assertEq(await page.locator('.wf-row').count(), 1, 'root collapsed');
    await page.keyboard.press('ArrowRight');
    assertEq(await page.locator('.wf-row').count(), 16, 'root expanded');
    await page.keyboard.press('c');
    assert((await page.locator('.wf-row').count()) < 16, 'collapse all');
    await page.keyboard.press('e');
    assertEq(await page.locator('.wf-row').count(), 16, 'expand all');
    await page.keyboard.press('?');
    await page.waitForSelector('.shortcuts');
    await screenshot(page, 'help');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.shortcuts', { state: 'detached' });
  },

  async 'drag on the minimap zooms the time window; reset zoom restores it'(page) {
    const before = await page.locator('.wf-head-axis .tick').allTextContents();
    const box = await page.locator('.minimap').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + 20, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('.mm-window');
    const after = await page.locator('.wf-head-axis .tick').allTextContents();
    assert(JSON.stringify(before) !== JSON.stringify(after), `ticks changed: ${after}`);
    assert(await page.locator('button:has-text("Reset zoom")').isEnabled(), 'reset enabled');
    await screenshot(page, 'zoomed');
    await page.click('button:has-text("Reset zoom")');
    await page.waitForSelector('.mm-window', { state: 'detached' });
    assertEq(await page.locator('.wf-head-axis .tick').allTextContents(), before, 'ticks restored');
  },

  async 'find spans highlights matches and steps through them; dragging the axis zooms'(page) {
    await dropFiles(page, [trace('zipkin/zipkin-lens__yelp.json')]);
    await waitText(page, '.n-spans', 16);
    await page.keyboard.press('/');
    await page.keyboard.type('mobile_api');
    await page.waitForSelector('.wf-row.match');
    // 5 mobile_api spans and 2 client spans calling it (remoteEndpoint.serviceName).
    assertEq(await text(page, '.find-count'), '7 matches', 'match count');
    assert((await page.locator('.wf-row.dim').count()) > 0, 'others dimmed');
    await page.keyboard.press('Enter');
    await waitText(page, '.find-count', '1 of 7');
    await page.keyboard.press('Enter');
    await waitText(page, '.find-count', '2 of 7');
    assertEq(await page.locator('.wf-row.selected.match').count(), 1, 'the match is selected');
    await page.keyboard.press('Shift+Enter');
    await waitText(page, '.find-count', '1 of 7');
    await page.fill('#span-find', 'http.method=GET');
    await page.waitForFunction(() => /match/.test(document.querySelector('.find-count')?.textContent || ''));
    await screenshot(page, 'find');
    await page.fill('#span-find', '');
    const before = await page.locator('.wf-head-axis .tick').allTextContents();
    const box = await page.locator('.wf-head-axis').boundingBox();
    await page.mouse.move(box.x + box.width * 0.5, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + 10, { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('.mm-window');
    assert(JSON.stringify(before) !== JSON.stringify(await page.locator('.wf-head-axis .tick').allTextContents()), 'axis zoomed');
  },

  async 'a 20k-span trace keeps only visible rows in the DOM and scrolls to the end'(page) {
    await dropFiles(page, [{ name: 'big.json', text: jaegerTrace(20000) }]);
    await waitText(page, '.n-spans', 20000, 30000);
    const rows = await page.locator('.wf-row').count();
    assert(rows > 10 && rows < 120, `${rows} rows in the DOM`);
    await page.locator('.wf-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForFunction(() => [...document.querySelectorAll('.wf-row')].some((r) => r.style.top === `${(20000 - 1) * 24}px`));
    assert((await page.locator('.wf-row').count()) < 120, 'still virtualized after scrolling');
    await screenshot(page, 'big-trace-bottom');
  },

  async 'a link jumps to the linked span in another loaded trace'(page) {
    const t1 = '0af7651916cd43dd8448eb211c80319c';
    const t2 = '1af7651916cd43dd8448eb211c80319c';
    const otlp = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'consumer' } }] },
        scopeSpans: [{ spans: [
          { traceId: t1, spanId: 'b7ad6b7169203331', name: 'produce', kind: 4, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000' },
          { traceId: t2, spanId: 'c7ad6b7169203331', name: 'consume', kind: 5, startTimeUnixNano: '1700000000002000000', endTimeUnixNano: '1700000000003000000',
            links: [{ traceId: t1, spanId: 'b7ad6b7169203331', attributes: [{ key: 'messaging.operation', value: { stringValue: 'receive' } }] }] },
        ] }],
      }],
    };
    await dropFiles(page, [{ name: 'linked.json', text: JSON.stringify(otlp) }]);
    await page.waitForSelector('.tl-row');
    await page.click('.tl-row:has(.op:text-is("consume"))');
    await page.click('.wf-row:has(.op:text-is("consume"))');
    await page.waitForSelector('.detail .links');
    await page.click('.detail .links button.link');
    await waitText(page, '.detail h2 .op', 'produce');
    assert((await text(page, '.tv-id .trace-id')) === t1, 'jumped to the other trace');
  },

  async 'dark theme'(page) {
    await page.click('button[title="Light / dark theme"]');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    await page.click('.wf-row >> nth=2');
    await screenshot(page, 'dark');
  },

  async 'text from traces is rendered as text, never as HTML'(page) {
    const evil = '<img src=x onerror="window.__pwned=1">';
    const zipkin = [{ traceId: 'aa', id: 'a1', name: evil, timestamp: 1700000000000000, duration: 5, localEndpoint: { serviceName: evil }, tags: { [evil]: evil } }];
    await dropFiles(page, [{ name: 'evil.json', text: JSON.stringify(zipkin) }]);
    await waitText(page, '.n-spans', 1);
    await page.click('.wf-row');
    await page.waitForSelector('.detail');
    assertEq(await page.locator('.content img').count(), 0, 'no element created from trace text');
    assertEq(await text(page, '.detail h2 .op'), evil, 'shown literally');
    assertEq(await page.evaluate(() => window.__pwned), undefined, 'no script ran');
  },
};
