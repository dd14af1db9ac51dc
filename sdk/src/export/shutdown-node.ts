/**
 * Flush on SIGTERM, on Node runtimes. Lambda sends SIGTERM to the runtime before it ends an
 * execution environment when an extension is registered, and then gives the runtime up to
 * 300 ms (500 ms with only internal extensions) before SIGKILL
 * (https://github.com/aws-samples/graceful-shutdown-with-aws-lambda); container platforms
 * (Cloud Run, Kubernetes, ECS) send it on scale-in with a longer grace period.
 *
 * Adding a SIGTERM listener removes Node's default action (end the process), so after the
 * flush the process must end as it would have without fntrace:
 * - if fntrace's listener was the only one when the signal came, it removes itself and
 *   raises SIGTERM again, so the process ends by the signal (exit status 143, `signal`
 *   `SIGTERM` to a parent), as it would have;
 * - if the function has SIGTERM listeners of its own, ending the process is theirs to do.
 * A second SIGTERM while the flush runs ends the process at once (same rule).
 */
export function flushOnSigterm(shutdown: () => Promise<void>, budgetMs: number): void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof proc?.on !== 'function' || typeof proc.kill !== 'function') return;
  let flushing = false;
  let alone = true;
  let ended = false;
  const end = () => {
    if (ended || !alone) return;
    ended = true;
    proc.removeListener('SIGTERM', onSigterm);
    proc.kill(proc.pid, 'SIGTERM');
  };
  const onSigterm = () => {
    if (flushing) {
      end();
      return;
    }
    flushing = true;
    alone = proc.listeners('SIGTERM').every((l) => l === onSigterm);
    // not unref'd, unlike the SDK's other timers: if the flush ever hung, this timer is what
    // still ends the process
    const timer = setTimeout(end, budgetMs + 50);
    const done = () => {
      clearTimeout(timer);
      end();
    };
    shutdown().then(done, done);
  };
  proc.on('SIGTERM', onSigterm);
}
