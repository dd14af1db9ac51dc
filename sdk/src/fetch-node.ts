/**
 * `@fntrace/sdk/fetch` as Node resolves it (the `node` export condition: Vercel's and
 * Netlify's Node runtimes, a plain Node server): the same fetch-style `wrap` as the
 * workers-safe build, on Node's own pieces — pino, `AsyncLocalStorage` from
 * `node:async_hooks`, OTLP over `node:http` with keep-alive, the `fetch`/`node:http`/AWS SDK
 * instrumentation of the Lambda adapter, and a flush on SIGTERM.
 *
 * @example
 * import { wrap, logger } from '@fntrace/sdk/fetch';
 * export default wrap(async (request) => new Response('ok'));
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { fetchStyleResource } from './adapters/fetch/platform.js';
import { fetchEntry, type Kit } from './adapters/fetch/wrap.js';
import type { AlsClass } from './core/async-local-storage.js';
import { flushOnSigterm } from './export/shutdown-node.js';
import { nodeTransport } from './export/transport-node.js';
import { logger } from './log/logger.js';
import { installNodeOutgoing } from './outgoing/install.js';

export type { BoundInvocation } from './adapters/fetch/bound.js';
export type { FetchHandler, FetchWrapOptions } from './adapters/fetch/wrap.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export { logger };

const kit: Kit = {
  findAls: async () => AsyncLocalStorage as unknown as AlsClass,
  platform: (Als) => ({
    resourceAttributes: fetchStyleResource,
    Als,
    transport: nodeTransport,
    instrument: installNodeOutgoing,
    onShutdown: flushOnSigterm,
  }),
};

const entry = fetchEntry(kit, logger);

/**
 * Wrap a fetch-style handler (see the workers-safe build, fetch.ts): the export goes to the
 * platform's `waitUntil`, else it is flushed (bounded) before the response is returned.
 *
 * @example
 * export default wrap(async (request, context) => new Response('ok'));
 */
export const wrap = entry.wrap;

/**
 * The invocation a handler's `request` belongs to, to log and `fetch` in explicitly (on Node
 * `AsyncLocalStorage` makes this the same as the plain `logger` and `fetch`).
 *
 * @example
 * const { logger } = invocation(request);
 */
export const invocation = entry.invocation;
