import type { FromSchema } from 'json-schema-to-ts';
import type { StoredSpan } from '../stitch/span-model.js';
import type { OrphanClass } from '../stitch/tree.js';
import { invocation, logRecord, nanos, stringMap, traceSummary } from './answers.js';
import type { Same } from './schema-types.js';

/**
 * What the query API answers about one trace (answers.ts says how these schemas are used):
 * its stitched tree (`GET /api/traces/:traceId`), its journey and its logs.
 */
const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;

/** A span of the stitched tree, in the order a waterfall reads it. */
export const apiSpan = {
  type: 'object',
  additionalProperties: false,
  required: [
    'traceId',
    'spanId',
    'parentSpanId',
    'name',
    'kind',
    'service',
    'startUnixNano',
    'startMs',
    'durationNs',
    'durationMs',
    'rawStartUnixNano',
    'status',
    'attributes',
    'resource',
    'scope',
    'events',
    'links',
    'depth',
    'childCount',
  ],
  properties: {
    /** never sent on a span; typed so that `span.virtual` tells the two kinds of row apart */
    virtual: { type: 'boolean', const: false },
    traceId: string,
    spanId: string,
    parentSpanId: string,
    name: string,
    kind: { type: 'string', description: 'Server, Client, Producer, Consumer, Internal or Unspecified' },
    service: string,
    startUnixNano: { ...nanos, description: 'the start, skew-adjusted' },
    startMs: number,
    durationNs: { type: 'string', pattern: '^\\d+$' },
    durationMs: number,
    rawStartUnixNano: { ...nanos, description: 'the start the span was sent with' },
    skewAdjustedMs: {
      type: 'number',
      description: 'how far the span was shifted for clock skew; absent when it was not',
    },
    status: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: string, message: string },
    },
    attributes: stringMap,
    resource: stringMap,
    scope: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'version'],
      properties: { name: string, version: string },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['timeUnixNano', 'name', 'attributes'],
        properties: { timeUnixNano: nanos, name: string, attributes: stringMap },
      },
    },
    links: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['traceId', 'spanId', 'attributes'],
        properties: { traceId: string, spanId: string, attributes: stringMap },
      },
    },
    depth: integer,
    invocationId: string,
    childCount: integer,
  },
} as const;
export type ApiSpan = FromSchema<typeof apiSpan>;

/** The fields an ApiSpan passes on from the stored span unchanged. */
type Copied = 'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'kind' | 'service' | 'attributes' | 'resource' | 'scope';
true satisfies Same<Pick<ApiSpan, Copied | 'links'>, Pick<StoredSpan, Copied | 'links'>>;

const orphanClasses = ['platform', 'pending', 'lost'] as const;
true satisfies Same<(typeof orphanClasses)[number], OrphanClass>;

/** The labelled parent a span whose parent is missing is attached under. */
export const virtualParent = {
  type: 'object',
  additionalProperties: false,
  required: ['virtual', 'spanId', 'depth', 'orphanClass', 'label', 'childCount'],
  properties: {
    virtual: { type: 'boolean', const: true },
    spanId: { type: 'string', description: "the missing parent's id" },
    depth: integer,
    orphanClass: { type: 'string', enum: orphanClasses },
    label: string,
    childCount: integer,
  },
} as const;
export type VirtualParent = FromSchema<typeof virtualParent>;

/** `GET /api/traces/:traceId`. */
export const traceView = {
  type: 'object',
  additionalProperties: false,
  description: 'The stitched trace: spans depth-first, orphans under labelled virtual parents, skew, invocations',
  required: ['traceId', 'orphans', 'skew', 'clockShifts', 'invocations', 'spans'],
  properties: {
    traceId: string,
    rootSpanId: {
      type: 'string',
      description: "the root span's id, or the first virtual parent's when the root never arrived",
    },
    summary: traceSummary,
    orphans: {
      type: 'object',
      additionalProperties: false,
      required: orphanClasses,
      properties: { platform: integer, pending: integer, lost: integer },
    },
    skew: {
      type: 'array',
      description: 'the invocations shifted for clock skew (their shifts in clockShifts)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['invocationId', 'instance', 'offsetMs'],
        properties: { invocationId: string, instance: string, offsetMs: number },
      },
    },
    clockShifts: {
      type: 'array',
      description:
        'Every clock-skew shift: one per span moved to fit its parent of another clock (service and instance), with the spans that moved with it',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['spanId', 'service', 'instance', 'offsetMs', 'spans'],
        properties: {
          spanId: { type: 'string', description: 'the span compared with its parent' },
          service: string,
          instance: string,
          invocationId: { type: 'string', description: "the span's faas.invocation_id, when it has one" },
          offsetMs: number,
          spans: {
            type: 'integer',
            description: 'how many spans moved: the span and its descendants of the same clock',
          },
        },
      },
    },
    invocations: { type: 'array', items: invocation },
    spans: { type: 'array', items: { anyOf: [apiSpan, virtualParent] } },
  },
} as const;
export type TraceView = FromSchema<typeof traceView>;

/** An edge of a journey: a message hop, a span link or a shared correlation id. */
export const journeyEdge = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'fromTraceId', 'fromSpanId', 'toTraceId', 'toSpanId'],
  properties: {
    kind: { type: 'string', enum: ['message', 'link', 'correlation'] },
    fromTraceId: string,
    fromSpanId: string,
    toTraceId: string,
    toSpanId: string,
    messageId: string,
    destination: string,
    dwellMs: {
      type: 'number',
      description: 'message hops: consumer start minus producer end (0 when the consumer began first)',
    },
    linkType: string,
  },
} as const;
export type JourneyEdge = FromSchema<typeof journeyEdge>;

/** `GET /api/traces/:traceId/journey`. */
export const journey = {
  type: 'object',
  additionalProperties: false,
  description: 'The traces one request touched, joined by links, message ids and correlation ids',
  required: ['traceId', 'traces', 'edges', 'costUsd', 'truncated'],
  properties: {
    traceId: string,
    traces: { type: 'array', items: traceSummary },
    edges: { type: 'array', items: journeyEdge },
    costUsd: number,
    truncated: { type: 'boolean', description: 'more traces were reachable than maxTraces' },
  },
} as const;
export type Journey = FromSchema<typeof journey>;

/** `GET /api/traces/:traceId/logs`. */
export const traceLogs = {
  type: 'object',
  additionalProperties: false,
  description: "The trace's logs in time order",
  required: ['traceId', 'logs'],
  properties: { traceId: string, logs: { type: 'array', items: logRecord } },
} as const;
