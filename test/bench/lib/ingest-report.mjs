// Rows of the ingest bench's tables, shared by its terminal output and docs/benchmarks.md
// (run.mjs), from the result JSON (.bench-tmp/ingest.json).
import os from 'node:os';
import { fmt, fmtRatio } from './common.mjs';

const mb = (bytes) => `${fmt(bytes / 1e6, 0)} MB`;
const rate = (n) => fmt(n, 0);
const verdict = (ok) => (ok ? 'met' : 'not met');

/**
 * `, median of N runs (a, b, c)` when the result holds several end-to-end runs (older results
 * hold one), each with its ratio to the engine-limit run made right after it when there was one.
 */
function runsNote(e2e) {
  if (!e2e.runs || e2e.runs.length < 2) return '';
  const one = (x) =>
    x.vsEngine === undefined ? rate(x.storedSpansPerSec) : `${rate(x.storedSpansPerSec)} = ${fmt(x.vsEngine, 2)}×`;
  return `, median of ${e2e.runs.length} runs (${e2e.runs.map(one).join(', ')})`;
}

/** The highest peak RSS of the end-to-end runs: what the memory goal is judged on. */
const peakRss = (e2e) => e2e.peakRssMaxBytes ?? e2e.peakRssBytes;

/**
 * [label, spans or rows a second, the measurement (for otherCores), its ratio to the engine limit
 * when the bench computed it (the end-to-end runs, each against its own engine run)] of the
 * throughput table.
 */
export function throughputRows(r) {
  const { e2e, engine, writerPath, naive, params: p } = r;
  const mib = (bytes) => `${fmt(bytes / 2 ** 20, 0)} MiB`;
  return [
    [
      `end-to-end, stored (first send → spool empty), ${fmt(e2e.spans, 0)} spans${runsNote(e2e)}`,
      e2e.storedSpansPerSec,
      e2e,
      r.ratios?.e2eVsEngine,
    ],
    ['end-to-end, acknowledged (first send → last 200)', e2e.ackSpansPerSec, e2e, r.ratios?.ackVsEngine],
    [
      `engine limit: INSERT … SELECT FROM numbers(), ${fmt(engine.full.blockRows, 0)}-row blocks, table + views${engine.full.paired ? `, after each run (${engine.full.paired.map(rate).join(', ')}), median` : ''}`,
      engine.full.rowsPerSec,
      engine.full,
    ],
    [
      `engine, ${fmt(engine.segmentBlocks.blockRows, 0)}-row blocks (one ${mib(p.segmentBytes)} spool segment, the default)`,
      engine.segmentBlocks.rowsPerSec,
      engine.segmentBlocks,
    ],
    ['engine, otel_traces alone (no materialized views)', engine.tableOnly.rowsPerSec, engine.tableOnly],
    ...writerPath.map((w) => [
      `writer path alone: file() of ${mib(w.segmentBytes)} segments (${fmt(w.rowsPerFile, 0)} rows)${w.isDefault ? ', the default' : ''}`,
      w.rowsPerSec,
      w,
    ]),
    [`naive writer: client.insert(), ${fmt(naive.batch, 0)}-row JSONEachRow batches`, naive.rowsPerSec, naive],
  ];
}

/** [column, fntrace B/span, exporter B/span] for the 10 largest columns of either table, and indexes. */
export function columnRows(bytes, n = 10) {
  const f = bytes.tables.fntrace;
  const e = bytes.tables.exporter;
  const per = (t, c) => (t.columns[c] ? fmt(t.columns[c].compressed / t.rows, 1) : '—');
  const names = [...new Set([...Object.keys(f.columns).slice(0, n), ...Object.keys(e.columns).slice(0, 4)])];
  const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
  return [
    ...names.map((c) => [c, per(f, c), per(e, c)]),
    ['(skipping indexes)', fmt(sum(f.indexes) / f.rows, 1), fmt(sum(e.indexes) / e.rows, 1)],
    ['(whole part on disk)', fmt(f.bytesPerRow, 1), fmt(e.bytesPerRow, 1)],
  ];
}

export const THROUGHPUT_HEADERS = ['measure', 'spans/s', 'vs engine limit', 'other processes, cores', 'I/O stalled'];

export function throughputTable(r) {
  const vs = (value, ratio) => fmtRatio(ratio ?? value / r.engine.full.rowsPerSec);
  const stall = (x) => (Number.isFinite(x.ioStallShare) ? `${fmt(x.ioStallShare * 100, 0)}%` : 'n/a');
  return throughputRows(r).map(([label, value, x, ratio]) => [
    label,
    rate(value),
    vs(value, ratio),
    fmt(x.otherCores, 2),
    stall(x),
  ]);
}

