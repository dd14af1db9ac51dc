import type { FromSchema } from 'json-schema-to-ts';

/**
 * What `GET /api/telemetry-loss` answers (answers.ts says how these schemas are used): per
 * function, invocations seen and missing over time, what the SDKs said they dropped, and each
 * gap in an environment's invocation numbering with its likely cause.
 */
const integer = { type: 'integer' } as const;
const string = { type: 'string' } as const;

const counts = {
  seen: { type: 'integer', description: 'invocations stored that carry an environment sequence number' },
  missing: {
    type: 'integer',
    description: 'numbers skipped in an environment and still absent after the grace period: lost',
  },
  pending: {
    type: 'integer',
    description: 'numbers skipped but still inside the grace period: not counted as lost (late data may fill them)',
  },
  droppedSpans: { type: 'integer', description: 'spans the SDKs reported they dropped (fntrace.sdk.dropped_spans)' },
  droppedLogRecords: { type: 'integer', description: 'log records the SDKs reported they dropped' },
} as const;
const countNames = ['seen', 'missing', 'pending', 'droppedSpans', 'droppedLogRecords'] as const;

/** One bucket of one function. */
export const lossPoint = {
  type: 'object',
  additionalProperties: false,
  required: ['t', ...countNames],
  properties: { t: { type: 'integer', description: 'bucket start, epoch ms' }, ...counts },
} as const;

export const LOSS_CAUSES = ['previous_timeout', 'previous_error', 'environment_reset', 'unknown'] as const;

/** A run of invocation numbers an environment skipped. */
export const lossGap = {
  type: 'object',
  additionalProperties: false,
  required: [
    'service',
    'function',
    'instance',
    'environmentId',
    'firstSequence',
    'count',
    'state',
    'cause',
    'before',
    'after',
  ],
  properties: {
    service: string,
    function: string,
    instance: { type: 'string', description: 'faas.instance of the environment (a log stream on Lambda)' },
    environmentId: { type: 'string', description: 'fntrace.environment.id' },
    firstSequence: { type: 'integer', description: 'the first number missing' },
    count: { type: 'integer', description: 'how many numbers are missing' },
    state: { type: 'string', enum: ['lost', 'pending'], description: 'pending: still inside the grace period' },
    cause: {
      type: 'string',
      enum: LOSS_CAUSES,
      description:
        'previous_timeout / previous_error: the invocation before the gap timed out or failed; environment_reset: the one after it was a cold start (a new process in the same environment); unknown',
    },
    before: {
      type: 'object',
      additionalProperties: false,
      required: ['sequence', 'invocationId', 'traceId', 'outcome', 'endMs'],
      description: 'the last invocation the environment reported before the gap',
      properties: {
        sequence: integer,
        invocationId: string,
        traceId: string,
        outcome: { type: 'string', enum: ['ok', 'error', 'timeout'] },
        endMs: { type: 'number', description: 'epoch ms' },
      },
    },
    after: {
      type: 'object',
      additionalProperties: false,
      required: ['sequence', 'invocationId', 'traceId', 'coldStart', 'startMs'],
      description: 'the first invocation the environment reported after the gap',
      properties: {
        sequence: integer,
        invocationId: string,
        traceId: string,
        coldStart: { type: 'boolean' },
        startMs: { type: 'number', description: 'epoch ms' },
      },
    },
  },
} as const;
export type LossGap = FromSchema<typeof lossGap>;

/** `GET /api/telemetry-loss`. */
export const telemetryLoss = {
  type: 'object',
  additionalProperties: false,
  description: 'Invocations seen and lost per function over the window, and the gaps that were lost or are pending',
  required: ['start', 'end', 'stepSeconds', 'graceMs', 'functions', 'gaps'],
  properties: {
    start: { type: 'integer', description: 'the window, epoch ms' },
    end: integer,
    stepSeconds: integer,
    graceMs: {
      type: 'integer',
      description: 'how long after the invocation that reveals a gap it stays pending: `grace` plus the ingest lag',
    },
    functions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['service', 'function', ...countNames, 'coveragePercent', 'points'],
        properties: {
          service: string,
          function: string,
          ...counts,
          coveragePercent: {
            type: ['number', 'null'],
            description: 'seen / (seen + missing), in percent; null without invocations',
          },
          points: { type: 'array', items: lossPoint },
        },
      },
    },
    gaps: { type: 'array', items: lossGap, description: 'newest first, up to `limit`' },
  },
} as const;
export type TelemetryLoss = FromSchema<typeof telemetryLoss>;
