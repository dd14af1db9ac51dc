import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveCollectorOptions } from '../../collector/src/config/options.js';
import { MIGRATIONS, migrate } from '../../collector/src/schema.js';
import { openStore, type Store } from '../../collector/src/store/clickhouse.js';
import { tempDir } from '../helpers/cleanup.js';
import { CLI } from './process.js';

// `fntrace schema` prints the SQL the collector runs on an empty database, for a DBA to review
// or apply by hand. Applied to one database of the real engine, it must leave exactly what the
// collector's own start-up makes in another, and a collector started on it must find nothing
// to migrate.
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, 'schema', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });

/** The statements of the printed script: comment lines dropped, split at `;` line ends. */
const statementsOf = (script: string) =>
  script
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    .split(/;\n/)
    .map((s) => s.trim())
    .filter(Boolean);

describe('fntrace schema', () => {
  it('prints SQL that, applied by hand, makes the schema the collector makes, with nothing left to migrate', async () => {
    const printed = run(['--clickhouse-database', 'by_hand', '--retention-days', '14']);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^-- fntrace schema, migration \d+, database by_hand, retention 14 days\n/);
    const statements = statementsOf(printed.stdout);
    expect(statements.filter((s) => s.startsWith('INSERT INTO `by_hand`.fntrace_schema_migrations'))).toHaveLength(
      MIGRATIONS.length,
    );

    const store = await openStore(
      resolveCollectorOptions({ data: tempDir('fntrace-schema-'), clickhouseDatabase: 'by_collector' }),
    );
    onTestFinished(() => store.close()); // before its directory goes
    const client = store.client;
    for (const query of statements) await client.command({ query });
    await migrate(store, 14);
    // the same engine, the database the script made: the collector's start-up finds it current
    const byHand: Store = { ...store, database: 'by_hand' };
    expect(await migrate(byHand, 14)).toEqual([]);

    const shape = async (db: string) =>
      (
        (await (
          await client.query({
            query: `SELECT name, engine, replaceAll(create_table_query, {db:String}, 'DB') AS ddl
              FROM system.tables WHERE database = {db:String} ORDER BY name`,
            query_params: { db },
            format: 'JSONEachRow',
          })
        ).json()) as { name: string; engine: string; ddl: string }[]
      ).map((t) => ({ ...t, ddl: t.ddl.replace(/`by_(hand|collector)`|by_(hand|collector)/g, 'DB') }));
    const made = await shape('by_collector');
    expect(made.map((t) => t.name)).toContain('otel_traces');
    expect(made.some((t) => t.engine === 'MaterializedView')).toBe(true);
    expect(await shape('by_hand')).toEqual(made);
  });

  it('prints ON CLUSTER DDL with Replicated and Distributed tables for a cluster', () => {
    const printed = run(['--clickhouse-cluster', 'prod']);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('-- fntrace schema, migration');
    expect(printed.stdout).toContain('on cluster prod, retention 30 days');
    const ddl = statementsOf(printed.stdout).filter((s) => !s.startsWith('INSERT'));
    for (const s of ddl) expect(s, s.slice(0, 80)).toContain('ON CLUSTER `prod`');
    expect(printed.stdout).toContain('ReplicatedMergeTree(');
    expect(printed.stdout).toContain('ENGINE = Distributed(`prod`');
  });

  it('takes its options from FNTRACE_* variables, lists them in --help, and refuses bad ones', () => {
    const fromEnv = run([], { FNTRACE_CLICKHOUSE_DATABASE: 'traces_env', FNTRACE_RETENTION_DAYS: '0' });
    expect(fromEnv.status).toBe(0);
    expect(fromEnv.stdout).toContain('database traces_env, retention none');
    expect(fromEnv.stdout).not.toContain('TTL');

    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--clickhouse-database', '--clickhouse-cluster', '--retention-days', '--map-buckets'])
      expect(help.stdout).toContain(flag);

    const bad = run(['--retention-days', '-1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/FNTRACE_ERR_COL_INVALID_OPTION: option --retention-days: must be >= 0/);
    expect(bad.stdout).toBe('');
  });

  it('prints the views with the price table of --prices, and refuses a bad one', () => {
    const dir = tempDir('fntrace-schema-prices-');
    const file = join(dir, 'prices.yaml');
    writeFileSync(file, 'prices:\n  - provider: gcp\n    gbSecondUsd: 0.0000025\n    requestUsd: 0.0000004\n');
    const priced = run(['--prices', file]);
    expect(priced.status).toBe(0);
    const views = statementsOf(priced.stdout).filter((s) => /fntrace_(invocations|trace_summary)_mv/.test(s));
    expect(views).toHaveLength(2);
    for (const v of views) {
      expect(v).toContain("= 'gcp'");
      expect(v).toContain("COMMENT 'fntrace prices: gcp 0.0000025 per GB-s + 4e-7 per request, 1 ms; aws/arm64");
    }
    expect(run(['--help']).stdout).toContain('--prices');
    writeFileSync(file, 'prices:\n  - provider: gcp\n    gbSecondUsd: cheap\n    requestUsd: 0\n');
    const bad = run(['--prices', file]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /option --prices: .*prices\.yaml:3: \/prices\/0\/gbSecondUsd: must be a number \(got "cheap"\)/,
    );
  });
});
