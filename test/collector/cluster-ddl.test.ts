import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installStatements, MIGRATIONS } from '../../collector/src/schema.js';
import { clusterKeyStatements, mapBucketStatements, pricesStatements } from '../../collector/src/store/migrations.js';
import { schemaStatements } from '../../collector/src/store/schema.js';
import { useTempDir } from '../helpers/cleanup.js';

// No ClickHouse cluster runs here, so the cluster DDL is checked by the real engine's
// parser: every statement must survive `formatQuery`, and say what a cluster needs.
const engineDir = useTempDir('fntrace-ddl-');
let client: ClickHouseClient;
beforeAll(() => {
  client = createClient({ connection: createChdbConnection({ path: engineDir.path }) } as never);
});
afterAll(() => client?.close());

const statements = schemaStatements({ database: 'fntrace', cluster: 'prod', retentionDays: 14 });
// what `fntrace schema --clickhouse-cluster prod` prints (every migration on an empty cluster), but the rows it records
const install = installStatements({ database: 'fntrace', cluster: 'prod', retentionDays: 14 }).filter(
  (s) => !s.startsWith('INSERT'),
);
// what migrations 4 to 7 run on a cluster made by an earlier version
const migration4 = [
  ...MIGRATIONS.filter((m) => m.version >= 5).flatMap((m) =>
    m.statements({ database: 'fntrace', cluster: 'prod', retentionDays: 14 }),
  ),
  ...clusterKeyStatements({ database: 'fntrace', cluster: 'prod', retentionDays: 14 }),
  // --map-buckets turned on, then off
  ...mapBucketStatements({ database: 'fntrace', cluster: 'prod', retentionDays: 14, mapBuckets: true }, 'MergeTree'),
  ...mapBucketStatements(
    { database: 'fntrace', cluster: 'prod', retentionDays: 14 },
    "MergeTree SETTINGS map_serialization_version = 'with_buckets'",
  ),
  // views made before the price table, or with another one
  ...pricesStatements(
    { database: 'fntrace', cluster: 'prod', retentionDays: 14 },
    { fntrace_invocations_mv_local: '', fntrace_trace_summary_mv_local: 'fntrace prices: aws 1 per GB-s' },
  ),
];

describe('cluster DDL', () => {
  it.each([...install, ...migration4].map((s) => [s.split('\n')[0]!.slice(0, 90), s]))(
    'parses: %s',
    async (_title, statement) => {
      const rs = await client.query({
        query: 'SELECT formatQuery({q:String}) AS f',
        query_params: { q: statement },
        format: 'JSONEachRow',
      });
      const [row] = (await rs.json()) as { f: string }[];
      const f = row!.f;
      expect(f).toContain('ON CLUSTER prod');
    },
  );

  it('makes every table Replicated on each node and Distributed by trace id across them', () => {
    const creates = statements.filter((s) => s.startsWith('CREATE TABLE'));
    const local = creates.filter((s) => /`\w+_local` ON CLUSTER/.test(s));
    const distributed = creates.filter((s) => s.includes('ENGINE = Distributed('));
    expect(local.length).toBe(7);
    expect(distributed.length).toBe(7);
    for (const s of local)
      expect(s).toMatch(/ENGINE = Replicated(Aggregating)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/fntrace\//);
    expect(distributed.find((s) => s.includes('`otel_traces` ON CLUSTER'))).toContain('cityHash64(TraceId)');
    expect(statements.filter((s) => s.startsWith('CREATE TABLE')).join('\n')).toContain('toIntervalDay(14)');
  });

  it('points the materialized views at the local tables', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(5);
    for (const v of views) {
      expect(v).toMatch(/TO `fntrace`\.`\w+_local`/);
      expect(v).toContain('FROM `fntrace`.`otel_traces_local`');
    }
  });
});
