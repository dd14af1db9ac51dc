import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, send } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { invocationBatch, numberedInvocation } from '../collector/numbered-invocations.js';
import { useTempDir } from '../helpers/cleanup.js';
import { fixture, type LocalApi, runLambda, serveLambda } from '../helpers/run-lambda.js';

// Issue #18, telemetry loss: real Lambda environments (local-runtime under lambda-local, one
// process each) export through @fntrace/sdk to the real collector; some are killed before their
// flush, as the platform kills an environment at a timeout or when it crashes. What a user sees
// is /api/telemetry-loss: the invocations lost per function, and each with its cause.
// a gap stays pending for an hour unless a request asks for another grace
const c = useCollector({ lossGraceMs: 3_600_000 });
const dir = useTempDir('fntrace-loss-');
const FN = 'lossy-fn';
const running = new Set<LocalApi & { exited: Promise<unknown> }>();

// the handler fetches this before it blocks, so the test knows the invocation is under way
let notified: (() => void) | undefined;
const notifier = createServer((_req, res) => {
  res.end('ok');
  notified?.();
});
const notifyUrl = () => `http://127.0.0.1:${(notifier.address() as AddressInfo).port}/`;

beforeAll(() => new Promise<void>((r) => notifier.listen(0, '127.0.0.1', r)));
afterAll(async () => {
  // a process is stopped before the directory of its environment file goes (useTempDir's hook runs after)
  for (const env of running) await env.stop('SIGKILL');
  await new Promise((r) => notifier.close(r));
});

/** A process of the environment `name` (its numbering kept in a file, as Lambda keeps it in /tmp). */
async function environment(name: string) {
  const env = (await serveLambda({
    handler: 'lossy.cjs',
    functionName: FN,
    endpoint: c.url,
    timeoutMs: 1000,
    env: { FNTRACE_ENVIRONMENT_FILE: join(dir.path, name) },
  })) as LocalApi & { exited: Promise<unknown> };
  running.add(env);
  void env.exited.then(() => running.delete(env));
  return env;
}

/** One invocation through Lambda's Invoke API; its outcome as the platform saw it. */
async function invoke(env: LocalApi, test: object = {}): Promise<string> {
  const res = await fetch(`${env.url}/2015-03-31/functions/${FN}/invocations`, {
    method: 'POST',
    body: JSON.stringify({ _test: test }),
  });
  await res.arrayBuffer();
  return res.headers.get('x-local-lambda-outcome') ?? '';
}

/** An invocation whose environment goes away while it runs: the request fails. */
async function lost(env: LocalApi & { exited: Promise<unknown> }, test: object): Promise<void> {
  await invoke(env, test).catch(() => undefined);
  await env.exited;
}

const loss = (query = '') => api(c.url, `/api/telemetry-loss?function=${FN}&since=1h${query}`);

