import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// Numbers as a person reads them, in real Chromium: a cold-started Lambda invocation whose
// attributes carry bytes, an epoch-millisecond date and a duration, priced at millionths of a
// dollar; its `init` span (a child of the invocation span that runs before it, as the SDK
// sends it) is drawn as the phase before the invocation.
const c = useCollector();
const TRACE = 'c0ffee00'.repeat(4);
const INVOCATION = 'c0ffee0000000001';
const INIT = 'c0ffee0000000002';
const SENT = Date.UTC(2026, 10, 27, 8, 30, 15, 250);
let browser: BrowserContext;
let page: Page;

const kv = (o: Record<string, string | number | boolean>) =>
  Object.entries(o).map(([key, v]) => ({
    key,
    value:
      typeof v === 'boolean' ? { boolValue: v } : typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));

beforeAll(async () => {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  const ms = 1_000_000n;
  await send(c.url, {
    resourceSpans: [
      {
        resource: {
          attributes: kv({
            'service.name': 'thumbnailer',
            'cloud.provider': 'aws',
            'faas.name': 'thumbnailer',
            'faas.max_memory': 268435456,
            'faas.instance': '2026/11/27/[$LATEST]abc',
          }),
        },
        scopeSpans: [
          {
            spans: [
              {
                traceId: TRACE,
                spanId: INVOCATION,
                name: 'thumbnailer',
                kind: 5,
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 120n * ms),
                attributes: kv({
                  'faas.invocation_id': 'inv-numbers-1',
                  'faas.trigger': 'pubsub',
                  'faas.coldstart': true,
                  'fntrace.init_duration_ms': '182.5',
                  'fntrace.message.sent_timestamp_ms': String(SENT),
                  'messaging.message.body.size': 1536,
                }),
              },
              {
                traceId: TRACE,
                spanId: INIT,
                parentSpanId: INVOCATION,
                name: 'init',
                kind: 1,
                startTimeUnixNano: String(start - 182_500_000n),
                endTimeUnixNano: String(start),
                attributes: kv({ 'fntrace.init': true }),
              },
            ],
          },
        ],
      },
    ],
  });
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

const row = (name: string) =>
  page.locator('.span-row', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

describe('numbers in human units', () => {
  it('shows bytes, dates and durations with the value as sent beside them', async () => {
    await page.goto(`${c.url}/#/trace/${TRACE}?span=${INVOCATION}`);
    await page.locator(`.span-detail[data-span="${INVOCATION}"]`).waitFor();
    const value = (key: string) =>
      page.locator('table.kv tr', { has: page.locator('th', { hasText: new RegExp(`^${key}$`) }) }).locator('td');
    expect(await value('faas.max_memory').textContent()).toBe('256 MiB 268435456');
    expect(await value('messaging.message.body.size').textContent()).toBe('1.50 KiB 1536');
    expect(await value('fntrace.message.sent_timestamp_ms').textContent()).toMatch(
      new RegExp(`^2026-11-27 \\d\\d:\\d\\d:15\\.250 ${SENT}$`),
    );
    expect(await value('fntrace.init_duration_ms').textContent()).toBe('183 ms 182.5');
    // an id-like value is left as it is
    expect(await value('faas.invocation_id').textContent()).toBe('inv-numbers-1');
  });

  it('prices an invocation per million, never as $0.000000…', async () => {
    await page.goto(`${c.url}/#/trace/${TRACE}`);
    const band = page.locator('.row.band');
    await band.waitFor();
    expect(await band.textContent()).toMatch(/ · 256 MB · \$\d+\.\d\d per million · /);
    expect(await page.locator('.trace-head .facts').textContent()).toMatch(/ · \$\d+\.\d\d per million$/);
    expect(await page.locator('body').textContent()).not.toMatch(/\$0\.0000/);
    await page.goto(`${c.url}/#/traces?since=1h`);
    await page.locator(`tr[data-trace="${TRACE}"]`).waitFor();
    expect(await page.locator(`tr[data-trace="${TRACE}"]`).textContent()).toMatch(/\$\d+\.\d\d per million/);
  });

  it('draws the init phase before the invocation it belongs to, not under it', async () => {
    await page.goto(`${c.url}/#/trace/${TRACE}`);
    await row('init').waitFor();
    const rows = await page
      .locator('.waterfall .row')
      .evaluateAll((els) =>
        els.map((e) => (e.classList.contains('band') ? 'band' : (e.querySelector('.name')?.textContent ?? ''))),
      );
    expect(rows.filter((r) => r !== '')).toEqual(['band', 'init', 'thumbnailer']);
    expect(await row('init').locator('.badge').textContent()).toBe('before the invocation');
    // the same indent as the invocation, and its bar ends where the invocation's begins
    const indent = (name: string) =>
      row(name)
        .locator('.label')
        .evaluate((e) => getComputedStyle(e).paddingLeft);
    expect(await indent('init')).toBe(await indent('thumbnailer'));
    const init = (await row('init').locator('.bar').boundingBox())!;
    const inv = (await row('thumbnailer').locator('.bar').boundingBox())!;
    expect(init.x + init.width).toBeLessThanOrEqual(inv.x + 1);
    await shot(page, 'trace-init-phase');
  });
});
