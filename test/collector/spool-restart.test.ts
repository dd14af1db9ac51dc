import { describe, expect, it } from 'vitest';
import { buildServer } from '../../collector/src/index.js';
import { tempDir } from '../helpers/cleanup.js';
import { spanBatch } from './otlp-json-body.js';

// A clean restart empties the spool; segments written after it must never share a
// deduplication token with segments stored before it, or ClickHouse would drop them.
describe('spool across clean restarts', () => {
  it('stores what is sent after a restart, however many restarts there were', async () => {
    const data = tempDir('fntrace-spool-restart-');
    const sent: string[] = [];
    for (let run = 0; run < 3; run++) {
      const server = buildServer({ data, logLevel: 'warn', segmentMaxAgeMs: 20 });
      const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
      const batch = spanBatch('restarts', 20);
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        body: batch.body,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
      sent.push(...batch.spanIds);
      await server.app.close(); // drains the spool
      if (run === 2) {
        const again = buildServer({ data, logLevel: 'warn' });
        await again.app.ready();
        const rs = await again.parts().store.client.query({
          query: `SELECT SpanId FROM fntrace.otel_traces WHERE ServiceName = 'restarts' ORDER BY SpanId`,
          format: 'JSONEachRow',
        });
        const ids = ((await rs.json()) as { SpanId: string }[]).map((r) => r.SpanId);
        await again.app.close();
        expect(ids).toEqual([...sent].sort());
      }
    }
  }, 60_000);
});
