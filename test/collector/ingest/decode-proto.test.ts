import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { beforeAll, describe, expect, it } from 'vitest';
import { CollectorError } from '../../../collector/src/errors.js';
import { decodeLogsProto, decodeTracesProto } from '../../../collector/src/ingest/otlp-proto.js';
import type { LogRow, SpanRow } from '../../../collector/src/ingest/rows.js';
import {
  ATTR_CASES,
  type AV,
  bytes,
  expectedAttrs,
  fixed64,
  type HandSpan,
  handLogsRequest,
  handTraceRequest,
  LINK_SPAN_ID,
  LINK_TRACE_ID,
  message,
  REMOTE_SPAN_ID,
  REMOTE_TRACE_ID,
  RESOURCE_SCHEMA,
  SCOPE_SCHEMA,
  type SdkSpans,
  SPAN_A,
  SPAN_CONTEXT,
  sdkLogs,
  sdkSpans,
  spansWithBadIds,
  str,
  sub,
  TRACE_A,
  timeOf,
  uint64Samples,
  unknownFields,
  varint,
  writeAnyValue,
  writeKeyValue,
} from '../fixtures/otlp.js';

const REJECT_TRACE = '3 spans refused (invalid): trace_id must be 16 bytes, not all zero';
const REJECT_SPAN = '3 spans refused (invalid): span_id must be 8 bytes, not all zero';
const REJECT_PARENT = '1 span refused (invalid): parent_span_id must be empty or 8 bytes';

