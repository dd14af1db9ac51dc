import type { SdkConfig } from '../../core/config.js';
import { report } from '../../core/diagnostics.js';
import type { Env } from '../../core/env.js';
import { ERROR_CODES, invalidOption } from '../../core/errors.js';
import { type ResolvedWrapOptions, resolveWrapOptions, type WrapOptions } from '../../core/options.js';

/**
 * Options of an Azure Functions handler wrapped by `wrap()` from `@fntrace/sdk/azure`.
 * Precedence: options given here > environment variables (app settings) > defaults.
 */
export interface AzureWrapOptions extends WrapOptions {
  /**
   * The host's `functionTimeout` (host.json), in ms: the timeout guard fires
   * `timeoutMarginMs` before it. The worker cannot read host.json, so without it there is no
   * timeout guard. The default value is `FNTRACE_AZURE_FUNCTION_TIMEOUT` (host.json's
   * format, e.g. `00:05:00`; `-1` for none), else none.
   */
  functionTimeoutMs?: number;
  /**
   * Also hand each log line written inside an invocation to its `context.trace/debug/info/
   * warn/error`, so the portal's invocation log shows it. The default value is
   * `FNTRACE_AZURE_CONTEXT_LOG`, else `false` (the line is on stdout either way).
   */
  contextLog?: boolean;
}

export interface ResolvedAzureOptions extends ResolvedWrapOptions {
  readonly functionTimeoutMs: number | undefined;
  readonly contextLog: boolean;
}

/** host.json's TimeSpan, `[d.]hh:mm:ss[.fff]`, in ms; `-1` (no limit) is undefined. */
export function parseTimeSpan(raw: string): number | undefined | 'invalid' {
  const value = raw.trim();
  if (value === '-1') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(value);
  if (!m) return 'invalid';
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60_000 + Number(m[4]) * 1000;
  return ms > 0 ? ms : 'invalid';
}

function timeoutFromEnv(env: Env): number | undefined {
  const raw = env.FNTRACE_AZURE_FUNCTION_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return undefined;
  const ms = parseTimeSpan(raw);
  if (ms !== 'invalid') return ms;
  report(
    ERROR_CODES.BAD_ENV,
    `FNTRACE_AZURE_FUNCTION_TIMEOUT=${JSON.stringify(raw)} is not a TimeSpan like "00:05:00"; no timeout guard`,
  );
  return undefined;
}

function contextLogFromEnv(env: Env): boolean {
  const raw = env.FNTRACE_AZURE_CONTEXT_LOG?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  report(ERROR_CODES.BAD_ENV, `FNTRACE_AZURE_CONTEXT_LOG=${JSON.stringify(raw)} is not valid; using false`);
  return false;
}

/** Options → defaults → validate → freeze. Throws a coded error naming a bad option. */
export function resolveAzureOptions(
  options: AzureWrapOptions | undefined,
  config: SdkConfig,
  env: Env,
): ResolvedAzureOptions {
  const base = resolveWrapOptions(options, config);
  const timeout = options?.functionTimeoutMs;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw invalidOption('functionTimeoutMs', 'a finite number > 0', timeout);
  }
  const contextLog = options?.contextLog;
  if (contextLog !== undefined && typeof contextLog !== 'boolean') {
    throw invalidOption('contextLog', 'a boolean', contextLog);
  }
  return Object.freeze({
    ...base,
    functionTimeoutMs: timeout ?? timeoutFromEnv(env),
    contextLog: contextLog ?? contextLogFromEnv(env),
  });
}
