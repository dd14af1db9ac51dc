import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCollector } from '../collector/helpers.js';
import { useTempDir } from '../helpers/cleanup.js';
import { type LocalApi, serveLambda } from '../helpers/run-lambda.js';
import { launch } from './browser.js';

// Telemetry coverage on the Services page, in real Chromium: a real Lambda environment
// (local-runtime, @fntrace/sdk) crashes before one invocation's flush and a new process of it
// serves the next; the Functions table says how much of that function's telemetry arrived and
// how many invocations were lost, and a function that lost nothing says 100 %.
// no grace on top of the measured ingest lag: a gap counts as soon as the spans around it are in
const c = useCollector({ lossGraceMs: 0 });
const dir = useTempDir('fntrace-coverage-');
const running = new Set<LocalApi & { exited: Promise<unknown> }>();
let browser: BrowserContext;
let page: Page;

async function environment(fn: string) {
  const env = (await serveLambda({
    handler: 'lossy.cjs',
    functionName: fn,
    endpoint: c.url,
    env: { FNTRACE_ENVIRONMENT_FILE: join(dir.path, fn) },
  })) as LocalApi & { exited: Promise<unknown> };
  running.add(env);
  void env.exited.then(() => running.delete(env));
  return env;
}

async function invoke(env: LocalApi, fn: string, test: object = {}): Promise<void> {
  const res = await fetch(`${env.url}/2015-03-31/functions/${fn}/invocations`, {
    method: 'POST',
    body: JSON.stringify({ _test: test }),
  });
  await res.arrayBuffer();
}

beforeAll(async () => {
  // crashy-fn: 1 reported, 2 lost (the process exits before its flush), 3 reported by the new process
  let crashy = await environment('crashy-fn');
  await invoke(crashy, 'crashy-fn');
  await invoke(crashy, 'crashy-fn', { exit: true }).catch(() => undefined);
  await crashy.exited;
  crashy = await environment('crashy-fn');
  await invoke(crashy, 'crashy-fn');
  await crashy.stop();
  const steady = await environment('steady-fn');
  for (let i = 0; i < 3; i++) await invoke(steady, 'steady-fn');
  await steady.stop();
  await c.drained();
  browser = await launch();
  page = browser.pages()[0] ?? (await browser.newPage());
}, 60_000);

afterAll(async () => {
  for (const env of running) await env.stop('SIGKILL');
  await browser?.close();
});

describe('telemetry coverage on the Services page', () => {
  it('shows the share of each function’s invocations that reported, and the ones lost, in the table and a chart', async () => {
    const table = page.locator('table[aria-label="Functions"]');
    const cell = (fn: string) =>
      table
        .locator('tr', { has: page.locator('a', { hasText: new RegExp(`^${fn}$`) }) })
        .locator('td')
        .last();
    await page.goto(`${c.url}/#/services?since=1h`);
    await expect.poll(() => cell('crashy-fn').textContent(), { timeout: 30_000 }).toBe('66.7% (1 lost)');
    expect(await cell('crashy-fn').getAttribute('title')).toBe('1 of 3 invocations lost');
    const headers = await table.locator('th').allTextContents();
    expect(headers.at(-1)).toBe('Telemetry coverage');
    expect(await cell('steady-fn').textContent()).toBe('100.0%');
    // and over time: a chart with a line per function
    const chart = page.locator('[data-chart="Telemetry coverage"]');
    await chart.locator('canvas').waitFor();
    expect((await chart.textContent())?.match(/crashy-fn|steady-fn/g)?.sort()).toEqual(['crashy-fn', 'steady-fn']);
  });

  it('notes on the trace page the invocations lost right after one, and why', async () => {
    const res = await fetch(`${c.url}/api/invocations?function=crashy-fn&since=1h`);
    const { invocations } = (await res.json()) as { invocations: { traceId: string; startUnixNano: string }[] };
    // the first of the two that reported: the one the lost invocation followed
    const first = [...invocations].sort((a, b) => Number(BigInt(a.startUnixNano) - BigInt(b.startUnixNano)))[0]!;
    await page.goto(`${c.url}/#/trace/${first.traceId}`);
    const note = page.locator('.row.band .badge.lost');
    await note.waitFor();
    expect(await note.textContent()).toBe('then 1 lost');
    expect(await note.getAttribute('title')).toMatch(
      /^its environment was reset \(the next invocation was a cold start\) and sent nothing for invocation 2 of environment /,
    );
  });
});
