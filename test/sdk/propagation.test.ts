import { propagation } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatBaggage, parseBaggage } from '../../sdk/src/propagation/baggage.js';
import { formatTraceparent, parseTraceparent } from '../../sdk/src/propagation/traceparent.js';
import { parseXrayHeader } from '../../sdk/src/propagation/xray.js';

describe('traceparent', () => {
  it('parses a valid header and formats it back', () => {
    const ctx = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'congo=t61rcWkgMzE')!;
    expect(ctx).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(ctx.traceState?.get('congo')).toBe('t61rcWkgMzE');
    expect(formatTraceparent(ctx)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  });

  it.each([
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['extra field on version 00', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
    ['short id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['garbage', 'hello'],
  ])('rejects %s', (_what, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('accepts a future version with extra fields', () => {
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')?.spanId).toBe(
      '00f067aa0ba902b7',
    );
  });
});

describe('X-Ray header', () => {
  it('converts a sampled header into a W3C span context', () => {
    expect(parseXrayHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).toMatchObject(
      {
        traceId: '5759e988bd862e3fe1be46a994272793',
        spanId: '53995c3f42cd8ad8',
        traceFlags: 1,
      },
    );
  });

  it.each([
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0',
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8',
    'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    'Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
  ])('ignores %s', (header) => {
    expect(parseXrayHeader(header)).toBeUndefined();
  });
});

describe('baggage', () => {
  it('round-trips members with percent-encoding and properties', () => {
    const bag = parseBaggage('correlation_id=abc%20123, tenant=acme;prop=1,bad,=novalue')!;
    expect(bag.getEntry('correlation_id')?.value).toBe('abc 123');
    expect(bag.getEntry('tenant')?.value).toBe('acme');
    expect(bag.getAllEntries()).toHaveLength(2);
    expect(formatBaggage(bag)).toBe('correlation_id=abc%20123,tenant=acme;prop=1');
  });

  it('keeps the spec limits when formatting', () => {
    let bag = propagation.createBaggage();
    for (let i = 0; i < 100; i++) bag = bag.setEntry(`k${i}`, { value: 'v' });
    expect(formatBaggage(bag).split(',')).toHaveLength(64);
  });
});
