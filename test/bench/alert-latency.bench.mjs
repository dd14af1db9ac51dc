// Time from the first bad span to the webhook call, at the default alert settings
// (evaluation every 1 min, 5 min window, ingest-lag floor 5 s, "for" 0 s): a collector with
// the embedded engine, a webhook receiver, and slow spans sent at a random moment of the
// evaluation cycle. Also the cost of one rule's evaluation query on the data it holds.
//   node test/bench/alert-latency.bench.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { bundleSource, isMain, ROOT, round, TMP, textTable, writeResult } from './lib/common.mjs';

const SAMPLES = Number(process.env.BENCH_ALERT_SAMPLES ?? 2);

async function collectorModule() {
  const outfile = join(TMP, 'alert-latency-collector.mjs');
  await bundleSource(join(ROOT, 'collector/src/index.ts'), outfile);
  return import(pathToFileURL(outfile).href);
}

function slowSpans(service, n, seq) {
  const end = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: n }, (_, i) => ({
              traceId: (seq * 1000 + i + 1).toString(16).padStart(32, '0'),
              spanId: (seq * 1000 + i + 1).toString(16).padStart(16, '0'),
              name: 'GET /checkout',
              kind: 2,
              startTimeUnixNano: String(end - 900_000_000n),
              endTimeUnixNano: String(end),
            })),
          },
        ],
      },
    ],
  });
}

export async function run() {
  const { buildServer } = await collectorModule();
  const hooks = Fastify();
  const got = [];
  hooks.post('/*', async (req) => {
    got.push({ at: Date.now(), path: req.url, body: req.body });
    return {};
  });
  const hookUrl = await hooks.listen({ host: '127.0.0.1', port: 0 });
  const server = buildServer({ data: mkdtempSync(join(tmpdir(), 'fntrace-alert-bench-')), logLevel: 'warn' });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const samples = [];
  for (let i = 0; i < SAMPLES; i++) {
    const service = `bench-${i}`;
    await fetch(`${url}/api/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `p95 ${service}`,
        target: { service },
        signal: 'latency_p95',
        comparator: '>',
        threshold: 500,
        channels: [{ type: 'webhook', url: `${hookUrl}/${service}` }],
      }),
    });
    // land at a random point of the rule's 1-minute evaluation cycle
    await new Promise((r) => setTimeout(r, 2000 + Math.random() * 58_000));
    const t0 = Date.now();
    await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: slowSpans(service, 20, i + 1),
    });
    while (!got.some((g) => g.path === `/${service}`)) await new Promise((r) => setTimeout(r, 50));
    const ms = got.find((g) => g.path === `/${service}`).at - t0;
    samples.push(ms);
    console.log(`sample ${i + 1}: first slow span to webhook ${(ms / 1000).toFixed(1)} s`);
  }
  // evaluation cost: one evaluation of a function-level and a span-level rule
  const { engine } = server.parts();
  const timings = [];
  for (const signal of ['latency_p95', 'error_rate', 'cold_start_rate']) {
    const rule = {
      id: `cost-${signal}`,
      name: 'cost',
      target: { service: 'bench-0' },
      signal,
      comparator: '>',
      threshold: 1,
      window: '5m',
      interval: '1m',
      for: '0s',
      minSamples: 1,
      excludeColdStarts: false,
      groupBy: 'none',
      noData: 'no_data',
      severity: 'info',
      labels: {},
      repeatInterval: '4h',
      channels: [],
    };
    const t = process.hrtime.bigint();
    await engine.preview(rule, Date.now(), 300_000);
    timings.push({ signal, ms: Number(process.hrtime.bigint() - t) / 1e6 });
  }
  await server.app.close();
  await hooks.close();
  const result = {
    bench: 'alert-latency',
    params: { samples: SAMPLES, interval: '1m', window: '5m', minLagMs: 5000, for: '0s' },
    samplesMs: samples,
    medianMs: round(samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)], 0),
    maxMs: Math.max(...samples),
    evaluationMs: timings,
  };
  console.log(
    textTable(
      ['sample', 'first bad span → webhook'],
      samples.map((s, i) => [String(i + 1), `${(s / 1000).toFixed(1)} s`]),
    ),
  );
  writeResult('alert-latency', result);
  return result;
}

if (isMain(import.meta.url)) await run();
