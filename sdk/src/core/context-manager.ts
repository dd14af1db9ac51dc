import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * An OpenTelemetry context manager over `AsyncLocalStorage`, with one addition the
 * stock `AsyncLocalStorageContextManager` lacks: `enter(ctx)`, which switches the
 * active context for the rest of the current execution (ALS `enterWith`). `records()`
 * needs it to activate record N's span inside a plain `for...of` loop, where there is
 * no callback to run "inside" a context.
 *
 * The ALS class is passed in so this file has no `node:` import (edge runtimes provide
 * `AsyncLocalStorage` through their own compatibility layers).
 */
export interface AlsLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
  enterWith(store: T): void;
  disable(): void;
}

export class AlsContextManager implements ContextManager {
  private readonly als: AlsLike<Context>;

  constructor(Als: new () => AlsLike<Context>) {
    this.als = new Als();
  }

  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(context, () => fn.apply(thisArg, args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const manager = this;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  /** Make `context` active for the rest of this execution and what it schedules. */
  enter(context: Context): void {
    this.als.enterWith(context);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.als.disable();
    return this;
  }
}
