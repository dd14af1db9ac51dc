// How long a receiver waits at the default alert settings (evaluation every 1 min, 5 min
// window, ingest-lag floor 5 s, "for" 0 s, noData "no_data"): a collector with the embedded
// engine, a webhook receiver, and one batch of slow spans sent at a random moment of the
// evaluation cycle, per episode. Measured from that batch (its spans are the first and the
// last bad ones): first bad span → firing, and last bad span → the notification that ends the
// episode — "no data" when nothing follows (the default), "resolved" when fast spans keep
// coming (one every 5 s: too few to lower the p95 while the slow ones are in the window).
// The episodes run side by side, each with its own rule and service. Also the cost of one
// rule's evaluation query on the data it holds.
//   node test/bench/alert-latency.bench.mjs
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { bundleSource, isMain, ROOT, round, textTable, writeResult } from './lib/common.mjs';

const SAMPLES = Number(process.env.BENCH_ALERT_SAMPLES ?? 2);

async function collectorModule() {
  // inside the collector's package, so that the packages only it installs (@fastify/static) resolve
  const outfile = join(ROOT, 'collector/node_modules/.cache/fntrace-bench/alert-latency-collector.mjs');
  await bundleSource(join(ROOT, 'collector/src/index.ts'), outfile);
  return import(pathToFileURL(outfile).href);
}

function spansOf(service, n, seq, durationMs) {
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
              startTimeUnixNano: String(end - BigInt(durationMs) * 1_000_000n),
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
  const post = (path, body) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const notified = async (service, kind) => {
    for (;;) {
      const n = got.find((g) => g.path === `/${service}` && g.body.kind === kind);
      if (n) return n.at;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let seq = 0;

  /** One episode: a default rule, one batch of slow spans, and then nothing or a trickle of fast ones. */
  async function episode(service, end) {
    await post(
      '/api/alerts/rules',
      JSON.stringify({
        name: `p95 ${service}`,
        target: { service },
        signal: 'latency_p95',
        comparator: '>',
        threshold: 500,
        channels: [{ type: 'webhook', url: `${hookUrl}/${service}` }],
      }),
    );
    // land at a random point of the rule's 1-minute evaluation cycle
    await new Promise((r) => setTimeout(r, 2000 + Math.random() * 58_000));
    const t0 = Date.now();
    await post('/v1/traces', spansOf(service, 20, ++seq, 900));
    let trickle;
    if (end === 'resolved')
      trickle = setInterval(() => void post('/v1/traces', spansOf(service, 1, ++seq, 20)).catch(() => {}), 5000);
    try {
      const firingMs = (await notified(service, 'firing')) - t0;
      console.log(`${service}: first bad span to firing ${(firingMs / 1000).toFixed(1)} s`);
      const endMs = (await notified(service, end)) - t0;
      console.log(`${service}: last bad span to ${end} ${(endMs / 1000).toFixed(1)} s`);
      return { service, end, firingMs, endMs };
    } finally {
      clearInterval(trickle);
    }
  }

  const episodes = await Promise.all(
    Array.from({ length: SAMPLES }, (_, i) => [
      episode(`bench-${i}`, 'no_data'),
      episode(`bench-ok-${i}`, 'resolved'),
    ]).flat(),
  );
  const samples = episodes.map((e) => e.firingMs);
  const noDataMs = episodes.filter((e) => e.end === 'no_data').map((e) => e.endMs);
  const resolvedMs = episodes.filter((e) => e.end === 'resolved').map((e) => e.endMs);

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
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const result = {
    bench: 'alert-latency',
    params: { samples: SAMPLES, interval: '1m', window: '5m', minLagMs: 5000, for: '0s', noData: 'no_data' },
    // the bounds: a firing is seen at the first evaluation after the lag; an episode ends at
    // the first evaluation after its last bad span has left the window (lag later)
    boundsMs: { firing: 5000 + 60_000, end: 300_000 + 5000 + 60_000 },
    samplesMs: sorted(samples),
    medianMs: round(sorted(samples)[Math.floor(samples.length / 2)], 0),
    maxMs: Math.max(...samples),
    noDataMs: sorted(noDataMs),
    resolvedMs: sorted(resolvedMs),
    evaluationMs: timings,
  };
  console.log(
    textTable(
      ['episode', 'first bad span → firing', 'last bad span → end of episode'],
      episodes.map((e) => [
        e.service,
        `${(e.firingMs / 1000).toFixed(1)} s`,
        `${(e.endMs / 1000).toFixed(1)} s (${e.end.replace('_', ' ')})`,
      ]),
    ),
  );
  writeResult('alert-latency', result);
  return result;
}

if (isMain(import.meta.url)) await run();
