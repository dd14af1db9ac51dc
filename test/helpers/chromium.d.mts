// Types for what TypeScript tests use of chromium.mjs.
import type { BrowserContext } from 'playwright-core';

export function launchChromium(): Promise<BrowserContext>;
