// The dashboard's trace view on a 10,000-span trace, in Debian's Chromium (playwright-core)
// against the built collector (`node collector/dist/cli.js collector`, fresh data dir):
//   render  navigation start → the first animation frame whose DOM holds the waterfall row at
//           the bottom edge of the view (page load, the trace's API call, the model, the rows)
//   scroll  frame times (rAF to rAF) while the waterfall scrolls one page of rows a frame
//           through the whole trace
// The peer, in the same run and the same page: the same trace shape with 100 spans, so the
// ratios say what 100× the spans costs. Goals: render ≤ 1,000 ms, scroll frame p95 ≤ 33 ms.
//   node test/bench/dashboard-render.bench.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bigTrace } from '../helpers/big-trace.mjs';
import { launchChromium } from '../helpers/chromium.mjs';
import { fmt, fmtRatio, isMain, median, round, textTable, writeResult } from './lib/common.mjs';
import { measureScroll, watchFirstFullView } from './lib/dashboard-page.mjs';
import { startCollector, waitSpoolEmpty } from './lib/ingest-collector.mjs';

const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 5);
const MIN_FRAMES = 300;
const GOALS = { renderMs: 1000, scrollP95Ms: 33 };
/** The trace measured and its peer (same shape, 100× fewer spans). */
const TRACES = { big: { spans: 10_000, traceId: 'b1'.repeat(16) }, peer: { spans: 100, traceId: 'b2'.repeat(16) } };

/** One run on `trace`: a fresh page load of its view, then a scroll through it. */
async function measure(page, url, trace) {
  await page.goto('about:blank');
  await page.goto(`${url}/#/trace/${trace.traceId}`, { waitUntil: 'commit' });
  const rendered = await page.waitForFunction(() => window.__bench?.renderedMs, null, {
    timeout: 60_000,
    polling: 100,
  });
  const rows = Number(await page.locator('.waterfall').getAttribute('data-rows'));
  if (rows !== trace.spans + 1) throw new Error(`the waterfall shows ${rows} rows, not ${trace.spans + 1}`);
  return { renderMs: round(await rendered.jsonValue(), 1), ...(await measureScroll(page, MIN_FRAMES)) };
}

export async function main() {
  const started = performance.now();
  const data = mkdtempSync(join(tmpdir(), 'fntrace-dashboard-bench-'));
  // an interrupted bench (the collector helper exits on SIGINT/SIGTERM) leaves no data dir either
  const removeData = () => rmSync(data, { recursive: true, force: true, maxRetries: 3 });
  process.once('exit', removeData);
  let collector;
  let browser;
  const runs = { big: [], peer: [] };
  try {
    collector = await startCollector({ data });
    const url = `http://127.0.0.1:${collector.port}`;
    for (const trace of Object.values(TRACES)) {
      const res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bigTrace(trace.spans, { traceId: trace.traceId })),
      });
      if (res.status !== 200) throw new Error(`POST /v1/traces answered ${res.status}: ${await res.text()}`);
    }
    await waitSpoolEmpty(collector.port);
    browser = await launchChromium();
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.addInitScript(watchFirstFullView);
    // one discarded run each: the dashboard's assets cached, the engine's caches warm
    for (const trace of Object.values(TRACES)) await measure(page, url, trace);
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? ['big', 'peer'] : ['peer', 'big'];
      for (const key of order) {
        const r = await measure(page, url, TRACES[key]);
        runs[key].push(r);
        console.log(
          `  run ${i + 1}/${RUNS} ${TRACES[key].spans} spans: render ${fmt(r.renderMs, 0)} ms, ` +
            `scroll p50 ${fmt(r.p50Ms, 1)} ms, p95 ${fmt(r.p95Ms, 1)} ms (${r.frames} frames)`,
        );
      }
    }
  } finally {
    await browser?.close();
    await collector?.stop();
    removeData();
    process.off('exit', removeData);
  }

  const summary = (key) => ({
    spans: TRACES[key].spans,
    renderMs: round(median(runs[key].map((r) => r.renderMs)), 1),
    scrollP50Ms: round(median(runs[key].map((r) => r.p50Ms)), 1),
    scrollP95Ms: round(median(runs[key].map((r) => r.p95Ms)), 1),
    framesPerRun: median(runs[key].map((r) => r.frames)),
  });
  const big = summary('big');
  const peer = summary('peer');
  const result = {
    bench: 'dashboard-render',
    params: { runs: RUNS, minFrames: MIN_FRAMES, viewport: '1440×900', chromium: '/usr/bin/chromium' },
    big,
    peer,
    ratios: {
      render: round(big.renderMs / peer.renderMs, 2),
      scrollP50: round(big.scrollP50Ms / peer.scrollP50Ms, 2),
      scrollP95: round(big.scrollP95Ms / peer.scrollP95Ms, 2),
    },
    goals: GOALS,
    met: { render: big.renderMs <= GOALS.renderMs, scrollP95: big.scrollP95Ms <= GOALS.scrollP95Ms },
    runs,
    benchSeconds: Math.round((performance.now() - started) / 1000),
  };
  const file = writeResult('dashboard-render', result);

  console.log('\ndashboard-render: the trace view in headless Chromium, median of the runs');
  console.log(
    textTable(
      ['trace', 'render ms', 'scroll frame p50 ms', 'scroll frame p95 ms'],
      [big, peer].map((s) => [
        `${s.spans.toLocaleString('en-US')} spans`,
        fmt(s.renderMs, 0),
        fmt(s.scrollP50Ms, 1),
        fmt(s.scrollP95Ms, 1),
      ]),
    ),
  );
  const verdict = (ok) => (ok ? 'met' : 'not met');
  console.log(
    `ratio 10,000 / 100 spans: render ${fmtRatio(result.ratios.render)}, scroll p50 ${fmtRatio(result.ratios.scrollP50)},` +
      ` p95 ${fmtRatio(result.ratios.scrollP95)}; goal render ≤ ${GOALS.renderMs} ms (${verdict(result.met.render)}),` +
      ` scroll frame p95 ≤ ${GOALS.scrollP95Ms} ms (${verdict(result.met.scrollP95)})`,
  );
  console.log(`result: ${file} (${result.benchSeconds} s)\n`);
  return result;
}

if (isMain(import.meta.url)) await main();
