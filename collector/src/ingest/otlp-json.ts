/**
 * OTLP/JSON decoders: a parsed ExportTraceServiceRequest or ExportLogsServiceRequest body
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) to the same
 * `SpanRow`s / `LogRow`s, with the same validation, as the protobuf decoders.
 *
 * Accepted forms, per the OTLP spec and the proto3 JSON mapping it builds on:
 * - field names in lowerCamelCase or as in the .proto (snake_case); unknown fields ignored;
 *   `null` means absent;
 * - trace and span ids as hex, either case (not base64, as the OTLP spec overrides the mapping);
 * - enums as integers or as their names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`, ...);
 * - 64-bit integers as decimal strings or numbers, any integer as a number or decimal string;
 * - doubles as numbers or strings, including `"NaN"`, `"Infinity"`, `"-Infinity"`;
 * - bytes in base64 (standard or URL-safe).
 *
 * A value of the wrong JSON type anywhere throws a `BAD_OTLP` CollectorError naming its path: like a
 * malformed protobuf, the request is refused as a whole (400) rather than stored half-read.
 */
import { badOtlp } from '../errors.js';
import {
  arrayJson,
  doubleJson,
  doubleString,
  kvlistJson,
  MAX_ANY_VALUE_DEPTH,
  serviceNameOf,
  setAttr,
  severityNumberOf,
  spanKindName,
  statusCodeName,
  stringJson,
  tooDeep,
} from './any-value.js';
import {
  CORRECTED_KEY,
  correct,
  finish,
  ID_ABSENT,
  ID_BAD,
  ID_OK,
  ID_ZERO,
  type IdState,
  linkUsable,
  logIdsError,
  logTimeOf,
  newTally,
  ORIGINAL_END_KEY,
  refuse,
  spanIdsError,
  spanTimesOf,
  type TimeWindow,
  UNCHECKED,
  wellFormed,
} from './item-rules.js';
import type { Attrs, Decoded, LogRow, ResourceInfo, ScopeInfo, SpanRow } from './rows.js';
import { blankLogRow, blankSpanRow } from './rows.js';
import { timeStringOf } from './time.js';

type Obj = Record<string, unknown>;

/**
 * Decodes a parsed OTLP/JSON ExportTraceServiceRequest into span rows; spans the rules refuse
 * (see item-rules.ts) are counted in `rejected`. Rows of one resource or scope share its
 * attribute objects.
 *
 * @param window the request's time rules; default {@link UNCHECKED} (the receiver always passes the collector's)
 * @throws {CollectorError} `BAD_OTLP` when the body is not an object or a field has the wrong JSON type
 */
export function decodeTracesJson(body: unknown, window: TimeWindow = UNCHECKED): Decoded<SpanRow> {
  const out: Decoded<SpanRow> = { rows: [], ...newTally() };
  const req = object(body, 'request body');
  forEach(req, 'resourceSpans', 'resource_spans', '', (rs, rsPath) => {
    const res = resourceOf(rs, rsPath);
    forEach(rs, 'scopeSpans', 'scope_spans', rsPath, (ss, ssPath) => {
      const scope = scopeOf(ss, ssPath);
      forEach(ss, 'spans', 'spans', ssPath, (span, path) => decodeSpan(span, path, res, scope, out, window));
    });
  });
  return finish(out);
}

/**
 * Decodes a parsed OTLP/JSON ExportLogsServiceRequest into log rows; records the rules refuse
 * are counted in `rejected`. Rows of one resource or scope share its attribute objects.
 *
 * @param window the request's time rules; default {@link UNCHECKED}
 * @throws {CollectorError} `BAD_OTLP` when the body is not an object or a field has the wrong JSON type
 */
