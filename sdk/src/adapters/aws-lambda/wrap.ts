import { report } from '../../core/diagnostics.js';
import { processEnv } from '../../core/env.js';
import { ERROR_CODES, invalidHandler } from '../../core/errors.js';
import { runInvocation } from '../../core/lifecycle.js';
import { resolveWrapOptions, type WrapOptions } from '../../core/options.js';
import { initSdk, type Sdk, sdkConfig } from '../../core/setup.js';
import type { Callback, LambdaContext } from './lambda-types.js';
import { planLambdaInvocation } from './plan.js';
import { lambdaPlatform } from './platform.js';

/**
 * Wrap an AWS Lambda handler: every invocation gets a span (FaaS semantic conventions),
 * a correlation id, cold-start markers, invocation-bound logs, a timeout guard, and a
 * flush of its telemetry before the result is returned.
 *
 * The handler's result, error, or callback result reaches Lambda unchanged. Callback-style
 * handlers (three parameters) are supported: the wrapper returns a promise that settles
 * with what the handler passed to the callback.
 *
 * @example
 * import { wrap, logger } from '@fntrace/sdk';
 * export const handler = wrap(async (event, context) => {
 *   logger.info({ orderId: event.orderId }, 'order accepted');
 *   return { statusCode: 200, body: 'ok' };
 * });
 */
export function wrap<E = any, R = any>(
  // biome-ignore lint/suspicious/noConfusingVoidType: callback-style handlers return nothing
  handler: (event: E, context: any, callback: Callback<R>) => void | R | Promise<R>,
  options?: WrapOptions,
): (event: E, context: any, callback?: Callback<R>) => Promise<R> {
  if (typeof handler !== 'function') throw invalidHandler(handler);
  const resolved = resolveWrapOptions(options, sdkConfig());
  let sdk: Sdk | undefined;
  try {
    sdk = initSdk(lambdaPlatform);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `SDK set-up failed, handler runs untraced: ${(err as Error)?.message}`);
  }
  const callbackStyle = handler.length >= 3;

  return function fntraceHandler(this: unknown, event: E, context: LambdaContext): Promise<R> {
    const call = (): R | Promise<R> => {
      if (!callbackStyle) return handler.call(this, event, context, noCallback) as R | Promise<R>;
      return new Promise<R>((resolve, reject) => {
        const callback: Callback<R> = (error, result) => (error ? reject(error) : resolve(result as R));
        const returned = handler.call(this, event, context, callback);
        if (returned && typeof (returned as Promise<R>).then === 'function')
          (returned as Promise<R>).then(resolve, reject);
      });
    };
    return runInvocation(sdk, () => planLambdaInvocation(sdk!, event, context ?? {}, processEnv()), resolved, call);
  };
}

const noCallback: Callback = () => {
  report(ERROR_CODES.INTERNAL, 'an async handler called the Lambda callback; its argument was ignored');
};
