import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../http/metrics.js';
import type { Store } from '../store/clickhouse.js';
import { settingsSql } from '../store/clickhouse.js';
import { columnList, SPAN_COLUMNS } from '../store/columns.js';
import { DECISIONS_TABLE, STAGING_TABLE } from '../store/tables.js';
import { batches, idBatch, journeysOf } from './journeys.js';
import { SamplerLease } from './lease.js';
import type { SamplingRules } from './rules.js';

/**
 * The tail sampler: every tick it decides the journeys that have gone quiet and copies the kept
 * ones from the staging table into `otel_traces`.
 *
 * 1. Candidates: staged traces with no decision whose last span was ingested before the cutoff
 *    (the store's clock minus the decision delay, rounded down to the tick grid, so collectors
 *    ticking together look at the same traces).
 * 2. Their journeys (journeys.ts). A journey with a decided trace passes that decision on to
 *    its undecided ones (a late trace joining a decided journey); a journey of undecided traces
 *    waits until each of its staged traces is quiet, then the rules decide it.
 * 3. Kept traces' staged spans (those ingested before the cutoff, not yet in `otel_traces`) are
 *    copied in one INSERT … SELECT whose deduplication token is a hash of the spans it copies,
 *    then the decisions are recorded (trace, journey, kept, reason, when). Spans of a kept trace
 *    staged after its decision are copied by a later tick the same way.
 *
 * With several collectors on one store, one of them decides at a time: the holder of a lease
 * kept in the store (lease.ts); the others stand by and take over when it stops renewing.
 * Whoever decides, decisions are a function of what is stored. Copies are idempotent too: two
 * ticks that copy the same spans at once send the same token (stored once); a tick after
 * another's copy finds those spans in `otel_traces` and leaves them out; a copy happens before
 * its decisions are recorded, so a crash between them repeats the copy as a no-op.
 */
export interface Decision {
  traceId: string;
  journeyId: string;
  kept: boolean;
  /** error, timeout, cold_start, span_latency, journey_latency, attribute, rate; sampled_out */
  reason: string;
}

export interface TickResult {
  /** The cutoff (epoch ms of the store's clock) this tick decided up to. */
  cutoffMs: number;
  decided: Decision[];
  /** Spans copied into `otel_traces`. */
  copied: number;
  /** Another collector holds the lease: this one decided nothing. */
  standby?: boolean;
}

interface Facts {
  TraceId: string;
  last: string;
  spans: string;
  errors: string;
  timeouts: string;
  colds: string;
  maxMs: number;
  startNs: string;
  endNs: string;
  matches: string;
}

/** Candidates a tick looks at, at most. */
const MAX_CANDIDATES = 20_000;
/** How far before the last cutoff a tick reads again: inserts are visible once whole, stamped when they began. */
const SCAN_MARGIN_MS = 60_000;
/** A tick reads the whole hold at least this often. */
const FULL_SCAN_EVERY_MS = 300_000;
/** Decisions one query of a tick sets aside at most (a slice of trace ids holds about this many). */
const DECISIONS_PER_SLICE = 250_000;

/** `n` (1, 2, 4, 8 or 16) ranges of trace ids by first hex digit, together all of them ('g' is after 'f'). */
export function idSlices(n: number): (readonly [string, string])[] {
  if (n <= 1) return [['', '~']];
  const digits = '0123456789abcdefg';
  const width = 16 / n;
  return Array.from({ length: n }, (_, i) => [digits[i * width]!, digits[(i + 1) * width]!] as const);
}

/** Deterministic share of journeys: a hash of the journey id (its smallest trace id) below `percent`. */
export function inRate(journeyId: string, percent: number): boolean {
  const h = createHash('sha256').update(journeyId).digest().readUInt32BE(0);
  return h / 0x1_0000_0000 < percent / 100;
}

