import type { Store } from './clickhouse.js';
import { columnDdl, SPAN_TABLE } from './columns.js';
import { DEFAULT_PRICES, type Price, pricesComment } from './prices.js';
import { retentionStatements, type SchemaOptions, schemaStatements, tableStatement } from './schema.js';
import { applyStaging } from './staging.js';
import {
  MAP_BUCKET_SETTINGS,
  MAP_PLAIN_SETTINGS,
  STAGING_TABLE,
  SUMMARY_SORTING_KEY,
  TRACES_BLOCK_SETTING,
  TRACES_MERGE_BLOCK_SETTING,
  TRACES_MERGE_SETTING,
  TRACES_SORTING_KEY,
} from './tables.js';
import { PRICED_VIEWS, TRACE_VIEWS, VIEW_TARGETS, viewSelects, viewStatements } from './views.js';

/** The materialized messaging columns of `otel_traces` that migration 5 adds to older stores. */
const MESSAGING_COLUMNS = columnDdl(SPAN_TABLE, ['MessagingDestination', 'MessagingSystem', 'MessagingBatch']);

/**
 * Versioned schema migrations, run at start-up. Each migration is a list of statements
 * applied in order; the versions applied are recorded in `fntrace_schema_migrations`, so
 * a restart applies only what is new. Statements are idempotent (`IF NOT EXISTS`), so a
 * crash halfway through a migration is repaired by running it again. Each stage declares
 * the migrations of its own tables (these: spans, logs and their views; the alerts' in
 * alerts/store.ts), and the collector hands them all to {@link migrate} as one plan
 * (schema.ts), so that no stage imports another's tables.
 */
export interface Migration {
  version: number;
  name: string;
  statements: (o: SchemaOptions) => string[];
  /** Steps that depend on what the store holds, run after the statements. */
  run?: (store: Store, o: SchemaOptions, log: (msg: string) => void) => Promise<void>;
}

/** The migrations of the spans', logs' and views' tables (version 2 is the alerts'). */
export const STORE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', statements: schemaStatements },
  {
    version: 3,
    name: 'dedup window on the tables materialized views fill (a replayed segment is counted once)',
    // Replicated tables deduplicate by default; only single-node tables need the setting
    statements: (o) =>
      o.cluster
        ? []
        : VIEW_TARGETS.map(
            (t) => `ALTER TABLE \`${o.database}\`.\`${t}\` MODIFY SETTING non_replicated_deduplication_window = 10000`,
          ),
  },
  {
    version: 4,
    name: 'otel_traces and fntrace_trace_summary keyed by (ten-minute bucket, trace id); Map columns in key buckets',
    statements: (o) => (o.cluster ? clusterKeyStatements(o) : []),
    run: rebuildForKeys,
  },
  {
    version: 5,
    name: 'otel_traces: materialized MessagingDestination, MessagingSystem, MessagingBatch',
    statements: (o) => addColumns(o, 'otel_traces', MESSAGING_COLUMNS),
  },
  {
    version: 6,
    name: 'otel_traces: 16 KiB compressed blocks (a trace view decompresses less); parts written from now on',
    statements: (o) => [tracesSettingStatement(o, TRACES_BLOCK_SETTING)],
  },
  {
    version: 7,
    name: 'otel_traces: fewer merges while spans stream in (merge_selector_base = 10)',
    statements: (o) => [tracesSettingStatement(o, TRACES_MERGE_SETTING)],
  },
  {
    version: 8,
    name: 'otel_traces: smaller merge blocks (merge_max_block_size = 2048)',
    statements: (o) => [tracesSettingStatement(o, TRACES_MERGE_BLOCK_SETTING)],
  },
  {
    version: 9,
    name: 'fntrace_invocations: EnvironmentId and EnvironmentSequence (telemetry loss)',
    statements: (o) => addColumns(o, 'fntrace_invocations', ddlOf(INVOCATION_COLUMNS.slice(0, 2))),
    run: (store, o, log) =>
      remakeInvocationsView(store, o, () =>
        log('fntrace_invocations: the environment and number of each invocation stored from now on'),
      ),
  },
  {
    version: 10,
    name: 'fntrace_invocations: SdkDroppedSpans and SdkDroppedLogRecords (what SDKs reported dropped)',
    statements: (o) => addColumns(o, 'fntrace_invocations', ddlOf(INVOCATION_COLUMNS.slice(2))),
    run: (store, o, log) =>
      remakeInvocationsView(store, o, () =>
        log('fntrace_invocations: the items SDKs report dropped stored from now on'),
      ),
  },
  {
    version: 11,
    name: 'otel_traces: SampleWeight (spans a tail-sampled span stands for)',
    statements: (o) => addColumns(o, 'otel_traces', columnDdl(SPAN_TABLE, ['SampleWeight'])),
  },
];

