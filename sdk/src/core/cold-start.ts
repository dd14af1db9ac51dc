import type { Env } from './env.js';

/**
 * Cold start detection. The first invocation an environment serves is a cold start,
 * unless the environment was initialised ahead of traffic (Lambda provisioned
 * concurrency: `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency`), in which case
 * no request waited for the init. Init duration is measured from the process's time
 * origin (its start) to the first invocation — where the runtime has one: workerd reports a
 * time origin of 0 (an isolate's start-up is not observable from inside it: its clock stands
 * still while the script runs), so a Worker's cold start has no init duration.
 */
export interface ColdStart {
  /** The environment's first invocation (a cold start unless the environment was provisioned ahead). */
  first: boolean;
  coldStart: boolean;
  /** Set on the first invocation only. */
  initDurationMs: number | undefined;
  /** Epoch ms when init began: the process start, unless the platform knows a later one. */
  initStartMs: number;
}

// shared by the ESM and CJS builds (see setup.ts)
const SERVED = Symbol.for('fntrace.coldstart.served');
const g = globalThis as Record<symbol, boolean | undefined>;

/**
 * `initStartMs` (default: the process's time origin) is for platforms whose worker process is
 * started ahead of the app it will run: an Azure Functions worker may wait as a pre-started
 * placeholder, then load the app when it is assigned one, so its init starts with the app's code.
 */
export function takeColdStart(env: Env, invokeStartMs: number, initStartMs = performance.timeOrigin): ColdStart {
  if (g[SERVED]) return { first: false, coldStart: false, initDurationMs: undefined, initStartMs };
  g[SERVED] = true;
  const proactive = env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency';
  return {
    first: true,
    coldStart: !proactive,
    initDurationMs: proactive || !(initStartMs > 0) ? undefined : Math.max(0, invokeStartMs - initStartMs),
    initStartMs,
  };
}
