let seq = 0;

/**
 * An OTLP/JSON request of `n` entry (SERVER) spans of `service`, each `durationMs` long, that
 * ended at `endMs` (default: just now), with an error status when `error` is set. Every span is its
 * own trace, with ids unique in this process, so the alert signals count each of them.
 */
export function entrySpans(
  service: string,
  n: number,
  durationMs: number,
  { error = false, endMs = Date.now() - 200 }: { error?: boolean; endMs?: number } = {},
) {
  const now = BigInt(endMs) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: n }, (_, i) => {
              seq++;
              return {
                traceId: seq.toString(16).padStart(32, '0'),
                spanId: seq.toString(16).padStart(16, '0'),
                name: 'GET /checkout',
                kind: 2,
                startTimeUnixNano: String(now - BigInt(durationMs) * 1_000_000n - BigInt(i) * 1000n),
                endTimeUnixNano: String(now - BigInt(i) * 1000n),
                status: error ? { code: 2, message: 'boom' } : {},
              };
            }),
          },
        ],
      },
    ],
  };
}
