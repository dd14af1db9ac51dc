import type { Env } from '../../core/env.js';
import { newTraceId } from '../../core/ids.js';

/**
 * Cloudflare Workers' resource attributes. A Worker cannot read its own name, version or
 * location from a variable, so: `faas.name` is `OTEL_SERVICE_NAME` (set it in
 * wrangler.toml's `[vars]`), `cloud.region` the data centre (`request.cf.colo`) of the
 * isolate's first request — an isolate lives in one — and `faas.instance` a random id drawn
 * when the isolate serves its first call, which tells isolates (and so cold starts) apart.
 * `faas.max_memory` is the 128 MB every isolate gets.
 */
export const ISOLATE_MEMORY_BYTES = 128 * 1024 * 1024;

export function workersResource(env: Env, colo: string | undefined): Record<string, string | number> {
  const attrs: Record<string, string | number> = {
    'cloud.provider': 'cloudflare',
    'cloud.platform': 'cloudflare.workers',
    'faas.instance': newTraceId(),
    'faas.max_memory': ISOLATE_MEMORY_BYTES,
    'process.runtime.name': 'workerd',
  };
  if (env.OTEL_SERVICE_NAME) attrs['faas.name'] = env.OTEL_SERVICE_NAME;
  if (colo) attrs['cloud.region'] = colo;
  return attrs;
}
