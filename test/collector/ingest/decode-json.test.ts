import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CollectorError } from '../../../collector/src/errors.js';
import { decodeLogsJson, decodeTracesJson } from '../../../collector/src/ingest/otlp-json.js';
import { decodeLogsProto, decodeTracesProto } from '../../../collector/src/ingest/otlp-proto.js';
import {
  ATTR_CASES,
  type AV,
  expectedAttrs,
  type HandLog,
  type HandSpan,
  handLogsJson,
  handLogsRequest,
  handTraceJson,
  handTraceRequest,
  hexBytes,
  jsonAnyValue,
  type SdkSpans,
  SPAN_A,
  sdkLogs,
  sdkSpans,
  TRACE_A,
} from '../fixtures/otlp.js';
import { LOG_MESSAGES, SPAN_MESSAGES, TIME_LOGS, TIME_SPANS, WINDOW } from '../fixtures/time-rules.js';

const parse = (bytes: Uint8Array): any => JSON.parse(Buffer.from(bytes).toString('utf8'));

/** Renames every object key from lowerCamelCase to the .proto's snake_case. */
function snakeCase(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeCase);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeCase(x)]),
  );
}

/** A one-span request around `span` fields (valid ids unless overridden). */
function oneSpan(span: Record<string, unknown>): unknown {
  return {
    resourceSpans: [
      {
        scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '1112131415161718', ...span }] }],
      },
    ],
  };
}

function oneLog(rec: Record<string, unknown>): unknown {
  return { resourceLogs: [{ scopeLogs: [{ logRecords: [rec] }] }] };
}

describe('decodeTracesJson on SDK spans (official JSON serializer)', () => {
  let sdk: SdkSpans;
  let json: any;
  beforeAll(async () => {
    sdk = await sdkSpans();
    json = parse(JsonTraceSerializer.serializeRequest(sdk.spans)!);
  });

  it('yields exactly the rows the protobuf decoder yields for the same spans', () => {
    const fromProto = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(sdk.spans)!);
    const fromJson = decodeTracesJson(json);
    expect(fromJson.rows).toHaveLength(sdk.spans.length);
    expect(fromJson).toEqual(fromProto);
    // spot-check the values most at risk in JSON: nanosecond times and large ints
    const root = fromJson.rows.find((r) => r.SpanName === 'GET /orders/{id}')!;
    expect(root.Timestamp).toBe('1700000000.123456789');
    expect(root.Duration).toBe('1864197532');
    expect(root.SpanAttributes['big.int']).toBe('4611686018427387904');
    expect(fromJson.rows.find((r) => r.SpanName === 'long')!.Duration).toBe('1699999998000000004');
  });

  it('accepts the .proto field names (snake_case)', () => {
    const snake = snakeCase(json) as any;
    expect(snake.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano).toBeDefined();
    expect(decodeTracesJson(snake)).toEqual(decodeTracesJson(json));
  });

  it('accepts times and integers as JSON numbers, and upper-case hex ids', () => {
    const copy = structuredClone(json);
    for (const rs of copy.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          span.traceId = span.traceId.toUpperCase();
          span.spanId = span.spanId.toUpperCase();
          // exact as doubles: multiples of 2^12 ns near 1.7e18
          span.startTimeUnixNano = Number(BigInt(span.startTimeUnixNano) & ~0xfffn);
          span.endTimeUnixNano = String(BigInt(span.endTimeUnixNano) & ~0xfffn);
          span.droppedAttributesCount = String(span.droppedAttributesCount);
        }
      }
    }
    const a = decodeTracesJson(copy).rows;
    const b = decodeTracesJson(json).rows;
    expect(a.map((r) => [r.TraceId, r.SpanId, r.DroppedAttributesCount])).toEqual(
      b.map((r) => [r.TraceId, r.SpanId, r.DroppedAttributesCount]),
    );
    const root = a.find((r) => r.SpanName === 'GET /orders/{id}')!;
    expect(root.Timestamp).toBe(`1700000000.${String(123_456_789 & ~0xfff).padStart(9, '0')}`);
  });
});

