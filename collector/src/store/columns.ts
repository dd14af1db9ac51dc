/**
 * The stored rows, column by column: the one place where a column of `otel_traces` or
 * `otel_logs` is named. From these tables come the tables' DDL (tables.ts), the columns an
 * insert and `file()` read (insert.ts), the TypeScript row types the decoders fill
 * (ingest/rows.ts), the spool writer's JSON keys (ingest/proto-lines.ts) and the columns the
 * query side reads back (query/spans.ts) — so adding a column is one edit here, and a name
 * anywhere else that is not here fails the type check.
 *
 * The columns and their types are those of the OpenTelemetry Collector ClickHouse exporter's
 * default tables (so Grafana's ClickHouse datasource reads fntrace's with its OTel defaults),
 * plus columns for OTLP fields that schema drops (flags, dropped counts, scope attributes) and
 * materialized columns for the attributes serverless queries filter on.
 *
 * Each column gives:
 * - `input`: the type its value has in the spool's JSONEachRow (what `file()` and inserts are
 *   told), or `null` for a column the engine computes (DEFAULT, MATERIALIZED);
 * - `stored`: its type in the table, with codec, as the DDL writes it. Columns named
 *   `Group.Field` are the fields of a `Nested` column `Group`, and `stored` is the field's type.
 */
export interface Column {
  readonly name: string;
  readonly input: InputType | null;
  readonly stored: string;
}

/** The spool's value forms (see ingest/rows.ts), by the type ClickHouse reads them as. */
export type InputType =
  | 'String'
  | 'DateTime64(9)'
  | 'UInt64'
  | 'UInt32'
  | 'UInt8'
  | 'Map(String, String)'
  | 'Array(String)'
  | 'Array(DateTime64(9))'
  | 'Array(UInt32)'
  | 'Array(Map(String, String))';

const c = <N extends string, I extends InputType | null>(name: N, input: I, stored: string) =>
  ({ name, input, stored }) as const;

const STR = 'String CODEC(ZSTD(1))';
const LOW = 'LowCardinality(String) CODEC(ZSTD(1))';
const MAP = 'Map(LowCardinality(String), String) CODEC(ZSTD(1))';
const U32 = 'UInt32 CODEC(ZSTD(1))';
const FIELD_MAP = 'Map(LowCardinality(String), String)';

/** `otel_traces`, in the table's column order. */
export const SPAN_TABLE = [
  c('Timestamp', 'DateTime64(9)', 'DateTime64(9) CODEC(Delta, ZSTD(1))'),
  c('TraceId', 'String', STR),
  c('SpanId', 'String', STR),
  c('ParentSpanId', 'String', STR),
  c('TraceState', 'String', STR),
  c('SpanName', 'String', LOW),
  c('SpanKind', 'String', LOW),
  c('ServiceName', 'String', LOW),
  c('ResourceAttributes', 'Map(String, String)', MAP),
  c('ScopeName', 'String', STR),
  c('ScopeVersion', 'String', STR),
  c('SpanAttributes', 'Map(String, String)', MAP),
  c('Duration', 'UInt64', 'UInt64 CODEC(ZSTD(1))'),
  c('StatusCode', 'String', LOW),
  c('StatusMessage', 'String', STR),
  c('Events.Timestamp', 'Array(DateTime64(9))', 'DateTime64(9)'),
  c('Events.Name', 'Array(String)', 'LowCardinality(String)'),
  c('Events.Attributes', 'Array(Map(String, String))', FIELD_MAP),
  c('Events.DroppedAttributesCount', 'Array(UInt32)', 'UInt32'),
  c('Links.TraceId', 'Array(String)', 'String'),
  c('Links.SpanId', 'Array(String)', 'String'),
  c('Links.TraceState', 'Array(String)', 'String'),
  c('Links.Attributes', 'Array(Map(String, String))', FIELD_MAP),
  c('Links.Flags', 'Array(UInt32)', 'UInt32'),
  c('Links.DroppedAttributesCount', 'Array(UInt32)', 'UInt32'),
  c('SpanFlags', 'UInt32', U32),
  c('ScopeAttributes', 'Map(String, String)', MAP),
  c('ResourceSchemaUrl', 'String', LOW),
  c('ScopeSchemaUrl', 'String', LOW),
  c('DroppedAttributesCount', 'UInt32', U32),
  c('DroppedEventsCount', 'UInt32', U32),
  c('DroppedLinksCount', 'UInt32', U32),
  // computed by the engine from the attributes, for the queries that filter on them
  c(
    'FaasName',
    null,
    "LowCardinality(String) MATERIALIZED if(SpanAttributes['faas.name'] != '', SpanAttributes['faas.name'], ResourceAttributes['faas.name'])",
  ),
  c('FaasTrigger', null, "LowCardinality(String) MATERIALIZED SpanAttributes['faas.trigger']"),
  c('FaasInvocationId', null, "String MATERIALIZED SpanAttributes['faas.invocation_id'] CODEC(ZSTD(1))"),
  c('FaasColdstart', null, "UInt8 MATERIALIZED SpanAttributes['faas.coldstart'] = 'true'"),
  c('MessagingMessageId', null, "String MATERIALIZED SpanAttributes['messaging.message.id'] CODEC(ZSTD(1))"),
  c('CorrelationId', null, "String MATERIALIZED SpanAttributes['fntrace.correlation_id'] CODEC(ZSTD(1))"),
  // the service map's publish and consume edges read these instead of whole attribute maps
  // (migration 5 adds them to older stores)
  c('MessagingDestination', null, "LowCardinality(String) MATERIALIZED SpanAttributes['messaging.destination.name']"),
  c('MessagingSystem', null, "LowCardinality(String) MATERIALIZED SpanAttributes['messaging.system']"),
  c('MessagingBatch', null, "UInt8 MATERIALIZED SpanAttributes['messaging.batch.message_count'] != ''"),
  // how many spans this one stands for: 1, or with --tail-sampling 100 / percent for a journey
  // kept by the rate rule alone (set by the sampler's copy; migration 11 adds it to older stores),
  // so counts over otel_traces (services, operations, the map) estimate every span's
  c('SampleWeight', null, 'Float32 DEFAULT 1 CODEC(ZSTD(1))'),
] as const;

