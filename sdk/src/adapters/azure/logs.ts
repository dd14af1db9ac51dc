import { context } from '@opentelemetry/api';
import { getAzureScope } from './scope.js';

/**
 * Azure's side of the log lines. Every line written inside an invocation names the invoked
 * function (`function`: one function app hosts many functions, and `service` is the app).
 *
 * Lines go to stdout, which the Functions host collects for the whole app, tied to no
 * invocation. With `contextLog` (`FNTRACE_AZURE_CONTEXT_LOG=true`) each line written inside an
 * invocation is also handed to that invocation's `context.trace/debug/info/warn/error` (pino's
 * `fatal` to `error`), so the portal's invocation log and Application Insights' `traces` show it
 * under the invocation. It is off by default: the same line then reaches Application Insights
 * twice (through stdout and through `context.log`), and its ingestion is billed per GB.
 */
type Method = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const METHOD: Record<string, Method> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};
// the level is the line's first field (both loggers write it first)
const LEVEL = /^\{"level":"(\w+)"/;

/** `Platform.logFields`: the invoked function's name on lines written inside an invocation. */
export function azureLogFields(): Record<string, unknown> {
  const scope = getAzureScope(context.active());
  return scope ? { function: scope.context.functionName } : {};
}

/** `Platform.onLogLine`: hands the line to `context.log` when the invocation asked for it. */
export function forwardToContextLog(line: string): void {
  const scope = getAzureScope(context.active());
  if (!scope?.forwardLogs) return;
  const method = METHOD[LEVEL.exec(line)?.[1] ?? ''] ?? 'info';
  try {
    scope.context[method]?.(line.trimEnd());
  } catch {
    // the platform's logger must never break ours
  }
}
