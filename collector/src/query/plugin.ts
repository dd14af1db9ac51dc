import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.js';
import { apiErrorHandler, errorAnswer, finiteParameters } from '../http/api-errors.js';
import type { Store } from '../store/clickhouse.js';
import type { Price } from '../store/prices.js';
import { invocationList, logList, queryErrors, searchPage, traceIdList, tracePoints } from './answers.js';
import { correctedWindows } from './clock-skew.js';
import { listInvocations, searchLogs } from './invocations-logs.js';
import { journey } from './journey.js';
import { telemetryLoss as lossAnswer } from './loss-answers.js';
import { metrics } from './metrics.js';
import { serviceMap as mapAnswer, metrics as metricsAnswer, operationList, serviceList } from './overview-answers.js';
import {
  invocationsQuerystring,
  journeyQuerystring,
  logsQuerystring,
  metricsQuerystring,
  pointsQuerystring,
  rangeQuerystring,
  searchQuerystring,
  serviceParams,
  telemetryLossQuerystring,
  traceIdParams,
  traceIdsQuerystring,
} from './parameters.js';
import { type SchemaTypedApp, type SchemaTypes, stringify } from './schema-types.js';
import { serviceMap } from './service-map.js';
import { listOperations, listServices } from './services.js';
import { traceWindow } from './spans.js';
import { lostAfter, telemetryLoss } from './telemetry-loss.js';
import { journey as journeyAnswer, traceLogs, traceView as traceViewAnswer } from './trace-answers.js';
import { resolveTraceId, traceIdsWithPrefix } from './trace-ids.js';
import { POINTS_LIMIT, tracePoints as points, searchTraces } from './trace-search.js';
import { traceView } from './trace-view.js';

/**
 * The query API (`/api/...`, JSON), and the OpenAPI document of the whole API at
 * `/api/openapi.json`. Every route's query string, path and answers have a JSON Schema
 * (parameters.ts, answers.ts): the same schemas validate requests (a bad value is a 400 that
 * names it), document them, and type the handlers (schema-types.ts).
 *
 * The plugin is not encapsulated (what fastify-plugin does): the document is then registered
 * where the collector registers its stages, and so documents every route registered after it
 * — the alert API's as well as these. The routes themselves live in a context of their own,
 * so that their error handler is not the whole server's.
 */
export async function queryPlugin(
  app: FastifyInstance,
  deps: { store: Store; orphanGraceMs: number; lossGraceMs?: number; prices: readonly Price[] },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'fntrace query API',
        version: '0.1.0',
        description: 'Traces, journeys, invocations, logs, metrics and the service map of serverless functions.',
      },
    },
    // the API's document: routes outside /api (the dashboard's files) are not part of it
    transform: ({ schema, url }) => ({ schema: url.startsWith('/api/') ? schema : { ...schema, hide: true }, url }),
  });
  await app.register(async (scope) => queryRoutes(scope.withTypeProvider<SchemaTypes>(), deps));
}
Object.defineProperty(queryPlugin, Symbol.for('skip-override'), { value: true });

