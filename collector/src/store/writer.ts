import { createReadStream } from 'node:fs';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { Segment, Spool } from '../spool/spool.js';
import { type Store, settingsSql } from './clickhouse.js';
import { columnList, LOG_COLUMNS, SPAN_COLUMNS, structureOf } from './schema.js';

/**
 * Moves sealed spool segments into ClickHouse, oldest first, one insert per segment
 * with the segment's deduplication token — so a segment inserted before a crash and
 * inserted again after it is stored once. While storage fails, it retries with
 * exponential backoff (250 ms doubling to 30 s) and the spool keeps accepting until its
 * quota.
 *
 * The embedded engine reads the segment file itself (`INSERT … SELECT … FROM file()`),
 * which parses about three times faster than rows pushed through the client; a server
 * gets the same JSONEachRow bytes streamed over HTTP.
 */
const TABLES = {
  traces: { table: 'otel_traces', columns: SPAN_COLUMNS },
  logs: { table: 'otel_logs', columns: LOG_COLUMNS },
} as const;

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

export class Writer {
  private running = false;
  private stopping = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private backoffMs = 0;
  /** False while inserts fail; /readyz reports it. */
  healthy = true;
  /** True while an insert is under way. */
  inserting = false;
  lastError: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly spool: Spool,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spool.onSealed(() => this.wake?.());
    this.loop = this.run();
  }

  /** Stop after storing what is sealed, or when `deadlineMs` passes (what is left stays in the spool). */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    const timeout = new Promise<void>((r) => setTimeout(r, Math.max(0, deadlineMs - Date.now())).unref());
    this.wake?.();
    await Promise.race([this.loop, timeout]);
    this.running = false;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const next = this.spool.segments()[0];
      if (!next) {
        if (this.stopping) return;
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
        continue;
      }
      try {
        this.inserting = true;
        await this.insert(next).finally(() => {
          this.inserting = false;
        });
        await this.spool.remove(next);
        this.metrics.stored.inc({ signal: next.signal });
        this.metrics.storedBytes.inc({ signal: next.signal }, next.bytes);
        if (!this.healthy) this.log.info({ segment: next.name }, 'storage is back; draining the spool');
        this.healthy = true;
        this.lastError = undefined;
        this.backoffMs = 0;
      } catch (err) {
        this.metrics.storageErrors.inc({ signal: next.signal });
        this.lastError = (err as Error).message;
        if (this.healthy)
          this.log.warn({ err: this.lastError, segment: next.name }, 'insert failed; retrying with backoff');
        this.healthy = false;
        if (this.stopping) return;
        this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : MIN_BACKOFF_MS);
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.backoffMs);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        this.wake = undefined;
      } finally {
        this.metrics.spoolBytes.set(this.spool.totalBytes);
        this.metrics.spoolSegments.set(this.spool.segments().length);
      }
    }
  }

  /** Insert one segment (idempotent per segment token). Public for tests of replays. */
  async insert(segment: Segment): Promise<void> {
    const { table, columns } = TABLES[segment.signal];
    const target = `\`${this.store.database}\`.\`${table}\``;
    // parallel_view_processing: the materialized views take the inserted block on threads of
    // their own instead of one after the other (faster ingest end to end in the ingest bench;
    // the blocks, and so the dedup tokens, are the same)
    const settings = {
      insert_deduplication_token: segment.token,
      insert_deduplicate: 1,
      parallel_view_processing: 1,
    } as const;
    // tokens are <uuid>-<seq>-<hex>-<signal>; checked before they go into SQL text below
    if (!/^[0-9a-z-]+$/.test(segment.token))
      throw new Error(`unexpected segment token ${JSON.stringify(segment.token)}`);
    const end = this.metrics.insertSeconds.startTimer({ signal: segment.signal });
    try {
      if (this.store.embedded) {
        const cols = columnList(columns);
        // The embedded connection turns per-query settings into session SETs that outlive the
        // query; a dedup token left set would make later inserts look like duplicates. So the
        // insert's own settings go in its SQL, where they apply to it alone.
        await this.store.client.command({
          query: `INSERT INTO ${target} (${cols}) SETTINGS ${settingsSql(settings)}
            SELECT ${cols} FROM file({path:String}, 'JSONEachRow', {structure:String})`,
          query_params: { path: segment.path, structure: structureOf(columns) },
        });
      } else {
        await this.store.client.insert({
          table: target,
          values: createReadStream(segment.path),
          format: 'JSONEachRow',
          columns: columns.map(([n]) => n) as [string, ...string[]],
          clickhouse_settings: settings,
        });
      }
    } finally {
      end();
    }
  }
}
