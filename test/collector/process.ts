import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

/**
 * The collector as users run it: the built `fntrace` command in its own process.
 * Tests that use these must not open the embedded engine themselves until the collector
 * process has exited (one process per data directory).
 */
export const CLI = resolve(import.meta.dirname, '../../collector/dist/cli.js');

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

export function startCollector(dataDir: string, port: number, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, 'collector', '--port', String(port), '--data', dataDir, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
}

export async function waitReady(url: string, timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return res.json();
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error('collector did not become ready');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Span ids stored for a service, with how many times each is stored. */
export async function countStored(dataDir: string, service: string): Promise<{ SpanId: string; n: string | number }[]> {
  const client = createClient({ connection: createChdbConnection({ path: join(dataDir, 'clickhouse') }) } as never);
  try {
    const rs = await client.query({
      query: 'SELECT SpanId, count() AS n FROM fntrace.otel_traces WHERE ServiceName = {s:String} GROUP BY SpanId',
      query_params: { s: service },
      format: 'JSONEachRow',
    });
    return (await rs.json()) as { SpanId: string; n: string | number }[];
  } finally {
    await client.close();
  }
}