/** `otel_logs`, in the table's column order. */
export const LOG_TABLE = [
  c('Timestamp', 'DateTime64(9)', 'DateTime64(9) CODEC(Delta(8), ZSTD(1))'),
  c('TimestampTime', null, 'DateTime DEFAULT toDateTime(Timestamp)'),
  c('TraceId', 'String', STR),
  c('SpanId', 'String', STR),
  c('TraceFlags', 'UInt8', 'UInt8'),
  c('SeverityText', 'String', LOW),
  c('SeverityNumber', 'UInt8', 'UInt8'),
  c('ServiceName', 'String', LOW),
  c('Body', 'String', STR),
  c('ResourceSchemaUrl', 'String', LOW),
  c('ResourceAttributes', 'Map(String, String)', MAP),
  c('ScopeSchemaUrl', 'String', LOW),
  c('ScopeName', 'String', STR),
  c('ScopeVersion', 'String', LOW),
  c('ScopeAttributes', 'Map(String, String)', MAP),
  c('LogAttributes', 'Map(String, String)', MAP),
  c('ObservedTimestamp', 'DateTime64(9)', 'DateTime64(9) CODEC(Delta(8), ZSTD(1))'),
  c('EventName', 'String', LOW),
  c('DroppedAttributesCount', 'UInt32', U32),
  c('CorrelationId', null, "String MATERIALIZED LogAttributes['correlation_id'] CODEC(ZSTD(1))"),
  c('InvocationId', null, "String MATERIALIZED LogAttributes['invocation_id'] CODEC(ZSTD(1))"),
] as const;

type Table = readonly Column[];

/** The TypeScript type of a value in its spool form. */
type ValueOf<I> = I extends 'UInt32' | 'UInt8'
  ? number
  : I extends 'Map(String, String)'
    ? Record<string, string>
    : I extends 'Array(Map(String, String))'
      ? Record<string, string>[]
      : I extends 'Array(UInt32)'
        ? number[]
        : I extends `Array(${string})`
          ? string[]
          : string;

/** A row of `T` as the spool carries it: the columns with an input form, by name. */
export type RowOf<T extends Table> = {
  -readonly [C in T[number] as C['input'] extends InputType ? C['name'] : never]: ValueOf<C['input']>;
};

/** The name of a column of `T` a row carries. */
export type ColumnName<T extends Table> = keyof RowOf<T> & string;

/** `[name, input type]` of the columns a row carries, for inserts and `file()`. */
export function inputColumns(table: Table): [string, string][] {
  return table.flatMap((col) => (col.input === null ? [] : [[col.name, col.input] as [string, string]]));
}

/** `otel_traces`'s columns as a span row carries them. */
export const SPAN_COLUMNS = inputColumns(SPAN_TABLE);
/** `otel_logs`'s columns as a log row carries them. */
export const LOG_COLUMNS = inputColumns(LOG_TABLE);

const q = (name: string) => `\`${name}\``;
export const columnList = (cols: [string, string][]) => cols.map(([n]) => q(n)).join(', ');
export const structureOf = (cols: [string, string][]) => cols.map(([n, t]) => `${q(n)} ${t}`).join(', ');

/**
 * The column part of a table's DDL, one column a line: `Group.Field` columns become one
 * `Group Nested (…)` column (with `nestedCodec`), placed where its first field is.
 */
export function columnsDdl(table: Table, nestedCodec: string): string[] {
  const out: string[] = [];
  const groups = new Map<string, string[]>();
  for (const col of table) {
    const dot = col.name.indexOf('.');
    if (dot < 0) {
      out.push(`${col.name} ${col.stored}`);
      continue;
    }
    const group = col.name.slice(0, dot);
    let fields = groups.get(group);
    if (!fields) {
      fields = [];
      groups.set(group, fields);
      out.push(group);
    }
    fields.push(`      ${col.name.slice(dot + 1)} ${col.stored}`);
  }
  return out.map((line) => {
    const fields = groups.get(line);
    return fields ? `${line} Nested (\n${fields.join(',\n')}\n    ) ${nestedCodec}` : line;
  });
}

/** The DDL of the named columns of `table` (for `ALTER TABLE … ADD COLUMN`). */
export function columnDdl(table: Table, names: readonly string[]): string[] {
  return names.map((name) => {
    const col = table.find((x) => x.name === name);
    if (!col) throw new Error(`no column ${name}`);
    return `${col.name} ${col.stored}`;
  });
}
