/**
 * `@fntrace/sdk/cloudflare` — fntrace for Cloudflare Workers. Runs in workerd without
 * `nodejs_compat`: nothing here imports a `node:` module (add the `nodejs_als` flag for
 * exact context under concurrent requests; see `invocation`).
 *
 * @example
 * import { wrap, logger, messages } from '@fntrace/sdk/cloudflare';
 * export default wrap({
 *   async fetch(request, env, ctx) {
 *     logger.info({ path: new URL(request.url).pathname }, 'hello');
 *     await env.ORDERS.send({ orderId: 42 }); // carries the trace on
 *     return new Response('ok');
 *   },
 *   async queue(batch, env, ctx) {
 *     for (const message of messages(batch)) logger.info('processing'); // one span per message
 *   },
 * });
 */
import { type BoundInvocation, bindInvocation } from './adapters/fetch/bound.js';
import { consoleLogger } from './log/console-logger.js';

export { instrument } from './adapters/cloudflare/bindings.js';
export type { QueueBatch, QueueMessage } from './adapters/cloudflare/queue.js';
export { messages } from './adapters/cloudflare/queue.js';
export { wrap } from './adapters/cloudflare/wrap.js';
export type { BoundInvocation } from './adapters/fetch/bound.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export type { WrapOptions } from './core/options.js';
export type { LogFn, Logger } from './log/console-logger.js';

/**
 * Structured JSON logger bound to the current invocation (pino's calling conventions and line
 * format, written with `console`).
 *
 * @example
 * logger.info({ orderId: 42 }, 'order accepted');
 */
export const logger = consoleLogger;

/**
 * The invocation a handler argument (`request`, `ctx`, `env`, `batch`, `controller`) belongs
 * to, to log and `fetch` in explicitly. Needed only without the `nodejs_als` flag while
 * requests overlap in the isolate, where a line written after an `await` cannot be tied to
 * its request otherwise.
 *
 * @example
 * const { logger, fetch } = invocation(ctx);
 */
export function invocation(key: object): BoundInvocation {
  return bindInvocation(consoleLogger, key);
}
