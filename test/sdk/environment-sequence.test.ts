import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { useReceiver } from '../helpers/otlp-receiver.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// Each invocation span names its execution environment and its number in it
// (fntrace.environment.id, fntrace.environment.sequence), so the collector can tell an
// invocation that never reported from one that never happened.
const rx = useReceiver();
const numbering = (requestIds: string[]) =>
  requestIds.map((id) => {
    const s = rx.invocationSpan(id)!;
    return [s.attrs['fntrace.environment.id'], s.attrs['fntrace.environment.sequence'], s.attrs['faas.coldstart']];
  });

describe('environment numbering', () => {
  it('numbers an environment’s invocations 1, 2, 3 under one id, and a new process afresh under another', async () => {
    const ok = { event: fixture('apigw-http-v2') };
    const one = await runLambda({ handler: 'app.cjs', invocations: [ok, ok, ok], endpoint: rx.url, sequential: true });
    const two = await runLambda({ handler: 'app.cjs', invocations: [ok], endpoint: rx.url });

    const first = numbering(one.outcomes.map((o) => o.requestId));
    const [[id]] = first as [[string]];
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(first).toEqual([
      [id, 1, true],
      [id, 2, false],
      [id, 3, false],
    ]);
    const [[other, n]] = numbering(two.outcomes.map((o) => o.requestId)) as [[string, number]];
    expect([other !== id, n]).toEqual([true, 1]);
  });

  it('numbers concurrent invocations of one environment apart', async () => {
    const ok = { event: { ...fixture('apigw-http-v2'), _test: { delayMs: 50 } } };
    const run = await runLambda({ handler: 'app.cjs', invocations: [ok, ok, ok], endpoint: rx.url });
    const seqs = numbering(run.outcomes.map((o) => o.requestId)).map(([, n]) => n);
    expect(seqs.sort()).toEqual([1, 2, 3]);
  });

  it('numbers only the invocations the sampler keeps, so one it leaves out never looks lost', async () => {
    // Prepare: the middle invocation continues a trace its caller did not sample
    const ok = fixture('apigw-http-v2');
    const unsampled = { ...ok, headers: { ...ok.headers, traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-00` } };

    // Act
    const run = await runLambda({
      handler: 'app.cjs',
      invocations: [{ event: ok }, { event: unsampled }, { event: ok }],
      endpoint: rx.url,
      sequential: true,
    });

    // Assess: no span of the middle one; the other two are 1 and 2
    const [first, middle, last] = run.outcomes.map((o) => o.requestId);
    expect(rx.invocationSpan(middle!)).toBeUndefined();
    expect(numbering([first!, last!]).map(([, n]) => n)).toEqual([1, 2]);
  });

  it('goes on numbering in a new process of the same environment, as after a Lambda reset', async () => {
    // Prepare: the environment's memory, which Lambda keeps in /tmp across a reset
    const file = join(tempDir('fntrace-env-'), 'environment.json');
    const ok = { event: fixture('apigw-http-v2') };
    const env = { FNTRACE_ENVIRONMENT_FILE: file };

    // Act: two invocations, then the runtime process is replaced (a reset) and serves one more
    const before = await runLambda({
      handler: 'app.cjs',
      invocations: [ok, ok],
      endpoint: rx.url,
      env,
      sequential: true,
    });
    const after = await runLambda({ handler: 'app.cjs', invocations: [ok], endpoint: rx.url, env });

    // Assess: one environment, numbers 1, 2, then 3 as the new process's cold start
    const [[id]] = numbering(before.outcomes.map((o) => o.requestId)) as [[string]];
    expect(numbering([...before.outcomes, ...after.outcomes].map((o) => o.requestId))).toEqual([
      [id, 1, true],
      [id, 2, false],
      [id, 3, true],
    ]);
  });
});
