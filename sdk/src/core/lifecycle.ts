import {
  type Attributes,
  type Context,
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { sdkLogger } from '../log/sdk-logger.js';
import { takeColdStart } from './cold-start.js';
import { report, reportCounts } from './diagnostics.js';
import { processEnv } from './env.js';
import { ENVIRONMENT_ID, ENVIRONMENT_SEQUENCE, nextInvocation } from './environment.js';
import { ERROR_CODES } from './errors.js';
import { type InvocationState, setInvocation } from './invocation-state.js';
import { firstInvocationStarted, type Sdk } from './setup.js';
import type { SdkSpan } from './span.js';
import { nowMs } from './time.js';
import { startTimeoutGuard } from './timeout-guard.js';

/**
 * The one wrapper core: before → handler → after/onError → flush. `wrap()`, the middy
 * middleware and every platform adapter drive this same sequence.
 *
 * Invariant: nothing here throws into, delays beyond its budget, or changes the result of
 * the user's handler. Telemetry failures are reported to diagnostics and the handler runs
 * bare if the SDK could not even start the invocation.
 */
export interface InvocationPlan {
  /** Span name (e.g. `GET /orders/{id}`, `orders-queue process`). */
  name: string;
  kind: SpanKind;
  /** Context holding the extracted parent span context and baggage, if any. */
  parent: Context;
  links: Link[];
  attributes: Attributes;
  invocationId: string;
  correlationId: string;
  /** Epoch ms at which the platform kills the invocation. */
  deadlineMs: number | undefined;
  /** Adds attributes taken from the handler's result (e.g. HTTP status). */
  onResult?: (span: Span, result: unknown) => void;
  /** Epoch ms at which this environment's init began, when not at process start (see cold-start.ts). */
  initStartMs?: number;
}

export interface LifecycleOptions {
  flushTimeoutMs: number;
  timeoutMarginMs: number;
}

/** What the middy middleware and adapters hold between "before" and "after". */
export interface InvocationHandle {
  readonly context: Context;
  readonly state: InvocationState;
  /** Ends the invocation and flushes. Never rejects. */
  finish(outcome: { error: unknown; threw: true } | { result: unknown; threw: false }): Promise<void>;
}

const errorType = (err: unknown): string => {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; constructor?: { name?: string } };
    if (typeof e.name === 'string' && e.name) return e.name;
    if (e.constructor?.name) return e.constructor.name;
  }
  return typeof err;
};