/** `ALTER TABLE … ADD COLUMN` for `table` (and its local tables on a cluster); `columns` as DDL. */
function addColumns(o: SchemaOptions, table: string, columns: readonly string[]): string[] {
  const on = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  const tables = o.cluster ? [`${table}_local`, table] : [table];
  return tables.map(
    (t) =>
      `ALTER TABLE \`${o.database}\`.\`${t}\`${on} ${columns.map((c) => `ADD COLUMN IF NOT EXISTS ${c}`).join(', ')}`,
  );
}

/** The columns migrations 9 and 10 add to `fntrace_invocations`, as tables.ts declares them. */
const INVOCATION_COLUMNS = [
  ['EnvironmentId', 'String CODEC(ZSTD(1))'],
  ['EnvironmentSequence', 'UInt64 CODEC(ZSTD(1))'],
  ['SdkDroppedSpans', 'UInt64 CODEC(ZSTD(1))'],
  ['SdkDroppedLogRecords', 'UInt64 CODEC(ZSTD(1))'],
] as const;
const ddlOf = (columns: readonly (readonly [string, string])[]) => columns.map(([n, type]) => `${n} ${type}`);

/**
 * Migrations 9 and 10: the invocations view made again with every column of
 * {@link INVOCATION_COLUMNS} in its SELECT, on the table it reads now (`otel_traces`, or the
 * staging table under `--tail-sampling`, whose invocations include the sampled-out ones) — once
 * the table has them all (a store that skips from 8 to 10 makes it once, in 10). A view's SELECT
 * cannot gain columns in place on every engine version, so it is dropped and created; at
 * start-up, before anything is ingested. `done` runs when it was made again.
 */
async function remakeInvocationsView(store: Store, o: SchemaOptions, done: () => void): Promise<void> {
  const name = o.cluster ? 'fntrace_invocations_mv_local' : 'fntrace_invocations_mv';
  const [view] = await rowsOf<{ q: string }>(
    store,
    'SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    { db: o.database, name },
  );
  if (!view || INVOCATION_COLUMNS.every(([c]) => view.q.includes(c))) return;
  const has = await rowsOf<{ name: string }>(
    store,
    'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}',
    { db: o.database, t: o.cluster ? 'fntrace_invocations_local' : 'fntrace_invocations' },
  );
  const columns = new Set(has.map((c) => c.name));
  if (!INVOCATION_COLUMNS.every(([c]) => columns.has(c))) return;
  const on = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  await store.client.command({ query: `DROP VIEW IF EXISTS \`${o.database}\`.\`${name}\`${on}` });
  const create = viewStatements({ ...o, tailSampling: view.q.includes(STAGING_TABLE) }).filter((s) =>
    s.includes(`.\`${name}\``),
  );
  for (const query of create) await store.client.command({ query });
  done();
}

const rowsOf = async <T>(store: Store, query: string, query_params: Record<string, unknown>) =>
  (await (await store.client.query({ query, query_params, format: 'JSONEachRow' })).json()) as T[];

/**
 * Migration 4. A sorting key cannot be altered in place: on one node, each table whose key
 * changed is copied into a table with the current DDL, the two are exchanged, and the
 * views are created again on the tables that now hold the names. A crash part-way leaves
 * the old table whole (the exchange is atomic) and the migration runs again. Tables that
 * already have their key (a store created by this version) are left alone. On a cluster
 * the copies would have to run on every node, so only the migration's statements
 * ({@link clusterKeyStatements}) run there; README says how to rebuild.
 */
