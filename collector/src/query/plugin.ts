import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PATTERNS, type SchemaError, schemaErrorText, valueAt } from '../schema-errors.js';
import type { Store } from '../store/clickhouse.js';
import type { Price } from '../store/prices.js';
import { listInvocations, searchLogs } from './invocations-logs.js';
import { journey } from './journey.js';
import { metrics } from './metrics.js';
import { serviceMap } from './service-map.js';
import { listOperations, listServices } from './services.js';
import { traceWindow } from './spans.js';
import { BadRequest } from './time-range.js';
import { POINTS_LIMIT, searchTraces, tracePoints } from './trace-search.js';
import { traceView } from './trace-view.js';

/**
 * The query API (`/api/...`, JSON). Every route's query string and path have a JSON Schema:
 * the same schema validates requests (a bad value is a 400 that names it) and documents
 * them in the OpenAPI document at `/api/openapi.json`.
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
const traceIdParam = {
  type: 'object',
  required: ['traceId'],
  properties: { traceId: { type: 'string', pattern: PATTERNS.traceId.pattern } },
} as const;

/** The filters of a trace search: `GET /api/traces` and `GET /api/traces/points`. */
const searchFilterProperties = {
  ...range,
  service: { type: 'string' },
  operation: { type: 'string', description: 'span name' },
  function: { type: 'string', description: 'faas.name' },
  trigger: { type: 'string', enum: ['http', 'pubsub', 'datasource', 'timer', 'other'] },
  status: { type: 'string', enum: ['ok', 'error'] },
  minDurationMs: { type: 'number', minimum: 0, description: 'the whole trace lasts at least this long' },
  maxDurationMs: { type: 'number', minimum: 0, description: 'the whole trace lasts at most this long' },
  spanMinDurationMs: {
    type: 'number',
    minimum: 0,
    description: 'a span lasts at least this long: the same span as the other span filters',
  },
  spanMaxDurationMs: {
    type: 'number',
    minimum: 0,
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

interface RequestSchemaError {
  validation?: SchemaError[];
  validationContext?: string;
}

/** A request that failed its route's schema, in words: `attr must be key=value (got "x")`. */
function describeRequestError(error: RequestSchemaError, req: FastifyRequest): string {
  const first = error.validation![0]!;
  const source = error.validationContext === 'params' ? req.params : req.query;
  // the parameter's name, without a repeated parameter's index (attr/0 → attr)
  const name = first.instancePath.replace(/^\//, '').replace(/\/\d+$/, '');
  const text = schemaErrorText(first, valueAt(source, first.instancePath));
  return name ? `${name} ${text}` : text;
}

export async function queryPlugin(
  app: FastifyInstance,
  deps: { store: Store; orphanGraceMs: number; prices: readonly Price[] },
): Promise<void> {
  const { store } = deps;
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'fntrace query API',
        version: '0.1.0',
        description: 'Traces, journeys, invocations, logs, metrics and the service map of serverless functions.',
      },
    },
  });

  app.setErrorHandler((error: Error & RequestSchemaError & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof BadRequest || error.validation) {
      const message = error.validation ? describeRequestError(error, req) : error.message;
      return reply
        .code(400)
        .send({ statusCode: 400, code: 'FNTRACE_ERR_COL_BAD_QUERY', error: 'Bad Request', message });
    }
    req.log.error({ err: error }, 'query failed');
    return reply.code(500).send({
      statusCode: 500,
      code: 'FNTRACE_ERR_COL_STORAGE',
      error: 'Internal Server Error',
      message: 'the query failed; see the collector log',
    });
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/api/traces',
    {
      schema: {
        summary: 'Search traces',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...searchFilterProperties,
            sort: { type: 'string', enum: ['start', 'duration'], default: 'start' },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            cursor: { type: 'string', description: 'nextCursor of the previous page' },
          },
        },
      },
    },
    async (req) => searchTraces(store, req.query as never),
  );

  app.get(
    '/api/traces/points',
    {
      schema: {
        summary: `Start and duration of the traces a search matches over its whole window: up to ${POINTS_LIMIT}; past the limit, the slowest tenth of it and an even sample of the rest`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...searchFilterProperties,
            limit: { type: 'integer', minimum: 1, maximum: POINTS_LIMIT, default: POINTS_LIMIT },
          },
        },
      },
    },
    async (req) => tracePoints(store, req.query as never),
  );

  app.get(
    '/api/traces/:traceId',
    { schema: { summary: 'One trace, stitched: tree, orphans, skew, invocations', params: traceIdParam } },
    async (req, reply) => {
      const { traceId } = req.params as { traceId: string };
      const view = await traceView(store, traceId.toLowerCase(), deps);
      if (!view)
        return reply.code(404).send({
          statusCode: 404,
          code: 'FNTRACE_ERR_COL_NOT_FOUND',
          error: 'Not Found',
          message: `no spans of trace ${traceId}`,
        });
      return view;
    },
  );

  app.get(
    '/api/traces/:traceId/journey',
    {
      schema: {
        summary: 'The traces joined to this one by links, message ids and correlation ids, with async hops and dwell',
        params: traceIdParam,
        querystring: {
          type: 'object',
          properties: { maxTraces: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        },
      },
    },
    async (req, reply) => {
      const { traceId } = req.params as { traceId: string };
      const { maxTraces } = req.query as { maxTraces: number };
      const result = await journey(store, traceId.toLowerCase(), maxTraces);
      if (!result)
        return reply.code(404).send({
          statusCode: 404,
          code: 'FNTRACE_ERR_COL_NOT_FOUND',
          error: 'Not Found',
          message: `no trace ${traceId}`,
        });
      return result;
    },
  );

  app.get(
    '/api/traces/:traceId/logs',
    { schema: { summary: 'Logs of a trace, in time order, with span ids', params: traceIdParam } },
    async (req) => {
      const traceId = (req.params as { traceId: string }).traceId.toLowerCase();
      const window = await traceWindow(store, [traceId]);
      const hour = 3600;
      const start = window ? String((Number(window.start) - hour) * 1000) : undefined;
      const end = window ? String((Number(window.end) + hour) * 1000) : undefined;
      return { traceId, logs: await searchLogs(store, { traceId, start, end, since: '30d', limit: 5000 }, 'asc') };
    },
  );

  app.get(
    '/api/services',
    { schema: { summary: 'Services seen in a time range', querystring: { type: 'object', properties: range } } },
    async (req) => ({
      services: await listServices(store, req.query as never),
    }),
  );

  app.get(
    '/api/services/:service/operations',
    {
      schema: {
        summary: 'Operations (span names) of a service',
        params: { type: 'object', required: ['service'], properties: { service: { type: 'string' } } },
        querystring: { type: 'object', properties: range },
      },
    },
    async (req) => ({
      operations: await listOperations(store, (req.params as { service: string }).service, req.query as never),
    }),
  );

  app.get(
    '/api/metrics',
    {
      schema: {
        summary:
          'Rate, error %, p50/p95/p99 per service, operation or function over time; cold starts and cost per function',
        querystring: {
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
        },
      },
    },
    async (req) => metrics(store, req.query as never),
  );

  app.get(
    '/api/map',
    {
      schema: {
        summary: 'Service map: services, functions and queues, with call and hop edges',
        querystring: { type: 'object', properties: range },
      },
    },
    async (req) => serviceMap(store, req.query as never),
  );

  app.get(
    '/api/invocations',
    {
      schema: {
        summary: 'Function invocations',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...range,
            function: { type: 'string' },
            coldStart: { type: 'boolean' },
            outcome: { type: 'string', enum: ['ok', 'error', 'timeout'] },
            traceId: { type: 'string', pattern: PATTERNS.traceId.pattern },
            correlationId: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (req) => ({ invocations: await listInvocations(store, req.query as never) }),
  );

  app.get(
    '/api/logs',
    {
      schema: {
        summary: 'Search logs',
        querystring: {
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
            text: { type: 'string', description: 'case-insensitive substring of the body' },
            traceId: { type: 'string', pattern: PATTERNS.traceId.pattern },
            correlationId: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
          },
        },
      },
    },
    async (req) => ({ logs: await searchLogs(store, req.query as never) }),
  );
}
