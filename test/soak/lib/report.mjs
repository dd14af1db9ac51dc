// The soak's figures: a table for the terminal, and docs/reliability.md written from the last
// result of each scenario (.bench-tmp/soak-<name>.json), as test/bench/run.mjs writes
// docs/benchmarks.md.

import { existsSync, readFileSync } from 'node:fs';
import { fmt, markdownTable, textTable } from '../../bench/lib/common.mjs';
import { n, resultFile } from './scenario.mjs';

export const verdict = (met) =>
  met === true ? 'met' : met === false ? 'NOT MET' : met === 'short' ? 'shorter than the goal' : '';

/** The last result of scenario `name`, or undefined when it has not run. */
export function lastResult(name) {
  const file = resultFile(name);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** The figures of some scenarios' results, as one plain-text table. */
export function figuresText(results) {
  const rows = results.flatMap((r) => r.figures.map((f) => [r.scenario, f.what, f.value, f.goal, verdict(f.met)]));
  return textTable(['scenario', 'figure', 'value', 'goal', ''], rows);
}

const minutes = (sec) => `${fmt(sec / 60, 1)} min`;

const DESCRIPTIONS = {
  crash: [
    'The built collector (`node collector/dist/cli.js collector`, embedded engine, default options) is killed with',
    'SIGKILL a random 1–7 s after each restart while 8 senders keep sending OTLP/protobuf requests (the ingest bench',
    'spans, 20 attributes each, every span id numbered by its request), and restarted on the same data directory.',
    'A request cut off by a kill is not resent. After the last restart the load stops, the spool drains, the',
    'collector stops with SIGTERM, and the store is counted by span id, request by request.',
  ],
  outage: [
    'The collector stores to a ClickHouse server (`--clickhouse-url`: `test/helpers/clickhouse-http.ts`, the HTTP',
    'interface of ClickHouse in front of the real embedded engine). That server answers every request with 503 for',
    'half of the outage and resets every connection for the other half, then recovers. Senders keep sending and',
    'retry 429/503 after Retry-After; at its quota the spool refuses with 503. Afterwards the spool must drain and the',
    "server's table is counted by span id.",
  ],
  fuzz: [
    'OTLP bodies made by fast-check (seeded; `test/soak/lib/fuzz-bodies.mjs`): traces and logs, protobuf and JSON,',
    'hostile ids and timestamps (0, 2^64−1, past 2106, 2018, far future), huge (to 1 MB) and deep (to 1,500 levels)',
    'attributes, up to 20,000 attributes or 2,000 items, lone surrogates and bytes that are not UTF-8, wrong JSON',
    'types, bytes flipped, overwritten, inserted, deleted, repeated or truncated, lengths made huge, gzip and',
    'deflate (also corrupt, or claimed and absent), wrong content types. Then every operation and parameter of',
    'the OpenAPI document the collector serves (`/api/openapi.json`; `test/soak/lib/fuzz-queries.mjs`), with valid',
    'and hostile values, repeated parameters and request bodies from their schemas. Then spans from the',
    'OpenTelemetry exporter, read back through `/api/traces/:traceId`.',
  ],
  overload: [
    'Twice what the collector stores on this machine (40,000 spans/s sustained, README "Performance") is offered',
    'for minutes, with the embedded engine capped (`--engine-max-memory-bytes 1073741824`). Senders act like',
    'OpenTelemetry exporters: 429/503 retried after Retry-After, a request refused for 30 s given up, and one whose',
    'turn comes more than 10 s late dropped (a bounded export queue). RSS is sampled every 0.5 s. Afterwards:',
    'the drain, /readyz, a new request, and the store counted by span id.',
  ],
};

const COMMANDS = {
  crash: (o) => `npm run soak -- --only crash --kills ${o.kills ?? 20}`,
  outage: (o) => `npm run soak -- --only outage --outage-minutes ${(o.outageMs ?? 600_000) / 60_000}`,
  fuzz: (o) => `npm run soak -- --only fuzz --bodies ${o.bodies ?? 100_000} --seed ${o.seed ?? 1}`,
  overload: (o) =>
    `npm run soak -- --only overload --overload-minutes ${(o.durationMs ?? 300_000) / 60_000} --capacity ${o.capacity ?? 40_000}`,
};

function failuresSection(r) {
  const classes = Object.entries(r.failureClasses ?? {});
  if (!classes.length) return [];
  const rows = classes.map(([what, count]) => [what.replace(/\s+/g, ' '), n(count)]);
  const examples = r.failures.map((f) => [
    `${f.method} ${f.url.length > 100 ? `${f.url.slice(0, 100)}…` : f.url}`,
    f.kind ?? '',
    String(f.status),
  ]);
  return [
    '',
    'Answers 5xx, by operation (or OTLP kind), status and answer (digits as N):',
    '',
    markdownTable(['operation → answer', 'requests'], rows),
    '',
    `Examples (bodies in \`.bench-tmp/soak-fuzz-failures/\` after a run):`,
    '',
    markdownTable(['request', 'fuzzed', 'status'], examples),
  ];
}

function section(name, r) {
  const title = `## ${name} (\`test/soak/${name}-soak.mjs\`)`;
  if (!r) return [title, '', '_Not run yet._'];
  return [
    title,
    '',
    DESCRIPTIONS[name].join(' '),
    '',
    markdownTable(
      ['figure', 'value', 'goal', ''],
      r.figures.map((f) => [f.what, f.value, f.goal, verdict(f.met)]),
    ),
    ...failuresSection(r),
    '',
    `Run ${r.at.slice(0, 16).replace('T', ' ')} UTC, ${minutes(r.durationSec)}; again: \`${COMMANDS[name](r.options)}\`.`,
  ];
}

/** docs/reliability.md from the last result of each scenario. */
export function reliabilityMarkdown(names) {
  const results = Object.fromEntries(names.map((name) => [name, lastResult(name)]));
  const ran = Object.values(results).filter(Boolean);
  const m = ran[0]?.machine;
  const total = ran.reduce((s, r) => s + r.durationSec, 0);
  const missed = ran.flatMap((r) => r.figures.filter((f) => f.met === false).map((f) => `${r.scenario}: ${f.what}`));
  return [
    '# fntrace reliability: soak and fuzz',
    '',
    'Written by `npm run soak -- --report` from the last run of each scenario (`.bench-tmp/soak-<scenario>.json`);',
    'do not edit by hand. The goals are those of issue #16: an acknowledged span is stored exactly once whatever',
    'happens to the collector or its storage, no input makes it answer 5xx or stop, and overload is refused politely.',
    '',
    '```sh',
    'npm run soak -- --report   # all four scenarios at full length (about 30 minutes here), then this file',
    'npm run soak -- --help     # options: one scenario (--only), shorter runs (--kills, --outage-minutes, ...)',
    '```',
    '',
    `${ran.length} of ${names.length} scenarios ran, ${minutes(total)} in all.`,
    missed.length ? `Goals not met: ${missed.join('; ')}.` : ran.length ? 'Every goal of those runs was met.' : '',
    m ? `Machine: Node ${m.node}, ${m.cpuModel} × ${m.cpuCount}, ${m.memoryGiB} GiB, ${m.platform}.` : '',
    '',
    'Short versions run in `npm test` (`test/soak/*.test.ts`: 3 kills, a 10-second outage, 2,000 bodies and the',
    'API at 5 values a parameter, 10 s at 2×); they assert the same counts, without timing thresholds.',
    '',
    ...names.flatMap((name) => [...section(name, results[name]), '']),
  ].join('\n');
}
