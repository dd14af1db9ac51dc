import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoRun, startDemo } from '../e2e/demo-process.js';
import { useTempDir } from '../helpers/cleanup.js';
import { launch, shot } from './browser.js';

// `npm start`'s journey as its user opens it from the link the demo prints: one waterfall from
// the Cloudflare Worker at the edge through the orders API and its queue worker on Lambda to
// the Cloud Run function, each invocation band saying the platform it ran on.
const dir = useTempDir('fntrace-demo-browser-');
let demo: DemoRun;
let browser: BrowserContext;
let page: Page;
let link = '';

beforeAll(async () => {
  demo = startDemo(dir.path, ['--fast']);
  [link] = await demo.until(/http:\/\/127\.0\.0\.1:\d+\/#\/trace\/[0-9a-f]{32}/);
  browser = await launch();
  page = await browser.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await demo?.kill();
});

describe("the demo's journey in the dashboard", () => {
  it('is one waterfall across three platforms, each hop naming its own', async () => {
    await page.goto(link);
    const bands = page.locator('.row.band');
    await bands.first().waitFor();
    // the fulfilment hop is the last to be stored: wait until the Cloud Run band is drawn
    await page.getByText('Cloud Run functions').first().waitFor();
    const hops = await bands.evaluateAll((rows) =>
      rows.map((r) => {
        const text = (sel: string) => r.querySelector(sel)?.textContent ?? '';
        return `${text('.label')[0]} ${text('.fn')} · ${text('.badge.platform')}`;
      }),
    );
    // the checkout's own trace first; the batch worker's link brings the other orders of its batch
    expect(hops[0]).toBe('ƒ storefront · Cloudflare Workers');
    expect([...new Set(hops)].sort()).toEqual([
      'ƒ fulfilment · Cloud Run functions',
      'ƒ storefront · Cloudflare Workers',
      'λ order-worker · AWS Lambda',
      'λ orders-api · AWS Lambda',
    ]);
    // the queue and the topic between them, each with how long the message waited
    const queues = (await page.locator('.row.hop').allTextContents()).map((t) => /queue (\S+) dwell/.exec(t)?.[1]);
    expect([...new Set(queues)].sort()).toEqual(['order-events', 'orders-queue']);
    await shot(page, 'demo-journey');
  });
});
