// Bun: Bun.serve calls fetch with (request, server), which has no waitUntil, so fntrace flushes
// (bounded) before each response. Bun resolves @fntrace/sdk/fetch to its Node build.
//   bun main-bun.mjs
import handler from './orders.mjs';

Bun.serve({ port: Number(process.env.PORT ?? 3000), fetch: (request) => handler(request) });
