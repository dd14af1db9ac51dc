// Requests for every operation and parameter of the collector's API, read from the OpenAPI
// document it serves (/api/openapi.json), with fast-check values: valid ones (from each
// parameter's schema: enums, ranges, patterns) and hostile ones (out of range, wrong type,
// huge, malformed dates and durations, SQL and path syntax, bytes that are not UTF-8,
// repeated parameters). Request bodies (alert rules, previews, silences) get the same
// treatment from their schemas. Webhook URLs are pointed at a closed local port: a rule the
// fuzzer creates may fire, and must not call anything outside.

import fc from 'fast-check';

const HOSTILE_STRINGS = [
  '',
  ' ',
  '-1',
  '0',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '99999999999999999999999999',
  '0x10',
  '1.5',
  '-0',
  'true',
  'null',
  '[]',
  '{}',
  "' OR 1=1 --",
  '"; DROP TABLE fntrace.otel_traces; --',
  '\\',
  '%',
  '../../etc/passwd',
  '{s:String}',
  '\u0000',
  '\ud800',
  '😀',
  'a'.repeat(5000),
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-13-45T25:61:61Z',
  '-271821-04-20T00:00:00Z',
  '8640000000000001',
  '-8640000000000001',
  '0s',
  '0.000000001s',
  '99999999999999d',
  '1e3s',
  '1.5m',
  '100000d',
  'k=v',
  '=v',
  'k=',
  'service.name=',
  '==',
];
// sent as written (already percent-encoded): escapes that are not UTF-8, or not escapes
const RAW = ['%ff', '%ED%A0%80', '%zz', '%', '%00', '%C0%AF', '%2e%2e%2f'];

const hostile = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt().map(String) },
  { weight: 1, arbitrary: fc.constantFrom(...RAW).map((raw) => ({ raw })) },
);

/** Values of one parameter, by its schema: valid ones and hostile ones. */
function valid(schema = {}) {
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 }).map(String);
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true }).map(String);
    case 'boolean':
      return fc.constantFrom('true', 'false', '1', '0');
    case 'array':
      return fc.array(valid(schema.items), { minLength: 1, maxLength: 4 });
    default:
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ maxLength: 20 });
  }
}
const value = (schema) =>
  fc.oneof(
    { weight: 1, arbitrary: valid(schema) },
    { weight: 2, arbitrary: hostile },
    { weight: 1, arbitrary: fc.array(hostile, { minLength: 2, maxLength: 3 }) },
  );

const encode = (v) => {
  if (typeof v === 'object' && v !== null && 'raw' in v) return v.raw;
  // a lone surrogate cannot be percent-encoded as UTF-8: send the escapes of its bytes as
  // JavaScript would write them to a file (CESU-8), which are not UTF-8
  try {
    return encodeURIComponent(v);
  } catch {
    return [...Buffer.from(v, 'utf16le')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
};

/** The body of a request: from the operation's schema, then hostile values or types put in. */
function bodyFrom(schema) {
  const props = schema?.properties ?? {};
  const fields = Object.fromEntries(
    Object.entries(props).map(([k, s]) => [
      k,
      fc.oneof(
        { weight: 3, arbitrary: validJson(s) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
        { weight: 1, arbitrary: hostile.map((h) => (typeof h === 'string' ? h : h.raw)) },
      ),
    ]),
  );
  return fc.oneof(
    { weight: 6, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('{', '', 'null', '[]', '{"name":', '\u0000').map((rawBody) => ({ rawBody })),
    },
  );
}
function validJson(schema = {}) {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validJson(schema.items), { maxLength: 3 });
    case 'object':
      return fc.record(Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, validJson(s)])), {
        requiredKeys: [],
      });
    default:
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({ maxLength: 20 });
  }
}

/** Any `url` in a body goes to the discard port of this machine (closed: nothing answers). NOTE: mutates `v`. */
function localUrls(v) {
  if (Array.isArray(v)) v.forEach(localUrls);
  else if (v && typeof v === 'object')
    for (const k of Object.keys(v)) {
      if (k === 'url' && typeof v[k] === 'string') v[k] = `http://127.0.0.1:9/${encodeURIComponent(v[k].slice(0, 40))}`;
      else localUrls(v[k]);
    }
  return v;
}

/** Every operation of an OpenAPI document: method, path template, parameters, body schema. */
export function operations(doc) {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {}))
    for (const [method, op] of Object.entries(ops))
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      });
  return out;
}

/**
 * Requests for one operation: `{ method, url, body?, param }`, `param` naming the parameter
 * fuzzed (or `*` when all of them are). `perParameter` requests give each parameter hostile and
 * valid values with the others left out; as many again set every parameter at once.
 */
export function operationRequests(op, perParameter, seed) {
  const params = op.parameters;
  const one = (p) =>
    fc.record({
      p: fc.constant(p.name),
      values: fc.record(Object.fromEntries(params.map((q) => [q.name, q === p ? value(q.schema) : valid(q.schema)])), {
        requiredKeys: params.filter((q) => q === p || q.in === 'path').map((q) => q.name),
      }),
      body: op.body ? bodyFrom(op.body) : fc.constant(undefined),
    });
  const all = fc.record({
    p: fc.constant('*'),
    values: fc.record(Object.fromEntries(params.map((q) => [q.name, value(q.schema)])), {
      requiredKeys: params.filter((q) => q.in === 'path').map((q) => q.name),
    }),
    body: op.body ? bodyFrom(op.body) : fc.constant(undefined),
  });
  const arbitraries = [...params.map(one), all];
  const out = [];
  arbitraries.forEach((arb, i) => {
    for (const s of fc.sample(arb, { numRuns: perParameter, seed: seed + i })) out.push(toRequest(op, s));
  });
  return out;
}

function toRequest(op, { p, values, body }) {
  let path = op.path;
  const query = [];
  for (const q of op.parameters) {
    if (!(q.name in values)) continue;
    const v = values[q.name];
    if (q.in === 'path') path = path.replace(`{${q.name}}`, encode(Array.isArray(v) ? v.join('/') : v) || '%20');
    else for (const one of [v].flat()) query.push(`${encodeURIComponent(q.name)}=${encode(one)}`);
  }
  let text;
  if (body !== undefined) text = typeof body?.rawBody === 'string' ? body.rawBody : JSON.stringify(localUrls(body));
  return { method: op.method, url: query.length ? `${path}?${query.join('&')}` : path, body: text, param: p };
}