/** The rule that keeps a journey with these traces' facts, or `sampled_out`. */
function decide(rules: SamplingRules, journeyId: string, facts: Facts[]): { kept: boolean; reason: string } {
  const k = rules.keep;
  const any = (f: (x: Facts) => boolean) => facts.some(f);
  if (k.timeouts && any((x) => Number(x.timeouts) > 0)) return { kept: true, reason: 'timeout' };
  if (k.errors && any((x) => Number(x.errors) > 0)) return { kept: true, reason: 'error' };
  if (k.coldStarts && any((x) => Number(x.colds) > 0)) return { kept: true, reason: 'cold_start' };
  if (k.spanOverMs !== undefined && any((x) => x.maxMs > k.spanOverMs!)) return { kept: true, reason: 'span_latency' };
  if (k.journeyOverMs !== undefined) {
    const start = facts.reduce((m, x) => (BigInt(x.startNs) < m ? BigInt(x.startNs) : m), BigInt(facts[0]!.startNs));
    const end = facts.reduce((m, x) => (BigInt(x.endNs) > m ? BigInt(x.endNs) : m), 0n);
    if (Number(end - start) / 1e6 > k.journeyOverMs) return { kept: true, reason: 'journey_latency' };
  }
  if (k.attributes.length > 0 && any((x) => Number(x.matches) > 0)) return { kept: true, reason: 'attribute' };
  if (inRate(journeyId, k.percent)) return { kept: true, reason: 'rate' };
  return { kept: false, reason: 'sampled_out' };
}

