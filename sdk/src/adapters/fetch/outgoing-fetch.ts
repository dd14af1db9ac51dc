import { type Context, type Span, SpanKind } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { currentSdk, type Sdk } from '../../core/setup.js';
import { httpClientRequest, httpClientResponse, parseOrigin } from '../../outgoing/http-attributes.js';
import {
  activeInvocationContext,
  contextHeaders,
  errorName,
  failSpan,
  startOutgoing,
  suppressOutgoing,
} from '../../outgoing/span.js';

/**
 * Outgoing `fetch` where there are no undici diagnostics channels to listen to (workerd,
 * Deno, Bun): the function itself is wrapped. A call made inside an invocation gets a
 * CLIENT span (the same attributes as on Node, see http-attributes.ts) and the
 * `traceparent`, `tracestate` and `baggage` headers, unless it already has a `traceparent`
 * or goes to the collector's export endpoints. The span ends when the response headers
 * arrive (or the call fails): a body read later is not part of it.
 *
 * `globalThis.fetch` is wrapped once, and wrapped again at an invocation's start if something
 * replaced it since. A service binding's `fetch` (Workers) is wrapped per invocation, bound to
 * that invocation (see cloudflare/bindings.ts). An outer fntrace wrapper turns inner ones off,
 * so a call is traced once however many times fetch got wrapped.
 */
type Fetch = typeof fetch;
type ExportUrl = (url: URL) => boolean;

const TRACED = Symbol.for('fntrace.fetch.traced');
let original: Fetch | undefined;

/** The `fetch` from before fntrace wrapped the global one: what the exporter sends with. */
export function unwrappedFetch(): Fetch {
  return original ?? globalThis.fetch;
}

/** Whether a URL is one of the collector's export endpoints (never traced). */
export function exportUrlMatcher(sdk: Sdk): ExportUrl {
  const urls = new Set<string>();
  for (const endpoint of [sdk.config.tracesEndpoint, sdk.config.logsEndpoint]) {
    try {
      const u = new URL(endpoint);
      urls.add(u.origin + u.pathname);
    } catch {
      // an invalid endpoint is reported by the exporter
    }
  }
  return (url) => urls.has(url.origin + url.pathname);
}

interface Started {
  span: Span;
  context: Context;
  init: RequestInit;
}

function start(
  sdk: Sdk,
  parent: Context,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  isExportUrl: ExportUrl,
): Started | undefined {
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || isExportUrl(url)) return undefined;
  const method = init?.method ?? request?.method ?? 'GET';
  const info = httpClientRequest(method, parseOrigin(url.origin), url.pathname + url.search, sdk.isSecret);
  const { span, context } = startOutgoing(parent, info.name, SpanKind.CLIENT, info.attributes);
  // init.headers replace a Request's own headers (fetch's rule), so start from whichever applies
  const headers = new Headers(init?.headers ?? request?.headers);
  if (!headers.has('traceparent')) {
    const add = contextHeaders(context);
    for (const key of Object.keys(add)) if (!headers.has(key)) headers.set(key, add[key]!);
  }
  return { span, context, init: { ...init, headers } };
}

function settle(span: Span, what: () => void): void {
  try {
    what();
    span.end();
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `tracing an outgoing call failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * Run `call` in `context` (its span active, the instrumentation of lower layers off) and end
 * `span` with the outcome: `onResult` reads a result first; an error fails the span. Resolves
 * or rejects exactly as `call` does.
 */
export function callOutgoing<T>(
  sdk: Sdk,
  span: Span,
  context: Context,
  call: () => Promise<T>,
  onResult?: (span: Span, result: T) => void,
): Promise<T> {
  const failed = (err: unknown) => settle(span, () => failSpan(span, errorName(err), err));
  let pending: Promise<T>;
  try {
    pending = sdk.contextManager.with(suppressOutgoing(context), call);
  } catch (err) {
    failed(err);
    throw err;
  }
  return pending.then(
    (result) => {
      settle(span, () => onResult?.(span, result));
      return result;
    },
    (err: unknown) => {
      failed(err);
      throw err;
    },
  );
}

/**
 * `base` traced: calls made where `parentOf()` gives a context get a span and the headers.
 * `base` is called as a plain function: bind it first if it needs a receiver.
 */
export function traceFetch(base: Fetch, parentOf: () => Context | undefined, isExportUrl: ExportUrl): Fetch {
  const traced = function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const sdk = currentSdk();
    let started: Started | undefined;
    try {
      const parent = sdk ? parentOf() : undefined;
      if (sdk && parent) started = start(sdk, parent, input, init, isExportUrl);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `tracing a fetch failed: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!sdk || !started) return base(input, init);
    const next = started.init;
    return callOutgoing(
      sdk,
      started.span,
      started.context,
      () => base(input, next),
      (span, res) => httpClientResponse(span, res.status),
    );
  } as Fetch;
  (traced as unknown as Record<symbol, boolean>)[TRACED] = true;
  return traced;
}

let exportUrls: ExportUrl | undefined;

/**
 * Wrap `globalThis.fetch` for calls made inside invocations (first call: with the export URLs
 * to leave alone); later calls wrap it again if something replaced it since.
 */
export function instrumentGlobalFetch(isExportUrl?: ExportUrl): void {
  if (isExportUrl) exportUrls = isExportUrl;
  const current = globalThis.fetch;
  if (!exportUrls || typeof current !== 'function' || (current as unknown as Record<symbol, unknown>)[TRACED]) return;
  original ??= current;
  globalThis.fetch = traceFetch(current, activeInvocationContext, exportUrls);
}
