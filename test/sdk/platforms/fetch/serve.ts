// A fetch-style function served by Node's own HTTP server, as Vercel's and Netlify's Node
// runtimes and a self-hosted server do: node:http → Request → the wrapped handler →
// Response. A request with `x-test-wait-until: 1` gets a context with a `waitUntil` (as
// Netlify's and Vercel Edge's); the others get none, so the SDK flushes before answering.
// Messages to the test go over the IPC channel; log lines go to stdout.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

type Context = { waitUntil(promise: Promise<unknown>): void } | undefined;
type Wrap = (
  handler: (request: Request, context: Context) => Promise<Response>,
) => (request: Request, context?: Context) => Promise<Response>;
interface Log {
  info(obj: unknown, msg?: string): void;
}

export function serve(wrap: Wrap, logger: Log): void {
  const handler = wrap(async (request) => {
    const url = new URL(request.url);
    logger.info({ path: url.pathname, password: 'hunter2' }, 'handling');
    if (url.pathname === '/call') {
      const res = await fetch(`${process.env.DOWNSTREAM}/echo`);
      logger.info({ status: res.status }, 'called');
      return new Response(await res.text());
    }
    if (url.pathname === '/unavailable') return new Response('down', { status: 503 });
    return new Response('ok');
  });

  const server = createServer(async (req, res) => {
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
    const work: Promise<unknown>[] = [];
    const context: Context = req.headers['x-test-wait-until'] ? { waitUntil: (p) => void work.push(p) } : undefined;
    const response = await handler(request, context);
    res.writeHead(response.status, { 'content-type': 'text/plain' });
    res.end(Buffer.from(await response.arrayBuffer()));
    // what the platform does after the response: wait for the work handed to waitUntil
    if (work.length > 0) void Promise.allSettled(work).then(() => process.send?.({ settled: req.url }));
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}
