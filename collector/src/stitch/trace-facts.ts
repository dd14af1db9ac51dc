import { type Price, billing as priced } from '../store/prices.js';
import { endNs, type StoredSpan } from './span-model.js';

/**
 * A trace's invocations and summary from its spans, for the trace view, which has the spans
 * loaded already: the same rules as the materialized views that fill `fntrace_invocations`
 * and `fntrace_trace_summary` (schema.ts), so the view needs one query instead of three.
 * test/collector/stitch.test.ts checks, for every fixture, that these equal what the tables
 * hold (as `/api/invocations` and `/api/traces` return them).
 */
export interface InvocationFacts {
  startUnixNano: string;
  invocationId: string;
  traceId: string;
  spanId: string;
  functionName: string;
  functionVersion: string;
  instance: string;
  trigger: string;
  triggerSource: string;
  coldStart: boolean;
  initDurationMs: number;
  durationMs: number;
  billedDurationMs: number;
  memoryMb: number;
  costUsd: number;
  outcome: 'ok' | 'error' | 'timeout';
  correlationId: string;
}

/** A trace's summary as the API returns it (search results, trace view, journey). */
export interface TraceSummary {
  traceId: string;
  startUnixNano: string;
  startMs: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
  rootService: string;
  rootOperation: string;
  invocations: number;
  coldStarts: number;
  costUsd: number;
}

const either = (s: StoredSpan, key: string) => s.attributes[key] || s.resource[key] || '';
const isInvocation = (s: StoredSpan) => Boolean(s.attributes['faas.invocation_id'] && s.attributes['faas.trigger']);
/** ClickHouse's toUInt64OrZero / toFloat64OrZero on the attribute text */
const uintOrZero = (v: string) => (/^\d+$/.test(v) ? Number(v) : 0);
const floatOrZero = (v: string) => {
  const n = v.trim() === '' ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
};

function billing(s: StoredSpan, prices: readonly Price[]) {
  const memoryMb = Math.floor(uintOrZero(either(s, 'faas.max_memory')) / 1048576);
  const provider = either(s, 'cloud.provider');
  const arch = either(s, 'host.arch');
  return { memoryMb, ...priced(prices, { provider, arch, durationNs: Number(s.durationNs), memoryMb }) };
}

/** One row per invocation id (its earliest span), in start order. */
export function invocationsOf(spans: readonly StoredSpan[], prices: readonly Price[]): InvocationFacts[] {
  const byId = new Map<string, StoredSpan>();
  for (const s of spans) {
    if (!isInvocation(s)) continue;
    const id = s.attributes['faas.invocation_id']!;
    const seen = byId.get(id);
    if (!seen || s.startNs < seen.startNs) byId.set(id, s);
  }
  return [...byId.values()]
    .sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0))
    .map((s) => {
      const a = s.attributes;
      return {
        startUnixNano: String(s.startNs),
        invocationId: a['faas.invocation_id']!,
        traceId: s.traceId,
        spanId: s.spanId,
        functionName: either(s, 'faas.name'),
        functionVersion: either(s, 'faas.version'),
        instance: either(s, 'faas.instance'),
        trigger: a['faas.trigger']!,
        triggerSource: a['fntrace.trigger'] ?? '',
        coldStart: a['faas.coldstart'] === 'true',
        initDurationMs: floatOrZero(a['fntrace.init_duration_ms'] ?? ''),
        durationMs: Number(s.durationNs) / 1e6,
        ...billing(s, prices),
        outcome: a['fntrace.timeout'] === 'true' ? 'timeout' : s.statusCode === 'Error' ? 'error' : 'ok',
        correlationId: a['fntrace.correlation_id'] ?? '',
      };
    });
}

/** The trace's summary, or undefined without spans. */
export function summaryOf(spans: readonly StoredSpan[], prices: readonly Price[]): TraceSummary | undefined {
  const first = spans[0];
  if (!first) return undefined;
  let start = first.startNs;
  let end = endNs(first);
  let errorCount = 0;
  let invocations = 0;
  let coldStarts = 0;
  let costUsd = 0;
  let rootService = '';
  let rootOperation = '';
  const services = new Set<string>();
  for (const s of spans) {
    if (s.startNs < start) start = s.startNs;
    if (endNs(s) > end) end = endNs(s);
    if (s.statusCode === 'Error') errorCount++;
    services.add(s.service);
    if (s.parentSpanId === '') {
      if (s.service > rootService) rootService = s.service;
      if (s.name > rootOperation) rootOperation = s.name;
    }
    if (isInvocation(s)) {
      invocations++;
      if (s.attributes['faas.coldstart'] === 'true') coldStarts++;
      costUsd += billing(s, prices).costUsd;
    }
  }
  return {
    traceId: first.traceId,
    startUnixNano: String(start),
    startMs: Number(start / 1000n) / 1000,
    durationMs: Number(end - start) / 1e6,
    spanCount: spans.length,
    errorCount,
    services: [...services].sort(),
    rootService,
    rootOperation,
    invocations,
    coldStarts,
    costUsd,
  };
}
