import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it. */
export interface Proc {
  pid: number;
  ppid: number;
  /** Its process group. */
  pgrp: number;
  /** Its command line, arguments joined by spaces. */
  cmd: string;
}

/** Every live process (zombies left out), from /proc. */
export function processes(): Proc[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        // after "pid (comm)": state, ppid, pgrp, …
        const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (state === 'Z') return [];
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
        return [{ pid: Number(d), ppid: Number(ppid), pgrp: Number(pgrp), cmd }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

/** The live processes of process group `pgid`. */
export const processesOfGroup = (pgid: number): Proc[] => processes().filter((p) => p.pgrp === pgid);

/** The processes below `pid`, nearest first. */
export function descendants(pid: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  for (let level = [pid]; level.length > 0; ) {
    const next = all.filter((p) => level.includes(p.ppid));
    found.push(...next);
    level = next.map((p) => p.pid);
  }
  return found;
}
