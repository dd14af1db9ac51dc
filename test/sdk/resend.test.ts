import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCollector } from '../collector/helpers.js';
import { fixture, runLambda } from '../helpers/run-lambda.js';

// A flush that gave up waiting although the collector had stored the request: the next flush
// sends that request again, unchanged, and the collector (which remembers what it acknowledged)
// stores it once.
const c = useCollector();

interface Seen {
  path: string;
  body: string;
  /** What the collector answered. */
  status: number;
  /** Whether the answer was held back from the SDK until it gave up. */
  held: boolean;
}

/**
 * A forwarder on 127.0.0.1 in front of the collector. The first request of each signal is
 * forwarded, but its answer is held back until the client has given up and closed the
 * connection; every other request is answered as the collector answered it.
 */
async function startProxy(target: string): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const holding = new Set<string>();
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const hold = !holding.has(path);
    holding.add(path);
    const answer = await fetch(`${target}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json') },
    });
    const text = await answer.text();
    seen.push({ path, body: body.toString('utf8'), status: answer.status, held: hold });
    if (hold) {
      // the SDK's flush budget runs out and it closes the connection: only then end ours
      if (!res.destroyed) await new Promise((r) => res.once('close', r));
      return;
    }
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

let proxy: Awaited<ReturnType<typeof startProxy>>;
beforeAll(async () => {
  proxy = await startProxy(c.url);
});
afterAll(() => new Promise((r) => proxy.server.close(r)));

const repeats = (metrics: string, signal: string) =>
  Number(
    metrics
      .split('\n')
      .find((l) => l.startsWith(`fntrace_repeated_requests_total{signal="${signal}"}`))
      ?.split(' ')
      .at(-1) ?? 0,
  );

describe('resending a request the collector stored but never acknowledged', () => {
  it('stores every span and log record once', async () => {
    // Prepare
    const metricsBefore = await (await fetch(`${c.url}/metrics`)).text();
    const event = { ...fixture('unknown'), _test: { spans: 2, logs: 2 } };

    // Act: the first flush gives up (its answers are held back), the second resends
    const run = await runLambda({
      handler: 'bulk.cjs',
      functionName: 'resend-fn',
      invocations: [{ event }, { event }],
      endpoint: proxy.url,
      env: { FNTRACE_FLUSH_TIMEOUT_MS: '800' },
      sequential: true,
    });
    await c.drained();
    expect(run.outcomes.map((o) => o.error)).toEqual([undefined, undefined]);
    const [first, second] = run.outcomes;

    // Assess: what was stored — each span once, each log record once
    const spans = await c.query<{ SpanId: string; SpanName: string; n: string }>(
      `SELECT SpanId, any(SpanName) AS SpanName, count() AS n FROM fntrace.otel_traces
       WHERE ServiceName = 'resend-fn' GROUP BY SpanId`,
    );
    const sentSpanIds = new Set(
      proxy.seen
        .filter((s) => s.path === '/v1/traces')
        .flatMap((s) => [...s.body.matchAll(/"spanId":"([0-9a-f]{16})"/g)].map((m) => m[1])),
    );
    // init, 2 steps and the invocation span; then 2 steps and the invocation span
    expect(spans).toHaveLength(7);
    expect(new Set(spans.map((s) => s.SpanId))).toEqual(sentSpanIds);
    expect(spans.filter((s) => Number(s.n) !== 1)).toEqual([]);
    const invocations = await c.query<{ id: string }>(
      `SELECT SpanAttributes['faas.invocation_id'] AS id FROM fntrace.otel_traces
       WHERE ServiceName = 'resend-fn' AND SpanAttributes['faas.trigger'] != '' ORDER BY Timestamp`,
    );
    expect(invocations.map((r) => r.id)).toEqual([first!.requestId, second!.requestId]);
    const logs = await c.query<{ Body: string; id: string }>(
      `SELECT Body, LogAttributes['invocation_id'] AS id FROM fntrace.otel_logs
       WHERE ServiceName = 'resend-fn' ORDER BY Timestamp, Body`,
    );
    expect(logs).toEqual([
      { Body: 'line 0', id: first!.requestId },
      { Body: 'line 1', id: first!.requestId },
      { Body: 'line 0', id: second!.requestId },
      { Body: 'line 1', id: second!.requestId },
    ]);

    // Assess: what went over the wire
    expect(run.diagnostics.some((d) => /timed out after/.test(d.msg))).toBe(true);
    for (const path of ['/v1/traces', '/v1/logs']) {
      const sent = proxy.seen.filter((s) => s.path === path);
      const held = sent.filter((s) => s.held);
      expect(held).toHaveLength(1);
      expect(held[0]!.status).toBe(200); // the collector stored it; the SDK never heard so
      // the next flush sent it again, unchanged, beside a request of its own
      expect(sent.filter((s) => s.body === held[0]!.body)).toHaveLength(2);
      expect(sent).toHaveLength(3);
    }
    const tracesHeld = proxy.seen.find((s) => s.path === '/v1/traces' && s.held)!;
    expect(tracesHeld.body).toContain(first!.requestId);

    // Assess: the collector counted the repeats
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(repeats(metrics, 'traces') - repeats(metricsBefore, 'traces')).toBe(1);
    expect(repeats(metrics, 'logs') - repeats(metricsBefore, 'logs')).toBe(1);
  });
});
