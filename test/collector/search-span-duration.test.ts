import { beforeAll, describe, expect, it } from 'vitest';
import { api, send } from './fixtures.js';
import { useCollector } from './helpers.js';

// Span-duration filters: "traces where a DynamoDB call took over 250 ms" — the duration is of
// the span that matches the other span filters, not of the whole trace.
const c = useCollector();
const ms = 1_000_000n;

/** Four one-second checkout traces; the PutItem call of trace k lasts PUT_MS[k], trace 4 also has a 900 ms SQS send. */
const PUT_MS = [50, 300, 700, 20];

beforeAll(async () => {
  const now = BigInt(Date.now()) * ms;
  for (const [k, putMs] of PUT_MS.entries()) {
    const traceId = `${k + 1}`.padStart(32, 'd');
    const start = now - BigInt((10 - k) * 60_000) * ms;
    const span = (id: number, name: string, parent: number, offsetMs: number, durMs: number) => ({
      traceId,
      spanId: `${k + 1}${id}`.padStart(16, '0'),
      parentSpanId: parent ? `${k + 1}${parent}`.padStart(16, '0') : '',
      name,
      kind: parent ? 3 : 2,
      startTimeUnixNano: String(start + BigInt(offsetMs) * ms),
      endTimeUnixNano: String(start + BigInt(offsetMs + durMs) * ms),
    });
    const spans = [span(1, 'POST /checkout', 0, 0, 1000), span(2, 'dynamodb.PutItem', 1, 10, putMs)];
    if (k === 3) spans.push(span(3, 'sqs.SendMessage', 1, 50, 900));
    await send(c.url, {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [{ spans }],
        },
      ],
    });
  }
  await c.drained();
});

const traceNumbers = async (query: string) =>
  (await api(c.url, `/api/traces?since=1h&${query}`)).traces.map((t: { traceId: string }) => Number(t.traceId.at(-1)));

describe('span duration filters', () => {
  it('match the span the other span filters name', async () => {
    expect(await traceNumbers('operation=dynamodb.PutItem&spanMinDurationMs=250')).toEqual([3, 2]);
    expect(await traceNumbers('operation=dynamodb.PutItem&spanMaxDurationMs=100')).toEqual([4, 1]);
    expect(await traceNumbers('operation=dynamodb.PutItem&spanMinDurationMs=250&spanMaxDurationMs=500')).toEqual([2]);
    // without an operation, any span: every root lasts a second
    expect(await traceNumbers('spanMinDurationMs=950')).toEqual([4, 3, 2, 1]);
    expect(await traceNumbers('operation=sqs.SendMessage&spanMinDurationMs=800')).toEqual([4]);
  });

  it('are not the trace duration filters', async () => {
    expect(await traceNumbers('operation=dynamodb.PutItem&minDurationMs=250')).toEqual([4, 3, 2, 1]);
    expect(await traceNumbers('operation=dynamodb.PutItem&minDurationMs=250&spanMinDurationMs=250')).toEqual([3, 2]);
  });

  it('refuses a minimum above the maximum, and a negative one', async () => {
    const res = await fetch(`${c.url}/api/traces?spanMinDurationMs=500&spanMaxDurationMs=100`);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe('spanMinDurationMs (500) is more than spanMaxDurationMs (100)');
    const negative = await fetch(`${c.url}/api/traces?spanMinDurationMs=-1`);
    expect(negative.status).toBe(400);
    expect((await negative.json()).message).toMatch(/^spanMinDurationMs must be >= 0/);
  });
});
