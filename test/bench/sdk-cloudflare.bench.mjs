// The Cloudflare Workers adapter: the size of a Worker bundled for upload, and its cold start in
// workerd — the Worker of examples/cloudflare/src/index.js, bundled with esbuild as wrangler
// bundles one (ESM, workerd's export conditions) and minified, beside the same handlers wrapped
// by the OpenTelemetry wrapper Workers users install, @microlabs/otel-cf-workers. Each sample
// starts a fresh workerd through Miniflare (a new process, so a new isolate) with the bundle,
// times the start until Miniflare is ready (workerd up, the script compiled and evaluated) and
// then the first request (the SDK sets itself up on it); the variants alternate.
//   bare     the example's handlers with `wrap`, `messages` and `logger` as plain stand-ins
//   fntrace  examples/cloudflare/src/index.js as it is, `@fntrace/sdk/cloudflare` from sdk/src,
//            the flags of its wrangler.toml (nodejs_als); spans and log records exported
//   stock    the same handlers wrapped by @microlabs/otel-cf-workers' `instrument(handler,
//            config)`, with nodejs_compat as its README requires, a console logger that adds the
//            active span's ids; spans exported (it has no log export)
//   fetch    examples/fetch/orders.mjs served as a Worker (`export default { fetch }`, handed
//            `process.env` and `waitUntil` as Vercel's Edge runtime has them) with the
//            workers-safe build of `@fntrace/sdk/fetch` (what Vercel Edge and Deno resolve)
//
//   node test/bench/sdk-cloudflare.bench.mjs     (BENCH_CF_RUNS, default 40 samples a variant)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { alternating } from './lib/cold-loads.mjs';
import {
  bundle,
  fmt,
  fmtRatio,
  isMain,
  median,
  quantile,
  ROOT,
  round,
  SDK_SRC,
  TMP,
  textTable,
  writeResult,
} from './lib/common.mjs';

const RUNS = Number(process.env.BENCH_CF_RUNS ?? 40);
const WARMUP_RUNS = 2;
const VARIANTS = ['bare', 'fntrace', 'stock', 'fetch'];
const LABELS = {
  bare: 'bare Worker (console.log)',
  fntrace: 'fntrace: examples/cloudflare with @fntrace/sdk/cloudflare',
  stock: 'stock: the same handlers with @microlabs/otel-cf-workers',
  fetch: 'fntrace: examples/fetch with @fntrace/sdk/fetch (workers-safe build)',
};
const EXAMPLE = join(ROOT, 'examples/cloudflare/src/index.js');
const FETCH_EXAMPLE = join(ROOT, 'examples/fetch/orders.mjs');
const COMPATIBILITY_DATE = '2025-09-01';
const WORKERD_CONDITIONS = ['workerd', 'worker', 'browser', 'module'];

