/**
 * Protobuf bodies of the collector's OTLP/HTTP answers to protobuf requests: the export
 * responses (with `partial_success` when items were refused) and the `google.rpc.Status`
 * that OTLP/HTTP sends as the body of an error status.
 */
import protobuf from 'protobufjs/minimal.js';

/**
 * ExportTraceServiceResponse{partial_success=1: ExportTracePartialSuccess{rejected_spans=1
 * (int64), error_message=2}}. With nothing rejected and no message this is the empty message:
 * zero bytes, which OTLP reads as full success.
 */
export function encodeTraceResponse(rejectedSpans: number, message: string): Uint8Array {
  return encodeExportResponse(rejectedSpans, message);
}

/**
 * ExportLogsServiceResponse{partial_success=1: ExportLogsPartialSuccess{rejected_log_records=1
 * (int64), error_message=2}}; zero bytes when everything was accepted without a message.
 */
export function encodeLogsResponse(rejectedLogRecords: number, message: string): Uint8Array {
  return encodeExportResponse(rejectedLogRecords, message);
}

/**
 * google.rpc.Status{code=1 (int32), message=2}: the body OTLP/HTTP expects with a 4xx/5xx
 * answer to a protobuf request. `code` is a gRPC status code (3 INVALID_ARGUMENT, 8
 * RESOURCE_EXHAUSTED, 14 UNAVAILABLE, ...).
 */
export function encodeStatus(code: number, message: string): Uint8Array {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32((1 << 3) | 0).int32(code);
  if (message !== '') w.uint32((2 << 3) | 2).string(message);
  return w.finish();
}

// Traces and logs share the response shape (and field numbers); only the names differ.
function encodeExportResponse(rejected: number, message: string): Uint8Array {
  if (!Number.isSafeInteger(rejected) || rejected < 0) {
    throw new RangeError(`rejected count must be a non-negative integer, not ${rejected}`);
  }
  // OTLP: partial_success set with rejected 0 and a message carries a warning, so only an
  // all-accepted, message-free answer is left empty.
  if (rejected === 0 && message === '') return new Uint8Array(0);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  if (rejected !== 0) w.uint32((1 << 3) | 0).int64(rejected);
  if (message !== '') w.uint32((2 << 3) | 2).string(message);
  w.ldelim();
  return w.finish();
}
