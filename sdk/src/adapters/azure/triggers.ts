import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { KeyMatcher } from '../../core/redaction.js';
import type { BatchRecord } from '../aws-lambda/batch-records.js';
import { isObj, type Obj, str } from '../aws-lambda/lambda-types.js';
import { type FaasTrigger, httpInfo, messagingInfo, type TriggerInfo } from '../aws-lambda/triggers.js';
import type { AzureHttpRequest, AzureInvocationContext } from './azure-types.js';
import { isServiceBusBatch, serviceBusEntity, serviceBusRecords, storageQueueRecord } from './message-records.js';

/**
 * Trigger detection for Azure Functions: the trigger binding the function was registered with
 * (`context.options.trigger.type`) says what invoked it, and the trigger's input and metadata
 * give the span's name, kind and semantic-convention attributes. HTTP triggers carry W3C
 * context in their headers; a Service Bus or Storage Queue message in its properties or body
 * (`message`); a Service Bus batch per message (`records`, for `messages()`).
 */
export interface AzureTriggerInfo extends TriggerInfo {
  /** The one message of a queue trigger: its producer's context, correlation id and attributes. */
  message?: BatchRecord;
  /** The messages of a Service Bus batch (`cardinality: 'many'`). */
  records?: BatchRecord[];
}

/** Triggers with no span of their own beyond the invocation's: `faas.trigger` by binding type. */
const OTHER: Record<string, FaasTrigger> = {
  blobtrigger: 'datasource',
  cosmosdbtrigger: 'datasource',
  sqltrigger: 'datasource',
  mysqltrigger: 'datasource',
  eventhubtrigger: 'pubsub',
  eventgridtrigger: 'pubsub',
  webpubsubtrigger: 'pubsub',
};

/**
 * The route as clients call it, e.g. `/api/orders/{id}`. The host's route prefix (host.json's
 * `extensions.http.routePrefix`, `api` unless changed) is not visible to the worker: it is what
 * the request path has before the segments the route template matched.
 */
export function httpRoute(template: string, path: string): string {
  const tpl = template.replace(/^\/+|\/+$/g, '');
  const segments = path.split('/').filter(Boolean);
  // a catch-all or optional parameter matches any number of segments: assume the default prefix
  const prefix = /\{\*|\?\}/.test(tpl)
    ? segments[0] === 'api'
      ? ['api']
      : []
    : segments.slice(0, Math.max(0, segments.length - (tpl ? tpl.split('/').length : 0)));
  return `/${[...prefix, tpl].filter(Boolean).join('/')}`;
}

/** The client's address: App Service's front end puts `ip:port` in X-Forwarded-For. */
function clientAddress(h: Record<string, string>): string | undefined {
  const first = (h['x-forwarded-for'] ?? h['client-ip'])?.split(',')[0]?.trim();
  if (!first) return undefined;
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(first);
  if (v6) return v6[1];
  return /^[\d.]+:\d+$/.test(first) ? first.slice(0, first.lastIndexOf(':')) : first;
}

/** `http.response.status_code` from an `HttpResponseInit` or `HttpResponse` (200 unless set); 5xx is an error. */
function httpResult(span: Span, result: unknown): void {
  if (!isObj(result)) return; // nothing returned: the response, if any, went through an output binding
  const status = typeof result.status === 'number' ? result.status : 200;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

function http(request: AzureHttpRequest, ctx: AzureInvocationContext, isSecret: KeyMatcher): AzureTriggerInfo {
  let url: URL | undefined;
  try {
    url = new URL(request.url);
  } catch {
    url = undefined;
  }
  // a fetch Headers: lower-case names, repeated fields already joined
  const headers = Object.fromEntries(request.headers) as Record<string, string>;
  const path = url?.pathname ?? '/';
  const template = str(ctx.options?.trigger?.route) ?? ctx.functionName;
  const info: AzureTriggerInfo = httpInfo(
    'azure.http',
    request.method,
    httpRoute(template, path),
    path,
    url?.search.slice(1) || undefined,
    headers,
    {
      'url.scheme': url?.protocol.replace(/:$/, ''),
      'server.address': url?.hostname,
      'client.address': clientAddress(headers),
    },
    isSecret,
  );
  info.onResult = httpResult;
  return info;
}

/** A trigger with one message: the invocation span is the message's (no batch count, no record spans). */
function queueMessage(rec: BatchRecord, info: AzureTriggerInfo): AzureTriggerInfo {
  const { 'fntrace.batch.index': _index, 'fntrace.parent.source': _source, ...attributes } = rec.attributes;
  Object.assign(info.attributes, attributes);
  delete info.attributes['messaging.batch.message_count'];
  info.batch = false;
  info.message = rec;
  return info;
}

/** Describe the invocation of `ctx` with trigger input `input`. Never throws on odd input. */
export function detectAzureTrigger(
  input: unknown,
  ctx: AzureInvocationContext,
  isSecret: KeyMatcher,
): AzureTriggerInfo {
  const type = str(ctx.options?.trigger?.type)?.toLowerCase() ?? '';
  if (type === 'httptrigger' && isObj(input) && typeof (input as Obj).method === 'string') {
    return http(input as unknown as AzureHttpRequest, ctx, isSecret);
  }
  if (type === 'servicebustrigger') {
    const entity = serviceBusEntity(ctx);
    const recs = serviceBusRecords(ctx);
    const info: AzureTriggerInfo = messagingInfo('azure.servicebus', 'pubsub', 'servicebus', entity, recs.length, {
      'messaging.destination.subscription.name': str(ctx.options?.trigger?.subscriptionName),
    });
    if (!isServiceBusBatch(ctx) && recs[0]) return queueMessage(recs[0], info);
    info.records = recs;
    return info;
  }
  if (type === 'queuetrigger') {
    const queue = str(ctx.options?.trigger?.queueName);
    const info = messagingInfo('azure.storage_queue', 'pubsub', 'azure_storage_queue', queue, 1);
    return queueMessage(storageQueueRecord(input, ctx), info);
  }
  const trigger: FaasTrigger = type === 'timertrigger' ? 'timer' : (OTHER[type] ?? 'other');
  return {
    trigger,
    source: `azure.${type.replace(/trigger$/, '') || 'unknown'}`,
    name: ctx.functionName,
    kind: trigger === 'pubsub' || trigger === 'datasource' ? SpanKind.CONSUMER : SpanKind.SERVER,
    attributes:
      trigger === 'timer'
        ? {
            'faas.cron': str(ctx.options?.trigger?.schedule),
            'fntrace.timer.past_due':
              isObj(input) && typeof input.isPastDue === 'boolean' ? input.isPastDue : undefined,
          }
        : {},
    carrier: undefined,
    xrayHeader: undefined,
    correlationId: undefined,
    batch: false,
  };
}
