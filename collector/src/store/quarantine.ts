import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signal } from '../spool/spool.js';

/**
 * The quarantine: rows the store refused for what they hold (isolate.ts found them), kept in
 * `<data>/quarantine/` until `fntrace quarantine retry` stores them (after an upgrade fixed the
 * cause) or someone deletes them. Never silently: each entry is counted
 * (`fntrace_quarantined_items_total`) and `/readyz` reports them as a warning.
 *
 * An entry is two files, both for people to read:
 * - `<name>.jsonl`: the rows, exactly as they were spooled (JSONEachRow, what ClickHouse reads);
 * - `<name>.json`: what happened — the segment they came from and their line numbers in it,
 *   the error, when, the deduplication token a retry inserts them with.
 *
 * `<name>` is `<segment>.l<first line>-<last line>`: the rows of one segment that one error
 * refused. Names are a function of the segment and the lines, so isolating a segment again
 * after a crash writes the same entries over themselves.
 */
export interface QuarantineEntry {
  /** file name without extension */
  name: string;
  /** the spool segment the rows were in */
  segment: string;
  signal: Signal;
  /** their line numbers in the segment (1-based), as ranges: `7`, `2-4,9` */
  lines: string;
  rows: number;
  /**
   * how the store refused them: `screened` — a kind of row known to fail the insert, not
   * tried; `refused` — the insert failed for them; `refused in a view` — the table took them
   * but a materialized view refused them (they are in otel_traces, missing from the tables
   * the views fill; a retry with `token` completes those); `not examined` — left whole when a
   * segment had more bad rows than one pass isolates
   */
  stage: 'screened' | 'refused' | 'refused in a view' | 'not examined';
  /** the error the store (or the screen) gave */
  error: string;
  /** the token a retry inserts them with */
  token: string;
  /** the segment's token, from which tokens of parts of them are derived */
  segmentToken: string;
  /** ISO-8601 */
  quarantinedAt: string;
  /** retries that failed so far */
  retries: number;
}

export interface QuarantineSummary {
  entries: number;
  rows: number;
  bySignal: Record<Signal, number>;
}

/** Line numbers as ranges: [1,2,3,7] → `1-3,7`. */
export function lineRanges(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    out.push(i === j ? String(numbers[i]) : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** The numbers of {@link lineRanges}' text. */
export function parseLineRanges(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let n = a!; n <= (b ?? a!); n++) out.push(n);
  }
  return out;
}

/** Writes a file and syncs it, through a temporary name: it is either whole or absent. */
async function writeDurably(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const META = /\.json$/;

export class Quarantine {
  /** where parts of segments are written for the embedded engine to read while isolating */
  readonly workDir: string;
  private current: QuarantineSummary = { entries: 0, rows: 0, bySignal: { traces: 0, logs: 0 } };

  constructor(readonly dir: string) {
    this.workDir = join(dir, '.work');
  }

  /** Creates the folder, clears what an interrupted run left in `.work`, and counts the entries. */
  async open(): Promise<QuarantineSummary> {
    await rm(this.workDir, { recursive: true, force: true });
    await mkdir(this.workDir, { recursive: true });
    await this.refresh();
    return this.summary();
  }

  summary(): QuarantineSummary {
    return { ...this.current, bySignal: { ...this.current.bySignal } };
  }

  private async refresh(): Promise<void> {
    const entries = await this.list();
    const s: QuarantineSummary = { entries: entries.length, rows: 0, bySignal: { traces: 0, logs: 0 } };
    for (const e of entries) {
      s.rows += e.rows;
      s.bySignal[e.signal] += e.rows;
    }
    this.current = s;
  }

  /** Entries, oldest segment first. An entry whose files are incomplete (a crash while writing it) is left out. */
  async list(): Promise<QuarantineEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => META.test(n)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: QuarantineEntry[] = [];
    for (const file of names) {
      try {
        out.push(JSON.parse(await readFile(join(this.dir, file), 'utf8')) as QuarantineEntry);
      } catch {
        // a half-written or hand-edited file: not an entry
      }
    }
    return out;
  }

  /** The rows of an entry, each with its line number in the segment. */
  async rows(entry: QuarantineEntry): Promise<{ n: number; text: Buffer }[]> {
    const data = await readFile(join(this.dir, `${entry.name}.jsonl`));
    const numbers = parseLineRanges(entry.lines);
    const out: { n: number; text: Buffer }[] = [];
    let start = 0;
    for (const n of numbers) {
      const end = data.indexOf(0x0a, start);
      if (end < 0) break;
      out.push({ n, text: data.subarray(start, end) });
      start = end + 1;
    }
    return out;
  }

  /**
   * Writes entries (rows first, then what happened), durably: the caller removes the spool
   * segment (or the entry they replace) only afterwards. An entry of the same name is replaced.
   */
  async add(
    entries: { meta: Omit<QuarantineEntry, 'name' | 'lines' | 'rows'>; lines: { n: number; text: Buffer }[] }[],
  ): Promise<QuarantineEntry[]> {
    if (entries.length === 0) return [];
    await mkdir(this.dir, { recursive: true });
    const written: QuarantineEntry[] = [];
    for (const { meta, lines } of entries) {
      const numbers = lines.map((l) => l.n);
      const name = `${meta.segment}.l${numbers[0]}-${numbers.at(-1)}`;
      const entry: QuarantineEntry = { name, ...meta, lines: lineRanges(numbers), rows: lines.length };
      const text = Buffer.concat(lines.flatMap((l) => [l.text, NEWLINE]));
      await writeDurably(join(this.dir, `${name}.jsonl`), text);
      await writeDurably(join(this.dir, `${name}.json`), `${JSON.stringify(entry, null, 2)}\n`);
      written.push(entry);
    }
    await syncDir(this.dir);
    await this.refresh();
    return written;
  }

  /** Deletes an entry (its rows are stored, or in newer entries). */
  async remove(name: string): Promise<void> {
    await unlink(join(this.dir, `${name}.json`)).catch(() => undefined);
    await unlink(join(this.dir, `${name}.jsonl`)).catch(() => undefined);
    await this.refresh();
  }
}

const NEWLINE = Buffer.from('\n');
