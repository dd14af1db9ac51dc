// The demo's shop, on the real local runtimes of three platforms, exporting to a collector:
//
//   client ──► storefront ──HTTP──► orders-api ──SQS──► order-worker ──Pub/Sub──► fulfilment
//              Cloudflare Worker    AWS Lambda     │      AWS Lambda                Google Cloud
//              (workerd, Miniflare) (lambda-local) │      (lambda-local)            Run function
//                                                  └─HTTP─► payments provider       (functions-framework)
//                                                           (third party, slow at times)
//
// Each Lambda function and the Cloud Run function run as instances that scale like the real
// platforms (instances.mjs): a new process per instance, so its first request is a real cold
// start; idle ones are reaped. The queue and the topic are local stand-ins that the real AWS
// SDK and Pub/Sub clients talk to (../aws-lambda/local-aws.mjs, ../gcp/local-pubsub.mjs), and
// SQS messages reach the worker as Lambda's event source mapping hands them over: in batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, stop as stopEsbuild } from 'esbuild';
import { Miniflare } from 'miniflare';
import { startLocalAws } from '../aws-lambda/local-aws.mjs';
import { serveLocal } from '../aws-lambda/run-local.mjs';
import { startLocalPubSub } from '../gcp/local-pubsub.mjs';
import { serveFunction } from '../gcp/serve-local.mjs';
import { startInstances } from './instances.mjs';
import { startPaymentsProvider } from './payments-provider.mjs';

const FUNCTIONS = resolve(import.meta.dirname, 'functions');
const QUEUE = 'orders-queue';
const TOPIC = 'order-events';
/** Lambda's default timeout, which a hung payment runs into. */
const ORDERS_API_TIMEOUT_MS = 3000;
const WORKER_TIMEOUT_MS = 10_000;
/** Each function's telemetry flush may wait this long for the collector on a busy laptop. */
const FLUSH_TIMEOUT_MS = '2000';

