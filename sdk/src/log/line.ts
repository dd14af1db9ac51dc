import { context, trace } from '@opentelemetry/api';
import { processEnv } from '../core/env.js';
import { getInvocation, getRecord } from '../core/invocation-state.js';
import { currentSdk, sdkConfig } from '../core/setup.js';

/**
 * What every log line carries besides what the user logged, whichever logger writes it (pino
 * on Node, the console logger on Workers and other fetch-style runtimes): the function, the
 * active span's ids, the invocation's correlation id, invocation id and cold-start flag, the
 * record's message id inside `records()`/`messages()`, and the platform's own fields
 * (`Platform.logFields`). Also where each written line goes for OTLP export.
 *
 * Everything is read from the active context at the moment of the call, so one logger serves
 * concurrent invocations without child loggers.
 */

/** pino's level numbers, which `Platform.logFields` receives. */
export const LEVEL_NUMBERS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVEL_NUMBERS;

const PRE_SETUP_LIMIT = 256;
const early: string[] = [];

/** Queue one written line for OTLP export; lines written before the SDK is set up wait (bounded). */
export function captureLine(line: string): void {
  const sdk = currentSdk();
  if (!sdk) {
    // lines logged at init, before the first wrap() set the SDK up
    if (early.length < PRE_SETUP_LIMIT) early.push(line);
    return;
  }
  if (early.length > 0) for (const l of early.splice(0)) sdk.exporter.enqueueLog(l);
  sdk.exporter.enqueueLog(line);
  sdk.onLogLine?.(line);
}

/** The `function` field: the platform's function name once the SDK knows it. */
function functionName(): string {
  const sdk = currentSdk();
  const name = sdk?.resource['faas.name'];
  return typeof name === 'string' ? name : (processEnv().AWS_LAMBDA_FUNCTION_NAME ?? sdkConfig().serviceName);
}

/** The fields a line written now at `level` (a pino level number) carries before the user's. */
export function lineFields(level: number): Record<string, unknown> {
  const ctx = context.active();
  const out: Record<string, unknown> = { function: functionName() };
  const invocation = getInvocation(ctx);
  const span = trace.getSpanContext(ctx);
  const valid = span !== undefined && trace.isSpanContextValid(span);
  if (valid) {
    out.trace_id = span.traceId;
    out.span_id = span.spanId;
    // sampled is the common case and stays implicit; say so only when the trace is not sampled
    if ((span.traceFlags & 1) === 0) out.trace_flags = span.traceFlags;
  }
  if (invocation) {
    const record = getRecord(ctx);
    out.correlation_id = record?.correlationId ?? invocation.correlationId;
    out.invocation_id = invocation.invocationId;
    out.cold_start = invocation.coldStart;
    if (record?.messageId) out.message_id = record.messageId;
  }
  const extra = currentSdk()?.logFields;
  if (extra) {
    try {
      Object.assign(
        out,
        extra(
          valid
            ? { traceId: span.traceId, spanId: span.spanId, sampled: (span.traceFlags & 1) === 1, level }
            : { level },
        ),
      );
    } catch {
      // a platform's fields must never break logging
    }
  }
  return out;
}
