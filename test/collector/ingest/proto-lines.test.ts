import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeWindow } from '../../../collector/src/ingest/item-rules.js';
import { decodeLogsProto, decodeTracesProto } from '../../../collector/src/ingest/otlp-proto.js';
import { logsProtoToLines, type SpoolLines, tracesProtoToLines } from '../../../collector/src/ingest/proto-lines.js';
import { rowsToJsonLines } from '../../../collector/src/ingest/row-json.js';
import { LOG_COLUMNS, SPAN_COLUMNS } from '../../../collector/src/store/columns.js';
// the ingest bench's spans: serverless traces with 20 attributes, as the OTel JS exporter encodes them
import { encodeRequest, windowStartNs } from '../../bench/lib/ingest-spans.mjs';
import { engineReader } from '../fixtures/engine-rows.js';
import {
  ATTR_CASES,
  type AV,
  bytes,
  fixed64,
  type HandLog,
  type HandSpan,
  handLogsRequest,
  handTraceRequest,
  message,
  SPAN_A,
  sdkLogs,
  sdkSpans,
  spansWithBadIds,
  str,
  sub,
  TRACE_A,
  uint64Samples,
  varint,
  writeKeyValue,
} from '../fixtures/otlp.js';
import {
  FOREVER,
  KEPT_LOGS,
  KEPT_SPANS,
  LOG_MESSAGES,
  NOW_MS,
  SPAN_MESSAGES,
  TIME_LOGS,
  TIME_SPANS,
  WINDOW,
} from '../fixtures/time-rules.js';

// The two sinks of the one protobuf walk (otlp-walk.ts) must agree: the spool writer
// (protobuf → spool bytes) must give the rows the row sink gives
// (decodeTracesProto / decodeLogsProto + rowsToJsonLines), refuse the same spans, and fail the same way.

/** Rows of spool text as objects, with fields holding their column's default left out. */
function rowsOf(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      for (const [k, v] of Object.entries(row)) {
        const empty =
          v === '' ||
          v === 0 ||
          (Array.isArray(v) && v.length === 0) ||
          (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
        if (empty) delete row[k];
      }
      return row;
    });
}

/** A signal's row decoder and its direct writer. */
interface Pair {
  rows(body: Uint8Array, window?: TimeWindow): { rows: object[]; rejected: number; errors: string[] };
  lines(body: Buffer, window?: TimeWindow): SpoolLines;
}
const TRACES: Pair = { rows: decodeTracesProto, lines: tracesProtoToLines };
const LOGS: Pair = { rows: decodeLogsProto, lines: logsProtoToLines };