describe('decodeTracesJson against the protobuf decoder on hand-built cases', () => {
  const check = (spans: HandSpan[]) => {
    const fromJson = decodeTracesJson(handTraceJson(spans));
    expect(fromJson).toEqual(decodeTracesProto(handTraceRequest(spans)));
    return fromJson;
  };

  it('converts every AnyValue type the same way', () => {
    const { rows } = check([{ traceId: TRACE_A, spanId: SPAN_A, attrs: ATTR_CASES.map(([k, v]) => [k, v]) }]);
    expect(rows[0]!.SpanAttributes).toEqual(expectedAttrs());
  });

  it('formats extreme times and durations the same way', () => {
    const { rows } = check([
      {
        traceId: TRACE_A,
        spanId: SPAN_A,
        start: 0n,
        end: 2n ** 64n - 1n,
        events: [{ time: 2n ** 53n + 1n, name: 'e' }],
      },
      { traceId: TRACE_A, spanId: SPAN_A, start: 5n, end: 4n },
    ]);
    expect(rows.map((r) => [r.Timestamp, r.Duration, r['Events.Timestamp']])).toEqual([
      ['0000000000.000000000', '18446744073709551615', ['0009007199.254740993']],
      ['0000000000.000000005', '0', []],
    ]);
  });

  it('refuses the same spans with bad ids, with the same messages', () => {
    const ok = { traceId: TRACE_A, spanId: SPAN_A };
    const { rows, rejected, errors } = check([
      { ...ok, name: 'ok' },
      { ...ok, traceId: TRACE_A.subarray(1) },
      { ...ok, traceId: new Uint8Array(16) },
      { spanId: SPAN_A },
      { ...ok, spanId: new Uint8Array(8) },
      { ...ok, spanId: TRACE_A },
      { ...ok, parentSpanId: SPAN_A.subarray(2) },
      { ...ok, parentSpanId: new Uint8Array(8), name: 'zero-parent' },
      {
        ...ok,
        name: 'links',
        links: [
          { traceId: TRACE_A, spanId: SPAN_A.subarray(1) },
          { traceId: new Uint8Array(16), spanId: SPAN_A },
          { traceId: TRACE_A, spanId: SPAN_A, attrs: [['k', { i: 1n }]], flags: 0x101 },
        ],
      },
    ]);
    expect(rows.map((r) => r.SpanName)).toEqual(['ok', 'zero-parent', 'links']);
    expect(rejected).toBe(6);
    expect(errors).toHaveLength(3);
    expect(rows[2]!['Links.Attributes']).toEqual([{ k: '1' }]);
  });

  it('refuses ids that are not hex', () => {
    const bad = decodeTracesJson(oneSpan({ traceId: 'zz02030405060708090a0b0c0d0e0f10' }));
    expect(bad).toMatchObject({
      rows: [],
      rejected: 1,
      errors: ['1 span refused (invalid): trace_id must be 16 bytes, not all zero'],
    });
    // base64 of 16 bytes is not the OTLP/JSON form of an id
    const b64 = decodeTracesJson(oneSpan({ traceId: Buffer.from(TRACE_A).toString('base64') }));
    expect(b64.rejected).toBe(1);
  });
});

