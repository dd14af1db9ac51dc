import { randomBytes, randomUUID } from 'node:crypto';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { shuttingDown, spoolFull, spoolWrite } from '../errors.js';

/** The two signals the collector keeps, each with its own lane of segments. */
export type Signal = 'traces' | 'logs';
export const SIGNALS: Signal[] = ['traces', 'logs'];

export interface Segment {
  readonly name: string;
  readonly path: string;
  readonly signal: Signal;
  readonly bytes: number;
  /** Insert deduplication token: unique to this spool directory and segment. */
  readonly token: string;
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  segmentMaxAgeMs: number;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  bytes: number;
}

interface Lane {
  chunks: Buffer[];
  waiters: Waiter[];
  running: boolean;
  sealRequested: boolean;
  active: { fh: FileHandle; name: string; path: string; bytes: number; openedAt: number; torn: boolean } | undefined;
}

// <sequence>-<random>-<signal>: the sequence orders segments; the random part makes every
// segment's name — and so its deduplication token — unique for ever, also after the spool
// has been emptied and the sequence starts again.
const SEGMENT = /^(\d{12})-[0-9a-f]{16}-(traces|logs)\.(open|jsonl)$/;

/**
 * The durable spool: what makes "200" mean "stored". Each accepted request's rows are
 * appended to the open segment of their signal, and the request is answered only after
 * the bytes are fsync'd. Appends that arrive while a sync is under way wait and share the
 * next one (group commit), so a burst of small requests costs one fsync per batch, not
 * per request.
 *
 * A segment (`<sequence>-<random>-<signal>.open`) is sealed (renamed `.jsonl`) when it reaches the size
 * limit or its age limit; the writer then inserts it into ClickHouse with the segment's
 * deduplication token and deletes it. After a crash, open segments are cut back to their
 * last complete line (a torn tail was never acknowledged) and sealed, and every sealed
 * segment is inserted again — duplicates are dropped by the token.
 *
 * Segment files are JSONEachRow, the format ClickHouse reads, so the embedded engine can
 * insert a segment straight from the file.
 */
export class Spool {
  private readonly options: SpoolOptions;
  private mayAgeSeal: () => boolean = () => true;
  private readonly lanes: Record<Signal, Lane>;
  private readonly ready: Segment[] = [];
  private seq = 0;
  private id = '';
  private bytes = 0;
  private closing = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(options: SpoolOptions) {
    this.options = options;
    const lane = (): Lane => ({ chunks: [], waiters: [], running: false, sealRequested: false, active: undefined });
    this.lanes = { traces: lane(), logs: lane() };
  }

