import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { AlertEngine } from './alerts/engine.js';
import { alertsPlugin } from './alerts/plugin.js';
import { loadRulesFile } from './alerts/rules-file.js';
import { readOptionFile } from './config/option-files.js';
import { type CollectorOptions, redactUrl, resolveCollectorOptions } from './config/options.js';
import { invalidOption } from './errors.js';
import { apiGuard } from './http/auth.js';
import { dashboardPlugin } from './http/dashboard.js';
import { healthPlugin } from './http/health.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { receiverPlugin } from './ingest/receiver.js';
import { queryPlugin } from './query/plugin.js';
import { lockDataDir } from './spool/lock.js';
import { Spool } from './spool/spool.js';
import { openStore, type Store } from './store/clickhouse.js';
import { migrate } from './store/migrations.js';
import { loadPrices } from './store/prices.js';
import { Quarantine } from './store/quarantine.js';
import { Writer } from './store/writer.js';

/**
 * Builds the collector as a fastify instance without listening (tests use `inject()` or
 * `listen({ port: 0 })`). Stages are plugins registered in data-path order: ingest →
 * spool → store. Background work (the spool writer) starts when the server is ready and
 * stops when it closes; closing stops new ingest, syncs the spool, then stores what it can
 * within `drainTimeoutMs` (the rest stays in the spool for the next start).
 */
export interface CollectorServer {
  app: FastifyInstance;
  options: CollectorOptions;
  /** Available once `app.ready()` resolved. */
  parts(): { store: Store; spool: Spool; writer: Writer; metrics: Metrics; engine: AlertEngine };
  /**
   * Read `--tls-cert` and `--tls-key` again (renewed certificates; the command does it on
   * SIGHUP): new connections get them, open ones keep theirs. On a bad file the old pair stays
   * and the error says why.
   */
  reloadTls(): void;
}

export interface BuildOptions {
  /** How long closing may spend storing what was acknowledged. Default 10 s. */
  drainTimeoutMs?: number;
  /** Clock of the alert engine (tests). Default `Date.now`. */
  now?: () => number;
  /** Least time a window's end trails the clock for late spans. Default 5 s. */
  alertMinLagMs?: number;
  /** First notification retry delay. Default 1 s. */
  alertRetryBaseMs?: number;
  /** How often the alert engine checks which rules are due. Default 1 s. */
  alertTickMs?: number;
}

/** `--tls-cert` and `--tls-key`, read: HTTPS for everything the collector serves. */
function tlsFiles(options: CollectorOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!options.tlsCert) return undefined;
  return { cert: readOptionFile(options.tlsCert, '--tls-cert'), key: readOptionFile(options.tlsKey, '--tls-key') };
}

const badTlsPair = (err: unknown) =>
  invalidOption('--tls-cert', `and --tls-key are not a PEM certificate and its key (${(err as Error).message})`);

export function buildServer(
  input: Partial<Record<keyof CollectorOptions, unknown>> = {},
  build: BuildOptions = {},
): CollectorServer {
  const options = resolveCollectorOptions(input);
  const https = tlsFiles(options);
  let app: FastifyInstance;
  try {
    app = Fastify({
      logger: { level: options.logLevel },
      // the receiver applies its own body limit per content type; this one is for everything else
      bodyLimit: options.bodyLimitBytes,
      forceCloseConnections: true,
      ...(https ? { https } : {}),
    }) as unknown as FastifyInstance;
  } catch (err) {
    // the TLS files are read: what is left to go wrong here is their content
    if (!https) throw err;
    throw badTlsPair(err);
  }
  const metrics = createMetrics();
  let store: Store | undefined;
  let spool: Spool | undefined;
  let writer: Writer | undefined;
  let closing = false;
  let unlock: (() => Promise<void>) | undefined;
  let engine: AlertEngine | undefined;
  // added before any route, so it sees them all
  const guard = apiGuard(options.apiToken);
  if (guard) app.addHook('onRequest', guard);
  // validated before anything else starts: a bad rules file must stop start-up with its line
  const fileRules = options.alertRules ? loadRulesFile(options.alertRules) : [];
  const prices = loadPrices(options.prices);

  app.register(async () => {
    const dataDir = resolve(options.data);
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
    spool = new Spool({
      dir: join(dataDir, 'spool'),
      maxBytes: options.spoolMaxBytes,
      segmentBytes: options.segmentBytes,
      segmentMaxAgeMs: options.segmentMaxAgeMs,
      // seal for age only while the writer is idle: under load, batches grow instead
      mayAgeSeal: () => !writer || (!writer.inserting && spool?.segments().length === 0),
    });
    const recovered = await spool.open();
    if (recovered.recovered > 0) {
      app.log.info(recovered, 'spool segments from a previous run will be stored');
    }
    store = await openStore(options);
    const applied = await migrate(store, options.retentionDays, (msg) => app.log.info(msg), {
      mapBuckets: options.mapBuckets,
      prices,
    });
    app.log.info(
      {
        storage: options.clickhouseUrl ? redactUrl(options.clickhouseUrl) : `embedded (${join(dataDir, 'clickhouse')})`,
        database: options.clickhouseDatabase,
        cluster: options.clickhouseCluster || undefined,
        migrations: applied,
      },
      'storage ready',
    );
    const quarantine = new Quarantine(join(dataDir, 'quarantine'));
    const held = await quarantine.open();
    for (const signal of ['traces', 'logs'] as const) metrics.quarantineRows.set({ signal }, held.bySignal[signal]);
    if (held.rows > 0)
      app.log.warn(
        held,
        `${held.rows} rows the store refused wait in ${quarantine.dir} (fntrace quarantine list; fntrace quarantine retry)`,
      );
    writer = new Writer(store, spool, metrics, app.log, quarantine);
    const s = spool;
    await app.register(receiverPlugin, { options, spool: s, metrics, isClosing: () => closing });
    await app.register(healthPlugin, { store, spool: s, writer, metrics, quarantine });
    await app.register(queryPlugin, { store, orphanGraceMs: options.orphanGraceMs, prices });
    engine = new AlertEngine({
      store,
      log: app.log,
      publicUrl: options.publicUrl || `${https ? 'https' : 'http'}://${options.host}:${options.port}`,
      now: build.now,
      minLagMs: build.alertMinLagMs,
      retryBaseMs: build.alertRetryBaseMs,
    });
    engine.setFileRules(fileRules);
    await engine.load();
    await app.register(alertsPlugin, { engine });
    await app.register(dashboardPlugin);
  });

  app.addHook('onReady', async () => {
    writer?.start();
    if (options.alerts) engine?.start(build.alertTickMs ?? 1000);
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    await engine?.stop();
    await spool?.close();
    await writer?.stop(Date.now() + (build.drainTimeoutMs ?? 10_000));
    await store?.close();
    await unlock?.();
  });

  return {
    app,
    options,
    reloadTls() {
      if (!https) throw invalidOption('--tls-cert', 'is not set: the collector serves plain HTTP');
      const next = tlsFiles(options)!;
      try {
        (app.server as unknown as import('node:tls').Server).setSecureContext(next);
      } catch (err) {
        throw badTlsPair(err);
      }
    },
    parts() {
      if (!store || !spool || !writer || !engine)
        throw new Error('collector is not ready yet: await app.ready() first');
      return { store, spool, writer, metrics, engine };
    },
  };
}
