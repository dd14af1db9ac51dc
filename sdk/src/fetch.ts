/**
 * `@fntrace/sdk/fetch` — fntrace for fetch-style handlers, `(request: Request, context?) =>
 * Response`: Vercel and Netlify functions, Deno, Bun. This build imports no `node:` module
 * (it is what workerd, Deno and bundlers for the edge resolve); on Node, the package's `node`
 * export condition resolves `fetch-node` instead, the same wrapper with pino, Node's
 * `AsyncLocalStorage` and the Node outgoing instrumentation.
 *
 * @example
 * import { wrap, logger } from '@fntrace/sdk/fetch';
 * export default wrap(async (request) => {
 *   logger.info({ path: new URL(request.url).pathname }, 'hello');
 *   return new Response('ok');
 * });
 */
import { fetchStyleResource, rewrapFetch, workersSafePlatform } from './adapters/fetch/platform.js';
import { fetchEntry, type Kit } from './adapters/fetch/wrap.js';
import { findAsyncLocalStorage } from './core/async-local-storage.js';
import { consoleLogger } from './log/console-logger.js';

export type { BoundInvocation } from './adapters/fetch/bound.js';
export type { FetchHandler, FetchWrapOptions } from './adapters/fetch/wrap.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export type { LogFn, Logger } from './log/console-logger.js';

const kit: Kit = {
  findAls: findAsyncLocalStorage,
  platform: (Als) => workersSafePlatform(fetchStyleResource, Als),
  beforeEach: rewrapFetch,
};

const entry = fetchEntry(kit, consoleLogger);

/**
 * Wrap a fetch-style handler: every call gets a SERVER span, a correlation id, cold-start
 * markers and invocation-bound logs; the export goes to the platform's `waitUntil` (the
 * handler's `context.waitUntil`, Vercel's, or `options.waitUntil`), else it is flushed,
 * bounded by `FNTRACE_FLUSH_TIMEOUT_MS` (default 500 ms), before the response is returned.
 *
 * @example
 * export default wrap(async (request, context) => new Response('ok'));
 */
export const wrap = entry.wrap;

/**
 * Structured JSON logger bound to the current invocation (pino's calling conventions and line format).
 *
 * @example
 * logger.info({ orderId: 42 }, 'order accepted');
 */
export const logger = consoleLogger;

/**
 * The invocation a handler's `request` (or per-call context) belongs to, to log and `fetch`
 * in explicitly — needed only on a runtime without `AsyncLocalStorage`.
 *
 * @example
 * const { logger } = invocation(request);
 */
export const invocation = entry.invocation;
