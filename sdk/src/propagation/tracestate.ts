import type { TraceState } from '@opentelemetry/api';

/**
 * W3C `tracestate` (Trace Context §3.3): an ordered list of at most 32 `key=value`
 * members. The parser is strict where the text is: one invalid member, a repeated key,
 * or more than 32 members and the whole header is discarded (the `traceparent` is kept),
 * because propagating part of a list the vendor cannot read could corrupt its state.
 * Empty and whitespace-only members are allowed (they arise when several `tracestate`
 * fields are joined) and are neither counted nor propagated.
 *
 * Keys: `lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/")`, or multi-tenant
 * `tenant@system` with a tenant of 1–241 and a system of 1–14 such characters (the
 * tenant may start with a digit, the system may not). Values: 1–256 printable ASCII
 * characters other than `,` and `=`, not ending in a space.
 *
 * When propagating, a list longer than 512 characters is cut as §3.3.1.5 says: members
 * over 128 characters go first, then members from the end.
 */
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const MAX_MEMBERS = 32;
const MAX_PROPAGATED = 512;
const LARGE_MEMBER = 128;

type Member = readonly [key: string, value: string];

class W3CTraceState implements TraceState {
  constructor(private readonly members: readonly Member[]) {}

  get(key: string): string | undefined {
    return this.members.find((m) => m[0] === key)?.[1];
  }

  /** A copy with `key` set and moved to the front (§3.3.1.3: an updated member goes first). */
  set(key: string, value: string): TraceState {
    if (!KEY.test(key) || !VALUE.test(value)) return this;
    const rest = this.members.filter((m) => m[0] !== key);
    return new W3CTraceState([[key, value] as Member, ...rest].slice(0, MAX_MEMBERS));
  }

  unset(key: string): TraceState {
    return new W3CTraceState(this.members.filter((m) => m[0] !== key));
  }

  serialize(): string {
    const kept = this.members.map((m) => `${m[0]}=${m[1]}`);
    let length = kept.reduce((n, s) => n + s.length + 1, -1);
    // the large members first, from the right, then any member from the right
    for (let i = kept.length - 1; i >= 0 && length > MAX_PROPAGATED; i--) {
      if (kept[i]!.length > LARGE_MEMBER) length -= kept.splice(i, 1)[0]!.length + 1;
    }
    while (length > MAX_PROPAGATED) length -= kept.pop()!.length + 1;
    return kept.join(',');
  }
}

/** Parse a (combined) `tracestate` value; undefined when absent, empty or invalid. */
export function parseTracestate(header: string | undefined): TraceState | undefined {
  if (typeof header !== 'string') return undefined;
  const members: Member[] = [];
  const seen = new Set<string>();
  for (const raw of header.split(',')) {
    const member = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!KEY.test(key) || !VALUE.test(value) || seen.has(key)) return undefined;
    seen.add(key);
    members.push([key, value]);
    if (members.length > MAX_MEMBERS) return undefined;
  }
  return members.length > 0 ? new W3CTraceState(members) : undefined;
}
