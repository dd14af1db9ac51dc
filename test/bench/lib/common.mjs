// Shared helpers for the benchmarks in test/bench: paths, esbuild bundling, child
// processes, statistics, tables and result files. No benchmark logic lives here.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const LIB_DIR = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = resolve(LIB_DIR, '..');
export const ROOT = resolve(BENCH_DIR, '../..');
export const TMP = join(ROOT, '.bench-tmp');
export const SDK_SRC = join(ROOT, 'sdk/src');

/**
 * TMP, made when first written to: a bench's or soak's `--help`, and the tests that import
 * these helpers, leave nothing in the repository. (esbuild makes its output's folder itself.)
 */
export function ensureTmp() {
  mkdirSync(TMP, { recursive: true });
  return TMP;
}

/**
 * esbuild with a few retries: the SDK source may be mid-edit while the bench runs,
 * and a momentary syntax error should not fail the whole run.
 */
export async function bundle(options, tries = 4) {
  const esbuild = await import('esbuild');
  for (let i = 1; ; i++) {
    try {
      return await esbuild.build({ logLevel: 'silent', ...options });
    } catch (err) {
      if (i >= tries) throw err;
      process.stderr.write(`esbuild failed (try ${i}/${tries}), retrying in 2 s: ${err.message.split('\n')[0]}\n`);
      await sleep(2000);
    }
  }
}

/**
 * An ES module bundle of `entry` (TypeScript source included) for Node, with npm packages left
 * external: how the benches and their children run the project's own source.
 */
export function bundleSource(entry, outfile) {
  return bundle({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
  });
}

/**
 * The fntrace SDK bundled from source (sdk/src) for the runtime benches, with its
 * npm dependencies (pino, @opentelemetry/api) left as imports from node_modules.
 * It also exposes `initSdk` and `lambdaPlatform` so a bench can swap the transport.
 */
export async function buildFntraceRuntime() {
  const outfile = join(TMP, 'fntrace-runtime.mjs');
  await bundleSource(join(LIB_DIR, 'fntrace-runtime-entry.mjs'), outfile);
  return outfile;
}

/** Environment of a Lambda function's process (the reserved variables the runtime sets). */
export function lambdaEnv(extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    AWS_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_LAMBDA_FUNCTION_NAME: 'orders-api',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef',
    OTEL_SERVICE_NAME: 'orders-api',
    ...extra,
  };
}

/** The API Gateway HTTP API (v2) event the runtime benches invoke with. */
export function apiGatewayEvent() {
  return JSON.parse(readFileSync(join(ROOT, 'test/fixtures/aws/apigw-http-v2.json'), 'utf8'));
}

/** A fake Lambda context, new per invocation as the runtime makes one. */
export function lambdaContext(i) {
  const deadline = Date.now() + 30_000;
  return {
    awsRequestId: `c6af9ac6-7b61-11e6-9a41-${String(i).padStart(12, '0')}`,
    functionName: 'orders-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/orders-api',
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/**
 * Run `node [args]` with stdout sent to /dev/null (the handlers' log lines go there) and
 * stderr collected. The child writes its result as JSON to the file named by BENCH_OUT.
 */
export function runChild(args, env, { name = 'child', timeoutMs = 240_000 } = {}) {
  const out = join(ensureTmp(), `${name}-${process.pid}-${Date.now()}.json`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...env, BENCH_OUT: out },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${name} exited with ${code ?? signal}:\n${stderr}`));
        return;
      }
      try {
        resolvePromise({ result: JSON.parse(readFileSync(out, 'utf8')), stderr });
      } catch (err) {
        reject(new Error(`${name} wrote no result (${err.message}):\n${stderr}`));
      } finally {
        rmSync(out, { force: true });
      }
    });
  });
}

/** Called in a child: hand the result to the parent. */
export function writeChildResult(result) {
  mkdirSync(dirname(process.env.BENCH_OUT), { recursive: true });
  writeFileSync(process.env.BENCH_OUT, JSON.stringify(result));
}

export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (values) => quantile(values, 0.5);

export const round = (n, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

export function fmt(n, digits = 2) {
  if (typeof n !== 'number') return String(n);
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const fmtRatio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

/** A plain-text table for the terminal. */
export function textTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A GitHub-flavoured markdown table (first column left-aligned, the rest right-aligned). */
export function markdownTable(headers, rows) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  const out = [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const r of rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  return out.join('\n');
}

export function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
  };
}

export function peerVersions(names) {
  const out = {};
  for (const name of names) {
    try {
      out[name] = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

/** Write a bench's JSON result to .bench-tmp/<name>.json and return its path. */
export function writeResult(name, result) {
  const file = join(ensureTmp(), `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ ...result, machine: machine(), at: new Date().toISOString() }, null, 2)}\n`);
  return file;
}

/** Diagnostics lines fntrace (or anything else) wrote to a child's stderr, for the report. */
export function stderrNotes(stderr) {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 10);
}

/** True when this file is the script node was started with. */
export const isMain = (metaUrl) => process.argv[1] && resolve(process.argv[1]) === fileURLToPath(metaUrl);
