import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer, type CollectorServer } from '../../collector/src/index.js';
import { DEFAULT_PRICES, loadPrices } from '../../collector/src/store/prices.js';
import { useTempDir } from '../helpers/cleanup.js';
import { api, send } from './fixtures.js';

// The price table behind invocation cost: a --prices file ahead of the built-in AWS prices,
// matched on cloud.provider and host.arch, with its billing step; the same figures from the
// tables (/api/invocations, search) and from the spans (trace view); a restart with another
// table prices what is stored from then on and leaves what was stored alone.
const dir = useTempDir('fntrace-prices-');
const file = (name: string, text: string) => {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
};
const pricesFile = () =>
  file(
    'prices.yaml',
    `# list prices for this test
prices:
  - provider: gcp
    gbSecondUsd: 0.0000025
    requestUsd: 0.0000004
    billingIncrementMs: 100
  - provider: aws
    arch: arm64
    gbSecondUsd: 0.00001
    requestUsd: 0.0000001
`,
  );

const data = useTempDir('fntrace-prices-data-');
let server: CollectorServer | undefined;
let url = '';
async function start(prices: string) {
  server = buildServer({ data: data.path, port: 0, logLevel: 'warn', segmentMaxAgeMs: 20, prices });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
}
async function stop() {
  await server?.app.close();
  server = undefined;
}
afterAll(stop);
async function drained() {
  const { spool } = server!.parts();
  while (spool.totalBytes > 0) await new Promise((r) => setTimeout(r, 20));
}

