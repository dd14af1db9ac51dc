/**
 * Spool segments written by hand, as the collector's spool writes them (spool/spool.ts): for
 * tests of what the writer does with rows the store refuses, which ingest no longer lets in —
 * segments spooled by an earlier version, or rows a future engine refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `"<seconds>.<nanoseconds>"` of an epoch-millisecond time, the spool's Timestamp form. */
export function spoolTime(ms: number): string {
  return `${String(Math.floor(ms / 1000)).padStart(10, '0')}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
}

/** A span row as the spool holds it: trace `i` of `service`, a minute ago, 5 ms long. */
export function spanLine(service: string, i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    TraceId: hex(0xa000 + i, 32),
    SpanId: hex(0xb000 + i, 16),
    Timestamp: spoolTime(Date.now() - 60_000 + i),
    Duration: '5000000',
    SpanName: `op-${i}`,
    SpanKind: 'Server',
    ServiceName: service,
    ResourceAttributes: { 'service.name': service },
    SpanAttributes: { n: String(i) },
    ...extra,
  });
}

/** The span id of {@link spanLine} `i`. */
export const spanIdOf = (i: number) => hex(0xb000 + i, 16);
export const traceIdOf = (i: number) => hex(0xa000 + i, 32);

export function logLine(service: string, i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Timestamp: spoolTime(Date.now() - 60_000 + i),
    ObservedTimestamp: spoolTime(Date.now() - 60_000 + i),
    SeverityText: 'INFO',
    SeverityNumber: 9,
    ServiceName: service,
    Body: `line ${i}`,
    LogAttributes: { n: String(i) },
    ...extra,
  });
}

/**
 * Rows the store refuses, each for a different reason, as an earlier version could have
 * spooled them (lone surrogate, overflow) or as a damaged file holds them (not JSON).
 */
export const POISON = {
  /** CANNOT_PARSE_NUMBER; no screen knows it: found by bisecting */
  negativeDuration: (service: string, i: number) => spanLine(service, i, { Duration: '-5' }),
  /** CANNOT_PARSE_ESCAPE_SEQUENCE; screened */
  loneSurrogate: (service: string, i: number) => spanLine(service, i, { SpanName: 'a\ud800' }),
  /** DECIMAL_OVERFLOW in the trace summary view; screened */
  endOverflow: (service: string, i: number) => spanLine(service, i, { Duration: '18446744073709551615' }),
  /** not JSON at all; screened */
  truncated: () => '{"TraceId":"0af7651916cd43dd',
  /** CANNOT_PARSE_DATETIME in a log row; found by bisecting */
  badLogTime: (service: string, i: number) => logLine(service, i, { Timestamp: 'yesterday' }),
};

/**
 * Writes a sealed segment into `<dataDir>/spool` (created if need be) and returns its name.
 * `seq` orders segments; the collector stores them at its next start.
 */
export function writeSegment(dataDir: string, seq: number, signal: 'traces' | 'logs', lines: string[]): string {
  const dir = join(dataDir, 'spool');
  mkdirSync(dir, { recursive: true });
  const name = `${String(seq).padStart(12, '0')}-${hex(0xfeed0000 + seq, 16)}-${signal}`;
  writeFileSync(join(dir, `${name}.jsonl`), lines.map((l) => `${l}\n`).join(''));
  return name;
}
