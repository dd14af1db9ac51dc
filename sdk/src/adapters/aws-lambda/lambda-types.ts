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
 * A copy of a header map with lower-case keys and string values (the first of a
 * multi-value header), so every later lookup is one property read. API Gateway v1 keeps
 * the client's case; v2, function URLs and ALB lower-case.
 */
export function lowerHeaders(headers: unknown): Record<string, string> | undefined {
  if (!isObj(headers)) return undefined;
  const out: Record<string, string> = {};
  for (const key in headers) {
    const v = headers[key];
    const value = typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
    if (value !== undefined) out[key.toLowerCase()] = value;
  }
  return out;
}
