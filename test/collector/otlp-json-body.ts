/**
 * Small OTLP/JSON request bodies for collector tests that need many distinct spans
 * (load, crash, outage), built by hand so each span's id is known to the test.
 */
let counter = 0;
/** A minute before the test began, in ns: within every retention, never ahead of the clock. */
const BASE_NS = BigInt(Date.now() - 60_000) * 1_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export interface Batch {
  body: string;
  spanIds: string[];
}

export function spanBatch(service: string, count: number, attributes = 5): Batch {
  const spanIds: string[] = [];
  const spans = [];
  for (let i = 0; i < count; i++) {
    counter++;
    const spanId = hex(counter, 16);
    spanIds.push(spanId);
    spans.push({
      traceId: hex(counter, 32),
      spanId,
      name: `op-${i % 7}`,
      kind: 2,
      startTimeUnixNano: String(BASE_NS + BigInt(counter) * 1000n),
      endTimeUnixNano: String(BASE_NS + BigInt(counter) * 1000n + 5_000_000n),
      attributes: Array.from({ length: attributes }, (_, k) => ({
        key: `attr.${k}`,
        value: { stringValue: `value-${k}-${counter}` },
      })),
    });
  }
  const body = JSON.stringify({
    resourceSpans: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] },
    ],
  });
  return { body, spanIds };
}
