import pino, { type Logger } from 'pino';
import { makeKeyMatcher, redactDeep } from '../core/redaction.js';
import { sdkConfig } from '../core/setup.js';
import { captureLine, lineFields } from './line.js';
import { setSdkLogger } from './sdk-logger.js';

/**
 * The `logger` of the Node entries: one pino instance whose lines carry the active
 * invocation's ids (see line.ts, shared with the console logger of fetch-style runtimes).
 * Lines go to stdout through a synchronous destination: an asynchronous one loses the
 * last lines when the platform freezes the process after the handler returns. Each line
 * is also queued for OTLP export, so it reaches the collector in the invocation's flush.
 *
 * Which trace, span, correlation and invocation a line belongs to is read from the active
 * context at the moment of the call (pino's `mixin`), so one logger serves concurrent
 * invocations and `records()` rebinds it per record without creating child loggers.
 */
function mixin(_merge: object, level: number): Record<string, unknown> {
  return lineFields(level);
}

function createLogger(): Logger {
  const cfg = sdkConfig();
  const isSecret = makeKeyMatcher(cfg.redactKeys);
  const stdout = pino.destination({ dest: 1, sync: true });
  const destination = {
    write(line: string): void {
      stdout.write(line);
      try {
        captureLine(line);
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
// the timeout guard's line goes through pino too, when this entry is loaded
setSdkLogger(logger);
