import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../collector/src/index.js';
import { exited, killWhenDone, tempDir, useTempDir } from '../helpers/cleanup.js';
import { useCollector } from './helpers.js';
import { CLI, freePort } from './process.js';

// HTTPS with --tls-cert/--tls-key: a self-signed certificate for 127.0.0.1 made by openssl,
// the official OTLP exporter trusting it, and the API read over the same port.
const dir = useTempDir('fntrace-tls-');
function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir.path, `${name}.crt`);
  const key = join(dir.path, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
const TOKEN = 'tls-ingest-token-0123456789';
let tls: { cert: string; key: string };
let other: { cert: string; key: string };
let ca: Buffer;
const options: Record<string, unknown> = { ingestToken: TOKEN };
beforeAll(() => {
  tls = selfSigned('collector');
  other = selfSigned('other');
  ca = readFileSync(tls.cert);
  Object.assign(options, { tlsCert: tls.cert, tlsKey: tls.key });
});
const c = useCollector(options);

/** GET over HTTPS trusting the test certificate: status and body. */
function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('HTTPS', () => {
  it('takes OTLP from the official exporter over TLS and serves the API on the same port', async () => {
    expect(c.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'tls-test' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    provider.getTracer('t').startSpan('over tls').end();
    await provider.forceFlush();
    const exporter = new OTLPTraceExporter({
      url: `${c.url}/v1/traces`,
      headers: { authorization: `Bearer ${TOKEN}` },
      httpAgentOptions: { ca },
    });
    const result = await new Promise<{ code: ExportResultCode; error?: Error }>((r) =>
      exporter.export(memory.getFinishedSpans(), r),
    );
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    await c.drained();
    const found = await httpsGet(`${c.url}/api/traces?service=tls-test`);
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body).traces.map((t: { rootOperation: string }) => t.rootOperation)).toEqual(['over tls']);
    // plain HTTP to the TLS port gets no answer from the collector
    const plain = await fetch(`${c.url.replace('https:', 'http:')}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it('refuses a certificate without its key, an unreadable file, or a key of another certificate', () => {
    const data = tempDir('fntrace-tls-bad-');
    expect(() => buildServer({ data, tlsCert: tls.cert })).toThrow(
      'option --tls-key: is needed too: HTTPS takes a certificate and its key',
    );
    expect(() => buildServer({ data, tlsCert: join(dir.path, 'missing.crt'), tlsKey: tls.key })).toThrow(
      /option --tls-cert: cannot read .*missing\.crt: ENOENT/,
    );
    expect(() => buildServer({ data, tlsCert: tls.cert, tlsKey: other.key })).toThrow(
      /option --tls-cert: and --tls-key are not a PEM certificate and its key \(.*key values mismatch/,
    );
  });

  it('serves a renewed certificate to new connections after a reload, and keeps the old one when the new files are bad', async () => {
    const port = Number(new URL(c.url).port);
    expect(await servedFingerprint(port)).toBe(fingerprint(tls.cert));
    // renewed in place, as certbot does
    copyFileSync(other.cert, tls.cert);
    copyFileSync(other.key, tls.key);
    c.server.reloadTls();
    expect(await servedFingerprint(port)).toBe(fingerprint(other.cert));
    writeFileSync(tls.key, 'not a key');
    expect(() => c.server.reloadTls()).toThrow(
      /option --tls-cert: and --tls-key are not a PEM certificate and its key/,
    );
    expect(await servedFingerprint(port)).toBe(fingerprint(other.cert));
  });

  it('reloads on SIGHUP when run as the command', async () => {
    const files = selfSigned('cli');
    const renewed = selfSigned('cli-renewed');
    const port = await freePort();
    const child = killWhenDone(
      spawn(
        process.execPath,
        [CLI, 'collector', '--port', String(port), '--tls-cert', files.cert, '--tls-key', files.key],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, FNTRACE_DATA: tempDir('fntrace-tls-cli-') },
        },
      ),
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      const until = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const t0 = Date.now();
          const tick = () => {
            if (out.includes(text)) resolve();
            else if (Date.now() - t0 > 30_000 || child.exitCode !== null) reject(new Error(`no "${text}" in:\n${out}`));
            else setTimeout(tick, 50);
          };
          tick();
        });
      await until('listening on https://');
      expect(await servedFingerprint(port)).toBe(fingerprint(files.cert));
      copyFileSync(renewed.cert, files.cert);
      copyFileSync(renewed.key, files.key);
      child.kill('SIGHUP');
      await until('TLS certificate reloaded for new connections');
      expect(await servedFingerprint(port)).toBe(fingerprint(renewed.cert));
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 60_000);
});

const fingerprint = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;

/** The SHA-256 fingerprint of the certificate a new TLS connection to 127.0.0.1:port is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}
