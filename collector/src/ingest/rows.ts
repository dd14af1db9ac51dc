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
import { type Column, LOG_TABLE, type RowOf, SPAN_TABLE } from '../store/columns.js';
import type { Tally } from './item-rules.js';

export type Attrs = Record<string, string>;

/** A span row (`otel_traces`), its columns as store/columns.ts declares them. */
export type SpanRow = RowOf<typeof SPAN_TABLE>;
/** A log row (`otel_logs`). Its Timestamp is time_unix_nano, or observed_time_unix_nano when the former is 0. */
export type LogRow = RowOf<typeof LOG_TABLE>;

/** Each column at its default (what ClickHouse fills in for an omitted field), in the table's order. */
function blankRow(table: readonly Column[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const col of table) {
    const t = col.input;
    if (t === null) continue;
    row[col.name] =
      t === 'UInt32' || t === 'UInt8'
        ? 0
        : t === 'UInt64'
          ? '0'
          : t === 'Map(String, String)'
            ? {}
            : t.startsWith('Array(')
              ? []
              : '';
  }
  return row;
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

/** The columns a span or log row takes from its resource and scope, set on `row`. */
function ofScope<R extends SpanRow | LogRow>(row: R, res: ResourceInfo, scope: ScopeInfo): R {
  row.ServiceName = res.serviceName;
  row.ResourceAttributes = res.attrs;
  row.ResourceSchemaUrl = res.schemaUrl;
  row.ScopeName = scope.name;
  row.ScopeVersion = scope.version;
  row.ScopeAttributes = scope.attrs;
  row.ScopeSchemaUrl = scope.schemaUrl;
  return row;
}

/**
 * A span row of `res` and `scope` with every other column at its default, and its events and
 * links, whose arrays are the row's: the decoders set the span's own columns on the row and
 * push its events and links. Rows of one resource share its attribute object, rows of one
 * scope the scope's: treat rows as read-only.
 */
export function blankSpanRow(
  res: ResourceInfo,
  scope: ScopeInfo,
): { row: SpanRow; events: SpanEvents; links: SpanLinks } {
  const events = newEvents();
  const links = newLinks();
  const row = ofScope(blankRow(SPAN_TABLE) as SpanRow, res, scope);
  row['Events.Timestamp'] = events.timestamps;
  row['Events.Name'] = events.names;
  row['Events.Attributes'] = events.attrs;
  row['Events.DroppedAttributesCount'] = events.dropped;
  row['Links.TraceId'] = links.traceIds;
  row['Links.SpanId'] = links.spanIds;
  row['Links.TraceState'] = links.traceStates;
  row['Links.Attributes'] = links.attrs;
  row['Links.Flags'] = links.flags;
  row['Links.DroppedAttributesCount'] = links.dropped;
  return { row, events, links };
}

/** A log row of `res` and `scope`, the record's own columns at their defaults (see {@link blankSpanRow}). */
export function blankLogRow(res: ResourceInfo, scope: ScopeInfo): LogRow {
  return ofScope(blankRow(LOG_TABLE) as LogRow, res, scope);
}

/**
 * What decoding one export request yields: its rows, and the items refused or corrected by the
 * rules of item-rules.ts (`rejected` and `errors` are what `partial_success` carries).
 */
export interface Decoded<Row> extends Tally {
  rows: Row[];
}
