import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../fixtures.js';
import { useCollector } from '../helpers.js';
import { entrySpans } from './entry-spans.js';
import { startWebhookReceiver, until } from './webhook-receiver.js';

// A valid `--alert-rules` file loaded into a real collector on 127.0.0.1: its rule evaluates the
// spans sent through OTLP, notifies a real webhook receiver, and stays read-only through the API.
// The receiver starts first so that its URL can go into the file, and closes after the collector.
const SERVICE = 'rules-file-checkout';
const RULE_ID = 'checkout-p95-from-the-file';
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(() => hooks?.close());

const options: Record<string, unknown> = {};
// the file lives in the collector's data directory, which goes when the collector is closed
const c = useCollector(options, { alertMinLagMs: 500, alertRetryBaseMs: 100, alertTickMs: 200 }, (dataDir) => {
  options.alertRules = join(dataDir, 'rules.yaml');
  writeFileSync(
    options.alertRules as string,
    [
      'rules:',
      '  - name: Checkout p95 from the file',
      `    target: { service: ${SERVICE} }`,
      '    signal: latency_p95',
      '    comparator: ">"',
      '    threshold: 300',
      '    window: 10s',
      '    interval: 1s',
      '    minSamples: 3',
      '    channels:',
      `      - { type: webhook, url: "${hooks.url}/file-rule" }`,
      '',
    ].join('\n'),
  );
});

/** The file rule as `GET /api/alerts/rules` shows it. */
async function fileRule() {
  const res = await fetch(`${c.url}/api/alerts/rules`);
  expect(res.status).toBe(200);
  const found = (await res.json()).rules.filter((r: any) => r.rule.id === RULE_ID);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('a rules file in a running collector', () => {
  it('evaluates its rule on spans sent through OTLP and notifies the webhook with the rule and the value', async () => {
    const loaded = await fileRule();
    expect(loaded).toMatchObject({
      source: 'file',
      rule: { name: 'Checkout p95 from the file', signal: 'latency_p95', threshold: 300, window: '10s' },
    });
    expect(loaded.states.map((s: any) => s.state)).not.toContain('firing');

    await send(c.url, entrySpans(SERVICE, 10, 600));

    const firing = await until('the firing notification', () => hooks.on('/file-rule')[0], 15_000);
    expect(firing.body).toMatchObject({
      kind: 'firing',
      state: 'firing',
      rule: { id: RULE_ID, name: 'Checkout p95 from the file', signal: 'latency_p95', threshold: 300, unit: 'ms' },
      threshold: 300,
      value: 600, // every span lasted 600 ms
    });
    const state = await until(
      'the rule to be firing in the API',
      async () => (await fileRule()).states.find((s: any) => s.state === 'firing'),
      15_000,
    );
    expect(state).toMatchObject({ group: '', value: 600 });
    expect(hooks.on('/file-rule').map((r) => r.body.kind)).toEqual(['firing']);
  });

  it('answers 409 to editing or deleting the file rule through the API, and leaves it as it was', async () => {
    const before = await fileRule();
    const { id: _id, ...asRead } = before.rule;

    const put = await fetch(`${c.url}/api/alerts/rules/${RULE_ID}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...asRead, threshold: 1 }),
    });
    const del = await fetch(`${c.url}/api/alerts/rules/${RULE_ID}`, { method: 'DELETE' });

    for (const res of [put, del]) {
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({
        statusCode: 409,
        code: 'FNTRACE_ERR_COL_BAD_RULE',
        error: 'Conflict',
        message: expect.stringContaining(`rule "${RULE_ID}" comes from the rules file`),
      });
    }
    const after = await fileRule();
    expect(after.source).toBe('file');
    expect(after.rule).toEqual(before.rule);
    // nothing was saved beside the file rule either (a rule saved through the API under its id
    // would stay hidden behind it until the file no longer has it)
    const saved = await c.server.parts().engine.alertStore.apiRules();
    expect(saved.map((r) => r.id)).not.toContain(RULE_ID);
  });
});
