import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exited, killWhenDone } from '../../../helpers/cleanup.js';
import type { FlatSpan, Receiver } from '../../../helpers/otlp-receiver.js';

/**
 * A stand-in for the Azure Functions host, on the test's side: it starts a worker process
 * (worker.mjs: the Node.js worker's part, running the `@azure/functions` library for real) with
 * the environment the host gives a function app, and sends it invocation requests in the RPC
 * shapes the host uses — typed data (`string`, `json`, `int`, `http`, `collectionString`, …),
 * trigger metadata keyed as the bindings name it (`MessageId`, `ApplicationProperties`, …),
 * and the host's trace context. One worker process is one instance: its first invocation is
 * its cold start.
 */
export type TypedData = Record<string, unknown>;

export interface InvocationRequest {
  functionName: string;
  invocationId: string;
  inputData: { name?: string; data: TypedData }[];
  triggerMetadata?: Record<string, TypedData>;
  traceContext?: { traceParent?: string; traceState?: string; attributes?: Record<string, string> };
  retryContext?: { retryCount: number; maxRetryCount: number };
}

export interface Outcome {
  /** The RPC invocation response the library built (HTTP: `returnValue.http.statusCode`). */
  response?: any;
  /** What the handler threw, as the library passed it on. */
  error?: { name: string; message: string };
  /** Lines written through `context.log`/`context.info`/… during the invocation. */
  userLogs: { level: string; message: string }[];
}

export interface Worker {
  functions: string[];
  /** Epoch ms: when the worker process started, and when it began loading the app. */
  processStartMs: number;
  appLoadStartMs: number;
  invoke(request: InvocationRequest): Promise<Outcome>;
  /** JSON lines the worker wrote to stdout so far (the app's log lines). */
  logs(): any[];
  /** JSON lines on stderr (fntrace diagnostics). */
  diagnostics(): any[];
  /** End the worker as the host does when it scales in (SIGTERM), and wait for it. */
  stop(): Promise<void>;
}

/** The variables the host sets for a function app on the Consumption plan (Linux), with its app settings. */
export const APP_ENV: Record<string, string> = JSON.parse(
  readFileSync(resolve(import.meta.dirname, 'consumption-env.json'), 'utf8'),
);

const APP = resolve(import.meta.dirname, 'app.mjs');
const WORKER = resolve(import.meta.dirname, 'worker.mjs');

/** The complete JSON lines of a stream's text so far (a line still being written is left out). */
const jsonLines = (text: string): any[] =>
  text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

/**
 * Start a worker for an app (default: app.mjs beside this file); call inside a test (it is
 * killed when the test ends, if still running).
 */
