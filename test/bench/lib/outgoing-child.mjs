// One variant of sdk-outgoing in its own process: a wrapped handler that makes CALLS
// requests to the loopback server at BENCH_TARGET per invocation, with `fetch` or with
// node:http (keep-alive agent), timing each call from before the request to the end of its
// body. FNTRACE_OUTGOING (set by the parent) decides whether fntrace instruments them.
//   node outgoing-child.mjs fetch|http
import http from 'node:http';
import { lambdaContext, writeChildResult } from './common.mjs';

const via = process.argv[2];
const N = Number(process.env.BENCH_N ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CALLS = Number(process.env.BENCH_CALLS ?? 10);
const target = process.env.BENCH_TARGET;

const sdk = await import(process.env.BENCH_FNTRACE_BUNDLE);
// the export is encoded but not sent: its cost is the flush bench's business
const memoryTransport = { send: () => Promise.resolve({ ok: true, retryable: false }) };
sdk.initSdk({ ...sdk.lambdaPlatform, transport: memoryTransport });

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function viaHttp() {
  return new Promise((resolve, reject) => {
    http
      .get(target, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', reject);
  });
}
async function viaFetch() {
  const res = await fetch(target);
  await res.arrayBuffer();
}
const call = via === 'http' ? viaHttp : viaFetch;

let samples = [];
const handler = sdk.wrap(async () => {
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  return { statusCode: 200 };
});

const event = {
  version: '2.0',
  routeKey: '$default',
  rawPath: '/',
  headers: {},
  requestContext: { http: { method: 'GET', path: '/' } },
};
let seq = 0;
for (let i = 0; i < WARMUP; i++) await handler(event, lambdaContext(seq++));
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  samples = [];
  for (let i = 0; i < N; i++) await handler(event, lambdaContext(seq++));
  rounds.push((samples.reduce((a, b) => a + b, 0) / samples.length) * 1000);
}
const pending = sdk.currentSdk().exporter.pending();
writeChildResult({ via, rounds, calls: seq * CALLS, pendingAfter: pending });