async function rebuildForKeys(store: Store, o: SchemaOptions, log: (msg: string) => void): Promise<void> {
  const db = `\`${o.database}\``;
  if (o.cluster) return;
  const rebuilt = [
    await rebuildTable(store, o, 'otel_traces', TRACES_SORTING_KEY, log),
    await rebuildTable(store, o, 'fntrace_trace_summary', SUMMARY_SORTING_KEY, log),
  ];
  if (!rebuilt.some(Boolean)) return;
  // the views name their source and target tables: make them again on the tables that hold those names now
  const views = schemaStatements(o).filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
  for (const name of TRACE_VIEWS) await store.client.command({ query: `DROP VIEW IF EXISTS ${db}.\`${name}\`` });
  for (const statement of views) await store.client.command({ query: statement });
}

/**
 * Migration 4 on a cluster: the summary's `Bucket` column (outside its sorting key there, so
 * merged rows keep the bucket of one of their inserts; searches read an hour before their
 * window, which covers that).
 */
export function clusterKeyStatements(o: SchemaOptions): string[] {
  const db = `\`${o.database}\``;
  const on = ` ON CLUSTER \`${o.cluster}\``;
  const bucket = 'ADD COLUMN IF NOT EXISTS Bucket DateTime DEFAULT toStartOfTenMinutes(Start)';
  return [
    `ALTER TABLE ${db}.\`fntrace_trace_summary_local\`${on} MODIFY SETTING allow_dimensions_outside_sorting_key = 1`,
    `ALTER TABLE ${db}.\`fntrace_trace_summary_local\`${on} ${bucket}`,
    `ALTER TABLE ${db}.\`fntrace_trace_summary\`${on} ${bucket}`,
  ];
}

/**
 * `--map-buckets` on or off for `otel_traces`, when a restart changed it: parts written from
 * then on (by inserts' merges) take the new layout; older parts keep theirs until merged.
 */
export function mapBucketStatements(o: SchemaOptions, engineFull: string | undefined): string[] {
  if (engineFull === undefined) return [];
  const has = engineFull.includes("map_serialization_version = 'with_buckets'");
  if (has === Boolean(o.mapBuckets)) return [];
  return [tracesSettingStatement(o, o.mapBuckets ? MAP_BUCKET_SETTINGS : MAP_PLAIN_SETTINGS)];
}

/** `ALTER … MODIFY SETTING` for `otel_traces` (its `_local` tables on a cluster: the Distributed one has no MergeTree settings). */
function tracesSettingStatement(o: SchemaOptions, settings: string): string {
  const table = `\`${o.database}\`.\`${o.cluster ? 'otel_traces_local' : 'otel_traces'}\``;
  const on = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  return `ALTER TABLE ${table}${on} MODIFY SETTING ${settings}`;
}

