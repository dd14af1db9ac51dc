import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../sdk/src/core/config.js';
import { type DiagnosticEvent, setDiagnosticsSink } from '../../sdk/src/core/diagnostics.js';
import { resolveWrapOptions } from '../../sdk/src/core/options.js';
import { makeKeyMatcher, redactDeep } from '../../sdk/src/core/redaction.js';

const events: DiagnosticEvent[] = [];
setDiagnosticsSink((e) => events.push(e));
afterEach(() => {
  events.length = 0;
});

describe('configuration from the environment', () => {
  it('uses the defaults with an empty environment', () => {
    const cfg = resolveConfig({});
    expect(cfg).toMatchObject({
      serviceName: 'unknown_service',
      tracesEndpoint: 'http://localhost:4318/v1/traces',
      logsEndpoint: 'http://localhost:4318/v1/logs',
      sampler: 'parentbased_always_on',
      flushTimeoutMs: 500,
      timeoutMarginMs: 500,
      maxQueueSize: 2048,
      shutdownFlushTimeoutMs: 250,
      logLevel: 'info',
      exportLogs: true,
      disabled: false,
    });
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('reads the standard OTEL_* variables first', () => {
    const cfg = resolveConfig({
      OTEL_SERVICE_NAME: 'checkout',
      AWS_LAMBDA_FUNCTION_NAME: 'checkout-fn',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.example:4318/',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'https://logs.example/v1/logs',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=pay',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=pay',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(cfg.serviceName).toBe('checkout');
    expect(cfg.tracesEndpoint).toBe('https://collector.example:4318/v1/traces');
    expect(cfg.logsEndpoint).toBe('https://logs.example/v1/logs');
    expect(cfg.headers).toEqual({ authorization: 'Bearer abc', 'x-team': 'pay' });
    expect(cfg.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod', team: 'pay' });
    expect([cfg.sampler, cfg.samplerArg]).toEqual(['parentbased_traceidratio', 0.25]);
  });

  it('falls back to the function name for service.name', () => {
    expect(resolveConfig({ AWS_LAMBDA_FUNCTION_NAME: 'orders' }).serviceName).toBe('orders');
  });

  it('clamps out-of-range numbers and reports bad values once, without throwing', () => {
    const cfg = resolveConfig({
      FNTRACE_FLUSH_TIMEOUT_MS: '-5',
      FNTRACE_MAX_QUEUE_SIZE: 'lots',
      OTEL_TRACES_SAMPLER: 'xray',
    });
    expect(cfg.flushTimeoutMs).toBe(0);
    expect(cfg.maxQueueSize).toBe(2048);
    expect(cfg.sampler).toBe('parentbased_always_on');
    expect(events.map((e) => e.code)).toEqual(['FNTRACE_ERR_SDK_BAD_ENV']);
  });
});

describe('shutdown flush budget', () => {
  it('reads FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS, where 0 turns the SIGTERM flush off', () => {
    expect(resolveConfig({ FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: '1500' }).shutdownFlushTimeoutMs).toBe(1500);
    expect(resolveConfig({ FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: '0' }).shutdownFlushTimeoutMs).toBe(0);
    expect(resolveConfig({ FNTRACE_SHUTDOWN_FLUSH_TIMEOUT_MS: 'soon' }).shutdownFlushTimeoutMs).toBe(250);
  });
});

describe('wrap options', () => {
  it('lets code override the environment', () => {
    const cfg = resolveConfig({ FNTRACE_FLUSH_TIMEOUT_MS: '900' });
    expect(resolveWrapOptions(undefined, cfg).flushTimeoutMs).toBe(900);
    expect(resolveWrapOptions({ flushTimeoutMs: 100 }, cfg)).toEqual({ flushTimeoutMs: 100, timeoutMarginMs: 500 });
  });

  it('fails at set-up with a coded error naming the option', () => {
    expect(() => resolveWrapOptions({ timeoutMarginMs: -1 }, resolveConfig({}))).toThrowError(
      expect.objectContaining({
        code: 'FNTRACE_ERR_SDK_INVALID_OPTION',
        message: expect.stringContaining('timeoutMarginMs'),
      }),
    );
  });
});

describe('redaction', () => {
  const isSecret = makeKeyMatcher(['ssn']);
  it('redacts secret keys at any depth and leaves the input untouched', () => {
    const input = {
      user: 'ann',
      headers: { Authorization: 'Bearer x', Cookie: 'a=b' },
      list: [{ client_secret: 's', ok: 1 }],
      ssn: '123',
    };
    const out = redactDeep(input, isSecret);
    expect(out).toEqual({
      user: 'ann',
      headers: { Authorization: '[REDACTED]', Cookie: '[REDACTED]' },
      list: [{ client_secret: '[REDACTED]', ok: 1 }],
      ssn: '[REDACTED]',
    });
    expect(input.headers.Authorization).toBe('Bearer x');
  });

  it('returns the same object when nothing is secret', () => {
    const input = { a: 1, b: { c: [1, 2] } };
    expect(redactDeep(input, isSecret)).toBe(input);
  });
});

describe('wrap()', () => {
  it('refuses something that is not a handler with a coded error', async () => {
    const { wrap } = await import('../../sdk/src/adapters/aws-lambda/wrap.js');
    expect(() => wrap('handler' as never)).toThrowError(
      expect.objectContaining({ code: 'FNTRACE_ERR_SDK_INVALID_HANDLER' }),
    );
  });
});
