import type { Context } from '@opentelemetry/api';
import { type AmbientScope, AmbientStorage, enterAmbient, openAmbientScope } from '../../core/ambient-context.js';
import type { AlsClass } from '../../core/async-local-storage.js';
import { report, reportCounts } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { getInvocation, type InvocationState } from '../../core/invocation-state.js';
import { beginInvocation, type InvocationHandle, type InvocationPlan } from '../../core/lifecycle.js';
import type { ResolvedWrapOptions } from '../../core/options.js';
import { currentSdk, initSdk, type Platform, type Sdk } from '../../core/setup.js';

/**
 * The invocation core of fetch-style runtimes (Workers, Vercel, Netlify, Deno, Bun), around
 * the shared lifecycle (core/lifecycle.ts): set the SDK up on the first call, run the handler
 * in its invocation's context, end the spans when it settles, and flush — handed to the
 * platform's `waitUntil` so the response is not delayed, or awaited (bounded) before the
 * response where there is none. Work the handler itself hands to `waitUntil` is waited for
 * (at most {@link WAIT_UNTIL_LIMIT_MS}) and what it logged or traced is flushed after it.
 *
 * Each call's arguments (request, `ctx`, batch, controller, `env`) are keys to its
 * invocation, so code that holds one can act in that invocation's context whatever the
 * active context is (`invocation(ctx)`, the `env` bindings): see ambient-context.ts for why
 * that matters on a runtime without `AsyncLocalStorage`.
 */
export interface Runtime {
  readonly sdk: Sdk;
  /** No AsyncLocalStorage: an ambient scope carries each invocation's context across awaits. */
  readonly ambient: boolean;
  /** Run at every invocation's start (re-wrap a replaced `globalThis.fetch`). */
  readonly beforeEach: (() => void) | undefined;
}

/** How long the handler's own `waitUntil` work is waited for: Workers cancel it 30 s after the response. */
export const WAIT_UNTIL_LIMIT_MS = 30_000;

let ready: Promise<Runtime | undefined> | undefined;

/**
 * The SDK of this isolate, set up by the first call: find `AsyncLocalStorage` (falling back to
 * the ambient context), then the platform. Later calls get the same runtime.
 */
export function setUpRuntime(
  findAls: () => Promise<AlsClass | undefined>,
  makePlatform: (Als: AlsClass) => Platform,
  beforeEach?: () => void,
): Promise<Runtime | undefined> {
  ready ??= (async () => {
    try {
      const found = await findAls();
      const sdk = initSdk(makePlatform(found ?? AmbientStorage));
      return { sdk, ambient: !found, beforeEach };
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `SDK set-up failed, handlers run untraced: ${(err as Error)?.message}`);
      return undefined;
    }
  })();
  return ready;
}

interface Bound {
  readonly context: Context;
  readonly state: InvocationState;
  readonly scope: AmbientScope | undefined;
}

const bound = new WeakMap<object, Bound>();

/**
 * The context to act in for the invocation `key` belongs to: the active context when it is
 * that invocation's (a child span, a message's span), else the invocation's current one.
 */
export function contextFor(key: object): Context | undefined {
  const entry = bound.get(key);
  const sdk = currentSdk();
  if (!entry || !sdk || entry.state.ended) return undefined;
  const active = sdk.contextManager.active();
  if (getInvocation(active) === entry.state) return active;
  return entry.scope?.ctx ?? entry.context;
}

/** Make `ctx` current in the invocation `key` belongs to (record N of a loop); false when `key` is unknown. */
export function enterFor(sdk: Sdk, key: object, ctx: Context): boolean {
  const entry = bound.get(key);
  if (!entry) return false;
  if (entry.scope) enterAmbient(entry.scope, ctx);
  else sdk.contextManager.enter(ctx);
  return true;
}

/**
 * `target` (Workers' `ctx`, Netlify's context) with a `waitUntil` that also records what it is
 * given in `work`. Every other member is the target's own, bound to it (workerd's methods
 * refuse another receiver).
 */
export function trackWaitUntil<T extends object>(target: T, work: Promise<unknown>[]): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop);
      if (typeof value !== 'function') return value;
      if (prop !== 'waitUntil') return value.bind(t);
      return (promise: Promise<unknown>) => {
        work.push(Promise.resolve(promise).catch(() => undefined));
        return value.call(t, promise);
      };
    },
  });
}

export interface Call<T> {
  runtime: Runtime;
  options: ResolvedWrapOptions;
  plan: () => InvocationPlan;
  /** Objects that identify this call (its arguments), for {@link contextFor}. */
  keys: readonly object[];
  handler: () => T | Promise<T>;
  /** The platform's `waitUntil`; undefined: the flush is awaited before the result is returned. */
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  /** What the handler handed to `waitUntil` (see {@link trackWaitUntil}). */
  work?: Promise<unknown>[];
}

async function settleWork(work: Promise<unknown>[], limitMs: number): Promise<void> {
  const until = Date.now() + limitMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outOfTime = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, limitMs);
    (timer as { unref?: () => void }).unref?.();
  });
  // work may hand more work to waitUntil while it runs
  for (let seen = 0; seen < work.length && Date.now() < until; ) {
    const batch = work.slice(seen);
    seen = work.length;
    await Promise.race([Promise.all(batch), outOfTime]);
  }
  clearTimeout(timer);
}

async function afterwards(call: Call<unknown>, finished: Promise<void>, scope: AmbientScope | undefined) {
  await finished;
  const work = call.work ?? [];
  if (work.length > 0) {
    await settleWork(work, WAIT_UNTIL_LIMIT_MS);
    const { exporter } = call.runtime.sdk;
    const held = exporter.pending();
    if (held.spans + held.logs > 0) {
      await exporter.flush(call.options.flushTimeoutMs);
      reportCounts();
    }
  }
  scope?.close();
}

/** Run one call as a traced invocation. Resolves or rejects exactly as the handler does. */
export async function invoke<T>(call: Call<T>): Promise<T> {
  const { sdk } = call.runtime;
  let handle: InvocationHandle | undefined;
  try {
    call.runtime.beforeEach?.();
    handle = beginInvocation(sdk, call.plan(), call.options);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `could not start the invocation span: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!handle) return call.handler();
  const scope = call.runtime.ambient ? openAmbientScope(handle.context) : undefined;
  const entry: Bound = { context: handle.context, state: handle.state, scope };
  for (const key of call.keys) bound.set(key, entry);
  let outcome: { result: T; threw: false } | { error: unknown; threw: true };
  try {
    outcome = { result: await sdk.contextManager.with(handle.context, call.handler), threw: false };
  } catch (error) {
    outcome = { error, threw: true };
  }
  // finish() ends the spans before it returns; what it returns resolves after the flush
  const done = afterwards(call as Call<unknown>, handle.finish(outcome), scope).catch((err) =>
    report(ERROR_CODES.INTERNAL, `finishing the invocation failed: ${(err as Error)?.message ?? String(err)}`),
  );
  let handedOff = false;
  if (call.waitUntil) {
    try {
      call.waitUntil(done);
      handedOff = true;
    } catch {
      // waitUntil refused (called too late): flush before returning instead
    }
  }
  if (!handedOff) await done;
  if (outcome.threw) throw outcome.error;
  return outcome.result;
}
