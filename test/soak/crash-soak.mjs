// Soak scenario "crash": the collector (the built `fntrace collector`, embedded engine) is
// killed with SIGKILL again and again while senders keep sending, and restarted on the same
// data directory each time. After the last restart the load stops, the spool drains, the
// collector stops, and the store is counted by span id: every acknowledged span must be there
// exactly once (goal: 0 lost, 0 duplicated).
//
// Requests are numbered (lib/load.mjs); one cut off by a kill is not resent (it may have been
// stored: a resend after a restart would be stored again, as the README says of retries that
// reach another process), so the next request is a new one. Kills come at random moments of
// each run — during intake, group commits, segment inserts and the replay of the spool a kill
// left — a random 1–7 s after the collector is ready.

import { setTimeout as sleep } from 'node:timers/promises';
import { median } from '../bench/lib/common.mjs';
import { startCollector, waitSpoolEmpty } from '../bench/lib/ingest-collector.mjs';
import { agentFor, NumberedRequests, post, StatusCounts, schedule } from './lib/load.mjs';
import { figure, n, runAsMain, secs, stopQuietly } from './lib/scenario.mjs';
import { countFigures, countLine, storedIdCounts, tally } from './lib/stored-ids.mjs';

/**
 * @param {object} o
 * @param {string} o.dataDir the collector's data directory (empty)
 * @param {number} [o.kills] SIGKILLs (default 20)
 * @param {number} [o.rate] spans a second offered (default 20,000)
 * @param {number} [o.spansPerRequest] (default 200)
 * @param {number} [o.minUpMs] shortest run between a restart and the next kill (default 1,000)
 * @param {number} [o.maxUpMs] longest (default 7,000)
 * @param {(line: string) => void} [o.log]
 */
export async function crashSoak({
  dataDir,
  kills = 20,
  rate = 20_000,
  spansPerRequest = 200,
  minUpMs = 1_000,
  maxUpMs = 7_000,
  concurrency = 8,
  log = () => {},
}) {
  const requests = new NumberedRequests({ spansPerRequest });
  const acked = new Set();
  const statuses = new StatusCounts();
  let collector = await startCollector({ data: dataDir });
  let agent = agentFor(concurrency);
  const startMs = [collector.startMs];
  let done = false;
  let cutOff = 0;
  try {
    const load = schedule({
      perSecond: rate / spansPerRequest,
      concurrency,
      // while the collector is down the schedule runs on: what falls due then is skipped
      maxLagMs: 1_000,
      until: () => done,
      send: async (k) => {
        while (!collector && !done) await sleep(10);
        if (done) return;
        const r = await post(collector.port, agent, requests.body(k));
        statuses.add(r);
        if (r.status === 200) acked.add(k);
        else if (r.status === 0) cutOff++;
      },
    });
    for (let i = 1; i <= kills; i++) {
      await sleep(minUpMs + Math.random() * (maxUpMs - minUpMs));
      const down = collector;
      collector = undefined;
      process.kill(down.pid, 'SIGKILL');
      await down.stop();
      agent.destroy();
      agent = agentFor(concurrency);
      const before = acked.size;
      const next = await startCollector({ data: dataDir });
      startMs.push(next.startMs);
      collector = next;
      log(
        `kill ${i}/${kills}: ${n(before * spansPerRequest)} spans acknowledged so far, ${cutOff} requests cut off; ` +
          `ready again in ${secs(next.startMs)}`,
      );
    }
    // a last stretch of load on the restarted collector, then the drain
    await sleep(minUpMs);
    done = true;
    const sent = await load;
    const stoppedAt = performance.now();
    const drained = await waitSpoolEmpty(collector.port, { everyMs: 100, timeoutMs: 600_000 });
    const drainMs = drained.atMs - stoppedAt;
    const exit = await collector.stop();
    collector = undefined;
    const counts = tally(await storedIdCounts(dataDir, requests.suffixes), acked, spansPerRequest);
    log(countLine(counts));
    return {
      kills,
      rate,
      spansPerRequest,
      requestsSent: sent.next - 1 - sent.skipped,
      skippedWhileDown: sent.skipped,
      cutOff,
      statuses: statuses.byStatus,
      restartMs: { median: median(startMs.slice(1)), max: Math.max(...startMs.slice(1)) },
      drainMs,
      exit,
      counts,
      figures: [
        figure('SIGKILLs during ingest', n(kills), '≥ 20', kills >= 20 || 'short'),
        figure('acknowledged spans', n(counts.ackedSpans), '', undefined),
        figure('requests cut off by a kill (not acknowledged)', n(cutOff), '', undefined),
        ...countFigures(counts),
        figure(
          'restart to ready, median (max)',
          `${secs(median(startMs.slice(1)))} (${secs(Math.max(...startMs.slice(1)))})`,
          '',
          undefined,
        ),
      ],
    };
  } finally {
    done = true;
    agent.destroy();
    await stopQuietly(collector);
  }
}

await runAsMain(import.meta.url, 'crash', crashSoak);
