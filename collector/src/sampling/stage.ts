import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { apiErrorHandler, errorAnswer, unauthorizedAnswer } from '../http/api-errors.js';
import type { Metrics } from '../http/metrics.js';
import { traceIdParams } from '../query/parameters.js';
import { resolveTraceId } from '../query/trace-ids.js';
import type { Store } from '../store/clickhouse.js';
import { DECISIONS_TABLE, STAGING_TABLE } from '../store/tables.js';
import type { SamplingRules } from './rules.js';
import { Sampler } from './sampler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** With `--tail-sampling`: decides journeys and copies the kept ones (sampler.ts). */
    sampler: Sampler;
  }
}

export interface SamplingStageOptions {
  rules: SamplingRules;
  metrics: Metrics;
  /** Decide in the background (false in tests that call `sampler.tick()` themselves). Default true. */
  background?: boolean;
}

/** `GET /api/traces/:traceId/sampling`'s answer. */
export const samplingAnswer = {
  type: 'object',
  additionalProperties: false,
  required: ['traceId', 'state', 'staged'],
  properties: {
    traceId: { type: 'string' },
    state: {
      type: 'string',
      enum: ['kept', 'sampled_out', 'pending', 'unknown'],
      description:
        'kept: its journey was kept (reason says by which rule); sampled_out: no rule kept it, only its invocations, cost and summary are stored; pending: staged, not decided yet; unknown: not staged and never decided (stored before sampling, or gone)',
    },
    reason: {
      type: 'string',
      description:
        'timeout, error, cold_start, span_latency, journey_latency, attribute (a listed attribute value), rate (the kept share of the rest), sampled_out',
    },
    journeyId: { type: 'string', description: 'the smallest trace id of the journey decided together' },
    decidedAtMs: { type: 'number' },
    staged: {
      type: 'boolean',
      description: 'whether the staging table still holds its spans (for the hold time after ingest)',
    },
  },
} as const;

/**
 * The tail sampling stage (after the store's, only with `--tail-sampling`): the sampler ticks
 * once the server is ready and stops on close; `GET /api/traces/:traceId/sampling` says what was
 * decided for a trace and why.
 */
export const samplingStage = fp(
  async (app: FastifyInstance, o: SamplingStageOptions) => {
    const sampler = new Sampler(app.store, o.rules, app.log, o.metrics);
    app.decorate('sampler', sampler);
    const store = app.store;
    await app.register(async (scope) => {
      scope.setErrorHandler(apiErrorHandler);
      scope.get<{ Params: { traceId: string } }>(
        '/api/traces/:traceId/sampling',
        {
          schema: {
            summary: 'Whether tail sampling kept this trace, and by which rule',
            params: traceIdParams,
            response: {
              200: samplingAnswer,
              400: errorAnswer(
                'not a trace id or a prefix of 4 to 31 hexadecimal digits, or a prefix several traces begin',
              ),
              401: unauthorizedAnswer,
              404: errorAnswer('a prefix no stored trace id begins with'),
              500: errorAnswer('the query failed in storage; the collector log has the cause'),
            },
          },
        },
        async (req) => samplingOf(store, await resolveTraceId(store, req.params.traceId)),
      );
    });
    app.addHook('onReady', async () => {
      if (o.background !== false) sampler.start();
    });
    app.addHook('onClose', () => sampler.stop());
  },
  { name: 'fntrace-sampling', dependencies: ['fntrace-store'] },
);

/** What was decided for one trace. */
export async function samplingOf(store: Store, traceId: string) {
  const db = `\`${store.database}\``;
  const rs = await store.client.query({
    query: `SELECT
        (SELECT count() FROM ${db}.\`${STAGING_TABLE}\` WHERE TraceId = {id:String}) AS staged,
        d.n AS decided, d.JourneyId AS JourneyId, d.Kept AS Kept, d.Reason AS Reason, d.at AS at
      FROM (SELECT count() AS n, argMin(JourneyId, DecidedAt) AS JourneyId, argMin(Kept, DecidedAt) AS Kept,
              argMin(Reason, DecidedAt) AS Reason, toFloat64(toUnixTimestamp64Milli(min(DecidedAt))) AS at
            FROM ${db}.\`${DECISIONS_TABLE}\` WHERE TraceId = {id:String}) AS d`,
    query_params: { id: traceId },
    format: 'JSONEachRow',
  });
  const [r] = (await rs.json()) as {
    staged: string;
    decided: string;
    JourneyId: string;
    Kept: number;
    Reason: string;
    at: number;
  }[];
  const staged = Number(r?.staged ?? 0) > 0;
  if (!r || Number(r.decided) === 0) return { traceId, state: staged ? 'pending' : 'unknown', staged } as const;
  return {
    traceId,
    state: r.Kept === 1 ? 'kept' : 'sampled_out',
    reason: r.Reason,
    journeyId: r.JourneyId,
    decidedAtMs: r.at,
    staged,
  } as const;
}
