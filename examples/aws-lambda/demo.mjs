// `npm start`: runs the example functions in local Lambda environments and shows what
// @fntrace/sdk produced — the functions' JSON log lines and their spans, received over
// OTLP/HTTP by a small local receiver and printed as trace waterfalls.
// (The fntrace collector and dashboard will take the receiver's place: issues #3-#5.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Fastify from 'fastify';
import { receiveBatch } from './local-queue.mjs';
import { flattenLogs, flattenSpans } from './otlp-json.mjs';
import { runLocal } from './run-local.mjs';

const here = import.meta.dirname;
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = (s) => paint(2, s);
const bold = (s) => paint(1, s);
const red = (s) => paint(31, s);
const cyan = (s) => paint(36, s);
const yellow = (s) => paint(33, s);

async function startReceiver() {
  const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  const traces = [];
  const logs = [];
  app.post('/v1/traces', async (req) => {
    traces.push(req.body);
    return {};
  });
  app.post('/v1/logs', async (req) => {
    logs.push(req.body);
    return {};
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, traces, logs, close: () => app.close() };
}

function printLogs(name, lines) {
  for (const l of lines) {
    const level =
      l.level === 'error' || l.level === 'fatal' ? red(l.level) : l.level === 'warn' ? yellow(l.level) : l.level;
    const ids = dim(
      `trace=${String(l.trace_id).slice(0, 8)} span=${String(l.span_id).slice(0, 8)} corr=${l.correlation_id}`,
    );
    const extra = Object.entries(l)
      .filter(
        ([k]) =>
          ![
            'level',
            'time',
            'msg',
            'service',
            'function',
            'trace_id',
            'span_id',
            'trace_flags',
            'correlation_id',
            'invocation_id',
            'cold_start',
          ].includes(k),
      )
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    console.log(
      `  ${cyan(name.padEnd(13))} ${level.padEnd(5)} ${l.msg} ${extra} ${ids}${l.cold_start ? yellow(' cold') : ''}`,
    );
  }
}

// Map.groupBy arrives in Node 21; the demo runs on 20
function groupBy(items, key) {
  const out = new Map();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, []);
    out.get(k).push(item);
  }
  return out;
}

/** Print each trace as an indented tree with a time bar. Assumes spans of one trace share traceId. */
function printTraces(spans) {
  const byTrace = groupBy(spans, (s) => s.traceId);
  const WIDTH = 32;
  for (const [traceId, list] of byTrace) {
    const start = Math.min(...list.map((s) => s.startMs));
    const end = Math.max(...list.map((s) => s.endMs));
    const total = Math.max(end - start, 0.001);
    const ids = new Set(list.map((s) => s.spanId));
    const children = groupBy(list, (s) => (ids.has(s.parentSpanId) ? s.parentSpanId : 'root'));
    console.log(`\n${bold(`trace ${traceId}`)}  ${dim(`${list.length} spans, ${total.toFixed(1)} ms`)}`);
    const walk = (span, depth) => {
      const from = Math.floor(((span.startMs - start) / total) * WIDTH);
      const len = Math.max(1, Math.round(((span.endMs - span.startMs) / total) * WIDTH));
      const bar = `${' '.repeat(Math.max(0, from))}${'█'.repeat(Math.min(len, WIDTH - from))}`.padEnd(WIDTH);
      const badges = [];
      if (span.attrs['faas.coldstart'])
        badges.push(yellow(`cold start, init ${Math.round(span.attrs['fntrace.init_duration_ms'])} ms`));
      if (span.status.code === 2) badges.push(red(`error${span.status.message ? `: ${span.status.message}` : ''}`));
      if (span.attrs['http.response.status_code']) badges.push(`HTTP ${span.attrs['http.response.status_code']}`);
      if (span.attrs['messaging.message.id'])
        badges.push(dim(`msg ${String(span.attrs['messaging.message.id']).slice(0, 8)}`));
      for (const link of span.links)
        badges.push(dim(`↔ ${link.attrs['fntrace.link.type'] ?? 'link'} ${link.traceId.slice(0, 8)}`));
      const label = `${'  '.repeat(depth)}${span.name}`.padEnd(34);
      const service = String(span.resource['service.name'] ?? '').padEnd(13);
      console.log(
        `  ${dim(bar)} ${label} ${cyan(service)} ${(span.endMs - span.startMs).toFixed(1).padStart(7)} ms  ${badges.join('  ')}`,
      );
      for (const c of (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) walk(c, depth + 1);
    };
    for (const root of (children.get('root') ?? []).sort((a, b) => a.startMs - b.startMs)) walk(root, 0);
  }
}

const receiver = await startReceiver();
const work = mkdtempSync(join(tmpdir(), 'fntrace-demo-'));
const queueFile = join(work, 'orders-queue.jsonl');
try {
  console.log(bold('fntrace demo — two Lambda functions joined by a queue'));
  console.log(
    dim(`local OTLP receiver on ${receiver.url}; functions run under lambda-local, one process per environment\n`),
  );

  const order = JSON.parse(readFileSync(resolve(here, 'events/create-order.json'), 'utf8'));
  const second = {
    ...order,
    headers: { ...order.headers, 'x-correlation-id': 'demo-checkout-2' },
    body: JSON.stringify({ item: 'lamp', quantity: 1 }),
  };
  const invalid = { ...order, headers: { ...order.headers, 'x-correlation-id': 'demo-checkout-3' }, body: '{}' };
  const api = await runLocal({
    handler: resolve(here, 'orders-api.mjs'),
    functionName: 'orders-api',
    endpoint: receiver.url,
    env: { ORDERS_QUEUE_FILE: queueFile },
    invocations: [{ event: order }, { event: second }, { event: invalid }],
    sequential: true,
  });
  const worker = await runLocal({
    handler: resolve(here, 'order-worker.mjs'),
    functionName: 'order-worker',
    endpoint: receiver.url,
    invocations: [{ event: receiveBatch(queueFile) }],
  });

  console.log(bold('Responses'));
  for (const o of api.outcomes)
    console.log(`  orders-api → ${o.error ? red(o.error.message) : `${o.result.statusCode} ${o.result.body}`}`);
  for (const o of worker.outcomes)
    console.log(`  order-worker → ${o.error ? red(o.error.message) : JSON.stringify(o.result)}`);

  console.log(bold('\nLog lines (stdout of each function)'));
  printLogs('orders-api', api.logs);
  printLogs('order-worker', worker.logs);

  const spans = flattenSpans(receiver.traces);
  const exportedLogs = flattenLogs(receiver.logs);
  console.log(bold(`\nTraces received: ${spans.length} spans and ${exportedLogs.length} log records over OTLP/HTTP`));
  printTraces(spans);
  console.log(
    dim('\nEach queued order continues the trace of the request that queued it; the worker invocation links to them.'),
  );
} finally {
  await receiver.close();
  rmSync(work, { recursive: true, force: true });
}
