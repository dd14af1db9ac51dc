// Hostile OTLP request bodies for the fuzz soak, made by fast-check arbitraries (seeded, so a
// run is reproducible): traces and logs requests with hostile values — ids of every wrong
// length, timestamps the store cannot hold or retention would drop, huge and deeply nested
// attributes, lone surrogates and bytes that are not UTF-8, out-of-range enums — encoded as
// OTLP/protobuf (protobufjs, from the OTLP .proto files) or OTLP/JSON, then, for a share of
// them, given wrong JSON types, mutated byte-wise (bits flipped, bytes overwritten, inserted,
// deleted, repeated, truncated, a length made huge), gzip- or deflate-compressed (or said to
// be and not), or sent with a wrong content type. What each case is stays in `case.kind`.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import protobuf from 'protobufjs';

const HERE = dirname(fileURLToPath(import.meta.url));
// protoc's default nesting limit (100) would refuse to encode the deeply nested values we send
protobuf.util.recursionLimit = 100_000;
const root = new protobuf.Root();
protobuf.parse(readFileSync(join(HERE, '../../bench/lib/otlp-trace.proto'), 'utf8'), root, { keepCase: false });
protobuf.parse(readFileSync(join(HERE, 'otlp-logs.proto'), 'utf8'), root, { keepCase: false });
const TracesRequest = root.lookupType('bench.otlp.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('bench.otlp.ExportLogsServiceRequest');

// ——— values ———

// An ASCII marker put in strings, replaced in the encoded body by as many bytes that are not
// UTF-8 (a lone continuation byte, an overlong form, a UTF-16 surrogate encoded, 0xff).
const NOT_UTF8_MARK = '\u0001NOTUTF8\u0002';
const NOT_UTF8 = Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0xfe, 0xc3]);

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const SEC = 1_000_000_000n;
const HOSTILE_TIMES = [
  0n,
  1n,
  -1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  2n ** 64n,
  4_294_967_295n * SEC, // the last second a DateTime holds (2106-02-07T06:28:15Z)
  4_294_967_296n * SEC,
  1_544_712_660_000_000_000n, // the OpenTelemetry project's example payload, 2018
  NOW_NS + 3600n * SEC,
  NOW_NS + 10n * 365n * 86_400n * SEC,
  NOW_NS - 31n * 86_400n * SEC,
  BigInt(Date.now()), // milliseconds sent as nanoseconds: 1970
  NOW_NS * 1000n,
];
const recentTime = fc.bigInt({ min: NOW_NS - 3600n * SEC, max: NOW_NS - SEC });
const time = fc.oneof(
  { weight: 5, arbitrary: recentTime },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TIMES) },
);

const hexOf = (bytes) => Buffer.from(bytes).toString('hex');
const idOf = (bytes) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.uint8Array({ minLength: bytes, maxLength: bytes }).map(hexOf) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '0'.repeat(bytes * 2), 'zz'.repeat(bytes), 'ABC', 'F'.repeat(bytes * 2)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map(hexOf) },
  );

const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '\ud800',
      'a\udfffb',
      '\u0000',
      NOT_UTF8_MARK,
      `x${NOT_UTF8_MARK}y`,
      '\\',
      '"',
      '\u2028',
    ),
  },
);

// keys the collector treats specially (materialized columns, invocations, cost)
const HOT_KEYS = [
  'service.name',
  'faas.name',
  'faas.coldstart',
  'faas.invocation_id',
  'faas.trigger',
  'faas.max_memory',
  'fntrace.init_duration_ms',
  'fntrace.timeout',
  'messaging.message.id',
  'cloud.provider',
  'host.arch',
  'http.route',
  'http.response.status_code',
  'error.type',
  'correlation_id',
];
const key = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...HOT_KEYS) }, { weight: 3, arbitrary: text });

