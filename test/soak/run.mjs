// `npm run soak`: the reliability scenarios of issue #16 in sequence, each in its own node
// process (a scenario may hold an embedded ClickHouse, one per process), printing progress as
// they go and a table of figures against their goals at the end; `--report` then writes
// docs/reliability.md. `--only steady` runs the steady-load soak (ingest-soak.mjs) instead.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT } from '../bench/lib/common.mjs';
import { parseCli, positive } from './lib/cli.mjs';
import { figuresText, lastResult, reliabilityMarkdown } from './lib/report.mjs';

const SCENARIOS = ['crash', 'outage', 'fuzz', 'overload'];
const SOAK_DIR = join(BENCH_DIR, '../soak');

const HELP = `npm run soak -- [options]

Runs the collector (the built collector/dist/cli.js) through four scenarios, one after the
other, and checks each against its goal (issue #16):

  crash     SIGKILLs during sustained ingest, restarts on the same data; every acknowledged
            span stored exactly once (counted by span id)                     ~3 min
  outage    its ClickHouse server (--clickhouse-url) failing for 10 minutes, then back;
            nothing acknowledged lost                                          ~12 min
  fuzz      100,000 hostile OTLP bodies, then every API parameter; no 5xx, always ready,
            ordinary spans readable within seconds afterwards                  ~8 min
  overload  2x capacity for 5 minutes: 429/503 with Retry-After, RSS within its bound,
            full recovery                                                       ~6 min

About 30 minutes in all at full length (29 min on a 2-core machine). Progress lines as
it goes; a table of figures at the end.

Options:
  --only <names>            comma-separated scenarios to run (default: all four); "steady" runs
                            the steady-load soak (test/soak/ingest-soak.mjs) with --minutes/--rate
  --kills <n>               crash: SIGKILLs (default 20)
  --outage-minutes <n>      outage: how long storage fails (default 10)
  --bodies <n>              fuzz: OTLP bodies (default 100000)
  --per-parameter <n>       fuzz: requests per API parameter (default 200)
  --seed <n>                fuzz: fast-check's seed (default 1)
  --overload-minutes <n>    overload: how long (default 5)
  --capacity <n>            overload: spans/s this machine stores (default 40000); 2x is offered
  --minutes <n>             steady: how long to send (default 10)
  --rate <n>                steady: spans per second (default 10000)
  --report                  then write docs/reliability.md from the last run of each scenario
  --report-only             only rewrite docs/reliability.md from the last runs' results
  --keep                    keep the scenarios' data directories (.bench-tmp/soak-<name>-data)
  -h, --help                this text

Exit status: 0 when every goal was met (a shortened run's sizes are "shorter than the goal",
not a failure); 1 when one was not; 2 for bad options or a scenario that could not run.
Results: .bench-tmp/soak-<scenario>.json.`;

function options() {
  const values = parseCli(
    {
      only: { type: 'string', default: SCENARIOS.join(',') },
      kills: { type: 'string' },
      'outage-minutes': { type: 'string' },
      bodies: { type: 'string' },
      'per-parameter': { type: 'string' },
      seed: { type: 'string' },
      'overload-minutes': { type: 'string' },
      capacity: { type: 'string' },
      minutes: { type: 'string' },
      rate: { type: 'string' },
      report: { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    HELP,
  );
  const number = (name, integer) => (values[name] === undefined ? undefined : positive(values, name, integer));
  const only = values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((s) => s !== 'steady' && !SCENARIOS.includes(s));
  if (unknown.length) {
    console.error(`soak: --only takes ${[...SCENARIOS, 'steady'].join(', ')} (got ${unknown.join(', ')})`);
    process.exit(2);
  }
  const minutes = (name) => (values[name] === undefined ? undefined : number(name, false) * 60_000);
  const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    only: values['report-only'] ? [] : only,
    report: values.report || values['report-only'],
    steadyArgs: ['minutes', 'rate'].flatMap((k) => (values[k] === undefined ? [] : [`--${k}`, values[k]])),
    scenario: {
      crash: defined({ kills: number('kills', true) }),
      outage: defined({ outageMs: minutes('outage-minutes') }),
      fuzz: defined({
        bodies: number('bodies', true),
        perParameter: number('per-parameter', true),
        seed: number('seed', true),
      }),
      overload: defined({ durationMs: minutes('overload-minutes'), capacity: number('capacity', false) }),
    },
    keep: values.keep,
  };
}

const o = options();
const started = Date.now();
let failed = false;
const ran = [];
for (const name of o.only) {
  console.log(`\n=== ${name} ===`);
  const args =
    name === 'steady'
      ? [join(SOAK_DIR, 'ingest-soak.mjs'), ...o.steadyArgs, ...(o.keep ? ['--keep'] : [])]
      : [
          join(SOAK_DIR, `${name}-soak.mjs`),
          JSON.stringify({ ...o.scenario[name], ...(o.keep ? { keep: true } : {}) }),
        ];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
  if (r.status === 2 || r.status === null) {
    console.error(`${name} could not run (exit ${r.status ?? r.signal})`);
    continue;
  }
  if (name !== 'steady') ran.push(lastResult(name));
}
if (ran.length) {
  console.log(`\n=== figures (${Math.round((Date.now() - started) / 60_000)} min) ===\n`);
  console.log(figuresText(ran));
}
if (o.report) {
  const out = join(ROOT, 'docs/reliability.md');
  writeFileSync(out, reliabilityMarkdown(SCENARIOS));
  console.log(`\n${out} written`);
}
process.exit(failed ? 1 : 0);
