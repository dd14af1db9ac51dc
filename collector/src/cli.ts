#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { isLoopback } from './auth.js';
import { envOf, flagOf, optionNames, optionsSchema, redactUrl, resolveCollectorOptions } from './config.js';
import { CollectorError } from './errors.js';
import { buildServer } from './server.js';
import { installStatements, MIGRATIONS } from './store/migrations.js';
import { loadPrices } from './store/prices.js';

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
    `-- fntrace schema, migration ${MIGRATIONS.at(-1)?.version}, ${where}, retention ${retentionDays ? `${retentionDays} days` : 'none'}\n\n${statements.join(';\n\n')};\n`,
  );
});

function fail(err: unknown): never {
  const e = err as { code?: string; message?: string } | undefined;
  const code = err instanceof CollectorError || e?.code ? `${e?.code}: ` : '';
  process.stderr.write(`fntrace: ${code}${e?.message ?? String(err)}\n`);
  process.exit(2);
}

program.parseAsync(process.argv).catch(fail);
