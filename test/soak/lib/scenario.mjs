// What the soak's scenarios share: their result shape (figures, each against its goal), the
// entry point that runs one as a child of `npm run soak`, and a few small helpers.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, isMain, machine, TMP } from '../../bench/lib/common.mjs';

/**
 * A figure of a scenario: what was measured, in words, against its goal. `met` is true or
 * false, undefined for a figure without a goal, or 'short' for a size the issue asks for
 * (kills, minutes, bodies) that a shortened run did not reach — not a failure.
 */
export const figure = (what, value, goal, met) => ({ what, value, goal, met });

export const mb = (bytes) => `${fmt(bytes / 1e6, 0)} MB`;
export const n = (x) => fmt(x, 0);
export const secs = (ms) => `${fmt(ms / 1000, 1)} s`;

/** Ends `child` (a collector started by startCollector) if it still runs; for finally blocks. */
export async function stopQuietly(collector) {
  try {
    await collector?.stop(5_000);
  } catch {}
}

/** The JSON result file of scenario `name` in .bench-tmp/. */
export const resultFile = (name) => join(TMP, `soak-${name}.json`);

/**
 * When `metaUrl` is the script node runs (a scenario started by test/soak/run.mjs): runs
 * `run(options)` with the options given as JSON in argv[2], a data directory in .bench-tmp/
 * (removed afterwards), and progress lines on stdout; writes the result to
 * .bench-tmp/soak-<name>.json. Exit status 0 when every goal is met, 1 when one is not, 2 when
 * the scenario could not run.
 */
export async function runAsMain(metaUrl, name, run) {
  if (!isMain(metaUrl)) return;
  const options = JSON.parse(process.argv[2] ?? '{}');
  const dataDir = join(TMP, `soak-${name}-data`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const started = Date.now();
  let result;
  try {
    result = await run({ ...options, dataDir, log: (line) => console.log(`  ${line}`) });
  } catch (err) {
    console.error(`${name}: could not run: ${err.stack ?? err}`);
    process.exit(2);
  } finally {
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const out = {
    scenario: name,
    options,
    ...result,
    durationSec: Math.round((Date.now() - started) / 1000),
    at: new Date(started).toISOString(),
    machine: machine(),
  };
  writeFileSync(resultFile(name), `${JSON.stringify(out, null, 1)}\n`);
  process.exit(result.figures.some((f) => f.met === false) ? 1 : 0);
}
