import { type Attributes, type Context, SpanKind, trace } from '@opentelemetry/api';
import { report } from '../../core/diagnostics.js';
import { ERROR_CODES } from '../../core/errors.js';
import { currentSdk } from '../../core/setup.js';
import { activeInvocationContext, contextHeaders, startOutgoing } from '../../outgoing/span.js';
import { callOutgoing, traceFetch } from '../fetch/outgoing-fetch.js';

/**
 * The outgoing side of a Worker's bindings. `wrap()` hands each call an `env` in which
 * Queue producers (`send`, `sendBatch`) and service bindings (`fetch`) are traced as calls
 * of *that* invocation — right even when invocations overlap in an isolate without
 * AsyncLocalStorage. `instrument(binding)` does the same for a binding reached another way
 * (`import { env } from 'cloudflare:workers'`), in the active invocation.
 *
 * A Queue message has no headers: the context travels in the body. A plain-object body is
 * sent as a copy with `traceparent`, `tracestate` and `baggage` (holding `correlation_id`)
 * fields added (your object is not changed; a body that has a `traceparent` is sent as it
 * is); `messages()` reads them back. Other bodies (strings, bytes, arrays, class instances,
 * `contentType: 'text' | 'bytes'`) cannot carry it: they are sent unchanged and
 * a `CONTEXT_NOT_CARRIED` diagnostic says so once. `send` gets a PRODUCER span; `sendBatch` a
 * CLIENT span with a PRODUCER `create` span per message, whose context that message carries.
 * Every other member of a binding is the binding's own.
 */
type ParentOf = () => Context | undefined;
interface SendRequest {
  body: unknown;
  contentType?: string;
  [key: string]: unknown;
}
interface QueueLike {
  send(body: unknown, options?: { contentType?: string }): Promise<unknown>;
  sendBatch(messages: Iterable<SendRequest>, options?: unknown): Promise<unknown>;
}
interface FetcherLike {
  fetch: typeof fetch;
}

const SYSTEM = 'cloudflare_queues';

// A service binding (`Fetcher`) answers any property with an RPC method, `send` included: it is
// told apart by its own `fetch`, which a Queue producer (`WorkerQueue`) does not have.
const isFetcher = (v: unknown): v is FetcherLike => typeof (v as FetcherLike)?.fetch === 'function';
const isQueue = (v: unknown): v is QueueLike =>
  !isFetcher(v) && typeof (v as QueueLike)?.send === 'function' && typeof (v as QueueLike)?.sendBatch === 'function';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `body` with the context fields added, or `body` itself when it cannot (or need not) hold them. */
function carry(body: unknown, contentType: string | undefined, headers: Record<string, string>): unknown {
  if (contentType === 'text' || contentType === 'bytes' || !isPlainObject(body)) {
    report(
      ERROR_CODES.CONTEXT_NOT_CARRIED,
      'a Queue message whose body is not a plain object (or is sent as text or bytes) was sent without trace context',
    );
    return body;
  }
  return 'traceparent' in body ? body : { ...body, ...headers };
}

function attributes(binding: string, operation: 'send' | 'create', queue: string | undefined): Attributes {
  return {
    'messaging.system': SYSTEM,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': queue,
    'fntrace.queue.binding': binding,
  };
}

function guard<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `tracing a Queue ${what} failed: ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  }
}

function tracedQueue<Q extends QueueLike>(queue: Q, binding: string, name: string | undefined, parentOf: ParentOf): Q {
  const send: QueueLike['send'] = (body, options) => {
    const sdk = currentSdk();
    const parent = sdk ? parentOf() : undefined;
    const started =
      sdk && parent
        ? guard('send', () => {
            const out = startOutgoing(
              parent,
              `send ${name ?? binding}`,
              SpanKind.PRODUCER,
              attributes(binding, 'send', name),
            );
            return { ...out, body: carry(body, options?.contentType, contextHeaders(out.context)) };
          })
        : undefined;
    if (!sdk || !started) return queue.send(body, options);
    return callOutgoing(sdk, started.span, started.context, () => queue.send(started.body, options));
  };
  const sendBatch: QueueLike['sendBatch'] = (batch, options) => {
    const sdk = currentSdk();
    const parent = sdk ? parentOf() : undefined;
    const list = [...batch];
    const started =
      sdk && parent
        ? guard('sendBatch', () => {
            const label = name ?? binding;
            const out = startOutgoing(parent, `send ${label}`, SpanKind.CLIENT, {
              ...attributes(binding, 'send', name),
              'messaging.batch.message_count': list.length,
            });
            const carried = list.map((m) => {
              const create = sdk.tracer.startSpan(
                `create ${label}`,
                { kind: SpanKind.PRODUCER, attributes: attributes(binding, 'create', name) },
                out.context,
              );
              const headers = contextHeaders(trace.setSpan(out.context, create));
              create.end();
              return isPlainObject(m) ? { ...m, body: carry(m.body, m.contentType, headers) } : m;
            });
            return { ...out, carried };
          })
        : undefined;
    if (!sdk || !started) return queue.sendBatch(list, options);
    return callOutgoing(sdk, started.span, started.context, () => queue.sendBatch(started.carried, options));
  };
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === 'send') return send;
      if (prop === 'sendBatch') return sendBatch;
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function tracedFetcher<F extends FetcherLike>(fetcher: F, parentOf: ParentOf): F {
  // a service binding's URL is the other Worker's, never the collector's
  const fetchTraced = traceFetch(fetcher.fetch.bind(fetcher), parentOf, () => false);
  return new Proxy(fetcher, {
    get(target, prop) {
      if (prop === 'fetch') return fetchTraced;
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function traceBinding(value: unknown, binding: string, name: string | undefined, parentOf: ParentOf): unknown {
  if (isQueue(value)) return tracedQueue(value, binding, name, parentOf);
  if (isFetcher(value)) return tracedFetcher(value, parentOf);
  return value;
}

/**
 * `env` for one call: its Queue producers and service bindings traced in the invocation
 * `parentOf` names. Everything else is `env`'s own. Bindings are wrapped when first read.
 */
export function instrumentEnv<E extends object>(env: E, parentOf: ParentOf): E {
  const wrapped = new Map<string, unknown>();
  return new Proxy(env, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (typeof prop !== 'string' || typeof value !== 'object' || value === null) return value;
      let out = wrapped.get(prop);
      if (out === undefined) {
        out = traceBinding(value, prop, undefined, parentOf);
        wrapped.set(prop, out);
      }
      return out;
    },
  });
}

/**
 * Trace a Queue producer or service binding that `wrap()`'s `env` did not hand you (say,
 * `import { env } from 'cloudflare:workers'`): calls made inside a wrapped handler get a span
 * and carry the context on. Any other value is returned as it is.
 *
 * @param options.queue the queue's name, for `messaging.destination.name` (a binding does not
 * know it). The default value is none: spans are named by the binding.
 *
 * @example
 * import { env } from 'cloudflare:workers';
 * const orders = instrument(env.ORDERS, { queue: 'orders' });
 */
export function instrument<B>(binding: B, options?: { queue?: string }): B {
  return traceBinding(binding, options?.queue ?? 'queue', options?.queue, activeInvocationContext) as B;
}
