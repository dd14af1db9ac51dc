import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load, send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { launch, shot } from './browser.js';

// The dashboard of a collector started with --api-token, in real Chromium: it asks for the
// token, says when one is refused, keeps an accepted one across reloads and forgets it on demand.
const TOKEN = 'dashboard-token-3c9e1f7a5b2d4e6f';
const c = useCollector({ apiToken: TOKEN });
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  for (const b of load('skewed-child-invocation').batches) await send(c.url, b);
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
});

const prompt = () => page.getByRole('heading', { name: 'This collector needs an API token' });
const rows = () => page.locator('table.results tbody tr');

describe('dashboard with an API token', () => {
  it('asks for the token, refuses a wrong one, and loads the page with the right one', async () => {
    await page.goto(`${c.url}/#/traces?since=1h`);
    await prompt().waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await rows().count()).toBe(0);
    await shot(page, 'token-prompt');

    await page.fill('input[name=token]', 'not-the-token-000000000000');
    await page.click('button[type=submit]');
    await page.getByRole('alert').filter({ hasText: 'not one this collector accepts' }).waitFor();
    await prompt().waitFor();

    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await rows().first().waitFor();
    expect(await prompt().count()).toBe(0);
    expect(await page.locator('table.results tbody td:first-child').allTextContents()).toContain(
      'web-api: GET /checkout',
    );
    // the token is not in the URL
    expect(page.url()).not.toContain(TOKEN);
  });

  it('keeps the token across reloads and for the alerts API, until Forget token', async () => {
    await page.reload();
    await rows().first().waitFor();
    await page.goto(`${c.url}/#/alerts`);
    await page.getByText('No rules yet').waitFor();
    expect(await prompt().count()).toBe(0);

    // on a phone the header wraps rather than pushing the button off the screen
    await page.setViewportSize({ width: 390, height: 844 });
    const box = await page.getByRole('button', { name: 'Forget token' }).boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('button', { name: 'Forget token' }).click();
    await prompt().waitFor();
    expect(await page.getByRole('button', { name: 'Forget token' }).count()).toBe(0);
    expect(await page.evaluate(() => localStorage.getItem('fntrace.apiToken'))).toBeNull();
  });
});
