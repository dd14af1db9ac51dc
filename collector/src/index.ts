/**
 * `@fntrace/collector` — OTLP/HTTP in, ClickHouse out. `buildServer()` makes the fastify
 * instance; the `fntrace` command runs it.
 */

export type { CollectorOptions } from './config/options.js';
export { envOf, flagOf, optionsSchema, resolveCollectorOptions } from './config/options.js';
export { COLLECTOR_ERROR_CODES, CollectorError } from './errors.js';
export type { BuildOptions, CollectorServer } from './server.js';
export { buildServer } from './server.js';
