import type { Attributes, Span } from '@opentelemetry/api';
import type { KeyMatcher } from '../core/redaction.js';
import { REDACTED, redactQuery } from '../core/redaction.js';
import { failSpan } from './span.js';

/**
 * The OpenTelemetry HTTP client conventions for one request: span name, `http.request.method`,
 * `url.full` without secrets, `server.address`/`server.port`; then the response status (4xx and
 * 5xx fail a client span) or the error. Shared by the `fetch` and `node:http` instrumentations,
 * which both know a request as an origin (`http://host:port`) and a path with its query — so
 * nothing here parses a whole URL per call: origins are parsed once and remembered.
 */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

// Signed-URL parameters: the conventions ask for their values to be redacted whatever the key matcher says
const SIGNATURE_PARAMS =
  /^(awsaccesskeyid|signature|sig|x-goog-signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

interface Origin {
  /** scheme://host[:port], credentials removed */
  origin: string;
  address: string;
  port: number;
}

const origins = new Map<string, Origin>();
const MAX_ORIGINS = 256;

/** `http://host:port` (or a URL with more) → its parts, from a small cache. */
export function parseOrigin(raw: string): Origin {
  let o = origins.get(raw);
  if (!o) {
    const url = new URL(raw);
    const defaultPort = url.protocol === 'https:' ? 443 : 80;
    o = {
      origin: `${url.protocol}//${url.host}`,
      address: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : defaultPort,
    };
    if (origins.size >= MAX_ORIGINS) origins.clear();
    origins.set(raw, o);
  }
  return o;
}

/** `path?query` with secret query values replaced by `[REDACTED]`, and no fragment. */
export function redactPath(path: string, isSecret: KeyMatcher): string {
  const hash = path.indexOf('#');
  const bare = hash < 0 ? path : path.slice(0, hash);
  const q = bare.indexOf('?');
  if (q < 0) return bare;
  return `${bare.slice(0, q)}?${redactQuery(bare.slice(q + 1), (k) => isSecret(k) || SIGNATURE_PARAMS.test(k))}`;
}

/** A whole URL with credentials and secret query values replaced by `[REDACTED]`. */
export function redactUrl(url: URL, isSecret: KeyMatcher): string {
  const auth = url.username || url.password ? `${REDACTED}:${REDACTED}@` : '';
  return `${url.protocol}//${auth}${url.host}${redactPath(url.pathname + url.search, isSecret)}`;
}

export interface HttpRequestInfo {
  name: string;
  attributes: Attributes;
}

export function httpClientRequest(method: string, origin: Origin, path: string, isSecret: KeyMatcher): HttpRequestInfo {
  const upper = method.toUpperCase();
  const known = METHODS.has(upper);
  const attributes: Attributes = {
    'http.request.method': known ? upper : '_OTHER',
    'url.full': origin.origin + redactPath(path, isSecret),
    'server.address': origin.address,
    'server.port': origin.port,
  };
  if (!known) attributes['http.request.method_original'] = method;
  return { name: known ? upper : 'HTTP', attributes };
}

export function httpClientResponse(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) failSpan(span, String(status));
}
