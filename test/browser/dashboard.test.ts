import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES modules of the example app
import { startLocalAws } from '../../examples/aws-lambda/local-aws.mjs';
// @ts-expect-error — plain ES modules of the example app
import { runLocal } from '../../examples/aws-lambda/run-local.mjs';
import { api, load, send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { bigTrace } from '../helpers/big-trace.mjs';
import { launch, shot } from './browser.js';

// The dashboard in real Chromium against a real collector seeded through OTLP: the example
// functions (SDK → collector), stitching fixtures, and one 10,000-span trace.
const c = useCollector({ orphanGraceMs: 60_000 });
const EXAMPLES = resolve(import.meta.dirname, '../../examples/aws-lambda');
const BIG = 'ab'.repeat(16);
let browser: BrowserContext;
let page: Page;
let orderTrace: string;

beforeAll(async () => {
  // the real SQS client in orders-api, against a local stand-in for SQS
  const aws = await startLocalAws();
  const order = JSON.parse(readFileSync(join(EXAMPLES, 'events/create-order.json'), 'utf8'));
  await runLocal({
    handler: join(EXAMPLES, 'orders-api.mjs'),
    functionName: 'orders-api',
    endpoint: c.url,
    env: { AWS_ENDPOINT_URL: aws.url, ORDERS_QUEUE_URL: `${aws.url}/123456789012/orders-queue` },
    invocations: [
      { event: order },
      { event: { ...order, headers: { ...order.headers, 'x-correlation-id': 'ui-2' }, body: '{"item":"lamp"}' } },
    ],
    sequential: true,
  });
  await runLocal({
    handler: join(EXAMPLES, 'order-worker.mjs'),
    functionName: 'order-worker',
    endpoint: c.url,
    invocations: [{ event: aws.sqsEvent('orders-queue') }],
  });
  await aws.close();
  for (const shape of ['skewed-child-invocation', 'orphan-platform-parent'])
    for (const b of load(shape).batches) await send(c.url, b);
  await send(c.url, bigTrace(10_000, { traceId: BIG }));
  await c.drained();
  orderTrace = (await api(c.url, '/api/traces?correlationId=demo-checkout-1')).traces[0].traceId;
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const spanRow = (name: string) =>
  page.locator('.span-row', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

describe('dashboard in Chromium', () => {
  it('searches traces with filters in the URL and draws the duration chart', async () => {
    await page.goto(`${c.url}/#/traces?since=1h`);
    await page.locator('table.results tbody tr').first().waitFor();
    expect(await page.locator('table.results tbody tr').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    // the scatter has every trace of the hour: here they all fit on the first page too
    const all = await page.locator('table.results tbody tr').count();
    await page.locator('.chart .u-title', { hasText: `Duration of each trace (${all})` }).waitFor();
    await page.selectOption('select[name=service]', 'orders-api');
    await page.click('button[type=submit]');
    await page.waitForURL(/service=orders-api/);
    await page.waitForFunction(() => document.querySelectorAll('table.results tbody tr').length === 2);
    const roots = await page.locator('table.results tbody td:first-child').allTextContents();
    expect(roots).toEqual(['orders-api: POST /orders', 'orders-api: POST /orders']);
    await page.locator('.chart .u-title', { hasText: 'Duration of each trace (2)' }).waitFor();
    await shot(page, 'traces');
    // a span duration filter: no span of these traces lasts a minute
    await page.fill('input[name=spanMinDurationMs]', '60000');
    await page.click('button[type=submit]');
    await page.waitForURL(/spanMinDurationMs=60000/);
    await page.getByText('No traces match').waitFor();
    await page.fill('input[name=spanMinDurationMs]', '');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('table.results tbody tr').length === 2);
  });

  it('opens a trace as its journey, with invocation bands, a cold start and queue hops', async () => {
    await page.goto(`${c.url}/#/trace/${orderTrace}`);
    await spanRow('POST /orders').first().waitFor();
    expect(await page.locator('.trace-row').count()).toBe(3); // both orders and the batch worker
    expect(await page.locator('.row.hop').count()).toBe(2);
    expect(await page.locator('.row.band .badge.cold').first().textContent()).toMatch(/cold start · init/);
    expect(await page.locator('.row.band .badge.platform').allTextContents()).toEqual([
      'AWS Lambda',
      'AWS Lambda',
      'AWS Lambda',
    ]);
    expect(await page.locator('.row.hop').first().textContent()).toMatch(/queue orders-queue.*dwell/);
    // every span's duration is readable: beside its bar or inside it in white, never over its end
    const overlaps = await page.locator('.span-row').evaluateAll((rows) =>
      rows.flatMap((r) => {
        const bar = r.querySelector('.bar')!.getBoundingClientRect();
        const dur = r.querySelector('.dur')!;
        const d = dur.getBoundingClientRect();
        const inside = dur.classList.contains('inside');
        const crosses = d.left < bar.right && d.right > bar.left;
        const within = d.left >= bar.left && d.right <= bar.right;
        return (inside ? within || d.left >= bar.left : !crosses) ? [] : [r.textContent];
      }),
    );
    expect(overlaps).toEqual([]);
    await shot(page, 'journey');
  });

  it('collapses and expands a span', async () => {
    const before = await page.locator('.span-row').count();
    await spanRow('POST /orders').first().locator('button.toggle').click();
    await page.waitForFunction((n) => document.querySelectorAll('.span-row').length < n, before);
    expect(await spanRow('orders-queue send').count()).toBe(1); // only the other order's send is left
    await shot(page, 'collapsed');
    await spanRow('POST /orders').first().locator('button.toggle').click();
    await page.waitForFunction((n) => document.querySelectorAll('.span-row').length === n, before);
  });

  it('shows a span and follows its link to another trace of the journey', async () => {
    await page.goto(`${c.url}/#/trace/${orderTrace}?journey=off`);
    await spanRow('orders-queue process').first().click();
    await page.locator('.span-detail h2', { hasText: 'orders-queue process' }).waitFor();
    const link = page.locator('.span-detail details', { hasText: 'Links' }).locator('a').last();
    const target = (await link.getAttribute('href'))!;
    await link.click();
    await page.waitForURL((u) => u.hash === target);
    await page.locator('.trace-head h1', { hasText: 'order-worker' }).waitFor();
    // the trace opened with its own root selected, not the span selected in the trace before
    const linked = await api(c.url, `/api/traces/${target.replace('#/trace/', '')}`);
    const root = linked.spans.find((s: { virtual?: boolean }) => !s.virtual).spanId;
    await page.locator(`.span-detail[data-span="${root}"]`).waitFor();
    await shot(page, 'linked-trace');
  });

  it("opens a span's logs and jumps from a log line to its span", async () => {
    await page.goto(`${c.url}/#/trace/${orderTrace}?journey=off`);
    await spanRow('POST /orders').first().waitFor();
    await page.click('button[role=tab]:has-text("Logs")');
    const line = page.locator('ol.logs button', { hasText: 'order fulfilled' });
    await line.waitFor();
    expect(await page.locator('ol.logs li').count()).toBe(3);
    await line.click();
    await page.locator('.span-detail h2', { hasText: 'orders-queue process' }).waitFor();
    expect(await page.locator('.span-row.selected .name').textContent()).toBe('orders-queue process');
    await shot(page, 'trace-logs');
  });

  it("follows the journey in the Logs tab, marks the selected span's lines, and keeps span and tab in the URL", async () => {
    const j = await api(c.url, `/api/traces/${orderTrace}/journey`);
    const views = await Promise.all(j.traces.map((t: any) => api(c.url, `/api/traces/${t.traceId}`)));
    const logsOf = await Promise.all(j.traces.map((t: any) => api(c.url, `/api/traces/${t.traceId}/logs`)));
    const allLogs = logsOf.flatMap((l: any) => l.logs);
    expect(views.length).toBe(3);

    // whole journey: the logs of every trace drawn, each with its service; the header counts them all
    await page.goto(`${c.url}/#/trace/${orderTrace}`);
    await spanRow('POST /orders').first().waitFor();
    const facts = page.locator('.trace-head .facts');
    const invocations = views.reduce((n: number, v: any) => n + v.invocations.length, 0);
    const cold = views.reduce((n: number, v: any) => n + v.invocations.filter((i: any) => i.coldStart).length, 0);
    expect(await facts.textContent()).toContain('journey of 3 traces');
    expect(await facts.textContent()).toContain(`${invocations} invocations · ${cold} cold start`);
    await page.click('button[role=tab]:has-text("Logs")');
    await page.waitForURL(/tab=logs/);
    await page.waitForFunction((n) => document.querySelectorAll('ol.logs li.log').length === n, allLogs.length);
    const services = await page.locator('ol.logs .log-svc').allTextContents();
    expect(new Set(services)).toEqual(new Set(['orders-api', 'order-worker']));
    await shot(page, 'trace-logs-journey');

    // one trace: its logs only, and its own counts
    await page.goto(`${c.url}/#/trace/${orderTrace}?journey=off&tab=logs`);
    await page.waitForFunction((n) => document.querySelectorAll('ol.logs li.log').length === n, logsOf[0].logs.length);
    expect(await facts.textContent()).not.toContain('journey of 3 traces');
    expect(await facts.textContent()).toContain(`${plural(views[0].invocations.length, 'invocation')} · `);

    // a span selected in the waterfall: its lines marked and in view, span and tab in the URL
    await page.goto(`${c.url}/#/trace/${orderTrace}`);
    const worker = spanRow('orders-queue process').first();
    await worker.waitFor();
    await worker.click();
    const workerTrace = (await worker.getAttribute('data-span'))!;
    // a span of the trace opened is named by its id; one of another trace by both ids
    await page.waitForURL(new RegExp(`span=([0-9a-f]{32}%3A)?${workerTrace}`));
    await page.click('button[role=tab]:has-text("Logs")');
    const mine = allLogs.filter((l: any) => l.spanId === workerTrace);
    expect(mine.length).toBeGreaterThan(0);
    await page.waitForFunction((n) => document.querySelectorAll('ol.logs li.of-selected').length === n, mine.length);
    expect(await page.locator('ol.logs li[aria-current=true]').count()).toBe(mine.length);
    const line = (await page.locator('ol.logs li.of-selected').first().boundingBox())!;
    const panel = (await page.locator('aside.detail').boundingBox())!;
    expect(line.y).toBeGreaterThanOrEqual(panel.y);
    expect(line.y + line.height).toBeLessThanOrEqual(panel.y + panel.height);
    expect(await page.locator('.logs-note').textContent()).toContain(
      `${plural(mine.length, 'line')} of orders-queue process marked`,
    );

    // the link shows the same: opened afresh, the span is selected and the Logs tab open
    const shared = page.url();
    await page.goto('about:blank');
    await page.goto(shared);
    await page.waitForFunction((n) => document.querySelectorAll('ol.logs li.of-selected').length === n, mine.length);
    expect(await page.locator('.span-row.selected .name').textContent()).toBe('orders-queue process');
    expect(await page.locator('button[role=tab][aria-selected=true]').textContent()).toMatch(/^Logs/);
  });

  it('toggles clock-skew correction and shows orphans under their virtual parent', async () => {
    await page.goto(`${c.url}/#/trace/${'b8'.repeat(16)}`);
    await spanRow('POST /price').waitFor();
    expect(await spanRow('POST /price').locator('.badge.skew').textContent()).toMatch(/skew \+220 ms/);
    await page.getByLabel('Correct clock skew').uncheck();
    await page.waitForURL(/skew=raw/);
    // the page re-renders after the URL changes: wait for the badge to go
    await spanRow('POST /price').locator('.badge.skew').waitFor({ state: 'detached' });
    expect(await spanRow('POST /price').locator('.badge.skew').count()).toBe(0);
    await page.goto(`${c.url}/#/trace/${'e5'.repeat(16)}`);
    await page.locator('.row.orphan').waitFor();
    expect(await page.locator('.row.orphan').textContent()).toMatch(/platform.*platform hop/);
    await shot(page, 'orphan');
  });

  it('draws the service map with the queue as a node, and a click filters traces', async () => {
    await page.goto(`${c.url}/#/map`);
    await page.locator('svg.map .node').first().waitFor();
    const nodes = await page.locator('svg.map .node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(nodes).toEqual(expect.arrayContaining(['orders-api', 'order-worker', 'queue:orders-queue']));
    // labels in words; the messages go through the queue's node, with no call edge beside it
    const label = (edge: string) => page.locator(`[data-edge="${edge}"] text tspan`).allTextContents();
    expect(await label('orders-api>queue:orders-queue')).toEqual([
      '2 messages sent, about 2 an hour',
      expect.stringMatching(/^no errors · p95 [\d.]+ m?s$/),
    ]);
    expect(await label('queue:orders-queue>order-worker')).toEqual([
      '2 messages received, about 2 an hour',
      expect.stringMatching(/^no errors · p95 [\d.]+ m?s$/),
      expect.stringMatching(/^waited p95 [\d.]+ m?s in the queue$/),
    ]);
    expect(await page.locator('[data-edge="orders-api>order-worker"]').count()).toBe(0);
    // no node covers an edge's label
    const covered = await page.evaluate(() => {
      const boxes = Array.from(document.querySelectorAll('svg.map .node rect')).map((n) => n.getBoundingClientRect());
      return Array.from(document.querySelectorAll('svg.map .edge-label')).flatMap((t) => {
        const l = t.getBoundingClientRect();
        const hit = boxes.some((b) => l.left < b.right && l.right > b.left && l.top < b.bottom && l.bottom > b.top);
        return hit ? [t.textContent] : [];
      });
    });
    expect(covered).toEqual([]);
    await shot(page, 'map');
    await page.click('[data-node="order-worker"]');
    await page.waitForURL(/#\/traces\?service=order-worker/);
    await page.locator('table.results tbody tr').first().waitFor();
  });

  it('shows services and functions with their charts', async () => {
    await page.goto(`${c.url}/#/services`);
    await page.locator('table[aria-label=Functions] tbody tr').first().waitFor();
    const fns = await page.locator('table[aria-label=Functions] tbody td:first-child').allTextContents();
    expect(fns).toEqual(expect.arrayContaining(['orders-api', 'order-worker']));
    await page.waitForFunction(() => document.querySelectorAll('.chart canvas').length >= 9);
    // a sparse hour (a few invocations): bars, not lone dots
    const draws = await page
      .locator('.charts .chart')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-draw')));
    expect(draws.length).toBeGreaterThanOrEqual(9);
    expect(new Set(draws)).toEqual(new Set(['bars']));
    // no y-axis label is clipped: nothing is drawn in the canvas's first column of pixels
    const clipped = await page.locator('.charts .chart').evaluateAll((els) =>
      els.flatMap((e) => {
        const canvas = e.querySelector('canvas')!;
        const px = canvas.getContext('2d')!.getImageData(0, 0, 2, canvas.height).data;
        return px.some((v, i) => i % 4 === 3 && v > 0) ? [e.getAttribute('data-chart')] : [];
      }),
    );
    expect(clipped).toEqual([]);
    await shot(page, 'services');
  });

  it('searches logs, each line linking to its trace', async () => {
    await page.goto(`${c.url}/#/logs?text=fulfilled`);
    await page.locator('table.logs-table tbody tr').first().waitFor();
    expect(await page.locator('table.logs-table tbody tr').count()).toBe(2);
    // a line's fields beside its message; services to pick from
    expect(await page.locator('table.logs-table tbody tr .attrs').first().textContent()).toMatch(/item=/);
    expect(await page.locator('select[name=service] option').allTextContents()).toEqual(
      expect.arrayContaining(['any', 'orders-api', 'order-worker']),
    );
    await page.locator('table.logs-table tbody tr a').first().click();
    await page.locator('.trace-head').waitFor();
    await shot(page, 'logs');
  });

  it('creates an alert rule, previews it over the last 24 h, and silences it', async () => {
    await page.goto(`${c.url}/#/alerts`);
    await page.locator('form[aria-label="New alert rule"]').waitFor();
    // a rule without a threshold is refused with a reason, not made with threshold 0
    await page.fill('input[name=name]', 'no threshold');
    await page.fill('input[name=threshold]', '');
    await page.click('button:has-text("Preview 24 h")');
    expect(await page.locator('p.error[role=alert]').textContent()).toBe('"threshold" is required');
    await page.fill('input[name=name]', 'orders slow');
    await page.fill('input[name=service]', 'orders-api');
    await page.selectOption('select[name=signal]', 'latency_p95');
    await page.fill('input[name=threshold]', '0.01');
    await page.fill('input[name=window]', '10m');
    await page.click('button:has-text("Preview 24 h")');
    await page.locator('.preview .chart canvas').waitFor();
    expect(Number(await page.locator('.preview [data-fired]').getAttribute('data-fired'))).toBeGreaterThanOrEqual(1);
    await shot(page, 'alerts-preview');
    await page.click('button[type=submit]:has-text("Create")');
    const row = page.locator('tr[data-rule="orders-slow"]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).toContain('latency_p95 > 0.01 over 10m · service=orders-api');
    await row.locator('button:has-text("Silence 1h")').click();
    await row.locator('.badge.silenced').waitFor();
    await shot(page, 'alerts');
    await row.locator('button:has-text("Unsilence")').click();
    await row.locator('.badge.silenced').waitFor({ state: 'detached' });
    await row.locator('button:has-text("Silence 1h")').waitFor();
  });

  it('says so for an unknown page or trace, with a way back', async () => {
    await page.goto(`${c.url}/#/nonexistent`);
    await page.locator('p.empty', { hasText: 'There is no page #/nonexistent' }).waitFor();
    await page.goto(`${c.url}/#/trace/${'0'.repeat(31)}1`);
    await page.locator('p.error', { hasText: 'no spans of trace' }).waitFor();
    await page.locator('a', { hasText: 'Search traces' }).click();
    await page.waitForURL(/#\/traces/);
  });

  it('fits a phone: the trace view stacks the waterfall over the span panel', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${c.url}/#/trace/${orderTrace}?journey=off`);
      await spanRow('POST /orders').first().waitFor();
      const waterfall = (await page.locator('.waterfall').boundingBox())!;
      const panel = (await page.locator('.span-detail').boundingBox())!;
      expect(waterfall.width).toBeGreaterThan(300);
      expect(panel.y).toBeGreaterThanOrEqual(waterfall.y + waterfall.height);
      await shot(page, 'phone-trace');
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  // how fast it renders and scrolls is measured by `npm run bench` (test/bench/dashboard-render.bench.mjs)
  it('opens a 10,000-span trace with only the rows in view in the page, and scrolls to its last span', async () => {
    await page.goto(`${c.url}/#/trace/${BIG}`);
    await page.locator('.span-row').first().waitFor();
    expect(Number(await page.locator('.waterfall').getAttribute('data-rows'))).toBe(10_001);
    expect(await page.locator('.row').count()).toBeLessThan(120);

    await page.locator('.waterfall .rows').evaluate((box) => {
      box.scrollTop = box.scrollHeight;
    });

    // the last span of the depth-first order is on screen, inside the scrolled box
    const view = await api(c.url, `/api/traces/${BIG}`);
    const last = page.locator(`.span-row[data-span="${view.spans[view.spans.length - 1].spanId}"]`);
    await last.waitFor();
    const row = (await last.boundingBox())!;
    const box = (await page.locator('.waterfall .rows').boundingBox())!;
    expect(row.y).toBeGreaterThanOrEqual(box.y);
    expect(row.y + row.height).toBeLessThanOrEqual(box.y + box.height);
    expect(await page.locator('.row').count()).toBeLessThan(120);
    await shot(page, 'big-trace');
  });
});
