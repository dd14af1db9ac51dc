import { report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { LossCounts, LossLedger, LossSignal } from './loss.js';
import type { SendResult } from './transport.js';

/**
 * The outgoing side of one signal (spans, or log records): items waiting to be encoded, and
 * requests that were sent but never acknowledged, kept byte for byte.
 *
 * A request that failed in a way that leaves its fate unknown (timed out, connection lost,
 * 429/5xx — the collector, or a proxy in front of it, may have stored it) is resent first on
 * the next flush, unchanged: the collector recognises a body it acknowledged within its retry
 * window and stores it once. Newer items go in their own request. Only a request that
 * certainly never reached the collector (connection refused, no time to send) gives its items
 * back to the queue to be encoded again.
 *
 * Bounds: at most `maxItems` items are held in all (queued, in flight and unacknowledged), and
 * at most `maxUnacked` unacknowledged requests; beyond them the newest item (`queue_full`) or
 * the oldest request (`retry_limit`) is dropped and counted in the loss ledger.
 */
export const MAX_UNACKED_REQUESTS = 8;

export interface SignalQueueOptions {
  signal: LossSignal;
  /** Singular noun for messages: `span`, `log record`. */
  noun: string;
  maxItems: number;
  maxUnacked: number;
  ledger: LossLedger;
  /** Sends one request body within `budgetMs`. Never rejects. */
  send(body: string, budgetMs: number): Promise<SendResult>;
}

/** What a flush encodes queued items into; `loss` is the ledger's counts the body carries. */
export interface Encoded {
  body: string;
  loss?: LossCounts | undefined;
}

interface Unacked {
  /** Creation order: the oldest request is resent first and given up first. */
  readonly seq: number;
  readonly body: string;
  readonly items: number;
  readonly loss: LossCounts | undefined;
}

export class SignalQueue<T> {
  private queued: T[] = [];
  private unacked: Unacked[] = [];
  private unackedItems = 0;
  private inFlightItems = 0;
  private seq = 0;
  private readonly o: SignalQueueOptions;

  constructor(options: SignalQueueOptions) {
    this.o = options;
  }

  enqueue(item: T): void {
    if (this.held() >= this.o.maxItems) {
      this.o.ledger.lose(this.o.signal, 'queue_full', 1);
      report(
        ERROR_CODES.QUEUE_FULL,
        `${this.o.noun} queue full (${this.o.maxItems}, counting those waiting to be resent); ${this.o.noun}s dropped`,
      );
      return;
    }
    this.queued.push(item);
  }

  /** Items held: queued, in flight, and in requests waiting to be resent. */
  held(): number {
    return this.queued.length + this.inFlightItems + this.unackedItems;
  }

  /** Requests waiting to be resent. */
  unackedRequests(): number {
    return this.unacked.length;
  }

  /**
   * Resend every unacknowledged request as it was, and send the queued items as one new
   * request (`encode` builds its body), all within `budgetMs`. Resolves true when everything
   * was acknowledged. Never rejects.
   */
  async flush(budgetMs: number, encode: (items: T[]) => Encoded): Promise<boolean> {
    const resend = this.unacked;
    this.unacked = [];
    this.unackedItems = 0;
    const items = this.queued;
    this.queued = [];
    const sends = resend.map((u) => this.sendUnacked(u, budgetMs));
    if (items.length > 0) sends.push(this.sendNew(items, encode, budgetMs));
    if (sends.length === 0) return true;
    const results = await Promise.all(sends);
    return results.every(Boolean);
  }

  /**
   * Give up everything held (the process is ending): counted as lost for `shutdown`.
   * Returns how many items that was. Items in flight stay with their request.
   */
  abandon(): number {
    const n = this.queued.length + this.unackedItems;
    for (const u of this.unacked) this.o.ledger.giveBack(u.loss);
    this.o.ledger.lose(this.o.signal, 'shutdown', n);
    this.queued = [];
    this.unacked = [];
    this.unackedItems = 0;
    return n + this.inFlightItems;
  }

  private async sendUnacked(u: Unacked, budgetMs: number): Promise<boolean> {
    this.inFlightItems += u.items;
    const result = await this.send(u.body, budgetMs);
    this.inFlightItems -= u.items;
    if (result.ok) return true;
    if (result.retryable) {
      report(ERROR_CODES.EXPORT_FAILED, `export failed (${result.reason ?? 'unknown'}); kept for the next flush`);
      this.keep(u);
    } else {
      this.refused(u.items, u.loss, result);
    }
    return false;
  }

  private async sendNew(items: T[], encode: (items: T[]) => Encoded, budgetMs: number): Promise<boolean> {
    let encoded: Encoded;
    try {
      encoded = encode(items);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `encoding ${this.o.noun}s failed: ${(err as Error)?.message ?? String(err)}`);
      this.o.ledger.lose(this.o.signal, 'internal_error', items.length);
      return false;
    }
    const seq = this.seq++;
    this.inFlightItems += items.length;
    const result = await this.send(encoded.body, budgetMs);
    this.inFlightItems -= items.length;
    if (result.ok) return true;
    if (!result.retryable) {
      this.refused(items.length, encoded.loss, result);
      return false;
    }
    report(ERROR_CODES.EXPORT_FAILED, `export failed (${result.reason ?? 'unknown'}); kept for the next flush`);
    if (result.notSent) {
      // the collector never saw it: the items may be encoded again, with newer ones
      this.queued = items.concat(this.queued);
      this.o.ledger.giveBack(encoded.loss);
    } else {
      this.keep({ seq, body: encoded.body, items: items.length, loss: encoded.loss });
    }
    return false;
  }

  private async send(body: string, budgetMs: number): Promise<SendResult> {
    try {
      return await this.o.send(body, budgetMs);
    } catch (err) {
      // transports never reject; if one did, treat it like a request whose fate is unknown
      report(ERROR_CODES.INTERNAL, `export threw: ${(err as Error)?.message ?? String(err)}`);
      return { ok: false, retryable: true, reason: 'transport error' };
    }
  }

  private refused(items: number, loss: LossCounts | undefined, result: SendResult): void {
    report(ERROR_CODES.EXPORT_FAILED, `collector refused export (${result.reason ?? 'unknown'}); dropped`);
    this.o.ledger.lose(this.o.signal, 'export_rejected', items);
    this.o.ledger.giveBack(loss);
  }

  /** NOTE: keeps `unacked` in creation order; gives up the oldest beyond `maxUnacked`. */
  private keep(u: Unacked): void {
    let i = this.unacked.length;
    while (i > 0 && this.unacked[i - 1]!.seq > u.seq) i--;
    this.unacked.splice(i, 0, u);
    this.unackedItems += u.items;
    while (this.unacked.length > this.o.maxUnacked) {
      const oldest = this.unacked.shift()!;
      this.unackedItems -= oldest.items;
      this.o.ledger.lose(this.o.signal, 'retry_limit', oldest.items);
      this.o.ledger.giveBack(oldest.loss);
      report(
        ERROR_CODES.RETRY_LIMIT,
        `more than ${this.o.maxUnacked} unacknowledged ${this.o.noun} requests; the oldest was given up (it may have been stored)`,
      );
    }
  }
}
