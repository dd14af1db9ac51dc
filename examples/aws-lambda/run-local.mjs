// Starts a local Lambda execution environment (local-runtime.mjs) in a fresh Node.js
// process with the environment Lambda would set, runs invocations in it, and returns what
// the platform and a person would see: each outcome, and the JSON lines on stdout/stderr.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const RUNTIME = resolve(import.meta.dirname, 'local-runtime.mjs');

const jsonLines = (text) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });

/** The environment Lambda gives a function (and nothing of this process's OTEL_/FNTRACE_/AWS_ settings). */
function lambdaEnv(opts, plan) {
  const base = {};
  for (const [k, v] of Object.entries(process.env)) {
    // the function sees only what Lambda and its configuration give it
    if (!k.startsWith('OTEL_') && !k.startsWith('FNTRACE_') && !k.startsWith('AWS_') && k !== '_X_AMZN_TRACE_ID')
      base[k] = v;
  }
  return {
    ...base,
    AWS_LAMBDA_FUNCTION_NAME: opts.functionName ?? 'orders-fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/27/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    // Lambda hands the function its role's credentials this way; these are fake, for local stand-ins
    AWS_ACCESS_KEY_ID: 'AKIDLOCALEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.endpoint,
    ...opts.env,
    FNTRACE_LOCAL_PLAN: JSON.stringify({ ...plan, handler: resolve(opts.handler) }),
  };
}

/**
 * @param {{ handler: string, functionName?: string, invocations: object[], endpoint: string,
 *   env?: Record<string, string>, sequential?: boolean, lingerMs?: number, node?: string }} opts
 */
export async function runLocal(opts) {
  const dir = mkdtempSync(join(tmpdir(), 'fntrace-lambda-'));
  const resultFile = join(dir, 'result.json');
  const env = {
    ...lambdaEnv(opts, {
      invocations: opts.invocations,
      sequential: opts.sequential ?? false,
      lingerMs: opts.lingerMs,
    }),
    FNTRACE_LOCAL_RESULT: resultFile,
  };
  const environment = startEnvironment(opts, env, 'pipe');
  const code = await environment.closed;
  const out = environment.output();
  let outcomes;
  try {
    outcomes = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    throw new Error(`local Lambda runtime failed (exit ${code}):\n${out.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { outcomes, ...out, code };
}

/** The environment's process, its stdout and stderr collected; `output()` reads them as a person would. */
function startEnvironment(opts, env, stdio) {
  const child = spawn(opts.node ?? process.execPath, [RUNTIME], { env, stdio });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const ended = new Promise((r) => child.on('close', (code, signal) => r({ code, signal })));
  return {
    child,
    closed: ended.then(({ code }) => code),
    ended,
    output: () => ({ logs: jsonLines(stdout), diagnostics: jsonLines(stderr), stdout, stderr }),
  };
}

/**
 * A handler behind a local stand-in for an API Gateway HTTP API: each request to `url` is one
 * invocation in one long-lived environment (the first one cold). `stop(signal = 'SIGTERM')`
 * sends the environment a signal, as the platform does when it ends one, and returns once the
 * process has ended: its log lines, diagnostics, exit `code` and the `signal` that ended it.
 * `send(message)` writes to the environment's IPC channel (a test handler may listen).
 * `routes` (e.g. `['POST /orders', 'GET /orders/{id}']`) are the HTTP API's routes: a request is
 * invoked with the `routeKey` and `pathParameters` of the route it matches, and one that matches
 * none is answered 404 without an invocation, as API Gateway does. Without routes, every request
 * goes to the `$default` route.
 * @param {{ handler: string, functionName?: string, endpoint: string, env?: Record<string, string>,
 *   timeoutMs?: number, node?: string, routes?: string[] }} opts
 */
export async function serveLocal(opts) {
  const env = lambdaEnv(opts, { serve: true, timeoutMs: opts.timeoutMs, routes: opts.routes });
  const { child, closed, ended, output } = startEnvironment(opts, env, ['ignore', 'pipe', 'pipe', 'ipc']);
  const port = await new Promise((resolvePort, reject) => {
    child.once('message', (m) => resolvePort(m.port));
    closed.then((code) => reject(new Error(`local API for ${opts.handler} exited (${code}):\n${output().stderr}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    /** Resolves with `{ code, signal }` once the environment's process has ended, however it ended. */
    exited: ended,
    send(message) {
      child.send(message);
    },
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const how = await ended;
      return { ...output(), ...how };
    },
  };
}
