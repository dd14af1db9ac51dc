import {
  type Attributes,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import type { InvocationPlan } from '../../core/lifecycle.js';
import { redactQuery } from '../../core/redaction.js';
import type { Sdk } from '../../core/setup.js';
import { W3CPropagator } from '../../propagation/propagator.js';

/**
 * A fetch-style request (`Request` → `Response`: Workers, Vercel, Netlify, Deno, Bun) as an
 * invocation plan: a SERVER span named by its method (there is no route to name it by),
 * the OpenTelemetry HTTP server attributes, the parent from W3C `traceparent`/`tracestate`/
 * `baggage`, the correlation id from `x-correlation-id`, `x-request-id` or the
 * `correlation_id` baggage member, else the invocation id; and the response status.
 */
const w3c = new W3CPropagator();
const headerGetter: TextMapGetter<Headers> = {
  keys: (h) => {
    const out: string[] = [];
    h.forEach((_, key) => {
      out.push(key);
    });
    return out;
  },
  get: (h, key) => h.get(key) ?? undefined,
};
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

export interface RequestPlanInput {
  request: Request;
  /** The platform's id for the request (`cf-ray`, `x-vercel-id`, …); else a random UUID. */
  invocationId: string | undefined;
  /** `fntrace.trigger`, e.g. `cloudflare.fetch`. */
  source: string;
  /** Platform attributes added to the span (they may override the HTTP ones). */
  attributes?: Attributes;
}

function responseResult(span: Span, result: unknown): void {
  if (!(result instanceof Response)) return;
  span.setAttribute('http.response.status_code', result.status);
  if (result.status >= 500) {
    span.setAttribute('error.type', String(result.status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

export function planRequest(sdk: Sdk, input: RequestPlanInput): InvocationPlan {
  const { request } = input;
  const headers = request.headers;
  const parent = w3c.extract(ROOT_CONTEXT, headers, headerGetter);
  const url = new URL(request.url);
  const upper = request.method.toUpperCase();
  const method = METHODS.has(upper) ? upper : '_OTHER';
  const invocationId = input.invocationId ?? crypto.randomUUID();
  const correlationId =
    headers.get('x-correlation-id') ||
    headers.get('x-request-id') ||
    propagation.getBaggage(parent)?.getEntry('correlation_id')?.value ||
    invocationId;
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const attributes: Attributes = {
    'faas.trigger': 'http',
    'fntrace.trigger': input.source,
    'fntrace.parent.source': trace.getSpanContext(parent) ? 'http-headers' : undefined,
    'http.request.method': method,
    'http.request.method_original': method === '_OTHER' ? request.method : undefined,
    'url.scheme': url.protocol.slice(0, -1),
    'url.path': url.pathname,
    'url.query': url.search ? redactQuery(url.search.slice(1), sdk.isSecret) : undefined,
    'server.address': url.hostname,
    'server.port': url.port ? Number(url.port) : undefined,
    'user_agent.original': headers.get('user-agent') ?? undefined,
    'client.address': headers.get('cf-connecting-ip') ?? headers.get('x-real-ip') ?? forwarded,
    ...input.attributes,
  };
  return {
    name: method === '_OTHER' ? 'HTTP' : method,
    kind: SpanKind.SERVER,
    parent,
    links: [],
    attributes,
    invocationId,
    correlationId,
    deadlineMs: undefined,
    onResult: responseResult,
  };
}