  /** Bytes held: sealed segments, open segments and appends waiting for their sync. */
  get totalBytes(): number {
    return this.bytes;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** Recover what a previous process left, then start the age timer. */
  async open(): Promise<{ recovered: number; truncatedBytes: number }> {
    await mkdir(this.options.dir, { recursive: true });
    const idFile = join(this.options.dir, 'SPOOL_ID');
    try {
      this.id = (await readFile(idFile, 'utf8')).trim();
    } catch {
      this.id = randomUUID();
      await writeFile(idFile, `${this.id}\n`, { flush: true });
    }
    let truncatedBytes = 0;
    const names = (await readdir(this.options.dir)).filter((n) => SEGMENT.test(n)).sort();
    for (const name of names) {
      const [, seq, signal, state] = SEGMENT.exec(name)!;
      this.seq = Math.max(this.seq, Number(seq));
      let path = join(this.options.dir, name);
      if (state === 'open') {
        // a torn last line was never acknowledged: cut the file back to its last newline
        const data = await readFile(path);
        const end = data.lastIndexOf(0x0a) + 1;
        truncatedBytes += data.length - end;
        if (end === 0) {
          await unlink(path);
          continue;
        }
        if (end < data.length) await truncate(path, end);
        const sealed = path.replace(/\.open$/, '.jsonl');
        await rename(path, sealed);
        path = sealed;
      }
      const { size } = await stat(path);
      this.bytes += size;
      this.ready.push(this.segment(path, signal as Signal, size));
    }
    this.timer = setInterval(() => this.sealOld(), Math.max(5, Math.floor(this.options.segmentMaxAgeMs / 2)));
    this.timer.unref();
    return { recovered: this.ready.length, truncatedBytes };
  }

  private segment(path: string, signal: Signal, bytes: number): Segment {
    const name = path.slice(path.lastIndexOf('/') + 1).replace(/\.(open|jsonl)$/, '');
    return { name, path, signal, bytes, token: `${this.id}-${name}` };
  }

  /**
   * Append JSONEachRow text (newline-terminated rows, UTF-8 when bytes); resolves once it is on disk.
   * Rejects at once with a 503 error when the spool is at its quota or closing.
   */
  append(signal: Signal, text: string | Buffer): Promise<void> {
    if (this.closing) return Promise.reject(shuttingDown());
    const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    if (this.bytes + buf.length > this.options.maxBytes) return Promise.reject(spoolFull(this.options.maxBytes));
    this.bytes += buf.length;
    const lane = this.lanes[signal];
    return new Promise<void>((resolve, reject) => {
      lane.chunks.push(buf);
      lane.waiters.push({ resolve, reject, bytes: buf.length });
      this.schedule(signal);
    });
  }

  /** Sealed segments in the order they were written. */
  segments(): readonly Segment[] {
    return this.ready;
  }

  /** Called when a segment is sealed. Returns an unsubscribe function. */
  onSealed(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forget a segment once it is stored. */
  async remove(segment: Segment): Promise<void> {
    const i = this.ready.indexOf(segment);
    if (i >= 0) this.ready.splice(i, 1);
    await unlink(segment.path).catch(() => undefined);
    this.bytes -= segment.bytes;
  }

  /** Refuse new appends, finish the pending ones and seal the open segments. */
  /**
   * Whether an open segment may be sealed for its age now; by default, always. The writer's
   * stage says yes only while the writer is idle: under load the open segment keeps filling
   * (up to `segmentBytes`) while the previous insert runs, so inserts grow with load — each
   * insert into ClickHouse has a fixed cost of a few hundred ms whatever its size.
   */
  gateAgeSeal(mayAgeSeal: () => boolean): void {
    this.mayAgeSeal = mayAgeSeal;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    for (const signal of SIGNALS) {
      this.lanes[signal].sealRequested = true;
      this.schedule(signal);
    }
    while (SIGNALS.some((s) => this.lanes[s].running || this.lanes[s].chunks.length > 0)) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private sealOld(): void {
    if (!this.mayAgeSeal() && !this.closing) return;
    const now = Date.now();
    for (const signal of SIGNALS) {
      const a = this.lanes[signal].active;
      if (a && a.bytes > 0 && now - a.openedAt >= this.options.segmentMaxAgeMs) {
        this.lanes[signal].sealRequested = true;
        this.schedule(signal);
      }
    }
  }

  private schedule(signal: Signal): void {
    const lane = this.lanes[signal];
    if (lane.running) return;
    lane.running = true;
    // setImmediate: requests that arrive in the same turn share the first sync too
    setImmediate(() => {
      this.run(signal).finally(() => {
        lane.running = false;
        if (lane.chunks.length > 0 || lane.sealRequested) this.schedule(signal);
      });
    });
  }

  private async run(signal: Signal): Promise<void> {
    const lane = this.lanes[signal];
    while (lane.chunks.length > 0) {
      const chunks = lane.chunks.splice(0);
      const waiters = lane.waiters.splice(0);
      const size = waiters.reduce((n, w) => n + w.bytes, 0);
      try {
        if (!lane.active) lane.active = await this.openSegment(signal);
        const seg = lane.active;
        await seg.fh.write(Buffer.concat(chunks, size));
        await seg.fh.datasync();
        seg.bytes += size;
        for (const w of waiters) w.resolve();
      } catch (err) {
        this.bytes -= size;
        const e = spoolWrite((err as NodeJS.ErrnoException).code ?? String(err));
        for (const w of waiters) w.reject(e);
        // the segment may now end in a partial write: seal it, trimmed back to its last full line
        if (lane.active) lane.active.torn = true;
        lane.sealRequested = true;
      }
      if (lane.active && lane.active.bytes >= this.options.segmentBytes) lane.sealRequested = true;
      if (lane.sealRequested) await this.seal(signal);
    }
    if (lane.sealRequested) await this.seal(signal);
  }

  private async openSegment(signal: Signal) {
    this.seq += 1;
    const name = `${String(this.seq).padStart(12, '0')}-${randomBytes(8).toString('hex')}-${signal}`;
    const path = join(this.options.dir, `${name}.open`);
    const fh = await open(path, 'a');
    return { fh, name, path, bytes: 0, openedAt: Date.now(), torn: false };
  }

  private async seal(signal: Signal): Promise<void> {
    const lane = this.lanes[signal];
    lane.sealRequested = false;
    const a = lane.active;
    if (!a) return;
    lane.active = undefined;
    await a.fh.close().catch(() => undefined);
    if (a.bytes === 0) {
      await unlink(a.path).catch(() => undefined);
      return;
    }
    let size = a.bytes;
    if (a.torn) {
      // keep only complete lines: a failed write may have left half of one
      const data = await readFile(a.path);
      size = data.lastIndexOf(0x0a) + 1;
      if (size < data.length) await truncate(a.path, size);
      this.bytes += size - a.bytes;
    }
    const sealed = a.path.replace(/\.open$/, '.jsonl');
    await rename(a.path, sealed);
    this.ready.push(this.segment(sealed, signal, size));
    for (const l of this.listeners) l();
  }
}
