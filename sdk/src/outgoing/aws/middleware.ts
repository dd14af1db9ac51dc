import { type Attributes, type Context, type Span, SpanKind } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { currentSdk } from '../../core/setup.js';
import {
  activeInvocationContext,
  contextHeaders,
  errorName,
  failSpan,
  type Outgoing,
  startOutgoing,
  suppressOutgoing,
} from '../span.js';
import { type Message, withClientContext, withExecutionInput } from './carriers.js';
import { MESSAGE_OPERATIONS, type MessageOperation, type SendResult } from './operations.js';

/**
 * The AWS SDK v3 middleware: one span per command, W3C context put where the service lets
 * a message carry it (carriers.ts), and the ids the service answered recorded on the span
 * (`messaging.message.id`, per entry for batches), so the collector can join producer and
 * consumer even where a consumer cannot read the context.
 *
 * It sits at the front of the `initialize` step, where the command's input is still the
 * caller's object (never mutated: the next step gets a copy). The HTTP request the SDK makes
 * below it is not traced again.
 */
type Next = (args: { input: Message; [k: string]: unknown }) => Promise<{ output: Message; [k: string]: unknown }>;
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}
export type Middleware = (next: Next, context: HandlerContext) => Next;

export interface SmithyClient {
  config?: { region?: unknown };
  middlewareStack?: { add(mw: Middleware, options: Record<string, unknown>): void };
  handlers?: unknown;
}

const ATTACHED = Symbol.for('fntrace.aws-sdk.attached');
const NAME = 'fntraceOutgoingMiddleware';

/** `SQSClient` → `SQS`, `SendMessageCommand` → `SendMessage`: `rpc.service` and `rpc.method`. */
const serviceOf = (clientName: string | undefined) => (clientName ?? 'AWS').replace(/Client$/, '');
const methodOf = (commandName: string | undefined) => (commandName ?? 'Unknown').replace(/Command$/, '');

function lastPart(s: unknown): string | undefined {
  return typeof s === 'string' && s !== '' ? s.split(/[:/]/).pop() || undefined : undefined;
}

function regionOf(client: SmithyClient): () => Promise<string | undefined> {
  let region: Promise<string | undefined> | undefined;
  return () => {
    region ??= (async () => {
      const r = client.config?.region;
      const value = typeof r === 'function' ? await (r as () => unknown)() : r;
      return typeof value === 'string' ? value : undefined;
    })().catch(() => undefined);
    return region;
  };
}

/** Attributes of a few common non-message calls, as the AWS SDK conventions name them. */
function callAttributes(service: string, input: Message): Attributes {
  if (service === 'DynamoDB' && typeof input.TableName === 'string')
    return { 'aws.dynamodb.table_names': [input.TableName] };
  if (service === 'S3') return { 'aws.s3.bucket': input.Bucket as string, 'aws.s3.key': input.Key as string };
  return {};
}

interface Call {
  outgoing: Outgoing;
  input: Message;
  finish(output: Message): void;
  fail(err: unknown): void;
}