function markError(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : { message: String(err), name: errorType(err) });
  span.setAttribute('error.type', errorType(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

function flushBudget(options: LifecycleOptions, deadlineMs: number | undefined): number {
  if (deadlineMs === undefined) return options.flushTimeoutMs;
  // keep a little time for the platform to receive the result after the flush
  return Math.max(0, Math.min(options.flushTimeoutMs, deadlineMs - Date.now() - 20));
}

/** Start an invocation: span, cold start, context, timeout guard. Throws only on an SDK bug (callers catch). */
export function beginInvocation(sdk: Sdk, plan: InvocationPlan, options: LifecycleOptions): InvocationHandle {
  const startMs = nowMs();
  const cold = takeColdStart(processEnv(), startMs, plan.initStartMs);
  if (cold.first) firstInvocationStarted();
  const state: InvocationState = {
    invocationId: plan.invocationId,
    correlationId: plan.correlationId,
    coldStart: cold.coldStart,
    openSpans: new Set(),
    span: undefined,
    ended: false,
    timedOut: false,
    abandonedRecordSpan: undefined,
  };
  // the correlation id joins the outgoing baggage when a call leaves (see propagator.ts)
  const parentCtx = setInvocation(plan.parent, state);
  // NOTE: mutates plan.attributes, which the plan builder made for this invocation alone
  const attributes = plan.attributes;
  attributes['faas.invocation_id'] = plan.invocationId;
  attributes['faas.coldstart'] = cold.coldStart;
  attributes['fntrace.correlation_id'] = plan.correlationId;
  const span = sdk.tracer.startSpan(
    plan.name,
    { kind: plan.kind, startTime: startMs, links: plan.links, attributes },
    parentCtx,
  ) as SdkSpan;
  // numbered as invocations start, so one killed before its flush is a gap the collector sees;
  // only those recorded: one the sampler leaves out would otherwise look lost
  if (span.isRecording()) {
    const environment = nextInvocation();
    span.setAttribute(ENVIRONMENT_ID, environment.id);
    span.setAttribute(ENVIRONMENT_SEQUENCE, environment.sequence);
  }
  // the invocation span is ended by finish(), not by the timeout sweep of "other open spans"
  state.openSpans.delete(span);
  span.openIn = undefined;
  state.span = span;
  const ctx = trace.setSpan(parentCtx, span);
  if (cold.initDurationMs !== undefined) {
    span.setAttribute('fntrace.init_duration_ms', Math.round(cold.initDurationMs * 1000) / 1000);
    const init = sdk.tracer.startSpan(
      'init',
      { kind: SpanKind.INTERNAL, startTime: cold.initStartMs, attributes: { 'fntrace.init': true } },
      ctx,
    );
    init.end(startMs);
  }

  const finishSpans = async (outcome: { error: unknown; threw: true } | { result: unknown; threw: false }) => {
    try {
      if (!state.ended) {
        state.ended = true;
        cancelGuard();
        const abandoned = state.abandonedRecordSpan;
        if (outcome.threw) {
          if (abandoned) markError(abandoned, outcome.error);
          markError(span, outcome.error);
        } else {
          plan.onResult?.(span, outcome.result);
        }
        abandoned?.end();
        // an outgoing call whose response was never read: its span is all the trace has of it
        for (const open of state.openSpans) if (open.endsWithInvocation) open.end();
        span.end();
      }
      // the invocation span carries the count of what was lost since the last delivered report
      await sdk.exporter.flush(flushBudget(options, plan.deadlineMs), span);
      reportCounts();
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `finishing the invocation failed: ${(err as Error)?.message ?? String(err)}`);
    }
  };

  const onTimeout = () => {
    if (state.ended) return;
    try {
      state.timedOut = true;
      const open = [...state.openSpans];
      const remainingMs = plan.deadlineMs === undefined ? undefined : Math.max(0, plan.deadlineMs - Date.now());
      sdkLogger().fatal(
        { open_spans: open.map((s) => s.name), remaining_ms: remainingMs, 'error.type': 'timeout' },
        `invocation is about to time out with ${open.length} span(s) still open`,
      );
      for (const s of open) {
        s.setAttribute('fntrace.timeout', true);
        s.setStatus({ code: SpanStatusCode.ERROR, message: 'still open when the invocation timed out' });
        s.end();
      }
      span.setAttribute('fntrace.timeout', true);
      span.setAttribute('error.type', 'timeout');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'invocation timed out' });
      state.abandonedRecordSpan?.end();
      state.ended = true;
      span.end();
      // the margin is all the time left: spend most of it on the flush
      const left = plan.deadlineMs === undefined ? options.timeoutMarginMs : plan.deadlineMs - Date.now();
      void sdk.exporter.flush(Math.max(0, left - 30), span).then(reportCounts, () => undefined);
    } catch (err) {
      report(ERROR_CODES.INTERNAL, `timeout handling failed: ${(err as Error)?.message ?? String(err)}`);
    }
  };
  // the guard's callback must run in the invocation's context so its log line carries its ids
  const cancelGuard = sdk.contextManager.with(ctx, () =>
    startTimeoutGuard(plan.deadlineMs, options.timeoutMarginMs, onTimeout),
  );

  return { context: ctx, state, finish: finishSpans };
}

/**
 * Run `handler` as one traced invocation. Resolves or rejects exactly as the handler does.
 */
export async function runInvocation<T>(
  sdk: Sdk | undefined,
  makePlan: () => InvocationPlan,
  options: LifecycleOptions,
  handler: () => T | Promise<T>,
): Promise<T> {
  let handle: InvocationHandle | undefined;
  try {
    if (sdk) handle = beginInvocation(sdk, makePlan(), options);
  } catch (err) {
    report(ERROR_CODES.INTERNAL, `could not start the invocation span: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!sdk || !handle) return handler();
  let result: T;
  try {
    result = await sdk.contextManager.with(handle.context, handler);
  } catch (error) {
    await handle.finish({ error, threw: true });
    throw error;
  }
  await handle.finish({ result, threw: false });
  return result;
}
