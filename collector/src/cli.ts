#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { envOf, flagOf, optionNames, optionsSchema, redactUrl, resolveCollectorOptions } from './config/options.js';
import { CollectorError, dataDirLocked, invalidOption, isError } from './errors.js';
import { isLoopback } from './http/auth.js';
import { installStatements, SCHEMA_VERSION } from './schema.js';
import { buildServer } from './server.js';
import { lockDataDir } from './spool/lock.js';
import { openStore } from './store/clickhouse.js';
import { loadPrices } from './store/prices.js';
import { Quarantine, type QuarantineEntry } from './store/quarantine.js';
import { assertSchemaCurrent, type EntryOutcome, retryQuarantine } from './store/quarantine-retry.js';
import { spansTableOf } from './store/staging.js';

// the package's own version (dist/cli.js and src/cli.ts both sit one level below package.json)
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * `fntrace` — the collector's command line. Every option is also an `FNTRACE_*`
 * environment variable (flag wins); `--help` lists them with their defaults.
 */
const program = new Command('fntrace')
  .description('fntrace: OTLP collector and trace store for serverless functions')
  .version(version, '-v, --version', 'print the version')
  .showHelpAfterError();

const collector = program
  .command('collector')
  .description('receive OTLP/HTTP (traces and logs), spool durably, store in ClickHouse')
  .addHelpText(
    'after',
    '\nExamples:\n  fntrace collector\n  fntrace collector --host 0.0.0.0 --data /var/lib/fntrace\n  FNTRACE_INGEST_TOKEN=$(cat ingest.token) FNTRACE_API_TOKEN=$(cat api.token) fntrace collector --host 0.0.0.0 --tls-cert cert.pem --tls-key key.pem\n  FNTRACE_CLICKHOUSE_URL=http://default:pw@ch:8123 fntrace collector --clickhouse-cluster prod',
  );

/** Adds the collector options `names` to `command`: each with its `FNTRACE_*` variable and default. */
function addOptions(command: Command, names: readonly (typeof optionNames)[number][]): void {
  for (const name of names) {
    const spec = optionsSchema.properties[name] as { type: string; default: unknown; description: string };
    const flag = flagOf(name);
    const opt = new Option(`${flag} <${spec.type === 'integer' ? 'n' : 'value'}>`, spec.description).env(envOf(name));
    if (spec.default !== '' && spec.default !== undefined) opt.default(spec.default);
    if (spec.type === 'integer') {
      opt.argParser((v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
        return n;
      });
    }
    command.addOption(opt);
  }
}

addOptions(collector, optionNames);

collector.action(async (flags: Record<string, unknown>) => {
  let server: ReturnType<typeof buildServer>;
  try {
    server = buildServer(flags);
  } catch (err) {
    fail(err);
  }
  const { app, options } = server;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: storing what was acknowledged');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // renewed certificates (a certbot deploy hook, `systemctl reload`): read them again
  process.on('SIGHUP', () => {
    if (!options.tlsCert) return app.log.info('SIGHUP: no --tls-cert to reload');
    try {
      server.reloadTls();
      app.log.info({ cert: options.tlsCert }, 'TLS certificate reloaded for new connections');
    } catch (err) {
      app.log.error(`TLS certificate not reloaded, the previous one stays: ${(err as Error).message}`);
    }
  });
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    app.log.info(
      { address, storage: options.clickhouseUrl ? redactUrl(options.clickhouseUrl) : 'embedded', data: options.data },
      `fntrace collector listening on ${address} (OTLP/HTTP: ${address}/v1/traces, ${address}/v1/logs)`,
    );
    if (!isLoopback(options.host)) {
      const open = [
        options.ingestToken ? '' : 'send spans and logs (--ingest-token / FNTRACE_INGEST_TOKEN)',
        options.apiToken ? '' : 'read every trace through the API and dashboard (--api-token / FNTRACE_API_TOKEN)',
      ].filter((s) => s !== '');
      if (open.length > 0)
        app.log.warn(
          `${options.host} is reachable from other machines, and anyone who reaches it can ${open.join(' and ')}`,
        );
    }
  } catch (err) {
    await app.close().catch(() => undefined);
    fail(err);
  }
});

