import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../store/clickhouse.js';
import { LEASE_TABLE } from '../store/tables.js';

/**
 * Which of the collectors writing to one store runs the tail sampler: a lease held in the store
 * itself, so collectors share nothing else (no routing, no membership list).
 *
 * The lease has numbered terms. A collector that finds no live term (none yet, or its holder
 * has not renewed for `leaseMs`) claims the next one: a row with the term, its id, a random
 * claim and the store's clock. Claims made within `settleMs` of the term's first one compete;
 * the smallest claim wins. The claimant waits `settleMs` and a margin, so every competing claim
 * is visible to it, and reads the winner as every other claimant reads it. The holder renews
 * with a row now and then; the others stand by and take over a term after it lapses.
 *
 * Why a lease and not only idempotent copies: decisions are a function of what is stored and
 * agree anyway, but two collectors copying at once on different cutoffs would copy different
 * sets of the same spans under different deduplication tokens, and both would be stored. One
 * decider at a time also does each journey's work once.
 *
 * A holder paused longer than `leaseMs` (and then resumed mid-tick) could overlap with its
 * successor for the rest of that tick; the sampler checks the lease again just before it
 * copies, which leaves that window at one copy's length.
 */
export interface LeaseOptions {
  /** A term lapses when its holder has not renewed it for this long. */
  leaseMs: number;
  /** Claims within this long of a term's first claim compete for it. */
  settleMs: number;
}

interface TermRow {
  Holder: string;
  claim: string;
  first: string;
  last: string;
}

/** How long after `settleMs` a claimant waits before it reads the winner: inserts become visible once whole. */
const VISIBLE_MARGIN_MS = 250;

export class SamplerLease {
  /** This collector's id in the lease table. */
  readonly id = randomUUID();
  private readonly claim = BigInt(`0x${randomBytes(8).toString('hex')}`).toString();
  private heldTerm: number | undefined;
  private renewedMs = 0;
  /** When `hold()` last found the lease this collector's (performance.now()). */
  private heldSince = 0;

  constructor(
    private readonly store: Store,
    private readonly o: LeaseOptions,
  ) {}

  private get table() {
    return `\`${this.store.database}\`.\`${LEASE_TABLE}\``;
  }

  private async rows<T>(query: string, query_params: Record<string, unknown> = {}): Promise<T[]> {
    const rs = await this.store.client.query({ query, query_params, format: 'JSONEachRow' });
    return (await rs.json()) as T[];
  }

  /** The latest term, its holder (undefined while its claims settle), its last renewal and the store's clock. */
  private async current(): Promise<{ term: number; holder?: string; lastMs: number; nowMs: number }> {
    // one query: the latest term's claimants (none on an empty table), each with the store's clock
    const rows = await this.rows<TermRow & { term: string; now: string }>(
      `SELECT toString(Term) AS term, Holder, toString(min(Claim)) AS claim,
         toString(toUnixTimestamp64Milli(min(At))) AS first, toString(toUnixTimestamp64Milli(max(At))) AS last,
         toString(toUnixTimestamp64Milli(now64(3))) AS now
       FROM ${this.table} WHERE Term = (SELECT max(Term) FROM ${this.table}) GROUP BY Term, Holder`,
    );
    if (rows.length === 0) {
      const [clock] = await this.rows<{ now: string }>('SELECT toString(toUnixTimestamp64Milli(now64(3))) AS now');
      return { term: 0, lastMs: 0, nowMs: Number(clock!.now) };
    }
    const term = Number(rows[0]!.term);
    const nowMs = Number(rows[0]!.now);
    const opened = Math.min(...rows.map((r) => Number(r.first)));
    const lastClaimAt = opened + this.o.settleMs;
    // still settling: a competing claim may not be visible yet
    if (nowMs < lastClaimAt + VISIBLE_MARGIN_MS) return { term, lastMs: nowMs, nowMs };
    let winner: TermRow | undefined;
    for (const r of rows)
      if (Number(r.first) <= lastClaimAt && (!winner || BigInt(r.claim) < BigInt(winner.claim))) winner = r;
    return { term, holder: winner?.Holder, lastMs: Number(winner?.last ?? opened), nowMs };
  }

  private async write(term: number): Promise<void> {
    await this.store.client.command({
      query: `INSERT INTO ${this.table} (Term, Holder, Claim, At)
        SELECT {term:UInt64}, {holder:String}, {claim:UInt64}, now64(3)`,
      query_params: { term, holder: this.id, claim: this.claim },
    });
  }

  /** A renewal row when the last one is a quarter lease old. */
  private async renewIfDue(term: number, nowMs: number): Promise<void> {
    if (nowMs - this.renewedMs <= this.o.leaseMs / 4) return;
    await this.write(term);
    this.renewedMs = nowMs;
  }

  /**
   * Whether this collector holds the lease now: renews it when held, claims the next term when
   * it has lapsed (waiting for competing claims to settle), and answers false while another
   * collector holds it.
   */
  async hold(): Promise<boolean> {
    const cur = await this.current();
    if (cur.holder === this.id) {
      this.heldTerm = cur.term;
      this.heldSince = performance.now();
      await this.renewIfDue(cur.term, cur.nowMs);
      return true;
    }
    this.heldTerm = undefined;
    if (cur.term > 0 && (cur.holder === undefined || cur.nowMs - cur.lastMs < this.o.leaseMs)) return false;
    const term = cur.term + 1;
    await this.write(term);
    await new Promise((r) => setTimeout(r, this.o.settleMs + VISIBLE_MARGIN_MS));
    const after = await this.current();
    if (after.term !== term || after.holder !== this.id) return false;
    this.heldTerm = term;
    this.heldSince = performance.now();
    this.renewedMs = after.nowMs;
    return true;
  }

  /**
   * Whether the term this collector last held is still the latest and its own (checked before
   * copying). No one takes a term over until `leaseMs` after its last renewal, and `hold()` leaves
   * that at most a quarter lease old: within half a lease of it the answer is yes without asking.
   */
  async stillHeld(): Promise<boolean> {
    if (this.heldTerm === undefined) return false;
    if (performance.now() - this.heldSince < this.o.leaseMs / 2) return true;
    const cur = await this.current();
    if (cur.term !== this.heldTerm || cur.holder !== this.id) return false;
    await this.renewIfDue(cur.term, cur.nowMs);
    return true;
  }
}
