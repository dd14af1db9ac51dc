// sdk-coldstart child: time to require one bundle in a fresh process.
//   node coldstart-child.cjs <bundle.cjs>
const { writeFileSync } = require('node:fs');

const t0 = process.hrtime.bigint();
const mod = require(process.argv[2]);
const t1 = process.hrtime.bigint();
writeFileSync(
  process.env.BENCH_OUT,
  JSON.stringify({ requireMs: Number(t1 - t0) / 1e6, handler: typeof mod.handler, sinceStartMs: performance.now() }),
);
