import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envOf, flagOf, optionNames, optionsSchema } from '../../collector/src/config/options.js';
import { exited, killWhenDone, tempDir } from '../helpers/cleanup.js';
import { spanBatch } from './otlp-json-body.js';
import { CLI, countStored, freePort, startCollector, waitReady } from './process.js';

// The `fntrace` command as a user runs it.
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('fntrace command', () => {
  it('lists every collector option with its environment variable and default in --help', () => {
    const top = run(['--help']);
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('collector');
    expect(top.stdout).toContain('schema');
    const version = run(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(readFileSync(resolve(import.meta.dirname, '../../collector/package.json'), 'utf8')).version,
    );
    const help = run(['collector', '--help']).stdout.replace(/\s+/g, ' ');
    for (const name of optionNames) {
      expect(help).toContain(flagOf(name));
      expect(help).toContain(`env: ${envOf(name)}`);
      const def = (optionsSchema.properties[name] as { default: unknown }).default;
      if (def !== '') expect(help).toContain(`default: ${JSON.stringify(def)}`);
    }
  });

  it('refuses a bad option at start-up with a coded error naming it', () => {
    const bad = run(['collector', '--retention-days', '-3', '--data', tempDir('fntrace-bad-')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/FNTRACE_ERR_COL_INVALID_OPTION: option --retention-days: must be >= 0/);
    const fromEnv = run(['collector'], { FNTRACE_CLICKHOUSE_URL: 'not a url' });
    expect(fromEnv.status).toBe(2);
    expect(fromEnv.stderr).toMatch(/--clickhouse-url: is not a URL/);
    const notInt = run(['collector', '--port', 'eighty']);
    expect(notInt.status).not.toBe(0);
    expect(notInt.stderr).toMatch(/--port.*not an integer/);
  });

  it('refuses a second collector on the same data directory', async () => {
    const dataDir = tempDir('fntrace-lock-');
    const port = await freePort();
    const first = startCollector(dataDir, port);
    try {
      await waitReady(`http://127.0.0.1:${port}`);
      const second = run(['collector', '--data', dataDir, '--port', String(await freePort())]);
      expect(second.status).toBe(2);
      expect(second.stderr).toMatch(/FNTRACE_ERR_COL_DATA_DIR_LOCKED/);
    } finally {
      first.kill('SIGTERM');
      await exited(first);
    }
  });

  it('stores what it acknowledged when stopped with SIGTERM', async () => {
    const dataDir = tempDir('fntrace-term-');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // a long segment age: without the drain at shutdown these spans would still be in the spool
    const proc = killWhenDone(
      spawn(
        process.execPath,
        [
          CLI,
          'collector',
          '--port',
          String(port),
          '--data',
          dataDir,
          '--log-level',
          'warn',
          '--segment-max-age-ms',
          '600000',
        ],
        { stdio: 'ignore' },
      ),
    );
    await waitReady(url);
    const batch = spanBatch('graceful', 25);
    const res = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      body: batch.body,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
    const rows = await countStored(dataDir, 'graceful');
    expect(rows.map((r) => r.SpanId).sort()).toEqual([...batch.spanIds].sort());
  }, 60_000);
});
