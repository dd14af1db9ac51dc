import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ES module shared with the demo (examples/)
import { serveLocal } from '../../examples/aws-lambda/run-local.mjs';
import { api } from '../collector/fixtures.js';
import { useCollector } from '../collector/helpers.js';
import { HANDLERS } from '../helpers/run-lambda.js';

// Two wrapped functions behind local HTTP APIs, exporting to the real collector: the first
// calls the second over real sockets with plain fetch and with node:http. The query API
// must read one trace whose parent chain runs caller → CLIENT span → callee.
const c = useCollector();
let caller: { url: string; stop(): Promise<unknown> };
let callee: { url: string; stop(): Promise<unknown> };

beforeAll(async () => {
  callee = await serveLocal({ handler: `${HANDLERS}/outgoing.mjs`, functionName: 'callee-fn', endpoint: c.url });
  caller = await serveLocal({ handler: `${HANDLERS}/outgoing.mjs`, functionName: 'caller-fn', endpoint: c.url });
  const res = await fetch(caller.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': 'e2e-hop-1' },
    body: JSON.stringify({
      calls: [
        { via: 'fetch', url: `${callee.url}/by-fetch`, method: 'POST', body: '{"calls":[]}' },
        { via: 'http', url: `${callee.url}/by-http`, method: 'POST', body: '{"calls":[]}' },
      ],
    }),
  });
  expect(await res.json()).toEqual([
    { status: 200, body: '[]' },
    { status: 200, body: '[]' },
  ]);
  await c.drained();
}, 60_000);

afterAll(async () => {
  await caller?.stop();
  await callee?.stop();
});

describe('a call from one wrapped function to another, with no code but wrap()', () => {
  it('is one trace in the query API: caller, its CLIENT spans, the callee under each', async () => {
    const { traces } = await api(c.url, '/api/traces?correlationId=e2e-hop-1');
    expect(traces).toHaveLength(1);
    expect(traces[0].services).toEqual(['callee-fn', 'caller-fn']);
    const view = await api(c.url, `/api/traces/${traces[0].traceId}`);
    const spans = view.spans.filter((s: any) => !s.virtual);
    const rows = spans.map((s: any) => [s.depth, s.service, s.kind, s.name, s.attributes['url.path'] ?? '']);
    expect(rows).toEqual([
      [0, 'caller-fn', 'Server', 'POST', '/'],
      [1, 'caller-fn', 'Internal', 'init', ''],
      [1, 'caller-fn', 'Client', 'POST', ''],
      [2, 'callee-fn', 'Server', 'POST', '/by-fetch'],
      [3, 'callee-fn', 'Internal', 'init', ''],
      [1, 'caller-fn', 'Client', 'POST', ''],
      [2, 'callee-fn', 'Server', 'POST', '/by-http'],
    ]);
    expect(view.orphans).toEqual({ platform: 0, pending: 0, lost: 0 });
    // the correlation id travelled in the baggage: every span of both functions carries it
    expect(new Set(spans.map((s: any) => s.attributes['fntrace.correlation_id']))).toEqual(new Set(['e2e-hop-1']));
    expect(view.invocations.map((i: any) => [i.functionName, i.coldStart])).toEqual([
      ['caller-fn', true],
      ['callee-fn', true],
      ['callee-fn', false],
    ]);
  });
});
