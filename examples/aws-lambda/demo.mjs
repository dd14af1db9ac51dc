// `npm start`: the fntrace collector (embedded ClickHouse in ./.fntrace) on 127.0.0.1:4318,
// the example functions run in local Lambda environments and sending to it, then their log
// lines and the traces as stored — printed as waterfalls with each invocation's cold start,
// billed duration and cost. The collector keeps running afterwards for your own functions
// (Ctrl-C stops it); `--once` exits after the demo.
//   node examples/aws-lambda/demo.mjs [--once] [--port 4318] [--data ./.fntrace]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '@fntrace/collector';
import { startLocalAws } from './local-aws.mjs';
import { runLocal } from './run-local.mjs';

const here = import.meta.dirname;
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = (s) => paint(2, s);
const bold = (s) => paint(1, s);
const red = (s) => paint(31, s);
const cyan = (s) => paint(36, s);
const yellow = (s) => paint(33, s);

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
    console.log(
      `\n${bold(`trace ${traceId}`)}  ${dim(`${list.length} span${list.length === 1 ? '' : 's'}, ${total.toFixed(1)} ms`)}`,
    );
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

const { values: args } = parseArgs({
  options: {
    once: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.FNTRACE_PORT ?? '4318' },
    data: { type: 'string', default: process.env.FNTRACE_DATA ?? './.fntrace' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm start [-- --once] [-- --port 4318] [-- --data ./.fntrace]');
  process.exit(0);
}

const collector = buildServer({ port: Number(args.port), data: args.data, logLevel: 'warn' });
let url;
try {
  url = await collector.app.listen({ host: '127.0.0.1', port: Number(args.port) });
} catch (err) {
  const hint = err.code === 'EADDRINUSE' ? ` — port ${args.port} is taken; try \`npm start -- --port 4319\`` : '';
  console.error(`fntrace: could not start the collector: ${err.code ?? ''} ${err.message}${hint}`);
  await collector.app.close().catch(() => undefined);
  process.exit(2);
}
const { store, spool } = collector.parts();
const query = async (sql, params) =>
  (await store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json();

async function drained() {
  while (spool.totalBytes > 0) await new Promise((r) => setTimeout(r, 20));
}

/** Stored spans of the demo's traces, in the flat shape the waterfall prints. */
async function storedSpans(since) {
  const rows = await query(
    `SELECT TraceId, SpanId, ParentSpanId, SpanName, toUnixTimestamp64Nano(Timestamp) AS startNs, Duration,
       SpanAttributes, ResourceAttributes, StatusCode, StatusMessage, Links.TraceId AS linkTraces, Links.Attributes AS linkAttrs
     FROM fntrace.otel_traces
     WHERE Timestamp >= fromUnixTimestamp64Milli({since:Int64}) AND ServiceName IN ('orders-api', 'order-worker')`,
    { since },
  );
  return rows.map((r) => {
    const attrs = { ...r.SpanAttributes };
    if (attrs['faas.coldstart'] !== undefined) attrs['faas.coldstart'] = attrs['faas.coldstart'] === 'true';
    if (attrs['fntrace.init_duration_ms'])
      attrs['fntrace.init_duration_ms'] = Number(attrs['fntrace.init_duration_ms']);
    const startMs = Number(BigInt(r.startNs) / 1000n) / 1000;
    return {
      traceId: r.TraceId,
      spanId: r.SpanId,
      parentSpanId: r.ParentSpanId,
      name: r.SpanName,
      attrs,
      resource: r.ResourceAttributes,
      status: r.StatusCode === 'Error' ? { code: 2, message: r.StatusMessage } : {},
      links: r.linkTraces.map((traceId, i) => ({ traceId, attrs: r.linkAttrs[i] })),
      startMs,
      endMs: startMs + Number(r.Duration) / 1e6,
    };
  });
}

// a local stand-in for SQS: the API function sends with the real AWS SDK client, and the
// worker gets the queue's messages as Lambda's SQS integration would deliver them
const aws = await startLocalAws();
const since = Date.now() - 1000;
try {
  console.log(bold('fntrace demo — two Lambda functions joined by a queue'));
  console.log(
    dim(
      `collector on ${url} (embedded ClickHouse in ${resolve(args.data)}); functions run under lambda-local, one process per environment\n`,
    ),
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
    endpoint: url,
    env: { AWS_ENDPOINT_URL: aws.url, ORDERS_QUEUE_URL: `${aws.url}/123456789012/orders-queue` },
    invocations: [{ event: order }, { event: second }, { event: invalid }],
    sequential: true,
  });
  const worker = await runLocal({
    handler: resolve(here, 'order-worker.mjs'),
    functionName: 'order-worker',
    endpoint: url,
    invocations: [{ event: aws.sqsEvent('orders-queue') }],
  });

  console.log(bold('Responses'));
  for (const o of api.outcomes)
    console.log(`  orders-api → ${o.error ? red(o.error.message) : `${o.result.statusCode} ${o.result.body}`}`);
  for (const o of worker.outcomes)
    console.log(`  order-worker → ${o.error ? red(o.error.message) : JSON.stringify(o.result)}`);

  console.log(bold('\nLog lines (stdout of each function)'));
  printLogs('orders-api', api.logs);
  printLogs('order-worker', worker.logs);

  await drained();
  const spans = await storedSpans(since);
  const [logs] = await query(
    `SELECT count() AS n FROM fntrace.otel_logs WHERE Timestamp >= fromUnixTimestamp64Milli({since:Int64}) AND ServiceName IN ('orders-api', 'order-worker')`,
    { since },
  );
  console.log(bold(`\nStored in ClickHouse: ${spans.length} spans and ${logs.n} log records`));
  printTraces(spans);

  const invocations = await query(
    `SELECT FunctionName, InvocationId, ColdStart, round(InitDurationMs) AS init, round(DurationNs / 1e6, 1) AS ms, BilledDurationMs,
       MemoryMB, EstimatedCostUsd, Outcome
     FROM fntrace.fntrace_invocations WHERE Timestamp >= fromUnixTimestamp64Milli({since:Int64}) ORDER BY Timestamp`,
    { since },
  );
  console.log(bold('\nInvocations (fntrace_invocations)'));
  for (const i of invocations) {
    const cold = Number(i.ColdStart) ? yellow(`cold, init ${i.init} ms`) : 'warm';
    console.log(
      `  ${cyan(i.FunctionName.padEnd(13))} ${String(i.ms).padStart(6)} ms, billed ${i.BilledDurationMs} ms at ${i.MemoryMB} MB ≈ $${Number(i.EstimatedCostUsd).toFixed(9)}  ${cold}  ${i.Outcome}`,
    );
  }
  console.log(
    dim('\nEach queued order continues the trace of the request that queued it; the worker invocation links to them.'),
  );
} finally {
  await aws.close();
}

if (args.once) {
  await collector.app.close();
} else {
  console.log(bold(`\nDashboard: ${url}/`) + dim(' (traces, journeys, services, map, logs, alerts)'));
  console.log(
    bold(`The collector keeps running on ${url}`) + dim(' — point OTEL_EXPORTER_OTLP_ENDPOINT at it; Ctrl-C stops it.'),
  );
  const stop = async () => {
    await collector.app.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
