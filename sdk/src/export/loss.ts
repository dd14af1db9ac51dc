import { drop } from '../core/diagnostics.js';

/**
 * Telemetry the SDK lost, kept until the collector has been told. Every span or log record
 * the exporter gives up is counted twice: in diagnostics (`droppedCounts()`, totals since the
 * process started) and here, as "not yet reported". The next traces request encodes what is
 * here as attributes of one of its spans (see `lossAttributes`), and the counts leave this
 * ledger with that request: they come back if the request is refused or given up, and are
 * gone for good once it is acknowledged. So each loss reaches the collector once, even when a
 * request is resent.
 *
 * Reasons: `queue_full` (more than `FNTRACE_MAX_QUEUE_SIZE` held), `export_rejected` (the
 * collector refused a request for good), `retry_limit` (an unacknowledged request was given
 * up to make room; it may have been stored), `shutdown` (still unsent when the process was
 * told to end), `internal_error` (an SDK bug while encoding).
 */
export type LossSignal = 'spans' | 'log_records';
export type LossReason = 'queue_full' | 'export_rejected' | 'retry_limit' | 'shutdown' | 'internal_error';

/** Counts by signal, then by reason. */
export type LossCounts = Record<LossSignal, Partial<Record<LossReason, number>>>;

/**
 * The attribute names, stable for the collector:
 * - `fntrace.sdk.dropped_spans`, `fntrace.sdk.dropped_log_records`: totals since the last
 *   acknowledged report;
 * - `fntrace.sdk.dropped.<reason>.spans`, `fntrace.sdk.dropped.<reason>.log_records`: the same
 *   by reason. Only non-zero counts are written.
 */
export const DROPPED_SPANS = 'fntrace.sdk.dropped_spans';
export const DROPPED_LOG_RECORDS = 'fntrace.sdk.dropped_log_records';
const TOTAL: Record<LossSignal, string> = { spans: DROPPED_SPANS, log_records: DROPPED_LOG_RECORDS };

export function lossAttributes(counts: LossCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const signal of ['spans', 'log_records'] as const) {
    let total = 0;
    for (const [reason, n] of Object.entries(counts[signal])) {
      if (!n) continue;
      out[`fntrace.sdk.dropped.${reason}.${signal}`] = n;
      total += n;
    }
    if (total > 0) out[TOTAL[signal]] = total;
  }
  return out;
}

export class LossLedger {
  private unreported: LossCounts = { spans: {}, log_records: {} };
  private empty = true;

  /** Count `n` items lost for `reason`, in diagnostics and for the next report. */
  lose(signal: LossSignal, reason: LossReason, n: number): void {
    if (n <= 0) return;
    drop(reason, n);
    this.add(signal, reason, n);
  }

  /** Everything not yet reported, which leaves the ledger (give it back if it is not delivered). */
  take(): LossCounts | undefined {
    if (this.empty) return undefined;
    const counts = this.unreported;
    this.unreported = { spans: {}, log_records: {} };
    this.empty = true;
    return counts;
  }

  /** Counts taken for a request that was not delivered: they wait for the next one. */
  giveBack(counts: LossCounts | undefined): void {
    if (!counts) return;
    for (const signal of ['spans', 'log_records'] as const) {
      for (const [reason, n] of Object.entries(counts[signal])) if (n) this.add(signal, reason as LossReason, n);
    }
  }

  private add(signal: LossSignal, reason: LossReason, n: number): void {
    const bySignal = this.unreported[signal];
    bySignal[reason] = (bySignal[reason] ?? 0) + n;
    this.empty = false;
  }
}
