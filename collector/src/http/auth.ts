import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../errors.js';
import { sendApiError } from './api-errors.js';

/**
 * Bearer tokens for OTLP ingest (`--ingest-token`) and for the API, `/metrics` and the
 * dashboard's data (`--api-token`). An option holds one token or several separated by commas,
 * so a new token can be handed out before the old one is withdrawn. Tokens are compared as
 * SHA-256 digests with `timingSafeEqual`, against every configured token, so the time taken
 * says nothing about how much of a guess was right. Token values never appear in messages.
 */

/** RFC 6750's token characters; at least 16 of them (`openssl rand -hex 16` makes 32). */
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

export function tokenList(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** What is wrong with an option's tokens, in words that never include a token; undefined if nothing. */
export function tokenProblem(value: string): string | undefined {
  const tokens = tokenList(value);
  const bad = tokens.findIndex((t) => !TOKEN.test(t));
  if (bad < 0) return undefined;
  const which = tokens.length > 1 ? `token ${bad + 1} of ${tokens.length}` : 'the token';
  return `${which} is not valid (its value is not shown): a token is at least 16 characters of A-Z, a-z, 0-9 and -._~+/ (openssl rand -hex 16 makes one)`;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** The `WWW-Authenticate` header of a 401. */
export const BEARER_CHALLENGE = 'Bearer realm="fntrace"';

export type AuthResult = 'ok' | 'missing' | 'wrong';

/**
 * A checker of `Authorization` headers against the tokens of an option, or undefined when
 * the option has none (no check).
 */
export function bearerCheck(value: string): ((authorization: string | undefined) => AuthResult) | undefined {
  const digests = tokenList(value).map(digest);
  if (digests.length === 0) return undefined;
  return (authorization) => {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!m) return 'missing';
    const given = digest(m[1]!);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(d, given) || ok;
    return ok ? 'ok' : 'wrong';
  };
}

/** Loopback addresses: a collector bound to one of them is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The API's guard (with `--api-token`): the query and alert API (`/api/...`) and `/metrics`
 * answer 401 without an accepted token. Decided by the matched route, not the raw URL, so an
 * encoded path cannot slip past it. `/healthz`, `/readyz` and the dashboard's files stay open
 * (the dashboard asks for the token and sends it with every API call); ingest has its own
 * token (receiver.ts).
 */
export function apiGuard(
  value: string,
): ((req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>) | undefined {
  const authorized = bearerCheck(value);
  if (!authorized) return undefined;
  return async (req, reply) => {
    const route = req.routeOptions.url ?? '';
    if (!route.startsWith('/api/') && route !== '/metrics') return undefined;
    const result = authorized(req.headers.authorization);
    if (result === 'ok') return undefined;
    reply.header('www-authenticate', BEARER_CHALLENGE);
    return sendApiError(
      reply,
      unauthorized('API', result, 'send the header Authorization: Bearer <token> (the --api-token)'),
    );
  };
}
