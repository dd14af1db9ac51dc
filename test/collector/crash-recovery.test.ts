import { describe, expect, it } from 'vitest';
import { exited, killWhenDone, tempDir } from '../helpers/cleanup.js';
import { spanBatch } from './otlp-json-body.js';
import { countStored, freePort, startCollector, waitReady } from './process.js';

// The collector process (the `fntrace` command) is killed with SIGKILL while a client
// sends batches; after a restart on the same data directory, every acknowledged span is
// in storage exactly once.
describe('crash recovery', () => {
  it('stores every acknowledged span exactly once after SIGKILL and restart', async () => {
    const dataDir = tempDir('fntrace-crash-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let proc = killWhenDone(startCollector(dataDir, port));
    await waitReady(url);

    // four concurrent senders; the collector is killed while they are sending
    const acked = new Set<string>();
    let sent = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const batch = spanBatch('crash', 40);
        sent += batch.spanIds.length;
        try {
          const res = await fetch(`${url}/v1/traces`, {
            method: 'POST',
            body: batch.body,
            headers: { 'content-type': 'application/json' },
          });
          if (res.status === 200) for (const id of batch.spanIds) acked.add(id);
          await res.arrayBuffer();
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    const senders = Array.from({ length: 4 }, sender);
    while (acked.size < 4000) await new Promise((r) => setTimeout(r, 10));
    proc.kill('SIGKILL');
    await exited(proc);
    stop = true;
    await Promise.all(senders);
    expect(sent).toBeGreaterThan(acked.size); // some requests were cut off unanswered

    // restart: the spool left behind is stored, then the collector is stopped cleanly
    proc = killWhenDone(startCollector(dataDir, port));
    const until = Date.now() + 60_000;
    for (;;) {
      const ready = await waitReady(url);
      if (ready.spool.bytes === 0) break;
      if (Date.now() > until) throw new Error(`spool not drained: ${JSON.stringify(ready.spool)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);

    // read what is stored, with the engine in this process now that the collector is gone
    const rows = await countStored(dataDir, 'crash');
    const stored = new Map(rows.map((r) => [r.SpanId, Number(r.n)]));
    const missing = [...acked].filter((id) => !stored.has(id));
    const duplicated = rows.filter((r) => Number(r.n) > 1);
    expect(missing).toEqual([]);
    expect(duplicated).toEqual([]);
  }, 180_000);
});
