import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDirLocked } from '../errors.js';

/**
 * One collector per data directory: the spool and the embedded engine belong to one
 * process. The lock file holds the owner's pid; a lock left by a process that no longer
 * runs (killed with SIGKILL, say) is taken over.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return () => unlink(path).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw dataDirLocked(dir);
      await unlink(path).catch(() => undefined);
    }
  }
  throw dataDirLocked(dir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
