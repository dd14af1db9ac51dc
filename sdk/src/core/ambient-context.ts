import type { Context } from '@opentelemetry/api';
import type { AlsLike } from './context-manager.js';
import { report } from './diagnostics.js';
import { ERROR_CODES } from './errors.js';

/**
 * Where the active context lives when the runtime has no `AsyncLocalStorage` (workerd
 * without the `nodejs_als` or `nodejs_compat` flag). JavaScript gives no other way to follow
 * a context across `await`, so this storage promises less, and says exactly what:
 *
 * - inside `run(ctx, fn)`, while `fn` runs synchronously, the context is `ctx` — always right;
 * - after an `await`, the context is that of the one invocation in flight in the isolate
 *   (its *ambient scope*, opened by the adapter when the invocation starts and closed when
 *   it and the `waitUntil` work it started have settled) — right whenever invocations do not
 *   overlap;
 * - when several overlap, there is no way to tell whose continuation is running: the
 *   context is then none (ROOT), never another invocation's. A log line written there has no
 *   trace ids and a global `fetch` gets no span or headers; a `CONTEXT_NOT_CARRIED` diagnostic
 *   says so once. What the adapters carry explicitly stays right under overlap: the
 *   invocation span and its attributes, the flush, the `env` bindings handed to each call, and
 *   `invocation(ctx)`.
 *
 * Module state, not per-invocation state: it is the isolate's list of what is in flight.
 */
export interface AmbientScope {
  /** The invocation's current context (its span's, or a record's inside `messages()`). */
  ctx: Context;
  close(): void;
}

const stack: Context[] = [];
const open = new Set<AmbientScope>();
let warned = false;

export function openAmbientScope(ctx: Context): AmbientScope {
  const scope: AmbientScope = {
    ctx,
    close() {
      open.delete(scope);
    },
  };
  open.add(scope);
  return scope;
}

function single(): AmbientScope | undefined {
  if (open.size !== 1) return undefined;
  return open.values().next().value;
}

function ambient(): Context | undefined {
  const only = single();
  if (only) return only.ctx;
  if (open.size > 1 && !warned) {
    warned = true;
    report(
      ERROR_CODES.CONTEXT_NOT_CARRIED,
      'invocations overlap in this isolate and the runtime has no AsyncLocalStorage: a log line or fetch made ' +
        'after an await is not tied to its invocation. Add the nodejs_als compatibility flag, or use invocation(ctx)',
    );
  }
  return undefined;
}

/** Make `ctx` current for `scope` (record N of a `messages()` loop), or for the synchronous `run` in progress. */
export function enterAmbient(scope: AmbientScope, ctx: Context): void {
  if (stack.length > 0) stack[stack.length - 1] = ctx;
  else scope.ctx = ctx;
}

export class AmbientStorage implements AlsLike<Context> {
  getStore(): Context | undefined {
    return stack.length > 0 ? stack[stack.length - 1] : ambient();
  }

  run<R>(store: Context, fn: () => R): R {
    stack.push(store);
    try {
      return fn();
    } finally {
      stack.pop();
    }
  }

  enterWith(store: Context): void {
    if (stack.length > 0) stack[stack.length - 1] = store;
    else {
      const only = single();
      if (only) only.ctx = store;
    }
  }

  disable(): void {
    stack.length = 0;
  }
}
