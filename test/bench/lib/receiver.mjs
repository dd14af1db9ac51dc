// A minimal OTLP/HTTP JSON receiver on 127.0.0.1 (random port) for sdk-flush: answers
// 200 to POST /v1/traces and /v1/logs and counts requests, spans and log records.
import Fastify from 'fastify';

export async function startReceiver() {
  const app = Fastify({ bodyLimit: 16 * 1024 * 1024 });
  const counts = { traceRequests: 0, logRequests: 0, spans: 0, logRecords: 0 };
  app.post('/v1/traces', async (req) => {
    counts.traceRequests++;
    for (const rs of req.body?.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) counts.spans += ss.spans?.length ?? 0;
    return {};
  });
  app.post('/v1/logs', async (req) => {
    counts.logRequests++;
    for (const rl of req.body?.resourceLogs ?? [])
      for (const sl of rl.scopeLogs ?? []) counts.logRecords += sl.logRecords?.length ?? 0;
    return {};
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    counts,
    reset() {
      for (const k of Object.keys(counts)) counts[k] = 0;
    },
    close: () => app.close(),
  };
}
