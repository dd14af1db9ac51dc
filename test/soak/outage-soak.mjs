// Soak scenario "outage": the collector stores to a ClickHouse server (`--clickhouse-url`, the
// test server test/helpers/clickhouse-http.ts: ClickHouse's HTTP interface in front of the real
// embedded engine) and that server fails every request for a long while — half of the outage
// with 503s, as a proxy in front of a sick server answers, half by resetting the connection —
// then recovers. Senders keep sending throughout and retry 429/503 after Retry-After; at its
// quota the spool refuses with 503. After the recovery the spool must drain and every
// acknowledged span be on the server exactly once (goal: 0 lost), counted there by span id.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleSource, ROOT, TMP } from '../bench/lib/common.mjs';
import { collectorMetrics, get, sampleRss, startCollector, waitSpoolEmpty } from '../bench/lib/ingest-collector.mjs';
import { agentFor, NumberedRequests, post, StatusCounts, schedule } from './lib/load.mjs';
import { figure, mb, n, runAsMain, secs, stopQuietly } from './lib/scenario.mjs';
import { countFigures, countLine, storedIdCountsOverHttp, tally } from './lib/stored-ids.mjs';

/**
 * @param {object} o
 * @param {string} o.dataDir the collector's data directory (its spool)
 * @param {() => Promise<{ url: string, fail(n: number, how: 'reset' | '503'): void, close(): Promise<void> }>} o.startClickHouse
 *   starts the test ClickHouse server (test/helpers/clickhouse-http.ts)
 * @param {number} [o.outageMs] how long storage fails (default 10 minutes)
 * @param {number} [o.beforeMs] load before the outage (default 30 s)
 * @param {number} [o.afterMs] load after it (default 60 s)
 * @param {number} [o.rate] spans a second offered (default 2,000)
 * @param {number} [o.spoolMaxBytes] the collector's --spool-max-bytes (default its own, 1 GiB)
 * @param {number} [o.everyMs] between progress lines (default 30 s)
 */