describe('decodeTracesProto on SDK spans (official protobuf serializer)', () => {
  let sdk: SdkSpans;
  let rows: SpanRow[];
  const row = (name: string) => {
    const r = rows.find((x) => x.SpanName === name);
    if (!r) throw new Error(`no row ${name}`);
    return r;
  };

  beforeAll(async () => {
    sdk = await sdkSpans();
    const decoded = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(sdk.spans)!);
    expect(decoded.rejected).toBe(0);
    expect(decoded.errors).toEqual([]);
    rows = decoded.rows;
  });

  it('yields one row per span', () => {
    expect(rows.map((r) => r.SpanName).sort()).toEqual(sdk.spans.map((s) => s.name).sort());
  });

  it('decodes every field of a span with events, links, status and a remote parent', () => {
    const root = sdk.byName('GET /orders/{id}');
    const ctx = root.spanContext();
    expect(row('GET /orders/{id}')).toEqual({
      Timestamp: '1700000000.123456789',
      TraceId: REMOTE_TRACE_ID,
      SpanId: ctx.spanId,
      ParentSpanId: REMOTE_SPAN_ID,
      TraceState: 'vendor=abc,other=1',
      SpanName: 'GET /orders/{id}',
      SpanKind: 'Server',
      ServiceName: 'orders-fn',
      ResourceAttributes: {
        'service.name': 'orders-fn',
        'cloud.provider': 'aws',
        'faas.max_memory': '1024',
        'deploy.canary': 'true',
      },
      ScopeName: 'fntrace-test',
      ScopeVersion: '1.2.3',
      SpanAttributes: {
        'http.route': '/orders/{id}',
        'cache.hit': 'false',
        'retry.count': '42',
        'temp.delta': '-7',
        'big.int': '4611686018427387904',
        weight: '72.35',
        tenth: '0.1',
        'str.list': '["a","b","é\\"\\\\"]',
        'bool.list': '[true,false]',
        'int.list': '[1,2,3]',
        'double.list': '[1.5,-2.25]',
        'empty.list': '[]',
      },
      // 1.987654321 − 0.123456789 s
      Duration: '1864197532',
      StatusCode: 'Error',
      StatusMessage: 'boom: order 1 not found',
      'Events.Timestamp': ['1700000000.500000001', '1700000001.000000000', '1700000001.000000005'],
      'Events.Name': ['cache.miss', 'retry', 'no-attrs'],
      'Events.Attributes': [{ key: 'order:1', 'lookup.ms': '1.5' }, { attempt: '2' }, {}],
      'Links.TraceId': [LINK_TRACE_ID, LINK_TRACE_ID],
      'Links.SpanId': [LINK_SPAN_ID, 'bbbbbbbbbbbbbbbb'],
      'Links.TraceState': ['lk=1', ''],
      'Links.Attributes': [{ 'link.kind': 'follows', 'link.n': '7' }, {}],
      // sampled flag, plus "has is-remote" (0x100) and "is remote" (0x200) of the parent
      SpanFlags: 0x301,
      ScopeAttributes: {},
      ResourceSchemaUrl: RESOURCE_SCHEMA,
      ScopeSchemaUrl: SCOPE_SCHEMA,
      DroppedAttributesCount: 0,
      DroppedEventsCount: 1,
      DroppedLinksCount: 1,
      'Events.DroppedAttributesCount': [1, 0, 0],
      // the link's own trace flags and remote bits
      'Links.Flags': [0x301, 0x100],
      'Links.DroppedAttributesCount': [1, 0],
    } satisfies SpanRow);
  });

  it('links a local child to its parent, with nanosecond times across a second boundary', () => {
    const child = row('SELECT orders');
    expect(child).toMatchObject({
      TraceId: REMOTE_TRACE_ID,
      ParentSpanId: sdk.byName('GET /orders/{id}').spanContext().spanId,
      SpanId: sdk.byName('SELECT orders').spanContext().spanId,
      SpanKind: 'Client',
      Timestamp: '1700000000.999999999',
      Duration: '1',
      StatusCode: 'Ok',
      StatusMessage: '',
      TraceState: 'vendor=abc,other=1',
      // sampled, local parent: "has is-remote" only
      SpanFlags: 0x101,
    });
  });

  it('maps every span kind and the unset status', () => {
    expect(row('produce').SpanKind).toBe('Producer');
    expect(row('consume').SpanKind).toBe('Consumer');
    expect(row('internal').SpanKind).toBe('Internal');
    expect(row('produce').StatusCode).toBe('Unset');
  });

  it('counts dropped attributes', () => {
    const r = row('too-many-attrs');
    expect(r.DroppedAttributesCount).toBe(2);
    expect(Object.keys(r.SpanAttributes)).toHaveLength(20);
    expect(r.ParentSpanId).toBe('');
    expect(r.TraceState).toBe('');
    expect(r.Duration).toBe('10');
  });

  it('keeps durations beyond 2^53 ns exact and floors negative ones at 0', () => {
    expect(row('long').Timestamp).toBe('0000000001.999999999');
    expect(row('long').Duration).toBe(String(1_700_000_000_000_000_003n - 1_999_999_999n));
    expect(row('backwards').Duration).toBe('0');
  });

  it('decodes scope attributes, and a resource without service.name', () => {
    expect(row('internal')).toMatchObject({
      ScopeName: 'scoped',
      ScopeVersion: '0.1.0',
      ScopeAttributes: { 'scope.attr': 'yes', 'scope.n': '3' },
      ScopeSchemaUrl: SCOPE_SCHEMA,
    });
    expect(row('bare-span')).toMatchObject({
      ServiceName: '',
      ResourceAttributes: { 'host.name': 'box' },
      ResourceSchemaUrl: '',
      ScopeName: 'bare',
      ScopeVersion: '',
      ScopeSchemaUrl: '',
    });
  });

  it('accepts a Uint8Array that is a view into a larger buffer', () => {
    const body = ProtobufTraceSerializer.serializeRequest(sdk.spans)!;
    const big = new Uint8Array(body.length + 20);
    big.set(body, 10);
    expect(decodeTracesProto(big.subarray(10, 10 + body.length)).rows).toEqual(rows);
  });
});

