import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OTLPLogExporterHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OTLPLogExporterProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as OTLPTraceExporterHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPTraceExporterProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { useCollector } from './helpers.js';

// The official OpenTelemetry JS exporters, protobuf and JSON, as clients of the real
// collector; what they sent is read back from ClickHouse field by field.
const c = useCollector();

/** `fntrace_decoded_requests_total` for a signal and decode path, from /metrics. */
async function decoded(signal: string, path: string): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`fntrace_decoded_requests_total{signal="${signal}",path="${path}"}`));
  return line ? Number(line.split(' ')[1]) : 0;
}

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'deployment.environment.name': 'test',
  'faas.name': 'checkout-fn',
});

// a whole second a minute ago: within retention, not ahead of the collector's clock
const T = Math.floor(Date.now() / 1000) - 60;
/** `toString(Timestamp)` of second `T + dt` and `nanos` (the engine runs in UTC here). */
const ts = (dt: number, nanos: string) =>
  `${new Date((T + dt) * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${nanos}`;

async function sendSpans(exporter: SpanExporter, marker: string) {
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('orders-lib', '2.1.0');
  const linked = tracer.startSpan('upstream');
  linked.end();
  const parent = tracer.startSpan(`parent ${marker}`, {
    kind: SpanKind.SERVER,
    startTime: [T, 123_456_789],
  });
  const ctx = trace.setSpan(context.active(), parent);
  const child = tracer.startSpan(
    `child ${marker}`,
    {
      kind: SpanKind.PRODUCER,
      startTime: [T, 200_000_001],
      attributes: {
        'str.attr': 'hello',
        'bool.attr': true,
        'int.attr': 42,
        'double.attr': 2.5,
        'str.list': ['a', 'b'],
        'int.list': [1, 2, 3],
        'bool.list': [true, false],
        'double.list': [1.5, 2.25],
        'messaging.message.id': `msg-${marker}`,
      },
      links: [{ context: linked.spanContext(), attributes: { 'fntrace.link.type': 'producer' } }],
    },
    ctx,
  );
  child.addEvent('retry', { attempt: 2 }, [T, 250_000_000]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end([T, 300_000_002]);
  parent.end([T + 1, 0]);
  await provider.forceFlush();
  await provider.shutdown();
  return { parent: parent.spanContext(), child: child.spanContext(), linked: linked.spanContext() };
}

describe.each([
  ['protobuf', (url: string) => new OTLPTraceExporterProto({ url: `${url}/v1/traces` })],
  ['JSON', (url: string) => new OTLPTraceExporterHttp({ url: `${url}/v1/traces` })],
  [
    'gzip protobuf',
    (url: string) => new OTLPTraceExporterProto({ url: `${url}/v1/traces`, compression: 'gzip' as never }),
  ],
])('traces from the official %s exporter', (label, makeExporter) => {
  it('land in otel_traces field by field', async () => {
    const marker = label.replace(/\W/g, '_');
    const path = label.includes('protobuf') ? 'direct' : 'rows';
    const before = await decoded('traces', path);
    const ids = await sendSpans(makeExporter(c.url), marker);
    await c.drained();
    // protobuf is written straight to the spool; OTLP/JSON goes through rows
    expect(await decoded('traces', path)).toBeGreaterThan(before);
    const [row] = await c.query(
      `SELECT *, toString(Timestamp) AS ts, toString(Events.Timestamp) AS ets FROM fntrace.otel_traces WHERE SpanName = {name:String}`,
      { name: `child ${marker}` },
    );
    expect(row).toMatchObject({
      ts: ts(0, '200000001'),
      TraceId: ids.child.traceId,
      SpanId: ids.child.spanId,
      ParentSpanId: ids.parent.spanId,
      SpanKind: 'Producer',
      ServiceName: 'checkout',
      ScopeName: 'orders-lib',
      ScopeVersion: '2.1.0',
      Duration: '100000001',
      StatusCode: 'Error',
      StatusMessage: 'card declined',
      SpanFlags: expect.any(Number),
    });
    expect(row!.ResourceAttributes).toMatchObject({
      'service.name': 'checkout',
      'deployment.environment.name': 'test',
      'faas.name': 'checkout-fn',
    });
    expect(row!.SpanAttributes).toMatchObject({
      'str.attr': 'hello',
      'bool.attr': 'true',
      'int.attr': '42',
      'double.attr': '2.5',
      'str.list': '["a","b"]',
      'int.list': '[1,2,3]',
      'bool.list': '[true,false]',
      'double.list': '[1.5,2.25]',
    });
    expect(row!['Events.Name']).toEqual(['retry']);
    expect(row!['Events.Attributes']).toEqual([{ attempt: '2' }]);
    expect(row!.ets).toBe(`['${ts(0, '250000000')}']`);
    expect(row!['Links.TraceId']).toEqual([ids.linked.traceId]);
    expect(row!['Links.SpanId']).toEqual([ids.linked.spanId]);
    expect(row!['Links.Attributes']).toEqual([{ 'fntrace.link.type': 'producer' }]);
    const [parent] = await c.query(
      `SELECT SpanKind, ParentSpanId FROM fntrace.otel_traces WHERE SpanId = {id:String}`,
      {
        id: ids.parent.spanId,
      },
    );
    expect(parent).toEqual({ SpanKind: 'Server', ParentSpanId: '' });
    // derived at ingest: the link edge and the producer message
    const edges = await c.query(
      `SELECT FromTraceId, ToSpanId, LinkType FROM fntrace.fntrace_trace_edges WHERE ToSpanId = {id:String}`,
      {
        id: ids.child.spanId,
      },
    );
    expect(edges).toEqual([{ FromTraceId: ids.linked.traceId, ToSpanId: ids.child.spanId, LinkType: 'producer' }]);
    const messages = await c.query(
      `SELECT SpanKind, TraceId FROM fntrace.fntrace_messages WHERE MessageId = {m:String}`,
      {
        m: `msg-${marker}`,
      },
    );
    expect(messages).toEqual([{ SpanKind: 'Producer', TraceId: ids.child.traceId }]);
  });
});

describe.each([
  ['protobuf', (url: string) => new OTLPLogExporterProto({ url: `${url}/v1/logs` })],
  ['JSON', (url: string) => new OTLPLogExporterHttp({ url: `${url}/v1/logs` })],
])('logs from the official %s exporter', (label, makeExporter) => {
  it('land in otel_logs field by field', async () => {
    const path = label === 'protobuf' ? 'direct' : 'rows';
    const before = await decoded('logs', path);
    const exporter = makeExporter(c.url);
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
    const span = new BasicTracerProvider().getTracer('t').startSpan('s');
    const logger = provider.getLogger('orders-logger', '0.9.0');
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: `card declined ${label}`,
      attributes: { correlation_id: `corr-${label}`, attempt: 3, retried: true },
      timestamp: [T + 2, 5],
      context: trace.setSpan(context.active(), span),
    });
    await provider.forceFlush();
    await provider.shutdown();
    await c.drained();
    expect(await decoded('logs', path)).toBeGreaterThan(before);
    const [row] = await c.query(`SELECT *, toString(Timestamp) AS ts FROM fntrace.otel_logs WHERE Body = {b:String}`, {
      b: `card declined ${label}`,
    });
    expect(row).toMatchObject({
      ts: ts(2, '000000005'),
      TraceId: span.spanContext().traceId,
      SpanId: span.spanContext().spanId,
      TraceFlags: 1,
      SeverityText: 'WARN',
      SeverityNumber: 13,
      ServiceName: 'checkout',
      ScopeName: 'orders-logger',
      ScopeVersion: '0.9.0',
    });
    expect(row!.LogAttributes).toEqual({ correlation_id: `corr-${label}`, attempt: '3', retried: 'true' });
    expect(row!.ResourceAttributes['service.name']).toBe('checkout');
  });
});
