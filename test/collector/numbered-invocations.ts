/**
 * Invocation spans as @fntrace/sdk exports them (OTLP JSON), numbered in an environment
 * (`fntrace.environment.id`, `fntrace.environment.sequence`): for tests that need a gap, or late
 * data, at a chosen time — what a real SDK cannot be made to send on cue.
 */
export function numberedInvocation(
  fn: string,
  env: string,
  seq: number,
  startMs: number,
  o: { outcome?: 'ok' | 'error' | 'timeout'; coldStart?: boolean; counts?: Record<string, number> } = {},
) {
  const kv = (key: string, value: object) => ({ key, value });
  const attributes = [
    kv('faas.trigger', { stringValue: 'other' }),
    kv('faas.invocation_id', { stringValue: `${env}-${seq}` }),
    kv('faas.coldstart', { boolValue: o.coldStart ?? seq === 1 }),
    kv('fntrace.environment.id', { stringValue: env }),
    kv('fntrace.environment.sequence', { intValue: String(seq) }),
  ];
  if (o.outcome === 'timeout') attributes.push(kv('fntrace.timeout', { boolValue: true }));
  for (const [key, n] of Object.entries(o.counts ?? {})) attributes.push(kv(key, { intValue: String(n) }));
  const hex = Buffer.from(`${env}:${seq}`).toString('hex');
  return {
    traceId: hex.slice(-32).padStart(32, '0'),
    spanId: hex.slice(-16).padStart(16, '0'),
    name: `${fn} invoke`,
    kind: 2,
    startTimeUnixNano: String(BigInt(Math.round(startMs)) * 1_000_000n),
    endTimeUnixNano: String(BigInt(Math.round(startMs) + 20) * 1_000_000n),
    attributes,
    status: o.outcome && o.outcome !== 'ok' ? { code: 2 } : {},
  };
}

/** One OTLP traces body of `spans` from the function `fn` (its service and `faas.name`). */
export function invocationBatch(fn: string, spans: object[]) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: fn } },
            { key: 'faas.name', value: { stringValue: fn } },
            { key: 'faas.instance', value: { stringValue: `${fn}/instance-1` } },
          ],
        },
        scopeSpans: [{ scope: { name: '@fntrace/sdk' }, spans }],
      },
    ],
  };
}
