import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { findAsyncLocalStorage } from '../../core/async-local-storage.js';
import { invalidHandler } from '../../core/errors.js';
import type { InvocationPlan } from '../../core/lifecycle.js';
import { type ResolvedWrapOptions, resolveWrapOptions, type WrapOptions } from '../../core/options.js';
import { configureEnv, sdkConfig } from '../../core/setup.js';
import { planRequest } from '../fetch/http-plan.js';
import { contextFor, invoke, type Runtime, setUpRuntime, trackWaitUntil } from '../fetch/invocation.js';
import { rewrapFetch, workersSafePlatform } from '../fetch/platform.js';
import { instrumentEnv } from './bindings.js';
import { workersResource } from './platform.js';
import { CONSUMER_LIMIT_MS, planBatch, type QueueBatch } from './queue.js';

/**
 * `wrap` for a Cloudflare module Worker: `export default wrap({ fetch, queue, scheduled })`.
 * Each call of those handlers is one invocation (span, correlation id, cold start, logs with
 * its ids); the export is handed to `ctx.waitUntil`, so the response is not delayed; the
 * handler gets an `env` whose Queue producers and service bindings carry the context on
 * (see bindings.ts) and a `ctx` whose `waitUntil` work is waited for before the last flush.
 * Other members of the object (`email`, `tail`, …) are passed through untraced.
 *
 * Configuration comes from the first call's `env` (variables and secrets: `OTEL_SERVICE_NAME`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `FNTRACE_*`), since a Worker
 * has no process environment.
 */
interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}
interface ScheduledControllerLike {
  readonly cron: string;
  readonly scheduledTime: number;
}
type Handler = (first: any, env: any, ctx: any) => unknown;

function planScheduled(controller: ScheduledControllerLike): InvocationPlan {
  const invocationId = crypto.randomUUID();
  const cron = typeof controller?.cron === 'string' && controller.cron !== '' ? controller.cron : undefined;
  const time = Number(controller?.scheduledTime);
  return {
    name: cron ? `scheduled ${cron}` : 'scheduled',
    kind: SpanKind.SERVER,
    parent: ROOT_CONTEXT,
    links: [],
    invocationId,
    correlationId: invocationId,
    deadlineMs: Date.now() + CONSUMER_LIMIT_MS,
    attributes: {
      'faas.trigger': 'timer',
      'fntrace.trigger': 'cloudflare.scheduled',
      'faas.cron': cron,
      'faas.time': Number.isFinite(time) ? new Date(time).toISOString() : undefined,
    },
  };
}

function protocolVersion(request: Request): string | undefined {
  const p = (request as { cf?: { httpProtocol?: unknown } }).cf?.httpProtocol;
  return typeof p === 'string' ? p.replace(/^HTTP\//i, '') : undefined;
}

/** The SDK, set up by the isolate's first call from its `env`. */
function start(env: unknown, colo: unknown): Promise<Runtime | undefined> {
  if (typeof env === 'object' && env !== null) configureEnv(env as Record<string, unknown>);
  return setUpRuntime(
    findAsyncLocalStorage,
    (Als) => workersSafePlatform((e) => workersResource(e, typeof colo === 'string' ? colo : undefined), Als),
    rewrapFetch,
  );
}

export function wrap<W extends object>(worker: W, options?: WrapOptions): W {
  if (typeof worker !== 'object' || worker === null) throw invalidHandler(worker);
  const handlers = worker as Record<string, unknown>;
  // validated now (a bad option fails at deploy), resolved again once the first env is known
  resolveWrapOptions(options, sdkConfig());
  let resolved: ResolvedWrapOptions | undefined;

  const traced =
    (name: 'fetch' | 'queue' | 'scheduled', plan: (first: any, runtime: Runtime) => InvocationPlan): Handler =>
    async (first, env, ctx) => {
      const handler = handlers[name] as Handler;
      const runtime = await start(env, name === 'fetch' ? first?.cf?.colo : undefined);
      if (!runtime) return handler.call(worker, first, env, ctx);
      resolved ??= resolveWrapOptions(options, runtime.sdk.config);
      const work: Promise<unknown>[] = [];
      const own = typeof ctx?.waitUntil === 'function' ? (ctx as ExecutionContextLike) : undefined;
      const tracked = own ? trackWaitUntil(own, work) : ctx;
      const key = typeof first === 'object' && first !== null ? first : tracked;
      const tenv = typeof env === 'object' && env !== null ? instrumentEnv(env, () => contextFor(key)) : env;
      return invoke({
        runtime,
        options: resolved,
        plan: () => plan(first, runtime),
        keys: [first, ctx, tracked, tenv].filter((k) => typeof k === 'object' && k !== null),
        handler: () => handler.call(worker, first, tenv, tracked),
        waitUntil: own ? (p) => own.waitUntil(p) : undefined,
        work,
      });
    };

  const out: Record<string, unknown> = { ...handlers };
  if (typeof handlers.fetch === 'function') {
    out.fetch = traced('fetch', (request: Request, { sdk }) =>
      planRequest(sdk, {
        request,
        invocationId: request.headers.get('cf-ray') ?? undefined,
        source: 'cloudflare.fetch',
        attributes: { 'network.protocol.version': protocolVersion(request) },
      }),
    );
  }
  if (typeof handlers.queue === 'function') out.queue = traced('queue', (batch: QueueBatch) => planBatch(batch));
  if (typeof handlers.scheduled === 'function') out.scheduled = traced('scheduled', planScheduled);
  return out as W;
}
