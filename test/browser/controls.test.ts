import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// The dashboard's controls, in real Chromium: a custom time range that can be seen and
// edited, a phone's 390 px (filters folded, span names whole), and an accessible name on
// every control of every page.
const c = useCollector();
const TRACE = 'f11e7e57'.repeat(4);
const LONG = 'DynamoDB.PutItem orders-production-table';
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  const end = BigInt(Date.now() - 120_000) * 1_000_000n;
  const ms = 1_000_000n;
  const span = (spanId: string, parentSpanId: string, name: string, kind: number, from: bigint, to: bigint) => ({
    traceId: TRACE,
    spanId,
    parentSpanId,
    name,
    kind,
    startTimeUnixNano: String(end - from * ms),
    endTimeUnixNano: String(end - to * ms),
  });
  await send(c.url, {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout-service' } }] },
        scopeSpans: [
          {
            spans: [
              span('f11e7e5700000001', '', 'POST /checkout/confirm', 2, 90n, 0n),
              span('f11e7e5700000002', 'f11e7e5700000001', 'reserve inventory for order', 1, 80n, 30n),
              span('f11e7e5700000003', 'f11e7e5700000002', LONG, 3, 70n, 40n),
            ],
          },
        ],
      },
    ],
  });
  const res = await fetch(`${c.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout-service' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(end - 50n * ms),
                  severityNumber: 9,
                  severityText: 'INFO',
                  body: { stringValue: 'order confirmed' },
                  traceId: TRACE,
                  spanId: 'f11e7e5700000001',
                },
              ],
            },
          ],
        },
      ],
    }),
  });
  expect(res.status).toBe(200);
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

/** A datetime-local input's value for epoch ms, in the browser's time zone. */
const local = (ms: number) =>
  page.evaluate((t) => {
    const d = new Date(t);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }, ms);

describe('controls', () => {
  it('shows a custom time range as From and To, and edits it in place', async () => {
    await page.goto(`${c.url}/#/traces?since=1h`);
    await page.locator(`tr[data-trace="${TRACE}"]`).waitFor();
    expect(await page.getByLabel('From', { exact: true }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Range' }).selectOption('custom');
    await page.waitForURL(/start=.*&end=/);
    const url = new URL(page.url().replace('#/', ''));
    const start = Date.parse(url.searchParams.get('start')!);
    const end = Date.parse(url.searchParams.get('end')!);
    // the window shown until then: the last hour
    expect(end - start).toBe(3_600_000);
    expect(url.searchParams.has('since')).toBe(false);
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(await local(start));
    expect(await page.getByLabel('To', { exact: true }).inputValue()).toBe(await local(end));
    await page.locator(`tr[data-trace="${TRACE}"]`).waitFor();

    // a From after the trace leaves it out; the range stays in view, as edited
    // a datetime-local input holds whole seconds
    const later = Math.floor((end - 60_000) / 1000) * 1000;
    await page.getByLabel('From', { exact: true }).fill(await local(later));
    await page.waitForURL(
      (u) => Date.parse(new URL(u.href.replace('#/', '')).searchParams.get('start') ?? '') === later,
    );
    await page.locator(`tr[data-trace="${TRACE}"]`).waitFor({ state: 'detached' });
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(await local(later));
    expect(await page.getByRole('combobox', { name: 'Range' }).inputValue()).toBe('custom');
    await shot(page, 'custom-range');

    // the same range opens the Logs page with it; back to a listed range drops it
    const q = new URL(page.url().replace('#/', '')).searchParams;
    await page.goto(`${c.url}/#/logs?start=${q.get('start')}&end=${q.get('end')}`);
    expect(await page.getByLabel('From', { exact: true }).inputValue()).toBe(await local(later));
    await page.getByRole('combobox', { name: 'Range' }).selectOption('1h');
    await page.waitForURL(/since=1h/);
    expect(page.url()).not.toMatch(/start=/);
    await page.locator('table.logs-table tbody tr').first().waitFor();
    expect(await page.getByLabel('From', { exact: true }).count()).toBe(0);
  });

  it('fits 390 px: filters fold behind a button, results come first, span names are whole', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${c.url}/#/traces?since=1h&service=checkout-service`);
      const row = page.locator(`tr[data-trace="${TRACE}"]`);
      await row.waitFor();
      const toggle = page.getByRole('button', { name: 'Filters (1 set)' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');
      expect(await page.getByLabel('Operation').isVisible()).toBe(false);
      expect((await row.boundingBox())!.y).toBeLessThan(844);
      await shot(page, 'phone-traces');
      await toggle.click();
      await page.getByLabel('Operation').waitFor();
      expect(await page.getByRole('button', { name: 'Hide filters' }).getAttribute('aria-expanded')).toBe('true');

      await page.goto(`${c.url}/#/trace/${TRACE}`);
      await page.locator('.span-row').nth(2).waitFor();
      const cut = await page.locator('.waterfall').evaluate((w) => {
        const right = w.getBoundingClientRect().right;
        return Array.from(w.querySelectorAll('.span-row .name')).flatMap((n) =>
          n.getBoundingClientRect().right > right ? [n.textContent] : [],
        );
      });
      expect(cut).toEqual([]);
      expect(await page.locator('.span-row .name', { hasText: LONG }).isVisible()).toBe(true);
      // each name sits over its bar
      const name = (await page.locator('.span-row .name', { hasText: LONG }).boundingBox())!;
      const bar = (await page.locator(`.span-row[data-span="f11e7e5700000003"] .bar`).boundingBox())!;
      expect(name.y + name.height).toBeLessThanOrEqual(bar.y);
      await shot(page, 'phone-trace-names');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  it('gives every control of every page an accessible name', async () => {
    const pages = ['traces', `trace/${TRACE}`, 'services', 'map', 'logs', 'alerts'];
    const unnamed: string[] = [];
    for (const p of pages) {
      await page.goto(`${c.url}/#/${p}`);
      await page.locator('main, section.page').first().waitFor();
      await page.waitForLoadState('networkidle');
      const tree = await page.locator('body').ariaSnapshot();
      for (const line of tree.split('\n')) {
        // a control with a name reads `- combobox "Level"`; one without, `- combobox` alone
        if (
          /^\s*- (textbox|combobox|checkbox|spinbutton|button|searchbox|radio|slider)(\s*\[[^\]]*\])*:?\s*$/.test(line)
        )
          unnamed.push(`${p}: ${line.trim()}`);
      }
    }
    expect(unnamed).toEqual([]);
    await page.goto(`${c.url}/#/logs`);
    await page.getByRole('combobox', { name: 'Level', exact: true }).selectOption('warn');
  });
});