/** Copy `name` into a table made by the current DDL and exchange them, when its sorting key is not `key`. */
async function rebuildTable(
  store: Store,
  o: SchemaOptions,
  name: string,
  key: string,
  log: (msg: string) => void,
): Promise<boolean> {
  const db = `\`${o.database}\``;
  const temp = `${name}_rebuild`;
  const [table] = await rowsOf<{ sorting_key: string }>(
    store,
    'SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    { db: o.database, name },
  );
  if (!table || table.sorting_key === key) {
    await store.client.command({ query: `DROP TABLE IF EXISTS ${db}.\`${temp}\`` });
    return false;
  }
  const [count] = await rowsOf<{ n: string }>(store, `SELECT toString(count()) AS n FROM ${db}.\`${name}\``, {});
  log(`rebuilding ${name} with sorting key (${key}): copying ${count?.n ?? 0} rows`);
  await store.client.command({ query: `DROP TABLE IF EXISTS ${db}.\`${temp}\`` });
  await store.client.command({ query: tableStatement(o, name, temp) });
  // columns later migrations added (otel_traces.IngestedAt), with their defaults and codecs
  type Column = {
    name: string;
    type: string;
    default_kind: string;
    default_expression: string;
    compression_codec: string;
  };
  const columnsOf = (t: string) =>
    rowsOf<Column>(
      store,
      `SELECT name, type, default_kind, default_expression, compression_codec FROM system.columns
       WHERE database = {db:String} AND table = {t:String} ORDER BY position`,
      { db: o.database, t },
    );
  const old = await columnsOf(name);
  const present = new Set((await columnsOf(temp)).map((c) => c.name));
  for (const c of old) {
    if (present.has(c.name)) continue;
    const def = c.default_kind ? ` ${c.default_kind} ${c.default_expression}` : '';
    await store.client.command({
      query: `ALTER TABLE ${db}.\`${temp}\` ADD COLUMN \`${c.name}\` ${c.type}${def} ${c.compression_codec}`,
    });
  }
  const stored = old
    .filter((c) => c.default_kind !== 'MATERIALIZED' && c.default_kind !== 'ALIAS')
    .map((c) => `\`${c.name}\``)
    .join(', ');
  // the setting in the SQL applies to this insert alone (the embedded engine's per-request settings outlive it)
  await store.client.command({
    query: `INSERT INTO ${db}.\`${temp}\` (${stored}) SETTINGS insert_deduplicate = 0 SELECT ${stored} FROM ${db}.\`${name}\``,
  });
  await store.client.command({ query: `EXCHANGE TABLES ${db}.\`${name}\` AND ${db}.\`${temp}\`` });
  await store.client.command({ query: `DROP TABLE ${db}.\`${temp}\`` });
  return true;
}

/** Whether the engine knows bucketed Map serialization (ClickHouse 25.x and later). */
async function supportsMapBuckets(store: Store): Promise<boolean> {
  const rows = await rowsOf<{ n: string }>(
    store,
    "SELECT toString(count()) AS n FROM system.merge_tree_settings WHERE name = 'map_serialization_version'",
    {},
  );
  return rows[0]?.n === '1';
}

/** The database and the table that records which migrations were applied. */
function migrationsTableStatements(database: string, cluster: string): string[] {
  const db = `\`${database}\``;
  const onCluster = cluster ? ` ON CLUSTER \`${cluster}\`` : '';
  const engine = cluster
    ? `ReplicatedMergeTree('/clickhouse/tables/{shard}/${database}/fntrace_schema_migrations', '{replica}')`
    : 'MergeTree()';
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}${onCluster}`,
    `CREATE TABLE IF NOT EXISTS ${db}.fntrace_schema_migrations${onCluster} (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ${engine} ORDER BY version`,
  ];
}

/**
 * Every statement {@link migrate} runs on an empty database, in order, each migration followed
 * by the row that records it (what `fntrace schema` prints): applied by hand, they leave a
 * database on which the collector finds nothing to migrate. On an empty database migration 4
 * copies nothing (every table is created with its current key), so its statements are all it runs.
 */
export function installStatements(migrations: readonly Migration[], o: SchemaOptions): string[] {
  const sqlString = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  // a statement run twice (CREATE DATABASE IF NOT EXISTS) is printed once
  const statements = new Set([
    ...migrationsTableStatements(o.database, o.cluster),
    ...migrations.flatMap((m) => [
      ...m.statements(o),
      `INSERT INTO \`${o.database}\`.fntrace_schema_migrations (version, name) VALUES (${m.version}, ${sqlString(m.name)})`,
    ]),
  ]);
  return [...statements];
}

/**
 * The migrations of every stage as one plan, in version order.
 * @throws when two stages declare the same version
 */
export function schemaPlan(...stages: (readonly Migration[])[]): readonly Migration[] {
  const plan = stages.flat().sort((a, b) => a.version - b.version);
  plan.forEach((m, i) => {
    if (i > 0 && plan[i - 1]!.version === m.version)
      throw new Error(`migration ${m.version} is declared twice ("${plan[i - 1]!.name}", "${m.name}")`);
  });
  return plan;
}