export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  /** Milliseconds between ticks; cutoffs are multiples of it. */
  readonly gridMs: number;
  /** Epoch ms of the last decision lag measured: now minus the last span's ingest of a decided trace. */
  lastLagMs: number | undefined;
  /** Where the next tick reads staged spans from (epoch ms); undefined: the whole hold. */
  private scanFrom: number | undefined;
  private lastFullScanMs = 0;
  /** Which collector decides (one at a time). */
  readonly lease: SamplerLease;

  constructor(
    private readonly store: Store,
    private readonly rules: SamplingRules,
    private readonly log: FastifyBaseLogger,
    private readonly metrics?: Metrics,
  ) {
    this.gridMs = Math.min(10_000, Math.max(1000, Math.round(rules.decisionDelayMs / 5)));
    // a lapsed holder is replaced after five ticks (at least 15 s: a long copy must not lose it)
    this.lease = new SamplerLease(store, { leaseMs: Math.max(15_000, 5 * this.gridMs), settleMs: 500 });
  }

  start(): void {
    const schedule = () => {
      if (this.stopped) return;
      // ticks on the grid, so collectors tick together
      const wait = this.gridMs - (Date.now() % this.gridMs) + 20;
      this.timer = setTimeout(() => {
        this.running = this.tick()
          .catch((err) => this.log.warn({ err: (err as Error).message }, 'tail sampling: tick failed; retrying'))
          .finally(schedule);
      }, wait);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private q<T>(query: string, query_params: Record<string, unknown>): Promise<T[]> {
    return this.store.client
      .query({ query, query_params, format: 'JSONEachRow' })
      .then((rs) => rs.json() as Promise<T[]>);
  }

  /** One round of decisions and copies (the timer calls it; tests and the bench call it too). */
  async tick(): Promise<TickResult> {
    const db = `\`${this.store.database}\``;
    const staging = `${db}.\`${STAGING_TABLE}\``;
    const decisions = `${db}.\`${DECISIONS_TABLE}\``;
    const [clock] = await this.q<{ now: string }>('SELECT toString(toUnixTimestamp64Milli(now64(3))) AS now', {});
    const nowMs = Number(clock!.now);
    const cutoffMs = Math.floor((nowMs - this.rules.decisionDelayMs) / this.gridMs) * this.gridMs;
    if (!(await this.lease.hold())) return this.standBy(cutoffMs);
    this.metrics?.samplingLeader.set(1);
    // Staged spans are read from where the last tick left off, less a margin for inserts that
    // became visible late; the whole hold when a tick left traces undecided, and every five
    // minutes anyway. Only the cost depends on it: a trace missed here is found by a later tick.
    const holdFrom = nowMs - this.rules.holdMs;
    const full = this.scanFrom === undefined || nowMs - this.lastFullScanMs > FULL_SCAN_EVERY_MS;
    const fromMs = full ? holdFrom : Math.max(holdFrom, this.scanFrom!);
    if (full) this.lastFullScanMs = nowMs;
    // A full read of a busy hold goes through it in slices of trace ids (both tables are ordered
    // by trace id), so no query builds the set of a whole hold's decisions at once: at 1,000
    // traces/s and a 1 h hold that would be 3.6 M ids; up to 16 slices of at most ~250,000.
    let slices = 1;
    if (full) {
      const [made] = await this.q<{ n: string }>(
        `SELECT toString(count()) AS n FROM ${decisions} WHERE DecidedAt >= fromUnixTimestamp64Milli({from:Int64})`,
        { from: fromMs },
      );
      while (slices < 16 && Number(made?.n ?? 0) / slices > DECISIONS_PER_SLICE) slices *= 2;
    }
    const candidates: string[] = [];
    const late: string[] = [];
    for (const [lo, hi] of idSlices(slices)) {
      if (candidates.length >= MAX_CANDIDATES || late.length >= MAX_CANDIDATES) break;
      const window = { from: fromMs, cutoff: cutoffMs, lo, hi };
      const slice = (t = '') => `${t}TraceId >= {lo:String} AND ${t}TraceId < {hi:String}`;
      for (const r of await this.q<{ TraceId: string }>(
        `SELECT TraceId FROM ${staging}
         WHERE ${slice()} AND IngestedAt >= fromUnixTimestamp64Milli({from:Int64})
           AND TraceId NOT IN (SELECT TraceId FROM ${decisions}
                               WHERE ${slice()} AND DecidedAt >= fromUnixTimestamp64Milli({from:Int64}))
         GROUP BY TraceId HAVING max(IngestedAt) <= fromUnixTimestamp64Milli({cutoff:Int64})
         ORDER BY TraceId LIMIT {limit:UInt32}`,
        { ...window, limit: MAX_CANDIDATES - candidates.length },
      ))
        candidates.push(r.TraceId);
      // kept traces that got spans after their decision
      for (const r of await this.q<{ TraceId: string }>(
        `SELECT s.TraceId AS TraceId FROM ${staging} AS s
         INNER JOIN (SELECT TraceId, max(DecidedAt) AS at FROM ${decisions}
                     WHERE ${slice()} AND Kept = 1 AND DecidedAt >= fromUnixTimestamp64Milli({from:Int64})
                     GROUP BY TraceId) AS d
           ON s.TraceId = d.TraceId
         WHERE ${slice('s.')} AND s.IngestedAt >= fromUnixTimestamp64Milli({from:Int64}) AND s.IngestedAt > d.at
         GROUP BY s.TraceId HAVING max(s.IngestedAt) <= fromUnixTimestamp64Milli({cutoff:Int64})
         ORDER BY TraceId LIMIT {limit:UInt32}`,
        { ...window, limit: MAX_CANDIDATES - late.length },
      ))
        late.push(r.TraceId);
    }
    // what the next tick reads from, unless this one leaves something waiting (below)
    let nextFrom: number | undefined =
      candidates.length >= MAX_CANDIDATES || late.length >= MAX_CANDIDATES ? undefined : cutoffMs - SCAN_MARGIN_MS;
    if (candidates.length === 0 && late.length === 0) {
      this.scanFrom = nextFrom;
      return { cutoffMs, decided: [], copied: 0 };
    }

    const groups = candidates.length > 0 ? await journeysOf(this.store, candidates) : new Map<string, string[]>();
    const members = [...new Set([...groups.values()].flat())];
    const { keep } = this.rules;
    const ids = [...new Set([...members, ...late])];
    const facts = new Map<string, Facts>();
    const earlier = new Map<string, { TraceId: string; JourneyId: string; Kept: number; Reason: string }>();
    for (const some of batches(ids, idBatch(this.store))) {
      const [f, e] = await Promise.all([
        this.q<Facts>(
          `SELECT TraceId, toString(toUnixTimestamp64Milli(max(IngestedAt))) AS last, toString(count()) AS spans,
             toString(countIf(StatusCode = 'Error')) AS errors,
             toString(countIf(SpanAttributes['fntrace.timeout'] = 'true')) AS timeouts,
             toString(countIf(SpanAttributes['faas.coldstart'] = 'true')) AS colds,
             max(Duration) / 1e6 AS maxMs,
             toString(min(toUnixTimestamp64Nano(Timestamp))) AS startNs,
             toString(max(toUnixTimestamp64Nano(Timestamp) + Duration)) AS endNs,
             toString(countIf(arrayExists((k, v) -> SpanAttributes[k] = v OR ResourceAttributes[k] = v,
                                          {keys:Array(String)}, {values:Array(String)}))) AS matches
           FROM ${staging} WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId`,
          { ids: some, keys: keep.attributes.map((a) => a.key), values: keep.attributes.map((a) => a.value) },
        ),
        this.q<{ TraceId: string; JourneyId: string; Kept: number; Reason: string }>(
          `SELECT TraceId, argMin(JourneyId, DecidedAt) AS JourneyId, argMin(Kept, DecidedAt) AS Kept,
             argMin(Reason, DecidedAt) AS Reason
           FROM ${decisions} WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId`,
          { ids: some },
        ),
      ]);
      for (const x of f) facts.set(x.TraceId, x);
      for (const x of e) earlier.set(x.TraceId, x);
    }

    const decided: Decision[] = [];
    for (const [journeyId, traces] of groups) {
      // staged traces still receiving spans hold back a journey no one decided yet
      const staged = traces.filter((t) => facts.has(t));
      const undecided = staged.filter((t) => !earlier.has(t));
      if (undecided.length === 0) continue;
      const before = traces.map((t) => earlier.get(t)).find((d) => d !== undefined);
      const quiet = (t: string) => Number(facts.get(t)!.last) <= cutoffMs;
      if (before) {
        for (const t of undecided.filter(quiet))
          decided.push({ traceId: t, journeyId: before.JourneyId, kept: before.Kept === 1, reason: before.Reason });
        continue;
      }
      if (!staged.every(quiet)) {
        nextFrom = undefined;
        continue;
      }
      const d = decide(
        this.rules,
        journeyId,
        staged.map((t) => facts.get(t)!),
      );
      for (const t of undecided) decided.push({ traceId: t, journeyId, ...d });
    }
    const lateKept = late.filter((t) => facts.has(t) && !decided.some((d) => d.traceId === t));
    const lateDecisions: Decision[] = lateKept.map((t) => {
      const d = earlier.get(t)!;
      return { traceId: t, journeyId: d.JourneyId, kept: true, reason: d.Reason };
    });
    const kept = [...decided.filter((d) => d.kept), ...lateDecisions].map((d) => d.traceId);
    // a holder paused past its lease may have been replaced meanwhile: then its successor copies
    if (!(await this.lease.stillHeld())) return this.standBy(cutoffMs);
    let copied = 0;
    // a journey only the rate rule kept stands for 100 / percent journeys (SampleWeight)
    const rated = new Set([...decided, ...lateDecisions].filter((d) => d.reason === 'rate').map((d) => d.traceId));
    // in slices of sorted ids: two collectors with the same kept traces make the same slices
    for (const some of batches(kept.sort(), idBatch(this.store)))
      copied += await this.copy(
        some,
        some.filter((t) => rated.has(t)),
        facts,
        cutoffMs,
      );
    const all = [...decided, ...lateDecisions];
    if (all.length > 0) {
      await this.store.client.insert({
        table: `${this.store.database}.${DECISIONS_TABLE}`,
        values: all.map((d) => ({
          TraceId: d.traceId,
          JourneyId: d.journeyId,
          Kept: d.kept ? 1 : 0,
          Reason: d.reason,
          DecidedAt: nowMs,
          Spans: Number(facts.get(d.traceId)?.spans ?? 0),
        })),
        format: 'JSONEachRow',
      });
      for (const d of decided) {
        this.metrics?.sampledTraces.inc({ reason: d.reason });
        const spans = Number(facts.get(d.traceId)?.spans ?? 0);
        this.metrics?.sampledSpans.inc({ outcome: d.kept ? 'kept' : 'sampled_out' }, spans);
      }
      const lastIngest = Math.max(...all.map((d) => Number(facts.get(d.traceId)?.last ?? 0)));
      this.lastLagMs = nowMs - lastIngest;
    }
    this.scanFrom = nextFrom;
    return { cutoffMs, decided, copied };
  }

  /** Another collector holds the lease; on taking it over, this one reads the whole hold. */
  private standBy(cutoffMs: number): TickResult {
    this.scanFrom = undefined;
    this.metrics?.samplingLeader.set(0);
    return { cutoffMs, decided: [], copied: 0, standby: true };
  }

  /**
   * Copies the staged spans of `traces` ingested up to the cutoff that `otel_traces` does not
   * hold yet, in one insert whose deduplication token is a hash of exactly those spans.
   */
  private async copy(traces: string[], rated: string[], facts: Map<string, Facts>, cutoffMs: number): Promise<number> {
    const db = `\`${this.store.database}\``;
    const staging = `${db}.\`${STAGING_TABLE}\``;
    // otel_traces is read in the traces' time window, an hour wider (its sorting key starts with time)
    const ms = (ns: string) => Number(BigInt(ns) / 1_000_000n);
    const window = {
      ids: traces,
      cutoff: cutoffMs,
      lo: Math.min(...traces.map((t) => ms(facts.get(t)!.startNs))) - 3_600_000,
      hi: Math.max(...traces.map((t) => ms(facts.get(t)!.endNs))) + 3_600_000,
    };
    // the spans to copy: staged by the cutoff, not in otel_traces yet (the insert reads the same)
    const filter = `TraceId IN {ids:Array(String)} AND IngestedAt <= fromUnixTimestamp64Milli({cutoff:Int64})
           AND (TraceId, SpanId) NOT IN (
             SELECT TraceId, SpanId FROM ${db}.\`otel_traces\` WHERE TraceId IN {ids:Array(String)}
               AND Timestamp BETWEEN fromUnixTimestamp64Milli({lo:Int64}) AND fromUnixTimestamp64Milli({hi:Int64}))`;
    const spans = (
      await this.q<{ k: string }>(
        `SELECT concat(TraceId, ':', SpanId) AS k FROM ${staging} WHERE ${filter} GROUP BY k ORDER BY k`,
        window,
      )
    ).map((r) => r.k);
    if (spans.length === 0) return 0;
    const token = `tail-${createHash('sha256').update(spans.join('\n')).digest('hex').slice(0, 40)}`;
    const cols = columnList(SPAN_COLUMNS);
    // one block in a fixed order, so the same spans make the same block under the same token;
    // the settings go in the SQL (the embedded connection would keep them for later queries)
    const settings = { insert_deduplication_token: token, insert_deduplicate: 1, max_threads: 1 };
    await this.store.client.command({
      query: `INSERT INTO ${db}.\`otel_traces\` (${cols}, IngestedAt, SampleWeight) SETTINGS ${settingsSql(settings)}
        SELECT ${cols}, IngestedAt, if(TraceId IN {rated:Array(String)}, {weight:Float32}, 1) FROM ${staging}
        WHERE ${filter}
        ORDER BY TraceId, SpanId LIMIT 1 BY TraceId, SpanId`,
      query_params: { ...window, rated, weight: rated.length > 0 ? 100 / this.rules.keep.percent : 1 },
    });
    return spans.length;
  }
}