/** The storefront Worker bundled as wrangler bundles one: ESM, platform neutral, workerd's export conditions. */
async function bundleStorefront() {
  const out = await build({
    entryPoints: [resolve(FUNCTIONS, 'storefront.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser', 'module'],
    write: false,
    logLevel: 'silent',
  });
  await stopEsbuild(); // its service process has nothing more to do
  return out.outputFiles[0].text;
}

/**
 * Runs `make` and takes back SIGINT and SIGTERM from what it registered: Miniflare's exit hook
 * ends the process on either (exit code 130 or 143) before the demo has stopped the rest and
 * closed the collector, which stores what it acknowledged. The demo disposes Miniflare itself.
 */
function ownSignals(make) {
  const before = new Map(['SIGINT', 'SIGTERM'].map((s) => [s, process.listeners(s)]));
  try {
    return make();
  } finally {
    for (const [signal, had] of before)
      for (const listener of process.listeners(signal))
        if (!had.includes(listener)) process.removeListener(signal, listener);
  }
}

/** `make()` with os.tmpdir() answering `dir`. */
function withTmpdir(dir, make) {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return make();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/** Reads a runtime's output so that it never blocks on a full pipe; the collector has its log lines. */
const drain = (stream) => stream.resume();

/**
 * @param {{
 *   collectorUrl: string,
 *   timeScale?: number, idleMs?: number,
 *   progress?: (line: string) => void,
 *   onScale?: (event: { kind: string, name: string, instances: number, ms?: number }) => void,
 *   onCondition?: (condition: string) => void,
 * }} options `timeScale` multiplies the payments provider's incident schedule (default 1);
 *   `idleMs`: how long an idle instance lives (default 45 s).
 */
export async function startShop({
  collectorUrl,
  timeScale = 1,
  idleMs = 45_000,
  progress = () => {},
  onScale = () => {},
  onCondition = () => {},
}) {
  const stops = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const payments = await startPaymentsProvider({ timeScale, onChange: onCondition });
    stops.push(() => payments.close());
    const aws = await startLocalAws();
    stops.push(() => aws.close());
    const pubsub = await startLocalPubSub({ project: 'fntrace-demo' });
    stops.push(() => pubsub.close());
    progress(`local SQS on ${aws.url}, Pub/Sub on ${pubsub.host}, payments provider on ${payments.url}`);

    const lambdaEnv = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      FNTRACE_FLUSH_TIMEOUT_MS: FLUSH_TIMEOUT_MS,
      AWS_ENDPOINT_URL: aws.url,
    };
    const ordersApi = await startInstances({
      name: 'orders-api',
      idleMs,
      maxInstances: 4,
      onEvent: onScale,
      launch: () =>
        serveLocal({
          handler: resolve(FUNCTIONS, 'orders-api.mjs'),
          functionName: 'orders-api',
          endpoint: collectorUrl,
          timeoutMs: ORDERS_API_TIMEOUT_MS,
          routes: ['POST /orders', 'GET /orders/{id}'],
          env: { ...lambdaEnv, ORDERS_QUEUE_URL: `${aws.url}/123456789012/${QUEUE}`, PAYMENTS_URL: payments.url },
        }),
      // Lambda resets an environment after a timeout: the next request starts cold
      resetWhen: (res) => res.headers.get('x-local-lambda-outcome') === 'timeout',
    });
    stops.push(() => ordersApi.close());

    const orderWorker = await startInstances({
      name: 'order-worker',
      idleMs,
      maxInstances: 2,
      onEvent: onScale,
      launch: () =>
        serveLocal({
          handler: resolve(FUNCTIONS, 'order-worker.mjs'),
          functionName: 'order-worker',
          endpoint: collectorUrl,
          timeoutMs: WORKER_TIMEOUT_MS,
          env: { ...lambdaEnv, PUBSUB_EMULATOR_HOST: pubsub.host, PUBSUB_PROJECT_ID: pubsub.project },
        }),
      resetWhen: (res) => res.headers.get('x-local-lambda-outcome') === 'timeout',
    });
    stops.push(() => orderWorker.close());

    const fulfilment = await startInstances({
      name: 'fulfilment',
      idleMs,
      maxInstances: 3,
      concurrency: 2,
      onEvent: onScale,
      launch: () =>
        serveFunction({
          source: resolve(FUNCTIONS, 'fulfilment.mjs'),
          target: 'fulfilment',
          signatureType: 'cloudevent',
          service: 'fulfilment',
          execArgv: ['--import', pathToFileURL(resolve(import.meta.dirname, 'exit-with-parent.mjs')).href],
          env: {
            OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
            FNTRACE_FLUSH_TIMEOUT_MS: FLUSH_TIMEOUT_MS,
            GOOGLE_CLOUD_PROJECT: pubsub.project,
            GOOGLE_CLOUD_REGION: 'europe-west1',
            // no metadata server here: the project and region above are what it would say
            GCE_METADATA_HOST: '127.0.0.1:9',
          },
        }),
    });
    stops.push(() => fulfilment.close());
    pubsub.subscribePush(TOPIC, `${fulfilment.url}/`, 'fulfilment');

    // Lambda's SQS event source mapping: polls the queue and invokes the worker with batches
    let polling = true;
    const batches = new Set();
    const poller = (async () => {
      while (polling) {
        const event = batches.size < 2 ? aws.receiveSqsEvent(QUEUE, 5) : undefined;
        if (!event) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        const invoke = fetch(`${orderWorker.url}/2015-03-31/functions/order-worker/invocations`, {
          method: 'POST',
          body: JSON.stringify(event),
        })
          .then((res) => res.arrayBuffer())
          .catch(() => undefined)
          .finally(() => batches.delete(invoke));
        batches.add(invoke);
      }
    })();
    stops.push(async () => {
      polling = false;
      await poller;
      await Promise.allSettled([...batches]);
    });

    progress('bundling the storefront Worker (esbuild) and starting workerd (Miniflare)');
    const edgeOptions = {
      modules: [{ type: 'ESModule', path: 'storefront.mjs', contents: await bundleStorefront() }],
      compatibilityDate: '2025-09-01',
      bindings: {
        OTEL_SERVICE_NAME: 'storefront',
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
        ORDERS_API_URL: ordersApi.url,
      },
      host: '127.0.0.1',
      port: 0,
      handleRuntimeStdio(stdout, stderr) {
        drain(stdout);
        drain(stderr);
      },
    };
    // Miniflare makes its temporary folder under os.tmpdir() and removes it without waiting when
    // disposed, so an exit right after can leave it: it goes in a folder of the demo's, removed
    // once workerd has stopped
    const edgeTmp = mkdtempSync(join(tmpdir(), 'fntrace-demo-edge-'));
    const edge = ownSignals(() => withTmpdir(edgeTmp, () => new Miniflare(edgeOptions)));
    stops.push(async () => {
      await edge.dispose();
      rmSync(edgeTmp, { recursive: true, force: true, maxRetries: 3 });
    });
    const edgeUrl = (await edge.ready).origin;
    return {
      edgeUrl,
      ordersApiUrl: ordersApi.url,
      paymentsCondition: () => payments.condition(),
      /** Instances running now, by function. */
      instances: () => ({
        'orders-api': ordersApi.size,
        'order-worker': orderWorker.size,
        fulfilment: fulfilment.size,
      }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
