// orders.mjs behind Node's own HTTP server, as a self-hosted service runs a fetch-style handler
// (and as the tests run it): node:http's request → a `Request` → the wrapped handler → its
// `Response` → node:http's response. There is no `waitUntil` here, so the handler's export is
// flushed (bounded) before each response. Log lines go to stdout; so does one line with the URL.
//
//   INVENTORY_URL=http://127.0.0.1:8081 PORT=3000 node examples/fetch/serve-node.mjs
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import handler from './orders.mjs';

const server = createServer(async (req, res) => {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.append(key, v);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
  });
  const response = await handler(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}`);
});
