import type { FromSchema } from 'json-schema-to-ts';

/**
 * What the query API answers about the system as a whole (answers.ts says how these schemas
 * are used): services and their operations, metrics over time, the service map.
 */
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;

/** `GET /api/services`. */
export const serviceList = {
  type: 'object',
  additionalProperties: false,
  description: 'Services with spans in the time range, by name',
  required: ['services'],
  properties: {
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['service', 'spans', 'errors', 'operations', 'isFunction'],
        properties: {
          service: string,
          spans: integer,
          errors: integer,
          operations: { type: 'integer', description: 'distinct span names' },
          isFunction: { type: 'boolean', description: 'some span of it names a function (faas.name)' },
        },
      },
    },
  },
} as const;
export type ServiceList = FromSchema<typeof serviceList>;

/** `GET /api/services/:service/operations`. */
export const operationList = {
  type: 'object',
  additionalProperties: false,
  description: 'Operations (span names) of the service, most spans first',
  required: ['operations'],
  properties: {
    operations: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['operation', 'kind', 'spans', 'errors', 'p95Ms'],
        properties: { operation: string, kind: string, spans: integer, errors: integer, p95Ms: number },
      },
    },
  },
} as const;

const nullableMs = { type: ['number', 'null'], description: 'null where the bucket had no cold start' } as const;

/** One bucket of one group of `GET /api/metrics`. */
export const metricsPoint = {
  type: 'object',
  additionalProperties: false,
  required: ['t', 'count', 'ratePerSecond', 'errorPercent', 'p50Ms', 'p95Ms', 'p99Ms'],
  properties: {
    t: { type: 'integer', description: 'bucket start, epoch ms' },
    count: integer,
    ratePerSecond: number,
    errorPercent: number,
    p50Ms: number,
    p95Ms: number,
    p99Ms: number,
    coldStartPercent: { type: 'number', description: 'this and the rest: groupBy=function only' },
    initP50Ms: nullableMs,
    initP95Ms: nullableMs,
    initP99Ms: nullableMs,
    timeouts: integer,
    costUsd: number,
  },
} as const;
export type MetricsPoint = FromSchema<typeof metricsPoint>;

/** `GET /api/metrics`. */
export const metrics = {
  type: 'object',
  additionalProperties: false,
  description: 'Series per group over the window, one point per bucket that had data',
  required: ['groupBy', 'stepSeconds', 'start', 'end', 'series'],
  properties: {
    groupBy: { type: 'string', enum: ['service', 'operation', 'function'] },
    stepSeconds: integer,
    start: { type: 'integer', description: 'the window, epoch ms' },
    end: integer,
    series: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['group', 'points'],
        properties: { group: string, points: { type: 'array', items: metricsPoint } },
      },
    },
  },
} as const;
export type Metrics = FromSchema<typeof metrics>;

/** A node of the map: a service, a function (a service whose spans name one) or a queue/topic/bus. */
export const mapNode = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'type', 'name'],
  properties: {
    id: { type: 'string', description: 'the service name, or queue:<name>' },
    type: { type: 'string', enum: ['service', 'function', 'queue'] },
    name: string,
    spans: { type: 'integer', description: 'services and functions: spans in the window' },
    errorPercent: number,
    system: { type: 'string', description: 'queues: messaging.system' },
  },
} as const;
export type MapNode = FromSchema<typeof mapNode>;

/** An edge of the map: a call between services, or a publish to or consume from a queue. */
export const mapEdge = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'target', 'kind', 'count', 'ratePerSecond', 'errorPercent', 'p95Ms'],
  properties: {
    source: string,
    target: string,
    kind: { type: 'string', enum: ['call', 'publish', 'consume'] },
    count: integer,
    ratePerSecond: number,
    errorPercent: number,
    p95Ms: number,
    dwellP50Ms: { type: 'number', description: 'consume edges: time the messages waited in the queue' },
    dwellP95Ms: number,
  },
} as const;
export type MapEdge = FromSchema<typeof mapEdge>;

/** `GET /api/map`. */
export const serviceMap = {
  type: 'object',
  additionalProperties: false,
  description: 'Services, functions and queues, with call, publish and consume edges',
  required: ['nodes', 'edges'],
  properties: { nodes: { type: 'array', items: mapNode }, edges: { type: 'array', items: mapEdge } },
} as const;
export type ServiceMap = FromSchema<typeof serviceMap>;
