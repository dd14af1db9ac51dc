import { createHash } from 'node:crypto';

/** What an export request was answered: the items refused and why (`partial_success`). */
export interface Answer {
  readonly rejected: number;
  readonly message: string;
}

const ALL_ACCEPTED: Answer = Object.freeze({ rejected: 0, message: '' });

/**
 * Export requests already acknowledged, remembered for a while so that a client's retry of
 * one is answered again without storing its items a second time.
 *
 * A function that is frozen, or times out, after the collector stored its batch but before
 * the 200 reached it sends the same batch again when it wakes; OTLP exporters retry a
 * request with the same bytes. Without this, every span of such a batch would be stored
 * twice, and the trace summary would count its spans, errors, invocations and cost twice.
 *
 * A request is known by a SHA-1 of its signal and its decompressed body. Its answer is
 * remembered only once its items are durable, so a request that failed (spool full, a body
 * that did not decode) is handled afresh when it comes back. Identical requests that arrive
 * while the first is still being stored wait for its answer. The memory is this process's:
 * a retry that reaches another replica, or this one after a restart, is stored again.
 */
export class RecentRequests {
  private readonly answered = new Map<string, { answer: Answer; until: number }>();
  private readonly inFlight = new Map<string, Promise<Answer>>();

  /**
   * @param windowMs how long an answer is remembered; 0 turns this off
   * @param maxEntries the most answers remembered; the oldest are forgotten first
   */
  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 200_000,
  ) {}

  static keyOf(signal: string, body: Uint8Array): string {
    return `${signal}:${createHash('sha1').update(body).digest('base64')}`;
  }

  /** How many answers are remembered now. */
  get size(): number {
    return this.answered.size;
  }

  /**
   * `store()`'s answer, or the answer an identical earlier request got (then `repeat` is
   * true and `store` is not called).
   */
  async once(key: string, store: () => Promise<Answer>): Promise<{ answer: Answer; repeat: boolean }> {
    if (this.windowMs <= 0) return { answer: await store(), repeat: false };
    const now = Date.now();
    const known = this.answered.get(key);
    if (known && known.until > now) return { answer: known.answer, repeat: true };
    const pending = this.inFlight.get(key);
    if (pending) {
      try {
        return { answer: await pending, repeat: true };
      } catch {
        // the first attempt failed, so nothing of it was stored: this one tries again
        return this.once(key, store);
      }
    }
    const attempt = store();
    this.inFlight.set(key, attempt);
    try {
      const answer = await attempt;
      this.remember(key, answer, Date.now());
      return { answer, repeat: false };
    } finally {
      this.inFlight.delete(key);
    }
  }

  private remember(key: string, answer: Answer, now: number): void {
    // entries go in in time order, so the expired ones are at the front
    for (const [k, v] of this.answered) {
      if (v.until > now && this.answered.size < this.maxEntries) break;
      this.answered.delete(k);
    }
    this.answered.delete(key);
    // most answers are "all accepted": one shared object for those keeps an entry small
    const kept = answer.rejected === 0 && answer.message === '' ? ALL_ACCEPTED : answer;
    this.answered.set(key, { answer: kept, until: now + this.windowMs });
  }
}
