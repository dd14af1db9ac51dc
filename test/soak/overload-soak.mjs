// Soak scenario "overload": twice what the collector can store, offered for minutes (the built
// `fntrace collector`, embedded engine capped with --engine-max-memory-bytes). Senders behave
// like OpenTelemetry exporters: a 429 or 503 is retried after its Retry-After, and a request
// still refused after `giveUpMs` is dropped by its sender, as is one whose turn comes more than
// `maxLagMs` late (an exporter's queue is bounded). Goals: every refusal is a 429 or 503 with
// Retry-After (no other error, no cut connection), the collector's RSS stays within its bound,
// and afterwards it recovers fully: the spool drains, /readyz is 200, a new request is
// acknowledged, and every acknowledged span is stored exactly once (counted by span id).
//
// Capacity is what this machine stores sustained: about 40,000 spans/s of these 20-attribute
// spans (README, "Performance": the 10-minute soaks). The scenario also reports the rate it
// stored during the overload, so the ratio actually offered can be read off.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectorMetrics, get, sampleRss, startCollector, waitSpoolEmpty } from '../bench/lib/ingest-collector.mjs';
import { agentFor, NumberedRequests, post, StatusCounts, schedule } from './lib/load.mjs';
import { figure, mb, n, runAsMain, secs, stopQuietly } from './lib/scenario.mjs';
import { countFigures, countLine, storedIdCounts, tally } from './lib/stored-ids.mjs';

const GiB = 2 ** 30;

/**
 * @param {object} o
 * @param {string} o.dataDir the collector's data directory (empty)
 * @param {number} [o.durationMs] how long the overload lasts (default 5 minutes)
 * @param {number} [o.capacity] spans a second the collector stores here (default 40,000)
 * @param {number} [o.factor] offered load as a multiple of capacity (default 2)
 * @param {number} [o.engineMaxMemoryBytes] the collector's --engine-max-memory-bytes (default 1 GiB)
 * @param {number} [o.nodeAllowanceBytes] what the RSS bound allows beyond the engine's cap for
 *   the Node.js side: heap, request bodies in flight (default 512 MiB)
 * @param {number} [o.spoolMaxBytes] the collector's --spool-max-bytes (default its own, 1 GiB)
 */
