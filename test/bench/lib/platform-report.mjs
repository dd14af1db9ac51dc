// The platform adapters' part of docs/benchmarks.md and of the README's summary table, from
// .bench-tmp/sdk-gcp.json, sdk-azure.json and sdk-cloudflare.json (test/bench/run.mjs assembles
// both): bundle size and cold-start load of each adapter's bundle beside the stock OpenTelemetry
// set-up for that platform.

import { fmt, fmtRatio, markdownTable } from './common.mjs';

const n = (x) => x.toLocaleString('en-US');
const kb = (bytes) => `${fmt(bytes / 1024, 1)} KB`;
const para = (...pieces) => pieces.filter(Boolean).join(' ');

/** GCP and Azure: a Node bundle required in fresh processes (the same JSON shape). */
function nodeLoadTable(r) {
  return markdownTable(
    ['variant', 'require, median ms', 'require, p90 ms', 'bundle bytes', 'gzip bytes'],
    ['bare', 'fntrace', 'stock'].map((v) => [
      r.labels[v],
      fmt(r.variants[v].medianMs),
      fmt(r.variants[v].p90Ms),
      n(r.variants[v].bytes),
      n(r.variants[v].gzipBytes),
    ]),
  );
}

function nodeLoadRatios(r) {
  return para(
    `**Ratio fntrace / stock: load ${fmtRatio(r.ratio)}** (median; p90 ${fmtRatio(r.ratioP90)},`,
    `net of the bare function ${fmtRatio(r.ratioNetOfBare)}); **bundle bytes ${fmtRatio(r.ratioBytes)}**,`,
    `gzip ${fmtRatio(r.ratioGzipBytes)}.`,
  );
}

export function gcpSection(r) {
  const p = r.params;
  return [
    '## Google Cloud functions: cold-start load (`test/bench/sdk-gcp.bench.mjs`)',
    '',
    nodeLoadTable(r),
    '',
    nodeLoadRatios(r),
    '',
    para(
      'Method: the CloudEvent function of examples/gcp (order-events.mjs) bundled as its README deploys it',
      `(esbuild: ${p.esbuild}), \`@fntrace/sdk/gcp\` from sdk/src; the stock peer is what a Cloud Functions user`,
      'assembles by hand: NodeTracerProvider (AsyncLocalStorage context, W3C propagators) + BatchSpanProcessor +',
      'OTLPTraceExporter (OTLP/JSON over HTTP) + the http instrumentation, pino with a trace-id mixin, and a wrapper',
      'that starts a span and flushes — spans only. Each bundle is required in',
      `${p.processesPerVariant} fresh \`node\` processes per variant (after ${p.warmupProcesses} discarded rounds),`,
      "variants alternating, with a Cloud Run function's environment; the child times the `require`.",
    ),
  ].join('\n');
}

export function azureSection(r) {
  const p = r.params;
  return [
    '## Azure Functions: cold-start load (`test/bench/sdk-azure.bench.mjs`)',
    '',
    nodeLoadTable(r),
    '',
    nodeLoadRatios(r),
    `Added to the bare app: fntrace ${kb(r.addedBytes.fntrace)}, stock ${kb(r.addedBytes.stock)}.`,
    '',
    para(
      "Method: examples/azure's HTTP function (orders-api.js) bundled as a function app is deployed",
      `(esbuild: ${p.esbuild}), \`@fntrace/sdk/azure\` from sdk/src, beside the same function unwrapped and with`,
      'the stock set-up (NodeTracerProvider + BatchSpanProcessor + OTLPTraceExporter + the http instrumentation,',
      "pino with a trace-id mixin, a hand-made wrapper that takes the host's or the request's context and flushes —",
      `spans only). Each bundle is required in ${p.processesPerVariant} fresh \`node\` processes per variant (after`,
      `${p.warmupProcesses} discarded rounds), variants alternating, each process first given the`,
      '`@azure/functions-core` module the Node.js worker provides (the Functions host does not install here) and a',
      "Consumption plan's environment.",
    ),
  ].join('\n');
}

