// Serves one function the way Cloud Run functions does: `@google-cloud/functions-framework`
// in a process of its own (so its first request is a real cold start), on 127.0.0.1, with the
// environment variables the platform sets (K_SERVICE, K_REVISION, K_CONFIGURATION,
// FUNCTION_TARGET, FUNCTION_SIGNATURE_TYPE, PORT). Returns its URL and what it wrote: stdout's
// JSON lines (the function's log lines), stderr's (fntrace diagnostics), and the raw text.
//
//   const fn = await serveFunction({ source: 'order-events.mjs', target: 'orderEvents', signatureType: 'cloudevent' });
//   await fetch(fn.url, { method: 'POST', headers: { 'ce-type': ... }, body });
//   await fn.stop();
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const FRAMEWORK_MAIN = join(
  dirname(createRequire(import.meta.url).resolve('@google-cloud/functions-framework')),
  'main.js',
);

/** A port no one listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const parseLines = (text) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });

/**
 * @param {{
 *   source: string, target: string, signatureType?: 'http' | 'cloudevent' | 'event',
 *   service?: string, env?: Record<string, string>, port?: number, startTimeoutMs?: number,
 *   execArgv?: string[],
 * }} options `execArgv`: Node.js options for the server's process (before the framework's script)
 */
export async function serveFunction({
  source,
  target,
  signatureType = 'http',
  service = target,
  env = {},
  port,
  startTimeoutMs = 20_000,
  execArgv = [],
}) {
  const listenOn = port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [...execArgv, FRAMEWORK_MAIN, `--source=${source}`, '--port', String(listenOn)],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        // as on Cloud Run functions
        K_SERVICE: service,
        K_REVISION: `${service}-00001-abc`,
        K_CONFIGURATION: service,
        FUNCTION_TARGET: target,
        FUNCTION_SIGNATURE_TYPE: signatureType,
        PORT: String(listenOn),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`functions-framework did not start in ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      // printed once the server listens (NODE_ENV is not production)
      if (stdout.includes('Serving function...')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`functions-framework exited with ${code ?? signal} before serving:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url: `http://127.0.0.1:${listenOn}/`,
    port: listenOn,
    child,
    /** The JSON lines on stdout so far (the function's log lines). */
    logs: () => parseLines(stdout),
    /** The JSON lines on stderr so far (fntrace's diagnostics). */
    diagnostics: () => parseLines(stderr),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    /** Send `signal` (default SIGTERM) and wait for the process to end. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
