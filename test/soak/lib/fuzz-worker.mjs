// Worker thread of fuzzRequestsAhead (fuzz-bodies.mjs): makes the requests of `fuzzRequests`,
// a chunk at each 'next' message, and posts each chunk (null once all are made).
import { parentPort, workerData } from 'node:worker_threads';
import { fuzzRequests } from './fuzz-bodies.mjs';

const requests = fuzzRequests(workerData.count, workerData.seed);
parentPort.on('message', () => {
  const chunk = [];
  for (let r = requests.next(); !r.done; r = requests.next()) {
    chunk.push(r.value);
    if (chunk.length === workerData.chunk) break;
  }
  parentPort.postMessage(chunk.length ? chunk : null);
});
