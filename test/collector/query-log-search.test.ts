import { beforeAll, describe, expect, it } from 'vitest';
import { api, logLine, send } from './fixtures.js';
import { useCollector } from './helpers.js';

// The log search's text filter over the message and over the fields beside it.
const c = useCollector();

beforeAll(async () => {
  await send(c.url, logLine('shop', 'order accepted', { item: 'Book', orderId: 'o-1' }), 'logs');
  await send(c.url, logLine('shop', 'order accepted', { item: 'lamp', orderId: 'o-2' }), 'logs');
  await send(c.url, logLine('shop', "a book's order", { item: "it's" }), 'logs');
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
