import { planLambdaInvocation } from './adapters/aws-lambda/plan.js';
import { lambdaPlatform } from './adapters/aws-lambda/platform.js';
import { report } from './core/diagnostics.js';
import { processEnv } from './core/env.js';
import { ERROR_CODES } from './core/errors.js';
import { beginInvocation, type InvocationHandle } from './core/lifecycle.js';
import { resolveWrapOptions, type WrapOptions } from './core/options.js';
import { initSdk, sdkConfig } from './core/setup.js';

/**
 * middy middleware with the same behaviour as `wrap()`: `before` starts the invocation
 * (and makes its context active for the handler), `after`/`onError` end it and flush.
 * Register it first so it sees the other middlewares' work and errors.
 *
 * @example
 * import middy from '@middy/core';
 * import { fntrace } from '@fntrace/sdk/middy';
 * export const handler = middy(async (event) => ({ statusCode: 200 })).use(fntrace());
 */
export function fntrace(options?: WrapOptions) {
  const resolved = resolveWrapOptions(options, sdkConfig());
  const sdk = initSdk(lambdaPlatform);
  const handles = new WeakMap<object, InvocationHandle>();

  // `before` is synchronous on purpose: ALS `enterWith` must run in middy's own execution
  // so that the handler, called after it, inherits the invocation context.
  const before = (request: { event: unknown; context: object }): void => {
    try {
      const handle = beginInvocation(
        sdk,
        planLambdaInvocation(sdk, request.event, request.context as never, processEnv()),
        resolved,
      );
      handles.set(request.context, handle);
      sdk.contextManager.enter(handle.context);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `middy before hook failed: ${(err as Error)?.message}`);
    }
  };
  const after = async (request: { context: object; response: unknown }): Promise<void> => {
    const handle = handles.get(request.context);
    handles.delete(request.context);
    await handle?.finish({ result: request.response, threw: false });
  };
  const onError = async (request: { context: object; error: unknown }): Promise<void> => {
    const handle = handles.get(request.context);
    handles.delete(request.context);
    await handle?.finish({ error: request.error, threw: true });
  };
  return { before, after, onError };
}