export function cloudflareSection(r) {
  const p = r.params;
  const rows = ['bare', 'fntrace', 'stock', 'fetch'].map((v) => {
    const s = r.variants[v];
    return [
      r.labels[v],
      p.flags[v].join(', ') || '—',
      n(s.bytes),
      n(s.gzipBytes),
      fmt(s.start.medianMs),
      fmt(s.firstRequest.medianMs),
      fmt(s.total.medianMs),
      v === 'bare' ? '—' : `${fmt(r.netOfBareMs[v])} ms`,
    ];
  });
  return [
    '## Cloudflare Workers: bundle size and cold start in workerd (`test/bench/sdk-cloudflare.bench.mjs`)',
    '',
    markdownTable(
      [
        'variant',
        'flags',
        'bundle bytes',
        'gzip bytes',
        'start to ready, median ms',
        'first request, median ms',
        'both, median ms',
        'net of bare',
      ],
      rows,
    ),
    '',
    para(
      `**Ratio fntrace / @microlabs/otel-cf-workers: bundle bytes ${fmtRatio(r.ratioBytes)}, gzip`,
      `${fmtRatio(r.ratioGzipBytes)}; start + first request ${fmtRatio(r.ratioTotal)}**`,
      `(net of the bare Worker: fntrace ${fmt(r.netOfBareMs.fntrace)} ms, stock ${fmt(r.netOfBareMs.stock)} ms);`,
      `first request ${fmtRatio(r.ratioFirstRequest)}.`,
    ),
    '',
    para(
      'Method: the Worker of examples/cloudflare (src/index.js) as it is, `@fntrace/sdk/cloudflare` from sdk/src,',
      "beside the same handlers wrapped by @microlabs/otel-cf-workers' `instrument(handler, config)` (the OpenTelemetry",
      'wrapper Workers users install; it needs `nodejs_compat`, whose Node built-ins workerd provides outside the',
      'bundle; its release pins no semantic-conventions version that still has `ATTR_FAAS_TIME`, so 1.44.0 is',
      'installed under it, as its users must), and the same handlers with no tracing (bare). Both traced Workers',
      'export spans over OTLP/JSON to a server on 127.0.0.1; fntrace also exports its log records. The last row is',
      'examples/fetch/orders.mjs served as a Worker with the workers-safe build of `@fntrace/sdk/fetch` (what Vercel',
      "Edge and Deno resolve), handed `process.env` and `waitUntil` as Vercel's Edge runtime has them; it has no",
      "stock peer here: @vercel/otel's peer ranges do not install beside the OpenTelemetry versions this repository",
      `pins. Bundles: esbuild, ${p.esbuild}. Each sample starts a`,
      `fresh workerd through Miniflare (compatibility date ${p.compatibilityDate}) — a new process, so a new isolate:`,
      'start to ready is workerd starting and compiling and evaluating the script; first request is a POST of an',
      'order answered by the handler, which checks stock at a server on 127.0.0.1 and (but for the fetch row)',
      `sends it to a local Queue. ${p.samplesPerVariant} samples per variant after ${p.warmupRounds} discarded rounds,`,
      'variants alternating; the figures are medians. Most of each start is workerd itself, which the bare row',
      'shows; "net of bare" is what the wrapper adds.',
    ),
  ].join('\n');
}

/** README rows: one per platform, the adapter's bundle and load beside the stock peer. */
export function platformSummaryRows(results) {
  const rows = [];
  const node = (label, r) => [
    label,
    `${fmt(r.variants.fntrace.medianMs)} ms, ${kb(r.variants.fntrace.bytes)}`,
    `${fmt(r.variants.stock.medianMs)} ms, ${kb(r.variants.stock.bytes)}`,
    `${fmtRatio(r.ratio)}; bytes ${fmtRatio(r.ratioBytes)}`,
    '—',
  ];
  if (results['sdk-gcp'])
    rows.push(node('cold start, Google Cloud: load the bundled example function', results['sdk-gcp']));
  if (results['sdk-azure'])
    rows.push(node('cold start, Azure Functions: load the bundled function app', results['sdk-azure']));
  const c = results['sdk-cloudflare'];
  if (c)
    rows.push([
      'Cloudflare Worker vs otel-cf-workers: gzip bundle; new workerd to 1st answer',
      `${kb(c.variants.fntrace.gzipBytes)}; ${fmt(c.variants.fntrace.total.medianMs)} ms`,
      `${kb(c.variants.stock.gzipBytes)}; ${fmt(c.variants.stock.total.medianMs)} ms`,
      `${fmtRatio(c.ratioGzipBytes)}; ${fmtRatio(c.ratioTotal)}`,
      '—',
    ]);
  return rows;
}
