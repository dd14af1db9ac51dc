// Soak scenario "fuzz": hostile input at the collector (the built `fntrace collector`, embedded
// engine). First OTLP bodies (lib/fuzz-bodies.mjs: protobuf and JSON, traces and logs, gzip,
// wrong types, hostile timestamps, huge and deep attributes, text that is not UTF-8, bytes
// flipped, truncated), then every operation and parameter of the API its OpenAPI document
// describes (lib/fuzz-queries.mjs). Goals: no answer is a 5xx (a client's mistake is a 4xx, an
// odd but valid request a 200), the process never dies, /readyz stays 200 (checked between
// every 1,000 requests), and afterwards spans sent by the OpenTelemetry exporter are stored
// and readable through the API within seconds.
//
// Every 5xx (or connection cut) is kept: its request in .bench-tmp/soak-fuzz-failures/ (or
// `failuresDir`), the answer in the result.

import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TMP } from '../bench/lib/common.mjs';
import { get, sampleRss, startCollector } from '../bench/lib/ingest-collector.mjs';
import { fuzzRequestsAhead } from './lib/fuzz-bodies.mjs';
import { operationRequests, operations } from './lib/fuzz-queries.mjs';
import { agentFor } from './lib/load.mjs';
import { figure, mb, n, runAsMain, secs, stopQuietly } from './lib/scenario.mjs';

/** One request; resolves `{ status, body }` (status 0 when the connection was cut). */
function request(port, agent, { method, path, headers = {}, body }) {
  return new Promise((resolve) => {
    let req;
    try {
      req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.length < 64 && chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8', 0, 2000) }));
        res.on('error', (err) => resolve({ status: 0, body: String(err) }));
      });
    } catch (err) {
      // a path Node will not send (this side's mistake, not the collector's)
      resolve({ status: -1, body: String(err) });
      return;
    }
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.setTimeout(120_000, () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

/** Sends `items` (iterable or async iterable) from `concurrency` senders; `check()` runs every `checkEvery` requests. */
async function sendAll(items, { concurrency, send, check, checkEvery = 1000 }) {
  const it = items[Symbol.asyncIterator]?.() ?? items[Symbol.iterator]();
  let sent = 0;
  let checking = Promise.resolve();
  const sender = async () => {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      await send(next.value);
      if (++sent % checkEvery === 0) checking = checking.then(check);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, sender));
  } finally {
    await it.return?.(); // ends fuzzRequestsAhead's worker thread if a sender failed
  }
  await checking;
  return sent;
}

