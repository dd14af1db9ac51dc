/**
 * Fires `onTimeout` shortly before the platform's deadline, so a function that is about
 * to be killed still reports what it was doing. The timer is unref'd (it never keeps a
 * process alive) and cleared when the invocation ends.
 *
 * The margin is `marginMs`, but at most a tenth of the time the invocation had when it
 * started (and at least 50 ms): a fixed 500 ms on a 1-second function would call
 * invocations "timed out" that still had half their time.
 */
export const MIN_MARGIN_MS = 50;

export function guardMargin(marginMs: number, remainingMs: number): number {
  return Math.min(marginMs, Math.max(MIN_MARGIN_MS, remainingMs / 10));
}

export function startTimeoutGuard(deadlineMs: number | undefined, marginMs: number, onTimeout: () => void): () => void {
  if (deadlineMs === undefined || !Number.isFinite(deadlineMs)) return () => {};
  const remaining = deadlineMs - Date.now();
  const delay = Math.max(0, remaining - guardMargin(marginMs, remaining));
  const timer = setTimeout(onTimeout, delay);
  (timer as { unref?: () => void }).unref?.();
  return () => clearTimeout(timer);
}