let seq = 0;
/** One invocation span of `ms` milliseconds on a resource with these attributes. */
function invocation(resource: Record<string, string | number>, ms: number) {
  seq++;
  const end = BigInt(Date.now() - 1000) * 1_000_000n;
  const attributes = Object.entries(resource).map(([key, v]) => ({
    key,
    value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
  return {
    traceId: seq.toString(16).padStart(32, 'e'),
    body: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'priced' } }, ...attributes] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: seq.toString(16).padStart(32, 'e'),
                  spanId: seq.toString(16).padStart(16, 'e'),
                  name: 'handler',
                  kind: 2,
                  startTimeUnixNano: String(end - BigInt(Math.round(ms * 1e6))),
                  endTimeUnixNano: String(end),
                  attributes: [
                    { key: 'faas.invocation_id', value: { stringValue: `inv-${seq}` } },
                    { key: 'faas.trigger', value: { stringValue: 'http' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  };
}

const MB = 1024 * 1024;
const cost = (billedMs: number, memoryMb: number, gbSecond: number, request: number) =>
  (billedMs / 1000) * (memoryMb / 1024) * gbSecond + request;

describe('invocation cost from the price table', () => {
  it('prices each invocation by provider and architecture, the same in the tables and the trace view', async () => {
    await start(pricesFile());
    const cases: { resource: Record<string, string | number>; ms: number; billed: number; usd: number }[] = [
      // aws on arm64: the file's entry; aws on x86: the built-in price
      {
        resource: { 'cloud.provider': 'aws', 'host.arch': 'arm64', 'faas.max_memory': 512 * MB },
        ms: 123.4,
        billed: 124,
        usd: cost(124, 512, 0.00001, 0.0000001),
      },
      {
        resource: { 'cloud.provider': 'aws', 'host.arch': 'amd64', 'faas.max_memory': 1024 * MB },
        ms: 50,
        billed: 50,
        usd: cost(50, 1024, 0.0000166667, 0.0000002),
      },
      // gcp: 100 ms steps
      {
        resource: { 'cloud.provider': 'gcp', 'faas.max_memory': 256 * MB },
        ms: 130,
        billed: 200,
        usd: cost(200, 256, 0.0000025, 0.0000004),
      },
      // a provider with no price: billed per ms, no cost
      { resource: { 'cloud.provider': 'azure', 'faas.max_memory': 256 * MB }, ms: 70.2, billed: 71, usd: 0 },
    ];
    const sent = [];
    for (const c of cases) {
      const inv = invocation(c.resource, c.ms);
      await send(url, inv.body);
      sent.push({ ...c, traceId: inv.traceId });
    }
    await drained();
    const { invocations } = await api(url, '/api/invocations?since=1h&limit=100');
    for (const c of sent) {
      const row = invocations.find((r: any) => r.traceId === c.traceId);
      expect(row.billedDurationMs, JSON.stringify(c.resource)).toBe(c.billed);
      expect(row.costUsd, JSON.stringify(c.resource)).toBeCloseTo(c.usd, 15);
      const view = await api(url, `/api/traces/${c.traceId}`);
      expect(view.invocations[0].billedDurationMs).toBe(c.billed);
      expect(view.invocations[0].costUsd).toBe(row.costUsd);
      expect(view.summary.costUsd).toBe(row.costUsd);
    }
    const found = await api(url, '/api/traces?service=priced&limit=100');
    expect(found.traces.map((t: any) => t.costUsd).sort()).toEqual(invocations.map((r: any) => r.costUsd).sort());
    // the views say which table they were made with
    const [comment] = await server!
      .parts()
      .store.client.query({
        query: "SELECT comment FROM system.tables WHERE database = 'fntrace' AND name = 'fntrace_invocations_mv'",
        format: 'JSONEachRow',
      })
      .then((r) => r.json<{ comment: string }>());
    expect(comment?.comment).toMatch(
      /^fntrace prices: gcp 0\.0000025 per GB-s \+ 4e-7 per request, 100 ms; aws\/arm64 0\.00001/,
    );
  });

  it('after a restart with another table, prices what comes next by it and keeps what was stored', async () => {
    await stop();
    await start('');
    const resource = { 'cloud.provider': 'aws', 'host.arch': 'arm64', 'faas.max_memory': 512 * MB };
    const inv = invocation(resource, 123.4);
    await send(url, inv.body);
    await drained();
    const { invocations } = await api(url, '/api/invocations?since=1h&limit=100');
    const arm = invocations.filter((r: any) => r.billedDurationMs === 124);
    expect(arm.map((r: any) => r.costUsd).sort()).toEqual(
      [cost(124, 512, 0.0000133334, 0.0000002), cost(124, 512, 0.00001, 0.0000001)].sort(),
    );
    const view = await api(url, `/api/traces/${inv.traceId}`);
    expect(view.summary.costUsd).toBeCloseTo(cost(124, 512, 0.0000133334, 0.0000002), 15);
  });
});

describe('--prices file', () => {
  it('is the built-in table without a file, and the file ahead of it', () => {
    expect(loadPrices('')).toEqual(DEFAULT_PRICES);
    const loaded = loadPrices(pricesFile());
    expect(loaded.slice(0, 2)).toEqual([
      { provider: 'gcp', gbSecondUsd: 0.0000025, requestUsd: 0.0000004, billingIncrementMs: 100 },
      { provider: 'aws', arch: 'arm64', gbSecondUsd: 0.00001, requestUsd: 0.0000001, billingIncrementMs: 1 },
    ]);
    expect(loaded.slice(2)).toEqual(DEFAULT_PRICES);
  });

  it('refuses a mistake at start-up, naming the file, line and field', () => {
    const bad = (text: string) => () => loadPrices(file('bad.yaml', text));
    expect(bad('prices:\n  - provider: aws\n    gbSecondUsd: -1\n    requestUsd: 0\n')).toThrow(
      /option --prices: .*bad\.yaml:3: \/prices\/0\/gbSecondUsd: must be >= 0 \(got -1\)/,
    );
    expect(bad('prices:\n  - provider: AWS\n    gbSecondUsd: 1\n    requestUsd: 0\n')).toThrow(
      /bad\.yaml:2: \/prices\/0\/provider: must be lower-case letters, digits, "\.", "_" or "-" \(got "AWS"\)/,
    );
    expect(bad('prices:\n  - provider: aws\n    gbSecondUsd: 1\n    requestUSD: 0\n')).toThrow(
      /bad\.yaml:4: \/prices\/0\/requestUSD: is not a field of a price/,
    );
    expect(bad('prices:\n  - provider: aws\n    gbSecondUsd: 1\n')).toThrow(/bad\.yaml:2: \/prices\/0: .*requestUsd/);
    expect(bad('prices: {}\n')).toThrow(/bad\.yaml:1: \/prices: must be a list \(got \{\}\)/);
    expect(() => loadPrices(join(dir.path, 'missing.yaml'))).toThrow(
      /option --prices: cannot read .*missing\.yaml: ENOENT/,
    );
    expect(() => buildServer({ data: dir.path, prices: join(dir.path, 'missing.yaml') })).toThrow(/option --prices/);
  });
});
