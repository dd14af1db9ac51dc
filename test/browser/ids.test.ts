import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// Short ids and full ones, in real Chromium: every short id shown has a button that copies the
// whole id; the header's trace id box, a #/trace/<prefix> URL and the Logs page's trace id box
// take a unique prefix, as git does, and say when a prefix begins several traces.
const c = useCollector();
const A = `abcd0001${'1'.repeat(24)}`;
const B = `abcd0002${'2'.repeat(24)}`;
let browser: BrowserContext;
let page: Page;

function trace(traceId: string, service: string) {
  const end = BigInt(Date.now() - 2000) * 1_000_000n;
  const root = traceId.slice(0, 16);
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: root,
                name: 'GET /ids',
                kind: 2,
                startTimeUnixNano: String(end - 50_000_000n),
                endTimeUnixNano: String(end),
              },
              {
                traceId,
                spanId: `${traceId.slice(0, 15)}f`,
                parentSpanId: root,
                name: 'db query',
                kind: 3,
                startTimeUnixNano: String(end - 40_000_000n),
                endTimeUnixNano: String(end - 10_000_000n),
              },
            ],
          },
        ],
      },
    ],
  };
}

function logLine(traceId: string, body: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ids-svc' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now() - 2010) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                traceId,
                spanId: traceId.slice(0, 16),
              },
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  for (const id of [A, B]) await send(c.url, trace(id, 'ids-svc'));
  for (const [id, body] of [
    [A, 'line of a'],
    [B, 'line of b'],
  ] as const) {
    const res = await fetch(`${c.url}/v1/logs`, {
      method: 'POST',
      body: JSON.stringify(logLine(id, body)),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  }
  await c.drained();
  browser = await launch();
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: c.url });
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

const box = () => page.getByRole('textbox', { name: 'Trace id or its first digits' });
const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

/** Every short id in the page has a copy button naming its full id. */
async function everyShortIdCopies() {
  const ids = await page.locator('.copy-id').evaluateAll((els) =>
    els.map((el) => ({
      shown: (el.querySelector('a, code') as HTMLElement).title,
      button: el.querySelector('button.copy')?.getAttribute('aria-label') ?? '',
    })),
  );
  expect(ids.length).toBeGreaterThan(0);
  for (const { shown, button } of ids) expect(button).toMatch(new RegExp(`^Copy \\w+ id ${shown}$`));
}

describe('ids in the dashboard', () => {
  it('copies the full id from every short one: traces, trace page, logs', async () => {
    await page.goto(`${c.url}/#/traces?since=1h`);
    await page.locator('table.results tbody tr').first().waitFor();
    await everyShortIdCopies();
    await page.getByRole('button', { name: `Copy trace id ${A}` }).click();
    expect(await clipboard()).toBe(A);

    await page.goto(`${c.url}/#/trace/${B}`);
    await page.locator('.trace-head').waitFor();
    expect(await page.locator('.trace-head .copy-id code').textContent()).toBe(`trace ${B.slice(0, 8)}`);
    await everyShortIdCopies();
    await page
      .locator('.trace-head')
      .getByRole('button', { name: `Copy trace id ${B}` })
      .click();
    expect(await clipboard()).toBe(B);
    await page.getByRole('button', { name: `Copy span id ${B.slice(0, 16)}` }).click();
    expect(await clipboard()).toBe(B.slice(0, 16));

    await page.goto(`${c.url}/#/logs?since=1h`);
    await page.locator('table.logs-table tbody tr').first().waitFor();
    await everyShortIdCopies();
    await page
      .locator('table.logs-table')
      .getByRole('button', { name: `Copy trace id ${A}` })
      .click();
    expect(await clipboard()).toBe(A);
  });

  it('opens a trace from the header box by a unique prefix, and lists the traces an ambiguous one begins', async () => {
    await page.goto(`${c.url}/#/services`);
    await box().fill('ABCD0001');
    await box().press('Enter');
    await page.waitForURL((u) => u.hash === `#/trace/${A}`);
    await page.locator('.trace-head').waitFor();

    await box().fill('abcd');
    await box().press('Enter');
    const answer = page.locator('.jump-answer [role=alert]');
    await answer.waitFor();
    expect(await answer.locator('p').textContent()).toBe(
      'abcd is ambiguous: 2 trace ids begin with it. Give more digits, or choose one:',
    );
    expect(await answer.locator('li a').allTextContents()).toEqual([A, B]);
    await shot(page, 'trace-id-ambiguous');
    await answer.locator('li a').nth(1).click();
    await page.waitForURL((u) => u.hash === `#/trace/${B}`);
    expect(await page.locator('.jump-answer').count()).toBe(0);

    await box().fill('9999');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.locator('.jump-answer', { hasText: 'No trace id begins with 9999.' }).waitFor();
    await box().fill('xyz');
    await box().press('Enter');
    await page.locator('.jump-answer', { hasText: 'A trace id is 32 hexadecimal digits' }).waitFor();
  });

  it('takes a prefix in a #/trace/ URL, and in the Logs page trace id box', async () => {
    await page.goto(`${c.url}/#/trace/abcd0002?journey=off`);
    await page.waitForURL((u) => u.hash === `#/trace/${B}?journey=off`);
    await page.locator('.trace-head').waitFor();
    await page.goto(`${c.url}/#/trace/abcd`);
    await page.locator('.ambiguous li a').first().waitFor();
    expect(await page.locator('.ambiguous li a').count()).toBe(2);

    await page.goto(`${c.url}/#/logs?since=1h&traceId=abcd0001`);
    await page.locator('table.logs-table tbody tr').first().waitFor();
    expect(await page.locator('table.logs-table tbody td:nth-child(4)').allTextContents()).toEqual(['line of a']);
    await page.goto(`${c.url}/#/logs?since=1h&traceId=abcd`);
    await page
      .locator('p.error[role=alert]', { hasText: 'traceId "abcd" is ambiguous: it begins 2 trace ids' })
      .waitFor();
  });
});
