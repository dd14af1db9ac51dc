import { report } from '../../core/diagnostics.js';
import { type Env, processEnv } from '../../core/env.js';
import { ERROR_CODES, invalidHandler } from '../../core/errors.js';
import { runInvocation } from '../../core/lifecycle.js';
import { resolveWrapOptions, type WrapOptions } from '../../core/options.js';
import { initSdk, type Sdk, sdkConfig } from '../../core/setup.js';
import { planEventInvocation } from './events.js';
import { type HttpRequestLike, isResponse, planHttpInvocation, runHttpInvocation } from './http.js';
import { lookUpMetadata } from './metadata.js';
import { gcpPlatform } from './platform.js';

/**
 * The invocation's deadline: Cloud Run functions tell the functions framework their timeout
 * in `CLOUD_RUN_TIMEOUT_SECONDS` (the older runtimes: `FUNCTION_TIMEOUT_SEC`), counted from
 * when the request reaches the instance. Without either, there is no deadline to guard.
 */
function deadline(env: Env): number | undefined {
  const seconds = Number(env.CLOUD_RUN_TIMEOUT_SECONDS || env.FUNCTION_TIMEOUT_SEC);
  return Number.isFinite(seconds) && seconds > 0 ? Date.now() + seconds * 1000 : undefined;
}

/**
 * Wrap a Google Cloud Run function (or Cloud Function) for `@google-cloud/functions-framework`:
 * an HTTP function `(req, res)`, a CloudEvent function `(cloudEvent)` or `(cloudEvent,
 * callback)`, or a first-generation event function `(data, context)`. Every invocation gets a
 * span (FaaS semantic conventions), a correlation id, cold-start markers, invocation-bound logs
 * that Cloud Logging files under their trace, a timeout guard where the timeout is known, and a
 * flush of its telemetry before the response goes out.
 *
 * What the function returns, throws, sends or passes to its callback reaches the framework
 * unchanged; the wrapped function keeps the original's parameter count, by which the framework
 * tells callback-style functions apart.
 *
 * @example
 * import { http } from '@google-cloud/functions-framework';
 * import { logger, wrap } from '@fntrace/sdk/gcp';
 * http('ordersApi', wrap(async (req, res) => {
 *   logger.info({ orderId: req.body.orderId }, 'order accepted');
 *   res.status(202).send('ok');
 * }));
 */
export function wrap<F extends (...args: any[]) => unknown>(handler: F, options?: WrapOptions): F {
  if (typeof handler !== 'function') throw invalidHandler(handler);
  const resolved = resolveWrapOptions(options, sdkConfig());
  let sdk: Sdk | undefined;
  try {
    sdk = initSdk(gcpPlatform);
    lookUpMetadata(processEnv());
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `SDK set-up failed, handler runs untraced: ${(err as Error)?.message}`);
  }

  function fntraceFunction(this: unknown, ...args: unknown[]): unknown {
    if (!sdk) return handler.apply(this, args);
    const live = sdk;
    const until = deadline(processEnv());
    const [first, second] = args;
    if (isResponse(second)) {
      return runHttpInvocation(
        live,
        () => planHttpInvocation(live, first as HttpRequestLike, until),
        resolved,
        second,
        () => handler.apply(this, args),
      );
    }
    const makePlan = () => planEventInvocation(live, first, second, until);
    const last = args.length - 1;
    const done = args[last];
    if (last < 1 || typeof done !== 'function')
      return runInvocation(live, makePlan, resolved, () => handler.apply(this, args));
    // callback style: the invocation ends (and flushes) when the function calls back, then the
    // framework's callback gets what the function gave
    const settled = runInvocation(
      live,
      makePlan,
      resolved,
      () =>
        new Promise<unknown>((resolve, reject) => {
          const callback = (err: unknown, result?: unknown) => (err ? reject(err) : resolve(result));
          const returned = handler.apply(this, [...args.slice(0, last), callback]);
          if (returned && typeof (returned as Promise<unknown>).then === 'function') {
            (returned as Promise<unknown>).then(resolve, reject);
          }
        }),
    );
    settled.then(
      (result) => done(null, result),
      (err) => done(err),
    );
    return undefined;
  }
  // the framework reads the parameter count: a CloudEvent function with 2, an event function with 3, is callback style
  Object.defineProperty(fntraceFunction, 'length', { value: handler.length });
  return fntraceFunction as unknown as F;
}
