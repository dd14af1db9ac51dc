import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../helpers/cleanup.js';
import { type LocalApi, serveLambda } from '../../helpers/run-lambda.js';
import { api } from '../fixtures.js';
import { useCollector } from '../helpers.js';
import { startWebhookReceiver, until } from './webhook-receiver.js';

// The telemetry_loss signal on the real collector, with a 1 s interval and a 10 s window: a
// real Lambda environment (local-runtime, @fntrace/sdk) crashes before its flush, Lambda-style
// reset brings a new process of it, and the rule on the function fires on the invocation lost;
// healthy invocations after it resolve it once the share lost is under the threshold.
const c = useCollector({}, { alertMinLagMs: 500, alertRetryBaseMs: 100, alertTickMs: 200 });
const dir = useTempDir('fntrace-loss-alert-');
const FN = 'flaky-fn';
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
const running = new Set<LocalApi & { exited: Promise<unknown> }>();

beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  for (const env of running) await env.stop('SIGKILL');
  await hooks?.close();
});

async function environment() {
  const env = (await serveLambda({
    handler: 'lossy.cjs',
    functionName: FN,
    endpoint: c.url,
    env: { FNTRACE_ENVIRONMENT_FILE: join(dir.path, 'environment') },
  })) as LocalApi & { exited: Promise<unknown> };
  running.add(env);
  void env.exited.then(() => running.delete(env));
  return env;
}

async function invoke(env: LocalApi, test: object = {}): Promise<void> {
  const res = await fetch(`${env.url}/2015-03-31/functions/${FN}/invocations`, {
    method: 'POST',
    body: JSON.stringify({ _test: test }),
  });
  await res.arrayBuffer();
}

describe('telemetry_loss alerts', () => {
  it('fires when an invocation of the function is lost, and resolves once healthy invocations bring the share under 1 %', async () => {
    // Prepare
    const res = await fetch(`${c.url}/api/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'flaky loses telemetry',
        target: { function: FN },
        signal: 'telemetry_loss',
        comparator: '>',
        threshold: 1,
        window: '10s',
        interval: '1s',
        channels: [{ type: 'webhook', url: `${hooks.url}/loss` }],
      }),
    });
    expect(res.status).toBe(201);

    // Act: one invocation, one that crashes the environment before its flush, and the new
    // process of the environment serving the next
    let env = await environment();
    await invoke(env);
    await invoke(env, { exit: true }).catch(() => undefined);
    await env.exited;
    env = await environment();
    await invoke(env);

    // Assess: one lost of three
    const firing = await until('the firing notification', () => hooks.on('/loss')[0]);
    expect(firing.body).toMatchObject({
      kind: 'firing',
      rule: { signal: 'telemetry_loss', unit: '%', threshold: 1 },
    });
    expect(firing.body.value).toBeCloseTo(100 / 3, 6);

    // healthy invocations until under 1 % of the window's are lost (or the gap has left it)
    const resolved = await until(
      'the resolved notification',
      async () => {
        await invoke(env);
        return hooks.on('/loss').find((r) => r.body.kind === 'resolved');
      },
      40_000,
    );
    expect(resolved.body.value).toBeLessThanOrEqual(1);
    expect(hooks.on('/loss').map((r) => r.body.kind)).toEqual(['firing', 'resolved']);
    const { functions } = await api(c.url, `/api/telemetry-loss?function=${FN}&since=1h&grace=0s`);
    expect(functions[0].missing).toBe(1);
    // the preview draws the same: one bucket with the loss in it
    const preview = await fetch(`${c.url}/api/alerts/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'p',
        target: { function: FN },
        signal: 'telemetry_loss',
        comparator: '>',
        threshold: 1,
      }),
    });
    const { points, unit } = await preview.json();
    expect(unit).toBe('%');
    expect(points.filter((p: any) => p.value > 0)).toHaveLength(1);
    await env.stop();
  }, 90_000);
});
