import { report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { SdkSpan } from '../core/span.js';
import { LossLedger, lossAttributes } from './loss.js';
import { encodeLogs, encodeTraces } from './otlp-json.js';
import { type Encoded, MAX_UNACKED_REQUESTS, SignalQueue } from './signal-queue.js';
import type { Transport } from './transport.js';

/**
 * Holds ended spans and log lines until the invocation flushes them. A flush sends, in
 * parallel and within a time budget, the requests of earlier flushes that were never
 * acknowledged (unchanged, see signal-queue.ts) and what is queued as one new traces request
 * and one new logs request.
 *
 * Loss is never silent: what is dropped (queue full, refused, given up) is counted in
 * diagnostics by reason, and carried to the collector as attributes of one span of the next
 * traces request (see loss.ts) until a request carrying them is acknowledged.
 */
export interface ExporterOptions {
  tracesUrl: string;
  logsUrl: string;
  headers: Readonly<Record<string, string>>;
  /** The encoded `resource` member (see otlp-json.ts `resourceJson`). */
  resource: string;
  /** Spans, and separately log records, held at most (queued and waiting to be resent). */
  maxQueueSize: number;
  /** Unacknowledged requests kept for resending, per signal. The default value is 8. */
  maxUnackedRequests?: number;
  exportLogs: boolean;
  enabled: boolean;
  transport: Transport;
}

export interface FlushResult {
  spans: number;
  logs: number;
  ok: boolean;
}

export class Exporter {
  private readonly options: ExporterOptions;
  private readonly ledger = new LossLedger();
  private readonly spans: SignalQueue<SdkSpan>;
  private readonly logs: SignalQueue<string>;
  private readonly flushing = new Set<Promise<unknown>>();

  constructor(options: ExporterOptions) {
    this.options = options;
    const { transport, headers } = options;
    const maxUnacked = options.maxUnackedRequests ?? MAX_UNACKED_REQUESTS;
    this.spans = new SignalQueue<SdkSpan>({
      signal: 'spans',
      noun: 'span',
      maxItems: options.maxQueueSize,
      maxUnacked,
      ledger: this.ledger,
      send: (body, budgetMs) => transport.send(options.tracesUrl, body, headers, budgetMs),
    });
    this.logs = new SignalQueue<string>({
      signal: 'log_records',
      noun: 'log record',
      maxItems: options.maxQueueSize,
      maxUnacked,
      ledger: this.ledger,
      send: (body, budgetMs) => transport.send(options.logsUrl, body, headers, budgetMs),
    });
  }

  enqueueSpan(span: SdkSpan): void {
    if (this.options.enabled) this.spans.enqueue(span);
  }

  enqueueLog(line: string): void {
    if (this.options.enabled && this.options.exportLogs) this.logs.enqueue(line);
  }

  /** Spans and log lines held for export (queued, in flight or waiting to be resent), and requests waiting to be resent. */
  pending(): { spans: number; logs: number; requests: number } {
    return {
      spans: this.spans.held(),
      logs: this.logs.held(),
      requests: this.spans.unackedRequests() + this.logs.unackedRequests(),
    };
  }

  /**
   * Send everything held, taking at most `budgetMs`. `carrier` is the flushing invocation's
   * span: when it is in the new traces request, it carries the loss counts. Never rejects.
   */
  flush(budgetMs: number, carrier?: SdkSpan): Promise<FlushResult> {
    const held = this.pending();
    const { resource } = this.options;
    const run = Promise.all([
      this.spans.flush(budgetMs, (spans) => this.encodeSpans(spans, carrier)),
      this.logs.flush(budgetMs, (lines): Encoded => ({ body: encodeLogs(lines, resource).body })),
    ]).then(
      ([tracesOk, logsOk]) => ({ spans: held.spans, logs: held.logs, ok: tracesOk && logsOk }),
      (err) => {
        report(ERROR_CODES.INTERNAL, `flush failed: ${(err as Error)?.message ?? String(err)}`);
        return { spans: held.spans, logs: held.logs, ok: false };
      },
    );
    this.flushing.add(run);
    void run.then(() => this.flushing.delete(run));
    return run;
  }

  /**
   * The process is ending: wait for flushes in progress and flush what is held, within
   * `budgetMs`; then give up what is still unsent (counted as lost for `shutdown`, and
   * reported once). Never rejects.
   */
  async shutdown(budgetMs: number): Promise<void> {
    const until = Date.now() + budgetMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outOfTime = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, budgetMs);
      (timer as { unref?: () => void }).unref?.();
    });
    await Promise.race([Promise.all([...this.flushing, this.flush(budgetMs)]), outOfTime]);
    // a flush that was in progress may have given items back meanwhile: one more try in the time left
    const left = until - Date.now();
    const held = this.pending();
    if (left > 0 && held.spans + held.logs > 0) await Promise.race([this.flush(left), outOfTime]);
    clearTimeout(timer);
    const spans = this.spans.abandon();
    const logs = this.logs.abandon();
    if (spans + logs > 0) {
      report(
        ERROR_CODES.SHUTDOWN_INCOMPLETE,
        `${spans} span(s) and ${logs} log record(s) could not be sent within ${budgetMs} ms before the process ended`,
      );
    }
  }

  /** NOTE: takes the ledger's counts; the signal queue gives them back if the request is not delivered. */
  private encodeSpans(spans: SdkSpan[], carrier: SdkSpan | undefined): Encoded {
    const loss = this.ledger.take();
    if (!loss) return { body: encodeTraces(spans, this.options.resource) };
    try {
      const span = carrier && spans.includes(carrier) ? carrier : spans[spans.length - 1]!;
      return { body: encodeTraces(spans, this.options.resource, { span, attributes: lossAttributes(loss) }), loss };
    } catch (err) {
      this.ledger.giveBack(loss);
      throw err;
    }
  }
}