const schema = program
  .command('schema')
  .description(
    'print the SQL the collector runs at start-up on an empty database (tables, views, migration records), to review or apply by hand',
  )
  .addHelpText(
    'after',
    '\nThe collector creates and migrates its schema itself; applied by hand (clickhouse-client --multiquery),\nthese statements leave a database on which it finds nothing to migrate.\n\nExamples:\n  fntrace schema\n  fntrace schema --clickhouse-cluster prod --retention-days 14 > fntrace-schema.sql',
  );
addOptions(schema, ['clickhouseDatabase', 'clickhouseCluster', 'retentionDays', 'mapBuckets', 'prices']);
schema.action((flags: Record<string, unknown>) => {
  let options: ReturnType<typeof resolveCollectorOptions>;
  let prices: ReturnType<typeof loadPrices>;
  try {
    options = resolveCollectorOptions(flags);
    prices = loadPrices(options.prices);
  } catch (err) {
    fail(err);
  }
  const { clickhouseDatabase: database, clickhouseCluster: cluster, retentionDays, mapBuckets } = options;
  const statements = installStatements({ database, cluster, retentionDays, mapBuckets, prices });
  const where = cluster ? `database ${database} on cluster ${cluster}` : `database ${database}`;
  process.stdout.write(
    `-- fntrace schema, migration ${SCHEMA_VERSION}, ${where}, retention ${retentionDays ? `${retentionDays} days` : 'none'}\n\n${statements.join(';\n\n')};\n`,
  );
});

const quarantine = program
  .command('quarantine')
  .description(
    'rows the store refused for what they hold, kept in <data>/quarantine: list them, or insert them again once the cause is fixed',
  )
  .addHelpText(
    'after',
    '\nWhen the store refuses rows of a spool segment (a value it cannot parse, a computation that overflows),\nthe collector stores the rest of the segment and moves the refused rows here, with the error.\n\nExamples:\n  fntrace quarantine list\n  fntrace quarantine list --data /var/lib/fntrace --json\n  fntrace quarantine retry --data /var/lib/fntrace',
  );

const quarantineList = quarantine
  .command('list')
  .description('list what is in the quarantine: entry, signal, rows, how and when the store refused them, the error')
  .option('--json', 'print the entries as JSON')
  .addHelpText('after', '\nReads the files only: it can run while a collector uses --data.');
addOptions(quarantineList, ['data']);
quarantineList.action(async (flags: Record<string, unknown> & { json?: boolean }) => {
  const { json, ...rest } = flags;
  let dir: string;
  let entries: QuarantineEntry[];
  try {
    dir = join(dataDirOf(resolveCollectorOptions(rest)), 'quarantine');
    entries = await new Quarantine(dir).list();
  } catch (err) {
    fail(err);
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write(`the quarantine in ${dir} is empty\n`);
    return;
  }
  const rows = entries.reduce((n, e) => n + e.rows, 0);
  const spans = entries.filter((e) => e.signal === 'traces').reduce((n, e) => n + e.rows, 0);
  process.stdout.write(
    `${count(entries.length, 'entry', 'entries')}, ${count(rows, 'row')} (${count(spans, 'span')}, ${count(rows - spans, 'log record')}) in ${dir}\n`,
  );
  for (const e of entries) process.stdout.write(`\n${describeEntry(e)}\n`);
});

