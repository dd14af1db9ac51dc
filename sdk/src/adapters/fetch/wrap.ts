import type { AlsClass } from '../../core/async-local-storage.js';
import { invalidHandler, invalidOption } from '../../core/errors.js';
import { type ResolvedWrapOptions, resolveWrapOptions, type WrapOptions } from '../../core/options.js';
import { configureEnv, type Platform, sdkConfig } from '../../core/setup.js';
import type { Logger } from '../../log/console-logger.js';
import { type BoundInvocation, bindInvocation } from './bound.js';
import { planRequest } from './http-plan.js';
import { invoke, setUpRuntime, trackWaitUntil } from './invocation.js';

/**
 * `wrap` for fetch-style handlers, `(request: Request, context?) => Response`: Vercel and
 * Netlify functions, Deno (`Deno.serve`), Bun (`Bun.serve`), and anything else that speaks
 * `Request`/`Response`. Each call is one invocation with a SERVER span (see http-plan.ts).
 *
 * Where the export goes, so that the response is not delayed:
 * 1. `options.waitUntil`, if given (e.g. `waitUntil` from `@vercel/functions`);
 * 2. the handler's second argument's `waitUntil` (Netlify's `context`, Vercel Edge's);
 * 3. Vercel's request context (what `@vercel/functions` reads);
 * 4. none (Deno, Bun, a plain Node server): the flush is awaited, bounded by
 *    `FNTRACE_FLUSH_TIMEOUT_MS`, before the response is returned.
 */
export interface FetchWrapOptions extends WrapOptions {
  /**
   * Hands the export to the platform so that the response is not delayed. The default value
   * is the `waitUntil` of the handler's second argument, else Vercel's; without one the
   * flush is awaited before the response.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export type FetchHandler<C> = (request: Request, context: C) => Response | Promise<Response>;

/** How an entry sets the SDK up: workers-safe pieces, or Node's. */
export interface Kit {
  findAls(): Promise<AlsClass | undefined>;
  platform(Als: AlsClass): Platform;
  beforeEach?: () => void;
}

type WithWaitUntil = { waitUntil: (promise: Promise<unknown>) => void };
const hasWaitUntil = (v: unknown): v is WithWaitUntil =>
  typeof v === 'object' && v !== null && typeof (v as WithWaitUntil).waitUntil === 'function';

const VERCEL_CONTEXT = Symbol.for('@vercel/request-context');

function vercelWaitUntil(): WithWaitUntil['waitUntil'] | undefined {
  const holder = (globalThis as Record<symbol, { get?: () => unknown } | undefined>)[VERCEL_CONTEXT];
  const ctx = holder?.get?.();
  return hasWaitUntil(ctx) ? (p) => ctx.waitUntil(p) : undefined;
}

/** Deno without its Node globals keeps its variables behind `Deno.env`. */
function denoEnv(): void {
  const g = globalThis as { process?: unknown; Deno?: { env?: { toObject?: () => Record<string, string> } } };
  if (g.process !== undefined || typeof g.Deno?.env?.toObject !== 'function') return;
  try {
    configureEnv(g.Deno.env.toObject());
  } catch {
    // no --allow-env: defaults
  }
}

export function wrapFetchStyle<C = unknown>(
  kit: Kit,
  handler: FetchHandler<C>,
  options?: FetchWrapOptions,
): (request: Request, context?: C) => Promise<Response> {
  if (typeof handler !== 'function') throw invalidHandler(handler);
  const { waitUntil: given, ...wrapOptions } = options ?? {};
  if (given !== undefined && typeof given !== 'function') throw invalidOption('waitUntil', 'a function', given);
  // validated now (a bad option fails at start-up), resolved again once the configuration is known
  resolveWrapOptions(wrapOptions, sdkConfig());
  let resolved: ResolvedWrapOptions | undefined;

  return async function fntraceFetch(this: unknown, request: Request, context?: C): Promise<Response> {
    denoEnv();
    const runtime = await setUpRuntime(kit.findAls, kit.platform, kit.beforeEach);
    if (!runtime || !(request instanceof Request)) return handler.call(this, request, context as C);
    resolved ??= resolveWrapOptions(wrapOptions, runtime.sdk.config);
    const work: Promise<unknown>[] = [];
    const own = hasWaitUntil(context) ? context : undefined;
    // the handler gets a context whose waitUntil also tells fntrace what work is still running
    const tracked = own ? trackWaitUntil(own, work) : undefined;
    const waitUntil = given ?? (own ? (p: Promise<unknown>) => own.waitUntil(p) : vercelWaitUntil());
    const { sdk } = runtime;
    const platform = sdk.resource['cloud.provider'] ?? sdk.resource['process.runtime.name'];
    return invoke({
      runtime,
      options: resolved,
      plan: () =>
        planRequest(sdk, {
          request,
          invocationId: request.headers.get('x-vercel-id') ?? request.headers.get('x-nf-request-id') ?? undefined,
          source: `${platform}.fetch`,
        }),
      // a per-call context is a key too; a shared one (Bun's server) must not be
      keys: tracked && own ? [request, tracked, own] : [request],
      handler: () => handler.call(this, request, (tracked ?? context) as C),
      waitUntil,
      work,
    });
  };
}

/** What a fetch-style entry exports around its kit and logger: `wrap` and `invocation`. */
export function fetchEntry(kit: Kit, logger: Logger) {
  return {
    wrap<C = unknown>(handler: FetchHandler<C>, options?: FetchWrapOptions) {
      return wrapFetchStyle(kit, handler, options);
    },
    invocation(key: object): BoundInvocation {
      return bindInvocation(logger, key);
    },
  };
}
