import { alertSchemaStatements } from '../alerts/store.js';
import type { Store } from './clickhouse.js';
import { retentionStatements, schemaStatements, VIEW_TARGETS } from './schema.js';

/**
 * Versioned schema migrations, run at start-up. Each migration is a list of statements
 * applied in order; the versions applied are recorded in `fntrace_schema_migrations`, so
 * a restart applies only what is new. Statements are idempotent (`IF NOT EXISTS`), so a
 * crash halfway through a migration is repaired by running it again.
 */
export interface Migration {
  version: number;
  name: string;
  statements: (o: { database: string; cluster: string; retentionDays: number }) => string[];
}

export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial schema', statements: schemaStatements },
  {
    version: 2,
    name: 'alerts: state, history, silences, rules, notifications; otel_traces.IngestedAt',
    statements: (o) => alertSchemaStatements(o.database, o.cluster, o.retentionDays),
  },
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
];

export async function migrate(store: Store, retentionDays: number): Promise<number[]> {
  const db = `\`${store.database}\``;
  const onCluster = store.cluster ? ` ON CLUSTER \`${store.cluster}\`` : '';
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}${onCluster}` });
  await store.client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.fntrace_schema_migrations${onCluster} (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ${store.cluster ? "ReplicatedMergeTree('/clickhouse/tables/{shard}/" + store.database + "/fntrace_schema_migrations', '{replica}')" : 'MergeTree()'} ORDER BY version`,
  });
  const rs = await store.client.query({
    query: `SELECT max(version) AS v FROM ${db}.fntrace_schema_migrations`,
    format: 'JSONEachRow',
  });
  const current = Number(((await rs.json()) as { v: string | number }[])[0]?.v ?? 0);
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    for (const statement of m.statements({ database: store.database, cluster: store.cluster, retentionDays })) {
      await store.client.command({ query: statement });
    }
    await store.client.insert({
      table: `${store.database}.fntrace_schema_migrations`,
      values: [{ version: m.version, name: m.name }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
  }
  await applyRetention(store, retentionDays);
  return applied;
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
