// A module Worker as a user would write it, wrapped with one import (a user writes
// '@fntrace/sdk/cloudflare'; the tests build the SDK's source in). Built by the tests with
// esbuild (platform neutral) and run in workerd through Miniflare. What each request does is
// chosen by its path.
import { trace } from '@opentelemetry/api';
import { correlationId, invocation, logger, messages, wrap } from '../../../../sdk/src/cloudflare.js';

interface QueueLike {
  send(body: unknown, options?: { contentType?: string }): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown>;
}
interface Env {
  ORDERS: QueueLike;
  /** A service binding (a Node function in the tests). */
  INVENTORY: { fetch: typeof fetch };
  /** Base URL of the test's HTTP server on 127.0.0.1. */
  DOWNSTREAM: string;
}
interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}
interface Message {
  id: string;
  body: unknown;
  ack(): void;
  retry(): void;
}

const tracer = trace.getTracer('edge-app');

export default wrap({
  async fetch(request: Request, env: Env, ctx: Ctx): Promise<Response> {
    const url = new URL(request.url);
    logger.info({ path: url.pathname, password: 'hunter2', nested: { apiKey: 'k-123', keep: 'visible' } }, 'handling');
    switch (url.pathname) {
      case '/enqueue': {
        await env.ORDERS.send({ orderId: 1 });
        await env.ORDERS.sendBatch([{ body: { orderId: 2 } }, { body: { orderId: 3 } }]);
        await env.ORDERS.send('plain text cannot carry context', { contentType: 'text' });
        return new Response('queued', { status: 202 });
      }
      case '/call': {
        const res = await fetch(`${env.DOWNSTREAM}/echo?token=s3cret`, { headers: { 'x-app': 'edge' } });
        const inventory = await env.INVENTORY.fetch('https://inventory.internal/stock');
        logger.info({ downstream: res.status, inventory: inventory.status }, 'called');
        return Response.json({ correlationId: correlationId(), downstream: await res.text() });
      }
      case '/child':
        await tracer.startActiveSpan('load-order', async (span) => {
          logger.info('inside child');
          span.end();
        });
        return new Response('ok');
      case '/background':
        // work handed to waitUntil: its span and line are exported after it is done
        ctx.waitUntil(
          (async () => {
            await fetch(`${env.DOWNSTREAM}/slow`);
            tracer.startSpan('background-work').end();
            logger.info('background done');
          })(),
        );
        return new Response('accepted', { status: 202 });
      case '/overlap': {
        // held by the test server until every overlapping request has arrived: they overlap for sure
        const id = request.headers.get('x-request-id');
        await fetch(`${env.DOWNSTREAM}/barrier?id=${id}&n=1`);
        logger.info({ id }, 'after await');
        invocation(ctx).logger.info({ id }, 'bound after await');
        await env.INVENTORY.fetch(`https://inventory.internal/item?id=${id}`);
        await invocation(ctx).fetch(`${env.DOWNSTREAM}/bound?id=${id}`);
        await fetch(`${env.DOWNSTREAM}/global?id=${id}`);
        await fetch(`${env.DOWNSTREAM}/barrier?id=${id}&n=2`);
        return new Response(id);
      }
      case '/unavailable':
        return new Response('down', { status: 503 });
      case '/throw':
        throw new Error('boom');
      default:
        return new Response('ok');
    }
  },

  async queue(batch: { queue: string; messages: readonly Message[] }): Promise<void> {
    logger.info({ count: batch.messages.length }, 'batch received');
    for (const message of messages(batch)) {
      logger.info({ body: message.body }, 'message processed');
      message.ack();
    }
  },

  async scheduled(controller: { cron: string }): Promise<void> {
    logger.info({ cron: controller.cron }, 'tick');
  },
});
