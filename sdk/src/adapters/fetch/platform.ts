import type { AlsClass } from '../../core/async-local-storage.js';
import type { Env } from '../../core/env.js';
import type { Platform } from '../../core/setup.js';
import { fetchTransport } from '../../export/transport-fetch.js';
import { exportUrlMatcher, instrumentGlobalFetch, unwrappedFetch } from './outgoing-fetch.js';

/**
 * The platform of the workers-safe entries: OTLP over `fetch`, outgoing calls traced by
 * wrapping `fetch`, the `AsyncLocalStorage` found at the first call (or the ambient context),
 * and no `node:` import anywhere. Resource attributes come from the adapter.
 */
type G = {
  navigator?: { userAgent?: string };
  Deno?: { version?: { deno?: string } };
  Bun?: { version?: string };
  EdgeRuntime?: string;
  process?: { versions?: { node?: string } };
};

/** `process.runtime.name` of the runtime this runs on. */
export function runtimeName(): string {
  const g = globalThis as G;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (g.Deno?.version?.deno) return 'deno';
  if (g.Bun?.version) return 'bun';
  if (typeof g.EdgeRuntime === 'string') return 'edge-light';
  if (g.process?.versions?.node) return 'nodejs';
  return 'unknown';
}

export function workersSafePlatform(resourceAttributes: (env: Env) => Record<string, string | number>, Als: AlsClass) {
  const platform: Platform = {
    resourceAttributes,
    Als,
    transport: fetchTransport(unwrappedFetch),
    instrument(sdk) {
      if (sdk.config.traceOutgoing) instrumentGlobalFetch(exportUrlMatcher(sdk));
      return undefined;
    },
  };
  return platform;
}

/** Run at each invocation's start: wrap `globalThis.fetch` again if something replaced it. */
export const rewrapFetch = (): void => instrumentGlobalFetch();

/**
 * Resource attributes of a fetch-style function, from what each platform sets: Vercel
 * (`VERCEL`, `VERCEL_REGION`, `VERCEL_DEPLOYMENT_ID`), Netlify (its `Netlify` global; its
 * functions run on AWS Lambda, which sets `AWS_REGION`), Deno Deploy (`DENO_DEPLOYMENT_ID`,
 * `DENO_REGION`); Bun and a plain Node server name only their runtime.
 */
export function fetchStyleResource(env: Env): Record<string, string | number> {
  const attrs: Record<string, string | number> = { 'process.runtime.name': runtimeName() };
  if (env.VERCEL) {
    attrs['cloud.provider'] = 'vercel';
    if (env.VERCEL_REGION) attrs['cloud.region'] = env.VERCEL_REGION;
    if (env.VERCEL_DEPLOYMENT_ID) attrs['faas.version'] = env.VERCEL_DEPLOYMENT_ID;
  } else if ((globalThis as { Netlify?: unknown }).Netlify !== undefined || env.NETLIFY) {
    attrs['cloud.provider'] = 'netlify';
    if (env.AWS_REGION) attrs['cloud.region'] = env.AWS_REGION;
  } else if (env.DENO_DEPLOYMENT_ID) {
    attrs['cloud.provider'] = 'deno';
    attrs['faas.version'] = env.DENO_DEPLOYMENT_ID;
    if (env.DENO_REGION) attrs['cloud.region'] = env.DENO_REGION;
  }
  return attrs;
}
