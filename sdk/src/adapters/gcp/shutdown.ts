import { flushOnSigterm } from '../../export/shutdown-node.js';

/**
 * Flush on SIGTERM under the functions framework. Cloud Run sends SIGTERM when it shuts an
 * instance down and SIGKILL 10 s later; the functions framework's own SIGTERM listener (added
 * once its server listens, so after fntrace's) calls `process.exit()` at once, which would end
 * the process before an asynchronous flush. So while fntrace's flush runs, `process.exit` is
 * held — for at most the flush budget — and then performed with the code it was called with.
 * Without other listeners, the process ends by the signal, as flushOnSigterm says.
 *
 * NOTE: replaces `process.exit` for the duration of the flush, and only then.
 */
export function flushBeforeExit(shutdown: () => Promise<void>, budgetMs: number): void {
  flushOnSigterm(() => holdExitDuring(shutdown, budgetMs), budgetMs);
}

function holdExitDuring(shutdown: () => Promise<void>, budgetMs: number): Promise<void> {
  const proc = process;
  const exit = proc.exit;
  let held: { code: Parameters<typeof exit>[0] } | undefined;
  const holding = ((code?: Parameters<typeof exit>[0]) => {
    held ??= { code };
  }) as typeof exit;
  proc.exit = holding;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    if (proc.exit === holding) proc.exit = exit;
    if (held) exit.call(proc, held.code);
  };
  // the flush never takes longer than its budget, but an exit is never held past it
  const timer = setTimeout(release, budgetMs + 100);
  return shutdown().then(release, release);
}
