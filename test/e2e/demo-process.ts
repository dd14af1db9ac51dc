import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { processesOfGroup } from '../helpers/processes.js';

/**
 * `npm start`'s demo (examples/demo/demo.mjs) in a process group of its own, so that every
 * process it starts — Lambda environments, Cloud Run instances, workerd — can be found (and, if
 * a test fails, killed) by the group. Its data and its TMPDIR live in `dir`, so whatever a
 * killed demo could not remove goes with that directory.
 */
export const DEMO = resolve(import.meta.dirname, '../../examples/demo/demo.mjs');

export interface DemoRun {
  child: ChildProcess;
  /** The data directory and the TMPDIR the demo was given. */
  data: string;
  tmp: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal) once the demo has exited. */
  exit: Promise<number | NodeJS.Signals | null>;
  /** Resolves with the first match of `pattern` in the output; rejects if the demo exits first. */
  until(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The processes of the demo's group that still run (the demo's own pid included while it runs). */
  group(): { pid: number; cmd: string }[];
  /** SIGKILL to the whole group, then waits for the demo's exit (for hooks: a no-op once it has gone). */
  kill(): Promise<void>;
}

export function startDemo(dir: string, args: string[]): DemoRun {
  const data = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const child = spawn(process.execPath, [DEMO, '--port', '0', '--data', data, ...args], {
    cwd: resolve(import.meta.dirname, '../..'),
    env: { ...process.env, NO_COLOR: '1', TMPDIR: tmp },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  let ended = false;
  const exit = new Promise<number | NodeJS.Signals | null>((r) =>
    child.once('close', (code, signal) => {
      ended = true;
      r(code ?? signal);
    }),
  );
  const group = () => processesOfGroup(child.pid!);
  return {
    child,
    data,
    tmp,
    output: () => output,
    exit,
    async until(pattern) {
      for (;;) {
        const m = pattern.exec(output);
        if (m) return m;
        if (ended) throw new Error(`the demo exited before printing ${pattern}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    group,
    async kill() {
      if (group().length > 0) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // the group is gone
        }
      }
      await exit;
    },
  };
}
