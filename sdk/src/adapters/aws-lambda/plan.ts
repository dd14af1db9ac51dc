import { type Context, type Link, propagation, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';
import type { Env } from '../../core/env.js';
import { newSpanId } from '../../core/ids.js';
import type { InvocationPlan } from '../../core/lifecycle.js';
import type { Sdk } from '../../core/setup.js';
import { lowerCaseGetter, W3CPropagator } from '../../propagation/propagator.js';
import { parseXrayHeader } from '../../propagation/xray.js';
import { batchContext, batchRecords } from './batch-records.js';
import type { LambdaContext } from './lambda-types.js';
import { detectTrigger } from './triggers.js';

/**
 * Turns a Lambda event and context into the invocation plan: span name, kind,
 * attributes, parent context, links, correlation id, deadline.
 *
 * Parent context, in order: W3C context in the trigger's carrier (HTTP headers, client
 * context, EventBridge detail); for batches, the producers' context when every record
 * comes from one trace; then a *sampled* X-Ray header (the event's, then the
 * invocation's). Otherwise the invocation starts a trace.
 */
const w3c = new W3CPropagator();

function accountFromArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}

export function planLambdaInvocation(sdk: Sdk, event: unknown, ctx: LambdaContext, env: Env): InvocationPlan {
  const info = detectTrigger(event, ctx, sdk.isSecret);
  let parent: Context = ROOT_CONTEXT;
  // where the parent came from; the collector tells platform hops (X-Ray) from lost parents by it
  let parentSource: string | undefined;
  if (info.carrier) {
    parent = w3c.extract(ROOT_CONTEXT, info.carrier, lowerCaseGetter);
    if (trace.getSpanContext(parent)) parentSource = info.carrierKind;
  }
  const links: Link[] = [];
  let batchCorrelation: string | undefined;
  if (info.batch) {
    const batch = batchContext(batchRecords(event));
    links.push(...batch.links);
    if (batch.parent && !trace.getSpanContext(parent)) {
      parent = trace.setSpanContext(parent, batch.parent);
      parentSource = batch.parentSource;
    }
    batchCorrelation = batch.correlationId;
  }
  if (!trace.getSpanContext(parent)) {
    const xray: SpanContext | undefined =
      parseXrayHeader(info.xrayHeader) ?? parseXrayHeader(ctx.xRayTraceId ?? env._X_AMZN_TRACE_ID);
    if (xray) {
      parent = trace.setSpanContext(parent, xray);
      parentSource = 'xray';
    }
  }
  const invocationId = ctx.awsRequestId ?? newSpanId();
  const correlationId =
    info.correlationId ??
    propagation.getBaggage(parent)?.getEntry('correlation_id')?.value ??
    batchCorrelation ??
    invocationId;
  const arn = ctx.invokedFunctionArn ?? undefined;
  const remaining = typeof ctx.getRemainingTimeInMillis === 'function' ? ctx.getRemainingTimeInMillis() : undefined;
  return {
    name: info.name,
    kind: info.kind,
    parent,
    links,
    invocationId,
    correlationId,
    deadlineMs: typeof remaining === 'number' && Number.isFinite(remaining) ? Date.now() + remaining : undefined,
    onResult: info.onResult,
    // faas.name, faas.version, faas.instance, faas.max_memory, cloud.provider and cloud.region
    // are the same for every invocation of an environment: they are resource attributes,
    // as the FaaS semantic conventions place them (see platform.ts), not repeated per span.
    attributes: Object.assign(info.attributes, {
      'faas.trigger': info.trigger,
      'fntrace.trigger': info.source,
      'fntrace.parent.source': parentSource,
      'cloud.account.id': accountFromArn(arn),
      'cloud.resource_id': arn,
    }),
  };
}