const scalar = fc.oneof(
  { weight: 4, arbitrary: text.map((v) => ({ t: 's', v })) },
  fc.boolean().map((v) => ({ t: 'b', v })),
  fc
    .oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)),
    )
    .map((v) => ({ t: 'i', v })),
  fc.double().map((v) => ({ t: 'd', v })),
  fc.uint8Array({ maxLength: 16 }).map((v) => ({ t: 'y', v })),
  fc.constant({ t: 'empty' }),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map((v) => ({ t: 'a', v })),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((v) => ({ t: 'k', v })),
  ),
}));
const attributes = fc.array(fc.tuple(key, anyValue), { maxLength: 10 });

/**
 * An AnyValue nested `depth` levels deep (kvlists and arrays in turn). Deeper than JSON.stringify
 * can go, OTLP/JSON gets it as text (`deep` is written in by `deepJson`).
 */
function nested(depth, json) {
  if (json && depth > 100) return { t: 'deep', depth };
  let v = { t: 's', v: 'bottom' };
  for (let i = 0; i < depth; i++) v = i % 2 ? { t: 'a', v: [v] } : { t: 'k', v: [['n', v]] };
  return v;
}

const deepToken = (depth) => `"__deep_${depth}__"`;
/** The OTLP/JSON text of nested(depth). */
function deepJson(depth) {
  const open = [];
  const close = [];
  for (let i = depth - 1; i >= 0; i--) {
    open.push(i % 2 ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"n","value":');
    close.push(i % 2 ? ']}}' : '}]}}');
  }
  return `${open.join('')}{"stringValue":"bottom"}${close.reverse().join('')}`;
}

// ——— requests ———

const span = fc.record({
  traceId: idOf(16),
  spanId: idOf(8),
  parentSpanId: fc.oneof(fc.constant(''), idOf(8)),
  traceState: fc.oneof(fc.constant(''), text),
  flags: fc.oneof(fc.constant(0), fc.nat()),
  name: text,
  kind: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer()),
  start: time,
  end: time,
  attributes,
  events: fc.array(fc.record({ time, name: text, attributes }), { maxLength: 3 }),
  links: fc.array(fc.record({ traceId: idOf(16), spanId: idOf(8), traceState: text, attributes }), { maxLength: 2 }),
  status: fc.record({ code: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer()), message: text }),
  droppedAttributesCount: fc.nat(),
});
const logRecord = fc.record({
  time,
  observed: time,
  severityNumber: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.integer()),
  severityText: text,
  body: anyValue,
  attributes,
  traceId: fc.oneof(fc.constant(''), idOf(16)),
  spanId: fc.oneof(fc.constant(''), idOf(8)),
  flags: fc.nat(),
  eventName: text,
});
const scope = fc.record({ name: text, version: text, attributes });
const resource = (items) =>
  fc.record({
    attributes: fc
      .tuple(text, attributes)
      .map(([service, rest]) => [['service.name', { t: 's', v: service }], ...rest]),
    scopes: fc.array(fc.record({ scope, items: fc.array(items, { minLength: 1, maxLength: 6 }) }), {
      minLength: 1,
      maxLength: 2,
    }),
  });
const request = (items) => fc.array(resource(items), { minLength: 1, maxLength: 2 });

// what makes a request big or deep, added to its first item
const EXTRA = fc.oneof(
  { weight: 200, arbitrary: fc.constant({ t: 'none' }) },
  { weight: 2, arbitrary: fc.integer({ min: 50, max: 80 }).map((depth) => ({ t: 'deep', depth })) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 1500 }).map((depth) => ({ t: 'deep', depth })) },
  { weight: 1, arbitrary: fc.integer({ min: 100_000, max: 1_000_000 }).map((bytes) => ({ t: 'huge', bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map((n) => ({ t: 'manyAttributes', n })) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 2000 }).map((n) => ({ t: 'manyItems', n })) },
);

const MUTATION = fc.record({
  op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'repeat', 'hugeLength'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 64 }),
  byte: fc.nat(255),
});
const TRANSPORT = fc.record({
  encoding: fc.constantFrom(
    ...Array(12).fill('identity'),
    ...Array(5).fill('gzip'),
    'gzip-corrupt',
    'gzip-claimed',
    'deflate',
    'br',
  ),
  contentType: fc.constantFrom(...Array(16).fill('right'), 'swapped', 'text/plain', 'none', 'with-charset'),
});

