import Fastify, { type FastifyInstance } from 'fastify';

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

type KV = { key: string; value: Record<string, unknown> };

export function anyValue(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyValue);
  if ('kvlistValue' in v) return kvs((v.kvlistValue as { values?: KV[] }).values);
  return undefined;
}

export function kvs(list: KV[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const nanoToMs = (n: string | number | undefined) => Number(BigInt(n ?? 0) / 1000n) / 1000;

export interface Receiver {
  url: string;
  traceBodies: any[];
  logBodies: any[];
  requests: { path: string; headers: Record<string, unknown>; atMs: number }[];
  spans(): FlatSpan[];
  logs(): FlatLog[];
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
    spans() {
      const out: FlatSpan[] = [];
      for (const body of traceBodies)
        for (const rs of body.resourceSpans ?? []) {
          const resource = kvs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              out.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                attrs: kvs(s.attributes),
                resource,
                scope: ss.scope?.name,
                events: (s.events ?? []).map((e: any) => ({ name: e.name, attrs: kvs(e.attributes) })),
                links: (s.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId, attrs: kvs(l.attributes) })),
                status: s.status ?? {},
                startMs: nanoToMs(s.startTimeUnixNano),
                endMs: nanoToMs(s.endTimeUnixNano),
              });
        }
      return out;
    },
    logs() {
      const out: FlatLog[] = [];
      for (const body of logBodies)
        for (const rl of body.resourceLogs ?? []) {
          const resource = kvs(rl.resource?.attributes);
          for (const sl of rl.scopeLogs ?? [])
            for (const r of sl.logRecords ?? [])
              out.push({
                traceId: r.traceId,
                spanId: r.spanId,
                severityText: r.severityText,
                severityNumber: r.severityNumber,
                body: r.body?.stringValue,
                attrs: kvs(r.attributes),
                resource,
              });
        }
      return out;
    },
    close: () => app.close(),
  };
}
