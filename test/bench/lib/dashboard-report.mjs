// The dashboard-render bench's part of docs/benchmarks.md and of the README's summary table,
// from its .bench-tmp/dashboard-render.json (test/bench/run.mjs assembles both).

import { fmt, fmtRatio, markdownTable } from './common.mjs';

const verdict = (ok) => (ok ? 'met' : 'not met');
const spans = (s) => `${s.spans.toLocaleString('en-US')} spans`;

/** The docs/benchmarks.md section. */
export function dashboardSection(r) {
  const { big, peer, goals, params: p } = r;
  const rows = [big, peer].map((s) => [spans(s), fmt(s.renderMs, 0), fmt(s.scrollP50Ms, 1), fmt(s.scrollP95Ms, 1)]);
  return [
    "## The dashboard's trace view (`test/bench/dashboard-render.bench.mjs`)",
    '',
    markdownTable(['trace', 'render, ms', 'scroll frame p50, ms', 'scroll frame p95, ms'], rows),
    '',
    [
      `**${spans(big)}: render ${fmt(big.renderMs, 0)} ms — goal ≤ ${fmt(goals.renderMs, 0)} ms (${verdict(r.met.render)});`,
      `scroll frame p95 ${fmt(big.scrollP95Ms, 1)} ms — goal ≤ ${goals.scrollP95Ms} ms (${verdict(r.met.scrollP95)}).**`,
      `Ratio ${spans(big)} / ${spans(peer)}: render ${fmtRatio(r.ratios.render)},`,
      `scroll frame p50 ${fmtRatio(r.ratios.scrollP50)}, p95 ${fmtRatio(r.ratios.scrollP95)}.`,
    ].join(' '),
    '',
    [
      'Method: the built collector (`node collector/dist/cli.js collector`, fresh data dir) holds one trace of each size',
      "(a root and children ten to a parent, sent as OTLP/JSON and stored before the browser starts); Debian's Chromium",
      `runs headless through playwright-core at ${p.viewport}. Render: a fresh load of \`#/trace/<id>\` from`,
      'about:blank, from navigation start to the first animation frame whose DOM holds the waterfall row at the',
      "bottom edge of the view (page load, the trace's API call, the model, the rows; precise to one frame).",
      'Scroll: then the waterfall scrolls one page of rows a frame from top to bottom (and back, for the short',
      `trace, until ${p.minFrames} frames), and each frame time is the time between two animation frames (16.7 ms at`,
      `60 Hz; a late frame shows as 33 ms or more). One discarded run each, then ${p.runs} runs alternating the`,
      "two; each figure is the median of the runs'. The peer is the same trace with 100 spans, because a 100-span",
      'trace renders as many rows as fill the view but does not need windowing: the ratio is what 100× the spans',
      'costs. (Rendering every row without windowing is not a switch the dashboard has.)',
    ].join(' '),
  ].join('\n');
}

/** The README summary row. */
export function dashboardSummaryRow(r) {
  return [
    'dashboard, 10,000-span trace: render; scroll frame p95',
    `${fmt(r.big.renderMs, 0)} ms; ${fmt(r.big.scrollP95Ms, 1)} ms`,
    `100 spans: ${fmt(r.peer.renderMs, 0)} ms; ${fmt(r.peer.scrollP95Ms, 1)} ms`,
    `${fmtRatio(r.ratios.render)}; ${fmtRatio(r.ratios.scrollP95)}`,
    `≤ ${fmt(r.goals.renderMs, 0)} ms — ${verdict(r.met.render)}; ≤ ${r.goals.scrollP95Ms} ms — ${verdict(r.met.scrollP95)}`,
  ];
}
