import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FromSchema } from 'json-schema-to-ts';
import { type SchemaError, schemaErrorText, valueAt } from '../config/schema-errors.js';
import { badQuery, COLLECTOR_ERROR_CODES, CollectorError, queryFailed } from '../errors.js';

/**
 * How the API (`/api/...` and `/metrics`: JSON) answers an error — the one place that writes
 * its error bodies. Every refusal is a `CollectorError` (errors.ts) thrown by a handler or a
 * hook; a request that fails its route's schema is `BAD_QUERY` in words that name the
 * parameter, as is one fastify refuses before it reaches a handler (a body that is not JSON);
 * anything else is a failure of the collector, logged, and answered `STORAGE` without its
 * details. OTLP clients get their errors as a `google.rpc.Status` instead (ingest/receiver.ts).
 */

/** The body of every API error answer, as JSON Schema (OpenAPI documents it on every route). */
export const errorBody = {
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: `stable, one of docs/errors.md, e.g. ${COLLECTOR_ERROR_CODES.BAD_QUERY}` },
    error: { type: 'string', description: 'the HTTP reason phrase' },
    message: { type: 'string', description: 'what was wrong, naming the parameter or field' },
  },
} as const;
export type ErrorBody = FromSchema<typeof errorBody>;

/** `errorBody` documenting one status of a route (OpenAPI takes the description for the answer's). */
export const errorAnswer = <D extends string>(description: D) => ({ ...errorBody, description });

/** Every `/api` route's answer without an accepted token, when the collector has `--api-token`. */
export const unauthorizedAnswer = errorAnswer('the collector runs with --api-token and no accepted bearer token came');

export function sendApiError(reply: FastifyReply, err: CollectorError): FastifyReply {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  const body: ErrorBody = {
    statusCode: err.statusCode,
    code: err.code,
    error: STATUS_CODES[err.statusCode] ?? 'Error',
    message: err.message,
  };
  return reply.code(err.statusCode).type('application/json; charset=utf-8').send(body);
}

interface RequestSchemaError {
  validation?: SchemaError[];
  validationContext?: string;
}

/** A request that failed its route's schema, in words: `attr must be key=value (got "x")`. */
function describeRequestError(error: RequestSchemaError, req: FastifyRequest): string {
  const first = error.validation![0]!;
  const source =
    error.validationContext === 'params' ? req.params : error.validationContext === 'body' ? req.body : req.query;
  // the parameter's name, without a repeated parameter's index (attr/0 → attr)
  const name = first.instancePath.replace(/^\//, '').replace(/\/\d+$/, '');
  const text = schemaErrorText(first, valueAt(source, first.instancePath));
  return name ? `${name} ${text}` : text;
}

/** The error handler of the API's routes (`app.setErrorHandler(apiErrorHandler)`). */
export function apiErrorHandler(
  error: Error & RequestSchemaError & { statusCode?: number },
  req: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof CollectorError) return sendApiError(reply, error);
  if (error.validation) return sendApiError(reply, badQuery(describeRequestError(error, req)));
  // fastify's own refusals of a client's request: a body that is not JSON, a wrong content type
  if (error.statusCode !== undefined && error.statusCode < 500) return sendApiError(reply, badQuery(error.message));
  req.log.error({ err: error }, 'API request failed');
  return sendApiError(reply, queryFailed());
}

/**
 * Refuses a query parameter that became ±Infinity (`limit=Infinity`, `1e999`): Ajv coerces such
 * strings to numbers and then skips `minimum`/`maximum` for non-finite values, so a route's
 * schema alone lets them through to the store. Added as a `preHandler` hook of the API's scopes.
 */
export async function finiteParameters(req: FastifyRequest): Promise<void> {
  for (const [name, value] of Object.entries((req.query ?? {}) as Record<string, unknown>))
    for (const v of Array.isArray(value) ? value : [value])
      if (typeof v === 'number' && !Number.isFinite(v)) throw badQuery(`${name} must be a finite number (got ${v})`);
}
