import { readdirSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';
import { DEMO, startDemo } from './demo-process.js';

// `npm start`'s demo as a newcomer sees it: the real collector with the embedded ClickHouse, and
// the shop on workerd, lambda-local and functions-framework, each function a real process (or
// isolate) wrapped with the SDK. What it prints is read from its output; what it leaves is read
// from /proc and its TMPDIR. The query API's side of the same journey is in
// cross-platform-journey.test.ts.
describe('npm start demo', () => {
  it('prints its progress, then the first checkout as one waterfall across three platforms, and stops everything (--once)', async () => {
    const demo = startDemo(tempDir('fntrace-demo-test-'), ['--once']);
    onTestFinished(() => demo.kill());
    expect(await demo.exit, demo.output()).toBe(0);
    const out = demo.output();

    // progress while it starts, in order
    const steps = [
      'starting the collector',
      'collector on http://127.0.0.1:',
      'local SQS on http://127.0.0.1:',
      'starting workerd (Miniflare)',
      'storefront (Cloudflare Worker) on http://127.0.0.1:',
      'orders-api: starting instance 1 (a cold start)',
      'First journey across 3 platforms (Cloudflare Workers, AWS Lambda, Google Cloud Run functions)',
      'stopped',
    ];
    const at = steps.map((s) => out.indexOf(s));
    expect(steps.filter((_, n) => at[n]! < 0)).toEqual([]);
    expect([...at].sort((a, b) => a - b)).toEqual(at);

    // one row per span, each with its service and the platform it ran on
    const waterfall = out.slice(out.indexOf('\ntrace '), out.indexOf('\nQueue and topic hops'));
    expect(waterfall).toMatch(/ POST {2,}storefront {2,}Cloudflare Workers .* HTTP 202/);
    expect(waterfall).toMatch(/ POST \/orders {2,}orders-api {2,}AWS Lambda .* HTTP 202/);
    expect(waterfall).toMatch(/ orders-queue send {2,}orders-api {2,}AWS Lambda /);
    expect(waterfall).toMatch(/ orders-queue process {2,}order-worker {2,}AWS Lambda /);
    expect(waterfall).toMatch(/ order-events send {2,}order-worker {2,}AWS Lambda /);
    expect(waterfall).toMatch(/ order-events process {2,}fulfilment {2,}Google Cloud Run functions /);
    // whether this checkout met a fresh instance depends on the traffic before it (on a slower
    // start every function may be warm by then): cold starts with their init are asserted through
    // the API in cross-platform-journey.test.ts, and the start of each first instance above
    // the hops through the queue and the topic, with how long each message waited
    expect(out).toMatch(/\n {2}orders-queue msg [0-9a-f]{8} waited \d+ ms/);
    expect(out).toMatch(/\n {2}order-events msg \d+ waited \d+ ms/);
    // the journey's log lines, from every platform, each with its span
    for (const line of [/storefront +info +checkout span [0-9a-f]{8}/, /orders-api +info +order queued span/])
      expect(out).toMatch(line);
    expect(out).toMatch(/fulfilment +(info +shipment booked|error +out of stock) span/);
    expect(out).toMatch(/This journey: http:\/\/127\.0\.0\.1:\d+\/#\/trace\/[0-9a-f]{32}/);

    // nothing left running, nothing left in its TMPDIR (Miniflare's and the environments' files)
    expect(demo.group()).toEqual([]);
    expect(readdirSync(demo.tmp)).toEqual([]);
  }, 180_000);

  it('runs the collector alone with --no-demo: no functions, no demo rules, and SIGTERM stops it', async () => {
    const demo = startDemo(tempDir('fntrace-demo-test-'), ['--no-demo']);
    onTestFinished(() => demo.kill());
    const [, url] = await demo.until(/The collector keeps running on (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await (await fetch(`${url}/readyz`)).json()).status).toBe('ready');
    const rules = await (await fetch(`${url}/api/alerts/rules`)).json();
    expect(rules.rules).toEqual([]);
    expect(demo.group().map((p) => p.cmd)).toEqual([
      `${process.execPath} ${DEMO} --port 0 --data ${demo.data} --no-demo`,
    ]);
    expect(demo.output()).not.toContain('storefront');

    process.kill(demo.child.pid!, 'SIGTERM');
    expect(await demo.exit).toBe(0);
    expect(demo.output()).toContain('stopped');
  }, 120_000);
});
