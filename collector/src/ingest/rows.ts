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

/**
 * What decoding one export request yields: its rows, and the items refused or corrected by the
 * rules of item-rules.ts (`rejected` and `errors` are what `partial_success` carries).
 */
export interface Decoded<Row> extends Tally {
  rows: Row[];
}
