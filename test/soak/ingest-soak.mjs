// Soak: `fntrace collector` (the built CLI, default options, embedded engine) under a steady
// OTLP/protobuf load for many minutes, the way a busy account's functions feed it. It answers
// what a one-minute bench cannot: does memory stay flat, does the spool stay small, does the
// engine keep up as parts and merges pile up, and is every acknowledged span stored exactly
// once at the end. Not part of `npm test` (it runs for minutes); `npm run soak -- --only steady`.
//
// Requests of 500 spans with 20 attributes each (test/bench/lib/ingest-spans.mjs, as the
// OpenTelemetry JS exporter encodes them) are encoded as they are sent, at the rate asked
// for, by --concurrency keep-alive senders; 429/503 answers are retried after Retry-After.
// Every --every seconds a line: acknowledged spans and rate, how far the senders are behind
// the schedule, the collector's RSS, the spool's bytes and the stored segments. At the end:
// the spool drained, SIGTERM, and a count of what the data directory holds.

import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTmp, fmt, round, TMP } from '../bench/lib/common.mjs';
import {
  bundleCollectorSource,
  collectorMetrics,
  get,
  postUntilAcked,
  runStoreChild,
  sampleRss,
  startCollector,
  waitSpoolEmpty,
} from '../bench/lib/ingest-collector.mjs';
import { encodeRequest, windowStartNs } from '../bench/lib/ingest-spans.mjs';
import { parseCli, positive } from './lib/cli.mjs';

const SPANS_PER_REQUEST = 500;
const HELP = `node test/soak/ingest-soak.mjs [options]   (or: npm run soak -- --only steady --minutes <n> --rate <n>)

Runs the built collector (collector/dist/cli.js, default options, embedded engine) under a
steady OTLP/protobuf load, prints its memory, spool and progress as it goes, and checks at
the end that every acknowledged span was stored exactly once.

Options:
  --minutes <n>      how long to send (default 10)
  --rate <n>         spans per second to send (default 10000; requests of 500 spans)
  --concurrency <n>  keep-alive senders (default 4)
  --every <s>        seconds between progress lines (default 10)
  --keep             keep the data directory (.bench-tmp/soak-data) afterwards
  -h, --help         this text

Exit status: 0 when every acknowledged span was stored once and storage reported no
error; 1 otherwise; 2 for bad options. The figures are written to .bench-tmp/soak.json.`;

function options() {
  const values = parseCli(
    {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '4' },
      every: { type: 'string', default: '10' },
      keep: { type: 'boolean', default: false },
    },
    HELP,
  );
  return {
    minutes: positive(values, 'minutes', false),
    rate: positive(values, 'rate', false),
    concurrency: positive(values, 'concurrency', true),
    everySec: positive(values, 'every', false),
    keep: values.keep,
  };
}

const mb = (bytes) => `${fmt(bytes / 1e6, 0)} MB`;