/** One fuzz case's recipe: everything about it is chosen here, by fast-check. */
export const fuzzCase = fc
  .oneof(
    { weight: 7, arbitrary: fc.record({ signal: fc.constant('traces'), resources: request(span) }) },
    { weight: 3, arbitrary: fc.record({ signal: fc.constant('logs'), resources: request(logRecord) }) },
  )
  .chain((req) =>
    fc.record({
      req: fc.constant(req),
      format: fc.constantFrom('protobuf', 'protobuf', 'json', 'json', 'json-numbers'),
      extra: EXTRA,
      wrongTypes: fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.record({ at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }), {
            minLength: 1,
            maxLength: 3,
          }),
        },
      ),
      mutations: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 2, arbitrary: fc.array(MUTATION, { minLength: 1, maxLength: 4 }) },
      ),
      transport: TRANSPORT,
    }),
  );

// ——— encoding ———

const long = (v) => {
  const u = BigInt.asUintN(64, v);
  return { low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0, unsigned: true };
};
const int32 = (n) => n | 0;
const uint32 = (n) => n >>> 0;
const idBytes = (hex) => Buffer.from(hex, 'hex');

function protoValue(a) {
  switch (a.t) {
    case 's':
      return { stringValue: a.v };
    case 'b':
      return { boolValue: a.v };
    case 'i':
      return { intValue: { ...long(a.v), unsigned: false } };
    case 'd':
      return { doubleValue: a.v };
    case 'y':
      return { bytesValue: Buffer.from(a.v) };
    case 'a':
      return { arrayValue: { values: a.v.map(protoValue) } };
    case 'k':
      return { kvlistValue: { values: protoAttrs(a.v) } };
    default:
      return {};
  }
}
const protoAttrs = (kvs) => kvs.map(([k, v]) => ({ key: k, value: protoValue(v) }));

function jsonValue(a, numbers) {
  switch (a.t) {
    case 's':
      return { stringValue: a.v };
    case 'b':
      return { boolValue: a.v };
    case 'i':
      return { intValue: numbers ? Number(a.v) : String(a.v) };
    case 'd':
      return { doubleValue: Number.isFinite(a.v) ? a.v : String(a.v) };
    case 'y':
      return { bytesValue: Buffer.from(a.v).toString('base64') };
    case 'a':
      return { arrayValue: { values: a.v.map((v) => jsonValue(v, numbers)) } };
    case 'k':
      return { kvlistValue: { values: jsonAttrs(a.v, numbers) } };
    case 'deep':
      return deepToken(a.depth).slice(1, -1);
    default:
      return {};
  }
}
const jsonAttrs = (kvs, numbers) => kvs.map(([k, v]) => ({ key: k, value: jsonValue(v, numbers) }));

/** The request's items with the case's extra (depth, size, count) added to its first one. */
function withExtra(c, json) {
  const resources = c.req.resources;
  const first = resources[0].scopes[0].items;
  const { extra } = c;
  if (extra.t === 'deep') first[0].attributes = [...first[0].attributes, ['deep', nested(extra.depth, json)]];
  else if (extra.t === 'huge')
    first[0].attributes = [...first[0].attributes, ['huge', { t: 's', v: 'x'.repeat(extra.bytes) }]];
  else if (extra.t === 'manyAttributes')
    first[0].attributes = Array.from({ length: extra.n }, (_, i) => [`k${i}`, { t: 'i', v: BigInt(i) }]);
  else if (extra.t === 'manyItems') for (let i = 1; i < extra.n; i++) first.push(first[i % first.length]);
  return resources;
}

/** How values are written: protobufjs's types, or OTLP/JSON (int64 as strings, or as numbers). */
function writers(proto, numbers) {
  return {
    t: proto ? long : (v) => (numbers ? Number(v) : String(v)),
    id: proto ? idBytes : (h) => h,
    attrs: proto ? protoAttrs : (kvs) => jsonAttrs(kvs, numbers),
    value: proto ? protoValue : (v) => jsonValue(v, numbers),
  };
}

