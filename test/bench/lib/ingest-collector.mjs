// The collector under test, run as users run it (`node collector/dist/cli.js collector`)
// in a child process, plus what the ingest bench does to it from outside: OTLP/protobuf
// senders over keep-alive HTTP, /readyz polling, and RSS sampling from /proc.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleSource, LIB_DIR, ROOT, runChild, TMP } from './common.mjs';

/** The collector's command; BENCH_INGEST_CLI names another build's (e.g. a before/after comparison). */
export const CLI = process.env.BENCH_INGEST_CLI
  ? resolve(process.env.BENCH_INGEST_CLI)
  : join(ROOT, 'collector/dist/cli.js');
const SRC_BUNDLE = join(TMP, 'ingest-collector-src.mjs');

/** The collector's own modules (schema, decoder, store, migrations) from source, for the store children. */
export async function bundleCollectorSource() {
  await bundleSource(join(LIB_DIR, 'ingest-src-entry.mjs'), SRC_BUNDLE);
  return import(`${SRC_BUNDLE}?t=${Date.now()}`);
}

/**
 * Runs lib/ingest-store-child.mjs `mode` on data directory `dir` (emptied first, except to
 * inspect what a collector left there) with the bundle of bundleCollectorSource().
 */
export function runStoreChild(mode, dir, env = {}) {
  if (mode !== 'inspect') rmSync(dir, { recursive: true, force: true });
  return runChild(
    [join(LIB_DIR, 'ingest-store-child.mjs'), mode],
    { ...process.env, BENCH_SRC: SRC_BUNDLE, BENCH_DIR: dir, ...env },
    { name: `ingest-${mode}`, timeoutMs: 300_000 },
  ).then(({ result }) => result);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** GET a path on the collector; resolves `{ status, body }` (body parsed when JSON). */
export function get(port, path, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/**
 * Start `fntrace collector` on a free loopback port with a fresh data directory and default
 * options (log level warn); resolves once /readyz answers 200. `nodeArgs` go before the
 * script (e.g. `--cpu-prof`).
 */
export async function startCollector({ data, nodeArgs = [], extraArgs = [] }) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI, 'collector', '--port', String(port), '--data', data, '--log-level', 'warn', ...extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // a bench stopped half-way must not leave the collector running
  const orphan = () => child.kill('SIGKILL');
  const interrupted = (signal) => {
    orphan();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', orphan);
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const release = () => {
    process.off('exit', orphan);
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  };
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited at start (${child.exitCode}):\n${output}`);
    try {
      const r = await get(port, '/readyz');
      if (r.status === 200) break;
    } catch {}
    if (performance.now() - started > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`collector not ready after 60 s:\n${output}`);
    }
    await sleep(50);
  }
  return {
    port,
    pid: child.pid,
    startMs: performance.now() - started,
    output: () => output,
    /** SIGTERM, then wait for the exit (the collector stores what is left first). */
    async stop(timeoutMs = 60_000) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(t);
      release();
      return r;
    },
  };
}

/** Samples VmRSS and VmHWM of `pid` every `everyMs` until stopped; sizes in bytes. */
export function sampleRss(pid, everyMs = 100) {
  const samples = [];
  let hwm = 0;
  const read = () => {
    try {
      const s = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024;
      hwm = Math.max(hwm, Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0) * 1024);
      samples.push({ t: performance.now(), rss });
    } catch {}
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    samples,
    /** Peak of the samples taken in [from, to) (performance.now() times). */
    peakBetween(from, to = Number.POSITIVE_INFINITY) {
      return samples.reduce((m, s) => (s.t >= from && s.t < to ? Math.max(m, s.rss) : m), 0);
    },
    stop() {
      clearInterval(timer);
      read();
      const peak = samples.reduce((m, s) => Math.max(m, s.rss), 0);
      return { peakRssBytes: peak, hwmBytes: hwm, startRssBytes: samples[0]?.rss ?? 0, samples: samples.length };
    },
  };
}

/** One POST of an OTLP/protobuf body to /v1/traces; resolves `{ status, retryAfter, body }`. */
export function postTraces(port, agent, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error('POST /v1/traces timed out')));
    req.end(body);
  });
}

/**
 * POSTs `body` until it is acknowledged: 429/503 answers are retried after their Retry-After
 * (capped at 1 s) and counted in `stats` (requests, retries, refusedStatus, partial); any
 * other non-200 throws.
 */
export async function postUntilAcked(port, agent, body, stats) {
  for (;;) {
    const r = await postTraces(port, agent, body);
    stats.requests++;
    if (r.status === 200) {
      // a partial_success body would be longer than an empty ExportTraceServiceResponse
      if (r.body.length > 0) stats.partial = (stats.partial ?? 0) + 1;
      return;
    }
    if (r.status !== 429 && r.status !== 503) {
      throw new Error(`POST /v1/traces answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
    }
    stats.retries++;
    stats.refusedStatus[r.status] = (stats.refusedStatus[r.status] ?? 0) + 1;
    await sleep(Math.min(1000, Number(r.retryAfter ?? 0.1) * 1000));
  }
}

