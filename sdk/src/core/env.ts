/**
 * The thin layer that reads environment variables. Nothing else in the SDK touches
 * `process.env`, so fetch-style runtimes (which pass bindings instead) plug in here.
 * Returns raw strings; `config.ts` validates and applies defaults.
 */
export type Env = Record<string, string | undefined>;

export function processEnv(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}
