/**
 * A stored span as the stitching code and the query API see it: times in nanoseconds as
 * bigint (exact), attributes as the string maps ClickHouse stores.
 */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** `Server`, `Client`, `Producer`, `Consumer`, `Internal`, `Unspecified` */
  kind: string;
  service: string;
  startNs: bigint;
  durationNs: bigint;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  scope: { name: string; version: string };
  statusCode: string;
  statusMessage: string;
  events: { timeNs: bigint; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, string> }[];
}

/** The invocation a span belongs to: its own `faas.invocation_id`, else its parent's (same service). */
export const invocationIdOf = (s: StoredSpan): string | undefined => s.attributes['faas.invocation_id'] || undefined;

/** Where the span's process ran: `faas.instance` (the Lambda log stream), else the service. */
export const instanceOf = (s: StoredSpan): string =>
  s.attributes['faas.instance'] || s.resource['faas.instance'] || s.resource['service.instance.id'] || s.service;

export const endNs = (s: StoredSpan): bigint => s.startNs + s.durationNs;
