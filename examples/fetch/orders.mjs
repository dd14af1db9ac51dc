// A fetch-style function, `(request) => Response`, as Vercel and Netlify functions, Deno Deploy
// and Bun run it: takes an order, checks stock at the inventory service, answers 201. One import
// and one wrap(): the SERVER span, correlation id, cold-start marker and log lines with their
// trace and span ids come from @fntrace/sdk/fetch; the `fetch` to the inventory carries the trace
// on by itself. Where the platform has a `waitUntil` (Vercel, Netlify) the export goes there and
// the response does not wait; where it has none (Deno, Bun, a Node server) the export is flushed
// before the response, bounded by FNTRACE_FLUSH_TIMEOUT_MS (500 ms by default).
import { correlationId, logger, wrap } from '@fntrace/sdk/fetch';

// Node, Vercel, Netlify and Bun have process.env; Deno Deploy has Deno.env
const setting = (name) => globalThis.process?.env?.[name] ?? globalThis.Deno?.env.get(name);

export default wrap(async (request) => {
  if (request.method !== 'POST') return new Response('method not allowed', { status: 405 });
  const order = await request.json().catch(() => undefined);
  if (!order?.sku) {
    logger.warn('order without a sku');
    return Response.json({ error: 'sku is required' }, { status: 400 });
  }
  const stock = await fetch(`${setting('INVENTORY_URL')}/stock/${encodeURIComponent(order.sku)}`);
  if (!stock.ok) {
    logger.warn({ sku: order.sku, status: stock.status }, 'not in stock');
    return Response.json({ error: 'not in stock' }, { status: 409 });
  }
  const orderId = crypto.randomUUID();
  logger.info({ orderId, sku: order.sku, quantity: order.quantity ?? 1 }, 'order accepted');
  return Response.json({ orderId, correlationId: correlationId() }, { status: 201 });
});
