// Other processes' CPU during a measurement: the machine's busy time (/proc/stat) minus what
// the measured processes used. On a 2-core machine one busy neighbour halves a figure, so
// every timed section reports it.
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ on Linux

/** CPU seconds the whole machine has spent busy (all but idle and iowait) since boot. */
export function machineBusySec() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** Microseconds in which every non-idle task waited for I/O (PSI "full"), since boot. */
export function ioStallUs() {
  try {
    const m = /^full .*total=(\d+)/m.exec(readFileSync('/proc/pressure/io', 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of this process, all threads. */
export function ownCpuSec() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Starts a window; `end(measuredSec)` returns the cores other processes kept busy in it on
 * average (`measuredSec`: CPU seconds of the measured processes besides this one), and the
 * share of it in which all runnable tasks, ours included, were stalled on I/O.
 */
export function loadWindow() {
  const t = performance.now();
  const machine = machineBusySec();
  const own = ownCpuSec();
  const io = ioStallUs();
  return {
    end(measuredSec = 0) {
      const wallSec = (performance.now() - t) / 1000;
      const other = machineBusySec() - machine - (ownCpuSec() - own) - measuredSec;
      return {
        wallSec,
        otherCores: Math.max(0, other) / wallSec,
        ioStallShare: (ioStallUs() - io) / 1e6 / wallSec,
      };
    },
  };
}
