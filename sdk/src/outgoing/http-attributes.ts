import type { Attributes, Span } from '@opentelemetry/api';
import type { KeyMatcher } from '../core/redaction.js';
import { REDACTED, redactQuery } from '../core/redaction.js';
import { failSpan } from './span.js';

/**
 * The OpenTelemetry HTTP client conventions for one request: span name, `http.request.method`,
 * `url.full` without secrets, `server.address`/`server.port`; then the response status (4xx and
 * 5xx fail a client span) or the error. Shared by the `fetch` and `node:http` instrumentations.
 */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

// Signed-URL parameters: the conventions ask for their values to be redacted whatever the key matcher says
const SIGNATURE_PARAMS =
  /^(awsaccesskeyid|signature|sig|x-goog-signature|x-amz-signature|x-amz-credential|x-amz-security-token)$/i;

/** `url` with credentials and secret query values replaced by `[REDACTED]`. */
export function redactUrl(url: URL, isSecret: KeyMatcher): string {
  const copy = new URL(url.href);
  if (copy.username || copy.password) {
    copy.username = REDACTED;
    copy.password = REDACTED;
  }
  const query = copy.search.slice(1);
  const hidden = query ? redactQuery(query, (k) => isSecret(k) || SIGNATURE_PARAMS.test(k)) : '';
  // URL would percent-encode the brackets of [REDACTED]; rebuild the string around the query
  copy.search = '';
  copy.hash = '';
  return hidden ? `${copy.href}?${hidden}` : copy.href;
}

export interface HttpRequestInfo {
  name: string;
  attributes: Attributes;
}

export function httpClientRequest(method: string, url: URL, isSecret: KeyMatcher): HttpRequestInfo {
  const upper = method.toUpperCase();
  const known = METHODS.has(upper);
  const defaultPort = url.protocol === 'https:' ? 443 : 80;
  const attributes: Attributes = {
    'http.request.method': known ? upper : '_OTHER',
    'url.full': redactUrl(url, isSecret),
    'server.address': url.hostname.replace(/^\[|\]$/g, ''),
    'server.port': url.port ? Number(url.port) : defaultPort,
  };
  if (!known) attributes['http.request.method_original'] = method;
  return { name: known ? upper : 'HTTP', attributes };
}

export function httpClientResponse(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 400) failSpan(span, String(status));
}
