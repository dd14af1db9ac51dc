import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error — plain ES module shared with the demo (examples/), typed below
import { runLocal, serveLocal } from '../../examples/aws-lambda/run-local.mjs';

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
  /** Epoch ms at which the runtime fails the invocation (start + timeout, from its context). */
  deadlineMs: number;
  error?: { name: string; message: string; stackTrace?: string[] };
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

export function runLambda(opts: {
  handler: string;
  /** `AWS_LAMBDA_FUNCTION_NAME` (and the default service name). Default `orders-fn`. */
  functionName?: string;
  invocations: Invocation[];
  endpoint: string;
  env?: Record<string, string>;
  sequential?: boolean;
  lingerMs?: number;
}): Promise<RunResult> {
  return runLocal({ ...opts, handler: resolve(HANDLERS, opts.handler) });
}

/** A long-lived local environment behind an API Gateway stand-in (see run-local.mjs `serveLocal`). */
export interface LocalApi {
  url: string;
  /** Write to the environment's IPC channel. */
  send(message: unknown): void;
  /** Send `signal` (default SIGTERM) and wait until the process has ended. */
  stop(signal?: NodeJS.Signals): Promise<Omit<RunResult, 'outcomes' | 'code'> & EndedBy>;
}

export interface EndedBy {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function serveLambda(opts: {
  handler: string;
  functionName?: string;
  endpoint: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<LocalApi> {
  return serveLocal({ ...opts, handler: resolve(HANDLERS, opts.handler) });
}
