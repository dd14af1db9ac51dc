import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/cleanup.js';
import { api, send } from './fixtures.js';
import { useCollector } from './helpers.js';
import { invocationBatch, numberedInvocation } from './numbered-invocations.js';

// Telemetry loss under --tail-sampling: an invocation the sampler leaves out of otel_traces was
// not lost — its environment's numbering still counts it (fntrace_invocations is filled from
// the staging table, before sampling) — while a number that never arrived is still lost.
const files = useTempDir('fntrace-loss-sampling-');
const options: Record<string, unknown> = {};
beforeAll(() => {
  const rules = join(files.path, 'sampling.yaml');
  // keep nothing healthy: every one of these invocations is sampled out
  writeFileSync(rules, 'decisionDelay: 1s\nhold: 1h\nkeep:\n  coldStarts: false\n  percent: 0\n');
  options.tailSampling = rules;
});
const c = useCollector(options, { samplingInBackground: false });

describe('telemetry loss with tail sampling', () => {
  it('counts sampled-out invocations as seen, only the number that never arrived as lost, and their dropped counts', async () => {
    // Prepare: an environment reports invocations 1–5 and 7 (6 never arrives)
    const fn = 'sampled-fn';
    const env = 'fedcba9876543210';
    const t0 = Date.now() - 120_000;
    // invocation 7 carries what the SDK dropped meanwhile, as the flushing invocation's span does
    const spans = [1, 2, 3, 4, 5, 7].map((n) =>
      numberedInvocation(fn, env, n, t0 + n * 1000, {
        counts: n === 7 ? { 'fntrace.sdk.dropped_spans': 4, 'fntrace.sdk.dropped_log_records': 2 } : {},
      }),
    );
    await send(c.url, invocationBatch(fn, spans));
    await c.drained();

    // Act: the sampler decides every trace (the decision delay passes on the store's clock)
    for (;;) {
      await c.server.app.sampler.tick();
      const [r] = await c.query<{ n: string }>(
        `SELECT toString(uniqExact(TraceId)) AS n FROM \`${c.server.parts().store.database}\`.fntrace_sampling_decisions`,
      );
      if (Number(r!.n) >= spans.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }

    // Assess: none of them is in otel_traces, and the loss figures are those of what was sent
    for (const s of spans) {
      const { state } = await api(c.url, `/api/traces/${s.traceId}/sampling`);
      expect(state).toBe('sampled_out');
    }
    // the gap is pending until the measured ingest lag has passed since invocation 7 ended: these
    // spans were sent two minutes late, so that lag is about as long as they are old
    let loss: { functions: unknown[]; gaps: { state: string }[] };
    do {
      loss = await api(c.url, `/api/telemetry-loss?function=${fn}&since=1h&grace=0s`);
      if (loss.gaps[0]?.state === 'pending') await new Promise((r) => setTimeout(r, 500));
    } while (loss.gaps[0]?.state === 'pending');
    const { functions, gaps } = loss;
    expect(functions).toMatchObject([
      { function: fn, seen: 6, missing: 1, pending: 0, droppedSpans: 4, droppedLogRecords: 2 },
    ]);
    expect(gaps).toMatchObject([{ environmentId: env, firstSequence: 6, count: 1, state: 'lost' }]);
  }, 60_000);
});
