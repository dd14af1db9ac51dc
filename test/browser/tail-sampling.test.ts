import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCollector } from '../collector/helpers.js';
import { launch } from './browser.js';

// What tail sampling decided, on the trace page in real Chromium: a journey whose third hop
// failed is kept (the page says so, and why), a healthy one is sampled out (its trace page still
// shows it while the hold keeps its spans, and says it was sampled out and when). The rules keep
// no share of healthy journeys.
const options: Record<string, unknown> = {};
const c = useCollector(options, { samplingInBackground: false }, (dataDir) => {
  options.tailSampling = join(dataDir, 'sampling.yaml');
  writeFileSync(options.tailSampling as string, 'decisionDelay: 1s\nhold: 1h\nkeep:\n  percent: 0\n');
});
let browser: BrowserContext;
let page: Page;
const journeys: { traces: string[]; failing: boolean }[] = [];

beforeAll(async () => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.url}/v1/traces` }))],
  });
  const tracer = provider.getTracer('sampling-page');
  for (const failing of [true, false]) {
    const traces: string[] = [];
    const id = `${failing ? 'bad' : 'good'}-${Date.now()}`;
    for (let k = 0; k < 3; k++) {
      const hop = tracer.startSpan(k === 0 ? 'POST /orders' : `consume-${k}`, {
        root: true,
        kind: k === 0 ? SpanKind.SERVER : SpanKind.CONSUMER,
        attributes: k > 0 ? { 'messaging.message.id': `${id}-${k}` } : {},
      });
      if (k < 2)
        tracer
          .startSpan(
            'publish',
            { kind: SpanKind.PRODUCER, attributes: { 'messaging.message.id': `${id}-${k + 1}` } },
            trace.setSpan(context.active(), hop),
          )
          .end();
      if (failing && k === 2) hop.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
      hop.end();
      traces.push(hop.spanContext().traceId);
    }
    journeys.push({ traces, failing });
  }
  await provider.forceFlush();
  await provider.shutdown();
  await c.drained();
  // decided once quiet for the delay, on the store's clock
  for (;;) {
    await c.server.app.sampler.tick();
    const [r] = await c.query<{ n: string }>(
      'SELECT toString(uniqExact(TraceId)) AS n FROM fntrace.fntrace_sampling_decisions',
    );
    if (Number(r!.n) === 6) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('tail sampling on the trace page', () => {
  it('says a kept trace was kept, and for what', async () => {
    const [first] = journeys.find((j) => j.failing)!.traces;
    await page.goto(`${c.url}/#/trace/${first}`);
    const note = page.locator('.trace-head .sampling-note');
    await note.waitFor();
    expect(await note.textContent()).toBe(' · kept by tail sampling for an error in its journey');
  });

  it('shows a sampled-out trace while the hold keeps it, saying it was sampled out and when', async () => {
    const [, second] = journeys.find((j) => !j.failing)!.traces;
    await page.goto(`${c.url}/#/trace/${second}`);
    const note = page.locator('.trace-head .sampling-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(
      /^ · sampled out by tail sampling on .+: nothing in its journey matched a keep rule; shown until its hold time ends; its invocations, cost and summary still count$/,
    );
    // its spans, from the staging table
    expect(await page.locator('.trace-head h1').textContent()).toContain('shop: consume-1');
  });
});