describe('invocations lost before their flush', () => {
  beforeAll(async () => {
    // Environment a: its second invocation holds the event loop (CPU-bound code past the
    // deadline: no timer runs, so neither does the timeout guard) and the platform kills the
    // environment; a new process of it serves the third.
    let a = await environment('a');
    expect(await invoke(a)).toBe('ok');
    const underWay = new Promise<void>((r) => {
      notified = r;
    });
    const blocked = invoke(a, { notify: notifyUrl(), block: true }).catch(() => undefined);
    await underWay;
    await a.stop('SIGKILL');
    await blocked;
    a = await environment('a');
    expect(await invoke(a)).toBe('ok');
    await a.stop();

    // Environment b: its first invocation times out (the guard reports it), the second ends
    // the process before its flush (process.exit), a new process serves the third.
    let b = await environment('b');
    expect(await invoke(b, { hang: true })).toBe('timeout');
    // what the guard flushed is stored before the next invocation ends the process
    while ((await api(c.url, `/api/invocations?function=${FN}&outcome=timeout`)).invocations.length === 0)
      await new Promise((r) => setTimeout(r, 50));
    await lost(b, { exit: true });
    b = await environment('b');
    expect(await invoke(b)).toBe('ok');
    await b.stop();

    // Environment c: its first invocation fails, the second crashes the process
    let e = await environment('c');
    expect(await invoke(e, { throw: 'payment declined' })).toBe('error');
    await lost(e, { exit: true });
    e = await environment('c');
    expect(await invoke(e)).toBe('ok');
    await e.stop();
    await c.drained();
  }, 90_000);

  it('counts the three lost invocations beside the six seen, once the grace period has passed', async () => {
    // grace 0s: only the measured ingest lag keeps a gap pending, so this settles at once
    await expect.poll(async () => (await loss('&grace=0s')).functions[0]?.missing, { timeout: 20_000 }).toBe(3);
    const { functions } = await loss('&grace=0s');
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({
      service: FN,
      function: FN,
      seen: 6,
      missing: 3,
      pending: 0,
      droppedSpans: 0,
      droppedLogRecords: 0,
    });
    expect(functions[0].coveragePercent).toBeCloseTo((6 / 9) * 100, 6);
    const points = functions[0].points;
    expect(points.reduce((n: number, p: any) => n + p.missing, 0)).toBe(3);
  });

  it('attributes each: the timed-out or failed invocation before it, else the reset after it', async () => {
    const { gaps } = await loss('&grace=0s');
    const byCause = Object.fromEntries(gaps.map((g: any) => [g.cause, g]));
    expect(Object.keys(byCause).sort()).toEqual(['environment_reset', 'previous_error', 'previous_timeout']);
    for (const g of gaps) {
      expect(g).toMatchObject({
        function: FN,
        instance: '2026/11/27/[$LATEST]0123456789abcdef',
        firstSequence: 2,
        count: 1,
        state: 'lost',
        before: { sequence: 1 },
        after: { sequence: 3, coldStart: true },
      });
    }
    expect(byCause.previous_timeout.before.outcome).toBe('timeout');
    expect(byCause.previous_error.before.outcome).toBe('error');
    expect(byCause.environment_reset.before.outcome).toBe('ok');
    // the invocations named are the ones the API lists
    const { invocations } = await api(c.url, `/api/invocations?function=${FN}`);
    const ids = new Set(invocations.map((i: any) => i.invocationId));
    for (const g of gaps) expect([ids.has(g.before.invocationId), ids.has(g.after.invocationId)]).toEqual([true, true]);
  });

  it('notes, on the invocations of the function, the invocation lost right after each of three', async () => {
    const { invocations, lostAfter } = await api(c.url, `/api/invocations?function=${FN}&lost=true`);
    expect(invocations).toHaveLength(6);
    const { gaps } = await loss('&grace=0s');
    expect(lostAfter.map((g: any) => g.before.invocationId).sort()).toEqual(
      gaps.map((g: any) => g.before.invocationId).sort(),
    );
    const listed = new Set(invocations.map((i: any) => i.invocationId));
    for (const g of lostAfter) expect(listed.has(g.before.invocationId)).toBe(true);
    // the collector's grace (an hour here) has not passed: each is still pending there
    expect(lostAfter.map((g: any) => [g.count, g.state])).toEqual([
      [1, 'pending'],
      [1, 'pending'],
      [1, 'pending'],
    ]);
    // without lost=true, the answer is the list alone
    expect(Object.keys(await api(c.url, `/api/invocations?function=${FN}`))).toEqual(['invocations']);
  });

  it('keeps a gap pending, not lost, inside the grace period', async () => {
    const { functions, gaps, graceMs } = await loss('&grace=1h');
    expect(graceMs).toBeGreaterThanOrEqual(3_600_000);
    expect(functions[0]).toMatchObject({ seen: 6, missing: 0, pending: 3 });
    expect(gaps.map((g: any) => g.state)).toEqual(['pending', 'pending', 'pending']);
  });
});

describe('late data and dropped items', () => {
  it('does not count an invocation whose spans arrive late, inside the grace period', async () => {
    // Prepare: invocations 1 and 3 of an environment arrive; 2 is still on its way
    const fn = 'late-fn';
    const env = 'abcdef0123456789';
    const t0 = Date.now() - 60_000;
    await send(
      c.url,
      invocationBatch(fn, [numberedInvocation(fn, env, 1, t0), numberedInvocation(fn, env, 3, t0 + 2000)]),
    );
    await c.drained();
    const query = `/api/telemetry-loss?function=${fn}&since=1h`;

    // Act / Assess: inside the collector's grace (--loss-grace-ms, an hour here) the gap is pending
    const early = await api(c.url, query);
    expect(early.functions[0]).toMatchObject({ seen: 2, missing: 0, pending: 1 });
    expect(early.gaps).toMatchObject([{ environmentId: env, firstSequence: 2, count: 1, state: 'pending' }]);

    // Act: invocation 2 arrives late
    await send(c.url, invocationBatch(fn, [numberedInvocation(fn, env, 2, t0 + 1000)]));
    await c.drained();

    // Assess: nothing was lost, under any grace
    for (const grace of ['1m', '0s']) {
      const late = await api(c.url, `${query}&grace=${grace}`);
      expect(late.functions[0]).toMatchObject({ seen: 3, missing: 0, pending: 0 });
      expect(late.functions[0].coveragePercent).toBe(100);
      expect(late.gaps).toEqual([]);
    }
  });

  it('sums what the SDKs reported dropped, per function', async () => {
    // Prepare: at most 5 spans held, and an invocation that makes 10 spans and 7 log lines
    const run = await runLambda({
      handler: 'bulk.cjs',
      functionName: 'bulk-fn',
      invocations: [{ event: { ...fixture('unknown'), _test: { spans: 8, logs: 7 } } }, { event: fixture('unknown') }],
      endpoint: c.url,
      env: { FNTRACE_MAX_QUEUE_SIZE: '5' },
      sequential: true,
    });
    await c.drained();

    // Assess: what the SDK said it dropped (its diagnostics) is what the collector shows
    const dropped = run.diagnostics.filter((d) => d.fntrace_diagnostic === 'FNTRACE_ERR_SDK_DROPPED').at(-1);
    const { functions } = await api(c.url, '/api/telemetry-loss?function=bulk-fn&since=1h');
    expect(functions).toHaveLength(1);
    expect(functions[0].droppedSpans).toBeGreaterThan(0);
    expect(functions[0].droppedSpans + functions[0].droppedLogRecords).toBe(dropped.count);
  });
});
