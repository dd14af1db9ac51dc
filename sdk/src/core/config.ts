import { report } from './diagnostics.js';
import type { Env } from './env.js';
import { ERROR_CODES } from './errors.js';

/**
 * Process-wide SDK settings, resolved once when the first handler is wrapped.
 * Precedence: options passed in code > `OTEL_*` variables > `FNTRACE_*` variables > defaults.
 * Bad environment values never crash the function: they are reported once through
 * diagnostics and the default is used.
 */
export interface SdkConfig {
  /** `service.name`. Default: `OTEL_SERVICE_NAME`, else the function name, else `unknown_service`. */
  readonly serviceName: string;
  /** Where spans go. Default: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, else `http://localhost:4318/v1/traces`. */
  readonly tracesEndpoint: string;
  /** Where logs go. Default: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/logs`. */
  readonly logsEndpoint: string;
  /** Extra export headers from `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`, values URL-encoded). Never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** Resource attributes from `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** Sampler name from `OTEL_TRACES_SAMPLER`. Default `parentbased_always_on`. */
  readonly sampler: string;
  /** Sampler argument from `OTEL_TRACES_SAMPLER_ARG` (a ratio for `*traceidratio`). Default 1. */
  readonly samplerArg: number;
  /** `OTEL_SDK_DISABLED=true` turns export off; handlers and logs still work. */
  readonly disabled: boolean;
  /** Export logs as OTLP too (`FNTRACE_EXPORT_LOGS`). Default true. */
  readonly exportLogs: boolean;
  /** Most time one flush may take (`FNTRACE_FLUSH_TIMEOUT_MS`). Default 500. Also bounded by the invocation's remaining time. */
  readonly flushTimeoutMs: number;
  /** How long before the platform deadline the timeout guard fires (`FNTRACE_TIMEOUT_MARGIN_MS`). Default 500. */
  readonly timeoutMarginMs: number;
  /** Spans and log records kept for export at most, counting those waiting to be resent (`FNTRACE_MAX_QUEUE_SIZE`). Default 2048; beyond it they are dropped and counted. */
  readonly maxQueueSize: number;
  /**
   * Most time the flush on SIGTERM may take (`FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS`). Default 250:
   * Lambda gives the runtime up to 300 ms after SIGTERM when an external extension is
   * registered (500 ms with an internal one) before SIGKILL. 0 leaves SIGTERM alone.
   */
  readonly shutdownFlushTimeoutMs: number;
  /** Log level (`FNTRACE_LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL`, else `LOG_LEVEL`). Default `info`. */
  readonly logLevel: string;
  /** Extra key names to redact (`FNTRACE_REDACT_KEYS`, comma-separated), added to the built-in list. */
  readonly redactKeys: readonly string[];
  /** Trace outgoing calls (HTTP, `fetch`, AWS SDK) and carry context on them (`FNTRACE_OUTGOING`). Default true. */
  readonly traceOutgoing: boolean;
  /** Put trace context into Kinesis records' JSON data (`FNTRACE_KINESIS_INJECT`). Default false: it changes the data. */
  readonly kinesisInject: boolean;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

function badEnv(name: string, value: string, fallback: unknown): void {
  report(ERROR_CODES.BAD_ENV, `${name}=${JSON.stringify(value)} is not valid; using ${JSON.stringify(fallback)}`);
}

function intEnv(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !Number.isInteger(n)) {
    badEnv(name, raw, fallback);
    return fallback;
  }
  if (n < min || n > max) {
    const clamped = Math.min(max, Math.max(min, n));
    badEnv(name, raw, clamped);
    return clamped;
  }
  return n;
}

function boolEnv(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  badEnv(name, raw, fallback);
  return fallback;
}

/** `k1=v1,k2=v2` with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES use. */
export function parseKeyValueList(raw: string | undefined, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const item of raw.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      if (item.trim() !== '') report(ERROR_CODES.BAD_ENV, `${name} has an entry without "key=" (ignored)`);
      continue;
    }
    const key = item.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      report(ERROR_CODES.BAD_ENV, `${name} entry "${key}" is not percent-encoded correctly (ignored)`);
    }
  }
  return out;
}

function joinPath(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

export function resolveConfig(env: Env): SdkConfig {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
  let sampler = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  if (!SAMPLERS.includes(sampler)) {
    badEnv('OTEL_TRACES_SAMPLER', sampler, 'parentbased_always_on');
    sampler = 'parentbased_always_on';
  }
  let samplerArg = 1;
  if (env.OTEL_TRACES_SAMPLER_ARG !== undefined && sampler.endsWith('traceidratio')) {
    const n = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (Number.isFinite(n) && n >= 0 && n <= 1) samplerArg = n;
    else badEnv('OTEL_TRACES_SAMPLER_ARG', env.OTEL_TRACES_SAMPLER_ARG, 1);
  }
  let logLevel = (env.FNTRACE_LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LEVELS.includes(logLevel)) {
    badEnv('FNTRACE_LOG_LEVEL', logLevel, 'info');
    logLevel = 'info';
  }
  const resourceAttributes = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES, 'OTEL_RESOURCE_ATTRIBUTES');
  const serviceName =
    env.OTEL_SERVICE_NAME?.trim() ||
    resourceAttributes['service.name'] ||
    env.AWS_LAMBDA_FUNCTION_NAME ||
    // Google Cloud Run (and Cloud Run functions): the service, which is the function's name
    env.K_SERVICE ||
    // Azure Functions: the function app (its functions are told apart by faas.name, per span)
    env.WEBSITE_SITE_NAME ||
    'unknown_service';
  return Object.freeze({
    serviceName,
    tracesEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || joinPath(base, '/v1/traces'),
    logsEndpoint: env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim() || joinPath(base, '/v1/logs'),
    headers: Object.freeze(parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS')),
    resourceAttributes: Object.freeze(resourceAttributes),
    sampler,
    samplerArg,
    disabled: boolEnv(env, 'OTEL_SDK_DISABLED', false),
    exportLogs: boolEnv(env, 'FNTRACE_EXPORT_LOGS', true),
    flushTimeoutMs: intEnv(env, 'FNTRACE_FLUSH_TIMEOUT_MS', 500, 0, 30_000),
    timeoutMarginMs: intEnv(env, 'FNTRACE_TIMEOUT_MARGIN_MS', 500, 0, 60_000),
    maxQueueSize: intEnv(env, 'FNTRACE_MAX_QUEUE_SIZE', 2048, 1, 1_000_000),
    shutdownFlushTimeoutMs: intEnv(env, 'FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS', 250, 0, 30_000),
    logLevel,
    traceOutgoing: boolEnv(env, 'FNTRACE_OUTGOING', true),
    kinesisInject: boolEnv(env, 'FNTRACE_KINESIS_INJECT', false),
    redactKeys: Object.freeze(
      (env.FNTRACE_REDACT_KEYS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  });
}