function startMessageCall(
  parent: Context,
  op: MessageOperation,
  method: string,
  input: Message,
  rpc: Attributes,
): Call {
  const destination = op.destination(input);
  const messaging: Attributes = {
    'messaging.system': op.system,
    'messaging.destination.name': destination,
    'messaging.operation.name': method,
  };
  const entries = op.entries ? input[op.entries] : undefined;
  if (!op.entries || !Array.isArray(entries)) {
    // one message: one PRODUCER span, whose context the message carries
    const outgoing = startOutgoing(parent, `${destination ?? op.system} send`, SpanKind.PRODUCER, {
      ...rpc,
      ...messaging,
      'messaging.operation.type': 'send',
    });
    let sent = input;
    const inject = op.inject();
    if (inject) sent = inject(input, contextHeaders(outgoing.context), outgoing.span.spanContext()) ?? input;
    return {
      outgoing,
      input: sent,
      finish(output) {
        recordResult(outgoing.span, op.results(output, [input])[0]);
      },
      fail(err) {
        failSpan(outgoing.span, errorName(err), err);
      },
    };
  }
  // a batch: a CLIENT "send" span, and a PRODUCER "create" span per entry carried by that entry
  const outgoing = startOutgoing(parent, `${destination ?? op.system} send`, SpanKind.CLIENT, {
    ...rpc,
    ...messaging,
    'messaging.operation.type': 'send',
    'messaging.batch.message_count': entries.length,
  });
  const inject = op.inject();
  const creates: Span[] = [];
  const sentEntries = entries.map((entry: unknown, i) => {
    const create = startOutgoing(
      outgoing.context,
      `${op.destinationOf?.(entry) ?? destination ?? op.system} create`,
      SpanKind.PRODUCER,
      {
        ...messaging,
        'messaging.destination.name': op.destinationOf?.(entry) ?? destination,
        'messaging.operation.type': 'create',
        'fntrace.batch.index': i,
      },
    );
    creates.push(create.span);
    if (!inject || typeof entry !== 'object' || entry === null) return entry;
    return inject(entry as Message, contextHeaders(create.context), create.span.spanContext()) ?? entry;
  });
  const end = () => {
    for (const c of creates) c.end();
  };
  return {
    outgoing,
    input: { ...input, [op.entries]: sentEntries },
    finish(output) {
      const results = op.results(output, entries as Message[]);
      let failed = 0;
      let firstError: string | undefined;
      creates.forEach((c, i) => {
        const r = results[i];
        recordResult(c, r);
        if (r && 'error' in r) {
          failed++;
          firstError ??= r.error;
        }
      });
      if (failed > 0) {
        outgoing.span.setAttribute('fntrace.batch.failed_count', failed);
        failSpan(outgoing.span, firstError ?? '_OTHER', new Error(`${failed} of ${entries.length} entries failed`));
      }
      end();
    },
    fail(err) {
      for (const c of creates) failSpan(c, errorName(err));
      failSpan(outgoing.span, errorName(err), err);
      end();
    },
  };
}

function recordResult(span: Span, result: SendResult | undefined): void {
  if (!result) return;
  if ('id' in result) span.setAttribute('messaging.message.id', result.id);
  else failSpan(span, result.error, new Error(result.message ?? result.error));
}

function startOtherCall(parent: Context, service: string, method: string, input: Message, rpc: Attributes): Call {
  if (service === 'Lambda' && (method === 'Invoke' || method === 'InvokeWithResponseStream')) {
    const fn = typeof input.FunctionName === 'string' ? input.FunctionName : undefined;
    const arnRegion = fn?.startsWith('arn:') ? fn.split(':')[3] : undefined;
    const name = fn?.startsWith('arn:') ? fn.split(':')[6] : fn;
    const outgoing = startOutgoing(parent, `${name ?? 'lambda'} invoke`, SpanKind.CLIENT, {
      ...rpc,
      'faas.invoked_name': name,
      'faas.invoked_provider': 'aws',
      'faas.invoked_region': arnRegion ?? rpc['cloud.region'],
      'fntrace.lambda.invocation_type': (input.InvocationType as string) ?? 'RequestResponse',
    });
    return {
      outgoing,
      input: withClientContext(input, contextHeaders(outgoing.context)) ?? input,
      finish(output) {
        // the invoked function threw: Invoke itself succeeded, the call did not
        if (typeof output.FunctionError === 'string') failSpan(outgoing.span, output.FunctionError);
      },
      fail(err) {
        failSpan(outgoing.span, errorName(err), err);
      },
    };
  }
  if (service === 'SFN' && (method === 'StartExecution' || method === 'StartSyncExecution')) {
    const sync = method === 'StartSyncExecution';
    const machine = lastPart(input.stateMachineArn);
    const outgoing = startOutgoing(
      parent,
      `${machine ?? 'state machine'} start`,
      sync ? SpanKind.CLIENT : SpanKind.PRODUCER,
      {
        ...rpc,
        'aws.step_functions.state_machine.arn': input.stateMachineArn as string,
      },
    );
    return {
      outgoing,
      input: withExecutionInput(input, contextHeaders(outgoing.context)) ?? input,
      finish(output) {
        if (typeof output.executionArn === 'string')
          outgoing.span.setAttribute('fntrace.sfn.execution_arn', output.executionArn);
        if (sync && typeof output.status === 'string' && output.status !== 'SUCCEEDED') {
          failSpan(outgoing.span, typeof output.error === 'string' ? output.error : output.status);
        }
      },
      fail(err) {
        failSpan(outgoing.span, errorName(err), err);
      },
    };
  }
  const outgoing = startOutgoing(parent, `${service}.${method}`, SpanKind.CLIENT, {
    ...rpc,
    ...callAttributes(service, input),
  });
  return {
    outgoing,
    input,
    finish() {},
    fail(err) {
      failSpan(outgoing.span, errorName(err), err);
    },
  };
}

