import type { SchemaOptions } from './schema.js';

/**
 * Retention: every table expires its rows `--retention-days` after the time it counts from
 * (0: never). Ingest refuses what is already older (ingest/item-rules.ts), so nothing
 * acknowledged is dropped by a TTL before it could be read.
 */

/** Each table with a TTL, and the expression its TTL counts from. */
export const TTL_COLUMNS: Record<string, string> = {
  otel_traces: 'toDateTime(Timestamp)',
  otel_traces_trace_id_ts: 'toDateTime(Start)',
  otel_logs: 'TimestampTime',
  fntrace_invocations: 'toDateTime(Timestamp)',
  fntrace_trace_summary: 'Bucket',
  fntrace_trace_edges: 'toDateTime(Timestamp)',
  fntrace_messages: 'toDateTime(Timestamp)',
  // with --tail-sampling (absent otherwise, and then skipped)
  fntrace_sampling_decisions: 'toDateTime(DecidedAt)',
  fntrace_entry_spans: 'toDateTime(Timestamp)',
};

/**
 * Statements that bring every table's TTL to `retentionDays` (0: no TTL), for a restart
 * with a different `--retention-days` than the tables were created with. `current` maps
 * table names to their `engine_full` text, so tables already right are left alone.
 */
export function retentionStatements(o: SchemaOptions, current: Record<string, string>): string[] {
  const onCluster = o.cluster ? ` ON CLUSTER \`${o.cluster}\`` : '';
  const out: string[] = [];
  for (const [name, expr] of Object.entries(TTL_COLUMNS)) {
    const table = o.cluster ? `${name}_local` : name;
    const engine = current[table];
    if (engine === undefined) continue;
    const has = /\bTTL\b/.test(engine);
    const wanted = `toIntervalDay(${o.retentionDays})`;
    if (o.retentionDays === 0 && has) out.push(`ALTER TABLE \`${o.database}\`.\`${table}\`${onCluster} REMOVE TTL`);
    else if (o.retentionDays > 0 && !engine.includes(wanted)) {
      out.push(`ALTER TABLE \`${o.database}\`.\`${table}\`${onCluster} MODIFY TTL ${expr} + ${wanted}`);
    }
  }
  return out;
}
