import { createHash } from 'node:crypto';
import type { Signal } from '../spool/spool.js';
import { classifyInsertError, type InsertFailure } from './insert-errors.js';
import type { QuarantineEntry } from './quarantine.js';

/**
 * Isolating the rows a store refuses: given rows whose insert failed deterministically (the
 * data itself is refused, insert-errors.ts), store every row that can be stored and return the
 * others, each group with the error that refused it, for the quarantine. Used by the writer on a
 * spool segment and by `fntrace quarantine retry` on an entry.
 *
 * 1. *Screen*: rows of a kind known to fail the insert are set aside without an insert: a line
 *    that is not a JSON object, a string with a lone high surrogate (ClickHouse's JSON reader
 *    refuses it), a span whose Timestamp + Duration is past what DateTime64(9) holds (the trace
 *    summary view overflows). Ingest refuses all of these now; segments spooled by an earlier
 *    version can hold them.
 * 2. If the screen set rows aside, the rest is inserted as the whole was, with the batch's own
 *    token. When the failure came from a materialized view, the table had already taken the
 *    whole batch under that token (ClickHouse inserts are not atomic across views): the table
 *    drops the repeat, and the views get the rows they missed — each row stored once.
 * 3. Otherwise *bisect*: each half is inserted with a token derived from the batch's and its
 *    line numbers; a half that fails is split again, down to single rows. Failed inserts
 *    before a view stored nothing, and derived tokens are a function of the lines, so isolating
 *    the same segment again after a crash stores nothing twice. A half that fails in a view is
 *    set aside whole with its token (its rows are in the table; a retry completes the views).
 *    At most `budget` inserts per batch: what is left unexamined then is set aside whole.
 *
 * A transient error on the way throws (the caller retries the whole batch later: done parts
 * are dropped as duplicates then).
 */
export interface Line {
  /** its line number (1-based) in the segment it was spooled in */
  n: number;
  /** the JSONEachRow text, without its newline */
  text: Buffer;
}

/** Inserts lines (newline-terminated, in order) with a deduplication token. */
export type InsertLines = (lines: readonly Line[], token: string) => Promise<void>;

export interface Refused {
  lines: Line[];
  token: string;
  stage: QuarantineEntry['stage'];
  error: string;
}

export interface Isolated {
  /** rows stored */
  stored: number;
  /** rows set aside, by cause */
  refused: Refused[];
  /** inserts made */
  inserts: number;
}

/** Inserts a batch may take while bisecting (a bad row among 30,000 takes ~30). */
export const DEFAULT_BUDGET = 400;

/**
 * The deduplication token of some lines of a batch: `<batch token>-l<first>-<last>` for a
 * range of consecutive lines, `<batch token>-h<hash of the line numbers>` for others.
 */
export function tokenOf(batchToken: string, lines: readonly Line[]): string {
  const first = lines[0]!.n;
  const last = lines.at(-1)!.n;
  if (last - first + 1 === lines.length) return `${batchToken}-l${first}-${last}`;
  const hash = createHash('sha1')
    .update(lines.map((l) => l.n).join(','))
    .digest('hex');
  return `${batchToken}-h${hash.slice(0, 16)}`;
}

/** Splits JSONEachRow text into numbered lines (from `first`), without their newlines. */
export function splitLines(text: Buffer, first = 1): Line[] {
  const out: Line[] = [];
  let start = 0;
  let n = first;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    if (end > start) out.push({ n, text: text.subarray(start, end) });
    n++;
    start = end + 1;
  }
  return out;
}

