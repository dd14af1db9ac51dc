/**
 * Fires `onTimeout` `marginMs` before the platform's deadline, so a function that is
 * about to be killed still reports what it was doing. The timer is unref'd (it never
 * keeps a process alive) and cleared when the invocation ends.
 */
export function startTimeoutGuard(deadlineMs: number | undefined, marginMs: number, onTimeout: () => void): () => void {
  if (deadlineMs === undefined || !Number.isFinite(deadlineMs)) return () => {};
  const delay = Math.max(0, deadlineMs - Date.now() - marginMs);
  const timer = setTimeout(onTimeout, delay);
  (timer as { unref?: () => void }).unref?.();
  return () => clearTimeout(timer);
}
