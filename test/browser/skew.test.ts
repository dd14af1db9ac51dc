import { context, SpanKind, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// Clock skew on plain OpenTelemetry spans, sent by the official OTLP exporter: no fntrace SDK,
// no faas.invocation_id. The pricing service's clock runs 2 s behind checkout's, so its SERVER
// span starts 2 s before the CLIENT span that called it. Corrected, it sits in the middle of
// its parent (the latency split evenly): the page says how many spans moved and by how much,
// and the trace's header and the Traces list give the corrected duration.
const c = useCollector();
let browser: BrowserContext;
let page: Page;
let skewed: string;
let straight: string;

// a minute ago, in whole milliseconds
const T = Date.now() - 60_000;
const at = (dt: number) => new Date(T + dt);

/** One request: checkout's SERVER span calls pricing (CLIENT → SERVER → INTERNAL), pricing's clock `behindMs` behind. */
async function request(behindMs: number): Promise<string> {
  const provider = (service: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.url}/v1/traces` }))],
    });
  const checkout = provider('checkout');
  const pricing = provider('pricing');
  const a = checkout.getTracer('shop');
  const b = pricing.getTracer('shop');
  const root = a.startSpan('POST /checkout', { kind: SpanKind.SERVER, startTime: at(-10) });
  const call = a.startSpan(
    'GET pricing',
    { kind: SpanKind.CLIENT, startTime: at(0) },
    trace.setSpan(context.active(), root),
  );
  // pricing's clock: 40 ms of work, 30 ms after the call began, read `behindMs` early
  const server = b.startSpan(
    'GET /price',
    { kind: SpanKind.SERVER, startTime: at(30 - behindMs) },
    trace.setSpan(context.active(), call),
  );
  const lookup = b.startSpan(
    'price lookup',
    { kind: SpanKind.INTERNAL, startTime: at(40 - behindMs) },
    trace.setSpan(context.active(), server),
  );
  lookup.end(at(50 - behindMs));
  server.end(at(70 - behindMs));
  call.end(at(100));
  root.end(at(200));
  for (const p of [checkout, pricing]) {
    await p.forceFlush();
    await p.shutdown();
  }
  return root.spanContext().traceId;
}

beforeAll(async () => {
  skewed = await request(2000);
  straight = await request(0);
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

const spanRow = (name: string) =>
  page.locator('.span-row', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

describe('clock skew on plain OpenTelemetry spans', () => {
  it('moves the SERVER span that starts 2 s before its CLIENT parent, says so, and corrects the header', async () => {
    await page.goto(`${c.url}/#/trace/${skewed}`);
    await spanRow('GET /price').waitFor();
    // 30 ms of latency on each side of pricing's 40 ms in checkout's 100 ms: moved by exactly the 2 s of skew
    expect(await spanRow('GET /price').locator('.badge.skew').textContent()).toBe('skew +2.00 s');
    expect(await spanRow('price lookup').locator('.badge.skew').textContent()).toBe('skew +2.00 s');
    expect(await spanRow('GET pricing').locator('.badge.skew').count()).toBe(0);
    expect(await page.locator('.skew-note').textContent()).toBe('moved 2 spans by +2.00 s');
    // the trace lasts from checkout's start to its end: 210 ms, not the 2.17 s of the raw clocks
    expect(await page.locator('.trace-head .facts').textContent()).toContain(' · 210 ms · 4 spans');
    const lane = async (name: string) => (await spanRow(name).locator('.bar').boundingBox())!;
    const [parent, child] = [await lane('GET pricing'), await lane('GET /price')];
    expect(child.x).toBeGreaterThanOrEqual(parent.x);
    expect(child.x + child.width).toBeLessThanOrEqual(parent.x + parent.width);
    await shot(page, 'trace-skew');

    await page.getByLabel('Correct clock skew').uncheck();
    await page.waitForURL(/skew=raw/);
    await spanRow('GET /price').locator('.badge.skew').waitFor({ state: 'detached' });
    expect(await page.locator('.skew-note').textContent()).toBe('would move 2 spans by +2.00 s');
    expect(await page.locator('.trace-head .facts').textContent()).toContain(' · 2.17 s · 4 spans');
    const raw = await lane('GET /price');
    expect(raw.x).toBeLessThan((await lane('GET pricing')).x);
  });

  it('says when there is nothing to correct', async () => {
    await page.goto(`${c.url}/#/trace/${straight}`);
    await spanRow('GET /price').waitFor();
    expect(await page.locator('.skew-note').textContent()).toBe('nothing to correct');
    expect(await page.locator('.badge.skew').count()).toBe(0);
    expect(await page.locator('.trace-head .facts').textContent()).toContain(' · 210 ms · 4 spans');
  });

  it('lists the trace with its corrected duration, and the raw one with correction off', async () => {
    await page.goto(`${c.url}/#/traces?since=1h`);
    const row = page.locator(`table.results tr[data-trace="${skewed}"]`);
    await row.waitFor();
    await page.locator('.results-skew', { hasText: '1 trace of this page corrected' }).waitFor();
    expect(await row.locator('td.duration').textContent()).toBe('210 mscorrected');
    expect(await row.locator('td.duration .badge').getAttribute('title')).toBe(
      'corrected for clock skew (2 spans moved); 2.17 s as sent',
    );
    expect(await page.locator(`tr[data-trace="${straight}"] td.duration`).textContent()).toBe('210 ms');
    await page.getByLabel('Correct clock skew').uncheck();
    await page.waitForURL(/skew=raw/);
    await row.locator('td.duration .badge').waitFor({ state: 'detached' });
    expect(await row.locator('td.duration').textContent()).toBe('2.17 s');
    // the trace opens as the list showed it: raw
    await row.locator('td a').first().click();
    await page.waitForURL(new RegExp(`#/trace/${skewed}\\?skew=raw`));
    await page.locator('.skew-note', { hasText: 'would move' }).waitFor();
  });
});
