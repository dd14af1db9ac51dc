import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, onTestFinished } from 'vitest';

// What a test makes, it removes — when it passes and when it fails. Directories go in the
// system temp folder (`os.tmpdir()`: `TMPDIR` decides, which is how `.ci/run` checks that a run
// leaves nothing there), and each is removed by the hook of whatever made it.
//
// Ordering: vitest runs after-hooks last-registered first. So a process or an engine that writes
// into a directory is stopped before the directory goes, as long as the hook (or test) that
// stops it was registered after the directory's.

/**
 * A fresh directory for one test, removed with everything in it when that test ends.
 * Call it inside `it(...)`; at file or `describe` level use {@link useTempDir}.
 *
 * @example
 *   it('recovers after SIGKILL', async () => {
 *     const data = tempDir('fntrace-crash-');
 *     const proc = killWhenDone(startCollector(data, port));
 *   });
 */
export function tempDir(prefix: string): string {
  let dir: string | undefined;
  // registered before anything is made: outside a test this throws and nothing is left
  onTestFinished(() => {
    if (dir) removeDir(dir);
  });
  dir = mkdtempSync(join(tmpdir(), prefix));
  return dir;
}

/**
 * A fresh directory for the tests of a file or `describe` block: made before the first of them
 * (beforeAll) and removed after the last (afterAll, which runs also when a beforeAll failed).
 * Nothing is made when the block does not run (all its tests skipped or filtered out). Read
 * `.path` in hooks and tests, not while the file is being collected. Call it before the hooks
 * that start what writes into it, so that its removal comes after they have stopped it.
 *
 * @example
 *   const data = useTempDir('fntrace-retention-');
 *   it('…', () => buildServer({ data: data.path }));
 */
export function useTempDir(prefix: string): { readonly path: string } {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  // not a teardown returned by beforeAll: vitest drops those when a later beforeAll throws
  afterAll(() => {
    if (dir) removeDir(dir);
  });
  return {
    get path(): string {
      if (!dir)
        throw new Error(`useTempDir('${prefix}'): the directory is made in beforeAll; read .path in a hook or test`);
      return dir;
    },
  };
}

/** Removes `dir` and everything in it; nothing happens when it is gone already. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Resolves with the exit code (or the signal that ended it) once `child` has exited; at once if it has. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
}

/**
 * Makes sure `child` is gone when the test that started it ends: if it still runs then (the test
 * failed before stopping it), SIGKILL, and wait for its exit. Returns `child`.
 */
export function killWhenDone<T extends ChildProcess>(child: T): T {
  onTestFinished(async () => {
    // never started (spawn failed), or already gone
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited(child);
  });
  return child;
}
