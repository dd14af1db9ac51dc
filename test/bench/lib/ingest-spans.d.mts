// Types for what TypeScript tests use of ingest-spans.mjs (the bench's span generator).
export function encodeRequest(
  k: number,
  options: { spansPerRequest?: number; seed?: number; baseNs: bigint; stepNs?: bigint },
): Buffer;
export function windowStartNs(now?: number): bigint;
