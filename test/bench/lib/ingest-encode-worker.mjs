// Worker thread of the ingest bench: encodes requests [from, to) of the span generator and
// hands the bodies back without copying.
import { parentPort, workerData } from 'node:worker_threads';
import { encodeRequest } from './ingest-spans.mjs';

const { from, to, options } = workerData;
const bodies = [];
for (let k = from; k < to; k++) bodies.push(encodeRequest(k, { ...options, baseNs: BigInt(options.baseNs) }));
// every body owns its ArrayBuffer only if it was not carved from a shared pool: copy to be sure
const owned = bodies.map((b) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : Buffer.from(b)));
parentPort.postMessage(
  owned.map((b) => b.buffer),
  owned.map((b) => b.buffer),
);