/** What the row decoder makes of a body: its rows as the direct writer would be read, or its error. */
function oracle(body: Uint8Array, pair: Pair, window?: TimeWindow) {
  try {
    const d = pair.rows(body, window);
    return { rows: rowsOf(rowsToJsonLines(d.rows)), rejected: d.rejected, errors: d.errors };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function direct(body: Uint8Array, pair: Pair = TRACES, window?: TimeWindow) {
  try {
    const lines = pair.lines(Buffer.from(body.buffer, body.byteOffset, body.byteLength), window);
    expect(lines.rows).toBe(rowsOf(lines.text.toString('utf8')).length);
    return {
      result: { rows: rowsOf(lines.text.toString('utf8')), rejected: lines.rejected, errors: lines.errors },
      path: lines.path,
    };
  } catch (err) {
    return { result: { error: (err as Error).message }, path: 'threw' };
  }
}

/** Asserts both paths agree on `body` (under `window`'s time rules) and returns the path the direct writer took. */
function agree(body: Uint8Array, pair: Pair = TRACES, window?: TimeWindow): string {
  const want = oracle(body, pair, window);
  const got = direct(body, pair, window);
  expect(got.result).toEqual(want);
  return got.path;
}

/** Random corruptions (1–3 bytes overwritten, a quarter of them also truncated) of `bodies`: the paths each took. */
function corruptions(bodies: Uint8Array[], pair: Pair, count: number, window?: TimeWindow): Map<string, number> {
  let rand = 12345;
  const next = () => {
    rand = (Math.imul(rand, 1103515245) + 12345) >>> 0;
    return rand;
  };
  const paths = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const body = Buffer.from(bodies[i % bodies.length]!);
    const edits = 1 + (next() % 3);
    for (let j = 0; j < edits; j++) body[next() % body.length] = next() & 0xff;
    const cut = i % 4 === 0 ? body.subarray(0, next() % body.length) : body;
    const path = agree(cut, pair, window);
    paths.set(path, (paths.get(path) ?? 0) + 1);
  }
  return paths;
}

const ok = { traceId: TRACE_A, spanId: SPAN_A };

describe('tracesProtoToLines', () => {
  let sdkBody: Uint8Array;
  beforeAll(async () => {
    sdkBody = ProtobufTraceSerializer.serializeRequest((await sdkSpans()).spans)!;
  });

  it('writes SDK spans (events, links, remote parents, every attribute type) directly, as the row decoder reads them', () => {
    expect(agree(sdkBody)).toBe('direct');
    expect(direct(sdkBody).result.rows!.length).toBeGreaterThan(2);
  });

  it('writes the ingest bench spans directly', () => {
    for (const k of [0, 1, 7]) {
      const body = encodeRequest(k, { spansPerRequest: 200, baseNs: windowStartNs() });
      expect(agree(body)).toBe('direct');
      const { rows } = direct(body).result;
      expect(rows).toHaveLength(200);
      expect(Object.keys(rows![0]!.SpanAttributes as object).length).toBeGreaterThanOrEqual(20);
    }
  });

  it('writes every AnyValue type and key form directly', () => {
    const body = handTraceRequest([{ ...ok, attrs: ATTR_CASES.map(([k, v]): [string, AV | undefined] => [k, v]) }]);
    expect(agree(body)).toBe('direct');
    const attrs = direct(body).result.rows![0]!.SpanAttributes as Record<string, string>;
    for (const [key, , want] of ATTR_CASES) expect([key, attrs[key]]).toEqual([key, want]);
  });

  it('escapes strings and keeps non-ASCII text, control characters and bytes that are not UTF-8', () => {
    const names = ['plain', 'quote " and \\ backslash', 'tab\tnew\nline\u0001', 'ünïcødé ✓ 🚀', '\u2028\u2029', ''];
    const body = handTraceRequest(
      names.map((name, i) => ({ ...ok, name, attrs: [[`k${i}`, { s: name }]] as [string, AV][] })),
    );
    expect(agree(body)).toBe('direct');
    expect(direct(body).result.rows!.map((r) => r.SpanName ?? '')).toEqual(names);
    // a string value with bytes that are not UTF-8 reads as U+FFFD, as the row decoder has it
    const broken = message((w) =>
      sub(w, 1, (rs) =>
        sub(rs, 2, (ss) =>
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
            bytes(s, 5, new Uint8Array([0x61, 0xff, 0xc3]));
            sub(s, 9, (kv) => {
              str(kv, 1, 'bad');
              sub(kv, 2, (v) => bytes(v, 1, new Uint8Array([0xe2, 0x28, 0xa1])));
            });
          }),
        ),
      ),
    );
    expect(agree(broken)).toBe('direct');
    expect(direct(broken).result.rows![0]).toMatchObject({ SpanName: 'a\ufffd\ufffd' });
    // escapes that make the text more than twice the request's size: the output buffer grows
    const quotes: [string, AV][] = Array.from({ length: 400 }, (_, i) => [`q${i}`, { s: '"\u0001'.repeat(50) }]);
    const big = handTraceRequest([{ ...ok, attrs: quotes }]);
    expect(agree(big)).toBe('direct');
    expect(tracesProtoToLines(Buffer.from(big)).text.length).toBeGreaterThan(big.length * 2 + 4096);
  });

  it('drops unusable links directly, and refuses the same spans with the same messages', () => {
    const links = handTraceRequest([
      { ...ok, name: 'all-links-bad', links: [{ traceId: TRACE_A.subarray(1), spanId: SPAN_A }] },
      { ...ok, name: 'some-links-bad', links: [{ spanId: SPAN_A }, { ...ok, flags: 0x301 }] },
    ]);
    expect(agree(links)).toBe('direct');
    expect(direct(links).result.rows![1]).toMatchObject({ 'Links.Flags': [0x301] });
    const body = handTraceRequest(spansWithBadIds());
    // refused spans are judged by the one walk: the kept ones are still written directly
    expect(agree(body)).toBe('direct');
    const { result } = direct(body);
    expect(result.rows!.map((r) => r.SpanName)).toEqual(['ok-1', 'zero-parent', 'ok-2', 'bad-links']);
    expect(result.rejected).toBe(7);
    expect(result.rows![3]).toMatchObject({ 'Links.Flags': [0x301], 'Links.Attributes': [{ k: 'v' }] });
  });

  it('formats times and durations exactly over the whole uint64 range, kinds and status codes', () => {
    const values = uint64Samples();
    const spans: HandSpan[] = [];
    for (let i = 0; i + 1 < values.length; i += 2) {
      spans.push({ ...ok, start: values[i]!, end: values[i + 1]!, kind: i % 8, statusCode: i % 5 });
    }
    expect(agree(handTraceRequest(spans))).toBe('direct');
  });

  it('skips unknown fields, and reads resource and scope fields written after the spans', () => {
    const spans: HandSpan[] = [
      { ...ok, attrs: [['a', { s: 'b' }]], events: [{ time: 5n, name: 'ev' }], links: [{ ...ok, flags: 1 }] },
    ];
    // unknownFields includes a group: the walk skips it whole, as protobuf does
    expect(agree(handTraceRequest(spans, true))).toBe('direct');
    const late = message((w) =>
      sub(w, 1, (rs) => {
        sub(rs, 2, (ss) => {
          sub(ss, 2, (s) => {
            bytes(s, 1, TRACE_A);
            bytes(s, 2, SPAN_A);
            s.uint32((905 << 3) | 0).uint32(3);
            s.uint32((906 << 3) | 2).bytes(new Uint8Array([1, 2]));
            // a known field with an unexpected wire type is skipped
            s.uint32((5 << 3) | 0).uint32(1);
          });
          str(ss, 3, 'scope-schema');
          sub(ss, 1, (sc) => str(sc, 1, 'late-scope'));
        });
        str(rs, 3, 'res-schema');
        sub(rs, 1, (res) => sub(res, 1, (kv) => writeKeyValue(kv, 'service.name', { s: 'late' })));
      }),
    );
    expect(agree(late)).toBe('direct');
    expect(direct(late).result.rows![0]).toMatchObject({ ServiceName: 'late', ScopeName: 'late-scope' });
  });

  it('leaves repeated keys, keys that need escapes or are not ASCII, and huge attribute lists to the row decoder, which keeps the last value', () => {
    const dup = handTraceRequest([
      {
        ...ok,
        attrs: [
          ['k', { s: 'a' }],
          ['x', { s: 'x' }],
          ['k', { s: 'b' }],
        ],
      },
    ]);
    expect(agree(dup)).toBe('rows');
    expect(direct(dup).result.rows![0]!.SpanAttributes).toEqual({ k: 'b', x: 'x' });
    expect(agree(handTraceRequest([{ ...ok, attrs: [['ключ', { s: 'v' }]] }]))).toBe('rows');
    expect(agree(handTraceRequest([{ ...ok, attrs: [['quo"te\n', { s: 'v' }]] }]))).toBe('rows');
    const many: [string, AV][] = [];
    for (let i = 0; i < 3000; i++) many.push([`key.${i}`, { i: BigInt(i) }]);
    expect(agree(handTraceRequest([{ ...ok, attrs: many }]))).toBe('rows');
    // distinct keys, many of them: still direct
    expect(agree(handTraceRequest([{ ...ok, attrs: many.slice(0, 1500) }]))).toBe('direct');
  });

  it('leaves lengths the reader refuses, and KeyValues with several values, to the row decoder', () => {
    // a length-delimited field, its length written as `lengthBytes` when given
    const field = (n: number, payload: Buffer, lengthBytes?: number[]) =>
      Buffer.concat([Buffer.from([(n << 3) | 2]), Buffer.from(lengthBytes ?? [payload.length]), payload]);
    const request = (spanFields: Buffer) => field(1, field(2, field(2, spanFields)));
    const ids = Buffer.concat([field(1, Buffer.from(TRACE_A)), field(2, Buffer.from(SPAN_A))]);
    const name = Buffer.from('abcde');
    expect(agree(request(Buffer.concat([ids, field(5, name)])))).toBe('direct');
    // five bytes for a small length is legal, and read directly
    expect(agree(request(Buffer.concat([ids, field(5, name, [0x85, 0x80, 0x80, 0x80, 0x00])])))).toBe('direct');
    // …but not when its last byte carries bits past 2^31 (the low 32 bits alone would read 5)
    expect(agree(request(Buffer.concat([ids, field(5, name, [0x85, 0x80, 0x80, 0x80, 0x10])])))).toBe('threw');
    // a KeyValue with two values, the first malformed (field number 0): the request fails as the row decoder says
    const bad = Buffer.from([0x00, 0x01]);
    const good = field(1, Buffer.from('v'));
    const kv = (values: Buffer[]) =>
      field(9, Buffer.concat([field(1, Buffer.from('k')), ...values.map((v) => field(2, v))]));
    expect(agree(request(Buffer.concat([ids, kv([good])])))).toBe('direct');
    expect(agree(request(Buffer.concat([ids, kv([bad, good])])))).toBe('threw');
    expect(agree(request(Buffer.concat([ids, kv([good, good])])))).toBe('rows');
  });

  it('agrees with the row decoder on truncated and corrupted requests, row for row or error for error', () => {
    const paths = corruptions(
      [sdkBody, encodeRequest(3, { spansPerRequest: 5, baseNs: windowStartNs() })],
      TRACES,
      1500,
    );
    // the corpus reaches both the direct writer and the fallbacks
    expect(paths.get('direct')).toBeGreaterThan(100);
    expect((paths.get('rows') ?? 0) + (paths.get('threw') ?? 0)).toBeGreaterThan(100);
  });
});

