/**
 * The thin layer that reads environment variables. Nothing else in the SDK touches
 * `process.env`, so fetch-style runtimes (which pass bindings instead) plug in here.
 * Returns raw strings; `config.ts` validates and applies defaults.
 */
export type Env = Record<string, string | undefined>;

// Cloudflare Workers have no process environment: their variables and secrets arrive as the
// `env` argument of each call, and the adapter binds the first call's here (see setup.ts
// `configureEnv`).
let bound: Env | undefined;

/** Read variables from `env` from now on instead of `process.env`. Only string values are kept. */
export function bindEnv(env: Record<string, unknown>): void {
  const strings: Env = {};
  for (const key of Object.keys(env)) {
    const v = env[key];
    if (typeof v === 'string') strings[key] = v;
  }
  bound = strings;
}

export function processEnv(): Env {
  if (bound) return bound;
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}
