import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entrySpans as spans } from '../collector/alerts/entry-spans.js';
import { startWebhookReceiver, until } from '../collector/alerts/webhook-receiver.js';
import { send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// The Alerts page in real Chromium against a real collector evaluating rules every 200 ms,
// notifying a real webhook receiver on 127.0.0.1: a rule made in the form (every field the
// API has), its firing count in the navigation, the no-data notification end to end when its
// spans stop, and the rule edited in the form — a rule from the rules file stays read-only.
const FILE_RULE = { id: 'from-file', name: 'from file', signal: 'error_rate', comparator: '>', threshold: 50 };
const options: Record<string, unknown> = {};
const c = useCollector(options, { alertMinLagMs: 500, alertRetryBaseMs: 100, alertTickMs: 200 }, (dataDir) => {
  options.alertRules = join(dataDir, 'rules.json');
  writeFileSync(options.alertRules as string, JSON.stringify({ rules: [FILE_RULE] }));
});
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
  await send(c.url, spans('ui-alerts', 3, 20));
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  await hooks?.close();
});

const form = () => page.locator('form.rule-fields');
const row = (id: string) => page.locator(`tr[data-rule="${id}"]`);
const kinds = () => hooks.on('/ui').map((r) => r.body.kind);

describe('alerts in the dashboard', () => {
  it('makes a rule with every field, warning of a service that has not reported', async () => {
    await page.goto(`${c.url}/#/alerts`);
    await form().waitFor();
    // every field of the API has a labelled control
    for (const label of [
      'Name',
      'Severity',
      'Labels',
      'Service',
      'Function',
      'Operation',
      'Trigger',
      'Signal',
      'Is',
      'Threshold',
      'Window',
      'Leave cold starts out',
      'Evaluate every',
      'For',
      'Min samples',
      'Group by',
      'No data',
      'Repeat every',
      'Channel 1',
      'URL of channel 1',
    ])
      expect(await form().getByLabel(label, { exact: true }).count(), label).toBe(1);

    await form().getByLabel('Name', { exact: true }).fill('checkout p95');
    await form().getByLabel('Service', { exact: true }).fill('ui-alert'); // a typo
    await form().getByLabel('Threshold', { exact: true }).fill('300');
    await form().getByLabel('Window', { exact: true }).fill('10s');
    await form().getByLabel('Evaluate every', { exact: true }).fill('1s');
    await form().getByLabel('Min samples', { exact: true }).fill('3');
    await form().getByLabel('Severity', { exact: true }).selectOption('critical');
    await form().getByLabel('Labels', { exact: true }).fill('team=payments, tier=1');
    await form().getByLabel('Repeat every', { exact: true }).fill('1h');
    await form().getByLabel('URL of channel 1', { exact: true }).fill(`${hooks.url}/ui`);
    expect(await form().getByLabel('No data', { exact: true }).inputValue()).toBe('no_data');
    await page.click('button:has-text("Preview 24 h")');
    const warning = page.locator('ul.warnings[role=status] li');
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(
      /service "ui-alert" has reported no spans in the last 10s \(nor in the last 24 h\); did you mean "ui-alerts"\?/,
    );
    await form().getByLabel('Service', { exact: true }).fill('ui-alerts');
    await page.click('form.rule-fields button[type=submit]:has-text("Create")');
    await page.locator('.saved [role=status]', { hasText: 'Saved rule “checkout p95”' }).waitFor();
    await row('checkout-p95').waitFor();
    expect(await row('checkout-p95').locator('.rule-more').textContent()).toMatch(
      /every 1s · min 3 samples · no data: no data · critical · 1 channel/,
    );
    const saved = c.server.parts().engine.ruleById('checkout-p95')!.rule;
    expect(saved).toMatchObject({
      window: '10s',
      interval: '1s',
      minSamples: 3,
      severity: 'critical',
      labels: { team: 'payments', tier: '1' },
      repeatInterval: '1h',
      noData: 'no_data',
      channels: [{ type: 'webhook', url: `${hooks.url}/ui` }],
    });
    // the rules file's rule is shown, read-only
    expect(await row('from-file').textContent()).toContain('rules file (read-only)');
    expect(await row('from-file').getByRole('button', { name: /^Edit/ }).count()).toBe(0);
  });

  it('counts firing rules in the navigation, and notifies no data end to end when the spans stop', async () => {
    await send(c.url, spans('ui-alerts', 10, 600));
    const firing = await until('the firing notification', () => hooks.on('/ui')[0]);
    expect(firing.body).toMatchObject({ kind: 'firing', rule: { id: 'checkout-p95', severity: 'critical' } });
    // the count is asked for again when the page changes
    await page.goto(`${c.url}/#/traces`);
    const badge = page.locator('header nav a[href="#/alerts"] .nav-count.firing');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('1, 1 firing');
    expect(await badge.getAttribute('title')).toBe('1 firing');
    await page.goto(`${c.url}/#/alerts`);
    await row('checkout-p95').locator('.badge.state-firing').waitFor();
    expect(await row('checkout-p95').getAttribute('class')).toContain('is-firing');
    await shot(page, 'alerts-firing');

    // no spans any more: once they leave the 10 s window, the receiver hears "no data", once
    const noData = await until('the no-data notification', () => hooks.on('/ui')[1], 40_000);
    expect(noData.body).toMatchObject({ kind: 'no_data', state: 'no_data', value: null });
    expect(noData.idempotencyKey).toBe(noData.body.notificationId);
    await row('checkout-p95').locator('.badge.state-no_data', { hasText: 'no data' }).waitFor();
    await page.goto(`${c.url}/#/traces`);
    await page.locator('header nav a[href="#/alerts"]').waitFor();
    await page.waitForTimeout(500);
    expect(await page.locator('header nav .nav-count').count()).toBe(0);
    expect(kinds()).toEqual(['firing', 'no_data']);
  }, 90_000);

  it('edits a rule in the form: every field comes back as saved, masked channels keep their URLs', async () => {
    await page.goto(`${c.url}/#/alerts`);
    await row('checkout-p95').getByRole('button', { name: 'Edit checkout p95' }).click();
    const edit = page.locator('form[aria-label="Edit alert rule"]');
    await edit.waitFor();
    await page.getByRole('heading', { name: 'Edit rule checkout p95' }).waitFor();
    expect(await edit.getByLabel('Name', { exact: true }).inputValue()).toBe('checkout p95');
    expect(await edit.getByLabel('Service', { exact: true }).inputValue()).toBe('ui-alerts');
    expect(await edit.getByLabel('Min samples', { exact: true }).inputValue()).toBe('3');
    expect(await edit.getByLabel('Evaluate every', { exact: true }).inputValue()).toBe('1s');
    expect(await edit.getByLabel('Labels', { exact: true }).inputValue()).toBe('team=payments, tier=1');
    expect(await edit.getByLabel('Severity', { exact: true }).inputValue()).toBe('critical');
    const masked = await edit.getByLabel('URL of channel 1', { exact: true }).inputValue();
    expect(masked).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui$|\/\*\*\*/);

    await edit.getByLabel('Threshold', { exact: true }).fill('400');
    await edit.getByLabel('No data', { exact: true }).selectOption('ok');
    await edit.getByLabel('Group by', { exact: true }).selectOption('service');
    await edit.getByLabel('Leave cold starts out', { exact: true }).check();
    await edit.getByLabel('For', { exact: true }).fill('5s');
    await edit.getByRole('button', { name: 'Add channel' }).click();
    await edit.getByLabel('Channel 2', { exact: true }).selectOption('slack');
    await edit.getByLabel('URL of channel 2', { exact: true }).fill(`${hooks.url}/ui-slack/T0/B0/secret`);
    await shot(page, 'alerts-edit');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.locator('.saved [role=status]', { hasText: 'Saved rule “checkout p95”' }).waitFor();
    await page.locator('form[aria-label="New alert rule"]').waitFor();
    const rule = c.server.parts().engine.ruleById('checkout-p95')!.rule;
    expect(rule).toMatchObject({
      threshold: 400,
      noData: 'ok',
      groupBy: 'service',
      excludeColdStarts: true,
      for: '5s',
      minSamples: 3,
      channels: [
        { type: 'webhook', url: `${hooks.url}/ui` },
        { type: 'slack', url: `${hooks.url}/ui-slack/T0/B0/secret` },
      ],
    });
    await row('checkout-p95').locator('.rule-more', { hasText: 'no data: ok · by service' }).waitFor();
  });
});
