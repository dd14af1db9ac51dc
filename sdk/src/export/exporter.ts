import { drop, report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { SdkSpan } from '../core/span.js';
import { encodeLogs, encodeTraces } from './otlp-json.js';
import type { Transport } from './transport.js';

/**
 * Holds ended spans and log lines until the invocation flushes them. A flush sends
 * what is queued as one traces request and one logs request, in parallel, within a
 * time budget. What could not be sent for a retryable reason (collector down, slow,
 * 429/5xx) goes back to the queue for the next invocation's flush; the queue is
 * bounded, and what falls off is counted by reason (`queue_full`, `export_rejected`).
 */
export interface ExporterOptions {
  tracesUrl: string;
  logsUrl: string;
  headers: Readonly<Record<string, string>>;
  /** The encoded `resource` member (see otlp-json.ts `resourceJson`). */
  resource: string;
  maxQueueSize: number;
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
  private spans: SdkSpan[] = [];
  private logs: string[] = [];
  private readonly options: ExporterOptions;

  constructor(options: ExporterOptions) {
    this.options = options;
  }

  enqueueSpan(span: SdkSpan): void {
    if (!this.options.enabled) return;
    if (this.spans.length >= this.options.maxQueueSize) {
      drop('queue_full', 1);
      report(ERROR_CODES.QUEUE_FULL, `span queue full (${this.options.maxQueueSize}); spans dropped`);
      return;
    }
    this.spans.push(span);
  }

  enqueueLog(line: string): void {
    if (!this.options.enabled || !this.options.exportLogs) return;
    if (this.logs.length >= this.options.maxQueueSize) {
      drop('queue_full', 1);
      report(ERROR_CODES.QUEUE_FULL, `log queue full (${this.options.maxQueueSize}); log records dropped`);
      return;
    }
    this.logs.push(line);
  }

  /** Spans and log lines waiting for the next flush. */
  pending(): { spans: number; logs: number } {
    return { spans: this.spans.length, logs: this.logs.length };
  }

  /** Send everything queued, taking at most `budgetMs`. Never rejects. */
  async flush(budgetMs: number): Promise<FlushResult> {
    const spans = this.spans;
    const logs = this.logs;
    this.spans = [];
    this.logs = [];
    if (spans.length === 0 && logs.length === 0) return { spans: 0, logs: 0, ok: true };
    const { transport, headers, resource, tracesUrl, logsUrl } = this.options;
    const [tracesOk, logsOk] = await Promise.all([
      spans.length === 0
        ? true
        : this.sendBatch(
            () => transport.send(tracesUrl, encodeTraces(spans, resource), headers, budgetMs),
            () => this.requeue(spans, 'spans'),
          ),
      logs.length === 0
        ? true
        : this.sendBatch(
            () => transport.send(logsUrl, encodeLogs(logs, resource).body, headers, budgetMs),
            () => this.requeueLogs(logs),
          ),
    ]);
    return { spans: spans.length, logs: logs.length, ok: tracesOk && logsOk };
  }

  private async sendBatch(
    send: () => Promise<import('./transport.js').SendResult>,
    requeue: () => void,
  ): Promise<boolean> {
    try {
      const result = await send();
      if (result.ok) return true;
      if (result.retryable) {
        report(ERROR_CODES.EXPORT_FAILED, `export failed (${result.reason ?? 'unknown'}); kept for the next flush`);
        requeue();
      } else {
        report(ERROR_CODES.EXPORT_FAILED, `collector refused export (${result.reason ?? 'unknown'}); dropped`);
        drop('export_rejected', 1);
      }
      return false;
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `export threw: ${(err as Error)?.message ?? String(err)}`);
      return false;
    }
  }

  private requeue(spans: SdkSpan[], _what: 'spans'): void {
    const room = this.options.maxQueueSize - this.spans.length;
    const keep = spans.slice(Math.max(0, spans.length - room));
    drop('queue_full', spans.length - keep.length);
    this.spans = keep.concat(this.spans);
  }

  private requeueLogs(logs: string[]): void {
    const room = this.options.maxQueueSize - this.logs.length;
    const keep = logs.slice(Math.max(0, logs.length - room));
    drop('queue_full', logs.length - keep.length);
    this.logs = keep.concat(this.logs);
  }
}
