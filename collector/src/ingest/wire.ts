import { badOtlp, type CollectorError } from '../errors.js';
import { int64Text } from './time.js';

/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), read in place:
 * one cursor over the request body that every reader of the ingest path moves — the request
 * walk (otlp-walk.ts), the value readers (any-value.ts) and both sinks — so a body is walked
 * once and there is one idea of what is malformed.
 *
 * The cursor is module state, not an object: a request is read synchronously from start to
 * end, and keeping the body and the position in module variables lets V8 keep the hot loops
 * tight (the ingest bench spends most of the collector's main-thread time here). `begin()`
 * takes a body, `end()` lets it go; `bytes()` and `position()` read them, `seek()` moves.
 *
 * Readers take the end of the message they are in: nothing reads past it, and a length that
 * would is malformed, so a bad length inside a span cannot consume its neighbours.
 */
const EMPTY = Buffer.alloc(0);
let buf: Buffer = EMPTY;
let pos = 0;

export function begin(body: Buffer): void {
  buf = body;
  pos = 0;
}

export function end(): void {
  buf = EMPTY;
  pos = 0;
}

/** The body being read. */
export function bytes(): Buffer {
  return buf;
}

/** The read position in {@link bytes}. */
export function position(): number {
  return pos;
}

/** Moves the cursor (readers that scan ahead and come back). */
export function seek(to: number): void {
  pos = to;
}

// Tags (field number << 3 | wire type) the readers share.
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;
export const TAG_1_LEN = (1 << 3) | LEN;
export const TAG_2_LEN = (2 << 3) | LEN;
export const TAG_3_LEN = (3 << 3) | LEN;

export function malformed(detail: string): CollectorError {
  return badOtlp(`invalid protobuf: ${detail}`);
}

// The errors are made by functions of their own: the hot readers below stay small enough
// for V8 to inline them into every loop that calls them.
const truncatedVarint = () => malformed(`truncated varint at offset ${pos}`);
const longVarint = () => malformed(`varint longer than 10 bytes at offset ${pos}`);
const lengthTooLarge = (at: number) => malformed(`length too large at offset ${at}`);
const overrun = (len: number) => malformed(`a field of ${len} bytes at offset ${pos} overruns its message`);

/** A varint's low 32 bits, unsigned (as protobuf's uint32 and, `| 0`, int32 read them). */
export function varint(limit: number): number {
  // the common case: one byte
  if (pos < limit && buf[pos]! < 0x80) return buf[pos++]!;
  let value = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= limit) throw truncatedVarint();
    const b = buf[pos++]!;
    if (shift < 32) value |= (b & 0x7f) << shift;
    if (b < 0x80) return value >>> 0;
  }
  throw longVarint();
}

/** Reads a length prefix and returns where the field ends; the cursor is left at its first byte. */
export function lengthEnd(limit: number): number {
  const at = pos;
  const len = varint(limit);
  // a length of 2^31 or more (or one written in more than 5 bytes) is no real message's
  if (pos - at >= 5 && (pos - at > 5 || buf[pos - 1]! > 7)) throw lengthTooLarge(at);
  const e = pos + len;
  if (e > limit) throw overrun(len);
  return e;
}

/** Skips the field whose tag was just read. Groups (deprecated, but valid protobuf) are skipped whole. */
export function skip(tag: number, limit: number): void {
  if (tag >>> 3 === 0) throw malformed(`field number 0 at offset ${pos}`);
  switch (tag & 7) {
    case VARINT:
      varint(limit);
      return;
    case I64:
      pos += 8;
      break;
    case LEN:
      pos = lengthEnd(limit);
      return;
    case 3: {
      // start group: everything up to the end group of the same field number
      for (;;) {
        if (pos >= limit) throw malformed('unterminated group');
        const t = varint(limit);
        if ((t & 7) === 4) {
          if (t >>> 3 !== tag >>> 3) throw malformed(`mismatched end group at offset ${pos}`);
          return;
        }
        skip(t, limit);
      }
    }
    case I32:
      pos += 4;
      break;
    default:
      throw malformed(`wire type ${tag & 7} at offset ${pos}`);
  }
  if (pos > limit) throw malformed(`a fixed field overruns its message at offset ${pos}`);
}