export function decodeLogsJson(body: unknown, window: TimeWindow = UNCHECKED): Decoded<LogRow> {
  const out: Decoded<LogRow> = { rows: [], ...newTally() };
  const req = object(body, 'request body');
  forEach(req, 'resourceLogs', 'resource_logs', '', (rl, rlPath) => {
    const res = resourceOf(rl, rlPath);
    forEach(rl, 'scopeLogs', 'scope_logs', rlPath, (sl, slPath) => {
      const scope = scopeOf(sl, slPath);
      forEach(sl, 'logRecords', 'log_records', slPath, (rec, path) =>
        decodeLogRecord(rec, path, res, scope, out, window),
      );
    });
  });
  return finish(out);
}

// ——— typed field access ———

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw badOtlp(`invalid OTLP/JSON: ${path || 'request body'} must be ${expected}, not ${got}`);
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** A field by its lowerCamelCase or its proto name; `undefined` when absent or null. */
function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  if (v !== undefined && v !== null) return v;
  const w = camel === snake ? undefined : o[snake];
  return w === null ? undefined : w;
}

function object(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Obj;
}

function forEach(o: Obj, camel: string, snake: string, path: string, each: (item: Obj, path: string) => void): void {
  const v = get(o, camel, snake);
  if (v === undefined) return;
  const p = join(path, camel);
  if (!Array.isArray(v)) fail(p, 'an array', v);
  for (let i = 0; i < v.length; i++) {
    const itemPath = `${p}[${i}]`;
    each(object(v[i], itemPath), itemPath);
  }
}

/** A string field; lone surrogates (JSON can carry them, the store refuses them) become U+FFFD. */
function str(o: Obj, camel: string, snake: string, path: string): string {
  const v = get(o, camel, snake);
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(join(path, camel), 'a string', v);
  return wellFormed(v);
}

const DECIMAL = /^-?\d+$/;

/** An integer field within [min, max], as a number or a decimal string; 0 when absent. */
function int(o: Obj, camel: string, snake: string, path: string, min: number, max: number): number {
  const v = get(o, camel, snake);
  if (v === undefined) return 0;
  const n = typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(join(path, camel), `an integer in [${min}, ${max}]`, v);
  }
  return n;
}

function uint32(o: Obj, camel: string, snake: string, path: string): number {
  return int(o, camel, snake, path, 0, 0xffff_ffff);
}

/** An enum field: its integer value or its name; 0 when absent. */
function enumField(o: Obj, camel: string, snake: string, path: string, names: readonly string[]): number {
  const v = get(o, camel, snake);
  if (typeof v === 'string' && !DECIMAL.test(v)) {
    const i = names.indexOf(v);
    if (i < 0) fail(join(path, camel), `an integer or one of ${names.join(', ')}`, v);
    return i;
  }
  return int(o, camel, snake, path, -0x8000_0000, 0x7fff_ffff);
}

const SPAN_KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;
const SEVERITY_NAMES = ['SEVERITY_NUMBER_UNSPECIFIED'].concat(
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].map((level) =>
    ['', '2', '3', '4'].map((n) => `SEVERITY_NUMBER_${level}${n}`),
  ),
);

const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A fixed64 nanosecond time as a BigInt (exact: never through a float); 0 when absent. */
function nanos(o: Obj, camel: string, snake: string, path: string): bigint {
  const v = get(o, camel, snake);
  if (v === undefined) return 0n;
  let n: bigint | undefined;
  if (typeof v === 'string' && /^\d+$/.test(v)) n = BigInt(v);
  // a JSON number above 2^53 has already been rounded by JSON.parse: take the double's exact value
  else if (typeof v === 'number' && Number.isInteger(v) && v >= 0) n = BigInt(v);
  if (n === undefined || n > UINT64_MAX) fail(join(path, camel), 'a uint64 (decimal string or number)', v);
  return n;
}

/** An id field: its state (item-rules.ts) and, when usable, its lower-case hex. */
interface Id {
  state: IdState;
  hex: string;
}

const ZERO_HEX = /^0+$/;

