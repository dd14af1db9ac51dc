// `npm start`: the fntrace collector (embedded ClickHouse in ./.fntrace, the dashboard, the
// demo's alert rules) on 127.0.0.1:4318, and a small shop that keeps taking orders across three
// platforms on their real local runtimes, every function wrapped with @fntrace/sdk (shop.mjs):
// a Cloudflare Worker at the edge, the orders API and a queue worker on AWS Lambda, fulfilment
// on Google Cloud Run functions. Once the first checkout has crossed all of them, its journey is
// printed as the dashboard draws it; then a line now and then about the traffic, scaling,
// incidents and alerts. Ctrl-C stops everything.
//
//   node examples/demo/demo.mjs [--no-demo] [--once] [--fast] [--port 4318] [--data ./.fntrace]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer } from '@fntrace/collector';
import { startShop } from './shop.mjs';
import { startTraffic } from './traffic.mjs';
import { bold, cyan, dim, hopLines, logLines, platformOf, red, waterfallLines, yellow } from './waterfall.mjs';

const RULES = resolve(import.meta.dirname, 'alert-rules.yaml');
const USAGE = `usage: npm start [-- options]

  --no-demo      run the collector alone (no shop, no traffic, no demo alert rules)
  --once         stop everything once the first cross-platform journey is printed
  --fast         time runs faster (tests): incidents every few seconds, alert windows of
                 10 s evaluated every 2 s, idle instances reaped after 5 s
  --port <n>     the collector's port on 127.0.0.1 (env FNTRACE_PORT; default 4318)
  --data <dir>   its data directory (env FNTRACE_DATA; default ./.fntrace)`;

