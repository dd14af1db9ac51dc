/**
 * Coded errors of `@fntrace/collector`, each with the HTTP status it answers with
 * (fastify's `lib/errors.js` is the model). Every code is listed in the README's error
 * table; a test keeps the two in step.
 */
export class CollectorError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Seconds a client should wait before retrying (429/503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, statusCode: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'CollectorError';
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * A request body that is not an OTLP export request (malformed protobuf, JSON of the wrong
 * shape): the receiver answers 400 with its message.
 */
export class OtlpDecodeError extends CollectorError {
  constructor(message: string, options?: ErrorOptions) {
    super('FNTRACE_ERR_COL_BAD_OTLP', 400, message);
    this.name = 'OtlpDecodeError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export const COLLECTOR_ERROR_CODES = {
  BAD_OTLP: 'FNTRACE_ERR_COL_BAD_OTLP',
  UNSUPPORTED_MEDIA_TYPE: 'FNTRACE_ERR_COL_UNSUPPORTED_MEDIA_TYPE',
  UNSUPPORTED_ENCODING: 'FNTRACE_ERR_COL_UNSUPPORTED_ENCODING',
  BODY_TOO_LARGE: 'FNTRACE_ERR_COL_BODY_TOO_LARGE',
  DECOMPRESSED_TOO_LARGE: 'FNTRACE_ERR_COL_DECOMPRESSED_TOO_LARGE',
  SPOOL_FULL: 'FNTRACE_ERR_COL_SPOOL_FULL',
  SPOOL_WRITE: 'FNTRACE_ERR_COL_SPOOL_WRITE',
  OVERLOADED: 'FNTRACE_ERR_COL_OVERLOADED',
  SHUTTING_DOWN: 'FNTRACE_ERR_COL_SHUTTING_DOWN',
  INVALID_OPTION: 'FNTRACE_ERR_COL_INVALID_OPTION',
  STORAGE: 'FNTRACE_ERR_COL_STORAGE',
  DATA_DIR_LOCKED: 'FNTRACE_ERR_COL_DATA_DIR_LOCKED',
  BAD_QUERY: 'FNTRACE_ERR_COL_BAD_QUERY',
  NOT_FOUND: 'FNTRACE_ERR_COL_NOT_FOUND',
  BAD_RULE: 'FNTRACE_ERR_COL_BAD_RULE',
  UNAUTHORIZED: 'FNTRACE_ERR_COL_UNAUTHORIZED',
  UNSUPPORTED_SIGNAL: 'FNTRACE_ERR_COL_UNSUPPORTED_SIGNAL',
  SCHEMA_OUTDATED: 'FNTRACE_ERR_COL_SCHEMA_OUTDATED',
} as const;

const C = COLLECTOR_ERROR_CODES;

export const unsupportedMediaType = (type: string | undefined) =>
  new CollectorError(
    C.UNSUPPORTED_MEDIA_TYPE,
    415,
    `content-type ${JSON.stringify(type ?? '')} is not supported; send application/x-protobuf or application/json`,
  );
export const unsupportedEncoding = (encoding: string) =>
  new CollectorError(C.UNSUPPORTED_ENCODING, 415, `content-encoding "${encoding}" is not supported; send gzip or none`);
export const bodyTooLarge = (limit: number) =>
  new CollectorError(C.BODY_TOO_LARGE, 413, `request body is larger than the ${limit}-byte limit`);
export const decompressedTooLarge = (limit: number) =>
  new CollectorError(C.DECOMPRESSED_TOO_LARGE, 413, `request body decompresses to more than the ${limit}-byte limit`);
export const spoolFull = (limit: number) =>
  new CollectorError(
    C.SPOOL_FULL,
    503,
    `the spool is at its ${limit}-byte quota while storage catches up; retry later`,
    5,
  );
export const spoolWrite = (cause: string) =>
  new CollectorError(C.SPOOL_WRITE, 503, `could not write the spool (${cause}); retry later`, 5);
export const overloaded = (limit: number) =>
  new CollectorError(C.OVERLOADED, 429, `more than ${limit} requests are being ingested; retry later`, 1);
export const shuttingDown = () =>
  new CollectorError(C.SHUTTING_DOWN, 503, 'the collector is shutting down; retry against another replica or later', 5);
/** A request without an accepted bearer token: `what` is the token it needs, `how` how to send it. */
export const unauthorized = (what: 'ingest' | 'API', result: 'missing' | 'wrong', how: string) =>
  new CollectorError(
    C.UNAUTHORIZED,
    401,
    result === 'wrong'
      ? `the ${what} token sent is not one this collector accepts`
      : `this collector needs an ${what} token: ${how}`,
  );
export const invalidOption = (option: string, message: string) =>
  new CollectorError(C.INVALID_OPTION, 500, `option ${option}: ${message}`);
export const dataDirLocked = (dir: string) =>
  new CollectorError(C.DATA_DIR_LOCKED, 500, `data directory ${dir} is in use by another fntrace process`);
/** A command that writes to the store found its schema older than this version writes (the collector migrates at start-up). */
export const schemaOutdated = (have: number, want: number) =>
  new CollectorError(
    C.SCHEMA_OUTDATED,
    500,
    `the store's schema is at migration ${have} and this fntrace writes migration ${want}: start \`fntrace collector\` once with the same options (it migrates at start-up), stop it, then run this again`,
  );
