import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { useReceiver } from '../../helpers/otlp-receiver.js';
import { serveInTest, startMetadataServer } from './gcp/serve.js';

// What happens around invocations on Google Cloud, each in a fresh functions-framework process:
// the timeout guard (Cloud Run functions' CLOUD_RUN_TIMEOUT_SECONDS), the flush on SIGTERM (the
// framework's own SIGTERM listener exits at once), and what the metadata server tells.
const rx = useReceiver();

const get = (url: string, executionId: string) => fetch(url, { headers: { 'function-execution-id': executionId } });

describe('Google Cloud lifecycle', () => {
  it('end the invocation before the configured timeout, naming what was still open', async () => {
    const fn = await serveInTest({
      source: 'functions.cjs',
      target: 'httpFn',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, CLOUD_RUN_TIMEOUT_SECONDS: '1' },
    });
    // the function answers after its 1 s timeout; the guard fired before it
    const res = await get(new URL('/?sleepMs=1500', fn.url).href, 'exec-slow');
    expect(res.status).toBe(200);

    const span = rx.invocationSpan('exec-slow')!;
    expect(span.status.code).toBe(2);
    expect(span.attrs).toMatchObject({ 'fntrace.timeout': true, 'error.type': 'timeout' });
    const fatal = fn.logs().find((l) => l.level === 'fatal')!;
    expect(fatal).toMatchObject({ severity: 'CRITICAL', 'error.type': 'timeout', span_id: span.spanId });
    expect(fatal.open_spans).toEqual([]);
  });

  it('flush what is held when Cloud Run sends SIGTERM, although the framework exits on it at once', async () => {
    const fn = await serveInTest({
      source: 'functions.cjs',
      target: 'httpFn',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: '2000' },
    });
    // the invocation's own flush is refused (traces and logs): its telemetry is kept
    rx.behave({ status: 503, times: 2 });
    onTestFinished(() => rx.behave({}));
    await get(fn.url, 'exec-before-term');
    expect(rx.invocationSpan('exec-before-term')).toBeUndefined();

    const ended = await fn.stop('SIGTERM');
    expect(ended.code).toBe(0); // the framework's process.exit(), held for the flush
    expect(rx.invocationSpan('exec-before-term')).toBeDefined();
    expect(rx.logs().some((l) => l.body === 'handling' && l.attrs.invocation_id === 'exec-before-term')).toBe(true);
  });

  it('learn the project, region and instance from the metadata server when the environment does not say them', async () => {
    const metadata = await startMetadataServer({
      'project/project-id': 'meta-project',
      'instance/region': 'projects/123456789/regions/asia-northeast1',
      'instance/id': '00bf4bf02d7c6e3a',
    });
    onTestFinished(() => metadata.close());
    const fn = await serveInTest({
      source: 'functions.cjs',
      target: 'httpFn',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, GCE_METADATA_HOST: metadata.host },
    });
    await vi.waitFor(() => expect(metadata.requests).toHaveLength(3));
    await get(fn.url, 'exec-meta');

    const span = rx.invocationSpan('exec-meta')!;
    expect(span.resource['cloud.account.id']).toBeUndefined();
    expect(span.attrs).toMatchObject({
      'cloud.account.id': 'meta-project',
      'cloud.region': 'asia-northeast1',
      'faas.instance': '00bf4bf02d7c6e3a',
    });
    const line = fn.logs().find((l) => l.invocation_id === 'exec-meta')!;
    expect(line['logging.googleapis.com/trace']).toBe(`projects/meta-project/traces/${span.traceId}`);
  });
});
