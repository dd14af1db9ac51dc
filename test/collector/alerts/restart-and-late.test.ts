import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type CollectorServer } from '../../../collector/src/index.js';
import { useTempDir } from '../../helpers/cleanup.js';
import { send } from '../fixtures.js';
import { entrySpans } from './entry-spans.js';
import { startWebhookReceiver } from './webhook-receiver.js';

// Restarts in each state, on a controllable clock: state, pending notifications and the
// "for" timer survive a restart, and nothing is sent twice. And a window whose slow spans
// arrive late is judged once they are in, not before.
const data = useTempDir('fntrace-alert-restart-');
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let clock = Date.now();
let server: CollectorServer | undefined;
let url = '';

async function start() {
  server = buildServer(
    { data: data.path, port: 0, logLevel: 'warn', segmentMaxAgeMs: 20, alerts: false },
    { now: () => clock, alertMinLagMs: 0, alertRetryBaseMs: 50 },
  );
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return server.parts().engine;
}
async function stop() {
  await server?.app.close();
  server = undefined;
}
async function drained() {
  const { spool } = server!.parts();
  while (spool.totalBytes > 0) await new Promise((r) => setTimeout(r, 20));
}

const rule = (name: string, service: string, extra: object = {}) => ({
  name,
  target: { service },
  signal: 'latency_p95',
  comparator: '>',
  threshold: 300,
  window: '1m',
  interval: '10s',
  for: '2m',
  channels: [{ type: 'webhook', url: `${hooks.url}/${service}` }],
  ...extra,
});

beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await stop();
  await hooks.close();
});

const stateOf = (engine: Awaited<ReturnType<typeof start>>, id: string) =>
  engine.status().find((s) => s.rule.id === id)?.states[0]?.state;

describe('restarts', () => {
  it('keeps pending across a restart, fires once when "for" has passed, and stays quiet after restarting while firing', async () => {
    clock = Date.now();
    const tickAt = async (engine: Awaited<ReturnType<typeof start>>) => {
      clock = Date.now();
      await engine.tick();
      await engine.idle();
    };
    let engine = await start();
    const { parseRule } = await import('../../../collector/src/alerts/rule.js');
    await engine.saveRule(parseRule(rule('restart p95', 'restart-svc', { for: '3s', interval: '1s' })));
    await send(url, entrySpans('restart-svc', 15, 800, { endMs: Date.now() - 10_000 }));
    await drained();
    await tickAt(engine);
    expect(stateOf(engine, 'restart-p95')).toBe('pending');
    await stop();

    await new Promise((r) => setTimeout(r, 3200)); // "for" passes while the collector is down
    engine = await start();
    expect(stateOf(engine, 'restart-p95')).toBe('pending');
    await tickAt(engine);
    expect(stateOf(engine, 'restart-p95')).toBe('firing');
    expect(hooks.on('/restart-svc').map((r) => r.body.kind)).toEqual(['firing']);
    await stop();

    engine = await start();
    expect(stateOf(engine, 'restart-p95')).toBe('firing');
    await tickAt(engine);
    expect(hooks.on('/restart-svc').map((r) => r.body.kind)).toEqual(['firing']);
    await stop();

    // fast invocations outnumber the slow ones twentyfold: p95 drops, and it resolves once
    engine = await start();
    await send(url, entrySpans('restart-svc', 400, 20, { endMs: Date.now() - 10_000 }));
    await drained();
    await tickAt(engine);
    expect(stateOf(engine, 'restart-p95')).toBe('resolved');
    expect(hooks.on('/restart-svc').map((r) => r.body.kind)).toEqual(['firing', 'resolved']);
    await stop();
  }, 120_000);

  it('delivers after a restart a notification that was still pending when the collector stopped', async () => {
    clock = Date.now();
    let engine = await start();
    const { parseRule } = await import('../../../collector/src/alerts/rule.js');
    hooks.failNext('/outbox-svc', 100); // the receiver is down for now
    await engine.saveRule(parseRule(rule('outbox p95', 'outbox-svc', { for: '0s' })));
    await send(url, entrySpans('outbox-svc', 20, 900, { endMs: clock - 12_000 }));
    await drained();
    await engine.tick();
    await new Promise((r) => setTimeout(r, 300)); // a few failed attempts
    await stop(); // stops retrying; the notification stays pending in the outbox
    const failedTries = hooks.on('/outbox-svc').length;
    expect(failedTries).toBeGreaterThan(0);

    hooks.failNext('/outbox-svc', 0); // the receiver is back
    clock += 5_000;
    engine = await start();
    await engine.idle();
    const got = hooks.on('/outbox-svc');
    expect(got.length).toBe(failedTries + 1);
    expect(new Set(got.map((r) => r.idempotencyKey)).size).toBe(1);
    // evaluating again while firing does not send the same transition again
    await send(url, entrySpans('outbox-svc', 20, 900, { endMs: clock - 12_000 }));
    await drained();
    await engine.tick();
    await engine.idle();
    expect(hooks.on('/outbox-svc').length).toBe(failedTries + 1);
    await stop();
  }, 120_000);
});

describe('late spans', () => {
  it('waits for the ingest lag, so a window is judged with its late spans in it', async () => {
    clock = Date.now(); // lag is measured against the time spans were stored
    const engine = await start();
    const { parseRule } = await import('../../../collector/src/alerts/rule.js');
    // spans have been arriving about a minute after they ended (functions that froze before flushing)
    await send(url, entrySpans('lag-warmup', 200, 10, { endMs: clock - 60_000 }));
    await drained();
    await engine.saveRule(
      parseRule(rule('late p95', 'late-svc', { for: '0s', interval: '1s', window: '30s', threshold: 15_000 })),
    );
    // the window now due holds fast (10 s) invocations that have come in...
    await send(url, entrySpans('late-svc', 10, 10_000, { endMs: clock - 75_000 }));
    await drained();
    await engine.tick();
    expect(engine.lastLagMs).toBeGreaterThan(70_000);
    expect(stateOf(engine, 'late-p95')).toBe('inactive');
    // ...and then its slow (20 s) ones, late: the same window now fires
    await send(url, entrySpans('late-svc', 10, 20_000, { endMs: clock - 76_000 }));
    await drained();
    clock += 1000;
    await engine.tick();
    expect(stateOf(engine, 'late-p95')).toBe('firing');
    await stop();
  }, 60_000);
});