/** An id field (hex, either case: the OTLP spec overrides proto3's base64 for ids); not hex counts as the wrong length. */
function hexId(o: Obj, camel: string, snake: string, path: string, size: number): Id {
  const v = str(o, camel, snake, path);
  if (v === '') return { state: ID_ABSENT, hex: '' };
  if (v.length !== size * 2 || !/^[0-9a-fA-F]+$/.test(v)) return { state: ID_BAD, hex: '' };
  return ZERO_HEX.test(v) ? { state: ID_ZERO, hex: '' } : { state: ID_OK, hex: v.toLowerCase() };
}

// ——— common ———

/** An AnyValue in its plain form (`nested` false) or its JSON form (`nested` true); see any-value.ts. */
function anyValue(v: unknown, path: string, nested: boolean, depth: number): string {
  if (depth > MAX_ANY_VALUE_DEPTH) throw tooDeep(` at ${path}`);
  if (v === undefined || v === null) return nested ? 'null' : '';
  const o = object(v, path);
  let x = get(o, 'stringValue', 'string_value');
  if (x !== undefined) {
    if (typeof x !== 'string') fail(`${path}.stringValue`, 'a string', x);
    const s = wellFormed(x);
    return nested ? stringJson(s) : s;
  }
  x = get(o, 'boolValue', 'bool_value');
  if (x !== undefined) {
    if (typeof x !== 'boolean') fail(`${path}.boolValue`, 'a boolean', x);
    return x ? 'true' : 'false';
  }
  x = get(o, 'intValue', 'int_value');
  if (x !== undefined) return int64String(x, `${path}.intValue`);
  x = get(o, 'doubleValue', 'double_value');
  if (x !== undefined) {
    const d = double(x, `${path}.doubleValue`);
    return nested ? doubleJson(d) : doubleString(d);
  }
  x = get(o, 'arrayValue', 'array_value');
  if (x !== undefined) {
    const p = `${path}.arrayValue.values`;
    const values = get(object(x, `${path}.arrayValue`), 'values', 'values') ?? [];
    if (!Array.isArray(values)) fail(p, 'an array', values);
    // not through forEach: a null element is an empty AnyValue, not an error
    const elements: string[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) elements[i] = anyValue(values[i], `${p}[${i}]`, true, depth + 1);
    return arrayJson(elements);
  }
  x = get(o, 'kvlistValue', 'kvlist_value');
  if (x !== undefined) {
    const entries = new Map<string, string>();
    forEach(object(x, `${path}.kvlistValue`), 'values', 'values', `${path}.kvlistValue`, (kv, p) => {
      entries.set(str(kv, 'key', 'key', p), anyValue(get(kv, 'value', 'value'), `${p}.value`, true, depth + 1));
    });
    return kvlistJson(entries);
  }
  x = get(o, 'bytesValue', 'bytes_value');
  if (x !== undefined) {
    if (typeof x !== 'string') fail(`${path}.bytesValue`, 'a base64 string', x);
    // re-encoding normalises URL-safe or unpadded base64 to the standard form the protobuf path yields
    const b64 = Buffer.from(x, 'base64').toString('base64');
    return nested ? `"${b64}"` : b64;
  }
  return nested ? 'null' : '';
}

function int64String(v: unknown, path: string): string {
  if (typeof v === 'number' && Number.isInteger(v)) {
    if (Number.isSafeInteger(v)) return String(v);
    const n = BigInt(v);
    if (n >= INT64_MIN && n <= INT64_MAX) return n.toString();
  } else if (typeof v === 'string' && DECIMAL.test(v)) {
    const n = BigInt(v);
    if (n >= INT64_MIN && n <= INT64_MAX) return n.toString();
  }
  return fail(path, 'an int64 (decimal string or number)', v);
}

function double(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === 'Infinity') return Number.POSITIVE_INFINITY;
    if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
    const d = Number(v);
    if (v.trim() !== '' && !Number.isNaN(d)) return d;
  }
  return fail(path, 'a double (number, or "NaN", "Infinity", "-Infinity")', v);
}

