import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { envOf, flagOf, optionNames, resolveCollectorOptions } from '../collector/src/config/options.js';
import { spanBatch } from './collector/otlp-json-body.js';
import { freePort } from './collector/process.js';
import { POISON, spanLine, writeSegment } from './collector/spool-rows.js';
import { tempDir, useTempDir } from './helpers/cleanup.js';
import { descendants, processesOfGroup } from './helpers/processes.js';

// The command lines of the README and docs/, run as a user runs them in a clone: from the repository root,
// through npx and npm, with a shell's environment (no npm_* variables, no node_modules/.bin on
// PATH), after `npm ci` and the build `npm test` does before this file runs. Every command line
// is either run here or skipped on purpose with the reason, so a new one cannot go unchecked.
//
// Command lines are every line of the README's ```sh blocks, and every inline code span that
// starts with one of PROGRAMS (the project's commands and the tools the README tells a user to
// run). A bare `fntrace …` is the command a clone reaches as `npx fntrace …` (the ```sh block's
// spelling) and is looked up as that. Where a command would listen on 4318 or keep its data in
// ./.fntrace, the test gives it a free port and a temporary directory through FNTRACE_PORT and
// FNTRACE_DATA — the variables every flag has — so that the line itself runs as written.

const ROOT = resolve(import.meta.dirname, '..');
/**
 * The README and the reference in docs/ (written by hand: benchmarks.md and reliability.md are
 * written by their scripts, and their command lines are those scripts' own).
 */
const WRITTEN_BY_SCRIPTS = new Set(['benchmarks.md', 'reliability.md']);
const README = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md') && !WRITTEN_BY_SCRIPTS.has(f))
    .map((f) => join('docs', f)),
]
  .map((f) => readFileSync(join(ROOT, f), 'utf8'))
  .join('\n');
const SCRIPTS = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
/** The commands of .ci/run, its comments left out. */
const CI = readFileSync(join(ROOT, '.ci/run'), 'utf8')
  .split('\n')
  .filter((l) => !l.trim().startsWith('#'))
  .join('\n');

const PROGRAMS = ['npm', 'npx', 'node', 'fntrace', 'openssl', 'apt-get', 'clickhouse-client'];

