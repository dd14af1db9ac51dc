import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { resolveCollectorOptions } from '../../collector/src/config/options.js';
import {
  type HandLog,
  type HandSpan,
  handLogsJson,
  handLogsRequest,
  handTraceJson,
  handTraceRequest,
  hexBytes,
  SPAN_A,
} from './fixtures/otlp.js';
import { useCollector } from './helpers.js';

// What the store cannot keep is refused before the 200, by rule, on the protobuf and the
// OTLP/JSON paths alike, and counted; nothing acknowledged is dropped afterwards. This
// collector keeps 7 days and allows 1 hour of clock skew (not the defaults, 30 days and 5
// minutes), so the cases also show the options reach the rules.
const c = useCollector({ retentionDays: 7, maxFutureSkew: '1h' });

const MS = 1_000_000n;
const now = BigInt(Date.now()) * MS;
const MINUTE = 60_000n * MS;
const DAY = 1440n * MINUTE;
let next = 0;
/** A fresh trace id per span, so each case is its own trace. */
const ids = () => ({ traceId: hexBytes((++next).toString(16).padStart(32, '0')), spanId: SPAN_A });

const spanCases = (): HandSpan[] => [
  { ...ids(), name: 'kept', start: now - MINUTE, end: now - MINUTE + 5n * MS },
  { ...ids(), name: 'zero-start', start: 0n, end: now },
  { ...ids(), name: 'end-max', start: now - MINUTE, end: 2n ** 64n - 1n },
  { ...ids(), name: 'two-hours-ahead', start: now + 120n * MINUTE, end: now + 121n * MINUTE },
  { ...ids(), name: 'half-an-hour-ahead', start: now + 30n * MINUTE, end: now + 31n * MINUTE },
  { ...ids(), name: 'eight-days-old', start: now - 8n * DAY, end: now - 8n * DAY + MS },
  { ...ids(), name: 'six-days-old', start: now - 6n * DAY, end: now - 6n * DAY + MS },
  // the OpenTelemetry project's example payload is dated 2018
  { ...ids(), name: 'otel-example', start: 1_544_712_660_000_000_000n, end: 1_544_712_661_000_000_000n },
  { ...ids(), name: 'backwards', start: now - MINUTE, end: now - 2n * MINUTE, attrs: [['k', { s: 'v' }]] },
];
const KEPT = ['backwards', 'half-an-hour-ahead', 'kept', 'six-days-old'];
const SPAN_MESSAGE = [
  '1 span refused (timestamp_zero): start_time_unix_nano and end_time_unix_nano must be set, not 0',
  '1 span refused (timestamp_out_of_range): start and end times must be before 2106-02-07T06:28:15Z, the latest time the store holds',
  "1 span refused (too_far_in_future): start and end times must be at most 1h ahead of the collector's clock (--max-future-skew)",
  '2 spans refused (older_than_retention): start_time_unix_nano must be within the last 7 days (--retention-days); the store would delete older spans',
  '1 span stored corrected (end_before_start): end_time_unix_nano was before start_time_unix_nano; stored with end = start, the end sent in the attribute fntrace.original_end_time_unix_nano',
].join('; ');

const logCases = (): (HandLog & { body: { s: string } })[] => [
  { body: { s: 'kept' }, time: now - MINUTE, observed: now },
  { body: { s: 'kept-observed-only' }, observed: now - MINUTE },
  { body: { s: 'no-time' } },
  { body: { s: 'ahead' }, time: now + 120n * MINUTE, observed: now },
  { body: { s: 'old' }, time: now - 8n * DAY, observed: now },
];
const LOG_MESSAGE = [
  '1 log record refused (timestamp_zero): time_unix_nano or observed_time_unix_nano must be set, not both 0',
  "1 log record refused (too_far_in_future): time_unix_nano (or observed_time_unix_nano when it is 0) must be at most 1h ahead of the collector's clock (--max-future-skew)",
  '1 log record refused (older_than_retention): time_unix_nano (or observed_time_unix_nano when it is 0) must be within the last 7 days (--retention-days); the store would delete older records',
].join('; ');

/** The request with its resource's service.name replaced (hand-built requests all say `hand`). */
function asService<T>(json: T, service: string): T {
  return JSON.parse(JSON.stringify(json).replace('"stringValue":"hand"', `"stringValue":"${service}"`));
}

