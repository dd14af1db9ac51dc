// sdk-coldstart child: time to require one bundle in a fresh process.
//   node coldstart-child.cjs <bundle.cjs>
const { writeFileSync } = require('node:fs');

// Lambda's Node.js runtime client has loaded node:http (its RAPIDClient talks to the Runtime
// API with it) before it loads the handler, so a handler never pays for that module: neither
// does any variant here.
require('node:http');

const t0 = process.hrtime.bigint();
const mod = require(process.argv[2]);
const t1 = process.hrtime.bigint();
writeFileSync(
  process.env.BENCH_OUT,
  JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, handler: typeof mod.handler, sinceStartMs: performance.now() }),
);
