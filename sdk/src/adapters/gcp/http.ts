import { type Attributes, propagation, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { newSpanId } from '../../core/ids.js';
import {
  beginInvocation,
  type InvocationHandle,
  type InvocationPlan,
  type LifecycleOptions,
} from '../../core/lifecycle.js';
import { redactQuery } from '../../core/redaction.js';
import type { Sdk } from '../../core/setup.js';
import { lowerHeaders } from '../aws-lambda/lambda-types.js';
import { learnedAttributes } from './metadata.js';
import { type Parent, parentFromHeaders, withParent } from './parent.js';
import { pushMessage } from './pubsub-message.js';

/**
 * HTTP functions, `(req, res)`: the functions framework hands the function Express's request
 * and response, and the function answers by ending the response.
 *
 * The invocation ends when the function ends its response — and the response is let go only
 * after the invocation's telemetry is flushed (bounded by the flush budget). Cloud Run
 * functions allocate CPU only while a request is being handled: once the response has gone,
 * the instance may be throttled to almost nothing, and an export started then may never finish.
 * So `res.end` is held for the flush, as Lambda's `wrap` holds the result; `res.write`, headers
 * and streaming are untouched, so a streamed body still streams.
 *
 * A request whose body is a Pub/Sub push (`{ message, subscription }`, a push subscription
 * pointed at the function's URL) is traced as that message's processing: `faas.trigger=pubsub`,
 * a CONSUMER span whose parent is the publisher's span, from the message's attributes.
 */
export interface HttpRequestLike {
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  httpVersion?: string;
  protocol?: string;
  body?: unknown;
  /** Set by the functions framework: the `function-execution-id` header, else an id it made. */
  executionId?: string;
  socket?: { remoteAddress?: string };
}

export interface HttpResponseLike {
  statusCode: number;
  headersSent: boolean;
  end: (...args: any[]) => unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** Whether the second argument is an HTTP response (Node's `ServerResponse`, Express's, or alike). */
export const isResponse = (v: unknown): v is HttpResponseLike =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as HttpResponseLike).end === 'function' &&
  typeof (v as { setHeader?: unknown }).setHeader === 'function';

const CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id'];

export function planHttpInvocation(sdk: Sdk, req: HttpRequestLike, deadlineMs: number | undefined): InvocationPlan {
  const headers = lowerHeaders(req.headers) ?? {};
  const method = (req.method ?? 'GET').toUpperCase();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const push = method === 'POST' ? pushMessage(req.body) : undefined;
  let parent: Parent = parentFromHeaders(headers);
  if (push) {
    // the publisher's span is the cause; the headers' is the front end's, a platform hop
    const fromMessage = withParent(parent.context, push.parent, push.baggage);
    parent = { context: fromMessage.context, source: fromMessage.found ? 'message-attributes' : parent.source };
  }
  const invocationId = req.executionId ?? headers['function-execution-id'] ?? newSpanId();
  const correlationId =
    CORRELATION_HEADERS.map((h) => headers[h]).find(Boolean) ??
    push?.correlationId ??
    propagation.getBaggage(parent.context)?.getEntry('correlation_id')?.value ??
    invocationId;
  const xff = headers['x-forwarded-for'];
  const attributes: Attributes = {
    'faas.trigger': push ? 'pubsub' : 'http',
    'fntrace.trigger': push ? 'gcp.pubsub.push' : 'gcp.http',
    'fntrace.parent.source': parent.source,
    'http.request.method': method,
    'url.path': q < 0 ? url : url.slice(0, q),
    'url.query': q < 0 ? undefined : redactQuery(url.slice(q + 1), sdk.isSecret),
    'url.scheme': headers['x-forwarded-proto']?.split(',')[0]?.trim() ?? req.protocol ?? 'http',
    'server.address': headers.host?.replace(/:\d+$/, ''),
    'user_agent.original': headers['user-agent'],
    'client.address': xff ? xff.split(',')[0]?.trim() : req.socket?.remoteAddress,
    'network.protocol.version': req.httpVersion,
    ...push?.attributes,
    ...learnedAttributes(sdk.resource),
  };
  return {
    name: push ? push.name : method,
    kind: push ? SpanKind.CONSUMER : SpanKind.SERVER,
    parent: parent.context,
    links: [],
    attributes,
    invocationId,
    correlationId,
    deadlineMs,
  };
}

/** `http.response.status_code`; a 5xx is an error (the OpenTelemetry HTTP server span rule). */
function recordStatus(span: Span | undefined, status: number): void {
  if (!span) return;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/**
 * Run `call` (the function on `req`, `res`) as one invocation that ends when `res` is ended.
 * Returns what the function returned, and throws what it threw, as they are.
 *
 * NOTE: replaces `res.end` on this response object with one that flushes first.
 */
export function runHttpInvocation(
  sdk: Sdk,
  makePlan: () => InvocationPlan,
  options: LifecycleOptions,
  res: HttpResponseLike,
  call: () => unknown,
): unknown {
  let handle: InvocationHandle | undefined;
  try {
    handle = beginInvocation(sdk, makePlan(), options);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `could not start the invocation span: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!handle) return call();
  const h = handle;
  let error: { value: unknown } | undefined;
  let finishing: Promise<void> | undefined;
  const finish = (): Promise<void> => {
    if (!finishing) {
      recordStatus(h.state.span, res.statusCode);
      finishing = h.finish(error ? { threw: true, error: error.value } : { threw: false, result: undefined });
    }
    return finishing;
  };
  const end = res.end;
  res.end = function fntraceEnd(this: unknown, ...args: unknown[]) {
    // finish() never rejects; the response ends once the flush is done, in the order ends were asked for
    void finish().then(() => end.apply(this, args));
    return this;
  };
  // the client went away before the function answered: nothing will end this invocation otherwise
  res.once('close', () => {
    if (finishing) return;
    h.state.span?.setAttribute('fntrace.http.closed_early', true);
    void finish();
  });
  const failed = (err: unknown) => {
    if (error || finishing) return;
    error = { value: err };
    // the functions framework answers 500 and so ends the response — unless the function had
    // already started answering; then nobody ends it, and the invocation ends here
    if (res.headersSent) void finish();
  };
  try {
    const returned = sdk.contextManager.with(h.context, call);
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      (returned as Promise<unknown>).then(undefined, failed);
    }
    return returned;
  } catch (err) {
    failed(err);
    throw err;
  }
}