describe('OTLP/JSON value forms', () => {
  const attr = (value: unknown) =>
    decodeTracesJson(oneSpan({ attributes: [{ key: 'k', value }] })).rows[0]!.SpanAttributes.k;

  it('reads int64 values from strings and numbers, exactly', () => {
    expect(attr({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(attr({ intValue: '-9223372036854775808' })).toBe('-9223372036854775808');
    expect(attr({ intValue: 12 })).toBe('12');
    expect(attr({ intValue: '007' })).toBe('7');
    expect(attr({ arrayValue: { values: [{ intValue: '9223372036854775807' }] } })).toBe('[9223372036854775807]');
  });

  it('reads doubles from numbers and the special strings', () => {
    expect(attr({ doubleValue: 2.5 })).toBe('2.5');
    expect(attr({ doubleValue: '2.5' })).toBe('2.5');
    expect(attr({ doubleValue: 'NaN' })).toBe('NaN');
    expect(attr({ doubleValue: 'Infinity' })).toBe('Inf');
    expect(attr({ doubleValue: '-Infinity' })).toBe('-Inf');
    expect(attr({ arrayValue: { values: [{ doubleValue: 'NaN' }, { doubleValue: 1e300 }] } })).toBe('["NaN",1e+300]');
  });

  it('normalises base64 bytes to standard padded base64', () => {
    expect(attr({ bytesValue: 'AAEC/f7/' })).toBe('AAEC/f7/');
    expect(attr({ bytesValue: '_w' })).toBe('/w==');
    expect(attr({ kvlistValue: { values: [{ key: 'b', value: { bytesValue: 'AQID' } }] } })).toBe('{"b":"AQID"}');
  });

  it('treats null and absent values as empty', () => {
    expect(attr(null)).toBe('');
    expect(attr({})).toBe('');
    expect(attr({ stringValue: null, boolValue: true })).toBe('true');
    expect(attr({ arrayValue: { values: [null, {}] } })).toBe('[null,null]');
    expect(attr({ arrayValue: {} })).toBe('[]');
  });

  it('accepts enum names as well as numbers', () => {
    const row = decodeTracesJson(
      oneSpan({ kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR', message: 'x' } }),
    ).rows[0]!;
    expect([row.SpanKind, row.StatusCode, row.StatusMessage]).toEqual(['Server', 'Error', 'x']);
    const byNumber = decodeTracesJson(oneSpan({ kind: 5, status: { code: 1 } })).rows[0]!;
    expect([byNumber.SpanKind, byNumber.StatusCode]).toEqual(['Consumer', 'Ok']);
    expect(decodeTracesJson(oneSpan({ kind: '4' })).rows[0]!.SpanKind).toBe('Producer');
    const log = decodeLogsJson(oneLog({ severityNumber: 'SEVERITY_NUMBER_WARN2', severityText: 'W' })).rows[0]!;
    expect(log.SeverityNumber).toBe(14);
    expect(decodeLogsJson(oneLog({ severityNumber: 'SEVERITY_NUMBER_FATAL4' })).rows[0]!.SeverityNumber).toBe(24);
  });

  it('stores a severity number the UInt8 column cannot hold as 0', () => {
    expect(decodeLogsJson(oneLog({ severityNumber: 300 })).rows[0]!.SeverityNumber).toBe(0);
    expect(decodeLogsJson(oneLog({ severityNumber: -5 })).rows[0]!.SeverityNumber).toBe(0);
  });

  it('ignores unknown fields and nulls', () => {
    const plain = decodeTracesJson(oneSpan({ name: 'n' }));
    const extra = decodeTracesJson({
      futureField: { a: 1 },
      resourceSpans: [
        {
          futureField: 1,
          resource: null,
          scopeSpans: [
            {
              scope: null,
              spans: [
                {
                  traceId: '0102030405060708090a0b0c0d0e0f10',
                  spanId: '1112131415161718',
                  parentSpanId: null,
                  name: 'n',
                  status: null,
                  events: null,
                  futureField: [1, 2],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(extra).toEqual(plain);
  });

  it('decodes an empty request', () => {
    const empty = { rows: [], rejected: 0, errors: [], refused: new Map(), corrected: new Map() };
    expect(decodeTracesJson({})).toEqual(empty);
    expect(decodeLogsJson({ resourceLogs: [] })).toEqual(empty);
  });
});

describe('malformed OTLP/JSON', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['null', () => null, /request body must be an object, not null/],
    ['an array', () => [], /request body must be an object, not an array/],
    ['a string', () => '{"resourceSpans":[]}', /request body must be an object, not string/],
    ['a number', () => 42, /must be an object/],
    ['resourceSpans not an array', () => ({ resourceSpans: {} }), /resourceSpans must be an array, not object/],
    ['a resourceSpans entry not an object', () => ({ resourceSpans: [1] }), /resourceSpans\[0\] must be an object/],
    [
      'a span name not a string',
      () => oneSpan({ name: 5 }),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.name must be a string/,
    ],
    ['a kind of the wrong type', () => oneSpan({ kind: true }), /spans\[0\]\.kind must be an integer/],
    [
      'an unknown enum name',
      () => oneSpan({ kind: 'SERVER' }),
      /kind must be an integer or one of SPAN_KIND_UNSPECIFIED/,
    ],
    [
      'a time that is not an integer',
      () => oneSpan({ startTimeUnixNano: '1.5' }),
      /startTimeUnixNano must be a uint64/,
    ],
    ['a negative time', () => oneSpan({ endTimeUnixNano: -1 }), /endTimeUnixNano must be a uint64/],
    ['a time beyond uint64', () => oneSpan({ endTimeUnixNano: '18446744073709551616' }), /must be a uint64/],
    ['an id that is not a string', () => oneSpan({ spanId: 1234 }), /spanId must be a string/],
    ['attributes not an array', () => oneSpan({ attributes: {} }), /attributes must be an array/],
    [
      'an int beyond int64',
      () => oneSpan({ attributes: [{ key: 'k', value: { intValue: '9223372036854775808' } }] }),
      /intValue must be an int64/,
    ],
    [
      'a fractional int',
      () => oneSpan({ attributes: [{ key: 'k', value: { intValue: 1.5 } }] }),
      /intValue must be an int64/,
    ],
    [
      'a double that is not a number',
      () => oneSpan({ attributes: [{ key: 'k', value: { doubleValue: 'abc' } }] }),
      /doubleValue must be a double/,
    ],
    [
      'a bool that is a string',
      () => oneSpan({ attributes: [{ key: 'k', value: { boolValue: 'true' } }] }),
      /boolValue must be a boolean/,
    ],
    [
      'a dropped count out of range',
      () => oneSpan({ droppedEventsCount: 2 ** 32 }),
      /droppedEventsCount must be an integer in \[0, 4294967295\]/,
    ],
    ['a status that is a string', () => oneSpan({ status: 'ERROR' }), /status must be an object/],
  ];
  for (const [what, body, message] of cases) {
    it(`throws BAD_OTLP on ${what}`, () => {
      let caught: unknown;
      try {
        decodeTracesJson(body());
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(CollectorError);
      expect(caught).toMatchObject({
        code: 'FNTRACE_ERR_COL_BAD_OTLP',
        statusCode: 400,
        message: expect.stringMatching(message),
      });
    });
  }

  it('throws on AnyValues nested too deep', () => {
    let v: unknown = { stringValue: 'x' };
    for (let i = 0; i < 100; i++) v = { arrayValue: { values: [v] } };
    expect(() => decodeTracesJson(oneSpan({ attributes: [{ key: 'k', value: v }] }))).toThrow(/nested deeper than 64/);
  });

  it('throws on malformed log requests', () => {
    expect(() => decodeLogsJson({ resourceLogs: 'x' })).toThrow(
      expect.objectContaining({ code: 'FNTRACE_ERR_COL_BAD_OTLP' }),
    );
    expect(() => decodeLogsJson(oneLog({ body: 'plain string' }))).toThrow(/logRecords\[0\]\.body must be an object/);
    expect(() => decodeLogsJson(oneLog({ severityNumber: 'LOUD' }))).toThrow(
      /severityNumber must be an integer or one of/,
    );
  });
});

describe('decodeLogsJson', () => {
  let logs: ReadableLogRecord[];
  beforeAll(async () => {
    logs = await sdkLogs();
  });

  it('yields exactly the rows the protobuf decoder yields for the same records', () => {
    const fromProto = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(logs)!);
    const json = parse(JsonLogsSerializer.serializeRequest(logs)!);
    const fromJson = decodeLogsJson(json);
    expect(fromJson.rows).toHaveLength(logs.length);
    expect(fromJson).toEqual(fromProto);
    expect(decodeLogsJson(snakeCase(json))).toEqual(fromProto);
    expect(fromJson.rows[0]).toMatchObject({
      Timestamp: '1700000000.123456789',
      ObservedTimestamp: '1700000000.223456789',
      LogAttributes: { raw: 'AAH+/w==', nested: '{"a":1,"b":["c",{"d":"e"}],"raw":"Bw=="}' },
    });
  });

  it('matches the protobuf decoder on hand-built records, every body type, and bad ids', () => {
    const records: HandLog[] = [
      ...ATTR_CASES.filter(([, v]) => v).map(([, v]) => ({ body: v as AV, time: 1n })),
      { observed: 2n ** 64n - 1n, traceId: TRACE_A, spanId: SPAN_A, flags: 0x301 },
      { traceId: TRACE_A.subarray(1) },
      { spanId: hexBytes('0102') },
      { traceId: new Uint8Array(16), spanId: new Uint8Array(8) },
    ];
    const fromJson = decodeLogsJson(handLogsJson(records));
    expect(fromJson).toEqual(decodeLogsProto(handLogsRequest(records)));
    expect(fromJson.rejected).toBe(2);
    expect(fromJson.rows.at(-2)).toMatchObject({ Timestamp: '9223372036.854775807', TraceFlags: 1 });
    expect(fromJson.rows.at(-1)).toMatchObject({ TraceId: '', SpanId: '' });
  });

  it('reads every field by its JSON name', () => {
    const { rows } = decodeLogsJson({
      resourceLogs: [
        {
          schemaUrl: 'rs',
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeLogs: [
            {
              schemaUrl: 'ss',
              scope: { name: 'sc', version: '1', attributes: [{ key: 'a', value: { boolValue: true } }] },
              logRecords: [
                {
                  timeUnixNano: '1700000000000000001',
                  observedTimeUnixNano: 1700000000000000000,
                  severityNumber: 9,
                  severityText: 'INFO',
                  body: jsonAnyValue({ kv: [['m', { s: 'x' }]] }),
                  attributes: [{ key: 'k', value: { intValue: '1' } }],
                  droppedAttributesCount: 3,
                  flags: 1,
                  traceId: '0102030405060708090A0B0C0D0E0F10',
                  spanId: '1112131415161718',
                  eventName: 'ev',
                },
              ],
            },
          ],
        },
      ],
    });
    expect(rows).toEqual([
      {
        Timestamp: '1700000000.000000001',
        ObservedTimestamp: '1700000000.000000000',
        TraceId: '0102030405060708090a0b0c0d0e0f10',
        SpanId: '1112131415161718',
        TraceFlags: 1,
        SeverityText: 'INFO',
        SeverityNumber: 9,
        ServiceName: 'svc',
        Body: '{"m":"x"}',
        ResourceSchemaUrl: 'rs',
        ResourceAttributes: { 'service.name': 'svc' },
        ScopeSchemaUrl: 'ss',
        ScopeName: 'sc',
        ScopeVersion: '1',
        ScopeAttributes: { a: 'true' },
        LogAttributes: { k: '1' },
        EventName: 'ev',
        DroppedAttributesCount: 3,
      },
    ]);
  });
});

describe('the time rules and strings the store refuses, in OTLP/JSON', () => {
  it('refuse and correct the same spans and log records as the protobuf decoder, with the same messages', () => {
    const spans = decodeTracesJson(handTraceJson(TIME_SPANS), WINDOW);
    expect(spans).toEqual(decodeTracesProto(handTraceRequest(TIME_SPANS), WINDOW));
    expect(spans.errors).toEqual(SPAN_MESSAGES);
    expect(spans.rows.find((r) => r.SpanName === 'backwards')!.SpanAttributes['fntrace.corrected']).toBe(
      'end_before_start',
    );
    const logs = decodeLogsJson(handLogsJson(TIME_LOGS), WINDOW);
    expect(logs).toEqual(decodeLogsProto(handLogsRequest(TIME_LOGS), WINDOW));
    expect(logs.errors).toEqual(LOG_MESSAGES);
  });

  it('store lone surrogates, which ClickHouse refuses, as U+FFFD, as protobuf stores bytes that are not UTF-8', () => {
    const lone = 'a\ud800b\udc00';
    const { rows } = decodeTracesJson(
      oneSpan({
        name: lone,
        attributes: [
          { key: `k${lone}`, value: { stringValue: lone } },
          { key: 'list', value: { arrayValue: { values: [{ stringValue: lone }] } } },
        ],
      }),
    );
    expect(rows[0]!.SpanName).toBe('a\ufffdb\ufffd');
    expect(rows[0]!.SpanAttributes).toEqual({ 'ka\ufffdb\ufffd': 'a\ufffdb\ufffd', list: '["a\ufffdb\ufffd"]' });
    // a well-formed pair is kept
    expect(decodeTracesJson(oneSpan({ name: '\ud83d\ude80' })).rows[0]!.SpanName).toBe('🚀');
    const logs = decodeLogsJson(oneLog({ timeUnixNano: '5', body: { stringValue: lone } }));
    expect(logs.rows[0]!.Body).toBe('a\ufffdb\ufffd');
  });
});
