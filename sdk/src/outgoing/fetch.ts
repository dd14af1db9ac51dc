import { subscribe } from 'node:diagnostics_channel';
import { type Span, SpanKind } from '@opentelemetry/api';
import { report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { KeyMatcher } from '../core/redaction.js';
import { httpClientRequest, httpClientResponse, parseOrigin } from './http-attributes.js';
import type { IsExportUrl } from './install.js';
import { activeInvocationContext, contextHeaders, errorName, failSpan, startOutgoing } from './span.js';

/**
 * Global `fetch` (Node's bundled undici) and any copy of the `undici` package: requests made
 * inside an invocation get a CLIENT span and W3C headers, through undici's diagnostics
 * channels, which every copy publishes to by name — so bundled code is covered too.
 *
 * `undici:request:create` fires in the caller's async context while headers can still be
 * added. The later events can fire in another request's context (a keep-alive socket
 * remembers where it was opened), so spans are found by request object, not by context.
 */
interface UndiciRequest {
  origin?: string | URL;
  method?: string;
  path?: string;
  /** undici 6+: a flat [name, value, ...] array; undici 5: `name: value\r\n` lines. */
  headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

const spans = new WeakMap<object, Span>();

function headerNames(headers: unknown): Set<string> {
  const names = new Set<string>();
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) names.add(String(headers[i]).toLowerCase());
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) names.add(line.slice(0, colon).trim().toLowerCase());
    }
  }
  return names;
}

function onCreate(request: UndiciRequest, isExportUrl: IsExportUrl, isSecret: KeyMatcher): void {
  const parent = activeInvocationContext();
  if (!parent || request.origin === undefined) return;
  const origin = parseOrigin(String(request.origin));
  const path = request.path ?? '/';
  if (isExportUrl(origin.origin, path)) return;
  const info = httpClientRequest(request.method ?? 'GET', origin, path, isSecret);
  const { span, context } = startOutgoing(parent, info.name, SpanKind.CLIENT, info.attributes);
  spans.set(request, span);
  const present = headerNames(request.headers);
  if (present.has('traceparent') || typeof request.addHeader !== 'function') return;
  const headers = contextHeaders(context);
  for (const key of Object.keys(headers)) {
    if (!present.has(key)) request.addHeader(key, headers[key]!);
  }
}

function guard(what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `tracing a fetch ${what} failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function instrumentFetch(isExportUrl: IsExportUrl, isSecret: KeyMatcher): void {
  subscribe('undici:request:create', (m) =>
    guard('request', () => onCreate((m as { request: UndiciRequest }).request, isExportUrl, isSecret)),
  );
  subscribe('undici:request:headers', (m) =>
    guard('response', () => {
      const { request, response } = m as { request: object; response: { statusCode: number } };
      const span = spans.get(request);
      if (span) httpClientResponse(span, response.statusCode);
    }),
  );
  subscribe('undici:request:trailers', (m) =>
    guard('response', () => {
      spans.get((m as { request: object }).request)?.end();
    }),
  );
  subscribe('undici:request:error', (m) =>
    guard('error', () => {
      const { request, error } = m as { request: object; error: unknown };
      const span = spans.get(request);
      if (!span) return;
      failSpan(span, errorName(error), error);
      span.end();
    }),
  );
}
