import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error — plain ES module, typed by FlatSpan/FlatLog below
import { flattenLogs, flattenSpans } from './otlp-json.mjs';

/**
 * A small OTLP/HTTP JSON receiver on 127.0.0.1 for SDK tests (the real collector
 * arrives with issue #3). It records every request body and header set, and can be told
 * to answer slowly or with an error status.
 */
export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string;
  events: { name: string; attrs: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attrs: Record<string, unknown> }[];
  status: { code?: number; message?: string };
  startMs: number;
  endMs: number;
}

export interface FlatLog {
  traceId: string;
  spanId: string;
  severityText: string;
  severityNumber: number;
  body: string;
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  traceBodies: any[];
  logBodies: any[];
  requests: { path: string; headers: Record<string, unknown>; atMs: number }[];
  spans(): FlatSpan[];
  logs(): FlatLog[];
  /** The invocation span (the one with `faas.trigger`) of a Lambda request id. */
  invocationSpan(requestId: string): FlatSpan | undefined;
  /** Answer the next `times` requests (default: all) after `delayMs`, with `status` (default 200). */
  behave(b: { delayMs?: number; status?: number; times?: number }): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const app: FastifyInstance = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  const traceBodies: any[] = [];
  const logBodies: any[] = [];
  const requests: Receiver['requests'] = [];
  let behaviour: { delayMs?: number; status?: number; times?: number } = {};
  const handle = (sink: any[]) => async (req: any, reply: any) => {
    requests.push({ path: req.url, headers: req.headers, atMs: Date.now() });
    const b = behaviour;
    if (b.times !== undefined && --b.times <= 0) behaviour = {};
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    const status = b.status ?? 200;
    // a client that gave up waiting did not get an answer: its data was not accepted
    if (status === 200 && !req.raw.destroyed) sink.push(req.body);
    reply.code(status).send({});
  };
  app.post('/v1/traces', handle(traceBodies));
  app.post('/v1/logs', handle(logBodies));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    traceBodies,
    logBodies,
    requests,
    behave(b) {
      behaviour = b;
    },
    spans: (): FlatSpan[] => flattenSpans(traceBodies),
    invocationSpan: (requestId: string): FlatSpan | undefined =>
      (flattenSpans(traceBodies) as FlatSpan[]).find(
        (s) => s.attrs['faas.invocation_id'] === requestId && s.attrs['faas.trigger'] !== undefined,
      ),
    logs: (): FlatLog[] => flattenLogs(logBodies),
    close: () => app.close(),
  };
}

/** A receiver for the test file: started before its tests, closed after them. */
export function useReceiver(): Receiver {
  const rx = {} as Receiver;
  beforeAll(async () => {
    Object.assign(rx, await startReceiver());
  });
  afterAll(() => rx.close());
  return rx;
}
