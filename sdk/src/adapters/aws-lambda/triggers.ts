import { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type KeyMatcher, redactQuery } from '../../core/redaction.js';
import {
  arnName,
  eventHeaders,
  isObj,
  kafkaRecords,
  type LambdaContext,
  lowerHeaders,
  type Obj,
  str,
} from './lambda-types.js';

/**
 * Trigger detection: which AWS service invoked the function, told from the event's
 * shape (the shapes documented in "Using AWS Lambda with <service>"). Each trigger
 * yields the invocation span's name, kind and semantic-convention attributes, the
 * carrier that may hold W3C context, and the X-Ray header to fall back on.
 */
export type FaasTrigger = 'http' | 'pubsub' | 'datasource' | 'timer' | 'other';

export interface TriggerInfo {
  /** `faas.trigger` */
  trigger: FaasTrigger;
  /** `fntrace.trigger`: the exact source, e.g. `aws.sqs`, `aws.apigateway.http`. */
  source: string;
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  /** Where W3C `traceparent`/`tracestate`/`baggage` may be (HTTP headers, client context, event detail); keys lower-cased. */
  carrier: Record<string, string> | undefined;
  /** What the carrier is, for `fntrace.parent.source`: `http-headers`, `event-detail`, `client-context`. */
  carrierKind?: string;
  /** An X-Ray header carried by the event itself (HTTP `X-Amzn-Trace-Id`). */
  xrayHeader: string | undefined;
  /** A correlation id carried by the event. */
  correlationId: string | undefined;
  /** True for batch sources whose records get one span each. */
  batch: boolean;
  onResult?: (span: Span, result: unknown) => void;
}

const CORRELATION_HEADERS = ['x-correlation-id', 'x-request-id'];

function correlationFromHeaders(h: Record<string, string> | undefined): string | undefined {
  if (!h) return undefined;
  for (const name of CORRELATION_HEADERS) {
    const v = h[name];
    if (v) return v;
  }
  return undefined;
}

function httpResult(span: Span, result: unknown): void {
  // API Gateway HTTP APIs and function URLs answer 200 for a result without statusCode
  const status = isObj(result) && typeof result.statusCode === 'number' ? result.statusCode : 200;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/** An HTTP trigger's description from its parts; shared with the other adapters' HTTP triggers. */
export function httpInfo(
  source: string,
  method: string,
  route: string | undefined,
  path: string | undefined,
  query: string | undefined,
  rawHeaders: unknown,
  extra: Attributes,
  isSecret: KeyMatcher,
): TriggerInfo {
  const headers = lowerHeaders(rawHeaders);
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': path,
    'url.scheme': headers?.['x-forwarded-proto'],
    'server.address': headers?.host,
    'user_agent.original': headers?.['user-agent'],
    'http.route': route,
    ...extra,
  };
  if (query) attributes['url.query'] = redactQuery(query, isSecret);
  if (!attributes['client.address']) {
    const xff = headers?.['x-forwarded-for'];
    if (xff) attributes['client.address'] = xff.split(',')[0]?.trim();
  }
  return {
    trigger: 'http',
    source,
    name: route ? `${method} ${route}` : method,
    kind: SpanKind.SERVER,
    attributes,
    carrier: headers,
    carrierKind: 'http-headers',
    xrayHeader: headers?.['x-amzn-trace-id'],
    correlationId: correlationFromHeaders(headers),
    batch: false,
    onResult: httpResult,
  };
}

