import { type Attributes, type Link, SpanStatusCode } from '@opentelemetry/api';
import type { SdkSpan } from '../core/span.js';
import { msToUnixNano } from '../core/time.js';

/**
 * OTLP/JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
 * of spans and pino log lines. `@opentelemetry/otlp-transformer` does this for the stock
 * SDK but costs ~22 ms to load (see docs/benchmarks.md); the JSON mapping is small and
 * fixed by the spec, so it is written here. Ids are hex strings, 64-bit integers are
 * decimal strings, enums are integers — as the spec requires.
 */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

const MAX_DEPTH = 6;

export function toAnyValue(v: unknown, depth = 0): AnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    case 'bigint':
      return { intValue: v.toString() };
    case 'object': {
      if (v === null) return { stringValue: '' };
      if (depth >= MAX_DEPTH) return { stringValue: safeJson(v) };
      if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => toAnyValue(x, depth + 1)) } };
      return { kvlistValue: { values: toKeyValues(v as Record<string, unknown>, depth + 1) } };
    }
    default:
      return { stringValue: String(v) };
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function toKeyValues(attrs: Record<string, unknown> | Attributes, depth = 0): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key of Object.keys(attrs)) {
    const v = (attrs as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out.push({ key, value: toAnyValue(v, depth) });
  }
  return out;
}

function encodeLink(link: Link) {
  return {
    traceId: link.context.traceId,
    spanId: link.context.spanId,
    traceState: link.context.traceState?.serialize() ?? '',
    attributes: toKeyValues(link.attributes ?? {}),
    droppedAttributesCount: link.droppedAttributesCount ?? 0,
    flags: 0x100 | (link.context.traceFlags & 0xff) | (link.context.isRemote ? 0x200 : 0),
  };
}

function encodeSpan(span: SdkSpan) {
  const ctx = span.context;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    traceState: ctx.traceState?.serialize() ?? '',
    parentSpanId: span.parentSpanId ?? '',
    // bits 8-9 say whether the parent is known to be remote (OTLP trace.proto SpanFlags)
    flags: (ctx.traceFlags & 0xff) | 0x100,
    name: span.name,
    kind: span.kind + 1,
    startTimeUnixNano: msToUnixNano(span.startMs),
    endTimeUnixNano: msToUnixNano(span.endMs ?? span.startMs),
    attributes: toKeyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      timeUnixNano: msToUnixNano(e.timeMs),
      name: e.name,
      attributes: toKeyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map(encodeLink),
    droppedLinksCount: span.droppedLinksCount,
    status:
      span.status.code === SpanStatusCode.UNSET
        ? {}
        : { code: span.status.code, ...(span.status.message ? { message: span.status.message } : {}) },
  };
}

/** One ExportTraceServiceRequest, spans grouped by instrumentation scope. */
export function encodeTraces(spans: readonly SdkSpan[], resource: KeyValue[]): string {
  const byScope = new Map<string, { scope: { name: string; version?: string }; spans: unknown[] }>();
  for (const span of spans) {
    const key = `${span.scope.name}@${span.scope.version ?? ''}`;
    let group = byScope.get(key);
    if (!group) {
      group = { scope: span.scope.version ? { ...span.scope } : { name: span.scope.name }, spans: [] };
      byScope.set(key, group);
    }
    group.spans.push(encodeSpan(span));
  }
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [...byScope.values()] }] });
}

// pino numeric levels → OTLP SeverityNumber (logs data model, "Mapping of SeverityNumber")
const SEVERITY: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const SEVERITY_BY_NUMBER: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// fields of our log line that become OTLP record fields instead of attributes
const LIFTED = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'trace_flags']);

function encodeLogLine(line: string): unknown | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = typeof rec.level === 'number' ? SEVERITY_BY_NUMBER[rec.level] : String(rec.level ?? 'info');
  const attributes: Record<string, unknown> = {};
  for (const key of Object.keys(rec)) if (!LIFTED.has(key)) attributes[key] = rec[key];
  const time = typeof rec.time === 'number' ? rec.time : Date.now();
  return {
    timeUnixNano: msToUnixNano(time),
    observedTimeUnixNano: msToUnixNano(time),
    severityNumber: SEVERITY[level ?? 'info'] ?? 9,
    severityText: (level ?? 'info').toUpperCase(),
    body: { stringValue: typeof rec.msg === 'string' ? rec.msg : '' },
    attributes: toKeyValues(attributes),
    traceId: typeof rec.trace_id === 'string' ? rec.trace_id : '',
    spanId: typeof rec.span_id === 'string' ? rec.span_id : '',
    flags: typeof rec.trace_flags === 'number' ? rec.trace_flags : 0,
  };
}

/** One ExportLogsServiceRequest from pino JSON lines (lines that do not parse are skipped). */
export function encodeLogs(lines: readonly string[], resource: KeyValue[]): { body: string; count: number } {
  const records: unknown[] = [];
  for (const line of lines) {
    const r = encodeLogLine(line);
    if (r) records.push(r);
  }
  const body = JSON.stringify({
    resourceLogs: [
      { resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'fntrace.logger' }, logRecords: records }] },
    ],
  });
  return { body, count: records.length };
}
