import { type Context, createContextKey } from '@opentelemetry/api';
import type { BatchRecord } from '../aws-lambda/batch-records.js';
import type { AzureInvocationContext } from './azure-types.js';

/**
 * The Azure invocation a context belongs to: its `InvocationContext` (for the function's name
 * and `context.log`), whether log lines are handed to it, and a batch's per-message
 * descriptions for `messages()`. It lives in the OpenTelemetry context, beside the core's
 * invocation state, so concurrent invocations of one worker never see each other's.
 */
export interface AzureScope {
  readonly context: AzureInvocationContext;
  readonly forwardLogs: boolean;
  /** The messages of a `cardinality: 'many'` batch, as `messages()` gives them spans. */
  readonly records: BatchRecord[] | undefined;
}

const KEY = createContextKey('fntrace.azure.invocation');

export const getAzureScope = (ctx: Context): AzureScope | undefined => ctx.getValue(KEY) as AzureScope | undefined;

export const setAzureScope = (ctx: Context, scope: AzureScope): Context => ctx.setValue(KEY, scope);
