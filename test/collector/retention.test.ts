import { describe, expect, it } from 'vitest';
import { buildServer } from '../../collector/src/index.js';
import { useTempDir } from '../helpers/cleanup.js';

// --retention-days sets every table's TTL, and a restart with another value changes it.
const data = useTempDir('fntrace-retention-');

async function ttls(retentionDays: number): Promise<Record<string, string>> {
  const server = buildServer({ data: data.path, retentionDays, logLevel: 'warn' });
  await server.app.ready();
  try {
    const rs = await server.parts().store.client.query({
      query: `SELECT name, engine_full FROM system.tables WHERE database = 'fntrace' AND engine LIKE '%MergeTree'`,
      format: 'JSONEachRow',
    });
    const rows = (await rs.json()) as { name: string; engine_full: string }[];
    return Object.fromEntries(rows.map((r) => [r.name, /TTL (.*?)(?: SETTINGS|$)/.exec(r.engine_full)?.[1] ?? '']));
  } finally {
    await server.app.close();
  }
}

describe('retention', () => {
  it('creates the tables with the TTL asked for and changes it on restart', async () => {
    const first = await ttls(30);
    expect(first.otel_traces).toBe('toDateTime(Timestamp) + toIntervalDay(30)');
    expect(first.otel_logs).toBe('TimestampTime + toIntervalDay(30)');
    expect(first.fntrace_trace_summary).toBe('Bucket + toIntervalDay(30)');
    const second = await ttls(7);
    for (const name of [
      'otel_traces',
      'otel_logs',
      'otel_traces_trace_id_ts',
      'fntrace_invocations',
      'fntrace_trace_summary',
      'fntrace_trace_edges',
      'fntrace_messages',
    ]) {
      expect(second[name], name).toMatch(/\+ toIntervalDay\(7\)$/);
    }
    const forever = await ttls(0);
    expect(forever.otel_traces).toBe('');
    expect(forever.fntrace_schema_migrations).toBe('');
  }, 120_000);
});
