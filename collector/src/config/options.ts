import { Ajv } from 'ajv';
import { invalidOption } from '../errors.js';
import { tokenProblem } from '../http/auth.js';
import { parseDuration } from './duration.js';
import { PATTERNS, schemaErrorText } from './schema-errors.js';

/**
 * The collector's options: one JSON Schema validates them, gives their defaults and
 * documents them (the CLI's `--help` and the README are written from the same names).
 * Options → defaults → validate → freeze. The CLI maps `--flag` and `FNTRACE_*` onto these.
 */
export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: 4318,
      description: 'port for OTLP/HTTP, the API and the dashboard',
    },
    host: {
      type: 'string',
      minLength: 1,
      default: '127.0.0.1',
      description: 'address to bind; 0.0.0.0 to accept other machines',
    },
    data: {
      type: 'string',
      minLength: 1,
      default: './.fntrace',
      description: 'data directory: spool and the embedded ClickHouse',
    },
    clickhouseUrl: {
      type: 'string',
      default: '',
      description: 'ClickHouse server URL (http[s]://user:password@host:8123); empty: embedded engine in --data',
    },
    clickhouseDatabase: {
      type: 'string',
      pattern: PATTERNS.identifier.pattern,
      default: 'fntrace',
      description: 'database for fntrace tables',
    },
    clickhouseCluster: {
      type: 'string',
      pattern: PATTERNS.clusterName.pattern,
      default: '',
      description: 'cluster name: ON CLUSTER DDL, Replicated + Distributed tables',
    },
    retentionDays: {
      type: 'integer',
      minimum: 0,
      maximum: 36500,
      default: 30,
      description:
        'days to keep spans and logs; 0 keeps them forever. Older spans and log records are refused at ingest (older_than_retention)',
    },
    maxFutureSkew: {
      type: 'string',
      pattern: PATTERNS.wholeDuration.pattern,
      default: '5m',
      description:
        "how far ahead of the collector's clock a span's or log record's time may be (30s, 5m, 1h, 1d); later ones are refused at ingest (too_far_in_future)",
    },
    spoolMaxBytes: {
      type: 'integer',
      minimum: 1048576,
      default: 1073741824,
      description: 'spool quota; at it, ingest answers 503 with Retry-After',
    },
    bodyLimitBytes: {
      type: 'integer',
      minimum: 1024,
      default: 16777216,
      description: 'largest request body accepted (compressed size)',
    },
    maxDecompressedBytes: {
      type: 'integer',
      minimum: 1024,
      default: 67108864,
      description: 'largest request body after gzip decompression',
    },
    maxInflightRequests: {
      type: 'integer',
      minimum: 1,
      default: 512,
      description: 'ingest requests handled at once; beyond it, 429 with Retry-After',
    },
    segmentBytes: {
      type: 'integer',
      minimum: 4096,
      default: 33554432,
      description: 'spool segment size at which it is sealed and stored',
    },
    segmentMaxAgeMs: {
      type: 'integer',
      minimum: 10,
      default: 250,
      description: 'longest a spool segment stays open before it is stored, while storage keeps up',
    },
    retryWindowMs: {
      type: 'integer',
      minimum: 0,
      default: 600000,
      description:
        'how long an acknowledged request is remembered: a client retry of it with the same body is answered again and stored once; 0 turns this off',
    },
    orphanGraceMs: {
      type: 'integer',
      minimum: 0,
      default: 300000,
      description: 'how long a span whose parent is missing counts as pending before it is lost',
    },
    lossGraceMs: {
      type: 'integer',
      minimum: 0,
      default: 60000,
      description:
        'how long, on top of the measured ingest lag, an invocation number an environment skipped stays pending before /api/telemetry-loss counts it lost',
    },
    tlsCert: {
      type: 'string',
      default: '',
      description:
        'PEM certificate (chain) file: serve HTTPS instead of HTTP, with --tls-key; read at start-up and on SIGHUP',
    },
    tlsKey: {
      type: 'string',
      default: '',
      description: 'PEM private key file of --tls-cert',
    },
    ingestToken: {
      type: 'string',
      default: '',
      description:
        'bearer token OTLP senders must present (Authorization: Bearer <token>); several, comma-separated, while rotating; empty: no check. Prefer the variable: a flag shows in ps',
    },
    apiToken: {
      type: 'string',
      default: '',
      description:
        'bearer token for the query and alert API, /metrics and the dashboard (which asks for it); several, comma-separated; empty: no check',
    },
    prices: {
      type: 'string',
      default: '',
      description:
        'YAML/JSON price table for the estimated cost of invocations (per cloud.provider and host.arch), ahead of the built-in AWS Lambda prices; read at start-up',
    },
    alertRules: { type: 'string', default: '', description: 'YAML/JSON file of alert rules, validated at start-up' },
    tailSampling: {
      type: 'string',
      default: '',
      description:
        'YAML/JSON file of tail sampling rules (decision delay, hold time, what to keep): journeys are decided once quiet, the rest dropped after the hold; metrics and cost still count every span. Empty: store every span',
    },
    alerts: { type: 'boolean', default: true, description: 'evaluate alerts here; give false on all but one replica' },
    publicUrl: {
      type: 'string',
      default: '',
      description: 'base URL of the dashboard for links in notifications (default: the listen address)',
    },
    engineMemoryBytes: {
      type: 'integer',
      minimum: 67108864,
      default: 805306368,
      description: 'memory limit for each ClickHouse query and insert (background merges are outside it)',
    },
    engineMaxMemoryBytes: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description:
        "memory limit for the whole embedded engine: queries, inserts and merges together; 0: ClickHouse's default, 90 % of RAM (a server keeps its own)",
    },
    mapBuckets: {
      type: 'boolean',
      default: false,
      description:
        'store span and resource attribute maps split by key once parts merge: attribute searches over merged data read a fraction of the maps, merges hold ~250 MB more',
    },
    logLevel: {
      type: 'string',
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
      description: 'collector log level',
    },
  },
} as const;