describe('decodeTracesProto on hand-built requests', () => {
  it('converts every AnyValue type to its attribute string', () => {
    const { rows } = decodeTracesProto(
      handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A, attrs: ATTR_CASES.map(([k, v]) => [k, v]) }]),
    );
    expect(rows).toHaveLength(1);
    const attrs = rows[0]!.SpanAttributes;
    for (const [key, , want] of ATTR_CASES) expect([key, attrs[key]]).toEqual([key, want]);
    expect(attrs).toEqual(expectedAttrs());
    // the __proto__ key is an own, enumerable property that survives JSON
    expect(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(attrs)), '__proto__')?.value).toBe('own property');
  });

  it('decodes keys exactly however many there are (the key cache only saves work)', () => {
    // more keys than cache slots, so some share a slot; decoded twice so the second pass hits
    const attrs: [string, AV][] = [];
    for (let i = 0; i < 6000; i++) attrs.push([`key.${i}.${'x'.repeat(i % 70)}`, { i: BigInt(i) }]);
    attrs.push(['ключ', { s: 'utf-8 key' }]);
    const body = handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A, attrs }]);
    const want = Object.fromEntries(attrs.map(([k, v]) => [k, 'i' in v ? String(v.i) : 'utf-8 key']));
    expect(decodeTracesProto(body).rows[0]!.SpanAttributes).toEqual(want);
    expect(decodeTracesProto(body).rows[0]!.SpanAttributes).toEqual(want);
  });

  it('does not keep seeing a key through a request buffer that is reused', () => {
    const body = Buffer.from(
      handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A, attrs: [['abc.reuse', { s: 'v' }]] }]),
    );
    expect(decodeTracesProto(body).rows[0]!.SpanAttributes).toEqual({ 'abc.reuse': 'v' });
    body.write('xyz', body.indexOf('abc.reuse'));
    expect(decodeTracesProto(body).rows[0]!.SpanAttributes).toEqual({ 'xyz.reuse': 'v' });
  });

  it('takes the last of several oneof fields in an AnyValue, and the last of repeated keys', () => {
    const body = handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A }]);
    // build by hand: one AnyValue carrying string_value then int_value
    const req = message((w) =>
      sub(w, 1, (rs) =>
        sub(rs, 2, (ss) =>
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
            sub(s, 9, (kv) => {
              str(kv, 1, 'k');
              sub(kv, 2, (v) => {
                str(v, 1, 'first');
                v.uint32((3 << 3) | 0).int64(5);
              });
            });
            sub(s, 9, (kv) => writeKeyValue(kv, 'k2', { s: 'a' }));
            sub(s, 9, (kv) => writeKeyValue(kv, 'k2', { s: 'b' }));
          }),
        ),
      ),
    );
    expect(decodeTracesProto(req).rows[0]!.SpanAttributes).toEqual({ k: '5', k2: 'b' });
    expect(decodeTracesProto(body).rows[0]!.ServiceName).toBe('hand');
  });

  it('formats fixed64 times exactly over the whole uint64 range', () => {
    const values = uint64Samples();
    const spans: HandSpan[] = [];
    for (let i = 0; i + 1 < values.length; i += 2) {
      spans.push({
        traceId: TRACE_A,
        spanId: SPAN_A,
        start: values[i]!,
        end: values[i + 1]!,
        events: [{ time: values[i + 1]!, name: 'e' }],
      });
    }
    const { rows } = decodeTracesProto(handTraceRequest(spans));
    expect(rows).toHaveLength(spans.length);
    rows.forEach((r, i) => {
      const start = spans[i]!.start!;
      const end = spans[i]!.end!;
      expect(r.Timestamp).toBe(timeOf(start));
      expect(r['Events.Timestamp']).toEqual([timeOf(end)]);
      expect(r.Duration).toBe(end >= start ? String(end - start) : '0');
    });
    // 2^64 − 1 ns is past what DateTime64(9) holds
    expect(rows[4]!.Timestamp).toBe('9223372036.854775807');
  });

  it('maps span kinds and status codes, unknown values to empty', () => {
    const spans = [0, 1, 2, 3, 4, 5, 6].map((kind) => ({
      traceId: TRACE_A,
      spanId: SPAN_A,
      kind,
      statusCode: kind % 4,
    }));
    const { rows } = decodeTracesProto(handTraceRequest(spans));
    expect(rows.map((r) => r.SpanKind)).toEqual([
      'Unspecified',
      'Internal',
      'Server',
      'Client',
      'Producer',
      'Consumer',
      '',
    ]);
    expect(rows.map((r) => r.StatusCode)).toEqual(['Unset', 'Ok', 'Error', '', 'Unset', 'Ok', 'Error']);
  });

  it('refuses spans with bad ids, keeps the rest, and names each kind of refusal once, with its count', () => {
    const { rows, rejected, errors } = decodeTracesProto(handTraceRequest(spansWithBadIds()));
    expect(rows.map((r) => r.SpanName)).toEqual(['ok-1', 'zero-parent', 'ok-2', 'bad-links']);
    expect(rejected).toBe(7);
    expect(errors).toEqual([REJECT_TRACE, REJECT_SPAN, REJECT_PARENT]);
    // an all-zero parent is no parent
    expect(rows[1]!.ParentSpanId).toBe('');
    expect(rows[2]!.ParentSpanId).toBe('1112131415161718');
    // bad links are dropped, the good one kept
    expect(rows[3]).toMatchObject({
      'Links.TraceId': ['0102030405060708090a0b0c0d0e0f10'],
      'Links.SpanId': ['1112131415161718'],
      'Links.TraceState': [''],
      'Links.Attributes': [{ k: 'v' }],
      'Links.Flags': [0x301],
      'Links.DroppedAttributesCount': [0],
      DroppedLinksCount: 0,
    });
  });

  it('skips unknown fields of every wire type in every message', () => {
    const spans = [
      {
        traceId: TRACE_A,
        spanId: SPAN_A,
        attrs: ATTR_CASES.map(([k, v]): [string, AV | undefined] => [k, v]),
        events: [{ time: 5n, name: 'ev' }],
        links: [{ traceId: TRACE_A, spanId: SPAN_A, flags: 1 }],
        statusCode: 2,
      },
    ];
    const plain = decodeTracesProto(handTraceRequest(spans));
    const withUnknown = decodeTracesProto(handTraceRequest(spans, true));
    expect(withUnknown).toEqual(plain);
    expect(withUnknown.rows[0]!.SpanAttributes).toEqual(expectedAttrs());
  });

  it('skips unknown fields inside AnyValue, ArrayValue and KeyValueList', () => {
    const req = message((w) =>
      sub(w, 1, (rs) =>
        sub(rs, 2, (ss) =>
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
            sub(s, 9, (kv) => {
              str(kv, 1, 'list');
              sub(kv, 2, (v) => {
                unknownFields(v);
                sub(v, 5, (arr) => {
                  unknownFields(arr);
                  sub(arr, 1, (e) => {
                    unknownFields(e);
                    writeAnyValue(e, { i: 1n });
                  });
                  sub(arr, 1, (e) =>
                    sub(e, 6, (l) => {
                      unknownFields(l);
                      sub(l, 1, (x) => {
                        unknownFields(x);
                        writeKeyValue(x, 'a', { b: true });
                      });
                    }),
                  );
                });
              });
            });
          }),
        ),
      ),
    );
    expect(decodeTracesProto(req).rows[0]!.SpanAttributes).toEqual({ list: '[1,{"a":true}]' });
  });

  it('skips a known field sent with an unexpected wire type', () => {
    const req = message((w) =>
      sub(w, 1, (rs) =>
        sub(rs, 2, (ss) =>
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
            // name as a varint, kind as a string, start time as a varint
            varint(s, 5, 1);
            str(s, 6, 'SERVER');
            varint(s, 7, 9);
          }),
        ),
      ),
    );
    expect(decodeTracesProto(req).rows[0]).toMatchObject({
      SpanName: '',
      SpanKind: 'Unspecified',
      Timestamp: '0000000000.000000000',
    });
  });

  it('reads resource and scope fields written after the spans', () => {
    const req = message((w) =>
      sub(w, 1, (rs) => {
        sub(rs, 2, (ss) => {
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
          });
          str(ss, 3, 'scope-schema');
          sub(ss, 1, (sc) => str(sc, 1, 'late-scope'));
        });
        str(rs, 3, 'res-schema');
        sub(rs, 1, (res) => sub(res, 1, (kv) => writeKeyValue(kv, 'service.name', { s: 'late' })));
      }),
    );
    expect(decodeTracesProto(req).rows[0]).toMatchObject({
      ServiceName: 'late',
      ResourceSchemaUrl: 'res-schema',
      ScopeName: 'late-scope',
      ScopeSchemaUrl: 'scope-schema',
    });
  });

  it('decodes an empty body as an empty request', () => {
    const empty = { rows: [], rejected: 0, errors: [], refused: new Map(), corrected: new Map() };
    expect(decodeTracesProto(new Uint8Array())).toEqual(empty);
    expect(decodeLogsProto(new Uint8Array())).toEqual(empty);
  });
});

