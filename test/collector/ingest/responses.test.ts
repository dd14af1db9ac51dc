import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { encodeLogsResponse, encodeStatus, encodeTraceResponse } from '../../../collector/src/ingest/proto-response.js';
import { decodeStatus } from '../rpc-status.js';

// The SDK's own response parsers are the reference readers: what an OTLP exporter will see.

describe('encodeTraceResponse', () => {
  it('is the empty message when everything was accepted', () => {
    const body = encodeTraceResponse(0, '');
    expect(body).toHaveLength(0);
    expect(ProtobufTraceSerializer.deserializeResponse(body)).toEqual({});
  });

  it('carries rejected spans and the message in partial_success', () => {
    const body = encodeTraceResponse(3, 'span refused: trace_id must be 16 bytes, not all zero');
    expect(ProtobufTraceSerializer.deserializeResponse(body)).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: 'span refused: trace_id must be 16 bytes, not all zero' },
    });
  });

  it('encodes large counts as int64 varints', () => {
    expect(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse(2 ** 40 + 1, 'x'))).toEqual({
      partialSuccess: { rejectedSpans: 2 ** 40 + 1, errorMessage: 'x' },
    });
  });

  it('sends a message without a count as a warning, and a count without a message', () => {
    expect(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse(0, 'slow down'))).toEqual({
      partialSuccess: { errorMessage: 'slow down' },
    });
    expect(ProtobufTraceSerializer.deserializeResponse(encodeTraceResponse(1, ''))).toEqual({
      partialSuccess: { rejectedSpans: 1 },
    });
  });

  it('writes the exact bytes of ExportTraceServiceResponse', () => {
    // field 1 (len 5) { field 1 varint 2, field 2 string "ab" }
    expect(Buffer.from(encodeTraceResponse(2, 'ab')).toString('hex')).toBe('0a0608021202' + '6162');
  });

  it('refuses negative or fractional counts', () => {
    expect(() => encodeTraceResponse(-1, '')).toThrow(RangeError);
    expect(() => encodeTraceResponse(1.5, '')).toThrow(RangeError);
  });
});

describe('encodeLogsResponse', () => {
  it('is the empty message when everything was accepted', () => {
    expect(encodeLogsResponse(0, '')).toHaveLength(0);
  });

  it('carries rejected log records and the message in partial_success', () => {
    expect(ProtobufLogsSerializer.deserializeResponse(encodeLogsResponse(2, 'log record refused'))).toEqual({
      partialSuccess: { rejectedLogRecords: 2, errorMessage: 'log record refused' },
    });
  });
});

describe('encodeStatus', () => {
  it('encodes google.rpc.Status code and message', () => {
    expect(decodeStatus(encodeStatus(3, 'invalid protobuf: truncated'))).toEqual({
      code: 3,
      message: 'invalid protobuf: truncated',
    });
    expect(Buffer.from(encodeStatus(14, 'é')).toString('hex')).toBe('080e1202c3a9');
  });

  it('leaves out default values', () => {
    expect(encodeStatus(0, '')).toHaveLength(0);
    expect(decodeStatus(encodeStatus(8, ''))).toEqual({ code: 8 });
  });
});