const post = (path: string, body: Uint8Array | string, type: string) =>
  fetch(`${c.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : Buffer.from(body),
    headers: { 'content-type': type },
  });

async function names(service: string): Promise<string[]> {
  const rows = await c.query<{ SpanName: string }>(
    'SELECT SpanName FROM fntrace.otel_traces WHERE ServiceName = {s:String} ORDER BY SpanName',
    { s: service },
  );
  return rows.map((r) => r.SpanName);
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${c.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('ingest refuses what the store cannot keep', () => {
  it('refuses spans by rule in partial_success and stores the rest, a backwards span corrected (protobuf)', async () => {
    const res = await post('/v1/traces', handTraceRequest(spanCases()), 'application/x-protobuf');
    expect(res.status).toBe(200);
    const answer = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()));
    expect(answer).toEqual({ partialSuccess: { rejectedSpans: 5, errorMessage: SPAN_MESSAGE } });
    await c.drained();
    expect(await names('hand')).toEqual(KEPT);
    const [backwards] = await c.query(
      `SELECT Duration, SpanAttributes, toUnixTimestamp64Nano(Timestamp) AS start FROM fntrace.otel_traces
       WHERE ServiceName = 'hand' AND SpanName = 'backwards'`,
    );
    expect(backwards).toEqual({
      Duration: '0',
      SpanAttributes: {
        k: 'v',
        'fntrace.corrected': 'end_before_start',
        'fntrace.original_end_time_unix_nano': String(now - 2n * MINUTE),
      },
      start: String(now - MINUTE),
    });
    // the trace summary ends it where it starts
    const [summary] = await c.query(
      `SELECT toUnixTimestamp64Nano(max(End)) AS end FROM fntrace.fntrace_trace_summary
       WHERE TraceId = '00000000000000000000000000000009'`,
    );
    expect(summary).toEqual({ end: String(now - MINUTE) });
  });

  it('refuses the same spans with the same message on the OTLP/JSON path', async () => {
    const res = await post(
      '/v1/traces',
      JSON.stringify(asService(handTraceJson(spanCases()), 'hand-json')),
      'application/json',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedSpans: '5', errorMessage: SPAN_MESSAGE } });
    await c.drained();
    expect(await names('hand-json')).toEqual(KEPT);
    // both requests counted by reason
    expect(await metric('fntrace_refused_items_total', 'signal="traces",reason="timestamp_zero"')).toBe(2);
    expect(await metric('fntrace_refused_items_total', 'signal="traces",reason="timestamp_out_of_range"')).toBe(2);
    expect(await metric('fntrace_refused_items_total', 'signal="traces",reason="too_far_in_future"')).toBe(2);
    expect(await metric('fntrace_refused_items_total', 'signal="traces",reason="older_than_retention"')).toBe(4);
    expect(await metric('fntrace_corrected_items_total', 'signal="traces",correction="end_before_start"')).toBe(2);
    expect(await metric('fntrace_accepted_items_total', 'signal="traces"')).toBe(8);
  });

  it('refuses log records by their time, or their observed time when that is 0, on both paths', async () => {
    const res = await post('/v1/logs', handLogsRequest(logCases()), 'application/x-protobuf');
    expect(res.status).toBe(200);
    const answer = ProtobufLogsSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()));
    expect(answer).toEqual({ partialSuccess: { rejectedLogRecords: 3, errorMessage: LOG_MESSAGE } });
    const json = await post(
      '/v1/logs',
      JSON.stringify(asService(handLogsJson(logCases()), 'hand-json')),
      'application/json',
    );
    expect(await json.json()).toEqual({ partialSuccess: { rejectedLogRecords: '3', errorMessage: LOG_MESSAGE } });
    await c.drained();
    const rows = await c.query<{ ServiceName: string; Body: string; same: number }>(
      `SELECT ServiceName, Body, toUInt8(Timestamp = ObservedTimestamp) AS same FROM fntrace.otel_logs
       WHERE ServiceName IN ('hand', 'hand-json') ORDER BY ServiceName, Body`,
    );
    expect(rows).toEqual([
      { ServiceName: 'hand', Body: 'kept', same: 0 },
      { ServiceName: 'hand', Body: 'kept-observed-only', same: 1 },
      { ServiceName: 'hand-json', Body: 'kept', same: 0 },
      { ServiceName: 'hand-json', Body: 'kept-observed-only', same: 1 },
    ]);
  });

  it('stores a lone surrogate from OTLP/JSON as U+FFFD, so its segment is not refused by the store', async () => {
    const start = String(now - MINUTE);
    const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"surrogates"}}]},
      "scopeSpans":[{"spans":[{"traceId":"5f000000000000000000000000000001","spanId":"5f00000000000001","name":"a\\ud800b",
      "startTimeUnixNano":"${start}","endTimeUnixNano":"${start}","attributes":[{"key":"k\\udc00","value":{"stringValue":"\\ud83d"}}]}]}]}]}`;
    const res = await post('/v1/traces', body, 'application/json');
    expect(await res.json()).toEqual({});
    await c.drained();
    const rows = await c.query(
      `SELECT SpanName, SpanAttributes FROM fntrace.otel_traces WHERE ServiceName = 'surrogates'`,
    );
    expect(rows).toEqual([{ SpanName: 'a\ufffdb', SpanAttributes: { 'k\ufffd': '\ufffd' } }]);
    const ready = await (await fetch(`${c.url}/readyz`)).json();
    expect(ready.quarantine).toEqual({ entries: 0, rows: 0 });
  });

  it('answers the official exporter with a partial success, and stores only what it can keep', async () => {
    const before = await metric('fntrace_refused_items_total', 'signal="traces",reason="older_than_retention"');
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'exported' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${c.url}/v1/traces` }))],
    });
    const tracer = provider.getTracer('validation');
    tracer.startSpan('dated-2018', { startTime: [1_544_712_660, 0] }).end([1_544_712_661, 0]);
    tracer.startSpan('current').end();
    await provider.forceFlush();
    await provider.shutdown();
    await c.drained();
    expect(await names('exported')).toEqual(['current']);
    expect(await metric('fntrace_refused_items_total', 'signal="traces",reason="older_than_retention"')).toBe(
      before + 1,
    );
  });
});

describe('--max-future-skew', () => {
  it('takes a whole duration, also from FNTRACE_MAX_FUTURE_SKEW through the command, and refuses others naming the option', () => {
    expect(resolveCollectorOptions({}).maxFutureSkew).toBe('5m');
    expect(resolveCollectorOptions({ maxFutureSkew: '90s' }).maxFutureSkew).toBe('90s');
    expect(() => resolveCollectorOptions({ maxFutureSkew: '5 minutes' })).toThrow(
      /option --max-future-skew: must be a whole duration such as 30s, 5m, 1h or 1d \(got "5 minutes"\)/,
    );
    expect(() => resolveCollectorOptions({ maxFutureSkew: '400d' })).toThrow(
      /option --max-future-skew: must be at most 365d/,
    );
  });
});
