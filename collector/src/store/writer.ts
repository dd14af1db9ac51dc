import { readFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../http/metrics.js';
import type { Segment, Spool } from '../spool/spool.js';
import type { Store } from './clickhouse.js';
import { insertRows } from './insert.js';
import { classifyInsertError, type InsertFailure } from './insert-errors.js';
import { isolate, type Line, splitLines } from './isolate.js';
import type { Quarantine } from './quarantine.js';

/**
 * Moves sealed spool segments into ClickHouse, oldest first, one insert per segment
 * with the segment's deduplication token — so a segment inserted before a crash and
 * inserted again after it is stored once (insert.ts).
 *
 * A failed insert is transient or deterministic (insert-errors.ts). While storage fails
 * transiently, the writer retries the segment with exponential backoff (250 ms doubling to
 * 30 s), the spool keeps accepting until its quota and /readyz says why it is not ready. When
 * the store refuses the rows themselves, retrying cannot help: the writer stores every row of
 * the segment it can, moves the refused ones to the quarantine (isolate.ts, quarantine.ts) and
 * goes on to the next segment, so one bad row never holds back the rows after it.
 */
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
    private readonly quarantine: Quarantine,
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
        await this.storeSegment(next).finally(() => {
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

  /**
   * Stores a segment: one insert, or — when the store refuses rows of it — every row it takes,
   * the others quarantined. Throws on a transient failure (the segment stays in the spool).
   */
  private async storeSegment(segment: Segment): Promise<void> {
    let failure: InsertFailure;
    try {
      await this.insert(segment);
      return;
    } catch (err) {
      failure = classifyInsertError(err);
      if (failure.kind === 'transient') throw err;
    }
    const { signal } = segment;
    const lines = splitLines(await readFile(segment.path));
    this.log.warn(
      { segment: segment.name, rows: lines.length, err: failure.text },
      'the store refused rows of a spool segment; isolating them',
    );
    const isolated = await isolate(
      signal,
      { lines, token: segment.token, segmentToken: segment.token },
      failure,
      (part, token) => this.insertLines(signal, part, token),
    );
    const at = new Date().toISOString();
    const entries = await this.quarantine.add(
      isolated.refused.map((r) => ({
        lines: r.lines,
        meta: {
          segment: segment.name,
          signal,
          stage: r.stage,
          error: r.error,
          token: r.token,
          segmentToken: segment.token,
          quarantinedAt: at,
          retries: 0,
        },
      })),
    );
    const rows = entries.reduce((n, e) => n + e.rows, 0);
    this.metrics.quarantined.inc({ signal }, rows);
    this.metrics.quarantineRows.set({ signal }, this.quarantine.summary().bySignal[signal]);
    this.log.warn(
      {
        segment: segment.name,
        stored: lines.length - rows,
        quarantined: rows,
        entries: entries.map((e) => ({ entry: e.name, rows: e.rows, stage: e.stage, error: e.error })),
        inserts: isolated.inserts,
      },
      `${rows} ${rows === 1 ? 'row' : 'rows'} refused by the store moved to ${this.quarantine.dir} (fntrace quarantine list); the rest of the segment is stored`,
    );
  }

  /** Inserts some lines of a segment (while isolating refused rows). */
  private insertLines(signal: Segment['signal'], lines: readonly Line[], token: string): Promise<void> {
    const text = Buffer.concat(lines.flatMap((l) => [l.text, NEWLINE]));
    return insertRows(this.store, signal, { text, workDir: this.quarantine.workDir }, token);
  }

  /** Insert one segment (idempotent per segment token). Public for tests of replays. */
  async insert(segment: Segment): Promise<void> {
    const end = this.metrics.insertSeconds.startTimer({ signal: segment.signal });
    try {
      await insertRows(this.store, segment.signal, { path: segment.path }, segment.token);
    } finally {
      end();
    }
  }
}

const NEWLINE = Buffer.from('\n');
