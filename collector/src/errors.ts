/**
 * Every coded error of `@fntrace/collector`, declared once: its code, where it surfaces (the
 * HTTP statuses it answers with, or `start-up` and `command` for errors that stop the
 * collector or a command before anything is served), and a constructor for each case below.
 * fastify's `lib/errors.js` is the model. Nothing else in the collector spells a code:
 * `test/docs.test.ts` checks that, and that docs/errors.md lists exactly these codes with
 * exactly these statuses.
 */
export const COLLECTOR_ERRORS = {
  BAD_OTLP: { code: 'FNTRACE_ERR_COL_BAD_OTLP', surfaces: [400] },
  UNSUPPORTED_MEDIA_TYPE: { code: 'FNTRACE_ERR_COL_UNSUPPORTED_MEDIA_TYPE', surfaces: [415] },
  UNSUPPORTED_ENCODING: { code: 'FNTRACE_ERR_COL_UNSUPPORTED_ENCODING', surfaces: [415] },
  BODY_TOO_LARGE: { code: 'FNTRACE_ERR_COL_BODY_TOO_LARGE', surfaces: [413] },
  DECOMPRESSED_TOO_LARGE: { code: 'FNTRACE_ERR_COL_DECOMPRESSED_TOO_LARGE', surfaces: [413] },
  OVERLOADED: { code: 'FNTRACE_ERR_COL_OVERLOADED', surfaces: [429] },
  SPOOL_FULL: { code: 'FNTRACE_ERR_COL_SPOOL_FULL', surfaces: [503] },
  SPOOL_WRITE: { code: 'FNTRACE_ERR_COL_SPOOL_WRITE', surfaces: [503] },
  SHUTTING_DOWN: { code: 'FNTRACE_ERR_COL_SHUTTING_DOWN', surfaces: [503] },
  STORAGE: { code: 'FNTRACE_ERR_COL_STORAGE', surfaces: [500] },
  INVALID_OPTION: { code: 'FNTRACE_ERR_COL_INVALID_OPTION', surfaces: ['start-up'] },
  DATA_DIR_LOCKED: { code: 'FNTRACE_ERR_COL_DATA_DIR_LOCKED', surfaces: ['start-up'] },
  BAD_QUERY: { code: 'FNTRACE_ERR_COL_BAD_QUERY', surfaces: [400] },
  NOT_FOUND: { code: 'FNTRACE_ERR_COL_NOT_FOUND', surfaces: [404] },
  BAD_RULE: { code: 'FNTRACE_ERR_COL_BAD_RULE', surfaces: [400, 409] },
  UNAUTHORIZED: { code: 'FNTRACE_ERR_COL_UNAUTHORIZED', surfaces: [401] },
  UNSUPPORTED_SIGNAL: { code: 'FNTRACE_ERR_COL_UNSUPPORTED_SIGNAL', surfaces: [404] },
  SCHEMA_OUTDATED: { code: 'FNTRACE_ERR_COL_SCHEMA_OUTDATED', surfaces: ['command'] },
} as const satisfies Record<string, { code: `FNTRACE_ERR_COL_${string}`; surfaces: readonly (number | string)[] }>;

export type ErrorKind = keyof typeof COLLECTOR_ERRORS;
type HttpStatusOf<K extends ErrorKind> = Extract<(typeof COLLECTOR_ERRORS)[K]['surfaces'][number], number>;

/** Each kind's code: `COLLECTOR_ERROR_CODES.BAD_OTLP` is `'FNTRACE_ERR_COL_BAD_OTLP'`. */
export const COLLECTOR_ERROR_CODES = Object.fromEntries(
  Object.entries(COLLECTOR_ERRORS).map(([kind, { code }]) => [kind, code]),
) as { readonly [K in ErrorKind]: (typeof COLLECTOR_ERRORS)[K]['code'] };

/**
 * A coded error. Made by the constructors below, never directly, so that its code and
 * status are always a pair the registry declares.
 */
export class CollectorError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  /** The HTTP status it answers with; 500 for start-up and command errors, which answer nothing. */
  readonly statusCode: number;
  /** Seconds a client should wait before retrying (429/503). */
  readonly retryAfterSeconds: number | undefined;
  /** The field or parameter at fault, as a JSON pointer (an alert rule's `/rules/0/window`). */
  readonly field: string | undefined;

  private constructor(
    kind: ErrorKind,
    message: string,
    o: { status?: number; retryAfterSeconds?: number; cause?: unknown; field?: string },
  ) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'CollectorError';
    this.kind = kind;
    this.code = COLLECTOR_ERRORS[kind].code;
    const first = COLLECTOR_ERRORS[kind].surfaces[0];
    this.statusCode = o.status ?? (typeof first === 'number' ? first : 500);
    this.retryAfterSeconds = o.retryAfterSeconds;
    this.field = o.field;
  }

  /** @internal the registry's constructor; use the named constructors below. */
  static of<K extends ErrorKind>(
    kind: K,
    message: string,
    o: { status?: HttpStatusOf<K>; retryAfterSeconds?: number; cause?: unknown; field?: string } = {},
  ): CollectorError {
    return new CollectorError(kind, message, o);
  }
}