export function fixed32(limit: number): number {
  if (pos + 4 > limit) throw malformed(`truncated fixed32 at offset ${pos}`);
  const v = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  pos += 4;
  return v;
}

export function double(limit: number): number {
  if (pos + 8 > limit) throw malformed(`truncated double at offset ${pos}`);
  const d = buf.readDoubleLE(pos);
  pos += 8;
  return d;
}

/** A length-delimited string field (U+FFFD for bytes that are not UTF-8). */
export function string(limit: number): string {
  const e = lengthEnd(limit);
  const s = buf.toString('utf8', pos, e);
  pos = e;
  return s;
}

export function text(s: number, e: number): string {
  return buf.toString('utf8', s, e);
}

export function hex(s: number, len: number): string {
  return buf.toString('hex', s, s + len);
}

export function base64(limit: number): string {
  const e = lengthEnd(limit);
  const s = buf.toString('base64', pos, e);
  pos = e;
  return s;
}

export function allZero(s: number, len: number): boolean {
  for (let i = s; i < s + len; i++) if (buf[i] !== 0) return false;
  return true;
}

/** An int64 varint as decimal text, without a Long object (attribute values, log bodies). */
export function int64(limit: number): string {
  let lo = 0;
  let hi = 0;
  let b = 0;
  // bytes 1-4 carry bits 0-27
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= limit) throw malformed('truncated varint');
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
    if (b < 0x80) return String(lo >>> 0);
  }
  // byte 5 carries bits 28-34, across the halves
  if (pos >= limit) throw malformed('truncated varint');
  b = buf[pos++]!;
  lo = (lo | ((b & 0x7f) << 28)) >>> 0;
  hi = (b & 0x7f) >>> 4;
  if (b >= 0x80) {
    // bytes 6-10 carry bits 35-63
    for (let shift = 3; ; shift += 7) {
      if (shift > 31) throw malformed('varint longer than 10 bytes');
      if (pos >= limit) throw malformed('truncated varint');
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
  }
  return int64Text(lo, hi >>> 0);
}

// Attribute keys come from a small vocabulary and repeat in every span. Decoding each one
// anew costs an allocation, and using a fresh string as an object key costs V8 a lookup in
// its string table; returning the same string for the same bytes avoids both (measured: a
// quarter of the row builder's time on spans with 20 attributes). The cache is a direct-mapped
// table keyed by a hash of the bytes and checked byte for byte, so a collision only costs a miss.
const KEY_CACHE_SLOTS = 4096;
const KEY_CACHE_MAX_BYTES = 64;
const keyCacheBytes: (Uint8Array | undefined)[] = new Array(KEY_CACHE_SLOTS).fill(undefined);
const keyCacheStrings: string[] = new Array(KEY_CACHE_SLOTS).fill('');

/** The text of `buf[s, e)`, a KeyValue key, through the key cache. */
export function key(s: number, e: number): string {
  const len = e - s;
  if (len > KEY_CACHE_MAX_BYTES) return buf.toString('utf8', s, e);
  // FNV-1a over the bytes
  let h = 0x811c9dc5 ^ len;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const slot = (h >>> 0) & (KEY_CACHE_SLOTS - 1);
  const cached = keyCacheBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached[i] === buf[s + i]) i++;
    if (i === len) return keyCacheStrings[slot]!;
  }
  const k = buf.toString('utf8', s, e);
  // a copy: a view would pin (and could see reuse of) the request's buffer
  keyCacheBytes[slot] = Uint8Array.prototype.slice.call(buf, s, e);
  keyCacheStrings[slot] = k;
  return k;
}