export interface CollectorOptions {
  readonly port: number;
  readonly host: string;
  readonly data: string;
  readonly clickhouseUrl: string;
  readonly clickhouseDatabase: string;
  readonly clickhouseCluster: string;
  readonly retentionDays: number;
  /** a whole duration: `30s`, `5m`, `1h`, `1d` (see {@link durationMs}) */
  readonly maxFutureSkew: string;
  readonly spoolMaxBytes: number;
  readonly bodyLimitBytes: number;
  readonly maxDecompressedBytes: number;
  readonly maxInflightRequests: number;
  readonly segmentBytes: number;
  readonly segmentMaxAgeMs: number;
  readonly retryWindowMs: number;
  readonly orphanGraceMs: number;
  readonly lossGraceMs: number;
  readonly tlsCert: string;
  readonly tlsKey: string;
  readonly ingestToken: string;
  readonly apiToken: string;
  readonly prices: string;
  readonly alertRules: string;
  readonly tailSampling: string;
  readonly alerts: boolean;
  readonly publicUrl: string;
  readonly engineMemoryBytes: number;
  readonly engineMaxMemoryBytes: number;
  readonly mapBuckets: boolean;
  readonly logLevel: string;
}

/** `--clickhouse-url` → `clickhouseUrl` → `FNTRACE_CLICKHOUSE_URL`. */
export const optionNames = Object.keys(optionsSchema.properties) as (keyof CollectorOptions)[];
export const flagOf = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envOf = (name: string) => `FNTRACE_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

const ajv = new Ajv({ useDefaults: true, coerceTypes: true, allErrors: true });
const validate = ajv.compile(optionsSchema);

/** Apply defaults, validate, freeze. Throws a coded error naming the first bad option. */
export function resolveCollectorOptions(
  input: Partial<Record<keyof CollectorOptions, unknown>> = {},
): CollectorOptions {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) copy[k] = v;
  if (!validate(copy)) {
    const e = validate.errors?.[0];
    const field =
      e?.instancePath.replace(/^\//, '') || (e?.params as { additionalProperty?: string })?.additionalProperty || '?';
    throw invalidOption(flagOf(field), e ? schemaErrorText(e, copy[field]) : 'is not valid');
  }
  // validation filled in the defaults
  const { engineMaxMemoryBytes: total, engineMemoryBytes: each } = copy as {
    engineMaxMemoryBytes: number;
    engineMemoryBytes: number;
  };
  if (total > 0 && total < each)
    throw invalidOption(
      '--engine-max-memory-bytes',
      `must be 0 or at least --engine-memory-bytes (${each}), the cap of one query (got ${total})`,
    );
  if (durationMs(String(copy.maxFutureSkew)) > 365 * 86_400_000)
    throw invalidOption('--max-future-skew', `must be at most 365d (got ${JSON.stringify(copy.maxFutureSkew)})`);
  if (Boolean(copy.tlsCert) !== Boolean(copy.tlsKey))
    throw invalidOption(
      copy.tlsCert ? '--tls-key' : '--tls-cert',
      'is needed too: HTTPS takes a certificate and its key',
    );
  for (const name of ['ingestToken', 'apiToken'] as const) {
    const problem = tokenProblem(String(copy[name]));
    if (problem) throw invalidOption(flagOf(name), problem);
  }
  if (copy.clickhouseUrl) {
    try {
      new URL(String(copy.clickhouseUrl));
    } catch {
      throw invalidOption(
        '--clickhouse-url',
        `is not a URL (got ${JSON.stringify(redactUrl(String(copy.clickhouseUrl)))})`,
      );
    }
  }
  return Object.freeze(copy) as unknown as CollectorOptions;
}

/** Milliseconds of a duration option (`30s`, `5m`, `1h`, `1d`), which the schema has validated. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return ms;
}

/** A URL with its password replaced, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