const quarantineRetry = quarantine
  .command('retry')
  .description(
    'insert every quarantined entry again (after an upgrade fixed the cause): what is stored leaves the quarantine, what the store still refuses stays with its new error',
  )
  .addHelpText(
    'after',
    '\nStop the collector that uses --data first: retry takes the data directory (and its embedded engine) for itself.\nEach entry goes in with its deduplication token, so running retry again stores nothing twice.\nExit status: 0 when the quarantine is empty afterwards, 1 when rows are left in it, 2 when retry could not run.\n\nExamples:\n  fntrace quarantine retry --data /var/lib/fntrace\n  FNTRACE_CLICKHOUSE_URL=http://default:pw@ch:8123 fntrace quarantine retry --data /var/lib/fntrace',
  );
addOptions(quarantineRetry, [
  'data',
  'clickhouseUrl',
  'clickhouseDatabase',
  'engineMemoryBytes',
  'engineMaxMemoryBytes',
]);
quarantineRetry.action(async (flags: Record<string, unknown>) => {
  let options: ReturnType<typeof resolveCollectorOptions>;
  let dataDir: string;
  let held: Quarantine;
  let unlock: (() => Promise<void>) | undefined;
  try {
    options = resolveCollectorOptions(flags);
    dataDir = dataDirOf(options);
    held = new Quarantine(join(dataDir, 'quarantine'));
    if ((await held.list()).length === 0) {
      process.stdout.write(`the quarantine in ${held.dir} is empty: nothing to retry\n`);
      return;
    }
    unlock = await lockDataDir(dataDir);
  } catch (err) {
    if (isError(err, 'DATA_DIR_LOCKED'))
      fail(
        dataDirLocked(
          dataDir!,
          'stop the collector that uses it, then run retry again (retry inserts through the same store and rewrites the quarantine)',
        ),
      );
    fail(err);
  }
  let code = 0;
  try {
    const store = await openStore(options);
    try {
      await assertSchemaCurrent(store, SCHEMA_VERSION);
      // spans go where the collector puts them: the staging table under --tail-sampling
      store.spansTable = await spansTableOf(store);
      await held.open();
      const result = await retryQuarantine(store, held, (o) => process.stdout.write(`${describeOutcome(o)}\n`));
      if (result.stoppedBy)
        process.stdout.write(
          `stopped: the store failed (${oneLine(result.stoppedBy)}); what was not retried is left as it was: retry later\n`,
        );
      process.stdout.write(
        `${count(result.stored, 'row')} stored, ${count(result.remaining, 'row')} left in ${held.dir}${result.remaining > 0 ? ' (fntrace quarantine list)' : ''}\n`,
      );
      code = result.remaining > 0 || result.stoppedBy ? 1 : 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    await unlock?.();
    fail(err);
  }
  await unlock?.();
  process.exit(code);
});

/** `--data`, which must exist: a mistyped path is not an empty quarantine. */
function dataDirOf(options: { data: string }): string {
  const dir = resolve(options.data);
  if (!existsSync(dir)) throw invalidOption('--data', `no data directory at ${dir}`);
  return dir;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

function describeEntry(e: QuarantineEntry): string {
  const lines = /[-,]/.test(e.lines) ? `lines ${e.lines}` : `line ${e.lines}`;
  return [
    e.name,
    `  ${e.signal}, ${count(e.rows, 'row')} (${lines} of segment ${e.segment}), ${e.stage}, quarantined ${e.quarantinedAt}, ${count(e.retries, 'retry', 'retries')}`,
    `  ${oneLine(e.error)}`,
  ].join('\n');
}

function describeOutcome(o: EntryOutcome): string {
  if (o.still.length === 0) return `stored ${o.entry.name}: ${count(o.stored, 'row')}`;
  const still = o.still.map(
    (e) => `  still refused ${e.name}: ${count(e.rows, 'row')}, ${e.stage}: ${oneLine(e.error)}`,
  );
  return [`${o.entry.name}: ${count(o.stored, 'row')} stored`, ...still].join('\n');
}

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string } | undefined;
  const code = err instanceof CollectorError || e?.code ? `${e?.code}: ` : '';
  process.stderr.write(`fntrace: ${code}${e?.message ?? String(err)}\n`);
  process.exit(2);
}

program.parseAsync(process.argv).catch(fail);