/** A `repeated KeyValue` field as an attribute map (plain forms). */
function attributes(o: Obj, camel: string, snake: string, path: string): Attrs {
  const attrs: Attrs = {};
  forEach(o, camel, snake, path, (kv, p) => {
    setAttr(attrs, str(kv, 'key', 'key', p), anyValue(get(kv, 'value', 'value'), `${p}.value`, false, 0));
  });
  return attrs;
}

/** The resource fields of a ResourceSpans / ResourceLogs. */
function resourceOf(group: Obj, path: string): ResourceInfo {
  const r = get(group, 'resource', 'resource');
  const attrs =
    r === undefined ? {} : attributes(object(r, `${path}.resource`), 'attributes', 'attributes', `${path}.resource`);
  return { attrs, serviceName: serviceNameOf(attrs), schemaUrl: str(group, 'schemaUrl', 'schema_url', path) };
}

/** The scope fields of a ScopeSpans / ScopeLogs. */
function scopeOf(group: Obj, path: string): ScopeInfo {
  const s = get(group, 'scope', 'scope');
  const scope: ScopeInfo = { name: '', version: '', attrs: {}, schemaUrl: str(group, 'schemaUrl', 'schema_url', path) };
  if (s !== undefined) {
    const p = `${path}.scope`;
    const so = object(s, p);
    scope.name = str(so, 'name', 'name', p);
    scope.version = str(so, 'version', 'version', p);
    scope.attrs = attributes(so, 'attributes', 'attributes', p);
  }
  return scope;
}

// ——— trace ———

function decodeSpan(
  span: Obj,
  path: string,
  res: ResourceInfo,
  scope: ScopeInfo,
  out: Decoded<SpanRow>,
  w: TimeWindow,
): void {
  const traceId = hexId(span, 'traceId', 'trace_id', path, 16);
  const spanId = hexId(span, 'spanId', 'span_id', path, 8);
  const parentId = hexId(span, 'parentSpanId', 'parent_span_id', path, 8);
  const { row, events, links } = blankSpanRow(res, scope);
  // read every field before refusing, so a wrong-typed field fails the request the same way whatever the ids
  row.TraceState = str(span, 'traceState', 'trace_state', path);
  row.SpanName = str(span, 'name', 'name', path);
  row.SpanKind = spanKindName(enumField(span, 'kind', 'kind', path, SPAN_KIND_NAMES));
  const start = nanos(span, 'startTimeUnixNano', 'start_time_unix_nano', path);
  const end = nanos(span, 'endTimeUnixNano', 'end_time_unix_nano', path);
  row.SpanAttributes = attributes(span, 'attributes', 'attributes', path);
  row.DroppedAttributesCount = uint32(span, 'droppedAttributesCount', 'dropped_attributes_count', path);
  row.DroppedEventsCount = uint32(span, 'droppedEventsCount', 'dropped_events_count', path);
  row.DroppedLinksCount = uint32(span, 'droppedLinksCount', 'dropped_links_count', path);
  row.SpanFlags = uint32(span, 'flags', 'flags', path);

  let statusCode = 0;
  const status = get(span, 'status', 'status');
  if (status !== undefined) {
    const so = object(status, `${path}.status`);
    statusCode = enumField(so, 'code', 'code', `${path}.status`, STATUS_CODE_NAMES);
    row.StatusMessage = str(so, 'message', 'message', `${path}.status`);
  }
  row.StatusCode = statusCodeName(statusCode);

  forEach(span, 'events', 'events', path, (ev, p) => {
    events.timestamps.push(timeStringOf(nanos(ev, 'timeUnixNano', 'time_unix_nano', p)));
    events.names.push(str(ev, 'name', 'name', p));
    events.attrs.push(attributes(ev, 'attributes', 'attributes', p));
    events.dropped.push(uint32(ev, 'droppedAttributesCount', 'dropped_attributes_count', p));
  });

  forEach(span, 'links', 'links', path, (lk, p) => {
    const lkTraceId = hexId(lk, 'traceId', 'trace_id', p, 16);
    const lkSpanId = hexId(lk, 'spanId', 'span_id', p, 8);
    const state = str(lk, 'traceState', 'trace_state', p);
    const la = attributes(lk, 'attributes', 'attributes', p);
    const lf = uint32(lk, 'flags', 'flags', p);
    const ld = uint32(lk, 'droppedAttributesCount', 'dropped_attributes_count', p);
    // a link with unusable ids is dropped; the span itself stays valid
    if (!linkUsable(lkTraceId.state, lkSpanId.state)) return;
    links.traceIds.push(lkTraceId.hex);
    links.spanIds.push(lkSpanId.hex);
    links.traceStates.push(state);
    links.attrs.push(la);
    links.flags.push(lf);
    links.dropped.push(ld);
  });

  const verdict = spanIdsError(traceId.state, spanId.state, parentId.state) ?? spanTimesOf(start, end, w);
  if (verdict?.action === 'refuse') {
    refuse(out, verdict);
    return;
  }
  if (verdict !== undefined) {
    // end before start: stored with end = start (Duration 0), the end sent kept beside it
    setAttr(row.SpanAttributes, CORRECTED_KEY, verdict.reason);
    setAttr(row.SpanAttributes, ORIGINAL_END_KEY, end.toString());
    correct(out, verdict);
  }
  row.Timestamp = timeStringOf(start);
  row.TraceId = traceId.hex;
  row.SpanId = spanId.hex;
  // an all-zero parent is the invalid id, i.e. no parent
  row.ParentSpanId = parentId.hex;
  const duration = end - start;
  row.Duration = duration < 0n ? '0' : duration.toString();
  out.rows.push(row);
}

