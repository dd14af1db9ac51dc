import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the demo (examples/)
import { serveLocal } from '../../examples/aws-lambda/run-local.mjs';
import { formatTraceparent, parseTraceparent } from '../../sdk/src/propagation/traceparent.js';
import { parseTracestate } from '../../sdk/src/propagation/tracestate.js';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { HANDLERS } from '../helpers/run-lambda.js';

// W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/), rule by rule.
// The second half plays the specification's test harness against a "test service": an
// HTTP-triggered wrapped function that calls onward with plain fetch (outgoing.mjs). The
// harness sends it headers and reads the headers of the call it makes back.
const rx = useReceiver();
const T = '12345678901234567890123456789012';
const P = '1234567890123456';
const valid = `00-${T}-${P}-01`;

describe('traceparent parsing (§3.2)', () => {
  it.each([
    ['version 00', valid],
    ['a future version with more fields after a dash (§3.2.4)', `cc-${T}-${P}-01-what-the-future-will-be-like`],
    ['a future version of exactly 55 characters', `cc-${T}-${P}-01`],
    ['leading and trailing spaces and tabs (OWS)', ` \t${valid}\t `],
  ])('accepts %s', (_rule, header) => {
    expect(parseTraceparent(header)).toMatchObject({ traceId: T, spanId: P, isRemote: true });
  });

  it.each([
    ['version ff', `ff-${T}-${P}-01`],
    ['a version with a non-hex character', `0.-${T}-${P}-01`],
    ['an upper-case version', `0A-${T}-${P}-01`],
    ['a three-digit version', `000-${T}-${P}-01`],
    ['a one-digit version', `0-${T}-${P}-01`],
    ['version 00 with another field', `00-${T}-${P}-01-what-the-future-will-not-be-like`],
    ['version 00 with a character after the flags', `00-${T}-${P}-01.`],
    ['a future version continued by something other than a dash', `cc-${T}-${P}-01.what-the-future-will-be-like`],
    ['an all-zero trace-id (§3.2.2.3)', `00-${'0'.repeat(32)}-${P}-01`],
    ['a trace-id with a dot', `00-.${T.slice(1)}-${P}-01`],
    ['an upper-case trace-id (HEXDIGLC)', `00-${T.replace(/1/g, 'A')}-${P}-01`],
    ['a trace-id of 33 digits', `00-${T}0-${P}-01`],
    ['a trace-id of 31 digits', `00-${T.slice(1)}-${P}-01`],
    ['an all-zero parent-id (§3.2.2.4)', `00-${T}-${'0'.repeat(16)}-01`],
    ['a parent-id with a dot', `00-${T}-.${P.slice(1)}-01`],
    ['an upper-case parent-id', `00-${T}-ABCDEF0123456789-01`],
    ['a parent-id of 17 digits', `00-${T}-${P}0-01`],
    ['a parent-id of 15 digits', `00-${T}-${P.slice(1)}-01`],
    ['flags with a dot', `00-${T}-${P}-.0`],
    ['three-digit flags', `00-${T}-${P}-001`],
    ['one-digit flags', `00-${T}-${P}-1`],
    ['two headers joined by a comma', `${valid},${valid}`],
    ['an empty value', ''],
  ])('rejects %s', (_rule, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('keeps the sampled and random flags and drops flags it does not know (§3.2.2.5)', () => {
    expect(parseTraceparent(`00-${T}-${P}-01`)!.traceFlags).toBe(0x01);
    expect(parseTraceparent(`00-${T}-${P}-02`)!.traceFlags).toBe(0x02);
    expect(parseTraceparent(`00-${T}-${P}-ff`)!.traceFlags).toBe(0x03);
    expect(formatTraceparent({ traceId: T, spanId: P, traceFlags: 0x0b })).toBe(`00-${T}-${P}-03`);
  });

  it('does not read tracestate when traceparent is invalid (§3.3)', () => {
    expect(parseTraceparent(`00-${'0'.repeat(32)}-${P}-01`, 'foo=1')).toBeUndefined();
  });
});

describe('tracestate parsing (§3.3)', () => {
  const members = (n: number) => Array.from({ length: n }, (_, i) => `bar${String(i + 1).padStart(2, '0')}=${i + 1}`);

  it.each([
    ['one member', 'foo=1', 'foo=1'],
    ['members in order', 'foo=1,bar=2', 'foo=1,bar=2'],
    ['OWS around members', 'foo=1 \t , \t bar=2, \t baz=3', 'foo=1,bar=2,baz=3'],
    ['empty members (two fields joined)', 'foo=1,,bar=2, ,', 'foo=1,bar=2'],
    ['32 members', members(32).join(','), members(32).join(',')],
    [
      'every allowed key and value character',
      'abcdefghijklmnopqrstuvwxyz0123456789_-*/= !"#$&\'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~',
      'abcdefghijklmnopqrstuvwxyz0123456789_-*/= !"#$&\'()*+-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~',
    ],
    ['a multi-tenant key', 'tenant0_-*/@sys_-*/=1', 'tenant0_-*/@sys_-*/=1'],
    ['a 256-character key', `${'a'.repeat(256)}=1`, `${'a'.repeat(256)}=1`],
    ['a 241-character tenant and a 14-character system', `${'t'.repeat(241)}@${'s'.repeat(14)}=1`, undefined],
  ])('accepts %s', (_rule, header, serialized) => {
    const state = parseTracestate(header);
    expect(state).toBeDefined();
    if (serialized !== undefined) expect(state!.serialize()).toBe(serialized);
  });

  it.each([
    ['33 members', members(33).join(',')],
    ['a repeated key', 'foo=1,foo=1'],
    ['a repeated key with another value', 'foo=1,bar=2,foo=3'],
    ['a key with a space', 'foo =1'],
    ['an upper-case key', 'FOO=1'],
    ['a key with a dot', 'foo.bar=1'],
    ['a key starting with a digit', '1foo=1'],
    ['an empty tenant', '@foo=1,bar=2'],
    ['an empty system', 'foo@=1,bar=2'],
    ['two @', 'foo@@bar=1'],
    ['a system starting with a digit', 'foo@1bar=1'],
    ['a 257-character key', `${'a'.repeat(257)}=1`],
    ['a 242-character tenant', `${'t'.repeat(242)}@s=1`],
    ['a 15-character system', `t@${'s'.repeat(15)}=1`],
    ['a value with =', 'foo=bar=baz'],
    ['an empty value', 'foo=,bar=3'],
    ['a value of 257 characters', `foo=${'v'.repeat(257)}`],
    ['a control character in a value', 'foo=b\u0001r'],
    ['a member without =', 'foo'],
  ])('discards the whole header for %s', (_rule, header) => {
    expect(parseTracestate(header)).toBeUndefined();
  });

  it('propagates at most 512 characters, dropping members over 128 first (§3.3.1.5)', () => {
    const big = `big=${'x'.repeat(200)}`;
    const small = Array.from({ length: 30 }, (_, i) => `k${i}=${'y'.repeat(12)}`);
    const out = parseTracestate([small[0], big, ...small.slice(1)].join(','))!.serialize();
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out).not.toContain('big=');
    expect(out.startsWith(small.slice(0, 3).join(','))).toBe(true);
  });

  it('moves a member it sets to the front', () => {
    expect(parseTracestate('foo=1,bar=2')!.set('bar', '3').serialize()).toBe('bar=3,foo=1');
  });
});

// ---- the harness and the test service ----

let harness: Server;
let harnessUrl: string;
let service: { url: string; stop(): Promise<unknown> };
const callbacks = new Map<string, IncomingHttpHeaders>();
let n = 0;

beforeAll(async () => {
  harness = createServer((req, res) => {
    callbacks.set(req.url ?? '', req.headers);
    res.end();
  });
  await new Promise<void>((r) => harness.listen(0, '127.0.0.1', r));
  harnessUrl = `http://127.0.0.1:${(harness.address() as { port: number }).port}`;
  service = await serveLocal({ handler: `${HANDLERS}/outgoing.mjs`, functionName: 'test-service', endpoint: rx.url });
});

afterAll(async () => {
  await service?.stop();
  harness?.close();
});

/** Send `headers` (repeats allowed, as raw pairs) to the test service; return the headers of the call it made. */
async function throughService(headers: [string, string][]): Promise<{ traceparent?: string; tracestate?: string }> {
  const id = `/callback/${n++}`;
  const body = JSON.stringify([{ url: `${harnessUrl}${id}`, arguments: [] }]);
  await new Promise<void>((resolve, reject) => {
    const req = request(
      service.url,
      // raw header pairs (repeats allowed) get no Host from Node; HTTP/1.1 servers require one
      { method: 'POST', headers: [...headers.flat(), 'host', '127.0.0.1', 'content-type', 'application/json'] },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  const got = callbacks.get(id);
  if (!got) throw new Error('the test service made no call');
  return { traceparent: got.traceparent as string | undefined, tracestate: got.tracestate as string | undefined };
}

const split = (tp: string | undefined) => {
  const [version, traceId, parentId, flags] = String(tp).split('-');
  return { version, traceId, parentId, flags };
};

describe('the test service: a wrapped function calling onward with fetch', () => {
  it('continues a valid traceparent under a new parent-id, in any header-name case', async () => {
    for (const name of ['traceparent', 'TraceParent', 'TRACEPARENT']) {
      const out = split((await throughService([[name, valid]])).traceparent);
      expect(out).toMatchObject({ version: '00', traceId: T, flags: '01' });
      expect(out.parentId).toMatch(/^[0-9a-f]{16}$/);
      expect(out.parentId).not.toBe(P);
    }
  });

  it.each([
    ['no traceparent', []],
    [
      'two traceparent headers',
      [
        ['traceparent', valid],
        ['traceparent', `00-${T.replace('1', '9')}-${P}-01`],
      ],
    ],
    ['an all-zero trace-id', [['traceparent', `00-${'0'.repeat(32)}-${P}-01`]]],
    ['an all-zero parent-id', [['traceparent', `00-${T}-${'0'.repeat(16)}-01`]]],
    ['version ff', [['traceparent', `ff-${T}-${P}-01`]]],
    ['version 00 with an extra field', [['traceparent', `${valid}-extra`]]],
    ['illegal trace-id characters', [['traceparent', `00-${T.slice(0, 31)}.-${P}-01`]]],
    ['a header named trace-parent', [['trace-parent', valid]]],
  ] as [string, [string, string][]][])('starts a new, random trace for %s', async (_case, headers) => {
    const out = await throughService([...headers, ['tracestate', 'foo=1']]);
    const tp = split(out.traceparent);
    expect(tp.version).toBe('00');
    expect(tp.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(tp.traceId).not.toBe(T);
    // Level 2: a trace-id fntrace made up is random, and says so
    expect(Number.parseInt(tp.flags!, 16) & 0x02).toBe(0x02);
    // a tracestate is never carried without the traceparent it belongs to
    expect(out.tracestate).toBeUndefined();
  });

  it('continues a future version as version 00', async () => {
    const out = split(
      (await throughService([['traceparent', `cc-${T}-${P}-01-what-the-future-will-be-like`]])).traceparent,
    );
    expect(out).toMatchObject({ version: '00', traceId: T });
  });

  it('honours the sampled flag and keeps the random flag as it came', async () => {
    const before = rx.spans().length;
    expect(split((await throughService([['traceparent', `00-${T}-${P}-00`]])).traceparent).flags).toBe('00');
    expect(split((await throughService([['traceparent', `00-${T}-${P}-02`]])).traceparent).flags).toBe('02');
    expect(split((await throughService([['traceparent', `00-${T}-${P}-03`]])).traceparent).flags).toBe('03');
    expect(split((await throughService([['traceparent', `00-${T}-${P}-09`]])).traceparent).flags).toBe('01');
    // only the two sampled requests are recorded: each an invocation span and a fetch span
    await new Promise((r) => setTimeout(r, 200));
    const recorded = rx
      .spans()
      .slice(before)
      .filter((s) => s.traceId === T);
    expect(recorded.map((s) => s.kind).sort()).toEqual([2, 2, 3, 3]);
  });

  it('passes tracestate on: combined from several headers, in order, with OWS removed', async () => {
    expect(
      (
        await throughService([
          ['traceparent', valid],
          ['tracestate', 'foo=1'],
        ])
      ).tracestate,
    ).toBe('foo=1');
    const combined = await throughService([
      ['traceparent', valid],
      ['tracestate', 'foo=1 ,\tbar=2'],
      ['TraceState', 'baz=3'],
    ]);
    expect(combined.tracestate).toBe('foo=1,bar=2,baz=3');
  });

  it.each([
    [
      'a repeated key across headers',
      [
        ['tracestate', 'foo=1'],
        ['tracestate', 'foo=2'],
      ],
    ],
    ['33 members', [['tracestate', Array.from({ length: 33 }, (_, i) => `k${i}=1`).join(',')]]],
    ['an illegal key', [['tracestate', 'FOO=1,bar=2']]],
    ['an illegal value', [['tracestate', 'foo=bar=baz']]],
  ] as [string, [string, string][]][])('drops a tracestate with %s but keeps the trace', async (_case, headers) => {
    const out = await throughService([['traceparent', valid], ...headers]);
    expect(split(out.traceparent).traceId).toBe(T);
    expect(out.tracestate).toBeUndefined();
  });

  it('sends nothing for an empty tracestate', async () => {
    const out = await throughService([
      ['traceparent', valid],
      ['tracestate', ''],
    ]);
    expect(split(out.traceparent).traceId).toBe(T);
    expect(out.tracestate).toBeUndefined();
  });
});
