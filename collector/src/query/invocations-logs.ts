import type { InvocationFacts } from '../stitch/trace-facts.js';
import type { Store } from '../store/clickhouse.js';
import type { LogRecord } from './answers.js';
import type { InvocationQuery, LogQuery } from './parameters.js';
import { queryRows } from './spans.js';
import { nsParam, timeRange } from './time-range.js';
import { traceIdFilter } from './trace-ids.js';

/**
 * `GET /api/invocations` and `GET /api/logs`, newest first, with simple filters.
 *
 * Invocation columns as the API returns them.
 */
export const INVOCATION_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS startUnixNano, InvocationId AS invocationId,
  TraceId AS traceId, SpanId AS spanId, FunctionName AS functionName, FunctionVersion AS functionVersion,
  Instance AS instance, Trigger AS trigger, TriggerSource AS triggerSource, ColdStart AS coldStart,
  InitDurationMs AS initDurationMs, DurationNs / 1e6 AS durationMs, BilledDurationMs AS billedDurationMs,
  MemoryMB AS memoryMb, EstimatedCostUsd AS costUsd, Outcome AS outcome, CorrelationId AS correlationId`;

/** A row of INVOCATION_SELECT as the API returns it: the shape the trace view derives from spans. */
export function toInvocation(r: Record<string, any>): InvocationFacts {
  return {
    startUnixNano: r.startUnixNano,
    invocationId: r.invocationId,
    traceId: r.traceId,
    spanId: r.spanId,
    functionName: r.functionName,
    functionVersion: r.functionVersion,
    instance: r.instance,
    trigger: r.trigger,
    triggerSource: r.triggerSource,
    outcome: r.outcome,
    correlationId: r.correlationId,
    coldStart: Number(r.coldStart) === 1,
    initDurationMs: Number(r.initDurationMs),
    durationMs: Number(r.durationMs),
    billedDurationMs: Number(r.billedDurationMs),
    memoryMb: Number(r.memoryMb),
    costUsd: Number(r.costUsd),
  };
}

export async function listInvocations(store: Store, q: InvocationQuery) {
  const { startNs, endNs } = timeRange(q);
  const params: Record<string, unknown> = {
    start: nsParam(startNs),
    end: nsParam(endNs),
    limit: Math.min(1000, q.limit ?? 100),
  };
  const where = ['Timestamp >= {start:DateTime64(9)}', 'Timestamp <= {end:DateTime64(9)}'];
  const add = (sql: string, name: string, value: unknown) => {
    where.push(sql);
    params[name] = value;
  };
  if (q.function) add('FunctionName = {fn:String}', 'fn', q.function);
  if (q.coldStart !== undefined) add('ColdStart = {cold:UInt8}', 'cold', q.coldStart ? 1 : 0);
  if (q.outcome) add('Outcome = {outcome:String}', 'outcome', q.outcome);
  if (q.traceId) {
    const f = await traceIdFilter(store, q.traceId);
    where.push(f.sql);
    Object.assign(params, f.params);
  }
  if (q.correlationId) add('CorrelationId = {corr:String}', 'corr', q.correlationId);
  const rows = await queryRows<Record<string, any>>(
    store,
    `SELECT ${INVOCATION_SELECT}
     FROM \`${store.database}\`.fntrace_invocations WHERE ${where.join(' AND ')}
     ORDER BY Timestamp DESC LIMIT 1 BY InvocationId LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map(toInvocation);
}

const SEVERITY_FLOOR: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export async function searchLogs(store: Store, q: LogQuery, order: 'asc' | 'desc' = 'desc'): Promise<LogRecord[]> {
  const { startNs, endNs } = timeRange(q);
  const params: Record<string, unknown> = {
    start: nsParam(startNs),
    end: nsParam(endNs),
    limit: Math.min(5000, q.limit ?? 200),
  };
  const where = ['Timestamp >= {start:DateTime64(9)}', 'Timestamp <= {end:DateTime64(9)}'];
  const add = (sql: string, name: string, value: unknown) => {
    where.push(sql);
    params[name] = value;
  };
  if (q.service) add('ServiceName = {service:String}', 'service', q.service);
  if (q.level) add('SeverityNumber >= {sev:UInt8}', 'sev', SEVERITY_FLOOR[q.level] ?? 0);
  // the body, or a field as `key=value` (so `book` finds item="book", and so do `item=book` and `item`)
  if (q.text)
    add(
      `(positionCaseInsensitiveUTF8(Body, {text:String}) > 0
        OR arrayExists((k, v) -> positionCaseInsensitiveUTF8(concat(k, '=', v), {text:String}) > 0,
                       mapKeys(LogAttributes), mapValues(LogAttributes)))`,
      'text',
      q.text,
    );
  if (q.traceId) {
    const f = await traceIdFilter(store, q.traceId);
    where.push(f.sql);
    Object.assign(params, f.params);
  }
  if (q.correlationId) add('CorrelationId = {corr:String}', 'corr', q.correlationId);
  return queryRows<LogRecord>(
    store,
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, TraceId AS traceId, SpanId AS spanId,
       SeverityText AS severityText, SeverityNumber AS severityNumber, ServiceName AS service, Body AS body,
       LogAttributes AS attributes
     FROM \`${store.database}\`.otel_logs WHERE ${where.join(' AND ')}
     ORDER BY Timestamp ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT {limit:UInt32}`,
    params,
  );
}