/** The README's command lines, `fntrace …` spelled `npx fntrace …`, each once, in order. */
function commandLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | undefined; // the info string of the block we are in
  let pending = '';
  for (const raw of markdown.split('\n')) {
    const opening = /^\s*```(\S*)/.exec(raw);
    if (opening) {
      fence = fence === undefined ? opening[1]! : undefined;
      continue;
    }
    if (fence === 'sh' || fence === 'bash' || fence === 'shell') {
      const line = `${pending}${raw.replace(/(^|\s)#.*$/, '')}`.trim();
      if (line.endsWith('\\')) pending = `${line.slice(0, -1)} `;
      else {
        pending = '';
        if (line) lines.push(line);
      }
    } else if (fence === undefined) {
      for (const [, span] of raw.matchAll(/`([^`]+)`/g))
        if (PROGRAMS.some((p) => span!.startsWith(`${p} `))) lines.push(span!.trim());
    }
  }
  return [...new Set(lines.map((l) => l.replace(/\s+/g, ' ').replace(/^fntrace /, 'npx fntrace ')))];
}

/** Lines not run here, and why. Each reason that rests on the repository says so, and is checked below. */
const SKIPPED: Record<string, string> = {
  'npm test': 'the command that runs this file: run here, it would run the whole suite inside itself',
  'npm run build':
    "npm test's pretest runs it before vitest starts (checked below); run here, it would empty and rewrite the dist/ folders (tsup's and Vite's clean) under the test files running beside this one",
  'npm run format':
    'rewrites files in place; it is `npm run lint` with --write (checked below), and `npm run lint` runs here',
  'npm run test:browser': 'the browser suite (minutes of Chromium); .ci/run runs it after npm test (checked below)',
  'npm run bench': 'the benchmarks take tens of minutes, and rewrite docs/benchmarks.md and the table in README.md',
  'npm run bench -- --report':
    "rewrites README.md and docs/benchmarks.md from the last bench run's results, which a clean checkout does not have",
  'npm run soak -- --only steady': 'ten minutes of steady load by default (`npm run soak -- --help`, run here, says)',
  'npm run soak':
    'about 30 minutes: four reliability scenarios at full length (as `npm run soak -- --help`, run here, says); short versions run in test/soak/',
  'npx fntrace collector --host 0.0.0.0 --clickhouse-url http://fntrace:secret@ch-1:8123 --clickhouse-cluster prod':
    'needs a ClickHouse cluster "prod" at ch-1, and no ClickHouse server installs here: the cluster DDL is checked by test/collector/cluster-ddl.test.ts, the server path by test/collector/clickhouse-url.test.ts',
  'apt-get install -y chromium':
    "installs a system package as root from Debian's mirrors; .ci/run does it when Chromium is missing (checked below)",
  'npx fntrace schema --clickhouse-cluster prod --clickhouse-database fntrace --retention-days 30 > fntrace-schema.sql':
    'shell redirection into a file in the working directory; the command before it is `npx fntrace schema --clickhouse-cluster NAME`, run here, with the default database and retention spelled out',
  'clickhouse-client --host ch-1 --user admin --ask-password --multiquery < fntrace-schema.sql':
    "ClickHouse's own client, for a cluster at ch-1, which does not install here; test/collector/schema-command.test.ts applies the output of `fntrace schema` to the embedded engine instead",
  'clickhouse-client --multiquery':
    "ClickHouse's own client, for a server, which does not install here; test/collector/schema-command.test.ts applies the output of `fntrace schema` to the embedded engine instead",
};

/** Lines run here: each has a test below, named by the line. */
const RUN = [
  'npx fntrace collector',
  'npx fntrace quarantine list',
  'npx fntrace quarantine retry',
  'npx fntrace collector --help',
  'npx fntrace schema',
  'npx fntrace schema --clickhouse-cluster NAME',
  'npm start',
  'npm run soak -- --help',
  'npm run lint',
  'npm run typecheck',
  'openssl rand -hex 16',
];

// ── running a line as a user would ───────────────────────────────────────────────────────

/** This process's environment as a user's shell has it: without what npm and vitest add. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|FNTRACE_|OTEL_)/i.test(k) || k === 'NODE_ENV' || k === 'TEST') continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => !d.endsWith(join('node_modules', '.bin')) && !d.includes('node-gyp-bin'))
    .join(delimiter);
  return { ...env, NO_COLOR: '1', ...extra };
}

interface Started {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  stdout(): string;
  exit: Promise<number | NodeJS.Signals | null>;
}

/**
 * Starts `line` from the repository root in a process group of its own; when the test ends,
 * whatever of the group still runs is killed (SIGKILL), so a failing test leaves no process.
 */
function start(line: string, env: Record<string, string> = {}): Started {
  if (/["'`$|&;<>\\*?(){}]/.test(line)) throw new Error(`${line}: shell syntax; run it through sh`);
  const [command, ...args] = line.split(' ');
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: userEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout!.on('data', (d) => {
    output += d;
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const exit = new Promise<number | NodeJS.Signals | null>((r) =>
    child.once('close', (code, signal) => r(code ?? signal)),
  );
  onTestFinished(async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone
    }
    await exit;
  });
  return { child, output: () => output, stdout: () => stdout, exit };
}

/** Runs `line` to its end: exit status and output. */
async function run(line: string, env: Record<string, string> = {}) {
  const started = start(line, env);
  const status = await started.exit;
  return { status, stdout: started.stdout(), output: started.output() };
}

