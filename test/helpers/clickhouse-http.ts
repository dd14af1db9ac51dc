import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { createChdbConnection } from 'chdb/connection';

/**
 * A small server that speaks ClickHouse's HTTP interface in front of the real embedded engine,
 * for the `--clickhouse-url` path (no ClickHouse server installs on these machines): the query
 * in the `query` parameter or the body, data after it in the body (an INSERT's rows), `param_*`
 * query parameters, other parameters as settings, gzip request bodies; answers with the
 * engine's bytes and `X-ClickHouse-*` headers, and errors as ClickHouse words them
 * (`Code: N. DB::Exception: … (NAME)`, `X-ClickHouse-Exception-Code`). The SQL, formats and
 * errors are the engine's own; only the transport is this file's.
 *
 * `fail(n, how)` makes the next `n` requests fail as a sick server or network would: the
 * connection reset before an answer, or a 503 from a proxy in front.
 */
export interface ClickHouseHttp {
  url: string;
  /** Every request's SQL (first line) and the status it got. */
  requests: { sql: string; status: number }[];
  fail(n: number, how: 'reset' | '503'): void;
  close(): Promise<void>;
}

// parameters of the HTTP interface that are not settings
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'query_id',
  'session_id',
  'user',
  'password',
  'compress',
  'decompress',
]);

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      resolve(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
    });
    req.on('error', reject);
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export async function startClickHouseHttp(): Promise<ClickHouseHttp> {
  const dir = mkdtempSync(join(tmpdir(), 'fntrace-clickhouse-http-'));
  const engine = createChdbConnection({ path: dir });
  const requests: ClickHouseHttp['requests'] = [];
  let failing = 0;
  let failHow: 'reset' | '503' = 'reset';

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://clickhouse');
    if (url.pathname === '/ping') {
      res.end('Ok.\n');
      return;
    }
    const data = await body(req);
    const inUrl = url.searchParams.get('query');
    const sql = inUrl ?? data.toString('utf8');
    const values = inUrl !== null && data.length > 0 ? data : undefined;
    if (failing > 0) {
      failing--;
      requests.push({ sql: sql.split('\n')[0]!, status: failHow === 'reset' ? 0 : 503 });
      if (failHow === 'reset') req.socket.destroy();
      else res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    const query_params: Record<string, string> = {};
    const clickhouse_settings: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) query_params[k.slice(6)] = v;
      else if (!NOT_SETTINGS.has(k)) clickhouse_settings[k] = v;
    }
    try {
      const result = await engine.exec({
        query: sql,
        query_id: url.searchParams.get('query_id') ?? undefined,
        query_params,
        clickhouse_settings,
        ...(values ? { values: Readable.from([values]) } : {}),
      } as Parameters<typeof engine.exec>[0]);
      const out = await readAll(result.stream as Readable);
      requests.push({ sql: sql.split('\n')[0]!, status: 200 });
      res.writeHead(200, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-query-id': result.query_id,
        'x-clickhouse-summary': JSON.stringify((result as { summary?: unknown }).summary ?? {}),
      });
      res.end(out);
    } catch (err) {
      const e = err as { code?: string; type?: string; message?: string };
      const code = e.code ?? '1001';
      const text =
        e.type && !String(e.message).includes(`(${e.type})`) ? `${e.message} (${e.type})` : String(e.message);
      requests.push({ sql: sql.split('\n')[0]!, status: 500 });
      res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': code });
      res.end(`Code: ${code}. DB::Exception: ${text} (version chdb)\n`);
    }
  });
  try {
    await new Promise<void>((r, reject) => server.once('error', reject).listen(0, '127.0.0.1', r));
  } catch (err) {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    fail(n, how) {
      failing = n;
      failHow = how;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
