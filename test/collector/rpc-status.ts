import protobuf from 'protobufjs/minimal.js';

/**
 * A `google.rpc.Status` (the body of an OTLP/HTTP protobuf error) read with protobufjs's
 * Reader: field 1 the gRPC code, field 2 the message, others skipped.
 */
export function decodeStatus(bytes: Uint8Array): { code?: number; message?: string } {
  const r = protobuf.Reader.create(bytes);
  const out: { code?: number; message?: string } = {};
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) out.code = r.int32();
    else if (tag === 0x12) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}