describe('logsProtoToLines', () => {
  let sdkBody: Uint8Array;
  beforeAll(async () => {
    sdkBody = ProtobufLogsSerializer.serializeRequest(await sdkLogs())!;
  });
  const withIds = { traceId: TRACE_A, spanId: SPAN_A };

  it('writes SDK log records directly, as the row decoder reads them', () => {
    expect(agree(sdkBody, LOGS)).toBe('direct');
    expect(direct(sdkBody, LOGS).result.rows!.length).toBeGreaterThan(1);
  });

  it('writes every AnyValue type as a body, and times, flags and ids, directly', () => {
    const records: HandLog[] = [
      ...ATTR_CASES.filter(([, v]) => v).map(([, v]) => ({ body: v, ...withIds })),
      { observed: 1_700_000_000_000_000_007n, body: { s: 'no time' } },
      { time: 2n ** 64n - 1n, observed: 1n, flags: 0x1ff },
      { body: { s: 'zero ids' }, traceId: new Uint8Array(16), spanId: new Uint8Array(8) },
      { body: { s: 'quote " tab \t ünï' } },
      {},
    ];
    expect(agree(handLogsRequest(records), LOGS)).toBe('direct');
    const { rows } = direct(handLogsRequest(records), LOGS).result;
    expect(rows!.map((r) => r.Body ?? '')).toEqual([
      ...ATTR_CASES.filter(([, v]) => v).map(([, , want]) => want),
      'no time',
      '',
      'zero ids',
      'quote " tab \t ünï',
      '',
    ]);
  });

  it('writes severity, event name, dropped counts and attributes directly; repeated keys take the row sink, refused ids are counted by the walk', () => {
    const record = (severity: number, attrs: [string, AV][]) =>
      message((w) =>
        sub(w, 1, (rl) =>
          sub(rl, 2, (sl) =>
            sub(sl, 2, (lr) => {
              fixed64(lr, 1, 10n);
              varint(lr, 2, severity);
              str(lr, 3, 'ERROR');
              str(lr, 12, 'payment.failed');
              varint(lr, 7, 4);
              for (const [k, v] of attrs) sub(lr, 6, (kv) => writeKeyValue(kv, k, v));
            }),
          ),
        ),
      );
    for (const n of [0, 24, 255, 256, -1])
      expect(
        agree(
          record(n, [
            ['a', { s: 'b' }],
            ['n', { i: 3n }],
          ]),
          LOGS,
        ),
      ).toBe('direct');
    expect(direct(record(17, [['a', { s: 'b' }]]), LOGS).result.rows![0]).toMatchObject({
      SeverityNumber: 17,
      SeverityText: 'ERROR',
      EventName: 'payment.failed',
      DroppedAttributesCount: 4,
      LogAttributes: { a: 'b' },
    });
    expect(
      agree(
        record(9, [
          ['a', { s: 'b' }],
          ['a', { s: 'c' }],
        ]),
        LOGS,
      ),
    ).toBe('rows');
    const refused = handLogsRequest([
      { body: { s: 'ok' }, ...withIds },
      { body: { s: 'short trace' }, traceId: TRACE_A.subarray(2), spanId: SPAN_A },
      { body: { s: 'long span' }, traceId: TRACE_A, spanId: TRACE_A },
    ]);
    expect(agree(refused, LOGS)).toBe('direct');
    expect(direct(refused, LOGS).result.rejected).toBe(2);
    // two bodies, the first malformed: the row decoder reads both and fails the request
    const twoBodies = message((w) =>
      sub(w, 1, (rl) =>
        sub(rl, 2, (sl) =>
          sub(sl, 2, (lr) => {
            lr.uint32((5 << 3) | 2).bytes(new Uint8Array([0x00, 0x01]));
            sub(lr, 5, (b) => str(b, 1, 'second'));
          }),
        ),
      ),
    );
    expect(agree(twoBodies, LOGS)).toBe('threw');
  });

  it('agrees with the row decoder on truncated and corrupted requests', () => {
    const hand = handLogsRequest(ATTR_CASES.filter(([, v]) => v).map(([, v]) => ({ body: v, ...withIds })));
    const paths = corruptions([sdkBody, hand], LOGS, 1500);
    expect(paths.get('direct')).toBeGreaterThan(100);
    expect((paths.get('rows') ?? 0) + (paths.get('threw') ?? 0)).toBeGreaterThan(100);
  });
});

