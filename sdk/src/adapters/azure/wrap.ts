import { report } from '../../core/diagnostics.js';
import { processEnv } from '../../core/env.js';
import { ERROR_CODES, invalidHandler } from '../../core/errors.js';
import { runInvocation } from '../../core/lifecycle.js';
import { initSdk, type Sdk, sdkConfig } from '../../core/setup.js';
import type { AzureInvocationContext } from './azure-types.js';
import { type AzureWrapOptions, resolveAzureOptions } from './options.js';
import { planAzureInvocation } from './plan.js';
import { azurePlatform } from './platform.js';

/**
 * Wrap an Azure Functions handler (v4 programming model): every invocation gets a span
 * (FaaS semantic conventions), a correlation id, cold-start markers, invocation-bound logs,
 * a flush of its telemetry before the result is returned, and — when the host's
 * `functionTimeout` is given — a timeout guard.
 *
 * Works for any trigger: HTTP (`http.*`, the response's status), Service Bus and Storage
 * Queue messages (`messaging.*`, the producer's context; a batch's messages through
 * `messages()`), timers and the rest (`faas.trigger`). The handler's result or error
 * reaches the host unchanged.
 *
 * @example
 * import { app } from '@azure/functions';
 * import { logger, wrap } from '@fntrace/sdk/azure';
 *
 * app.http('orders', {
 *   route: 'orders/{id}',
 *   handler: wrap(async (request, context) => {
 *     logger.info({ id: request.params.id }, 'order requested');
 *     return { status: 200, jsonBody: { ok: true } };
 *   }),
 * });
 */
export function wrap<A = any, C extends AzureInvocationContext = any, R = any>(
  handler: (input: A, context: C) => R | Promise<R>,
  options?: AzureWrapOptions,
): (input: A, context: C) => Promise<Awaited<R>> {
  if (typeof handler !== 'function') throw invalidHandler(handler);
  const resolved = resolveAzureOptions(options, sdkConfig(), processEnv());
  let sdk: Sdk | undefined;
  try {
    sdk = initSdk(azurePlatform);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `SDK set-up failed, handler runs untraced: ${(err as Error)?.message}`);
  }
  return function fntraceAzureHandler(this: unknown, input: A, context: C): Promise<Awaited<R>> {
    return runInvocation<Awaited<R>>(
      sdk,
      () => planAzureInvocation(sdk!, input, context ?? ({} as C), processEnv(), resolved),
      resolved,
      () => handler.call(this, input, context) as Promise<Awaited<R>>,
    );
  };
}