export async function startWorker(opts: {
  endpoint: string;
  env?: Record<string, string>;
  app?: string;
}): Promise<Worker> {
  const base: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // the worker sees what the host and the app's settings give it, not this process's settings
    if (!k.startsWith('OTEL_') && !k.startsWith('FNTRACE_')) base[k] = v;
  }
  const child: ChildProcess = killWhenDone(
    spawn(process.execPath, [WORKER], {
      env: {
        ...base,
        ...APP_ENV,
        OTEL_EXPORTER_OTLP_ENDPOINT: opts.endpoint,
        // a loaded test machine must not cut the flush short: the test reads what was exported
        FNTRACE_FLUSH_TIMEOUT_MS: '10000',
        ...opts.env,
        AZURE_TEST_APP: opts.app ?? APP,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const pending = new Map<number, (o: any) => void>();
  let next = 0;
  const started = await new Promise<{ functions: string[]; processStartMs: number; appLoadStartMs: number }>(
    (ready, fail) => {
      child.on('message', (m: any) => {
        if (m.type === 'ready') ready(m);
        if (m.type === 'outcome') pending.get(m.id)?.(m);
      });
      child.once('exit', (code) => fail(new Error(`worker exited (${code}) before it was ready:\n${stderr}`)));
    },
  );
  return {
    functions: started.functions,
    processStartMs: started.processStartMs,
    appLoadStartMs: started.appLoadStartMs,
    invoke(request) {
      const id = next++;
      return new Promise((done, fail) => {
        pending.set(id, (m) => {
          pending.delete(id);
          if (m.failed) fail(new Error(`the worker could not run the invocation: ${m.failed}`));
          else done({ response: m.response, error: m.error, userLogs: m.userLogs });
        });
        child.send({ type: 'invoke', id, request });
      });
    },
    logs: () => jsonLines(stdout),
    diagnostics: () => jsonLines(stderr),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** W3C traceparent parts. */
export const traceparent = (traceId: string, spanId: string, flags = '01') => `00-${traceId}-${spanId}-${flags}`;

const sys = (functionName: string) => ({
  json: JSON.stringify({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
});

/** An HTTP trigger's invocation: the request as the host forwards it. */
export function httpInvocation(
  functionName: string,
  req: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    params?: Record<string, string>;
    body?: string;
    traceContext?: InvocationRequest['traceContext'];
  },
): InvocationRequest {
  const url = new URL(req.url);
  return {
    functionName,
    invocationId: randomUUID(),
    inputData: [
      {
        data: {
          http: {
            method: req.method ?? 'GET',
            url: req.url,
            headers: { host: url.host, 'user-agent': 'test-client/1.0', ...req.headers },
            query: Object.fromEntries(url.searchParams),
            params: req.params ?? {},
            body: req.body === undefined ? undefined : { string: req.body },
          },
        },
      },
    ],
    traceContext: req.traceContext,
  };
}

export interface ServiceBusMessage {
  body: unknown;
  messageId: string;
  applicationProperties?: Record<string, unknown>;
  correlationId?: string;
  deliveryCount?: number;
  enqueuedTimeUtc?: string;
}

/** A Service Bus trigger's invocation with one message (`cardinality: 'one'`). */
export function serviceBusInvocation(
  functionName: string,
  m: ServiceBusMessage,
  traceContext?: InvocationRequest['traceContext'],
): InvocationRequest {
  const props = { json: JSON.stringify(m.applicationProperties ?? {}) };
  return {
    functionName,
    invocationId: randomUUID(),
    inputData: [{ data: { json: JSON.stringify(m.body) } }],
    triggerMetadata: {
      MessageId: { string: m.messageId },
      DeliveryCount: { int: m.deliveryCount ?? 1 },
      EnqueuedTimeUtc: { string: m.enqueuedTimeUtc ?? new Date().toISOString() },
      SequenceNumber: { int: 17 },
      ContentType: { string: 'application/json' },
      ...(m.correlationId ? { CorrelationId: { string: m.correlationId } } : {}),
      ApplicationProperties: props,
      UserProperties: props,
      sys: sys(functionName),
    },
    traceContext,
  };
}

/** A Service Bus trigger's invocation with a batch (`cardinality: 'many'`): one array per property. */
export function serviceBusBatchInvocation(
  functionName: string,
  batch: ServiceBusMessage[],
  traceContext?: InvocationRequest['traceContext'],
): InvocationRequest {
  const props = { json: JSON.stringify(batch.map((m) => m.applicationProperties ?? {})) };
  return {
    functionName,
    invocationId: randomUUID(),
    inputData: [{ data: { collectionString: { string: batch.map((m) => JSON.stringify(m.body)) } } }],
    triggerMetadata: {
      MessageIdArray: { collectionString: { string: batch.map((m) => m.messageId) } },
      DeliveryCountArray: { collectionSint64: { sint64: batch.map((m) => m.deliveryCount ?? 1) } },
      EnqueuedTimeUtcArray: { json: JSON.stringify(batch.map((m) => m.enqueuedTimeUtc ?? new Date().toISOString())) },
      CorrelationIdArray: { json: JSON.stringify(batch.map((m) => m.correlationId ?? null)) },
      ApplicationPropertiesArray: props,
      UserPropertiesArray: props,
      sys: sys(functionName),
    },
    traceContext,
  };
}

/** A Storage Queue trigger's invocation: the message text (a JSON document or not) and its metadata. */
export function storageQueueInvocation(
  functionName: string,
  m: { text: string; id: string; dequeueCount?: number; insertionTime?: string },
  traceContext?: InvocationRequest['traceContext'],
): InvocationRequest {
  const inserted = m.insertionTime ?? new Date().toISOString();
  return {
    functionName,
    invocationId: randomUUID(),
    inputData: [{ data: { string: m.text } }],
    triggerMetadata: {
      QueueTrigger: { string: m.text },
      Id: { string: m.id },
      DequeueCount: { int: m.dequeueCount ?? 1 },
      InsertionTime: { string: inserted },
      ExpirationTime: { string: new Date(Date.parse(inserted) + 7 * 86_400_000).toISOString() },
      NextVisibleTime: { string: new Date(Date.parse(inserted) + 600_000).toISOString() },
      PopReceipt: { string: 'AgAAAAMAAAAAAAAA' },
      sys: sys(functionName),
    },
    traceContext,
  };
}

/** A timer trigger's invocation. */
export function timerInvocation(functionName: string, traceContext?: InvocationRequest['traceContext']) {
  return {
    functionName,
    invocationId: randomUUID(),
    inputData: [
      {
        data: {
          json: JSON.stringify({
            Schedule: { AdjustForDST: true },
            ScheduleStatus: { Last: '2026-12-03T02:00:00Z', Next: '2026-12-05T02:00:00Z' },
            IsPastDue: false,
          }),
        },
      },
    ],
    traceContext,
  } satisfies InvocationRequest;
}

/** The invocation span of `invocationId`, once the receiver has it (the flush precedes the answer, but the receiver may still be reading it). */
export async function invocationSpan(rx: Receiver, invocationId: string): Promise<FlatSpan> {
  for (let i = 0; i < 200; i++) {
    const span = rx.invocationSpan(invocationId);
    if (span) return span;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no span exported for invocation ${invocationId}`);
}
