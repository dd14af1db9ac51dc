// Deno and Deno Deploy: Deno.serve calls the handler with (request, info), which has no
// waitUntil, so fntrace flushes (bounded) before each response. Deno resolves
// @fntrace/sdk/fetch from package.json to its build without Node's built-ins.
//   deno run --allow-net --allow-env main-deno.mjs
import handler from './orders.mjs';

Deno.serve(handler);
