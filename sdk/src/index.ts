/**
 * `@fntrace/sdk` — one import for correlated logs, cold-start markers and OpenTelemetry
 * spans in serverless functions. AWS Lambda is the default platform of this entry.
 */

export type { Callback, LambdaContext } from './adapters/aws-lambda/lambda-types.js';
export { records } from './adapters/aws-lambda/records.js';
export { wrap } from './adapters/aws-lambda/wrap.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export { droppedCounts, setDiagnosticsSink } from './core/diagnostics.js';
export { ERROR_CODES, FntraceError } from './core/errors.js';
export type { WrapOptions } from './core/options.js';
export { logger } from './log/logger.js';
export { instrument } from './outgoing/aws/middleware.js';
