import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { FIXTURES, serveInTest, useFunction } from './gcp/serve.js';

// CloudEvent functions wrapped with `@fntrace/sdk/gcp`, served by @google-cloud/functions-framework's
// CLI in a process of their own: Pub/Sub (Eventarc's messagePublished) and Cloud Storage events,
// in structured and binary CloudEvents content modes, as the platform delivers them.
const rx = useReceiver();
const env = () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, GOOGLE_CLOUD_PROJECT: 'orders-project' });
const fn = useFunction(() => ({ source: 'functions.cjs', target: 'eventFn', signatureType: 'cloudevent', env: env() }));

const fixture = (name: string) => JSON.parse(readFileSync(`${FIXTURES}/${name}.json`, 'utf8'));
const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** The Pub/Sub fixture with its own event and message id, and these message attributes. */
function pubsubEvent(id: string, attributes: Record<string, string>) {
  const event = fixture('pubsub-message-published');
  event.id = id;
  event.data.message.messageId = id;
  event.data.message.attributes = attributes;
  return event;
}

/** Structured content mode: the whole CloudEvent as the JSON body. */
const sendStructured = (url: string, event: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
  });

/** Binary content mode: the attributes as `ce-*` headers, the data as the body (as Eventarc sends Pub/Sub). */
function sendBinary(url: string, event: Record<string, any>, headers: Record<string, string> = {}) {
  const { data, ...attributes } = event;
  const ce = Object.fromEntries(
    Object.entries(attributes)
      .filter(([k]) => k !== 'datacontenttype')
      .map(([k, v]) => [`ce-${k}`, String(v)]),
  );
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ce, ...headers },
    body: JSON.stringify(data),
  });
}

