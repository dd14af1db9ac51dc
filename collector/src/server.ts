import Fastify, { type FastifyInstance } from 'fastify';
import type { AlertEngine } from './alerts/engine.js';
import { loadRulesFile } from './alerts/rules-file.js';
import { alertsStage } from './alerts/stage.js';
import { readOptionFile } from './config/option-files.js';
import { type CollectorOptions, resolveCollectorOptions } from './config/options.js';
import { invalidOption } from './errors.js';
import { apiGuard } from './http/auth.js';
import { dashboardPlugin } from './http/dashboard.js';
import { healthPlugin } from './http/health.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { receiverPlugin } from './ingest/receiver.js';
import { queryPlugin } from './query/plugin.js';
import { loadSamplingRules } from './sampling/rules.js';
import { samplingStage } from './sampling/stage.js';
import { MIGRATIONS } from './schema.js';
import { spoolStage } from './spool/plugin.js';
import type { Spool } from './spool/spool.js';
import type { Store } from './store/clickhouse.js';
import { storeStage } from './store/plugin.js';
import { loadPrices } from './store/prices.js';
import type { Writer } from './store/writer.js';

/** The collector: its fastify instance and resolved options. */
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
  /** With `--tail-sampling`: decide on a timer (false: tests call `app.sampler.tick()`). Default true. */
  samplingInBackground?: boolean;
}

/** `--tls-cert` and `--tls-key`, read: HTTPS for everything the collector serves. */
function tlsFiles(options: CollectorOptions): { cert: Buffer; key: Buffer } | undefined {
  if (!options.tlsCert) return undefined;
  return { cert: readOptionFile(options.tlsCert, '--tls-cert'), key: readOptionFile(options.tlsKey, '--tls-key') };
}

const badTlsPair = (err: unknown) =>
  invalidOption('--tls-cert', `and --tls-key are not a PEM certificate and its key (${(err as Error).message})`);

/**
 * Builds the collector as a fastify instance without listening (tests use `inject()` or
 * `listen({ port: 0 })`). Its stages are plugins registered in data-path order — spool,
 * store and writer, then ingest and the API's routes, then alerts — each opening what it owns
 * as it registers. Background work (the writer, alert evaluation) starts when the server is
 * ready and stops when it closes; closing stops new ingest, seals the spool, then stores what
 * it can within `drainTimeoutMs` (the rest stays in the spool for the next start).
 */
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
  let closing = false;
  // added before any route, so it sees them all
  const guard = apiGuard(options.apiToken);
  if (guard) app.addHook('onRequest', guard);
  // validated before anything else starts: a bad rules file must stop start-up with its line
  const fileRules = options.alertRules ? loadRulesFile(options.alertRules) : [];
  const prices = loadPrices(options.prices);
  const sampling = options.tailSampling ? loadSamplingRules(options.tailSampling) : undefined;

  // The stages in data-path order; each opens what it owns as it registers, starts its
  // background work when the server is ready, and stops it on close — in the reverse order
  // (fastify closes plugins last in, first out), so storage outlives whatever feeds it.
  app.register(spoolStage, { options });
  app.register(storeStage, {
    options,
    metrics,
    migrations: MIGRATIONS,
    prices,
    drainTimeoutMs: build.drainTimeoutMs ?? 10_000,
    stagingHoldSeconds: sampling ? sampling.holdMs / 1000 : undefined,
  });
  // the routes read the stages' decorations once these have registered
  app.register(receiverPlugin, (parent) => ({ options, spool: parent.spool, metrics, isClosing: () => closing }));
  app.register(healthPlugin, (parent) => ({
    store: parent.store,
    spool: parent.spool,
    writer: parent.writer,
    metrics,
    quarantine: parent.quarantine,
  }));
  app.register(queryPlugin, (parent) => ({
    store: parent.store,
    orphanGraceMs: options.orphanGraceMs,
    lossGraceMs: options.lossGraceMs,
    prices,
  }));
  app.register(alertsStage, {
    fileRules,
    evaluate: options.alerts,
    tickMs: build.alertTickMs ?? 1000,
    publicUrl: options.publicUrl || `${https ? 'https' : 'http'}://${options.host}:${options.port}`,
    now: build.now,
    minLagMs: build.alertMinLagMs,
    retryBaseMs: build.alertRetryBaseMs,
  });
  if (sampling) app.register(samplingStage, { rules: sampling, metrics, background: build.samplingInBackground });
  app.register(dashboardPlugin);
  // new ingest is refused from the moment closing starts, before any stage closes
  app.addHook('preClose', async () => {
    closing = true;
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
      if (!app.hasDecorator('alertEngine')) throw new Error('collector is not ready yet: await app.ready() first');
      return { store: app.store, spool: app.spool, writer: app.writer, metrics, engine: app.alertEngine };
    },
  };
}