/** Applies the migrations of `plan` the store has not had yet; resolves to their versions. */
export async function migrate(
  store: Store,
  plan: readonly Migration[],
  retentionDays: number,
  log: (msg: string) => void = () => {},
  layout: { mapBuckets?: boolean; prices?: readonly Price[]; tailSamplingHoldSeconds?: number } = {},
): Promise<number[]> {
  const db = `\`${store.database}\``;
  for (const query of migrationsTableStatements(store.database, store.cluster)) await store.client.command({ query });
  const rs = await store.client.query({
    query: `SELECT max(version) AS v FROM ${db}.fntrace_schema_migrations`,
    format: 'JSONEachRow',
  });
  const current = Number(((await rs.json()) as { v: string | number }[])[0]?.v ?? 0);
  const applied: number[] = [];
  const canBucket = layout.mapBuckets ? await supportsMapBuckets(store) : false;
  if (layout.mapBuckets && !canBucket)
    log('--map-buckets: this ClickHouse has no map_serialization_version; maps stay plain');
  const o: SchemaOptions = {
    database: store.database,
    cluster: store.cluster,
    retentionDays,
    mapBuckets: canBucket,
    prices: layout.prices,
  };
  for (const m of plan) {
    if (m.version <= current) continue;
    for (const statement of m.statements(o)) await store.client.command({ query: statement });
    await m.run?.(store, o, log);
    await store.client.insert({
      table: `${store.database}.fntrace_schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  // the migrations made the views on otel_traces; --tail-sampling moves them to the staging table
  await applyStaging(store, o, { holdSeconds: layout.tailSamplingHoldSeconds }, log);
  await applyRetention(store, retentionDays);
  await applyPrices(store, { ...o, tailSampling: layout.tailSamplingHoldSeconds !== undefined }, log);
  const [traces] = await rowsOf<{ engine_full: string }>(
    store,
    'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {name:String}',
    { db: store.database, name: store.cluster ? 'otel_traces_local' : 'otel_traces' },
  );
  for (const query of mapBucketStatements(o, traces?.engine_full)) {
    log(`otel_traces: map buckets ${o.mapBuckets ? 'on' : 'off'} for parts written from now on`);
    await store.client.command({ query });
  }
  return applied;
}

/**
 * Bring the views that price invocations to the price table, when a restart changed it (or the
 * store predates the table): their query is changed in place, so invocations and summaries
 * stored from then on use the new prices and those stored before keep theirs. Each view's
 * COMMENT names the table it was made with.
 */
export async function applyPrices(store: Store, o: SchemaOptions, log: (msg: string) => void): Promise<void> {
  const rows = await rowsOf<{ name: string; comment: string }>(
    store,
    'SELECT name, comment FROM system.tables WHERE database = {db:String}',
    { db: o.database },
  );
  const statements = pricesStatements(o, Object.fromEntries(rows.map((r) => [r.name, r.comment])));
  for (const query of statements) await store.client.command({ query });
  if (statements.length > 0)
    log(`invocation cost: ${pricesComment(o.prices ?? DEFAULT_PRICES)} (for what is stored from now on)`);
}

/** The ALTERs that bring the priced views to `o.prices`; `comments` maps view names to their COMMENT. */
export function pricesStatements(o: SchemaOptions, comments: Record<string, string>): string[] {
  const wanted = pricesComment(o.prices ?? DEFAULT_PRICES);
  const selects = viewSelects(o);
  const on = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  return Object.entries(PRICED_VIEWS).flatMap(([view, select]) => {
    const name = o.cluster ? `${view}_local` : view;
    const comment = comments[name];
    if (comment === undefined || comment === wanted) return [];
    const table = `\`${o.database}\`.\`${name}\``;
    return [
      `ALTER TABLE ${table}${on} MODIFY QUERY ${selects[select]}`,
      `ALTER TABLE ${table}${on} MODIFY COMMENT '${wanted}'`,
    ];
  });
}

/** Bring every table's TTL to `--retention-days`, when a restart changed it. */
export async function applyRetention(store: Store, retentionDays: number): Promise<string[]> {
  const rs = await store.client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
    query_params: { db: store.database },
    format: 'JSONEachRow',
  });
  const current = Object.fromEntries(
    ((await rs.json()) as { name: string; engine_full: string }[]).map((r) => [r.name, r.engine_full]),
  );
  const statements = retentionStatements({ database: store.database, cluster: store.cluster, retentionDays }, current);
  for (const statement of statements) await store.client.command({ query: statement });
  return statements;
}