/**
 * POST every body to /v1/traces from `concurrency` senders sharing one keep-alive agent
 * (one connection each), in order of the array. 429/503 answers are retried after their
 * Retry-After (capped at 1 s); any other non-200 fails the run.
 */
export async function sendAll({ port, bodies, concurrency, spansPerBody, onAck }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const stats = { requests: 0, retries: 0, refusedStatus: {}, firstSendMs: 0, lastAckMs: 0 };
  stats.firstSendMs = performance.now();
  const sender = async () => {
    while (next < bodies.length) {
      const i = next++;
      await postUntilAcked(port, agent, bodies[i], stats);
      stats.lastAckMs = performance.now();
      onAck?.(spansPerBody);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  agent.destroy();
  return stats;
}

/** Polls /readyz every `everyMs` until the spool holds no bytes; resolves the time it saw that. */
export async function waitSpoolEmpty(port, { everyMs = 50, timeoutMs = 300_000 } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const started = performance.now();
  let last;
  try {
    for (;;) {
      const r = await get(port, '/readyz', agent);
      last = r.body;
      if (r.body?.spool?.bytes === 0) return { atMs: performance.now(), last };
      if (performance.now() - started > timeoutMs)
        throw new Error(`spool not empty after ${timeoutMs} ms: ${JSON.stringify(last)}`);
      await sleep(everyMs);
    }
  } finally {
    agent.destroy();
  }
}

const TICKS_PER_SEC = 100; // USER_HZ on Linux

function ticksOf(statFile) {
  // fields after the ")" that ends the command name: utime and stime are the 12th and 13th
  const stat = readFileSync(statFile, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds used so far by process `pid`: all threads, and its main (JavaScript) thread. */
export function cpuTimes(pid) {
  try {
    const total = ticksOf(`/proc/${pid}/stat`) / TICKS_PER_SEC;
    const main = ticksOf(`/proc/${pid}/task/${pid}/stat`) / TICKS_PER_SEC;
    return { totalSec: total, mainSec: main };
  } catch {
    return { totalSec: Number.NaN, mainSec: Number.NaN };
  }
}

/** A few counters of the collector's /metrics (Prometheus text) for the traces signal. */
export async function collectorMetrics(port) {
  const r = await get(port, '/metrics');
  const value = (name) => {
    const m = new RegExp(`^${name}\\{[^}]*signal="traces"[^}]*\\} (\\S+)$`, 'm').exec(String(r.body));
    return m ? Number(m[1]) : Number.NaN;
  };
  return {
    storedSegments: value('fntrace_stored_segments_total'),
    storedBytes: value('fntrace_stored_bytes_total'),
    insertSecondsSum: value('fntrace_insert_duration_seconds_sum'),
    insertCount: value('fntrace_insert_duration_seconds_count'),
    storageErrors: value('fntrace_storage_errors_total'),
  };
}

/** CPU seconds of each live thread of `pid`, keyed by thread id, with the thread's name. */
export function threadCpu(pid) {
  const out = new Map();
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { name, sec: ticksOf(`/proc/${pid}/task/${tid}/stat`) / TICKS_PER_SEC });
    } catch {}
  }
  return out;
}

/**
 * CPU seconds between two `threadCpu` snapshots, summed by thread name (ClickHouse names its
 * threads by pool: merges, inserts, ...); threads that ended in between are not counted.
 */
export function threadCpuDelta(before, after) {
  const byName = new Map();
  for (const [tid, t] of after) {
    const d = t.sec - (before.get(tid)?.sec ?? 0);
    if (d > 0) byName.set(t.name, (byName.get(t.name) ?? 0) + d);
  }
  return [...byName.entries()].sort((a, b) => b[1] - a[1]).map(([name, sec]) => ({ name, sec }));
}