describe('CloudEvent functions on the functions framework', () => {
  it("trace a Pub/Sub message as a CONSUMER span under its publisher's span, from the message attributes", async () => {
    const event = fixture('pubsub-message-published');
    const res = await sendStructured(fn.url, event);
    expect(res.status).toBe(204);

    const span = rx.invocationSpan('17412985623911')!;
    expect(span.kind).toBe(5);
    expect(span.name).toBe('orders process');
    expect([span.traceId, span.parentSpanId]).toEqual([PRODUCER_TRACE, '00f067aa0ba902b7']);
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'fntrace.trigger': 'gcp.pubsub',
      'fntrace.parent.source': 'message-attributes',
      'faas.coldstart': true,
      'fntrace.correlation_id': 'checkout-42',
      'messaging.system': 'gcp_pubsub',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.destination.subscription.name': 'eventarc-us-central1-order-events-sub-123',
      'messaging.message.id': '17412985623911',
      'messaging.message.body.size': 14,
      'fntrace.message.sent_timestamp_ms': Date.parse('2026-11-27T10:00:00.000Z'),
      'cloudevents.event_id': '17412985623911',
      'cloudevents.event_type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'cloudevents.event_source': '//pubsub.googleapis.com/projects/orders-project/topics/orders',
    });
    expect(span.resource['fntrace.gcp.signature_type']).toBe('cloudevent');
    expect(rx.spans().some((s) => s.name === 'init' && s.parentSpanId === span.spanId)).toBe(true);

    const line = fn.logs().find((l) => l.invocation_id === '17412985623911')!;
    expect(line).toMatchObject({
      msg: 'event received',
      trace_id: PRODUCER_TRACE,
      span_id: span.spanId,
      correlation_id: 'checkout-42',
      cold_start: true,
      severity: 'INFO',
      'logging.googleapis.com/trace': `projects/orders-project/traces/${PRODUCER_TRACE}`,
    });
  });

  it("read the Pub/Sub client's own context attributes: googclient_traceparent, and the legacy JSON span context", async () => {
    await sendBinary(
      fn.url,
      pubsubEvent('m-modern', { googclient_traceparent: `00-${PRODUCER_TRACE}-1111111111111111-01` }),
    );
    const legacy = JSON.stringify({ traceId: PRODUCER_TRACE, spanId: '2222222222222222', traceFlags: 1 });
    await sendBinary(fn.url, pubsubEvent('m-legacy', { googclient_OpenTelemetrySpanContext: legacy }));

    const modern = rx.invocationSpan('m-modern')!;
    const old = rx.invocationSpan('m-legacy')!;
    expect([modern.traceId, modern.parentSpanId]).toEqual([PRODUCER_TRACE, '1111111111111111']);
    expect([old.traceId, old.parentSpanId]).toEqual([PRODUCER_TRACE, '2222222222222222']);
    expect(modern.attrs['faas.coldstart']).toBe(false);
    // no correlation id travelled: the event id stands in
    expect(modern.attrs['fntrace.correlation_id']).toBe('m-modern');
  });

  it("follow the event's own traceparent only when it is sampled (an unsampled one is Google's front end)", async () => {
    await sendBinary(fn.url, pubsubEvent('m-ext-sampled', {}), {
      traceparent: `00-${PRODUCER_TRACE}-3333333333333333-01`,
    });
    await sendBinary(fn.url, pubsubEvent('m-ext-unsampled', {}), {
      traceparent: `00-${PRODUCER_TRACE}-4444444444444444-00`,
    });

    const sampled = rx.invocationSpan('m-ext-sampled')!;
    expect([sampled.traceId, sampled.parentSpanId]).toEqual([PRODUCER_TRACE, '3333333333333333']);
    expect(sampled.attrs['fntrace.parent.source']).toBe('cloudevent');
    const unsampled = rx.invocationSpan('m-ext-unsampled')!;
    expect(unsampled.traceId).not.toBe(PRODUCER_TRACE);
    expect(unsampled.parentSpanId).toBe('');
  });

  it('trace a Cloud Storage object event as a datasource with the faas.document attributes', async () => {
    await sendStructured(fn.url, fixture('storage-object-finalized'));

    const span = rx.invocationSpan('9876543210123')!;
    expect(span.kind).toBe(5);
    expect(span.name).toBe('order-exports finalized');
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'datasource',
      'fntrace.trigger': 'gcp.storage',
      'faas.document.collection': 'order-exports',
      'faas.document.name': 'exports/2026-11-27.csv',
      'faas.document.operation': 'insert',
      'faas.document.time': '2026-11-27T10:05:00.000Z',
      'cloudevents.event_subject': 'objects/exports/2026-11-27.csv',
    });
  });

  it('record an error the function throws, which reaches the framework (500) unchanged', async () => {
    const res = await sendStructured(fn.url, pubsubEvent('m-fails', { fail: 'yes' }));
    expect(res.status).toBe(500);
    const span = rx.invocationSpan('m-fails')!;
    expect(span.status).toMatchObject({ code: 2, message: 'event rejected' });
    expect(span.events.find((e) => e.name === 'exception')?.attrs['exception.message']).toBe('event rejected');
  });

  it('end a callback-style CloudEvent function when it calls back', async () => {
    const cb = await serveInTest({
      source: 'functions.cjs',
      target: 'callbackEventFn',
      signatureType: 'cloudevent',
      env: env(),
    });
    const res = await sendStructured(cb.url, pubsubEvent('m-callback', {}));
    expect(res.status).toBe(204);
    const span = rx.invocationSpan('m-callback')!;
    expect(span.attrs['faas.coldstart']).toBe(true);
    expect(cb.logs().find((l) => l.msg === 'callback event')?.span_id).toBe(span.spanId);
  });

  it("read a first-generation event function's Pub/Sub event (data, context) as the message it carries", async () => {
    const legacy = await serveInTest({
      source: 'functions.cjs',
      target: 'legacyEventFn',
      signatureType: 'event',
      env: env(),
    });
    const res = await fetch(legacy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        context: {
          eventId: 'legacy-1',
          timestamp: '2026-11-27T10:00:00.000Z',
          eventType: 'google.pubsub.topic.publish',
          resource: { service: 'pubsub.googleapis.com', name: 'projects/orders-project/topics/orders' },
        },
        data: {
          '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
          attributes: { traceparent: `00-${PRODUCER_TRACE}-5555555555555555-01` },
          data: 'eyJvcmRlcklkIjo0Mn0=',
        },
      }),
    });
    expect(res.status).toBe(204);
    const span = rx.invocationSpan('legacy-1')!;
    expect([span.traceId, span.parentSpanId]).toEqual([PRODUCER_TRACE, '5555555555555555']);
    expect(span.attrs).toMatchObject({
      'faas.trigger': 'pubsub',
      'messaging.destination.name': 'orders',
      'messaging.message.id': 'legacy-1',
      'fntrace.gcp.event_type': 'google.pubsub.topic.publish',
    });
    expect(span.attrs['cloudevents.event_type']).toBeUndefined();
    expect(legacy.logs().find((l) => l.msg === 'legacy event')?.span_id).toBe(span.spanId);
  });
});