// ——— logs ———

function decodeLogRecord(
  rec: Obj,
  path: string,
  res: ResourceInfo,
  scope: ScopeInfo,
  out: Decoded<LogRow>,
  w: TimeWindow,
): void {
  const traceId = hexId(rec, 'traceId', 'trace_id', path, 16);
  const spanId = hexId(rec, 'spanId', 'span_id', path, 8);
  const time = nanos(rec, 'timeUnixNano', 'time_unix_nano', path);
  const observedNs = nanos(rec, 'observedTimeUnixNano', 'observed_time_unix_nano', path);
  const row = blankLogRow(res, scope);
  row.ObservedTimestamp = timeStringOf(observedNs);
  row.SeverityNumber = severityNumberOf(enumField(rec, 'severityNumber', 'severity_number', path, SEVERITY_NAMES));
  row.SeverityText = str(rec, 'severityText', 'severity_text', path);
  row.Body = anyValue(get(rec, 'body', 'body'), `${path}.body`, false, 0);
  row.LogAttributes = attributes(rec, 'attributes', 'attributes', path);
  row.DroppedAttributesCount = uint32(rec, 'droppedAttributesCount', 'dropped_attributes_count', path);
  // bits 0-7 are the W3C trace flags; the rest are reserved (LOG_RECORD_FLAGS_TRACE_FLAGS_MASK)
  row.TraceFlags = uint32(rec, 'flags', 'flags', path) & 0xff;
  row.EventName = str(rec, 'eventName', 'event_name', path);

  const refusal = logIdsError(traceId.state, spanId.state) ?? logTimeOf(time, observedNs, w);
  if (refusal !== undefined) {
    refuse(out, refusal);
    return;
  }
  // time_unix_nano, or the observed time when it is 0
  row.Timestamp = time === 0n ? row.ObservedTimestamp : timeStringOf(time);
  // all-zero ids are the invalid ids, i.e. no trace context
  row.TraceId = traceId.hex;
  row.SpanId = spanId.hex;
  out.rows.push(row);
}