export async function overloadSoak({
  dataDir,
  durationMs = 300_000,
  capacity = 40_000,
  factor = 2,
  spansPerRequest = 500,
  concurrency = 256,
  giveUpMs = 30_000,
  maxLagMs = 10_000,
  engineMaxMemoryBytes = GiB,
  nodeAllowanceBytes = GiB / 2,
  spoolMaxBytes,
  everyMs = 30_000,
  log = () => {},
}) {
  const extraArgs = ['--engine-max-memory-bytes', String(engineMaxMemoryBytes)];
  if (spoolMaxBytes) extraArgs.push('--spool-max-bytes', String(spoolMaxBytes));
  let collector = await startCollector({ data: dataDir, extraArgs });
  const agent = agentFor(concurrency);
  let done = false;
  // wakes the senders waiting out a Retry-After when the load ends
  const ended = new AbortController();
  setMaxListeners(concurrency + 1, ended.signal);
  try {
    const rss = sampleRss(collector.pid, 500);
    const requests = new NumberedRequests({ spansPerRequest });
    const acked = new Set();
    const statuses = new StatusCounts();
    let givenUp = 0;
    const offered = capacity * factor;
    const started = performance.now();
    let spoolPeak = 0;
    const progress = setInterval(async () => {
      const ready = await get(collector.port, '/readyz').catch(() => ({ body: {} }));
      const spool = ready.body?.spool?.bytes ?? 0;
      spoolPeak = Math.max(spoolPeak, spool);
      const s = statuses.byStatus;
      log(
        `${secs(performance.now() - started).padStart(8)}  acked ${n(acked.size * spansPerRequest).padStart(11)} spans` +
          `  429 ${n(s[429] ?? 0)}  503 ${n(s[503] ?? 0)}  given up ${givenUp}  spool ${mb(spool).padStart(7)}` +
          `  RSS ${mb(rss.samples.at(-1)?.rss ?? 0)}`,
      );
    }, everyMs);
    const load = schedule({
      perSecond: offered / spansPerRequest,
      concurrency,
      maxLagMs,
      until: () => done,
      send: async (k) => {
        const body = requests.body(k);
        const firstTry = performance.now();
        for (;;) {
          const r = await post(collector.port, agent, body);
          statuses.add(r);
          if (r.status === 200) {
            acked.add(k);
            return;
          }
          if (performance.now() - firstTry > giveUpMs || done) {
            givenUp++;
            return;
          }
          await sleep(Math.min(5_000, Number(r.retryAfter ?? 1) * 1000), undefined, { signal: ended.signal }).catch(
            () => {},
          );
        }
      },
    });
    await sleep(durationMs);
    done = true;
    ended.abort();
    const sent = await load;
    const loadEnded = performance.now();
    clearInterval(progress);
    const atEnd = await collectorMetrics(collector.port);
    const drained = await waitSpoolEmpty(collector.port, { everyMs: 200, timeoutMs: 1_800_000 });
    const readyAfter = (await get(collector.port, '/readyz')).status;
    const fresh = await post(collector.port, agent, requests.body(sent.next + 1));
    if (fresh.status === 200) acked.add(sent.next + 1);
    await waitSpoolEmpty(collector.port, { everyMs: 100, timeoutMs: 60_000 });
    const final = await collectorMetrics(collector.port);
    const memory = rss.stop();
    const exit = await collector.stop();
    collector = undefined;
    const counts = tally(await storedIdCounts(dataDir, requests.suffixes), acked, spansPerRequest);
    // spans stored while the load ran, from the spool bytes stored by then
    const storedDuring = (atEnd.storedBytes / final.storedBytes) * counts.storedRows;
    const storedRate = storedDuring / ((loadEnded - started) / 1000);
    const ackedRate =
      (counts.ackedSpans - (fresh.status === 200 ? spansPerRequest : 0)) / ((loadEnded - started) / 1000);
    const bound = engineMaxMemoryBytes + nodeAllowanceBytes;
    const s = statuses.byStatus;
    const other = Object.entries(s).filter(([st]) => !['200', '429', '503'].includes(st));
    log(`drained ${secs(drained.atMs - loadEnded)} after the load stopped; ${countLine(counts)}`);
    return {
      durationMs,
      capacity,
      factor,
      offeredPerSec: offered,
      ackedPerSec: ackedRate,
      storedPerSec: storedRate,
      statuses: s,
      withoutRetryAfter: statuses.withoutRetryAfter,
      givenUp,
      skippedBySenders: sent.skipped,
      spoolPeakBytes: spoolPeak,
      rssBoundBytes: bound,
      memory,
      drainMs: drained.atMs - loadEnded,
      readyAfter,
      freshStatus: fresh.status,
      exit,
      counts,
      figures: [
        figure('offered load, spans/s (× capacity)', `${n(offered)} (${factor}× ${n(capacity)})`, '2×', factor >= 2),
        figure('overload lasted', secs(durationMs), '≥ 5 min', durationMs >= 300_000 || 'short'),
        figure('acknowledged / stored during it, spans/s', `${n(ackedRate)} / ${n(storedRate)}`, '', undefined),
        figure(
          'answers 429 / 503 (without Retry-After)',
          `${n(s[429] ?? 0)} / ${n(s[503] ?? 0)} (${statuses.withoutRetryAfter})`,
          'Retry-After on each',
          statuses.withoutRetryAfter === 0,
        ),
        figure(
          'other answers than 200/429/503 (0: cut connection)',
          other.length ? other.map(([st, c]) => `${st}: ${c}`).join(', ') : '0',
          '0',
          other.length === 0,
        ),
        figure(
          'requests given up (refused for 30 s) or dropped by senders',
          `${n(givenUp)} + ${n(sent.skipped)}`,
          '',
          undefined,
        ),
        figure(
          'collector RSS peak (bound: engine cap + Node.js allowance)',
          `${mb(memory.peakRssBytes)} (${mb(bound)})`,
          `≤ ${mb(bound)}`,
          memory.peakRssBytes <= bound,
        ),
        figure('spool peak (quota)', `${mb(spoolPeak)}`, '', undefined),
        figure('spool drained after the load stopped', secs(drained.atMs - loadEnded), '', undefined),
        figure(
          '/readyz, then a new request, after the drain',
          `${readyAfter}, ${fresh.status}`,
          '200, 200',
          readyAfter === 200 && fresh.status === 200,
        ),
        ...countFigures(counts),
      ],
    };
  } finally {
    done = true;
    agent.destroy();
    await stopQuietly(collector);
  }
}

await runAsMain(import.meta.url, 'overload', overloadSoak);
