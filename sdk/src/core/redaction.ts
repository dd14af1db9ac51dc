/**
 * Secret redaction by key name, applied to log objects (any depth) and span attribute
 * keys. pino's path-based `redact` needs every path spelled out in advance; secrets in
 * serverless events turn up at any depth (`headers.Authorization`,
 * `body.credentials.password`), so matching is by key name here.
 * Never mutates its input: objects that hold a secret are copied on the way down.
 */
export const REDACTED = '[REDACTED]';

const BUILT_IN = ['authorization', 'cookie', 'password', 'passwd', 'token', 'secret', 'api[-_. ]?key', 'apikey'];

export type KeyMatcher = (key: string) => boolean;

export function makeKeyMatcher(extra: readonly string[] = []): KeyMatcher {
  const escaped = extra.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(${[...BUILT_IN, ...escaped].join('|')})`, 'i');
  const cache = new Map<string, boolean>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = re.test(key);
      if (cache.size < 10_000) cache.set(key, hit);
    }
    return hit;
  };
}

const MAX_DEPTH = 8;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Returns `value` itself when nothing needs redacting, else a redacted copy. */
export function redactDeep<T>(value: T, isSecret: KeyMatcher, depth = 0): T {
  if (depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = redactDeep(value[i], isSecret, depth + 1);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return (copy ?? value) as T;
  }
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const next = isSecret(key) && v !== undefined && v !== null ? REDACTED : redactDeep(v, isSecret, depth + 1);
    if (next !== v) {
      copy ??= { ...value };
      copy[key] = next;
    }
  }
  return (copy ?? value) as T;
}

/** Redact the values of secret-named query parameters in `a=1&token=x`. */
export function redactQuery(query: string, isSecret: KeyMatcher): string {
  if (!query) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && isSecret(decodeSafe(key)) ? `${key}=${REDACTED}` : pair;
    })
    .join('&');
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
