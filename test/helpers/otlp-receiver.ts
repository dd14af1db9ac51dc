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
  /** Every request as it arrived (answered or not): `body` is the raw JSON text. */
  requests: ReceivedRequest[];
  spans(): FlatSpan[];
  logs(): FlatLog[];
  /** The invocation span (the one with `faas.trigger`) of a Lambda request id. */
  invocationSpan(requestId: string): FlatSpan | undefined;
  /**
   * Answer the next `times` requests (default: all) after `delayMs`, with `status` (default
   * 200); with `path`, only requests to that path (`/v1/traces`, `/v1/logs`) are affected.
   */
  behave(b: Behaviour): void;
  close(): Promise<void>;
}

export interface ReceivedRequest {
  path: string;
  headers: Record<string, unknown>;
  atMs: number;
  body: string;
}

interface Behaviour {
  delayMs?: number;
  status?: number;
  times?: number;
  path?: string;
}

/** `port`: listen there (default: any free port). */
export async function startReceiver(options: { port?: number } = {}): Promise<Receiver> {
  const app: FastifyInstance = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  const traceBodies: any[] = [];
  const logBodies: any[] = [];
  const requests: Receiver['requests'] = [];
  let behaviour: Behaviour = {};
  // keep the raw text too: tests compare a resent body with the first one byte for byte
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as any).rawBody = body;
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const handle = (sink: any[]) => async (req: any, reply: any) => {
    requests.push({ path: req.url, headers: req.headers, atMs: Date.now(), body: req.rawBody });
    const b = behaviour.path === undefined || behaviour.path === req.url ? behaviour : {};
    if (b === behaviour && b.times !== undefined && --b.times <= 0) behaviour = {};
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    const status = b.status ?? 200;
    // a client that gave up waiting did not get an answer: its data was not accepted
    if (status === 200 && !req.raw.destroyed) sink.push(req.body);
    reply.code(status).send({});
  };
  app.post('/v1/traces', handle(traceBodies));
  app.post('/v1/logs', handle(logBodies));
  const address = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
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
