// Debian's Chromium, headless, driven by playwright-core — never a downloaded browser. Used by
// the browser tests (test/browser/browser.ts) and the dashboard bench.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The flags keep it off the network (this machine has none) and quiet. */
export const CHROMIUM = {
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

const removeProfile = (dir) => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });

/**
 * Chromium with a fresh profile in the system temp folder. The context's `close()` ends the
 * browser and then removes the profile, so whatever closes it leaves nothing behind.
 */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'fntrace-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, CHROMIUM);
  } catch (err) {
    removeProfile(profile);
    throw err;
  }
  const close = context.close.bind(context);
  context.close = async (options) => {
    try {
      await close(options); // returns once the browser process has exited: nothing writes to the profile after it
    } finally {
      removeProfile(profile);
    }
  };
  return context;
}
