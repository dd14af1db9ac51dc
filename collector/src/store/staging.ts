import type { Store } from './clickhouse.js';
import { columnList, SPAN_COLUMNS } from './columns.js';
import { createTables, retentionTtl, type SchemaOptions } from './schema.js';
import { DECISIONS_TABLE, ENTRY_SPANS_TABLE, STAGING_TABLE, samplingTableDefs } from './tables.js';
import { TRACE_VIEWS, viewStatements } from './views.js';

/**
 * `--tail-sampling` on or off, reconciled at start-up (like `--map-buckets`, migrations.ts):
 *
 * - on: the staging and decisions tables exist (tables.ts), the staging table keeps rows for the
 *   hold time, and the materialized views read the staging table — so invocations, cost, the
 *   trace summary, links and messages count every span before any is dropped;
 * - off again: what staging holds that no decision covered is copied into `otel_traces` (it
 *   would otherwise expire unseen), then the views read `otel_traces` again. The tables stay
 *   (decisions still explain what was kept) until dropped by hand.
 *
 * The views are dropped and made again on the other source: a view's source table cannot be
 * altered. Every collector writing to the store should be restarted with the same setting.
 */
export interface StagingLayout {
  /** How long staging keeps a span after it was ingested, in seconds; absent: sampling off. */
  holdSeconds?: number;
}

const rowsOf = async <T>(store: Store, query: string, query_params: Record<string, unknown>) =>
  (await (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json()) as T[];

/** Whether the views read the staging table now, from the invocations view's DDL (undefined: no view). */
async function viewsReadStaging(store: Store, o: SchemaOptions): Promise<boolean | undefined> {
  const [view] = await rowsOf<{ q: string }>(
    store,
    'SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    { db: o.database, name: o.cluster ? 'fntrace_invocations_mv_local' : 'fntrace_invocations_mv' },
  );
  return view ? view.q.includes(STAGING_TABLE) : undefined;
}

/**
 * The table spans are to be inserted into, as the store is now: the staging table while the views
 * read it (a store a collector runs with `--tail-sampling`), else `otel_traces` (undefined). For
 * commands that insert spans without the collector's options (`fntrace quarantine retry`).
 */
export async function spansTableOf(store: Store): Promise<string | undefined> {
  const o = { database: store.database, cluster: store.cluster, retentionDays: 0 };
  return (await viewsReadStaging(store, o)) ? STAGING_TABLE : undefined;
}

/** The statements that bring the store to `layout`, given what the views read now. Pure, for tests and `migrate`. */
export function stagingStatements(o: SchemaOptions, layout: StagingLayout, readsStaging: boolean): string[] {
  const db = `\`${o.database}\``;
  const on = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  const local = (name: string) => (o.cluster ? `${name}_local` : name);
  const sampling = layout.holdSeconds !== undefined;
  const out: string[] = [];
  if (sampling) {
    const hold = Math.ceil(layout.holdSeconds!);
    out.push(...createTables(o, samplingTableDefs(hold, retentionTtl(o))));
    // a restart with another hold time: the TTL follows it
    out.push(
      `ALTER TABLE ${db}.\`${local(STAGING_TABLE)}\`${on} MODIFY TTL toDateTime(IngestedAt) + toIntervalSecond(${hold})`,
    );
  }
  // per-service and per-operation metrics read entry spans from here, not from otel_traces
  const entryView = `${db}.\`${local(`${ENTRY_SPANS_TABLE}_mv`)}\``;
  if (sampling)
    out.push(
      `CREATE MATERIALIZED VIEW IF NOT EXISTS ${entryView}${on} TO ${db}.\`${local(ENTRY_SPANS_TABLE)}\`
  AS SELECT Timestamp, ServiceName, SpanName, SpanKind, Duration, StatusCode
  FROM ${db}.\`${local(STAGING_TABLE)}\` WHERE SpanKind IN ('Server', 'Consumer')`,
    );
  else if (readsStaging) out.push(`DROP VIEW IF EXISTS ${entryView}${on}`);
  if (sampling === readsStaging) return out;
  if (!sampling) {
    const cols = columnList(SPAN_COLUMNS);
    out.push(
      `INSERT INTO ${db}.\`otel_traces\` (${cols}, IngestedAt) SELECT ${cols}, IngestedAt FROM ${db}.\`${STAGING_TABLE}\`
  WHERE TraceId NOT IN (SELECT TraceId FROM ${db}.\`${DECISIONS_TABLE}\`)`,
    );
  }
  for (const name of TRACE_VIEWS) out.push(`DROP VIEW IF EXISTS ${db}.\`${local(name)}\`${on}`);
  out.push(...viewStatements({ ...o, tailSampling: sampling }));
  return out;
}

/** Runs {@link stagingStatements} on the store; resolves to whether anything was switched. */
export async function applyStaging(
  store: Store,
  o: SchemaOptions,
  layout: StagingLayout,
  log: (msg: string) => void,
): Promise<boolean> {
  const reads = await viewsReadStaging(store, o);
  if (reads === undefined) return false;
  const sampling = layout.holdSeconds !== undefined;
  const statements = stagingStatements(o, layout, reads);
  for (const query of statements) await store.client.command({ query });
  if (sampling !== reads)
    log(
      sampling
        ? `tail sampling on: spans are staged in ${STAGING_TABLE} for ${layout.holdSeconds} s; the views count them all there`
        : 'tail sampling off: staged spans nobody decided on are kept; the views read otel_traces again',
    );
  return sampling !== reads;
}