/** What every AWS call's span records from the SDK's response metadata (or error). */
function recordMetadata(span: Span, from: unknown): void {
  const meta = (from as { $metadata?: { httpStatusCode?: number; requestId?: string } } | undefined)?.$metadata;
  if (typeof meta?.httpStatusCode === 'number') span.setAttribute('http.response.status_code', meta.httpStatusCode);
  if (typeof meta?.requestId === 'string') span.setAttribute('aws.request_id', meta.requestId);
}

function makeMiddleware(client: SmithyClient): Middleware {
  const region = regionOf(client);
  return (next, handlerContext) => async (args) => {
    const parent = activeInvocationContext();
    const sdk = currentSdk();
    if (!parent || !sdk) return next(args);
    let call: Call | undefined;
    try {
      const service = serviceOf(handlerContext.clientName);
      const method = methodOf(handlerContext.commandName);
      const rpc: Attributes = {
        'rpc.system': 'aws-api',
        'rpc.service': service,
        'rpc.method': method,
        'cloud.region': await region(),
      };
      const input = (args.input ?? {}) as Message;
      const op = MESSAGE_OPERATIONS[`${service}.${method}`];
      call = op
        ? startMessageCall(parent, op, method, input, rpc)
        : startOtherCall(parent, service, method, input, rpc);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `tracing an AWS SDK call failed: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!call) return next(args);
    const started = call;
    const below = suppressOutgoing(started.outgoing.context);
    let result: Awaited<ReturnType<Next>>;
    try {
      result = await sdk.contextManager.with(below, () => next({ ...args, input: started.input }));
    } catch (err) {
      try {
        recordMetadata(started.outgoing.span, err);
        started.fail(err);
        started.outgoing.span.end();
      } catch {
        // the caller gets the SDK's error, never one of ours
      }
      throw err;
    }
    try {
      recordMetadata(started.outgoing.span, result.output);
      started.finish(result.output ?? {});
      started.outgoing.span.end();
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `recording an AWS SDK answer failed: ${(err as Error)?.message ?? String(err)}`);
    }
    return result;
  };
}

/**
 * Add fntrace's middleware to an AWS SDK v3 client (once; later calls do nothing). fntrace
 * does this by itself for every SDK loaded through Node's module loader — the SDK that
 * Lambda's runtime provides, or one in `node_modules`. Call it yourself for a client whose
 * SDK is bundled into your code (esbuild, webpack), which fntrace cannot reach.
 *
 * @example
 * import { instrument } from '@fntrace/sdk';
 * const sqs = instrument(new SQSClient({}));
 */
export function instrument<C>(client: C): C {
  try {
    const c = client as SmithyClient & { [ATTACHED]?: boolean };
    if (c && typeof c === 'object' && !c[ATTACHED] && typeof c.middlewareStack?.add === 'function') {
      c.middlewareStack.add(makeMiddleware(c), { step: 'initialize', priority: 'high', name: NAME, override: true });
      // a client that already sent cached its resolved handlers without us
      delete c.handlers;
      c[ATTACHED] = true;
    }
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `instrumenting an AWS SDK client failed: ${(err as Error)?.message ?? String(err)}`);
  }
  return client;
}
