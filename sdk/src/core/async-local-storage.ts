import type { Context } from '@opentelemetry/api';
import type { AlsLike } from './context-manager.js';

/**
 * Finding `AsyncLocalStorage` without importing `node:async_hooks`, which workerd refuses to
 * load unless a compatibility flag asks for it (and then only through a dynamic import).
 * Looked for, in order:
 *
 * 1. `globalThis.AsyncLocalStorage` — Vercel's Edge runtime and Next.js middleware put it there;
 * 2. `process.getBuiltinModule('async_hooks')` — Node ≥ 20.16, Bun, Deno, and workerd with
 *    `nodejs_compat`;
 * 3. a dynamic `import('node:async_hooks')` whose specifier is built at run time, so that no
 *    bundler resolves it — workerd with only the `nodejs_als` flag (no polyfills, no bundle
 *    cost) and older Node.
 *
 * Undefined when the runtime has none (workerd with no flag): see ambient-context.ts.
 *
 * workerd's `AsyncLocalStorage` has no `enterWith`, which `records()`/`messages()` need to make
 * record N's span active inside a plain `for...of` loop. There the store is a mutable box, set
 * by `run` and changed in place by `enterWith` — see {@link BoxedAls}.
 */
export type AlsClass = new () => AlsLike<Context>;

type Native = new () => {
  getStore(): unknown;
  run<R>(store: unknown, fn: () => R): R;
  enterWith?(store: unknown): void;
  disable?(): void;
};

function fromModule(mod: unknown): Native | undefined {
  const als = (mod as { AsyncLocalStorage?: unknown } | undefined)?.AsyncLocalStorage;
  return typeof als === 'function' ? (als as Native) : undefined;
}

async function findNative(): Promise<Native | undefined> {
  const g = globalThis as {
    AsyncLocalStorage?: unknown;
    process?: { getBuiltinModule?: (name: string) => unknown };
  };
  if (typeof g.AsyncLocalStorage === 'function') return g.AsyncLocalStorage as Native;
  try {
    const found = fromModule(g.process?.getBuiltinModule?.('async_hooks'));
    if (found) return found;
  } catch {
    // not this way
  }
  try {
    // built at run time: a literal would make bundlers resolve (and workerd's refuse) it
    const specifier = ['node', 'async_hooks'].join(':');
    return fromModule(await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier));
  } catch {
    return undefined;
  }
}

function hasEnterWith(Als: Native): boolean {
  try {
    const probe = new Als();
    let ok = false;
    probe.run(1, () => {
      probe.enterWith?.(2);
      ok = probe.getStore() === 2;
    });
    return ok;
  } catch {
    return false;
  }
}

/**
 * An `AsyncLocalStorage` whose store is a box `{ ctx }`: `run` makes a new box, `enterWith`
 * replaces the context in the current one. Unlike Node's `enterWith`, the change is seen by
 * everything running in that `run` scope, not only what follows in this async path — which
 * is what a sequential `for (const m of messages(batch))` loop needs, and why `messages()`
 * spans are meant for sequential loops.
 */
function boxed(Native: Native): AlsClass {
  return class BoxedAls implements AlsLike<Context> {
    private readonly als = new Native();
    getStore(): Context | undefined {
      return (this.als.getStore() as { ctx: Context } | undefined)?.ctx;
    }
    run<R>(store: Context, fn: () => R): R {
      return this.als.run({ ctx: store }, fn);
    }
    enterWith(store: Context): void {
      const box = this.als.getStore() as { ctx: Context } | undefined;
      if (box) box.ctx = store;
    }
    disable(): void {
      this.als.disable?.();
    }
  };
}

/** The runtime's `AsyncLocalStorage`, adapted when it lacks `enterWith`; undefined when there is none. */
export async function findAsyncLocalStorage(): Promise<AlsClass | undefined> {
  const Native = await findNative();
  if (!Native) return undefined;
  return hasEnterWith(Native) ? (Native as unknown as AlsClass) : boxed(Native);
}
