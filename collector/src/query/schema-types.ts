import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/**
 * Route types from route schemas. Under `app.withTypeProvider<SchemaTypes>()` a route's
 * `querystring`, `params` and `body` schemas type `req.query`, `req.params` and `req.body`,
 * and its `response` schemas type what the handler may return and what `reply.code(n).send()`
 * takes: the schemas that validate requests and document the API (OpenAPI) also type the
 * code, so a handler that answers a shape its schema does not describe does not compile.
 * It is what `@fastify/type-provider-json-schema-to-ts` does, in two lines.
 *
 * Types only: answers are still serialized with `JSON.stringify` (each plugin sets that
 * serializer), which keeps their key order and is faster than a compiled serializer on the
 * large trace view.
 */
export interface SchemaTypes extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
  serializer: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown;
}

/**
 * `true` when A and B are the same type, else `false`: a compile-time check that a type
 * declared by hand where its data is made (`TraceSummary` in stitch/) is the type its answer
 * schema describes. Use as `const check: Same<A, B> = true`.
 */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * `JSON.stringify` as a route's serializer (see SchemaTypes). fastify hands the serializer its
 * own error answers (a request that fails its schema, under the default error handler) as an
 * object whose fields are inherited from the error, which `JSON.stringify` would drop: those
 * are written out, in the order fastify writes them.
 */
export const stringify = () => (data: unknown) => {
  if (!(data instanceof Error)) return JSON.stringify(data);
  const e = data as Error & { statusCode?: number; code?: string; error?: string };
  return JSON.stringify({ statusCode: e.statusCode, code: e.code, error: e.error, message: e.message });
};

/** A fastify instance under SchemaTypes: `app.withTypeProvider<SchemaTypes>()`. */
export type SchemaTypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  SchemaTypes
>;
