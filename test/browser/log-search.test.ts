import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// The Logs page's text search, in real Chromium: a word finds the lines whose message or a
// field holds it.
const c = useCollector();
let browser: BrowserContext;
let page: Page;

function line(body: string, attributes: Record<string, string>) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-api' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now() - 5_000) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
              },
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  for (const item of ['book', 'lamp']) {
    const res = await fetch(`${c.url}/v1/logs`, {
      method: 'POST',
      body: JSON.stringify(line('order accepted', { item, orderId: `o-${item}` })),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
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
