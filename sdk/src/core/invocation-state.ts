import { type Context, createContextKey } from '@opentelemetry/api';
import type { SdkSpan } from './span.js';

/**
 * Per-invocation state. It lives in the active OpenTelemetry context (and so in
 * AsyncLocalStorage), never in module variables: Lambda managed instances and edge
 * runtimes run invocations of one process concurrently.
 */
export interface InvocationState {
  readonly invocationId: string;
  readonly correlationId: string;
  readonly coldStart: boolean;
  /** Spans started inside this invocation and not yet ended; the timeout guard ends them. */
  readonly openSpans: Set<SdkSpan>;
  /** The invocation span, once started. */
  span: SdkSpan | undefined;
  /** Set once the invocation has been finished (normally or by the timeout guard). */
  ended: boolean;
  timedOut: boolean;
  /** A record span left open because the `records()` loop was left early (break or throw). */
  abandonedRecordSpan: SdkSpan | undefined;
}

/** What `records()` puts in the context while record N is active. */
export interface RecordScope {
  readonly span: SdkSpan | undefined;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly index: number;
}

const INVOCATION_KEY = createContextKey('fntrace.invocation');
const RECORD_KEY = createContextKey('fntrace.record');

export function getInvocation(ctx: Context): InvocationState | undefined {
  return ctx.getValue(INVOCATION_KEY) as InvocationState | undefined;
}

export function setInvocation(ctx: Context, state: InvocationState): Context {
  return ctx.setValue(INVOCATION_KEY, state);
}

export function getRecord(ctx: Context): RecordScope | undefined {
  return ctx.getValue(RECORD_KEY) as RecordScope | undefined;
}

export function setRecord(ctx: Context, record: RecordScope | undefined): Context {
  return record ? ctx.setValue(RECORD_KEY, record) : ctx.deleteValue(RECORD_KEY);
}
