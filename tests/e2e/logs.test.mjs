// The Logs tab (issue 19): every event of a trace in time order. The demo's
// malformed message: the notification-service consumer that starts a trace
// of its own shows its exception ("malformed message: missing field
// customer_email") as a readable row with its stack trace; the text filter
// and the service picker narrow the rows to exact counts; a click selects the
// span (the details panel shows `orders process`); the view is in the link.

import { assert, assertEq, openOnly, screenshot, text, waitText } from './harness.mjs';

const rows = (page) => page.locator('.logs-row').count();

async function openLogs(page) {
  await openOnly(page, 'service=notification-service status=error failed');
  await page.keyboard.press('Shift+L');
  await page.waitForSelector('.logs-row');
}

export const tests = {
  async 'logs: the consumer\'s malformed-message exception, filters to exact counts, a click selects its span'(page) {
    await openLogs(page);
    assertEq(await page.evaluate(() => location.hash.includes('view=logs')), true, 'the view is in the link');
    assertEq(await rows(page), LOGS.all, 'every event of the trace');
    assertEq(await text(page, '.logs-row .c-span'), 'OrderPlaced.parse', 'the parse step first');
    assertEq(await text(page, '.logs-count'), LOGS.allText, 'the count');
    // The consumer's own exception row: type bold, message bold.
    const row = page.locator('.logs-row.exception:has(.c-span:text-is("orders process"))');
    assertEq(await row.count(), 1, 'one exception row of orders process');
    assertEq(await row.locator('.exc-msg').textContent(), 'malformed message: missing field customer_email', 'its message');
    assertEq(await row.locator('.exc-type').textContent(), 'notification.events.MalformedMessageError', 'its type');
    assertEq(await row.locator('.c-svc .svc').textContent(), 'notification-service', 'its service');
    // The stack trace opens below the table, one line each.
    await row.locator('.logs-stack-btn').click();
    await page.waitForSelector('.logs-stack pre');
    const stack = await text(page, '.logs-stack pre');
    assert(stack.startsWith('Traceback (most recent call last):'), `stack: ${stack}`);
    assertEq(stack.split('\n').length, 6, 'six stack lines');
    await screenshot(page, 'logs-malformed-1500');

    // Filter by text: exact counts.
    await page.fill('.logs-filter', 'orders process');
    await page.waitForFunction(() => document.querySelectorAll('.logs-row').length === 1);
    assertEq(await text(page, '.logs-count'), '1 of 2 events', 'the filtered count');
    assertEq(await text(page, '.logs-row .c-span'), 'orders process', 'the row left');
    // The stack trace names OrderPlaced.parse: both rows match.
    await page.fill('.logs-filter', 'orderplaced.PARSE');
    await page.waitForFunction(() => document.querySelectorAll('.logs-row').length === 2);
    assertEq(await text(page, '.logs-count'), '2 events', 'all match');
    await page.fill('.logs-filter', 'no event says this');
    await page.waitForFunction(() => document.querySelectorAll('.logs-row').length === 0);
    await page.fill('.logs-filter', '');
    await page.waitForFunction((n) => document.querySelectorAll('.logs-row').length === n, LOGS.all);

    // A click selects the span; the details panel shows it.
    await row.click();
    await waitText(page, '.detail h2 .op', 'orders process');
    assertEq(await text(page, '.detail h2 .svc'), 'notification-service', 'the consumer selected');
    assert(await page.locator('.logs-row.selected').count() >= 1, 'its rows marked');
    await screenshot(page, 'logs-selected-1500');
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'logs-selected-1500-dark');
  },

  async 'logs: the service picker hides a service; 1024x700 and the link restores the view'(page) {
    await page.setViewportSize({ width: 1024, height: 700 });
    await openLogs(page);
    await page.click('.logs-services > summary');
    await page.locator('.logs-service:has(.svc:text-is("notification-service")) input').uncheck();
    await page.waitForFunction(() => document.querySelectorAll('.logs-row').length === 0);
    assertEq(await text(page, '.logs-count'), '0 of 2 events', 'the count');
    assertEq(await text(page, '.logs-services > summary'), '0 of 1 services', 'the picker');
    await screenshot(page, 'logs-services-1024');
    await page.click('.logs-services-list .link');
    await page.click('.logs-services > summary');
    await page.waitForFunction((n) => document.querySelectorAll('.logs-row').length === n, LOGS.all);
    await page.click('.logs-row.exception:has(.c-span:text-is("orders process"))');
    await waitText(page, '.detail h2 .op', 'orders process');
    await screenshot(page, 'logs-selected-1024');
    await page.click('button[title="Light / dark theme"]');
    await page.waitForTimeout(200);
    await screenshot(page, 'logs-selected-1024-dark');
    // A fresh page on the same link opens the Logs tab.
    await page.waitForTimeout(400);
    const url = page.url();
    assert(url.includes('view=logs'), `the link: ${url}`);
    await page.goto('about:blank');
    await page.goto(url);
    await page.waitForSelector('.logs-row', { timeout: 20000 });
    assertEq(await page.locator('.view-tab.active').getAttribute('data-view'), 'logs', 'the Logs tab restored');
  },
};

// From src/demo/shop.rs (the link-style malformed consumer's trace: its
// OrderPlaced.parse step and orders process each record the exception),
// checked natively by layout::logs::tests::demo_malformed_consumer.
const LOGS = { all: 2, allText: '2 events' };
