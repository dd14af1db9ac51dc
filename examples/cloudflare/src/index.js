// A module Worker at the edge: takes orders over HTTP, checks stock at the inventory service,
// and queues each order on a Cloudflare Queue that this same Worker consumes; a cron trigger
// asks the inventory service for its nightly report. One import and one wrap(): every fetch,
// queue and scheduled call gets its span, correlation id, cold-start marker and log lines with
// their trace and span ids, and the export is handed to ctx.waitUntil, so no response waits
// for it. The `fetch` to the inventory and `env.ORDERS.send` carry the trace on by themselves:
// the queue's consumer continues the request's trace, one span per message.
import { correlationId, logger, messages, wrap } from '@fntrace/sdk/cloudflare';

export default wrap({
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== 'POST' || url.pathname !== '/orders') return new Response('not found', { status: 404 });
    const order = await request.json().catch(() => undefined);
    if (!order?.sku) {
      logger.warn('order without a sku');
      return Response.json({ error: 'sku is required' }, { status: 400 });
    }
    const stock = await fetch(`${env.INVENTORY_URL}/stock/${encodeURIComponent(order.sku)}`);
    if (!stock.ok) {
      logger.warn({ sku: order.sku, status: stock.status }, 'not in stock');
      return Response.json({ error: 'not in stock' }, { status: 409 });
    }
    const orderId = crypto.randomUUID();
    await env.ORDERS.send({ orderId, sku: order.sku, quantity: order.quantity ?? 1 });
    logger.info({ orderId, sku: order.sku }, 'order queued');
    return Response.json({ orderId, correlationId: correlationId() }, { status: 202 });
  },

  async queue(batch) {
    for (const message of messages(batch)) {
      // this message's span: the request's trace, the request's correlation id
      logger.info({ orderId: message.body.orderId, sku: message.body.sku }, 'order fulfilled');
      message.ack();
    }
  },

  async scheduled(controller, env) {
    const report = await fetch(`${env.INVENTORY_URL}/report`);
    logger.info({ cron: controller.cron, status: report.status }, 'stock report requested');
  },
});
