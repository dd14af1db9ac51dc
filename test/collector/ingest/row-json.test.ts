import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeLogsProto, decodeTracesProto } from '../../../collector/src/ingest/otlp-proto.js';
import { rowsToJsonLines } from '../../../collector/src/ingest/row-json.js';
import { LOG_COLUMNS, SPAN_COLUMNS } from '../../../collector/src/store/columns.js';
import { engineReader } from '../fixtures/engine-rows.js';
import { sdkLogs, sdkSpans } from '../fixtures/otlp.js';

// The spool's row text leaves out default-valued fields and reuses shared attribute maps;
// the engine must read it as exactly the rows JSON.stringify would give.
const engine = engineReader('fntrace-rowjson-');
afterAll(() => engine.close());
const parsed = engine.rows;

describe('rowsToJsonLines', () => {
  it('is read by the engine as the same span rows as JSON.stringify per row', async () => {
    const { spans } = await sdkSpans();
    const { rows } = decodeTracesProto(ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(rows.length).toBeGreaterThan(2);
    const plain = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    const compact = rowsToJsonLines(rows);
    expect(compact.length).toBeLessThan(plain.length);
    expect(compact.split('\n')).toHaveLength(rows.length + 1);
    // defaults are left out: no empty arrays, strings or maps in the text
    expect(compact).not.toMatch(/:\[\]|:""|:\{\}/);
    const a = await parsed(plain, SPAN_COLUMNS);
    expect(a).toHaveLength(rows.length);
    expect(await parsed(compact, SPAN_COLUMNS)).toEqual(a);
  });

  it('is read by the engine as the same log rows as JSON.stringify per row', async () => {
    const { rows } = decodeLogsProto(ProtobufLogsSerializer.serializeRequest(await sdkLogs())!);
    const plain = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    const a = await parsed(plain, LOG_COLUMNS);
    expect(a).toHaveLength(rows.length);
    expect(await parsed(rowsToJsonLines(rows), LOG_COLUMNS)).toEqual(a);
  });

  it('writes a shared attribute map once and reuses its text', () => {
    const resource = { 'service.name': 'orders', 'cloud.region': 'eu-west-1' };
    const lines = rowsToJsonLines([
      { SpanName: 'a', ResourceAttributes: resource, ScopeAttributes: {} },
      { SpanName: 'b', ResourceAttributes: resource, ScopeAttributes: {} },
    ]).split('\n');
    expect(lines).toEqual([
      '{"SpanName":"a","ResourceAttributes":{"service.name":"orders","cloud.region":"eu-west-1"}}',
      '{"SpanName":"b","ResourceAttributes":{"service.name":"orders","cloud.region":"eu-west-1"}}',
      '',
    ]);
  });
});
