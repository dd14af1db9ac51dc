import { beforeAll, describe, expect, it } from 'vitest';
import { send } from './fixtures.js';
import { useCollector } from './helpers.js';

// A trace by the first digits of its id, as git takes an abbreviated object name: a unique
// prefix finds the trace (and its journey, logs, invocations), an ambiguous one is refused
// with the candidates named, one that begins nothing is a 404.
const c = useCollector();
const A = `abcd0001${'1'.repeat(24)}`;
const B = `abcd0002${'2'.repeat(24)}`;
const E = `ef01${'3'.repeat(28)}`;

function span(traceId: string, service: string) {
  const end = BigInt(Date.now() - 1000) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: traceId.slice(0, 16),
                name: 'GET /prefix',
                kind: 2,
                startTimeUnixNano: String(end - 5_000_000n),
                endTimeUnixNano: String(end),
              },
            ],
          },
        ],
      },
    ],
  };
}

function log(traceId: string, body: string) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'prefix-svc' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now() - 1000) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                traceId,
                spanId: traceId.slice(0, 16),
              },
            ],
          },
        ],
      },
    ],
  };
}

async function get(path: string) {
  const res = await fetch(`${c.url}${path}`);
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  for (const id of [A, B, E]) await send(c.url, span(id, 'prefix-svc'));
  for (const [id, body] of [
    [A, 'line of a'],
    [B, 'line of b'],
  ] as const) {
    const res = await fetch(`${c.url}/v1/logs`, {
      method: 'POST',
      body: JSON.stringify(log(id, body)),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  }
  await c.drained();
});

describe('trace ids by prefix', () => {
  it('lists the trace ids that begin with a prefix, in id order, and says when there are more', async () => {
    const all = await get('/api/traces/ids?prefix=ABCD');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ prefix: 'abcd', more: false });
    expect(all.body.traceIds.map((t: { traceId: string }) => t.traceId)).toEqual([A, B]);
    expect(all.body.traceIds[0].startMs).toBeGreaterThan(Date.now() - 60_000);
    const one = await get('/api/traces/ids?prefix=abcd&limit=1');
    expect(one.body).toMatchObject({ traceIds: [{ traceId: A }], more: true });
    expect((await get('/api/traces/ids?prefix=9999')).body).toEqual({ prefix: '9999', traceIds: [], more: false });
    const short = await get('/api/traces/ids?prefix=abc');
    expect(short.status).toBe(400);
    expect(short.body.message).toBe(
      'prefix must be a trace id (32 hexadecimal digits) or its first 4 or more (got "abc")',
    );
  });

  it('opens a trace, its journey and its logs by a unique prefix, and says when a prefix is ambiguous', async () => {
    for (const prefix of ['abcd0001', 'ABCD0001', A.slice(0, 31)]) {
      const view = await get(`/api/traces/${prefix}`);
      expect(view.status, prefix).toBe(200);
      expect(view.body.traceId).toBe(A);
    }
    expect((await get('/api/traces/ef01')).body.traceId).toBe(E);
    expect((await get('/api/traces/abcd0002/journey')).body.traceId).toBe(B);
    const logs = await get('/api/traces/abcd0002/logs');
    expect(logs.body.traceId).toBe(B);
    expect(logs.body.logs.map((l: { body: string }) => l.body)).toEqual(['line of b']);

    const ambiguous = await get('/api/traces/abcd');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({
      code: 'FNTRACE_ERR_COL_BAD_QUERY',
      message: `traceId "abcd" is ambiguous: it begins 2 trace ids (${A}, ${B}); give more digits`,
    });
    expect((await get('/api/traces/abcd/journey')).status).toBe(400);
    const none = await get('/api/traces/9999');
    expect(none.status).toBe(404);
    expect(none.body.message).toBe('no trace id begins with 9999');
  });

  it('filters logs and invocations by a unique prefix, and refuses an ambiguous one', async () => {
    const logs = await get('/api/logs?traceId=abcd0001');
    expect(logs.body.logs.map((l: { body: string }) => l.body)).toEqual(['line of a']);
    const ambiguous = await get('/api/logs?traceId=abcd');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.message).toMatch(/^traceId "abcd" is ambiguous: it begins 2 trace ids/);
    expect((await get('/api/invocations?traceId=abcd')).status).toBe(400);
    expect((await get('/api/invocations?traceId=ef01')).status).toBe(200);
    // a prefix that begins no trace with spans still finds logs of a trace that has only logs
    expect((await get('/api/logs?traceId=0123')).body.logs).toEqual([]);
  });
});
