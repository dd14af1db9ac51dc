/**
 * The rows the collector stores, one per span and one per log record, shaped as the
 * JSONEachRow lines ClickHouse reads: column names and value forms are those of the
 * OpenTelemetry Collector ClickHouse exporter's `otel_traces` and `otel_logs` tables
 * (so Grafana's ClickHouse datasource reads them with its OTel defaults), plus a few
 * columns for OTLP fields that schema drops (flags, dropped counts, scope attributes).
 *
 * Value forms:
 * - timestamps: `"<10-digit seconds>.<9-digit nanoseconds>"` strings, which DateTime64(9) parses
 *   exactly in every input mode; times at or past 2^63 ns are capped at the column's maximum;
 * - ids: lower-case hex, `""` when absent;
 * - attributes: `Map(String, String)`: strings as they are, booleans `true`/`false`, integers
 *   in decimal, doubles in their shortest round-trip form, bytes in base64, arrays and
 *   key-value lists as JSON (as the exporter's `AsString()` does);
 * - 64-bit counts (Duration) as decimal strings, so no precision is lost in JSON.
 */
import type { Tally } from './item-rules.js';

export type Attrs = Record<string, string>;

export interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  /** `Unspecified`, `Internal`, `Server`, `Client`, `Producer`, `Consumer` */
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Attrs;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Attrs;
  /** end − start in nanoseconds (0 when end < start), decimal string */
  Duration: string;
  /** `Unset`, `Ok`, `Error` */
  StatusCode: string;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Attrs[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Attrs[];
  // — beyond the exporter's schema: OTLP fields it drops —
  /** Span.flags (W3C trace flags in bits 0-7, remote-parent bits 8-9) */
  SpanFlags: number;
  ScopeAttributes: Attrs;
  ResourceSchemaUrl: string;
  ScopeSchemaUrl: string;
  DroppedAttributesCount: number;
  DroppedEventsCount: number;
  DroppedLinksCount: number;
  'Events.DroppedAttributesCount': number[];
  'Links.Flags': number[];
  'Links.DroppedAttributesCount': number[];
}

export interface LogRow {
  /** time_unix_nano, or observed_time_unix_nano when the former is 0 */
  Timestamp: string;
  ObservedTimestamp: string;
  TraceId: string;
  SpanId: string;
  /** the low 8 bits (W3C trace flags) of the record's flags */
  TraceFlags: number;
  SeverityText: string;
  /** 0–24 by the spec; anything outside 0–255 is stored as 0 (the column is UInt8) */
  SeverityNumber: number;
  ServiceName: string;
  /** the body as a string: string bodies as they are, other AnyValues as in attributes */
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Attrs;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Attrs;
  LogAttributes: Attrs;
  EventName: string;
  DroppedAttributesCount: number;
}

/** Resource fields every row of a ResourceSpans/ResourceLogs carries. */
export interface ResourceInfo {
  attrs: Attrs;
  serviceName: string;
  schemaUrl: string;
}

/** Scope fields every row of a ScopeSpans/ScopeLogs carries. */
export interface ScopeInfo {
  name: string;
  version: string;
  attrs: Attrs;
  schemaUrl: string;
}

/** A span's `Events.*` columns, filled event by event. */
export interface SpanEvents {
  timestamps: string[];
  names: string[];
  attrs: Attrs[];
  dropped: number[];
}

/** A span's `Links.*` columns, filled link by link. */
export interface SpanLinks {
  traceIds: string[];
  spanIds: string[];
  traceStates: string[];
  attrs: Attrs[];
  flags: number[];
  dropped: number[];
}

export const newEvents = (): SpanEvents => ({ timestamps: [], names: [], attrs: [], dropped: [] });
export const newLinks = (): SpanLinks => ({
  traceIds: [],
  spanIds: [],
  traceStates: [],
  attrs: [],
  flags: [],
  dropped: [],
});

/**
 * A span row of `res` and `scope` with every other column at its default: the decoders set
 * the span's own columns on it. Rows of one resource share its attribute object, rows of one
 * scope the scope's: treat rows as read-only.
 */
export function blankSpanRow(res: ResourceInfo, scope: ScopeInfo, events: SpanEvents, links: SpanLinks): SpanRow {
  return {
    Timestamp: '',
    TraceId: '',
    SpanId: '',
    ParentSpanId: '',
    TraceState: '',
    SpanName: '',
    SpanKind: '',
    ServiceName: res.serviceName,
    ResourceAttributes: res.attrs,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: {},
    Duration: '0',
    StatusCode: '',
    StatusMessage: '',
    'Events.Timestamp': events.timestamps,
    'Events.Name': events.names,
    'Events.Attributes': events.attrs,
    'Links.TraceId': links.traceIds,
    'Links.SpanId': links.spanIds,
    'Links.TraceState': links.traceStates,
    'Links.Attributes': links.attrs,
    SpanFlags: 0,
    ScopeAttributes: scope.attrs,
    ResourceSchemaUrl: res.schemaUrl,
    ScopeSchemaUrl: scope.schemaUrl,
    DroppedAttributesCount: 0,
    DroppedEventsCount: 0,
    DroppedLinksCount: 0,
    'Events.DroppedAttributesCount': events.dropped,
    'Links.Flags': links.flags,
    'Links.DroppedAttributesCount': links.dropped,
  };
}

/** A log row of `res` and `scope`, the record's own columns at their defaults (see {@link blankSpanRow}). */
export function blankLogRow(res: ResourceInfo, scope: ScopeInfo): LogRow {
  return {
    Timestamp: '',
    ObservedTimestamp: '',
    TraceId: '',
    SpanId: '',
    TraceFlags: 0,
    SeverityText: '',
    SeverityNumber: 0,
    ServiceName: res.serviceName,
    Body: '',
    ResourceSchemaUrl: res.schemaUrl,
    ResourceAttributes: res.attrs,
    ScopeSchemaUrl: scope.schemaUrl,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    ScopeAttributes: scope.attrs,
    LogAttributes: {},
    EventName: '',
    DroppedAttributesCount: 0,
  };
}

/**
 * What decoding one export request yields: its rows, and the items refused or corrected by the
 * rules of item-rules.ts (`rejected` and `errors` are what `partial_success` carries).
 */
export interface Decoded<Row> extends Tally {
  rows: Row[];
}
