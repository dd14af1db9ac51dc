import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cleanup.js';

// `npm start`'s demo end to end, as a newcomer sees it: the real collector with the
// embedded ClickHouse, two functions in local Lambda environments, and what was stored.
describe('npm start demo', () => {
  it('runs the functions against the collector and prints the stored traces', () => {
    const data = tempDir('fntrace-demo-test-');
    const demo = resolve(import.meta.dirname, '../../examples/aws-lambda/demo.mjs');
    const run = spawnSync(process.execPath, [demo, '--once', '--port', '0', '--data', data], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/orders-api → 202 \{"messageId":"[0-9a-f-]{36}","correlationId":"demo-checkout-1"\}/);
    expect(out).toContain('orders-api → 400 {"error":"item is required"}');
    expect(out).toMatch(/Stored in ClickHouse: 10 spans and 9 log records/);
    // the first order's trace runs from the HTTP request through the queue into the worker
    const trace = out.split('\ntrace ').find((t) => t.includes('POST /orders') && t.includes('orders-queue process'));
    expect(trace).toBeDefined();
    expect(trace).toContain('orders-queue send');
    expect(out).toMatch(/order-worker .* cold, init \d+ ms {2}ok/);
  }, 150_000);
});
