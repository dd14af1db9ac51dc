import { currentSdk } from '../../core/setup.js';
import type { Logger } from '../../log/console-logger.js';
import { contextFor } from './invocation.js';

/**
 * `invocation(key)`: act in one invocation's context explicitly, with the request, `ctx`,
 * batch, controller or `env` a handler was called with as the key. Needed only where the
 * active context cannot be trusted: on a runtime without `AsyncLocalStorage` while
 * invocations overlap (see core/ambient-context.ts); elsewhere it is the same as the plain
 * `logger` and `fetch`.
 */
export interface BoundInvocation {
  /** The logger, writing this invocation's trace, span and correlation ids wherever it is called. */
  readonly logger: Logger;
  /** `fetch`, traced as a call of this invocation (a CLIENT span and the W3C headers). */
  readonly fetch: typeof fetch;
  /** Run `fn` synchronously in this invocation's context. Outside a wrapped call, just runs it. */
  run<R>(fn: () => R): R;
}

const LEVELS = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** `logger`, its level methods (and its children's) run inside `run`; everything else is its own. */
function bindLogger(logger: Logger, run: <R>(fn: () => R) => R): Logger {
  return new Proxy(logger, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === 'child') return (bindings: Record<string, unknown>) => bindLogger(target.child(bindings), run);
      if (!LEVELS.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => run(() => value.apply(target, args));
    },
  });
}

export function bindInvocation(logger: Logger, key: object): BoundInvocation {
  const run = <R>(fn: () => R): R => {
    const sdk = currentSdk();
    const ctx = contextFor(key);
    return sdk && ctx ? sdk.contextManager.with(ctx, fn) : fn();
  };
  return {
    logger: bindLogger(logger, run),
    fetch: (input, init) => run(() => globalThis.fetch(input, init)),
    run,
  };
}
