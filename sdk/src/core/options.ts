import type { SdkConfig } from './config.js';
import { invalidOption } from './errors.js';

/**
 * Options of one wrapped handler. Defaults come from the environment (see config.ts);
 * values given here win.
 */
export interface WrapOptions {
  /**
   * Most time the end-of-invocation flush may add, in ms. It is also bounded by the time
   * the invocation has left. The default value is `FNTRACE_FLUSH_TIMEOUT_MS`, else 500.
   */
  flushTimeoutMs?: number;
  /**
   * How long before the platform's deadline the timeout guard ends open spans, logs the
   * culprit and flushes, in ms. The default value is `FNTRACE_TIMEOUT_MARGIN_MS`, else 500.
   */
  timeoutMarginMs?: number;
}

export interface ResolvedWrapOptions {
  readonly flushTimeoutMs: number;
  readonly timeoutMarginMs: number;
}

function nonNegative(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidOption(name, 'a finite number ≥ 0', v);
  return v;
}

/** Options → defaults → validate → freeze. Throws a coded error naming a bad option. */
export function resolveWrapOptions(options: WrapOptions | undefined, config: SdkConfig): ResolvedWrapOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalidOption('options', 'an object', options);
  }
  return Object.freeze({
    flushTimeoutMs: nonNegative('flushTimeoutMs', options?.flushTimeoutMs, config.flushTimeoutMs),
    timeoutMarginMs: nonNegative('timeoutMarginMs', options?.timeoutMarginMs, config.timeoutMarginMs),
  });
}
