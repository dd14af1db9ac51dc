import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Runs handler invocations in a fresh Node process under lambda-local, with the
 * environment Lambda would set, and returns what a user would see: each invocation's
 * result or error as the runtime received it, and the JSON lines on stdout and stderr.
 */
export interface Invocation {
  event: unknown;
  /** Platform timeout, ms (lambda-local fails the invocation after it). Default 3000. */
  timeoutMs?: number;
  /** Start this long after the process began (for overlapping invocations). */
  startAfterMs?: number;
  clientContext?: unknown;
  /** Lambda context fields to set, e.g. `{ awsRequestId }`. */
  context?: Record<string, unknown>;
}

export interface Outcome {
  requestId: string;
  startedAtMs: number;
  endedAtMs: number;
  error?: { name: string; message: string; errorType?: string };
  result?: any;
}

export interface RunResult {
  outcomes: Outcome[];
  /** stdout lines that parse as JSON (the handler's log lines). */
  logs: any[];
  /** stderr lines that parse as JSON (fntrace diagnostics). */
  diagnostics: any[];
  stdout: string;
  stderr: string;
  code: number | null;
}

export const HANDLERS = resolve(import.meta.dirname, '../fixtures/handlers');
export const fixture = (name: string): any =>
  JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/aws', `${name}.json`), 'utf8'));

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return undefined;
      }
    })
    .filter(Boolean);

export async function runLambda(opts: {
  handler: string;
  invocations: Invocation[];
  endpoint: string;
  env?: Record<string, string>;
  sequential?: boolean;
  lingerMs?: number;
}): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fntrace-lambda-'));
  const resultFile = join(dir, 'result.json');
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('FNTRACE_') && !k.startsWith('AWS_') && k !== '_X_AMZN_TRACE_ID')
      base[k] = v;
  }
  const env = {
    ...base,
    AWS_LAMBDA_FUNCTION_NAME: 'orders-fn',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/27/[$LATEST]0123456789abcdef',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.endpoint,
    ...opts.env,
    FNTRACE_TEST_RESULT: resultFile,
    FNTRACE_TEST_PLAN: JSON.stringify({
      handler: resolve(HANDLERS, opts.handler),
      invocations: opts.invocations,
      sequential: opts.sequential ?? false,
      lingerMs: opts.lingerMs,
    }),
  };
  const child = spawn(process.execPath, [resolve(import.meta.dirname, 'lambda-host.mjs')], { env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  let outcomes: Outcome[] = [];
  try {
    outcomes = JSON.parse(readFileSync(resultFile, 'utf8'));
  } catch {
    throw new Error(`lambda host failed (exit ${code}):\n${stderr}`);
  }
  return { outcomes, logs: jsonLines(stdout), diagnostics: jsonLines(stderr), stdout, stderr, code };
}
