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

/** Header lookup that ignores case (API Gateway v1 keeps the client's case, v2 lower-cases). */
export function header(headers: unknown, name: string): string | undefined {
  if (!isObj(headers)) return undefined;
  const direct = headers[name];
  if (typeof direct === 'string') return direct;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === lower) {
      const v = headers[key];
      if (typeof v === 'string') return v;
    }
  }
  return undefined;
}