/** An export request: its resources, their scopes, and each scope's items made by `item`. */
function exportRequest(signal, resources, w, item) {
  const [outer, inner, items] =
    signal === 'traces' ? ['resourceSpans', 'scopeSpans', 'spans'] : ['resourceLogs', 'scopeLogs', 'logRecords'];
  return {
    [outer]: resources.map((r) => ({
      resource: { attributes: w.attrs(r.attributes) },
      [inner]: r.scopes.map((s) => ({
        scope: { name: s.scope.name, version: s.scope.version, attributes: w.attrs(s.scope.attributes) },
        [items]: s.items.map(item),
      })),
    })),
  };
}

const spanObject =
  ({ t, id, attrs }) =>
  (x) => ({
    traceId: id(x.traceId),
    spanId: id(x.spanId),
    parentSpanId: id(x.parentSpanId),
    traceState: x.traceState,
    flags: uint32(x.flags),
    name: x.name,
    kind: int32(x.kind),
    startTimeUnixNano: t(x.start),
    endTimeUnixNano: t(x.end),
    attributes: attrs(x.attributes),
    droppedAttributesCount: uint32(x.droppedAttributesCount),
    events: x.events.map((e) => ({ timeUnixNano: t(e.time), name: e.name, attributes: attrs(e.attributes) })),
    links: x.links.map((l) => ({
      traceId: id(l.traceId),
      spanId: id(l.spanId),
      traceState: l.traceState,
      attributes: attrs(l.attributes),
    })),
    status: { code: int32(x.status.code), message: x.status.message },
  });

const logObject =
  ({ t, id, attrs, value }) =>
  (x) => ({
    timeUnixNano: t(x.time),
    observedTimeUnixNano: t(x.observed),
    severityNumber: int32(x.severityNumber),
    severityText: x.severityText,
    body: value(x.body),
    attributes: attrs(x.attributes),
    flags: uint32(x.flags),
    traceId: id(x.traceId),
    spanId: id(x.spanId),
    eventName: x.eventName,
  });

/** Replaces the value at the `at`-th node (depth-first, modulo the count) of `obj`. NOTE: mutates `obj`. */
function replaceNode(obj, at, value) {
  const slots = [];
  const walk = (o) => {
    if (o === null || typeof o !== 'object') return;
    for (const k of Object.keys(o)) {
      slots.push([o, k]);
      walk(o[k]);
    }
  };
  walk(obj);
  if (slots.length === 0) return;
  const [parent, k] = slots[at % slots.length];
  parent[k] = value;
}

/** `buf` with every NOT_UTF8_MARK replaced by bytes that are not UTF-8 (same length). NOTE: mutates `buf`. */
function notUtf8(buf) {
  const mark = Buffer.from(NOT_UTF8_MARK);
  for (let at = buf.indexOf(mark); at >= 0; at = buf.indexOf(mark, at + mark.length)) NOT_UTF8.copy(buf, at);
  return buf;
}

function mutate(buf, m) {
  if (buf.length === 0) return Buffer.from([m.byte]);
  const at = m.at % buf.length;
  switch (m.op) {
    case 'flip': {
      const b = Buffer.from(buf);
      for (let i = 0; i < Math.min(m.len, 8); i++) b[(at + i * 7919) % b.length] ^= 1 << ((m.byte + i) % 8);
      return b;
    }
    case 'set': {
      const b = Buffer.from(buf);
      for (let i = 0; i < m.len && at + i < b.length; i++) b[at + i] = (m.byte + i * 31) & 0xff;
      return b;
    }
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), Buffer.alloc(m.len, m.byte), buf.subarray(at)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.len)]);
    case 'truncate':
      return buf.subarray(0, at);
    case 'repeat':
      return Buffer.concat([buf.subarray(0, at + m.len), buf.subarray(at)]);
    default:
      // a varint of 2^35 - 1 where a length might be
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), buf.subarray(at + 1)]);
  }
}

const TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' };

/**
 * The HTTP request of a case: `{ path, headers, body, kind }`, `kind` naming what was done to
 * it (e.g. `traces/protobuf+deep+mutated/gzip`).
 */
export function toRequest(c) {
  const proto = c.format === 'protobuf';
  const numbers = c.format === 'json-numbers';
  const resources = withExtra(c, !proto);
  const w = writers(proto, numbers);
  const obj = exportRequest(c.req.signal, resources, w, (c.req.signal === 'traces' ? spanObject : logObject)(w));
  let body;
  if (proto) {
    const Type = c.req.signal === 'traces' ? TracesRequest : LogsRequest;
    body = Buffer.from(Type.encode(obj).finish()); // the object is already in the encoder's types
  } else {
    for (const w of c.wrongTypes) replaceNode(obj, w.at, w.value);
    let json = JSON.stringify(obj);
    if (c.extra.t === 'deep' && c.extra.depth > 100)
      json = json.replace(deepToken(c.extra.depth), deepJson(c.extra.depth));
    body = Buffer.from(json);
  }
  body = notUtf8(body);
  for (const m of c.mutations) body = mutate(body, m);
  const headers = {};
  const { encoding, contentType } = c.transport;
  if (encoding === 'gzip' || encoding === 'gzip-corrupt') body = gzipSync(body);
  if (encoding === 'gzip-corrupt') body = mutate(body, { op: 'set', at: 10 + (body.length >> 1), len: 4, byte: 0 });
  if (encoding === 'deflate') body = deflateSync(body);
  if (encoding.startsWith('gzip')) headers['content-encoding'] = 'gzip';
  else if (encoding !== 'identity') headers['content-encoding'] = encoding;
  const kind = proto ? 'protobuf' : 'json';
  if (contentType === 'right') headers['content-type'] = TYPES[kind];
  else if (contentType === 'swapped') headers['content-type'] = TYPES[proto ? 'json' : 'protobuf'];
  else if (contentType === 'with-charset') headers['content-type'] = `${TYPES[kind]}; charset=utf-8`;
  else if (contentType !== 'none') headers['content-type'] = contentType;
  const what = [
    `${c.req.signal}/${c.format}`,
    c.extra.t === 'none' ? '' : `+${c.extra.t}`,
    c.wrongTypes.length && !proto ? '+wrong-types' : '',
    c.mutations.length ? '+mutated' : '',
    encoding === 'identity' ? '' : `/${encoding}`,
    contentType === 'right' ? '' : `/type:${contentType}`,
  ].join('');
  return { path: `/v1/${c.req.signal}`, headers, body, kind: what };
}

/**
 * `count` requests from `seed`, made in chunks of 200 as they are consumed (a sample of 100,000
 * would take a while and much memory up front). The same seed gives the same requests.
 */
export function* fuzzRequests(count, seed) {
  for (let from = 0; from < count; from += 200) {
    const n = Math.min(200, count - from);
    for (const c of fc.sample(fuzzCase, { numRuns: n, seed: seed + from })) yield toRequest(c);
  }
}

/**
 * The requests of `fuzzRequests(count, seed)`, made in a worker thread a chunk ahead of the
 * consumer, so that making them (about 3 ms each) overlaps with sending them.
 */
export async function* fuzzRequestsAhead(count, seed, chunk = 100) {
  const worker = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), { workerData: { count, seed, chunk } });
  const nextChunk = () =>
    new Promise((resolve, reject) => {
      const failed = (err) => {
        worker.off('message', answered);
        reject(err);
      };
      const answered = (chunk) => {
        worker.off('error', failed);
        resolve(chunk);
      };
      worker.once('message', answered).once('error', failed).postMessage('next');
    });
  try {
    let ahead = nextChunk();
    for (;;) {
      const requests = await ahead;
      if (!requests) return;
      ahead = nextChunk();
      // a posted Buffer arrives as a Uint8Array
      for (const r of requests) yield { ...r, body: Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength) };
    }
  } finally {
    await worker.terminate();
  }
}
