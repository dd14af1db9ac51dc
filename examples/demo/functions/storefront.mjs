// The shop's front door, a Cloudflare Worker at the edge (a module Worker: `export default
// wrap({ fetch })`). It answers product pages itself and sends checkouts and order lookups to
// the orders API on AWS Lambda with plain `fetch`: fntrace traces each call and puts the W3C
// context in its headers, so the Lambda side continues this trace. Configuration comes from the
// Worker's variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, ORDERS_API_URL).
import { correlationId, logger, wrap } from '@fntrace/sdk/cloudflare';

const CATALOG = {
  lamp: { name: 'Desk lamp', price: 39 },
  kettle: { name: 'Kettle', price: 29 },
  'espresso-machine': { name: 'Espresso machine', price: 249 },
  mug: { name: 'Mug', price: 9 },
};

const json = (status, body) => Response.json(body, { status });

/** A call to the orders API; a 5xx or a failed call is the shop's problem and answers 502. */
async function ordersApi(env, path, init) {
  let res;
  try {
    res = await fetch(`${env.ORDERS_API_URL}${path}`, init);
  } catch (err) {
    logger.error({ err: String(err) }, 'orders API unreachable');
    return json(502, { error: 'orders API unreachable', correlationId: correlationId() });
  }
  const body = await res.text();
  if (res.status >= 500) {
    logger.error({ status: res.status }, 'orders API failed');
    return json(502, { error: 'checkout failed, try again', correlationId: correlationId() });
  }
  return new Response(body, { status: res.status, headers: { 'content-type': 'application/json' } });
}

export default wrap({
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const product = /^\/products\/([a-z-]+)$/.exec(pathname);
    if (request.method === 'GET' && product) {
      const item = CATALOG[product[1]];
      logger.info({ item: product[1], found: !!item }, 'product page');
      return item ? json(200, item) : json(404, { error: 'no such product' });
    }
    if (request.method === 'POST' && pathname === '/checkout') {
      const order = await request.json().catch(() => ({}));
      logger.info({ item: order.item, quantity: order.quantity }, 'checkout');
      const res = await ordersApi(env, '/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order),
      });
      if (res.status === 202) logger.info('order accepted');
      return res;
    }
    const lookup = /^\/orders\/([\w-]+)$/.exec(pathname);
    if (request.method === 'GET' && lookup) return ordersApi(env, `/orders/${lookup[1]}`);
    return json(404, { error: 'not found' });
  },
});
