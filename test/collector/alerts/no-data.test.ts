import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../fixtures.js';
import { useCollector } from '../helpers.js';
import { entrySpans as spans } from './entry-spans.js';
import { startWebhookReceiver, until } from './webhook-receiver.js';

// A firing rule whose spans stop: the receiver is told (no data), and told again when data is
// back and fine (resolved) — each once, with the same idempotency key scheme as firing. And a
// rule that names a service or function that has not reported is accepted with a warning.
const c = useCollector({}, { alertMinLagMs: 500, alertRetryBaseMs: 100, alertTickMs: 200 });
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(() => hooks?.close());

async function post(path: string, body: object, method = 'POST') {
  const res = await fetch(`${c.url}${path}`, {
    method,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

const RULE = {
  name: 'nodata p95',
  target: { service: 'alert-nodata' },
  signal: 'latency_p95',
  comparator: '>',
  threshold: 300,
  window: '10s',
  interval: '1s',
  minSamples: 3,
};

describe('alerts: no data', () => {
  it('notifies firing, then no data when the spans stop, then resolved when fast ones come: each once', async () => {
    const created = await post('/api/alerts/rules', {
      ...RULE,
      channels: [
        { type: 'webhook', url: `${hooks.url}/nodata` },
        { type: 'slack', url: `${hooks.url}/nodata-slack` },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await send(c.url, spans('alert-nodata', 10, 600));
    await until('the firing notification', () => hooks.on('/nodata')[0]);

    // nothing more is sent: once the slow spans leave the 10 s window, the rule has no data
    const noData = await until('the no-data notification', () => hooks.on('/nodata')[1], 40_000);
    expect(noData.body).toMatchObject({
      kind: 'no_data',
      state: 'no_data',
      rule: { id: 'nodata-p95', window: '10s' },
      value: null,
    });
    expect(noData.body.notificationId).toMatch(/^nodata-p95\|\|\d+\|no_data$/);
    expect(noData.idempotencyKey).toBe(noData.body.notificationId);
    const slack = await until('the Slack no-data message', () => hooks.on('/nodata-slack')[1]);
    expect(slack.body.text).toMatch(
      /^\[NO DATA\] nodata p95: latency_p95 had fewer than 3 samples over 10s while firing — <http.*#\/alerts\?rule=nodata-p95\|rule>$/,
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(hooks.on('/nodata').map((r) => r.body.kind)).toEqual(['firing', 'no_data']);

    const resolved = await until(
      'the resolved notification',
      () => {
        void send(c.url, spans('alert-nodata', 5, 20));
        return hooks.on('/nodata').find((r) => r.body.kind === 'resolved');
      },
      40_000,
    );
    expect(resolved.body.value).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 1500));
    expect(hooks.on('/nodata').map((r) => r.body.kind)).toEqual(['firing', 'no_data', 'resolved']);
    expect(new Set(hooks.on('/nodata').map((r) => r.idempotencyKey)).size).toBe(3);
    const history = (await (await fetch(`${c.url}/api/alerts/history?rule=nodata-p95`)).json()).history;
    const path = history
      .filter((h: any) => h.kind === 'transition')
      .reverse()
      .map((h: any) => h.to);
    expect(path.slice(0, 3)).toEqual(['firing', 'no_data', 'resolved']);
  }, 120_000);

  it('accepts a rule on a service or function that has not reported, with a warning that says so', async () => {
    await send(c.url, spans('alert-known', 2, 10));
    await c.drained();
    const typo = await post('/api/alerts/rules', {
      ...RULE,
      name: 'typo',
      target: { service: 'alert-knwon', function: 'never-deployed' },
    });
    expect(typo.status).toBe(201);
    expect(typo.body.warnings).toEqual([
      'service "alert-knwon" has reported no spans in the last 10s (nor in the last 24 h); did you mean "alert-known"? Until it does, the rule has no data',
      'function "never-deployed" has reported no invocations in the last 10s (nor in the last 24 h). Until it does, the rule has no data',
    ]);
    // replaced with the right name: no warning; the preview checks the same
    const fixed = await post(
      '/api/alerts/rules/typo',
      { ...RULE, name: 'typo', target: { service: 'alert-known' } },
      'PUT',
    );
    expect(fixed.status).toBe(200);
    expect(fixed.body.warnings).toEqual([]);
    const preview = await post('/api/alerts/preview', { ...RULE, target: { service: 'alert-knwon' } });
    expect(preview.status).toBe(200);
    expect(preview.body.warnings).toHaveLength(1);
    // seen in the last day but not in the window: says when
    const stale = await post('/api/alerts/preview', { ...RULE, window: '10s', target: { service: 'alert-known' } });
    expect(stale.body.warnings).toEqual([]);
    await new Promise((r) => setTimeout(r, 11_000));
    const later = await post('/api/alerts/preview', { ...RULE, window: '10s', target: { service: 'alert-known' } });
    expect(later.body.warnings[0]).toMatch(
      /^service "alert-known" has reported no spans in the last 10s \(last seen 1\d s ago\)\. Until it does/,
    );
  }, 60_000);
});
