import { beforeAll, describe, expect, it } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import {
  type Bundle,
  bundleWorker,
  type Downstream,
  type RunningWorker,
  startDownstream,
  startWorker,
  until,
} from './cloudflare/harness.js';

// The context design under concurrency (core/ambient-context.ts): workerd runs overlapping
// requests in one isolate. Two requests to /overlap are held by the test server until both
// have arrived (and again before they end), so everything between the two barriers runs
// while both are in flight — no timing involved.
const rx = useReceiver();
const TRACE = { A: 'a'.repeat(32), B: 'b'.repeat(32) } as const;
const IDS = ['A', 'B'] as const;

let worker: Bundle;
beforeAll(async () => {
  worker = await bundleWorker();
});

async function overlap(flags: string[], barrierSize: number, sequential = false) {
  const downstream = await startDownstream();
  downstream.barrierSize = barrierSize;
  const inventory: { id: string | null; traceparent: string | null }[] = [];
  const w = await startWorker(worker.code, {
    flags,
    bindings: {
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_SERVICE_NAME: 'edge-api',
      DOWNSTREAM: downstream.url,
    },
    inventory: (request) => {
      inventory.push({
        id: new URL(request.url).searchParams.get('id'),
        traceparent: request.headers.get('traceparent'),
      });
      return new Response('in stock');
    },
  });
  const send = (id: 'A' | 'B') =>
    w.request('/overlap', {
      headers: {
        traceparent: `00-${TRACE[id]}-${id === 'A' ? '1'.repeat(16) : '2'.repeat(16)}-01`,
        'x-request-id': id,
      },
    });
  const responses = sequential ? [await send('A'), await send('B')] : await Promise.all(IDS.map(send));
  expect(await Promise.all(responses.map((r) => r.text()))).toEqual(['A', 'B']);
  return { w, downstream, inventory };
}

const lineOf = (w: RunningWorker, msg: string, id: string) => w.lines.find((l) => l.msg === msg && l.id === id)!;
const handling = (w: RunningWorker, id: string) =>
  w.lines.find((l) => l.msg === 'handling' && l.correlation_id === id)!;
const traceparentOf = (d: Downstream, path: string, id: string, n?: string) =>
  d.seen.find((r) => r.path === path && r.query.get('id') === id && (n === undefined || r.query.get('n') === n))!
    .headers.traceparent as string | undefined;

async function invocationSpansExported(w: RunningWorker) {
  const spanIds = IDS.map((id) => handling(w, id).span_id);
  await until('both invocation spans', () => spanIds.every((s) => rx.spans().some((x) => x.spanId === s)));
  for (const id of IDS) {
    const span = rx.spans().find((s) => s.spanId === handling(w, id).span_id)!;
    expect(span.traceId).toBe(TRACE[id]);
    expect(span.attrs).toMatchObject({ 'fntrace.correlation_id': id, 'http.response.status_code': 200 });
  }
}

describe('overlapping requests in one isolate', () => {
  it('without AsyncLocalStorage: never mixes them up; after an await, only explicit bindings know whose they are', async () => {
    const { w, downstream, inventory } = await overlap([], 2);
    await invocationSpansExported(w);
    for (const id of IDS) {
      const other = TRACE[id === 'A' ? 'B' : 'A'];
      // before the first await: the context is exact
      expect(handling(w, id).trace_id).toBe(TRACE[id]);
      expect(traceparentOf(downstream, '/barrier', id, '1')).toContain(TRACE[id]);
      // after it, while both are in flight: no ids rather than the other request's
      const after = lineOf(w, 'after await', id);
      expect(after.trace_id).toBeUndefined();
      expect(after.invocation_id).toBeUndefined();
      expect(traceparentOf(downstream, '/global', id)).toBeUndefined();
      expect(JSON.stringify(w.lines.filter((l) => l.id === id))).not.toContain(other);
      // what is bound to the invocation stays exact: invocation(ctx) and the env bindings
      const bound = lineOf(w, 'bound after await', id);
      expect(bound).toMatchObject({
        trace_id: TRACE[id],
        correlation_id: id,
        invocation_id: handling(w, id).invocation_id,
      });
      expect(traceparentOf(downstream, '/bound', id)).toContain(TRACE[id]);
      expect(inventory.find((r) => r.id === id)!.traceparent).toContain(TRACE[id]);
    }
    const diagnostic = w.errors.find((e) => e.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED');
    expect(diagnostic?.msg).toContain('nodejs_als');
  });

  it('without AsyncLocalStorage, one request at a time: exact after an await too', async () => {
    const { w, downstream } = await overlap([], 1, true);
    await invocationSpansExported(w);
    for (const id of IDS) {
      expect(lineOf(w, 'after await', id)).toMatchObject({ trace_id: TRACE[id], correlation_id: id });
      expect(traceparentOf(downstream, '/global', id)).toContain(TRACE[id]);
    }
    expect(w.errors.some((e) => e.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED')).toBe(false);
  });

  it('with the nodejs_als flag: exact everywhere, with no other change', async () => {
    const { w, downstream } = await overlap(['nodejs_als'], 2);
    await invocationSpansExported(w);
    for (const id of IDS) {
      const invocationId = handling(w, id).invocation_id;
      for (const msg of ['after await', 'bound after await']) {
        expect(lineOf(w, msg, id)).toMatchObject({
          trace_id: TRACE[id],
          correlation_id: id,
          invocation_id: invocationId,
        });
      }
      for (const path of ['/global', '/bound']) expect(traceparentOf(downstream, path, id)).toContain(TRACE[id]);
      expect(traceparentOf(downstream, '/barrier', id, '2')).toContain(TRACE[id]);
    }
    expect(w.errors.some((e) => e.fntrace_diagnostic === 'FNTRACE_ERR_SDK_CONTEXT_NOT_CARRIED')).toBe(false);
  });
});
