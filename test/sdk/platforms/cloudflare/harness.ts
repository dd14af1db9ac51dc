import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { type BuildOptions, build } from 'esbuild';
import { Miniflare, type MiniflareOptions } from 'miniflare';
import { onTestFinished } from 'vitest';
import { removeDir, tempDir } from '../../../helpers/cleanup.js';
import type { Receiver } from '../../../helpers/otlp-receiver.js';

/**
 * What the Cloudflare tests share: the test Worker bundled as wrangler bundles one (ESM,
 * platform neutral, workerd's export conditions), run in workerd through Miniflare with no
 * compatibility flag unless a test asks for one, its console lines collected from workerd's
 * stdout and stderr; and the small servers on 127.0.0.1 it talks to. Everything a test starts
 * is stopped when that test ends, passed or failed.
 */
/**
 * A Miniflare stopped when the test ends, whose temporary folder (made in the constructor, under
 * os.tmpdir()) lies inside a folder the test owns: Miniflare removes its own without waiting for
 * it (fire and forget), which can leave it behind, so the test removes the owner once workerd has
 * gone.
 */
export function testMiniflare(options: MiniflareOptions): Miniflare {
  const owner = tempDir('fntrace-miniflare-');
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = owner;
  let mf: Miniflare;
  try {
    mf = new Miniflare(options);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  onTestFinished(async () => {
    await mf.dispose();
    removeDir(owner);
  });
  return mf;
}

export const WORKER_SOURCE = resolve(import.meta.dirname, 'worker.ts');
export const COMPATIBILITY_DATE = '2025-09-01';
export const WORKERD_CONDITIONS = ['workerd', 'worker', 'browser', 'module'];

export interface Bundle {
  code: string;
  /** Every file esbuild put in the bundle. */
  inputs: string[];
}

export async function bundleWorker(entry = WORKER_SOURCE, extra: BuildOptions = {}): Promise<Bundle> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: WORKERD_CONDITIONS,
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...extra,
  });
  return { code: out.outputFiles![0]!.text, inputs: Object.keys(out.metafile!.inputs) };
}

/** A `node:` module specifier anywhere in the code (an import, a dynamic import or a require of one). */
export const NODE_SPECIFIER = /["'`]node:[a-z_/]+["'`]/;

export interface RunningWorker {
  mf: Miniflare;
  /** The Worker's stdout lines that parse as JSON (its log lines), in order. */
  lines: Record<string, any>[];
  /** Its stderr lines that parse as JSON (fntrace diagnostics). */
  errors: Record<string, any>[];
  /**
   * The `nth` log line (0: the first) that `match` accepts, once it has come: workerd's stdout
   * reaches Node after the response may have, so a line is waited for, never assumed there.
   */
  line(match: (l: Record<string, any>) => boolean, nth?: number): Promise<Record<string, any>>;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Fire the Worker's scheduled handler, as Miniflare's trigger endpoint does. */
  scheduled(cron: string): Promise<Response>;
}

function jsonLines(sink: Record<string, any>[]) {
  let partial = '';
  return (chunk: Buffer | string) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      try {
        sink.push(JSON.parse(line));
      } catch {
        // workerd's own messages
      }
    }
  };
}

export async function startWorker(
  code: string,
  options: {
    bindings: Record<string, string>;
    flags?: string[];
    /** The INVENTORY service binding, run in Node. */
    inventory?: (request: Request) => Response | Promise<Response>;
  },
): Promise<RunningWorker> {
  const lines: Record<string, any>[] = [];
  const errors: Record<string, any>[] = [];
  const mf = testMiniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: code }],
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: options.flags ?? [],
    bindings: options.bindings,
    serviceBindings: {
      INVENTORY: async (request: unknown) =>
        options.inventory ? options.inventory(request as never) : new Response('in stock'),
    },
    queueProducers: { ORDERS: 'orders' },
    // the test sends four messages per /enqueue: they come as one batch
    queueConsumers: { orders: { maxBatchSize: 4, maxBatchTimeout: 1, maxRetries: 0 } },
    unsafeTriggerHandlers: true,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', jsonLines(lines));
      stderr.on('data', jsonLines(errors));
    },
  });
  await mf.ready;
  return {
    mf,
    lines,
    errors,
    async line(match, nth = 0) {
      await until(`log line ${nth + 1} matching ${match}`, () => lines.filter(match).length > nth);
      return lines.filter(match)[nth]!;
    },
    request: (path, init) =>
      mf.dispatchFetch(`http://worker.test${path}`, init as never) as unknown as Promise<Response>,
    scheduled: (cron) =>
      mf.dispatchFetch(
        `http://worker.test/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}`,
      ) as unknown as Promise<Response>,
  };
}

/** Resolves once `check` returns true (polled); rejects with `what` after `ms`. */
export async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => resolveBody(text));
  });
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export interface Gate {
  url: string;
  /** Paths of the exports that reached the gate (answered or not). */
  arrived: string[];
  /** Answer what is held, and everything after, by handing it to the receiver. */
  release(): void;
}

/**
 * An OTLP endpoint in front of `rx` that holds every export until `release()`: while it
 * holds, nothing the Worker exported has been answered, so anything that arrives meanwhile
 * (the HTTP response) did not wait for the export.
 */
export async function startGate(rx: Receiver): Promise<Gate> {
  const held: (() => void)[] = [];
  const arrived: string[] = [];
  let released = false;
  const url = await listen(async (req, res) => {
    const text = await body(req);
    arrived.push(req.url ?? '');
    const forward = async () => {
      const answer = await fetch(`${rx.url}${req.url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    };
    if (released) void forward();
    else held.push(() => void forward());
  });
  return {
    url,
    arrived,
    release() {
      released = true;
      for (const f of held.splice(0)) f();
    },
  };
}

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

export interface Downstream {
  url: string;
  seen: SeenRequest[];
  /** How many requests each `/barrier?n=…` waits for before all are answered. The default value is 2. */
  barrierSize: number;
}

/**
 * The HTTP server the Worker calls: records every request; `/barrier?n=N` answers only once
 * `barrierSize` requests for barrier N have arrived, so the requests that reach it overlap.
 */
export async function startDownstream(): Promise<Downstream> {
  const barriers = new Map<string, (() => void)[]>();
  const state: Downstream = { url: '', seen: [], barrierSize: 2 };
  state.url = await listen(async (req, res) => {
    await body(req);
    const u = new URL(req.url ?? '/', 'http://x');
    state.seen.push({ path: u.pathname, query: u.searchParams, headers: req.headers });
    if (u.pathname !== '/barrier') {
      res.end('pong');
      return;
    }
    const n = u.searchParams.get('n') ?? '1';
    const waiting = barriers.get(n) ?? [];
    barriers.set(n, waiting);
    waiting.push(() => res.end('through'));
    if (waiting.length >= state.barrierSize) for (const answer of waiting.splice(0)) answer();
  });
  return state;
}
