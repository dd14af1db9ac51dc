import type { SpanContext } from '@opentelemetry/api';

/**
 * The samplers named by `OTEL_TRACES_SAMPLER`. `traceidratio` compares the trace id's
 * last 8 bytes with the ratio, so every service that samples by ratio keeps the same traces.
 */
export type SampleDecision = boolean;

export function makeSampler(
  name: string,
  ratio: number,
): (parent: SpanContext | undefined, traceId: string) => SampleDecision {
  const bound = Math.floor(ratio * 2 ** 53);
  const byRatio = (traceId: string): boolean => {
    if (ratio >= 1) return true;
    if (ratio <= 0) return false;
    // 53 bits from the random part of the id
    const n = Number.parseInt(traceId.slice(-14), 16) % 2 ** 53;
    return n < bound;
  };
  const root = (traceId: string): boolean => {
    if (name.endsWith('always_off')) return false;
    if (name.endsWith('traceidratio')) return byRatio(traceId);
    return true;
  };
  const parentBased = name.startsWith('parentbased_');
  return (parent, traceId) => {
    if (parentBased && parent) return (parent.traceFlags & 1) === 1;
    return root(traceId);
  };
}
