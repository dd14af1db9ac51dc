import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/cleanup.js';
import { send } from '../fixtures.js';
import { useCollector } from '../helpers.js';
import { CLI } from '../process.js';
import { entrySpans as spans } from './entry-spans.js';
import { startWebhookReceiver, until } from './webhook-receiver.js';

// The real collector evaluating rules made through its API, spans sent through OTLP, and a
// real webhook receiver on 127.0.0.1. Short windows and a 1 s interval keep it quick.
const c = useCollector({}, { alertMinLagMs: 500, alertRetryBaseMs: 100, alertTickMs: 200 });
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(() => hooks?.close());

async function createRule(rule: object) {
  const res = await fetch(`${c.url}/api/alerts/rules`, {
    method: 'POST',
    body: JSON.stringify(rule),
    headers: { 'content-type': 'application/json' },
  });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.rule;
}

const kinds = (path: string) =>
  hooks.on(path).map((r) => r.body.kind ?? (r.body.text?.startsWith('[RESOLVED]') ? 'resolved' : 'firing'));

describe('alerts end to end', () => {
  it('fires a p95 rule once on slow spans and resolves it once on fast ones', async () => {
    await createRule({
      name: 'checkout p95',
      target: { service: 'alert-latency' },
      signal: 'latency_p95',
      comparator: '>',
      threshold: 300,
      window: '10s',
      interval: '1s',
      minSamples: 3,
      channels: [
        { type: 'webhook', url: `${hooks.url}/latency` },
        { type: 'slack', url: `${hooks.url}/slack` },
      ],
    });
    const t0 = Date.now();
    await send(c.url, spans('alert-latency', 10, 600));
    const firing = await until('the firing notification', () => hooks.on('/latency')[0]);
    const elapsed = firing.at - t0;
    expect(firing.body).toMatchObject({
      version: 1,
      kind: 'firing',
      state: 'firing',
      rule: { id: 'checkout-p95', signal: 'latency_p95', comparator: '>', threshold: 300, unit: 'ms', window: '10s' },
      threshold: 300,
    });
    expect(firing.body.value).toBeGreaterThan(300);
    expect(firing.body.links.traces).toMatch(/#\/traces\?service=alert-latency&minDurationMs=300&start=\d+&end=\d+$/);
    expect(firing.idempotencyKey).toBe(firing.body.notificationId);
    const slack = await until('the Slack message', () => hooks.on('/slack')[0]);
    expect(slack.body.text).toMatch(
      /^\[FIRING\] checkout p95: latency_p95 \d+(\.\d+)? ms > 300 over 10s — <http.*\|offending traces>$/,
    );

    // keep it firing for a few evaluations: still one notification
    await new Promise((r) => setTimeout(r, 3000));
    expect(kinds('/latency')).toEqual(['firing']);

    // fast spans only, until the slow ones have left the window
    const resolved = await until(
      'the resolved notification',
      () => {
        void send(c.url, spans('alert-latency', 5, 20));
        return hooks.on('/latency').find((r) => r.body.kind === 'resolved');
      },
      40_000,
    );
    expect(resolved.body.value).toBeLessThan(300);
    await new Promise((r) => setTimeout(r, 2000));
    expect(kinds('/latency')).toEqual(['firing', 'resolved']);
    console.log(`first slow span to webhook: ${elapsed} ms (interval 1s, window 10s, lag floor 0.5s)`);
  }, 90_000);

  it('fires and resolves an error-rate rule, retrying a failing receiver until the third try', async () => {
    hooks.failNext('/errors', 2);
    await createRule({
      name: 'checkout errors',
      target: { service: 'alert-errors' },
      signal: 'error_rate',
      comparator: '>=',
      threshold: 50,
      window: '10s',
      interval: '1s',
      minSamples: 4,
      channels: [{ type: 'webhook', url: `${hooks.url}/errors` }],
    });
    await send(c.url, spans('alert-errors', 8, 10, { error: true }));
    const delivered = await until('three attempts', () =>
      hooks.on('/errors').length >= 3 ? hooks.on('/errors') : undefined,
    );
    expect(delivered.slice(0, 3).map((r) => r.body.kind)).toEqual(['firing', 'firing', 'firing']);
    expect(new Set(delivered.slice(0, 3).map((r) => r.idempotencyKey)).size).toBe(1);
    await c.server.parts().engine.idle();
    const history = (await (await fetch(`${c.url}/api/alerts/history?rule=checkout-errors`)).json()).history;
    const attempts = history.filter((h: any) => h.kind === 'delivery').map((h: any) => [h.attempt, h.status]);
    expect(attempts.sort()).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'delivered'],
    ]);
    expect(history.some((h: any) => h.kind === 'transition' && h.to === 'firing')).toBe(true);

    await until(
      'the error rule to resolve',
      () => {
        void send(c.url, spans('alert-errors', 8, 10));
        return hooks.on('/errors').find((r) => r.body.kind === 'resolved');
      },
      40_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(kinds('/errors')).toEqual(['firing', 'firing', 'firing', 'resolved']);
  }, 90_000);

  it('stays quiet while silenced, and says so in the history', async () => {
    await createRule({
      name: 'silenced rule',
      target: { service: 'alert-silenced' },
      signal: 'throughput',
      comparator: '>',
      threshold: 0,
      window: '10s',
      interval: '1s',
      channels: [{ type: 'webhook', url: `${hooks.url}/silenced` }],
    });
    const res = await fetch(`${c.url}/api/alerts/silences`, {
      method: 'POST',
      body: JSON.stringify({ ruleId: 'silenced-rule', durationMinutes: 30, comment: 'deploying' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    await send(c.url, spans('alert-silenced', 5, 10));
    const deadline = Date.now() + 15_000;
    let entries: any[] = [];
    while (Date.now() < deadline) {
      entries = (await (await fetch(`${c.url}/api/alerts/history?rule=silenced-rule`)).json()).history;
      if (entries.some((h) => h.kind === 'silenced')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(entries.some((h) => h.kind === 'silenced' && h.detail.startsWith('silence '))).toBe(true);
    expect(hooks.on('/silenced')).toEqual([]);
    const rules = (await (await fetch(`${c.url}/api/alerts/rules`)).json()).rules;
    const r = rules.find((x: any) => x.rule.id === 'silenced-rule');
    expect(r.states[0].state).toBe('firing');
    expect(r.silencedUntil).toBeGreaterThan(Date.now());
  }, 60_000);

  it('previews a rule over the last 24 hours: the signal per window, its unit, and when it would have fired', async () => {
    await send(c.url, spans('alert-preview', 10, 700));
    await c.drained();
    const res = await fetch(`${c.url}/api/alerts/preview`, {
      method: 'POST',
      body: JSON.stringify({
        name: 'preview p95',
        target: { service: 'alert-preview' },
        signal: 'latency_p95',
        comparator: '>',
        threshold: 500,
        window: '10m',
      }),
      headers: { 'content-type': 'application/json' },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ bucketMs: 600_000, threshold: 500, unit: 'ms' });
    expect(body.points).toHaveLength(145); // 24 h of 10-minute windows, and the one now
    const valued = body.points.filter((p: { value: number | null }) => p.value !== null);
    expect(valued).toHaveLength(1);
    expect(valued[0].value).toBeGreaterThan(500);
    expect(body.points.filter((p: { notify: string | null }) => p.notify === 'firing')).toHaveLength(1);
    // nothing was created: a preview is not a rule
    const rules = await (await fetch(`${c.url}/api/alerts/rules`)).json();
    expect(rules.rules.map((r: { rule: { id: string } }) => r.rule.id)).not.toContain('preview-p95');
  });

  it('never shows a channel URL whole, and a rule read back and sent again keeps its URLs', async () => {
    const secret = 'T0001/B0002/s3cr3tS3cr3tS3cr3t';
    const created = await createRule({
      name: 'masked channels',
      target: { service: 'alert-masked' },
      signal: 'error_rate',
      comparator: '>',
      threshold: 50,
      window: '1m',
      channels: [
        { type: 'slack', url: `${hooks.url}/services/${secret}` },
        { type: 'webhook', url: `${hooks.url}/hook?token=abcdef123456` },
      ],
    });
    const masked = [
      { type: 'slack', url: `${hooks.url}/***cr3t` },
      { type: 'webhook', url: `${hooks.url}/***3456` },
    ];
    expect(created.channels).toEqual(masked);
    const listed = await (await fetch(`${c.url}/api/alerts/rules`)).text();
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain('abcdef');
    const read = JSON.parse(listed).rules.find((r: any) => r.rule.id === created.id).rule;
    expect(read.channels).toEqual(masked);

    // edit the threshold of the rule as read, and add a channel
    const { id: _id, ...asRead } = read;
    const put = await fetch(`${c.url}/api/alerts/rules/${created.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...asRead,
        threshold: 60,
        channels: [...asRead.channels, { type: 'webhook', url: `${hooks.url}/new` }],
      }),
    });
    expect(put.status).toBe(200);
    expect((await put.json()).rule.threshold).toBe(60);
    expect(c.server.parts().engine.ruleById(created.id)?.rule.channels).toEqual([
      { type: 'slack', url: `${hooks.url}/services/${secret}` },
      { type: 'webhook', url: `${hooks.url}/hook?token=abcdef123456` },
      { type: 'webhook', url: `${hooks.url}/new` },
    ]);
  });

  it('refuses bad rules through the API, naming the field', async () => {
    const res = await fetch(`${c.url}/api/alerts/rules`, {
      method: 'POST',
      body: JSON.stringify({ name: 'x', signal: 'latency_p95', comparator: '>', threshold: 1, windw: '5m' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe('unknown field "windw"');
  });

  it('refuses a rules file with a mistake at start-up, naming line and field', () => {
    const dir = tempDir('fntrace-rules-');
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'rules:\n  - name: slow\n    signal: latency_p95\n    comparator: ">"\n    threshold: fast\n');
    const r = spawnSync(process.execPath, [CLI, 'collector', '--data', dir, '--port', '0', '--alert-rules', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `FNTRACE_ERR_COL_INVALID_OPTION: option --alert-rules: ${file}:5: /rules/0/threshold: must be a number (got "fast")`,
    );
  });
});