describe('malformed protobuf', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    good = ProtobufTraceSerializer.serializeRequest((await sdkSpans()).spans)!;
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['random garbage', () => new Uint8Array([0xff, 0xff, 0xff, 0xff]), /invalid protobuf ExportTraceServiceRequest/],
    ['a truncated body', () => good.subarray(0, good.length - 3), /invalid protobuf/],
    ['a varint that never ends', () => new Uint8Array([0x08, 0x80, 0x80]), /invalid protobuf/],
    ['wire type 7', () => new Uint8Array([0x0f, 0x00]), /wire type 7/],
    ['field number 0', () => new Uint8Array([0x00, 0x01]), /field number 0/],
    ['an unterminated group', () => new Uint8Array([0x0b, 0x08, 0x01]), /invalid protobuf/],
    ['JSON text', () => Buffer.from('{"resourceSpans":[{"scopeSpans":[]}]}'), /invalid protobuf/],
    [
      'a string overrunning its KeyValue',
      () =>
        message((w) =>
          sub(w, 1, (rs) =>
            sub(rs, 1, (res) =>
              sub(res, 1, (kv) => {
                // key claims 10 bytes, but the KeyValue ends after 2; the parent has plenty left
                kv.uint32((1 << 3) | 2).uint32(10);
                kv.uint32(0x20).uint32(0x20);
              }),
            ),
          ),
        ),
      /invalid protobuf/,
    ],
  ];

  for (const [what, body, message] of cases) {
    it(`throws BAD_OTLP on ${what}`, () => {
      let caught: unknown;
      try {
        decodeTracesProto(body());
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

  it('throws BAD_OTLP on AnyValues nested too deep', () => {
    const nest = (depth: number): AV => (depth === 0 ? { s: 'x' } : { arr: [nest(depth - 1)] });
    const ok = handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A, attrs: [['deep', nest(60)]] }]);
    expect(decodeTracesProto(ok).rows[0]!.SpanAttributes.deep).toBe(`${'['.repeat(60)}"x"${']'.repeat(60)}`);
    const deep = handTraceRequest([{ traceId: TRACE_A, spanId: SPAN_A, attrs: [['deep', nest(200)]] }]);
    expect(() => decodeTracesProto(deep)).toThrow(/nested deeper than 64/);
  });

  it('names the logs request in its message', () => {
    expect(() => decodeLogsProto(new Uint8Array([0xff, 0xff]))).toThrow(/invalid protobuf ExportLogsServiceRequest/);
  });
});