async function main() {
  const o = options();
  const data = join(TMP, 'soak-data');
  rmSync(data, { recursive: true, force: true });
  const durationMs = o.minutes * 60_000;
  const intervalMs = (SPANS_PER_REQUEST / o.rate) * 1000;
  console.log(
    `soak: ${fmt(o.rate, 0)} spans/s for ${fmt(o.minutes, 1)} min (${fmt((o.rate * durationMs) / 1000, 0)} spans, ` +
      `a request of ${SPANS_PER_REQUEST} every ${fmt(intervalMs, 1)} ms) from ${o.concurrency} senders`,
  );
  await bundleCollectorSource();
  const collector = await startCollector({ data });
  const rss = sampleRss(collector.pid, 1000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const stats = { requests: 0, retries: 0, refusedStatus: {} };
  const baseNs = windowStartNs();
  const started = performance.now();
  let next = 0;
  let acked = 0;
  let lagMs = 0;
  let failure;

  // request k is due at started + k × intervalMs; a sender that finds it late sends at once
  const sender = async () => {
    for (;;) {
      const k = next++;
      const due = started + k * intervalMs;
      if (due - started >= durationMs || failure) return;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else lagMs = Math.max(lagMs, -wait);
      try {
        await postUntilAcked(
          collector.port,
          agent,
          encodeRequest(k, { spansPerRequest: SPANS_PER_REQUEST, baseNs }),
          stats,
        );
        acked += SPANS_PER_REQUEST;
      } catch (err) {
        failure ??= err;
        return;
      }
    }
  };

  const progress = [];
  let lastAcked = 0;
  let lastAt = started;
  const report = async () => {
    const now = performance.now();
    const ready = await get(collector.port, '/readyz').catch(() => ({ body: {} }));
    const m = await collectorMetrics(collector.port).catch(() => ({}));
    const rssNow = rss.samples.at(-1)?.rss ?? 0;
    const behindMs = Math.max(0, now - (started + next * intervalMs));
    const row = {
      atSec: round((now - started) / 1000, 0),
      acked,
      ackRate: Math.round(((acked - lastAcked) * 1000) / (now - lastAt)),
      behindMs: Math.round(Math.max(behindMs, lagMs)),
      rssBytes: rssNow,
      spoolBytes: ready.body?.spool?.bytes ?? Number.NaN,
      storedSegments: m.storedSegments,
      storageErrors: m.storageErrors || 0,
      retries: stats.retries,
    };
    progress.push(row);
    lastAcked = acked;
    lastAt = now;
    lagMs = 0;
    console.log(
      `  ${String(row.atSec).padStart(5)} s  acked ${fmt(row.acked, 0).padStart(11)}  ${fmt(row.ackRate, 0).padStart(7)}/s` +
        `  behind ${fmt(row.behindMs / 1000, 1).padStart(5)} s  RSS ${mb(row.rssBytes).padStart(7)}` +
        `  spool ${mb(row.spoolBytes).padStart(6)}  segments ${row.storedSegments}  storage errors ${row.storageErrors}` +
        `  429/503 ${row.retries}`,
    );
  };
  const timer = setInterval(() => void report(), o.everySec * 1000);
  await Promise.all(Array.from({ length: o.concurrency }, sender));
  clearInterval(timer);
  // a last line for the time since the last one (unless that was a moment ago)
  if (performance.now() - lastAt >= 1000) await report();
  agent.destroy();

  let drained;
  if (!failure) {
    process.stdout.write('soak: sending done; waiting for the spool to drain ...');
    drained = await waitSpoolEmpty(collector.port, { everyMs: 200, timeoutMs: 600_000 });
    process.stdout.write(` drained ${fmt((drained.atMs - started) / 1000, 0)} s after the start\n`);
  }
  const metrics = await collectorMetrics(collector.port).catch(() => ({}));
  const memory = rss.stop();
  const exit = await collector.stop();
  const stored = failure ? undefined : await runStoreChild('inspect', data);
  if (!o.keep) rmSync(data, { recursive: true, force: true });

  // memory: the peak of each third of the sending time; a leak shows as a climb from the
  // second third to the last (the first holds the start-up and the first merges)
  const thirds = [0, 1, 2].map((i) =>
    rss.peakBetween(started + (i * durationMs) / 3, started + ((i + 1) * durationMs) / 3),
  );
  const exactlyOnce = stored !== undefined && stored.rows === acked && stored.distinctSpans === stored.rows;
  const storageErrors = metrics.storageErrors || 0;
  const result = {
    params: { ...o, spansPerRequest: SPANS_PER_REQUEST },
    acked,
    stored,
    exactlyOnce,
    storageErrors,
    failure: failure?.message,
    drainedAfterSec: drained ? round((drained.atMs - started) / 1000, 1) : undefined,
    memory: { ...memory, peakByThirdBytes: thirds },
    requests: stats,
    exit,
    progress,
  };
  writeFileSync(join(ensureTmp(), 'soak.json'), `${JSON.stringify(result, null, 1)}\n`);

  console.log(
    `soak: acknowledged ${fmt(acked, 0)} spans; stored ${stored ? fmt(stored.rows, 0) : '—'} rows, ${stored ? fmt(stored.distinctSpans, 0) : '—'} distinct`,
  );
  console.log(
    `soak: peak RSS by third of the run ${thirds.map(mb).join(', ')} (overall ${mb(memory.peakRssBytes)}); ` +
      `last third vs second ${fmt(thirds[2] / thirds[1], 2)}×`,
  );
  if (failure) console.log(`soak: FAILED — a request failed: ${failure.message}`);
  console.log(
    `soak: every acknowledged span stored exactly once: ${exactlyOnce ? 'yes' : 'NO'}; storage errors: ${storageErrors}`,
  );
  console.log(`soak: figures in ${join(TMP, 'soak.json')}`);
  process.exit(exactlyOnce && storageErrors === 0 && !failure ? 0 : 1);
}

await main();
