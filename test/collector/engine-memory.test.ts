import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveCollectorOptions } from '../../collector/src/config/options.js';
import { MIGRATIONS, migrate } from '../../collector/src/schema.js';
import { openStore } from '../../collector/src/store/clickhouse.js';
import { tempDir } from '../helpers/cleanup.js';

// --engine-max-memory-bytes bounds the whole embedded engine (queries, inserts and merges), a
// server setting that must be in place when the engine starts. Its own file: one engine per process.
describe('--engine-max-memory-bytes', () => {
  it('starts the embedded engine with that server-wide memory limit, and the store works under it', async () => {
    const store = await openStore(
      resolveCollectorOptions({ data: tempDir('fntrace-mem-'), engineMaxMemoryBytes: 2147483648 }),
    );
    onTestFinished(() => store.close()); // before its directory goes
    const rows = async (query: string) =>
      (await (await store.client.query({ query, format: 'JSONEachRow' })).json()) as Record<string, unknown>[];
    expect(await rows("SELECT value FROM system.server_settings WHERE name = 'max_server_memory_usage'")).toEqual([
      { value: '2147483648' },
    ]);
    // the per-query cap stays as it was
    expect(await rows("SELECT getSetting('max_memory_usage') AS m")).toEqual([{ m: 805306368 }]);
    expect(await migrate(store, 30)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await rows('SELECT count() AS n FROM fntrace.otel_traces')).toEqual([{ n: '0' }]);
  });

  it('refuses a limit below the cap of one query', () => {
    expect(() => resolveCollectorOptions({ engineMaxMemoryBytes: 500_000_000 })).toThrow(
      /--engine-max-memory-bytes: must be 0 or at least --engine-memory-bytes \(805306368\), the cap of one query \(got 500000000\)/,
    );
    expect(resolveCollectorOptions({ engineMaxMemoryBytes: 0 }).engineMaxMemoryBytes).toBe(0);
  });
});