describe('decodeLogsProto', () => {
  let rows: LogRow[];
  beforeAll(async () => {
    const decoded = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(await sdkLogs())!);
    expect(decoded.rejected).toBe(0);
    rows = decoded.rows;
  });

  it('decodes every field of an SDK log record', () => {
    expect(rows[0]).toEqual({
      Timestamp: '1700000000.123456789',
      ObservedTimestamp: '1700000000.223456789',
      TraceId: SPAN_CONTEXT.traceId,
      SpanId: SPAN_CONTEXT.spanId,
      TraceFlags: 1,
      SeverityText: 'WARN',
      SeverityNumber: 13,
      ServiceName: 'orders-fn',
      Body: 'order 1 not found',
      ResourceSchemaUrl: RESOURCE_SCHEMA,
      ResourceAttributes: { 'service.name': 'orders-fn', 'cloud.region': 'eu-west-1' },
      ScopeSchemaUrl: SCOPE_SCHEMA,
      ScopeName: 'fntrace-logs',
      ScopeVersion: '2.0.0',
      ScopeAttributes: { 'scope.k': 'v' },
      LogAttributes: {
        'order.id': 'o-1',
        ok: 'false',
        count: '3',
        ratio: '0.25',
        big: '1152921504606846976',
        raw: 'AAH+/w==',
        list: '["x",1,true,2.5]',
        nested: '{"a":1,"b":["c",{"d":"e"}],"raw":"Bw=="}',
      },
      EventName: 'order.missing',
      DroppedAttributesCount: 0,
    } satisfies LogRow);
  });

  it('turns non-string bodies into their attribute string form', () => {
    expect(rows.slice(1, 5).map((r) => r.Body)).toEqual([
      '{"msg":"structured","n":2,"tags":["a","b"]}',
      '12345',
      'aGk=',
      '[1,"two",false]',
    ]);
    expect(rows[5]).toMatchObject({
      Body: '',
      SeverityNumber: 24,
      SeverityText: '',
      TraceId: '',
      SpanId: '',
      TraceFlags: 0,
      EventName: '',
    });
  });

  it('counts dropped attributes', () => {
    expect(rows[6]).toMatchObject({ Body: 'too many', DroppedAttributesCount: 2 });
    expect(Object.keys(rows[6]!.LogAttributes)).toHaveLength(10);
  });

  it('falls back to the observed time, keeps times exact, masks flags to the trace flags', () => {
    const { rows: hand } = decodeLogsProto(
      handLogsRequest([
        { observed: 1_700_000_000_000_000_007n, body: { s: 'no time' } },
        { time: 2n ** 64n - 1n, observed: 1n, flags: 0x1ff },
        {},
      ]),
    );
    expect(hand.map((r) => [r.Timestamp, r.ObservedTimestamp, r.TraceFlags])).toEqual([
      ['1700000000.000000007', '1700000000.000000007', 0],
      ['9223372036.854775807', '0000000000.000000001', 0xff],
      ['0000000000.000000000', '0000000000.000000000', 0],
    ]);
  });

  it('decodes every AnyValue type as a body', () => {
    const { rows: hand } = decodeLogsProto(
      handLogsRequest(ATTR_CASES.filter(([, v]) => v).map(([, v]) => ({ body: v }))),
    );
    expect(hand.map((r) => r.Body)).toEqual(ATTR_CASES.filter(([, v]) => v).map(([, , want]) => want));
  });

  it('refuses records whose ids have the wrong length, and treats empty or zero ids as absent', () => {
    const {
      rows: hand,
      rejected,
      errors,
    } = decodeLogsProto(
      handLogsRequest([
        { body: { s: 'ok' }, traceId: TRACE_A, spanId: SPAN_A },
        { body: { s: 'short trace' }, traceId: TRACE_A.subarray(2), spanId: SPAN_A },
        { body: { s: 'long span' }, traceId: TRACE_A, spanId: TRACE_A },
        { body: { s: 'no ids' } },
        { body: { s: 'zero ids' }, traceId: new Uint8Array(16), spanId: new Uint8Array(8) },
        { body: { s: 'short trace again' }, traceId: SPAN_A },
      ]),
    );
    expect(hand.map((r) => [r.Body, r.TraceId, r.SpanId])).toEqual([
      ['ok', '0102030405060708090a0b0c0d0e0f10', '1112131415161718'],
      ['no ids', '', ''],
      ['zero ids', '', ''],
    ]);
    expect(rejected).toBe(3);
    expect(errors).toEqual([
      '2 log records refused (invalid): trace_id must be empty or 16 bytes',
      '1 log record refused (invalid): span_id must be empty or 8 bytes',
    ]);
  });

  it('skips unknown fields', () => {
    const records = [{ time: 5n, body: { kv: [['a', { i: 1n }]] } as AV, traceId: TRACE_A, spanId: SPAN_A, flags: 1 }];
    expect(decodeLogsProto(handLogsRequest(records, true))).toEqual(decodeLogsProto(handLogsRequest(records)));
    expect(decodeLogsProto(handLogsRequest(records, true)).rows[0]!.Body).toBe('{"a":1}');
  });

  it('stores a severity number the UInt8 column cannot hold as 0', () => {
    const req = (n: number) =>
      message((w) =>
        sub(w, 1, (rl) =>
          sub(rl, 2, (sl) =>
            sub(sl, 2, (lr) => {
              lr.uint32((2 << 3) | 0).int32(n);
            }),
          ),
        ),
      );
    expect([24, 255, 256, -1].map((n) => decodeLogsProto(req(n)).rows[0]!.SeverityNumber)).toEqual([24, 255, 0, 0]);
  });

  it('reads the event name and severity text', () => {
    const req = message((w) =>
      sub(w, 1, (rl) =>
        sub(rl, 2, (sl) =>
          sub(sl, 2, (lr) => {
            fixed64(lr, 1, 10n);
            varint(lr, 2, 17);
            str(lr, 3, 'ERROR');
            str(lr, 12, 'payment.failed');
            varint(lr, 7, 4);
          }),
        ),
      ),
    );
    expect(decodeLogsProto(req).rows[0]).toMatchObject({
      Timestamp: '0000000000.000000010',
      SeverityNumber: 17,
      SeverityText: 'ERROR',
      EventName: 'payment.failed',
      DroppedAttributesCount: 4,
      ServiceName: '',
      ScopeName: '',
    });
  });
});
