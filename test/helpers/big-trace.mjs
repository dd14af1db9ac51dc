// One wide, deep trace as an OTLP/JSON request: the dashboard's large-trace case, used by the
// browser tests (test/browser/dashboard.test.ts) and the render bench (test/bench/dashboard-render.bench.mjs).

/**
 * An ExportTraceServiceRequest of one trace of `n` spans of service "big-service": a SERVER root
 * "GET /big" and `n - 1` INTERNAL children "step i", each the child of span `floor((i - 1) / 10)`
 * (ten children a parent, so the tree is about log10(n) deep). Span `i` starts `i` × 0.1 ms after
 * the root and lasts 5 ms; the root starts a minute before `nowMs`. Span ids are `i + 1` in hex.
 *
 * @example
 *   await fetch(`${url}/v1/traces`, { method: 'POST', body: JSON.stringify(bigTrace(10_000)),
 *     headers: { 'content-type': 'application/json' } });
 */
export function bigTrace(n, { traceId = 'ab'.repeat(16), nowMs = Date.now() } = {}) {
  const start = BigInt(nowMs - 60_000) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    parentSpanId: i === 0 ? '' : (Math.floor((i - 1) / 10) + 1).toString(16).padStart(16, '0'),
    name: i === 0 ? 'GET /big' : `step ${i}`,
    kind: i === 0 ? 2 : 1,
    startTimeUnixNano: String(start + BigInt(i) * 100_000n),
    endTimeUnixNano: String(start + BigInt(i) * 100_000n + 5_000_000n),
  }));
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big-service' } }] },
        scopeSpans: [{ spans }],
      },
    ],
  };
}
