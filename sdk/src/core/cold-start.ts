import type { Env } from './env.js';

/**
 * Cold start detection. The first invocation an environment serves is a cold start,
 * unless the environment was initialised ahead of traffic (Lambda provisioned
 * concurrency: `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`), in which case
 * no request waited for the init. Init duration is measured from the process's time
 * origin (its start) to the first invocation.
 */
export interface ColdStart {
  /** The environment's first invocation (a cold start unless the environment was provisioned ahead). */
  first: boolean;
  coldStart: boolean;
  /** Set on the first invocation only. */
  initDurationMs: number | undefined;
  /** Epoch ms when the process started. */
  initStartMs: number;
}

// shared by the ESM and CJS builds (see setup.ts)
const SERVED = Symbol.for('fntrace.coldstart.served');
const g = globalThis as Record<symbol, boolean | undefined>;

export function takeColdStart(env: Env, invokeStartMs: number): ColdStart {
  const initStartMs = performance.timeOrigin;
  if (g[SERVED]) return { first: false, coldStart: false, initDurationMs: undefined, initStartMs };
  g[SERVED] = true;
  const proactive = env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency';
  return {
    first: true,
    coldStart: !proactive,
    initDurationMs: proactive ? undefined : Math.max(0, invokeStartMs - initStartMs),
    initStartMs,
  };
}