function queryFromParams(params: unknown): string | undefined {
  if (!isObj(params)) return undefined;
  const parts = Object.entries(params)
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v as string)}`);
  return parts.length > 0 ? parts.join('&') : undefined;
}

const protocolVersion = (p: unknown): string | undefined => str(p)?.replace(/^HTTP\//i, '');

function firstRecord(event: Obj): Obj | undefined {
  const records = event.Records;
  return Array.isArray(records) && isObj(records[0]) ? records[0] : undefined;
}

/** A queue or stream trigger's description (also the other adapters' message triggers). */
export function messagingInfo(
  source: string,
  trigger: FaasTrigger,
  system: string,
  destination: string | undefined,
  count: number,
  extra: Attributes = {},
): TriggerInfo {
  return {
    trigger,
    source,
    name: `${destination ?? system} process`,
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': system,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': destination,
      'messaging.batch.message_count': count,
      ...extra,
    },
    carrier: undefined,
    xrayHeader: undefined,
    correlationId: undefined,
    batch: true,
  };
}

/** Classify `event` and describe its invocation span. Never throws on odd input. */
export function detectTrigger(event: unknown, ctx: LambdaContext, isSecret: KeyMatcher): TriggerInfo {
  if (isObj(event)) {
    const rc = isObj(event.requestContext) ? event.requestContext : undefined;
    if (rc) {
      // ALB: requestContext.elb
      if (isObj(rc.elb)) {
        return httpInfo(
          'aws.alb',
          str(event.httpMethod) ?? 'GET',
          undefined,
          str(event.path),
          queryFromParams(event.queryStringParameters),
          eventHeaders(event),
          { 'aws.alb.target_group_arn': str(rc.elb.targetGroupArn) },
          isSecret,
        );
      }
      // WebSocket: connectionId + eventType (CONNECT / MESSAGE / DISCONNECT)
      if (str(rc.connectionId) && str(rc.eventType)) {
        const identity = isObj(rc.identity) ? rc.identity : {};
        const info = httpInfo(
          'aws.apigateway.websocket',
          'WS',
          str(rc.routeKey),
          undefined,
          undefined,
          event.headers,
          {
            'server.address': str(rc.domainName),
            'client.address': str(identity.sourceIp),
            'fntrace.websocket.event_type': str(rc.eventType),
            'fntrace.websocket.connection_id': str(rc.connectionId),
            'fntrace.websocket.route_key': str(rc.routeKey),
          },
          isSecret,
        );
        delete info.attributes['http.request.method'];
        info.name = `WS ${str(rc.routeKey) ?? str(rc.eventType)}`;
        return info;
      }
      // HTTP API (payload 2.0) and function URLs: version 2.0 + requestContext.http
      if (isObj(rc.http)) {
        const domain = str(rc.domainName);
        const isUrl = domain?.includes('.lambda-url.') ?? false;
        const routeKey = str(event.routeKey) ?? str(rc.routeKey);
        const route = routeKey && routeKey !== '$default' ? routeKey.replace(/^[A-Z]+ /, '') : undefined;
        return httpInfo(
          isUrl ? 'aws.lambda.url' : 'aws.apigateway.http',
          str(rc.http.method) ?? 'GET',
          route,
          str(rc.http.path) ?? str(event.rawPath),
          str(event.rawQueryString),
          event.headers,
          {
            'server.address': domain,
            'client.address': str(rc.http.sourceIp),
            'user_agent.original': str(rc.http.userAgent),
            'network.protocol.version': protocolVersion(rc.http.protocol),
            'aws.apigateway.stage': str(rc.stage),
          },
          isSecret,
        );
      }
      // REST API (payload 1.0): httpMethod + resource
      if (str(event.httpMethod) || str(rc.httpMethod)) {
        const identity = isObj(rc.identity) ? rc.identity : {};
        return httpInfo(
          'aws.apigateway.rest',
          str(event.httpMethod) ?? str(rc.httpMethod) ?? 'GET',
          str(event.resource) ?? str(rc.resourcePath),
          str(event.path),
          queryFromParams(event.queryStringParameters),
          eventHeaders(event),
          {
            'server.address': str(rc.domainName),
            'client.address': str(identity.sourceIp),
            'user_agent.original': str(identity.userAgent),
            'network.protocol.version': protocolVersion(rc.protocol),
            'aws.apigateway.stage': str(rc.stage),
          },
          isSecret,
        );
      }
    }

    // Kafka (Amazon MSK, self-managed): records grouped by topic-partition under `records`
    const kafka = kafkaRecords(event);
    if (kafka) {
      const topics = new Set(kafka.map((r) => str(r.topic)));
      const topic = topics.size === 1 ? [...topics][0] : undefined;
      const msk = event.eventSource === 'aws:kafka';
      return messagingInfo(msk ? 'aws.msk' : 'kafka.self_managed', 'pubsub', 'kafka', topic, kafka.length, {
        'server.address': str(event.bootstrapServers)?.split(',')[0]?.split(':')[0],
        'fntrace.kafka.cluster_arn': str(event.eventSourceArn),
      });
    }

    const rec = firstRecord(event);
    if (rec) {
      const records = event.Records as unknown[];
      const src = str(rec.eventSource) ?? str(rec.EventSource);
      if (src === 'aws:sqs') {
        return messagingInfo('aws.sqs', 'pubsub', 'aws_sqs', arnName(rec.eventSourceARN), records.length, {
          'cloud.region': str(rec.awsRegion),
        });
      }
      if (src === 'aws:sns') {
        const sns = isObj(rec.Sns) ? rec.Sns : {};
        return messagingInfo('aws.sns', 'pubsub', 'aws_sns', arnName(sns.TopicArn), records.length, {
          'aws.sns.topic.arn': str(sns.TopicArn),
        });
      }
      if (src === 'aws:kinesis') {
        return messagingInfo('aws.kinesis', 'pubsub', 'aws_kinesis', arnName(rec.eventSourceARN), records.length, {
          'aws.kinesis.stream_name': arnName(rec.eventSourceARN),
        });
      }
      if (src === 'aws:dynamodb') {
        const table = arnName(rec.eventSourceARN);
        const info = messagingInfo('aws.dynamodb', 'datasource', 'aws_dynamodb_streams', table, records.length, {
          'faas.document.collection': table,
          'aws.dynamodb.table_names': table ? [table] : undefined,
        });
        info.name = `${table ?? 'dynamodb'} process`;
        return info;
      }
      if (src === 'aws:s3') {
        const s3 = isObj(rec.s3) ? rec.s3 : {};
        const bucket = isObj(s3.bucket) ? str(s3.bucket.name) : undefined;
        const key = isObj(s3.object) ? str(s3.object.key) : undefined;
        const eventName = str(rec.eventName) ?? '';
        const operation = eventName.startsWith('ObjectRemoved') ? 'delete' : 'insert';
        return {
          trigger: 'datasource',
          source: 'aws.s3',
          name: `${bucket ?? 's3'} ${eventName || 'event'}`,
          kind: SpanKind.CONSUMER,
          attributes: {
            'faas.document.collection': bucket,
            'faas.document.name': key,
            'faas.document.operation': operation,
            'faas.document.time': str(rec.eventTime),
            'aws.s3.bucket': bucket,
            'aws.s3.key': key,
            'fntrace.s3.event_name': eventName,
            'fntrace.batch.record_count': records.length,
          },
          carrier: undefined,
          xrayHeader: undefined,
          correlationId: undefined,
          batch: false,
        };
      }
    }

    // EventBridge: detail-type + source + detail; scheduled rules are source aws.events
    if (str(event['detail-type']) && str(event.source) && 'detail' in event) {
      const detailType = str(event['detail-type'])!;
      const source = str(event.source)!;
      const detail = isObj(event.detail) ? event.detail : {};
      const resources = Array.isArray(event.resources) ? event.resources : [];
      if (source === 'aws.events' && detailType === 'Scheduled Event') {
        const rule = arnName(resources[0]);
        return {
          trigger: 'timer',
          source: 'aws.scheduled',
          name: rule ?? 'Scheduled Event',
          kind: SpanKind.SERVER,
          attributes: {
            'faas.time': str(event.time),
            'fntrace.schedule.rule': rule,
            'fntrace.schedule.arn': str(resources[0]),
          },
          carrier: undefined,
          xrayHeader: undefined,
          correlationId: undefined,
          batch: false,
        };
      }
      return {
        trigger: 'pubsub',
        source: 'aws.eventbridge',
        name: `${source} ${detailType}`,
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'aws_eventbridge',
          'messaging.operation.type': 'process',
          'messaging.message.id': str(event.id),
          'messaging.destination.name': source,
          'fntrace.eventbridge.source': source,
          'fntrace.eventbridge.detail_type': detailType,
        },
        carrier: lowerHeaders(detail),
        carrierKind: 'event-detail',
        xrayHeader: undefined,
        correlationId: str(detail.correlation_id) ?? str(detail.correlationId),
        batch: false,
      };
    }
  }

  // Direct invoke with a client context (the AWS SDK's ClientContext, OTel puts W3C context in Custom)
  const custom = ctx.clientContext ? (ctx.clientContext.Custom ?? ctx.clientContext.custom) : undefined;
  if (ctx.clientContext) {
    return {
      trigger: 'other',
      source: 'aws.lambda.invoke',
      name: ctx.functionName ?? 'invoke',
      kind: SpanKind.SERVER,
      attributes: {},
      carrier: lowerHeaders(custom),
      carrierKind: 'client-context',
      xrayHeader: undefined,
      correlationId: isObj(custom) ? (str(custom.correlation_id) ?? str(custom['x-correlation-id'])) : undefined,
      batch: false,
    };
  }
  // A payload with W3C fields at its top level (a Step Functions task given the execution
  // input, where fntrace's producer put them: outgoing/aws/carriers.ts); else, an unknown
  // payload: still look for headers someone may have put there
  const payload = isObj(event) && typeof event.traceparent === 'string' ? event : undefined;
  const headers = payload ? lowerHeaders(pickW3C(payload)) : lowerHeaders(isObj(event) ? event.headers : undefined);
  return {
    trigger: 'other',
    source: payload ? 'payload' : 'unknown',
    name: ctx.functionName ?? 'invoke',
    kind: SpanKind.SERVER,
    attributes: {},
    carrier: headers,
    carrierKind: payload ? 'event-payload' : 'http-headers',
    xrayHeader: undefined,
    correlationId: payload ? str(payload.correlation_id) : correlationFromHeaders(headers),
    batch: false,
  };
}

/** The W3C fields of an object (string values only). */
function pickW3C(o: Obj): Obj {
  return { traceparent: o.traceparent, tracestate: o.tracestate, baggage: o.baggage };
}
