import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { CollectorOptions } from '../config/options.js';

/**
 * The ClickHouse client: the embedded engine (chDB, in `<data>/clickhouse`) by default,
 * a server when `--clickhouse-url` is given. Both speak through `@clickhouse/client`, so
 * the SQL and the code path are the same; only how a spool segment reaches the engine
 * differs (see writer.ts).
 */
export interface Store {
  readonly client: ClickHouseClient;
  /** True for the in-process engine, which can read spool files itself. */
  readonly embedded: boolean;
  readonly database: string;
  readonly cluster: string;
  /** The table spool segments of spans go into: `otel_traces`, or the staging table with `--tail-sampling`. Default `otel_traces`. */
  spansTable?: string;
  close(): Promise<void>;
}

/**
 * Settings as SQL (`a = 1, b = 'x'`), for a SET or a query's SETTINGS clause. Values are the
 * collector's own (names and numbers in code, checked tokens): never a request's.
 */
export function settingsSql(settings: Record<string, string | number>): string {
  return Object.entries(settings)
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value}'`}`)
    .join(', ');
}

/**
 * Read settings of the embedded engine. ClickHouse reads a range of a part in one thread
 * unless it holds 163,840 rows or 240 MiB; a search slice (one or two ten-minute buckets of
 * spans) is smaller, so on a small machine one core decoded its attribute maps while the other
 * waited. From 16,384 rows or 4 MiB the read is split between threads: a common attribute
 * value's search at 10 M spans 44–55 → 31–41 ms; trace views, other searches, metrics and the
 * service map unchanged (measured A/B with the query bench's data). A server keeps its own.
 */
export const EMBEDDED_READ_SETTINGS = {
  merge_tree_min_rows_for_concurrent_read: 16384,
  merge_tree_min_bytes_for_concurrent_read: 4194304,
} as const;

export async function openStore(options: CollectorOptions): Promise<Store> {
  // Bounded engine memory: every query and insert gets the same cap. 64-bit integers come
  // back quoted so JSON does not round them.
  const clickhouse_settings = {
    max_memory_usage: String(options.engineMemoryBytes),
    output_format_json_quote_64bit_integers: 1,
    // the trace summary and other views must not double-count a replayed spool segment
    deduplicate_blocks_in_dependent_materialized_views: 1,
    date_time_input_format: 'best_effort',
  } as const;
  if (options.clickhouseUrl) {
    const client = createClient({ url: options.clickhouseUrl, clickhouse_settings, request_timeout: 60_000 });
    return {
      client,
      embedded: false,
      database: options.clickhouseDatabase,
      cluster: options.clickhouseCluster,
      close: () => client.close(),
    };
  }
  const path = resolve(join(options.data, 'clickhouse'));
  mkdirSync(path, { recursive: true });
  // chDB is loaded only for the embedded engine: a collector that talks to a server never pays for it
  const { createChdbConnection } = await import('chdb/connection');
  // Server settings (the whole engine's memory) are given when the engine starts, not by SET:
  // a session opened first with them starts the engine, and the client's connection, on the
  // same directory, shares that engine.
  let engine: { close(): void } | undefined;
  if (options.engineMaxMemoryBytes > 0) {
    const { Session } = await import('chdb');
    engine = new Session(path, { connectionArgs: [`--max_server_memory_usage=${options.engineMaxMemoryBytes}`] });
  }
  const client = createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]);
  // The embedded connection runs a request's settings as SET statements before each query (one
  // session, so they stay set): set them once here instead, which takes ~0.3–1 ms off every query.
  await client.command({ query: `SET ${settingsSql({ ...clickhouse_settings, ...EMBEDDED_READ_SETTINGS })}` });
  return {
    client,
    embedded: true,
    database: options.clickhouseDatabase,
    cluster: options.clickhouseCluster,
    close: async () => {
      await client.close();
      engine?.close();
    },
  };
}
