import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLine, send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// The Logs page's text search, in real Chromium: a word finds the lines whose message or a
// field holds it.
const c = useCollector();
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  for (const item of ['book', 'lamp']) {
    await send(c.url, logLine('orders-api', 'order accepted', { item, orderId: `o-${item}` }), 'logs');
  }
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

describe('log search', () => {
  it('finds a line by a field value that its message does not hold', async () => {
    await page.goto(`${c.url}/#/logs`);
    await page.locator('table.logs-table tbody tr').nth(1).waitFor();
    await page.getByLabel('Text').fill('book');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/text=book/);
    await page.waitForFunction(() => document.querySelectorAll('table.logs-table tbody tr').length === 1);
    const row = page.locator('table.logs-table tbody tr');
    expect(await row.locator('td').nth(3).textContent()).toBe('order accepted item=book orderId=o-book');
    await shot(page, 'logs-field-search');
  });
});
