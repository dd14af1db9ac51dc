/**
 * Random trace and span ids from Web Crypto (global in Node ≥ 19 and every edge
 * runtime), refilled in blocks so an id costs a slice, not a syscall.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL = new Uint8Array(4096);
let offset = POOL.length;

function hex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    globalThis.crypto.getRandomValues(POOL);
    offset = 0;
  }
  let out = '';
  let allZero = true;
  for (let i = 0; i < bytes; i++) {
    const b = POOL[offset + i]!;
    if (b !== 0) allZero = false;
    out += HEX[b];
  }
  offset += bytes;
  // an all-zero id is invalid in W3C Trace Context; draw again (probability 2^-64 or less)
  return allZero ? hex(bytes) : out;
}

export const newTraceId = (): string => hex(16);
export const newSpanId = (): string => hex(8);
