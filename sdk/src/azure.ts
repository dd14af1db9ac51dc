/**
 * `@fntrace/sdk/azure` — the same one-import wrapper for Azure Functions (the v4 Node.js
 * programming model, `@azure/functions`): `wrap` each handler you register with `app.http`,
 * `app.serviceBusQueue`, `app.storageQueue`, …, and iterate a Service Bus batch with
 * `messages()`. `@azure/functions` is not needed at run time by this entry: it reads the
 * library's objects by their shape.
 */

export type { AzureHttpRequest, AzureInvocationContext, AzureTrigger } from './adapters/azure/azure-types.js';
export { messages } from './adapters/azure/messages.js';
export type { AzureWrapOptions } from './adapters/azure/options.js';
export { wrap } from './adapters/azure/wrap.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export { logger } from './log/logger.js';