export async function outageSoak({
  dataDir,
  startClickHouse,
  outageMs = 600_000,
  beforeMs = 30_000,
  afterMs = 60_000,
  rate = 2_000,
  spansPerRequest = 500,
  spoolMaxBytes,
  concurrency = 4,
  everyMs = 30_000,
  log = () => {},
}) {
  const clickhouse = await startClickHouse();
  let collector;
  let done = false;
  const agent = agentFor(concurrency);
  try {
    const extraArgs = ['--clickhouse-url', clickhouse.url];
    if (spoolMaxBytes) extraArgs.push('--spool-max-bytes', String(spoolMaxBytes));
    collector = await startCollector({ data: dataDir, extraArgs });
    const rss = sampleRss(collector.pid, 1000);
    const requests = new NumberedRequests({ spansPerRequest });
    const acked = new Set();
    const statuses = new StatusCounts();
    let phase = 'before';
    const ackedIn = { before: 0, outage: 0, after: 0 };
    const load = schedule({
      perSecond: rate / spansPerRequest,
      concurrency,
      maxLagMs: 5_000,
      until: () => done,
      send: async (k) => {
        const body = requests.body(k);
        for (;;) {
          const r = await post(collector.port, agent, body);
          statuses.add(r);
          if (r.status === 200) {
            acked.add(k);
            ackedIn[phase] += spansPerRequest;
            return;
          }
          // 429/503: after Retry-After (at most 1 s here); a cut connection: at once (the
          // collector remembers what it stored for --retry-window-ms, and stores it once)
          if (r.status !== 0 && r.status !== 429 && r.status !== 503) throw new Error(`POST answered ${r.status}`);
          if (done) return;
          await sleep(r.status === 0 ? 100 : Math.min(1000, Number(r.retryAfter ?? 1) * 1000));
        }
      },
    });
    const readiness = { notReadyDuringOutage: 0, readyChecksDuringOutage: 0 };
    let spoolPeak = 0;
    const started = performance.now();
    const progress = setInterval(async () => {
      const ready = await get(collector.port, '/readyz').catch(() => ({ status: 0, body: {} }));
      const spool = ready.body?.spool?.bytes ?? 0;
      spoolPeak = Math.max(spoolPeak, spool);
      if (phase === 'outage') {
        readiness.readyChecksDuringOutage++;
        if (ready.status === 503) readiness.notReadyDuringOutage++;
      }
      log(
        `${secs(performance.now() - started).padStart(8)}  ${phase.padEnd(7)} acked ${n(acked.size * spansPerRequest).padStart(10)} spans` +
          `  spool ${mb(spool).padStart(7)}  /readyz ${ready.status}  503s ${statuses.byStatus[503] ?? 0}`,
      );
    }, everyMs);

    await sleep(beforeMs);
    phase = 'outage';
    log(`storage fails from now on for ${secs(outageMs)}: 503s, then connection resets`);
    clickhouse.fail(Number.MAX_SAFE_INTEGER, '503');
    await sleep(outageMs / 2);
    clickhouse.fail(Number.MAX_SAFE_INTEGER, 'reset');
    await sleep(outageMs / 2);
    clickhouse.fail(0, 'reset');
    phase = 'after';
    const recoveredAt = performance.now();
    log('storage is back');
    await sleep(afterMs);
    done = true;
    await load;
    clearInterval(progress);
    const drained = await waitSpoolEmpty(collector.port, { everyMs: 200, timeoutMs: 900_000 });
    const readyAfter = (await get(collector.port, '/readyz')).status;
    const metrics = await collectorMetrics(collector.port);
    const memory = rss.stop();
    await collector.stop();
    collector = undefined;
    const counts = tally(await storedIdCountsOverHttp(clickhouse.url, requests.suffixes), acked, spansPerRequest);
    log(`drained ${secs(drained.atMs - recoveredAt)} after storage came back; ${countLine(counts)}`);
    return {
      outageMs,
      rate,
      spansPerRequest,
      ackedIn,
      statuses: statuses.byStatus,
      withoutRetryAfter: statuses.withoutRetryAfter,
      readiness,
      readyAfter,
      spoolPeakBytes: spoolPeak,
      storageErrors: metrics.storageErrors,
      drainAfterRecoveryMs: drained.atMs - recoveredAt,
      memory,
      counts,
      figures: [
        figure('storage down (503s, then resets)', secs(outageMs), '≥ 10 min', outageMs >= 600_000 || 'short'),
        figure('spans acknowledged during the outage', n(ackedIn.outage), '', undefined),
        figure(
          'answers 503 at the spool quota (all with Retry-After)',
          `${n(statuses.byStatus[503] ?? 0)}${statuses.withoutRetryAfter ? ` (${statuses.withoutRetryAfter} without)` : ''}`,
          'Retry-After on each',
          statuses.withoutRetryAfter === 0,
        ),
        figure('spool peak', mb(spoolPeak), '', undefined),
        figure(
          '/readyz not ready while storage was down',
          `${readiness.notReadyDuringOutage} of ${readiness.readyChecksDuringOutage} checks`,
          '',
          undefined,
        ),
        figure('spool drained after storage came back', secs(drained.atMs - recoveredAt), '', undefined),
        figure('/readyz after the drain', String(readyAfter), '200', readyAfter === 200),
        ...countFigures(counts),
      ],
    };
  } finally {
    done = true;
    agent.destroy();
    await stopQuietly(collector);
    await clickhouse.close();
  }
}

/** The test ClickHouse server, bundled from its TypeScript source for a plain node process. */
async function bundledClickHouseHttp() {
  const outfile = join(TMP, 'soak-clickhouse-http.mjs');
  await bundleSource(join(ROOT, 'test/helpers/clickhouse-http.ts'), outfile);
  return (await import(`${outfile}?t=${Date.now()}`)).startClickHouseHttp;
}

await runAsMain(import.meta.url, 'outage', async (o) =>
  outageSoak({ ...o, startClickHouse: await bundledClickHouseHttp() }),
);