const make = CollectorError.of;

/** Whether `err` is the collector's error of this kind. */
export const isError = (err: unknown, kind: ErrorKind): err is CollectorError =>
  err instanceof CollectorError && err.kind === kind;

// ── ingest (answered as OTLP: a google.rpc.Status in the request's encoding) ────────────

/** A body that is not an OTLP export request (malformed protobuf, JSON of the wrong shape, bad gzip). */
export const badOtlp = (message: string, cause?: unknown) => make('BAD_OTLP', message, { cause });
export const unsupportedMediaType = (type: string | undefined) =>
  make(
    'UNSUPPORTED_MEDIA_TYPE',
    `content-type ${JSON.stringify(type ?? '')} is not supported; send application/x-protobuf or application/json`,
  );
export const unsupportedEncoding = (encoding: string) =>
  make('UNSUPPORTED_ENCODING', `content-encoding "${encoding}" is not supported; send gzip or none`);
export const bodyTooLarge = (limit: number) =>
  make('BODY_TOO_LARGE', `request body is larger than the ${limit}-byte limit`);
export const decompressedTooLarge = (limit: number) =>
  make('DECOMPRESSED_TOO_LARGE', `request body decompresses to more than the ${limit}-byte limit`);
export const overloaded = (limit: number) =>
  make('OVERLOADED', `more than ${limit} requests are being ingested; retry later`, { retryAfterSeconds: 1 });
export const spoolFull = (limit: number) =>
  make('SPOOL_FULL', `the spool is at its ${limit}-byte quota while storage catches up; retry later`, {
    retryAfterSeconds: 5,
  });
export const spoolWrite = (cause: string) =>
  make('SPOOL_WRITE', `could not write the spool (${cause}); retry later`, { retryAfterSeconds: 5 });
export const shuttingDown = () =>
  make('SHUTTING_DOWN', 'the collector is shutting down; retry against another replica or later', {
    retryAfterSeconds: 5,
  });
export const ingestFailed = () =>
  make('STORAGE', 'internal error while ingesting; retry later', { retryAfterSeconds: 1 });
export const unsupportedSignal = () =>
  make(
    'UNSUPPORTED_SIGNAL',
    'fntrace keeps traces and logs, not metrics: send metrics elsewhere (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) or turn them off (OTEL_METRICS_EXPORTER=none)',
  );

/** A request without an accepted bearer token: `what` is the token it needs, `how` how to send it. */
export const unauthorized = (what: 'ingest' | 'API', result: 'missing' | 'wrong', how: string) =>
  make(
    'UNAUTHORIZED',
    result === 'wrong'
      ? `the ${what} token sent is not one this collector accepts`
      : `this collector needs an ${what} token: ${how}`,
  );

// ── the API (answered as JSON: statusCode, code, error, message) ─────────────────────────

/** A query parameter out of range; the message names it and says what it must be. */
export const badQuery = (message: string) => make('BAD_QUERY', message);
export const notFound = (message: string) => make('NOT_FOUND', message);
/** An alert rule that does not validate; `field` is the JSON pointer of the field at fault. */
export const badRule = (message: string, field?: string) => make('BAD_RULE', message, { field });
/** An alert rule whose id is taken, or that comes from the rules file (read-only through the API). */
export const ruleConflict = (message: string) => make('BAD_RULE', message, { status: 409 });
export const queryFailed = () => make('STORAGE', 'the query failed; see the collector log');

// ── start-up and commands ────────────────────────────────────────────────────────────────

export const invalidOption = (option: string, message: string) =>
  make('INVALID_OPTION', `option ${option}: ${message}`);
/** `then`: what to do about it, when the caller knows better than "stop the other one". */
export const dataDirLocked = (dir: string, then?: string) =>
  make('DATA_DIR_LOCKED', `data directory ${dir} is in use by another fntrace process${then ? `: ${then}` : ''}`);
/** A command that writes to the store found its schema older than this version writes (the collector migrates at start-up). */
export const schemaOutdated = (have: number, want: number) =>
  make(
    'SCHEMA_OUTDATED',
    `the store's schema is at migration ${have} and this fntrace writes migration ${want}: start \`fntrace collector\` once with the same options (it migrates at start-up), stop it, then run this again`,
  );
