import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { REFUSAL_REASONS } from '../ingest/refusals.js';

/**
 * The collector's Prometheus metrics (`GET /metrics`): what was received, accepted,
 * refused (by named reason), spooled and stored, and how storage is doing. One registry
 * per server, so tests can run several servers in one process.
 */
export function createMetrics() {
  const registry = new Registry();
  // process metrics (resident memory, heap, event-loop lag, CPU): with the embedded engine in
  // the same process, RSS minus the JS heap is roughly what ClickHouse holds
  collectDefaultMetrics({ register: registry, prefix: 'fntrace_' });
  const m = {
    registry,
    requests: new Counter({
      name: 'fntrace_ingest_requests_total',
      help: 'OTLP export requests, by signal and HTTP status',
      labelNames: ['signal', 'status'] as const,
      registers: [registry],
    }),
    received: new Counter({
      name: 'fntrace_received_items_total',
      help: 'spans or log records decoded from requests',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    accepted: new Counter({
      name: 'fntrace_accepted_items_total',
      help: 'spans or log records acknowledged (durable in the spool)',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'fntrace_refused_items_total',
      help: `spans or log records not accepted, by reason (${Object.keys(REFUSAL_REASONS).join(', ')}; undecodable, too_large and overloaded count requests)`,
      labelNames: ['signal', 'reason'] as const,
      registers: [registry],
    }),
    corrected: new Counter({
      name: 'fntrace_corrected_items_total',
      help: 'spans or log records stored with a documented correction, by correction (end_before_start: stored with end = start, the end sent in fntrace.original_end_time_unix_nano)',
      labelNames: ['signal', 'correction'] as const,
      registers: [registry],
    }),
    repeats: new Counter({
      name: 'fntrace_repeated_requests_total',
      help: 'export requests identical to one stored within --retry-window-ms (a client retry): answered again, stored once',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    decodePaths: new Counter({
      name: 'fntrace_decoded_requests_total',
      help: 'export requests decoded, by path: direct (every item of a protobuf request written straight to the spool) or rows (OTLP/JSON, and protobuf with an item the direct writer hands to the row builder: repeated attribute keys, a field given twice)',
      labelNames: ['signal', 'path'] as const,
      registers: [registry],
    }),
    spoolBytes: new Gauge({ name: 'fntrace_spool_bytes', help: 'bytes waiting in the spool', registers: [registry] }),
    spoolSegments: new Gauge({
      name: 'fntrace_spool_segments',
      help: 'sealed segments waiting to be stored',
      registers: [registry],
    }),
    stored: new Counter({
      name: 'fntrace_stored_segments_total',
      help: 'spool segments inserted into ClickHouse',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    storedBytes: new Counter({
      name: 'fntrace_stored_bytes_total',
      help: 'spool bytes inserted into ClickHouse',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: 'fntrace_insert_duration_seconds',
      help: 'time to insert one spool segment',
      labelNames: ['signal'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    storageErrors: new Counter({
      name: 'fntrace_storage_errors_total',
      help: 'inserts that failed for the store (down, slow, full, out of memory): retried with backoff',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'fntrace_quarantined_items_total',
      help: 'spans or log records the store refused for what they hold (a deterministic insert error): moved to <data>/quarantine, the rest of their segment stored',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    quarantineRows: new Gauge({
      name: 'fntrace_quarantine_rows',
      help: 'spans or log records waiting in <data>/quarantine (fntrace quarantine list, fntrace quarantine retry)',
      labelNames: ['signal'] as const,
      registers: [registry],
    }),
    sampledTraces: new Counter({
      name: 'fntrace_tail_sampling_traces_total',
      help: "traces tail sampling decided here, by reason: a keep rule's name, or sampled_out (spans dropped after the hold)",
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    sampledSpans: new Counter({
      name: 'fntrace_tail_sampling_spans_total',
      help: 'staged spans of the traces tail sampling decided here, kept (copied into otel_traces) or sampled_out',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    samplingLeader: new Gauge({
      name: 'fntrace_tail_sampling_leader',
      help: 'whether this collector holds the tail sampling lease (1: it decides and copies; 0: another does, it stands by)',
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