/** Spans from the OpenTelemetry exporter; resolves when each is readable in `/api/traces/:id`. */
async function ordinarySpans(port, count) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'after-fuzz' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` }))],
  });
  const tracer = provider.getTracer('fuzz-soak');
  const sentAt = performance.now();
  const root = tracer.startSpan('after-fuzz');
  const traceId = root.spanContext().traceId;
  const { trace } = await import('@opentelemetry/api');
  const ctx = trace.setSpan((await import('@opentelemetry/api')).context.active(), root);
  for (let i = 1; i < count; i++) tracer.startSpan(`child-${i}`, {}, ctx).end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  const deadline = sentAt + 120_000;
  for (;;) {
    const r = await get(port, `/api/traces/${traceId}`);
    if (r.status === 200 && r.body.spans?.length === count) return { readableMs: performance.now() - sentAt, traceId };
    if (performance.now() > deadline) return { readableMs: Number.NaN, traceId, last: r.status };
    await sleep(50);
  }
}

/**
 * @param {object} o
 * @param {string} o.dataDir the collector's data directory (empty)
 * @param {number} [o.bodies] OTLP requests (default 100,000)
 * @param {number} [o.perParameter] requests for each parameter of each API operation (default 200)
 * @param {number} [o.seed] fast-check's seed (default 1): the same seed, the same requests
 * @param {string} [o.failuresDir] where requests answered 5xx are written (default .bench-tmp/soak-fuzz-failures)
 */
export async function fuzzSoak({
  dataDir,
  bodies = 100_000,
  perParameter = 200,
  seed = 1,
  concurrency = 8,
  failuresDir = join(TMP, 'soak-fuzz-failures'),
  log = () => {},
}) {
  let collector = await startCollector({ data: dataDir });
  const agent = agentFor(concurrency);
  try {
    const rss = sampleRss(collector.pid, 1000);
    const failures = [];
    // every 5xx counted by operation or kind, status and answer; the first few of each kept whole
    const failureClasses = {};
    const keep = (what, req, res) => {
      const route = what === 'api' ? req.op : req.kind;
      const key = `${route} → ${res.status} ${res.body.replace(/\d+/g, 'N').slice(0, 100)}`;
      failureClasses[key] = (failureClasses[key] ?? 0) + 1;
      if (failures.length < 50 && failureClasses[key] <= 5) {
        mkdirSync(failuresDir, { recursive: true });
        const file = join(failuresDir, `${failures.length + 1}-${what}.bin`);
        writeFileSync(file, req.body ?? '');
        failures.push({
          what,
          method: req.method,
          url: req.path,
          headers: req.headers,
          kind: req.kind ?? req.param,
          file,
          status: res.status,
          answer: res.body,
        });
      }
    };
    const ready = { checks: 0, notReady: 0 };
    const check = async () => {
      const r = await get(collector.port, '/readyz').catch(() => ({ status: 0 }));
      ready.checks++;
      if (r.status !== 200) ready.notReady++;
    };

    // ——— OTLP bodies ———
    const otlp = { byStatus: {}, byKind: {}, fiveHundreds: 0 };
    const started = performance.now();
    let lastLog = started;
    const sentBodies = await sendAll(fuzzRequestsAhead(bodies, seed), {
      concurrency,
      check,
      send: async (req) => {
        const res = await request(collector.port, agent, { method: 'POST', ...req });
        otlp.byStatus[res.status] = (otlp.byStatus[res.status] ?? 0) + 1;
        const kind = req.kind.split(/[+/]/).slice(0, 2).join('/');
        otlp.byKind[kind] ??= {};
        otlp.byKind[kind][res.status] = (otlp.byKind[kind][res.status] ?? 0) + 1;
        if (res.status >= 500 || res.status <= 0) {
          otlp.fiveHundreds++;
          keep('otlp', req, res);
        }
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          const done = Object.values(otlp.byStatus).reduce((a, b) => a + b, 0);
          log(
            `${secs(lastLog - started).padStart(8)}  ${n(done)} OTLP bodies: ${JSON.stringify(otlp.byStatus)}  RSS ${mb(rss.samples.at(-1)?.rss ?? 0)}`,
          );
        }
      },
    });
    log(`${n(sentBodies)} OTLP bodies in ${secs(performance.now() - started)}: ${JSON.stringify(otlp.byStatus)}`);

    // ——— the API ———
    const doc = (await get(collector.port, '/api/openapi.json')).body;
    const ops = operations(doc);
    const api = { byStatus: {}, byOperation: {}, fiveHundreds: 0, parameters: 0 };
    const apiRequests = ops.flatMap((op, i) => {
      api.parameters += op.parameters.length + (op.body ? 1 : 0);
      return operationRequests(op, perParameter, seed + i * 100_000).map((r) => ({
        ...r,
        op: `${op.method} ${op.path}`,
      }));
    });
    const apiStarted = performance.now();
    const sentApi = await sendAll(apiRequests, {
      concurrency: 4,
      check,
      send: async (r) => {
        const headers = r.body === undefined ? {} : { 'content-type': 'application/json' };
        const res = await request(collector.port, agent, { method: r.method, path: r.url, headers, body: r.body });
        api.byStatus[res.status] = (api.byStatus[res.status] ?? 0) + 1;
        api.byOperation[r.op] ??= {};
        api.byOperation[r.op][res.status] = (api.byOperation[r.op][res.status] ?? 0) + 1;
        if (res.status >= 500 || res.status === 0) {
          api.fiveHundreds++;
          keep('api', { ...r, path: r.url }, res);
        }
      },
    });
    log(
      `${n(sentApi)} API requests (${ops.length} operations, ${api.parameters} parameters and bodies) in ${secs(performance.now() - apiStarted)}: ${JSON.stringify(api.byStatus)}`,
    );

    // ——— afterwards ———
    await check();
    const alive =
      collector.pid !== undefined &&
      (await get(collector.port, '/healthz').catch(() => ({ status: 0 }))).status === 200;
    const after = await ordinarySpans(collector.port, 10);
    log(`ordinary spans readable ${secs(after.readableMs)} after they were sent`);
    const memory = rss.stop();
    const output = collector.output();
    const exit = await collector.stop();
    collector = undefined;
    const errorLines = output.split('\n').filter((l) => /"level":(50|60)/.test(l)).length;
    return {
      bodies: sentBodies,
      apiRequests: sentApi,
      otlp,
      api: { ...api, operations: ops.length },
      ready,
      alive,
      after,
      exit,
      errorLogLines: errorLines,
      memory,
      failures,
      failureClasses,
      figures: [
        figure('mutated OTLP bodies sent', n(sentBodies), '≥ 100,000', sentBodies >= 100_000 || 'short'),
        figure(
          'their answers by status',
          Object.entries(otlp.byStatus)
            .map(([s, c]) => `${s}: ${n(c)}`)
            .join(', '),
          '',
          undefined,
        ),
        figure(
          'API requests (every parameter of every operation)',
          `${n(sentApi)} (${ops.length} operations, ${api.parameters} parameters and bodies)`,
          '',
          undefined,
        ),
        figure(
          'their answers by status',
          Object.entries(api.byStatus)
            .map(([s, c]) => `${s}: ${n(c)}`)
            .join(', '),
          '',
          undefined,
        ),
        figure(
          'answers 5xx or cut off (OTLP + API)',
          n(otlp.fiveHundreds + api.fiveHundreds),
          '0',
          otlp.fiveHundreds + api.fiveHundreds === 0,
        ),
        figure(
          '/readyz not 200 (checks every 1,000 requests)',
          `${ready.notReady} of ${ready.checks}`,
          '0',
          ready.notReady === 0,
        ),
        figure(
          'collector alive at the end, clean exit',
          alive && exit.code === 0 ? 'yes' : `no (exit ${exit.code ?? exit.signal})`,
          'yes',
          alive && exit.code === 0,
        ),
        figure('ordinary spans readable after the fuzz', secs(after.readableMs), '≤ 10 s', after.readableMs <= 10_000),
      ],
    };
  } finally {
    agent.destroy();
    await stopQuietly(collector);
  }
}

await runAsMain(import.meta.url, 'fuzz', fuzzSoak);
