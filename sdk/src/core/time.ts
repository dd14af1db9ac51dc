import type { TimeInput } from '@opentelemetry/api';

/**
 * Span times are kept as epoch milliseconds with sub-millisecond fractions
 * (`performance.timeOrigin + performance.now()`): monotonic within an invocation and
 * precise to ~1 µs at today's epoch, which is finer than any serverless clock.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();

export function toEpochMs(input: TimeInput | undefined): number {
  if (input === undefined) return nowMs();
  if (typeof input === 'number') {
    // the API allows performance.now()-style numbers as well as epoch milliseconds
    return input < performance.timeOrigin ? performance.timeOrigin + input : input;
  }
  if (input instanceof Date) return input.getTime();
  if (Array.isArray(input)) return input[0] * 1e3 + input[1] / 1e6;
  return nowMs();
}

/** Epoch milliseconds → OTLP's fixed64 nanoseconds, as the decimal string OTLP/JSON uses. */
export function msToUnixNano(ms: number): string {
  const whole = Math.floor(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(nanos)).toString();
}
