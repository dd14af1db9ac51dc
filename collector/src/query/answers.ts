import type { FromSchema } from 'json-schema-to-ts';
import { errorAnswer, unauthorizedAnswer } from '../http/api-errors.js';
import type { InvocationFacts, TraceSummary } from '../stitch/trace-facts.js';
import { lossGap } from './loss-answers.js';
import type { Same } from './schema-types.js';

export type { ErrorBody } from '../http/api-errors.js';

/**
 * What the query API answers, as JSON Schema: every route's `response` (OpenAPI documents
 * them; test/collector/openapi-responses.test.ts validates real answers against them) and,
 * through `FromSchema`, the TypeScript types of the answers, which the route handlers must
 * return and the dashboard reads. Objects refuse properties they do not list, so an answer
 * that grows a field grows its schema too. This file: the error body, the records (trace
 * summaries, invocations, log records) and the lists of them; one trace's answers are in
 * trace-answers.ts, services, metrics and the map in overview-answers.ts.
 *
 * Times: `…UnixNano` are decimal strings of nanoseconds since the epoch (exact; a double is
 * not), `…Ms` are milliseconds as numbers.
 */

/** The error answers every query route can give. */
export const queryErrors = {
  400: errorAnswer('a parameter is not valid: the message names it and says what it must be'),
  401: unauthorizedAnswer,
  500: errorAnswer('the query failed in storage; the collector log has the cause'),
} as const;

export const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;
export const nanos = { type: 'string', pattern: '^\\d+$', description: 'decimal nanoseconds since the epoch' } as const;

/** A trace's summary (search results, trace view, journey). */
export const traceSummary = {
  type: 'object',
  additionalProperties: false,
  required: [
    'traceId',
    'startUnixNano',
    'startMs',
    'durationMs',
    'spanCount',
    'errorCount',
    'services',
    'rootService',
    'rootOperation',
    'invocations',
    'coldStarts',
    'costUsd',
  ],
  properties: {
    traceId: string,
    startUnixNano: nanos,
    startMs: number,
    durationMs: number,
    spanCount: integer,
    errorCount: integer,
    services: { type: 'array', items: string },
    rootService: string,
    rootOperation: string,
    invocations: integer,
    coldStarts: integer,
    costUsd: number,
  },
} as const;

/** One function invocation (`/api/invocations`, and the trace view's). */
export const invocation = {
  type: 'object',
  additionalProperties: false,
  required: [
    'startUnixNano',
    'invocationId',
    'traceId',
    'spanId',
    'functionName',
    'functionVersion',
    'instance',
    'trigger',
    'triggerSource',
    'coldStart',
    'initDurationMs',
    'durationMs',
    'billedDurationMs',
    'memoryMb',
    'costUsd',
    'outcome',
    'correlationId',
  ],
  properties: {
    startUnixNano: nanos,
    invocationId: string,
    traceId: string,
    spanId: string,
    functionName: string,
    functionVersion: string,
    instance: string,
    trigger: string,
    triggerSource: string,
    coldStart: { type: 'boolean' },
    initDurationMs: number,
    durationMs: number,
    billedDurationMs: number,
    memoryMb: integer,
    costUsd: number,
    outcome: { type: 'string', enum: ['ok', 'error', 'timeout'] },
    correlationId: string,
  },
} as const;

// The summary and invocations are made in stitch/ (trace-facts.ts), upstream of the query
// API, and declared there; these fail to compile when either side changes alone.
true satisfies Same<FromSchema<typeof traceSummary>, TraceSummary>;
true satisfies Same<FromSchema<typeof invocation>, InvocationFacts>;

/** `GET /api/traces`. */
export const searchPage = {
  type: 'object',
  additionalProperties: false,
  description: 'A page of traces, newest (or slowest) first',
  required: ['traces'],
  properties: {
    traces: { type: 'array', items: traceSummary },
    nextCursor: { type: 'string', description: 'the next page: pass as cursor; absent on the last page' },
    corrected: {
      type: 'array',
      description:
        "the page's traces whose clock-skew correction moves spans, with their corrected window (as the trace view draws it)",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['traceId', 'startUnixNano', 'startMs', 'durationMs', 'spansMoved'],
        properties: {
          traceId: string,
          startUnixNano: nanos,
          startMs: number,
          durationMs: number,
          spansMoved: integer,
        },
      },
    },
  },
} as const;
export type SearchPage = FromSchema<typeof searchPage>;

/** `GET /api/traces/points`. */
export const tracePoints = {
  type: 'object',
  additionalProperties: false,
  description: 'Start and duration of the traces a search matches over its window',
  required: ['start', 'end', 'matched', 'points'],
  properties: {
    start: { type: 'integer', description: 'the window, epoch ms' },
    end: integer,
    matched: { type: 'integer', description: 'how many traces matched (more than points past the limit)' },
    points: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['traceId', 'startMs', 'durationMs', 'error'],
        properties: { traceId: string, startMs: number, durationMs: number, error: { type: 'boolean' } },
      },
    },
  },
} as const;
export type TracePoints = FromSchema<typeof tracePoints>;
export type TracePoint = TracePoints['points'][number];

/** A log record (`/api/logs`, `/api/traces/:traceId/logs`). */
export const logRecord = {
  type: 'object',
  additionalProperties: false,
  required: ['timeUnixNano', 'traceId', 'spanId', 'severityText', 'severityNumber', 'service', 'body', 'attributes'],
  properties: {
    timeUnixNano: nanos,
    traceId: string,
    spanId: string,
    severityText: string,
    severityNumber: integer,
    service: string,
    body: string,
    attributes: stringMap,
  },
} as const;
export type LogRecord = FromSchema<typeof logRecord>;

/** `GET /api/invocations`. */
export const invocationList = {
  type: 'object',
  additionalProperties: false,
  description: 'Invocations, newest first',
  required: ['invocations'],
  properties: {
    invocations: { type: 'array', items: invocation },
    lostAfter: {
      type: 'array',
      items: lossGap,
      description:
        'with lost=true: each gap in an environment numbering that follows one of these invocations (before.invocationId), newest first',
    },
  },
} as const;

/** `GET /api/logs`. */
export const logList = {
  type: 'object',
  additionalProperties: false,
  description: 'Log records, newest first',
  required: ['logs'],
  properties: { logs: { type: 'array', items: logRecord } },
} as const;

/** `GET /api/traces/ids`: the trace ids that begin with a prefix, in id order. */
export const traceIdList = {
  type: 'object',
  additionalProperties: false,
  description: 'Trace ids that begin with the prefix; one is a unique prefix, several an ambiguous one',
  required: ['prefix', 'traceIds', 'more'],
  properties: {
    prefix: string,
    traceIds: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['traceId', 'startMs'],
        properties: {
          traceId: string,
          startMs: { type: 'number', description: 'when the trace started, epoch ms (to the second)' },
        },
      },
    },
    more: { type: 'boolean', description: 'more trace ids than `limit` begin with the prefix' },
  },
} as const;
export type TraceIdList = FromSchema<typeof traceIdList>;
