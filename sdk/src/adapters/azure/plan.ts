import { type Context, type Link, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { Env } from '../../core/env.js';
import { newSpanId } from '../../core/ids.js';
import type { InvocationPlan } from '../../core/lifecycle.js';
import type { Sdk } from '../../core/setup.js';
import { lowerCaseGetter, W3CPropagator } from '../../propagation/propagator.js';
import { parseTraceparent } from '../../propagation/traceparent.js';
import { batchContext } from '../aws-lambda/batch-records.js';
import { str } from '../aws-lambda/lambda-types.js';
import type { AzureInvocationContext } from './azure-types.js';
import type { ResolvedAzureOptions } from './options.js';
import { APP_LOAD_START_MS, subscriptionOf } from './platform.js';
import { setAzureScope } from './scope.js';
import { detectAzureTrigger } from './triggers.js';

/**
 * Turns an Azure Functions invocation (trigger input and `InvocationContext`) into the
 * invocation plan: span name, kind, attributes, parent context, links, correlation id, deadline.
 *
 * Parent context, in order: W3C context the trigger carried (HTTP `traceparent` headers, a
 * Service Bus message's `traceparent` or `Diagnostic-Id` property, a `traceparent` field of a
 * Storage Queue JSON message); for a Service Bus batch, the producers' context when every
 * message comes from one trace; then the host's context (`context.traceContext`), when it is
 * sampled. The host's is the host's own span — exported to Application Insights, if anywhere,
 * never to fntrace — so the span that sent the request or message is the better parent when
 * it travelled; the host's keeps the trace id Application Insights shows when nothing did.
 * It is used only when sampled, as an X-Ray header on Lambda: a host that records nothing
 * says "not sampled", which would silence fntrace for every invocation.
 */
const w3c = new W3CPropagator();

/** Where the parent came from when it was the host's: the collector shows it as a platform hop. */
export const HOST_PARENT_SOURCE = 'azure-trace-context';

export function planAzureInvocation(
  sdk: Sdk,
  input: unknown,
  ctx: AzureInvocationContext,
  env: Env,
  options: ResolvedAzureOptions,
): InvocationPlan {
  const info = detectAzureTrigger(input, ctx, sdk.isSecret);
  let parent: Context = info.carrier ? w3c.extract(ROOT_CONTEXT, info.carrier, lowerCaseGetter) : ROOT_CONTEXT;
  let parentSource = trace.getSpanContext(parent) ? info.carrierKind : undefined;
  const message = info.message;
  if (message?.baggage) parent = propagation.setBaggage(parent, message.baggage);
  if (message?.parent) {
    parent = trace.setSpanContext(parent, message.parent);
    parentSource = message.parentSource;
  }
  const links: Link[] = [];
  let batchCorrelation: string | undefined;
  if (info.records) {
    const batch = batchContext(info.records);
    links.push(...batch.links);
    if (batch.parent) {
      parent = trace.setSpanContext(parent, batch.parent);
      parentSource = batch.parentSource;
    }
    batchCorrelation = batch.correlationId;
  }
  if (!trace.getSpanContext(parent)) {
    const host = parseTraceparent(ctx.traceContext?.traceParent, ctx.traceContext?.traceState);
    if (host && (host.traceFlags & 1) === 1) {
      parent = trace.setSpanContext(parent, host);
      parentSource = HOST_PARENT_SOURCE;
    }
  }
  const invocationId = str(ctx.invocationId) ?? newSpanId();
  const correlationId =
    info.correlationId ??
    message?.correlationId ??
    propagation.getBaggage(parent)?.getEntry('correlation_id')?.value ??
    batchCorrelation ??
    invocationId;
  const subscription = subscriptionOf(env);
  const resourceId =
    subscription && env.WEBSITE_RESOURCE_GROUP && env.WEBSITE_SITE_NAME
      ? `/subscriptions/${subscription}/resourceGroups/${env.WEBSITE_RESOURCE_GROUP}/providers/Microsoft.Web/sites/${env.WEBSITE_SITE_NAME}/functions/${ctx.functionName}`
      : undefined;
  const retries = ctx.retryContext?.retryCount;
  return {
    name: info.name,
    kind: info.kind,
    parent: setAzureScope(parent, { context: ctx, forwardLogs: options.contextLog, records: info.records }),
    links,
    invocationId,
    correlationId,
    // the host's functionTimeout is in host.json, which the worker cannot read: known only when configured
    deadlineMs: options.functionTimeoutMs === undefined ? undefined : Date.now() + options.functionTimeoutMs,
    onResult: info.onResult,
    initStartMs: APP_LOAD_START_MS,
    // faas.name is a span attribute on Azure: one worker serves every function of its app
    attributes: Object.assign(info.attributes, {
      'faas.trigger': info.trigger,
      'faas.name': ctx.functionName,
      'fntrace.trigger': info.source,
      'fntrace.parent.source': parentSource,
      'cloud.resource_id': resourceId,
      'fntrace.azure.retry_count': typeof retries === 'number' && retries > 0 ? retries : undefined,
    }),
  };
}