export async function isolate(
  signal: Signal,
  batch: { lines: Line[]; token: string; segmentToken: string },
  failure: InsertFailure,
  insert: InsertLines,
  budget = DEFAULT_BUDGET,
): Promise<Isolated> {
  const result: Isolated = { stored: 0, refused: [], inserts: 0 };
  const base = batch.segmentToken;

  // 1. the screen
  const byReason = new Map<string, Line[]>();
  const rest: Line[] = [];
  for (const line of batch.lines) {
    const reason = screen(line.text, signal);
    if (reason === undefined) rest.push(line);
    else byReason.set(reason, [...(byReason.get(reason) ?? []), line]);
  }
  for (const [error, lines] of byReason)
    result.refused.push({ lines, token: tokenOf(base, lines), stage: 'screened', error });
  if (rest.length === 0) return result;

  // 2. the rest as the whole was
  let last = failure;
  if (byReason.size > 0) {
    try {
      result.inserts++;
      await insert(rest, batch.token);
      result.stored += rest.length;
      return result;
    } catch (err) {
      last = classifyInsertError(err);
      if (last.kind === 'transient') throw err;
    }
  }
  if (last.inView) {
    result.refused.push({ lines: rest, token: batch.token, stage: 'refused in a view', error: last.text });
    return result;
  }

  // 3. bisect
  let left = budget;
  const bisect = async (lines: Line[], why: InsertFailure): Promise<void> => {
    if (lines.length === 1) {
      result.refused.push({ lines, token: tokenOf(base, lines), stage: 'refused', error: why.text });
      return;
    }
    const mid = Math.ceil(lines.length / 2);
    for (const half of [lines.slice(0, mid), lines.slice(mid)]) {
      const token = tokenOf(base, half);
      if (left <= 0) {
        result.refused.push({
          lines: half,
          token,
          stage: 'not examined',
          error: `not examined: more rows of this batch were refused than one pass isolates (${budget} inserts); the last error: ${why.text}`,
        });
        continue;
      }
      left--;
      result.inserts++;
      try {
        await insert(half, token);
        result.stored += half.length;
      } catch (err) {
        const f = classifyInsertError(err);
        if (f.kind === 'transient') throw err;
        if (f.inView) result.refused.push({ lines: half, token, stage: 'refused in a view', error: f.text });
        else await bisect(half, f);
      }
    }
  };
  await bisect(rest, last);
  return result;
}

// ——— the screen ———

/** 2^63 − 1 ns: the latest time DateTime64(9) holds (2262-04-11T23:47:16.854775807Z). */
const LATEST_NS = 2n ** 63n - 1n;
const TIME = /^(\d{1,10})\.(\d{9})$/;

/**
 * Why a spooled row is known to fail its insert, or `undefined`. Exact, not cautious: a row
 * screened out here would fail the engine the same way (each rule was tried against it).
 */
export function screen(text: Buffer, signal: Signal): string | undefined {
  let row: unknown;
  try {
    row = JSON.parse(text.toString('utf8'));
  } catch (err) {
    return `not a JSON object: ${(err as Error).message}`;
  }
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return 'not a JSON object';
  if (hasLoneHighSurrogate(row))
    return 'a string ends a UTF-16 surrogate pair halfway (CANNOT_PARSE_ESCAPE_SEQUENCE: missing second part of surrogate pair)';
  if (signal === 'traces') {
    const r = row as { Timestamp?: unknown; Duration?: unknown };
    const m = typeof r.Timestamp === 'string' ? TIME.exec(r.Timestamp) : null;
    const duration = typeof r.Duration === 'string' || typeof r.Duration === 'number' ? String(r.Duration) : '0';
    if (m && /^\d+$/.test(duration) && BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!) + BigInt(duration) > LATEST_NS)
      return 'Timestamp + Duration is past 2262-04-11T23:47:16Z, the latest time DateTime64(9) holds (DECIMAL_OVERFLOW in the trace summary view)';
  }
  return undefined;
}

function hasLoneHighSurrogate(v: unknown): boolean {
  if (typeof v === 'string') {
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = v.charCodeAt(i + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
        i++;
      }
    }
    return false;
  }
  if (Array.isArray(v)) return v.some(hasLoneHighSurrogate);
  if (v !== null && typeof v === 'object')
    return Object.entries(v).some(([k, x]) => hasLoneHighSurrogate(k) || hasLoneHighSurrogate(x));
  return false;
}
