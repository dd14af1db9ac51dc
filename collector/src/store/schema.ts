import type { Price } from './prices.js';
import { retentionStatements, TTL_COLUMNS } from './retention.js';
import { type TableDef, tableDefs } from './tables.js';
import { viewStatements } from './views.js';

/**
 * The schema, as DDL text for one node or for a cluster: the tables (tables.ts, their columns
 * from columns.ts), the materialized views that fill fntrace's own tables from `otel_traces`
 * (views.ts), and retention (retention.ts).
 *
 * `otel_traces`, `otel_traces_trace_id_ts` and `otel_logs` have the columns (names and
 * types) of the OpenTelemetry Collector ClickHouse exporter's default tables, so tools
 * that read that schema (Grafana's ClickHouse datasource) read fntrace's. Beside them:
 * columns for OTLP fields the exporter drops, materialized columns for the attributes
 * serverless queries filter on, and tables filled at ingest by materialized views —
 * invocations, a trace summary that stays right when spans arrive late (aggregating
 * tables keyed by trace, not joins of insert blocks), trace edges (span links) and a
 * message index (producer/consumer spans by `messaging.message.id`).
 *
 * On a cluster every table is a Replicated* `<name>_local` on each node plus a
 * Distributed `<name>` sharded by trace id; the views work on the local tables.
 */
export interface SchemaOptions {
  database: string;
  cluster: string;
  retentionDays: number;
  /**
   * Store `otel_traces`'s Map columns split into buckets by key (`--map-buckets`, and an
   * engine that has the `map_serialization_version` MergeTree setting, ClickHouse 25.x and
   * later). Default false.
   */
  mapBuckets?: boolean;
  /** The price table of estimated invocation cost (prices.ts). Default: the built-in one. */
  prices?: readonly Price[];
  /**
   * `--tail-sampling` is on: the materialized views read the staging table every span is
   * inserted into (sampling/schema.ts). Default false; the migrations' DDL never sets it.
   */
  tailSampling?: boolean;
}

/** `CREATE TABLE` of one table as the current schema defines it, under another name (for a rebuild; one node). */
export function tableStatement(o: SchemaOptions, table: string, name: string): string {
  const head = `CREATE TABLE IF NOT EXISTS ${q(o.database)}.${q(table)}`;
  const statement = schemaStatements(o).find((s) => s.startsWith(`${head} `));
  if (!statement) throw new Error(`schema has no table ${table}`);
  return `CREATE TABLE IF NOT EXISTS ${q(o.database)}.${q(name)}${statement.slice(head.length)}`;
}

export function schemaStatements(o: SchemaOptions): string[] {
  const db = q(o.database);
  const onCluster = o.cluster ? ` ON CLUSTER ${q(o.cluster)}` : '';
  const ttl = retentionTtl(o);
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`,
    ...createTables(o, tableDefs(o, ttl)),
    ...viewStatements(o),
  ];
}

/** The TTL clause `--retention-days` gives a table counting from `expr` (none for 0). */
export const retentionTtl = (o: SchemaOptions) => (expr: string) =>
  o.retentionDays > 0 ? `TTL ${expr} + toIntervalDay(${o.retentionDays})` : '';

/** `CREATE TABLE` statements of `defs`: on a cluster, each a Replicated `_local` table and a Distributed one. */
export function createTables(o: SchemaOptions, defs: readonly TableDef[]): string[] {
  const db = q(o.database);
  const onCluster = o.cluster ? ` ON CLUSTER ${q(o.cluster)}` : '';
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  const engine = (kind: string, name: string) =>
    o.cluster
      ? `Replicated${kind}('/clickhouse/tables/{shard}/${o.database}/${local(name)}', '{replica}')`
      : `${kind}()`;
  const out: string[] = [];
  for (const t of defs) {
    out.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${q(local(t.name))}${onCluster} (${t.columns}\n) ENGINE = ${engine(t.engine, t.name)}\n${t.tail}`,
    );
    if (o.cluster) {
      out.push(
        `CREATE TABLE IF NOT EXISTS ${db}.${q(t.name)}${onCluster} AS ${db}.${q(local(t.name))} ENGINE = Distributed(${q(o.cluster)}, ${db}, ${q(local(t.name))}, ${t.shardBy})`,
      );
    }
  }
  return out;
}

const q = (name: string) => `\`${name}\``;

export { retentionStatements, TTL_COLUMNS };
