import type { FromSchema } from 'json-schema-to-ts';
import { PATTERNS } from '../config/schema-errors.js';
import { POINTS_LIMIT } from './trace-search.js';

/**
 * The query API's parameters: a JSON Schema per route's query string and path. The same
 * schema validates requests (a bad value is a 400 that names it), documents them (OpenAPI)
 * and types them: `SearchQuery` and the others are derived, never restated. Each type is the
 * query as a caller may give it (a parameter with a default may be left out); a route's
 * handler sees it after validation, defaults filled in.
 */
const range = {
  start: { type: 'string', description: 'ISO-8601 or epoch ms; default: end minus `since`' },
  end: { type: 'string', description: 'ISO-8601 or epoch ms; default: now' },
  since: {
    type: 'string',
    pattern: PATTERNS.duration.pattern,
    description: 'duration back from end when start is not given (default 1h)',
  },
} as const;

/** `?start&end&since`: the time range of `/api/services`, `/api/map` and others. */
/** The longest duration a filter takes: 100 days, in ms (its nanoseconds stay exact in a double). */
const MAX_DURATION_MS = 8_640_000_000;

export const rangeQuerystring = { type: 'object', properties: range } as const;
export type RangeQuery = FromSchema<typeof rangeQuerystring>;

/** A trace id, or a unique prefix of one (4 or more digits, as git takes an abbreviated object name). */
const traceIdOrPrefix = {
  type: 'string',
  pattern: PATTERNS.traceIdPrefix.pattern,
  description: 'a trace id, or 4 or more of its first digits when they begin only that trace',
} as const;

export const traceIdParams = {
  type: 'object',
  required: ['traceId'],
  properties: { traceId: traceIdOrPrefix },
} as const;

/** `GET /api/traces/ids`: the trace ids that begin with some digits. */
export const traceIdsQuerystring = {
  type: 'object',
  additionalProperties: false,
  required: ['prefix'],
  properties: {
    prefix: { type: 'string', pattern: PATTERNS.traceIdPrefix.pattern },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
  },
} as const;

export const serviceParams = {
  type: 'object',
  required: ['service'],
  properties: { service: { type: 'string' } },
} as const;

/** The filters of a trace search: `GET /api/traces` and `GET /api/traces/points`. */
const searchFilterProperties = {
  ...range,
  service: { type: 'string' },
  operation: { type: 'string', description: 'span name' },
  function: { type: 'string', description: 'faas.name' },
  trigger: { type: 'string', enum: ['http', 'pubsub', 'datasource', 'timer', 'other'] },
  status: { type: 'string', enum: ['ok', 'error'] },
  minDurationMs: {
    type: 'number',
    minimum: 0,
    maximum: MAX_DURATION_MS,
    description: 'the whole trace lasts at least this long',
  },
  maxDurationMs: {
    type: 'number',
    minimum: 0,
    maximum: MAX_DURATION_MS,
    description: 'the whole trace lasts at most this long',
  },
  spanMinDurationMs: {
    type: 'number',
    minimum: 0,
    maximum: MAX_DURATION_MS,
    description: 'a span lasts at least this long: the same span as the other span filters',
  },
  spanMaxDurationMs: {
    type: 'number',
    minimum: 0,
    maximum: MAX_DURATION_MS,
    description: 'a span lasts at most this long: the same span as the other span filters',
  },
  coldStart: { type: 'boolean', description: 'only traces with a cold start' },
  correlationId: { type: 'string' },
  attr: {
    type: 'array',
    items: { type: 'string', pattern: PATTERNS.keyValue.pattern },
    description: 'key=value on a span or its resource; repeat to AND',
  },
} as const;

export const searchQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...searchFilterProperties,
    sort: { type: 'string', enum: ['start', 'duration'], default: 'start' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', description: 'nextCursor of the previous page' },
  },
} as const;
/** `GET /api/traces` (and, without `sort` and `cursor`, `GET /api/traces/points`). */
export type SearchQuery = FromSchema<typeof searchQuerystring, { keepDefaultedPropertiesOptional: true }>;

export const pointsQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...searchFilterProperties,
    limit: { type: 'integer', minimum: 1, maximum: POINTS_LIMIT, default: POINTS_LIMIT },
  },
} as const;

export const journeyQuerystring = {
  type: 'object',
  properties: { maxTraces: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
} as const;

export const metricsQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    groupBy: { type: 'string', enum: ['service', 'operation', 'function'], default: 'service' },
    service: { type: 'string' },
    function: { type: 'string' },
    step: {
      type: 'string',
      pattern: PATTERNS.wholeDuration.pattern,
      description: 'bucket size; default about 60 buckets',
    },
  },
} as const;
export type MetricsQuery = FromSchema<typeof metricsQuerystring, { keepDefaultedPropertiesOptional: true }>;

export const telemetryLossQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    service: { type: 'string' },
    function: { type: 'string', description: 'faas.name' },
    step: {
      type: 'string',
      pattern: PATTERNS.wholeDuration.pattern,
      description: 'bucket size; default about 60 buckets',
    },
    grace: {
      type: 'string',
      pattern: PATTERNS.duration.pattern,
      description:
        'how long a gap stays pending before it counts as lost, on top of the measured ingest lag; default: the collector option lossGraceMs (1m)',
    },
    limit: { type: 'integer', minimum: 0, maximum: 1000, default: 100, description: 'gaps listed at most' },
  },
} as const;
export type TelemetryLossQuery = FromSchema<typeof telemetryLossQuerystring, { keepDefaultedPropertiesOptional: true }>;

export const invocationsQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    function: { type: 'string' },
    coldStart: { type: 'boolean' },
    outcome: { type: 'string', enum: ['ok', 'error', 'timeout'] },
    traceId: traceIdOrPrefix,
    correlationId: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    lost: {
      type: 'boolean',
      description: 'also answer lostAfter: the invocations lost right after these in their environments',
    },
  },
} as const;
export type InvocationQuery = FromSchema<typeof invocationsQuerystring, { keepDefaultedPropertiesOptional: true }>;

export const logsQuerystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...range,
    service: { type: 'string' },
    level: {
      type: 'string',
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
      description: 'this level and above',
    },
    text: {
      type: 'string',
      description: 'case-insensitive substring of the body or of a field as key=value (a value, a key, or both)',
    },
    traceId: traceIdOrPrefix,
    correlationId: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
  },
} as const;
export type LogQuery = FromSchema<typeof logsQuerystring, { keepDefaultedPropertiesOptional: true }>;
