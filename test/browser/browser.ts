import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { removeDir } from '../helpers/cleanup.js';

export const SCREENSHOTS = resolve(import.meta.dirname, 'screenshots');

/**
 * Debian's Chromium, headless, driven by playwright-core — never a downloaded browser.
 * The flags keep it off the network (this machine has none) and quiet.
 */
const CHROMIUM = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/**
 * Chromium with a fresh profile in the system temp folder. The context's `close()` ends the
 * browser and then removes the profile, so the afterAll that closes it leaves nothing behind.
 */
export async function launch(): Promise<BrowserContext> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'fntrace-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, CHROMIUM);
  } catch (err) {
    removeDir(profile);
    throw err;
  }
  const close = context.close.bind(context);
  context.close = async (options) => {
    try {
      await close(options); // returns once the browser process has exited: nothing writes to the profile after it
    } finally {
      removeDir(profile);
    }
  };
  return context;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
