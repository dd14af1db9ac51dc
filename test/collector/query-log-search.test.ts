import { beforeAll, describe, expect, it } from 'vitest';
import { api } from './fixtures.js';
import { useCollector } from './helpers.js';

// The log search's text filter over the message and over the fields beside it.
const c = useCollector();

function line(body: string, attributes: Record<string, string>) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now() - 5_000) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
              },
            ],
          },
        ],
      },
    ],
  };
}

async function send(body: unknown) {
  const res = await fetch(`${c.url}/v1/logs`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  await send(line('order accepted', { item: 'Book', orderId: 'o-1' }));
  await send(line('order accepted', { item: 'lamp', orderId: 'o-2' }));
  await send(line("a book's order", { item: "it's" }));
  await c.drained();
});

const bodies = async (text: string) =>
  (await api(c.url, `/api/logs?since=1h&text=${encodeURIComponent(text)}`)).logs.map(
    (l: any) => `${l.body} ${l.attributes.item}`,
  );

describe('log search text', () => {
  it('matches a field value, case-insensitively, as well as the message', async () => {
    expect((await bodies('book')).sort()).toEqual(["a book's order it's", 'order accepted Book']);
    expect(await bodies('LAMP')).toEqual(['order accepted lamp']);
  });

  it('matches a field as key=value, and a key', async () => {
    expect(await bodies('item=book')).toEqual(['order accepted Book']);
    expect((await bodies('orderId')).sort()).toEqual(['order accepted Book', 'order accepted lamp']);
  });

  it('takes quotes and SQL as text: a bound parameter', async () => {
    expect(await bodies("it's")).toEqual(["a book's order it's"]);
    expect(await bodies("') OR 1=1 --")).toEqual([]);
  });
});