async function queryRoutes(
  app: SchemaTypedApp,
  deps: { store: Store; orphanGraceMs: number; lossGraceMs?: number; prices: readonly Price[] },
): Promise<void> {
  const { store } = deps;
  app.setSerializerCompiler(stringify);
  app.setErrorHandler(apiErrorHandler);
  app.addHook('preHandler', finiteParameters);

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/api/traces',
    {
      schema: {
        summary: 'Search traces',
        querystring: searchQuerystring,
        response: { 200: searchPage, ...queryErrors },
      },
    },
    async (req) => {
      const page = await searchTraces(store, req.query);
      return { ...page, corrected: await correctedWindows(store, page.traces) };
    },
  );

  app.get(
    '/api/traces/points',
    {
      schema: {
        summary: `Start and duration of the traces a search matches over its whole window: up to ${POINTS_LIMIT}; past the limit, the slowest tenth of it and an even sample of the rest`,
        querystring: pointsQuerystring,
        response: { 200: tracePoints, ...queryErrors },
      },
    },
    async (req) => points(store, req.query),
  );

  app.get(
    '/api/traces/ids',
    {
      schema: {
        summary:
          'The trace ids that begin with a prefix (4 or more hexadecimal digits), as git resolves an abbreviated id',
        querystring: traceIdsQuerystring,
        response: { 200: traceIdList, ...queryErrors },
      },
    },
    async (req) => {
      const { prefix, limit } = req.query;
      const found = await traceIdsWithPrefix(store, prefix, limit + 1);
      return { prefix: prefix.toLowerCase(), traceIds: found.slice(0, limit), more: found.length > limit };
    },
  );

  const noTrace = errorAnswer('no span of this trace is stored, or no trace id begins with the prefix given');
  app.get(
    '/api/traces/:traceId',
    {
      schema: {
        summary: 'One trace, stitched: tree, orphans, skew, invocations',
        params: traceIdParams,
        response: { 200: traceViewAnswer, ...queryErrors, 404: noTrace },
      },
    },
    async (req) => {
      const traceId = await resolveTraceId(store, req.params.traceId);
      const view = await traceView(store, traceId, deps);
      if (!view) throw notFound(`no spans of trace ${traceId}`);
      return view;
    },
  );

  app.get(
    '/api/traces/:traceId/journey',
    {
      schema: {
        summary: 'The traces joined to this one by links, message ids and correlation ids, with async hops and dwell',
        params: traceIdParams,
        querystring: journeyQuerystring,
        response: { 200: journeyAnswer, ...queryErrors, 404: noTrace },
      },
    },
    async (req) => {
      const traceId = await resolveTraceId(store, req.params.traceId);
      const result = await journey(store, traceId, req.query.maxTraces);
      if (!result) throw notFound(`no trace ${traceId}`);
      return result;
    },
  );

  app.get(
    '/api/traces/:traceId/logs',
    {
      schema: {
        summary: 'Logs of a trace, in time order, with span ids',
        params: traceIdParams,
        response: { 200: traceLogs, ...queryErrors, 404: errorAnswer('no trace id begins with the prefix given') },
      },
    },
    async (req) => {
      const traceId = await resolveTraceId(store, req.params.traceId);
      const window = await traceWindow(store, [traceId]);
      const hour = 3600;
      const start = window ? String((Number(window.start) - hour) * 1000) : undefined;
      const end = window ? String((Number(window.end) + hour) * 1000) : undefined;
      return { traceId, logs: await searchLogs(store, { traceId, start, end, since: '30d', limit: 5000 }, 'asc') };
    },
  );

  app.get(
    '/api/services',
    {
      schema: {
        summary: 'Services seen in a time range',
        querystring: rangeQuerystring,
        response: { 200: serviceList, ...queryErrors },
      },
    },
    async (req) => ({ services: await listServices(store, req.query) }),
  );

  app.get(
    '/api/services/:service/operations',
    {
      schema: {
        summary: 'Operations (span names) of a service',
        params: serviceParams,
        querystring: rangeQuerystring,
        response: { 200: operationList, ...queryErrors },
      },
    },
    async (req) => ({ operations: await listOperations(store, req.params.service, req.query) }),
  );

  app.get(
    '/api/metrics',
    {
      schema: {
        summary:
          'Rate, error %, p50/p95/p99 per service, operation or function over time; cold starts and cost per function',
        querystring: metricsQuerystring,
        response: { 200: metricsAnswer, ...queryErrors },
      },
    },
    async (req) => metrics(store, req.query),
  );

  app.get(
    '/api/map',
    {
      schema: {
        summary: 'Service map: services, functions and queues, with call and hop edges',
        querystring: rangeQuerystring,
        response: { 200: mapAnswer, ...queryErrors },
      },
    },
    async (req) => serviceMap(store, req.query),
  );

  app.get(
    '/api/invocations',
    {
      schema: {
        summary: 'Function invocations',
        querystring: invocationsQuerystring,
        response: { 200: invocationList, ...queryErrors },
      },
    },
    async (req) => {
      const invocations = await listInvocations(store, req.query);
      if (!req.query.lost) return { invocations };
      return { invocations, lostAfter: await lostAfter(store, invocations, deps.lossGraceMs) };
    },
  );

  app.get(
    '/api/telemetry-loss',
    {
      schema: {
        summary:
          'Invocations seen and lost per function and bucket (gaps in each environment numbering, past a grace period), what SDKs reported dropped, and each gap with its likely cause',
        querystring: telemetryLossQuerystring,
        response: { 200: lossAnswer, ...queryErrors },
      },
    },
    async (req) => telemetryLoss(store, req.query, deps.lossGraceMs),
  );

  app.get(
    '/api/logs',
    {
      schema: { summary: 'Search logs', querystring: logsQuerystring, response: { 200: logList, ...queryErrors } },
    },
    async (req) => ({ logs: await searchLogs(store, req.query) }),
  );
}
