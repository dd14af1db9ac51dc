import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { buildServer } from '../../collector/src/index.js';
import { useCollector } from './helpers.js';

// HTTPS with --tls-cert/--tls-key: a self-signed certificate for 127.0.0.1 made by openssl,
// the official OTLP exporter trusting it, and the API read over the same port.
const dir = mkdtempSync(join(tmpdir(), 'fntrace-tls-'));
function selfSigned(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
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
const tls = selfSigned('collector');
const other = selfSigned('other');
const ca = readFileSync(tls.cert);
const TOKEN = 'tls-ingest-token-0123456789';
const c = useCollector({ tlsCert: tls.cert, tlsKey: tls.key, ingestToken: TOKEN });

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
    const data = mkdtempSync(join(tmpdir(), 'fntrace-tls-bad-'));
    expect(() => buildServer({ data, tlsCert: tls.cert })).toThrow(
      'option --tls-key: is needed too: HTTPS takes a certificate and its key',
    );
    expect(() => buildServer({ data, tlsCert: join(dir, 'missing.crt'), tlsKey: tls.key })).toThrow(
      /option --tls-cert: cannot read .*missing\.crt \(ENOENT\)/,
    );
    expect(() => buildServer({ data, tlsCert: tls.cert, tlsKey: other.key })).toThrow(
      /option --tls-cert: and --tls-key are not a PEM certificate and its key \(.*key values mismatch/,
    );
  });
});
