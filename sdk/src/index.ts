/**
 * `@fntrace/sdk` — one import for correlated logs, cold-start markers and OpenTelemetry
 * spans in serverless functions. AWS Lambda is the default platform of this entry.
 */
export { wrap } from './adapters/aws-lambda/wrap.js';
export { records } from './adapters/aws-lambda/records.js';
export { logger } from './log/logger.js';
export { correlationId, traceHeaders } from './core/correlation.js';
export { FntraceError, ERROR_CODES } from './core/errors.js';
export { setDiagnosticsSink, droppedCounts } from './core/diagnostics.js';
export type { DiagnosticEvent } from './core/diagnostics.js';
export type { WrapOptions } from './core/options.js';
export type { LambdaContext, Callback } from './adapters/aws-lambda/lambda-types.js';
