import Fastify from 'fastify';

/** A webhook endpoint on 127.0.0.1 that records what it gets and can be told to fail. */
export interface Received {
  path: string;
  body: any;
  idempotencyKey: string | undefined;
  at: number;
}

export async function startWebhookReceiver() {
  const app = Fastify();
  const received: Received[] = [];
  const failures = new Map<string, number>();
  app.post('/*', async (req, reply) => {
    const path = req.url;
    received.push({
      path,
      body: req.body,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
      at: Date.now(),
    });
    const left = failures.get(path) ?? 0;
    if (left > 0) {
      failures.set(path, left - 1);
      return reply.code(500).send({ error: 'try again' });
    }
    return { ok: true };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    received,
    on: (path: string) => received.filter((r) => r.path === path),
    /** Answer 500 to the next `n` requests on `path`. */
    failNext: (path: string, n: number) => failures.set(path, n),
    close: () => app.close(),
  };
}

/** Calls `fn` (it may be async) every 50 ms until it returns something truthy, and returns that. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
