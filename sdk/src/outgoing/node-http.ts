import * as http from 'node:http';
import { SpanKind } from '@opentelemetry/api';
import { report } from '../core/diagnostics.js';
import { ERROR_CODES } from '../core/errors.js';
import type { KeyMatcher } from '../core/redaction.js';
import { onUninstrumentedAwsRequest } from './aws/auto.js';
import { httpClientRequest, httpClientResponse, parseOrigin } from './http-attributes.js';
import type { IsExportUrl } from './install.js';
import { activeInvocationContext, contextHeaders, errorName, failSpan, startOutgoing } from './span.js';

/**
 * `node:http` and `node:https` requests (any client built on them: axios, got, the AWS
 * SDK's handler) made inside an invocation get a CLIENT span and W3C headers.
 *
 * The hook is `http.Agent.prototype.addRequest`, which every `ClientRequest` calls from its
 * constructor, in the caller's async context, before its headers are written — for http
 * and https alike (https.Agent inherits it), so `node:https` need not be loaded to be
 * covered. Node 20 has no diagnostics channel that fires that early
 * (`http.client.request.start` fires once the headers are sent; `http.client.request.created`
 * arrives in Node 22). The request's own `emit` is wrapped to see its response and end
 * without adding listeners (an added 'error' listener would swallow errors the caller
 * expects to crash on).
 */
const ORIGINAL = Symbol.for('fntrace.http.addRequest');

export function instrumentNodeHttp(isExportUrl: IsExportUrl, isSecret: KeyMatcher): void {
  const proto = http.Agent.prototype as unknown as Record<string | symbol, unknown> & {
    addRequest: (req: http.ClientRequest, ...rest: unknown[]) => unknown;
  };
  if (proto[ORIGINAL]) return;
  const original = proto.addRequest;
  Object.defineProperty(proto, ORIGINAL, { value: original });
  proto.addRequest = function addRequest(this: unknown, req: http.ClientRequest, ...rest: unknown[]) {
    try {
      onRequest(req, isExportUrl, isSecret);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `tracing an HTTP request failed: ${(err as Error)?.message ?? String(err)}`);
    }
    return original.call(this, req, ...rest);
  };
}

function onRequest(req: http.ClientRequest, isExportUrl: IsExportUrl, isSecret: KeyMatcher): void {
  const parent = activeInvocationContext();
  if (!parent) return;
  // the Host header has the port when it is not the scheme's default; req.host never does
  const host = req.getHeader('host');
  const origin = parseOrigin(`${req.protocol}//${typeof host === 'string' && host !== '' ? host : req.host}`);
  if (isExportUrl(origin.origin, req.path)) return;
  // an AWS SDK request that its client's middleware did not already trace
  const awsTarget =
    req.getHeader('amz-sdk-invocation-id') !== undefined ? awsOperation(req, origin.address) : undefined;
  if (awsTarget) onUninstrumentedAwsRequest(awsTarget);
  const info = httpClientRequest(req.method, origin, req.path, isSecret);
  const { span, context } = startOutgoing(parent, info.name, SpanKind.CLIENT, info.attributes);
  if (!req.headersSent && req.getHeader('traceparent') === undefined) {
    const headers = contextHeaders(context);
    for (const key of Object.keys(headers)) {
      // the caller's own baggage or tracestate stays as it is
      if (req.getHeader(key) === undefined) req.setHeader(key, headers[key]!);
    }
  }
  const emit = req.emit;
  req.emit = function (this: http.ClientRequest, event: string | symbol, ...args: unknown[]): boolean {
    try {
      if (event === 'response') httpClientResponse(span, (args[0] as http.IncomingMessage).statusCode ?? 0);
      else if (event === 'error') failSpan(span, errorName(args[0]), args[0]);
      else if (event === 'close') span.end();
    } catch {
      // the request goes on whatever happens to its span
    }
    return emit.call(this, event, ...args);
  } as typeof req.emit;
}

/** `SQS.SendMessage` from the JSON protocols' `X-Amz-Target`, else the host's service. */
function awsOperation(req: http.ClientRequest, host: string): string {
  const target = req.getHeader('x-amz-target');
  if (typeof target === 'string' && target.includes('.')) return target;
  return `a request to ${host}`;
}
