import { newSpanId } from './ids.js';

/**
 * Which execution environment served an invocation, and which of its invocations it was: the
 * facts the collector turns into "invocations lost" (a number that never arrived between two
 * that did). Every invocation span carries
 * - `fntrace.environment.id`: a random id drawn once per environment (a process, or a Worker's
 *   isolate), so two environments behind one `faas.instance` are still told apart;
 * - `fntrace.environment.sequence`: 1 for the environment's first invocation, then 2, 3, …,
 *   numbered as invocations start (concurrent ones included).
 *
 * A platform whose environment outlives the process may remember both in an
 * {@link EnvironmentMemory}: AWS Lambda resets an environment after a timeout or a crash by
 * starting a new runtime process in the same sandbox (same log stream, same `/tmp`), so the
 * invocation the old process never reported leaves a gap before the new process's cold start.
 * Without a memory, the numbering begins again with each process.
 */
export interface EnvironmentRecord {
  readonly id: string;
  /** The number of the last invocation started. */
  readonly sequence: number;
}

/** Where an environment's numbering survives a restart of its process. Never throws. */
export interface EnvironmentMemory {
  load(): EnvironmentRecord | undefined;
  save(record: EnvironmentRecord): void;
}

export const ENVIRONMENT_ID = 'fntrace.environment.id';
export const ENVIRONMENT_SEQUENCE = 'fntrace.environment.sequence';

// shared by the ESM and CJS builds (see setup.ts)
const KEY = Symbol.for('fntrace.environment');
type State = { record: EnvironmentRecord | undefined; memory: EnvironmentMemory | undefined };
const g = globalThis as Record<symbol, State | undefined>;
g[KEY] ??= { record: undefined, memory: undefined };
const state = g[KEY];

/** Remember the numbering in `memory` from now on (set once, when the SDK is set up). */
export function useEnvironmentMemory(memory: EnvironmentMemory | undefined): void {
  state.memory = memory;
}

/** The environment's id and the next invocation's number. NOTE: advances the numbering. */
export function nextInvocation(): EnvironmentRecord {
  const last = state.record ?? state.memory?.load() ?? { id: newSpanId(), sequence: 0 };
  const record = { id: last.id, sequence: last.sequence + 1 };
  state.record = record;
  state.memory?.save(record);
  return record;
}