/** The goal lines under the throughput table (and a warning when other processes were busy). */
export function ingestVerdicts(r) {
  const { e2e, ratios, goals } = r;
  const lines = [
    `end-to-end ${rate(e2e.storedSpansPerSec)} spans/s (goal ≥ ${rate(goals.spansPerSec)}: ${verdict(e2e.storedSpansPerSec >= goals.spansPerSec)}); ` +
      `end-to-end / engine limit ${fmt(ratios.e2eVsEngine, 3)}× (goal ≥ ${goals.vsEngine}×: ${verdict(ratios.e2eVsEngine >= goals.vsEngine)}); ` +
      `end-to-end / naive writer ${fmtRatio(ratios.e2eVsNaive)}; ` +
      `peak RSS ${mb(peakRss(e2e))}${e2e.runs?.length > 1 ? ' (the highest of the runs)' : ''} (goal ≤ ${mb(goals.peakRssBytes)}: ${verdict(peakRss(e2e) <= goals.peakRssBytes)})`,
  ];
  const busiest = Math.max(...throughputRows(r).map(([, , x]) => x.otherCores));
  if (busiest > 0.1) {
    lines.push(
      `WARNING: other processes kept up to ${fmt(busiest, 2)} of the ${os.cpus().length} cores busy during a measurement; those figures are low`,
    );
  }
  return lines;
}

/** [measure, value] about the collector process during the end-to-end run. */
export function collectorRows(r) {
  const { e2e, stored, checks } = r;
  const m = e2e.metrics;
  const part = stored.parts.otel_traces;
  return [
    ['peak RSS (VmRSS every 100 ms)', mb(e2e.peakRssBytes)],
    ...(e2e.runs?.length > 1
      ? [
          [
            'peak RSS of each run; spans/s stored of each',
            `${e2e.runs.map((x) => mb(x.peakRssBytes)).join(', ')}; ${e2e.runs.map((x) => rate(x.storedSpansPerSec)).join(', ')}`,
          ],
        ]
      : []),
    [
      'RSS when ready; peak while sending; peak while draining',
      `${mb(e2e.startRssBytes)}; ${mb(e2e.peakWhileSendingBytes)}; ${mb(e2e.peakWhileDrainingBytes)}`,
    ],
    ['CPU, all threads', `${fmt(e2e.cpu.totalSec, 1)} s (${fmt(e2e.cpu.usPerSpan, 1)} µs a span)`],
    [
      'CPU, main (JavaScript) thread',
      `${fmt(e2e.cpu.mainThreadSec, 1)} s (${fmt(e2e.cpu.mainUsPerSpan, 1)} µs a span)`,
    ],
    [
      'CPU by thread name',
      e2e.cpu.byThreadName
        .slice(0, 4)
        .map((t) => `${t.name} ${fmt(t.sec, 1)} s`)
        .join(', '),
    ],
    ['spool backlog, peak (/readyz every 250 ms)', mb(e2e.backlogPeakBytes)],
    [
      'inserts (segments): count; rows each; ms each',
      `${fmt(m.insertCount, 0)}; ${fmt(e2e.spans / m.insertCount, 0)}; ${fmt((m.insertSecondsSum * 1000) / m.insertCount, 0)}`,
    ],
    ['answers 429/503 (retried)', String(e2e.retries)],
    [
      'rows stored / spans sent',
      `${fmt(stored.rows, 0)} / ${fmt(e2e.spans, 0)} (${checks.storedEqualsSent ? 'equal' : 'DIFFERENT'})`,
    ],
    ['distinct (TraceId, SpanId) stored', fmt(stored.distinctSpans, 0)],
    [
      'otel_traces on disk after the run (not merged)',
      `${mb(part.bytes)}, ${part.parts} parts, ${fmt(part.bytes / stored.rows, 1)} B a span`,
    ],
    ['shutdown (SIGTERM → exit, spool empty)', `${fmt(e2e.shutdownMs / 1000, 1)} s`],
  ];
}

export const PROFILE_HEADERS = ['function', 'where', 'self ms', 'share'];

export function profileRows(r, n = 15) {
  return r.e2e.profile.top.slice(0, n).map((f) => [f.fn, f.where || '—', fmt(f.ms, 0), `${fmt(f.share * 100, 1)}%`]);
}

export const BYTES_HEADERS = ['table', 'bytes on disk', 'B / span', 'vs exporter', 'copy + merge s'];

export function bytesRows(r) {
  const { bytes } = r;
  return Object.entries(bytes.tables).map(([name, t]) => [
    t.label,
    fmt(t.bytes, 0),
    fmt(t.bytesPerRow, 1),
    fmtRatio(bytes.ratios[name]),
    t.copyMs === undefined ? '—' : fmt(t.copyMs / 1000, 1),
  ]);
}

export function bytesVerdict(r) {
  const best = Object.entries(r.bytes.ratios).sort((a, b) => a[1] - b[1])[0];
  return (
    `fntrace / exporter ${fmtRatio(r.ratios.bytes)} (goal ≤ ${r.goals.bytesRatio}×: ${verdict(r.ratios.bytes <= r.goals.bytesRatio)}); ` +
    `lowest tried: ${fmtRatio(best[1])} (${r.bytes.tables[best[0]].label})`
  );
}
