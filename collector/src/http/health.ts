import type { FastifyInstance } from 'fastify';
import type { Spool } from '../spool/spool.js';
import type { Store } from '../store/clickhouse.js';
import type { Quarantine } from '../store/quarantine.js';
import type { Writer } from '../store/writer.js';
import type { Metrics } from './metrics.js';

/**
 * `/healthz` (the process answers), `/readyz` (storage reachable and the spool below its
 * quota: send traffic here; rows waiting in the quarantine are a warning, not a reason to stop
 * sending) and `/metrics` (Prometheus text).
 */
export async function healthPlugin(
  app: FastifyInstance,
  deps: { store: Store; spool: Spool; writer: Writer; metrics: Metrics; quarantine: Quarantine },
): Promise<void> {
  const { store, spool, writer, metrics, quarantine } = deps;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    const ping = await store.client.ping().catch((err: Error) => ({ success: false as const, error: err }));
    if (!ping.success) problems.push(`storage unreachable: ${ping.error?.message ?? 'ping failed'}`);
    if (!writer.healthy) problems.push(`storage inserts failing: ${writer.lastError ?? 'unknown error'}`);
    const fill = spool.totalBytes / spool.maxBytes;
    if (fill >= 0.95) problems.push(`spool at ${Math.round(fill * 100)}% of its quota`);
    const warnings: string[] = [];
    const held = quarantine.summary();
    if (held.rows > 0)
      warnings.push(
        `${held.rows} rows the store refused (${held.bySignal.traces} spans, ${held.bySignal.logs} log records) wait in ${quarantine.dir}: fntrace quarantine list`,
      );
    const body = {
      status: problems.length === 0 ? 'ready' : 'not ready',
      problems,
      warnings,
      spool: { bytes: spool.totalBytes, quotaBytes: spool.maxBytes, segments: spool.segments().length },
      quarantine: { entries: held.entries, rows: held.rows },
    };
    return reply.code(problems.length === 0 ? 200 : 503).send(body);
  });
  app.get('/metrics', async (_req, reply) => {
    metrics.spoolBytes.set(spool.totalBytes);
    metrics.spoolSegments.set(spool.segments().length);
    const held = quarantine.summary();
    for (const signal of ['traces', 'logs'] as const) metrics.quarantineRows.set({ signal }, held.bySignal[signal]);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
