/**
 * `@fntrace/sdk/gcp` — the same one import on Google Cloud Run functions (and Cloud
 * Functions) under `@google-cloud/functions-framework`: HTTP functions, CloudEvent functions
 * (Pub/Sub, Cloud Storage, Firestore, …) and first-generation event functions.
 *
 * @example
 * import { logger, wrap } from '@fntrace/sdk/gcp';
 * export const ordersApi = wrap(async (req, res) => {
 *   logger.info('order accepted');
 *   res.status(202).send('ok');
 * });
 */

export { wrap } from './adapters/gcp/wrap.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export type { WrapOptions } from './core/options.js';
export { logger } from './log/logger.js';
export { instrument } from './outgoing/gcp/pubsub.js';
