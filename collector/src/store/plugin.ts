import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type CollectorOptions, redactUrl } from '../config/options.js';
import type { Metrics } from '../http/metrics.js';
import { openStore, type Store } from './clickhouse.js';
import { type Migration, migrate } from './migrations.js';
import type { Price } from './prices.js';
import { Quarantine } from './quarantine.js';
import { STAGING_TABLE } from './tables.js';
import { Writer } from './writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** ClickHouse: the embedded engine in `--data`, or `--clickhouse-url`. */
    store: Store;
    /** Stores sealed spool segments, oldest first. */
    writer: Writer;
    /** Rows the store refused for what they hold, in `--data/quarantine`. */
    quarantine: Quarantine;
  }
}

export interface StoreStageOptions {
  options: CollectorOptions;
  metrics: Metrics;
  /** Every stage's migrations, as one plan (schema.ts). */
  migrations: readonly Migration[];
  prices: readonly Price[];
  /** How long closing may spend storing what was acknowledged. */
  drainTimeoutMs: number;
  /** With `--tail-sampling`: how long the staging table keeps spans (seconds); spans are stored there. */
  stagingHoldSeconds?: number;
}

/**
 * The store stage (after the spool's): opens storage, brings its schema to `migrations`, and
 * starts the writer that moves sealed spool segments into it once the server is ready. On
 * close (after the later stages stopped, before the spool's): seals the spool, stores what it
 * can within `drainTimeoutMs` — the rest waits in the spool for the next start — and closes
 * storage.
 */
export const storeStage = fp(
  async (app: FastifyInstance, o: StoreStageOptions) => {
    const { options, metrics } = o;
    const { spool } = app;
    const store = await openStore(options);
    const applied = await migrate(store, o.migrations, options.retentionDays, (msg) => app.log.info(msg), {
      mapBuckets: options.mapBuckets,
      prices: o.prices,
      tailSamplingHoldSeconds: o.stagingHoldSeconds,
    });
    if (o.stagingHoldSeconds !== undefined) store.spansTable = STAGING_TABLE;
    const dataDir = resolve(options.data);
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
    const writer = new Writer(store, spool, metrics, app.log, quarantine);
    // seal for age only while the writer is idle: under load, batches grow instead
    spool.gateAgeSeal(() => !writer.inserting && spool.segments().length === 0);
    app.decorate('store', store);
    app.decorate('writer', writer);
    app.decorate('quarantine', quarantine);
    app.addHook('onReady', async () => writer.start());
    app.addHook('onClose', async () => {
      await spool.close();
      await writer.stop(Date.now() + o.drainTimeoutMs);
      await store.close();
    });
  },
  { name: 'fntrace-store', dependencies: ['fntrace-spool'] },
);
