// The load of the reliability soak: OTLP/protobuf requests whose every span can be told apart
// and traced back to its request, sent on a schedule by a pool of senders.
//
// Request k is the ingest bench's request (test/bench/lib/ingest-spans.mjs: 20-attribute
// serverless spans, as the OpenTelemetry JS exporter encodes them) with the first four bytes of
// every trace and span id in it (links and parents included) overwritten by k. Encoding is done
// once; a request costs a copy and a few thousand byte writes, so one core can offer the
// collector far more than it stores. And a stored span names its request: the first 8 hex
// digits of its SpanId are k, the other 8 are the template's, distinct within a request — so
// the store can be counted by id, request by request (lib/stored-ids.mjs).

import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { postTraces } from '../../bench/lib/ingest-collector.mjs';
import { encodeRequest, requestSpans, windowStartNs } from '../../bench/lib/ingest-spans.mjs';

/** Request bodies numbered k ≥ 1, made from one encoded template. */
export class NumberedRequests {
  /**
   * @param {{ spansPerRequest?: number, baseNs?: bigint }} [options] spans per request
   *   (default 500); the template's time window start (default 01:00 UTC yesterday)
   */
  constructor({ spansPerRequest = 500, baseNs = windowStartNs() } = {}) {
    // seed 1 is the bench's; another seed only if this one's span ids share their last 4 bytes
    for (let seed = 1; ; seed++) {
      const options = { spansPerRequest, baseNs, seed };
      const spans = requestSpans(0, options);
      const suffixes = spans.map((s) => s.spanContext().spanId.slice(8));
      if (new Set(suffixes).size !== suffixes.length) continue;
      this.spansPerRequest = spansPerRequest;
      /** The last 8 hex digits of each span id, the same in every request. */
      this.suffixes = suffixes;
      this.template = encodeRequest(0, options);
      this.offsets = idOffsets(this.template, spans);
      return;
    }
  }

  /** The body of request `k` (1 ≤ k < 2^32). */
  body(k) {
    const b = Buffer.from(this.template);
    for (const at of this.offsets) b.writeUInt32BE(k, at);
    return b;
  }
}

/** Where each trace and span id of `spans` (their links' and parents' too) starts in `buf`. */
function idOffsets(buf, spans) {
  const ids = new Set();
  for (const s of spans) {
    ids.add(s.spanContext().traceId);
    ids.add(s.spanContext().spanId);
    if (s.parentSpanContext) ids.add(s.parentSpanContext.spanId);
    for (const l of s.links) {
      ids.add(l.context.traceId);
      ids.add(l.context.spanId);
    }
  }
  const offsets = [];
  for (const id of ids) {
    const needle = Buffer.from(id, 'hex');
    for (let at = buf.indexOf(needle); at >= 0; at = buf.indexOf(needle, at + needle.length)) offsets.push(at);
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * One POST of an OTLP/protobuf body to /v1/traces (the ingest bench's postTraces). Resolves
 * `{ status, retryAfter }`, or `{ status: 0, error }` when the connection failed or was cut
 * before an answer (a request that may or may not have been stored: never acknowledged).
 */
export const post = (port, agent, body) =>
  postTraces(port, agent, body).then(
    ({ status, retryAfter }) => ({ status, retryAfter }),
    (error) => ({ status: 0, error }),
  );

/**
 * Sends requests 1, 2, 3, … on a schedule — request k is due `k × 1000 / perSecond` ms after
 * the start — from `concurrency` senders until `until()` is true. A sender takes the next due
 * request, waits for its time, and hands it to `send(k)`, which resolves when the request is
 * done with (acknowledged, given up, or cut off). A request found more than `maxLagMs` late is
 * skipped and counted (`skipped`), as a client whose queue is full drops spans; without
 * `maxLagMs` the senders fall behind instead. Resolves `{ next, skipped, maxLagMs }`.
 */
export async function schedule({ perSecond, concurrency, until, send, maxLagMs = Number.POSITIVE_INFINITY }) {
  const intervalMs = 1000 / perSecond;
  const started = performance.now();
  const state = { next: 1, skipped: 0, maxLagMs: 0 };
  const sender = async () => {
    while (!until()) {
      const k = state.next++;
      const wait = started + (k - 1) * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      else if (-wait > maxLagMs) {
        state.skipped++;
        continue;
      } else state.maxLagMs = Math.max(state.maxLagMs, -wait);
      if (until()) return;
      await send(k);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return state;
}

/** Counts of answers by status (`0` for a connection cut before any answer). */
export class StatusCounts {
  constructor() {
    this.byStatus = {};
    this.withoutRetryAfter = 0;
  }
  add({ status, retryAfter }) {
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if ((status === 429 || status === 503) && !(Number(retryAfter) > 0)) this.withoutRetryAfter++;
  }
}

/** A keep-alive agent for `sockets` concurrent requests. */
export const agentFor = (sockets) => new http.Agent({ keepAlive: true, maxSockets: sockets });
