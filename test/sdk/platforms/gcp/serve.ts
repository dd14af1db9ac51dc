import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error — plain ES module shared with the examples, typed below
import { serveFunction } from '../../../../examples/gcp/serve-local.mjs';
import { killWhenDone } from '../../../helpers/cleanup.js';

/** A function served by @google-cloud/functions-framework in its own process (see examples/gcp/serve-local.mjs). */
export interface ServedFunction {
  url: string;
  port: number;
  child: import('node:child_process').ChildProcess;
  logs(): any[];
  diagnostics(): any[];
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServeOptions {
  source: string;
  target: string;
  signatureType?: 'http' | 'cloudevent' | 'event';
  service?: string;
  env?: Record<string, string>;
}

export const FIXTURES = import.meta.dirname;

/** `options.source`: a file here (the fixtures), or an absolute path. */
export const serve = (options: ServeOptions): Promise<ServedFunction> =>
  serveFunction({
    ...options,
    source: resolve(FIXTURES, options.source),
    // on a loaded machine a loopback export can take longer than the 500 ms default: the tests
    // read the receiver right after each response, so the flush before it must not give up
    env: { FNTRACE_FLUSH_TIMEOUT_MS: '10000', ...options.env },
  });

/** Served inside one test, killed when it ends (passed or failed). */
export async function serveInTest(options: ServeOptions): Promise<ServedFunction> {
  const fn = await serve(options);
  killWhenDone(fn.child);
  return fn;
}

/**
 * Served for the tests of a file or describe block: started before the first, stopped after the
 * last (also when a hook failed). `options` is read when the block starts, so it may use values
 * set up by earlier hooks (the receiver's URL).
 */
export function useFunction(options: () => ServeOptions): ServedFunction {
  const fn = {} as ServedFunction;
  let started: ServedFunction | undefined;
  beforeAll(async () => {
    started = await serve(options());
    Object.assign(fn, started);
  });
  afterAll(async () => {
    if (started) await started.stop('SIGKILL');
  });
  return fn;
}

/** A stand-in for the metadata server (`GCE_METADATA_HOST`), answering as Cloud Run's does. */
export interface MetadataServer {
  host: string;
  /** Each request: its path and `Metadata-Flavor` header, once answered. */
  requests: { path: string; flavor: string | undefined }[];
  close(): Promise<void>;
}

export async function startMetadataServer(values: Record<string, string>): Promise<MetadataServer> {
  const { createServer } = await import('node:http');
  const requests: MetadataServer['requests'] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/computeMetadata\/v1\//, '');
    const flavor = req.headers['metadata-flavor'] as string | undefined;
    const value = flavor === 'Google' ? values[path] : undefined;
    res.on('finish', () => requests.push({ path, flavor }));
    res.writeHead(value === undefined ? 404 : 200, { 'content-type': 'application/text', 'metadata-flavor': 'Google' });
    res.end(value ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