// The example's handlers, for the variants that are not the example file itself: the example's
// own source with its import line replaced (so the three run the same code).
const exampleBody = () =>
  readFileSync(EXAMPLE, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('import '))
    .join('\n')
    .replace(/^export default wrap\(/m, 'const handlers = (');

const SOURCES = {
  bare: () => `
const line = (level, obj, msg) => console.log(JSON.stringify({ level, time: Date.now(), ...(typeof obj === 'string' ? { msg: obj } : { ...obj, msg }) }));
const logger = { info: (o, m) => line('info', o, m), warn: (o, m) => line('warn', o, m) };
const messages = (batch) => batch.messages;
const correlationId = () => undefined;
${exampleBody()}
export default handlers;`,
  fntrace: () => `export { default } from ${JSON.stringify(EXAMPLE)};`,
  stock: () => `
import { trace } from '@opentelemetry/api';
import { instrument } from '@microlabs/otel-cf-workers';
// what a user of the stock wrapper adds by hand: the active span's ids on each line
const line = (level, obj, msg) => {
  const ctx = trace.getActiveSpan()?.spanContext();
  console.log(JSON.stringify({ level, time: Date.now(), trace_id: ctx?.traceId, span_id: ctx?.spanId, ...(typeof obj === 'string' ? { msg: obj } : { ...obj, msg }) }));
};
const logger = { info: (o, m) => line('info', o, m), warn: (o, m) => line('warn', o, m) };
const messages = (batch) => batch.messages;
const correlationId = () => undefined;
${exampleBody()}
export default instrument(handlers, (env) => ({
  exporter: { url: env.OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/traces' },
  service: { name: env.OTEL_SERVICE_NAME },
}));`,
  // what Vercel's Edge runtime gives a function and workerd does not: process.env (the bindings,
  // so the export goes to the bench's server and INVENTORY_URL is set) and a waitUntil
  fetch: () => `
import handler from ${JSON.stringify(FETCH_EXAMPLE)};
export default {
  fetch(request, env, ctx) {
    globalThis.process ??= { env };
    return handler(request, ctx);
  },
};`,
};

const FLAGS = { bare: ['nodejs_als'], fntrace: ['nodejs_als'], stock: ['nodejs_compat'], fetch: ['nodejs_als'] };

async function buildBundles() {
  const out = {};
  for (const v of VARIANTS) {
    const outfile = join(TMP, `cloudflare-${v}.mjs`);
    await bundle({
      stdin: { contents: SOURCES[v](), resolveDir: ROOT, sourcefile: `cloudflare-${v}.mjs`, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      // not Node: the `browser` field applies (@opentelemetry/resources maps its Node detectors —
      // os, crypto, process — to its browser ones by it), and workerd's export conditions first
      platform: 'browser',
      conditions: WORKERD_CONDITIONS,
      // what workerd provides: nodejs_compat's built-ins (the stock wrapper imports node:async_hooks,
      // node:buffer, node:events) and the cloudflare: modules
      external: ['node:*', 'cloudflare:*'],
      alias: {
        '@fntrace/sdk/cloudflare': join(SDK_SRC, 'cloudflare.ts'),
        '@fntrace/sdk/fetch': join(SDK_SRC, 'fetch.ts'),
      },
      outfile,
    });
    const code = readFileSync(outfile);
    out[v] = { file: outfile, code: code.toString('utf8'), bytes: code.length, gzipBytes: gzipSync(code).length };
  }
  return out;
}

/** 127.0.0.1 servers the Workers talk to: the collector (answers 200) and the inventory service. */
async function startServers() {
  let exports = 0;
  const listen = (handler) =>
    new Promise((resolve) => {
      const server = createServer(handler);
      server.keepAliveTimeout = 1;
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  const collector = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const inventory = await listen((req, res) => {
    req.resume();
    res.end('in stock');
  });
  const url = (s) => `http://127.0.0.1:${s.address().port}`;
  return {
    collectorUrl: url(collector),
    inventoryUrl: url(inventory),
    exports: () => exports,
    close() {
      for (const s of [collector, inventory]) {
        s.closeAllConnections();
        s.close();
      }
    },
  };
}

/** One cold start: a new workerd with the bundle, until ready, then its first request. */
async function sample(v, bundles, servers) {
  const t0 = performance.now();
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: bundles[v].code }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: FLAGS[v],
    bindings: {
      OTEL_SERVICE_NAME: 'orders-edge',
      OTEL_EXPORTER_OTLP_ENDPOINT: servers.collectorUrl,
      INVENTORY_URL: servers.inventoryUrl,
    },
    queueProducers: { ORDERS: 'orders' },
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  try {
    await mf.ready;
    const t1 = performance.now();
    const res = await mf.dispatchFetch('http://orders.example.com/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'sku-42', quantity: 1 }),
    });
    await res.arrayBuffer();
    const t2 = performance.now();
    // the Worker queues the order (202); the fetch-style function only checks stock (201)
    const expected = v === 'fetch' ? 201 : 202;
    if (res.status !== expected) throw new Error(`${v}: first request answered ${res.status}, not ${expected}`);
    return { startMs: t1 - t0, firstRequestMs: t2 - t1 };
  } finally {
    await mf.dispose();
  }
}

const stat = (xs) => ({
  medianMs: round(median(xs), 3),
  p90Ms: round(quantile(xs, 0.9), 3),
  minMs: round(Math.min(...xs), 3),
});

export async function main() {
  const bundles = await buildBundles();
  const servers = await startServers();
  let taken;
  try {
    taken = await alternating(
      `cloudflare: ${RUNS} fresh workerd processes per variant`,
      VARIANTS,
      { runs: RUNS, warmup: WARMUP_RUNS },
      (v) => sample(v, bundles, servers),
    );
  } finally {
    servers.close();
  }
  const samples = Object.fromEntries(
    VARIANTS.map((v) => [v, { start: taken[v].map((s) => s.startMs), first: taken[v].map((s) => s.firstRequestMs) }]),
  );

  const stats = {};
  for (const v of VARIANTS) {
    const start = stat(samples[v].start);
    const first = stat(samples[v].first);
    const total = samples[v].start.map((s, i) => s + samples[v].first[i]);
    stats[v] = {
      start,
      firstRequest: first,
      total: stat(total),
      bytes: bundles[v].bytes,
      gzipBytes: bundles[v].gzipBytes,
      samples: {
        startMs: samples[v].start.map((x) => round(x, 3)),
        firstRequestMs: samples[v].first.map((x) => round(x, 3)),
      },
    };
  }
  const net = (v) => stats[v].total.medianMs - stats.bare.total.medianMs;
  const result = {
    bench: 'sdk-cloudflare',
    params: {
      samplesPerVariant: RUNS,
      warmupRounds: WARMUP_RUNS,
      esbuild:
        'minify, format esm, platform browser, conditions workerd/worker/browser/module, node:* and cloudflare:* external',
      compatibilityDate: COMPATIBILITY_DATE,
      flags: FLAGS,
    },
    labels: LABELS,
    variants: stats,
    exportsReceived: servers.exports(),
    ratioBytes: round(stats.fntrace.bytes / stats.stock.bytes, 3),
    ratioGzipBytes: round(stats.fntrace.gzipBytes / stats.stock.gzipBytes, 3),
    ratioTotal: round(stats.fntrace.total.medianMs / stats.stock.total.medianMs, 3),
    ratioNetOfBare: round(net('fntrace') / net('stock'), 3),
    ratioFirstRequest: round(stats.fntrace.firstRequest.medianMs / stats.stock.firstRequest.medianMs, 3),
    netOfBareMs: { fntrace: round(net('fntrace'), 3), stock: round(net('stock'), 3), fetch: round(net('fetch'), 3) },
  };
  const file = writeResult('sdk-cloudflare', result);

  const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
  console.log('\nsdk-cloudflare: a Worker bundle, cold start in a fresh workerd (Miniflare)');
  console.log(
    textTable(
      ['variant', 'bundle', 'gzip', 'start to ready, ms', 'first request, ms', 'both, median ms', 'net of bare'],
      VARIANTS.map((v) => [
        LABELS[v],
        kb(stats[v].bytes),
        kb(stats[v].gzipBytes),
        fmt(stats[v].start.medianMs),
        fmt(stats[v].firstRequest.medianMs),
        fmt(stats[v].total.medianMs),
        v === 'bare' ? '' : `${fmt(net(v))} ms`,
      ]),
    ),
  );
  console.log(
    `ratio fntrace / stock: bytes ${fmtRatio(result.ratioBytes)}, gzip ${fmtRatio(result.ratioGzipBytes)}; ` +
      `start + first request ${fmtRatio(result.ratioTotal)}, net of bare ${fmtRatio(result.ratioNetOfBare)}; ` +
      `first request ${fmtRatio(result.ratioFirstRequest)}`,
  );
  console.log(`result: ${file}\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