describe('the time rules, the same on both paths (item-rules.ts)', () => {
  const spans = TIME_SPANS.filter((sp) => sp.name !== 'bad-id-and-old');
  const byName = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [r.SpanName as string, r]));

  it('refuse spans the store cannot keep and correct one that ends before it starts, directly', () => {
    const body = handTraceRequest(spans);
    expect(agree(body, TRACES, WINDOW)).toBe('direct');
    const { result } = direct(body, TRACES, WINDOW);
    expect(result.rows!.map((r) => r.SpanName)).toEqual(KEPT_SPANS);
    expect(result.rejected).toBe(spans.length - KEPT_SPANS.length);
    expect(result.errors).toEqual(SPAN_MESSAGES.filter((m) => !m.includes('(invalid)')));
    const rows = byName(result.rows!);
    const start = BigInt(NOW_MS) * 1_000_000n - 60_000_000_000n;
    expect(rows.get('backwards')).toMatchObject({
      Duration: '0',
      SpanAttributes: {
        'http.route': '/a',
        'fntrace.corrected': 'end_before_start',
        'fntrace.original_end_time_unix_nano': String(start - 60_000_000_000n),
      },
    });
    expect(rows.get('backwards-no-attrs')!.SpanAttributes).toEqual({
      'fntrace.corrected': 'end_before_start',
      'fntrace.original_end_time_unix_nano': String(start - 1n),
    });
    // a span that is kept is written as without the rules
    expect(rows.get('kept')).toEqual(direct(handTraceRequest([spans[0]!])).result.rows![0]);
  });

  it('count a span with bad ids under the ids rule, in the one walk', () => {
    const body = handTraceRequest(TIME_SPANS);
    expect(agree(body, TRACES, WINDOW)).toBe('direct');
    expect(direct(body, TRACES, WINDOW).result.errors).toEqual(SPAN_MESSAGES);
  });

  it('keep old spans when retention is forever', () => {
    const body = handTraceRequest(spans);
    expect(agree(body, TRACES, FOREVER)).toBe('direct');
    expect(direct(body, TRACES, FOREVER).result.rows!.map((r) => r.SpanName)).toEqual([
      'kept',
      'kept-at-latest',
      'old',
      'kept-at-oldest',
      'otel-example-2018',
      'backwards',
      'backwards-no-attrs',
    ]);
  });

  it('leave a corrected span that already has a correction attribute to the row decoder, whose value wins', () => {
    const backwards = spans.find((sp) => sp.name === 'backwards')!;
    const body = handTraceRequest([{ ...backwards, attrs: [['fntrace.corrected', { s: 'by-the-client' }]] }]);
    expect(agree(body, TRACES, WINDOW)).toBe('rows');
    expect(direct(body, TRACES, WINDOW).result.rows![0]!.SpanAttributes).toMatchObject({
      'fntrace.corrected': 'end_before_start',
    });
    // the same key on a span that needs no correction is the client's, written directly
    const kept = handTraceRequest([{ ...spans[0]!, attrs: [['fntrace.corrected', { s: 'by-the-client' }]] }]);
    expect(agree(kept, TRACES, WINDOW)).toBe('direct');
  });

  it('fail a request whose refused span is malformed, as the row decoder does', () => {
    const refused = spans.find((sp) => sp.name === 'old')!;
    const body = message((w) =>
      sub(w, 1, (rs) =>
        sub(rs, 2, (ss) =>
          sub(ss, 2, (sp) => {
            bytes(sp, 1, TRACE_A);
            bytes(sp, 2, SPAN_A);
            fixed64(sp, 7, refused.start!);
            fixed64(sp, 8, refused.end!);
            // an attribute whose AnyValue has field number 0
            sub(sp, 9, (kv) => {
              str(kv, 1, 'k');
              kv.uint32((2 << 3) | 2).bytes(new Uint8Array([0x00, 0x01]));
            });
          }),
        ),
      ),
    );
    expect(agree(body, TRACES, WINDOW)).toBe('threw');
  });

  it('refuse log records by their time, or their observed time when the time is 0, directly', () => {
    const body = handLogsRequest(TIME_LOGS);
    expect(agree(body, LOGS, WINDOW)).toBe('direct');
    const { result } = direct(body, LOGS, WINDOW);
    expect(result.rows!.map((r) => r.Body)).toEqual(KEPT_LOGS);
    expect(result.rejected).toBe(TIME_LOGS.length - KEPT_LOGS.length);
    expect(result.errors).toEqual(LOG_MESSAGES);
    const observedOnly = result.rows!.find((r) => r.Body === 'kept-observed-only')!;
    expect(observedOnly.Timestamp).toBe(observedOnly.ObservedTimestamp);
  });

  it('agree on corrupted requests under the rules, row for row or error for error', () => {
    const traces = corruptions([handTraceRequest(spans), handTraceRequest(TIME_SPANS)], TRACES, 800, WINDOW);
    expect(traces.get('direct')).toBeGreaterThan(100);
    const logs = corruptions([handLogsRequest(TIME_LOGS)], LOGS, 800, WINDOW);
    expect(logs.get('direct')).toBeGreaterThan(100);
  });
});

