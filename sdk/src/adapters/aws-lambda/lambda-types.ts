/**
 * The parts of the Lambda context fntrace reads. Declared here so the SDK does not
 * depend on `@types/aws-lambda` at run time; any object of the real shape fits.
 */
export interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string | number;
  logStreamName?: string;
  clientContext?: { Custom?: Record<string, unknown> | undefined; custom?: Record<string, unknown> } | null;
  getRemainingTimeInMillis?: () => number;
  xRayTraceId?: string;
  [key: string]: unknown;
}

export type Callback<R = unknown> = (error?: Error | string | null, result?: R) => void;

export type LambdaHandler<E = any, R = any> = (
  event: E,
  context: LambdaContext,
  callback: Callback<R>,
) => undefined | Promise<R>;

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Last `:`- or `/`-separated part of an ARN (queue, topic, stream or table name). */
export function arnName(arn: unknown): string | undefined {
  const s = str(arn);
  if (!s) return undefined;
  const table = /:table\/([^/]+)/.exec(s);
  if (table) return table[1];
  const stream = /:stream\/([^/]+)/.exec(s);
  if (stream) return stream[1];
  return s.split(':').pop()?.split('/').pop();
}

/**
 * A copy of a header map with lower-case keys and string values, so every later lookup is
 * one property read. API Gateway v1 keeps the client's case; v2, function URLs and ALB
 * lower-case. A header sent several times (a multi-value map, or the same name in two
 * cases) becomes one value joined by commas, as HTTP combines fields (RFC 9110 §5.3): so
 * two `tracestate` fields read as one list and two `traceparent` fields read as the
 * invalid value they are (W3C Trace Context §3.2.2 asks for a new trace then).
 */
export function lowerHeaders(headers: unknown): Record<string, string> | undefined {
  if (!isObj(headers)) return undefined;
  const out: Record<string, string> = {};
  for (const key in headers) {
    const v = headers[key];
    const value =
      typeof v === 'string' ? v : Array.isArray(v) ? v.filter((x) => typeof x === 'string').join(',') : undefined;
    if (value === undefined) continue;
    const name = key.toLowerCase();
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

/** The request's headers: the multi-value map when the event has one (REST APIs, ALB), else the single-value one. */
export function eventHeaders(event: Obj): unknown {
  return isObj(event.multiValueHeaders) ? event.multiValueHeaders : event.headers;
}

/**
 * The records of a Kafka event (Amazon MSK, `eventSource: 'aws:kafka'`, or self-managed,
 * `'SelfManagedKafka'`), in delivery order: Lambda groups them by `topic-partition` under
 * `records`. Undefined for any other event.
 */
export function kafkaRecords(event: unknown): Obj[] | undefined {
  if (!isObj(event) || !isObj(event.records)) return undefined;
  if (event.eventSource !== 'aws:kafka' && event.eventSource !== 'SelfManagedKafka') return undefined;
  const out: Obj[] = [];
  for (const group of Object.values(event.records)) {
    if (Array.isArray(group)) for (const r of group) if (isObj(r)) out.push(r);
  }
  return out;
}