/** Resolves once `text` is in the output; fails if the process ends first. */
async function until(started: Started, text: string | RegExp): Promise<void> {
  let ended = false;
  void started.exit.then(() => {
    ended = true;
  });
  const seen = () => (typeof text === 'string' ? started.output().includes(text) : text.test(started.output()));
  while (!seen()) {
    if (ended) throw new Error(`ended before printing ${text}:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Sends SIGTERM to the process of the group whose command line matches `command` (not to npm or
 * the shell above it, which pass its exit status on) and resolves with the status npm exits with.
 */
async function stop(started: Started, command: RegExp): Promise<number | NodeJS.Signals | null> {
  const matching = descendants(started.child.pid!).filter((p) => command.test(p.cmd));
  expect(matching.map((p) => p.cmd)).toHaveLength(1);
  process.kill(matching[0]!.pid, 'SIGTERM');
  return started.exit;
}

async function json(url: string): Promise<any> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.json();
}

/** Polls `read` until `done` holds for what it returns (or the test's timeout ends it). */
async function poll<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ── the tests ────────────────────────────────────────────────────────────────────────────

describe('the README', () => {
  const lines = commandLines(README);

  it('has every command line either run here or skipped with its reason, and nothing else listed', () => {
    expect(lines).toContain('npx fntrace collector');
    expect(lines).toContain('npm start');
    expect(lines.filter((l) => !RUN.includes(l) && !(l in SKIPPED))).toEqual([]);
    expect([...RUN, ...Object.keys(SKIPPED)].filter((l) => !lines.includes(l))).toEqual([]);
  });

  it('gives reasons for skipping that hold in this repository', () => {
    expect(SCRIPTS.pretest).toContain('npm run build');
    expect(SCRIPTS.format).toBe(SCRIPTS.lint!.replace('biome check', 'biome check --write'));
    expect(CI).toMatch(/^\s*(TMPDIR=\S+ )?npm run test:browser\b/m);
    expect(CI).toMatch(/apt-get install -y .*chromium/);
    // `npm start` and `npm run soak` are run with their pre-step skipped (npm_config_ignore_scripts):
    // it is npm test's own, which ran before this file
    expect(SCRIPTS.prestart).toBe(SCRIPTS.pretest);
    expect(SCRIPTS.presoak).toBe(SCRIPTS.pretest);
  });

  // Each README command not run here is listed as a skipped test with its reason (SKIPPED above:
  // the benches and full soaks take tens of minutes, a few need a server or files a clean checkout
  // lacks), so the report shows what is not run and why; the test above checks the reasons hold.
  for (const [line, reason] of Object.entries(SKIPPED)) it.skip(`${line} — not run: ${reason}`, () => {});
});

describe('"The collector": npx fntrace collector, then quarantine list and retry on its data', () => {
  // one data directory for the three lines, as a user runs them one after another; it holds a
  // spool segment an earlier run left, with a row the store refuses, so the quarantine has an entry
  const data = useTempDir('fntrace-readme-collector-');
  const S = 'readme-quarantine';
  let segment = '';
  let stopped = false;

  it('npx fntrace collector', async () => {
    segment = writeSegment(data.path, 1, 'traces', [spanLine(S, 1), POISON.negativeDuration(S, 2)]);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const collector = start('npx fntrace collector', { FNTRACE_PORT: String(port), FNTRACE_DATA: data.path });
    await until(collector, `fntrace collector listening on ${url} (OTLP/HTTP: ${url}/v1/traces, ${url}/v1/logs)`);

    const ready = await poll(
      () => json(`${url}/readyz`),
      (r) => r.spool.bytes === 0 && r.quarantine.rows === 1,
    );
    expect(ready).toMatchObject({ status: 'ready', problems: [] });
    const batch = spanBatch('readme-collector', 3);
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      body: batch.body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const found = await poll(
      () => json(`${url}/api/traces?service=readme-collector`),
      (r) => r.traces.length === 3,
    );
    expect(found.traces).toHaveLength(3);

    expect(await stop(collector, /^node \S*node_modules\/\.bin\/fntrace collector$/)).toBe(0);
    expect(collector.output()).toContain('shutting down: storing what was acknowledged');
    stopped = true;
  }, 90_000);

  it('npx fntrace quarantine list', async () => {
    expect(stopped, 'needs the collector above').toBe(true);
    const list = await run('npx fntrace quarantine list', { FNTRACE_DATA: data.path });
    expect(list.status, list.output).toBe(0);
    expect(list.stdout).toContain(`1 entry, 1 row (1 span, 0 log records) in ${join(data.path, 'quarantine')}`);
    expect(list.stdout).toContain(`${segment}.l2-2\n  traces, 1 row (line 2 of segment ${segment}), refused`);
    expect(list.stdout).toMatch(/CANNOT_PARSE_NUMBER/);
  }, 60_000);

  it('npx fntrace quarantine retry', async () => {
    expect(stopped, 'needs the collector above').toBe(true);
    // nothing fixed the cause: the row is refused again, stays, and the exit status says rows are left
    const retry = await run('npx fntrace quarantine retry', { FNTRACE_DATA: data.path });
    expect(retry.status, retry.output).toBe(1);
    expect(retry.stdout).toContain(`still refused ${segment}.l2-2: 1 row, refused: CANNOT_PARSE_NUMBER`);
    expect(retry.stdout).toContain(`0 rows stored, 1 row left in ${join(data.path, 'quarantine')}`);
  }, 60_000);
});

describe('"The collector": the lines that print and exit', () => {
  it('npx fntrace collector --help', async () => {
    const help = await run('npx fntrace collector --help');
    expect(help.status, help.output).toBe(0);
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const name of optionNames) {
      expect(text).toContain(flagOf(name));
      expect(text).toContain(`env: ${envOf(name)}`);
    }
    expect(text).toContain('default: 4318');
    expect(text).toContain('default: "./.fntrace"');
  }, 60_000);

  it('npx fntrace schema', async () => {
    const schema = await run('npx fntrace schema');
    expect(schema.status, schema.output).toBe(0);
    expect(schema.stdout).toMatch(/^-- fntrace schema, migration \d+, database fntrace, retention 30 days\n/);
    expect(schema.stdout).toContain('CREATE TABLE IF NOT EXISTS `fntrace`.`otel_traces` (');
    expect(schema.stdout).toContain('INSERT INTO `fntrace`.fntrace_schema_migrations');
  }, 60_000);

  it('npx fntrace schema --clickhouse-cluster NAME', async () => {
    const schema = await run('npx fntrace schema --clickhouse-cluster NAME');
    expect(schema.status, schema.output).toBe(0);
    expect(schema.stdout).toMatch(
      /^-- fntrace schema, migration \d+, database fntrace on cluster NAME, retention 30 days/,
    );
    expect(schema.stdout).toContain('ON CLUSTER `NAME`');
    expect(schema.stdout).toContain('ENGINE = Distributed(`NAME`');
  }, 60_000);
});

describe('"Tokens and TLS"', () => {
  it('openssl rand -hex 16', async () => {
    const token = await run('openssl rand -hex 16');
    expect(token.status, token.output).toBe(0);
    expect(token.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    // what it makes is a token the collector takes
    expect(resolveCollectorOptions({ ingestToken: token.stdout.trim() }).ingestToken).toBe(token.stdout.trim());
  });
});

describe('npm scripts', () => {
  it('npm start', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const fntraceDir = join(ROOT, '.fntrace');
    const hadDefaultData = existsSync(fntraceDir);
    const demo = start('npm start', {
      FNTRACE_PORT: String(port),
      FNTRACE_DATA: tempDir('fntrace-readme-start-'),
      npm_config_ignore_scripts: 'true', // prestart is pretest, which npm test ran (checked above)
    });
    await until(demo, `The collector keeps running on ${url}`);
    // what the README's line says: the shop across a Cloudflare Worker, AWS Lambda and a Google Cloud function
    expect(demo.stdout()).toContain(
      'First journey across 3 platforms (Cloudflare Workers, AWS Lambda, Google Cloud Run functions)',
    );
    expect(demo.stdout()).toMatch(new RegExp(`This journey: ${url}/#/trace/[0-9a-f]{32}`));
    expect(demo.stdout()).toContain(`Dashboard: ${url}/`);
    const dashboard = await fetch(`${url}/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<!doctype html>');
    expect((await json(`${url}/readyz`)).status).toBe('ready');

    // until Ctrl-C (here SIGTERM to the demo's process): it stops its functions, then the collector
    expect(await stop(demo, /^node examples\/demo\/demo\.mjs$/)).toBe(0);
    expect(demo.stdout()).toContain('stopped');
    expect(processesOfGroup(demo.child.pid!).map((p) => p.cmd)).toEqual([]); // workerd, Lambda environments and Cloud Run instances too
    expect(existsSync(fntraceDir)).toBe(hadDefaultData);
  }, 180_000);

  it('npm run soak -- --help', async () => {
    const help = await run('npm run soak -- --help', { npm_config_ignore_scripts: 'true' });
    expect(help.status, help.output).toBe(0);
    expect(help.stdout).toContain('npm run soak -- [options]');
    expect(help.stdout).toContain('--minutes <n>');
  }, 60_000);

  it('npm run lint', async () => {
    const lint = await run('npm run lint');
    expect(lint.status, lint.output).toBe(0);
    expect(lint.output).toMatch(/Checked \d+ files/);
  }, 120_000);

  it('npm run typecheck', async () => {
    const typecheck = await run('npm run typecheck');
    expect(typecheck.status, typecheck.output).toBe(0);
  }, 180_000);
});