describe('spool lines read by the engine', () => {
  const engine = engineReader('fntrace-protolines-');
  afterAll(() => engine.close());
  const parsed = engine.rows;

  it('gives the same span rows as the row decoder', async () => {
    const bodies = [
      ProtobufTraceSerializer.serializeRequest((await sdkSpans()).spans)!,
      encodeRequest(2, { spansPerRequest: 50, baseNs: windowStartNs() }),
      handTraceRequest([
        { ...ok, name: 'attrs', attrs: ATTR_CASES.map(([k, v]): [string, AV | undefined] => [k, v]) },
        { ...ok, name: 'far future', start: 2n ** 64n - 1n, end: 2n ** 63n, kind: 9, statusCode: 7 },
      ]),
    ];
    for (const body of bodies) {
      const lines = tracesProtoToLines(Buffer.from(body));
      expect(lines.path).toBe('direct');
      const want = await parsed(rowsToJsonLines(decodeTracesProto(body).rows), SPAN_COLUMNS);
      expect(want.length).toBeGreaterThan(1);
      expect(await parsed(lines.text.toString('utf8'), SPAN_COLUMNS)).toEqual(want);
    }
    // under the time rules, corrected spans included
    const body = handTraceRequest(TIME_SPANS.filter((sp) => sp.name !== 'bad-id-and-old'));
    const lines = tracesProtoToLines(Buffer.from(body), WINDOW);
    expect(lines.path).toBe('direct');
    const want = (await parsed(rowsToJsonLines(decodeTracesProto(body, WINDOW).rows), SPAN_COLUMNS)) as Record<
      string,
      any
    >[];
    expect(want.map((r) => r.SpanName)).toEqual(KEPT_SPANS);
    expect(want.find((r) => r.SpanName === 'backwards')!.SpanAttributes['fntrace.corrected']).toBe('end_before_start');
    expect(await parsed(lines.text.toString('utf8'), SPAN_COLUMNS)).toEqual(want);
  });

  it('gives the same log rows as the row decoder', async () => {
    const bodies = [
      ProtobufLogsSerializer.serializeRequest(await sdkLogs())!,
      handLogsRequest([
        ...ATTR_CASES.filter(([, v]) => v).map(([, v]) => ({ body: v, traceId: TRACE_A, spanId: SPAN_A })),
        { time: 2n ** 64n - 1n, observed: 1n, flags: 0x1ff },
      ]),
    ];
    for (const body of bodies) {
      const lines = logsProtoToLines(Buffer.from(body));
      expect(lines.path).toBe('direct');
      const want = await parsed(rowsToJsonLines(decodeLogsProto(body).rows), LOG_COLUMNS);
      expect(want.length).toBeGreaterThan(1);
      expect(await parsed(lines.text.toString('utf8'), LOG_COLUMNS)).toEqual(want);
    }
  });
});
