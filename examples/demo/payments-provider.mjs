// The payments provider: a third-party HTTP API on 127.0.0.1 that the orders API charges each
// checkout with — the demo's slow downstream dependency. It is not one of our functions, so it
// sends no spans: what it does to us shows in the orders API's client span and latency. Its
// condition follows a schedule that repeats, as incidents do:
//
//   normal   40–120 ms, 1% of charges fail with 503
//   slow     400–1,500 ms, 4% hang past the orders API's Lambda timeout
//   failing  normal speed, 30% of charges fail with 503
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

/** One cycle of conditions, in order; `ms` is each one's length before `timeScale`. */
export const SCHEDULE = [
  { condition: 'normal', ms: 15_000 },
  { condition: 'slow', ms: 60_000 },
  { condition: 'normal', ms: 30_000 },
  { condition: 'failing', ms: 30_000 },
  { condition: 'normal', ms: 45_000 },
];

const CONDITIONS = {
  normal: { latencyMs: [40, 120], failRate: 0.01, hangRate: 0 },
  slow: { latencyMs: [400, 1500], failRate: 0.01, hangRate: 0.04 },
  failing: { latencyMs: [40, 120], failRate: 0.3, hangRate: 0 },
};

/** The condition `elapsedMs` into the schedule (which repeats), its lengths multiplied by `timeScale`. */
export function conditionAt(elapsedMs, timeScale = 1) {
  const cycle = SCHEDULE.reduce((n, s) => n + s.ms * timeScale, 0);
  let t = elapsedMs % cycle;
  for (const step of SCHEDULE) {
    if (t < step.ms * timeScale) return step.condition;
    t -= step.ms * timeScale;
  }
  return 'normal';
}

const between = ([lo, hi]) => lo + Math.random() * (hi - lo);

/**
 * @param {{ timeScale?: number, hangMs?: number, onChange?: (condition: string) => void }} [options]
 *   `timeScale`: multiplies the schedule's lengths (default 1); `hangMs`: how long a hung charge
 *   takes (default 15 s); `onChange(condition)`: called when the condition changes.
 */
export async function startPaymentsProvider({ timeScale = 1, hangMs = 15_000, onChange = () => {} } = {}) {
  const started = Date.now();
  let last = 'normal';
  const condition = () => {
    const now = conditionAt(Date.now() - started, timeScale);
    if (now !== last) {
      last = now;
      onChange(now);
    }
    return now;
  };
  const watcher = setInterval(condition, 500);
  watcher.unref();
  const timers = new Set();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const c = CONDITIONS[condition()];
      const hang = Math.random() < c.hangRate;
      const fail = !hang && Math.random() < c.failRate;
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          if (res.destroyed) return; // the caller gave up (its function timed out)
          res.writeHead(fail ? 503 : hang ? 504 : 201, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify(
              fail || hang ? { error: 'upstream unavailable' } : { id: `ch_${randomBytes(8).toString('hex')}` },
            ),
          );
        },
        hang ? hangMs : between(c.latencyMs),
      );
      timers.add(timer);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    condition,
    close() {
      clearInterval(watcher);
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
