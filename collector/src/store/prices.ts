import { Ajv } from 'ajv';
import { readYamlFile } from '../config/option-files.js';
import { fileMistake, PATTERNS } from '../config/schema-errors.js';

/**
 * The price table behind each invocation's estimated cost: per provider (`cloud.provider`)
 * and, optionally, CPU architecture (`host.arch`), a price per GB-second of configured memory,
 * a price per request, and the step billed durations are rounded up to. An invocation takes
 * the first entry that matches it; one that matches none is not priced (cost 0). The
 * materialized views compute cost at ingest with this table (schema.ts), so each invocation
 * keeps the price it was stored with; the trace view computes the same from spans (trace-facts.ts).
 */
export interface Price {
  provider: string;
  /** `host.arch` (`amd64`, `arm64`, …); absent: any. */
  arch?: string;
  gbSecondUsd: number;
  requestUsd: number;
  /** Billed duration is the duration rounded up to a multiple of this (AWS Lambda: 1 ms). */
  billingIncrementMs: number;
}

/**
 * AWS Lambda's published on-demand prices (us-east-1, the first pricing tier): $0.0000166667 per
 * GB-second on x86, $0.0000133334 on Arm (Graviton), $0.20 per million requests, billed per 1 ms.
 */
export const DEFAULT_PRICES: readonly Price[] = [
  { provider: 'aws', arch: 'arm64', gbSecondUsd: 0.0000133334, requestUsd: 0.0000002, billingIncrementMs: 1 },
  { provider: 'aws', gbSecondUsd: 0.0000166667, requestUsd: 0.0000002, billingIncrementMs: 1 },
];

/** Names go into SQL text as literals: checked, so that no quoting is needed. */
const NAME = PATTERNS.priceName.pattern;

const fileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['prices'],
  properties: {
    prices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['provider', 'gbSecondUsd', 'requestUsd'],
        properties: {
          provider: { type: 'string', pattern: NAME },
          arch: { type: 'string', pattern: NAME },
          gbSecondUsd: { type: 'number', minimum: 0 },
          requestUsd: { type: 'number', minimum: 0 },
          billingIncrementMs: { type: 'integer', minimum: 1, maximum: 60000, default: 1 },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ useDefaults: true, allErrors: true }).compile(fileSchema);

/**
 * `--prices prices.yaml`: `prices: [{ provider, arch?, gbSecondUsd, requestUsd,
 * billingIncrementMs? }]`, ahead of the built-in table (so an entry for `aws` replaces the
 * built-in AWS price, and other providers can be added). A mistake stops start-up naming the
 * file, line and field.
 */
export function loadPrices(path: string): Price[] {
  if (!path) return [...DEFAULT_PRICES];
  const { data, fail } = readYamlFile(path, '--prices');
  if (!validate(data)) {
    const { field, text } = fileMistake(
      validate.errors!,
      data,
      () => 'is not a field of a price (provider, arch, gbSecondUsd, requestUsd, billingIncrementMs)',
    );
    fail(field, `${field || '/'}: ${text}`);
  }
  return [...(data as { prices: Price[] }).prices, ...DEFAULT_PRICES];
}

/** The entry that prices an invocation on `provider` / `arch`, if any. */
export function priceOf(prices: readonly Price[], provider: string, arch: string): Price | undefined {
  return prices.find((p) => p.provider === provider && (p.arch === undefined || p.arch === arch));
}

/** Billed milliseconds and estimated cost of one invocation, as the views compute them. */
export function billing(
  prices: readonly Price[],
  f: { provider: string; arch: string; durationNs: number; memoryMb: number },
): { billedDurationMs: number; costUsd: number } {
  const p = priceOf(prices, f.provider, f.arch);
  const step = p?.billingIncrementMs ?? 1;
  const billedDurationMs = Math.ceil(f.durationNs / (1_000_000 * step)) * step;
  const costUsd = p ? (billedDurationMs / 1000) * (f.memoryMb / 1024) * p.gbSecondUsd + p.requestUsd : 0;
  return { billedDurationMs, costUsd };
}

/**
 * The same as SQL over a span row: `provider`, `arch` and `memoryMb` are SQL expressions,
 * `Duration` the span's nanoseconds. Numbers and checked names only, never request values.
 */
export function billingSql(
  prices: readonly Price[],
  e: { provider: string; arch: string; memoryMb: string },
): { billedMs: string; cost: string } {
  const billed = (step: number) => `toUInt64(ceil(Duration / ${1_000_000 * step}) * ${step})`;
  const when = (p: Price) =>
    `${e.provider} = '${p.provider}'${p.arch === undefined ? '' : ` AND ${e.arch} = '${p.arch}'`}`;
  // JavaScript's shortest round-trip form: ClickHouse reads it back to the same double
  const num = (n: number) => String(n);
  const cost = (p: Price) =>
    `(${billed(p.billingIncrementMs)} / 1000) * (${e.memoryMb} / 1024) * ${num(p.gbSecondUsd)} + ${num(p.requestUsd)}`;
  return {
    billedMs: `multiIf(${prices.map((p) => `${when(p)}, ${billed(p.billingIncrementMs)}`).join(', ')}, ${billed(1)})`,
    cost: `multiIf(${prices.map((p) => `${when(p)}, ${cost(p)}`).join(', ')}, 0)`,
  };
}

/** A line that says which table a view was made with (its COMMENT): a change of table changes it. */
export function pricesComment(prices: readonly Price[]): string {
  return `fntrace prices: ${prices
    .map(
      (p) =>
        `${p.provider}${p.arch ? `/${p.arch}` : ''} ${p.gbSecondUsd} per GB-s + ${p.requestUsd} per request, ${p.billingIncrementMs} ms`,
    )
    .join('; ')}`;
}
