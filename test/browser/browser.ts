import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.mjs';

export const SCREENSHOTS = resolve(import.meta.dirname, 'screenshots');

/**
 * Debian's Chromium, headless, with a fresh profile in the system temp folder (see
 * test/helpers/chromium.mjs for the flags). The context's `close()` ends the browser and then
 * removes the profile, so the afterAll that closes it leaves nothing behind.
 */
export async function launch(): Promise<BrowserContext> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchChromium();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
