import { context, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import { processEnv } from '../core/env.js';
import { getInvocation, getRecord } from '../core/invocation-state.js';
import { makeKeyMatcher, redactDeep } from '../core/redaction.js';
import { currentSdk, sdkConfig } from '../core/setup.js';

/**
 * The `logger`: one pino instance whose lines carry the active invocation's ids.
 * Lines go to stdout through a synchronous destination: an asynchronous one loses the
 * last lines when the platform freezes the process after the handler returns. Each line
 * is also queued for OTLP export, so it reaches the collector in the invocation's flush.
 *
 * Which trace, span, correlation and invocation a line belongs to is read from the active
 * context at the moment of the call (pino's `mixin`), so one logger serves concurrent
 * invocations and `records()` rebinds it per record without creating child loggers.
 */
const PRE_SETUP_LIMIT = 256;
const early: string[] = [];

function capture(line: string): void {
  const sdk = currentSdk();
  if (!sdk) {
    // lines logged at init, before the first wrap() set the SDK up
    if (early.length < PRE_SETUP_LIMIT) early.push(line);
    return;
  }
  if (early.length > 0) for (const l of early.splice(0)) sdk.exporter.enqueueLog(l);
  sdk.exporter.enqueueLog(line);
}

/** The `function` field: the platform's function name once the SDK knows it. */
function functionName(): string {
  const sdk = currentSdk();
  const name = sdk?.resource['faas.name'];
  return typeof name === 'string' ? name : (processEnv().AWS_LAMBDA_FUNCTION_NAME ?? sdkConfig().serviceName);
}

function mixin(_merge: object, level: number): Record<string, unknown> {
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

function createLogger(): Logger {
  const cfg = sdkConfig();
  const isSecret = makeKeyMatcher(cfg.redactKeys);
  const stdout = pino.destination({ dest: 1, sync: true });
  const destination = {
    write(line: string): void {
      stdout.write(line);
      try {
        capture(line);
      } catch {
        // export capture must never break logging
      }
    },
  };
  return pino(
    {
      level: cfg.logLevel,
      // `function` comes from the mixin: the platform's name for it is known once wrap() ran
      base: { service: cfg.serviceName },
      mixin,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redactDeep(obj, isSecret),
      },
    },
    destination,
  );
}

/**
 * Structured JSON logger (pino) bound to the current invocation.
 *
 * Every line carries `trace_id`, `span_id`, `correlation_id`, `invocation_id`,
 * `cold_start`, `service` and `function`; inside `records()` also `message_id`.
 * Keys that look like secrets (authorization, cookie, password, token, secret, api key)
 * are redacted at any depth. Level: `FNTRACE_LOG_LEVEL` (default `info`).
 *
 * @example
 * logger.info({ orderId: 42 }, 'order accepted');
 */
export const logger: Logger = createLogger();