/** The command line, or its mistake said in a line with the usage (exit 2). */
function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        'no-demo': { type: 'boolean', default: false },
        once: { type: 'boolean', default: false },
        fast: { type: 'boolean', default: false },
        port: { type: 'string', default: process.env.FNTRACE_PORT ?? '4318' },
        data: { type: 'string', default: process.env.FNTRACE_DATA ?? './.fntrace' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    console.error(`npm start: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const args = parseCommandLine();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const step = (line) => console.log(`${dim(`[${elapsed().padStart(7)}]`)} ${line}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The demo's rules file; with --fast, a copy in the data directory whose windows and intervals
 * are short enough for a test to see a rule fire.
 */
function rulesFile() {
  if (!args.fast) return RULES;
  const fast = join(args.data, 'demo-alert-rules.fast.yaml');
  writeFileSync(
    fast,
    readFileSync(RULES, 'utf8')
      .replace(/^(\s+window:) .*$/gm, '$1 10s')
      .replace(/^(\s+interval:) .*$/gm, '$1 2s'),
  );
  return fast;
}

// ── the collector ──────────────────────────────────────────────────────────────────────────
const demo = !args['no-demo'];
console.log(
  bold(
    demo
      ? 'fntrace demo — a shop across Cloudflare Workers, AWS Lambda and Google Cloud, traced end to end'
      : 'fntrace collector',
  ),
);
step(`starting the collector (embedded ClickHouse in ${resolve(args.data)})`);
let collector;
let url;
/** The collector's listen(), while it starts. */
let listening;
let shop;
/** The shop while it starts: stopping then waits for it, so that nothing it starts is left. */
let shopStarting;
let traffic;
let stopping = false;
const timers = [];
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  step('stopping: traffic, functions, local services, then the collector');
  for (const t of timers) clearInterval(t);
  await traffic?.stop();
  await (shop ?? (await shopStarting?.catch(() => undefined)))?.close();
  await listening?.catch(() => undefined);
  await collector?.app.close();
  step('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// a reader that went away (`npm start | head`) or a bug: stop what was started, then fail
process.stdout.on('error', () => void stopAll(1));
process.on('uncaughtException', (err) => {
  console.error(red(`fntrace demo: ${err.stack ?? err}`));
  void stopAll(1);
});

try {
  mkdirSync(args.data, { recursive: true });
  collector = buildServer(
    { port: Number(args.port), data: args.data, logLevel: 'warn', ...(demo ? { alertRules: rulesFile() } : {}) },
    args.fast ? { alertTickMs: 500, alertMinLagMs: 1000 } : {},
  );
  listening = collector.app.listen({ host: '127.0.0.1', port: Number(args.port) });
  url = await listening;
} catch (err) {
  const hint = err.code === 'EADDRINUSE' ? ` — port ${args.port} is taken; try \`npm start -- --port 4319\`` : '';
  console.error(`fntrace: could not start the collector: ${err.code ?? ''} ${err.message}${hint}`);
  await collector?.app.close().catch(() => undefined);
  process.exit(2);
}
// stopped while it started: stopAll closes it and ends the process
if (stopping) await new Promise(() => {});
step(
  `collector on ${url} (OTLP/HTTP ${url}/v1/traces, ${url}/v1/logs)${demo ? `, alert rules from ${relative(process.cwd(), RULES)}` : ''}`,
);

if (!demo) {
  console.log(bold(`\nDashboard: ${url}/`));
  console.log(
    bold(`The collector keeps running on ${url}`) + dim(' — point OTEL_EXPORTER_OTLP_ENDPOINT at it; Ctrl-C stops it.'),
  );
} else {
  await runDemo().catch(async (err) => {
    console.error(red(`fntrace demo failed: ${err.stack ?? err}`));
    await stopAll(1);
  });
}

// ── the demo ───────────────────────────────────────────────────────────────────────────────
async function api(path) {
  const res = await fetch(`${url}/api/${path}`);
  if (!res.ok) throw new Error(`GET /api/${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Whether the invocations of every function in `want` are stored in the trace or the traces
 * one link or message away (a batch worker's invocation can sit in another checkout's trace),
 * so the waterfall the link opens has a band for each.
 */
async function invokedAll(traceId, want) {
  const journey = await api(`traces/${traceId}/journey`).catch(() => undefined);
  if (!journey) return false;
  const near = new Set([traceId]);
  for (const e of journey.edges) {
    if (e.fromTraceId === traceId) near.add(e.toTraceId);
    if (e.toTraceId === traceId) near.add(e.fromTraceId);
  }
  const views = await Promise.all([...near].slice(0, 20).map((id) => api(`traces/${id}`).catch(() => undefined)));
  const invoked = new Set(views.flatMap((v) => (v?.invocations ?? []).map((i) => i.functionName)));
  return want.every((f) => invoked.has(f));
}

/** The first checkout's trace that crossed every hop (storefront → … → fulfilment), once stored. */
async function firstJourney(candidates) {
  const want = ['storefront', 'orders-api', 'order-worker', 'fulfilment'];
  for (;;) {
    if (stopping) return undefined;
    for (const correlationId of candidates.slice(0, 20)) {
      const { traces } = await api(`traces?correlationId=${encodeURIComponent(correlationId)}&since=15m`);
      const t = traces.find((x) => want.every((s) => x.services.includes(s)));
      if (t && (await invokedAll(t.traceId, want))) return { ...t, correlationId };
    }
    await sleep(500);
  }
}

async function runDemo() {
  const fast = args.fast;
  shopStarting = startShop({
    collectorUrl: url,
    timeScale: fast ? 0.2 : 1,
    idleMs: fast ? 5_000 : 45_000,
    progress: step,
    onScale: (e) => {
      if (stopping) return;
      if (e.kind === 'start') step(`${cyan(e.name)}: starting instance ${e.instances} (a cold start)`);
      else if (e.kind === 'ready') step(`${cyan(e.name)}: instance up in ${e.ms} ms`);
      else if (e.kind === 'reap') step(`${cyan(e.name)}: idle instance reaped (${e.instances} left)`);
      else if (e.kind === 'reset') step(`${cyan(e.name)}: instance reset after a timeout (${e.instances} left)`);
      else if (e.kind === 'fail') step(red(`${e.name}: instance failed to start: ${e.error?.message}`));
    },
    onCondition: (c) => {
      if (stopping) return;
      const what = {
        slow: yellow('payments provider is slow (400–1,500 ms, some charges hang)'),
        failing: red('payments provider fails 30% of charges'),
        normal: 'payments provider is back to normal',
      };
      step(what[c] ?? c);
    },
  });
  shop = await shopStarting;
  if (stopping) return;
  step(`storefront (Cloudflare Worker) on ${shop.edgeUrl}; orders API (Lambda HTTP API) on ${shop.ordersApiUrl}`);

  const stats = { requests: 0, failed: 0, checkouts: 0, byStatus: new Map() };
  const accepted = [];
  traffic = startTraffic({
    url: shop.edgeUrl,
    ratePerSecond: fast ? 3 : 2,
    firstBurstMs: fast ? 8_000 : 25_000,
    burstEveryMs: fast ? 20_000 : 45_000,
    onResponse: (r) => {
      stats.requests++;
      if (r.status === 0 || r.status >= 500) stats.failed++;
      if (r.kind === 'checkout' && r.status === 202) {
        stats.checkouts++;
        accepted.push(r.correlationId);
      }
    },
  });
  step('traffic: shoppers browse, look up orders and check out (bursts, errors and a slow dependency included)');

  const first = await firstJourney(accepted);
  if (!first) return;
  const view = await api(`traces/${first.traceId}`);
  const journey = await api(`traces/${first.traceId}/journey`);
  const logs = await api(`traces/${first.traceId}/logs`);
  const platforms = [...new Set(view.spans.filter((s) => !s.virtual).map((s) => platformOf(s.resource)))];
  console.log(
    bold(
      `\nFirst journey across ${platforms.length} platforms (${platforms.join(', ')}), stored ${elapsed()} after start:`,
    ),
  );
  console.log(
    `${bold(`trace ${first.traceId}`)}  ${dim(`${first.spanCount} spans, ${first.durationMs.toFixed(1)} ms, correlation id ${first.correlationId}`)}`,
  );
  for (const line of waterfallLines(view)) console.log(line);
  const hops = hopLines(journey);
  if (hops.length > 0)
    console.log(bold('\nQueue and topic hops') + dim(' (message waited between producer and consumer)'));
  for (const line of hops) console.log(line);
  console.log(
    dim(
      `\nIts journey: ${journey.traces.length} trace${journey.traces.length === 1 ? '' : 's'} (this one and those joined to it by links and message ids), ${journey.edges.length} edge${journey.edges.length === 1 ? '' : 's'}, estimated cost $${journey.costUsd.toFixed(9)}`,
    ),
  );
  console.log(bold('\nIts log lines, each with its span'));
  for (const line of logLines(logs.logs)) console.log(line);
  console.log(bold(`\nDashboard: ${url}/`) + dim(' (traces, journeys, services, map, logs, alerts)'));
  console.log(bold(`This journey: ${url}/#/trace/${first.traceId}`));

  if (args.once) return stopAll(0);

  console.log(
    bold(`The collector keeps running on ${url}`) +
      dim(' — the shop keeps taking orders; Ctrl-C stops everything. Now and then:'),
  );
  // a status line now and then, and every change of an alert's state
  const alertStates = new Map();
  timers.push(
    setInterval(
      () => {
        const inst = Object.entries(shop.instances())
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        step(
          `${stats.requests} requests, ${stats.checkouts} orders accepted, ${stats.failed} failed · instances: ${inst} · payments provider ${shop.paymentsCondition()}`,
        );
      },
      fast ? 5_000 : 15_000,
    ),
    setInterval(async () => {
      if (stopping) return;
      try {
        const { rules } = await api('alerts/rules');
        for (const r of rules)
          for (const s of r.states ?? []) {
            const key = `${r.rule.id}|${s.group}`;
            if (alertStates.get(key) === s.state) continue;
            const before = alertStates.get(key);
            alertStates.set(key, s.state);
            // what a receiver would hear of: firing, resolved, no data
            if (!['firing', 'resolved', 'no_data'].includes(s.state) || (before === undefined && s.state !== 'firing'))
              continue;
            const value =
              typeof s.value === 'number'
                ? ` (${s.value.toFixed(1)}${r.rule.signal.startsWith('latency') ? ' ms' : '%'})`
                : '';
            const label = s.state === 'firing' ? red('FIRING') : s.state;
            step(`alert ${bold(r.rule.name)}: ${label}${value} — ${url}/#/alerts?rule=${r.rule.id}`);
          }
      } catch {
        // the collector is closing
      }
    }, 2_000),
  );
}
