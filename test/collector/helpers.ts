import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type BuildOptions, buildServer, type CollectorServer } from '../../collector/src/index.js';
import { type SearchQuery, searchTraces } from '../../collector/src/query/trace-search.js';
import type { Store } from '../../collector/src/store/clickhouse.js';
import { removeDir } from '../helpers/cleanup.js';

/**
 * One real collector per test file: fastify listening on 127.0.0.1 with the embedded
 * ClickHouse in a fresh temporary data directory (chDB allows one data directory per
 * process, and vitest runs each file in its own process), removed once the collector is
 * closed after the file's tests — unless `options.data` names one, which its owner removes.
 * `seed` writes into the data directory before the collector starts (spool segments an
 * earlier version left there, say).
 */
export interface Running {
  server: CollectorServer;
  url: string;
  dataDir: string;
  /** Rows of a query against the collector's ClickHouse (64-bit integers quoted). */
  query<T = Record<string, any>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Wait until the spool is empty (everything acknowledged is in ClickHouse). */
  drained(timeoutMs?: number): Promise<void>;
  /** Every route the collector registered, as fastify's onRoute hook saw them. */
  routes: { method: string; url: string }[];
}

export function useCollector(
  options: Record<string, unknown> = {},
  build: BuildOptions = {},
  seed?: (dataDir: string) => void,
): Running {
  const running = {} as Running;
  let made: string | undefined;
  beforeAll(async () => {
    if (options.data === undefined) made = mkdtempSync(join(tmpdir(), 'fntrace-collector-'));
    const dataDir = (options.data as string | undefined) ?? made!;
    seed?.(dataDir);
    const server = buildServer({ data: dataDir, port: 0, logLevel: 'warn', segmentMaxAgeMs: 20, ...options }, build);
    running.server = server;
    // added before the stages register (they do when the server starts), so it sees every route
    const routes: Running['routes'] = [];
    server.app.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    Object.assign(running, {
      url,
      dataDir,
      routes,
      async query(sql: string, params?: Record<string, unknown>) {
        const rs = await server.parts().store.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
        return rs.json();
      },
      async drained(timeoutMs = 20_000) {
        const { spool } = server.parts();
        const until = Date.now() + timeoutMs;
        // wait for the open segment to be sealed and every sealed one stored
        while (spool.totalBytes > 0) {
          if (Date.now() > until) throw new Error(`spool still holds ${spool.totalBytes} bytes`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    });
  }, 60_000);
  afterAll(async () => {
    try {
      await running.server?.app.close();
    } finally {
      if (made) removeDir(made);
    }
  }, 60_000);
  return running;
}

/**
 * Every page of a search, following its cursor (3 traces a page over the last hour unless
 * `q` says otherwise); the SQL of every statement it ran is pushed to `statements` when given.
 */
export async function searchPages(
  store: Store,
  q: SearchQuery,
  tuning: Parameters<typeof searchTraces>[2],
  statements?: string[],
): Promise<Awaited<ReturnType<typeof searchTraces>>['traces'][]> {
  const query = store.client.query.bind(store.client);
  store.client.query = ((args: { query: string }) => {
    statements?.push(args.query);
    return query(args as never);
  }) as typeof store.client.query;
  try {
    const pages: Awaited<ReturnType<typeof searchTraces>>['traces'][] = [];
    let cursor: string | undefined;
    do {
      const r = await searchTraces(store, { since: '1h', limit: 3, ...q, ...(cursor ? { cursor } : {}) }, tuning);
      pages.push(r.traces);
      cursor = r.nextCursor;
    } while (cursor);
    return pages;
  } finally {
    store.client.query = query;
  }
}
