import { type Attributes, type Link, SpanStatusCode } from '@opentelemetry/api';
import type { SdkSpan } from '../core/span.js';
import { msToUnixNano } from '../core/time.js';

/**
 * OTLP/JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
 * of spans and pino log lines. `@opentelemetry/otlp-transformer` does this for the stock
 * SDK but adds ~20 ms to a cold start (see docs/benchmarks.md); the JSON mapping is
 * small and fixed by the spec, so it is written here. Ids are hex strings, 64-bit
 * integers decimal strings, enums integers — as the spec requires.
 *
 * The JSON text is built by concatenation rather than as objects passed to
 * `JSON.stringify`: it runs on every invocation, and this halves its cost. Every string
 * that comes from outside goes through `JSON.stringify`, which escapes it.
 */
const str = JSON.stringify;
const MAX_DEPTH = 6;

/** One OTLP AnyValue as JSON. */
export function anyValueJson(v: unknown, depth = 0): string {
  switch (typeof v) {
    case 'string':
      return `{"stringValue":${str(v)}}`;
    case 'boolean':
      return v ? '{"boolValue":true}' : '{"boolValue":false}';
    case 'number':
      if (Number.isSafeInteger(v)) return `{"intValue":"${v}"}`;
      // NaN and ±Infinity have no JSON number form
      return Number.isFinite(v) ? `{"doubleValue":${v}}` : `{"stringValue":"${v}"}`;
    case 'bigint':
      return `{"intValue":"${v}"}`;
    case 'object': {
      if (v === null) return '{}';
      if (depth >= MAX_DEPTH) return `{"stringValue":${str(safeJson(v))}}`;
      if (Array.isArray(v)) {
        let out = '';
        for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + anyValueJson(v[i], depth + 1);
        return `{"arrayValue":{"values":[${out}]}}`;
      }
      return `{"kvlistValue":{"values":${keyValuesJson(v as Record<string, unknown>, depth + 1)}}}`;
    }
    default:
      return `{"stringValue":${str(String(v))}}`;
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A list of OTLP KeyValue as JSON; `skip` names keys to leave out. */
export function keyValuesJson(attrs: Record<string, unknown> | Attributes, depth = 0, skip?: Set<string>): string {
  let out = '';
  for (const key in attrs) {
    const v = (attrs as Record<string, unknown>)[key];
    if (v === undefined || skip?.has(key)) continue;
    out += `${out ? ',' : ''}{"key":${str(key)},"value":${anyValueJson(v, depth)}}`;
  }
  return `[${out}]`;
}

/** The `resource` member, encoded once per process. */
export function resourceJson(attributes: Record<string, unknown>): string {
  return `{"attributes":${keyValuesJson(attributes)}}`;
}

function linkJson(link: Link): string {
  const c = link.context;
  // flags: W3C trace flags, plus bits 8-9 saying whether the linked span is remote (trace.proto SpanFlags)
  const flags = 0x100 | (c.traceFlags & 0xff) | (c.isRemote ? 0x200 : 0);
  return `{"traceId":"${c.traceId}","spanId":"${c.spanId}","traceState":${str(c.traceState?.serialize() ?? '')},"attributes":${keyValuesJson(link.attributes ?? {})},"droppedAttributesCount":${link.droppedAttributesCount ?? 0},"flags":${flags}}`;
}

/** Attributes added to one span of a request as it is encoded (the span itself is not changed). */
export interface ExtraAttributes {
  span: SdkSpan;
  attributes: Record<string, number>;
}

function spanJson(span: SdkSpan, extra?: Record<string, number>): string {
  const c = span.context;
  let events = '';
  for (const e of span.events) {
    events += `${events ? ',' : ''}{"timeUnixNano":"${msToUnixNano(e.timeMs)}","name":${str(e.name)},"attributes":${keyValuesJson(e.attributes)},"droppedAttributesCount":${e.droppedAttributesCount}}`;
  }
  let links = '';
  for (const l of span.links) links += (links ? ',' : '') + linkJson(l);
  const status =
    span.status.code === SpanStatusCode.UNSET
      ? '{}'
      : `{"code":${span.status.code}${span.status.message ? `,"message":${str(span.status.message)}` : ''}}`;
  // flags: W3C trace flags, plus "parent is remote known" (bit 8) and "is remote" (bit 9)
  const flags = (c.traceFlags & 0xff) | 0x100 | (span.parentIsRemote ? 0x200 : 0);
  return (
    `{"traceId":"${c.traceId}","spanId":"${c.spanId}","traceState":${str(c.traceState?.serialize() ?? '')}` +
    `,"parentSpanId":"${span.parentSpanId ?? ''}","flags":${flags},"name":${str(span.name)},"kind":${span.kind + 1}` +
    `,"startTimeUnixNano":"${msToUnixNano(span.startMs)}","endTimeUnixNano":"${msToUnixNano(span.endMs ?? span.startMs)}"` +
    `,"attributes":${keyValuesJson(extra ? { ...span.attributes, ...extra } : span.attributes)},"droppedAttributesCount":${span.droppedAttributesCount}` +
    `,"events":[${events}],"droppedEventsCount":${span.droppedEventsCount}` +
    `,"links":[${links}],"droppedLinksCount":${span.droppedLinksCount},"status":${status}}`
  );
}

/** One ExportTraceServiceRequest, spans grouped by instrumentation scope; `extra` adds attributes to one span. */
export function encodeTraces(spans: readonly SdkSpan[], resource: string, extra?: ExtraAttributes): string {
  const byScope = new Map<string, string[]>();
  for (const span of spans) {
    const key = span.scope.version ? `${span.scope.name}\u0000${span.scope.version}` : span.scope.name;
    let group = byScope.get(key);
    if (!group) {
      group = [];
      byScope.set(key, group);
    }
    group.push(spanJson(span, span === extra?.span ? extra.attributes : undefined));
  }
  let scopes = '';
  for (const [key, list] of byScope) {
    const [name, version] = key.split('\u0000');
    const scope = version ? `{"name":${str(name)},"version":${str(version)}}` : `{"name":${str(name)}}`;
    scopes += `${scopes ? ',' : ''}{"scope":${scope},"spans":[${list.join(',')}]}`;
  }
  return `{"resourceSpans":[{"resource":${resource},"scopeSpans":[${scopes}]}]}`;
}

// pino levels → OTLP SeverityNumber (logs data model, "Mapping of SeverityNumber")
const SEVERITY: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const LEVEL_BY_NUMBER: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// fields of a log line that become OTLP record fields, or repeat the resource, not attributes
const LIFTED = new Set(['level', 'time', 'msg', 'trace_id', 'span_id', 'trace_flags', 'service', 'function']);
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

function logRecordJson(line: string): string | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const level = typeof rec.level === 'number' ? (LEVEL_BY_NUMBER[rec.level] ?? 'info') : String(rec.level ?? 'info');
  const time = msToUnixNano(typeof rec.time === 'number' ? rec.time : Date.now());
  const traceId = typeof rec.trace_id === 'string' && HEX32.test(rec.trace_id) ? rec.trace_id : '';
  const spanId = typeof rec.span_id === 'string' && HEX16.test(rec.span_id) ? rec.span_id : '';
  const body = typeof rec.msg === 'string' ? rec.msg : '';
  // lines carry trace_flags only when the trace is not sampled (see logger.ts)
  const flags = typeof rec.trace_flags === 'number' ? rec.trace_flags : traceId ? 1 : 0;
  return (
    `{"timeUnixNano":"${time}","observedTimeUnixNano":"${time}","severityNumber":${SEVERITY[level] ?? 9}` +
    `,"severityText":${str(level.toUpperCase())},"body":{"stringValue":${str(body)}}` +
    `,"attributes":${keyValuesJson(rec, 0, LIFTED)},"traceId":"${traceId}","spanId":"${spanId}","flags":${flags}}`
  );
}

/** One ExportLogsServiceRequest from pino JSON lines (lines that do not parse are skipped). */
export function encodeLogs(lines: readonly string[], resource: string): { body: string; count: number } {
  let records = '';
  let count = 0;
  for (const line of lines) {
    const r = logRecordJson(line);
    if (r === undefined) continue;
    records += (count ? ',' : '') + r;
    count++;
  }
  const body = `{"resourceLogs":[{"resource":${resource},"scopeLogs":[{"scope":{"name":"fntrace.logger"},"logRecords":[${records}]}]}]}`;
  return { body, count };
}
