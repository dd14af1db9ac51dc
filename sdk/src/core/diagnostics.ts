import { ERROR_CODES } from './errors.js';

/**
 * The one place where the SDK's own failures go. Telemetry must never break the
 * function, so internal errors are caught where they happen and reported here:
 * the first occurrence of each code is written to stderr as one JSON line, later
 * ones are only counted, and `reportCounts()` (called after each flush) writes one
 * summary line when counts moved. Messages never contain header values or bodies.
 */
export interface DiagnosticEvent {
  code: string;
  message: string;
  count: number;
}

type Sink = (event: DiagnosticEvent) => void;

const counts = new Map<string, number>();
const reported = new Map<string, number>();
const dropped = new Map<string, number>();
let droppedReported = 0;

function stderrSink(event: DiagnosticEvent): void {
  const line = JSON.stringify({
    level: 'warn',
    fntrace_diagnostic: event.code,
    msg: event.message,
    count: event.count,
  });
  const proc = (globalThis as { process?: { stderr?: { write(s: string): unknown } } }).process;
  if (proc?.stderr) proc.stderr.write(`${line}\n`);
  else console.warn(line);
}

let sink: Sink = stderrSink;

/**
 * Replace where the SDK's own problems go. The default writes one JSON line to stderr per
 * code (then counts). Pass `undefined` to restore it. Returns the previous sink.
 *
 * @example
 * setDiagnosticsSink((e) => metrics.increment(`fntrace.${e.code}`, e.count));
 */
export function setDiagnosticsSink(next: Sink | undefined): Sink {
  const prev = sink;
  sink = next ?? stderrSink;
  return prev;
}

/** Record an internal failure. Never throws. */
export function report(code: string, message: string): void {
  try {
    const n = (counts.get(code) ?? 0) + 1;
    counts.set(code, n);
    if (n === 1) {
      reported.set(code, 1);
      sink({ code, message, count: 1 });
    }
  } catch {
    // a broken sink must not reach the handler
  }
}

/** Count spans or log records that were dropped, by named reason (see export/loss.ts for the reasons). */
export function drop(reason: string, n: number): void {
  if (n <= 0) return;
  dropped.set(reason, (dropped.get(reason) ?? 0) + n);
}

/**
 * Spans and log records dropped since the process started, by reason: `queue_full`,
 * `export_rejected`, `retry_limit`, `shutdown`, `internal_error`. The same counts travel to
 * the collector as `fntrace.sdk.dropped_*` attributes of the next exported span.
 *
 * @example
 * logger.info({ dropped: droppedCounts() }, 'telemetry health');
 */
export function droppedCounts(): Record<string, number> {
  return Object.fromEntries(dropped);
}

/** Write one line for each code whose count grew since it was last written, and one for drops. */
export function reportCounts(): void {
  try {
    for (const [code, n] of counts) {
      if ((reported.get(code) ?? 0) < n) {
        reported.set(code, n);
        sink({ code, message: 'repeated since last report', count: n });
      }
    }
    let total = 0;
    for (const n of dropped.values()) total += n;
    if (total > droppedReported) {
      droppedReported = total;
      sink({
        code: ERROR_CODES.DROPPED,
        message: `dropped telemetry by reason: ${JSON.stringify(droppedCounts())}`,
        count: total,
      });
    }
  } catch {
    // never reach the handler
  }
}
